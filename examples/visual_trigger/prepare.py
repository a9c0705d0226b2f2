#!/usr/bin/python3
"""The files run.sh feeds mote and the firmware, from make_data.py's output.

    prepare.py split DATA OUT [--val N] [--stream N]
        OUT/fit_{x,y}.npy      the training frames (all of DATA's but the last N)
        OUT/val_{x,y}.npy      the last N training frames: where score.py picks the threshold
        OUT/calib.npy          every 16th training frame (calibration of the int8 ranges)
        OUT/stream_{x,y}.npy   the first N test frames (objects in 10 % of them), in order
    prepare.py pack FRAMES.npy THRESHOLD OUT.bin
        the firmware's input: THRESHOLD as a little-endian int16, then the frames' bytes
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from datagen import Parser  # noqa: E402


def split(data, out, val, stream):
    x, y = np.load(f"{data}/train_x.npy"), np.load(f"{data}/train_y.npy")
    if not 0 < val < len(x) - 1:
        sys.exit(f"prepare.py: error: --val {val} must leave training frames of the {len(x)} in {data}")
    fit = len(x) - val
    os.makedirs(out, exist_ok=True)
    tx, ty = np.load(f"{data}/test_x.npy"), np.load(f"{data}/test_y.npy")
    stream = min(stream, len(tx))
    arrays = {"fit_x": x[:fit], "fit_y": y[:fit], "val_x": x[fit:], "val_y": y[fit:], "calib": x[:fit:16],
              "stream_x": tx[:stream], "stream_y": ty[:stream]}
    for name, a in arrays.items():
        np.save(f"{out}/{name}.npy", a)
    print(f"{fit} training frames, {val} validation frames, {stream} test frames "
          f"({int(ty[:stream].sum())} with an object)")


def pack(frames, threshold, out):
    x = np.load(frames)
    if x.dtype != np.uint8 or x.ndim != 3:
        sys.exit(f"prepare.py: error: {frames}: expected uint8 frames [N,H,W], found {x.dtype} {list(x.shape)}")
    if not -32768 <= threshold <= 32767:
        sys.exit(f"prepare.py: error: threshold {threshold} does not fit an int16")
    with open(out, "wb") as f:
        f.write(np.int16(threshold).astype("<i2").tobytes())
        f.write(x.tobytes())


def main():
    ap = Parser(prog="prepare.py", description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="command", required=True)
    s = sub.add_parser("split")
    s.add_argument("data")
    s.add_argument("out")
    s.add_argument("--val", type=int, default=1000)
    s.add_argument("--stream", type=int, default=2000)
    k = sub.add_parser("pack")
    k.add_argument("frames")
    k.add_argument("threshold", type=int)
    k.add_argument("out")
    args = ap.parse_args()
    if args.command == "split":
        split(args.data, args.out, args.val, args.stream)
    else:
        pack(args.frames, args.threshold, args.out)


if __name__ == "__main__":
    main()
