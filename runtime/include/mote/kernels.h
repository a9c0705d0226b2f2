/* mote runtime kernels: portable C99, no heap, no stdio.
 *
 * Every kernel takes a const params struct that the compiler fills at compile time (all float
 * work -- multipliers, shifts, zero points, lookup tables -- happens in the compiler), the
 * input and output buffers, and, where it needs one, caller-owned scratch whose size the
 * matching *_scratch_bytes() function gives. Kernels never allocate, print or abort.
 *
 * Conventions:
 *  - Activations are NHWC for 4-D tensors, row-major otherwise.
 *  - int8: real = scale * (q - zero_point). Requantization multiplies by M = M0 * 2^shift,
 *    M0 a Q31 integer in [2^30, 2^31) ("multiplier"), shift > 0 left, < 0 right, computed with
 *    TFLite's rounding doubling high multiply and rounding right shift.
 *  - Fused activations are the clamp act_min/act_max (int8 values for s8 kernels, floats for
 *    f32 kernels).
 *  - Broadcasting elementwise kernels see both operands and the output as 4-D; a stride of 0
 *    repeats an operand along that dimension.
 */
#ifndef MOTE_KERNELS_H
#define MOTE_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
  MOTE_OK = 0,
  MOTE_ERR_PARAM = 1,  /* inconsistent parameters (e.g. zero-sized dims, bad group count) */
  MOTE_ERR_CORRUPT = 2 /* an encoded weight blob fails its CRC or does not decode */
} mote_status;

typedef struct {
  int32_t n, h, w, c;
} mote_dims;

/* ---- fixed point ------------------------------------------------------------------------ */

/* x * M0 * 2^shift with TFLite's rounding (SaturatingRoundingDoublingHighMul, then
 * RoundingDivideByPOT). */
int32_t mote_requantize(int32_t x, int32_t multiplier, int32_t shift);

/* ---- convolution ------------------------------------------------------------------------ */

/* Conv2D and DepthwiseConv2D share the geometry; int8 variants read per-output-channel
 * multiplier/shift arrays of length out.c. */
typedef struct {
  mote_dims in, out;
  int32_t kh, kw;
  int32_t stride_h, stride_w;
  int32_t dil_h, dil_w;
  int32_t pad_top, pad_left; /* bottom/right padding is implied by the output size */
  int32_t groups;            /* conv only: in.c and out.c are both multiples of groups */
  int32_t in_zp, out_zp;
  int32_t act_min, act_max;
  const int32_t *multiplier; /* [out.c] */
  const int32_t *shift;      /* [out.c] */
  /* 1 when out is the same buffer as in (the compiler sets it when the input dies there).
   * mote_conv2d_s8 (stride 1, output dims = input dims): output rows wait in pad_top + 1 ring
   * rows of scratch until no later row reads the input row they overwrite.
   * mote_depthwise_conv2d_s8 (depth multiplier 1, any stride): one input channel plane
   * (in.h * in.w bytes) of scratch. */
  int32_t in_place;
} mote_conv_s8_params;

/* weights OHWI [out.c][kh][kw][in.c/groups]; bias int32 [out.c] or NULL */
mote_status mote_conv2d_s8(const mote_conv_s8_params *p, const int8_t *in, const int8_t *w,
                           const int32_t *bias, int8_t *out, void *scratch);
size_t mote_conv2d_s8_scratch_bytes(const mote_conv_s8_params *p);

/* depth multiplier = out.c / in.c; weights HWO [kh][kw][out.c] (TFLite layout);
 * groups is ignored */
mote_status mote_depthwise_conv2d_s8(const mote_conv_s8_params *p, const int8_t *in,
                                     const int8_t *w, const int32_t *bias, int8_t *out,
                                     void *scratch);
size_t mote_depthwise_conv2d_s8_scratch_bytes(const mote_conv_s8_params *p);

typedef struct {
  mote_dims in, out;
  int32_t kh, kw;
  int32_t stride_h, stride_w;
  int32_t dil_h, dil_w;
  int32_t pad_top, pad_left;
  int32_t groups;
  float act_min, act_max;
} mote_conv_f32_params;

mote_status mote_conv2d_f32(const mote_conv_f32_params *p, const float *in, const float *w,
                            const float *bias, float *out);
mote_status mote_depthwise_conv2d_f32(const mote_conv_f32_params *p, const float *in,
                                      const float *w, const float *bias, float *out);

/* ---- fully connected: out[b][o] = sum_k in[b][k] * w[o][k] + bias[o] ---------------------- */

typedef struct {
  int32_t batches, in_features, out_features;
  int32_t in_zp, out_zp;
  int32_t act_min, act_max;
  const int32_t *multiplier; /* [out_features], or [1] when per_channel == 0 */
  const int32_t *shift;
  int32_t per_channel;
} mote_fc_s8_params;

mote_status mote_fully_connected_s8(const mote_fc_s8_params *p, const int8_t *in,
                                    const int8_t *w, const int32_t *bias, int8_t *out);

typedef struct {
  int32_t batches, in_features, out_features;
  float act_min, act_max;
} mote_fc_f32_params;

mote_status mote_fully_connected_f32(const mote_fc_f32_params *p, const float *in,
                                     const float *w, const float *bias, float *out);

/* ---- broadcasting elementwise ----------------------------------------------------------- */

typedef struct {
  int32_t dims[4];     /* output dims */
  int32_t a_stride[4]; /* element strides of operand a per output dim (0 = broadcast) */
  int32_t b_stride[4];
} mote_bcast;

/* TFLite int8 ADD: both inputs shifted left by left_shift, rescaled to a common scale by their
 * own multiplier, summed, rescaled to the output. SUB uses the same kernel with b's multiplier
 * negated by the compiler: a negative b_multiplier makes the kernel subtract b rescaled by
 * -b_multiplier, as TFLite's SUB does (multiplying by the negated multiplier would round ties
 * the other way). */
