// Reductions: mean over contiguous axes, softmax over the last axis.
#include "lower/families.h"
#include "lower/params/reduce.h"
#include "lower/params/softmax.h"
#include "lower/tables.h"

namespace mote {

bool is_mean(const LowerCtx& c) { return c.n.op == OpKind::ReduceMean || c.n.op == OpKind::ReduceSum; }
bool is_reduce_max(const LowerCtx& c) { return c.n.op == OpKind::ReduceMax; }
bool is_arg_max_s8(const LowerCtx& c) { return c.n.op == OpKind::ArgMax && c.in(0).dtype == DType::I8; }
bool is_arg_max_f32(const LowerCtx& c) { return c.n.op == OpKind::ArgMax && c.in(0).dtype == DType::F32; }
bool is_log_softmax(const LowerCtx& c) { return c.n.op == OpKind::LogSoftmax; }
bool is_softmax(const LowerCtx& c) { return c.n.op == OpKind::Softmax; }
bool is_softmax_or_log_softmax(const LowerCtx& c) { return is_softmax(c) || is_log_softmax(c); }

void build_mean(const LowerCtx& c, KernelCall& call) {
  check_io(c);
  call.inputs = {c.n.in(0)};
  const Shape& s = c.in(0).shape;
  const auto axes = c.n.attrs.ints("axes");
  if (axes.empty()) c.error("no axes to reduce");
  for (size_t i = 1; i < axes.size(); ++i)
    if (axes[i] != axes[i - 1] + 1) c.error("reduced axes must be contiguous");
  int64_t outer = 1, reduce = 1, inner = 1;
  for (int64_t i = 0; i < int64_t(s.size()); ++i) {
    if (i < axes.front()) outer *= s[size_t(i)];
    else if (i <= axes.back()) reduce *= s[size_t(i)];
    else inner *= s[size_t(i)];
  }
  auto dims = [&](auto& p) {
    p.outer = to_i32(c, outer, "outer"), p.reduce = to_i32(c, reduce, "reduce"), p.inner = to_i32(c, inner, "inner");
  };
  if (c.int8()) {
    const TQ qi = tensor_quant(c, c.in(0)), qo = tensor_quant(c, c.out());
    mote_mean_s8_params p{};
    dims(p);
    p.in_zp = qi.zp, p.out_zp = qo.zp;
    const ReduceS8Requant rq = tflm_reduce_requant(float(qi.scale), float(qo.scale), reduce, c.n.op == OpKind::ReduceSum);
    p.multiplier = rq.multiplier, p.shift = rq.shift;
    call.params = p;
    return;
  }
  mote_mean_f32_params p{};
  dims(p);
  p.scale = c.n.op == OpKind::ReduceSum ? 1.0f : 1.0f / float(reduce);
  call.params = p;
}

void build_softmax(const LowerCtx& c, KernelCall& call) {
  check_io(c);
  call.inputs = {c.n.in(0)};
  const Shape& s = c.in(0).shape;
  if (c.n.attrs.i("axis", int64_t(s.size()) - 1) != int64_t(s.size()) - 1)
    c.error(fmt::format("{} axis must be the last", op_name(c.n.op)));
  const int64_t cols = s.back();
  const int32_t rows = to_i32(c, c.in(0).numel() / cols, "rows");
  if (c.int8() && c.n.op == OpKind::LogSoftmax) {
    call.params = log_softmax_s8_params(rows, to_i32(c, cols, "cols"), tflite_quant(c, c.in(0)), tflite_quant(c, c.out()));
    return;
  }
  if (c.int8()) {
    const TQ qi = tensor_quant(c, c.in(0)), qo = tensor_quant(c, c.out());
    if (qo.zp != -128 || qo.scale != 1.0 / 256) c.error("int8 softmax output must have scale 1/256, zero point -128");
    if (cols > 4095) c.error(fmt::format("int8 softmax over {} classes, the runtime handles 4095", cols));
    const SoftmaxS8Params sp = tflm_softmax_params(c.n.attrs.f("beta", 1.0f), float(qi.scale));
    mote_softmax_s8_params p{};
    p.rows = rows, p.cols = to_i32(c, cols, "cols");
    p.input_multiplier = sp.input_multiplier;
    p.input_left_shift = sp.input_left_shift;
    p.diff_min = sp.diff_min;
    call.params = p;
    return;
  }
  mote_softmax_f32_params p{};
  p.rows = rows, p.cols = to_i32(c, cols, "cols");
  p.log = c.n.op == OpKind::LogSoftmax;
  call.params = p;
}

namespace {

std::vector<int32_t> axes_i32(const LowerCtx& c) {
  std::vector<int32_t> axes;
  for (int64_t a : c.n.attrs.ints("axes")) axes.push_back(to_i32(c, a, "axis"));
  return axes;
}

}  // namespace

void build_reduce_max(const LowerCtx& c, KernelCall& call) {
  check_io(c);
  call.inputs = {c.n.in(0)};
  call.params = c.int8() ? reduce_max_s8_params(c.in(0).shape, axes_i32(c), tflite_quant(c, c.in(0)), tflite_quant(c, c.out()))
                         : reduce_max_params(c.in(0).shape, axes_i32(c));
}

// int8 or float in, int32 indices out.
void build_arg_max(const LowerCtx& c, KernelCall& call) {
  if (c.out().dtype != DType::I32) c.error(fmt::format("output '{}' is {}, expected i32", c.out().name, dtype_name(c.out().dtype)));
  call.inputs = {c.n.in(0)};
  call.params = arg_max_params(c.in(0).shape, to_i32(c, c.n.attrs.i("axis", 0), "axis"));
}

}  // namespace mote
