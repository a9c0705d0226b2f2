#!/usr/bin/python3
"""The firmware's alarm threshold, from its ratios (score against the machine's baseline, Q8) of
healthy validation clips: the lowest ratio above which at most the chosen share of them lies (the
false-alarm rate), written as a C header (threshold.h) that main.c includes from the compiled
model's folder.

    calibrate.py SCORES.txt HEADER.h [--false-alarm F]   (SCORES.txt: main.c's output)
    calibrate.py --uncalibrated HEADER.h                 (the scoring build: no clip alarms)
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from datagen import Parser  # noqa: E402
from scores import read_scores  # noqa: E402

UNCALIBRATED = """/* threshold.h: not calibrated yet (examples/machine_health/calibrate.py --uncalibrated).
 * This build only measures scores: no clip raises an alarm. */
#ifndef THRESHOLD_H
#define THRESHOLD_H
#include <stdint.h>
#define ALARM_THRESHOLD UINT64_MAX
#endif
"""

CALIBRATED = """/* threshold.h: written by examples/machine_health/calibrate.py from {scores}.
 * {n} healthy validation clips; at most {allowed} ({target:g} %) may score above the threshold:
 * {above} do ({rate:.3g} %). Ratios are main.c's: a clip's score against its machine's
 * baseline, 256 = the baseline. */
#ifndef THRESHOLD_H
#define THRESHOLD_H
#define ALARM_THRESHOLD {threshold}u
#endif
"""


def threshold_for(scores, false_alarm):
    """The smallest integer t with at most floor(false_alarm * n) scores above it."""
    ranked = sorted(scores, reverse=True)
    allowed = int(false_alarm * len(ranked))
    return ranked[allowed], allowed


def write_atomic(path, text, ap):
    tmp = path + ".tmp"
    try:
        with open(tmp, "w") as f:
            f.write(text)
        os.replace(tmp, path)
    except OSError as e:
        if os.path.exists(tmp):
            os.remove(tmp)
        ap.error(f"cannot write {path}: {e.strerror}")


def main():
    ap = Parser(prog="calibrate.py", description=__doc__.split("\n")[0])
    ap.add_argument("paths", nargs="+", help="SCORES.txt HEADER.h, or HEADER.h with --uncalibrated")
    ap.add_argument("--false-alarm", type=float, default=0.01, help="share of healthy clips allowed to alarm")
    ap.add_argument("--uncalibrated", action="store_true", help="write the header of the scoring build")
    args = ap.parse_args()
    if args.uncalibrated:
        if len(args.paths) != 1:
            ap.error("--uncalibrated takes only HEADER.h")
        write_atomic(args.paths[0], UNCALIBRATED, ap)
        return
    if len(args.paths) != 2:
        ap.error("expected SCORES.txt HEADER.h")
    if not 0.0 <= args.false_alarm < 1.0:
        ap.error("--false-alarm must be in [0, 1)")
    scores_path, header = args.paths
    scores = [r for _, r, _ in read_scores(scores_path, ap.error)]
    if not scores:
        ap.error(f"{scores_path}: no scores")
    t, allowed = threshold_for(scores, args.false_alarm)
    above = sum(s > t for s in scores)
    write_atomic(header, CALIBRATED.format(scores=os.path.basename(scores_path), n=len(scores), allowed=allowed,
                                           target=100 * args.false_alarm, above=above,
                                           rate=100 * above / len(scores), threshold=t), ap)
    print(f"threshold {t}: {above} of {len(scores)} healthy validation clips above it "
          f"({100 * above / len(scores):.2f} %, target {100 * args.false_alarm:g} %)")


if __name__ == "__main__":
    main()
