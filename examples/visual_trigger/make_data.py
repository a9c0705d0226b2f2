#!/usr/bin/python3
"""Frames for an always-on camera trigger: 96x96 grayscale, label 1 if an object is in view.

A frame is rendered as a camera would form it: a scene's reflectance (a crop of a textured
background, with a Fashion-MNIST item pasted at a random position, size, rotation, contrast and
polarity, at most a little outside the frame) lit by a smooth illumination field with vignetting
and sometimes a shadow edge, at a per-frame exposure; blurred by the optics; turned into electrons
with shot noise, a fixed pattern (pixel gain and column offsets) and read noise; gamma-encoded
with a per-frame tone curve and quantized to 8 bits.

Train: Fashion-MNIST training items, backgrounds from one bank of scenes of four families
(fractal texture, stripes, blobs, smooth gradients), one camera, half the frames with an object.
Test: Fashion-MNIST test items, a bank of scenes drawn apart from the training one, half of them of
a family never seen in training (man-made clutter: boxes, shelves, frames, cables), another camera,
and objects in exactly 10 % of the frames (the deployment scenario: at 99 % recall, keep at most
15 % of frames when objects appear in 10 % of them).

Writes to OUTDIR: train_x.npy, test_x.npy (uint8 [N,96,96]), train_y.npy, test_y.npy (int64 [N])
and data.json.
Run: /usr/bin/python3 examples/visual_trigger/make_data.py OUTDIR [--seed S] [--train N]
     [--test N] [--test-positive-fraction F] [--min-size PX] [--max-size PX] [--max-rotation DEG]
     [--fashion-mnist DIR]
"""
import gzip
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from datagen import Parser, check_outdir, write_outputs  # noqa: E402

FRAME = 96
SCENE = 128  # scenes are larger than a frame so that crops of one scene differ
FASHION_DIR = "/usr/share/datasets/fashion-mnist"
FASHION_CLASSES = ["t-shirt/top", "trouser", "pullover", "dress", "coat",
                   "sandal", "shirt", "sneaker", "bag", "ankle boot"]
TRAIN_FAMILIES = ["fractal", "stripes", "blobs", "gradient"]
HELD_OUT_FAMILY = "clutter"
SPLIT_CODES = {"train": 0, "test": 1, "scenes_train": 2, "scenes_test": 3, "camera_train": 4,
               "camera_test": 5}


def read_idx(path):
    """A gzip IDX file (magic 0x0000080N, N big-endian u32 dims, then unsigned bytes) as uint8."""
    with gzip.open(path, "rb") as f:
        raw = f.read()
    if len(raw) < 4 or raw[:3] != b"\x00\x00\x08":
        raise ValueError(f"{path}: not an unsigned-byte IDX file")
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(raw[3])]
    data = np.frombuffer(raw, np.uint8, offset=4 + 4 * len(dims))
    if data.size != int(np.prod(dims)):
        raise ValueError(f"{path}: expected {int(np.prod(dims))} values, found {data.size}")
    return data.reshape(dims)


def sample(img, ys, xs, smooth=False):
    """Bilinear samples of img at float coordinates (zero outside); smooth uses smoothstep weights,
    which turn a grid of random values into value noise without visible creases."""
    h, w = img.shape
    padded = np.pad(img, 1)
    y0, x0 = np.floor(ys), np.floor(xs)
    fy, fx = ys - y0, xs - x0
    if smooth:
        fy, fx = fy * fy * (3 - 2 * fy), fx * fx * (3 - 2 * fx)
    y0, x0 = y0.astype(np.int64), x0.astype(np.int64)
    iy, iy1 = np.clip(y0, -1, h) + 1, np.clip(y0 + 1, -1, h) + 1  # beyond the edge: the zero border
    ix, ix1 = np.clip(x0, -1, w) + 1, np.clip(x0 + 1, -1, w) + 1
    top = padded[iy, ix] * (1 - fx) + padded[iy, ix1] * fx
    bottom = padded[iy1, ix] * (1 - fx) + padded[iy1, ix1] * fx
    return top * (1 - fy) + bottom * fy


def fractal(rng, size, cells, octaves, persistence):
    """Fractal value noise in [0, 1]: octaves of smooth random grids, each twice as fine."""
    out, amp, total = np.zeros((size, size)), 1.0, 0.0
    for o in range(octaves):
        n = cells * 2 ** o
        c = np.arange(size) * n / size
        out += amp * sample(rng.uniform(size=(n + 1, n + 1)), c[:, None], c[None, :], True)
        total += amp
        amp *= persistence
    out /= total
    lo, hi = np.percentile(out, [1, 99])
    return np.clip((out - lo) / (hi - lo), 0, 1)


