"""Reads libFuzzer logs (scripts/fuzz.sh writes one per target, run with -print_final_stats=1)
and prints executions, exec/s, corpus and coverage per target; with --write FILE, also puts
them into FILE's "Fuzzing" section. Usage: fuzz_results.py LOG... [--write docs/results.md]"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import results_md  # noqa: E402


def parse(log):
    text = open(log, errors="replace").read()
    stats = dict(re.findall(r"^stat::(\w+):\s+(\d+)", text, re.M))
    cov = re.findall(r"^#(\d+)\s+\w+\s+cov: (\d+) ft: (\d+) corp: (\d+)/(\S+)", text, re.M)
    seeds = re.search(r"INFO: seed corpus: files: (\d+)", text)
    last = cov[-1] if cov else ("0", "0", "0", "0", "0b")
    return {
        "target": os.path.basename(log)[len("fuzz_"):-len(".log")],
        "runs": int(stats.get("number_of_executed_units", 0)),
        "exec_s": int(stats.get("average_exec_per_sec", 0)),
        "seeds": int(seeds.group(1)) if seeds else 0,
        "cov": int(last[1]),
        "ft": int(last[2]),
        "corpus": int(last[3]),
        "corpus_bytes": last[4],
        "rss_mb": int(stats.get("peak_rss_mb", 0)),
        "crashes": len(re.findall(r"Test unit written to", text)),
        "seconds": round(int(stats.get("number_of_executed_units", 0)) / max(1, int(stats.get("average_exec_per_sec", 1)))),
    }


def table(rows):
    lines = ["| target | executions | exec/s | seconds | seed files | corpus (files/size) | cov | ft | peak RSS MB | crashes |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| fuzz_{r['target']} | {r['runs']:,} | {r['exec_s']:,} | {r['seconds']} | {r['seeds']} | "
                     f"{r['corpus']} / {r['corpus_bytes']} | {r['cov']} | {r['ft']} | {r['rss_mb']} | {r['crashes']} |")
    return lines


def main():
    args = sys.argv[1:]
    dest = None
    if "--write" in args:
        k = args.index("--write")
        dest = args[k + 1]
        del args[k:k + 2]
    rows = [parse(log) for log in args]
    print("\n".join(table(rows)))
    if dest:
        body = ["",
                "libFuzzer (clang 14, `-fsanitize=fuzzer,address,undefined`, `-fno-sanitize-recover=all`) on the",
                "ONNX importer, the TFLite importer and the data-file reader (.npy, .npz via libzip, IDX, gzip).",
                "Written by `make fuzz-bench`: each target starts from its seed corpus in tests/fuzz/corpus/",
                "and runs 1,000,000 inputs, one process per target on a shared 2-core machine.",
                "An input passes when it imports or is rejected with a one-line mote::Error naming the input;",
                "anything else (another exception, a sanitizer report, a leak, a 25 s timeout, 2 GB RSS) is a crash.",
                "cov = instrumented edges reached, ft = libFuzzer features, both from the run's last status line.",
                ""] + table(rows)
        # Rows of targets not run this time stay as they were.
        ran = {f"| fuzz_{r['target']} |" for r in rows}
        kept = [line for line in results_md.section(dest, "## Fuzzing")
                if line.startswith("| fuzz_") and line[:line.index(" |") + 2] not in ran]
        body[len(body) - len(rows):len(body) - len(rows)] = kept
        results_md.update(dest, {"## Fuzzing": body})
        print(f"wrote the Fuzzing section of {dest}")


main()
