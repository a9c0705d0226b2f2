"""Puts the Cortex-M figures bench/run.sh measured under QEMU into docs/results.md: per model,
instructions per inference on the Cortex-M4 (mote's portable kernels, and a column for the
Armv7E-M kernels once a --target cortex-m4 build picks any), flash, RAM and stack measured from
the image against mote compile's prediction, against TFLM's figures; the cost per part; and the
SysTick validation on a loop of known length.
Usage: cortex_m_results.py BENCH_DIR docs/results.md"""
import glob
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import results_md  # noqa: E402

# The reference to beat, as issue 8 gives it: measured with TFLM built from its 2026-08 main
# branch, the same .tflite files and inputs, the same QEMU Cortex-M4 method (mps2-an386,
# -icount shift=0, SysTick), -O2, Debian arm-none-eabi-gcc 12.
TFLM = {
    "kws_ref_model": {"ref": 43112120, "cmsis": 7696880, "arena": 22820, "code_ref": 36773, "code_cmsis": 79613},
    "pretrainedResnet_quant": {"ref": 107487960, "cmsis": 29862840, "arena": 54996, "code_ref": 43261, "code_cmsis": 76669},
}


def load(path):
    return json.load(open(path)) if os.path.exists(path) else None


def pct(pred, meas):
    return f"{100.0 * (pred - meas) / meas:+.2f} %" if meas else "n/a"


def main(bench, dest):
    rows, costs = [], []
    for d in sorted(glob.glob(os.path.join(bench, "cortexm", "*"))):
        m = os.path.basename(d)
        portable = load(os.path.join(d, "portable.json"))
        opt = load(os.path.join(d, "m4.json"))
        report = load(os.path.join(d, "m4", "report.json"))
        if not portable or not opt or not report:
            continue
        dsp = open(os.path.join(d, "dsp_kernels.txt")).read().split() if os.path.exists(os.path.join(d, "dsp_kernels.txt")) else []
        rows.append((m, portable, opt, report, dsp))
        if m == "kws_ref_model":
            costs = opt["cost"]["parts"]
    any_dsp = any(r[4] for r in rows)
    head = "| model | mote portable instr | " + ("mote Armv7E-M instr | " if any_dsp else "") + \
        "TFLM ref instr | TFLM + CMSIS-NN instr | mote / CMSIS-NN | flash B (pred.) | code B (TFLM ref / CMSIS-NN) | " \
        "arena B (TFLM) | RAM B (pred.) | peak stack B (pred.) |"
    body = [
        "",
        "Measured by `make bench` under QEMU 7.2 with `-icount shift=0` on mps2-an386 (Cortex-M4), arm-none-eabi-gcc",
        "12 `-O2`, the first golden input of ../shared/golden (the examples: mote run's default input). The",
        "instruction count is SysTick on the 25 MHz core clock (one tick per 40 instructions, wraps counted) around",
        "the call. Flash, RAM (data + bss + stack) and code come from the image's sections and the painted stack;",
        "\"pred.\" is what `mote compile --target cortex-m4` reported before the build. Code is the image's .text",
        "(runtime kernels, NAME_invoke and the libc/libgcc they use) against TFLM's library code. TFLM's figures",
        "are issue 8's reference table (TFLM main 2026-08, same models, inputs and QEMU method). vww_mobilenet",
        "and ad_autoencoder stand in for the two MLPerf Tiny models not in ../shared (visual wake words",
        "MobileNetV1 0.25 at 96x96x3, the anomaly-detection Dense autoencoder): the same layers with random",
        "weights (tests/data/gen_mlperf_standins.py) and mote's calibration, so no TFLM figures.",
        "",
        head,
        "|" + "---|" * (head.count("|") - 1),
    ]
    for m, portable, opt, report, dsp in rows:
        t = TFLM.get(m)
        ins_p = portable["instructions"][0]
        ins_o = opt["instructions"][0]
        best = ins_o if dsp else ins_p
        pred = opt.get("predicted", {})
        cells = [m, f"{ins_p:,}"]
        if any_dsp:
            cells.append(f"{ins_o:,}" if dsp else "-")
        cells += [f"{t['ref']:,}" if t else "-", f"{t['cmsis']:,}" if t else "-",
                  f"{best / t['cmsis']:.2f}x" if t else "-",
                  f"{opt['flash']:,} ({pct(pred.get('flash', 0), opt['flash'])})",
                  f"{opt['sections']['text']:,}" + (f" ({t['code_ref']:,} / {t['code_cmsis']:,})" if t else ""),
                  f"{report['arena_bytes']:,}" + (f" ({t['arena']:,}, {report['arena_bytes'] / t['arena']:.2f}x)" if t else ""),
                  f"{opt['ram']:,} ({pct(pred.get('ram', 0), opt['ram'])})",
                  f"{opt['max_stack']} ({pred.get('stack', '-')})"]
        body.append("| " + " | ".join(cells) + " |")
    if costs:
        body += ["", "Cost of one kws_ref_model inference on the Cortex-M4 parts of src/target/profiles.json (cycles =",
                 "instructions; energy = run current x supply x latency; CR2032 225 mAh at 1 inference a second,",
                 "asleep in between):", "",
                 "| part | MHz | latency ms | energy uJ | average uA | CR2032 days |", "|---|---|---|---|---|---|"]
        for c in costs:
            def f(v, fmt):
                return format(v, fmt) if v is not None else "n/a"
            body.append(f"| {c['part']} | {c['clock_mhz']:g} | {c['latency_ms']:.2f} | {f(c['energy_uj'], '.1f')} | "
                        f"{f(c['average_ua'], '.1f')} | {f(c['cr2032_days'], '.0f')} |")
    loop = os.path.join(bench, "systick.txt")
    if os.path.exists(loop):
        body += ["", "SysTick method on a loop of 2 instructions per turn (tests/target/test_firmware.cpp):", "",
                 "| core | board | turns | instructions read | 2 x turns |", "|---|---|---|---|---|"]
        for line in open(loop).read().splitlines():
            # [systick] cortex-m4 on mps2-an386: 1000 turns -> 2040 instructions (2n = 2000, tick = 40)
            w = line.split()
            body.append(f"| {w[1]} | {w[3].rstrip(':')} | {int(w[4]):,} | {int(w[7]):,} | {int(w[11].rstrip(',')):,} |")
    layers = ["", "bench/qemu_profile.py on the Armv7E-M builds above: QEMU's log of every translated and executed",
              "block (-d in_asm,exec,nochain), a layer being what runs between two blocks of NAME_invoke; the first",
              "row is the input's copy into the arena. Counted from the log, so the total differs from SysTick's by the",
              "timer's own reads."]
    profiled = 0
    for m, _, opt, _, _ in rows:
        prof = load(os.path.join(bench, "cortexm", m, "layers.json"))
        if not prof:
            continue
        profiled += 1
        total = sum(n for _, n in prof["layers"])
        layers += ["", f"{m}: {total:,} instructions", "", "| # | kernel | instructions | share |", "|---|---|---|---|"]
        for i, (fn, n) in enumerate(prof["layers"]):
            layers.append(f"| {i} | {fn} | {n:,} | {100.0 * n / total:.1f} % |")
    sections = {"## Cortex-M4 under QEMU: instructions, flash, RAM against TFLM": body}
    if profiled:
        sections["## Cortex-M4 under QEMU: instructions per layer"] = layers
    results_md.update(dest, sections)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
