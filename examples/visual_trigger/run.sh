#!/usr/bin/env bash
# Visual trigger end to end: synthetic camera sites (frames of one view under drifting light, objects
# coming and going) -> each frame paired with the camera's reference view -> mote run pipeline.yaml
# (train a small MobileNet on the pairs, compile it for a Cortex-M4, every test frame under QEMU)
# -> the trigger firmware (main.c, which keeps the reference view itself) on the validation
# frames, where score.py picks the threshold for 99 % recall -> the firmware with that threshold
# on the test stream, under QEMU and natively, compared byte for byte and scored: recall and the
# share of frames kept.
#   bash examples/visual_trigger/run.sh [BUILD] [OUT]
# Smaller runs (the tests): DATA_ARGS (make_data.py's options; --train 33000 by default),
# PIPELINE (another pipeline file), VAL and STREAM (validation and test frames).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../run_common.sh
source "$HERE/../run_common.sh"

echo "== data: 96x96 frames of camera sites, objects over textured scenes; test scenes, camera and items held out"
# shellcheck disable=SC2086
[ -f "$OUT/data/data.json" ] || "$PY" "$HERE/make_data.py" "$OUT/data" ${DATA_ARGS:---train 33000}
"$PY" "$HERE/prepare.py" split "$OUT/data" "$OUT/split" --val "${VAL:-1000}" --stream "${STREAM:-2000}"

echo "== pipeline: train, compile for cortex-m4, every test frame under QEMU"
(cd "$OUT" && "$MOTE" run "$PIPELINE")

echo "== threshold: the firmware's scores on the validation frames"
SITE_FRAMES=$("$PY" -c "import json, sys; print(json.load(open(sys.argv[1]))['site_frames'])" "$OUT/split/sites.json")
"$PY" "$HERE/prepare.py" pack "$OUT/split/val_frames.npy" 0 "$SITE_FRAMES" "$OUT/val.bin"
"$MOTE" run "$OUT/pipeline/trigger" --app "$HERE/main.c" --target host --input "$OUT/val.bin" \
  --output "$OUT/val.host.txt" > /dev/null
"$PY" "$HERE/score.py" threshold "$OUT"

echo "== the trigger on the test stream, natively and on the Cortex-M4 under QEMU"
"$PY" "$HERE/prepare.py" pack "$OUT/split/stream_frames.npy" "$(cat "$OUT/threshold.txt")" "$SITE_FRAMES" \
  "$OUT/stream.bin"
firmware_on_both "$OUT/pipeline/trigger" "$OUT/stream.bin" stream
"$PY" "$HERE/score.py" summary "$OUT" | tee "$OUT/summary.txt"
