package coinjecture

/*
#include "cjgo.h"
*/
import "C"

import (
	"fmt"
	"math"
	"unsafe"
)

// TxType numbers follow coinjecture_tx_type.
type TxType uint8

// Transaction types.
const (
	TxTransfer          TxType = 1
	TxProblemSubmission TxType = 2
	TxBountyPayment     TxType = 3
)

// Transaction is a transaction with full-width fields. From is the sender's raw Ed25519 public key;
// Signature covers TxSigningMessage.
type Transaction struct {
	CodecVersion uint8
	TxType       TxType
	From         [32]byte
	To           [32]byte
	Amount       uint64
	Nonce        uint64
	GasLimit     uint64
	GasPrice     uint64
	Signature    [64]byte
	Data         []byte
	Timestamp    int64
}

// AccountState is the sender's balance and nonce before the transaction.
type AccountState struct {
	Balance uint64
	Nonce   uint64
}

// TxStatus names the first rule a transaction breaks (coinjecture_tx_status).
type TxStatus int

// Transaction verdicts, in the order the rules are checked.
const (
	TxOK                  TxStatus = 0
	TxBadSignature        TxStatus = 1
	TxBadNonce            TxStatus = 2
	TxAmountOverflow      TxStatus = 3
	TxFeeTooLow           TxStatus = 4
	TxInsufficientBalance TxStatus = 5
	TxGasTooLow           TxStatus = 6
)

var txNames = [...]string{"OK", "BadSignature", "BadNonce", "AmountOverflow", "FeeTooLow",
	"InsufficientBalance", "GasTooLow"}

// String returns the rule name, e.g. "BadNonce".
func (s TxStatus) String() string {
	if s >= 0 && int(s) < len(txNames) {
		return txNames[s]
	}
	return fmt.Sprintf("TxStatus(%d)", int(s))
}

// ValidationResult is a transaction verdict. TotalCost, GasUsed and Fee are set when Valid; Status and
// Reason (the library's message) say why not otherwise.
type ValidationResult struct {
	Valid     bool
	Status    TxStatus
	Reason    string
	TotalCost uint64 // Amount + Fee
	GasUsed   uint64 // = GasLimit
	Fee       uint64 // = GasLimit * GasPrice
}

// txToC fills the C transaction without its data pointer (attached on the C side) and returns the data
// pointer and length to pass alongside.
func txToC(op string, tx *Transaction) (*C.coinjecture_tx, *C.uint8_t, C.uint32_t, error) {
	if tx == nil {
		return nil, nil, 0, nil
	}
	if uint64(len(tx.Data)) > math.MaxUint32 {
		return nil, nil, 0, bindingError(op, ErrInvalidInput, "data is %d bytes, over the uint32 limit", len(tx.Data))
	}
	c := new(C.coinjecture_tx)
	c.codec_version = C.uint8_t(tx.CodecVersion)
	c.tx_type = C.uint8_t(tx.TxType)
	copyHash(&c.from, &tx.From)
	copyHash(&c.to, &tx.To)
	c.amount = C.uint64_t(tx.Amount)
	c.nonce = C.uint64_t(tx.Nonce)
	c.gas_limit = C.uint64_t(tx.GasLimit)
	c.gas_price = C.uint64_t(tx.GasPrice)
	*(*[64]byte)(unsafe.Pointer(&c.signature)) = tx.Signature
	c.timestamp = C.int64_t(tx.Timestamp)
	var data *C.uint8_t
	if len(tx.Data) > 0 {
		data = (*C.uint8_t)(unsafe.Pointer(&tx.Data[0]))
	}
	return c, data, C.uint32_t(len(tx.Data)), nil
}

// VerifyTransaction checks a transaction against its sender's state (core.md §7): Ed25519 signature,
// nonce, fee, overflow, balance, gas. A well-formed transaction that breaks a rule gives a result with
// Valid == false and a nil error; errors are for malformed input (nil arguments, TxType not 1..3).
func VerifyTransaction(tx *Transaction, sender *AccountState) (*ValidationResult, error) {
	const op = "VerifyTransaction"
	ctx, data, n, err := txToC(op, tx)
	if err != nil {
		return nil, err
	}
	var acct *C.coinjecture_account
	if sender != nil {
		acct = &C.coinjecture_account{balance: C.uint64_t(sender.Balance), nonce: C.uint64_t(sender.Nonce)}
	}
	r := C.cjgo_tx_verify(ctx, data, n, acct)
	switch r.rc {
	case C.COINJ_OK:
		return &ValidationResult{Valid: true, Status: TxOK, TotalCost: uint64(r.res.total_cost),
			GasUsed: uint64(r.res.gas_used), Fee: uint64(r.res.fee)}, nil
	case C.COINJ_ERROR_VERIFICATION_FAILED:
		var reason string
		if r.msg != nil {
			reason = C.GoString(r.msg)
			C.free(unsafe.Pointer(r.msg))
		}
		return &ValidationResult{Valid: false, Status: TxStatus(r.res.status), Reason: reason}, nil
	default:
		return nil, takeError(op, r.rc, r.msg)
	}
}

// TxSigningMessage returns the bytes a transaction signature covers (110 + len(Data) bytes), as the
// library builds them; sign them with crypto/ed25519.
func TxSigningMessage(tx *Transaction) ([]byte, error) {
	const op = "TxSigningMessage"
	ctx, data, n, err := txToC(op, tx)
	if err != nil {
		return nil, err
	}
	size := 110
	if tx != nil {
		size += len(tx.Data)
	}
	out := make([]byte, size)
	var outLen C.size_t
	r := C.cjgo_tx_signing_message(ctx, data, n, (*C.uint8_t)(unsafe.Pointer(&out[0])), C.size_t(len(out)), &outLen)
	if r.rc != C.COINJ_OK {
		return nil, takeError(op, r.rc, r.msg)
	}
	return out[:outLen], nil
}
