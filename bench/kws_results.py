#!/usr/bin/env python3
"""The keyword-spotting section of docs/results.md from examples/kws/run.sh's summary.json."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import results_md  # noqa: E402

HEADING = "## Keyword spotting end to end (examples/kws, make demo)"


def main():
    src, dest = sys.argv[1], sys.argv[2]
    s = json.load(open(src))
    fe, inv = s["frontend_instructions"], s["invoke_instructions"]
    body = [
        "",
        f"espeak-ng speech (examples/kws/make_data.py: 12 labels, {s['train_clips']:,} training clips from "
        f"{s['voices_train']} voices; the test set's {s['voices_test']} voices have an accent or a variant",
        "training never hears), MLPerf Tiny's MFCC features computed by the device's fixed-point front end,",
        "a DS-CNN (examples/kws/pipeline.yaml) trained on them, int8 with mse calibration (each activation's range",
        "the one of least quantization error; minmax, whose ranges reach rare outliers, gives 89.58 % on the same",
        "model, percentile 90.05 %), compiled for a Cortex-M4 with the front end beside it.",
        "",
        "| figure | value |",
        "|---|---|",
        f"| top-1, held-out voices, float | {100 * s['accuracy_float']:.2f} % ({s['clips']} clips) |",
        f"| top-1, held-out voices, int8 firmware under QEMU | {100 * s['accuracy_int8']:.2f} % |",
        f"| bit-exact with the C++ int8 reference | {s['bitexact']}/{s['clips']} clips |",
        f"| network | {s['params']:,} parameters, {s['macs']:,} MACs, arena {s['arena']:,} B |",
        f"| front end (M4) | {fe['min']:,} to {fe['max']:,} instructions per 20 ms frame; tables "
        f"{s['frontend_tables']:,} B, scratch {s['frontend_scratch']:,} B |",
        f"| inference (M4) | {inv['max']:,} instructions, every 80 ms |",
        f"| firmware image (M4: network, front end, streaming app) | flash {s['flash']:,} B, static RAM {s['static_ram']:,} B |",
        f"| streaming recording | {s['found']}/{s['keywords']} keywords found, {s['false']} false detections |",
        "",
        f"At 80 MHz (instructions as cycles) the front end takes {fe['max'] / 80e3:.1f} ms of every 20 ms hop and an",
        f"inference {inv['max'] / 80e3:.0f} ms of every 80 ms. The streaming firmware's output is byte for byte the same",
        "natively and under QEMU (run.sh compares them).",
    ]
    results_md.update(dest, {HEADING: body}, None)


if __name__ == "__main__":
    main()
