#!/usr/bin/python3
"""Writes the small data-file fixtures in tests/data/io/ that tests/unit/test_array_io.cpp reads:
numpy-written .npy files of each supported dtype and header version, .npz archives (stored and
deflated, and a zip64 one), and IDX files (plain and gzip). Run: /usr/bin/python3 tests/data/gen_io.py
"""
import gzip
import io
import os
import struct
import zlib

import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "io")


def save(name, arr):
    np.save(os.path.join(OUT, name), arr)


def idx_bytes(arr, type_code, fmt):
    head = struct.pack(">BBBB", 0, 0, type_code, arr.ndim)
    head += b"".join(struct.pack(">I", d) for d in arr.shape)
    return head + arr.astype(fmt).tobytes()


def npy_bytes(arr):
    f = io.BytesIO()
    np.lib.format.write_array(f, arr)
    return f.getvalue()


def zip64_npz(path, members):
    """An .npz whose every size and offset lives in zip64 fields (as numpy writes for arrays over
    4 GiB): local and central zip64 extra fields, a zip64 end record and its locator.
    members: (name, bytes, deflate) tuples."""
    out, cd = bytearray(), bytearray()
    for name, data, deflate in members:
        nb = name.encode()
        if deflate:
            c = zlib.compressobj(6, zlib.DEFLATED, -15)
            packed = c.compress(data) + c.flush()
        else:
            packed = data
        method, crc, offset = (8 if deflate else 0), zlib.crc32(data), len(out)
        extra = struct.pack("<HHQQ", 1, 16, len(data), len(packed))
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 45, 0, method, 0, 0x21, crc, 0xFFFFFFFF, 0xFFFFFFFF,
                           len(nb), len(extra)) + nb + extra + packed
        cextra = struct.pack("<HHQQQ", 1, 24, len(data), len(packed), offset)
        cd += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 45, 45, 0, method, 0, 0x21, crc, 0xFFFFFFFF,
                          0xFFFFFFFF, len(nb), len(cextra), 0, 0, 0, 0, 0xFFFFFFFF) + nb + cextra
    cd_offset = len(out)
    out += cd
    end64 = len(out)
    out += struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, len(members), len(members), len(cd), cd_offset)
    out += struct.pack("<IIQI", 0x07064B50, 0, end64, 1)
    out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
    with open(path, "wb") as f:
        f.write(out)


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
    zip64_npz(os.path.join(OUT, "zip64.npz"), [("x.npy", npy_bytes(x), False), ("y.npy", npy_bytes(y), True)])

    img = (np.arange(24) * 10 % 256).astype(np.uint8).reshape(2, 3, 4)
    with open(os.path.join(OUT, "small-idx3-ubyte"), "wb") as f:
        f.write(idx_bytes(img, 0x08, ">u1"))
    with gzip.GzipFile(os.path.join(OUT, "small-idx3-ubyte.gz"), "wb", mtime=0) as f:
        f.write(idx_bytes(img, 0x08, ">u1"))
    with open(os.path.join(OUT, "small-idx2-int"), "wb") as f:
        f.write(idx_bytes(np.array([[-5, 70000], [0, -2**31]], dtype=np.int64), 0x0C, ">i4"))


if __name__ == "__main__":
    main()
