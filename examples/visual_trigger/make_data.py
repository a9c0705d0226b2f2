#!/usr/bin/python3
"""Frames for an always-on camera trigger: 96x96 grayscale, label 1 if an object is in view.

A camera is installed at a site, a fixed view of a scene, and films it frame after frame: the
light drifts (direction, strength, exposure, a shadow edge that comes, moves and goes) and now and
then jumps (a lamp, the sun out of a cloud); objects come into view for runs of 1-6 frames and
wander a little while they stay; the site's first frames are empty. A frame is rendered as a
camera would form it: the view's reflectance (a crop of a textured background, with a
Fashion-MNIST item pasted at a position, size, rotation, contrast and polarity, at most a little
outside the frame) lit by the light of the moment with vignetting; blurred by the optics; turned
into electrons with shot noise, a fixed pattern (pixel gain and column offsets) and read noise;
gamma-encoded with the site's tone curve and quantized to 8 bits.

Train: Fashion-MNIST training items, sites on one bank of scenes of four families (fractal
texture, stripes, blobs, smooth gradients), one camera, 40 % of the frames with an object.
Test: Fashion-MNIST test items, sites on a bank of scenes drawn apart from the training one, half
of them of a family never seen in training (man-made clutter: boxes, shelves, frames, cables),
another camera, and objects in exactly 10 % of the frames (the deployment scenario: at 99 %
recall, keep at most 15 % of frames when objects appear in 10 % of them).

Writes to OUTDIR: train_x.npy, test_x.npy (uint8 [N,96,96], in time order), train_y.npy,
test_y.npy (int64 [N]), train_site.npy, test_site.npy (int64 [N]: the site of each frame) and
data.json.
Run: /usr/bin/python3 examples/visual_trigger/make_data.py OUTDIR [--seed S] [--train N]
     [--test N] [--site-frames N] [--train-positive-fraction F] [--test-positive-fraction F]
     [--min-size PX] [--max-size PX] [--max-rotation DEG] [--fashion-mnist DIR]
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
BOOT = 3  # a site's first frames are empty: the camera sees its view before anything comes
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


class Visit:
    """An object in view for a run of frames: one Fashion-MNIST item at one size, contrast,
    polarity and side light, wandering a little from frame to frame."""

    def __init__(self, rng, item, size, max_rot):
        self.item, self.size = item, size
        margin = 0.1 * size  # how far the item's box may reach beyond the frame edge
        self.lo, self.hi = size / 2 - margin, FRAME - size / 2 + margin
        self.cy, self.cx = rng.uniform(self.lo, self.hi, 2)
        self.angle = np.radians(rng.uniform(-max_rot, max_rot))
        self.polarity = rng.choice([-1, 1])
        self.contrast = rng.uniform(0.12, 0.5)
        self.shade_dir = rng.uniform(0, 2 * np.pi)
        self.shade = rng.uniform(0, 0.3)

    def step(self, rng):
        self.cy, self.cx = np.clip(np.array([self.cy, self.cx]) + rng.normal(0, 0.08 * self.size, 2),
                                   self.lo, self.hi)
        self.angle += rng.normal(0, 0.05)

    def paste(self, refl):
        """Pastes the item into refl; returns its coverage (alpha) in the frame."""
        yy, xx = np.mgrid[0:FRAME, 0:FRAME].astype(np.float64)
        ca, sa = np.cos(self.angle), np.sin(self.angle)
        s = 28.0 / self.size
        src_x = ((xx - self.cx) * ca + (yy - self.cy) * sa) * s + 13.5
        src_y = (-(xx - self.cx) * sa + (yy - self.cy) * ca) * s + 13.5
        value = np.clip(sample(self.item.astype(np.float64) / 255, src_y, src_x), 0, 1)
        alpha = np.clip(value * 4, 0, 1)  # items are drawn on 0: their faint fringe is partial cover
        under = refl[alpha > 0.5].mean() if (alpha > 0.5).any() else refl.mean()
        # Polarity follows what is possible: a dark object on a bright area and vice versa.
        polarity = -1 if under > 0.7 else 1 if under < 0.3 else self.polarity
        across = ((xx - self.cx) * np.cos(self.shade_dir) + (yy - self.cy) * np.sin(self.shade_dir)) / self.size
        shade = 1 + self.shade * across  # the object is lit from one side too
        obj = np.clip((under + polarity * self.contrast * (0.6 + 0.4 * value)) * shade, 0.02, 0.98)
        refl[:] = refl * (1 - alpha) + obj * alpha
        return alpha


class Site:
    """One installed camera looking at one view of a scene. The light drifts from frame to frame
    (its direction and strength, the exposure, a shadow that comes and goes) and sometimes jumps
    (a lamp switched, the sun out of a cloud); the optics and the tone curve are the site's."""

    def __init__(self, rng, scenes, camera):
        k = int(rng.integers(len(scenes)))
        oy, ox = rng.integers(0, SCENE - FRAME + 1, 2)
        self.refl = scenes[k, oy:oy + FRAME, ox:ox + FRAME].copy()
        if rng.uniform() < 0.5:
            self.refl = self.refl[:, ::-1].copy()
        self.camera = camera
        self.light_dir, self.light = rng.uniform(0, 2 * np.pi), rng.uniform(0, 0.5)
        self.vignetting = rng.uniform(0.1, 0.45)
        self.log_exposure = rng.uniform(np.log(0.15), np.log(1.1))
        self.shadow = None
        self.blur = rng.uniform(0.4, 1.2)
        self.gamma = 2.2 * rng.uniform(0.85, 1.15)

    def step(self, rng):
        self.light_dir += rng.normal(0, 0.05)
        self.light = float(np.clip(self.light + rng.normal(0, 0.02), 0, 0.5))
        lo, hi = np.log(0.15), np.log(1.1)
        if rng.uniform() < 0.03:  # the light jumps and auto-exposure lands elsewhere
            self.log_exposure = rng.uniform(lo, hi)
        else:
            self.log_exposure = float(np.clip(self.log_exposure + rng.normal(0, 0.03), lo, hi))
        if self.shadow is None and rng.uniform() < 0.03:  # a shadow edge falls across the view
            self.shadow = [rng.uniform(0, 2 * np.pi), rng.uniform(-0.7, 0.7), rng.uniform(0.02, 0.3),
                           rng.uniform(0.2, 0.6)]
        elif self.shadow is not None:
            if rng.uniform() < 0.1:
                self.shadow = None
            else:  # ... and moves slowly while it stays
                self.shadow[0] += rng.normal(0, 0.03)
                self.shadow[1] += rng.normal(0, 0.03)

    def render(self, rng, visit):
        """One frame (uint8 [FRAME, FRAME]) and the visible area of the object in pixels."""
        refl = self.refl.copy()
        area = int((visit.paste(refl) > 0.5).sum()) if visit is not None else 0
        yy, xx = (np.mgrid[0:FRAME, 0:FRAME] - (FRAME - 1) / 2) / (FRAME / 2)
        d = self.light_dir
        illum = (1 + self.light * (np.cos(d) * xx + np.sin(d) * yy)) * \
            (1 - self.vignetting * (xx * xx + yy * yy) / 2)
        if self.shadow is not None:
            d, offset, width, depth = self.shadow
            edge = (np.cos(d) * xx + np.sin(d) * yy - offset) / width
            illum *= 1 - depth / (1 + np.exp(-edge))
        radiance = blur(np.clip(refl * illum * np.exp(self.log_exposure), 0, None), self.blur)
        cam = self.camera
        electrons = rng.poisson(radiance * cam.full_well * cam.prnu).astype(np.float64)
        electrons += cam.column_e[None, :] + cam.read_e * rng.standard_normal((FRAME, FRAME))
        linear = np.clip(electrons / cam.full_well, 0, 1)
        gamma = self.gamma * rng.uniform(0.98, 1.02)
        return np.round(255 * linear ** (1 / gamma)).astype(np.uint8), area


