#!/usr/bin/env python3
"""Keyword-spotting data: one-second clips of spoken words, synthesized with espeak-ng.

Writes OUTDIR/train/<label>/*.wav and OUTDIR/test/<label>/*.wav (16 kHz mono 16-bit, the layout
of Google's Speech Commands, so that real recordings can replace them), OUTDIR/stream.wav (the
ten keywords and two other words in a row, with noise between them) with OUTDIR/stream.json (when
each word is spoken) and OUTDIR/data.json (labels, counts, voices, settings).

The twelve labels are the Speech Commands benchmark's: ten keywords, _silence_ (background
noise only) and _unknown_ (other words). Every utterance takes a random speed and pitch; it is
placed at a random time in its clip, with one of several kinds of background noise
at a random signal-to-noise ratio. The test set is spoken by voices that training never hears:
one accent and three voice variants are held out entirely.

    /usr/bin/python3 make_data.py OUTDIR [--per-voice K] [--seed S] [--jobs J]
"""
import argparse
import io
import json
import multiprocessing
import os
import shutil
import subprocess
import sys
import tempfile
import wave

import numpy as np

RATE = 16000
KEYWORDS = ["yes", "no", "up", "down", "left", "right", "on", "off", "stop", "go"]
UNKNOWN_WORDS = ["bed", "bird", "cat", "dog", "eight", "five", "four", "happy", "house", "marvin", "nine", "one",
                 "seven", "sheila", "six", "three", "tree", "two", "wow", "zero", "learn", "follow", "forward",
                 "visual", "backward"]
LABELS = KEYWORDS + ["_silence_", "_unknown_"]
ACCENTS = ["en", "en-us", "en-gb-scotland", "en-gb-x-rp", "en-gb-x-gbclan", "en-029", "en-us-nyc", "en-gb-x-gbcwmd"]
VARIANTS = ["m1", "m2", "m3", "m4", "m5", "m6", "m7", "f1", "f2", "f3", "f4", "f5", "klatt", "klatt2", "klatt3", "croak"]
HELD_OUT_ACCENTS = {"en-gb-x-gbcwmd"}
HELD_OUT_VARIANTS = {"m6", "f4", "klatt3"}
NOISES = ["white", "pink", "brown", "hum", "fan", "babble"]


def fail(msg):
    print(f"make_data.py: error: {msg}", file=sys.stderr)
    sys.exit(1)


def voices(test):
    """The accent+variant voices of one split: test voices have a held-out accent or variant."""
    return [f"{a}+{v}" for a in ACCENTS for v in VARIANTS
            if ((a in HELD_OUT_ACCENTS) or (v in HELD_OUT_VARIANTS)) == test]