typedef struct {
  mote_bcast bc;
  int32_t a_zp, b_zp, out_zp;
  int32_t left_shift;
  int32_t a_multiplier, a_shift;
  int32_t b_multiplier, b_shift;
  int32_t out_multiplier, out_shift;
  int32_t act_min, act_max;
} mote_add_s8_params;

mote_status mote_add_s8(const mote_add_s8_params *p, const int8_t *a, const int8_t *b,
                        int8_t *out);

/* Two convs and an optional residual ADD run depth first (the line buffering of MIT's
 * TinyEngine / MCUNetV2): conv1's output rows exist only in a window of as many rows as one
 * conv2 output row reads (scratch), conv2 consumes them as they appear, and its output row r
 * (plus skip row r when has_add: add's a is conv2's row, b the skip's) goes to out row r. out
 * may be the skip (elementwise) or x itself when every x row a later conv1 row reads lies past
 * the output rows written so far (the kernel checks it). The convs' in_place is not read; the
 * add's bc describes one output row {1, 1, w, c}, contiguous. */
typedef struct {
  mote_conv_s8_params conv1, conv2;
  const int8_t *w1, *w2;       /* OHWI, as mote_conv2d_s8 */
  const int32_t *bias1, *bias2; /* or NULL */
  int32_t has_add;
  mote_add_s8_params add;
} mote_conv_chain_s8_params;

mote_status mote_conv_chain_s8(const mote_conv_chain_s8_params *p, const int8_t *x,
                               const int8_t *skip, int8_t *out, void *scratch);
size_t mote_conv_chain_s8_scratch_bytes(const mote_conv_chain_s8_params *p);
/* 1 when mote_conv_chain_s8 accepts p, with out over x when over_x (the compiler asks before
 * choosing the chain or that buffer), else 0. */
int mote_conv_chain_s8_runs(const mote_conv_chain_s8_params *p, int over_x);

/* TFLite int8 MUL: (a - a_zp) * (b - b_zp) rescaled once to the output. */
typedef struct {
  mote_bcast bc;
  int32_t a_zp, b_zp, out_zp;
  int32_t out_multiplier, out_shift;
  int32_t act_min, act_max;
} mote_mul_s8_params;

mote_status mote_mul_s8(const mote_mul_s8_params *p, const int8_t *a, const int8_t *b,
                        int8_t *out);

/* Float binary ops, as TFLite's float kernels compute them: MAX/MIN return a when the
 * comparison a > b (a < b) holds, else b; POW is a^b (mote_powf); PRELU is a >= 0 ? a : a * b
 * with b the (broadcast) alpha. */
typedef enum {
  MOTE_BIN_ADD = 0,
  MOTE_BIN_SUB = 1,
  MOTE_BIN_MUL = 2,
  MOTE_BIN_DIV = 3,
  MOTE_BIN_MAX = 4,
  MOTE_BIN_MIN = 5,
  MOTE_BIN_POW = 6,
  MOTE_BIN_SQUARED_DIFFERENCE = 7,
  MOTE_BIN_PRELU = 8
} mote_binary_op;

typedef struct {
  mote_bcast bc;
  int32_t op; /* mote_binary_op */
  float act_min, act_max;
} mote_binary_f32_params;

mote_status mote_binary_f32(const mote_binary_f32_params *p, const float *a, const float *b,
                            float *out);

/* ---- broadcasting int8 DIV, SQUARED_DIFFERENCE, MAXIMUM / MINIMUM, PRELU (TFLM reference) ---- */

/* TFLite int8 DIV (reference_ops::Div, also TFLM's): with n = a - a_zp and d = b - b_zp (both
 * negated when d < 0), n is normalized by its leading sign bits h, multiplied by the reciprocal
 * of d (2^-r * recip), and rescaled by out_multiplier/out_shift (a_scale / (b_scale *
 * out_scale)) with a rounding right shift by r + h - out_shift. For tiny n that shift passes
 * 31 bits, which TFLite leaves undefined; the kernel reproduces what TFLM's x86 host build
 * computes then (shift count taken mod 32, the whole value counted as remainder, and n = -1
 * normalized with a wrapping 1 << 31), so such quotients are as far off (often saturated) as
 * TFLM's. d == 0 (undefined in TFLM) gives the clamp bound of n's sign, out_zp for 0 / 0.
 * Requires -25 <= out_shift <= 23, which keeps every shift inside what the x86 model covers. */
typedef struct {
  mote_bcast bc;
  int32_t a_zp, b_zp, out_zp;
  int32_t out_multiplier, out_shift;
  int32_t act_min, act_max;
} mote_div_s8_params;

mote_status mote_div_s8(const mote_div_s8_params *p, const int8_t *a, const int8_t *b,
                        int8_t *out);

/* TFLite int8 SQUARED_DIFFERENCE: the fields mean what they mean for ADD (both inputs shifted
 * left by left_shift, 7 in TFLite, and rescaled to 2 * max(scale) by their multipliers, shifts
 * <= 0), then the difference is squared and rescaled once to the output. b_multiplier >= 0. */
typedef mote_add_s8_params mote_squared_difference_s8_params;

mote_status mote_squared_difference_s8(const mote_squared_difference_s8_params *p,
                                       const int8_t *a, const int8_t *b, int8_t *out);

/* TFLite int8 MAXIMUM / MINIMUM compare the raw codes: both inputs and the output share one
 * quantization (the compiler checks it), so no requantization. */
typedef struct {
  mote_bcast bc;
  int32_t is_max; /* 1 = MAXIMUM, 0 = MINIMUM */
} mote_minmax_s8_params;

mote_status mote_minmax_s8(const mote_minmax_s8_params *p, const int8_t *a, const int8_t *b,
                           int8_t *out);

/* TFLite int8 PRELU, b = alpha broadcast against the input a: x = a - a_zp; x >= 0 is rescaled
 * by pos_multiplier/pos_shift (in_scale / out_scale), x < 0 is multiplied by (alpha -
 * alpha_zp) and rescaled by neg_multiplier/neg_shift (in_scale * alpha_scale / out_scale);
 * + out_zp, clamped to int8. */
