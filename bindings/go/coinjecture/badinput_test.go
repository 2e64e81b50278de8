package coinjecture

import (
	"errors"
	"math"
	"strings"
	"testing"
)

// wantCode checks that err is an *Error with the code, the operation name and a non-empty message.
func wantCode(t *testing.T, what string, err error, code ResultCode, op string) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("%s: error %v (%T), want *Error", what, err, err)
	}
	if e.Code != code || !errors.Is(err, code) {
		t.Fatalf("%s: code %v, want %v", what, e.Code, code)
	}
	if e.Op != op {
		t.Fatalf("%s: Op %q, want %q", what, e.Op, op)
	}
	if e.Message == "" {
		t.Fatalf("%s: no message", what)
	}
	if !strings.Contains(err.Error(), code.Name()) || !strings.Contains(err.Error(), e.Message) {
		t.Fatalf("%s: Error() = %q lacks the code name or the message", what, err.Error())
	}
}

func TestResultCodeNames(t *testing.T) {
	names := map[ResultCode]string{
		OK: "COINJ_OK", ErrInvalidInput: "COINJ_ERROR_INVALID_INPUT",
		ErrVerificationFailed: "COINJ_ERROR_VERIFICATION_FAILED", ErrEncoding: "COINJ_ERROR_ENCODING",
		ErrDecodeKey: "COINJ_ERROR_DECODE_KEY", ErrUnsupported: "COINJ_ERROR_UNSUPPORTED",
	}
	for c, n := range names {
		if c.Name() != n {
			t.Errorf("%d.Name() = %q, want %q", int(c), c.Name(), n)
		}
	}
	for _, c := range []ResultCode{-1, 6, 99, math.MaxInt32} {
		if c.Name() != "unknown" {
			t.Errorf("%d.Name() = %q, want unknown", int(c), c.Name())
		}
	}
}

func TestMerkleFlatBadLength(t *testing.T) {
	for _, n := range []int{1, 31, 33, 65} {
		_, err := ComputeMerkleRootFlat(make([]byte, n))
		wantCode(t, "flat leaves", err, ErrInvalidInput, "ComputeMerkleRootFlat")
	}
}

func TestHeaderBadInput(t *testing.T) {
	_, err := ComputeHeaderHash(nil)
	wantCode(t, "nil header", err, ErrInvalidInput, "ComputeHeaderHash")

	// Over 256 bytes of extra data with a 64-bit field: neither API can hash it.
	h := &BlockHeader{CodecVersion: 1, BlockIndex: 1 << 32, ExtraData: make([]byte, MaxExtraData+1)}
	_, err = ComputeHeaderHash(h)
	wantCode(t, "long extra data, 64-bit index", err, ErrEncoding, "ComputeHeaderHash")
	h = &BlockHeader{CodecVersion: 1, DifficultyTarget: math.MaxUint64, ExtraData: make([]byte, 1000)}
	_, err = ComputeHeaderHash(h)
	wantCode(t, "long extra data, 64-bit difficulty", err, ErrEncoding, "ComputeHeaderHash")

	// The limit itself is fine, and full-width fields are not narrowed.
	h = &BlockHeader{CodecVersion: 1, BlockIndex: 1<<32 + 1, ExtraData: make([]byte, MaxExtraData)}
	a, err := ComputeHeaderHash(h)
	if err != nil {
		t.Fatal(err)
	}
	h.BlockIndex = 1
	b, err := ComputeHeaderHash(h)
	if err != nil {
		t.Fatal(err)
	}
	if a == b {
		t.Fatal("block_index 2^32+1 hashes like 1: narrowed")
	}
}