def soft_shape(yy, xx, cy, cx, ry, rx, angle, edge, box):
    """Coverage in [0, 1] of an ellipse (box=False) or rectangle (box=True) with a soft edge."""
    ca, sa = np.cos(angle), np.sin(angle)
    u = ((xx - cx) * ca + (yy - cy) * sa) / rx
    v = (-(xx - cx) * sa + (yy - cy) * ca) / ry
    d = np.maximum(np.abs(u), np.abs(v)) if box else np.sqrt(u * u + v * v)
    return 1 / (1 + np.exp((d - 1) * min(rx, ry) / edge))


def scene(rng, family):
    """Reflectance in [0, 1] of a SCENE x SCENE background of the given family."""
    yy, xx = np.mgrid[0:SCENE, 0:SCENE].astype(np.float64)
    base = rng.uniform(0.2, 0.8)
    grain = fractal(rng, SCENE, 8, 3, 0.5) - 0.5  # fine surface texture shared by all families
    if family == "fractal":  # foliage, carpet, gravel, plaster
        tex = fractal(rng, SCENE, int(rng.integers(2, 5)), 5, rng.uniform(0.45, 0.7))
        r = base + rng.uniform(0.3, 0.8) * (tex - 0.5)
    elif family == "stripes":  # blinds, floorboards, fabric: gratings bent by a smooth warp
        angle = rng.uniform(0, np.pi)
        u = xx * np.cos(angle) + yy * np.sin(angle)
        warp = rng.uniform(0, 3) * (fractal(rng, SCENE, 2, 2, 0.5) - 0.5)
        wave = np.tanh(rng.uniform(0.5, 4) * np.sin(2 * np.pi * u / rng.uniform(4, 24) + warp))
        r = base + rng.uniform(0.1, 0.3) * wave
    elif family == "blobs":  # soft-edged furniture and shadows
        r = np.full((SCENE, SCENE), base)
        for _ in range(int(rng.integers(6, 16))):
            m = soft_shape(yy, xx, *rng.uniform(0, SCENE, 2), *rng.uniform(5, 35, 2),
                           rng.uniform(0, np.pi), rng.uniform(0.7, 5), False)
            r = r * (1 - m) + rng.uniform(0.05, 0.95) * m
    elif family == "gradient":  # walls, ceiling, sky: large smooth shading only
        g = rng.uniform(-1, 1, 2) * rng.uniform(0.1, 0.4)
        r = base + g[0] * (xx / SCENE - 0.5) + g[1] * (yy / SCENE - 0.5)
        r += rng.uniform(0.05, 0.25) * (fractal(rng, SCENE, 1, 2, 0.5) - 0.5)
    else:  # clutter: boxes, shelves and picture frames with sharp edges, thin cables and rails
        r = np.full((SCENE, SCENE), base)
        for _ in range(int(rng.integers(5, 14))):
            thin = rng.uniform() < 0.3
            ry, rx = (rng.uniform(0.6, 2.0), rng.uniform(20, 70)) if thin else rng.uniform(4, 40, 2)
            angle = rng.uniform(0, np.pi) if thin else rng.normal(0, 0.1)
            m = soft_shape(yy, xx, *rng.uniform(0, SCENE, 2), ry, rx, angle,
                           rng.uniform(0.3, 1.0), True)
            r = r * (1 - m) + rng.uniform(0.05, 0.95) * m
    return np.clip(r + rng.uniform(0.02, 0.08) * grain, 0.02, 0.98)


def scene_bank(seed, code, families):
    rng = np.random.default_rng([seed, SPLIT_CODES[code]])
    return np.stack([scene(rng, f) for f in families]), families


class Camera:
    """A sensor's fixed pattern: per-pixel gain (PRNU) and per-column offsets (column FPN)."""

    def __init__(self, seed, code):
        rng = np.random.default_rng([seed, SPLIT_CODES[code]])
        self.prnu = 1 + 0.01 * rng.standard_normal((FRAME, FRAME))
        self.column_e = rng.normal(0, 2.0, FRAME)  # electrons
        self.full_well = rng.uniform(600, 1500)  # electrons at the brightest code
        self.read_e = rng.uniform(2, 6)


def blur(img, sigma):
    """Separable Gaussian blur of the optics, the edge pixels extended outwards."""
    r = int(np.ceil(3 * sigma))
    k = np.exp(-0.5 * (np.arange(-r, r + 1) / sigma) ** 2)
    k /= k.sum()
    padded = np.pad(img, r, mode="edge")
    rows = sum(w * padded[:, i:i + FRAME] for i, w in enumerate(k))
    return sum(w * rows[i:i + FRAME] for i, w in enumerate(k))