typedef struct {
  mote_bcast bc;
  int32_t a_zp, alpha_zp, out_zp;
  int32_t pos_multiplier, pos_shift;
  int32_t neg_multiplier, neg_shift;
} mote_prelu_s8_params;

mote_status mote_prelu_s8(const mote_prelu_s8_params *p, const int8_t *a, const int8_t *alpha,
                          int8_t *out);

/* x^y for float kernels without libm, as std::pow for finite inputs: negative x needs an
 * integral y (else NaN), 0^y is 0 (y > 0), 1 (y == 0) or +inf (y < 0). Relative error about
 * (1 + |y ln x|) * 2^-23. */
float mote_powf(float x, float y);

/* natural log without libm: NaN below 0, -inf at 0; error below 2 ulp. */
float mote_logf(float x);

/* ---- unary ------------------------------------------------------------------------------ */

/* Any int8 -> int8 elementwise function (activations, requantization) as a 256-entry table
 * computed by the compiler: out = table[(uint8_t)(in + 128)]. */
mote_status mote_lut_s8(const int8_t *table, int32_t n, const int8_t *in, int8_t *out);

typedef enum {
  MOTE_UN_RELU = 0,
  MOTE_UN_CLIP = 1,        /* alpha = min, beta = max */
  MOTE_UN_LEAKY_RELU = 2,  /* alpha */
  MOTE_UN_SIGMOID = 3,
  MOTE_UN_TANH = 4,
  MOTE_UN_HARD_SIGMOID = 5, /* alpha, beta */
  MOTE_UN_HARD_SWISH = 6,
  MOTE_UN_SELU = 7, /* alpha, beta = gamma */
  MOTE_UN_ABS = 8,
  MOTE_UN_NEG = 9,
  MOTE_UN_SQRT = 10,
  MOTE_UN_RSQRT = 11,
  MOTE_UN_EXP = 12,
  MOTE_UN_LOG = 13,
  MOTE_UN_ERF = 14,
  MOTE_UN_ELU = 15, /* alpha */
  MOTE_UN_SOFTPLUS = 16,
  MOTE_UN_SILU = 17, /* x * sigmoid(x) */
  MOTE_UN_GELU = 18  /* x / 2 * (1 + erf(x / sqrt 2)) */
} mote_unary_op;

typedef struct {
  int32_t op; /* mote_unary_op */
  float alpha, beta;
} mote_unary_f32_params;

mote_status mote_unary_f32(const mote_unary_f32_params *p, int32_t n, const float *in,
                           float *out);

/* exp(x) for float kernels without libm: relative error below 2e-7 on [-87, 88]. */
float mote_expf(float x);

/* sqrt(x) without libm: Newton steps in double from an exponent-halving guess; NaN below 0. */
float mote_sqrtf(float x);

/* erf(x) without libm: odd Taylor series below 0.5, Abramowitz-Stegun 7.1.26 above (absolute
 * error below 1.5e-7). */
float mote_erff(float x);

/* ---- pooling (int8 pools keep the input's quantization) ----------------------------------- */

typedef struct {
  mote_dims in, out;
  int32_t kh, kw;
  int32_t stride_h, stride_w;
  int32_t pad_top, pad_left;
  int32_t act_min, act_max;
} mote_pool_s8_params;

mote_status mote_maxpool_s8(const mote_pool_s8_params *p, const int8_t *in, int8_t *out);
/* average over the window cells inside the input (padding never counted), rounded half away
 * from zero as TFLite does */
mote_status mote_avgpool_s8(const mote_pool_s8_params *p, const int8_t *in, int8_t *out);

typedef struct {
  mote_dims in, out;
  int32_t kh, kw;
  int32_t stride_h, stride_w;
  int32_t pad_top, pad_left;
  float act_min, act_max;
} mote_pool_f32_params;

mote_status mote_maxpool_f32(const mote_pool_f32_params *p, const float *in, float *out);
mote_status mote_avgpool_f32(const mote_pool_f32_params *p, const float *in, float *out);

/* ---- reductions ------------------------------------------------------------------------- */

/* Mean or sum over the middle dimension of [outer][reduce][inner], TFLM's int8
 * QuantizedMeanOrSum: out = requantize(sum(in - in_zp), multiplier, shift) + out_zp, clamped.
 * For SUM multiplier/shift encode in_scale / out_scale; for MEAN they also hold 1 / reduce
 * (TFLM's integer fold, done by the compiler), so both ops run this kernel. */
typedef struct {
  int32_t outer, reduce, inner;
  int32_t in_zp, out_zp;
  int32_t multiplier, shift;
} mote_mean_s8_params;

mote_status mote_mean_s8(const mote_mean_s8_params *p, const int8_t *in, int8_t *out);

/* float: the sum over the middle axis times scale (1 / reduce for MEAN, 1 for SUM). */
typedef struct {
  int32_t outer, reduce, inner;
  float scale;
} mote_mean_f32_params;

mote_status mote_mean_f32(const mote_mean_f32_params *p, const float *in, float *out);

/* Softmax over the last dimension of [rows][cols], TFLM's int8 reference algorithm (gemmlowp
 * fixed point). Output scale 1/256, zero point -128. input_multiplier/input_left_shift encode
 * beta * in_scale * 2^26 (TFLite's PreprocessSoftmaxScaling: the difference to the row max
 * rescaled to Q5.26); differences below diff_min (-CalculateInputRadius(5, input_left_shift))
 * give -128. cols <= 4095. */
typedef struct {
  int32_t rows, cols;
  int32_t input_multiplier;
  int32_t input_left_shift; /* 0..30 */
  int32_t diff_min;         /* <= 0 */
} mote_softmax_s8_params;

mote_status mote_softmax_s8(const mote_softmax_s8_params *p, const int8_t *in, int8_t *out);

/* float: softmax, or log-softmax (x - max - ln(sum exp(x - max))) when `log` is set, per row. */
typedef struct {
  int32_t rows, cols;
  int32_t log;
} mote_softmax_f32_params;

