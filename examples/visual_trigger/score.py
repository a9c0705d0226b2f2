#!/usr/bin/python3
"""The visual-trigger run in figures.

    score.py threshold OUT   the threshold on the firmware's score that keeps at least 99 % of the
                             validation frames with an object (OUT/val.host.txt): the highest
                             such, so that as few empty frames as possible are kept too;
                             writes OUT/threshold.txt and OUT/threshold.json
    score.py summary OUT     on the test stream (OUT/stream.m4.txt, the firmware under QEMU):
                             recall, the share of frames kept against always-on recording, the
                             bytes saved; the network's accuracy and size; OUT/summary.json
OUT is the folder of examples/visual_trigger/run.sh.
"""
import json
import math
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from scoring import firmware_figures, print_firmware  # noqa: E402

TARGET_RECALL = 0.99
CURVE_RECALLS = (0.9, 0.95, 0.99)
FRAME_BYTES = 96 * 96


def firmware_lines(path):
    """(score, recorded) per frame of the firmware's output, checked to be in frame order."""
    scores, kept = [], []
    for k, line in enumerate(open(path)):
        index, score, decision = line.split()
        if int(index) != k or decision not in ("record", "skip"):
            sys.exit(f"score.py: error: {path}:{k + 1}: unexpected line {line.strip()!r}")
        scores.append(int(score))
        kept.append(decision == "record")
    return np.array(scores, np.int64), np.array(kept)


def threshold_for(positive_scores, recall):
    """The highest threshold that keeps at least `recall` of the frames with these scores."""
    positive = np.sort(positive_scores)
    # At most this many object frames may fall below the threshold.
    misses = math.floor((1 - recall) * len(positive) + 1e-9)
    return int(positive[misses])


def operating_point(scores, y, recall):
    """On one set: the threshold of `recall` set on its own objects, the recall it gives, and the
    shares of empty frames and of all frames it keeps."""
    t = threshold_for(scores[y == 1], recall)
    return {"threshold": t, "recall": float((scores[y == 1] >= t).mean()),
            "empty_kept": float((scores[y == 0] >= t).mean()), "kept_share": float((scores >= t).mean())}


def operating_points(scores, y):
    """For each recall in CURVE_RECALLS, the share of empty frames kept at its threshold (on the
    test stream the share of all frames is 0.9 of it plus 0.1 of the recall)."""
    return [{"recall": r, "empty_kept": operating_point(scores, y, r)["empty_kept"]} for r in CURVE_RECALLS]


def choose_threshold(out):
    y = np.load(os.path.join(out, "split/val_y.npy"))
    scores, _ = firmware_lines(os.path.join(out, "val.host.txt"))
    if len(scores) != len(y):
        sys.exit(f"score.py: error: {len(scores)} firmware lines for {len(y)} validation frames")
    positive = scores[y == 1]
    if len(positive) == 0:
        sys.exit("score.py: error: no validation frame has an object")
    threshold = threshold_for(positive, TARGET_RECALL)
    recall = float((positive >= threshold).mean())
    kept = float((scores >= threshold).mean())
    result = {"threshold": threshold, "target_recall": TARGET_RECALL, "val_frames": int(len(y)),
              "val_with_object": int(len(positive)), "val_recall": recall, "val_kept": kept,
              "val_curve": operating_points(scores, y)}
    with open(os.path.join(out, "threshold.json"), "w") as f:
        json.dump(result, f, indent=1)
    with open(os.path.join(out, "threshold.txt"), "w") as f:
        f.write(f"{threshold}\n")
    print(f"threshold {threshold}: validation recall {100 * recall:.2f} % "
          f"({len(positive)} frames with an object), {100 * kept:.2f} % of {len(y)} frames kept")


