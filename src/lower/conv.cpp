// Conv2D and depthwise Conv2D, int8 and float.
#include "lower/families.h"

namespace mote {

namespace {

bool depthwise(const Graph& g, const Node& n) {
  const int64_t group = n.attrs.i("group", 1);
  const Tensor& x = g.t(n.in(0));
  const Tensor& w = g.t(n.in(1));
  return group > 1 && x.shape.size() == 4 && group == x.shape[3] && w.shape.size() == 4 && w.shape[3] == 1;
}

}  // namespace

// Encoded weights take the _enc kernels (lower/encoded.cpp) instead.
bool is_conv(const LowerCtx& c) { return c.n.op == OpKind::Conv && !depthwise(c.g, c.n) && !node_encoding(c.n); }
bool is_depthwise(const LowerCtx& c) { return c.n.op == OpKind::Conv && depthwise(c.g, c.n); }

// mote_conv2d_s8 computes stride-1 group-1 convs in place, holding pad_top + 1 output rows in
// its scratch until no later row reads the input rows they overwrite.
bool conv_in_place(const Graph& g, const Node& n, int input) {
  const Tensor& out = g.t(n.out());
  return input == n.in(0) && elementwise_in_place(g, n, input) && n.attrs.i("group", 1) == 1 &&
         n.attrs.ints("strides", {1, 1}) == std::vector<int64_t>{1, 1} &&
         n.attrs.ints("pads", {0, 0, 0, 0})[0] < out.shape[1];
}

// mote_depthwise_conv2d_s8 runs in place channel by channel when each output channel is its
// input channel (depth multiplier 1) and the output is no larger than the input.
bool depthwise_in_place(const Graph& g, const Node& n, int input) {
  const Tensor& x = g.t(n.in(0));
  const Tensor& out = g.t(n.out());
  return input == n.in(0) && !x.is_const() && x.dtype == DType::I8 && out.dtype == DType::I8 &&
         x.shape.size() == 4 && out.shape.size() == 4 && x.shape[3] == out.shape[3] &&
         out.shape[1] * out.shape[2] <= x.shape[1] * x.shape[2];
}

int64_t depthwise_conv2d_s8_scratch(const KernelCall& call) {
  return int64_t(mote_depthwise_conv2d_s8_scratch_bytes(&std::get<mote_conv_s8_params>(call.params)));
}

int64_t conv2d_s8_scratch(const KernelCall& call) {
  return int64_t(mote_conv2d_s8_scratch_bytes(&std::get<mote_conv_s8_params>(call.params)));
}

void build_conv(const LowerCtx& c, KernelCall& call) {
  const Tensor& x = c.in(0);
  const Tensor& w = const_input(c, 1, "weight");
  check_io(c);
  const mote_dims in = nhwc_dims(c, x), out = nhwc_dims(c, c.out());
  if (w.shape.size() != 4) c.error(fmt::format("weight '{}' must be OHWI, is {}", w.name, shape_str(w.shape)));
  const int64_t group = c.n.attrs.i("group", 1);
  const auto st = c.n.attrs.ints("strides", {1, 1}), dl = c.n.attrs.ints("dilations", {1, 1});
  const auto pads = c.n.attrs.ints("pads", {0, 0, 0, 0});
  const int32_t kh = int32_t(w.shape[1]), kw = int32_t(w.shape[2]);
  const bool dw = depthwise(c.g, c.n);
  call.inputs = {c.n.in(0)};

  // Depthwise kernels read HWO [kh][kw][out.c]; OHWI [out.c][kh][kw][1] is transposed.
  const size_t elem = dtype_size(w.dtype);
  ConstTable weights = copy_table("weights", w);
  if (dw) {
    const size_t oc = size_t(out.c), taps = size_t(kh) * size_t(kw);
    for (size_t o = 0; o < oc; ++o)
      for (size_t k = 0; k < taps; ++k)
        std::memcpy(&weights.bytes[(k * oc + o) * elem], &w.data[(o * taps + k) * elem], elem);
  }
  auto geometry = [&](auto& p) {
    p.in = in;
    p.out = out;
    p.kh = kh, p.kw = kw;
    p.stride_h = int32_t(st.at(0)), p.stride_w = int32_t(st.at(1));
    p.dil_h = int32_t(dl.at(0)), p.dil_w = int32_t(dl.at(1));
    p.pad_top = int32_t(pads.at(0)), p.pad_left = int32_t(pads.at(1));
    p.groups = int32_t(group);
  };

  if (c.quantized()) {  // int8, or 16x8 (zero points 0, int64 bias)
    mote_conv_s8_params p{};
    geometry(p);
    p.in_place = c.in_place == c.n.in(0) ? 1 : 0;
    const TQ qi = tensor_quant(c, x), qo = tensor_quant(c, c.out());
    p.in_zp = qi.zp, p.out_zp = qo.zp;
    std::tie(p.act_min, p.act_max) = act_range_s8(c);
    const std::vector<double> ws = weight_scales(c, w, out.c);
    std::vector<double> reals(ws.size());
    for (size_t o = 0; o < ws.size(); ++o) reals[o] = qi.scale * ws[o] / qo.scale;
    call.tables.push_back(std::move(weights));
    add_bias(c, call, 2, out.c);
    add_requant_tables(call, reals);
    if (!c.int8()) check_requant16(c, call);
    call.params = p;
    // mote_conv2d_s8 gathers a pixel's column before it computes the pixel, group by group;
    // mote_depthwise_conv2d_s8 writes each channel as it computes it.
    if (c.int8() && !p.in_place) call.overlap = stream_overlap(conv_walk(p, 1, !dw && group == 1));
    return;
  }
  if (w.dtype != DType::F32) c.error(fmt::format("weight '{}' is {}, expected f32", w.name, dtype_name(w.dtype)));
  mote_conv_f32_params p{};
  geometry(p);
  std::tie(p.act_min, p.act_max) = act_range_f32(c);
  call.tables.push_back(std::move(weights));
  add_bias(c, call, 2, out.c);
  call.params = p;
}

}  // namespace mote
