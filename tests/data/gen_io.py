#!/usr/bin/python3
"""Writes the small data-file fixtures in tests/data/io/ that tests/unit/test_array_io.cpp reads:
numpy-written .npy files of each supported dtype and header version, .npz archives (stored and
deflated), and IDX files (plain and gzip). Run: /usr/bin/python3 tests/data/gen_io.py
"""
import gzip
import os
import struct

import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "io")


def save(name, arr):
    np.save(os.path.join(OUT, name), arr)


def idx_bytes(arr, type_code, fmt):
    head = struct.pack(">BBBB", 0, 0, type_code, arr.ndim)
    head += b"".join(struct.pack(">I", d) for d in arr.shape)
    return head + arr.astype(fmt).tobytes()


def main():
    os.makedirs(OUT, exist_ok=True)
    save("f4.npy", (np.arange(24, dtype=np.float32).reshape(2, 3, 4) * 0.5 - 3))
    save("f8.npy", np.array([0.1, -2.5, 1e10, 3.0], dtype=np.float64))
    save("u1.npy", (np.arange(12, dtype=np.uint8) * 20).reshape(3, 4))
    save("i1.npy", np.array([-128, -1, 0, 1, 127, 5], dtype=np.int8))
    save("i4.npy", np.array([[-2**31, -1], [7, 2**31 - 1]], dtype=np.int32))
    save("i8.npy", np.array([-2**40, -1, 0, 2**40 + 3], dtype=np.int64))
    save("scalar.npy", np.float32(3.5))
    save("big_endian.npy", np.array([1.5, -2.0, 1e-3], dtype=">f4"))
    save("fortran.npy", np.asfortranarray(np.arange(6, dtype=np.float32).reshape(2, 3)))
    for version in ((2, 0), (3, 0)):
        with open(os.path.join(OUT, f"v{version[0]}.npy"), "wb") as f:
            np.lib.format.write_array(f, np.arange(5, dtype=np.int32) - 2, version=version)

    x = np.linspace(-1, 1, 6, dtype=np.float32).reshape(2, 3)
    y = np.array([3, 1, 4, 1], dtype=np.int64)
    np.savez(os.path.join(OUT, "two.npz"), x=x, y=y)
    np.savez_compressed(os.path.join(OUT, "two_compressed.npz"), x=x, y=y)

    img = (np.arange(24) * 10 % 256).astype(np.uint8).reshape(2, 3, 4)
    with open(os.path.join(OUT, "small-idx3-ubyte"), "wb") as f:
        f.write(idx_bytes(img, 0x08, ">u1"))
    with gzip.GzipFile(os.path.join(OUT, "small-idx3-ubyte.gz"), "wb", mtime=0) as f:
        f.write(idx_bytes(img, 0x08, ">u1"))
    with open(os.path.join(OUT, "small-idx2-int"), "wb") as f:
        f.write(idx_bytes(np.array([[-5, 70000], [0, -2**31]], dtype=np.int64), 0x0C, ">i4"))


if __name__ == "__main__":
    main()
