#!/usr/bin/env bash
# Vital signs end to end: synthetic ECG and temperature of wearers -> mote run pipeline.yaml
# (train a 1-D CNN on the ECG, compile it for a Cortex-M4, every test window under QEMU) -> the
# firmware (main.c: rhythm and alert per window) on the test windows, under QEMU and natively,
# compared byte for byte -> the float network on the same windows -> score.py: macro-F1,
# per-class recall and confusion, int8 against float, alerts.
#   bash examples/vital_signs/run.sh [BUILD] [OUT]
# Smaller runs (the tests): DATA_ARGS (make_data.py's options), PIPELINE (another pipeline
# file), TEST (test windows the firmware runs).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../run_common.sh
source "$HERE/../run_common.sh"

echo "== data: ECGSYN-style ECG (five rhythms) and temperature; test subjects held out"
# shellcheck disable=SC2086
[ -f "$OUT/data/data.json" ] || "$PY" "$HERE/make_data.py" "$OUT/data" ${DATA_ARGS:-}
"$PY" "$HERE/prepare.py" "$OUT/data" "$OUT/split" --test "${TEST:-1000}"

echo "== pipeline: train, compile for cortex-m4, every test window under QEMU"
(cd "$OUT" && "$MOTE" run "$PIPELINE")

echo "== the firmware on the test windows, on the Cortex-M4 under QEMU and natively"
firmware_on_both "$OUT/pipeline/vitals" "$OUT/split/stream.bin" stream
"$MOTE" infer "$OUT/pipeline/dense.onnx" --data "$OUT/split/stream_x.npy" -o "$OUT/float_logits.npy" > /dev/null
"$PY" "$HERE/score.py" "$OUT" | tee "$OUT/summary.txt"
