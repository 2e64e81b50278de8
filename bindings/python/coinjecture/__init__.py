"""COINjecture Network B consensus core for Python.

``coinjecture._core`` is a C extension (CPython C API) over libcoinjecture_core and a drop-in for the
original PyO3 module: same function names, argument forms and return types. Differences, all
deliberate: ``verify_subset_sum_py`` returns False for a well-formed solution that breaks a rule (the
original raised ValueError), ``encode_block_py`` / ``decode_block_py`` work (stubs in the original),
a missing dict key raises KeyError (the original panicked), and every integer field takes its full
64-bit range.

Package-level names kept from the original: the types of :mod:`coinjecture.types`, ``CODEC_VERSION``,
``RUST_AVAILABLE`` (alias of ``NATIVE_AVAILABLE``: the core is C now), ``__version__`` and the
``_core`` functions. :mod:`coinjecture.reference` is an independent pure-Python implementation.

Crypto backend: the library reads ``COINJECTURE_CRYPTO_BACKEND`` (``reference`` or ``accelerated``) on
first use; ``set_backend(name)`` / ``backend()`` choose and report it at run time.
"""

import os as _os
import warnings as _warnings

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
except ImportError as _e:  # the extension was not built for this interpreter
    NATIVE_AVAILABLE = False
    _import_error = str(_e)
    CODEC_VERSION = 1

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
    "CODEC_VERSION", "RUST_AVAILABLE", "NATIVE_AVAILABLE", "__version__",
]
if NATIVE_AVAILABLE:
    __all__ += [
        "sha256_hash", "double_sha256_hash", "derive_address_from_pubkey", "compute_epoch_salt_py",
        "compute_header_hash_py", "encode_block_py", "decode_block_py", "encode_transaction_py",
        "compute_transaction_hash_py", "compute_merkle_root_py", "verify_subset_sum_py",
        "compute_miner_salt_py", "set_backend", "backend", "backends", "backend_info", "LIBRARY_VERSION",
    ]

if not NATIVE_AVAILABLE:
    _warnings.warn(
        f"coinjecture native core not available: {_import_error}. "
        "Build and install it with: cmake --install <build-dir> --component python",
        ImportWarning,
        stacklevel=2,
    )
elif _os.environ.get("COINJECTURE_CRYPTO_BACKEND", "") not in ("",) + backends():
    _warnings.warn(
        f"COINJECTURE_CRYPTO_BACKEND={_os.environ['COINJECTURE_CRYPTO_BACKEND']!r} is not one of "
        f"{backends()}; using {backend()!r}",
        RuntimeWarning,
        stacklevel=2,
    )
