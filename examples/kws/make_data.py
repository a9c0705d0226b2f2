#!/usr/bin/python3
"""Generates a keyword-spotting data set with espeak-ng in the layout of Google Speech Commands.

Real recordings can be dropped in next to (or instead of) the synthetic ones:

  OUTDIR/train/<label>/NNNNN.wav   1 s, 16 kHz, mono, 16-bit PCM
  OUTDIR/test/<label>/NNNNN.wav    same, spoken by voices never used in train
  OUTDIR/stream.wav, stream.json   ~20 s recording of all 10 keywords and 1-2 other words in
                                   background noise; the json gives the noise and, per word,
                                   {word, keyword (true/false), start_s, end_s}
  OUTDIR/data.json                 labels, counts, voices, seed and settings

Labels: the 10 Speech Commands keywords, _silence_ (background noise only) and _unknown_ (other
words). A voice is an espeak-ng accent plus a variant ("en-us+f3"). The test split holds out one
accent and some variants entirely, so it measures a condition the model was not trained on.
Every clip is seeded from (seed, split, label, index): the same seed gives the same bytes for any
--jobs.

Run: /usr/bin/python3 examples/kws/make_data.py OUTDIR [--per-class-voice K] [--seed S] [--jobs J]
"""
import argparse
import json
import multiprocessing
import os
import shutil
import subprocess
import sys
import tempfile
import wave

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from datagen import Parser, check_outdir  # noqa: E402

SR = 16000
ESPEAK_SR = 22050
CLIP = SR  # samples in one clip (1 s)

KEYWORDS = ["yes", "no", "up", "down", "left", "right", "on", "off", "stop", "go"]
SILENCE, UNKNOWN = "_silence_", "_unknown_"
LABELS = KEYWORDS + [SILENCE, UNKNOWN]
# The Speech Commands v2 auxiliary words plus a few more, some close to keywords on purpose.
UNKNOWN_WORDS = ["bed", "bird", "cat", "dog", "eight", "five", "four", "happy", "house", "marvin",
                 "nine", "one", "seven", "sheila", "six", "three", "tree", "two", "wow", "zero",
                 "backward", "forward", "follow", "learn", "visual", "hello", "light", "music",
                 "water", "kitchen"]
# _unknown_ spans 30 words against one word per keyword: training hears it this many times as
# often as a keyword (per voice), as Speech Commands' training set holds more auxiliary words
# than any keyword. The test set stays balanced.
UNKNOWN_TRAIN_FACTOR = 3
# Babble talkers say sentences of these; none is a keyword or an unknown word.
BABBLE_WORDS = ["the", "and", "people", "morning", "about", "think", "really", "because",
                "little", "number", "maybe", "there", "would", "could", "every", "world", "after",
                "answer", "market", "problem", "table", "garden", "picture", "together", "money",
                "family", "question", "station", "weather", "sometimes", "important", "evening",
                "children", "minute", "letter", "paper", "city", "something", "nothing", "coffee"]

# "en" is British English; "en-gb+variant" would silently ignore the variant in espeak-ng 1.51.
ACCENTS = ["en", "en-us", "en-gb-scotland", "en-gb-x-rp", "en-gb-x-gbclan", "en-gb-x-gbcwmd",
           "en-029", "en-us-nyc"]
VARIANTS = ["m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8", "f1", "f2", "f3", "f4", "f5",
            "klatt", "klatt2", "klatt3", "klatt4", "croak", "whisper", "belinda", "edward", "steph",
            "robert", "grandma"]
TEST_ACCENT = "en-029"
TEST_VARIANTS = ["m3", "m7", "f2", "klatt4", "steph", "robert"]

TRAIN_VOICES = [f"{a}+{v}" for a in ACCENTS if a != TEST_ACCENT
                for v in VARIANTS if v not in TEST_VARIANTS]
# The held-out accent speaks every trained variant; each held-out variant gets its own accent,
# starting with the held-out one, so the test split has both kinds of shift and one with both.
_TEST_ACCENT_ORDER = [TEST_ACCENT] + [a for a in ACCENTS if a != TEST_ACCENT]
TEST_VOICES = ([f"{TEST_ACCENT}+{v}" for v in VARIANTS if v not in TEST_VARIANTS] +
               [f"{_TEST_ACCENT_ORDER[i % len(ACCENTS)]}+{v}" for i, v in enumerate(TEST_VARIANTS)])
