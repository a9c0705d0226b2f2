#!/usr/bin/python3
"""The files run.sh feeds mote and the firmware, from make_data.py's output.

    prepare.py DATA OUT [--test N]
        OUT/{train,test}_x.npy  the ECG as the device's ADC gives it (whole microvolts), in mV,
                                float32 [N,1,1000]: the network's input
        OUT/{train,test}_y.npy  the rhythm classes
        OUT/calib.npy           every 8th training window (calibration of the int8 ranges)
        OUT/stream.bin          the firmware's input, the first N test windows in order, each
                                1000 little-endian int16 ECG samples in uV and the 8
                                temperature readings of its 8 s (one a second, int16, 1/256 C)
        OUT/stream_{x,y}.npy    those windows' network input and rhythm
Temperature is not a network input: a fever comes whatever the heart does, and the firmware
tests it on its own.
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from datagen import Parser  # noqa: E402

FS = 125


def ecg_uv(x, path):
    uv = np.round(x[:, 0, :].astype(np.float64) * 1000)
    if np.abs(uv).max() > 32767:
        sys.exit(f"prepare.py: error: {path}: ECG beyond the int16 range of the ADC ({np.abs(uv).max():.0f} uV)")
    return uv.astype(np.int16)


def network_input(uv):
    """mV as float32(uv) / 1000 in float32: what the firmware computes from the ADC's codes."""
    return (uv.astype(np.float32) / np.float32(1000))[:, None, :]


def main():
    ap = Parser(prog="prepare.py", description=__doc__.split("\n")[0])
    ap.add_argument("data")
    ap.add_argument("out")
    ap.add_argument("--test", type=int, default=1000, help="test windows the firmware runs")
    args = ap.parse_args()
    if args.test < 1:
        ap.error("--test must be >= 1")
    os.makedirs(args.out, exist_ok=True)
    for split in ("train", "test"):
        path = os.path.join(args.data, f"{split}_x.npy")
        x = np.load(path)
        if x.ndim != 3 or x.shape[1:] != (2, 1000):
            sys.exit(f"prepare.py: error: {path}: expected [N,2,1000] windows, found {list(x.shape)}")
        uv = ecg_uv(x, path)
        y = np.load(os.path.join(args.data, f"{split}_y.npy"))
        np.save(os.path.join(args.out, f"{split}_x.npy"), network_input(uv))
        np.save(os.path.join(args.out, f"{split}_y.npy"), y)
        if split == "train":
            np.save(os.path.join(args.out, "calib.npy"), network_input(uv[::8]))
            continue
        n = min(args.test, len(x))
        # One reading a second, in the sensor's 1/256 C (make_data.py quantizes to it).
        temp = np.round((x[:n, 1, ::FS].astype(np.float64) + 37.0) * 256).astype(np.int16)
        records = np.concatenate([uv[:n].astype("<i2"), temp.astype("<i2")], axis=1)
        with open(os.path.join(args.out, "stream.bin"), "wb") as f:
            f.write(records.tobytes())
        np.save(os.path.join(args.out, "stream_x.npy"), network_input(uv[:n]))
        np.save(os.path.join(args.out, "stream_y.npy"), y[:n])
    print(f"network input and {n} firmware test windows in {args.out}")


if __name__ == "__main__":
    main()
