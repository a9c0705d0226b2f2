// Oracles of the DSP kernels: their weight layouts and requantization records (kernels.h) read
// back into the portable kernels' OHWI / HWO weights and multiplier / shift / zero point, then
// the portable oracles. The DSP kernels must give the portable kernels' bytes.
#include <vector>

#include "ref/kernels_ref.h"

namespace mote::ref {

namespace {

// The bias, multiplier, shift and output zero point of n channel records; false if a record is
// not one the DSP kernels accept.
bool read_records(const int32_t* chan, int32_t n, std::vector<int32_t>* bias, std::vector<int32_t>* mult,
                  std::vector<int32_t>* shift, int32_t* out_zp) {
  if (chan == nullptr || n <= 0) return false;
  bias->clear();
  mult->clear();
  shift->clear();
  for (int32_t c = 0; c < n; ++c) {
    const int32_t* r = chan + 4 * c;
    const int32_t e = r[2];
    if (e < 1 || e > 31) return false;
    const int64_t zp_part = int64_t(r[3]) - (int64_t(1) << (e - 1));
    if (zp_part % (int64_t(1) << e) != 0) return false;
    const int64_t zp = zp_part / (int64_t(1) << e);
    if (c > 0 && zp != *out_zp) return false;
    *out_zp = int32_t(zp);
    bias->push_back(r[0]);
    mult->push_back(r[1]);
    shift->push_back(-e);
  }
  return true;
}

// The portable params and bias from the channel records.
bool portable_params(const mote_conv_s8_dsp_params& d, const int32_t* chan, mote_conv_s8_params* p,
                     std::vector<int32_t>* bias, std::vector<int32_t>* mult, std::vector<int32_t>* shift) {
  *p = mote_conv_s8_params{};
  p->in = d.in, p->out = d.out;
  p->kh = d.kh, p->kw = d.kw;
  p->stride_h = d.stride_h, p->stride_w = d.stride_w;
  p->dil_h = d.dil_h, p->dil_w = d.dil_w;
  p->pad_top = d.pad_top, p->pad_left = d.pad_left;
  p->groups = 1;
  p->in_zp = d.in_zp;
  p->act_min = d.act_min, p->act_max = d.act_max;
  if (!read_records(chan, d.out.c, bias, mult, shift, &p->out_zp)) return false;
  p->multiplier = mult->data();
  p->shift = shift->data();
  return true;
}

}  // namespace

mote_status conv2d_s8_dsp(const mote_conv_s8_dsp_params& d, const int8_t* in, const int32_t* w,
                          const int32_t* chan, int8_t* out) {
  mote_conv_s8_params p;
  std::vector<int32_t> bias, mult, shift;
  if (!portable_params(d, chan, &p, &bias, &mult, &shift) || d.in.c <= 0 || d.kh <= 0 || d.kw <= 0) return MOTE_ERR_PARAM;
  // channel pair o / 2, group k / 4 of an even count, word o % 2, byte k % 4 from the lowest
  const int64_t k_len = int64_t(d.kh) * d.kw * d.in.c, groups = (k_len + 7) / 8 * 2;
  std::vector<int8_t> ohwi(size_t(d.out.c * k_len));
  for (int64_t o = 0; o < d.out.c; ++o)
    for (int64_t k = 0; k < k_len; ++k) {
      const uint32_t word = uint32_t(w[((o / 2) * groups + k / 4) * 2 + o % 2]);
      ohwi[size_t(o * k_len + k)] = int8_t(uint8_t(word >> (8 * (k % 4))));
    }
  return conv2d_s8(p, in, ohwi.data(), bias.data(), out);
}

mote_status depthwise_conv2d_s8_dsp(const mote_conv_s8_dsp_params& d, const int8_t* in,
                                    const int32_t* w, const int32_t* chan, int8_t* out) {
  mote_conv_s8_params p;
  std::vector<int32_t> bias, mult, shift;
  if (!portable_params(d, chan, &p, &bias, &mult, &shift) || d.in.c != d.out.c || d.kh <= 0 || d.kw <= 0) return MOTE_ERR_PARAM;
  p.groups = d.in.c;
  // block o / 4, tap t, word o % 2, half o % 4 / 2  ->  HWO [t][o]; the weights are int8
  const int64_t taps = int64_t(d.kh) * d.kw, c = d.out.c;
  std::vector<int8_t> hwo(size_t(taps * c));
  for (int64_t o = 0; o < c; ++o)
    for (int64_t t = 0; t < taps; ++t) {
      const uint32_t word = uint32_t(w[((o / 4) * taps + t) * 2 + o % 2]);
      const int16_t v = int16_t(uint16_t(word >> (16 * (o % 4 / 2))));
      if (v < -128 || v > 127) return MOTE_ERR_PARAM;
      hwo[size_t(t * c + o)] = int8_t(v);
    }
  return depthwise_conv2d_s8(p, in, hwo.data(), bias.data(), out);
}

mote_status depthwise_conv2d_3x3_s8_dsp(const mote_conv_s8_dsp_params& d, const int8_t* in, const int32_t* w,
                                        const int32_t* chan, int8_t* out) {
  mote_conv_s8_params p;
  std::vector<int32_t> bias, mult, shift;
  if (!portable_params(d, chan, &p, &bias, &mult, &shift) || d.in.c != d.out.c || d.kh != 3 || d.kw != 3)
    return MOTE_ERR_PARAM;
  p.groups = d.in.c;
  // channel o's words (w00, w02), (w10, w12), (w20, w22), (w01, w11), (w21, 0) of doubled
  // weights -> HWO [ky * 3 + kx][o]; the bias back from 2 * (bias - in_zp * sum w)
  static const int kTap[5][2] = {{0, 2}, {3, 5}, {6, 8}, {1, 4}, {7, -1}};
  const int64_t c = d.out.c;
  std::vector<int8_t> hwo(size_t(9 * c));
  for (int64_t o = 0; o < c; ++o) {
    int64_t sum = 0;
    for (int k = 0; k < 5; ++k)
      for (int h = 0; h < 2; ++h) {
        const int16_t v = int16_t(uint16_t(uint32_t(w[5 * o + k]) >> (16 * h)));
        if (kTap[k][h] < 0) {
          if (v != 0) return MOTE_ERR_PARAM;
          continue;
        }
        if (v % 2 != 0 || v < -256 || v > 254) return MOTE_ERR_PARAM;
        hwo[size_t(kTap[k][h] * c + o)] = int8_t(v / 2);
        sum += v / 2;
      }
    if (bias[size_t(o)] % 2 != 0) return MOTE_ERR_PARAM;
    bias[size_t(o)] = int32_t(bias[size_t(o)] / 2 + int64_t(d.in_zp) * sum);
  }
  return depthwise_conv2d_s8(p, in, hwo.data(), bias.data(), out);
}

namespace {

// The portable FC params of the DSP ones from the records (in_zp 0: the biases hold it).
bool fc_params(const mote_fc_s8_dsp_params& d, const int32_t* chan, mote_fc_s8_params* p, std::vector<int32_t>* bias,
               std::vector<int32_t>* mult, std::vector<int32_t>* shift) {
  *p = mote_fc_s8_params{};
  if (d.in_features <= 0 || !read_records(chan, d.out_features, bias, mult, shift, &p->out_zp)) return false;
  p->batches = d.batches, p->in_features = d.in_features, p->out_features = d.out_features;
  p->act_min = d.act_min, p->act_max = d.act_max;
  p->per_channel = 1;
  p->multiplier = mult->data();
  p->shift = shift->data();
  return true;
}

}  // namespace

mote_status fully_connected_s8_sparse8_dsp(const mote_fc_s8_dsp_params& d, const int8_t* in, const int8_t* w,
                                           const int32_t* chan, int8_t* out) {
  mote_fc_s8_params p;
  std::vector<int32_t> bias, mult, shift;
  if (d.reverse != 0 || !fc_params(d, chan, &p, &bias, &mult, &shift)) return MOTE_ERR_PARAM;
  return fully_connected_s8(p, in, w, bias.data(), out);
}

mote_status fully_connected_s8_dsp(const mote_fc_s8_dsp_params& d, const int8_t* in, const int32_t* w,
                                  const int32_t* chan, int8_t* out) {
  mote_fc_s8_params p;
  std::vector<int32_t> bias, mult, shift;
  if (!fc_params(d, chan, &p, &bias, &mult, &shift)) return MOTE_ERR_PARAM;
  // block o / 4, group k / 4 of an even count, word o % 4, byte k % 4: w + 128 at even k. The
  // records' biases hold -in_zp * sum w (in_zp is then 0 here) and 128 * the odd-k sum.
  const int64_t k_len = d.in_features, groups = (k_len + 7) / 8 * 2;
  std::vector<int8_t> rows(size_t(d.out_features * k_len));
  for (int64_t o = 0; o < d.out_features; ++o) {
    int64_t odd = 0;
    for (int64_t k = 0; k < k_len; ++k) {
      const uint32_t word = uint32_t(w[((o / 4) * groups + k / 4) * 4 + o % 4]);
      const int32_t byte = int32_t((word >> (8 * (k % 4))) & 0xFFu);
      const int32_t v = k % 2 == 0 ? byte - 128 : int32_t(int8_t(uint8_t(byte)));
      rows[size_t(o * k_len + k)] = int8_t(v);
      if (k % 2) odd += v;
    }
    bias[size_t(o)] = int32_t(uint32_t(int64_t(bias[size_t(o)]) - 128 * odd));
  }
  return fully_connected_s8(p, in, rows.data(), bias.data(), out);
}

}  // namespace mote::ref
