#!/usr/bin/python3
"""Wearable vital signs: 8 s windows of one ECG lead and a body-temperature channel.

The ECG is the dynamical model of McSharry et al. 2003 (ECGSYN, IEEE Trans. Biomed. Eng. 50:289):
a trajectory on a limit cycle in (x, y) whose angle sweeps Gaussian P, Q, R, S and T events that
push z, integrated with 4th-order Runge-Kutta at 500 Hz, filtered and decimated to 125 Hz. Sinus RR
intervals come from a process with Mayer-wave (0.1 Hz) and respiratory sinus arrhythmia peaks, and
the same respiration moves the baseline. Each beat's P-QRS-T runs at the rate of the preceding cycle
(so QT follows the heart rate) and the diastole absorbs the rest of the R-R interval, which lets a
premature beat arrive early without squeezing its own complex.
Rhythms:
  normal_sinus         60-100 bpm, P waves, heart-rate variability
  atrial_fibrillation  irregularly irregular RR, no P waves, fibrillatory f-waves (4.5-8 Hz)
  pvc                  sinus rhythm with premature wide QRS without P, discordant T, full
                       compensatory pause (single PVCs or bigeminy)
  sinus_tachycardia    > 100 bpm
  sinus_bradycardia    < 60 bpm
Noise: respiratory and electrode-motion baseline wander, motion artifacts, muscle (EMG) noise,
mains interference (50 or 60 Hz per subject), per-subject and per-window amplitude.
Temperature: around 36.4-37.5 C per subject, with fever episodes at random (independent of the
rhythm), slowly drifting within the window, 1/256 C sensor resolution.

Train and test come from disjoint subjects: a test subject's ECG shape, heart-rate range, HRV,
respiration and noise are never seen in training.
Writes to OUTDIR: {train,test}_x.npy float32 [N,2,1000] (channel 0 ECG in mV, channel 1
temperature - 37 C), {train,test}_y.npy int64 rhythm class, {train,test}_temp_alert.npy int64
(1 if the window's mean temperature >= 38.0 C), {train,test}_subject.npy int64, data.json.
Run: /usr/bin/python3 examples/vital_signs/make_data.py OUTDIR [--seed S] [--train N] [--test N]
     [--train-subjects K] [--test-subjects K]
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from datagen import Parser, check_outdir, write_outputs  # noqa: E402

FS = 125
WINDOW = 1000
FS_SIM = 500
WARMUP_S = 1.5  # integrated before the window so that z has forgotten its initial state
TAIL_S = 0.5  # integrated after it so that the anti-alias filter sees both sides
CLASSES = ["normal_sinus", "atrial_fibrillation", "pvc", "sinus_tachycardia", "sinus_bradycardia"]
NSR, AF, PVC, TACHY, BRADY = range(5)
HR_RANGE = {NSR: (62, 95), AF: (75, 140), PVC: (62, 95), TACHY: (106, 150), BRADY: (42, 56)}
# McSharry et al. 2003, Table 1: angle, a and b of the P, Q, R, S, T events at 60 bpm.
THETA_DEG = np.array([-70.0, -15.0, 0.0, 15.0, 100.0])
A_EVENT = np.array([1.2, -5.0, 30.0, -7.5, 0.75])
B_EVENT = np.array([0.25, 0.1, 0.1, 0.1, 0.4])
P, Q, R, S, T = range(5)
FEVER_ALERT_C = 38.0
SPLIT_CODES = {"train": 0, "test": 1, "subject": 2}


class Subject:
    """One wearer: ECG shape, ectopic focus, heart-rate habits, respiration, noise, temperature."""

    def __init__(self, sid, seed):
        rng = np.random.default_rng([seed, SPLIT_CODES["subject"], sid])
        self.id = sid
        self.theta = np.radians(THETA_DEG + rng.normal(0, [8, 3, 0, 3, 10]))
        self.a = A_EVENT * np.exp(rng.normal(0, [0.25, 0.3, 0, 0.3, 0.25]))
        self.b = B_EVENT * rng.uniform(0.85, 1.15, 5)
        # The ventricles excited from one ectopic focus: the same wide shape for every PVC.
        widen = rng.uniform(2.0, 3.0)
        spread = rng.uniform(1.6, 2.2)
        self.theta_v = self.theta * np.array([1, spread, 1, spread, rng.uniform(1.0, 1.3)])
        self.b_v = self.b * np.array([1, widen, widen, widen, rng.uniform(1.2, 1.6)])
        polarity = rng.choice([-1.0, 1.0])
        height = np.array([0.0, polarity * rng.uniform(0.3, 1.0), polarity * rng.uniform(0.8, 1.6),
                           polarity * rng.uniform(0.3, 1.0), -polarity * rng.uniform(1.5, 3.0)])
        # The height of an event is a*b^2/omega, so a wider event needs a smaller a.
        self.a_v = self.a * height * (self.b / self.b_v) ** 2
        self.r_mv = rng.uniform(0.6, 2.0)
        self.hr_pos = rng.uniform(0.15, 0.85)  # where in each rhythm's range this subject sits
        self.sdnn_rel = rng.uniform(0.02, 0.06)
        self.lf_hf = rng.uniform(0.3, 2.0)
        self.resp_hz = rng.uniform(0.15, 0.35)
        self.resp_mv = rng.uniform(0.02, 0.15)
        self.af_hz = rng.uniform(4.5, 8.0)
        self.af_cv = rng.uniform(0.12, 0.30)
        self.motion_mv = rng.uniform(0.02, 0.25)
        self.emg_mv = rng.uniform(0.003, 0.03)
        self.mains_hz = float(rng.choice([50.0, 60.0]))
        self.mains_mv = rng.uniform(0.0, 0.05)
        self.temp_c = rng.uniform(36.4, 37.2)


def gaussian(f, mu, sd):
    return np.exp(-0.5 * ((f - mu) / sd) ** 2)


def autonomic(rng, subject, t0, n):
    """n samples at 4 Hz from t0 of the McSharry RR process (unit variance: Mayer waves at 0.1 Hz
    plus the respiratory peak) and of respiration (the respiratory part alone, unit variance)."""
    size = 1024  # 256 s: a fine enough grid for spectral peaks 0.01 Hz wide
    f = np.fft.rfftfreq(size, 0.25)
    lf = np.fft.irfft(np.sqrt(subject.lf_hf * gaussian(f, 0.1, 0.01))
                      * np.exp(2j * np.pi * rng.uniform(size=f.size)), size)
    hf = np.fft.irfft(np.sqrt(gaussian(f, subject.resp_hz, 0.01))
                      * np.exp(2j * np.pi * rng.uniform(size=f.size)), size)
    start = int(rng.integers(0, size - n))
    rr = (lf + hf)[start:start + n]
    resp = hf[start:start + n]
    times = t0 + 0.25 * np.arange(n)
    return times, (rr - rr.mean()) / rr.std(), resp / hf.std()


def beats(rng, subject, cls, t0, t1, tacho_t, tacho):
    """R-peak times covering [t0, t1] and which beats are ventricular ectopic."""
    lo, hi = HR_RANGE[cls]
    hr = lo + (hi - lo) * np.clip(subject.hr_pos + 0.2 * rng.standard_normal(), 0, 1)
    mean_rr = 60.0 / hr
    if cls == AF:  # the AV node passes fibrillation impulses at random: no pattern in RR
        cv = subject.af_cv
        rr = mean_rr * np.exp(cv * rng.standard_normal(int((t1 - t0) / 0.28) + 2) - cv * cv / 2)
        r = t0 - rng.uniform(0, 1) * rr[0] + np.concatenate([[0.0], np.cumsum(np.maximum(rr, 0.28))])
        r = r[:np.searchsorted(r, t1) + 1]
    else:
        sd = subject.sdnn_rel * {TACHY: 0.4, BRADY: 1.5}.get(cls, 1.0) * mean_rr
        r = [t0 - rng.uniform(0, mean_rr)]
        while r[-1] <= t1:
            r.append(r[-1] + mean_rr + sd * np.interp(r[-1], tacho_t, tacho))
        r = np.array(r)
    ectopic = np.zeros(len(r), bool)
    if cls == PVC:
        candidates = np.where((r > 0.3) & (r < (WINDOW / FS) - 0.3))[0]
        candidates = candidates[(candidates >= 1) & (candidates + 1 < len(r))]
        if rng.uniform() < 0.2:  # bigeminy: every other beat
            chosen = candidates[int(rng.integers(0, 2))::2]
        else:
            want, chosen = int(rng.integers(1, 4)), []
            for k in rng.permutation(candidates):
                if len(chosen) < want and all(abs(k - c) > 1 for c in chosen):
                    chosen.append(k)
        for k in sorted(chosen):
            # Early by the coupling interval; the sinus node is not reset, so the next sinus beat
            # keeps its time (full compensatory pause).
            r[k] = r[k - 1] + rng.uniform(0.5, 0.7) * (r[k] - r[k - 1])
            ectopic[k] = True
    return r, ectopic


def phase_plan(r, ectopic, theta_n, b_n, theta_v, b_v, has_p):
    """Knots (time, unwrapped phase) of the trajectory angle. Beat k has its R at phase 2*pi*k; its
    P (or Q) onset to T end runs at 2*pi/RR of the preceding cycle (kept within 20 % of the mean)
    and the diastole between one T and the next P takes the rest of the R-R interval."""
    first = P if has_p else Q
    pre = np.where(ectopic, -(theta_v[Q] - 2 * b_v[Q]), -(theta_n[first] - 2 * b_n[first]))
    post = np.where(ectopic, theta_v[T] + 2 * b_v[T], theta_n[T] + 2 * b_n[T])
    intervals = np.diff(r)
    mean = intervals.mean()
    rr_ref = np.clip(np.concatenate([[mean], intervals]), 0.8 * mean, 1.2 * mean)
    omega = 2 * np.pi / rr_ref
    kt, kp = [], []
    for k in range(len(r)):
        kt.append(r[k])
        kp.append(2 * np.pi * k)
        if k + 1 == len(r):
            break
        s_ph, p_ph = post[k], pre[k + 1]
        if s_ph + p_ph > 0.9 * 2 * np.pi:  # at high rates P would run into the previous T
            s_ph, p_ph = (x * 0.9 * 2 * np.pi / (s_ph + p_ph) for x in (s_ph, p_ph))
        s, p = s_ph / omega[k], p_ph / omega[k + 1]
        room = 0.9 * intervals[k]
        if s + p > room:  # a very early PVC cuts the previous T short
            s, p = s * room / (s + p), p * room / (s + p)
        kt += [r[k] + s, r[k + 1] - p]
        kp += [2 * np.pi * k + s_ph, 2 * np.pi * (k + 1) - p_ph]
    return np.array(kt), np.array(kp)


def derivative(x, y, z, omega, theta, a, nb, base):
    """The ECGSYN equations: x' = alpha x - omega y, y' = alpha y + omega x with
    alpha = 1 - sqrt(x^2 + y^2), and z' = -sum_i a_i dth_i exp(nb_i dth_i^2) - (z - base), where
    dth_i is the angle of (x, y) from event i wrapped to [-pi, pi) and nb_i = -1 / (2 b_i^2)."""
    alpha = 1.0 - np.sqrt(x * x + y * y)
    d = np.remainder(np.arctan2(y, x)[:, None] - theta + np.pi, 2 * np.pi) - np.pi
    dz = -np.sum(a * d * np.exp(nb * d * d), axis=1) - (z - base)
    return alpha * x - omega * y, alpha * y + omega * x, dz


def integrate(theta0, omega, ectopic, morph, z0):
    """RK4 over a batch of windows. theta0 [B]: start angle; omega, ectopic [B, steps]: angular
    rate and beat type per step; morph: ((theta, a, b) of normal beats, (theta, a, b) of ectopic
    beats), each [B, 5]; z0 [B, 2*steps+1]: baseline on the half-step grid. Returns z [B, steps+1]."""
    dt = 1.0 / FS_SIM
    (th_n, a_n, b_n), (th_v, a_v, b_v) = morph
    nb_n, nb_v = -0.5 / b_n ** 2, -0.5 / b_v ** 2
    x, y, z = np.cos(theta0), np.sin(theta0), z0[:, 0].copy()
    out = np.empty((len(theta0), omega.shape[1] + 1))
    out[:, 0] = z
    for s in range(omega.shape[1]):
        m = ectopic[:, s, None]
        ev = (omega[:, s], np.where(m, th_v, th_n), np.where(m, a_v, a_n), np.where(m, nb_v, nb_n))
        h = dt / 2
        k1 = derivative(x, y, z, *ev, z0[:, 2 * s])
        k2 = derivative(x + h * k1[0], y + h * k1[1], z + h * k1[2], *ev, z0[:, 2 * s + 1])
        k3 = derivative(x + h * k2[0], y + h * k2[1], z + h * k2[2], *ev, z0[:, 2 * s + 1])
        k4 = derivative(x + dt * k3[0], y + dt * k3[1], z + dt * k3[2], *ev, z0[:, 2 * s + 2])
        x = x + dt / 6 * (k1[0] + 2 * k2[0] + 2 * k3[0] + k4[0])
        y = y + dt / 6 * (k1[1] + 2 * k2[1] + 2 * k3[1] + k4[1])
        z = z + dt / 6 * (k1[2] + 2 * k2[2] + 2 * k3[2] + k4[2])
        out[:, s + 1] = z
    return out


def anti_alias_decimate(z, first):
    """Low-pass at 45 Hz (101-tap Hamming-windowed sinc, as an ADC front end would) and keep every
    4th sample from index first: 500 Hz -> 125 Hz."""
    taps = 101
    n = np.arange(taps) - taps // 2
    h = 2 * 45.0 / FS_SIM * np.sinc(2 * 45.0 / FS_SIM * n) * np.hamming(taps)
    h /= h.sum()
    size = 1 << int(np.ceil(np.log2(z.shape[1] + taps - 1)))
    full = np.fft.irfft(np.fft.rfft(z, size, axis=1) * np.fft.rfft(h, size), size, axis=1)
    step = FS_SIM // FS
    return full[:, first + taps // 2:first + taps // 2 + WINDOW * step:step]


def band_noise(rng, n, lo, hi):
    """Unit-variance Gaussian noise band-limited to [lo, hi] Hz at FS."""
    f = np.fft.rfftfreq(n, 1.0 / FS)
    spec = (rng.standard_normal(f.size) + 1j * rng.standard_normal(f.size)) * ((f >= lo) & (f <= hi))
    x = np.fft.irfft(spec, n)
    return x / x.std()


def sine(rng, t, lo_hz, hi_hz):
    """A sinusoid of random frequency in [lo_hz, hi_hz] and random phase."""
    return np.sin(2 * np.pi * rng.uniform(lo_hz, hi_hz) * t + rng.uniform(0, 2 * np.pi))


def noise(rng, subject, t):
    """What the electrodes add to the heart's signal, in mV."""
    n = len(t)
    wander = sum(rng.uniform(0.3, 1.0) * sine(rng, t, 0.05, 0.5) for _ in range(3))
    out = subject.motion_mv * rng.uniform(0.5, 1.5) * wander / 2.0
    if rng.uniform() < 0.25:  # a motion artifact: the electrode shifts on the skin
        env = np.exp(-0.5 * ((t - rng.uniform(0, t[-1])) / rng.uniform(0.2, 0.8)) ** 2)
        out += rng.uniform(0.1, 0.8) * env * band_noise(rng, n, 0.5, 8.0)
    emg_env = 1.0
    if rng.uniform() < 0.3:  # a muscle burst
        emg_env = 1 + 3 * np.exp(-0.5 * ((t - rng.uniform(0, t[-1])) / rng.uniform(0.3, 1.5)) ** 2)
    out += subject.emg_mv * rng.uniform(0.5, 1.5) * emg_env * band_noise(rng, n, 20.0, 60.0)
    mains_hz = subject.mains_hz + 0.02 * rng.standard_normal()  # the grid frequency wanders
    mains = np.sin(2 * np.pi * mains_hz * t + rng.uniform(0, 2 * np.pi))
    out += subject.mains_mv * rng.uniform(0.3, 1.0) * mains
    return out


