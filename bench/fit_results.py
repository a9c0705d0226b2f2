#!/usr/bin/env python3
"""The fit-to-budget section of docs/results.md from mote fit's fit.json (the KWS DS-CNN).

    /usr/bin/python3 fit_results.py FIT.json docs/results.md
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import results_md  # noqa: E402

HEADING = "## Fit to a budget (mote fit on the keyword-spotting DS-CNN)"


def kb(b):
    return f"{b / 1024:.1f} KB"


def main():
    src, dest = sys.argv[1], sys.argv[2]
    f = json.load(open(src))
    b = f["budget"]
    parts = [f"RAM {kb(b['ram'])}" if "ram" in b else "", f"flash {kb(b['flash'])}" if "flash" in b else "",
             f"{b['ms']:g} ms" if "ms" in b else "", f"accuracy {100 * b['accuracy']:g} %" if "accuracy" in b else ""]
    limits = ", ".join(p for p in parts if p)
    body = [
        "",
        f"`mote fit` on the DS-CNN of make demo, target {f['target']} (latency at {f['part']}'s clock, instructions",
        f"as cycles), budget {limits}. Every variant is fine-tuned, compiled with the MFCC front end and measured",
        "as it runs: int8 accuracy of the generated C on the held-out voices, the firmware image's flash and RAM",
        "(data, bss, stack) and instructions per inference under QEMU.",
        "",
        "| candidate | encoding | int8 accuracy | flash | RAM | ms | |",
        "|---|---|---|---|---|---|---|",
    ]
    for i, c in enumerate(f["candidates"]):
        mark = ", ".join(m for m, on in (("front", c["pareto"]), ("over budget", not c["fits"]),
                                         ("**best**", f.get("best") == i)) if on)
        body.append(f"| {c['candidate']} | {c['encoding']} | {100 * c['accuracy']:.2f} % | {kb(c['flash'])} | "
                    f"{kb(c['ram'])} | {c['ms']:.2f} | {mark} |")
    results_md.update(dest, {HEADING: body}, None)


if __name__ == "__main__":
    main()
