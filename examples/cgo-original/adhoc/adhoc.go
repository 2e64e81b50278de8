// Package adhoc calls the transaction and escrow ABI the way the original go/pkg/bindings/consensus.go
// did: it does NOT include coinjecture.h but declares the result enum, the structs and the functions
// itself, and links with -lcoinjecture_core. The C library exports the same symbols with the same layouts,
// so such code links and runs unchanged.
package adhoc

/*
#cgo LDFLAGS: -lcoinjecture_core
#include <stdint.h>
#include <stdlib.h>

typedef enum {
    COINJ_OK = 0,
    COINJ_ERROR_INVALID_INPUT = 1,
    COINJ_ERROR_OUT_OF_MEMORY = 2,
    COINJ_ERROR_VERIFICATION_FAILED = 3,
    COINJ_ERROR_ENCODING = 4,
    COINJ_ERROR_INTERNAL = 5,
} CoinjResult;

typedef struct {
    uint32_t codec_version;
    uint32_t tx_type;
    uint8_t from[32];
    uint8_t to[32];
    uint64_t amount;
    uint64_t nonce;
    uint64_t gas_limit;
    uint64_t gas_price;
    uint8_t signature[64];
    const uint8_t* data;
    uint32_t data_len;
    int64_t timestamp;
} TransactionFFI;

typedef struct {
    uint64_t balance;
    uint64_t nonce;
} AccountStateFFI;

typedef struct {
    int32_t valid;
    uint64_t total_cost;
    uint64_t gas_used;
    uint64_t fee;
} ValidationResultFFI;

typedef struct {
    uint8_t id[32];
    uint8_t submitter[32];
    uint64_t amount;
    uint8_t problem_hash[32];
    uint64_t created_block;
    uint64_t expiry_block;
    uint32_t state;
    int32_t has_recipient;
    uint8_t recipient[32];
    int32_t has_settled_block;
    uint64_t settled_block;
    int32_t has_settlement_tx;
    uint8_t settlement_tx[32];
} BountyEscrowFFI;

extern CoinjResult coinjecture_verify_transaction(const TransactionFFI* tx,
    const AccountStateFFI* sender_state, ValidationResultFFI* out_result);
extern CoinjResult coinjecture_compute_escrow_id(const uint8_t* submitter, const uint8_t* problem_hash,
    uint64_t created_block, uint8_t* out_id);
extern CoinjResult coinjecture_validate_escrow_creation(uint64_t amount, uint64_t created_block,
    uint64_t expiry_block);
extern CoinjResult coinjecture_validate_escrow_release(const BountyEscrowFFI* escrow,
    const uint8_t* recipient);
extern CoinjResult coinjecture_validate_escrow_refund(const BountyEscrowFFI* escrow,
    uint64_t current_block);
extern CoinjResult coinjecture_sha256_hash(const uint8_t* input, uint32_t input_len, uint8_t* out_hash);
extern const char* coinjecture_version(void);
extern uint32_t coinjecture_codec_version(void);
*/
import "C"

import (
	"bytes"
	"crypto/ed25519"
	"encoding/binary"
	"fmt"
	"unsafe"
)

func u8(p *byte) *C.uint8_t { return (*C.uint8_t)(unsafe.Pointer(p)) }

func fill(dst []C.uint8_t, b byte) {
	for i := range dst {
		dst[i] = C.uint8_t(b)
	}
}

// signingMessage is the message a transaction signature covers: u8 codec, u8 type, from, to, u64 LE
// amount, nonce, gas_limit, gas_price, u32 LE data length, data, i64 LE timestamp.
func signingMessage(tx *C.TransactionFFI) []byte {
	b := []byte{byte(tx.codec_version), byte(tx.tx_type)}
	for i := 0; i < 32; i++ {
		b = append(b, byte(tx.from[i]))
	}
	for i := 0; i < 32; i++ {
		b = append(b, byte(tx.to[i]))
	}
	for _, v := range []C.uint64_t{tx.amount, tx.nonce, tx.gas_limit, tx.gas_price} {
		b = binary.LittleEndian.AppendUint64(b, uint64(v))
	}
	b = binary.LittleEndian.AppendUint32(b, 0) // no data
	return binary.LittleEndian.AppendUint64(b, uint64(tx.timestamp))
}

