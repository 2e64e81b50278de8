package coinjecture

/*
#include "cjgo.h"
*/
import "C"

import (
	"strings"
	"unsafe"
)

// projectVersion is this project's version (the file VERSION at the repository root; scripts/set-version.sh
// keeps this copy in step and ctest install.version checks it).
const projectVersion = "1.2.0"

// ProjectVersion returns the version of this Go module, which is the project's version: the same as the C
// library's (LibraryVersion, when the module and the installed library come from one release), the node's
// and the tools'. The module is tagged bindings/go/vX.Y.Z with it.
func ProjectVersion() string {
	return projectVersion
}

// Version returns the version of the original library this one is compatible with ("4.0.0"); the
// original's Go bindings returned the same. This project's own version is ProjectVersion.
func Version() string {
	return C.GoString(C.coinjecture_version())
}

// LibraryVersion returns the version of the C library loaded at run time (coinjecture_library_version).
func LibraryVersion() string {
	return C.GoString(C.coinjecture_library_version())
}

// CodecVersion returns the canonical codec version (1).
func CodecVersion() uint32 {
	return uint32(C.coinjecture_codec_version())
}

// SelectBackend chooses the crypto backend for the whole process ("reference" or "accelerated"; see
// Backends). An unknown name gives ErrUnsupported and keeps the current choice. Results never depend on
// the backend, only speed does. The environment variable COINJECTURE_CRYPTO_BACKEND sets the initial
// choice.
func SelectBackend(name string) error {
	if strings.IndexByte(name, 0) >= 0 {
		return bindingError("SelectBackend", ErrInvalidInput, "backend name %q contains NUL", name)
	}
	cs := C.CString(name)
	defer C.free(unsafe.Pointer(cs))
	r := C.cjgo_backend_select(cs)
	return takeError("SelectBackend", r.rc, r.msg)
}

// BackendRequested returns the backend name last requested (by SelectBackend or the environment).
func BackendRequested() string {
	return C.GoString(C.coinjecture_backend_requested())
}

// BackendActive returns the backend actually running: "reference" or "accelerated".
func BackendActive() string {
	return C.GoString(C.coinjecture_backend_active())
}

// BackendDetail returns the code path in use on this CPU, e.g. "portable" or "sha-ni".
func BackendDetail() string {
	return C.GoString(C.coinjecture_backend_detail())
}

// Backends returns the backend names this build knows.
func Backends() []string {
	n := int(C.coinjecture_backend_count())
	names := make([]string, 0, n)
	for i := 0; i < n; i++ {
		p := C.coinjecture_backend_name(C.size_t(i))
		if p != nil {
			names = append(names, C.GoString(p))
		}
	}
	return names
}
