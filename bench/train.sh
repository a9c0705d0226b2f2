#!/usr/bin/env bash
# The training figures of docs/results.md, on the full Fashion-MNIST data set (60,000 training,
# 10,000 test images): LeNet-300-100 pruned to 92/95/97 % (gradual schedule with distillation
# from the dense model, against one-shot pruning and the schedule alone); distillation against
# labels alone over three seeds; training throughput against PyTorch in Python (same model,
# batch, threads); structured pruning of a DS-CNN and the instructions its generated C executes;
# QAT against post-training quantization on the demo model.
# Hours on two shared cores. Usage: [SECTIONS="5 2"] bench/train.sh [BUILD]   (MOTE=path overrides BUILD/mote)
set -euo pipefail
BUILD=${1:-build}
ROOT=${ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
MOTE=${MOTE:-$BUILD/mote}
OUT=${OUT:-$BUILD/bench-train}
D=/usr/share/datasets/fashion-mnist
TRAIN="--data $D/train-images-idx3-ubyte.gz --labels $D/train-labels-idx1-ubyte.gz"
TEST="--test-data $D/t10k-images-idx3-ubyte.gz --test-labels $D/t10k-labels-idx1-ubyte.gz"
# One libtorch thread: on a loaded machine more threads spin against each other.
THREADS=${THREADS:-1}
mkdir -p "$OUT"
run() {  # run NAME ARGS...: one mote command, its log in OUT/NAME.json, its stdout in OUT/NAME.txt
  local name=$1
  shift
  if [ -f "$OUT/$name.json" ]; then return; fi  # a finished step is kept (the bench resumes)
  echo "== $name"
  "$MOTE" "$@" --threads "$THREADS" --log "$OUT/$name.json.tmp" > "$OUT/$name.txt"
  mv "$OUT/$name.json.tmp" "$OUT/$name.json"
}

# 1. LeNet-300-100: the dense model, then pruned on the gradual schedule.
section1() {
  run lenet300_dense train --arch mlp:300,100 $TRAIN $TEST --epochs 30 --batch 128 --lr 1e-3 --schedule cosine --seed 1 -o "$OUT/lenet300.onnx"
  for s in 92 95 97; do
    run lenet300_prune${s}_kd prune "$OUT/lenet300.onnx" $TRAIN $TEST --sparsity 0.$s --epochs 30 --batch 128 --lr 1e-3 --schedule cosine \
      --prune-end 0.5 --teacher "$OUT/lenet300.onnx" --temperature 4 --alpha 0.9 --seed 1 -o "$OUT/lenet300_${s}.onnx"
  done
  # What the schedule and the teacher each bring at 92 %: one-shot prune and retrain, the schedule alone.
  run lenet300_prune92_oneshot prune "$OUT/lenet300.onnx" $TRAIN $TEST --sparsity 0.92 --epochs 30 --batch 128 --lr 1e-3 --schedule cosine \
    --prune-start 0 --prune-end 0 --seed 1 -o "$OUT/lenet300_92_oneshot.onnx"
  run lenet300_prune92_gradual prune "$OUT/lenet300.onnx" $TRAIN $TEST --sparsity 0.92 --epochs 30 --batch 128 --lr 1e-3 --schedule cosine \
    --prune-end 0.5 --seed 1 -o "$OUT/lenet300_92_gradual.onnx"
}

# The Fashion-MNIST images as float32 pixel/255 (.npy), the inputs of the demo CNN.
npy_data() {
  if [ ! -f "$OUT/train_y.npy" ]; then
    /usr/bin/python3 - "$OUT" "$ROOT/examples/fashion_mnist" <<'PY'
import sys
import numpy as np
sys.path.insert(0, sys.argv[2])
from make_data import load_split
for split, name in (("train", "train"), ("t10k", "test")):
    x, y = load_split(split)
    np.save(f"{sys.argv[1]}/{name}_x.npy", x)
    np.save(f"{sys.argv[1]}/{name}_y.npy", y)
PY
  fi
}

# 2. Distillation: the demo CNN (examples/fashion_mnist, trained by its train.py) as teacher:
# 92 % on the test set, 2 M MACs. The student: LeNet-5 (--arch lenet5, 62 k parameters, 0.4 M
# MACs), 3 seeds, distilled (T = 4, alpha = 0.9) and on labels alone with the same data, epochs,
# learning rate, schedule, seeds and validation split: only the loss differs. The students learn
# from the first 5,000 training images, the few-labels case distillation is for (the teacher saw
# all 60,000), for 150 epochs: on labels alone the student fits its 4,500 images within ~40 epochs
# and then overfits, while the soft targets keep teaching it (a short run favours the labels: the
# student has not yet fitted the teacher's function). Both keep the epoch of the best validation
# accuracy (--select accuracy): the validation loss, on the labels alone, is not what the
# distilled student minimises. Both read pixel/255, as the teacher does.
section2() {
  npy_data
  local teacher="$ROOT/examples/fashion_mnist/fashion_cnn.onnx"
  local common="--arch lenet5 --data $OUT/train_x.npy --labels $OUT/train_y.npy --limit 5000 --test-data $OUT/test_x.npy --test-labels $OUT/test_y.npy"
  common="$common --epochs 150 --batch 128 --lr 2e-3 --schedule cosine --select accuracy"
  if [ ! -f "$OUT/teacher_cnn.json" ]; then
    "$MOTE" infer "$teacher" --data "$OUT/test_x.npy" -o "$OUT/teacher_cnn_test.npy" > /dev/null
    /usr/bin/python3 -c "import json, sys, numpy as np; o, y = np.load(sys.argv[1]), np.load(sys.argv[2]);
print(json.dumps({'test_accuracy': float((o.reshape(len(y), -1).argmax(1) == y).mean())}))" \
      "$OUT/teacher_cnn_test.npy" "$OUT/test_y.npy" > "$OUT/teacher_cnn.json"
  fi
  for seed in 1 2 3; do
    run student_labels_$seed train $common --seed $seed -o "$OUT/student_labels_$seed.onnx"
    run student_kd_$seed distill --teacher "$teacher" $common --temperature 4 --alpha 0.9 --seed $seed -o "$OUT/student_kd_$seed.onnx"
  done
  /usr/bin/python3 - "$OUT" <<'PY'
import json, statistics, sys
for arm in ("labels", "kd"):
    a = [100 * json.load(open(f"{sys.argv[1]}/student_{arm}_{s}.json"))["test_accuracy"] for s in (1, 2, 3)]
    print(f"{arm}: {' '.join(f'{v:.2f}' for v in a)}, mean {statistics.mean(a):.2f}, sd {statistics.stdev(a):.2f}")
PY
}

# 3. Throughput: mote and PyTorch alternate, three times each, one epoch, batch 64.
section3() {
  for arch in mlp:300,100 lenet5; do
    tag=${arch%%:*}
    for threads in 1 2; do
      for k in 1 2 3; do
        f="$OUT/throughput_${tag}_t${threads}_$k"
        [ -f "$f.mote.json" ] || "$MOTE" train --arch "$arch" $TRAIN --epochs 1 --batch 64 --threads $threads --seed $k \
          -o "$OUT/throughput.onnx" --log "$f.mote.json" > /dev/null
        [ -f "$f.torch.json" ] || /usr/bin/python3 "$ROOT/bench/train_throughput.py" "$arch" 64 $threads 1 > "$f.torch.json"
      done
    done
  done
}

# 4. Structured pruning of the DS-CNN (--arch dscnn: 64 channels, the MLPerf Tiny KWS width) to
# under half its MACs; the int8 C of both for the Cortex-M4, instructions per inference under QEMU
# (mote run: mps2-an386, -O2, SysTick) and int8 accuracy on the test set. 64 -> 40 channels in
# every group (0.43x the MACs; 44 would be 0.50x): the 1x1 convs' MACs fall as the square of the
# channels, but the depthwise layers, the first conv and each layer's requantization cost
# instructions per channel, so the instructions fall less than the MACs. Multiples of 8 channels:
# the 1x1 convolutions' DSP kernel takes input channels 8 at a time (20 would run as 24). The
# fine-tuning is distilled from the dense model.
section4() {
  run dscnn_dense train --arch dscnn $TRAIN $TEST --epochs 15 --batch 128 --lr 2e-3 --schedule cosine --seed 1 -o "$OUT/dscnn.onnx"
  run dscnn_structured prune "$OUT/dscnn.onnx" $TRAIN $TEST --structured --sparsity 0.375 --channel-multiple 8 --epochs 20 --batch 128 --lr 3e-3 --schedule cosine \
    --teacher "$OUT/dscnn.onnx" --alpha 0.7 --seed 1 -o "$OUT/dscnn_pruned.onnx"
  for m in dscnn dscnn_pruned; do
    if [ ! -f "$OUT/$m.m4.json" ]; then
      "$MOTE" compile "$OUT/$m.onnx" --target cortex-m4 --calib "$D/train-images-idx3-ubyte.gz" --calib-limit 200 --name "$m" -o "$OUT/$m" > /dev/null
      "$MOTE" validate "$OUT/$m" --data "$D/t10k-images-idx3-ubyte.gz" --labels "$D/t10k-labels-idx1-ubyte.gz" -o "$OUT/$m.validate.json" > /dev/null
      "$MOTE" run "$OUT/$m" --json "$OUT/$m.m4.json.tmp" > /dev/null
      mv "$OUT/$m.m4.json.tmp" "$OUT/$m.m4.json"
    fi
  done
  # Where the instructions go: the same layers in parts at both widths (bench/dscnn_parts.py).
  npy_data
  for c in 64 40; do
    for part in base dw pw all; do
      local p="$OUT/parts${c}_$part"
      [ -f "$p.m4.json" ] && continue
      [ -f "$p.onnx" ] || /usr/bin/python3 "$ROOT/bench/dscnn_parts.py" $c "$OUT" > /dev/null 2>&1
      "$MOTE" compile "$p.onnx" --target cortex-m4 --calib "$OUT/test_x.npy" --calib-limit 50 --name "parts${c}_$part" -o "$p" > /dev/null
      "$MOTE" run "$p" --json "$p.m4.json.tmp" > /dev/null
      mv "$p.m4.json.tmp" "$p.m4.json"
    done
  done
}

# 5. QAT against post-training quantization on the demo model (pixel/255 inputs): both
# compiled with the demo's calibration images, int8 accuracy of the generated C on the test set.
section5() {
  npy_data
  DEMO="$ROOT/examples/fashion_mnist"
  NORM="--data $OUT/train_x.npy --labels $OUT/train_y.npy --test-data $OUT/test_x.npy --test-labels $OUT/test_y.npy"
  if [ ! -f "$OUT/qat.json" ]; then
    "$MOTE" quantize "$DEMO/fashion_cnn.onnx" --calib "$DEMO/calib.npy" --qat $NORM --epochs 3 --batch 128 --lr 1e-4 --seed 1 \
      --threads "$THREADS" --save "$OUT/fashion_qat.onnx" --log "$OUT/qat.json.tmp" > "$OUT/qat.txt"
    mv "$OUT/qat.json.tmp" "$OUT/qat.json"
  fi
  for m in ptq qat; do
    src="$DEMO/fashion_cnn.onnx"
    [ $m = qat ] && src="$OUT/fashion_qat.onnx"
    if [ ! -f "$OUT/fashion_$m.validate.json" ]; then
      "$MOTE" compile "$src" --calib "$DEMO/calib.npy" --name fashion_$m -o "$OUT/fashion_$m" > /dev/null
      "$MOTE" validate "$OUT/fashion_$m" --data "$OUT/test_x.npy" --labels "$OUT/test_y.npy" -o "$OUT/fashion_$m.validate.json" > /dev/null
    fi
  done
}

# 6. The ONNX files the stages wrote, run in onnxruntime against mote's float executor (mote
# infer) on 200 test images. onnxruntime-node is no dependency of mote: the bench installs it
# from npm into OUT/ort (its install script only fetches GPU libraries, so it is skipped) unless
# ORT_NODE_MODULES names a node_modules that has it.
section6() {
  [ -f "$OUT/test_x.npy" ] || return 0  # section 5 writes the test images
  if [ -z "${ORT_NODE_MODULES:-}" ] && command -v npm > /dev/null; then
    [ -d "$OUT/ort/node_modules/onnxruntime-node" ] || npm install --prefix "$OUT/ort" --ignore-scripts --no-audit --no-fund onnxruntime-node > /dev/null
    ORT_NODE_MODULES="$OUT/ort/node_modules"
  fi
  if [ -n "${ORT_NODE_MODULES:-}" ]; then
    /usr/bin/python3 -c "import numpy as np, sys; x = np.load(sys.argv[1])[:200]; np.save(sys.argv[2], x); np.save(sys.argv[3], x * 255)" \
      "$OUT/test_x.npy" "$OUT/ort_norm.npy" "$OUT/ort_raw.npy"
    args=()
    for m in lenet300 lenet300_92 lenet300_95 lenet300_97 student_kd_1 dscnn dscnn_pruned fashion_qat; do
      [ -f "$OUT/$m.onnx" ] || continue  # its section has not run
      x="$OUT/ort_raw.npy"
      case $m in fashion_qat | student_kd_1) x="$OUT/ort_norm.npy" ;; esac
      "$MOTE" infer "$OUT/$m.onnx" --data "$x" -o "$OUT/ort_$m.npy" > /dev/null
      args+=("$OUT/$m.onnx" "$x" "$OUT/ort_$m.npy")
    done
    NODE_PATH="$ORT_NODE_MODULES" node "$ROOT/bench/onnxruntime_check.js" "${args[@]}" > "$OUT/onnxruntime.jsonl"
  fi
}