mote_status mote_softmax_f32(const mote_softmax_f32_params *p, const float *in, float *out);

/* ---- recurrent layers (LSTM, GRU) --------------------------------------------------------- */

/* One direction of a recurrent layer over a whole sequence, batch 1: x is [steps][in_features],
 * y [steps][hidden] receives the hidden state of every step. reverse = 1 runs t = steps-1 .. 0
 * (the backward half of a bidirectional layer: y[t] still belongs to input step t), so a
 * bidirectional layer is two calls whose outputs the compiler concatenates. h0 / c0 are the
 * initial state, NULL = zero. The final hidden state is the y row of the last step processed
 * (steps-1, or 0 when reverse); the LSTMs leave their final cell state at the start of scratch
 * (scratch_bytes gives its size). */
typedef struct {
  int32_t steps, in_features, hidden;
  int32_t reverse;
  int32_t linear_before_reset; /* GRU only, ONNX's attribute */
} mote_rnn_f32_params;

/* ONNX LSTM without peepholes, default activations (sigmoid, tanh, tanh): w [4*hidden]
 * [in_features] and r [4*hidden][hidden] in ONNX gate order i, o, f, c; bias [8*hidden] = Wb
 * then Rb (same order), or NULL. Scratch (floats): c [hidden], h [hidden], gates [4*hidden]. */
mote_status mote_lstm_f32(const mote_rnn_f32_params *p, const float *x, const float *w,
                          const float *r, const float *bias, const float *h0, const float *c0,
                          float *y, void *scratch);
size_t mote_lstm_f32_scratch_bytes(const mote_rnn_f32_params *p);

/* ONNX GRU, default activations (sigmoid, tanh): w [3*hidden][in_features], r [3*hidden][hidden]
 * in gate order z, r, h; bias [6*hidden] = Wb then Rb, or NULL. linear_before_reset = 0:
 * h~ = tanh(x.Wh + (r * h).Rh + Rbh + Wbh); 1 (PyTorch): h~ = tanh(x.Wh + Wbh + r * (h.Rh + Rbh)).
 * Scratch (floats): h [hidden], gates [6*hidden]. */
mote_status mote_gru_f32(const mote_rnn_f32_params *p, const float *x, const float *w,
                         const float *r, const float *bias, const float *h0, float *y,
                         void *scratch);
size_t mote_gru_f32_scratch_bytes(const mote_rnn_f32_params *p);

/* TFLM's integer UNIDIRECTIONAL_SEQUENCE_LSTM (int8 activations and weights, int16 cell state,
 * no peephole / projection / layer norm). Gates in TFLite order 0 input, 1 forget, 2 cell,
 * 3 output. Per gate, x.W and h.R are rescaled separately to the int16 Q3.12 pre-activation
 * (saturating), added saturating, then TFLM's int16 sigmoid (tanh or sigmoid for the cell gate)
 * gives Q0.15. c = f*c + i*g (each product rescaled to the cell scale, saturating int16, then
 * clipped to +-cell_clip when cell_clip > 0); h = o * tanh(c) rescaled to int8 with hidden_zp.
 * The int16 sigmoid / tanh interpolate sigmoid_table (256 entries, TFLM's sigmoid(k/24) in
 * Q0.16) supplied by the compiler. */
typedef struct {
  int32_t steps, in_features, hidden;
  int32_t reverse;
  int32_t hidden_zp;                       /* zero point of h and y */
  int32_t in_multiplier[4], in_shift[4];   /* x.W to Q3.12, per gate */
  int32_t rec_multiplier[4], rec_shift[4]; /* h.R to Q3.12, per gate */
  int32_t cell_act;                        /* MOTE_UN_TANH or MOTE_UN_SIGMOID */
  int32_t forget_multiplier, forget_shift; /* f (Q0.15) * c -> cell scale */
  int32_t input_multiplier, input_shift;   /* i (Q0.15) * g (Q0.15) -> cell scale */
  int32_t output_multiplier, output_shift; /* o (Q0.15) * tanh(c) (Q0.15) -> h */
  /* tanh(c): the cell state enters TFLM's int16 tanh as (c * m + 2^(s-1)) >> s */
  int32_t cell_tanh_multiplier, cell_tanh_shift;
  int32_t cell_clip; /* int16 bound on |c|, 0 = no clipping */
  const uint16_t *sigmoid_table; /* [256] */
} mote_lstm_s8_params;

/* w [4][hidden][in_features], r [4][hidden][hidden] (TFLite gate order); in_bias [4*hidden] is the
 * gate bias with the input offset folded in (bias - in_zp * row sum of W), rec_bias [4*hidden]
 * the hidden offset (-hidden_zp * row sum of R). h0 int8 (hidden quantization), c0 int16 (cell
 * scale). Scratch: int16 c [hidden], int16 gates [5*hidden], int8 h [hidden]. */
mote_status mote_lstm_s8(const mote_lstm_s8_params *p, const int8_t *x, const int8_t *w,
                         const int8_t *r, const int32_t *in_bias, const int32_t *rec_bias,
                         const int8_t *h0, const int16_t *c0, int8_t *y, void *scratch);
size_t mote_lstm_s8_scratch_bytes(const mote_lstm_s8_params *p);

/* int8 GRU, mote's scheme on TFLM's LSTM arithmetic: per gate row, x.W and h.R are rescaled to
 * int16 Q3.12 (per-row multipliers, so per-channel weight scales work), z and r go through the
 * int16 sigmoid, h~ through the int16 tanh (Q0.15). The hidden state is kept in int16 Q0.15
 * (|h| <= 1 by construction) and requantized to int8 (out_zp, out_multiplier/out_shift encode
 * 2^-15 / out_scale) for y and for the next step's h.R. linear_before_reset = 1:
 * pre_h = x.Wh + (r * h.Rh) / 2^15; 0: the recurrent matmul reads r * h requantized to int8
 * (rounded division by 2^15 of r * (hq - out_zp), + out_zp). New h = h~ + z * (h - h~) / 2^15,
 * divisions rounded half away from zero. */
