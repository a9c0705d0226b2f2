#!/usr/bin/python3
"""The vital-signs run in figures: the int8 firmware's rhythms under QEMU (OUT/stream.m4.txt)
against the test subjects' labels and against the float network (OUT/float_logits.npy):
macro-F1, per-class recall, confusion matrices; its alerts against the truth (an abnormal
rhythm or a fever); the network's size and cost. Writes OUT/summary.json.

    /usr/bin/python3 score.py OUT   (the folder of examples/vital_signs/run.sh)
"""
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from scoring import firmware_figures, print_firmware  # noqa: E402


def firmware_lines(path):
    """Rhythm, alert and fever per window of the firmware's output, checked to be in order."""
    rhythm, alert, fever = [], [], []
    for k, line in enumerate(open(path)):
        index, name, _, decision = line.split()
        if int(index) != k or decision not in ("ok", "alert:rhythm", "alert:fever", "alert:rhythm+fever"):
            sys.exit(f"score.py: error: {path}:{k + 1}: unexpected line {line.strip()!r}")
        rhythm.append(name)
        alert.append(decision != "ok")
        fever.append(decision.endswith("fever"))
    return rhythm, np.array(alert), np.array(fever)


def confusion(y, pred, classes):
    m = np.zeros((classes, classes), np.int64)
    np.add.at(m, (y, pred), 1)
    return m


def per_class(m):
    """Recall, precision and F1 of each class from a confusion matrix (rows: truth)."""
    tp = np.diag(m).astype(np.float64)
    recall = tp / np.maximum(m.sum(axis=1), 1)
    precision = tp / np.maximum(m.sum(axis=0), 1)
    f1 = np.where(recall + precision > 0, 2 * recall * precision / np.maximum(recall + precision, 1e-12), 0.0)
    return recall, precision, f1


def table(m, names):
    width = max(len(n) for n in names)
    head = " " * (width + 2) + " ".join(f"{k:>5}" for k in range(len(names)))
    rows = [f"{n:<{width}}  " + " ".join(f"{v:>5}" for v in row) + f"   ({k})" for k, (n, row) in enumerate(zip(names, m))]
    return "\n".join([head] + rows)


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: score.py OUT")
    out = sys.argv[1]
    data = json.load(open(os.path.join(out, "data/data.json")))
    names = data["class_names"]
    y = np.load(os.path.join(out, "split/stream_y.npy"))
    n = len(y)
    rhythm, alert, fw_fever = firmware_lines(os.path.join(out, "stream.m4.txt"))
    if len(rhythm) != n:
        sys.exit(f"score.py: error: {len(rhythm)} firmware lines for {n} test windows")
    int8 = np.array([names.index(r) for r in rhythm])
    flt = np.load(os.path.join(out, "float_logits.npy")).reshape(n, -1).argmax(axis=1)
    fever = np.load(os.path.join(out, "data/test_temp_alert.npy"))[:n].astype(bool)
    device = json.load(open(os.path.join(out, "pipeline/device.json")))

    figures = {}
    for which, pred in (("float", flt), ("int8", int8)):
        m = confusion(y, pred, len(names))
        recall, precision, f1 = per_class(m)
        figures[which] = {"accuracy": float((pred == y).mean()), "macro_f1": float(f1.mean()),
                          "recall": dict(zip(names, recall.tolist())), "precision": dict(zip(names, precision.tolist())),
                          "f1": dict(zip(names, f1.tolist())), "confusion": m.tolist()}
    truth_alert = (y != 0) | fever
    s = {
        "train_windows": int(sum(data["counts"]["train"]["rhythm"].values())),
        "train_subjects": data["counts"]["train"]["subjects"], "test_subjects": data["counts"]["test"]["subjects"],
        "windows": n, "float": figures["float"], "int8": figures["int8"],
        "macro_f1_drop_points": 100 * (figures["float"]["macro_f1"] - figures["int8"]["macro_f1"]),
        "int8_float_agree": int((int8 == flt).sum()),
        "firmware_correct": int((int8 == y).sum()), "validate_correct": device["correct_c"], "ran_on": device["ran_on"],
        "bitexact": device["bitexact_samples"], "validated": device["samples"],
        "alerts": int(alert.sum()), "alert_truth": int(truth_alert.sum()),
        "alert_sensitivity": float((alert & truth_alert).sum() / max(truth_alert.sum(), 1)),
        "alert_specificity": float((~alert & ~truth_alert).sum() / max((~truth_alert).sum(), 1)),
        "fever_windows": int(fever.sum()), "fever_found": int((fw_fever & fever).sum()),
        "fever_false": int((fw_fever & ~fever).sum()),
    }
    s.update(firmware_figures(out, "vitals"))
    print("== vital signs: summary")
    print(f"test windows                {n} (8 s each) from {s['test_subjects']} subjects never seen in training")
    print(f"macro-F1                    float {100 * s['float']['macro_f1']:.2f}, int8 firmware on {s['ran_on']} "
          f"{100 * s['int8']['macro_f1']:.2f} ({s['macro_f1_drop_points']:+.2f} points from float)")
    print(f"accuracy                    float {100 * s['float']['accuracy']:.2f} %, int8 {100 * s['int8']['accuracy']:.2f} %; "
          f"int8 and float agree on {s['int8_float_agree']}/{n}")
    for c in names:
        print(f"  recall {c:<20} float {100 * s['float']['recall'][c]:6.2f} %, int8 {100 * s['int8']['recall'][c]:6.2f} %")
    print("confusion, int8 firmware (rows: truth, columns: firmware)")
    print(table(np.array(s["int8"]["confusion"]), names))
    print(f"firmware vs validate        {s['firmware_correct']} correct rhythms, validate stage {s['validate_correct']}; "
          f"bit-exact {s['bitexact']}/{s['validated']}")
    print(f"alerts                      {s['alerts']} raised, {s['alert_truth']} due (abnormal rhythm or fever): "
          f"sensitivity {100 * s['alert_sensitivity']:.2f} %, specificity {100 * s['alert_specificity']:.2f} %")
    print(f"fever                       {s['fever_found']}/{s['fever_windows']} windows with a mean of 38.0 C or more "
          f"found from one reading a second, {s['fever_false']} false")
    print_firmware(s, "8 s window")
    with open(os.path.join(out, "summary.json"), "w") as f:
        json.dump(s, f, indent=1)


if __name__ == "__main__":
    main()
