package coinjecture_test

import (
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/coinjecture/coinjecture-c/bindings/go/coinjecture"
)

// SHA-256 through the C library.
func ExampleSHA256Hash() {
	h, err := coinjecture.SHA256Hash([]byte("hello world"))
	if err != nil {
		panic(err)
	}
	fmt.Println(hex.EncodeToString(h[:]))
	// Output: b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9
}

// The Merkle root of three transaction hashes (an odd node is promoted; golden vector merkle_three_txs).
func ExampleComputeMerkleRoot() {
	var a, b, c [32]byte
	for i := range a {
		a[i], b[i], c[i] = 0xaa, 0xbb, 0xcc
	}
	root, err := coinjecture.ComputeMerkleRoot([][32]byte{a, b, c})
	if err != nil {
		panic(err)
	}
	fmt.Println(hex.EncodeToString(root[:]))
	// Output: 6f3229c7ace2d68a68865acf8263a53d093c4ff96202fa25a3497b6adf71e450
}

// A subset-sum proof of work: a valid solution, then a wrong one (a verdict, not an error).
func ExampleVerifySubsetSum() {
	problem := &coinjecture.SubsetSumProblem{
		ProblemType: coinjecture.ProblemSubsetSum,
		Tier:        coinjecture.TierMobile,
		Elements:    []int64{3, 34, 4, 12, 5, 2, 7, 9},
		Target:      9,
	}
	ok, err := coinjecture.VerifySubsetSum(problem, &coinjecture.SubsetSumSolution{Indices: []uint32{0, 2, 5}}, nil)
	fmt.Println(ok, err)
	ok, err = coinjecture.VerifySubsetSum(problem, &coinjecture.SubsetSumSolution{Indices: []uint32{0, 1}}, nil)
	fmt.Println(ok, err)
	status, _ := coinjecture.CheckSubsetSum(problem, &coinjecture.SubsetSumSolution{Indices: []uint32{0, 1}}, nil)
	fmt.Println(status)
	// Output:
	// true <nil>
	// false <nil>
	// WrongSum
}

// Failures carry the library's result code; test it with errors.Is.
func ExampleError() {
	_, err := coinjecture.ComputeHeaderHash(nil)
	fmt.Println(errors.Is(err, coinjecture.ErrInvalidInput))
	// Output: true
}

// The three versions: the project's (this module's), the loaded library's, and the original's
// compatibility value.
func ExampleProjectVersion() {
	fmt.Println(coinjecture.ProjectVersion() == coinjecture.LibraryVersion())
	fmt.Println(coinjecture.Version())
	// Output:
	// true
	// 4.0.0
}
