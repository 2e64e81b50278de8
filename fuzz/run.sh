#!/usr/bin/env bash
# fuzz/run.sh BIN_DIR SECONDS [TARGET ...]
# Runs libFuzzer targets one after another for SECONDS each (all fuzz_* executables in BIN_DIR when no
# TARGET is named) and prints one summary line per target. Exit status 1 if any target crashed, leaked,
# timed out or failed a check; the reproducer path and the report are printed for each.
# Per target, under BIN_DIR: corpus/<t>/ (the growing corpus, first corpus dir so new inputs land there),
# seeds/<t>/ (fresh from cj_make_corpus), artifacts/<t>/ (crash-*, leak-*, timeout-* reproducers),
# logs/<t>.log. The committed seeds fuzz/corpus/<t>/ are read, never written.
# Environment: CJ_FUZZ_NICE (default 10), CJ_FUZZ_RSS_MB (default 2048), CJ_FUZZ_EXTRA (more libFuzzer flags).
set -u
if [ $# -lt 2 ]; then
  echo "usage: $0 BIN_DIR SECONDS [TARGET ...]" >&2
  exit 2
fi
bin=$(cd "$1" && pwd) || exit 2
secs=$2
shift 2
src=$(cd "$(dirname "$0")" && pwd)

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for f in "$bin"/fuzz_*; do
    n=$(basename "$f")
    [[ -x $f && $n != *_replay ]] && targets+=("$n")
  done
fi
if [ ${#targets[@]} -eq 0 ]; then
  echo "fuzz: no fuzz targets in $bin (configure with clang and -DCOINJECTURE_FUZZ=ON)" >&2
  exit 2
fi

mkdir -p "$bin/logs"
if [ -x "$bin/cj_make_corpus" ]; then
  "$bin/cj_make_corpus" "$bin/seeds" > "$bin/logs/make_corpus.log" 2>&1 || {
    echo "fuzz: cj_make_corpus failed:" >&2
    cat "$bin/logs/make_corpus.log" >&2
    exit 1
  }
fi

failed=()
summary=()
for t in "${targets[@]}"; do
  exe="$bin/$t"
  if [ ! -x "$exe" ]; then
    echo "fuzz: $exe missing" >&2
    failed+=("$t (missing)")
    continue
  fi
  work="$bin/corpus/$t" art="$bin/artifacts/$t" log="$bin/logs/$t.log"
  mkdir -p "$work" "$art"
  dirs=("$work")
  [ -d "$src/corpus/$t" ] && dirs+=("$src/corpus/$t")
  [ -d "$bin/seeds/$t" ] && dirs+=("$bin/seeds/$t")
  opts=(-max_total_time="$secs" -print_final_stats=1 -timeout=25 -rss_limit_mb="${CJ_FUZZ_RSS_MB:-2048}"
        -artifact_prefix="$art/")
  case $t in
    fuzz_decode_*) opts+=(-dict="$src/codec.dict") ;;
    fuzz_node_tx_json | fuzz_node_genesis) opts+=(-dict="$src/node_json.dict") ;;
    fuzz_node_config) opts+=(-dict="$src/node_yaml.dict") ;;
  esac
  case $t in
    fuzz_decode_block | fuzz_decode_tx | fuzz_sha256_diff | fuzz_node_config) opts+=(-max_len=16384) ;;
    fuzz_header_hash | fuzz_node_tx_json | fuzz_node_genesis) opts+=(-max_len=8192) ;;
  esac
  # shellcheck disable=SC2206
  extra=(${CJ_FUZZ_EXTRA:-})
  echo "fuzz: $t for ${secs}s ..."
  start=$(date +%s)
  touch "$art/.start"
  nice -n "${CJ_FUZZ_NICE:-10}" "$exe" "${opts[@]}" "${extra[@]}" "${dirs[@]}" > "$log" 2>&1
  rc=$?
  took=$(($(date +%s) - start))
  execs=$(awk '/stat::number_of_executed_units/ {print $2}' "$log" | tail -1)
  eps=$(awk '/stat::average_exec_per_sec/ {print $2}' "$log" | tail -1)
  units=$(find "$work" -type f | wc -l)
  cov=$(grep -Eo 'cov: [0-9]+' "$log" | tail -1 | awk '{print $2}')
  status=ok
  if [ $rc -ne 0 ]; then
    status="FAILED (exit $rc)"
    repro=$(find "$art" -type f -newer "$art/.start" ! -name '.*' -printf '%f\n' | head -1)
    failed+=("$t")
    echo "================ $t: $status ================"
    [ -n "$repro" ] && echo "reproducer: $art/$repro  (replay: $exe $art/$repro)"
    grep -n -E -A40 'ERROR: |fuzz check failed|runtime error|==[0-9]+==|deadly signal' "$log" | head -80
    echo "full log: $log"
  fi
  summary+=("$(printf '%-22s %5ss %10s execs %8s exec/s  cov %6s  corpus+%-5s %s' "$t" "$took" "${execs:-?}" \
    "${eps:-?}" "${cov:-?}" "$units" "$status")")
done

echo
echo "fuzz summary (${secs}s per target):"
printf '  %s\n' "${summary[@]}"
if [ ${#failed[@]} -ne 0 ]; then
  echo "fuzz: FAILED: ${failed[*]}"
  exit 1
fi
echo "fuzz: all ${#targets[@]} targets ran without a finding"