def paste(rng, refl, item, size, max_rot):
    """Pastes item (28x28 uint8) into refl at `size` px, returns coverage (alpha) in the frame."""
    angle = np.radians(rng.uniform(-max_rot, max_rot))
    margin = 0.1 * size  # how far the item's box may reach beyond the frame edge
    cy, cx = rng.uniform(size / 2 - margin, FRAME - size / 2 + margin, 2)
    yy, xx = np.mgrid[0:FRAME, 0:FRAME].astype(np.float64)
    ca, sa = np.cos(angle), np.sin(angle)
    s = 28.0 / size
    src_x = ((xx - cx) * ca + (yy - cy) * sa) * s + 13.5
    src_y = (-(xx - cx) * sa + (yy - cy) * ca) * s + 13.5
    value = np.clip(sample(item.astype(np.float64) / 255, src_y, src_x), 0, 1)
    alpha = np.clip(value * 4, 0, 1)  # items are drawn on 0: their faint fringe is partial cover
    under = refl[alpha > 0.5].mean() if (alpha > 0.5).any() else refl.mean()
    # Polarity follows what is possible: a dark object on a bright area and vice versa.
    polarity = -1 if under > 0.7 else 1 if under < 0.3 else rng.choice([-1, 1])
    shade_dir = rng.uniform(0, 2 * np.pi)
    across = ((xx - cx) * np.cos(shade_dir) + (yy - cy) * np.sin(shade_dir)) / size
    shade = 1 + rng.uniform(0, 0.3) * across  # the object is lit from one side too
    obj = np.clip((under + polarity * rng.uniform(0.12, 0.5) * (0.6 + 0.4 * value)) * shade, 0.02, 0.98)
    refl[:] = refl * (1 - alpha) + obj * alpha
    return alpha


def render(rng, scenes, camera, item, size, max_rot):
    """One frame (uint8 [FRAME, FRAME]) and the object's visible area in pixels."""
    k = int(rng.integers(len(scenes)))
    oy, ox = rng.integers(0, SCENE - FRAME + 1, 2)
    refl = scenes[k, oy:oy + FRAME, ox:ox + FRAME].copy()
    if rng.uniform() < 0.5:
        refl = refl[:, ::-1].copy()
    area = 0
    if item is not None:
        area = int((paste(rng, refl, item, size, max_rot) > 0.5).sum())
    yy, xx = (np.mgrid[0:FRAME, 0:FRAME] - (FRAME - 1) / 2) / (FRAME / 2)
    d = rng.uniform(0, 2 * np.pi)
    light = rng.uniform(0, 0.5) * (np.cos(d) * xx + np.sin(d) * yy)  # the light comes from one side
    illum = (1 + light) * (1 - rng.uniform(0.1, 0.45) * (xx * xx + yy * yy) / 2)  # vignetting
    if rng.uniform() < 0.3:  # a shadow edge across the view
        d = rng.uniform(0, 2 * np.pi)
        edge = (np.cos(d) * xx + np.sin(d) * yy - rng.uniform(-0.7, 0.7)) / rng.uniform(0.02, 0.3)
        illum *= 1 - rng.uniform(0.2, 0.6) / (1 + np.exp(-edge))
    exposure = np.exp(rng.uniform(np.log(0.15), np.log(1.1)))  # auto-exposure lags the light
    radiance = np.clip(refl * illum * exposure, 0, None)
    radiance = blur(radiance, rng.uniform(0.4, 1.2))
    electrons = rng.poisson(radiance * camera.full_well * camera.prnu).astype(np.float64)
    electrons += camera.column_e[None, :] + camera.read_e * rng.standard_normal((FRAME, FRAME))
    linear = np.clip(electrons / camera.full_well, 0, 1)
    gamma = 2.2 * rng.uniform(0.85, 1.15)  # the tone curve the ISP picks for this frame
    return np.round(255 * linear ** (1 / gamma)).astype(np.uint8), area


def make_split(name, n, n_pos, items, scenes, camera, args):
    rng = np.random.default_rng([args.seed, SPLIT_CODES[name]])
    y = np.zeros(n, np.int64)
    y[rng.permutation(n)[:n_pos]] = 1
    x = np.empty((n, FRAME, FRAME), np.uint8)
    sizes, areas, picked = [], [], []
    for i in range(n):
        item, size = None, 0
        if y[i]:
            j = int(rng.integers(len(items)))
            # Log-uniform size: each doubling of the distance to the camera is equally likely.
            size = float(np.exp(rng.uniform(np.log(args.min_size), np.log(args.max_size))))
            item = items[j]
            picked.append(j)
        x[i], area = render(rng, scenes, camera, item, size, args.max_rotation)
        if y[i]:
            sizes.append(size)
            areas.append(area)
    return x, y, np.array(sizes), np.array(areas), np.array(picked, np.int64)


