#!/usr/bin/python3
"""Puts the figures of bench/train.sh (its --log JSON files, callgrind counts and validate
reports) into the training sections of docs/results.md.
Usage: train_results.py OUT_DIR docs/results.md"""
import json
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import results_md  # noqa: E402


def load(out, name):
    path = os.path.join(out, name)
    return json.load(open(path)) if os.path.exists(path) else None


def pct(v):
    return f"{100 * v:.2f} %"


def pruning(out):
    dense = load(out, "lenet300_dense.json")
    if not dense:
        return []
    base = dense["test_accuracy"]
    rows = [f"| dense | {dense['params']:,} | {dense['nonzero_params']:,} | {pct(base)} | |"]
    for name, label in [("lenet300_prune92_oneshot", "92 %, one-shot prune and retrain"),
                        ("lenet300_prune92_gradual", "92 %, gradual schedule"),
                        ("lenet300_prune92_kd", "92 %, gradual + distilled from the dense model"),
                        ("lenet300_prune95_kd", "95 %, gradual + distilled"),
                        ("lenet300_prune97_kd", "97 %, gradual + distilled")]:
        r = load(out, name + ".json")
        if r:
            loss = 100 * (base - r["test_accuracy"])
            rows.append(f"| {label} | {r['params']:,} | {r['nonzero_params']:,} | {pct(r['test_accuracy'])} | {loss:+.2f} |")
    return [
        "",
        "`mote train --arch mlp:300,100` (30 epochs, Adam, cosine schedule; the epoch of the best validation",
        "loss is kept), then `mote prune` (30 epochs, Adam 1e-3, cosine: the sparsity rises until half the run,",
        "one magnitude threshold over the three layers; distilled with T = 4, alpha = 0.9)",
        "on the 60,000 training images (10 % held out for validation); accuracy on the 10,000 test images.",
        "Non-zeros count every parameter, biases included. bench/train.sh.",
        "",
        "| model | parameters | non-zero | test accuracy | points lost |",
        "|---|---|---|---|---|",
    ] + rows


def distillation(out):
    teacher = load(out, "teacher_cnn.json")
    kd = [load(out, f"student_kd_{s}.json") for s in (1, 2, 3)]
    labels = [load(out, f"student_labels_{s}.json") for s in (1, 2, 3)]
    if not teacher or None in kd or None in labels:
        return []
    a = [100 * r["test_accuracy"] for r in kd]
    b = [100 * r["test_accuracy"] for r in labels]
    ma, mb, sa, sb = statistics.mean(a), statistics.mean(b), statistics.stdev(a), statistics.stdev(b)
    verdict = "more" if ma - mb > max(sa, sb) else "not more"

    def kept(runs):  # the epoch each seed kept and its validation accuracy
        return ", ".join(f"{r['best_epoch']} ({100 * r['history'][r['best_epoch'] - 1]['val_accuracy']:.2f} %)" for r in runs)

    return [
        "",
        "Teacher: the demo CNN (examples/fashion_mnist/fashion_cnn.onnx, about 2 M MACs, trained on all 60,000",
        f"images), {pct(teacher['test_accuracy'])} on the test set. Student: `--arch lenet5` ({kd[0]['params']:,} parameters), trained on the",
        "first 5,000 training images only (`--limit 5000`, 10 % of them held out for validation: the few-labels",
        f"case distillation is for), {len(kd[0]['history'])} epochs, Adam 2e-3, cosine schedule, batch 128, seeds 1, 2, 3, on",
        f"pixel/255 as the teacher; distilled with T = {kd[0]['temperature']:g}, alpha = {kd[0]['alpha']:g}. In both arms the same split and the",
        "epoch of the best validation accuracy kept (`--select accuracy`: the labels' validation loss is not what the",
        "distilled student minimises). On labels alone the student fits its 4,500 images early and then",
        "overfits; the soft targets keep teaching it.",
        "Test accuracy:",
        "",
        "| student | seed 1 | seed 2 | seed 3 | mean | std |",
        "|---|---|---|---|---|---|",
        f"| labels only | {b[0]:.2f} | {b[1]:.2f} | {b[2]:.2f} | {mb:.2f} | {sb:.2f} |",
        f"| distilled | {a[0]:.2f} | {a[1]:.2f} | {a[2]:.2f} | {ma:.2f} | {sa:.2f} |",
        "",
        f"Epochs kept (validation accuracy): labels only {kept(labels)}; distilled {kept(kd)}.",
        f"Distillation gains {ma - mb:+.2f} points on the mean, {verdict} than the larger standard deviation ({max(sa, sb):.2f}).",
    ]


