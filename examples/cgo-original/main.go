// Command cgo-original is a cgo program written against the ORIGINAL libcoinjecture_core ABI
// (rust/coinjecture-core v4.0.0): it uses only the 8 functions and 4 structs of the original
// include/coinjecture.h here, and, in package adhoc, the transaction/escrow functions and structs that the
// original go/pkg/bindings/consensus.go declared for itself. It is built unchanged against the C
// library:
//
//	CGO_CFLAGS=-I<prefix>/include CGO_LDFLAGS=-L<prefix>/lib go build
//	LD_LIBRARY_PATH=<prefix>/lib ./cgo-original
//
// It prints "vector <test_name> <hex>" for all 50 golden vectors (inputs rebuilt from their definitions)
// and "check <name> <value>" lines; bindings/go's TestCgoOriginalOutput compares them with the vectors.
package main

/*
#cgo LDFLAGS: -lcoinjecture_core
#include <stdlib.h>
#include <coinjecture.h>
*/
import "C"

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"os"
	"runtime"
	"unsafe"

	"cgo-original/adhoc"
)

func die(what string, rc C.CoinjResult) {
	fmt.Fprintf(os.Stderr, "cgo-original: %s failed with code %d\n", what, int(rc))
	os.Exit(1)
}

// sha256 calls coinjecture_sha256_hash; empty input is passed as NULL, 0 (the original refused that,
// this library accepts it).
func sha256(data []byte) [32]byte {
	var out [32]byte
	var p *C.uint8_t
	if len(data) > 0 {
		p = (*C.uint8_t)(unsafe.Pointer(&data[0]))
	}
	if rc := C.coinjecture_sha256_hash(p, C.uint32_t(len(data)), (*C.uint8_t)(unsafe.Pointer(&out[0]))); rc != C.COINJ_OK {
		die("coinjecture_sha256_hash", rc)
	}
	return out
}

// merkle calls coinjecture_compute_merkle_root with the leaves in place.
func merkle(leaves [][32]byte) [32]byte {
	var out [32]byte
	var p *[32]C.uint8_t
	if len(leaves) > 0 {
		p = (*[32]C.uint8_t)(unsafe.Pointer(&leaves[0]))
	}
	if rc := C.coinjecture_compute_merkle_root(p, C.uint32_t(len(leaves)), (*C.uint8_t)(unsafe.Pointer(&out[0]))); rc != C.COINJ_OK {
		die("coinjecture_compute_merkle_root", rc)
	}
	return out
}

type header struct {
	index, difficulty                     uint32
	timestamp                             int64
	nonce                                 uint64
	parent, merkleRoot, miner, commitment [32]byte
	extra                                 []byte
}

// headerHash fills a BlockHeaderFFI. The extra data is copied to C memory: a struct passed to C may not
// hold a pointer to Go memory (cgo pointer rules).
func headerHash(h header) [32]byte {
	var c C.BlockHeaderFFI
	c.codec_version = 1
	c.block_index = C.uint32_t(h.index)
	c.timestamp = C.int64_t(h.timestamp)
	c.difficulty_target = C.uint32_t(h.difficulty)
	c.nonce = C.uint64_t(h.nonce)
	for i := 0; i < 32; i++ {
		c.parent_hash[i] = C.uint8_t(h.parent[i])
		c.merkle_root[i] = C.uint8_t(h.merkleRoot[i])
		c.miner_address[i] = C.uint8_t(h.miner[i])
		c.commitment[i] = C.uint8_t(h.commitment[i])
	}
	c.extra_data_len = C.uint32_t(len(h.extra))
	if len(h.extra) > 0 {
		c.extra_data = (*C.uint8_t)(C.CBytes(h.extra))
		defer C.free(unsafe.Pointer(c.extra_data))
	}
	var out [32]byte
	if rc := C.coinjecture_compute_header_hash(&c, (*C.uint8_t)(unsafe.Pointer(&out[0]))); rc != C.COINJ_OK {
		die("coinjecture_compute_header_hash", rc)
	}
	return out
}

