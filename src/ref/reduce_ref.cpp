// Reference REDUCE_MAX / ARG_MAX: for each output cell, a scan of its reduced elements in
// TFLM's order with TFLM's comparisons.
#include <cstdint>
#include <limits>

#include "ref/kernels_ref.h"

namespace mote::ref {
namespace {

bool ok(const mote_reduce_params& p) { return p.outer > 0 && p.reduce > 0 && p.inner > 0; }

size_t at(const mote_reduce_params& p, int32_t o, int32_t r, int32_t i) {
  return (size_t(o) * size_t(p.reduce) + size_t(r)) * size_t(p.inner) + size_t(i);
}

template <typename T>
mote_status reduce_max(const mote_reduce_params& p, const T* in, T* out) {
  if (!ok(p)) return MOTE_ERR_PARAM;
  for (int32_t o = 0; o < p.outer; ++o)
    for (int32_t i = 0; i < p.inner; ++i) {
      T m = std::numeric_limits<T>::lowest();
      for (int32_t r = 0; r < p.reduce; ++r)
        if (in[at(p, o, r, i)] > m) m = in[at(p, o, r, i)];
      out[size_t(o) * size_t(p.inner) + size_t(i)] = m;
    }
  return MOTE_OK;
}

template <typename T>
mote_status arg_max(const mote_reduce_params& p, const T* in, int32_t* out) {
  if (!ok(p)) return MOTE_ERR_PARAM;
  for (int32_t o = 0; o < p.outer; ++o)
    for (int32_t i = 0; i < p.inner; ++i) {
      int32_t best = 0;
      for (int32_t r = 1; r < p.reduce; ++r)
        if (in[at(p, o, r, i)] > in[at(p, o, best, i)]) best = r;
      out[size_t(o) * size_t(p.inner) + size_t(i)] = best;
    }
  return MOTE_OK;
}

}  // namespace

mote_status reduce_max_s8(const mote_reduce_params& p, const int8_t* in, int8_t* out) { return reduce_max(p, in, out); }
mote_status reduce_max_f32(const mote_reduce_params& p, const float* in, float* out) { return reduce_max(p, in, out); }
mote_status arg_max_s8(const mote_reduce_params& p, const int8_t* in, int32_t* out) { return arg_max(p, in, out); }
mote_status arg_max_f32(const mote_reduce_params& p, const float* in, int32_t* out) { return arg_max(p, in, out); }

}  // namespace mote::ref
