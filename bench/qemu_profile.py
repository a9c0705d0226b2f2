#!/usr/bin/python3
"""Where a firmware image's instructions go under QEMU: per function, per layer and the hottest
translation blocks.

Usage: bench/qemu_profile.py FW.elf [--machine mps2-an386] [--top N] [--layer K] [--json OUT]

FW.elf is the image `mote run OUTDIR --build-dir DIR` leaves in DIR. QEMU runs it with -icount
shift=0 and logs every translated block (in_asm) and every block executed (exec, nochain so none
is skipped); each execution adds the block's instruction count to its function. A layer is one
stretch of blocks outside NAME_invoke(_arena) between two of its blocks, so the kernel calls of the
generated invoke come out one per row, in order, with what they call (memcpy, memset) included.
"""
import argparse
import collections
import json
import os
import re
import subprocess
import sys
import tempfile

IN_RE = re.compile(r"^IN: ?(\S*)")
INSN_RE = re.compile(r"^0x([0-9a-f]+):\s")
# NAME_invoke, NAME_invoke_arena or a part of one GCC split off (NAME_invoke_arena.part.0);
# timed_invoke is the harness's
INVOKE_RE = re.compile(r"(?<!^timed)_invoke(_arena)?(\.|$)")
TRACE_RE = re.compile(r"^Trace \d+: \S+ \[[0-9a-f]+/([0-9a-f]+)/[^\]]*\] ?(\S*)")


def run_qemu(elf, machine, log):
    elf = os.path.abspath(elf)
    cmd = ["qemu-system-arm", "-machine", machine, "-semihosting", "-nographic", "-icount",
           "shift=0", "-kernel", elf, "-d", "in_asm,exec,nochain", "-D", log]
    # the harness reads run.cfg and input.bin beside the image by semihosting
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, timeout=600,
                   cwd=os.path.dirname(elf))


def executed(log, blocks):
    """The start pc of each block executed, in order, filling blocks (start pc -> (instructions,
    function)) as QEMU logs each translation, before the block's first execution."""
    cur_fn, cur_pc, count = None, None, 0
    with open(log, errors="replace") as f:
        for line in f:
            m = INSN_RE.match(line)
            if m and cur_fn is not None:
                if cur_pc is None:
                    cur_pc = int(m.group(1), 16)
                count += 1
                continue
            if cur_pc is not None and (line.strip() == "" or line.startswith(("IN:", "Trace"))):
                blocks[cur_pc] = (count, cur_fn)
                cur_pc, count, cur_fn = None, 0, None
            m = IN_RE.match(line)
            if m:
                cur_fn, cur_pc, count = m.group(1) or "?", None, 0
                continue
            m = TRACE_RE.match(line)
            if m:
                yield int(m.group(1), 16)


def label(layer, blocks):
    """A layer's kernel (layer: block pc -> instructions): its runtime function (mote_*) that
    ran most, else what ran most."""
    ranked = [fn for fn, _ in per_function(layer, blocks).most_common()]
    return next((fn for fn in ranked if fn.startswith("mote_")), ranked[0])


def per_function(counts, blocks):
    out = collections.Counter()
    for pc, n in counts.items():
        out[blocks[pc][1]] += n
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("elf")
    ap.add_argument("--machine", default="mps2-an386")
    ap.add_argument("--top", type=int, default=15)
    ap.add_argument("--layer", type=int, help="the hottest blocks of this layer only")
    ap.add_argument("--json", help="also write the layers ([function, instructions] each) here")
    a = ap.parse_args()
    if not os.path.isfile(a.elf):
        sys.exit(f"qemu_profile: {a.elf}: no such file")
    # Per block, and per layer: the stretches of blocks between two blocks of the invoke.
    blocks, per_block, layers, started, in_layer = {}, collections.Counter(), [], False, False
    with tempfile.TemporaryDirectory() as tmp:
        log = os.path.join(tmp, "q.log")
        run_qemu(a.elf, a.machine, log)
        for pc in executed(log, blocks):
            if pc not in blocks:  # none: each block is logged when translated, before it runs
                continue
            n, fn = blocks[pc]
            per_block[pc] += n
            if INVOKE_RE.search(fn):
                started, in_layer = True, False
            elif started:
                if not in_layer:
                    layers.append(collections.Counter())
                    in_layer = True
                layers[-1][pc] += n
    # what runs after the invoke's last block is the harness's, not a layer
    if layers and in_layer:
        layers.pop()
    total = sum(per_block.values())
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"layers": [[label(l, blocks), sum(l.values())] for l in layers]}, f)
    print(f"total instructions executed: {total:,}")
    print("\nper function:")
    for fn, n in per_function(per_block, blocks).most_common(a.top):
        print(f"  {n:>12,}  {100.0 * n / total:5.1f} %  {fn}")
    if layers:
        print("\nper layer (stretches outside NAME_invoke(_arena), in order):")
        for i, l in enumerate(layers):
            print(f"  {i:3d} {sum(l.values()):>12,}  {label(l, blocks)}")
    if a.layer is not None:
        if not 0 <= a.layer < len(layers):
            sys.exit(f"qemu_profile: --layer {a.layer}: the run has layers 0 to {len(layers) - 1}")
        per_block = layers[a.layer]
    print("\nhottest blocks" + (f" of layer {a.layer}:" if a.layer is not None else ":"))
    for pc, n in per_block.most_common(a.top):
        cnt, fn = blocks[pc]
        print(f"  {n:>12,}  0x{pc:08x} ({cnt} instr, run {n // max(cnt, 1):,}x)  {fn}")


if __name__ == "__main__":
    main()