def summary(out):
    y = np.load(os.path.join(out, "split/stream_y.npy"))
    scores, kept = firmware_lines(os.path.join(out, "stream.m4.txt"))
    if len(scores) != len(y):
        sys.exit(f"score.py: error: {len(scores)} firmware lines for {len(y)} test frames")
    chosen = json.load(open(os.path.join(out, "threshold.json")))
    device = json.load(open(os.path.join(out, "pipeline/device.json")))
    data = json.load(open(os.path.join(out, "data/data.json")))

    n, objects = len(y), int(y.sum())
    found = int((kept & (y == 1)).sum())
    frames_kept = int(kept.sum())
    # The network's own decision (object logit above the other) is the validate stage's top-1.
    top1_correct = int(((scores > 0) == (y == 1)).sum())
    if top1_correct != device["correct_c"]:
        sys.exit(f"score.py: error: the firmware gets {top1_correct} test frames right, validate "
                 f"{device['correct_c']}: its reference view differs from prepare.py's")
    s = {
        "train_frames": data["counts"]["train"]["frames"] - chosen["val_frames"], "val_frames": chosen["val_frames"],
        "threshold": chosen["threshold"], "val_recall": chosen["val_recall"], "val_kept": chosen["val_kept"],
        "frames": n, "with_object": objects, "found": found, "recall": found / objects if objects else None,
        "kept": frames_kept, "kept_share": frames_kept / n, "false_records": frames_kept - found,
        "bytes_always_on": n * FRAME_BYTES, "bytes_kept": frames_kept * FRAME_BYTES,
        "bytes_saved": (n - frames_kept) * FRAME_BYTES,
        "accuracy_float": device["accuracy_float"], "accuracy_int8": device["accuracy_c"], "ran_on": device["ran_on"],
        "bitexact": device["bitexact_samples"], "validated": device["samples"],
        "firmware_top1_correct": top1_correct, "validate_top1_correct": device["correct_c"],
        "val_curve": chosen["val_curve"], "test_curve": operating_points(scores, y) if objects else [],
        "test_operating_point": ({k: v for k, v in operating_point(scores, y, TARGET_RECALL).items() if k != "empty_kept"}
                                 if objects else None),
    }
    s.update(firmware_figures(out, "trigger"))
    print("== visual trigger: summary")
    print(f"threshold                   {s['threshold']} (score = object - no-object logit codes), "
          f"validation recall {100 * s['val_recall']:.2f} %, {100 * s['val_kept']:.2f} % of validation frames kept")
    print(f"test stream                 {n} frames, {objects} with an object (held-out scenes, camera, items)")
    print(f"recall                      {found}/{objects} = {100 * s['recall']:.2f} % (target 99 %)")
    print(f"frames kept                 {frames_kept}/{n} = {100 * s['kept_share']:.2f} % (target <= 15 %; "
          f"always-on 100 %), {s['false_records']} without an object")
    if objects:
        op = s["test_operating_point"]
        print(f"at 99 % recall on the test stream (its own threshold {op['threshold']}): "
              f"{100 * op['kept_share']:.2f} % of frames kept (recall {100 * op['recall']:.2f} %)")
    for v, t in zip(s["val_curve"], s["test_curve"]):
        print(f"  at {100 * v['recall']:.0f} % recall        empty frames kept: {100 * v['empty_kept']:.2f} % on validation, "
              f"{100 * t['empty_kept']:.2f} % on the test stream (each with its own threshold)")
    print(f"bytes recorded              {s['bytes_kept']:,} of {s['bytes_always_on']:,} B always-on: "
          f"{s['bytes_saved']:,} B saved ({100 * (1 - s['kept_share']):.1f} %)")
    print(f"top-1, test frames          float {100 * s['accuracy_float']:.2f} %, int8 firmware on {s['ran_on']} "
          f"{100 * s['accuracy_int8']:.2f} % ({s['validated']} frames); trigger firmware "
          f"{top1_correct} correct, validate {device['correct_c']}")
    print(f"bit-exact vs C++ int8       {s['bitexact']}/{s['validated']} frames")
    print_firmware(s, "frame")
    with open(os.path.join(out, "summary.json"), "w") as f:
        json.dump(s, f, indent=1)


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("threshold", "summary"):
        sys.exit("usage: score.py threshold|summary OUT")
    (choose_threshold if sys.argv[1] == "threshold" else summary)(sys.argv[2])


if __name__ == "__main__":
    main()
