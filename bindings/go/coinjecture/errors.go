package coinjecture

/*
#cgo pkg-config: coinjecture
#include "cjgo.h"
*/
import "C"

import (
	"fmt"
	"unsafe"
)

// ResultCode is a CoinjResult value of the C library. It implements error, so a code can be the target
// of errors.Is: errors.Is(err, ErrVerificationFailed).
type ResultCode int

// Result codes (values of CoinjResult in coinjecture.h).
const (
	OK                    ResultCode = 0
	ErrInvalidInput       ResultCode = 1
	ErrOutOfMemory        ResultCode = 2
	ErrVerificationFailed ResultCode = 3
	ErrEncoding           ResultCode = 4
	ErrInternal           ResultCode = 5
	ErrDecodeTruncated    ResultCode = 16
	ErrDecodeTrailing     ResultCode = 17
	ErrDecodeType         ResultCode = 18
	ErrDecodeNoncanonical ResultCode = 19
	ErrDecodeKey          ResultCode = 20
	ErrDecodeRange        ResultCode = 21
	ErrDecodeLength       ResultCode = 22
	ErrDecodeEnum         ResultCode = 23
	ErrBufferTooSmall     ResultCode = 24
	ErrUnsupported        ResultCode = 25
)

// Name returns the library's name of the code ("COINJ_ERROR_INVALID_INPUT"; "unknown" if unknown).
func (c ResultCode) Name() string {
	if c < 0 || int64(c) > 0xffffffff {
		return "unknown"
	}
	return C.GoString(C.coinjecture_result_name(C.CoinjResult(c)))
}

// Error makes a bare code usable as an error and as an errors.Is target.
func (c ResultCode) Error() string {
	return fmt.Sprintf("coinjecture: %s (%d)", c.Name(), int(c))
}

// Error is a failure reported by the library (or refused by the binding before the call).
type Error struct {
	Op      string     // the Go function that failed, e.g. "SHA256Hash"
	Code    ResultCode // the library's result code
	Message string     // the library's message for this call ("" if it gave none)
}

// Error formats "coinjecture: <op>: <CODE NAME>: <message>".
func (e *Error) Error() string {
	if e.Message == "" {
		return fmt.Sprintf("coinjecture: %s: %s", e.Op, e.Code.Name())
	}
	return fmt.Sprintf("coinjecture: %s: %s: %s", e.Op, e.Code.Name(), e.Message)
}

// Unwrap exposes the code, so errors.Is(err, ErrInvalidInput) and errors.As(err, &code) work.
func (e *Error) Unwrap() error { return e.Code }

// takeError turns a wrapper's rc and malloc'ed message into an *Error (nil for COINJ_OK) and frees the
// message.
func takeError(op string, rc C.CoinjResult, msg *C.char) error {
	var text string
	if msg != nil {
		text = C.GoString(msg)
		C.free(unsafe.Pointer(msg))
	}
	if rc == C.COINJ_OK {
		return nil
	}
	return &Error{Op: op, Code: ResultCode(rc), Message: text}
}

// bindingError is a refusal made by the binding itself, before any C call.
func bindingError(op string, code ResultCode, format string, args ...interface{}) error {
	return &Error{Op: op, Code: code, Message: fmt.Sprintf(format, args...)}
}
