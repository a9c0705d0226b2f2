"""Puts the 16x8 autoencoder figures (tests/e2e/test_codegen.cpp's ResampleModels.Autoencoder16x8*
run with --gtest_output=json, whose recorded properties they are) into the "16x8 quantization"
section of docs/results.md.
Usage: quant16_results.py AE16.json docs/results.md"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import results_md  # noqa: E402

HEADING = "## 16x8 quantization: the ConvTranspose/Upsample autoencoder (tests/data/resample/upsample_ae)"


def main(results, dest):
    props = {}
    for suite in json.load(open(results))["testsuites"]:
        for t in suite["testsuite"]:
            if t.get("failures"):
                sys.exit(f"{t['name']} failed: the figures would not be measured ones")
            props.update({k: v for k, v in t.items() if isinstance(v, str)})
    fe, e8, e16 = (float(props[k]) for k in ("float_mse", "int8_mse", "int16_mse"))
    body = [
        "",
        "Reconstruction MSE on the 16 held-out images, min-max calibration on the 128 shipped ones;",
        "16x8 is int16 activations (zero point 0), int8 per-channel weights, int64 biases, TFLM's",
        "int16 reference arithmetic; its generated C gives the C++ reference's bytes (gcc and clang).",
        "",
        "| | MSE | vs float | weights and tables B | arena B |",
        "|---|---|---|---|---|",
        f"| float32 | {fe:.4g} | | | |",
        f"| int8 | {e8:.4g} | {100.0 * (e8 / fe - 1.0):+.1f} % | {props['weights_bytes_int8']} | {props['arena_bytes_int8']} |",
        f"| 16x8 | {e16:.4g} | {100.0 * (e16 / fe - 1.0):+.1f} % | {props['weights_bytes_16x8']} | {props['arena_bytes_16x8']} |",
        "",
    ]
    results_md.update(dest, {HEADING: body}, None)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