func TestSubsetSumBadInput(t *testing.T) {
	good := mobileProblem(3)
	sol := &SubsetSumSolution{Indices: []uint32{0, 1}}
	_, err := VerifySubsetSum(nil, sol, nil)
	wantCode(t, "nil problem", err, ErrInvalidInput, "VerifySubsetSum")
	_, err = VerifySubsetSum(good, nil, nil)
	wantCode(t, "nil solution", err, ErrInvalidInput, "VerifySubsetSum")
	_, err = CheckSubsetSum(good, nil, &VerifyBudget{})
	wantCode(t, "nil solution with budget", err, ErrInvalidInput, "CheckSubsetSum")
	for _, tier := range []HardwareTier{0, 6, 255} {
		p := mobileProblem(3)
		p.Tier = tier
		ok, err := VerifySubsetSum(p, sol, nil)
		if ok {
			t.Fatalf("tier %d: valid", tier)
		}
		wantCode(t, "bad tier", err, ErrInvalidInput, "VerifySubsetSum")
		ok, err = VerifySubsetSum(p, sol, &VerifyBudget{MaxOps: 100, MaxMemoryBytes: 100})
		if ok {
			t.Fatalf("tier %d with budget: valid", tier)
		}
		wantCode(t, "bad tier with budget", err, ErrInvalidInput, "VerifySubsetSum")
		_, _, err = TierElements(tier)
		wantCode(t, "TierElements", err, ErrInvalidInput, "TierElements")
		_, err = TierBudget(tier)
		wantCode(t, "TierBudget", err, ErrInvalidInput, "TierBudget")
	}
	big := &SubsetSumProblem{Tier: TierCluster, Elements: make([]int64, MaxElements+1)}
	_, err = VerifySubsetSum(big, &SubsetSumSolution{Indices: []uint32{0}}, nil)
	wantCode(t, "33 elements", err, ErrInvalidInput, "VerifySubsetSum")
	_, err = VerifySubsetSum(good, &SubsetSumSolution{Indices: make([]uint32, MaxElements+1)}, nil)
	wantCode(t, "33 indices", err, ErrInvalidInput, "VerifySubsetSum")
}

func TestTransactionBadInput(t *testing.T) {
	tx := signedTx(t, nil)
	sender := &AccountState{Balance: 1 << 40}
	_, err := VerifyTransaction(nil, sender)
	wantCode(t, "nil tx", err, ErrInvalidInput, "VerifyTransaction")
	_, err = VerifyTransaction(tx, nil)
	wantCode(t, "nil sender", err, ErrInvalidInput, "VerifyTransaction")
	for _, tt := range []TxType{0, 4, 255} {
		bad := *tx
		bad.TxType = tt
		res, err := VerifyTransaction(&bad, sender)
		if res != nil {
			t.Fatalf("tx_type %d: result %+v", tt, *res)
		}
		wantCode(t, "bad tx_type", err, ErrInvalidInput, "VerifyTransaction")
	}
	_, err = TxSigningMessage(nil)
	wantCode(t, "nil tx signing message", err, ErrInvalidInput, "TxSigningMessage")
}

func TestEscrowBadInput(t *testing.T) {
	err := ValidateEscrowRelease(nil, fill32(3))
	wantCode(t, "nil escrow release", err, ErrInvalidInput, "ValidateEscrowRelease")
	err = ValidateEscrowRefund(nil, 5)
	wantCode(t, "nil escrow refund", err, ErrInvalidInput, "ValidateEscrowRefund")
	e := lockedEscrow()
	e.State = 3
	err = ValidateEscrowRefund(e, 5000)
	wantCode(t, "state 3 refund", err, ErrInvalidInput, "ValidateEscrowRefund")
}

func TestSelectBackendBadInput(t *testing.T) {
	before := BackendActive()
	for _, name := range []string{"", "Reference", "accelerated ", "x\x00y"} {
		err := SelectBackend(name)
		if err == nil {
			t.Fatalf("SelectBackend(%q) accepted", name)
		}
		var e *Error
		if !errors.As(err, &e) || (e.Code != ErrUnsupported && e.Code != ErrInvalidInput) {
			t.Fatalf("SelectBackend(%q): %v", name, err)
		}
	}
	if BackendActive() != before {
		t.Fatalf("refused selections changed the backend from %q to %q", before, BackendActive())
	}
}
