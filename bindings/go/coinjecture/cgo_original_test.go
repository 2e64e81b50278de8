package coinjecture

import (
	"bufio"
	"os"
	"strings"
	"testing"
)

// cgoOriginalChecks are the "check" lines examples/cgo-original must print (the original ABI's results,
// core.md §2.4, with the rewrite's documented superset: NULL,0 hashes the empty string).
var cgoOriginalChecks = map[string]string{
	"version":               "4.0.0",
	"codec_version":         "1",
	"sha256_empty_nonnull":  "rc=0 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	"subset_sum_valid":      "rc=0 valid=1",
	"subset_sum_wrong_sum":  "rc=3",
	"last_error_nonempty":   "true",
	"subset_sum_bad_tier":   "rc=1",
	"escrow_id":             "rc=0 ac27b022c484b50b15fa4aa5e8fd5518215bc82b13a681992d6d1078e02227ce",
	"escrow_creation_ok":    "rc=0",
	"escrow_creation_short": "rc=1",
	"escrow_release_ok":     "rc=0",
	"escrow_release_zero":   "rc=1",
	"escrow_refund_ok":      "rc=0",
	"escrow_refund_early":   "rc=1",
	"tx_valid":              "rc=0 valid=1 total_cost=3100000 gas_used=21000 fee=2100000",
	"tx_insufficient":       "rc=3 valid=0",
	"tx_bad_signature":      "rc=3 valid=0",
	"tx_bad_type":           "rc=1 valid=0",
	"adhoc_sha256_hello":    "rc=0 b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9",
	"adhoc_version":         "4.0.0",
	"adhoc_codec_version":   "1",
}

// TestCgoOriginalOutput checks the output of examples/cgo-original (a program written for the original
// ABI, built unchanged against this library): all 50 golden vectors and the check lines. run-tests.sh
// builds and runs the program and points COINJECTURE_CGO_ORIGINAL_OUTPUT at its output.
func TestCgoOriginalOutput(t *testing.T) {
	path := os.Getenv("COINJECTURE_CGO_ORIGINAL_OUTPUT")
	if path == "" {
		t.Skip("COINJECTURE_CGO_ORIGINAL_OUTPUT not set (run-tests.sh sets it)")
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	vectors := map[string]string{}
	checks := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.SplitN(sc.Text(), " ", 3)
		if len(fields) != 3 {
			t.Fatalf("malformed line %q", sc.Text())
		}
		var m map[string]string
		switch fields[0] {
		case "vector":
			m = vectors
		case "check":
			m = checks
		default:
			t.Fatalf("unknown line %q", sc.Text())
		}
		if _, dup := m[fields[1]]; dup {
			t.Fatalf("duplicate %s %s", fields[0], fields[1])
		}
		m[fields[1]] = fields[2]
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	golden := loadGolden(t)
	for _, v := range golden {
		want := v.ExpectedHash
		if v.Operation == "MERKLE" {
			want = v.ExpectedRoot
		}
		got, ok := vectors[v.TestName]
		if !ok {
			t.Errorf("%s: not printed", v.TestName)
		} else if got != want {
			t.Errorf("%s: got %s, want %s", v.TestName, got, want)
		}
	}
	if len(vectors) != len(golden) {
		t.Errorf("%d vector lines, want %d", len(vectors), len(golden))
	}
	for name, want := range cgoOriginalChecks {
		if got, ok := checks[name]; !ok {
			t.Errorf("check %s: not printed", name)
		} else if got != want {
			t.Errorf("check %s: got %q, want %q", name, got, want)
		}
	}
	if len(checks) != len(cgoOriginalChecks) {
		t.Errorf("%d check lines, want %d", len(checks), len(cgoOriginalChecks))
	}
}
