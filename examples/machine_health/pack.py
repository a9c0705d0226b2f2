#!/usr/bin/python3
"""The firmware's input for one split of make_data.py's output: machine after machine, each as the
device installed on it hears it, a little-endian uint16 count of commissioning clips K and of
monitored clips N, then the K commissioning clips and the N clips (int16 samples, little-endian).

Run: /usr/bin/python3 examples/machine_health/pack.py DATA val|test OUT.raw
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from datagen import Parser  # noqa: E402


def main():
    ap = Parser(prog="pack.py", description=__doc__.split("\n")[0])
    ap.add_argument("data")
    ap.add_argument("split", choices=["val", "test"])
    ap.add_argument("out")
    args = ap.parse_args()
    d, s = args.data, args.split
    try:
        x, machine = np.load(f"{d}/{s}_x.npy"), np.load(f"{d}/{s}_machine.npy")
        cx, cmachine = np.load(f"{d}/{s}_commission_x.npy"), np.load(f"{d}/{s}_commission_machine.npy")
    except OSError as e:
        ap.error(f"cannot read {d}: {e}")
    order = list(dict.fromkeys(machine.tolist()))
    if list(dict.fromkeys(cmachine.tolist())) != order:
        ap.error(f"{d}: the commissioning clips of {s} are not for its machines in its order")
    blocks, at = [], 0
    for m in order:
        n, k = int((machine == m).sum()), int((cmachine == m).sum())
        if not (machine[at:at + n] == m).all():
            ap.error(f"{d}/{s}_machine.npy: the clips of machine {m} are not together")
        if n > 65535 or k > 65535:
            ap.error(f"machine {m}: {k} commissioning and {n} clips do not fit the uint16 counts")
        blocks += [np.array([k, n], "<u2").tobytes(), cx[cmachine == m].astype("<i2").tobytes(),
                   x[at:at + n].astype("<i2").tobytes()]
        at += n
    tmp = args.out + ".tmp"
    try:
        with open(tmp, "wb") as f:
            f.write(b"".join(blocks))
        os.replace(tmp, args.out)
    except OSError as e:
        if os.path.exists(tmp):
            os.remove(tmp)
        ap.error(f"cannot write {args.out}: {e.strerror}")


if __name__ == "__main__":
    main()
