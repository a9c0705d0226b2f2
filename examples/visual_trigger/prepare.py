#!/usr/bin/python3
"""The files run.sh feeds mote and the firmware, from make_data.py's output.

The network sees two channels per frame: the frame and the camera's reference view, a running
average of the site's earlier frames kept in Q8 fixed point exactly as main.c keeps it
(background(t) = (7 background(t-1) + 256 frame(t)) >> 3, started from the site's first frame;
the reference of frame t is round(background(t-1) / 256), scaled to the frame's mean
brightness). An object is what the frame has and the reference lacks, whatever the scene.

    prepare.py split DATA OUT [--val N] [--stream N]
        OUT/fit_{x,y}.npy      [frame, reference] pairs of the training sites but the last ones
        OUT/val_{x,y}.npy      pairs of the last training sites (at least N frames): where
                               score.py picks the threshold
        OUT/val_frames.npy     their frames, for the firmware
        OUT/calib.npy          every 16th training pair (calibration of the int8 ranges)
        OUT/stream_{x,y}.npy   pairs of the first N test frames (objects in 10 % of them), in order
        OUT/stream_frames.npy  their frames, for the firmware
        OUT/sites.json         frames per site (the firmware starts a new reference at each)
    prepare.py pack FRAMES.npy THRESHOLD SITE_FRAMES OUT.bin
        the firmware's input: THRESHOLD as a little-endian int16, SITE_FRAMES as a little-endian
        uint16, then the frames' bytes
"""
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from datagen import Parser  # noqa: E402

REFERENCE_SHIFT = 3  # the running average's weight of a new frame: 1 / 2^3 (main.c's too)


def references(frames, site):
    """The reference view of each frame (uint8 [N,H,W]) as the firmware computes it."""
    out = np.empty_like(frames)
    background = None
    for t in range(len(frames)):
        p = frames[t].astype(np.uint32)
        if t == 0 or site[t] != site[t - 1]:
            background = p << 8
        out[t] = ((background + 128) >> 8).astype(np.uint8)
        background = (((1 << REFERENCE_SHIFT) - 1) * background + (p << 8)) >> REFERENCE_SHIFT
    return out


def matched(frames, refs):
    """Each reference scaled to its frame's mean brightness (Q8 gain, rounded as main.c rounds):
    a change of the light over the whole view is no object."""
    f = frames.reshape(len(frames), -1).astype(np.int64)
    r = refs.reshape(len(refs), -1).astype(np.int64)
    fs, rs = f.sum(1), r.sum(1)
    gain = np.where(rs > 0, (fs * 256 + rs // 2) // np.maximum(rs, 1), 256)
    return np.minimum(255, (r * gain[:, None] + 128) >> 8).astype(np.uint8).reshape(refs.shape)


def pairs(frames, site):
    return np.stack([frames, matched(frames, references(frames, site))], axis=1)


def split(data, out, val, stream):
    x, y, site = (np.load(f"{data}/train_{k}.npy") for k in ("x", "y", "site"))
    meta = json.load(open(f"{data}/data.json"))
    if not 0 < val < len(x):
        sys.exit(f"prepare.py: error: --val {val} must leave training frames of the {len(x)} in {data}")
    # Validation takes whole sites from the end: at least `val` frames.
    first_val_site = site[len(x) - val]
    fit = int(np.searchsorted(site, first_val_site))
    if fit == 0:
        sys.exit(f"prepare.py: error: --val {val} takes every training site of {data}")
    tx, ty, tsite = (np.load(f"{data}/test_{k}.npy") for k in ("x", "y", "site"))
    stream = min(stream, len(tx))
    os.makedirs(out, exist_ok=True)
    fit_pairs = pairs(x[:fit], site[:fit])
    arrays = {"fit_x": fit_pairs, "fit_y": y[:fit], "val_x": pairs(x[fit:], site[fit:]), "val_y": y[fit:],
              "val_frames": x[fit:], "calib": fit_pairs[::16], "stream_x": pairs(tx[:stream], tsite[:stream]),
              "stream_y": ty[:stream], "stream_frames": tx[:stream]}
    for name, a in arrays.items():
        np.save(f"{out}/{name}.npy", a)
    with open(f"{out}/sites.json", "w") as f:
        json.dump({"site_frames": meta["site_frames"]}, f)
    print(f"{fit} training frames, {len(x) - fit} validation frames, {stream} test frames "
          f"({int(ty[:stream].sum())} with an object), {meta['site_frames']} frames a site")


def pack(frames, threshold, site_frames, out):
    x = np.load(frames)
    if x.dtype != np.uint8 or x.ndim != 3:
        sys.exit(f"prepare.py: error: {frames}: expected uint8 frames [N,H,W], found {x.dtype} {list(x.shape)}")
    if not -32768 <= threshold <= 32767:
        sys.exit(f"prepare.py: error: threshold {threshold} does not fit an int16")
    if not 1 <= site_frames <= 65535:
        sys.exit(f"prepare.py: error: site frames {site_frames} does not fit a uint16")
    with open(out, "wb") as f:
        f.write(np.int16(threshold).astype("<i2").tobytes())
        f.write(np.uint16(site_frames).astype("<u2").tobytes())
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
    k.add_argument("site_frames", type=int)
    k.add_argument("out")
    args = ap.parse_args()
    if args.command == "split":
        split(args.data, args.out, args.val, args.stream)
    else:
        pack(args.frames, args.threshold, args.site_frames, args.out)


if __name__ == "__main__":
    main()