# 7. Encoding (mote compile --encode): each encoding of LeNet-300-100 (dense and pruned to 92 %),
# LeNet-5 (20 epochs dense, and pruned to 92 % distilled from itself) and the demo model, compiled for the
# Cortex-M4: report.json's flash and compression, the int8 C's accuracy on the 10,000 test
# images, and instructions per inference under QEMU. The pruned models' builds also run all
# 10,000 test images in the firmware under QEMU against the C++ int8 reference (mote validate
# --target: minutes each). Then trained sharing (mote share) of the pruned models at 4 and 3 bits.
section7() {
  run teacher_lenet5 train --arch lenet5 $TRAIN $TEST --epochs 20 --batch 128 --lr 1e-3 --schedule cosine --seed 1 -o "$OUT/teacher.onnx"
  run lenet5_prune92_kd prune "$OUT/teacher.onnx" $TRAIN $TEST --sparsity 0.92 --epochs 20 --batch 128 --lr 1e-3 --schedule cosine \
    --teacher "$OUT/teacher.onnx" --temperature 4 --alpha 0.9 --seed 1 -o "$OUT/lenet5_92.onnx"
  local calib=(--calib "$D/train-images-idx3-ubyte.gz" --calib-limit 200)
  local data=(--data "$D/t10k-images-idx3-ubyte.gz" --labels "$D/t10k-labels-idx1-ubyte.gz")
  # Trained sharing: k-means codebooks with 0 and +-127 pinned (so pruned weights stay zero),
  # fine-tuned 5 epochs distilled from the model before sharing, then compiled with its codes as
  # they are (--encode huffman, no --share-bits). The compile-time k-means at the same bits,
  # untrained, is the "huffman 4" and "huffman 3" rows of the loop below.
  for m in lenet300_92 lenet5_92; do
    [ -f "$OUT/$m.onnx" ] || continue
    for b in 4 3; do
      run share_${m}_$b share "$OUT/$m.onnx" $TRAIN $TEST --bits $b --epochs 5 --batch 128 --lr 1e-2 --schedule cosine \
        --teacher "$OUT/$m.onnx" --seed 1 -o "$OUT/${m}_share$b.onnx"
      encoded "enc_${m}_trained$b" "$OUT/${m}_share$b.onnx" huffman 0
    done
  done
  local encodings=("none" "int4" "codebook 5" "sparse" "sparse 5" "huffman" "huffman 5" "huffman 4" "huffman 3")
  for m in lenet300_92 lenet5_92 lenet300 teacher demo; do  # the pruned first: the QEMU runs
    local src="$OUT/$m.onnx" calib=(--calib "$D/train-images-idx3-ubyte.gz" --calib-limit 200)
    local data=(--data "$D/t10k-images-idx3-ubyte.gz" --labels "$D/t10k-labels-idx1-ubyte.gz")
    if [ $m = demo ]; then
      src="$ROOT/examples/fashion_mnist/fashion_cnn.onnx" calib=(--calib "$ROOT/examples/fashion_mnist/calib.npy")
      [ -f "$OUT/test_x.npy" ] || continue  # section 5 writes the demo's test images
      data=(--data "$OUT/test_x.npy" --labels "$OUT/test_y.npy")
    fi
    [ -f "$src" ] || continue  # its section has not run
    for e in "${encodings[@]}"; do
      set -- $e
      encoded "enc_${m}_$1${2:-}" "$src" "$1" "${2:-0}"
    done
  done
}