typedef struct {
  int32_t steps, in_features, hidden;
  int32_t reverse, linear_before_reset;
  int32_t out_zp;
  const int32_t *in_multiplier, *in_shift;   /* [3*hidden], x.W row to Q3.12 */
  const int32_t *rec_multiplier, *rec_shift; /* [3*hidden], h.R row to Q3.12 */
  int32_t out_multiplier, out_shift;         /* h (Q0.15) -> y */
  const uint16_t *sigmoid_table;             /* [256], as for mote_lstm_s8 */
} mote_gru_s8_params;

/* w [3*hidden][in_features], r [3*hidden][hidden] (gate order z, r, h); in_bias [3*hidden] =
 * quantized Wb - in_zp * row sum of W, rec_bias [3*hidden] = quantized Rb - out_zp * row sum of
 * R. h0 int16 Q0.15 or NULL. Scratch: int16 h [hidden], int16 gates [4*hidden], int8 hq
 * [hidden] (the int8 copy of h the recurrent matmul reads), int8 rq [hidden]. */
mote_status mote_gru_s8(const mote_gru_s8_params *p, const int8_t *x, const int8_t *w,
                        const int8_t *r, const int32_t *in_bias, const int32_t *rec_bias,
                        const int16_t *h0, int8_t *y, void *scratch);
size_t mote_gru_s8_scratch_bytes(const mote_gru_s8_params *p);
/* ---- REDUCE_MAX and ARG_MAX over one block of axes (TFLM reference) ---------------------- */

/* Reductions over the middle dimension of [outer][reduce][inner] (the compiler folds the
 * reduced axes, which must be adjacent, into "reduce"). */
typedef struct {
  int32_t outer, reduce, inner;
} mote_reduce_params;

/* REDUCE_MAX: int8 compares raw codes (TFLM requires the output quantization to equal the
 * input's, so nothing is requantized); float starts from -FLT_MAX and takes x when x > max,
 * so NaNs are skipped as in TFLM. */
mote_status mote_reduce_max_s8(const mote_reduce_params *p, const int8_t *in, int8_t *out);
mote_status mote_reduce_max_f32(const mote_reduce_params *p, const float *in, float *out);

/* ARG_MAX with int32 output: the index along "reduce" of the first maximum (a later element
 * replaces the running maximum only when strictly greater). Output [outer][inner]. */
mote_status mote_arg_max_s8(const mote_reduce_params *p, const int8_t *in, int32_t *out);
mote_status mote_arg_max_f32(const mote_reduce_params *p, const float *in, int32_t *out);

/* ---- log-softmax over the last dimension (TFLM reference) -------------------------------- */

/* TFLM's int8 LOG_SOFTMAX over [rows][cols] (gemmlowp fixed point): output scale 16/256, zero
 * point 127. Differences to the row max are rescaled to Q5.26 by input_multiplier /
 * input_left_shift (beta * in_scale * 2^26, as for softmax), their exponentials summed in
 * Q12.19, the sum's log taken in Q5.26; out = (scaled diff - log sum) / 2^22 + 127. Differences
 * at or below max(diff_min - 1, (log sum - 2^31) rescaled back by reverse_multiplier /
 * reverse_shift (shift <= 0)) give -128, as do those below diff_min in the sum. cols <= 4095. */
typedef struct {
  int32_t rows, cols;
  int32_t input_multiplier;
  int32_t input_left_shift; /* 0..30 */
  int32_t reverse_multiplier;
  int32_t reverse_shift; /* <= 0 */
  int32_t diff_min;      /* <= 0 */
} mote_log_softmax_s8_params;

mote_status mote_log_softmax_s8(const mote_log_softmax_s8_params *p, const int8_t *in,
                                int8_t *out);

/* ---- DEQUANTIZE int8 -> float32 and QUANTIZE float32 -> int8 (TFLM reference) ------------ */

typedef struct {
  float scale; /* the int8 tensor's scale */
  int32_t zero_point;
} mote_quant_params;

/* out = scale * (in - zero_point). TFLM multiplies in double and rounds to float; a float
 * times an integer below 2^9 is exact in double, so the single float multiply here gives the
 * same bits. */
mote_status mote_dequantize_s8(const mote_quant_params *p, int32_t n, const int8_t *in,
                               float *out);

/* out = clamp(round(in / scale) + zero_point, -128, 127): TFLM's AffineQuantize, a float
 * division rounded half away from zero. NaN gives -128 (TFLM's x86 build converts it to
 * INT32_MIN before clamping); quotients beyond int32, undefined in TFLM, saturate. */
mote_status mote_quantize_f32(const mote_quant_params *p, int32_t n, const float *in,
                              int8_t *out);

/* ---- data movement (any element size) ---------------------------------------------------- */

/* Concatenation along one axis seen as [outer][sum of inner_bytes]: for each outer index,
 * input k contributes inner_bytes[k] contiguous bytes. For int8 inputs whose quantization
 * differs from the output's, luts[k] (256 entries, NULL = copy) requantizes on the way. */
typedef struct {
  int32_t outer;
  int32_t n_inputs;
  const int32_t *inner_bytes; /* [n_inputs] */
  const int8_t *const *luts;  /* [n_inputs] or NULL */
} mote_concat_params;

mote_status mote_concat(const mote_concat_params *p, const void *const *inputs, void *out);

/* Constant padding of a tensor seen as 4-D. */
typedef struct {
  int32_t in_dims[4];
  int32_t pad_before[4], pad_after[4];
  int32_t elem_size; /* 1 or 4 */
  uint32_t value;    /* the padding element's bit pattern (int8 or int16 code, or float bits) */
} mote_pad_params;

mote_status mote_pad(const mote_pad_params *p, const void *in, void *out);

/* out dims[i] = in_dims[perm[i]] on a tensor seen as 6-D (the compiler drops size-1 dims,
 * merges axes that stay adjacent and left-pads with 1s; depth-to-space needs 5 real dims). */
