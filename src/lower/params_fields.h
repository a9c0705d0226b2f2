// Each runtime params struct described once, field by field. A Sink sees
// every field: the C backend prints them as designated initializers, bind_tables() points the
// table fields at a call's constant tables. A new params struct needs one fields() overload here.
//
// Sink interface:
//   i32(name, int32_t&)   f32(name, float&)   u32_hex(name, uint32_t&)   dims(name, mote_dims&)
//   ints(name, int32_t* array, count)   bcast(name, mote_bcast&)
//   table(name, const T*& ptr, role)      a pointer to the call's table of that role (or NULL)
//   luts(name, const int8_t* const*& ptr, count)   per-input tables "lut<k>" as an array
#pragma once
#include <string>
#include <variant>

#include "lower/lower.h"

namespace mote {

template <typename S> void fields(S&, std::monostate&) {}
template <typename S> void fields(S&, LutParams&) {}

template <typename S, typename P>
void pool_geometry_fields(S& s, P& p) {
  s.dims("in", p.in);
  s.dims("out", p.out);
  s.i32("kh", p.kh);
  s.i32("kw", p.kw);
  s.i32("stride_h", p.stride_h);
  s.i32("stride_w", p.stride_w);
  s.i32("pad_top", p.pad_top);
  s.i32("pad_left", p.pad_left);
}

// Pool geometry plus dilations (transpose conv); conv geometry adds groups.
template <typename S, typename P>
void dilated_geometry_fields(S& s, P& p) {
  pool_geometry_fields(s, p);
  s.i32("dil_h", p.dil_h);
  s.i32("dil_w", p.dil_w);
}
template <typename S, typename P>
void conv_geometry_fields(S& s, P& p) {
  dilated_geometry_fields(s, p);
  s.i32("groups", p.groups);
}

// Zero points, clamp and per-channel requantization tables of the int8 conv-like kernels.
template <typename S, typename P>
void s8_requant_fields(S& s, P& p) {
  s.i32("in_zp", p.in_zp);
  s.i32("out_zp", p.out_zp);
  s.i32("act_min", p.act_min);
  s.i32("act_max", p.act_max);
  s.table("multiplier", p.multiplier, "multiplier");
  s.table("shift", p.shift, "shift");
}

template <typename S> void fields(S& s, mote_conv_s8_params& p) {
  conv_geometry_fields(s, p);
  s8_requant_fields(s, p);
  s.i32("in_place", p.in_place);
}

template <typename S> void fields(S& s, mote_conv_s8_dsp_params& p) {
  dilated_geometry_fields(s, p);
  s.i32("in_zp", p.in_zp);
  s.i32("act_min", p.act_min);
  s.i32("act_max", p.act_max);
  s.i32("in_place", p.in_place);
  s.i32("reverse", p.reverse);
}

template <typename S> void fields(S& s, mote_conv_f32_params& p) {
  conv_geometry_fields(s, p);
  s.f32("act_min", p.act_min);
  s.f32("act_max", p.act_max);
}

// The shape of a fully connected layer.
template <typename S, typename P> void fc_shape_fields(S& s, P& p) {
  s.i32("batches", p.batches);
  s.i32("in_features", p.in_features);
  s.i32("out_features", p.out_features);
}

template <typename S> void fields(S& s, mote_fc_s8_dsp_params& p) {
  fc_shape_fields(s, p);
  s.i32("act_min", p.act_min);
  s.i32("act_max", p.act_max);
  s.i32("reverse", p.reverse);
  s.i32("lean", p.lean);
}

template <typename S> void fields(S& s, mote_fc_s8_params& p) {
  fc_shape_fields(s, p);
  s.i32("in_zp", p.in_zp);
  s.i32("out_zp", p.out_zp);
  s.i32("act_min", p.act_min);
  s.i32("act_max", p.act_max);
  s.table("multiplier", p.multiplier, "multiplier");
  s.table("shift", p.shift, "shift");
  s.i32("per_channel", p.per_channel);
}

template <typename S> void fields(S& s, mote_fc_f32_params& p) {
  fc_shape_fields(s, p);
  s.f32("act_min", p.act_min);
  s.f32("act_max", p.act_max);
}

template <typename S> void fields(S& s, mote_add_s8_params& p) {
  s.bcast("bc", p.bc);
  s.i32("a_zp", p.a_zp);
  s.i32("b_zp", p.b_zp);
  s.i32("out_zp", p.out_zp);
  s.i32("left_shift", p.left_shift);
  s.i32("a_multiplier", p.a_multiplier);
  s.i32("a_shift", p.a_shift);
  s.i32("b_multiplier", p.b_multiplier);
  s.i32("b_shift", p.b_shift);
  s.i32("out_multiplier", p.out_multiplier);
  s.i32("out_shift", p.out_shift);
  s.i32("act_min", p.act_min);
  s.i32("act_max", p.act_max);
}

// MUL and DIV: one rescale of the operands' product or quotient.
template <typename S, typename P>
void rescale_binary_fields(S& s, P& p) {
  s.bcast("bc", p.bc);
  s.i32("a_zp", p.a_zp);
  s.i32("b_zp", p.b_zp);
  s.i32("out_zp", p.out_zp);
  s.i32("out_multiplier", p.out_multiplier);
  s.i32("out_shift", p.out_shift);
  s.i32("act_min", p.act_min);
  s.i32("act_max", p.act_max);
}
template <typename S> void fields(S& s, mote_mul_s8_params& p) { rescale_binary_fields(s, p); }
template <typename S> void fields(S& s, mote_div_s8_params& p) { rescale_binary_fields(s, p); }

template <typename S> void fields(S& s, mote_binary_f32_params& p) {
  s.bcast("bc", p.bc);
  s.i32("op", p.op);
  s.f32("act_min", p.act_min);
  s.f32("act_max", p.act_max);
}

template <typename S> void fields(S& s, mote_unary_f32_params& p) {
  s.i32("op", p.op);
  s.f32("alpha", p.alpha);
  s.f32("beta", p.beta);
}

template <typename S> void fields(S& s, mote_pool_s8_params& p) {
  pool_geometry_fields(s, p);
  s.i32("act_min", p.act_min);
  s.i32("act_max", p.act_max);
}

template <typename S> void fields(S& s, mote_pool_f32_params& p) {
  pool_geometry_fields(s, p);
  s.f32("act_min", p.act_min);
  s.f32("act_max", p.act_max);
}

// The [outer][reduce][inner] view of the reductions.
template <typename S, typename P>
void reduce_dims_fields(S& s, P& p) {
  s.i32("outer", p.outer);
  s.i32("reduce", p.reduce);
  s.i32("inner", p.inner);
}
template <typename S> void fields(S& s, mote_reduce_params& p) { reduce_dims_fields(s, p); }

template <typename S> void fields(S& s, mote_mean_s8_params& p) {
  reduce_dims_fields(s, p);
  s.i32("in_zp", p.in_zp);
  s.i32("out_zp", p.out_zp);
  s.i32("multiplier", p.multiplier);
  s.i32("shift", p.shift);
}

template <typename S> void fields(S& s, mote_mean_f32_params& p) {
  reduce_dims_fields(s, p);
  s.f32("scale", p.scale);
}

template <typename S> void fields(S& s, mote_minmax_s8_params& p) {
  s.bcast("bc", p.bc);
  s.i32("is_max", p.is_max);
}

template <typename S> void fields(S& s, mote_prelu_s8_params& p) {
  s.bcast("bc", p.bc);
  s.i32("a_zp", p.a_zp);
  s.i32("alpha_zp", p.alpha_zp);
  s.i32("out_zp", p.out_zp);
  s.i32("pos_multiplier", p.pos_multiplier);
  s.i32("pos_shift", p.pos_shift);
  s.i32("neg_multiplier", p.neg_multiplier);
  s.i32("neg_shift", p.neg_shift);
}


template <typename S> void fields(S& s, mote_quant_params& p) {
  s.f32("scale", p.scale);
  s.i32("zero_point", p.zero_point);
}

// Softmax and log-softmax share the rows and the input scaling.
template <typename S, typename P>
void softmax_s8_fields(S& s, P& p) {
  s.i32("rows", p.rows);
  s.i32("cols", p.cols);
  s.i32("input_multiplier", p.input_multiplier);
  s.i32("input_left_shift", p.input_left_shift);
  s.i32("diff_min", p.diff_min);
}
template <typename S> void fields(S& s, mote_softmax_s8_params& p) { softmax_s8_fields(s, p); }
template <typename S> void fields(S& s, mote_log_softmax_s8_params& p) {
  softmax_s8_fields(s, p);
  s.i32("reverse_multiplier", p.reverse_multiplier);
  s.i32("reverse_shift", p.reverse_shift);
}

template <typename S> void fields(S& s, mote_softmax_f32_params& p) {
  s.i32("rows", p.rows);
  s.i32("cols", p.cols);
  s.i32("log", p.log);
}

template <typename S> void fields(S& s, mote_concat_params& p) {
  s.i32("outer", p.outer);
  s.i32("n_inputs", p.n_inputs);
  s.table("inner_bytes", p.inner_bytes, "inner_bytes");
  s.luts("luts", p.luts, p.n_inputs);
}

template <typename S> void fields(S& s, mote_pad_params& p) {
  s.ints("in_dims", p.in_dims, 4);
  s.ints("pad_before", p.pad_before, 4);
  s.ints("pad_after", p.pad_after, 4);
  s.i32("elem_size", p.elem_size);
  s.u32_hex("value", p.value);
}

template <typename S> void fields(S& s, mote_transpose_params& p) {
  s.ints("in_dims", p.in_dims, MOTE_TRANSPOSE_DIMS);
  s.ints("perm", p.perm, MOTE_TRANSPOSE_DIMS);
  s.i32("elem_size", p.elem_size);
}

template <typename S> void fields(S& s, mote_rnn_f32_params& p) {
  s.i32("steps", p.steps);
  s.i32("in_features", p.in_features);
  s.i32("hidden", p.hidden);
  s.i32("reverse", p.reverse);
  s.i32("linear_before_reset", p.linear_before_reset);
}

template <typename S> void fields(S& s, mote_lstm_s8_params& p) {
  s.i32("steps", p.steps);
  s.i32("in_features", p.in_features);
  s.i32("hidden", p.hidden);
  s.i32("reverse", p.reverse);
  s.i32("hidden_zp", p.hidden_zp);
  s.ints("in_multiplier", p.in_multiplier, 4);
  s.ints("in_shift", p.in_shift, 4);
  s.ints("rec_multiplier", p.rec_multiplier, 4);
  s.ints("rec_shift", p.rec_shift, 4);
  s.i32("cell_act", p.cell_act);
  s.i32("forget_multiplier", p.forget_multiplier);
  s.i32("forget_shift", p.forget_shift);
  s.i32("input_multiplier", p.input_multiplier);
  s.i32("input_shift", p.input_shift);
  s.i32("output_multiplier", p.output_multiplier);
  s.i32("output_shift", p.output_shift);
  s.i32("cell_tanh_multiplier", p.cell_tanh_multiplier);
  s.i32("cell_tanh_shift", p.cell_tanh_shift);
  s.i32("cell_clip", p.cell_clip);
  s.table("sigmoid_table", p.sigmoid_table, "sigmoid");
}

template <typename S> void fields(S& s, mote_gru_s8_params& p) {
  s.i32("steps", p.steps);
  s.i32("in_features", p.in_features);
  s.i32("hidden", p.hidden);
  s.i32("reverse", p.reverse);
  s.i32("linear_before_reset", p.linear_before_reset);
  s.i32("out_zp", p.out_zp);
  s.table("in_multiplier", p.in_multiplier, "in_multiplier");
  s.table("in_shift", p.in_shift, "in_shift");
  s.table("rec_multiplier", p.rec_multiplier, "rec_multiplier");
  s.table("rec_shift", p.rec_shift, "rec_shift");
  s.i32("out_multiplier", p.out_multiplier);
  s.i32("out_shift", p.out_shift);
  s.table("sigmoid_table", p.sigmoid_table, "sigmoid");
}

// ---- transpose conv, resize, slicing / gather / tile, batch matmul ----

template <typename S> void fields(S& s, mote_transpose_conv_s8_params& p) {
  dilated_geometry_fields(s, p);
  s8_requant_fields(s, p);
}

template <typename S> void fields(S& s, mote_transpose_conv_f32_params& p) {
  dilated_geometry_fields(s, p);
  s.f32("act_min", p.act_min);
  s.f32("act_max", p.act_max);
}

template <typename S> void fields(S& s, mote_resize_nearest_params& p) {
  s.dims("in", p.in);
  s.dims("out", p.out);
  s.table("y_src", p.y_src, "y_src");
  s.table("x_src", p.x_src, "x_src");
  s.i32("elem_size", p.elem_size);
}

// Both bilinear structs name their tables alike (frac is int32 or float).
template <typename S, typename P>
void bilinear_fields(S& s, P& p) {
  s.dims("in", p.in);
  s.dims("out", p.out);
  s.table("y_lo", p.y_lo, "y_lo");
  s.table("y_hi", p.y_hi, "y_hi");
  s.table("y_frac", p.y_frac, "y_frac");
  s.table("x_lo", p.x_lo, "x_lo");
  s.table("x_hi", p.x_hi, "x_hi");
  s.table("x_frac", p.x_frac, "x_frac");
}
template <typename S> void fields(S& s, mote_resize_bilinear_s8_params& p) { bilinear_fields(s, p); }
template <typename S> void fields(S& s, mote_resize_bilinear_f32_params& p) { bilinear_fields(s, p); }

template <typename S> void fields(S& s, mote_slice_params& p) {
  s.ints("in_dims", p.in_dims, MOTE_SLICE_DIMS);
  s.ints("out_dims", p.out_dims, MOTE_SLICE_DIMS);
  s.ints("begin", p.begin, MOTE_SLICE_DIMS);
  s.ints("stride", p.stride, MOTE_SLICE_DIMS);
  s.i32("elem_size", p.elem_size);
}

template <typename S> void fields(S& s, mote_gather_params& p) {
  s.i32("outer", p.outer);
  s.i32("axis_size", p.axis_size);
  s.i32("inner", p.inner);
  s.i32("n_indices", p.n_indices);
  s.table("indices", p.indices, "indices");
  s.i32("elem_size", p.elem_size);
}

template <typename S> void fields(S& s, mote_tile_params& p) {
  s.ints("in_dims", p.in_dims, MOTE_SLICE_DIMS);
  s.ints("out_dims", p.out_dims, MOTE_SLICE_DIMS);
  s.i32("elem_size", p.elem_size);
}

// Nested designators (.g.m = ...) are C99.
template <typename S>
void matmul_geom_fields(S& s, mote_matmul_geom& g) {
  s.ints("g.batch", g.batch, 3);
  s.i32("g.m", g.m);
  s.i32("g.k", g.k);
  s.i32("g.n", g.n);
  s.ints("g.lhs_batch_stride", g.lhs_batch_stride, 3);
  s.ints("g.rhs_batch_stride", g.rhs_batch_stride, 3);
  s.i32("g.lhs_m", g.lhs_m);
  s.i32("g.lhs_k", g.lhs_k);
  s.i32("g.rhs_k", g.rhs_k);
  s.i32("g.rhs_n", g.rhs_n);
}

template <typename S> void fields(S& s, mote_batch_matmul_s8_params& p) {
  matmul_geom_fields(s, p.g);
  s.i32("lhs_zp", p.lhs_zp);
  s.i32("rhs_zp", p.rhs_zp);
  s.i32("out_zp", p.out_zp);
  s.i32("multiplier", p.multiplier);
  s.i32("shift", p.shift);
  s.i32("act_min", p.act_min);
  s.i32("act_max", p.act_max);
}

template <typename S> void fields(S& s, mote_batch_matmul_f32_params& p) {
  matmul_geom_fields(s, p.g);
  s.f32("act_min", p.act_min);
  s.f32("act_max", p.act_max);
}

template <typename S> void fields(S& s, mote_layer_norm_f32_params& p) {
  s.i32("rows", p.rows);
  s.i32("inner", p.inner);
  s.f32("epsilon", p.epsilon);
}

template <typename S> void fields(S& s, mote_layer_norm_s8_params& p) {
  s.i32("rows", p.rows);
  s.i32("inner", p.inner);
  s.i32("eps_term", p.eps_term);
  s.i32("out_zp", p.out_zp);
  s.table("multiplier", p.multiplier, "multiplier");
  s.table("shift", p.shift, "shift");
  s.table("bias", p.bias, "bias");
}

// A struct inside a params struct: its fields under "name." (C99 nested designators), its
// table roles with `suffix` (a conv chain's two convs read "weights1", "multiplier2", ...).
template <typename S>
struct NestedSink {
  S& s;
  std::string prefix, suffix;
  std::string at(const char* n) const { return prefix + "." + n; }
  void i32(const char* n, int32_t& v) { s.i32(at(n).c_str(), v); }
  void f32(const char* n, float& v) { s.f32(at(n).c_str(), v); }
  void u32_hex(const char* n, uint32_t& v) { s.u32_hex(at(n).c_str(), v); }
  void dims(const char* n, mote_dims& d) { s.dims(at(n).c_str(), d); }
  void ints(const char* n, int32_t* v, int count) { s.ints(at(n).c_str(), v, count); }
  void bcast(const char* n, mote_bcast& b) { s.bcast(at(n).c_str(), b); }
  template <typename T>
  void table(const char* n, const T*& ptr, const char* role) {
    s.table(at(n).c_str(), ptr, (role + suffix).c_str());
  }
};
template <typename S, typename P>
void nested_fields(S& s, const char* name, const char* suffix, P& p) {
  NestedSink<S> sub{s, name, suffix};
  fields(sub, p);
}

// Both chain structs: two nested convs, their weights and bias (the DSP variant's per-channel
// records, its convs' "bias" tables) by name, the add.
template <typename S, typename P, typename B>
void chain_fields(S& s, P& p, const char* bias1, const B*& b1, const char* bias2, const B*& b2) {
  nested_fields(s, "conv1", "1", p.conv1);
  nested_fields(s, "conv2", "2", p.conv2);
  s.table("w1", p.w1, "weights1");
  s.table("w2", p.w2, "weights2");
  s.table(bias1, b1, "bias1");
  s.table(bias2, b2, "bias2");
  s.i32("has_add", p.has_add);
  nested_fields(s, "add", "", p.add);
}
template <typename S> void fields(S& s, mote_conv_chain_s8_params& p) {
  chain_fields(s, p, "bias1", p.bias1, "bias2", p.bias2);
}
template <typename S> void fields(S& s, mote_conv_chain_s8_dsp_params& p) {
  chain_fields(s, p, "chan1", p.chan1, "chan2", p.chan2);
}

// Visits the fields of whatever params struct `params` holds.
template <typename S>
void visit_fields(S& s, KernelParams& params) {
  std::visit([&](auto& p) { fields(s, p); }, params);
}

}  // namespace mote