# encoded TAG SRC ENCODING SHARE_BITS (section 7; the caller's m, calib and data): compile,
# validate on the host, one inference under QEMU; the pruned models' builds (enc_*_92_*) run
# all test images under QEMU too.
encoded() {
  local tag=$1 src=$2
  if [ ! -f "$OUT/$tag.m4.json" ]; then
    echo "== $tag"
    "$MOTE" compile "$src" "${calib[@]}" --target cortex-m4 --encode "$3" --share-bits "$4" --name "$m" -o "$OUT/$tag" > "$OUT/$tag.txt"
    "$MOTE" validate "$OUT/$tag" "${data[@]}" -o "$OUT/$tag.validate.json" > /dev/null
    "$MOTE" run "$OUT/$tag" --json "$OUT/$tag.m4.json.tmp" > /dev/null
    mv "$OUT/$tag.m4.json.tmp" "$OUT/$tag.m4.json"
  fi
  case $tag in
    enc_*_92_*)
      [ -f "$OUT/$tag.qemu.json" ] || "$MOTE" validate "$OUT/$tag" "${data[@]}" --target compiled -o "$OUT/$tag.qemu.json" > /dev/null
      ;;
  esac
}

# 8. Sparse fully connected (--encode sparse: byte groups) against the dense kernels, minutes not
# hours: LeNet-300-100 trained one epoch on 5,000 images (the instructions depend on which weights
# are zero, not on accuracy), pruned to 90 and 92 %, compiled for the Cortex-M4 (dense: the DSP
# kernel) and the M3 (portable kernels); instructions per inference under QEMU, and per layer
# (mote run --profile), and flash.
section8() {
  local quick=(--limit 5000 --epochs 1 --seed 1)
  run sparse_fc_dense train --arch mlp:300,100 $TRAIN "${quick[@]}" -o "$OUT/sparse_fc.onnx"
  for s in 90 92; do
    run sparse_fc_prune$s prune "$OUT/sparse_fc.onnx" $TRAIN "${quick[@]}" --sparsity 0.$s -o "$OUT/sparse_fc_$s.onnx"
    for core in cortex-m4 cortex-m3; do
      for e in none sparse; do
        local tag="sfc_${s}_${core}_$e"
        [ -f "$OUT/$tag.profile.json" ] && continue
        echo "== $tag"
        "$MOTE" compile "$OUT/sparse_fc_$s.onnx" --calib "$D/train-images-idx3-ubyte.gz" --calib-limit 200 --target $core \
          --encode $e --name sfc -o "$OUT/$tag" > "$OUT/$tag.txt"
        "$MOTE" run "$OUT/$tag" --json "$OUT/$tag.m4.json" > /dev/null
        "$MOTE" run "$OUT/$tag" --profile --json "$OUT/$tag.profile.json.tmp" > /dev/null
        mv "$OUT/$tag.profile.json.tmp" "$OUT/$tag.profile.json"
      done
    done
  done
}

# SECTIONS picks the sections and their order (default: all, 1 to 8); finished steps are kept.
for n in ${SECTIONS:-1 2 3 4 5 6 7 8}; do "section$n"; done
/usr/bin/python3 "$ROOT/bench/train_results.py" "$OUT" "$ROOT/docs/results.md"
echo "wrote docs/results.md"
