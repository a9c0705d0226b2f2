"""Puts the TFLM conformance coverage (tests/e2e/test_conformance.cpp run with
--gtest_output=json) into the "TFLM conformance" section of docs/results.md, per op.
Usage: conformance_results.py CONFORMANCE.json docs/results.md"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import results_md  # noqa: E402

HEADING = "## TFLM conformance: single-op int8 cases (../shared/conformance)"


def main(results, dest):
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    manifest = json.load(open(os.path.join(root, "..", "shared", "conformance", "manifest.json")))
    passed = set()
    for suite in json.load(open(results))["testsuites"]:
        for t in suite["testsuite"]:
            if not t.get("failures"):
                passed.add(t["name"].split("/")[-1])
    ops = {}
    for case, spec in manifest["cases"].items():
        ok = case.replace(".", "_") in passed
        ops.setdefault(spec["op"], [0, 0])
        ops[spec["op"]][0] += ok
        ops[spec["op"]][1] += 1
    total = sum(v[1] for v in ops.values())
    good = sum(v[0] for v in ops.values())
    body = [
        "",
        "Each case's generated C and C++ int8 reference against the bytes TFLM's reference kernels",
        "give (tests/e2e/test_conformance.cpp); a case mote cannot run fails naming its op.",
        "",
        f"**{good} of {total} cases give TFLM's bytes.**",
        "",
        "| op | cases passed |",
        "|---|---|",
    ] + [f"| {op} | {ops[op][0]}/{ops[op][1]} |" for op in sorted(ops)]
    results_md.update(dest, {HEADING: body})
    print(f"conformance: {good}/{total} cases")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
