package coinjecture

/*
#include "cjgo.h"
*/
import "C"

import (
	"strings"
	"unsafe"
)

// Version returns the version of the original library this one is compatible with ("4.0.0").
func Version() string {
	return C.GoString(C.coinjecture_version())
}

// LibraryVersion returns this implementation's own semantic version.
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
