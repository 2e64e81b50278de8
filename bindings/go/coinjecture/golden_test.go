package coinjecture

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

const goldenName = "network_b_vectors.json"

type goldenHeader struct {
	BlockIndex       uint64 `json:"block_index"`
	CodecVersion     uint8  `json:"codec_version"`
	Commitment       string `json:"commitment"`
	DifficultyTarget uint64 `json:"difficulty_target"`
	ExtraData        string `json:"extra_data"`
	MerkleRoot       string `json:"merkle_root"`
	MinerAddress     string `json:"miner_address"`
	Nonce            uint64 `json:"nonce"`
	ParentHash       string `json:"parent_hash"`
	Timestamp        int64  `json:"timestamp"`
}

type goldenVector struct {
	TestName     string        `json:"test_name"`
	Operation    string        `json:"operation"`
	ExpectedHash string        `json:"expected_hash"`
	ExpectedRoot string        `json:"expected_root"`
	InputHex     string        `json:"input_hex"`
	InputSize    int           `json:"input_size"`
	TxHashes     []string      `json:"tx_hashes"`
	TxCount      int           `json:"tx_count"`
	FirstTxHash  string        `json:"first_tx_hash"`
	LastTxHash   string        `json:"last_tx_hash"`
	Header       *goldenHeader `json:"header"`
}

type goldenFile struct {
	TotalVectors int            `json:"total_vectors"`
	Vectors      []goldenVector `json:"vectors"`
}

// goldenPath finds the original's 50 vectors: $COINJECTURE_SHARED_GOLDEN (the file or its directory),
// else the repository's committed copy, golden/original/network_b_vectors.json (go test runs in the
// package directory, bindings/go/coinjecture).
func goldenPath(t testing.TB) string {
	t.Helper()
	if env := os.Getenv("COINJECTURE_SHARED_GOLDEN"); env != "" {
		if st, err := os.Stat(env); err == nil && st.IsDir() {
			return filepath.Join(env, goldenName)
		}
		return env
	}
	p, err := filepath.Abs(filepath.Join("..", "..", "..", "golden", "original", goldenName))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func loadGolden(t testing.TB) []goldenVector {
	t.Helper()
	p := goldenPath(t)
	raw, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("read %s: %v", p, err)
	}
	var f goldenFile
	if err := json.Unmarshal(raw, &f); err != nil {
		t.Fatalf("parse %s: %v", p, err)
	}
	if f.TotalVectors != 50 || len(f.Vectors) != 50 {
		t.Fatalf("%s: total_vectors %d, %d vectors; want 50", p, f.TotalVectors, len(f.Vectors))
	}
	return f.Vectors
}

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

func mustHash(t testing.TB, s string) [32]byte {
	t.Helper()
	b := mustHex(t, s)
	if len(b) != 32 {
		t.Fatalf("hash %q is %d bytes", s, len(b))
	}
	var h [32]byte
	copy(h[:], b)
	return h
}

// sha256Input rebuilds a SHA256 vector's input: input_hex, or for input_size > len(input_hex) (the
// 10 KB vector) that many copies of its single repeated byte.
func sha256Input(t testing.TB, v goldenVector) []byte {
	in := mustHex(t, v.InputHex)
	if v.InputSize > len(in) {
		if len(in) == 0 || !bytes.Equal(in, bytes.Repeat(in[:1], len(in))) {
			t.Fatalf("%s: input_size %d with a non-uniform prefix", v.TestName, v.InputSize)
		}
		in = bytes.Repeat(in[:1], v.InputSize)
	}
	return in
}

// merkleLeaves rebuilds a MERKLE vector's leaves (listed, or derived for the 100/1000-leaf vectors).
func merkleLeaves(t testing.TB, v goldenVector) [][32]byte {
	if v.TxCount == 0 {
		leaves := make([][32]byte, len(v.TxHashes))
		for i, s := range v.TxHashes {
			leaves[i] = mustHash(t, s)
		}
		return leaves
	}
	leaves := make([][32]byte, v.TxCount)
	for i := range leaves {
		var name string
		switch v.TxCount {
		case 100:
			name = fmt.Sprintf("transaction_%d", i)
		case 1000:
			name = fmt.Sprintf("tx_%04d", i)
		default:
			t.Fatalf("%s: no leaf rule for tx_count %d", v.TestName, v.TxCount)
		}
		leaves[i] = sha256.Sum256([]byte(name))
	}
	if leaves[0] != mustHash(t, v.FirstTxHash) || leaves[len(leaves)-1] != mustHash(t, v.LastTxHash) {
		t.Fatalf("%s: derived first/last leaf do not match first_tx_hash/last_tx_hash", v.TestName)
	}
	return leaves
}

