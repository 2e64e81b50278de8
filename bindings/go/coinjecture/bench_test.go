package coinjecture

import (
	"crypto/sha256"
	"fmt"
	"math/rand"
	"testing"
)

// Benchmarks pair each library call with its crypto/sha256 equivalent on the same input, so one run
// gives both numbers (the backend is whatever COINJECTURE_CRYPTO_BACKEND selected; run-tests.sh --bench
// uses "accelerated" and prints the ratios).

var benchSink [32]byte

func benchData(n int) []byte {
	b := make([]byte, n)
	rand.New(rand.NewSource(1)).Read(b)
	return b
}

func BenchmarkSHA256Hash64(b *testing.B) {
	data := benchData(64)
	b.SetBytes(64)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		h, err := SHA256Hash(data)
		if err != nil {
			b.Fatal(err)
		}
		benchSink = h
	}
}

func BenchmarkCryptoSHA256_64(b *testing.B) {
	data := benchData(64)
	b.SetBytes(64)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		benchSink = sha256.Sum256(data)
	}
}

func BenchmarkSHA256Hash10K(b *testing.B) {
	data := benchData(10240)
	b.SetBytes(10240)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		h, err := SHA256Hash(data)
		if err != nil {
			b.Fatal(err)
		}
		benchSink = h
	}
}

func BenchmarkCryptoSHA256_10K(b *testing.B) {
	data := benchData(10240)
	b.SetBytes(10240)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		benchSink = sha256.Sum256(data)
	}
}

func merkleBenchLeaves(n int) [][32]byte {
	leaves := make([][32]byte, n)
	for i := range leaves {
		leaves[i] = sha256.Sum256([]byte(fmt.Sprintf("tx_%04d", i)))
	}
	return leaves
}

func BenchmarkMerkle1000(b *testing.B) {
	leaves := merkleBenchLeaves(1000)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		r, err := ComputeMerkleRoot(leaves)
		if err != nil {
			b.Fatal(err)
		}
		benchSink = r
	}
}

func BenchmarkGoMerkle1000(b *testing.B) {
	leaves := merkleBenchLeaves(1000)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		benchSink = goMerkle(leaves)
	}
}

func BenchmarkHeaderHash(b *testing.B) {
	h := &BlockHeader{CodecVersion: 1, BlockIndex: 1000, Timestamp: 1704069200, DifficultyTarget: 10000,
		Nonce: 999999, ExtraData: []byte("CHECKPOINT")}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		r, err := ComputeHeaderHash(h)
		if err != nil {
			b.Fatal(err)
		}
		benchSink = r
	}
}
