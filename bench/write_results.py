"""Assembles docs/results.md from the files bench/run.sh produced."""
import glob
import json
import os
import sys

build, dest = sys.argv[1], sys.argv[2]
bench = os.path.join(build, "bench")
rep = json.load(open(os.path.join(build, "demo", "fashion", "report.json")))
val = json.load(open(os.path.join(build, "demo", "validate.json")))
instr = open(os.path.join(bench, "fashion_instr.txt")).read().strip()
n = val["samples"]

lines = [
    "# mote results",
    "",
    "Written by `make bench`; every figure is measured, none is typed in.",
    "",
    "## Fashion-MNIST demo (examples/fashion_mnist, int8, minmax calibration on 200 training images)",
    "",
    "| metric | value |",
    "|---|---|",
    f"| float32 accuracy (10,000 test images) | {100.0 * val['correct_float'] / n:.2f} % |",
    f"| int8 generated C accuracy | {100.0 * val['correct_c'] / n:.2f} % |",
    f"| top-1 agreement int8 C vs float | {100.0 * val['top1_agree'] / n:.2f} % |",
    f"| bit-exact with the C++ int8 reference | {val['bitexact_samples']}/{n} samples |",
    f"| parameters | {rep['params']} |",
    f"| MACs per inference | {rep['macs']} |",
    f"| flash: weights and tables | {rep['weights_bytes']} B |",
    f"| RAM: arena (activations + scratch) | {rep['arena_bytes']} B |",
    f"| RAM: TFLM greedy-by-size on the same buffers | {rep['greedy_arena_bytes']} B |",
    f"| host instructions per inference (x86-64, gcc -O2, callgrind) | {int(instr):,} |",
    "",
    "## Memory planner vs greedy-by-size (TFLM's planner), PyTorch-exported test models, int8",
    "",
    "| model | MACs | weights B | arena B | greedy-by-size B |",
    "|---|---|---|---|---|",
]
for path in sorted(glob.glob(os.path.join(bench, "models", "*", "report.json"))):
    r = json.load(open(path))
    name = os.path.basename(os.path.dirname(path))
    lines.append(f"| {name} | {r['macs']} | {r['weights_bytes']} | {r['arena_bytes']} | {r['greedy_arena_bytes']} |")
tmp = dest + ".tmp"
with open(tmp, "w") as f:
    f.write("\n".join(lines) + "\n")
os.replace(tmp, dest)