#define MOTE_TRANSPOSE_DIMS 6
typedef struct {
  int32_t in_dims[MOTE_TRANSPOSE_DIMS];
  int32_t perm[MOTE_TRANSPOSE_DIMS];
  int32_t elem_size;
} mote_transpose_params;

mote_status mote_transpose(const mote_transpose_params *p, const void *in, void *out);

/* ---- transpose convolution (TFLite TRANSPOSE_CONV, ONNX ConvTranspose) ------------------- */

/* Output pixel (oy, ox) sums input pixel (iy, ix) through tap (ky, kx) when
 * oy = iy * stride_h - pad_top + ky * dil_h (and likewise along x). TFLite's int8 kernel
 * scatters every input pixel into an int32 buffer over the whole output; the same integer
 * sums are gathered here one output pixel at a time, so only out.c int32 accumulators are
 * needed. Then bias, per-channel requantization, + out_zp, clamp, as TFLite does. */
typedef struct {
  mote_dims in, out;
  int32_t kh, kw;
  int32_t stride_h, stride_w;
  int32_t dil_h, dil_w; /* 1 for TFLite */
  int32_t pad_top, pad_left;
  int32_t in_zp, out_zp;
  int32_t act_min, act_max;
  const int32_t *multiplier; /* [out.c] */
  const int32_t *shift;      /* [out.c] */
} mote_transpose_conv_s8_params;

/* weights OHWI [out.c][kh][kw][in.c]; bias int32 [out.c] or NULL */
mote_status mote_transpose_conv_s8(const mote_transpose_conv_s8_params *p, const int8_t *in,
                                   const int8_t *w, const int32_t *bias, int8_t *out,
                                   void *scratch);
size_t mote_transpose_conv_s8_scratch_bytes(const mote_transpose_conv_s8_params *p);

typedef struct {
  mote_dims in, out;
  int32_t kh, kw;
  int32_t stride_h, stride_w;
  int32_t dil_h, dil_w;
  int32_t pad_top, pad_left;
  float act_min, act_max;
} mote_transpose_conv_f32_params;

mote_status mote_transpose_conv_f32(const mote_transpose_conv_f32_params *p, const float *in,
                                    const float *w, const float *bias, float *out);

/* ---- resize (TFLite RESIZE_NEAREST_NEIGHBOR / RESIZE_BILINEAR, ONNX Resize) ---------------- */

/* Nearest neighbour on NHWC of any element size: out[n][y][x] = in[n][y_src[y]][x_src[x]].
 * The compiler computes the source index tables with TFLite's float coordinate rule. int8
 * keeps the input quantization. */
typedef struct {
  mote_dims in, out; /* in.n == out.n, in.c == out.c */
  const int32_t *y_src; /* [out.h], each in [0, in.h) */
  const int32_t *x_src; /* [out.w], each in [0, in.w) */
  int32_t elem_size;
} mote_resize_nearest_params;

mote_status mote_resize_nearest(const mote_resize_nearest_params *p, const void *in, void *out);

/* Bilinear interpolation tables, one entry per output row (y) or column (x): the two source
 * indices lo, hi in [0, in size) and the weight of hi. int8 (TFLM's ResizeBilinearInteger):
 * the weight is in 1/1024 units and may lie outside [0, 1024] at the borders, exactly as TFLM
 * computes it; out = (sum of the four products + 2^19 toward the sign) / 2^20 truncated.
 * Output keeps the input quantization. */
typedef struct {
  mote_dims in, out;
  const int32_t *y_lo, *y_hi, *y_frac; /* [out.h] */
  const int32_t *x_lo, *x_hi, *x_frac; /* [out.w] */
} mote_resize_bilinear_s8_params;

mote_status mote_resize_bilinear_s8(const mote_resize_bilinear_s8_params *p, const int8_t *in,
                                    int8_t *out);

/* float: out = sum of in[lo/hi] * (1 - frac | frac) per axis, TFLite's float formula */
typedef struct {
  mote_dims in, out;
  const int32_t *y_lo, *y_hi;
  const float *y_frac;
  const int32_t *x_lo, *x_hi;
  const float *x_frac;
} mote_resize_bilinear_f32_params;

mote_status mote_resize_bilinear_f32(const mote_resize_bilinear_f32_params *p, const float *in,
                                     float *out);

/* ---- slicing, gather, tile (any element size) ---------------------------------------------- */

/* Strided slice on a tensor seen as 6-D: out[i0..i5] = in[begin[d] + i_d * stride[d]]. Strides
 * may be negative; every index taken must lie inside in_dims (the compiler resolves TFLite's
 * masks and negative indices, SLICE, SPLIT and ONNX Slice/Split to this form). */
#define MOTE_SLICE_DIMS 6
typedef struct {
  int32_t in_dims[MOTE_SLICE_DIMS];
  int32_t out_dims[MOTE_SLICE_DIMS];
  int32_t begin[MOTE_SLICE_DIMS];
  int32_t stride[MOTE_SLICE_DIMS];
  int32_t elem_size;
} mote_slice_params;

mote_status mote_slice(const mote_slice_params *p, const void *in, void *out);

/* Gather along the middle axis of [outer][axis_size][inner]:
 * out[o][k][:] = in[o][indices[k]][:], indices constant and in [0, axis_size). */
typedef struct {
  int32_t outer, axis_size, inner;
  int32_t n_indices;
  const int32_t *indices; /* [n_indices] */
  int32_t elem_size;
} mote_gather_params;

mote_status mote_gather(const mote_gather_params *p, const void *in, void *out);

/* Tile / broadcast on a tensor seen as 6-D: out_dims[d] is a multiple of in_dims[d] and
 * out[i] = in[i_d mod in_dims[d]] (broadcasting is in_dims[d] = 1). */
typedef struct {
  int32_t in_dims[MOTE_SLICE_DIMS];
  int32_t out_dims[MOTE_SLICE_DIMS];
  int32_t elem_size;
} mote_tile_params;

mote_status mote_tile(const mote_tile_params *p, const void *in, void *out);

/* ---- batch matmul (TFLite BATCH_MATMUL, ONNX MatMul) ---------------------------------------- */

