#!/usr/bin/env bash
# Keyword spotting end to end: speech synthesized with espeak-ng -> the device's MFCC features ->
# mote run pipeline.yaml (train a DS-CNN, compile it for a Cortex-M4 with its front end, every
# held-out clip under QEMU) -> the streaming firmware (main.c) on a recording of several words,
# under QEMU and natively, compared byte for byte and scored against what was said.
#   bash examples/kws/run.sh [BUILD] [OUT]
set -euo pipefail
BUILD=$(cd "${1:-build}" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${2:-$BUILD/kws}
MOTE="$BUILD/mote"
PY=/usr/bin/python3
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

echo "== data: espeak-ng voices, noise and time shifts; the test set's voices are held out"
[ -f "$OUT/data/data.json" ] || "$PY" "$HERE/make_data.py" "$OUT/data"

echo "== features: the front end the device runs (16 kHz, 30 ms windows every 20 ms, 10 MFCCs)"
"$MOTE" features "$OUT/data/train" -o "$OUT/features/train"
"$MOTE" features "$OUT/data/test" --frontend "$OUT/features/train/frontend.json" -o "$OUT/features/test"
# calibration: every 8th training clip
"$PY" -c "import numpy as np, sys; x = np.load(sys.argv[1]); np.save(sys.argv[2], x[::8])" \
  "$OUT/features/train/x.npy" "$OUT/features/calib.npy"

echo "== pipeline: train, compile for cortex-m4 with the front end, validate under QEMU"
(cd "$OUT" && "$MOTE" run "$HERE/pipeline.yaml")

echo "== streaming firmware on a recording of $(
  "$PY" -c "import json,sys; print(len(json.load(open(sys.argv[1]))['words']))" "$OUT/data/stream.json") words"
"$PY" - "$OUT/data/stream.wav" "$OUT/stream.raw" <<'PY'
import sys, wave
w = wave.open(sys.argv[1])
open(sys.argv[2], "wb").write(w.readframes(w.getnframes()))
PY
"$MOTE" run "$OUT/pipeline/kws" --app "$HERE/main.c" --input "$OUT/stream.raw" --output "$OUT/stream.m4.txt" \
  --json "$OUT/stream.m4.json"
"$MOTE" run "$OUT/pipeline/kws" --app "$HERE/main.c" --target host --input "$OUT/stream.raw" \
  --output "$OUT/stream.host.txt" > /dev/null
cmp "$OUT/stream.m4.txt" "$OUT/stream.host.txt"
echo "host and Cortex-M4 firmware output: byte for byte the same"
"$PY" "$HERE/score.py" "$OUT" | tee "$OUT/summary.txt"
echo "report: $OUT/pipeline/report.html"
