/* float softmax or log-softmax over the last axis; needs mote_expf and mote_logf (math/). */
#include "../internal.h"

mote_status mote_softmax_f32(const mote_softmax_f32_params *p, const float *in, float *out) {
  int32_t r, c;
  if (p->rows <= 0 || p->cols <= 0) {
    return MOTE_ERR_PARAM;
  }
  for (r = 0; r < p->rows; ++r) {
    const float *x = in + (size_t)r * p->cols;
    float *y = out + (size_t)r * p->cols;
    const float mx = mote__max_f32(x, p->cols);
    float sum = 0.0f;
    for (c = 0; c < p->cols; ++c) {
      y[c] = mote_expf(x[c] - mx);
      sum += y[c];
    }
    if (p->log) {
      const float log_sum = mote_logf(sum);
      for (c = 0; c < p->cols; ++c) {
        y[c] = x[c] - mx - log_sum;
      }
    } else {
      const float inv = 1.0f / sum;
      for (c = 0; c < p->cols; ++c) {
        y[c] *= inv;
      }
    }
  }
  return MOTE_OK;
}
