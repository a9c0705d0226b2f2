"""Updates docs/results.md one '## ' section at a time, so each measurement script (make bench,
make fuzz-bench) rewrites only its own sections and leaves the others as they were."""
import os


def section(dest, heading):
    """The body lines of section `heading` in dest, or [] if there is none."""
    body, inside = [], False
    if os.path.exists(dest):
        for line in open(dest).read().splitlines():
            if line.startswith("## "):
                inside = line == heading
            elif inside:
                body.append(line)
    return body


def update(dest, sections, preamble=None):
    """sections: {heading line: body lines}. A section whose heading matches is replaced in
    place, a new one is appended; `preamble` (lines) replaces what precedes the first section."""
    old_pre, order, old = [], [], {}
    if os.path.exists(dest):
        current = None
        for line in open(dest).read().splitlines():
            if line.startswith("## "):
                current = line
                order.append(line)
                old[line] = []
            elif current is None:
                old_pre.append(line)
            else:
                old[current].append(line)
    for heading in sections:
        if heading not in old:
            order.append(heading)
    out = list(preamble if preamble is not None else old_pre)
    for heading in order:
        body = sections.get(heading, old.get(heading))
        while body and body[-1] == "":
            body = body[:-1]
        out += [heading] + list(body) + [""]
    tmp = dest + ".tmp"
    with open(tmp, "w") as f:
        f.write("\n".join(out).rstrip("\n") + "\n")
    os.replace(tmp, dest)