def f_waves(rng, subject, t):
    """Fibrillatory waves: atrial activity near the subject's fibrillation rate whose frequency and
    amplitude wander."""
    freq = subject.af_hz * (1 + 0.08 * sine(rng, t, 0.1, 0.3))
    ph = 2 * np.pi * np.cumsum(freq) / FS + rng.uniform(0, 2 * np.pi)
    amp = rng.uniform(0.03, 0.15) * (1 + 0.4 * sine(rng, t, 0.1, 0.5))
    return amp * (np.sin(ph) + 0.3 * np.sin(2 * ph + rng.uniform(0, 2 * np.pi)))


def temperature(rng, subject, t):
    """Body temperature over the window in C; fever comes and goes whatever the heart does."""
    if rng.uniform() < 0.2:
        level = rng.uniform(37.6, 40.0)
    else:
        level = subject.temp_c + rng.uniform(-0.3, 0.3)  # time of day, activity, ambient
    temp = level + rng.normal(0, 0.02) * (t / t[-1] - 0.5) + rng.normal(0, 0.01, len(t))
    return np.round(temp * 256) / 256


def make_split(name, plan, subjects, seed, batch=500):
    """plan: list of (subject id, class). Window i is drawn from its own seed."""
    n_sim = int(round((WARMUP_S + WINDOW / FS + TAIL_S) * FS_SIM))
    t_sim = -WARMUP_S + np.arange(n_sim) / FS_SIM
    t_half = -WARMUP_S + np.arange(2 * n_sim - 1) / (2 * FS_SIM)
    t_out = np.arange(WINDOW) / FS
    x = np.empty((len(plan), 2, WINDOW), np.float32)
    for b0 in range(0, len(plan), batch):
        rows = plan[b0:b0 + batch]
        omega = np.empty((len(rows), n_sim - 1))
        ectopic = np.empty((len(rows), n_sim - 1), bool)
        z0 = np.empty((len(rows), 2 * n_sim - 1))
        theta0 = np.empty(len(rows))
        morph = np.empty((2, 3, len(rows), 5))
        gain = np.empty(len(rows))
        rngs = []
        for j, (sid, cls) in enumerate(rows):
            rng = np.random.default_rng([seed, SPLIT_CODES[name], b0 + j])
            rngs.append(rng)
            sub = subjects[sid]
            lo_t, hi_t = t_sim[0] - 2.0, t_sim[-1] + 2.0
            tacho_t, tacho, resp = autonomic(rng, sub, lo_t, int((hi_t - lo_t) * 4) + 2)
            r, ect = beats(rng, sub, cls, lo_t + 0.5, hi_t - 0.5, tacho_t, tacho)
            # ECGSYN's rate scaling: events narrow in time (widen in angle) as the heart speeds up.
            hrfact = np.sqrt(1.0 / np.diff(r).mean())  # sqrt(heart rate / 60 bpm)
            scale = np.array([np.sqrt(hrfact), hrfact, 1.0, hrfact, np.sqrt(hrfact)])
            a_n = sub.a.copy()
            if cls == AF:
                a_n[P] = 0.0  # no organised atrial depolarisation
            normal = sub.theta * scale, a_n, sub.b * hrfact
            ventricular = sub.theta_v * scale, sub.a_v, sub.b_v * hrfact
            morph[0, :, j], morph[1, :, j] = normal, ventricular
            kt, kp = phase_plan(r, ect, normal[0], normal[2], ventricular[0], ventricular[2], cls != AF)
            theta = np.interp(t_sim, kt, kp)
            omega[j] = np.diff(theta) * FS_SIM
            ectopic[j] = ect[np.rint(theta[:-1] / (2 * np.pi)).astype(np.int64)]
            theta0[j] = theta[0]
            # z is in model units; this gain makes the subject's R wave about r_mv at any rate.
            gain[j] = sub.r_mv / (sub.a[R] * sub.b[R] ** 2 / (2 * np.pi)) * rng.uniform(0.85, 1.15)
            z0[j] = sub.resp_mv / gain[j] * np.interp(t_half, tacho_t, resp)
        z = integrate(theta0, omega, ectopic, [tuple(m) for m in morph], z0)
        ecg = anti_alias_decimate(z, int(round(WARMUP_S * FS_SIM))) * gain[:, None]
        for j, (sid, cls) in enumerate(rows):
            sig = ecg[j] + noise(rngs[j], subjects[sid], t_out)
            if cls == AF:
                sig += f_waves(rngs[j], subjects[sid], t_out)
            x[b0 + j, 0] = sig
            x[b0 + j, 1] = temperature(rngs[j], subjects[sid], t_out) - 37.0
    return x