/* out[b0][b1][b2][m][n] = sum_k lhs(b, m, k) * rhs(b, k, n). Element (m, k) of lhs batch b is
 * at b0*lhs_batch_stride[0] + b1*lhs_batch_stride[1] + b2*lhs_batch_stride[2] + m*lhs_m + k*lhs_k
 * (elements; a batch stride of 0 broadcasts), rhs likewise with rhs_k, rhs_n: transposed
 * operands (adj_x, adj_y) and pre-transposed constants are only different strides. */
typedef struct {
  int32_t batch[3];
  int32_t m, k, n;
  int32_t lhs_batch_stride[3], rhs_batch_stride[3];
  int32_t lhs_m, lhs_k;
  int32_t rhs_k, rhs_n;
} mote_matmul_geom;

/* TFLM's int8 BatchMatMul: sum (lhs - lhs_zp) * (rhs - rhs_zp) in int32, requantized by one
 * per-tensor multiplier, + out_zp, clamped. */
typedef struct {
  mote_matmul_geom g;
  int32_t lhs_zp, rhs_zp, out_zp;
  int32_t multiplier, shift;
  int32_t act_min, act_max;
} mote_batch_matmul_s8_params;

mote_status mote_batch_matmul_s8(const mote_batch_matmul_s8_params *p, const int8_t *lhs,
                                 const int8_t *rhs, int8_t *out);

typedef struct {
  mote_matmul_geom g;
  float act_min, act_max;
} mote_batch_matmul_f32_params;

mote_status mote_batch_matmul_f32(const mote_batch_matmul_f32_params *p, const float *lhs,
                                  const float *rhs, float *out);

/* ---- layer normalization (ONNX LayerNormalization), float ---------------------------------- */

/* Each of `rows` rows of `inner` elements: y = (x - mean) / sqrt(var + epsilon) * scale + bias,
 * mean and (biased) variance over the row; scale and bias [inner], bias may be NULL. */
typedef struct {
  int32_t rows, inner;
  float epsilon;
} mote_layer_norm_f32_params;

mote_status mote_layer_norm_f32(const mote_layer_norm_f32_params *p, const float *in,
                                const float *scale, const float *bias, float *out);

/* int8 (mote's integer kernel; TFLM has no LayerNorm). Per row of `inner` codes x:
 *   D[k] = inner * x[k] - sum(x)                      (= inner (x[k] - mean), zero point free)
 *   W    = inner * sum(x^2) - sum(x)^2 + eps_term     (= inner^2 (var + epsilon / in_scale^2))
 *   n[k] = D[k] / sqrt(W) in Q22, 1 / sqrt(W) by fixed-point Newton steps (no float)
 *   y[k] = out_zp + round((n[k] * multiplier[k] * 2^shift[k] / 2^31 + bias[k] / 2^8)), clamped
 * where multiplier/shift encode gamma[k] / out_scale and bias[k] = beta[k] / out_scale * 2^8,
 * folded by the compiler. Rounding halves away from zero. inner <= 65536. */
typedef struct {
  int32_t rows, inner;
  int32_t eps_term; /* round(inner^2 * epsilon / in_scale^2) */
  int32_t out_zp;
  const int32_t *multiplier; /* [inner] */
  const int32_t *shift;      /* [inner] */
  const int32_t *bias;       /* [inner] */
} mote_layer_norm_s8_params;

mote_status mote_layer_norm_s8(const mote_layer_norm_s8_params *p, const int8_t *in, int8_t *out);

/* ---- Armv7E-M DSP variants (Cortex-M4, M7, M33, M55): the same results as the portable
 * kernels above, bit for bit, from tables the compiler lays out for dual 16-bit MACs. They build
 * on any host (mote/dsp.h emulates the instructions). ------------------------------------------ */

/* Conv2D (groups 1) and depthwise Conv2D (depth multiplier 1) on the DSP extension. The
 * requantization is TFLite's, computed as round(2 * acc * multiplier / 2^32) then a rounding
 * right shift: the compiler chooses these kernels only where that is exact, i.e. every
 * channel's shift is a right shift and every accumulator is provably below 2^30 in magnitude
 * (from the weights and bias). Instead of a bias the kernels read per output channel records
 * chan[c] = {bias, multiplier, right shift e in [1, 31], 2^(e-1) + out_zp * 2^e}: the output
 * zero point rides on the rounding term. */
typedef struct {
  mote_dims in, out;
  int32_t kh, kw;
  int32_t stride_h, stride_w;
  int32_t dil_h, dil_w;
  int32_t pad_top, pad_left;
  int32_t in_zp;
  int32_t act_min, act_max;
  /* 1: out may be the same buffer as in (stride 1, output dims = input dims); output rows then
   * wait in scratch until no later row reads the input rows they overwrite */
  int32_t in_place;
  /* 1 (conv2d only, not in place): pixel blocks from the last to the first, so that the output of
   * a layer that grows may start where its input starts (the memory plan's overlap) */
  int32_t reverse;
} mote_conv_s8_dsp_params;

/* Weights: output channels in pairs (an odd last channel pairs with zeros), each pair as an even
 * number of groups of two words, one per channel, each packing 4 OHWI weights k..k+3 as its
 * bytes from the lowest (zeros past kh * kw * in.c): SXTB16 and SXTB16 ROR 8 give (w[k], w[k+2])
 * and (w[k+1], w[k+3]), the order in which the kernel lays out its im2col columns. chan [out.c
 * rounded up to even][4] (the extra record is never read for an output). scratch: 4-byte
 * aligned, mote_conv2d_s8_dsp_scratch_bytes. */
mote_status mote_conv2d_s8_dsp(const mote_conv_s8_dsp_params *p, const int8_t *in,
                               const int32_t *w, const int32_t *chan, int8_t *out, void *scratch);
size_t mote_conv2d_s8_dsp_scratch_bytes(const mote_conv_s8_dsp_params *p);