def throughput(out):
    rows = []
    for arch, tag in [("mlp:300,100", "mlp"), ("lenet5", "lenet5")]:
        for threads in (1, 2):
            m, t = [], []
            for k in (1, 2, 3):
                f = os.path.join(out, f"throughput_{tag}_t{threads}_{k}")
                if os.path.exists(f + ".mote.json") and os.path.exists(f + ".torch.json"):
                    m.append(json.load(open(f + ".mote.json"))["samples_per_second"])
                    t.append(json.load(open(f + ".torch.json"))["samples_per_second"])
            if m:
                mm, tm = statistics.median(m), statistics.median(t)
                rows.append(f"| {arch} | {threads} | {mm:,.0f} | {tm:,.0f} | {tm / mm:.2f} |")
    if not rows:
        return []
    return [
        "",
        "Samples per second over the training steps of one epoch (batch gather, forward, loss, backward,",
        "Adam step), batch 64, median of three runs alternating with PyTorch 1.13 in Python",
        "(bench/train_throughput.py: the same layers, optimizer, data and threads). A shared machine:",
        "absolute figures move with its load, the ratio much less.",
        "",
        "| model | threads | mote train | PyTorch | PyTorch / mote time |",
        "|---|---|---|---|---|",
    ] + rows


def structured(out):
    dense, pruned = load(out, "dscnn_dense.json"), load(out, "dscnn_structured.json")
    m4 = {m: load(out, f"{m}.m4.json") for m in ("dscnn", "dscnn_pruned")}
    if not dense or not pruned or not all(m4.values()):
        return []
    instr = {m: r["instructions"][0] for m, r in m4.items()}
    val = {m: load(out, f"{m}.validate.json") for m in ("dscnn", "dscnn_pruned")}
    rep = {m: load(out, f"{m}/report.json") for m in ("dscnn", "dscnn_pruned")}

    def row(label, m, log):
        v, r = val[m], rep[m]
        return (f"| {label} | {r['macs']:,} | {r['weights_bytes']:,} | {r['arena_bytes']:,} | {pct(log['test_accuracy'])} | "
                f"{pct(v['correct_c'] / v['samples'])} | {instr[m]:,} |")

    groups = ", ".join(f"{g['channels']} -> {g['kept']}" for g in pruned["groups"])
    return [
        "",
        f"`--arch dscnn` ({pruned['groups'][0]['channels']} channels; {len(dense['history'])} epochs, Adam 2e-3, cosine), then `mote prune --structured --sparsity "
        f"{pruned['sparsity']:g} --channel-multiple {pruned['channel_multiple']}`",
        f"({100 * pruned['sparsity']:.0f} % of every channel group removed, a multiple of {pruned['channel_multiple']} kept: "
        f"{groups}; {len(pruned['history'])} epochs of fine-tuning",
        "distilled from the dense model), both compiled to int8 C",
        "(minmax calibration on 200 training images) for the Cortex-M4 (`mote compile --target cortex-m4`);",
        "instructions of one inference under QEMU (`mote run`: mps2-an386, arm-none-eabi-gcc -O2, SysTick),",
        "int8 accuracy of the generated C on the 10,000 test images.",
        "",
        "| model | MACs | weights (B) | arena (B) | float test accuracy | int8 C accuracy | M4 instructions |",
        "|---|---|---|---|---|---|---|",
        row("DS-CNN", "dscnn", dense),
        row("pruned", "dscnn_pruned", pruned),
        "",
        f"MACs {rep['dscnn_pruned']['macs'] / rep['dscnn']['macs']:.2f}x, instructions {instr['dscnn'] / instr['dscnn_pruned']:.2f}x fewer, "
        f"{100 * (dense['test_accuracy'] - pruned['test_accuracy']):+.2f} points of float accuracy lost.",
    ] + structured_parts(out, pruned["groups"][0]["channels"], pruned["groups"][0]["kept"])


