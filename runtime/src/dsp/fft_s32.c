/* Real FFT in int32 without scaling: an n/2-point complex radix-2 decimation-in-time FFT of the
 * even/odd samples packed as complex values, then the split into bins 0..n/2 of the real input.
 * Every product is a 64-bit sum of Q30 twiddle products rounded once; with |x| < 2^30 / n every
 * value of the complex stages stays below 2^30 (a partial DFT of L points is bounded by L times
 * its inputs) and the doubled bins below 2^31, so nothing overflows and no precision is shifted
 * away. */
#include "mote/audio.h"

#include "audio_internal.h"

/* (a + i b) * (c + i d) + (e + i f) * 2^30, rounded back to Q0 */
static void cmul_add(int32_t a, int32_t b, int32_t c, int32_t d, int32_t e, int32_t f, int32_t *re,
                     int32_t *im) {
  *re = (int32_t)mote__round_shr64((int64_t)a * c - (int64_t)b * d + (int64_t)e * ((int64_t)1 << 30), 30);
  *im = (int32_t)mote__round_shr64((int64_t)a * d + (int64_t)b * c + (int64_t)f * ((int64_t)1 << 30), 30);
}

/* a, b <- a + t, a - t */
static void butterfly(int32_t *a, int32_t *b, int32_t tr, int32_t ti) {
  b[0] = a[0] - tr;
  b[1] = a[1] - ti;
  a[0] += tr;
  a[1] += ti;
}

/* The m-point complex FFT of z[2m] (interleaved) in place; twiddle holds W_{2m}^k, k < m. */
static void cfft(int32_t m, const int32_t *twiddle, int32_t *z) {
  int32_t i, j = 0, len;
  for (i = 0; i < m; ++i) { /* bit-reversed order */
    int32_t bit = m >> 1;
    if (i < j) {
      const int32_t r = z[2 * i], q = z[2 * i + 1];
      z[2 * i] = z[2 * j];
      z[2 * i + 1] = z[2 * j + 1];
      z[2 * j] = r;
      z[2 * j + 1] = q;
    }
    while (j & bit) {
      j ^= bit;
      bit >>= 1;
    }
    j |= bit;
  }
  /* The twiddles 1 (k = 0) and -i (k = len / 4) are exact: their butterflies skip the
   * products and give the same values. */
  for (len = 2; len <= m; len <<= 1) {
    const int32_t half = len >> 1, step = 2 * m / len; /* W_len^j = W_{2m}^(j * step) */
    int32_t k;
    for (i = 0; i < m; i += len) {
      butterfly(z + 2 * i, z + 2 * (i + half), z[2 * (i + half)], z[2 * (i + half) + 1]);
    }
    for (k = 1; k < half; ++k) {
      const int32_t c = twiddle[2 * k * step], d = twiddle[2 * k * step + 1];
      if (4 * k == len) {
        for (i = k; i < m; i += len) {
          int32_t *b = z + 2 * (i + half);
          butterfly(z + 2 * i, b, b[1], -b[0]);
        }
      } else {
        for (i = k; i < m; i += len) {
          int32_t *b = z + 2 * (i + half);
          int32_t tr, ti;
          cmul_add(b[0], b[1], c, d, 0, 0, &tr, &ti);
          butterfly(z + 2 * i, b, tr, ti);
        }
      }
    }
  }
}

mote_status mote_rfft_s32(int32_t n, const int32_t *twiddle, int32_t *buf) {
  int32_t m, k;
  if (n < 16 || n > 4096 || (n & (n - 1)) != 0 || !twiddle || !buf) {
    return MOTE_ERR_PARAM;
  }
  m = n / 2;
  cfft(m, twiddle, buf);
  {
    const int32_t r = buf[0], q = buf[1]; /* 2 X[0] = 2 (Re Z0 + Im Z0), 2 X[m] = 2 (Re Z0 - Im Z0) */
    buf[0] = 2 * (r + q);
    buf[1] = 2 * (r - q);
  }
  /* 2 X[k] = (Z[k] + conj Z[m-k]) + W^k (Z[k] - conj Z[m-k]) / i, and the same for m - k with
   * W^(m-k) = -conj W^k; bins k and m - k from one read of Z[k], Z[m-k]. */
  for (k = 1; k <= m / 2; ++k) {
    int32_t *a = buf + 2 * k, *b = buf + 2 * (m - k);
    const int32_t ar = a[0], ai = a[1], br = b[0], bi = b[1];
    const int32_t c = twiddle[2 * k], d = twiddle[2 * k + 1];
    cmul_add(ai + bi, br - ar, c, d, ar + br, ai - bi, &a[0], &a[1]);
    if (k != m - k) {
      cmul_add(bi + ai, ar - br, -c, d, br + ar, bi - ai, &b[0], &b[1]);
    }
  }
  return MOTE_OK;
}
