"""Independent Python validator node for COINjecture Network B (docs/CHAIN.md, docs/P2P.md)."""
__version__ = "0.1.0"