SPLITS = {"train": TRAIN_VOICES, "test": TEST_VOICES}

SPEED_WPM = (110, 220)
PITCH = (20, 80)              # espeak-ng -p, 0..99
PITCH_RANGE_PERCENT = (40, 200)  # SSML prosody range; the 1.51 command line has no option for it
AMPLITUDE = (40, 80)          # espeak-ng -a; the klatt voices clip inside espeak-ng above ~90
SPEECH_RMS_DBFS = (-34.0, -18.0)  # speech peaks ~16 dB above its RMS: few clips clip
SNR_DB = (5.0, 30.0)
BABBLE_MIN_SNR_DB = 10.0      # louder babble would be intelligible speech, not background
CLEAN_FRACTION = 0.1          # clips with no added noise (only the dither of the int16 rounding)
SILENCE_RMS_DBFS = (-75.0, -25.0)
NOISE_KINDS = ["white", "pink", "brown", "hum", "fan", "babble"]
BABBLE_SENTENCES = 64         # per split; a babble clip mixes 3-6 of them
TRIM_DB = 40.0                # speech ends where 10 ms frames fall this far below the loudest


def db(x):
    return 10.0 ** (x / 20.0)


def rms(x):
    return float(np.sqrt(np.mean(np.square(x)))) if len(x) else 0.0


