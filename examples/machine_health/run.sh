#!/usr/bin/env bash
# Machine health end to end: simulated vibration of healthy machines -> the device's log-mel
# features -> mote run pipeline.yaml (train an autoencoder on healthy frames, prune it, compile it
# for a Cortex-M4 with its front end, every validation frame under QEMU) -> the firmware (main.c)
# learns each machine's baseline from its commissioning clips and scores the healthy validation
# clips against it, calibrate.py sets the alarm threshold for a 1 % false-alarm rate, and the
# calibrated firmware scores the validation and test clips (faults never seen in training,
# machines never seen) under QEMU and natively, compared byte for byte -> score.py.
#   bash examples/machine_health/run.sh [BUILD] [OUT]
# Smaller runs (the tests): DATA_ARGS (make_data.py's options), PIPELINE (another pipeline file).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../run_common.sh
source "$HERE/../run_common.sh"

echo "== data: healthy machines for training and validation; the test set adds faults and unseen machines"
# shellcheck disable=SC2086
[ -f "$OUT/data/data.json" ] || "$PY" "$HERE/make_data.py" "$OUT/data" ${DATA_ARGS:---machines 64 --unseen-machines 16 --train 3200 --val 640}

echo "== features: the front end the device runs ($("$PY" -c "import json, sys; s = json.load(open(sys.argv[1]))
print(f\"log-mel, {s['window'] * 1000 // s['sample_rate']} ms windows every {s['stride'] * 1000 // s['sample_rate']} ms, {s['n_mel']} bins to {s['high_hz']:g} Hz\")" "$HERE/frontend.json"))"
"$MOTE" features "$OUT/data/train_x.npy" --frontend "$HERE/frontend.json" -o "$OUT/features/train"
for s in val test test_commission; do
  "$MOTE" features "$OUT/data/${s}_x.npy" --frontend "$OUT/features/train/frontend.json" -o "$OUT/features/$s"
done
mkdir -p "$OUT/frames"
for s in train val test test_commission; do "$PY" "$HERE/frames.py" "$OUT/features/$s/x.npy" "$OUT/frames/$s.npy"; done
"$PY" "$HERE/frames.py" "$OUT/features/train/x.npy" "$OUT/frames/calib.npy" --every 8

echo "== pipeline: train on healthy frames, prune, compile for cortex-m4 with the front end, validate under QEMU"
(cd "$OUT" && "$MOTE" run "$PIPELINE")
FW="$OUT/pipeline/mh"

echo "== threshold: the firmware's ratios (score against its machine's baseline) of the healthy validation clips under QEMU"
for s in val test; do "$PY" "$HERE/pack.py" "$OUT/data" "$s" "$OUT/$s.raw"; done
"$PY" "$HERE/calibrate.py" --uncalibrated "$FW/threshold.h"
"$MOTE" run "$FW" --app "$HERE/main.c" --input "$OUT/val.raw" --output "$OUT/val.scores.txt" > /dev/null
"$PY" "$HERE/calibrate.py" "$OUT/val.scores.txt" "$FW/threshold.h" --false-alarm 0.01

echo "== the calibrated firmware on the validation and test clips, on the Cortex-M4 under QEMU and natively"
for s in val test; do firmware_on_both "$FW" "$OUT/$s.raw" "$s"; done

echo "== the float model the firmware was compiled from, on the test frames (for the int8 vs float AUC)"
FLOAT=$("$PY" -c "import json, sys; print(json.load(open(sys.argv[1] + '/report.json'))['source']['model'])" "$FW")
for s in test test_commission; do
  "$MOTE" infer "$FW/$FLOAT" --data "$OUT/frames/$s.npy" -o "$OUT/float_$s.npy" > /dev/null
done
"$PY" "$HERE/score.py" "$OUT" | tee "$OUT/summary.txt"
