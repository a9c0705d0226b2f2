// Conv2D, depthwise Conv2D and fully connected for the DSP kernels (runtime/src/kernels/*/*_dsp.c):
// the portable lowering's weights laid out for SXTB16 / SMLAD, and its requantization in the
// form one SMMULR computes exactly, where it does.
#include <algorithm>
#include <cstdlib>
#include <optional>

#include "lower/families.h"

namespace mote {

namespace {

// The node's portable lowering and, when the DSP requantization is exact for every output
// channel, that channel's record {bias, multiplier, right shift e, 2^(e-1) + out_zp * 2^e}.
struct DspConv {
  KernelCall portable;
  std::vector<int32_t> chan;
};

template <typename T>
const T* table_data(const KernelCall& call, const char* role) {
  const ConstTable* t = call.table(role);
  return t ? reinterpret_cast<const T*>(t->bytes.data()) : nullptr;
}

std::optional<DspConv> dsp_conv(const LowerCtx& c) {
  if (!c.int8()) return std::nullopt;
  DspConv d;
  build_conv(c, d.portable);
  const mote_conv_s8_params& p = std::get<mote_conv_s8_params>(d.portable.params);
  const Tensor& w = c.in(1);  // OHWI, for depthwise [out.c][kh][kw][1]
  const int32_t* bias = table_data<int32_t>(d.portable, "bias");
  const int32_t* mult = table_data<int32_t>(d.portable, "multiplier");
  const int32_t* shift = table_data<int32_t>(d.portable, "shift");
  std::optional<std::vector<int32_t>> chan =
      dsp_records(w.as<int8_t>(), p.out.c, w.numel() / p.out.c, bias, mult, shift, true, p.in_zp, p.out_zp);
  if (!chan) return std::nullopt;
  d.chan = std::move(*chan);
  return d;
}

// The DSP call from the portable one: same geometry and activations; the channel records, as
// many as `channels` (the padding ones give 0), take the bias's place.
void make_dsp_call(const DspConv& d, KernelCall& call, ConstTable weights, int64_t channels) {
  const mote_conv_s8_params& p = std::get<mote_conv_s8_params>(d.portable.params);
  mote_conv_s8_dsp_params q{};
  q.in = p.in, q.out = p.out;
  q.kh = p.kh, q.kw = p.kw;
  q.stride_h = p.stride_h, q.stride_w = p.stride_w;
  q.dil_h = p.dil_h, q.dil_w = p.dil_w;
  q.pad_top = p.pad_top, q.pad_left = p.pad_left;
  q.in_zp = p.in_zp;
  q.act_min = p.act_min, q.act_max = p.act_max;
  q.in_place = p.in_place;
  call.params = q;
  call.inputs = d.portable.inputs;
  call.tables.push_back(std::move(weights));
  std::vector<int32_t> chan = d.chan;
  while (int64_t(chan.size()) < 4 * channels) chan.insert(chan.end(), {0, 0, 1, 0});
  call.tables.push_back(make_table("bias", DType::I32, chan));
}

// A 1x1 Conv of stride 1 without padding, a fully connected layer over the pixels, where the
// FC kernel is faster than mote_conv2d_s8_dsp: fewer than 16 pixels and not a multiple of 3 (the
// conv computes the last pixel of a block of three again). Elsewhere the conv is faster even for
// few input channels; measured on the M4, VWW's 48x48 8 -> 16 as FC 1,104,337 instructions, as
// conv 841,838; 24x24 16 -> 32 650,997 and 504,101; 3x3 128 -> 256 336,239 and 291,658.
bool pointwise(const LowerCtx& c) {
  if (!is_conv(c)) return false;
  const Shape& w = c.in(1).shape;  // OHWI
  const std::vector<int64_t> pads = c.n.attrs.ints("pads", {0, 0, 0, 0});
  const int64_t pixels = c.out().numel() / std::max<int64_t>(1, w[0]);
  return c.n.attrs.i("group", 1) == 1 && w.size() == 4 && w[1] == 1 && w[2] == 1 &&
         c.n.attrs.ints("strides", {1, 1}) == std::vector<int64_t>{1, 1} &&
         std::all_of(pads.begin(), pads.end(), [](int64_t v) { return v == 0; }) && pixels % 3 != 0 &&
         pixels < 16;
}

// A FullyConnected node, or a pointwise Conv as one, as the DSP FC kernel runs it: its shape,
// zero point, clamp and records, where they are exact.
struct DspFc {
  KernelCall portable;
  mote_fc_s8_dsp_params p{};
  int32_t in_zp = 0;
  std::vector<int32_t> chan;
};

std::optional<DspFc> dsp_fc(const LowerCtx& c) {
  if (!c.int8() || !(is_fc(c) || pointwise(c))) return std::nullopt;
  DspFc d;
  int32_t out_zp = 0;
  bool per_row = true;
  if (is_fc(c)) {
    build_fc(c, d.portable);
    const mote_fc_s8_params& q = std::get<mote_fc_s8_params>(d.portable.params);
    d.p = {q.batches, q.in_features, q.out_features, q.act_min, q.act_max, 0, 0};
    d.in_zp = q.in_zp, out_zp = q.out_zp, per_row = q.per_channel != 0;
  } else {
    build_conv(c, d.portable);
    const mote_conv_s8_params& q = std::get<mote_conv_s8_params>(d.portable.params);
    d.p = {q.in.n * q.in.h * q.in.w, q.in.c, q.out.c, q.act_min, q.act_max, 0, 0};
    d.in_zp = q.in_zp, out_zp = q.out_zp;
  }
  std::optional<std::vector<int32_t>> chan = dsp_records(
      c.in(1).as<int8_t>(), d.p.out_features, d.p.in_features, table_data<int32_t>(d.portable, "bias"),
      table_data<int32_t>(d.portable, "multiplier"), table_data<int32_t>(d.portable, "shift"), per_row, d.in_zp,
      out_zp);
  if (!chan) return std::nullopt;
  d.chan = std::move(*chan);
  return d;
}

DspConv checked(const LowerCtx& c) {
  std::optional<DspConv> d = dsp_conv(c);
  if (!d) c.error("the DSP requantization is not exact for this layer");
  return std::move(*d);
}

}  // namespace

std::optional<std::vector<int32_t>> dsp_records(const int8_t* w, int64_t rows, int64_t len, const int32_t* bias,
                                                const int32_t* mult, const int32_t* shift, bool per_row,
                                                int32_t in_zp, int32_t out_zp) {
  const int64_t max_dev = std::max(127 - in_zp, in_zp + 128);  // largest |in - in_zp|
  std::vector<int32_t> chan;
  for (int64_t o = 0; o < rows; ++o) {
    // |acc| <= |bias| + max_dev * sum |w|, and SMMULR needs 2 * acc in int32
    int64_t bound = 0;
    for (int64_t k = 0; k < len; ++k) bound += std::abs(int64_t(w[o * len + k]));
    bound = bound * max_dev + (bias ? std::abs(int64_t(bias[o])) : 0);
    const int64_t ch = per_row ? o : 0;
    const int32_t e = -shift[ch];
    if (mult[ch] == 0 || e < 1 || e > 31 || bound >= (int64_t(1) << 30)) return std::nullopt;
    // the requantized value is at most bound + 1 in magnitude before the rounding term
    const int64_t round = (int64_t(1) << (e - 1)) + int64_t(out_zp) * (int64_t(1) << e);
    if (bound + 2 + std::abs(round) > INT32_MAX) return std::nullopt;
    chan.insert(chan.end(), {bias ? bias[o] : 0, mult[ch], e, int32_t(round)});
  }
  return chan;
}

bool is_conv_dsp(const LowerCtx& c) {
  return is_conv(c) && c.n.attrs.i("group", 1) == 1 && dsp_conv(c).has_value();
}

bool is_depthwise_dsp(const LowerCtx& c) {
  return is_depthwise(c) && c.out().shape.size() == 4 && c.out().shape[3] == c.in(0).shape[3] &&
         dsp_conv(c).has_value();
}

// Weights: output channels in pairs, each pair as groups of 4 OHWI weights per channel packed
// into a word from its lowest byte, the groups an even number, zeros past the end (kernels.h).
void build_conv_dsp(const LowerCtx& c, KernelCall& call) {
  const DspConv d = checked(c);
  const mote_conv_s8_params& p = std::get<mote_conv_s8_params>(d.portable.params);
  const int8_t* w = c.in(1).as<int8_t>();
  const int64_t k_len = int64_t(p.kh) * p.kw * p.in.c, groups = (k_len + 7) / 8 * 2;
  const int64_t pairs = (p.out.c + 1) / 2;
  std::vector<uint32_t> r(size_t(pairs * groups * 2), 0);
  for (int64_t o = 0; o < p.out.c; ++o)
    for (int64_t k = 0; k < k_len; ++k)
      r[size_t(((o / 2) * groups + k / 4) * 2 + o % 2)] |= uint32_t(uint8_t(w[o * k_len + k])) << (8 * (k % 4));
  make_dsp_call(d, call, make_table("weights", DType::I32, r), 2 * pairs);
  // A block's three pixels' columns are gathered before any of them is written.
  if (!p.in_place) {
    const bool back = walk_backward(p.in, p.out);
    std::get<mote_conv_s8_dsp_params>(call.params).reverse = back ? 1 : 0;
    call.overlap = stream_overlap(conv_walk(p, 3, true, back));
  }
}

// Weights: channels in blocks of 4, each block as its kh * kw taps of two words of 16-bit
// weights, channels (0, 2) and (1, 3), low half first.
void build_depthwise_dsp(const LowerCtx& c, KernelCall& call) {
  const DspConv d = checked(c);
  const mote_conv_s8_params& p = std::get<mote_conv_s8_params>(d.portable.params);
  const int8_t* w = c.in(1).as<int8_t>();
  const int64_t taps = int64_t(p.kh) * p.kw, blocks = (p.out.c + 3) / 4;
  std::vector<uint32_t> r(size_t(blocks * taps * 2), 0);
  for (int64_t o = 0; o < p.out.c; ++o)
    for (int64_t t = 0; t < taps; ++t)
      r[size_t(((o / 4) * taps + t) * 2 + o % 2)] |= uint32_t(uint16_t(int16_t(w[o * taps + t]))) << (16 * (o % 4 / 2));
  make_dsp_call(d, call, make_table("weights", DType::I32, r), p.out.c);
  // Each block of 4 channels is written as soon as it is computed.
  if (!p.in_place) call.overlap = stream_overlap(conv_walk(p, 1, false));
}

// mote_depthwise_conv2d_s8_dsp in place is like conv_in_place: stride 1, the output's shape, rows
// held in scratch until their input rows are read.
bool depthwise_dsp_in_place(const Graph& g, const Node& n, int input) {
  const Tensor& out = g.t(n.out());
  return input == n.in(0) && elementwise_in_place(g, n, input) &&
         n.attrs.ints("strides", {1, 1}) == std::vector<int64_t>{1, 1} &&
         n.attrs.ints("pads", {0, 0, 0, 0})[0] < out.shape[1];
}

// Rows at least this wide go through the plane kernel: its per-row and per-channel work (gather,
// scatter, restoring the padding) outweighs its faster pairs below. Measured on the M4, VWW's
// layers: 48x48x8 977,840 -> 509,200 instructions, 24x24x32 803,320 -> 553,240, 12x12x64
// 379,160 -> 324,640; but 6x6x128 177,920 -> 240,520 and DS-CNN's 25x5x64 326,240 -> 443,480.
constexpr int32_t kPlaneMinWidth = 12;

bool is_depthwise3x3_dsp(const LowerCtx& c) {
  if (!is_depthwise(c) || c.out().shape.size() != 4 || c.out().shape[3] != c.in(0).shape[3]) return false;
  const std::optional<DspConv> d = dsp_conv(c);
  if (!d) return false;
  const mote_conv_s8_params& p = std::get<mote_conv_s8_params>(d->portable.params);
  return p.kh == 3 && p.kw == 3 && p.stride_h == 1 && p.stride_w == 1 && p.dil_h == 1 && p.dil_w == 1 &&
         p.pad_top >= 0 && p.pad_left >= 0 && p.out.w >= kPlaneMinWidth;
}

// Weights: per channel 5 words of doubled 16-bit weights (w00, w02), (w10, w12), (w20, w22),
// (w01, w11), (w21, 0), low half first; the records' bias 2 * (bias - in_zp * sum w), which the
// padding cells' in_zp and the raw inputs make up for (kernels.h).
void build_depthwise3x3_dsp(const LowerCtx& c, KernelCall& call) {
  DspConv d = checked(c);
  const mote_conv_s8_params& p = std::get<mote_conv_s8_params>(d.portable.params);
  const int8_t* w = c.in(1).as<int8_t>();
  auto half = [](int8_t v) { return uint32_t(uint16_t(int16_t(2 * v))); };
  std::vector<uint32_t> r;
  for (int64_t o = 0; o < p.out.c; ++o) {
    const int8_t* t = w + 9 * o;  // [ky][kx]
    r.insert(r.end(), {half(t[0]) | half(t[2]) << 16, half(t[3]) | half(t[5]) << 16, half(t[6]) | half(t[8]) << 16,
                       half(t[1]) | half(t[4]) << 16, half(t[7])});
    int64_t sum = 0;
    for (int k = 0; k < 9; ++k) sum += t[k];
    // |bias - in_zp * sum w| <= dsp_records' bound < 2^30
    d.chan[size_t(4 * o)] = int32_t(2 * (int64_t(d.chan[size_t(4 * o)]) - int64_t(p.in_zp) * sum));
  }
  make_dsp_call(d, call, make_table("weights", DType::I32, r), p.out.c);
}

// A channel is written only after its input is gathered into the plane: in place wherever the
// output has the input's shape.
bool depthwise3x3_dsp_in_place(const Graph& g, const Node& n, int input) {
  return input == n.in(0) && elementwise_in_place(g, n, input);
}

bool is_fc_dsp(const LowerCtx& c) { return dsp_fc(c).has_value(); }

namespace {

// The lean DSP FC (no scratch, about 1.5x the instructions) where the expanded input, 2 bytes
// per input, would be larger than every activation of the graph and so set its arena: the
// anomaly-detection autoencoder's 640 -> 128 among 640-byte activations; never the pointwise
// convs run as FC, whose scratch is one pixel's.
bool lean_fc(const Graph& g, int64_t in_features) {
  int64_t largest = 0;
  for (const Tensor& t : g.tensors)
    if (!t.is_const()) largest = std::max(largest, int64_t(t.bytes()));
  return (in_features + 7) / 8 * 16 > largest;
}

}  // namespace

// mote_fully_connected_s8_dsp reads a row's input into scratch before it writes the row's
// output: in place where they have the same shape, unless it is lean.
bool fc_dsp_in_place(const Graph& g, const Node& n, int input) {
  const Tensor& x = g.t(n.in(0));
  return input == n.in(0) && elementwise_in_place(g, n, input) && !x.shape.empty() && !lean_fc(g, x.shape.back());
}

// Weights: rows in blocks of 4 (zero rows pad the last), groups of 4 inputs (an even number,
// zeros past the end), one word per row with bytes w + 128, w, w + 128, w (kernels.h). The bias
// takes -in_zp * sum w and 128 * the odd-k sum, modulo 2^32 as the kernel's sums wrap.
void build_fc_dsp(const LowerCtx& c, KernelCall& call) {
  std::optional<DspFc> d = dsp_fc(c);
  if (!d) c.error("the DSP requantization is not exact for this layer");
  const int8_t* w = c.in(1).as<int8_t>();
  const int64_t m = d->p.out_features, k_len = d->p.in_features, groups = (k_len + 7) / 8 * 2, blocks = (m + 3) / 4;
  std::vector<uint32_t> r(size_t(blocks * groups * 4), 0x00800080u);
  for (int64_t o = 0; o < m; ++o) {
    int64_t fold = 0;
    for (int64_t k = 0; k < k_len; ++k) {
      const int32_t v = w[o * k_len + k];
      const uint32_t byte = uint8_t(k % 2 == 0 ? v + 128 : v);
      uint32_t& word = r[size_t(((o / 4) * groups + k / 4) * 4 + o % 4)];
      word = (word & ~(0xFFu << (8 * (k % 4)))) | byte << (8 * (k % 4));
      fold += -int64_t(d->in_zp) * v + (k % 2 ? 128 * v : 0);
    }
    d->chan[size_t(4 * o)] = int32_t(uint32_t(int64_t(d->chan[size_t(4 * o)]) + fold));
  }
  while (int64_t(d->chan.size()) < 16 * blocks) d->chan.insert(d->chan.end(), {0, 0, 1, 0});
  // A row's input is expanded into scratch before the row's outputs are written; lean, the
  // input is read while the outputs are written.
  d->p.lean = lean_fc(c.g, d->p.in_features) ? 1 : 0;
  const ConvWalk walk = fc_walk(d->p.batches, d->p.in_features, d->p.out_features, !d->p.lean);
  d->p.reverse = walk_backward(walk.in, walk.out) ? 1 : 0;
  call.params = d->p;
  call.inputs = d->portable.inputs;
  call.tables.push_back(make_table("weights", DType::I32, r));
  call.tables.push_back(make_table("bias", DType::I32, d->chan));
  call.overlap = stream_overlap(fc_walk(d->p.batches, d->p.in_features, d->p.out_features, !d->p.lean, d->p.reverse != 0));
}

int64_t fully_connected_s8_dsp_scratch(const KernelCall& call) {
  return int64_t(mote_fully_connected_s8_dsp_scratch_bytes(&std::get<mote_fc_s8_dsp_params>(call.params)));
}

int64_t conv2d_s8_dsp_scratch(const KernelCall& call) {
  return int64_t(mote_conv2d_s8_dsp_scratch_bytes(&std::get<mote_conv_s8_dsp_params>(call.params)));
}

int64_t depthwise_conv2d_3x3_s8_dsp_scratch(const KernelCall& call) {
  return int64_t(mote_depthwise_conv2d_3x3_s8_dsp_scratch_bytes(&std::get<mote_conv_s8_dsp_params>(call.params)));
}

int64_t depthwise_conv2d_s8_dsp_scratch(const KernelCall& call) {
  return int64_t(mote_depthwise_conv2d_s8_dsp_scratch_bytes(&std::get<mote_conv_s8_dsp_params>(call.params)));
}

}  // namespace mote
