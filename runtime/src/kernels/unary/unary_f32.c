/* float elementwise activations, with the libm-free mote_expf, mote_logf, mote_sqrtf and
 * mote_erff (math/). */
#include "../internal.h"

static float sigmoid(float x) {
  /* both branches divide by a sum >= 1, so tiny results keep their relative accuracy */
  if (x >= 0.0f) {
    return 1.0f / (1.0f + mote_expf(-x));
  } else {
    const float e = mote_expf(x);
    return e / (1.0f + e);
  }
}

/* log(1 + e^x) = max(x, 0) + log(1 + e^-|x|); the log's argument rounds away small e^-|x|,
 * so below 0.01 its series e - e^2/2 + e^3/3 - e^4/4 is used. */
static float softplus_f(float x) {
  const float e = mote_expf(x > 0.0f ? -x : x);
  float l;
  if (e < 0.01f) {
    l = e * (1.0f - e * (0.5f - e * (1.0f / 3.0f - e * 0.25f)));
  } else {
    l = mote_logf(1.0f + e);
  }
  return (x > 0.0f ? x : 0.0f) + l;
}

static float tanh_f(float x) {
  const float t = x < 0.0f ? -x : x;
  float y;
  if (t < 0.3f) {
    /* odd Taylor series: 1 - 2/(e^2t + 1) would cancel badly near zero */
    const float t2 = t * t;
    float q = 62.0f / 2835.0f;
    q = q * t2 - 17.0f / 315.0f;
    q = q * t2 + 2.0f / 15.0f;
    q = q * t2 - 1.0f / 3.0f;
    y = t + t * t2 * q;
  } else {
    y = 1.0f - 2.0f / (mote_expf(2.0f * t) + 1.0f);
  }
  return x < 0.0f ? -y : y;
}

/* e^x - 1 without the cancellation of mote_expf(x) - 1 near zero: a Taylor series there. */
static float expm1_f(float x) {
  if (x > -0.3f && x < 0.3f) {
    float q = 1.0f / 720.0f;
    q = q * x + 1.0f / 120.0f;
    q = q * x + 1.0f / 24.0f;
    q = q * x + 1.0f / 6.0f;
    q = q * x + 0.5f;
    return x + x * x * q;
  }
  return mote_expf(x) - 1.0f;
}

mote_status mote_unary_f32(const mote_unary_f32_params *p, int32_t n, const float *in, float *out) {
  int32_t i;
  if (n < 0) {
    return MOTE_ERR_PARAM;
  }
  switch (p->op) {
    case MOTE_UN_RELU:
      for (i = 0; i < n; ++i) {
        out[i] = in[i] > 0.0f ? in[i] : 0.0f;
      }
      break;
    case MOTE_UN_CLIP:
      for (i = 0; i < n; ++i) {
        out[i] = mote__clamp_f32(in[i], p->alpha, p->beta);
      }
      break;
    case MOTE_UN_LEAKY_RELU:
      for (i = 0; i < n; ++i) {
        out[i] = in[i] < 0.0f ? p->alpha * in[i] : in[i];
      }
      break;
    case MOTE_UN_SIGMOID:
      for (i = 0; i < n; ++i) {
        out[i] = sigmoid(in[i]);
      }
      break;
    case MOTE_UN_TANH:
      for (i = 0; i < n; ++i) {
        out[i] = tanh_f(in[i]);
      }
      break;
    case MOTE_UN_HARD_SIGMOID:
      for (i = 0; i < n; ++i) {
        out[i] = mote__clamp_f32(p->alpha * in[i] + p->beta, 0.0f, 1.0f);
      }
      break;
    case MOTE_UN_HARD_SWISH:
      for (i = 0; i < n; ++i) {
        /* (x + 3) / 6 == x / 6 + 0.5, but x + 3 is exact near -3 where the gate is small */
        out[i] = in[i] * mote__clamp_f32((in[i] + 3.0f) * (1.0f / 6.0f), 0.0f, 1.0f);
      }
      break;
    case MOTE_UN_SELU:
      for (i = 0; i < n; ++i) {
        out[i] = p->beta * (in[i] > 0.0f ? in[i] : p->alpha * expm1_f(in[i]));
      }
      break;
    case MOTE_UN_ABS:
      for (i = 0; i < n; ++i) {
        out[i] = in[i] < 0.0f ? -in[i] : in[i];
      }
      break;
    case MOTE_UN_NEG:
      for (i = 0; i < n; ++i) {
        out[i] = -in[i];
      }
      break;
    case MOTE_UN_SQRT:
      for (i = 0; i < n; ++i) {
        out[i] = mote_sqrtf(in[i]);
      }
      break;
    case MOTE_UN_RSQRT:
      for (i = 0; i < n; ++i) {
        out[i] = 1.0f / mote_sqrtf(in[i]);
      }
      break;
    case MOTE_UN_EXP:
      for (i = 0; i < n; ++i) {
        out[i] = mote_expf(in[i]);
      }
      break;
    case MOTE_UN_LOG:
      for (i = 0; i < n; ++i) {
        out[i] = mote_logf(in[i]);
      }
      break;
    case MOTE_UN_ERF:
      for (i = 0; i < n; ++i) {
        out[i] = mote_erff(in[i]);
      }
      break;
    case MOTE_UN_ELU:
      for (i = 0; i < n; ++i) {
        out[i] = in[i] < 0.0f ? p->alpha * expm1_f(in[i]) : in[i];
      }
      break;
    case MOTE_UN_SOFTPLUS:
      for (i = 0; i < n; ++i) {
        out[i] = softplus_f(in[i]);
      }
      break;
    case MOTE_UN_SILU:
      for (i = 0; i < n; ++i) {
        out[i] = in[i] * sigmoid(in[i]);
      }
      break;
    case MOTE_UN_GELU:
      for (i = 0; i < n; ++i) {
        out[i] = 0.5f * in[i] * (1.0f + mote_erff(in[i] * 0.70710678118654752f));
      }
      break;
    default:
      return MOTE_ERR_PARAM;
  }
  return MOTE_OK;
}
