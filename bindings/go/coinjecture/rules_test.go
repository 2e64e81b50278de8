package coinjecture

import (
	"bytes"
	"crypto/ed25519"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func fill32(b byte) (h [32]byte) {
	for i := range h {
		h[i] = b
	}
	return h
}

func TestVersions(t *testing.T) {
	if v := Version(); v != "4.0.0" {
		t.Errorf("Version() = %q, want 4.0.0", v)
	}
	if v := CodecVersion(); v != 1 {
		t.Errorf("CodecVersion() = %d, want 1", v)
	}
	if v := LibraryVersion(); v == "" || v == "4.0.0" {
		t.Errorf("LibraryVersion() = %q, want this implementation's own version", v)
	}
	if p, l := ProjectVersion(), LibraryVersion(); p != l {
		t.Errorf("ProjectVersion() = %q, LibraryVersion() = %q: the module and the library it runs on differ", p, l)
	}
	if b, err := os.ReadFile(filepath.Join("..", "..", "..", "VERSION")); err == nil {
		if want := strings.TrimSpace(string(b)); ProjectVersion() != want {
			t.Errorf("ProjectVersion() = %q, the repository's VERSION says %q", ProjectVersion(), want)
		}
	}
	names := Backends()
	found := map[string]bool{}
	for _, n := range names {
		found[n] = true
	}
	if !found["reference"] || !found["accelerated"] {
		t.Errorf("Backends() = %v, want reference and accelerated", names)
	}
	if a := BackendActive(); a != "reference" && a != "accelerated" {
		t.Errorf("BackendActive() = %q", a)
	}
	if BackendDetail() == "" {
		t.Error("BackendDetail() is empty")
	}
}

func TestSelectBackend(t *testing.T) {
	initial := BackendRequested()
	defer func() {
		if SelectBackend(initial) != nil {
			_ = SelectBackend("reference")
		}
	}()
	if err := SelectBackend("reference"); err != nil {
		t.Fatal(err)
	}
	if BackendActive() != "reference" || BackendRequested() != "reference" {
		t.Fatalf("after selecting reference: active %q requested %q", BackendActive(), BackendRequested())
	}
	err := SelectBackend("no-such-backend")
	if !errors.Is(err, ErrUnsupported) {
		t.Fatalf("unknown backend: %v, want ErrUnsupported", err)
	}
	if BackendActive() != "reference" {
		t.Fatalf("a refused selection changed the backend to %q", BackendActive())
	}
	if err := SelectBackend("accelerated"); err != nil {
		t.Fatal(err)
	}
	if BackendRequested() != "accelerated" {
		t.Fatalf("requested %q after selecting accelerated", BackendRequested())
	}
}

// ---- subset sum ----

func mobileProblem(target int64, elements ...int64) *SubsetSumProblem {
	el := []int64{1, 2, 3, 4, 5, 6, 7, 8}
	copy(el, elements)
	return &SubsetSumProblem{Tier: TierMobile, Elements: el, Target: target}
}

func TestSubsetSumVerdicts(t *testing.T) {
	mb, err := TierBudget(TierMobile)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		p       *SubsetSumProblem
		indices []uint32
		budget  *VerifyBudget
		want    SubsetSumStatus
	}{
		{"valid", mobileProblem(3), []uint32{0, 1}, nil, SSOK},
		{"valid explicit budget", mobileProblem(15), []uint32{6, 7}, &mb, SSOK},
		{"empty solution target 0", mobileProblem(0), nil, nil, SSOK},
		{"wrong sum", mobileProblem(4), []uint32{0, 1}, nil, SSWrongSum},
		{"duplicate", mobileProblem(2), []uint32{0, 0}, nil, SSDuplicateIndex},
		{"index range", mobileProblem(1), []uint32{8}, nil, SSIndexRange},
		{"tier size", &SubsetSumProblem{Tier: TierMobile, Elements: []int64{1, 2, 3, 4, 5}, Target: 1}, []uint32{0}, nil, SSTierSize},
		{"proof size", mobileProblem(0), []uint32{0, 1, 2, 3, 4, 5, 6, 7, 0}, nil, SSProofSize},
		{"overflow in order", mobileProblem(math.MaxInt64, math.MaxInt64, 1, -1), []uint32{0, 1, 2}, nil, SSOverflow},
		{"no overflow other order", mobileProblem(math.MaxInt64, math.MaxInt64, 1, -1), []uint32{0, 2, 1}, nil, SSOK},
		{"budget ops", mobileProblem(3), []uint32{0, 1}, &VerifyBudget{MaxOps: 3, MaxMemoryBytes: 1 << 20}, SSBudgetOps},
		{"budget ops exact", mobileProblem(3), []uint32{0, 1}, &VerifyBudget{MaxOps: 4, MaxMemoryBytes: 16}, SSOK},
		{"budget memory", mobileProblem(3), []uint32{0, 1}, &VerifyBudget{MaxOps: 4, MaxMemoryBytes: 15}, SSBudgetMemory},
		{"not implemented", &SubsetSumProblem{ProblemType: ProblemKnapsack, Tier: TierMobile, Elements: mobileProblem(3).Elements, Target: 3}, []uint32{0, 1}, nil, SSNotImplemented},
	}
	for _, c := range cases {
		c := c
		t.Run(c.name, func(t *testing.T) {
			sol := &SubsetSumSolution{Indices: c.indices}
			st, err := CheckSubsetSum(c.p, sol, c.budget)
			if err != nil {
				t.Fatalf("CheckSubsetSum: %v", err)
			}
			if st != c.want {
				t.Fatalf("status %v, want %v", st, c.want)
			}
			ok, err := VerifySubsetSum(c.p, sol, c.budget)
			if err != nil {
				t.Fatalf("VerifySubsetSum: %v", err)
			}
			if ok != (c.want == SSOK) {
				t.Fatalf("VerifySubsetSum = %v for status %v", ok, c.want)
			}
		})
	}
}

