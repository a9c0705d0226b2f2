// Transpose convolution, resize, slicing / gather / tile, batch matmul and (float) layer norm:
// the IR nodes turned into the compile-time params of lower/params/ (which hold the TFLite /
// TFLM arithmetic).
#include "lower/families.h"
#include "lower/params/batch_matmul.h"
#include "lower/params/indexing.h"
#include "lower/params/layer_norm.h"
#include "lower/params/resize.h"
#include "lower/params/transpose_conv.h"

namespace mote {

namespace {

// The params functions throw without naming the node; this says which node it was.
template <typename F>
auto named(const LowerCtx& c, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const Error& e) {
    c.error(e.what());
  }
}

void check_moves_bytes(const LowerCtx& c, const char* op) {
  check_io(c);
  if (c.quantized() && !same_quant(c.in(0).quant, c.out().quant))
    c.error(fmt::format("quantized {} needs the output quantized like the input", op));
}

std::vector<int32_t> dims32(const LowerCtx& c, const Shape& s) {
  std::vector<int32_t> r;
  for (int64_t d : s) r.push_back(to_i32(c, d, "dim"));
  return r;
}

}  // namespace

bool is_transpose_conv(const LowerCtx& c) { return c.n.op == OpKind::TransposeConv; }
bool is_resize_nearest(const LowerCtx& c) { return c.n.op == OpKind::Resize && c.n.attrs.s("mode", "nearest") == "nearest"; }
bool is_resize_bilinear(const LowerCtx& c) { return c.n.op == OpKind::Resize && c.n.attrs.s("mode") == "linear"; }
bool is_slice(const LowerCtx& c) { return c.n.op == OpKind::Slice; }
bool is_gather(const LowerCtx& c) { return c.n.op == OpKind::Gather; }
bool is_tile(const LowerCtx& c) { return c.n.op == OpKind::Tile; }
bool is_batch_matmul(const LowerCtx& c) { return c.n.op == OpKind::BatchMatMul; }

void build_transpose_conv(const LowerCtx& c, KernelCall& call) {
  check_io(c);
  const Tensor& w = const_input(c, 1, "weight");
  TconvGeometry geo{};
  geo.in = nhwc_dims(c, c.in(0));
  geo.out = nhwc_dims(c, c.out());
  geo.kh = to_i32(c, w.shape.at(1), "kh");
  geo.kw = to_i32(c, w.shape.at(2), "kw");
  const auto st = c.n.attrs.ints("strides", {1, 1}), dl = c.n.attrs.ints("dilations", {1, 1}), pd = c.n.attrs.ints("pads", {0, 0});
  geo.stride_h = int32_t(st.at(0)), geo.stride_w = int32_t(st.at(1));
  geo.dil_h = int32_t(dl.at(0)), geo.dil_w = int32_t(dl.at(1));
  geo.pad_top = int32_t(pd.at(0)), geo.pad_left = int32_t(pd.at(1));
  call.inputs = {c.n.in(0)};
  call.tables.push_back(copy_table("weights", w));
  add_bias(c, call, 2, geo.out.c);
  if (c.quantized()) {  // int8, or 16x8 (zero points 0, int64 bias)
    const TQ qi = tensor_quant(c, c.in(0)), qo = tensor_quant(c, c.out());
    const std::vector<double> ws = weight_scales(c, w, geo.out.c);
    const std::vector<float> wsf(ws.begin(), ws.end());
    const auto [lo, hi] = act_range_s8(c);
    const int32_t qmin = c.int8() ? -128 : -32768, qmax = c.int8() ? 127 : 32767;
    TconvS8Params p = named(c, [&] {
      return transpose_conv_s8_params(geo, float(qi.scale), qi.zp, wsf, float(qo.scale), qo.zp, lo, hi, qmin, qmax);
    });
    call.tables.push_back(make_table("multiplier", DType::I32, p.multiplier));
    call.tables.push_back(make_table("shift", DType::I32, p.shift));
    if (!c.int8()) check_requant16(c, call);
    call.params = p.p;
    return;
  }
  const auto [lo, hi] = act_range_f32(c);
  call.params = named(c, [&] { return transpose_conv_f32_params(geo, lo, hi); });
}

int64_t transpose_conv_s8_scratch(const KernelCall& call) {
  return int64_t(mote_transpose_conv_s8_scratch_bytes(&std::get<mote_transpose_conv_s8_params>(call.params)));
}

void build_resize_nearest(const LowerCtx& c, KernelCall& call) {
  check_moves_bytes(c, "resize");
  call.inputs = {c.n.in(0)};
  const mote_dims in = nhwc_dims(c, c.in(0)), out = nhwc_dims(c, c.out());
  ResizeNearestParams p = named(c, [&] {
    return resize_nearest_params(in, out.h, out.w, c.n.attrs.i("align_corners", 0) != 0,
                                 c.n.attrs.i("half_pixel_centers", 0) != 0, int32_t(dtype_size(c.out().dtype)));
  });
  call.tables.push_back(make_table("y_src", DType::I32, p.y_src));
  call.tables.push_back(make_table("x_src", DType::I32, p.x_src));
  call.params = p.p;
}

