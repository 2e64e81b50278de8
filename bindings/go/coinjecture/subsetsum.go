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

// MaxElements is the largest element (and index) count of a subset-sum problem (Cluster tier maximum).
const MaxElements = 32

// ProblemType numbers follow the Rust discriminants (coinjecture_problem_type). The zero value means
// SubsetSum, as ProblemType 0 did in the original Go bindings.
type ProblemType uint8

// Problem types. Only SubsetSum is verifiable; the others verify as SSNotImplemented.
const (
	ProblemSubsetSum      ProblemType = 1
	ProblemKnapsack       ProblemType = 2
	ProblemGraphColoring  ProblemType = 3
	ProblemSAT            ProblemType = 4
	ProblemTSP            ProblemType = 5
	ProblemFactorization  ProblemType = 6
	ProblemLatticeProblem ProblemType = 7
)

// HardwareTier numbers are the wire/Rust ones, 1 to 5 (coinjecture_tier). Note: the original Go bindings
// numbered the same tiers 0 to 4; 0 is refused here (ErrInvalidInput).
type HardwareTier uint8

// Hardware tiers: element-count range and verification budget (see TierElements, TierBudget).
const (
	TierMobile      HardwareTier = 1 // 8-12 elements
	TierDesktop     HardwareTier = 2 // 12-16 elements
	TierWorkstation HardwareTier = 3 // 16-20 elements
	TierServer      HardwareTier = 4 // 20-24 elements
	TierCluster     HardwareTier = 5 // 24-32 elements
)

// SubsetSumProblem is a problem instance. Timestamp is not looked at by verification.
type SubsetSumProblem struct {
	ProblemType ProblemType
	Tier        HardwareTier
	Elements    []int64
	Target      int64
	Timestamp   int64
}

// SubsetSumSolution is a solution: indices into the problem's Elements. Timestamp is not looked at.
type SubsetSumSolution struct {
	Indices   []uint32
	Timestamp int64
}

// VerifyBudget is the verification budget, full width (the original FFI narrowed it to 32 bits).
// MaxDurationMs is carried but not applied (verification is bounded by MaxOps; see coinjecture.h).
type VerifyBudget struct {
	MaxOps         uint64
	MaxDurationMs  uint64
	MaxMemoryBytes uint64
}

// SubsetSumStatus names the first consensus rule a solution breaks (coinjecture_ss_status).
type SubsetSumStatus int

// Subset-sum verdicts, in the order the rules are checked.
const (
	SSOK             SubsetSumStatus = 0
	SSNotImplemented SubsetSumStatus = 1
	SSTierSize       SubsetSumStatus = 2
	SSProofSize      SubsetSumStatus = 3
	SSBudgetOps      SubsetSumStatus = 4
	SSDuplicateIndex SubsetSumStatus = 5
	SSIndexRange     SubsetSumStatus = 6
	SSOverflow       SubsetSumStatus = 7
	SSWrongSum       SubsetSumStatus = 8
	SSBudgetMemory   SubsetSumStatus = 9
)

var ssNames = [...]string{"OK", "NotImplemented", "TierSize", "ProofSize", "BudgetOps", "DuplicateIndex",
	"IndexRange", "Overflow", "WrongSum", "BudgetMemory"}

// String returns the rule name, e.g. "WrongSum".
func (s SubsetSumStatus) String() string {
	if s >= 0 && int(s) < len(ssNames) {
		return ssNames[s]
	}
	return fmt.Sprintf("SubsetSumStatus(%d)", int(s))
}

// TierBudget returns the verification budget of a tier.
func TierBudget(tier HardwareTier) (VerifyBudget, error) {
	var b C.coinjecture_budget
	r := C.cjgo_tier_budget(C.uint8_t(tier), &b)
	if r.rc != C.COINJ_OK {
		return VerifyBudget{}, takeError("TierBudget", r.rc, r.msg)
	}
	return VerifyBudget{MaxOps: uint64(b.max_ops), MaxDurationMs: uint64(b.max_duration_ms),
		MaxMemoryBytes: uint64(b.max_memory_bytes)}, nil
}

