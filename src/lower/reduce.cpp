// Reductions: mean over contiguous axes, softmax over the last axis.
#include "lower/families.h"
#include "lower/tables.h"

namespace mote {

bool is_mean(const LowerCtx& c) { return c.n.op == OpKind::ReduceMean; }
bool is_softmax(const LowerCtx& c) { return c.n.op == OpKind::Softmax; }

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
    const ReduceS8Requant rq = tflm_reduce_requant(float(qi.scale), float(qo.scale), reduce, false);
    p.multiplier = rq.multiplier, p.shift = rq.shift;
    call.params = p;
    return;
  }
  mote_mean_f32_params p{};
  dims(p);
  call.params = p;
}

void build_softmax(const LowerCtx& c, KernelCall& call) {
  check_io(c);
  call.inputs = {c.n.in(0)};
  const Shape& s = c.in(0).shape;
  if (c.n.attrs.i("axis", int64_t(s.size()) - 1) != int64_t(s.size()) - 1) c.error("softmax axis must be the last");
  const int64_t cols = s.back();
  const int32_t rows = to_i32(c, c.in(0).numel() / cols, "rows");
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
  call.params = p;
}

}  // namespace mote
