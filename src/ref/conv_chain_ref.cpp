// The conv chain oracles: the plain oracles one after another, every intermediate whole.
#include <cstring>

#include "ref/kernels_ref.h"

namespace mote::ref {

namespace {

size_t elems(const mote_dims& d) { return size_t(d.n) * size_t(d.h) * size_t(d.w) * size_t(d.c); }

template <typename P, typename Conv>
mote_status chain(const P& p, Conv conv, const int8_t* x, const int8_t* skip, int8_t* out) {
  std::vector<int8_t> y(elems(p.conv1.out)), z(elems(p.conv2.out));
  mote_status st = conv(p.conv1, x, 1, y.data());
  if (st == MOTE_OK) st = conv(p.conv2, y.data(), 2, z.data());
  if (st != MOTE_OK) return st;
  if (!p.has_add) {
    std::memcpy(out, z.data(), z.size());
    return MOTE_OK;
  }
  const size_t row = size_t(p.conv2.out.w) * size_t(p.conv2.out.c);
  for (size_t r = 0; r + row <= z.size() && row > 0; r += row) {
    st = add_s8(p.add, z.data() + r, skip + r, out + r);
    if (st != MOTE_OK) return st;
  }
  return MOTE_OK;
}

}  // namespace

mote_status conv_chain_s8(const mote_conv_chain_s8_params& p, const int8_t* x, const int8_t* skip, int8_t* out) {
  return chain(
      p,
      [&](const mote_conv_s8_params& q, const int8_t* in, int k, int8_t* o) {
        return conv2d_s8(q, in, k == 1 ? p.w1 : p.w2, k == 1 ? p.bias1 : p.bias2, o);
      },
      x, skip, out);
}

mote_status conv_chain_s8_dsp(const mote_conv_chain_s8_dsp_params& p, const int8_t* x, const int8_t* skip,
                              int8_t* out) {
  return chain(
      p,
      [&](const mote_conv_s8_dsp_params& q, const int8_t* in, int k, int8_t* o) {
        return conv2d_s8_dsp(q, in, k == 1 ? p.w1 : p.w2, k == 1 ? p.chan1 : p.chan2, o);
      },
      x, skip, out);
}

}  // namespace mote::ref
