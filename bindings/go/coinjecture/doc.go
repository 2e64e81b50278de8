// Package coinjecture is the Go (cgo) binding of libcoinjecture_core, the COINjecture Network B
// consensus core written in C.
//
// It offers the functions of the original Go bindings (SHA256Hash, ComputeMerkleRoot, ComputeHeaderHash,
// VerifySubsetSum, VerifyTransaction, the escrow rules, Version, CodecVersion) on top of the library's
// 64-bit extended API, so no field is narrowed: block_index and difficulty_target are uint64, budgets
// are uint64, lengths are size_t.
//
// Errors are *Error values carrying the library's result code and its message
// (coinjecture_last_error_message, captured in the same C call, so goroutines moving between threads
// never see another call's message). Test for a code with errors.Is(err, coinjecture.ErrInvalidInput).
// A well-formed solution or transaction that breaks a consensus rule is a verdict, not an error:
// VerifySubsetSum returns (false, nil) and VerifyTransaction a result with Valid == false.
//
// Linking: the package says #cgo pkg-config: coinjecture, so the installed library is found through its
// pkg-config file (set PKG_CONFIG_PATH=<prefix>/lib/pkgconfig for a prefix other than /usr/local or /usr);
// at run time the shared library must be findable (ldconfig, LD_LIBRARY_PATH, or an rpath through
// CGO_LDFLAGS=-Wl,-rpath,<prefix>/lib). See README.md.
//
// Versions: ProjectVersion is this module's (and the project's) version, LibraryVersion the loaded C
// library's, Version the original's compatibility value "4.0.0".
package coinjecture