func TestSubsetSumCluster(t *testing.T) {
	el := make([]int64, 32)
	idx := make([]uint32, 32)
	var sum int64
	for i := range el {
		el[i] = int64(i*i) - 100
		idx[i] = uint32(31 - i)
		sum += el[i]
	}
	ok, err := VerifySubsetSum(&SubsetSumProblem{ProblemType: ProblemSubsetSum, Tier: TierCluster, Elements: el, Target: sum},
		&SubsetSumSolution{Indices: idx}, nil)
	if err != nil || !ok {
		t.Fatalf("32-element Cluster problem: ok=%v err=%v", ok, err)
	}
}

func TestTierTables(t *testing.T) {
	want := []struct {
		tier     HardwareTier
		min, max uint32
		budget   VerifyBudget
	}{
		{TierMobile, 8, 12, VerifyBudget{1 << 12, 60000, 268435456}},
		{TierDesktop, 12, 16, VerifyBudget{1 << 16, 300000, 1073741824}},
		{TierWorkstation, 16, 20, VerifyBudget{1 << 20, 900000, 4294967296}},
		{TierServer, 20, 24, VerifyBudget{1 << 24, 1800000, 17179869184}},
		{TierCluster, 24, 32, VerifyBudget{1 << 32, 3600000, 68719476736}},
	}
	for _, w := range want {
		lo, hi, err := TierElements(w.tier)
		if err != nil || lo != w.min || hi != w.max {
			t.Errorf("TierElements(%d) = %d, %d, %v; want %d, %d", w.tier, lo, hi, err, w.min, w.max)
		}
		b, err := TierBudget(w.tier)
		if err != nil || b != w.budget {
			t.Errorf("TierBudget(%d) = %+v, %v; want %+v", w.tier, b, err, w.budget)
		}
	}
}

// ---- transactions ----