def main():
    ap = Parser(prog="make_data.py", description=__doc__.split("\n")[0])
    ap.add_argument("outdir")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--train", type=int, default=8000, help="training frames (half with an object)")
    ap.add_argument("--test", type=int, default=2000, help="test frames")
    ap.add_argument("--test-positive-fraction", type=float, default=0.1)
    ap.add_argument("--min-size", type=float, default=20.0, help="object size in px (of its 28x28 box)")
    ap.add_argument("--max-size", type=float, default=70.0)
    ap.add_argument("--max-rotation", type=float, default=30.0, help="degrees; 0 for upright objects")
    ap.add_argument("--fashion-mnist", default=FASHION_DIR, help="folder with the IDX .gz files")
    args = ap.parse_args()
    if args.seed < 0:
        ap.error("--seed must be >= 0")
    if args.train < 2 or args.test < 1:
        ap.error("--train must be >= 2 and --test >= 1")
    if not 0.0 < args.test_positive_fraction < 1.0:
        ap.error("--test-positive-fraction must be between 0 and 1 (exclusive)")
    if not 8 <= args.min_size <= args.max_size <= FRAME:
        ap.error(f"need 8 <= --min-size <= --max-size <= {FRAME}")
    if not 0 <= args.max_rotation <= 180:
        ap.error("--max-rotation must be between 0 and 180")
    problem = check_outdir(args.outdir)
    if problem:
        ap.error(problem)
    try:
        items = {s: read_idx(os.path.join(args.fashion_mnist, f"{s}-images-idx3-ubyte.gz"))
                 for s in ("train", "t10k")}
        labels = {s: read_idx(os.path.join(args.fashion_mnist, f"{s}-labels-idx1-ubyte.gz"))
                  for s in ("train", "t10k")}
    except (OSError, ValueError) as e:
        sys.exit(f"make_data.py: error: cannot read Fashion-MNIST: {e}")

    n_test_pos = max(1, int(round(args.test * args.test_positive_fraction)))
    # 240 training scenes (60 per family); 80 test scenes, half of them of the held-out family.
    banks = {"train": scene_bank(args.seed, "scenes_train", TRAIN_FAMILIES * 60),
             "test": scene_bank(args.seed, "scenes_test",
                                [HELD_OUT_FAMILY] * 40 + TRAIN_FAMILIES * 10)}
    splits = {"train": (args.train, args.train // 2, "train"), "test": (args.test, n_test_pos, "t10k")}
    arrays, stats = {}, {}
    for name, (n, n_pos, source) in splits.items():
        x, y, sizes, areas, picked = make_split(name, n, n_pos, items[source], banks[name][0],
                                                Camera(args.seed, "camera_" + name), args)
        arrays[name + "_x"], arrays[name + "_y"] = x, y
        kinds = labels[source][picked]
        stats[name] = {
            "frames": n, "with_object": int(y.sum()), "without_object": int(n - y.sum()),
            "object_classes": {c: int((kinds == k).sum()) for k, c in enumerate(FASHION_CLASSES)},
            "object_size_px": {"min": round(float(sizes.min()), 1),
                               "median": round(float(np.median(sizes)), 1),
                               "max": round(float(sizes.max()), 1)},
            "object_visible_area_fraction_median": round(float(np.median(areas)) / FRAME ** 2, 4),
            "mean_brightness": round(float(x.mean()), 2),
            "scene_families": sorted(set(banks[name][1])),
        }

    meta = {
        "generator": "examples/visual_trigger/make_data.py",
        "seed": args.seed,
        "settings": {k: v for k, v in vars(args).items() if k != "outdir"},
        "frame": [FRAME, FRAME], "label_names": ["no_object", "object"],
        "files": {k: {"shape": list(a.shape), "dtype": str(a.dtype)} for k, a in arrays.items()},
        "counts": stats,
        "held_out": f"test uses Fashion-MNIST test items, its own scene bank (half of it the "
                    f"'{HELD_OUT_FAMILY}' family, absent from training) and another camera's "
                    f"fixed pattern; objects in {n_test_pos} of {args.test} test frames",
    }
    write_outputs(args.outdir, arrays, meta)
    print(f"wrote {args.outdir}: train {args.train} frames ({args.train // 2} with an object), "
          f"test {args.test} frames ({n_test_pos} with an object)")


if __name__ == "__main__":
    main()
