#!/usr/bin/env bash
# Measures what docs/results.md reports: demo accuracy (full test set), flash, RAM, MACs,
# host instructions per inference (callgrind), the memory planner against greedy-by-size
# on every test model, ArmNN against the generated C on all 10,000 Fashion-MNIST test images, and
# instructions, flash and RAM on a Cortex-M4 under QEMU. Figures come from report.json files and
# tools, never from timers.
set -euo pipefail
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
MOTE="$BUILD/mote"
OUT="$BUILD/bench"
rm -rf "$OUT"; mkdir -p "$OUT"

# 1. The flagship demo on all 10,000 Fashion-MNIST test images.
bash "$ROOT/examples/fashion_mnist/demo.sh" "$BUILD" > "$OUT/demo.log"

# 2. Host instructions per inference of the generated demo code (x86-64, gcc -O2).
D="$BUILD/demo/fashion"
cc -std=c99 -O2 -I "$D" -DBENCH_HEADER='"fashion.h"' -DBENCH_INPUT_BYTES=fashion_INPUT_BYTES \
   -DBENCH_OUTPUT_BYTES=fashion_OUTPUT_BYTES -DBENCH_INVOKE=fashion_invoke \
   "$D"/*.c "$ROOT/bench/invoke_once.c" -o "$OUT/fashion_once"
valgrind --tool=callgrind --toggle-collect=fashion_invoke --callgrind-out-file="$OUT/callgrind.out" \
   "$OUT/fashion_once" 2> /dev/null
callgrind_annotate "$OUT/callgrind.out" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",","",$1); print $1}' > "$OUT/fashion_instr.txt"

# 3. Memory planner vs TFLM's greedy-by-size on the PyTorch-exported test models.
for m in "$ROOT"/tests/data/models/*_opset13_folded.onnx; do
  base=$(basename "$m" _opset13_folded.onnx)
  "$MOTE" compile "$m" --calib "$ROOT/tests/data/models/${base}_input.npy" --name "$base" -o "$OUT/models/$base" > /dev/null
done

# 4. MLPerf Tiny int8 models: arena, flash and host instructions per inference.
SHARED="$ROOT/../shared"
for m in kws_ref_model pretrainedResnet_quant; do
  "$MOTE" compile "$SHARED/models/$m.tflite" --name "$m" -o "$OUT/mlperf/$m" > /dev/null
  cc -std=c99 -O2 -I "$OUT/mlperf/$m" -DBENCH_HEADER="\"$m.h\"" -DBENCH_INPUT_BYTES=${m}_INPUT_BYTES \
     -DBENCH_OUTPUT_BYTES=${m}_OUTPUT_BYTES -DBENCH_INVOKE=${m}_invoke \
     "$OUT/mlperf/$m"/*.c "$ROOT/bench/invoke_once.c" -o "$OUT/mlperf/$m/once"
  valgrind --tool=callgrind --toggle-collect=${m}_invoke --callgrind-out-file="$OUT/mlperf/$m/callgrind.out" \
     "$OUT/mlperf/$m/once" 2> /dev/null
  callgrind_annotate "$OUT/mlperf/$m/callgrind.out" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",","",$1); print $1}' > "$OUT/mlperf/$m/instr.txt"
done

# 5. ArmNN (CpuRef) on mote's exported .tflite against mote's generated C, every Fashion-MNIST
# test image (make test runs 300 of them); CpuRef takes 30-45 ms per image, ~20 minutes here.
MOTE_ARMNN_IMAGES=10000 MOTE_ARMNN_JSON="$OUT/armnn_fashion.json" \
  "$BUILD/tests/test_e2e" --gtest_filter='ArmnnFashion.*' > "$OUT/armnn_fashion.log"

# 6. TFLM conformance: every single-op case of ../shared/conformance through the generated C and
# the C++ reference, against TFLM's bytes; the passing cases are the coverage figure.
"$BUILD/tests/test_e2e" --gtest_filter='Tflm/Conformance.*' --gtest_output="json:$OUT/conformance.json" \
  > "$OUT/conformance.log" || true
/usr/bin/python3 "$ROOT/bench/conformance_results.py" "$OUT/conformance.json" "$ROOT/docs/results.md"

# 6b. 16x8 quantization: the autoencoder's reconstruction error, flash and arena, int8 vs 16x8.
"$BUILD/tests/test_e2e" --gtest_filter='ResampleModels.Autoencoder16x8*' --gtest_output="json:$OUT/quant16.json" \
  > "$OUT/quant16.log"
/usr/bin/python3 "$ROOT/bench/quant16_results.py" "$OUT/quant16.json" "$ROOT/docs/results.md"

# 7. Cortex-M4 under QEMU (mps2-an386): the MLPerf Tiny models and the demo, compiled with the
# portable kernels (--target host, run on the M4) and for the M4 (its Armv7E-M kernels where the
# registry has them); instructions, image sections, painted stack, cost per part.
CM="$OUT/cortexm"
cortex_m4() {  # name model [compile options...]: compiles both ways and runs both on the M4
  local n=$1 m=$2; shift 2
  local d="$CM/$n" input=()
  mkdir -p "$d"
  [ -f "$SHARED/golden/$n/in_00.bin" ] && input=(--input "$SHARED/golden/$n/in_00.bin")
  "$MOTE" compile "$m" "$@" --name "$n" --target host -o "$d/portable" > /dev/null
  "$MOTE" compile "$m" "$@" --name "$n" --target cortex-m4 -o "$d/m4" > /dev/null
  "$MOTE" run "$d/portable" --target cortex-m4 "${input[@]}" --json "$d/portable.json" > /dev/null
  "$MOTE" run "$d/m4" "${input[@]}" --json "$d/m4.json" --build-dir "$d/m4-build" > /dev/null
  # Where the instructions go, layer by layer (the VWW stand-in and kws: issue 8's gaps).
  case "$n" in vww_mobilenet|kws_ref_model)
    /usr/bin/python3 "$ROOT/bench/qemu_profile.py" "$d/m4-build/fw.elf" --json "$d/layers.json" > /dev/null ;;
  esac
  # The kernels the M4 build calls that the portable one does not: its Armv7E-M variants.
  /usr/bin/python3 -c "import json,sys; k=lambda p: {l['kernel'] for l in json.load(open(p))['layers']}; \
print(' '.join(sorted(k(sys.argv[2]) - k(sys.argv[1]))))" "$d/portable/report.json" "$d/m4/report.json" > "$d/dsp_kernels.txt"
}
for m in kws_ref_model pretrainedResnet_quant; do cortex_m4 "$m" "$SHARED/models/$m.tflite"; done
cortex_m4 fashion_cnn "$ROOT/examples/fashion_mnist/fashion_cnn.onnx" --calib "$ROOT/examples/fashion_mnist/calib.npy"
# Stand-ins for the MLPerf Tiny models not in ../shared (tests/data/gen_mlperf_standins.py): same
# layers, random weights, mote's calibration; no TFLM figures.
for m in vww_mobilenet ad_autoencoder; do
  cortex_m4 "$m" "$ROOT/tests/data/mlperf/$m.onnx" --calib "$ROOT/tests/data/mlperf/${m}_input.npy"
done
"$BUILD/tests/test_target" --gtest_filter='SysTick.CountsALoopOfKnownLengthOnEveryBoard' | grep '^\[systick\]' > "$OUT/systick.txt"
/usr/bin/python3 "$ROOT/bench/cortex_m_results.py" "$OUT" "$ROOT/docs/results.md"

# Keyword spotting end to end: make demo's pipeline, its summary into its own section.
bash "$ROOT/examples/kws/run.sh" "$BUILD" "$OUT/kws" > "$OUT/kws.log"
/usr/bin/python3 "$ROOT/bench/kws_results.py" "$OUT/kws/summary.json" "$ROOT/docs/results.md"

# Machine health end to end: the AUC of the firmware's anomaly scores into its own section.
bash "$ROOT/examples/machine_health/run.sh" "$BUILD" "$OUT/machine_health" > "$OUT/machine_health.log"
/usr/bin/python3 "$ROOT/bench/machine_health_results.py" "$OUT/machine_health/summary.json" "$ROOT/docs/results.md"

# mote fit on the keyword-spotting DS-CNN: pruned and encoded variants under a 32 KB RAM / 128 KB flash budget.
K="$OUT/kws"
"$MOTE" fit "$K/pipeline/dense.onnx" --data "$K/features/train/x.npy" --labels "$K/features/train/y.npy" \
  --test-data "$K/features/test/x.npy" --test-labels "$K/features/test/y.npy" --calib "$K/features/calib.npy" \
  --frontend "$K/features/train/frontend.json" --posteriors --target cortex-m4 --max-ram 32K --max-flash 128K \
  --out "$OUT/fit" -o "$OUT/fit/best" > "$OUT/fit.log"
/usr/bin/python3 "$ROOT/bench/fit_results.py" "$OUT/fit/fit.json" "$ROOT/docs/results.md"

# The visual trigger and vital signs end to end, each in its own section.
for ex in visual_trigger vital_signs; do
  bash "$ROOT/examples/$ex/run.sh" "$BUILD" "$OUT/$ex" > "$OUT/$ex.log"
  /usr/bin/python3 "$ROOT/bench/use_case_results.py" "$ex" "$OUT/$ex/summary.json" "$ROOT/docs/results.md"
done

/usr/bin/python3 "$ROOT/bench/write_results.py" "$BUILD" "$ROOT/docs/results.md"
echo "wrote docs/results.md"
