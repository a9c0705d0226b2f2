"""What calibrate.py and score.py share: the firmware's output read back, and the AUC."""


def read_scores(path, error):
    """main.c's lines ("17 2391 301 ALARM"), clip after clip, as (score, ratio to the machine's
    baseline, alarmed); error(message) is called on a line that is not one (naming the file and
    line)."""
    out = []
    try:
        lines = open(path).read().splitlines()
    except OSError as e:
        error(f"{path}: cannot read: {e.strerror}")
    for k, line in enumerate(lines):
        f = line.split()
        if len(f) != 4 or f[0] != str(k) or not f[1].isdigit() or not f[2].isdigit() or f[3] not in ("ok", "ALARM"):
            error(f"{path}:{k + 1}: expected 'CLIP SCORE RATIO ok|ALARM' for clip {k}, got '{line}'")
        out.append((int(f[1]), int(f[2]), f[3] == "ALARM"))
    return out


def auc(positive, negative):
    """The probability that a positive scores above a negative (ties count half): the area under
    the ROC curve, by ranks."""
    ranked = sorted([(s, 1) for s in positive] + [(s, 0) for s in negative])
    rank_sum, i = 0.0, 0
    while i < len(ranked):
        j = i
        while j < len(ranked) and ranked[j][0] == ranked[i][0]:
            j += 1
        mean_rank = (i + 1 + j) / 2  # tied scores share their ranks' mean
        rank_sum += mean_rank * sum(p for _, p in ranked[i:j])
        i = j
    n_pos, n_neg = len(positive), len(negative)
    return (rank_sum - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)
