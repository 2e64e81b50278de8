package coinjecture

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand"
	"runtime"
	"sync"
	"testing"
)

const paritySeed = 20240607

// goMerkle is the reference Merkle tree in pure Go (crypto/sha256): empty -> zeros, one leaf -> the
// leaf, odd last node promoted unchanged.
func goMerkle(leaves [][32]byte) [32]byte {
	if len(leaves) == 0 {
		return [32]byte{}
	}
	level := append([][32]byte(nil), leaves...)
	var buf [64]byte
	for len(level) > 1 {
		next := make([][32]byte, 0, (len(level)+1)/2)
		for i := 0; i+1 < len(level); i += 2 {
			copy(buf[:32], level[i][:])
			copy(buf[32:], level[i+1][:])
			next = append(next, sha256.Sum256(buf[:]))
		}
		if len(level)%2 == 1 {
			next = append(next, level[len(level)-1])
		}
		level = next
	}
	return level[0]
}

func randomLeaves(r *rand.Rand, n int) [][32]byte {
	leaves := make([][32]byte, n)
	for i := range leaves {
		r.Read(leaves[i][:])
	}
	return leaves
}

// TestSHA256Parity compares SHA256Hash with crypto/sha256 on block-boundary lengths, random lengths and
// unaligned slices, under every backend.
func TestSHA256Parity(t *testing.T) {
	edges := []int{0, 1, 3, 31, 32, 33, 55, 56, 57, 63, 64, 65, 111, 119, 120, 127, 128, 129, 191, 192,
		255, 256, 1000, 4095, 4096, 10240, 65537}
	forEachBackend(t, func(t *testing.T) {
		r := rand.New(rand.NewSource(paritySeed))
		buf := make([]byte, 70000)
		r.Read(buf)
		for _, n := range edges {
			n := n
			t.Run(fmt.Sprintf("len%d", n), func(t *testing.T) {
				got, err := SHA256Hash(buf[:n])
				if err != nil {
					t.Fatal(err)
				}
				if want := sha256.Sum256(buf[:n]); got != want {
					t.Fatalf("len %d: got %x, want %x", n, got, want)
				}
			})
		}
		for i := 0; i < 200; i++ {
			off := r.Intn(64)
			n := r.Intn(3000)
			data := buf[off : off+n]
			got, err := SHA256Hash(data)
			if err != nil {
				t.Fatal(err)
			}
			if want := sha256.Sum256(data); got != want {
				t.Fatalf("random #%d (offset %d, len %d): got %x, want %x", i, off, n, got, want)
			}
		}
	})
}

// TestSHA256NilAndEmpty: nil and empty non-nil slices both hash as the empty string.
func TestSHA256NilAndEmpty(t *testing.T) {
	want := sha256.Sum256(nil)
	for _, in := range [][]byte{nil, {}, make([]byte, 10)[:0]} {
		got, err := SHA256Hash(in)
		if err != nil {
			t.Fatalf("SHA256Hash(%#v): %v", in, err)
		}
		if got != want {
			t.Fatalf("SHA256Hash(%#v) = %x, want %x", in, got, want)
		}
	}
}

// TestMerkleParity compares ComputeMerkleRoot with goMerkle for every count 0..70 and random counts up
// to 5000, under every backend.
func TestMerkleParity(t *testing.T) {
	forEachBackend(t, func(t *testing.T) {
		r := rand.New(rand.NewSource(paritySeed + 1))
		counts := []int{}
		for n := 0; n <= 70; n++ {
			counts = append(counts, n)
		}
		for i := 0; i < 25; i++ {
			counts = append(counts, 71+r.Intn(5000))
		}
		counts = append(counts, 127, 128, 129, 255, 256, 257, 1000, 1023, 1024, 1025)
		for _, n := range counts {
			n := n
			leaves := randomLeaves(r, n)
			t.Run(fmt.Sprintf("n%d", n), func(t *testing.T) {
				got, err := ComputeMerkleRoot(leaves)
				if err != nil {
					t.Fatal(err)
				}
				if want := goMerkle(leaves); got != want {
					t.Fatalf("n=%d: got %x, want %x", n, got, want)
				}
			})
		}
	})
}

