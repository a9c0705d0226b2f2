#!/usr/bin/python3
"""The machine-health run in figures: the AUC of the int8 firmware's anomaly ratios (under QEMU:
each clip's score against its machine's commissioning baseline) on the test clips, healthy
against each fault type (none of them seen in training) and against all of them, on the training
machines and on machines never seen, and of its raw scores (no baseline); the same for the float
model (its outputs from mote infer, scored as main.c scores: squared input - output summed over
the input, averaged over the clip's inferences, against the mean of the machine's commissioning
clips); the false-alarm and detection rates at the calibrated threshold; flash, RAM and
instructions. Prints a table, writes OUT/summary.json.

    /usr/bin/python3 score.py OUT   (the folder of examples/machine_health/run.sh)
"""
import json
import os
import re
import sys

import numpy as np

from scores import auc, read_scores


def load(out, path):
    return json.load(open(os.path.join(out, path)))


def float_scores(out, split, clips):
    """main.c's score computed in float from the float model's outputs, in input steps squared."""
    x = np.load(os.path.join(out, f"frames/{split}.npy"))
    y = np.load(os.path.join(out, f"float_{split}.npy")).reshape(x.shape)
    step = load(out, "pipeline/mh/report.json")["input"]["scale"]
    err = (((x - y) / step) ** 2).reshape(x.shape[0], -1).sum(1)
    return err.reshape(clips, -1).mean(1)


