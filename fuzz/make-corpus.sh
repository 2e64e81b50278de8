#!/usr/bin/env bash
# fuzz/make-corpus.sh [BUILD_DIR]
# Regenerates the committed seed corpora fuzz/corpus/<target>/ with cj_make_corpus (built in BUILD_DIR,
# default build-fuzz; configure with -DCOINJECTURE_FUZZ=ON, any compiler). It keeps the committed set
# small (-n 3: at most three entries per vector operation and file, plus the hand-built seeds); at fuzz
# time fuzz/run.sh writes the full set from every vector into BUILD_DIR/fuzz/seeds/ instead.
# The output is deterministic: rerunning it only changes files when the generator or vectors changed.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build-fuzz}
nice -n 10 ninja -C "$build" cj_make_corpus
rm -rf "$root/fuzz/corpus.new"
"$build/fuzz/cj_make_corpus" -n 3 "$root/fuzz/corpus.new"
rm -rf "$root/fuzz/corpus"
mv "$root/fuzz/corpus.new" "$root/fuzz/corpus"
find "$root/fuzz/corpus" -type f | wc -l | xargs echo "fuzz/corpus: files:"
du -sh "$root/fuzz/corpus"
