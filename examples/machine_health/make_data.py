#!/usr/bin/python3
"""Vibration clips for predictive maintenance: a simulated accelerometer on rotating machines.

Each clip is 1 s from one accelerometer (16 kHz, int16 counts, 2048 counts/g: a +-16 g range) on a
machine whose shaft turns at a slowly drifting speed. A healthy machine shows its shaft orders
(residual imbalance at 1x, a little 2x and 3x), a gear mesh tone with 1x sidebands, friction and
flow noise ringing its structural resonances, and the sensor's noise floor. The faults add what a
vibration analyst looks for:
  imbalance           1x radial grows
  misalignment        2x and 3x (and 1x) appear in the axial direction
  looseness           many harmonics of 1x, with half orders
  bearing_outer_race  impacts at BPFO ringing the resonances, with rolling-element slip
  bearing_inner_race  impacts at BPFI, stronger each time the defect passes the load zone (1x)
  bearing_ball        impacts at 2xBSF (the ball hits both races), modulated at the cage rate FTF
Every machine has its own speed range, bearing geometry, gearbox, resonances, sensor mounting and
noise floor. Training and validation clips are healthy only (anomaly detection: no fault type is
seen in training); the test set mixes healthy and faulty clips from the training machines and from
machines never seen in training. When the device is installed on a machine it first records a
few healthy commissioning clips, that machine's baseline: the validation and test clips are in
machine order, and each of their machines has --commission such clips of its own.

Writes to OUTDIR: train_x.npy, val_x.npy, test_x.npy (int16 [N,16000]), test_y.npy (int64 [N],
0 healthy, k = FAULTS[k]), train_machine.npy, val_machine.npy, test_machine.npy (int64 machine
ids), val_commission_x.npy, test_commission_x.npy (int16 [machines * K, 16000], machine after
machine in the order of val / test), val_commission_machine.npy, test_commission_machine.npy and
data.json.
Run: /usr/bin/python3 examples/machine_health/make_data.py OUTDIR [--seed S] [--train N] [--val N]
     [--test N] [--machines M] [--unseen-machines U] [--fault-fraction F] [--commission K]
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from datagen import Parser, check_outdir, write_outputs  # noqa: E402

SAMPLE_RATE = 16000
CLIP_SAMPLES = 16000
COUNTS_PER_G = 2048.0
FAULTS = ["healthy", "imbalance", "misalignment", "looseness",
          "bearing_outer_race", "bearing_inner_race", "bearing_ball"]
KERNEL_SAMPLES = 512   # 32 ms: the slowest-decaying mode (2 kHz, 2 % damping) has fallen by 3000x
PRE_ROLL = KERNEL_SAMPLES  # simulated before the clip so that ringing from earlier impacts is there
SPLIT_CODES = {"train": 0, "val": 1, "test": 2, "machine": 3, "val_commission": 4, "test_commission": 5}


class Machine:
    """One machine: speed range, bearing, gearbox, structure, sensor mounting and noise floor."""

    def __init__(self, machine_id, seed):
        rng = np.random.default_rng([seed, SPLIT_CODES["machine"], machine_id])
        self.id = machine_id
        self.speed_hz = rng.uniform(20.0, 50.0)
        self.speed_spread = rng.uniform(0.02, 0.08)  # load changes move the speed clip to clip
        # Rolling-element bearing: the defect frequencies are fixed orders of the shaft speed.
        self.balls = int(rng.integers(7, 17))
        self.ball_d_mm = rng.uniform(6.0, 20.0)
        self.pitch_d_mm = self.ball_d_mm * rng.uniform(3.5, 6.0)
        self.contact_deg = rng.uniform(0.0, 25.0)
        r = self.ball_d_mm / self.pitch_d_mm * np.cos(np.radians(self.contact_deg))
        self.orders = {"bpfo": self.balls / 2 * (1 - r), "bpfi": self.balls / 2 * (1 + r),
                       "bsf": self.pitch_d_mm / (2 * self.ball_d_mm) * (1 - r * r),
                       "ftf": 0.5 * (1 - r)}
        self.gear_teeth = int(rng.integers(18, 56))  # mesh stays below 3 kHz at 54 Hz
        self.mesh_g = rng.uniform(0.01, 0.08)
        self.unbalance_g = rng.uniform(0.01, 0.04)  # residual 1x at the nominal speed
        self.h2_rel, self.h3_rel = rng.uniform(0.2, 0.5), rng.uniform(0.05, 0.25)
        # A single-axis sensor tilted from radial sees the axial motion with weight sin(tilt).
        tilt = np.radians(rng.uniform(15.0, 60.0))
        self.radial_w, self.axial_w = np.cos(tilt), np.sin(tilt)
        n_modes = int(rng.integers(2, 4))
        self.mode_hz = np.sort(rng.uniform(2000.0, 6000.0, n_modes))
        self.mode_zeta = rng.uniform(0.02, 0.06, n_modes)
        self.mode_gain = rng.uniform(0.3, 1.0, n_modes)
        self.friction_g = rng.uniform(0.005, 0.025)  # rms of the resonances rung by friction
        self.noise_g = rng.uniform(0.004, 0.015)  # sensor noise floor rms (8 to 30 counts)
        self.sensitivity = rng.uniform(0.9, 1.1)
        # Impulse response of the structure: decaying modes, scaled to a peak of 1 g per impact.
        t = np.arange(KERNEL_SAMPLES) / SAMPLE_RATE
        w = 2 * np.pi * self.mode_hz[:, None]
        z = self.mode_zeta[:, None]
        h = (self.mode_gain[:, None] * np.exp(-z * w * t) * np.sin(w * np.sqrt(1 - z * z) * t)).sum(0)
        self.kernel = h / np.abs(h).max()

    def describe(self):
        return {"id": self.id, "speed_hz": round(self.speed_hz, 3),
                "speed_spread": round(self.speed_spread, 4),
                "bearing": {"balls": self.balls, "ball_d_mm": round(self.ball_d_mm, 3),
                            "pitch_d_mm": round(self.pitch_d_mm, 3),
                            "contact_deg": round(self.contact_deg, 2),
                            "orders": {k: round(v, 4) for k, v in self.orders.items()}},
                "gear_teeth": self.gear_teeth,
                "resonances_hz": [round(f, 1) for f in self.mode_hz],
                "damping": [round(z, 4) for z in self.mode_zeta],
                "axial_weight": round(self.axial_w, 3), "noise_g_rms": round(self.noise_g, 4)}


def log_uniform(rng, lo, hi):
    return float(np.exp(rng.uniform(np.log(lo), np.log(hi))))


def impacts(rng, rev, order, t):
    """Impact times (s) once every 1/order revolutions; the rolling elements slip, so the rate is
    0.5-2 % below the kinematic one and every interval jitters."""
    slip = rng.uniform(0.005, 0.02)
    jitter = rng.uniform(0.005, 0.015)
    n = int(rev[-1] * order * 1.1) + 2
    steps = (1 + slip + jitter * rng.standard_normal(n)) / order
    r = rng.uniform(0, 1 / order) + np.cumsum(steps)
    r = r[r < rev[-1]]
    return np.interp(r, rev, t), r


def clip(machine, fault, rng):
    """One clip of machine in state fault (an index into FAULTS), as int16 counts."""
    n = PRE_ROLL + CLIP_SAMPLES
    t = (np.arange(n) - PRE_ROLL) / SAMPLE_RATE
    f0 = machine.speed_hz * (1 + machine.speed_spread * rng.uniform(-1, 1))
    period = rng.uniform(2, 10)  # seconds: the speed wanders slowly with load and supply
    drift = rng.uniform(0.002, 0.01) * np.sin(2 * np.pi * t / period + rng.uniform(0, 2 * np.pi))
    rev = np.cumsum(f0 * (1 + drift)) / SAMPLE_RATE  # shaft revolutions
    rev -= rev[0]
    ph = 2 * np.pi * rev

    def tone(order, amp):
        return amp * np.cos(order * ph + rng.uniform(0, 2 * np.pi))

    a1 = machine.unbalance_g * (f0 / machine.speed_hz) ** 2  # centrifugal force grows as speed^2
    gain_1x, gain_2x = 1.0, 1.0
    if fault == 1:
        gain_1x = log_uniform(rng, 2.0, 8.0)
    if fault == 2:
        gain_2x = rng.uniform(1.5, 3.0)
    radial = (tone(1, a1 * gain_1x) + tone(2, a1 * machine.h2_rel * gain_2x)
              + tone(3, a1 * machine.h3_rel))
    axial = tone(1, 0.2 * a1)
    if fault == 2:
        a2 = a1 * log_uniform(rng, 0.8, 4.0)
        axial += tone(1, a1 * rng.uniform(0.5, 2.0)) + tone(2, a2) + tone(3, a2 * rng.uniform(0.2, 0.6))
    if fault == 3:
        level = a1 * log_uniform(rng, 0.3, 1.5)
        for k in range(1, 21):  # 0.5x .. 10x; a loose part hitting every other turn gives half orders
            radial += tone(k / 2, level * (k / 2) ** -0.7 * (rng.uniform(0.3, 0.8) if k % 2 else 1.0))
    # Gear mesh tone, amplitude-modulated by shaft runout (1x sidebands), and its second harmonic.
    mesh = (tone(machine.gear_teeth, machine.mesh_g) * (1 + 0.2 * np.cos(ph + rng.uniform(0, 2 * np.pi)))
            + tone(2 * machine.gear_teeth, 0.3 * machine.mesh_g))
    # Excitation of the structure: friction noise, plus the impacts of a bearing defect.
    excite = rng.standard_normal(n) * machine.friction_g / np.sqrt(np.sum(machine.kernel ** 2))
    if fault >= 4:
        o = machine.orders
        order = {4: o["bpfo"], 5: o["bpfi"], 6: 2 * o["bsf"]}[fault]
        when, at_rev = impacts(rng, rev, order, t)
        amp = log_uniform(rng, 0.03, 1.0) * np.ones(len(when))
        if fault == 4:  # outer race is stationary: the defect stays in the load zone
            amp *= 1 + 0.15 * rng.standard_normal(len(when))
        if fault == 5:  # the inner-race defect turns with the shaft through the load zone
            amp *= 0.15 + 0.85 * ((1 + np.cos(2 * np.pi * at_rev + rng.uniform(0, 2 * np.pi))) / 2) ** 2
        if fault == 6:  # the ball turns with the cage, and spins so it does not hit every pass
            cage = 2 * np.pi * machine.orders["ftf"] * at_rev + rng.uniform(0, 2 * np.pi)
            amp *= (0.2 + 0.8 * ((1 + np.cos(cage)) / 2) ** 2) * rng.uniform(0.5, 1.5, len(when))
        pos = (when - t[0]) * SAMPLE_RATE
        i = np.floor(pos).astype(np.int64)
        frac = pos - i
        keep = i + 1 < n
        np.add.at(excite, i[keep], amp[keep] * (1 - frac[keep]))
        np.add.at(excite, i[keep] + 1, amp[keep] * frac[keep])
    size = 1 << int(np.ceil(np.log2(n + KERNEL_SAMPLES - 1)))
    ringing = np.fft.irfft(np.fft.rfft(excite, size) * np.fft.rfft(machine.kernel, size), size)[:n]
    g = (machine.radial_w * radial + machine.axial_w * axial + mesh + ringing
         + machine.noise_g * rng.standard_normal(n))
    gain = COUNTS_PER_G * machine.sensitivity * rng.uniform(0.85, 1.15)  # mounting, temperature
    counts = np.round(g[PRE_ROLL:] * gain)
    return np.clip(counts, -32768, 32767).astype(np.int16)


def make_split(name, plan, machines, seed):
    """plan: list of (machine id, fault); clip i is drawn from its own seed, so it does not depend
    on the sizes of the other splits."""
    x = np.empty((len(plan), CLIP_SAMPLES), np.int16)
    for i, (m, fault) in enumerate(plan):
        x[i] = clip(machines[m], fault, np.random.default_rng([seed, SPLIT_CODES[name], i]))
    return x


def main():
    ap = Parser(prog="make_data.py", description=__doc__.split("\n")[0])
    ap.add_argument("outdir")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--train", type=int, default=2400, help="healthy training clips")
    ap.add_argument("--val", type=int, default=480, help="healthy held-out clips (training machines)")
    ap.add_argument("--test", type=int, default=1200, help="test clips, healthy and faulty")
    ap.add_argument("--machines", type=int, default=8, help="machines in training")
    ap.add_argument("--unseen-machines", type=int, default=4, help="machines only in the test set")
    ap.add_argument("--fault-fraction", type=float, default=0.5, help="share of faulty test clips")
    ap.add_argument("--commission", type=int, default=8, help="healthy clips per machine at installation")
    args = ap.parse_args()
    if args.seed < 0:
        ap.error("--seed must be >= 0")
    if args.machines < 1 or args.unseen_machines < 0:
        ap.error("--machines must be >= 1 and --unseen-machines >= 0")
    if min(args.train, args.val) < 1 or args.test < 2:
        ap.error("--train and --val must be >= 1, --test >= 2")
    if args.commission < 1:
        ap.error("--commission must be >= 1")
    if not 0.0 < args.fault_fraction < 1.0:
        ap.error("--fault-fraction must be between 0 and 1 (exclusive)")
    problem = check_outdir(args.outdir)
    if problem:
        ap.error(problem)

    n_mach = args.machines + args.unseen_machines
    machines = [Machine(m, args.seed) for m in range(n_mach)]
    seen = list(range(args.machines))
    unseen = list(range(args.machines, n_mach))
    plan = {"train": [(seen[i % len(seen)], 0) for i in range(args.train)],
            "val": [(seen[i % len(seen)], 0) for i in range(args.val)]}
    # Test: healthy and faulty clips, each group half on training machines, half on unseen ones;
    # the fault types take turns so that each gets an equal share.
    n_fault = int(round(args.test * args.fault_fraction))
    test = []
    for i in range(args.test):
        group = unseen if unseen and i % 2 else seen
        fault = 0 if i >= n_fault else 1 + (i // 2) % (len(FAULTS) - 1)
        test.append((group[(i // 2) % len(group)], fault))
    order = np.random.default_rng([args.seed, SPLIT_CODES["test"]]).permutation(len(test))
    plan["test"] = [test[j] for j in order]
    for name in ("val", "test"):
        in_order = sorted(set(m for m, _ in plan[name]))
        plan[name + "_commission"] = [(m, 0) for m in in_order for _ in range(args.commission)]

    arrays, counts = {}, {}
    for name in ("train", "val", "test", "val_commission", "test_commission"):
        arrays[name + "_x"] = make_split(name, plan[name], machines, args.seed)
        arrays[name + "_machine"] = np.array([m for m, _ in plan[name]], np.int64)
        y = np.array([f for _, f in plan[name]], np.int64)
        counts[name] = {FAULTS[k]: int((y == k).sum()) for k in range(len(FAULTS)) if (y == k).any()}
    arrays["test_y"] = np.array([f for _, f in plan["test"]], np.int64)
    # Val and test machine after machine, as one device after another reports them (each clip is
    # drawn from its index in the plan, so the order changes no clip).
    for name in ("val", "test"):
        by_machine = np.argsort(arrays[name + "_machine"], kind="stable")
        for key in [k for k in arrays if k.startswith(name + "_") and "commission" not in k]:
            arrays[key] = arrays[key][by_machine]
    on_unseen = np.isin(arrays["test_machine"], unseen)
    counts["test_unseen_machines"] = {FAULTS[k]: int((on_unseen & (arrays["test_y"] == k)).sum())
                                      for k in range(len(FAULTS))}

    meta = {
        "generator": "examples/machine_health/make_data.py",
        "seed": args.seed,
        "settings": {k: v for k, v in vars(args).items() if k != "outdir"},
        "sample_rate": SAMPLE_RATE, "clip_samples": CLIP_SAMPLES, "counts_per_g": COUNTS_PER_G,
        "fault_names": FAULTS,
        "files": {k: {"shape": list(a.shape), "dtype": str(a.dtype)} for k, a in arrays.items()},
        "counts": counts,
        "unseen": {"fault_types": FAULTS[1:], "machines": unseen,
                   "note": "train and val are healthy only, so every fault type is unseen in "
                           "training; test clips on the machines listed here come from machines "
                           "that are in no training or validation clip"},
        "seen_machines": seen,
        "machines": [m.describe() for m in machines],
    }
    write_outputs(args.outdir, arrays, meta)
    print(f"wrote {args.outdir}: train {args.train}, val {args.val}, test {args.test} clips "
          f"({n_fault} faulty) from {args.machines} + {args.unseen_machines} unseen machines")


if __name__ == "__main__":
    main()
