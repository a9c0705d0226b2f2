/* Log-mel and MFCC features of one int16 frame (the steps are in mote/audio.h). */
#include <string.h>

#include "mote/audio.h"

#include "audio_internal.h"

static int32_t log2_of_pow2(int32_t n) {
  int32_t e = 0;
  while ((1 << e) < n) {
    ++e;
  }
  return e;
}

/* log2(v) in Q16 for v >= 1: the exponent, then 16 fraction bits from repeated squaring of
 * the mantissa in Q30 (each square rounded). */
static int32_t log2_q16(uint64_t v) {
  int32_t b = 63, i, frac = 0;
  uint32_t m;
  while (!((v >> b) & 1u)) {
    --b;
  }
  m = (uint32_t)(b >= 30 ? v >> (b - 30) : v << (30 - b)); /* in [2^30, 2^31) */
  for (i = 0; i < 16; ++i) {
    m = (uint32_t)(((uint64_t)m * m + ((uint64_t)1 << 29)) >> 30);
    frac <<= 1;
    if (m >= (uint32_t)1 << 31) {
      m >>= 1;
      frac |= 1;
    }
  }
  return b * 65536 + frac;
}

static int8_t to_s8(int32_t v, int32_t mult, int32_t shift, int32_t zp) {
  int32_t q = mote_requantize(v, mult, shift) + zp;
  q = q < -128 ? -128 : q > 127 ? 127 : q;
  return (int8_t)q;
}

static int params_ok(const mote_mfcc_params *p) {
  int32_t m;
  if (!p || p->fft_len < 16 || p->fft_len > 4096 || (p->fft_len & (p->fft_len - 1)) != 0 ||
      p->window_len < 1 || p->window_len > p->fft_len || p->n_mel < 1 || p->n_mfcc < 0 ||
      p->n_mfcc > p->n_mel || !p->window || !p->twiddle || !p->mel_first || !p->mel_count ||
      !p->mel_weight || (p->n_mfcc > 0 && !p->dct)) {
    return 0;
  }
  for (m = 0; m < p->n_mel; ++m) {
    if (p->mel_first[m] < 0 || p->mel_count[m] < 1 ||
        p->mel_first[m] + p->mel_count[m] > p->fft_len / 2 + 1) {
      return 0;
    }
  }
  return 1;
}

size_t mote_mfcc_s16_scratch_bytes(const mote_mfcc_params *p) {
  return p ? (size_t)(p->fft_len + p->n_mel) * sizeof(int32_t) : 0;
}

mote_status mote_mfcc_s16(const mote_mfcc_params *p, const int16_t *in, int8_t *mel, int8_t *mfcc,
                          int32_t *mel_log2, int32_t *mfcc_q15, void *scratch) {
  int32_t *buf = (int32_t *)scratch, *logs;
  int32_t t, m, k, peak = 0, s = 0, sh;
  const int16_t *w;
  if (!params_ok(p) || !in || !scratch) {
    return MOTE_ERR_PARAM;
  }
  logs = buf + p->fft_len;
  for (t = 0; t < p->window_len; ++t) {
    const int32_t a = in[t] < 0 ? -(int32_t)in[t] : in[t];
    peak = a > peak ? a : peak;
  }
  if (peak == 0) { /* silence: every energy is below the floor */
    for (m = 0; m < p->n_mel; ++m) {
      logs[m] = p->log_floor;
    }
  } else {
    /* 2^s * peak <= 32768 < 2^(s+1) * peak (s <= 15); the windowed samples then stay below
     * 2^45 / 2^(15 + sh) = 2^29 / fft_len */
    while (s < 15 && peak * (1 << (s + 1)) <= 32768) {
      ++s;
    }
    sh = 1 + log2_of_pow2(p->fft_len);
    for (t = 0; t < p->window_len; ++t) {
      buf[t] = (int32_t)mote__round_shr64((int64_t)(in[t] * (1 << s)) * p->window[t], 15 + sh);
    }
    memset(buf + p->window_len, 0, (size_t)(p->fft_len - p->window_len) * sizeof(int32_t));
    (void)mote_rfft_s32(p->fft_len, p->twiddle, buf);
    /* energy = (sum w |2X|^2) / 2^16, the frame's (as samples / 32768) times 2^off; the
     * products' 16 low bits summed apart, so that only the final fraction is dropped */
    w = p->mel_weight;
    for (m = 0; m < p->n_mel; ++m) {
      uint64_t e = 0, low = 0;
      for (k = p->mel_first[m]; k < p->mel_first[m] + p->mel_count[m]; ++k) {
        const int32_t re = k == 0 ? buf[0] : k == p->fft_len / 2 ? buf[1] : buf[2 * k];
        const int32_t im = k == 0 || k == p->fft_len / 2 ? 0 : buf[2 * k + 1];
        const uint64_t power = (uint64_t)((int64_t)re * re) + (uint64_t)((int64_t)im * im);
        const uint64_t weight = (uint16_t)*w++;
        e += weight * (power >> 16);
        low += weight * (power & 0xffffu);
      }
      e += low >> 16;
      if (e == 0) {
        logs[m] = p->log_floor;
      } else {
        const int32_t off = 61 + 2 * s - 2 * sh;
        const int32_t v = log2_q16(e) - off * 65536;
        logs[m] = v > p->log_floor ? v : p->log_floor;
      }
    }
  }
  for (m = 0; m < p->n_mel; ++m) {
    if (mel) {
      mel[m] = to_s8(logs[m], p->mel_mult, p->mel_shift, p->mel_zp);
    }
    if (mel_log2) {
      mel_log2[m] = logs[m];
    }
  }
  if (mfcc || mfcc_q15) {
    const int16_t *d = p->dct;
    for (k = 0; k < p->n_mfcc; ++k) {
      int64_t acc = 0;
      int32_t v;
      for (m = 0; m < p->n_mel; ++m) {
        acc += (int64_t)*d++ * logs[m];
      }
      v = (int32_t)mote__round_shr64(acc, 16);
      if (mfcc) {
        mfcc[k] = to_s8(v, p->mfcc_mult, p->mfcc_shift, p->mfcc_zp);
      }
      if (mfcc_q15) {
        mfcc_q15[k] = v;
      }
    }
  }
  return MOTE_OK;
}
