#include "io/layout.h"

namespace mote {

int64_t check_samples(const Tensor& in, const Array& data, const std::string& what) {
  Shape sample(in.shape.begin() + 1, in.shape.end());
  int64_t per = numel(sample);
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
  return data.shape[0];
}

Array to_graph_layout(const Graph& imported, const Array& data, const std::string& what) {
  if (imported.inputs.size() != 1) fail("{}: the model has {} inputs; data files feed single-input models only", what, imported.inputs.size());
  const Tensor& in = imported.t(imported.inputs[0]);
  Shape sample(in.shape.begin() + 1, in.shape.end());
  int64_t per = numel(sample);
  int64_t n = check_samples(in, data, what);
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

}  // namespace mote
