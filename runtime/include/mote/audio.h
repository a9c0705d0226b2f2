/* mote audio front end: log-mel and MFCC features of one frame of int16 audio, in integer
 * arithmetic only (the same bits on every host and Cortex-M core), portable C99, no heap.
 *
 * The compiler (src/dsp/mfcc.h) fills the params tables from the feature settings; the runtime
 * only reads them. One call computes one frame:
 *   1. the frame is scaled by 2^s, s the largest shift (<= 15) that keeps its peak magnitude
 *      within 32768, and multiplied by the window (Q30);
 *   2. a real FFT of fft_len points (an fft_len/2-point complex radix-2 FFT plus the split into
 *      the real spectrum) in int32 with Q30 twiddles: the normalised, windowed frame enters it
 *      below 2^29 / fft_len, so no stage needs a shift (every output is below 2^31);
 *   3. the mel energies: per filter, the sum of Q15 weights times the power |2 X[k]|^2, over 2^16,
 *      in 64 bits;
 *   4. their base-2 logarithm in Q16 (bit by bit, by repeated squaring), minus the scale of
 *      steps 1-3, so that 2^(v / 65536) is the energy of the frame as float samples q / 32768;
 *      clamped below at log_floor;
 *   5. the MFCCs: the DCT matrix (Q15, ln 2 folded in by the compiler) times the log-mel values,
 *      in natural-log units, Q15.
 * Outputs are int8 with the network's input quantization: q = zp + requantize(v, mult, shift)
 * (see mote_requantize in mote/kernels.h), saturated to [-128, 127].
 */
#ifndef MOTE_AUDIO_H
#define MOTE_AUDIO_H

#include <stddef.h>
#include <stdint.h>

#include "mote/kernels.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
  int32_t window_len;          /* samples per frame, <= fft_len */
  int32_t fft_len;             /* a power of two in [16, 4096] */
  int32_t n_mel;               /* mel filters */
  int32_t n_mfcc;              /* cepstral coefficients, <= n_mel; 0 for log-mel only */
  const int32_t *window;       /* [window_len] Q30, in [0, 2^30] */
  const int32_t *twiddle;      /* [fft_len] (cos, -sin)(2 pi k / fft_len), k < fft_len / 2, Q30 */
  const int16_t *mel_first;    /* [n_mel] first FFT bin of each filter, in [0, fft_len / 2] */
  const int16_t *mel_count;    /* [n_mel] bins of each filter, >= 1 */
  const int16_t *mel_weight;   /* the filters' Q15 weights, one after the other */
  int32_t log_floor;           /* log2 of the smallest energy, Q16 */
  const int16_t *dct;          /* [n_mfcc][n_mel] Q15: ln 2 times the DCT-II matrix */
  int32_t mel_mult, mel_shift, mel_zp;    /* log-mel output: from log2 Q16 to int8 */
  int32_t mfcc_mult, mfcc_shift, mfcc_zp; /* MFCC output: from natural-log Q15 to int8 */
} mote_mfcc_params;

/* In place over buf[n] (n a power of two in [16, 4096]), the real FFT of the n int32 samples
 * (each |x| < 2^30 / n): bins 0..n/2 of 2 * X, with X[k] = sum x[t] e^(-2 pi i k t / n), as
 * buf[0] = 2 Re X[0], buf[1] = 2 Re X[n/2], buf[2k], buf[2k+1] = 2 Re X[k], 2 Im X[k]
 * (0 < k < n/2). twiddle as in mote_mfcc_params. */
mote_status mote_rfft_s32(int32_t n, const int32_t *twiddle, int32_t *buf);

/* One frame in[window_len] -> mel[n_mel] and mfcc[n_mfcc] (int8), and the values before
 * quantization: mel_log2[n_mel] (base-2 logs, Q16) and mfcc_q15[n_mfcc] (natural-log units,
 * Q15); any output may be NULL. */
mote_status mote_mfcc_s16(const mote_mfcc_params *p, const int16_t *in, int8_t *mel, int8_t *mfcc,
                          int32_t *mel_log2, int32_t *mfcc_q15, void *scratch);
size_t mote_mfcc_s16_scratch_bytes(const mote_mfcc_params *p);

#ifdef __cplusplus
}
#endif

#endif
