/* float GRU, ONNX semantics (gate order z, r, h), both linear_before_reset variants. */
#include "../internal.h"

/* out[o] = v . m[o] (+ bias[o]) for rows of m [rows][n]. */
static void matvec(const float *m, const float *bias, const float *v, int32_t n, int32_t rows,
                   float *out) {
  int32_t o, k;
  for (o = 0; o < rows; ++o) {
    const float *row = m + (size_t)o * n;
    float acc = bias != NULL ? bias[o] : 0.0f;
    for (k = 0; k < n; ++k) {
      acc += row[k] * v[k];
    }
    out[o] = acc;
  }
}

size_t mote_gru_f32_scratch_bytes(const mote_rnn_f32_params *p) {
  return (size_t)p->hidden * 7u * sizeof(float);
}

mote_status mote_gru_f32(const mote_rnn_f32_params *p, const float *x, const float *w,
                         const float *r, const float *bias, const float *h0, float *y,
                         void *scratch) {
  static const mote_unary_f32_params sigmoid = {MOTE_UN_SIGMOID, 0.0f, 0.0f};
  static const mote_unary_f32_params tanh_op = {MOTE_UN_TANH, 0.0f, 0.0f};
  const int32_t hd = p->hidden;
  const size_t hrow = (size_t)2 * hd; /* first row of the h gate */
  float *h, *gx, *gh;
  int32_t step, j;
  if (!mote__rnn_shape_ok(p->steps, p->in_features, hd)) {
    return MOTE_ERR_PARAM;
  }
  h = (float *)scratch;
  gx = h + hd;     /* [3][hidden] x.W + Wb */
  gh = gx + 3 * hd; /* [3][hidden] h.R + Rb; the h row later holds (r * h).Rh + Rbh */
  for (j = 0; j < hd; ++j) {
    h[j] = h0 != NULL ? h0[j] : 0.0f;
  }
  for (step = 0; step < p->steps; ++step) {
    const int32_t t = p->reverse ? p->steps - 1 - step : step;
    float *yt = y + (size_t)t * hd;
    matvec(w, bias, x + (size_t)t * p->in_features, p->in_features, 3 * hd, gx);
    matvec(r, bias != NULL ? bias + 3 * hd : NULL, h, hd, 2 * hd, gh);
    for (j = 0; j < 2 * hd; ++j) {
      gx[j] += gh[j];
    }
    (void)mote_unary_f32(&sigmoid, 2 * hd, gx, gx); /* z, r */
    if (p->linear_before_reset) {
      matvec(r + hrow * hd, bias != NULL ? bias + 3 * hd + hrow : NULL, h, hd, hd, gh + hrow);
      for (j = 0; j < hd; ++j) {
        gx[hrow + j] += gx[hd + j] * gh[hrow + j];
      }
    } else {
      /* gh's z row is free now: it holds r * h for the reset matmul */
      for (j = 0; j < hd; ++j) {
        gh[j] = gx[hd + j] * h[j];
      }
      matvec(r + hrow * hd, bias != NULL ? bias + 3 * hd + hrow : NULL, gh, hd, hd, gh + hrow);
      for (j = 0; j < hd; ++j) {
        gx[hrow + j] += gh[hrow + j];
      }
    }
    (void)mote_unary_f32(&tanh_op, hd, gx + hrow, gx + hrow);
    for (j = 0; j < hd; ++j) {
      const float z = gx[j], cand = gx[hrow + j];
      h[j] = cand + z * (h[j] - cand);
      yt[j] = h[j];
    }
  }
  return MOTE_OK;
}
