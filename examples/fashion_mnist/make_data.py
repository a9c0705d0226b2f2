#!/usr/bin/python3
"""Converts the Fashion-MNIST test set into test_x.npy (float32 [10000,1,28,28], pixel/255) and
test_y.npy (int64 [10000]) in the directory given on the command line.
Run: /usr/bin/python3 examples/fashion_mnist/make_data.py OUT_DIR [--data DIR]
"""
import argparse
import gzip
import os

import numpy as np

DATA_DIR = "/usr/share/datasets/fashion-mnist"


def read_idx(path):
    """Parses a gzip IDX file (magic 0x0000080X, big-endian u32 dims) into a uint8 array."""
    with gzip.open(path, "rb") as f:
        raw = f.read()
    if raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        raise ValueError(f"{path}: not an unsigned-byte IDX file")
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    if data.size != int(np.prod(dims)):
        raise ValueError(f"{path}: expected {np.prod(dims)} values, found {data.size}")
    return data.reshape(dims)


def load_split(split, data_dir=DATA_DIR):
    """Returns (x float32 [N,1,28,28] in [0,1], y int64 [N]) for split "train" or "t10k"."""
    x = read_idx(os.path.join(data_dir, f"{split}-images-idx3-ubyte.gz"))
    y = read_idx(os.path.join(data_dir, f"{split}-labels-idx1-ubyte.gz"))
    return x.astype(np.float32)[:, None] / 255.0, y.astype(np.int64)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out_dir")
    ap.add_argument("--data", default=DATA_DIR)
    args = ap.parse_args()
    x, y = load_split("t10k", args.data)
    os.makedirs(args.out_dir, exist_ok=True)
    np.save(os.path.join(args.out_dir, "test_x.npy"), x)
    np.save(os.path.join(args.out_dir, "test_y.npy"), y)
    print(f"wrote {len(y)} samples to {args.out_dir}")


if __name__ == "__main__":
    main()