// verifySubsetSum returns the rc and out_valid of coinjecture_verify_subset_sum (arrays in C memory).
func verifySubsetSum(tier uint32, elements []int64, target int64, indices []uint32) (C.CoinjResult, int32) {
	el := (*C.int64_t)(C.malloc(C.size_t(8 * len(elements))))
	defer C.free(unsafe.Pointer(el))
	copy(unsafe.Slice((*int64)(unsafe.Pointer(el)), len(elements)), elements)
	idx := (*C.uint32_t)(C.malloc(C.size_t(4*len(indices) + 4)))
	defer C.free(unsafe.Pointer(idx))
	copy(unsafe.Slice((*uint32)(unsafe.Pointer(idx)), len(indices)), indices)
	problem := C.SubsetSumProblemFFI{problem_type: 0, tier: C.uint32_t(tier), elements: el,
		elements_len: C.uint32_t(len(elements)), target: C.int64_t(target)}
	solution := C.SubsetSumSolutionFFI{indices: idx, indices_len: C.uint32_t(len(indices))}
	budget := C.VerifyBudgetFFI{max_ops: 4096, max_duration_ms: 60000, max_memory_bytes: 268435456}
	var valid C.int32_t = -1
	rc := C.coinjecture_verify_subset_sum(&problem, &solution, &budget, &valid)
	return rc, int32(valid)
}

func mustHash(s string) (h [32]byte) {
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != 32 {
		panic("bad hash literal " + s)
	}
	copy(h[:], b)
	return h
}

func vector(name string, h [32]byte) { fmt.Printf("vector %s %x\n", name, h) }

