#!/usr/bin/python3
"""The autoencoder's samples from the log-mel features of whole clips: every run of CONTEXT
consecutive frames of every clip, in the order the firmware feeds them to the network.

mote features writes one sample per clip, [N, 1, T, M] (T frames of M log-mel bins); the
network reads CONTEXT frames at a time, [N * (T - CONTEXT + 1), 1, CONTEXT, M], clip after clip.
--every K keeps every K-th of them (a calibration subset).
Run: /usr/bin/python3 examples/machine_health/frames.py FEATURES.npy OUT.npy [--context C] [--every K]
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from datagen import Parser  # noqa: E402


def windows(features, context):
    """[N, 1, T, M] -> [N * (T - context + 1), 1, context, M]."""
    n, _, t, m = features.shape
    runs = t - context + 1
    idx = np.arange(runs)[:, None] + np.arange(context)[None, :]
    return features[:, 0][:, idx].reshape(n * runs, 1, context, m)


def main():
    ap = Parser(prog="frames.py", description=__doc__.split("\n")[0])
    ap.add_argument("features")
    ap.add_argument("out")
    ap.add_argument("--context", type=int, default=1, help="frames per sample")
    ap.add_argument("--every", type=int, default=1, help="keep every K-th sample")
    args = ap.parse_args()
    if args.context < 1 or args.every < 1:
        ap.error("--context and --every must be >= 1")
    try:
        x = np.load(args.features)
    except (OSError, ValueError) as e:
        ap.error(f"{args.features}: cannot read: {e}")
    if x.ndim != 4 or x.shape[1] != 1 or x.dtype != np.float32:
        ap.error(f"{args.features}: expected mote features' float32 [N, 1, frames, bins], got {x.dtype} {list(x.shape)}")
    if x.shape[2] < args.context:
        ap.error(f"{args.features}: {x.shape[2]} frames per clip, fewer than --context {args.context}")
    w = windows(x, args.context)[::args.every]
    tmp = args.out + ".tmp.npy"
    try:
        np.save(tmp, w)
        os.replace(tmp, args.out)
    except OSError as e:
        if os.path.exists(tmp):
            os.remove(tmp)
        ap.error(f"cannot write {args.out}: {e.strerror}")
    print(f"frames {args.features} -> {args.out}: {w.shape[0]} samples of {args.context} x {x.shape[3]}")


if __name__ == "__main__":
    main()
