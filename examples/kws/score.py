#!/usr/bin/env python3
"""The keyword-spotting run in figures: accuracy of the int8 firmware on the held-out voices,
flash and RAM of the whole image (network, front end, firmware), instructions per 20 ms frame
(front end) and per inference (network), and the streaming firmware's detections scored
against what the recording says.

    /usr/bin/python3 score.py OUT   (the folder of examples/kws/run.sh)
"""
import json
import os
import sys

# A detection names a keyword spoken from start_s until at most this long after its end: the
# word stays in the one-second window while the posteriors are averaged.
LATE_S = 1.3


def detections(path):
    out = []
    for line in open(path):
        t, unit, word, score = line.split()
        out.append((float(t), word, float(score)))
    return out


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: score.py OUT")
    out = sys.argv[1]
    said = json.load(open(os.path.join(out, "data/stream.json")))["words"]
    data = json.load(open(os.path.join(out, "data/data.json")))
    heard = detections(os.path.join(out, "stream.m4.txt"))
    device = json.load(open(os.path.join(out, "pipeline/device.json")))
    report = json.load(open(os.path.join(out, "pipeline/kws/report.json")))
    fig = json.load(open(os.path.join(out, "stream.m4.json")))

    keywords = [w for w in said if w["keyword"]]
    found, false = set(), []
    for t, word, score in heard:
        match = [i for i, w in enumerate(keywords)
                 if i not in found and w["word"] == word and w["start_s"] <= t <= w["end_s"] + LATE_S]
        if match:
            found.add(match[0])
        else:
            false.append((t, word, score))

    n = device["samples"]
    rec = fig["records"]
    fe = report["frontend"]
    print("== keyword spotting: summary")
    print(f"accuracy, held-out voices   float {100 * device['correct_float'] / n:.2f} %, "
          f"int8 firmware on {device['ran_on']} {100 * device['correct_c'] / n:.2f} % ({n} clips)")
    print(f"bit-exact vs C++ int8       {device['bitexact_samples']}/{n} clips")
    print(f"network                     {report['params']} parameters, {report['macs']} MACs, arena {report['arena_bytes']} B")
    print(f"front end                   tables {fe['table_bytes']} B, scratch {fe['scratch_bytes']} B, "
          f"{rec['frontend_instructions']['min']}-{rec['frontend_instructions']['max']} instructions per 20 ms frame (M4)")
    print(f"inference                   {rec['invoke_instructions']['max']} instructions (M4), every 80 ms")
    print(f"firmware image (M4)         flash {fig['flash']} B, static RAM {fig['static_ram']} B")
    print(f"streaming                   {len(found)}/{len(keywords)} keywords found, {len(false)} false detections"
          + "".join(f"; false: {w} at {t:.2f} s" for t, w, _ in false))
    missed = [keywords[i]["word"] for i in range(len(keywords)) if i not in found]
    if missed:
        print(f"missed                      {', '.join(missed)}")
    summary = {"voices_train": len(data["voices"]["train"]), "voices_test": len(data["voices"]["test"]),
               "train_clips": sum(data["counts"]["train"].values()), "clips": n, "accuracy_float": device["correct_float"] / n, "accuracy_int8": device["correct_c"] / n,
               "ran_on": device["ran_on"], "bitexact": device["bitexact_samples"], "params": report["params"],
               "macs": report["macs"], "arena": report["arena_bytes"], "frontend_tables": fe["table_bytes"],
               "frontend_scratch": fe["scratch_bytes"], "frontend_instructions": rec["frontend_instructions"],
               "invoke_instructions": rec["invoke_instructions"], "flash": fig["flash"], "static_ram": fig["static_ram"],
               "keywords": len(keywords), "found": len(found), "false": len(false), "missed": missed,
               "detections": [{"t": t, "word": w, "score": sc} for t, w, sc in heard]}
    with open(os.path.join(out, "summary.json"), "w") as f:
        json.dump(summary, f, indent=1)


if __name__ == "__main__":
    main()
