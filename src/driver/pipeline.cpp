#include "driver/pipeline.h"

#include "frontend/import.h"
#include "io/array.h"
#include "ir/verify.h"
#include "passes/passes.h"

namespace mote {

bool Pipeline::quantized() const {
  return !graph.inputs.empty() && graph.t(graph.inputs[0]).dtype == DType::I8;
}

Array to_graph_layout(const Graph& imported, const Array& data, const std::string& what) {
  if (imported.inputs.size() != 1) fail("{}: the model has {} inputs; data files feed single-input models only", what, imported.inputs.size());
  const Tensor& in = imported.t(imported.inputs[0]);
  Shape sample(in.shape.begin() + 1, in.shape.end());
  int64_t per = numel(sample);
  // Accept [N, ...sample] exactly, or any shape whose trailing dims hold whole samples once
  // size-1 dims are ignored (e.g. IDX images [N,28,28] for a [1,1,28,28] input).
  auto squeeze = [](Shape s) {
    Shape r;
    for (int64_t d : s) if (d != 1) r.push_back(d);
    return r;
  };
  bool ok = !data.shape.empty() && data.numel() > 0 && data.numel() % per == 0;
  if (ok) {
    Shape got(data.shape.begin() + 1, data.shape.end());
    ok = got == sample || squeeze(got) == squeeze(sample);
  }
  if (!ok) fail("{}: data shape {} does not fit model input '{}' {} (expected [N,{}])", what, shape_str(data.shape), in.name, shape_str(in.shape), shape_str(sample).substr(1, shape_str(sample).size() - 2));
  if (data.dtype != DType::F32 && data.dtype != DType::U8 && data.dtype != DType::I8)
    fail("{}: data dtype {} cannot feed float input '{}' (use float32, uint8 or int8)", what, dtype_name(data.dtype), in.name);
  int64_t n = data.shape[0];
  Array out;
  out.dtype = DType::F32;
  bool nchw = in.layout == Layout::NCHW && in.shape.size() == 4;
  int64_t c = nchw ? in.shape[1] : 0, h = nchw ? in.shape[2] : 0, w = nchw ? in.shape[3] : 0;
  out.shape = nchw ? Shape{n, h, w, c} : Shape{n};
  if (!nchw) out.shape.insert(out.shape.end(), sample.begin(), sample.end());
  out.bytes.resize(size_t(n * per) * sizeof(float));
  float* dst = out.as_mut<float>();
  for (int64_t s = 0; s < n; ++s)
    for (int64_t k = 0; k < per; ++k) {
      int64_t to = k;
      if (nchw) {  // k indexes (ch, y, x) in the source; write it at (y, x, ch)
        int64_t ch = k / (h * w), y = (k / w) % h, x = k % w;
        to = (y * w + x) * c + ch;
      }
      dst[s * per + to] = data.get_f32(s * per + k);
    }
  return out;
}

Pipeline run_pipeline(const PipelineOptions& opt) {
  Pipeline p;
  p.imported = import_model(opt.model);
  verify(p.imported, "import");
  if (is_prequantized(p.imported)) {
    // The file's quantization is final: no float graph to calibrate.
    p.prequantized = true;
    p.graph = p.imported;
    canonicalize(p.graph);
    if (!opt.calib.empty()) p.note = fmt::format("{} is already int8; calibration data {} is not used", opt.model, opt.calib);
  } else {
    p.float_graph = p.imported;
    canonicalize(p.float_graph);
    p.graph = p.float_graph;
  }
  if (!p.prequantized && !opt.calib.empty()) {
    Array calib = to_graph_layout(p.imported, load_array(opt.calib, opt.calib_key), opt.calib);
    if (opt.calib_limit > 0 && calib.shape[0] > opt.calib_limit) {
      int64_t per = calib.numel() / calib.shape[0];
      calib.shape[0] = opt.calib_limit;
      calib.bytes.resize(size_t(opt.calib_limit * per) * sizeof(float));
    }
    p.graph = quantize(p.float_graph, calib, opt.method, &p.quant_report);
  }
  p.calls = lower(p.graph);
  std::vector<int64_t> scratch(p.graph.nodes.size(), 0);
  for (const KernelCall& c : p.calls) scratch[size_t(c.node)] = c.scratch_bytes;
  p.plan = plan_memory(p.graph, scratch);
  return p;
}

}  // namespace mote