def visit_runs(rng, frames, positive):
    """Which of a site's frames have an object: `positive` of them in runs of 1-6 frames with empty
    frames between, none in the first BOOT frames (the camera learns the empty view first)."""
    runs = []
    while sum(runs) < positive:
        runs.append(min(int(rng.integers(1, 7)), positive - sum(runs)))
    free = frames - BOOT - positive
    if free < len(runs) - 1:
        raise ValueError(f"{positive} frames with an object do not fit in a site of {frames}")
    # Empty frames before each run (at least one between runs) and after the last.
    gaps = np.ones(len(runs) + 1, np.int64)
    gaps[0] = 0
    gaps[-1] = 0
    extra = free - int(gaps.sum())
    gaps += rng.multinomial(extra, np.ones(len(gaps)) / len(gaps))
    y = np.zeros(frames, np.int64)
    at = BOOT
    for gap, run in zip(gaps, runs):
        at += int(gap)
        y[at:at + run] = 1
        at += run
    return y


def make_split(name, n, n_pos, items, scenes, camera, args):
    """n frames from sites of args.site_frames each (the last may be shorter), n_pos of them with
    an object, spread over the sites as evenly as their lengths allow."""
    rng = np.random.default_rng([args.seed, SPLIT_CODES[name]])
    lengths = [min(args.site_frames, n - s) for s in range(0, n, args.site_frames)]
    share = np.array([max(0, k - BOOT) for k in lengths], np.float64)
    per_site = np.floor(n_pos * share / share.sum()).astype(np.int64)
    for k in rng.permutation(len(lengths))[:n_pos - int(per_site.sum())]:
        per_site[k] += 1
    x = np.empty((n, FRAME, FRAME), np.uint8)
    y, site_of = np.zeros(n, np.int64), np.zeros(n, np.int64)
    sizes, areas, picked = [], [], []
    at = 0
    for s, (frames, positive) in enumerate(zip(lengths, per_site)):
        site = Site(rng, scenes, camera)
        y[at:at + frames] = visit_runs(rng, frames, int(positive))
        visit = None
        for i in range(at, at + frames):
            site.step(rng)
            if y[i] and visit is None:
                j = int(rng.integers(len(items)))
                # Log-uniform size: each doubling of the distance to the camera is equally likely.
                size = float(np.exp(rng.uniform(np.log(args.min_size), np.log(args.max_size))))
                visit = Visit(rng, items[j], size, args.max_rotation)
                picked.append(j)
                sizes.append(size)
            elif y[i]:
                visit.step(rng)
            else:
                visit = None
            x[i], area = site.render(rng, visit)
            site_of[i] = s
            if y[i]:
                areas.append(area)
        at += frames
    return x, y, site_of, np.array(sizes), np.array(areas), np.array(picked, np.int64)