func verifyTransaction(tx *C.TransactionFFI, balance uint64) string {
	state := C.AccountStateFFI{balance: C.uint64_t(balance), nonce: 0}
	var res C.ValidationResultFFI
	rc := C.coinjecture_verify_transaction(tx, &state, &res)
	if rc != C.COINJ_OK {
		return fmt.Sprintf("rc=%d valid=%d", int(rc), int32(res.valid))
	}
	return fmt.Sprintf("rc=%d valid=%d total_cost=%d gas_used=%d fee=%d", int(rc), int32(res.valid),
		uint64(res.total_cost), uint64(res.gas_used), uint64(res.fee))
}

// Checks returns "name value" lines for the transaction/escrow calls.
func Checks() []string {
	var lines []string
	add := func(format string, args ...interface{}) { lines = append(lines, fmt.Sprintf(format, args...)) }

	// Escrow id of submitter 01x32, problem 02x32, block 1000.
	sub := bytes.Repeat([]byte{1}, 32)
	prob := bytes.Repeat([]byte{2}, 32)
	var id [32]byte
	rc := C.coinjecture_compute_escrow_id(u8(&sub[0]), u8(&prob[0]), 1000, u8(&id[0]))
	add("escrow_id rc=%d %x", int(rc), id)

	add("escrow_creation_ok rc=%d", int(C.coinjecture_validate_escrow_creation(1000, 10, 110)))
	add("escrow_creation_short rc=%d", int(C.coinjecture_validate_escrow_creation(1000, 10, 109)))

	var escrow C.BountyEscrowFFI
	fill(escrow.id[:], 9)
	fill(escrow.submitter[:], 1)
	escrow.amount = 5000
	fill(escrow.problem_hash[:], 2)
	escrow.created_block = 100
	escrow.expiry_block = 1100
	escrow.state = 0 // Locked
	recipient := bytes.Repeat([]byte{3}, 32)
	zero := make([]byte, 32)
	add("escrow_release_ok rc=%d", int(C.coinjecture_validate_escrow_release(&escrow, u8(&recipient[0]))))
	add("escrow_release_zero rc=%d", int(C.coinjecture_validate_escrow_release(&escrow, u8(&zero[0]))))
	add("escrow_refund_ok rc=%d", int(C.coinjecture_validate_escrow_refund(&escrow, 1100)))
	add("escrow_refund_early rc=%d", int(C.coinjecture_validate_escrow_refund(&escrow, 1099)))

	// A transfer of 1 000 000 with gas 21000 x 100, signed with crypto/ed25519.
	key := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, 32))
	var tx C.TransactionFFI
	tx.codec_version = 1
	tx.tx_type = 1 // Transfer
	pub := key.Public().(ed25519.PublicKey)
	for i := 0; i < 32; i++ {
		tx.from[i] = C.uint8_t(pub[i])
	}
	fill(tx.to[:], 0x22)
	tx.amount = 1000000
	tx.gas_limit = 21000
	tx.gas_price = 100
	tx.timestamp = 1704067200
	sig := ed25519.Sign(key, signingMessage(&tx))
	for i := 0; i < 64; i++ {
		tx.signature[i] = C.uint8_t(sig[i])
	}
	add("tx_valid %s", verifyTransaction(&tx, 3100000))
	add("tx_insufficient %s", verifyTransaction(&tx, 3099999))
	tx.amount++
	add("tx_bad_signature %s", verifyTransaction(&tx, 1<<40))
	tx.tx_type = 9
	add("tx_bad_type %s", verifyTransaction(&tx, 1<<40))

	hello := []byte("hello world")
	var h [32]byte
	rc = C.coinjecture_sha256_hash(u8(&hello[0]), C.uint32_t(len(hello)), u8(&h[0]))
	add("adhoc_sha256_hello rc=%d %x", int(rc), h)
	add("adhoc_version %s", C.GoString(C.coinjecture_version()))
	add("adhoc_codec_version %d", uint32(C.coinjecture_codec_version()))
	return lines
}