// TestMerkleSubslices passes leaves that start inside a larger array (pointer arithmetic on the Go
// side) and checks that the caller's leaves are not modified.
func TestMerkleSubslices(t *testing.T) {
	r := rand.New(rand.NewSource(paritySeed + 2))
	all := randomLeaves(r, 300)
	backup := append([][32]byte(nil), all...)
	for i := 0; i < 30; i++ {
		lo := r.Intn(150)
		hi := lo + r.Intn(150)
		got, err := ComputeMerkleRoot(all[lo:hi])
		if err != nil {
			t.Fatal(err)
		}
		if want := goMerkle(all[lo:hi]); got != want {
			t.Fatalf("[%d:%d]: got %x, want %x", lo, hi, got, want)
		}
	}
	for i := range all {
		if all[i] != backup[i] {
			t.Fatalf("leaf %d was modified", i)
		}
	}
}

// TestMerkleFlatMatches: the flat entry point agrees with the [][32]byte one.
func TestMerkleFlatMatches(t *testing.T) {
	r := rand.New(rand.NewSource(paritySeed + 3))
	for _, n := range []int{0, 1, 2, 3, 17, 64, 333} {
		leaves := randomLeaves(r, n)
		flat := make([]byte, 32*n)
		for i := range leaves {
			copy(flat[32*i:], leaves[i][:])
		}
		a, err := ComputeMerkleRoot(leaves)
		if err != nil {
			t.Fatal(err)
		}
		b, err := ComputeMerkleRootFlat(flat)
		if err != nil {
			t.Fatal(err)
		}
		if a != b {
			t.Fatalf("n=%d: %x != %x", n, a, b)
		}
	}
}

// goHeaderEncoding is an independent canonical MessagePack encoder for BlockHeader (core.md §4.1).
func goHeaderEncoding(h *BlockHeader) []byte {
	var b []byte
	str := func(s string) { b = append(b, 0xa0|byte(len(s))); b = append(b, s...) }
	uint := func(v uint64) {
		switch {
		case v <= 127:
			b = append(b, byte(v))
		case v <= 0xff:
			b = append(b, 0xcc, byte(v))
		case v <= 0xffff:
			b = append(b, 0xcd, byte(v>>8), byte(v))
		case v <= 0xffffffff:
			b = append(b, 0xce)
			b = binary.BigEndian.AppendUint32(b, uint32(v))
		default:
			b = append(b, 0xcf)
			b = binary.BigEndian.AppendUint64(b, v)
		}
	}
	sint := func(v int64) {
		switch {
		case v >= 0:
			uint(uint64(v))
		case v >= -32:
			b = append(b, byte(v))
		case v >= math.MinInt8:
			b = append(b, 0xd0, byte(v))
		case v >= math.MinInt16:
			b = append(b, 0xd1)
			b = binary.BigEndian.AppendUint16(b, uint16(v))
		case v >= math.MinInt32:
			b = append(b, 0xd2)
			b = binary.BigEndian.AppendUint32(b, uint32(v))
		default:
			b = append(b, 0xd3)
			b = binary.BigEndian.AppendUint64(b, uint64(v))
		}
	}
	bin32 := func(x [32]byte) { b = append(b, 0xc4, 32); b = append(b, x[:]...) }
	b = append(b, 0x8a)
	str("codec_version")
	uint(uint64(h.CodecVersion))
	str("block_index")
	uint(h.BlockIndex)
	str("timestamp")
	sint(h.Timestamp)
	str("parent_hash")
	bin32(h.ParentHash)
	str("merkle_root")
	bin32(h.MerkleRoot)
	str("miner_address")
	bin32(h.MinerAddress)
	str("commitment")
	bin32(h.Commitment)
	str("difficulty_target")
	uint(h.DifficultyTarget)
	str("nonce")
	uint(h.Nonce)
	str("extra_data")
	n := len(h.ExtraData)
	switch {
	case n < 16:
		b = append(b, 0x90|byte(n))
	case n < 65536:
		b = append(b, 0xdc, byte(n>>8), byte(n))
	default:
		b = append(b, 0xdd)
		b = binary.BigEndian.AppendUint32(b, uint32(n))
	}
	for _, x := range h.ExtraData {
		uint(uint64(x))
	}
	return b
}

