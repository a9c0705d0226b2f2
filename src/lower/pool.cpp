// Max and average pooling, int8 (keeping the input's quantization) and float.
#include "lower/families.h"

namespace mote {

bool is_maxpool(const LowerCtx& c) { return c.n.op == OpKind::MaxPool; }
bool is_avgpool(const LowerCtx& c) { return c.n.op == OpKind::AvgPool; }
// mote_avgpool_s8_dsp sums in 16 bits: windows of at most 256 cells.
bool is_avgpool_s8_dsp(const LowerCtx& c) {
  const auto k = c.n.attrs.ints("kernel");
  return is_avgpool(c) && c.int8() && k.size() == 2 && k[0] * k[1] <= 256;
}

void build_pool(const LowerCtx& c, KernelCall& call) {
  check_io(c);
  call.inputs = {c.n.in(0)};
  const auto k = c.n.attrs.ints("kernel");
  const auto st = c.n.attrs.ints("strides", {1, 1});
  const auto pads = c.n.attrs.ints("pads", {0, 0, 0, 0});
  auto geometry = [&](auto& p) {
    p.in = nhwc_dims(c, c.in(0)), p.out = nhwc_dims(c, c.out());
    p.kh = int32_t(k.at(0)), p.kw = int32_t(k.at(1));
    p.stride_h = int32_t(st.at(0)), p.stride_w = int32_t(st.at(1));
    p.pad_top = int32_t(pads.at(0)), p.pad_left = int32_t(pads.at(1));
  };
  if (c.int8()) {
    if (!same_quant(c.in(0).quant, c.out().quant)) c.error("int8 pooling needs the output quantized like the input");
    mote_pool_s8_params p{};
    geometry(p);
    std::tie(p.act_min, p.act_max) = act_range_s8(c);
    call.params = p;
    return;
  }
  mote_pool_f32_params p{};
  geometry(p);
  std::tie(p.act_min, p.act_max) = act_range_f32(c);
  call.params = p;
}

}  // namespace mote