def float_ratios(out, machine):
    """The float scores of the test clips against the mean float score of their machine's
    commissioning clips."""
    commission = np.load(os.path.join(out, "data/test_commission_machine.npy"))
    f = float_scores(out, "test", len(machine))
    c = float_scores(out, "test_commission", len(commission))
    baseline = {m: c[commission == m].mean() for m in np.unique(commission)}
    return f, f / np.array([baseline[m] for m in machine])


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: score.py OUT")
    out = sys.argv[1]
    data = load(out, "data/data.json")
    names = data["fault_names"]
    y = np.load(os.path.join(out, "data/test_y.npy"))
    machine = np.load(os.path.join(out, "data/test_machine.npy"))
    fail = lambda msg: sys.exit(f"score.py: error: {msg}")  # noqa: E731
    test = read_scores(os.path.join(out, "test.m4.txt"), fail)
    val = read_scores(os.path.join(out, "val.m4.txt"), fail)
    if len(test) != len(y):
        fail(f"{len(test)} firmware scores for {len(y)} test clips")
    q = np.array([s for s, _, _ in test], np.float64)
    qr = np.array([r for _, r, _ in test], np.float64)
    alarm = np.array([a for _, _, a in test])
    f, fr = float_ratios(out, machine)
    unseen = np.isin(machine, data["unseen"]["machines"])
    groups = {"all machines": np.ones(len(y), bool), "training machines": ~unseen, "unseen machines": unseen}

    def aucs(score):
        table = {}
        for g, keep in groups.items():
            healthy = score[keep & (y == 0)]
            row = {names[k]: auc(score[keep & (y == k)], healthy) for k in range(1, len(names)) if (keep & (y == k)).any()}
            row["every fault"] = auc(score[keep & (y > 0)], healthy) if (keep & (y > 0)).any() and healthy.size else None
            table[g] = row
        return table

    int8, flt, int8_raw, flt_raw = aucs(qr), aucs(fr), aucs(q), aucs(f)
    fig = load(out, "test.m4.json")
    report = load(out, "pipeline/mh/report.json")
    device = load(out, "pipeline/device.json")
    rec = fig["records"]
    stages = {r["stage"]: r for r in load(out, "pipeline/pipeline.json")["stages"]}
    detection = {names[k]: float(alarm[y == k].mean()) for k in range(1, len(names))}
    summary = {
        "train_clips": data["settings"]["train"], "val_clips": len(val), "test_clips": len(y),
        "training_machines": len(data["seen_machines"]), "unseen_machines": len(data["unseen"]["machines"]),
        "commission_clips": data["settings"]["commission"],
        "auc_int8": int8, "auc_float": flt, "auc_int8_raw": int8_raw, "auc_float_raw": flt_raw,
        "auc_gap": max(abs(int8[g][k] - flt[g][k]) for g in int8 for k in int8[g] if int8[g][k] is not None),
        "threshold": int(re.search(r"#define ALARM_THRESHOLD (\d+)u", open(os.path.join(out, "pipeline/mh/threshold.h")).read())[1]),
        "false_alarm_val": sum(a for _, _, a in val) / len(val),
        "false_alarm_test": {g: float(alarm[keep & (y == 0)].mean()) for g, keep in groups.items() if (keep & (y == 0)).any()},
        "detection_test": {g: float(alarm[keep & (y > 0)].mean()) for g, keep in groups.items() if (keep & (y > 0)).any()},
        "detection_per_fault": detection,
        "bitexact": device["bitexact_samples"], "frames_checked": device["samples"],
        "params": report["params"], "trained_params": stages["mh"]["params"], "nonzero": stages["mh"]["nonzero"],
        "macs": report["macs"], "arena": report["arena_bytes"],
        "frontend_tables": report["frontend"]["table_bytes"], "frontend_scratch": report["frontend"]["scratch_bytes"],
        "frontend_instructions": rec["frontend_instructions"], "invoke_instructions": rec["invoke_instructions"],
        "inferences_per_clip": rec["invoke_instructions"]["count"] // len(y),
        "flash": fig["flash"], "static_ram": fig["static_ram"],
    }
    print("== machine health: summary")
    print(f"commissioning: the first {summary['commission_clips']} healthy clips of each machine are its baseline")
    print(f"{'AUC (int8 firmware under QEMU / float)':<40}" + "".join(f"{g:>22}" for g in groups))
    for k in names[1:] + ["every fault"]:
        cells = []
        for g in groups:
            a, b = int8[g].get(k), flt[g].get(k)
            cells.append(f"{a:.3f} / {b:.3f}" if a is not None else "-")
        print(f"{k:<40}" + "".join(f"{c:>22}" for c in cells))
    print(f"{'every fault, score without the baseline':<40}" + "".join(
        f"{int8_raw[g]['every fault']:.3f} / {flt_raw[g]['every fault']:.3f}".rjust(22)
        if int8_raw[g].get("every fault") is not None else "-".rjust(22) for g in groups))
    print(f"largest |int8 - float| AUC gap          {summary['auc_gap']:.4f}")
    print(f"threshold {summary['threshold']}: false alarms on {100 * summary['false_alarm_val']:.2f} % of the validation clips")
    for g in groups:
        if g in summary["false_alarm_test"]:
            print(f"  test clips, {g:<20} false alarms {100 * summary['false_alarm_test'][g]:6.2f} %, "
                  f"faults detected {100 * summary['detection_test'].get(g, 0.0):6.2f} %")
    print("detected per fault type                 " + ", ".join(f"{k} {100 * v:.0f} %" for k, v in detection.items()))
    print(f"bit-exact vs C++ int8                   {device['bitexact_samples']}/{device['samples']} validation frames")
    print(f"network                                 {summary['nonzero']} of {summary['trained_params']} trained parameters "
          f"non-zero; compiled {report['params']} parameters, {report['macs']} MACs, arena {report['arena_bytes']} B")
    fe, inv = rec["frontend_instructions"], rec["invoke_instructions"]
    print(f"front end (M4)                          {fe['min']}-{fe['max']} instructions per frame, tables "
          f"{summary['frontend_tables']} B, scratch {summary['frontend_scratch']} B")
    print(f"inference (M4)                          {inv['max']} instructions, {summary['inferences_per_clip']} per 1 s clip")
    print(f"firmware image (M4)                     flash {fig['flash']} B, static RAM {fig['static_ram']} B")
    with open(os.path.join(out, "summary.json"), "w") as fh:
        json.dump(summary, fh, indent=1)


if __name__ == "__main__":
    main()