func main() {
	// coinjecture_last_error reports on the calling thread: keep this goroutine on one thread.
	runtime.LockOSThread()

	// ---- SHA256 vectors ----
	seq := make([]byte, 256)
	for i := range seq {
		seq[i] = byte(i)
	}
	for _, v := range []struct {
		name string
		in   []byte
	}{
		{"sha256_empty_input", nil},
		{"sha256_hello_world", []byte("hello world")},
		{"sha256_coinjecture", []byte("COINjecture")},
		{"sha256_zeros_32", make([]byte, 32)},
		{"sha256_ones_32", bytes.Repeat([]byte{0xff}, 32)},
		{"sha256_sequential_256", seq},
		{"sha256_large_10kb", bytes.Repeat([]byte{0xaa}, 10240)},
		{"sha256_json_data", []byte(`{"block_number":1337,"validator":"alice","amount":1000000}`)},
		{"sha256_btc_genesis", []byte("The Times 03/Jan/2009 Chancellor on brink of second bailout for banks")},
		{"sha256_unicode", []byte("Hello 世界 🚀")},
	} {
		vector(v.name, sha256(v.in))
	}

	// ---- Merkle vectors ----
	txN := func(n int) [][32]byte {
		l := make([][32]byte, n)
		for i := range l {
			l[i] = sha256([]byte(fmt.Sprintf("tx%d", i+1)))
		}
		return l
	}
	derive := func(n int, format string) [][32]byte {
		l := make([][32]byte, n)
		for i := range l {
			l[i] = sha256([]byte(fmt.Sprintf(format, i)))
		}
		return l
	}
	vector("merkle_empty", merkle(nil))
	vector("merkle_single_tx", merkle([][32]byte{bytes32(0x42)}))
	vector("merkle_two_txs", merkle([][32]byte{bytes32(0x11), bytes32(0x22)}))
	vector("merkle_three_txs", merkle([][32]byte{bytes32(0xaa), bytes32(0xbb), bytes32(0xcc)}))
	vector("merkle_four_txs", merkle(txN(4)))
	vector("merkle_eight_txs", merkle(txN(8)))
	vector("merkle_hundred_txs", merkle(derive(100, "transaction_%d")))
	vector("merkle_thousand_txs", merkle(derive(1000, "tx_%04d")))

	// ---- Block header vectors ----
	genesis := header{index: 0, timestamp: 1704067200, difficulty: 100}
	vector("block_header_genesis", headerHash(genesis))
	vector("block_header_1", headerHash(header{index: 1, timestamp: 1704067202, difficulty: 100, nonce: 42,
		parent:     headerHash(genesis),
		merkleRoot: merkle(txN(2)),
		miner:      sha256([]byte("validator1_pubkey")),
		commitment: bytes32(0xff)}))
	vector("block_header_with_extra_data", headerHash(header{index: 100, timestamp: 1704067400,
		difficulty: 1000, nonce: 1337,
		parent:     mustHash("14618b751626dc1bc5583cd53b99a59e4d34ada0f7a847fe203683aa01e7e864"),
		merkleRoot: mustHash("cdfc7c5a619294fb7f07ac9e69aaa45f436f97699704b463eadc100f628887f7"),
		miner:      mustHash("de50cbafd2d519b84956a5a7ae0a21d164b7dad8b422f8995df5b501d39cc75e"),
		commitment: mustHash("41384829859dcd17a474542a3d3d42ab7573c7fdb7b0d496e747c98451a86ab4"),
		extra:      []byte("Network B Migration - v4.5.0+")}))
	vector("block_header_checkpoint_1000", headerHash(header{index: 1000, timestamp: 1704069200,
		difficulty: 10000, nonce: 999999,
		parent:     mustHash("b3bebc796ef79515f8cf3655a1c708fcfca38101b83a9961fd476cea44c7c2f6"),
		merkleRoot: mustHash("d038e15b9657285770cfd7f0a4d2c4fd6492142a800656491871c92520ffa3f7"),
		miner:      mustHash("2f46b0008bb6b6ef62dc7cadd0d22ec67ec639b7afa76f8d835c991122e48de2"),
		commitment: mustHash("ed44244a1f01153bfe37fc03324b4bc5a18e5cb032fa19ed9c15ca8d818f4ed6"),
		extra:      []byte("CHECKPOINT")}))
	for i := 23; i <= 50; i++ {
		h := header{index: uint32(7 * i % 10000), timestamp: 1704067200 + int64(2*i),
			difficulty: uint32(100 * i), nonce: uint64(12345 * i % 100000),
			parent:     sha256([]byte(fmt.Sprintf("parent_%d", i))),
			merkleRoot: sha256([]byte(fmt.Sprintf("merkle_%d", i))),
			miner:      sha256([]byte(fmt.Sprintf("miner_%d", i))),
			commitment: sha256([]byte(fmt.Sprintf("commit_%d", i)))}
		if i%3 == 0 {
			h.extra = []byte(fmt.Sprintf("extra_data_%d", i))
		}
		vector(fmt.Sprintf("stress_test_vector_%d", i), headerHash(h))
	}

	// ---- other calls of the original header ----
	fmt.Printf("check version %s\n", C.GoString(C.coinjecture_version()))
	fmt.Printf("check codec_version %d\n", uint32(C.coinjecture_codec_version()))

	// The original's own way to hash nothing: a non-NULL pointer with length 0.
	var one [1]byte
	var out [32]byte
	rc := C.coinjecture_sha256_hash((*C.uint8_t)(unsafe.Pointer(&one[0])), 0, (*C.uint8_t)(unsafe.Pointer(&out[0])))
	fmt.Printf("check sha256_empty_nonnull rc=%d %x\n", int(rc), out)

	elements := []int64{1, 2, 3, 4, 5, 6, 7, 8} // tier 0 (Mobile) takes 8..12 elements
	rc, valid := verifySubsetSum(0, elements, 15, []uint32{6, 7})
	fmt.Printf("check subset_sum_valid rc=%d valid=%d\n", int(rc), valid)
	rc, _ = verifySubsetSum(0, elements, 16, []uint32{6, 7})
	fmt.Printf("check subset_sum_wrong_sum rc=%d\n", int(rc))
	msg := C.coinjecture_last_error()
	fmt.Printf("check last_error_nonempty %v\n", C.GoString(msg) != "")
	C.coinjecture_free_string(msg)
	rc, _ = verifySubsetSum(5, elements, 15, []uint32{6, 7})
	fmt.Printf("check subset_sum_bad_tier rc=%d\n", int(rc))

	// ---- the transaction/escrow ABI as the original consensus.go declared it ----
	for _, line := range adhoc.Checks() {
		fmt.Printf("check %s\n", line)
	}
}

func bytes32(b byte) (h [32]byte) {
	for i := range h {
		h[i] = b
	}
	return h
}