func randomHeader(r *rand.Rand, maxExtra int) *BlockHeader {
	pick := func() uint64 {
		switch r.Intn(6) {
		case 0:
			return uint64(r.Intn(128))
		case 1:
			return uint64(r.Intn(1 << 16))
		case 2:
			return uint64(r.Uint32())
		case 3:
			return r.Uint64()
		case 4:
			return math.MaxUint64
		default:
			return 1<<32 + uint64(r.Intn(1000))
		}
	}
	h := &BlockHeader{
		CodecVersion:     uint8(r.Intn(256)),
		BlockIndex:       pick(),
		Timestamp:        int64(pick()),
		DifficultyTarget: pick(),
		Nonce:            pick(),
		ExtraData:        make([]byte, r.Intn(maxExtra+1)),
	}
	r.Read(h.ParentHash[:])
	r.Read(h.MerkleRoot[:])
	r.Read(h.MinerAddress[:])
	r.Read(h.Commitment[:])
	r.Read(h.ExtraData)
	return h
}

// TestHeaderHashParity compares ComputeHeaderHash with SHA-256 of goHeaderEncoding on random full-width
// headers (64-bit values, negative timestamps, extra data up to the 256-byte limit).
func TestHeaderHashParity(t *testing.T) {
	r := rand.New(rand.NewSource(paritySeed + 4))
	for i := 0; i < 300; i++ {
		h := randomHeader(r, MaxExtraData)
		got, err := ComputeHeaderHash(h)
		if err != nil {
			t.Fatalf("#%d: %v", i, err)
		}
		if want := sha256.Sum256(goHeaderEncoding(h)); got != want {
			t.Fatalf("#%d %+v: got %x, want %x", i, h, got, want)
		}
	}
}

// TestHeaderHashLongExtraData: extra data over 256 bytes is hashed like the original (32-bit index and
// difficulty), and matches the independent encoder.
func TestHeaderHashLongExtraData(t *testing.T) {
	r := rand.New(rand.NewSource(paritySeed + 5))
	for _, n := range []int{257, 300, 65535, 65536, 70000} {
		h := randomHeader(r, 0)
		h.BlockIndex = uint64(r.Uint32())
		h.DifficultyTarget = uint64(r.Uint32())
		h.ExtraData = make([]byte, n)
		r.Read(h.ExtraData)
		got, err := ComputeHeaderHash(h)
		if err != nil {
			t.Fatalf("extra %d: %v", n, err)
		}
		if want := sha256.Sum256(goHeaderEncoding(h)); got != want {
			t.Fatalf("extra %d: got %x, want %x", n, got, want)
		}
	}
}

// TestConcurrentCalls hashes and fails from many goroutines at once: results must match crypto/sha256
// and every error must carry the message of its own call (messages are per OS thread in C).
func TestConcurrentCalls(t *testing.T) {
	errA := ValidateEscrowCreation(999, 10, 110)   // amount too small
	errB := ValidateEscrowCreation(1000, 10, 109)  // lock period too short
	errC := ValidateEscrowCreation(1000, 110, 110) // expiry not after creation
	for _, e := range []error{errA, errB, errC} {
		if e == nil || e.(*Error).Message == "" {
			t.Fatalf("expected failures with messages, got %v", e)
		}
	}
	want := []string{errA.Error(), errB.Error(), errC.Error()}
	workers := 4 * runtime.GOMAXPROCS(0)
	if workers < 8 {
		workers = 8
	}
	var wg sync.WaitGroup
	fail := make(chan string, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			r := rand.New(rand.NewSource(int64(paritySeed + 100 + w)))
			data := make([]byte, 300)
			for i := 0; i < 400; i++ {
				n := r.Intn(len(data))
				r.Read(data[:n])
				got, err := SHA256Hash(data[:n])
				if err != nil || got != sha256.Sum256(data[:n]) {
					fail <- fmt.Sprintf("worker %d: SHA256Hash mismatch (%v)", w, err)
					return
				}
				k := (w + i) % 3
				var e error
				switch k {
				case 0:
					e = ValidateEscrowCreation(999, 10, 110)
				case 1:
					e = ValidateEscrowCreation(1000, 10, 109)
				default:
					e = ValidateEscrowCreation(1000, 110, 110)
				}
				if e == nil || e.Error() != want[k] {
					fail <- fmt.Sprintf("worker %d: error %v, want %s", w, e, want[k])
					return
				}
				if i%16 == 0 {
					runtime.Gosched()
				}
			}
		}(w)
	}
	wg.Wait()
	close(fail)
	for msg := range fail {
		t.Error(msg)
	}
}
