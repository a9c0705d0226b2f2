#!/usr/bin/env bash
# The flagship pipeline on Fashion-MNIST: inspect, quantize, compile, validate on all 10,000
# test images, then a summary of float vs int8 accuracy, flash, RAM and MACs.
set -euo pipefail
BUILD=${1:-build}
HERE=$(cd "$(dirname "$0")" && pwd)
MOTE="$BUILD/mote"
OUT="$BUILD/demo"
mkdir -p "$OUT"

echo "== data: Fashion-MNIST test set -> $OUT/test_x.npy, test_y.npy"
/usr/bin/python3 "$HERE/make_data.py" "$OUT"

echo "== inspect"
"$MOTE" inspect "$HERE/fashion_cnn.onnx"

echo "== quantize (int8, TFLite spec; calibration: 200 training images, minmax)"
"$MOTE" quantize "$HERE/fashion_cnn.onnx" --calib "$HERE/calib.npy" -o "$OUT/quant.json"

echo "== compile"
"$MOTE" compile "$HERE/fashion_cnn.onnx" --calib "$HERE/calib.npy" --name fashion -o "$OUT/fashion"

echo "== validate on 10,000 test images"
"$MOTE" validate "$OUT/fashion" --data "$OUT/test_x.npy" --labels "$OUT/test_y.npy" -o "$OUT/validate.json"

/usr/bin/python3 - "$OUT" <<'PY'
import json, sys
out = sys.argv[1]
r = json.load(open(f"{out}/fashion/report.json"))
v = json.load(open(f"{out}/validate.json"))
n = v["samples"]
print("== summary")
print(f"float accuracy      {100.0 * v['correct_float'] / n:6.2f} %")
print(f"int8 C accuracy     {100.0 * v['correct_c'] / n:6.2f} %")
print(f"bit-exact vs C++    {v['bitexact_samples']}/{n} samples")
print(f"flash (weights)     {r['weights_bytes']} B")
print(f"RAM (arena)         {r['arena_bytes']} B")
print(f"MACs per inference  {r['macs']}")
PY
