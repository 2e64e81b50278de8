package coinjecture

/*
#include "cjgo.h"
*/
import "C"

import "unsafe"

// HashSize is the size of every hash, in bytes.
const HashSize = 32

// MaxExtraData is the consensus limit on BlockHeader.ExtraData (a block-validity rule; see
// ComputeHeaderHash for how longer values are hashed).
const MaxExtraData = 256

// SHA256Hash returns the SHA-256 digest of data. Empty (or nil) data is the empty string (the library
// accepts NULL with length 0, unlike the original, which refused it).
func SHA256Hash(data []byte) ([32]byte, error) {
	var p *C.uint8_t
	if len(data) > 0 {
		p = (*C.uint8_t)(unsafe.Pointer(&data[0]))
	}
	r := C.cjgo_sha256(p, C.size_t(len(data)))
	if r.rc != C.COINJ_OK {
		return [32]byte{}, takeError("SHA256Hash", r.rc, r.msg)
	}
	return *(*[32]byte)(unsafe.Pointer(&r.out[0])), nil
}

// ComputeMerkleRoot returns the Merkle root of the transaction hashes: no leaves give 32 zero bytes, one
// leaf is the root itself, otherwise parent = SHA-256(left || right) level by level and an odd last node
// is promoted unchanged. The leaves are passed to C in place ([][32]byte is one contiguous array): one
// cgo call, no copy.
func ComputeMerkleRoot(txHashes [][32]byte) ([32]byte, error) {
	var p *C.uint8_t
	if len(txHashes) > 0 {
		p = (*C.uint8_t)(unsafe.Pointer(&txHashes[0][0]))
	}
	r := C.cjgo_merkle(p, C.size_t(len(txHashes)))
	if r.rc != C.COINJ_OK {
		return [32]byte{}, takeError("ComputeMerkleRoot", r.rc, r.msg)
	}
	return *(*[32]byte)(unsafe.Pointer(&r.out[0])), nil
}

// ComputeMerkleRootFlat is ComputeMerkleRoot over leaves stored back to back in one byte slice
// (len(leaves) must be a multiple of 32).
func ComputeMerkleRootFlat(leaves []byte) ([32]byte, error) {
	if len(leaves)%HashSize != 0 {
		return [32]byte{}, bindingError("ComputeMerkleRootFlat", ErrInvalidInput,
			"leaves are %d bytes, not a multiple of 32", len(leaves))
	}
	var p *C.uint8_t
	if len(leaves) > 0 {
		p = (*C.uint8_t)(unsafe.Pointer(&leaves[0]))
	}
	r := C.cjgo_merkle(p, C.size_t(len(leaves)/HashSize))
	if r.rc != C.COINJ_OK {
		return [32]byte{}, takeError("ComputeMerkleRootFlat", r.rc, r.msg)
	}
	return *(*[32]byte)(unsafe.Pointer(&r.out[0])), nil
}

// BlockHeader is a block header with full-width fields (wire types of the consensus BlockHeader).
type BlockHeader struct {
	CodecVersion     uint8
	BlockIndex       uint64
	Timestamp        int64
	ParentHash       [32]byte
	MerkleRoot       [32]byte
	MinerAddress     [32]byte
	Commitment       [32]byte
	DifficultyTarget uint64
	Nonce            uint64
	ExtraData        []byte
}

// ComputeHeaderHash returns the block hash: SHA-256 of the canonical MessagePack encoding of the
// header, through coinjecture_header_hash (no 32-bit narrowing). ExtraData over MaxExtraData bytes is
// never valid in a block; it is still hashed, as the original did, when BlockIndex and
// DifficultyTarget fit in 32 bits (via the original coinjecture_compute_header_hash), and refused
// otherwise (ErrEncoding). A nil header is refused (ErrInvalidInput).
func ComputeHeaderHash(header *BlockHeader) ([32]byte, error) {
	if header == nil {
		r := C.cjgo_header_hash(nil, nil, 0)
		return [32]byte{}, takeError("ComputeHeaderHash", r.rc, r.msg)
	}
	var c C.coinjecture_header
	c.codec_version = C.uint8_t(header.CodecVersion)
	c.block_index = C.uint64_t(header.BlockIndex)
	c.timestamp = C.int64_t(header.Timestamp)
	copyHash(&c.parent_hash, &header.ParentHash)
	copyHash(&c.merkle_root, &header.MerkleRoot)
	copyHash(&c.miner_address, &header.MinerAddress)
	copyHash(&c.commitment, &header.Commitment)
	c.difficulty_target = C.uint64_t(header.DifficultyTarget)
	c.nonce = C.uint64_t(header.Nonce)
	var extra *C.uint8_t
	if len(header.ExtraData) > 0 {
		extra = (*C.uint8_t)(unsafe.Pointer(&header.ExtraData[0]))
	}
	r := C.cjgo_header_hash(&c, extra, C.size_t(len(header.ExtraData)))
	if r.rc != C.COINJ_OK {
		return [32]byte{}, takeError("ComputeHeaderHash", r.rc, r.msg)
	}
	return *(*[32]byte)(unsafe.Pointer(&r.out[0])), nil
}

// copyHash copies a Go 32-byte array into a C uint8_t[32] field.
func copyHash(dst *[32]C.uint8_t, src *[32]byte) {
	*(*[32]byte)(unsafe.Pointer(dst)) = *src
}