// goSigningMessage builds the signed message independently (core.md §7).
func goSigningMessage(tx *Transaction) []byte {
	b := []byte{tx.CodecVersion, byte(tx.TxType)}
	b = append(b, tx.From[:]...)
	b = append(b, tx.To[:]...)
	for _, v := range []uint64{tx.Amount, tx.Nonce, tx.GasLimit, tx.GasPrice} {
		b = binary.LittleEndian.AppendUint64(b, v)
	}
	b = binary.LittleEndian.AppendUint32(b, uint32(len(tx.Data)))
	b = append(b, tx.Data...)
	return binary.LittleEndian.AppendUint64(b, uint64(tx.Timestamp))
}

var testKey = ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, 32))

func signedTx(t *testing.T, mutate func(*Transaction)) *Transaction {
	t.Helper()
	tx := &Transaction{CodecVersion: 1, TxType: TxTransfer, To: fill32(0x22), Amount: 1000000,
		GasLimit: 21000, GasPrice: 100, Timestamp: 1704067200}
	copy(tx.From[:], testKey.Public().(ed25519.PublicKey))
	if mutate != nil {
		mutate(tx)
	}
	msg, err := TxSigningMessage(tx)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(msg, goSigningMessage(tx)) {
		t.Fatalf("signing message\n got %x\nwant %x", msg, goSigningMessage(tx))
	}
	copy(tx.Signature[:], ed25519.Sign(testKey, msg))
	return tx
}

func TestVerifyTransactionValid(t *testing.T) {
	for _, data := range [][]byte{nil, []byte("hello"), bytes.Repeat([]byte{0xcc}, 1000)} {
		tx := signedTx(t, func(tx *Transaction) { tx.Data = data })
		res, err := VerifyTransaction(tx, &AccountState{Balance: 3100000})
		if err != nil {
			t.Fatal(err)
		}
		want := ValidationResult{Valid: true, Status: TxOK, TotalCost: 3100000, GasUsed: 21000, Fee: 2100000}
		if *res != want {
			t.Fatalf("data %d bytes: %+v, want %+v", len(data), *res, want)
		}
	}
}

func TestVerifyTransactionVerdicts(t *testing.T) {
	cases := []struct {
		name   string
		tx     *Transaction
		sender AccountState
		want   TxStatus
	}{
		{"insufficient balance", signedTx(t, nil), AccountState{Balance: 3099999}, TxInsufficientBalance},
		{"bad nonce", signedTx(t, nil), AccountState{Balance: 1 << 40, Nonce: 1}, TxBadNonce},
		{"fee too low", signedTx(t, func(tx *Transaction) { tx.GasPrice = 0 }), AccountState{Balance: 1 << 40}, TxFeeTooLow},
		{"amount overflow", signedTx(t, func(tx *Transaction) { tx.GasLimit = 1 << 63; tx.GasPrice = 4 }), AccountState{Balance: math.MaxUint64}, TxAmountOverflow},
		{"gas too low", signedTx(t, func(tx *Transaction) { tx.TxType = TxProblemSubmission }), AccountState{Balance: 1 << 40}, TxGasTooLow},
		{"bad signature", func() *Transaction { tx := signedTx(t, nil); tx.Amount++; return tx }(), AccountState{Balance: 1 << 40}, TxBadSignature},
		{"wrong key", func() *Transaction { tx := signedTx(t, nil); tx.From[0] ^= 1; return tx }(), AccountState{Balance: 1 << 40}, TxBadSignature},
	}
	for _, c := range cases {
		c := c
		t.Run(c.name, func(t *testing.T) {
			res, err := VerifyTransaction(c.tx, &c.sender)
			if err != nil {
				t.Fatalf("error %v; want a verdict", err)
			}
			if res.Valid || res.Status != c.want {
				t.Fatalf("result %+v, want invalid with %v", *res, c.want)
			}
			if res.Reason == "" {
				t.Fatal("no reason given")
			}
		})
	}
}

// ---- escrow ----