def main():
    ap = Parser(prog="make_data.py", description=__doc__.split("\n")[0])
    ap.add_argument("outdir")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--train", type=int, default=8000, help="training frames")
    ap.add_argument("--test", type=int, default=2000, help="test frames")
    ap.add_argument("--site-frames", type=int, default=40, help="frames of one camera site")
    ap.add_argument("--train-positive-fraction", type=float, default=0.4)
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
    if args.site_frames < 2 * BOOT:
        ap.error(f"--site-frames must be >= {2 * BOOT}")
    for opt in ("train", "test"):
        f = getattr(args, opt + "_positive_fraction")
        if not 0.0 < f <= 0.5:
            ap.error(f"--{opt}-positive-fraction must be in (0, 0.5]: runs of objects need empty frames between them")
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

    n_pos = {name: max(1, int(round(n * f))) for name, n, f in
             (("train", args.train, args.train_positive_fraction), ("test", args.test, args.test_positive_fraction))}
    # 240 training scenes (60 per family); 80 test scenes, half of them of the held-out family.
    banks = {"train": scene_bank(args.seed, "scenes_train", TRAIN_FAMILIES * 60),
             "test": scene_bank(args.seed, "scenes_test",
                                [HELD_OUT_FAMILY] * 40 + TRAIN_FAMILIES * 10)}
    splits = {"train": (args.train, "train"), "test": (args.test, "t10k")}
    arrays, stats = {}, {}
    for name, (n, source) in splits.items():
        try:
            x, y, site, sizes, areas, picked = make_split(name, n, n_pos[name], items[source], banks[name][0],
                                                          Camera(args.seed, "camera_" + name), args)
        except ValueError as e:
            ap.error(f"{name}: {e}")
        arrays[name + "_x"], arrays[name + "_y"], arrays[name + "_site"] = x, y, site
        kinds = labels[source][picked]
        stats[name] = {
            "frames": n, "sites": int(site.max()) + 1, "with_object": int(y.sum()),
            "without_object": int(n - y.sum()), "visits": len(picked),
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
                    f"fixed pattern; objects in {n_pos['test']} of {args.test} test frames",
        "site_frames": args.site_frames, "boot_frames": BOOT,
    }
    write_outputs(args.outdir, arrays, meta)
    print(f"wrote {args.outdir}: " + ", ".join(
        f"{name} {stats[name]['frames']} frames of {stats[name]['sites']} sites ({stats[name]['with_object']} "
        f"with an object, {stats[name]['visits']} visits)" for name in splits))


if __name__ == "__main__":
    main()
