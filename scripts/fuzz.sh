#!/usr/bin/env bash
# `make fuzz`: builds the libFuzzer targets (tests/fuzz/targets) with clang, ASan and UBSan in
# their own build dir and runs each for FUZZ_SECONDS (and at most FUZZ_RUNS inputs, if set) on a
# scratch copy of its seed corpus (tests/fuzz/corpus/<target>), so the committed seeds never
# change. Prints executions, corpus and coverage per target; exits non-zero if any target found
# a crash, a leak, a timeout or a sanitizer report (the input is kept in $FUZZ_BUILD/artifacts).
# FUZZ_TARGETS picks some of the targets (default: onnx tflite array). FUZZ_RESULTS=docs/results.md
# also writes their figures into that file's "Fuzzing" section (rows of other targets stay).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SECS=${FUZZ_SECONDS:-60}
RUNS=${FUZZ_RUNS:--1}
B=${FUZZ_BUILD:-$ROOT/build-fuzz}
read -r -a TARGETS <<< "${FUZZ_TARGETS:-onnx tflite array}"

cmake -S "$ROOT" -B "$B" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMOTE_FUZZ=ON \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ > /dev/null
cmake --build "$B" -j"${JOBS:-2}" -- --no-print-directory > "$B/build.log" 2>&1 || { cat "$B/build.log"; exit 1; }

failed=0
logs=()
for t in "${TARGETS[@]}"; do
  work="$B/corpus/$t" art="$B/artifacts/$t/" log="$B/fuzz_$t.log"
  rm -rf "$work" "$art"
  mkdir -p "$work" "$art"
  echo "fuzz_$t: up to ${SECS}s$([ "$RUNS" -ge 0 ] && echo ", $RUNS runs") on tests/fuzz/corpus/$t"
  if ! "$B/tests/fuzz/targets/fuzz_$t" -max_total_time="$SECS" -runs="$RUNS" -timeout=25 -rss_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix="$art" "$work" "$ROOT/tests/fuzz/corpus/$t" > "$log" 2>&1; then
    failed=$((failed + 1))
    echo "fuzz_$t FAILED (log: $log, input: $(ls "$art" | head -1)):"
    grep -m 8 -E "^==[0-9]+==ERROR|SUMMARY|runtime error|bad error message|deadly signal|out-of-memory|timeout" "$log" || tail -20 "$log"
  fi
  logs+=("$log")
done
write=()
[ -n "${FUZZ_RESULTS:-}" ] && [ "$failed" -eq 0 ] && write=(--write "$FUZZ_RESULTS")
/usr/bin/python3 "$ROOT/bench/fuzz_results.py" "${logs[@]}" "${write[@]}"
echo "fuzz: $(( ${#TARGETS[@]} - failed )) passed, $failed failed"
[ "$failed" -eq 0 ]
