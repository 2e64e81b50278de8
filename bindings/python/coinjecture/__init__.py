"""COINjecture Network B consensus core for Python.

``coinjecture._core`` is a C extension (CPython C API) over libcoinjecture_core and a drop-in for the
original PyO3 module: same function names, argument forms and return types. Differences, all
deliberate: ``verify_subset_sum_py`` returns False for a well-formed solution that breaks a rule (the
original raised ValueError), ``encode_block_py`` / ``decode_block_py`` work (stubs in the original),
a missing dict key raises KeyError (the original panicked), and every integer field takes its full
64-bit range.

Package-level names kept from the original: the types of :mod:`coinjecture.types`, ``CODEC_VERSION``,
``RUST_AVAILABLE`` (alias of ``NATIVE_AVAILABLE``: the core is C now), ``__version__`` (the original's
"4.0.0", kept for drop-in) and the ``_core`` functions. This project's own version is
``__project_version__`` (also the pip distribution's version); ``LIBRARY_VERSION`` is the version of the C
library the extension was built with. :mod:`coinjecture.reference` is an independent pure-Python
implementation.

Without the extension (a source tree, or an interpreter it was not installed for) the package still imports,
for :mod:`coinjecture.reference` and :mod:`coinjecture.types`, with ``NATIVE_AVAILABLE`` False; any native
name (``coinjecture.sha256_hash``, ``from coinjecture import sha256_hash``) then raises an ImportError that
says how to install the extension into the running interpreter.

Crypto backend: the library reads ``COINJECTURE_CRYPTO_BACKEND`` (``reference`` or ``accelerated``) on
first use; ``set_backend(name)`` / ``backend()`` choose and report it at run time.
"""

import os as _os
import sys as _sys
import warnings as _warnings

from ._version import __project_version__

_NATIVE_NAMES = (
    "LIBRARY_VERSION", "backend", "backend_info", "backends", "compute_epoch_salt_py",
    "compute_header_hash_py", "compute_merkle_root_py", "compute_miner_salt_py", "compute_transaction_hash_py",
    "decode_block_py", "derive_address_from_pubkey", "double_sha256_hash", "encode_block_py",
    "encode_transaction_py", "set_backend", "sha256_hash", "verify_subset_sum_py",
)

try:
    from ._core import (  # noqa: F401
        CODEC_VERSION,
        LIBRARY_VERSION,
        backend,
        backend_info,
        backends,
        compute_epoch_salt_py,
        compute_header_hash_py,
        compute_merkle_root_py,
        compute_miner_salt_py,
        compute_transaction_hash_py,
        decode_block_py,
        derive_address_from_pubkey,
        double_sha256_hash,
        encode_block_py,
        encode_transaction_py,
        set_backend,
        sha256_hash,
        verify_subset_sum_py,
    )
    from ._core import __version__ as _native_version

    NATIVE_AVAILABLE = True
except ImportError as _e:  # the extension was not built or installed for this interpreter
    NATIVE_AVAILABLE = False
    _import_error = str(_e)
    CODEC_VERSION = 1

    def _missing_native_message(name):
        here = _os.path.dirname(_os.path.abspath(__file__))
        src = _os.path.dirname(here)
        if not _os.path.isfile(_os.path.join(src, "pyproject.toml")):
            src = "<repository>/bindings/python"
        return (
            f"coinjecture.{name} needs the C extension coinjecture._core, which is not installed for this "
            f"interpreter ({_sys.executable}, Python {_sys.version_info[0]}.{_sys.version_info[1]}; package "
            f"found at {here}; {_import_error}). Install it into this interpreter with\n"
            f"    {_sys.executable} -m pip install --no-build-isolation {src}\n"
            "after installing the C library (cmake --install; PKG_CONFIG_PATH=<prefix>/lib/pkgconfig or "
            "COINJECTURE_PREFIX=<prefix> if not /usr/local), or use a CMake build tree with "
            "PYTHONPATH=<build>/python. Only coinjecture.reference and coinjecture.types work without it."
        )

    def __getattr__(name):
        """PEP 562: a native name asked of a package without its extension raises a clear ImportError
        (``from coinjecture import sha256_hash`` included) instead of an AttributeError."""
        if name in _NATIVE_NAMES or name == "_core":
            raise ImportError(_missing_native_message(name), name=f"coinjecture.{name}")
        raise AttributeError(f"module 'coinjecture' has no attribute {name!r}")

#: Compatibility names of the original package (its core was written in Rust).
RUST_AVAILABLE = NATIVE_AVAILABLE
if NATIVE_AVAILABLE:
    _rust_version = _native_version

from .types import (  # noqa: E402
    Block,
    BlockHeader,
    Commitment,
    HardwareTier,
    Problem,
    ProblemType,
    Reveal,
    Solution,
    Transaction,
    TxType,
    VerifyBudget,
)

__version__ = "4.0.0"

__all__ = [
    "BlockHeader", "Transaction", "Problem", "Solution", "Commitment", "Reveal", "Block",
    "HardwareTier", "ProblemType", "TxType", "VerifyBudget",
    "CODEC_VERSION", "RUST_AVAILABLE", "NATIVE_AVAILABLE", "__version__", "__project_version__",
]
if NATIVE_AVAILABLE:
    __all__ += [
        "sha256_hash", "double_sha256_hash", "derive_address_from_pubkey", "compute_epoch_salt_py",
        "compute_header_hash_py", "encode_block_py", "decode_block_py", "encode_transaction_py",
        "compute_transaction_hash_py", "compute_merkle_root_py", "verify_subset_sum_py",
        "compute_miner_salt_py", "set_backend", "backend", "backends", "backend_info", "LIBRARY_VERSION",
    ]

if NATIVE_AVAILABLE and _os.environ.get("COINJECTURE_CRYPTO_BACKEND", "") not in ("",) + backends():
    _warnings.warn(
        f"COINJECTURE_CRYPTO_BACKEND={_os.environ['COINJECTURE_CRYPTO_BACKEND']!r} is not one of "
        f"{backends()}; using {backend()!r}",
        RuntimeWarning,
        stacklevel=2,
    )