def resample_to_16k(x):
    """Band-limited 22050 -> 16000 Hz (ratio 320/441) resampling in the frequency domain: pads to
    a multiple of 441 input samples so both lengths share one bin spacing, keeps the spectrum
    below 8 kHz with a raised-cosine roll-off from 7.2 kHz (no brick wall, so little ringing)."""
    n_in = len(x)
    m = -(-n_in // 441) * 441
    p = m // 441 * 320
    spec = np.fft.rfft(x, m)[:p // 2 + 1]
    f = np.fft.rfftfreq(p, 1.0 / SR)
    spec *= 0.5 * (1.0 + np.cos(np.pi * np.clip((f - 7200.0) / 800.0, 0.0, 1.0)))
    y = np.fft.irfft(spec, p) * (p / m)
    return y[:round(n_in * 320 / 441)]


def speak(text, voice, rng):
    """Synthesizes text with random pitch, speed, amplitude and pitch range; returns float 16 kHz
    audio in [-1, 1]."""
    pitch = int(rng.integers(PITCH[0], PITCH[1] + 1))
    speed = int(rng.integers(SPEED_WPM[0], SPEED_WPM[1] + 1))
    amp = int(rng.integers(AMPLITUDE[0], AMPLITUDE[1] + 1))
    prange = int(rng.integers(PITCH_RANGE_PERCENT[0], PITCH_RANGE_PERCENT[1] + 1))
    cmd = ["espeak-ng", "--stdout", "-m", "-v", voice, "-p", str(pitch), "-s", str(speed),
           "-a", str(amp), f'<prosody range="{prange}%">{text}</prosody>']
    r = subprocess.run(cmd, capture_output=True)
    out = r.stdout
    # --stdout streams, so the RIFF sizes are placeholders: read up to the end instead.
    data = out.find(b"data", 12)
    if (r.returncode != 0 or out[:4] != b"RIFF" or data < 0 or
            int.from_bytes(out[24:28], "little") != ESPEAK_SR):
        msg = r.stderr.decode(errors="replace").strip().splitlines()
        raise RuntimeError(f"espeak-ng -v {voice} '{text}' failed: {msg[-1] if msg else 'no WAV'}")
    pcm = out[data + 8:]
    x = np.frombuffer(pcm[:len(pcm) // 2 * 2], dtype="<i2").astype(np.float64) / 32768.0
    if not np.any(x):
        raise RuntimeError(f"espeak-ng -v {voice} '{text}' gave no sound")
    return resample_to_16k(x)


def trim(x):
    """Cuts leading and trailing silence of non-silent audio, keeping one 10 ms frame of margin
    on each side."""
    hop = SR // 100
    frames = np.pad(x, (0, -len(x) % hop)).reshape(-1, hop)
    level = np.sqrt(np.mean(np.square(frames), axis=1))
    loud = np.flatnonzero(level >= level.max() * db(-TRIM_DB))
    return x[max(loud[0] - 1, 0) * hop:(loud[-1] + 2) * hop]


def shaped_noise(rng, n, gain):
    """Gaussian noise with amplitude response gain(f_hz), unit RMS."""
    f = np.fft.rfftfreq(n, 1.0 / SR)
    y = np.fft.irfft(np.fft.rfft(rng.standard_normal(n)) * gain(f), n)
    return y / rms(y)


def hum(rng, n):
    """Mains hum: 50 or 60 Hz with decaying random harmonics over a faint pink floor."""
    t = np.arange(n) / SR
    f0 = (50.0 if rng.random() < 0.5 else 60.0) * (1.0 + rng.uniform(-0.002, 0.002))
    y = sum(rng.uniform(0.2, 1.0) / k * np.sin(2 * np.pi * k * f0 * t + rng.uniform(0, 2 * np.pi))
            for k in range(1, 11))
    y = y / rms(y) + 0.1 * shaped_noise(rng, n, lambda f: 1.0 / np.sqrt(np.maximum(f, 20.0)))
    return y / rms(y)


def fan(rng, n):
    """Fan: low-passed rumble, a blade-pass tone, some air hiss, slow amplitude wobble."""
    fc = rng.uniform(150.0, 600.0)
    y = shaped_noise(rng, n, lambda f: 1.0 / np.sqrt(1.0 + (f / fc) ** 4) + 0.03)
    t = np.arange(n) / SR
    y += 0.2 * np.sqrt(2) * np.sin(2 * np.pi * rng.uniform(80.0, 250.0) * t)
    y *= 1.0 + 0.2 * np.sin(2 * np.pi * rng.uniform(0.5, 4.0) * t + rng.uniform(0, 2 * np.pi))
    return y / rms(y)


def babble_sentence(task):
    """One sentence of a babble talker, a random voice of the split, unit RMS."""
    seed, split, index = task
    rng = np.random.default_rng([seed, list(SPLITS).index(split), len(LABELS), index])
    words = [BABBLE_WORDS[i] for i in rng.integers(0, len(BABBLE_WORDS), rng.integers(4, 9))]
    voices = SPLITS[split]
    s = trim(speak(" ".join(words), voices[rng.integers(len(voices))], rng))
    return (s / max(rms(s), 1e-9)).astype(np.float32)


# Babble sentences per split, synthesized once and handed to every worker: synthesizing talkers
# per clip would cost more than all the words of the data set.
BABBLE = {}


def set_babble(sentences):
    BABBLE.update(sentences)


def babble(rng, n, split):
    """Three to six talkers, each a run of random sentences of the split starting at a random
    point."""
    bank = BABBLE[split]
    y = np.zeros(n)
    for _ in range(int(rng.integers(3, 7))):
        start = int(rng.integers(0, SR))
        talk = []
        while sum(map(len, talk)) < n + start:
            talk.append(bank[rng.integers(len(bank))])
        y += rng.uniform(0.5, 1.0) * np.concatenate(talk)[start:start + n]
    return y / rms(y)


def noise(kind, rng, n, split):
    """Unit-RMS background noise of one kind; babble talkers are voices of the split."""
    if kind == "white":
        return shaped_noise(rng, n, lambda f: np.ones_like(f))
    if kind == "pink":
        return shaped_noise(rng, n, lambda f: 1.0 / np.sqrt(np.maximum(f, 20.0)))
    if kind == "brown":
        return shaped_noise(rng, n, lambda f: 1.0 / np.maximum(f, 20.0))
    if kind == "hum":
        return hum(rng, n)
    if kind == "fan":
        return fan(rng, n)
    return babble(rng, n, split)


def write_wav(path, x, rng):
    """Writes 16-bit PCM with TPDF dither; returns how many samples had to be clipped."""
    v = np.round(x * 32767.0 + rng.uniform(-0.5, 0.5, len(x)) + rng.uniform(-0.5, 0.5, len(x)))
    clipped = int(np.count_nonzero(np.abs(v) > 32767))
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SR)
        w.writeframes(np.clip(v, -32767, 32767).astype("<i2").tobytes())
    return clipped


def make_clip(task):
    """Renders one 1 s clip to its file; returns (label, speech seconds or None, truncated,
    clipped samples)."""
    path, seed, split, label, index, voice = task
    rng = np.random.default_rng([seed, list(SPLITS).index(split), LABELS.index(label), index])
    kind = NOISE_KINDS[rng.integers(len(NOISE_KINDS))]
    if label == SILENCE:
        clip = noise(kind, rng, CLIP, split) * db(rng.uniform(*SILENCE_RMS_DBFS))
        return label, None, False, write_wav(path, clip, rng)
    word = label if label != UNKNOWN else UNKNOWN_WORDS[rng.integers(len(UNKNOWN_WORDS))]
    s = trim(speak(word, voice, rng))
    truncated = len(s) > CLIP
    if truncated:  # keep the onset, fade out the cut over 10 ms so it does not click
        s = s[:CLIP] * np.concatenate([np.ones(CLIP - 160), np.linspace(1.0, 0.0, 160)])
    s *= db(rng.uniform(*SPEECH_RMS_DBFS)) / max(rms(s), 1e-9)
    clip = np.zeros(CLIP)
    offset = int(rng.integers(0, CLIP - len(s) + 1))
    clip[offset:offset + len(s)] = s
    if rng.random() >= CLEAN_FRACTION:
        lo = BABBLE_MIN_SNR_DB if kind == "babble" else SNR_DB[0]
        clip += noise(kind, rng, CLIP, split) * rms(s) / db(rng.uniform(lo, SNR_DB[1]))
    return label, len(s) / SR, truncated, write_wav(path, clip, rng)


def make_stream(path, seed):
    """Writes stream.wav: the 10 keywords once each in random order plus 1-2 unknown words, all
    from test voices, 0.6-1.2 s of noise between words. Returns (words with their times,
    seconds, noise kind)."""
    rng = np.random.default_rng([seed, len(SPLITS)])
    words = [KEYWORDS[i] for i in rng.permutation(len(KEYWORDS))]
    for _ in range(int(rng.integers(1, 3))):
        unknown = UNKNOWN_WORDS[rng.integers(len(UNKNOWN_WORDS))]
        words.insert(int(rng.integers(0, len(words) + 1)), unknown)
    # A detector needs a full 1 s window before its first decision, and the last word must stay
    # in the window for a while after it ends: longer noise at both ends.
    pos = int(rng.uniform(1.0, 1.5) * SR)
    pieces, marks, levels = [], [], []
    for i, w in enumerate(words):
        s = trim(speak(w, TEST_VOICES[rng.integers(len(TEST_VOICES))], rng))
        s *= db(rng.uniform(-28.0, -18.0)) / max(rms(s), 1e-9)
        pieces.append((pos, s))
        marks.append({"word": w, "keyword": w in KEYWORDS, "start_s": round(pos / SR, 3),
                      "end_s": round((pos + len(s)) / SR, 3)})
        levels.append(rms(s))
        pause = rng.uniform(0.6, 1.2) if i + 1 < len(words) else rng.uniform(1.5, 2.0)
        pos += len(s) + int(pause * SR)
    y = np.zeros(pos)
    for start, s in pieces:
        y[start:start + len(s)] = s
    kind = NOISE_KINDS[rng.integers(len(NOISE_KINDS))]
    y += noise(kind, rng, pos, "test") * np.mean(levels) / db(rng.uniform(10.0, 20.0))
    write_wav(path, y, rng)
    return marks, pos / SR, kind


def espeak_version():
    r = subprocess.run(["espeak-ng", "--version"], capture_output=True, text=True)
    return r.stdout.split("Data at")[0].strip()


def int_at_least(lo):
    """An argparse type: an integer >= lo."""
    def parse(text):
        try:
            v = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not an integer: '{text}'")
        if v < lo:
            raise argparse.ArgumentTypeError(f"must be at least {lo}, got {v}")
        return v
    return parse


def main():
    ap = Parser(prog="make_data.py", description=__doc__.split("\n\n")[0])
    ap.add_argument("outdir", help="output directory (new, empty, or an earlier output)")
    ap.add_argument("--per-class-voice", type=int_at_least(1), default=3, metavar="K",
                    help="clips per label and voice (default 3: %d train, %d test per label)"
                    % (3 * len(TRAIN_VOICES), 3 * len(TEST_VOICES)))
    ap.add_argument("--seed", type=int_at_least(0), default=1, metavar="S", help="default 1")
    ap.add_argument("--jobs", type=int_at_least(1), default=2, metavar="J", help="worker processes (default 2)")
    args = ap.parse_args()

    out = os.path.abspath(args.outdir)
    problem = check_outdir(out)
    if problem:
        ap.error(problem)
    if shutil.which("espeak-ng") is None:
        ap.error("espeak-ng not found on PATH (apt-get install espeak-ng)")
    parent = os.path.dirname(out)
    try:
        os.makedirs(parent, exist_ok=True)
        tmp = tempfile.mkdtemp(prefix=f".{os.path.basename(out)}.", dir=parent)
    except OSError as e:
        ap.error(f"cannot create a directory in {parent}: {e.strerror}")

    k = args.per_class_voice
    try:
        tasks = []
        for split, voices in SPLITS.items():
            for label in LABELS:
                os.makedirs(os.path.join(tmp, split, label))
                per_voice = k * (UNKNOWN_TRAIN_FACTOR if split == "train" and label == UNKNOWN else 1)
                for i in range(per_voice * len(voices)):
                    path = os.path.join(tmp, split, label, f"{i:05d}.wav")
                    tasks.append((path, args.seed, split, label, i, voices[i // per_voice]))
        with multiprocessing.Pool(args.jobs) as pool:
            sentences = {split: pool.map(babble_sentence,
                                         [(args.seed, split, i) for i in range(BABBLE_SENTENCES)])
                         for split in SPLITS}
        set_babble(sentences)  # for the stream, made here
        with multiprocessing.Pool(args.jobs, initializer=set_babble, initargs=(sentences,)) as pool:
            results = pool.map(make_clip, tasks, chunksize=16)
        marks, stream_s, stream_noise = make_stream(os.path.join(tmp, "stream.wav"), args.seed)
        with open(os.path.join(tmp, "stream.json"), "w") as f:
            json.dump({"noise": stream_noise, "words": marks}, f, indent=1)

        counts = {}
        for split, voices in SPLITS.items():
            mine = [r for t, r in zip(tasks, results) if t[2] == split]
            counts[split] = {label: sum(r[0] == label for r in mine) for label in LABELS}
            speech = [r[1] for r in mine if r[1] is not None]
            print(f"{split}: {len(mine)} clips, {counts[split][KEYWORDS[0]]} per keyword, "
                  f"{len(voices)} voices, speech {min(speech):.2f}-{max(speech):.2f} s "
                  f"(mean {np.mean(speech):.2f}), {sum(r[2] for r in mine)} cut at 1 s, "
                  f"{sum(r[3] > 0 for r in mine)} with clipped samples")
        print(f"stream: {len(marks)} words, {stream_s:.1f} s, {stream_noise} noise")

        meta = {
            "labels": LABELS,
            "sample_rate": SR,
            "clip_seconds": CLIP / SR,
            "counts": counts,
            "voices": {split: voices for split, voices in SPLITS.items()},
            "held_out": {"accent": TEST_ACCENT, "variants": TEST_VARIANTS},
            "seed": args.seed,
            "per_class_voice": k,
            "unknown_train_factor": UNKNOWN_TRAIN_FACTOR,
            "espeak_ng": espeak_version(),
            "settings": {
                "unknown_words": UNKNOWN_WORDS,
                "babble_words": BABBLE_WORDS,
                "babble_sentences": BABBLE_SENTENCES,
                "speed_wpm": SPEED_WPM,
                "pitch": PITCH,
                "pitch_range_percent": PITCH_RANGE_PERCENT,
                "amplitude": AMPLITUDE,
                "speech_rms_dbfs": SPEECH_RMS_DBFS,
                "snr_db": SNR_DB,
                "babble_min_snr_db": BABBLE_MIN_SNR_DB,
                "clean_fraction": CLEAN_FRACTION,
                "silence_rms_dbfs": SILENCE_RMS_DBFS,
                "noise_kinds": NOISE_KINDS,
                "trim_db": TRIM_DB,
            },
            "stream": {"seconds": round(stream_s, 3), "noise": stream_noise, "words": len(marks)},
        }
        with open(os.path.join(tmp, "data.json"), "w") as f:
            json.dump(meta, f, indent=1)
        os.chmod(tmp, 0o755)  # mkdtemp makes it private
        if os.path.exists(out):  # an earlier output (check_outdir): swap it out only now
            os.rename(out, tmp + ".old")
            os.rename(tmp, out)
            shutil.rmtree(tmp + ".old")
        else:
            os.rename(tmp, out)
    except BaseException as e:
        shutil.rmtree(tmp, ignore_errors=True)
        if isinstance(e, (RuntimeError, OSError)):
            sys.exit(f"make_data.py: error: {e}")
        raise


if __name__ == "__main__":
    main()
