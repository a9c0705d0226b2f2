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
  MOTE_ERR_PARAM = 1 /* inconsistent parameters (e.g. zero-sized dims, bad group count) */
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
  /* mote_conv2d_s8 only: 1 when out may be the same buffer as in (the compiler sets it for
   * stride-1 convs whose output has the input's dims and whose input dies there). Output rows
   * then wait in pad_top + 1 ring rows of scratch until no later row reads the input row they
   * overwrite. */
  int32_t in_place;
} mote_conv_s8_params;

/* weights OHWI [out.c][kh][kw][in.c/groups]; bias int32 [out.c] or NULL */
mote_status mote_conv2d_s8(const mote_conv_s8_params *p, const int8_t *in, const int8_t *w,
                           const int32_t *bias, int8_t *out, void *scratch);
size_t mote_conv2d_s8_scratch_bytes(const mote_conv_s8_params *p);

/* depth multiplier = out.c / in.c; weights HWO [kh][kw][out.c] (TFLite layout);
 * groups is ignored */
mote_status mote_depthwise_conv2d_s8(const mote_conv_s8_params *p, const int8_t *in,
                                     const int8_t *w, const int32_t *bias, int8_t *out);

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

/* TFLite int8 MUL: (a - a_zp) * (b - b_zp) rescaled once to the output. */
typedef struct {
  mote_bcast bc;
  int32_t a_zp, b_zp, out_zp;
  int32_t out_multiplier, out_shift;
  int32_t act_min, act_max;
} mote_mul_s8_params;

mote_status mote_mul_s8(const mote_mul_s8_params *p, const int8_t *a, const int8_t *b,
                        int8_t *out);

typedef enum { MOTE_BIN_ADD = 0, MOTE_BIN_SUB = 1, MOTE_BIN_MUL = 2 } mote_binary_op;

typedef struct {
  mote_bcast bc;
  int32_t op; /* mote_binary_op */
  float act_min, act_max;
} mote_binary_f32_params;

mote_status mote_binary_f32(const mote_binary_f32_params *p, const float *a, const float *b,
                            float *out);

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
  MOTE_UN_SELU = 7 /* alpha, beta = gamma */
} mote_unary_op;

typedef struct {
  int32_t op; /* mote_unary_op */
  float alpha, beta;
} mote_unary_f32_params;

mote_status mote_unary_f32(const mote_unary_f32_params *p, int32_t n, const float *in,
                           float *out);

/* exp(x) for float kernels without libm: relative error below 2e-7 on [-87, 88]. */
float mote_expf(float x);

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

typedef struct {
  int32_t outer, reduce, inner;
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

typedef struct {
  int32_t rows, cols;
} mote_softmax_f32_params;

mote_status mote_softmax_f32(const mote_softmax_f32_params *p, const float *in, float *out);

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
  uint32_t value;    /* the padding element's bit pattern (int8 zero point, or float bits) */
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

#ifdef __cplusplus
}
#endif

#endif /* MOTE_KERNELS_H */