/* mote_conv_chain_s8 on the DSP kernels: the same schedule over two mote_conv2d_s8_dsp convs
 * (their packed weights and chan records) and mote_add_s8_dsp. scratch 4-byte aligned. */
typedef struct {
  mote_conv_s8_dsp_params conv1, conv2;
  const int32_t *w1, *w2;
  const int32_t *chan1, *chan2;
  int32_t has_add;
  mote_add_s8_params add;
} mote_conv_chain_s8_dsp_params;

mote_status mote_conv_chain_s8_dsp(const mote_conv_chain_s8_dsp_params *p, const int8_t *x,
                                   const int8_t *skip, int8_t *out, void *scratch);
size_t mote_conv_chain_s8_dsp_scratch_bytes(const mote_conv_chain_s8_dsp_params *p);
int mote_conv_chain_s8_dsp_runs(const mote_conv_chain_s8_dsp_params *p, int over_x);

/* Weights: channels in blocks of 4 (the last one zero-padded), each block as its kh * kw taps
 * of two words, the 16-bit pairs (w[tap][c], w[tap][c+2]) and (w[tap][c+1], w[tap][c+3]) (low
 * half first). chan [out.c][4]. scratch: mote_depthwise_conv2d_s8_dsp_scratch_bytes (none
 * unless in place). */
mote_status mote_depthwise_conv2d_s8_dsp(const mote_conv_s8_dsp_params *p, const int8_t *in,
                                         const int32_t *w, const int32_t *chan, int8_t *out,
                                         void *scratch);
size_t mote_depthwise_conv2d_s8_dsp_scratch_bytes(const mote_conv_s8_dsp_params *p);

/* Depthwise 3x3, stride 1, dilation 1, depth multiplier 1: channel by channel through a padded
 * plane in scratch, so out may be in itself. Weights: per channel 5 words of doubled 16-bit
 * weights w[ky][kx] (low half first): (w00, w02), (w10, w12), (w20, w22), (w01, w11), (w21, 0).
 * chan [out.c][4] with the bias as 2 * (bias - in_zp * sum w). scratch:
 * mote_depthwise_conv2d_3x3_s8_dsp_scratch_bytes. */
mote_status mote_depthwise_conv2d_3x3_s8_dsp(const mote_conv_s8_dsp_params *p, const int8_t *in,
                                             const int32_t *w, const int32_t *chan, int8_t *out,
                                             void *scratch);
size_t mote_depthwise_conv2d_3x3_s8_dsp_scratch_bytes(const mote_conv_s8_dsp_params *p);

/* Fully connected (mote_fully_connected_s8's results) with the requantization records of the
 * convolutions above, for every row, where they are exact. */
typedef struct {
  int32_t batches, in_features, out_features;
  int32_t act_min, act_max;
  int32_t reverse; /* 1: rows from the last to the first (as mote_conv_s8_dsp_params) */
  /* 1: no scratch; each block of rows reads the input words itself (slower), for a layer whose
   * expanded input would take more RAM than any activation of the model */
  int32_t lean;
} mote_fc_s8_dsp_params;

/* Weights: rows in blocks of 4 (the last one padded with zero rows), each block as groups of 4
 * inputs k..k+3, an even number of them (zeros past in_features), one word per row; a word's
 * bytes from the lowest are w[k] + 128, w[k+1], w[k+2] + 128, w[k+3]. chan [out_features rounded
 * up to 4][4], whose biases also hold -in_zp * sum_k w[k] + 128 * sum of the odd-k w[k] (modulo
 * 2^32). scratch: 4-byte aligned, mote_fully_connected_s8_dsp_scratch_bytes (none when lean). */
mote_status mote_fully_connected_s8_dsp(const mote_fc_s8_dsp_params *p, const int8_t *in,
                                        const int32_t *w, const int32_t *chan, int8_t *out,
                                        void *scratch);
size_t mote_fully_connected_s8_dsp_scratch_bytes(const mote_fc_s8_dsp_params *p);

/* mote_avgpool_s8 (same params, same results) for windows of at most 256 cells, whose sums the
 * kernel keeps in 16-bit halves. */
mote_status mote_avgpool_s8_dsp(const mote_pool_s8_params *p, const int8_t *in, int8_t *out);

/* mote_add_s8 (same params, same results) for operands of the output's shape, with TFLite's
 * left_shift of 20, input shifts <= 0, an output shift <= -1 and |2^(e-1) + out_zp * 2^e| <=
 * 2^30 for e = -out_shift: each rescale is then one exact SMMULR. The broadcast strides are
 * not read: the output's elements are contiguous and so are the operands'. */
mote_status mote_add_s8_dsp(const mote_add_s8_params *p, const int8_t *a, const int8_t *b,
                            int8_t *out);

/* ---- 16x8: int16 activations, int8 weights (TFLM's int16 reference kernels) --------------- */

/* Activations are int16 with zero point 0 (in_zp and out_zp of the int8 params structs must be
 * 0), weights int8 per channel, bias int64. Sums are int64 and requantize with TFLM's 64-bit
 * MultiplyByQuantizedMultiplier: the multiplier rounded to its top 16 bits, then
 * (acc * m16 + 2^(14 - shift)) >> (15 - shift), shift in [-31, 7]. */
mote_status mote_conv2d_s16(const mote_conv_s8_params *p, const int16_t *in, const int8_t *w,
                            const int64_t *bias, int16_t *out);
mote_status mote_fully_connected_s16(const mote_fc_s8_params *p, const int16_t *in,
                                     const int8_t *w, const int64_t *bias, int16_t *out);
mote_status mote_transpose_conv_s16(const mote_transpose_conv_s8_params *p, const int16_t *in,
                                    const int8_t *w, const int64_t *bias, int16_t *out);
/* TFLite's ResizeBilinearInteger on int16: the int8 tables, the four products summed in int64 */
mote_status mote_resize_bilinear_s16(const mote_resize_bilinear_s8_params *p, const int16_t *in,
                                     int16_t *out);

#ifdef __cplusplus
}
#endif

#endif /* MOTE_KERNELS_H */
