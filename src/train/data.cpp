// Training data: read, checked against the model, converted to float32 before any training.
#include <cmath>

#include "io/layout.h"
#include "train/train.h"

namespace mote::train {
namespace {

// The first `limit` rows of a data array (all when limit <= 0 or beyond its length).
void keep_first(Array& a, int64_t limit) {
  if (limit <= 0 || a.shape.empty() || a.shape[0] <= limit) return;
  const int64_t per = a.numel() / a.shape[0];
  a.shape[0] = limit;
  a.bytes.resize(size_t(limit * per) * dtype_size(a.dtype));
}

bool is_integer(DType t) { return t == DType::I8 || t == DType::U8 || t == DType::I32 || t == DType::I64 || t == DType::U16; }

}  // namespace

RawData read_data(const std::string& data, const std::string& labels, int64_t limit, const std::string& data_key,
                  const std::string& labels_key) {
  RawData d;
  d.data_path = data;
  d.labels_path = labels;
  d.x = load_array(data, data_key);
  keep_first(d.x, limit);
  if (!labels.empty()) {
    d.y = load_array(labels, labels_key);
    keep_first(d.y, limit);
  }
  return d;
}

Samples Samples::subset(const std::vector<int64_t>& rows) const {
  Samples s;
  s.sample = sample;
  s.classes = classes;
  s.count = int64_t(rows.size());
  const int64_t per = numel(sample), tper = classification() || count == 0 ? 0 : int64_t(targets.size()) / count;
  s.x.reserve(rows.size() * size_t(per));
  for (int64_t r : rows) {
    s.x.insert(s.x.end(), x.begin() + r * per, x.begin() + (r + 1) * per);
    if (classification()) s.labels.push_back(labels[size_t(r)]);
    else s.targets.insert(s.targets.end(), targets.begin() + r * tper, targets.begin() + (r + 1) * tper);
  }
  return s;
}

Samples make_samples(const Graph& model, const RawData& d) {
  if (model.inputs.size() != 1 || model.outputs.size() != 1)
    fail("{}: training needs a model with one input and one output, '{}' has {} and {}", d.data_path, model.name, model.inputs.size(),
         model.outputs.size());
  const Tensor& in = model.t(model.inputs[0]);
  const Tensor& out = model.t(model.outputs[0]);
  Samples s;
  s.sample = in.shape;
  s.count = check_samples(in, d.x, d.data_path);
  const int64_t per = in.numel(), outs = out.numel();
  s.x.resize(size_t(s.count * per));
  for (int64_t k = 0; k < s.count * per; ++k) {
    const float v = d.x.get_f32(k);
    if (!std::isfinite(v)) fail("{}: sample {} holds {} at element {}", d.data_path, k / per, std::isnan(v) ? "NaN" : "Inf", k % per);
    s.x[size_t(k)] = v;
  }
  if (d.labels_path.empty()) {
    if (outs != per)
      fail("{}: without labels the data is the target, but model output '{}' {} is not the size of its input {}", d.data_path,
           out.name, shape_str(out.shape), shape_str(in.shape));
    s.targets = s.x;
    return s;
  }
  const Array& y = d.y;
  const int64_t rows = y.shape.empty() ? 1 : y.shape[0];
  if (rows != s.count) fail("{}: {} labels for the {} samples of {}", d.labels_path, rows, s.count, d.data_path);
  const int64_t yper = s.count ? y.numel() / s.count : 0;
  if (yper == outs && outs > 1 && !is_integer(y.dtype)) {  // one target value per output: regression
    s.targets.resize(size_t(y.numel()));
    for (int64_t k = 0; k < y.numel(); ++k) {
      const float v = y.get_f32(k);
      if (!std::isfinite(v)) fail("{}: target {} holds {} at element {}", d.labels_path, k / yper, std::isnan(v) ? "NaN" : "Inf", k % yper);
      s.targets[size_t(k)] = v;
    }
    return s;
  }
  if (yper != 1)
    fail("{}: labels of shape {} are neither one class per sample nor one target per output of '{}' {}", d.labels_path,
         shape_str(y.shape), out.name, shape_str(out.shape));
  s.classes = outs;
  s.labels.resize(size_t(s.count));
  for (int64_t k = 0; k < s.count; ++k) {
    const double v = is_integer(y.dtype) && y.dtype == DType::I64 ? double(y.as<int64_t>()[k]) : double(y.get_f32(k));
    if (!std::isfinite(v) || v != std::floor(v)) fail("{}: label {} is {}, not a class index", d.labels_path, k, v);
    if (v < 0 || v >= double(outs))
      fail("{}: label {} is {}, outside the {} classes [0, {}) of model output '{}'", d.labels_path, k, int64_t(v), outs, outs, out.name);
    s.labels[size_t(k)] = int64_t(v);
  }
  return s;
}

}  // namespace mote::train
