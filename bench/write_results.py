"""Writes docs/results.md's make-bench sections from the files bench/run.sh produced; the
other sections (Fuzzing, from make fuzz-bench) stay as they are."""
import glob
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import results_md  # noqa: E402

build, dest = sys.argv[1], sys.argv[2]
bench = os.path.join(build, "bench")
rep = json.load(open(os.path.join(build, "demo", "fashion", "report.json")))
val = json.load(open(os.path.join(build, "demo", "validate.json")))
instr = open(os.path.join(bench, "fashion_instr.txt")).read().strip()
n = val["samples"]

lines = [
    "# mote results",
    "",
    "Written by `make bench` (and the Fuzzing section by `make fuzz-bench`). Every mote figure is measured; the TFLM arena figures are the ones issue 3 quotes.",
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
# TFLM's arena for the same models on a Cortex-M4 with its reference kernels (arena_used_bytes),
# as measured for issue 3; mote's figure comes from its own report.json.
TFLM_ARENA = {"kws_ref_model": 22820, "pretrainedResnet_quant": 54996}
lines += [
    "",
    "## MLPerf Tiny int8 models (../shared/models): RAM against TFLM, host cost",
    "",
    "Generated C gives TFLM's reference-kernel output bytes on all 32 golden inputs of both models",
    "(tests/e2e/test_golden.cpp).",
    "",
    "| model | MACs | flash B | arena B | TFLM arena B (Cortex-M4) | ratio | host instructions / inference |",
    "|---|---|---|---|---|---|---|",
]
for m, tflm in TFLM_ARENA.items():
    d = os.path.join(bench, "mlperf", m)
    r = json.load(open(os.path.join(d, "report.json")))
    ins = int(open(os.path.join(d, "instr.txt")).read().strip())
    lines.append(f"| {m} | {r['macs']} | {r['weights_bytes']} | {r['arena_bytes']} | {tflm} | "
                 f"{r['arena_bytes'] / tflm:.2f} | {ins:,} |")
arm = json.load(open(os.path.join(bench, "armnn_fashion.json")))
lines += [
    "",
    "## ArmNN cross-check: Fashion-MNIST demo model, every test image",
    "",
    "ArmNN 20.08's TfLite parser on CpuRef runs mote's exported .tflite; mote's generated C runs the",
    "same int8 graph (tests/e2e/test_armnn.cpp with MOTE_ARMNN_IMAGES=10000; `make test` runs 300).",
    "",
    "| images | top-1 agreement | mean abs diff (LSB) | max abs diff (LSB) |",
    "|---|---|---|---|",
    f"| {arm['images']:,} of {arm['of']:,} | {100.0 * arm['top1']:.2f} % | {arm['mean_abs']:.4f} | {arm['max_abs']} |",
]
# Split into the preamble and {heading: body} for results_md.
preamble, sections, heading = [], {}, None
for line in lines:
    if line.startswith("## "):
        heading = line
        sections[heading] = []
    elif heading is None:
        preamble.append(line)
    else:
        sections[heading].append(line)
results_md.update(dest, sections, preamble)
