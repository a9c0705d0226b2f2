"""What the score.py of the visual trigger and vital signs share: the network's and the firmware
image's figures from a run's report.json (mote compile) and stream.m4.json (mote run --app)."""
import json
import os


def firmware_figures(out, compiled):
    """Parameters, MACs, arena of OUT/pipeline/COMPILED; instructions per inference, flash and
    static RAM of the firmware image that ran OUT/stream.m4.txt."""
    report = json.load(open(os.path.join(out, "pipeline", compiled, "report.json")))
    fig = json.load(open(os.path.join(out, "stream.m4.json")))
    return {"params": report["params"], "macs": report["macs"], "arena": report["arena_bytes"],
            "invoke_instructions": fig["records"]["invoke_instructions"], "flash": fig["flash"],
            "static_ram": fig["static_ram"]}


def print_firmware(s, per):
    """The figures of firmware_figures as summary lines; `per` names what one inference covers."""
    print(f"network                     {s['params']:,} parameters, {s['macs']:,} MACs, arena {s['arena']:,} B")
    print(f"inference (M4)              {s['invoke_instructions']['max']:,} instructions per {per}")
    print(f"firmware image (M4)         flash {s['flash']:,} B, static RAM {s['static_ram']:,} B")