def structured_parts(out, wide, narrow):
    """Where the DS-CNN's instructions go: its layers in parts (bench/dscnn_parts.py) at the dense and pruned widths."""
    cost = {}
    for c in (wide, narrow):
        for part in ("base", "dw", "pw", "all"):
            r, rep = load(out, f"parts{c}_{part}.m4.json"), load(out, f"parts{c}_{part}/report.json")
            if not r or not rep:
                return []
            cost[c, part] = (rep["macs"], r["instructions"][0])

    def part(c, name):  # the layers a part adds to the base
        if name == "base":
            return cost[c, "base"]
        return tuple(x - y for x, y in zip(cost[c, name], cost[c, "base"]))

    rows = []
    for name, label in (("base", "first conv, pooling, classifier"), ("dw", "4 depthwise 3x3"), ("pw", "4 pointwise 1x1"),
                        ("all", "all")):
        (mw, iw), (mn, i_n) = (cost[wide, "all"], cost[narrow, "all"]) if name == "all" else (part(wide, name), part(narrow, name))
        rows.append(f"| {label} | {mw:,} | {iw:,} | {iw / mw:.2f} | {mn:,} | {i_n:,} | {i_n / mn:.2f} | {iw / i_n:.2f} |")
    return [
        "",
        "Where the instructions go: the same layers in parts (bench/dscnn_parts.py: the first conv, pooling and",
        "classifier alone, with the depthwise or the 1x1 convs added; PyTorch's random weights, float input, so",
        "no leading 1/255), compiled and run the same way; each part's figure is its model's less the base's.",
        "",
        f"| layers | MACs, {wide} ch | M4 instructions | per MAC | MACs, {narrow} ch | M4 instructions | per MAC | {wide} / {narrow} ch |",
        "|---|---|---|---|---|---|---|---|",
    ] + rows


def qat(out):
    q = load(out, "qat.json")
    ptq, qv = load(out, "fashion_ptq.validate.json"), load(out, "fashion_qat.validate.json")
    if not q or not ptq or not qv:
        return []
    a_ptq, a_qat = ptq["correct_c"] / ptq["samples"], qv["correct_c"] / qv["samples"]
    return [
        "",
        "The demo CNN (examples/fashion_mnist), int8 with minmax calibration on its 200 calibration images:",
        "post-training quantization against `mote quantize --qat` (3 epochs of fine-tuning on the training set,",
        "Adam 1e-4, weights per channel with folded BatchNorm, activations per tensor, as the quantize pass)",
        "then `mote compile` of the result; accuracy of the generated C on the 10,000 test images.",
        "",
        "| | float accuracy | int8 C accuracy | bit-exact with the C++ reference |",
        "|---|---|---|---|",
        f"| PTQ | {pct(ptq['correct_float'] / ptq['samples'])} | {pct(a_ptq)} | {ptq['bitexact_samples']}/{ptq['samples']} |",
        f"| QAT | {pct(qv['correct_float'] / qv['samples'])} | {pct(a_qat)} | {qv['bitexact_samples']}/{qv['samples']} |",
        "",
        f"QAT's fake-quantized test accuracy at the end of training: {pct(q['qat_test_accuracy'])}; the compiled int8 C:",
        f"{pct(a_qat)} ({100 * (a_qat - q['qat_test_accuracy']):+.2f} points). QAT against PTQ: {100 * (a_qat - a_ptq):+.2f} points.",
    ]


def onnxruntime(out):
    path = os.path.join(out, "onnxruntime.jsonl")
    if not os.path.exists(path):
        return []
    rows = [json.loads(line) for line in open(path) if line.strip()]
    pkg = load(out, "ort/node_modules/onnxruntime-node/package.json")
    version = pkg["version"] if pkg else "(version unknown)"
    return [
        "",
        f"Every ONNX file the stages above wrote, run in onnxruntime {version} (npm onnxruntime-node) on 200",
        "test images, against mote's float executor (`mote infer`); the files also pass",
        "`onnx.checker.check_model(full_check=True)` (tests/e2e/test_onnx_export.cpp checks the writer).",
        "",
        "| model | samples | largest difference | relative (beyond magnitude 1) |",
        "|---|---|---|---|",
    ] + [f"| {os.path.basename(r['model'])} | {r['samples']} | {r['max_abs_diff']:.2e} | {r['max_rel_diff']:.2e} |" for r in rows]