void build_resize_bilinear(const LowerCtx& c, KernelCall& call) {
  check_moves_bytes(c, "resize");
  call.inputs = {c.n.in(0)};
  const mote_dims in = nhwc_dims(c, c.in(0)), out = nhwc_dims(c, c.out());
  const bool ac = c.n.attrs.i("align_corners", 0) != 0, hp = c.n.attrs.i("half_pixel_centers", 0) != 0;
  auto add_axis = [&](const char* a, const auto& t, DType frac) {
    call.tables.push_back(make_table(std::string(a) + "_lo", DType::I32, t.lo));
    call.tables.push_back(make_table(std::string(a) + "_hi", DType::I32, t.hi));
    call.tables.push_back(make_table(std::string(a) + "_frac", frac, t.frac));
  };
  if (c.quantized()) {  // int8 and int16 share TFLite's integer tables
    ResizeBilinearS8Params p = named(c, [&] { return resize_bilinear_s8_params(in, out.h, out.w, ac, hp); });
    add_axis("y", p.y, DType::I32);
    add_axis("x", p.x, DType::I32);
    call.params = p.p;
    return;
  }
  ResizeBilinearF32Params p = named(c, [&] { return resize_bilinear_f32_params(in, out.h, out.w, ac, hp); });
  add_axis("y", p.y, DType::F32);
  add_axis("x", p.x, DType::F32);
  call.params = p.p;
}

void build_slice(const LowerCtx& c, KernelCall& call) {
  check_moves_bytes(c, "slice");
  call.inputs = {c.n.in(0)};
  const auto b = c.n.attrs.ints("begins"), st = c.n.attrs.ints("strides"), sz = c.n.attrs.ints("sizes");
  std::vector<SliceAxis> axes;
  for (size_t i = 0; i < b.size(); ++i) axes.push_back({int32_t(b[i]), int32_t(st[i]), int32_t(sz[i])});
  call.params = named(c, [&] { return slice_params(dims32(c, c.in(0).shape), axes, int32_t(dtype_size(c.out().dtype))); });
}

void build_gather(const LowerCtx& c, KernelCall& call) {
  check_moves_bytes(c, "gather");
  call.inputs = {c.n.in(0)};
  GatherParams p = named(c, [&] {
    return gather_params(dims32(c, c.in(0).shape), int32_t(c.n.attrs.i("axis", 0)), c.n.attrs.ints("indices"), false,
                         int32_t(dtype_size(c.out().dtype)));
  });
  call.tables.push_back(make_table("indices", DType::I32, p.indices));
  call.params = p.p;
}

void build_tile(const LowerCtx& c, KernelCall& call) {
  check_moves_bytes(c, "tile");
  call.inputs = {c.n.in(0)};
  call.params = named(c, [&] {
    return tile_params(dims32(c, c.in(0).shape), dims32(c, c.out().shape), int32_t(dtype_size(c.out().dtype)));
  });
}

void build_batch_matmul(const LowerCtx& c, KernelCall& call) {
  check_io(c);
  check_dtype(c, c.in(1));
  call.inputs = {c.n.in(0), c.n.in(1)};
  const mote_matmul_geom g = named(c, [&] {
    return matmul_geometry(dims32(c, c.in(0).shape), dims32(c, c.in(1).shape), c.n.attrs.i("adj_x", 0) != 0,
                           c.n.attrs.i("adj_y", 0) != 0).g;
  });
  if (c.int8()) {
    const TQ qa = tensor_quant(c, c.in(0)), qb = tensor_quant(c, c.in(1)), qo = tensor_quant(c, c.out());
    const auto [lo, hi] = act_range_s8(c);
    call.params = named(c, [&] {
      return batch_matmul_s8_params(g, float(qa.scale), qa.zp, float(qb.scale), qb.zp, float(qo.scale), qo.zp, lo, hi);
    });
    return;
  }
  const auto [lo, hi] = act_range_f32(c);
  call.params = batch_matmul_f32_params(g, lo, hi);
}

bool is_layer_norm(const LowerCtx& c) { return c.n.op == OpKind::LayerNorm; }

// int8: the float scale (gamma) and bias (beta) are folded into per-element multipliers and
// 1/256-LSB biases (params/layer_norm.h).
void build_layer_norm(const LowerCtx& c, KernelCall& call) {
  check_io(c);
  const Shape& s = c.out().shape;
  const int64_t axis = c.n.attrs.i("axis", int64_t(s.size()) - 1);
  int64_t inner = 1;
  for (size_t i = size_t(axis); i < s.size(); ++i) inner *= s[i];
  const Tensor& scale = const_input(c, 1, "scale");
  if (scale.numel() != inner || scale.dtype != DType::F32) c.error(fmt::format("scale '{}' must be {} floats", scale.name, inner));
  call.inputs = {c.n.in(0)};
  if (c.int8()) {
    std::vector<float> beta;
    if (c.n.in(2) >= 0) {
      const Tensor& b = const_input(c, 2, "bias");
      if (b.numel() != inner || b.dtype != DType::F32) c.error(fmt::format("bias '{}' must be {} floats", b.name, inner));
      beta = b.values<float>();
    }
    LayerNormS8 r = named(c, [&] {
      return layer_norm_s8_params(to_i32(c, c.out().numel() / inner, "rows"), to_i32(c, inner, "inner"), c.n.attrs.f("epsilon", 1e-5f),
                                  tflite_quant(c, c.in(0)), tflite_quant(c, c.out()), scale.values<float>(), beta);
    });
    call.tables.push_back(make_table("multiplier", DType::I32, r.multiplier));
    call.tables.push_back(make_table("shift", DType::I32, r.shift));
    call.tables.push_back(make_table("bias", DType::I32, r.bias));
    call.params = r.p;
    return;
  }
  call.tables.push_back(copy_table("weights", scale));
  add_bias(c, call, 2, inner);
  call.params = mote_layer_norm_f32_params{to_i32(c, c.out().numel() / inner, "rows"), to_i32(c, inner, "inner"), c.n.attrs.f("epsilon", 1e-5f)};
}

}  // namespace mote