func TestComputeEscrowID(t *testing.T) {
	id, err := ComputeEscrowID(fill32(1), fill32(2), 1000)
	if err != nil {
		t.Fatal(err)
	}
	if got := hex.EncodeToString(id[:]); got != "ac27b022c484b50b15fa4aa5e8fd5518215bc82b13a681992d6d1078e02227ce" {
		t.Fatalf("escrow id %s", got)
	}
	// Independent check: SHA-256(submitter || problem_hash || u64 LE block).
	pre := append(append(bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32)...), 0, 0, 0, 0, 0, 0, 0, 0)
	binary.LittleEndian.PutUint64(pre[64:], math.MaxUint64)
	id2, err := ComputeEscrowID(fill32(1), fill32(2), math.MaxUint64)
	if err != nil {
		t.Fatal(err)
	}
	if want, _ := SHA256Hash(pre); id2 != want {
		t.Fatalf("escrow id for block 2^64-1: %x, want %x", id2, want)
	}
}

func TestValidateEscrowCreation(t *testing.T) {
	cases := []struct {
		amount, created, expiry uint64
		ok                      bool
	}{
		{1000, 10, 110, true},
		{1000, 10, 100010, true},
		{math.MaxUint64, math.MaxUint64 - 100, math.MaxUint64, true},
		{999, 10, 110, false},
		{1000, 10, 109, false},
		{1000, 10, 100011, false},
		{1000, 110, 110, false},
		{1000, 110, 10, false},
		{0, 0, 0, false},
	}
	for _, c := range cases {
		err := ValidateEscrowCreation(c.amount, c.created, c.expiry)
		if c.ok && err != nil {
			t.Errorf("(%d, %d, %d): %v, want allowed", c.amount, c.created, c.expiry, err)
		}
		if !c.ok {
			var e *Error
			if !errors.As(err, &e) || e.Code != ErrInvalidInput || e.Message == "" {
				t.Errorf("(%d, %d, %d): %v, want ErrInvalidInput with a message", c.amount, c.created, c.expiry, err)
			}
		}
	}
}

func lockedEscrow() *BountyEscrow {
	return &BountyEscrow{ID: fill32(9), Submitter: fill32(1), Amount: 5000, ProblemHash: fill32(2),
		CreatedBlock: 100, ExpiryBlock: 1100, State: EscrowLocked}
}

func TestValidateEscrowRelease(t *testing.T) {
	if err := ValidateEscrowRelease(lockedEscrow(), fill32(3)); err != nil {
		t.Fatalf("locked escrow, recipient set: %v", err)
	}
	settled := uint64(5)
	withOptions := lockedEscrow()
	withOptions.Recipient, withOptions.SettledBlock, withOptions.SettlementTx = &[32]byte{4}, &settled, &[32]byte{5}
	if err := ValidateEscrowRelease(withOptions, fill32(3)); err != nil {
		t.Fatalf("optional fields are ignored by the rule: %v", err)
	}
	if err := ValidateEscrowRelease(lockedEscrow(), [32]byte{}); !errors.Is(err, ErrInvalidInput) {
		t.Fatalf("zero recipient: %v", err)
	}
	for _, st := range []EscrowState{EscrowReleased, EscrowRefunded, 3, 255} {
		e := lockedEscrow()
		e.State = st
		if err := ValidateEscrowRelease(e, fill32(3)); !errors.Is(err, ErrInvalidInput) {
			t.Fatalf("state %d: %v", st, err)
		}
	}
}

func TestValidateEscrowRefund(t *testing.T) {
	if err := ValidateEscrowRefund(lockedEscrow(), 1100); err != nil {
		t.Fatalf("at expiry: %v", err)
	}
	if err := ValidateEscrowRefund(lockedEscrow(), math.MaxUint64); err != nil {
		t.Fatalf("long after expiry: %v", err)
	}
	if err := ValidateEscrowRefund(lockedEscrow(), 1099); !errors.Is(err, ErrInvalidInput) {
		t.Fatalf("before expiry: %v", err)
	}
	e := lockedEscrow()
	e.State = EscrowRefunded
	if err := ValidateEscrowRefund(e, 2000); !errors.Is(err, ErrInvalidInput) {
		t.Fatalf("already refunded: %v", err)
	}
}