def encoding(out):
    """Section 7: each encoding's flash, compression, accuracy and Cortex-M4 instructions."""
    models = [("lenet300", "LeNet-300-100, dense"), ("lenet300_92", "LeNet-300-100, pruned 92 %"),
              ("teacher", "LeNet-5, dense"), ("lenet5_92", "LeNet-5, pruned 92 %"), ("demo", "demo CNN")]
    encodings = [("none", "int8 arrays"), ("int4", "int4"), ("codebook5", "codebook, 5-bit sharing"),
                 ("sparse", "sparse"), ("sparse5", "sparse, 5-bit sharing"), ("huffman", "Huffman (lossless)"),
                 ("huffman5", "Huffman, 5-bit sharing"), ("huffman4", "Huffman, 4-bit sharing"),
                 ("huffman3", "Huffman, 3-bit sharing"), ("trained4", "Huffman, trained 4-bit sharing (mote share)"),
                 ("trained3", "Huffman, trained 3-bit sharing (mote share)")]
    baseline = {"lenet300": "lenet300", "lenet300_92": "lenet300", "teacher": "teacher", "lenet5_92": "teacher",
                "demo": "demo"}
    rows = []
    for m, label in models:
        base = load(out, f"enc_{m}_none.m4.json")
        dense = load(out, f"enc_{baseline[m]}_none.validate.json")
        if not base or not dense:
            continue
        for e, elabel in encodings:
            tag = f"enc_{m}_{e}"
            r, v, rep = load(out, f"{tag}.m4.json"), load(out, f"{tag}.validate.json"), load(out, f"{tag}/report.json")
            if not r or not v or not rep:
                continue
            c = rep["compression"]
            ratio = f"{c['encoded_weights_ratio']:.1f}x" if c["encoded_weights_bytes"] else "-"
            loss = 100 * (dense["accuracy_float"] - v["accuracy_c"])
            instr = r["instructions"][0]
            q = load(out, f"{tag}.qemu.json")  # every test image in the firmware under QEMU
            on_m4 = f"{q['bitexact_samples']:,} / {q['samples']:,}" if q else "-"
            rows.append(f"| {label} | {elabel} | {r['flash']:,} | {base['flash'] - r['flash']:+,} | "
                        f"{c['ratio']:.1f}x | {ratio} | {pct(v['accuracy_c'])} | {loss:+.2f} | {instr:,} | "
                        f"{instr - base['instructions'][0]:+,} | {r['arena']:,} | {on_m4} |")
    if not rows:
        return []
    return [
        "",
        "`mote compile --target cortex-m4 --encode E [--share-bits B]` (calibration: 200 training images); flash",
        "from the ELF, instructions per inference under QEMU (mps2-an386), accuracy of the int8 C on the 10,000",
        "test images (`mote validate`); points lost against the dense float model. All constants: every weight",
        "and bias as float32 against all the C stores for them (blobs, biases, requantization tables); encoded",
        "weights: those layers' float32 weights against their blobs (codebooks, indices and Huffman tables",
        "included). Trained sharing: `mote share --bits B` (k-means codebooks with 0 and +-127 pinned, fine-tuned",
        "5 epochs distilled from the pruned model), compiled `--encode huffman` with its codes as they are; the",
        "untrained rows at the same bits are the compile-time k-means. M4 bit-exact: of the 10,000 test images run",
        "in the firmware under QEMU (`mote validate --target`), those whose output bytes equal the C++ int8",
        "reference's (pruned models; the host build gives the reference's bytes on every row). bench/train.sh section 7.",
        "",
        "| model | encoding | flash B | flash saved B | all constants vs float32 | encoded weights vs float32 | "
        "int8 C accuracy | points lost | M4 instructions | extra instructions | arena B | M4 bit-exact |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ] + rows


def sparse_fc(out):
    """Section 8: the byte-group sparse FC kernels against the dense ones, M4 and M3: the whole
    model and each encoded layer."""
    rows = []
    cores, encs = ("cortex-m4", "cortex-m3"), ("none", "sparse")
    for s in (90, 92):
        tag = f"sfc_{s}"
        runs = {(c, e): load(out, f"{tag}_{c}_{e}.m4.json") for c in cores for e in encs}
        prof = {(c, e): load(out, f"{tag}_{c}_{e}.profile.json") for c in cores for e in encs}
        rep = load(out, f"{tag}_cortex-m4_sparse/report.json")
        if not all(runs.values()) or not all(prof.values()) or not rep:
            continue
        i = {k: r["instructions"][0] for k, r in runs.items()}
        enc = [(n, l) for n, l in enumerate(rep["layers"]) if "encoding" in l]
        density = ", ".join(f"{l['name']} {100 * l['encoding']['density']:.1f} %" for _, l in enc)
        rows.append(f"| {s} % | whole model | {density} | {i['cortex-m4', 'none']:,} | {i['cortex-m4', 'sparse']:,} | "
                    f"{i['cortex-m4', 'none'] / i['cortex-m4', 'sparse']:.2f}x | - | {i['cortex-m3', 'none']:,} | "
                    f"{i['cortex-m3', 'sparse']:,} | {i['cortex-m3', 'none'] / i['cortex-m3', 'sparse']:.2f}x | "
                    f"{runs['cortex-m4', 'none']['flash']:,} -> {runs['cortex-m4', 'sparse']['flash']:,} |")
        for n, l in enc:
            e = l["encoding"]
            li = {k: next(x["instructions"] for x in p["layers"] if x["node"] == n) for k, p in prof.items()}
            rows.append(f"| {s} % | {l['name']} | {100 * e['density']:.1f} % | {li['cortex-m4', 'none']:,} | "
                        f"{li['cortex-m4', 'sparse']:,} | {li['cortex-m4', 'none'] / li['cortex-m4', 'sparse']:.2f}x | "
                        f"{li['cortex-m4', 'sparse'] / (e['density'] * e['weights']):.2f} | {li['cortex-m3', 'none']:,} | "
                        f"{li['cortex-m3', 'sparse']:,} | {li['cortex-m3', 'none'] / li['cortex-m3', 'sparse']:.2f}x | "
                        f"{e['weights']:,} -> {e['flash_bytes']:,} |")
    if not rows:
        return []
    return [
        "",
        "LeNet-300-100 trained one epoch on 5,000 Fashion-MNIST images and pruned (`mote prune --sparsity`,",
        "one epoch), compiled with `mote compile --target cortex-m4|cortex-m3 [--encode sparse]`: the encoded",
        "FC layers in byte groups (mote/decode.h), run by mote_fully_connected_s8_sparse8_dsp on the M4 and",
        "the portable mote_fully_connected_s8_sparse8 on the M3; dense: mote_fully_connected_s8_dsp on the",
        "M4, the portable kernel on the M3. Instructions per inference under QEMU (`mote run`; the whole",
        "model includes its input Mul and fc3, dense either way), and per layer (`mote run --profile`); per",
        "non-zero: a layer's sparse M4 figure over its non-zero weights, rows and fillers included. Bytes:",
        "the M4 ELF's flash for the whole model, a layer's int8 weights and its blob. bench/train.sh",
        "section 8.",
        "",
        "| pruned | run | encoded layers (density) | M4 dense | M4 sparse | M4 fewer | M4 sparse per non-zero | "
        "M3 dense | M3 sparse | M3 fewer | bytes dense -> sparse |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ] + rows


def main(out, dest):
    sections = {
        "## Training: LeNet-300-100 on Fashion-MNIST, magnitude pruning": pruning(out),
        "## Training: knowledge distillation, three seeds": distillation(out),
        "## Training: throughput against PyTorch": throughput(out),
        "## Training: structured pruning of a DS-CNN": structured(out),
        "## Training: quantization-aware training against PTQ": qat(out),
        "## Training: mote's ONNX files in onnxruntime": onnxruntime(out),
        "## Encoding: weights decoded on the device": encoding(out),
        "## Encoding: sparse fully connected in byte groups against the dense kernels": sparse_fc(out),
    }
    results_md.update(dest, {k: v for k, v in sections.items() if v})


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
