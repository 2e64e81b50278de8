"""The project's version (the file VERSION at the repository root; scripts/set-version.sh keeps this copy in
step and ctest install.version checks it). ``coinjecture.__version__`` stays the original's "4.0.0"."""

__project_version__ = "1.2.0"
