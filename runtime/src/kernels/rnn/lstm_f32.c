/* float LSTM, ONNX semantics (gate order i, o, f, c; no peepholes). The activations are
 * mote_unary_f32's sigmoid and tanh applied in place to the gate vector. */
#include "../internal.h"

/* out[o] = v . m[o] for rows of m [rows][n], added to out when accumulate. */
static void matvec(const float *m, const float *v, int32_t n, int32_t rows, float *out,
                   int accumulate) {
  int32_t o, k;
  for (o = 0; o < rows; ++o) {
    const float *row = m + (size_t)o * n;
    float acc = 0.0f;
    for (k = 0; k < n; ++k) {
      acc += row[k] * v[k];
    }
    out[o] = accumulate ? out[o] + acc : acc;
  }
}

size_t mote_lstm_f32_scratch_bytes(const mote_rnn_f32_params *p) {
  return (size_t)p->hidden * 6u * sizeof(float);
}

mote_status mote_lstm_f32(const mote_rnn_f32_params *p, const float *x, const float *w,
                          const float *r, const float *bias, const float *h0, const float *c0,
                          float *y, void *scratch) {
  static const mote_unary_f32_params sigmoid = {MOTE_UN_SIGMOID, 0.0f, 0.0f};
  static const mote_unary_f32_params tanh_op = {MOTE_UN_TANH, 0.0f, 0.0f};
  const int32_t hd = p->hidden;
  float *c, *h, *g;
  int32_t step, j;
  if (!mote__rnn_shape_ok(p->steps, p->in_features, hd)) {
    return MOTE_ERR_PARAM;
  }
  c = (float *)scratch;
  h = c + hd;
  g = h + hd; /* [4][hidden] in ONNX order i, o, f, c */
  for (j = 0; j < hd; ++j) {
    c[j] = c0 != NULL ? c0[j] : 0.0f;
    h[j] = h0 != NULL ? h0[j] : 0.0f;
  }
  for (step = 0; step < p->steps; ++step) {
    const int32_t t = p->reverse ? p->steps - 1 - step : step;
    float *yt = y + (size_t)t * hd;
    matvec(w, x + (size_t)t * p->in_features, p->in_features, 4 * hd, g, 0);
    matvec(r, h, hd, 4 * hd, g, 1);
    if (bias != NULL) {
      for (j = 0; j < 4 * hd; ++j) {
        g[j] += bias[j] + bias[4 * hd + j];
      }
    }
    (void)mote_unary_f32(&sigmoid, 3 * hd, g, g);
    (void)mote_unary_f32(&tanh_op, hd, g + 3 * hd, g + 3 * hd);
    for (j = 0; j < hd; ++j) {
      c[j] = g[2 * hd + j] * c[j] + g[j] * g[3 * hd + j];
    }
    (void)mote_unary_f32(&tanh_op, hd, c, h);
    for (j = 0; j < hd; ++j) {
      h[j] *= g[hd + j];
      yt[j] = h[j];
    }
  }
  return MOTE_OK;
}