func goldenHeaderToGo(t testing.TB, h *goldenHeader) *BlockHeader {
	return &BlockHeader{
		CodecVersion:     h.CodecVersion,
		BlockIndex:       h.BlockIndex,
		Timestamp:        h.Timestamp,
		ParentHash:       mustHash(t, h.ParentHash),
		MerkleRoot:       mustHash(t, h.MerkleRoot),
		MinerAddress:     mustHash(t, h.MinerAddress),
		Commitment:       mustHash(t, h.Commitment),
		DifficultyTarget: h.DifficultyTarget,
		Nonce:            h.Nonce,
		ExtraData:        mustHex(t, h.ExtraData),
	}
}

// checkVector computes one vector through the binding and returns (got, want) in hex.
func checkVector(t *testing.T, v goldenVector) (string, string) {
	switch v.Operation {
	case "SHA256":
		got, err := SHA256Hash(sha256Input(t, v))
		if err != nil {
			t.Fatal(err)
		}
		return hex.EncodeToString(got[:]), v.ExpectedHash
	case "MERKLE":
		got, err := ComputeMerkleRoot(merkleLeaves(t, v))
		if err != nil {
			t.Fatal(err)
		}
		return hex.EncodeToString(got[:]), v.ExpectedRoot
	case "BLOCK_HEADER":
		if v.Header == nil {
			t.Fatalf("%s: no header", v.TestName)
		}
		got, err := ComputeHeaderHash(goldenHeaderToGo(t, v.Header))
		if err != nil {
			t.Fatal(err)
		}
		return hex.EncodeToString(got[:]), v.ExpectedHash
	}
	t.Fatalf("%s: unknown operation %q", v.TestName, v.Operation)
	return "", ""
}

// TestGoldenVectors checks all 50 original vectors, under every backend this build offers.
func TestGoldenVectors(t *testing.T) {
	vectors := loadGolden(t)
	counts := map[string]int{}
	for _, v := range vectors {
		counts[v.Operation]++
	}
	if counts["SHA256"] != 10 || counts["MERKLE"] != 8 || counts["BLOCK_HEADER"] != 32 {
		t.Fatalf("vector mix %v; want SHA256 10, MERKLE 8, BLOCK_HEADER 32", counts)
	}
	forEachBackend(t, func(t *testing.T) {
		passed := 0
		for _, v := range vectors {
			v := v
			t.Run(v.TestName, func(t *testing.T) {
				got, want := checkVector(t, v)
				if got != want {
					t.Fatalf("got %s, want %s", got, want)
				}
				passed++
			})
		}
		if passed != 50 {
			t.Fatalf("%d of 50 vectors passed", passed)
		}
	})
}

// TestGoldenMerkleFlat runs the Merkle vectors through the flat-slice entry point too.
func TestGoldenMerkleFlat(t *testing.T) {
	n := 0
	for _, v := range loadGolden(t) {
		if v.Operation != "MERKLE" {
			continue
		}
		leaves := merkleLeaves(t, v)
		flat := make([]byte, 0, 32*len(leaves))
		for i := range leaves {
			flat = append(flat, leaves[i][:]...)
		}
		got, err := ComputeMerkleRootFlat(flat)
		if err != nil {
			t.Fatal(err)
		}
		if hex.EncodeToString(got[:]) != v.ExpectedRoot {
			t.Errorf("%s: got %x, want %s", v.TestName, got, v.ExpectedRoot)
		}
		n++
	}
	if n != 8 {
		t.Fatalf("%d Merkle vectors, want 8", n)
	}
}

// forEachBackend runs f once per backend name (as a subtest) and restores the initial choice.
func forEachBackend(t *testing.T, f func(t *testing.T)) {
	initial := BackendRequested()
	names := Backends()
	if len(names) == 0 {
		t.Fatal("the library lists no backend")
	}
	defer func() {
		if err := SelectBackend(initial); err != nil {
			// An unknown name from the environment cannot be re-selected; fall back to the default.
			_ = SelectBackend("reference")
		}
	}()
	for _, name := range names {
		if err := SelectBackend(name); err != nil {
			t.Fatalf("SelectBackend(%q): %v", name, err)
		}
		t.Run(name, f)
	}
}
