#!/usr/bin/env bash
# Checks that libcoinjecture_core.so exports exactly the functions include/coinjecture.h documents
# (COINJECTURE_API declarations), and that all 13 symbols of the original library are among them.
# Usage: scripts/check-symbols.sh path/to/libcoinjecture_core.so [path/to/coinjecture.h]
set -euo pipefail
lib=$1
hdr=${2:-$(dirname "$0")/../include/coinjecture.h}
documented=$(grep -A2 -E '^COINJECTURE_API' "$hdr" | tr '\n' ' ' | grep -oE 'coinjecture_[a-z0-9_]+\(' | tr -d '(' | sort -u)
exported=$(nm -D --defined-only "$lib" | awk '$2 == "T" {print $3}' | sort -u)
original="coinjecture_sha256_hash coinjecture_compute_header_hash coinjecture_compute_merkle_root
coinjecture_verify_subset_sum coinjecture_verify_transaction coinjecture_compute_escrow_id
coinjecture_validate_escrow_creation coinjecture_validate_escrow_release coinjecture_validate_escrow_refund
coinjecture_last_error coinjecture_free_string coinjecture_version coinjecture_codec_version"
status=0
for s in $original; do
  grep -qx "$s" <<<"$exported" || { echo "MISSING original symbol: $s"; status=1; }
done
extra=$(comm -13 <(echo "$documented") <(echo "$exported"))
missing=$(comm -23 <(echo "$documented") <(echo "$exported"))
[ -z "$extra" ] || { echo "exported but not documented in coinjecture.h:"; echo "$extra"; status=1; }
[ -z "$missing" ] || { echo "documented but not exported:"; echo "$missing"; status=1; }
n=$(echo "$exported" | wc -l)
[ $status -eq 0 ] && echo "symbols OK: $n exported functions, all documented, all 13 original symbols present"
exit $status
