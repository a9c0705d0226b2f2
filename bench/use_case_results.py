#!/usr/bin/env python3
"""The visual-trigger and vital-signs sections of docs/results.md from the summary.json that
examples/visual_trigger/score.py and examples/vital_signs/score.py write.

    use_case_results.py visual_trigger|vital_signs SUMMARY.json RESULTS.md
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import results_md  # noqa: E402


def firmware_rows(s):
    return [
        f"| network | {s['params']:,} parameters, {s['macs']:,} MACs, arena {s['arena']:,} B |",
        f"| firmware image (M4: network and app) | flash {s['flash']:,} B, static RAM {s['static_ram']:,} B |",
        f"| inference (M4) | {s['invoke_instructions']['max']:,} instructions |",
    ]


def visual_trigger(s):
    heading = "## Visual trigger end to end (examples/visual_trigger)"
    op = s["test_operating_point"]
    met = op["recall"] >= 0.99 and op["kept_share"] <= 0.15
    body = [
        "",
        f"96x96 grayscale frames of camera sites (examples/visual_trigger/make_data.py): a fixed view each, the light",
        "drifting and now and then jumping, objects (Fashion-MNIST items) coming into view for 1-6 frames;",
        f"{s['train_frames']:,} training frames, 40 % with an object; the threshold is chosen on {s['val_frames']:,} frames of",
        f"more training sites; the test stream, {s['frames']:,} frames with objects in {s['with_object']} of them, has held-out",
        "scenes (half of a family training never sees), another camera and Fashion-MNIST's test items. Each frame",
        "goes to a `mobilenet:16` (examples/visual_trigger/pipeline.yaml) with the camera's reference view as a",
        "second channel: a running average of the site's frames, which the firmware (main.c) keeps in Q8 (18 KB),",
        "scaled to each frame's mean brightness;",
        "int8, compiled for a Cortex-M4; a frame is recorded when the object logit exceeds the other by the",
        "threshold (int8 codes).",
        "",
        "| figure | value |",
        "|---|---|",
        f"| threshold (score.py, >= 99 % recall on validation) | {s['threshold']} codes: validation recall "
        f"{100 * s['val_recall']:.2f} %, {100 * s['val_kept']:.2f} % of validation frames kept |",
        f"| recall, test stream, int8 firmware under QEMU | {s['found']}/{s['with_object']} = {100 * s['recall']:.2f} % |",
        f"| frames kept, test stream | {s['kept']}/{s['frames']} = {100 * s['kept_share']:.2f} % "
        f"(always-on: 100 %; {s['false_records']} without an object) |",
        f"| bytes recorded | {s['bytes_kept']:,} of {s['bytes_always_on']:,} B: {s['bytes_saved']:,} B saved |",
        f"| at 99 % recall on the test stream (threshold {op['threshold']}, set on the stream itself) | "
        f"{100 * op['kept_share']:.2f} % of frames kept, recall {100 * op['recall']:.2f} % |",
    ] + [f"| empty frames kept at {100 * v['recall']:.0f} % recall (threshold set on each set itself) | validation "
         f"{100 * v['empty_kept']:.2f} %, test stream {100 * t['empty_kept']:.2f} % |"
         for v, t in zip(s["val_curve"], s["test_curve"])] + [
        f"| top-1, test stream, float / int8 firmware | {100 * s['accuracy_float']:.2f} % / {100 * s['accuracy_int8']:.2f} % |",
        f"| bit-exact with the C++ int8 reference | {s['bitexact']}/{s['validated']} frames |",
    ] + firmware_rows(s) + [
        "",
        f"Target (issue 10): at 99 % recall at most 15 % of frames kept: {'met' if met else 'not met'} as an operating point of",
        f"the model on the held-out stream ({100 * op['kept_share']:.2f} % kept at {100 * op['recall']:.2f} % recall). The threshold the",
        f"device ships with is set on validation frames of the training scenes and camera, where 99 % of the objects",
        f"score at or above {s['threshold']}; on the held-out stream that threshold finds {100 * s['recall']:.2f} % of them: its faintest objects score",
        "below every validation object, so a site of another kind needs a lower threshold (its own calibration, or margin).",
        "The firmware's output is byte for byte the same natively and under QEMU (run.sh compares them), and its own",
        "decision gets as many test frames right as validate does on the pairs prepare.py computes (the reference",
        "matches). Frames judged alone, without the reference, kept 75 % of the test stream at 99 % recall: the",
        "held-out scenes and camera made empty frames score like objects.",
    ]
    return heading, body


def vital_signs(s):
    heading = "## Vital signs end to end (examples/vital_signs)"
    names = list(s["int8"]["recall"])
    body = [
        "",
        f"ECGSYN-style ECG with temperature (examples/vital_signs/make_data.py): {s['train_windows']:,} windows of 8 s from",
        f"{s['train_subjects']} subjects for training, {s['windows']:,} from {s['test_subjects']} other subjects for the test. A",
        "`cnn1d:16` over the ECG (examples/vital_signs/pipeline.yaml, random shifts and noise in training), int8,",
        "compiled for a Cortex-M4; the firmware (main.c) prints rhythm and alert (abnormal rhythm or fever) per window.",
        "",
        "| figure | float | int8 firmware under QEMU |",
        "|---|---|---|",
        f"| macro-F1 | {100 * s['float']['macro_f1']:.2f} | {100 * s['int8']['macro_f1']:.2f} |",
        f"| accuracy | {100 * s['float']['accuracy']:.2f} % | {100 * s['int8']['accuracy']:.2f} % |",
    ] + [f"| recall, {c} | {100 * s['float']['recall'][c]:.2f} % | {100 * s['int8']['recall'][c]:.2f} % |" for c in names] + [
        "",
        "Confusion of the int8 firmware (rows: truth):",
        "",
        "| | " + " | ".join(names) + " |",
        "|---" * (len(names) + 1) + "|",
    ] + [f"| {c} | " + " | ".join(str(v) for v in row) + " |" for c, row in zip(names, s["int8"]["confusion"])] + [
        "",
        "| figure | value |",
        "|---|---|",
        f"| int8 against float, macro-F1 | {-s['macro_f1_drop_points']:+.2f} points; same rhythm on "
        f"{s['int8_float_agree']}/{s['windows']} windows |",
        f"| alerts (abnormal rhythm or fever) | sensitivity {100 * s['alert_sensitivity']:.2f} %, specificity "
        f"{100 * s['alert_specificity']:.2f} % |",
        f"| fever from one reading a second | {s['fever_found']}/{s['fever_windows']} found, {s['fever_false']} false |",
        f"| bit-exact with the C++ int8 reference | {s['bitexact']}/{s['validated']} windows |",
    ] + firmware_rows(s) + [
        "",
        f"Target (issue 10): int8 within 1 point of float: {'met' if abs(s['macro_f1_drop_points']) <= 1 else 'not met'}. The",
        "firmware's output is byte for byte the same natively and under QEMU (run.sh compares them). The",
        "generator's rhythms separate cleanly (the sinus rates leave gaps: below 56, 62 to 95, above 106 bpm; AF and",
        "PVCs are drawn textbook-clear), so these figures measure the path to the device more than the classifier.",
    ]
    return heading, body


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in ("visual_trigger", "vital_signs"):
        sys.exit(__doc__)
    s = json.load(open(sys.argv[2]))
    heading, body = (visual_trigger if sys.argv[1] == "visual_trigger" else vital_signs)(s)
    results_md.update(sys.argv[3], {heading: body}, None)


if __name__ == "__main__":
    main()