def main():
    ap = Parser(prog="make_data.py", description=__doc__.split("\n")[0])
    ap.add_argument("outdir")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--train", type=int, default=4000, help="training windows")
    ap.add_argument("--test", type=int, default=1000, help="test windows")
    ap.add_argument("--train-subjects", type=int, default=48)
    ap.add_argument("--test-subjects", type=int, default=16)
    args = ap.parse_args()
    if args.seed < 0:
        ap.error("--seed must be >= 0")
    if args.train < 1 or args.test < 1:
        ap.error("--train and --test must be >= 1")
    if args.train_subjects < 1 or args.test_subjects < 1:
        ap.error("--train-subjects and --test-subjects must be >= 1")
    problem = check_outdir(args.outdir)
    if problem:
        ap.error(problem)

    ids = {"train": list(range(args.train_subjects)),
           "test": list(range(args.train_subjects, args.train_subjects + args.test_subjects))}
    subjects = {s: Subject(s, args.seed) for group in ids.values() for s in group}
    arrays, counts = {}, {}
    for name, n in (("train", args.train), ("test", args.test)):
        # Classes take turns, so they are balanced; each subject gets runs of all five rhythms.
        plan = [(ids[name][(i // len(CLASSES)) % len(ids[name])], i % len(CLASSES)) for i in range(n)]
        order = np.random.default_rng([args.seed, SPLIT_CODES[name]]).permutation(n)
        plan = [plan[k] for k in order]
        x = make_split(name, plan, subjects, args.seed)
        y = np.array([c for _, c in plan], np.int64)
        alert = (x[:, 1].mean(axis=1) + 37.0 >= FEVER_ALERT_C).astype(np.int64)
        arrays.update({name + "_x": x, name + "_y": y, name + "_temp_alert": alert,
                       name + "_subject": np.array([s for s, _ in plan], np.int64)})
        counts[name] = {"rhythm": {c: int((y == k).sum()) for k, c in enumerate(CLASSES)},
                        "temp_alert": int(alert.sum()), "subjects": len(ids[name])}

    meta = {
        "generator": "examples/vital_signs/make_data.py",
        "seed": args.seed,
        "settings": {k: v for k, v in vars(args).items() if k != "outdir"},
        "sample_rate": FS, "window_samples": WINDOW,
        "channels": ["ecg_mV", "temperature_minus_37C"],
        "class_names": CLASSES,
        "heart_rate_bpm": {CLASSES[k]: list(v) for k, v in HR_RANGE.items()},
        "temp_alert_threshold_c": FEVER_ALERT_C,
        "files": {k: {"shape": list(a.shape), "dtype": str(a.dtype)} for k, a in arrays.items()},
        "counts": counts,
        "subjects": ids,
        "held_out": "train and test come from disjoint subjects (ECG shape, ectopic focus, "
                    "heart-rate range, HRV, respiration, noise and temperature baseline)",
    }
    write_outputs(args.outdir, arrays, meta)
    print(f"wrote {args.outdir}: train {args.train} windows ({args.train_subjects} subjects), "
          f"test {args.test} windows ({args.test_subjects} subjects)")


if __name__ == "__main__":
    main()