// TierElements returns the inclusive element-count range of a tier.
func TierElements(tier HardwareTier) (min, max uint32, err error) {
	var lo, hi C.uint32_t
	r := C.cjgo_tier_elements(C.uint8_t(tier), &lo, &hi)
	if r.rc != C.COINJ_OK {
		return 0, 0, takeError("TierElements", r.rc, r.msg)
	}
	return uint32(lo), uint32(hi), nil
}

// VerifySubsetSum verifies a solution (core.md §6) and reports whether it is valid. A well-formed
// solution that breaks a rule gives (false, nil); use CheckSubsetSum to learn which rule. Errors are
// for malformed input: nil problem or solution, a tier outside 1..5, more than MaxElements elements or
// indices. A nil budget means the tier's own budget (TierBudget).
func VerifySubsetSum(problem *SubsetSumProblem, solution *SubsetSumSolution, budget *VerifyBudget) (bool, error) {
	st, err := checkSubsetSum("VerifySubsetSum", problem, solution, budget)
	return err == nil && st == SSOK, err
}

// CheckSubsetSum is VerifySubsetSum returning the verdict's rule (SSOK when valid).
func CheckSubsetSum(problem *SubsetSumProblem, solution *SubsetSumSolution, budget *VerifyBudget) (SubsetSumStatus, error) {
	return checkSubsetSum("CheckSubsetSum", problem, solution, budget)
}

// checkSubsetSum builds the full-width C structs (no Go pointers inside) and calls the library once.
func checkSubsetSum(op string, problem *SubsetSumProblem, solution *SubsetSumSolution, budget *VerifyBudget) (SubsetSumStatus, error) {
	var cp *C.coinjecture_problem
	var cs *C.coinjecture_solution
	var cb *C.coinjecture_budget
	if problem != nil {
		cp = new(C.coinjecture_problem)
		pt := problem.ProblemType
		if pt == 0 {
			pt = ProblemSubsetSum
		}
		cp.problem_type = C.uint8_t(pt)
		cp.tier = C.uint8_t(problem.Tier)
		// A length over MaxElements is passed as is (clamped to uint32) so the library refuses it
		// with its own message; only the first MaxElements values fit the inline array.
		cp.elements_len = clampU32(len(problem.Elements))
		for i := 0; i < len(problem.Elements) && i < MaxElements; i++ {
			cp.elements[i] = C.int64_t(problem.Elements[i])
		}
		cp.target = C.int64_t(problem.Target)
		cp.timestamp = C.int64_t(problem.Timestamp)
	}
	if solution != nil {
		cs = new(C.coinjecture_solution)
		cs.indices_len = clampU32(len(solution.Indices))
		for i := 0; i < len(solution.Indices) && i < MaxElements; i++ {
			cs.indices[i] = C.uint32_t(solution.Indices[i])
		}
		cs.timestamp = C.int64_t(solution.Timestamp)
	}
	if budget != nil {
		cb = &C.coinjecture_budget{max_ops: C.uint64_t(budget.MaxOps),
			max_duration_ms:  C.uint64_t(budget.MaxDurationMs),
			max_memory_bytes: C.uint64_t(budget.MaxMemoryBytes)}
	}
	r := C.cjgo_subset_sum(cp, cs, cb)
	switch r.rc {
	case C.COINJ_OK:
		return SSOK, nil
	case C.COINJ_ERROR_VERIFICATION_FAILED:
		if r.msg != nil {
			C.free(unsafe.Pointer(r.msg))
		}
		return SubsetSumStatus(r.status), nil
	default:
		return SSOK, takeError(op, r.rc, r.msg)
	}
}

// clampU32 converts a length for a uint32 C field, saturating (so an oversized length stays oversized).
func clampU32(n int) C.uint32_t {
	if uint64(n) > math.MaxUint32 {
		return C.uint32_t(math.MaxUint32)
	}
	return C.uint32_t(n)
}
