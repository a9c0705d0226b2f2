// Runs ONNX files mote wrote in onnxruntime (npm onnxruntime-node) and compares every output
// with mote's float executor (`mote infer`), sample by sample.
// Usage: NODE_PATH=DIR/node_modules node onnxruntime_check.js MODEL.onnx INPUT.npy EXPECTED.npy [...]
// (triples); prints one JSON line per model: samples, largest absolute and relative difference.
'use strict';
const fs = require('fs');
const ort = require('onnxruntime-node');

// A float32, little-endian, C-order .npy file: its shape and values.
function readNpy(path) {
  const b = fs.readFileSync(path);
  const headerLen = b.readUInt8(6) === 1 ? b.readUInt16LE(8) : b.readUInt32LE(8);
  const start = b.readUInt8(6) === 1 ? 10 : 12;
  const header = b.toString('latin1', start, start + headerLen);
  if (!/'descr':\s*'<f4'/.test(header) || /'fortran_order':\s*True/.test(header)) throw new Error(`${path}: not little-endian float32 C-order`);
  const shape = header.match(/'shape':\s*\(([^)]*)\)/)[1].split(',').filter((s) => s.trim()).map(Number);
  const data = new Float32Array(b.buffer.slice(b.byteOffset + start + headerLen, b.byteOffset + b.length));
  return { shape, data };
}

async function check(model, inputPath, expectedPath) {
  const session = await ort.InferenceSession.create(model);
  const x = readNpy(inputPath), want = readNpy(expectedPath);
  const n = x.shape[0], per = x.data.length / n, outs = want.data.length / n;
  const inMeta = session.inputNames[0];
  let maxAbs = 0, maxRel = 0;
  for (let s = 0; s < n; ++s) {
    const feed = {};
    feed[inMeta] = new ort.Tensor('float32', x.data.slice(s * per, (s + 1) * per), inputDims(model, per));
    const y = (await session.run(feed))[session.outputNames[0]].data;
    for (let k = 0; k < outs; ++k) {
      const w = want.data[s * outs + k], d = Math.abs(y[k] - w);
      maxAbs = Math.max(maxAbs, d);
      maxRel = Math.max(maxRel, d / Math.max(1, Math.abs(w)));
    }
  }
  console.log(JSON.stringify({ model, samples: n, max_abs_diff: maxAbs, max_rel_diff: maxRel }));
}

// The input shape the file declares (mote writes static shapes, batch 1).
function inputDims(model, per) {
  const cache = inputDims.cache || (inputDims.cache = {});
  if (!cache[model]) {
    const proto = fs.readFileSync(model);
    cache[model] = declaredShape(proto) || [1, per];
  }
  return cache[model];
}

// The first graph input's dims from the ModelProto bytes: a minimal protobuf walk
// (ModelProto.graph = 7, GraphProto.input = 11, ValueInfoProto.type = 2, TypeProto.tensor_type = 1,
// Tensor.shape = 2, TensorShapeProto.dim = 1, Dimension.dim_value = 1).
function declaredShape(buf) {
  function fields(b) {
    const out = [];
    let i = 0;
    const varint = () => {
      let v = 0, m = 1, c;
      do {
        c = b[i++];
        v += (c & 0x7f) * m;
        m *= 128;
      } while (c & 0x80);
      return v;
    };
    while (i < b.length) {
      const key = varint(), f = Math.floor(key / 8), t = key % 8;
      if (t === 0) out.push([f, varint()]);
      else if (t === 2) {
        const len = varint();
        out.push([f, b.subarray(i, i + len)]);
        i += len;
      } else if (t === 5) i += 4;
      else if (t === 1) i += 8;
      else return out;
    }
    return out;
  }
  const get = (b, f) => fields(b).filter((x) => x[0] === f).map((x) => x[1]);
  const graph = get(buf, 7)[0];
  const input = graph && get(graph, 11)[0];
  const shape = input && get(get(get(get(input, 2)[0], 1)[0], 2)[0], 1);
  return shape ? shape.map((d) => get(d, 1)[0]) : null;
}

(async () => {
  const args = process.argv.slice(2);
  for (let i = 0; i + 2 < args.length; i += 3) await check(args[i], args[i + 1], args[i + 2]);
})().catch((e) => {
  console.error(e.message);
  process.exit(1);
});