def speak(word, voice, rng):
    """The word spoken by espeak-ng at a random speed and pitch, as float at 16 kHz."""
    cmd = ["espeak-ng", "-v", voice, "-s", str(rng.integers(110, 221)), "-p", str(rng.integers(15, 86)), "--stdout", word]
    out = subprocess.run(cmd, capture_output=True, check=True).stdout
    with wave.open(io.BytesIO(out)) as w:
        rate = w.getframerate()
        x = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float64) / 32768.0
    # Band-limited resampling: keep the spectrum below the new Nyquist frequency.
    n = int(round(len(x) * RATE / rate))
    x = np.fft.irfft(np.fft.rfft(x)[: n // 2 + 1], n) * (n / len(x))
    # Trim the silence espeak-ng leaves around the word (10 ms kept on each side).
    loud = np.nonzero(np.abs(x) > 0.02 * np.max(np.abs(x)))[0]
    pad = RATE // 100
    return x[max(0, loud[0] - pad): loud[-1] + pad]


def noise(kind, n, rng):
    """n samples of one kind of background noise, unit RMS."""
    white = rng.standard_normal(n)
    f = np.fft.rfftfreq(n, 1.0 / RATE)
    f[0] = f[1]
    if kind == "white":
        x = white
    elif kind in ("pink", "brown"):
        x = np.fft.irfft(np.fft.rfft(white) / (np.sqrt(f) if kind == "pink" else f), n)
    elif kind == "hum":  # mains hum and its harmonics, with a little hiss
        base = rng.choice([50.0, 60.0])
        t = np.arange(n) / RATE
        x = sum(np.sin(2 * np.pi * base * k * t + rng.uniform(0, 6.3)) / k for k in range(1, 8)) + 0.05 * white
    elif kind == "fan":  # broadband air noise with a blade tone
        shaped = np.fft.rfft(white) / (1.0 + (f / rng.uniform(300, 1500)) ** 2)
        t = np.arange(n) / RATE
        x = np.fft.irfft(shaped, n) + 0.3 * np.sin(2 * np.pi * rng.uniform(80, 300) * t)
    else:  # babble: speech-shaped noise modulated at syllable rate
        shaped = np.fft.rfft(white) * np.exp(-(((f - 500.0) / 700.0) ** 2))
        t = np.arange(n) / RATE
        x = np.fft.irfft(shaped, n) * (1.2 + np.sin(2 * np.pi * rng.uniform(3, 6) * t))
    return x / (np.sqrt(np.mean(x ** 2)) + 1e-12)


def db(v):
    return 10.0 ** (v / 20.0)


def to_int16(x):
    return np.clip(np.round(x * 32767.0), -32768, 32767).astype("<i2")


def clip_of(task):
    """One clip: (label, speech placed in one second, with noise)."""
    label, word, voice, seed = task
    rng = np.random.default_rng(seed)
    bg = noise(NOISES[rng.integers(len(NOISES))], RATE, rng)
    if label == "_silence_":
        return to_int16(bg * db(rng.uniform(-65, -25)))
    s = speak(word, voice, rng)
    if len(s) > RATE:  # a slow utterance: keep its middle second
        start = (len(s) - RATE) // 2
        s = s[start: start + RATE]
    x = np.zeros(RATE)
    at = rng.integers(0, RATE - len(s) + 1)
    x[at: at + len(s)] = s
    x *= db(rng.uniform(-20, -1)) / np.max(np.abs(x))  # peak level of the speaker
    rms = np.sqrt(np.mean(s ** 2)) * db(rng.uniform(-20, -1)) / np.max(np.abs(s))
    if rng.uniform() > 0.15:  # most clips are not clean
        x += bg * rms * db(-rng.uniform(5, 30))
    return to_int16(x)


def write_wav(path, samples):
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(samples.tobytes())


def tasks(split, per_voice, rng):
    """(label, word, voice, seed) for every clip of a split."""
    vs = voices(split == "test")
    out = []
    for label in LABELS:
        for v in vs:
            for _ in range(per_voice):
                word = label if label in KEYWORDS else str(rng.choice(UNKNOWN_WORDS))
                out.append((label, word, v, int(rng.integers(1 << 62))))
    return out


def stream(rng):
    """About 20 s: the ten keywords and two unknown words by held-out voices, noise between."""
    vs = voices(True)
    words = list(rng.permutation(KEYWORDS))
    for _ in range(2):
        words.insert(int(rng.integers(1, len(words))), str(rng.choice(UNKNOWN_WORDS)))
    kind = NOISES[rng.integers(len(NOISES))]
    parts, marks, t = [], [], 0
    gap = lambda: int(rng.uniform(0.6, 1.2) * RATE)
    t = gap()
    parts.append(np.zeros(t))
    for w in words:
        s = speak(w, str(rng.choice(vs)), rng)
        s *= db(rng.uniform(-12, -3)) / np.max(np.abs(s))
        marks.append({"word": w, "keyword": w in KEYWORDS, "start_s": round(t / RATE, 3),
                      "end_s": round((t + len(s)) / RATE, 3)})
        g = gap()
        parts += [s, np.zeros(g)]
        t += len(s) + g
    x = np.concatenate(parts)
    x += noise(kind, len(x), rng) * db(-45)
    return to_int16(x), marks, kind


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("outdir")
    ap.add_argument("--per-voice", type=int, default=3, help="training clips per label and voice (test: half as many)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    a = ap.parse_args()
    if a.per_voice < 1:
        fail(f"--per-voice {a.per_voice}: must be at least 1")
    if a.jobs < 1:
        fail(f"--jobs {a.jobs}: must be at least 1")
    if shutil.which("espeak-ng") is None:
        fail("espeak-ng is not installed (apt install espeak-ng)")
    out = os.path.abspath(a.outdir)
    if os.path.exists(out) and not os.path.exists(os.path.join(out, "data.json")):
        fail(f"{out} exists and holds no earlier data set; not replacing it")
    rng = np.random.default_rng(a.seed)
    splits = {"train": tasks("train", a.per_voice, rng), "test": tasks("test", max(1, (a.per_voice + 1) // 2), rng)}
    parent = os.path.dirname(out) or "."
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=".kws-", dir=parent)
    try:
        counts = {}
        with multiprocessing.Pool(a.jobs) as pool:
            for split, ts in splits.items():
                clips = pool.map(clip_of, ts, chunksize=16)
                counts[split] = {}
                for (label, _, _, _), x in zip(ts, clips):
                    d = os.path.join(tmp, split, label)
                    os.makedirs(d, exist_ok=True)
                    k = counts[split].get(label, 0)
                    write_wav(os.path.join(d, f"{k:05d}.wav"), x)
                    counts[split][label] = k + 1
                print(f"{split}: {len(ts)} clips, {len(voices(split == 'test'))} voices, "
                      f"{min(counts[split].values())}-{max(counts[split].values())} per label")
        x, marks, kind = stream(rng)
        write_wav(os.path.join(tmp, "stream.wav"), x)
        with open(os.path.join(tmp, "stream.json"), "w") as f:
            json.dump({"noise": kind, "words": marks}, f, indent=1)
        print(f"stream: {len(x) / RATE:.1f} s, {len(marks)} words ({sum(m['keyword'] for m in marks)} keywords)")
        meta = {"labels": LABELS, "sample_rate": RATE, "seed": a.seed, "per_voice": a.per_voice, "counts": counts,
                "voices": {"train": voices(False), "test": voices(True)}, "unknown_words": UNKNOWN_WORDS,
                "noises": NOISES, "held_out": {"accents": sorted(HELD_OUT_ACCENTS), "variants": sorted(HELD_OUT_VARIANTS)}}
        with open(os.path.join(tmp, "data.json"), "w") as f:
            json.dump(meta, f, indent=1)
        if os.path.exists(out):
            shutil.rmtree(out)
        os.rename(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


if __name__ == "__main__":
    main()
