package coinjecture

/*
#include "cjgo.h"
*/
import "C"

import "unsafe"

// EscrowState numbers follow coinjecture_escrow_state.
type EscrowState uint8

// Escrow states.
const (
	EscrowLocked   EscrowState = 0
	EscrowReleased EscrowState = 1
	EscrowRefunded EscrowState = 2
)

// BountyEscrow is a problem bounty escrow. Nil optional fields are None.
type BountyEscrow struct {
	ID           [32]byte
	Submitter    [32]byte
	Amount       uint64
	ProblemHash  [32]byte
	CreatedBlock uint64
	ExpiryBlock  uint64
	State        EscrowState
	Recipient    *[32]byte
	SettledBlock *uint64
	SettlementTx *[32]byte
}

// ComputeEscrowID returns SHA-256(submitter || problemHash || u64 little-endian createdBlock).
func ComputeEscrowID(submitter, problemHash [32]byte, createdBlock uint64) ([32]byte, error) {
	r := C.cjgo_escrow_id((*C.uint8_t)(unsafe.Pointer(&submitter[0])),
		(*C.uint8_t)(unsafe.Pointer(&problemHash[0])), C.uint64_t(createdBlock))
	if r.rc != C.COINJ_OK {
		return [32]byte{}, takeError("ComputeEscrowID", r.rc, r.msg)
	}
	return *(*[32]byte)(unsafe.Pointer(&r.out[0])), nil
}

// ValidateEscrowCreation checks amount >= 1000 and 100 <= expiryBlock - createdBlock <= 100000
// (expiry after creation). nil means allowed; otherwise an *Error with code ErrInvalidInput (the
// library reports every escrow rule failure with that code, as the original did) and the reason.
func ValidateEscrowCreation(amount, createdBlock, expiryBlock uint64) error {
	r := C.cjgo_escrow_creation(C.uint64_t(amount), C.uint64_t(createdBlock), C.uint64_t(expiryBlock))
	return takeError("ValidateEscrowCreation", r.rc, r.msg)
}

// ValidateEscrowRelease checks that the escrow is Locked and the recipient is not 32 zero bytes
// (expiry is not considered). nil means allowed.
func ValidateEscrowRelease(escrow *BountyEscrow, recipient [32]byte) error {
	r := C.cjgo_escrow_release(escrowToC(escrow), (*C.uint8_t)(unsafe.Pointer(&recipient[0])))
	return takeError("ValidateEscrowRelease", r.rc, r.msg)
}

// ValidateEscrowRefund checks that the escrow is Locked and currentBlock >= ExpiryBlock. nil means
// allowed.
func ValidateEscrowRefund(escrow *BountyEscrow, currentBlock uint64) error {
	r := C.cjgo_escrow_refund(escrowToC(escrow), C.uint64_t(currentBlock))
	return takeError("ValidateEscrowRefund", r.rc, r.msg)
}

// escrowToC converts to the full-width C escrow (nil stays nil, for the library to refuse).
func escrowToC(e *BountyEscrow) *C.coinjecture_escrow {
	if e == nil {
		return nil
	}
	c := new(C.coinjecture_escrow)
	copyHash(&c.id, &e.ID)
	copyHash(&c.submitter, &e.Submitter)
	c.amount = C.uint64_t(e.Amount)
	copyHash(&c.problem_hash, &e.ProblemHash)
	c.created_block = C.uint64_t(e.CreatedBlock)
	c.expiry_block = C.uint64_t(e.ExpiryBlock)
	c.state = C.uint8_t(e.State)
	if e.Recipient != nil {
		c.has_recipient = 1
		copyHash(&c.recipient, e.Recipient)
	}
	if e.SettledBlock != nil {
		c.has_settled_block = 1
		c.settled_block = C.uint64_t(*e.SettledBlock)
	}
	if e.SettlementTx != nil {
		c.has_settlement_tx = 1
		copyHash(&c.settlement_tx, e.SettlementTx)
	}
	return c
}
