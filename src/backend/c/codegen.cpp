// The C backend. Everything is generated into strings first, then written through temp files
// and renamed in one go, so a failure anywhere leaves the output directory as it was.
#include "backend/c/codegen.h"

#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <regex>
#include <set>

#include <fmt/format.h>

#include "backend/c/kernel_table.h"
#include "ir/op_registry.h"

namespace mote {

namespace fs = std::filesystem;

namespace {

// ---- C literals and names -----------------------------------------------------------------

// Name characters C does not allow become '_'; runs of '_' collapse and edge ones go, so
// "/stem/stem.0/Conv" reads stem_stem_0_Conv.
std::string c_ident(const std::string& s) {
  std::string r;
  for (char c : s) {
    const bool ok = std::isalnum(static_cast<unsigned char>(c)) != 0;
    if (ok) r += c;
    else if (!r.empty() && r.back() != '_') r += '_';
  }
  while (!r.empty() && r.back() == '_') r.pop_back();
  return r.empty() ? std::string("x") : r;
}

bool is_c_ident(const std::string& s) {
  return std::regex_match(s, std::regex("[A-Za-z_][A-Za-z0-9_]*"));
}

// Text safe inside a /* */ comment: printable ASCII, no comment delimiters, no '?' (trigraphs)
// and no backslash (line splices).
std::string comment_text(const std::string& s) {
  std::string r;
  for (char c : s) {
    bool ok = c >= 0x20 && c < 0x7f && c != '?' && c != '\\';
    if (ok && !r.empty() && ((r.back() == '/' && c == '*') || (r.back() == '*' && c == '/'))) ok = false;
    r += ok ? c : '_';
  }
  return r;
}

// Shortest round-tripping float literal; infinities (open clamp bounds) become FLT_MAX.
std::string c_float(float v, const std::string& what) {
  if (std::isnan(v)) fail("C backend: {} is NaN", what);
  if (std::isinf(v)) return v > 0 ? "3.402823466e+38f" : "-3.402823466e+38f";
  std::string s = fmt::format("{:.9g}", v);
  if (s.find_first_of(".e") == std::string::npos) s += ".0";
  return s + "f";
}

std::string c_int(int64_t v) {
  if (v == int64_t(INT32_MIN)) return "(-2147483647 - 1)";
  return std::to_string(v);
}

std::string c_ints(const int32_t* v, int n) {
  std::string r = "{ ";
  for (int i = 0; i < n; ++i) r += (i ? ", " : "") + c_int(v[i]);
  return r + " }";
}

const char* c_elem_type(DType t) {
  switch (t) {
    case DType::I8: return "int8_t";
    case DType::U8: return "uint8_t";
    case DType::I32: return "int32_t";
    case DType::F32: return "float";
    case DType::I64: return "int64_t";
  }
  return "?";
}

// Element k of a little-endian byte buffer as a C literal.
std::string c_elem(const uint8_t* bytes, DType t, int64_t k, const std::string& what) {
  switch (t) {
    case DType::I8: return std::to_string(int(reinterpret_cast<const int8_t*>(bytes)[k]));
    case DType::U8: return std::to_string(int(bytes[k]));
    case DType::I32: {
      int32_t v;
      std::memcpy(&v, bytes + 4 * k, 4);
      return c_int(v);
    }
    case DType::F32: {
      float v;
      std::memcpy(&v, bytes + 4 * k, 4);
      return c_float(v, fmt::format("{}[{}]", what, k));
    }
    case DType::I64: {
      int64_t v;
      std::memcpy(&v, bytes + 8 * k, 8);
      if (v < INT32_MIN || v > INT32_MAX) fail("C backend: {}[{}] = {} does not fit 32 bits", what, k, v);
      return c_int(v);
    }
  }
  return "0";
}

std::string c_array(const std::string& ctype, const std::string& name, const uint8_t* bytes, DType t,
                    int64_t count, const std::string& what) {
  const int per_line = dtype_size(t) == 1 ? 16 : 8;
  std::string r = fmt::format("static const {} {}[{}] = {{", ctype, name, count);
  for (int64_t k = 0; k < count; ++k) {
    r += k % per_line == 0 ? "\n  " : " ";
    r += c_elem(bytes, t, k, what);
    if (k + 1 < count) r += ",";
  }
  return r + "\n};\n";
}

// ---- the one comment line per layer ---------------------------------------------------------

std::string fmt_num(float v) { return fmt::format("{:g}", v); }

std::string act_text(const Attrs& a) {
  float lo = a.f("act_min", kNoMin), hi = a.f("act_max", kNoMax);
  if (std::isinf(lo) && std::isinf(hi)) return "";
  if (lo == 0 && std::isinf(hi)) return " relu";
  if (lo == 0 && hi == 6) return " relu6";
  return fmt::format(" clamp[{},{}]", fmt_num(lo), fmt_num(hi));
}

std::string pair_text(const std::string& tag, const std::vector<int64_t>& v, int64_t def) {
  if (v.size() < 2) return "";
  if (v[0] == v[1]) return v[0] == def && tag == "d" ? "" : fmt::format(" {}{}", tag, v[0]);
  return fmt::format(" {}{}x{}", tag, v[0], v[1]);
}

std::string pads_text(const std::vector<int64_t>& p) {
  if (p.size() != 4) return "";
  if (p[0] == p[1] && p[1] == p[2] && p[2] == p[3]) return fmt::format(" p{}", p[0]);
  return fmt::format(" p{},{},{},{}", p[0], p[1], p[2], p[3]);
}

std::string attr_value_text(const AttrValue& v) {
  if (auto* i = std::get_if<int64_t>(&v)) return std::to_string(*i);
  if (auto* f = std::get_if<float>(&v)) return fmt_num(*f);
  if (auto* s = std::get_if<std::string>(&v)) return *s;
  std::string r = "[";
  if (auto* is = std::get_if<std::vector<int64_t>>(&v))
    for (size_t k = 0; k < is->size(); ++k) r += (k ? "," : "") + std::to_string((*is)[k]);
  if (auto* fs = std::get_if<std::vector<float>>(&v))
    for (size_t k = 0; k < fs->size(); ++k) r += (k ? "," : "") + fmt_num((*fs)[k]);
  return r + "]";
}

std::string layer_comment(const Graph& g, const Node& n, const KernelCall& call) {
  std::string ins;
  for (int t : n.inputs) {
    if (t < 0 || g.t(t).is_const()) continue;
    ins += (ins.empty() ? "" : ", ") + shape_str(g.t(t).shape);
  }
  std::string attrs;
  if (n.op == OpKind::Conv) {
    const Shape& w = g.t(n.in(1)).shape;  // OHWI
    if (w.size() == 4) attrs += fmt::format(" k{}x{}", w[1], w[2]);
    attrs += pair_text("s", n.attrs.ints("strides", {1, 1}), 1);
    attrs += pads_text(n.attrs.ints("pads", {0, 0, 0, 0}));
    attrs += pair_text("d", n.attrs.ints("dilations", {1, 1}), 1);
    if (call.kernel.find("depthwise") != std::string::npos) attrs += " depthwise";
    else if (n.attrs.i("group", 1) != 1) attrs += fmt::format(" g{}", n.attrs.i("group", 1));
  } else if (n.op == OpKind::MaxPool || n.op == OpKind::AvgPool) {
    auto k = n.attrs.ints("kernel");
    if (k.size() == 2) attrs += fmt::format(" k{}x{}", k[0], k[1]);
    attrs += pair_text("s", n.attrs.ints("strides", {1, 1}), 1);
    attrs += pads_text(n.attrs.ints("pads", {0, 0, 0, 0}));
  } else {
    for (const auto& [key, v] : n.attrs.all())
      if (key != "act_min" && key != "act_max") attrs += " " + key + "=" + attr_value_text(v);
  }
  attrs += act_text(n.attrs);
  if (call.kernel.empty()) attrs += " (no code: the output aliases the input)";
  return "/* " + comment_text(fmt::format("{} '{}' {} -> {}{}", op_name(n.op), n.name, ins,
                                          shape_str(g.t(n.out()).shape), attrs)) +
         " */";
}

// ---- params structs as C99 designated initializers ------------------------------------------

using Fields = std::vector<std::pair<std::string, std::string>>;
using RoleRef = std::function<std::string(const std::string& role)>;  // identifier or "NULL"

struct ParamsText {
  std::string type;
  Fields fields;
};

std::string dims_text(const mote_dims& d) {
  return fmt::format("{{ .n = {}, .h = {}, .w = {}, .c = {} }}", d.n, d.h, d.w, d.c);
}

std::string bcast_text(const mote_bcast& b) {
  return fmt::format("{{ .dims = {}, .a_stride = {}, .b_stride = {} }}", c_ints(b.dims, 4),
                     c_ints(b.a_stride, 4), c_ints(b.b_stride, 4));
}

template <typename P>
void conv_geometry(const P& p, Fields& f) {
  f.push_back({"in", dims_text(p.in)});
  f.push_back({"out", dims_text(p.out)});
  f.push_back({"kh", c_int(p.kh)});
  f.push_back({"kw", c_int(p.kw)});
  f.push_back({"stride_h", c_int(p.stride_h)});
  f.push_back({"stride_w", c_int(p.stride_w)});
  f.push_back({"dil_h", c_int(p.dil_h)});
  f.push_back({"dil_w", c_int(p.dil_w)});
  f.push_back({"pad_top", c_int(p.pad_top)});
  f.push_back({"pad_left", c_int(p.pad_left)});
  f.push_back({"groups", c_int(p.groups)});
}

template <typename P>
void pool_geometry(const P& p, Fields& f) {
  f.push_back({"in", dims_text(p.in)});
  f.push_back({"out", dims_text(p.out)});
  f.push_back({"kh", c_int(p.kh)});
  f.push_back({"kw", c_int(p.kw)});
  f.push_back({"stride_h", c_int(p.stride_h)});
  f.push_back({"stride_w", c_int(p.stride_w)});
  f.push_back({"pad_top", c_int(p.pad_top)});
  f.push_back({"pad_left", c_int(p.pad_left)});
}

struct ParamsPrinter {
  const RoleRef& ref;
  std::string what;  // names the node for errors

  std::string fl(float v, const char* field) const { return c_float(v, what + " " + field); }

  std::optional<ParamsText> operator()(const mote_conv_s8_params& p) const {
    Fields f;
    conv_geometry(p, f);
    f.push_back({"in_zp", c_int(p.in_zp)});
    f.push_back({"out_zp", c_int(p.out_zp)});
    f.push_back({"act_min", c_int(p.act_min)});
    f.push_back({"act_max", c_int(p.act_max)});
    f.push_back({"multiplier", ref("multiplier")});
    f.push_back({"shift", ref("shift")});
    f.push_back({"in_place", c_int(p.in_place)});
    return ParamsText{"mote_conv_s8_params", f};
  }
  std::optional<ParamsText> operator()(const mote_conv_f32_params& p) const {
    Fields f;
    conv_geometry(p, f);
    f.push_back({"act_min", fl(p.act_min, "act_min")});
    f.push_back({"act_max", fl(p.act_max, "act_max")});
    return ParamsText{"mote_conv_f32_params", f};
  }
  std::optional<ParamsText> operator()(const mote_fc_s8_params& p) const {
    return ParamsText{"mote_fc_s8_params",
                      {{"batches", c_int(p.batches)},
                       {"in_features", c_int(p.in_features)},
                       {"out_features", c_int(p.out_features)},
                       {"in_zp", c_int(p.in_zp)},
                       {"out_zp", c_int(p.out_zp)},
                       {"act_min", c_int(p.act_min)},
                       {"act_max", c_int(p.act_max)},
                       {"multiplier", ref("multiplier")},
                       {"shift", ref("shift")},
                       {"per_channel", c_int(p.per_channel)}}};
  }
  std::optional<ParamsText> operator()(const mote_fc_f32_params& p) const {
    return ParamsText{"mote_fc_f32_params",
                      {{"batches", c_int(p.batches)},
                       {"in_features", c_int(p.in_features)},
                       {"out_features", c_int(p.out_features)},
                       {"act_min", fl(p.act_min, "act_min")},
                       {"act_max", fl(p.act_max, "act_max")}}};
  }
  std::optional<ParamsText> operator()(const mote_add_s8_params& p) const {
    return ParamsText{"mote_add_s8_params",
                      {{"bc", bcast_text(p.bc)},
                       {"a_zp", c_int(p.a_zp)},
                       {"b_zp", c_int(p.b_zp)},
                       {"out_zp", c_int(p.out_zp)},
                       {"left_shift", c_int(p.left_shift)},
                       {"a_multiplier", c_int(p.a_multiplier)},
                       {"a_shift", c_int(p.a_shift)},
                       {"b_multiplier", c_int(p.b_multiplier)},
                       {"b_shift", c_int(p.b_shift)},
                       {"out_multiplier", c_int(p.out_multiplier)},
                       {"out_shift", c_int(p.out_shift)},
                       {"act_min", c_int(p.act_min)},
                       {"act_max", c_int(p.act_max)}}};
  }
  std::optional<ParamsText> operator()(const mote_mul_s8_params& p) const {
    return ParamsText{"mote_mul_s8_params",
                      {{"bc", bcast_text(p.bc)},
                       {"a_zp", c_int(p.a_zp)},
                       {"b_zp", c_int(p.b_zp)},
                       {"out_zp", c_int(p.out_zp)},
                       {"out_multiplier", c_int(p.out_multiplier)},
                       {"out_shift", c_int(p.out_shift)},
                       {"act_min", c_int(p.act_min)},
                       {"act_max", c_int(p.act_max)}}};
  }
  std::optional<ParamsText> operator()(const mote_binary_f32_params& p) const {
    return ParamsText{"mote_binary_f32_params",
                      {{"bc", bcast_text(p.bc)},
                       {"op", c_int(p.op)},
                       {"act_min", fl(p.act_min, "act_min")},
                       {"act_max", fl(p.act_max, "act_max")}}};
  }
  std::optional<ParamsText> operator()(const LutParams&) const { return std::nullopt; }
  std::optional<ParamsText> operator()(const mote_unary_f32_params& p) const {
    return ParamsText{"mote_unary_f32_params",
                      {{"op", c_int(p.op)}, {"alpha", fl(p.alpha, "alpha")}, {"beta", fl(p.beta, "beta")}}};
  }
  std::optional<ParamsText> operator()(const mote_pool_s8_params& p) const {
    Fields f;
    pool_geometry(p, f);
    f.push_back({"act_min", c_int(p.act_min)});
    f.push_back({"act_max", c_int(p.act_max)});
    return ParamsText{"mote_pool_s8_params", f};
  }
  std::optional<ParamsText> operator()(const mote_pool_f32_params& p) const {
    Fields f;
    pool_geometry(p, f);
    f.push_back({"act_min", fl(p.act_min, "act_min")});
    f.push_back({"act_max", fl(p.act_max, "act_max")});
    return ParamsText{"mote_pool_f32_params", f};
  }
  std::optional<ParamsText> operator()(const mote_mean_s8_params& p) const {
    return ParamsText{"mote_mean_s8_params",
                      {{"outer", c_int(p.outer)},
                       {"reduce", c_int(p.reduce)},
                       {"inner", c_int(p.inner)},
                       {"in_zp", c_int(p.in_zp)},
                       {"out_zp", c_int(p.out_zp)},
                       {"multiplier", c_int(p.multiplier)},
                       {"shift", c_int(p.shift)}}};
  }
  std::optional<ParamsText> operator()(const mote_mean_f32_params& p) const {
    return ParamsText{"mote_mean_f32_params",
                      {{"outer", c_int(p.outer)}, {"reduce", c_int(p.reduce)}, {"inner", c_int(p.inner)}}};
  }
  std::optional<ParamsText> operator()(const mote_softmax_s8_params& p) const {
    return ParamsText{"mote_softmax_s8_params",
                      {{"rows", c_int(p.rows)},
                       {"cols", c_int(p.cols)},
                       {"input_multiplier", c_int(p.input_multiplier)},
                       {"input_left_shift", c_int(p.input_left_shift)},
                       {"diff_min", c_int(p.diff_min)}}};
  }
  std::optional<ParamsText> operator()(const mote_softmax_f32_params& p) const {
    return ParamsText{"mote_softmax_f32_params", {{"rows", c_int(p.rows)}, {"cols", c_int(p.cols)}}};
  }
  std::optional<ParamsText> operator()(const mote_concat_params& p) const {
    return ParamsText{"mote_concat_params",
                      {{"outer", c_int(p.outer)},
                       {"n_inputs", c_int(p.n_inputs)},
                       {"inner_bytes", ref("inner_bytes")},
                       {"luts", ref("luts")}}};
  }
  std::optional<ParamsText> operator()(const mote_pad_params& p) const {
    return ParamsText{"mote_pad_params",
                      {{"in_dims", c_ints(p.in_dims, 4)},
                       {"pad_before", c_ints(p.pad_before, 4)},
                       {"pad_after", c_ints(p.pad_after, 4)},
                       {"elem_size", c_int(p.elem_size)},
                       {"value", fmt::format("0x{:08X}u", p.value)}}};
  }
  std::optional<ParamsText> operator()(const mote_transpose_params& p) const {
    return ParamsText{"mote_transpose_params",
                      {{"in_dims", c_ints(p.in_dims, MOTE_TRANSPOSE_DIMS)},
                       {"perm", c_ints(p.perm, MOTE_TRANSPOSE_DIMS)},
                       {"elem_size", c_int(p.elem_size)}}};
  }
  std::optional<ParamsText> operator()(const AliasParams&) const { return std::nullopt; }
};

// ---- the model source ---------------------------------------------------------------------

struct Sources {
  std::string header, source;
};

class ModelEmitter {
 public:
  explicit ModelEmitter(const CodegenInput& in) : in_(in), g_(*in.graph), P_(in.name) {
    // Names the generated code and the runtime header already use; a tensor named "arena" or
    // "conv2d_s8" (with NAME "mote") must not take them.
    for (const char* s : {"_invoke", "_arena", "_INPUT_BYTES", "_OUTPUT_BYTES", "_INPUT_SIZE", "_OUTPUT_SIZE",
                          "_INPUT_SCALE", "_INPUT_ZERO_POINT", "_OUTPUT_SCALE", "_OUTPUT_ZERO_POINT", "_ARENA_BYTES"})
      used_.insert(P_ + s);
    used_.insert(guard());
    const std::string api = runtime_files({}).at("mote/kernels.h");
    static const std::regex ident_re("\\b[A-Za-z_][A-Za-z0-9_]*\\b");
    for (auto it = std::sregex_iterator(api.begin(), api.end(), ident_re); it != std::sregex_iterator(); ++it)
      used_.insert(it->str());
  }

  Sources run() {
    check_io();
    const int in_t = g_.inputs[0], out_t = g_.outputs[0];
    float_ = g_.t(in_t).dtype == DType::F32;
    if (!float_ && g_.t(in_t).dtype != DType::I8)
      fail("C backend: {} input '{}' is {}, expected int8 or float32", model(), g_.t(in_t).name,
           dtype_name(g_.t(in_t).dtype));
    if (g_.t(out_t).dtype != g_.t(in_t).dtype)
      fail("C backend: {} output '{}' is {} but its input is {}", model(), g_.t(out_t).name,
           dtype_name(g_.t(out_t).dtype), dtype_name(g_.t(in_t).dtype));
    if (in_.plan->scratch_offset.size() != g_.nodes.size() || in_.plan->tensor_offset.size() != g_.tensors.size())
      fail("C backend: the memory plan of {} does not match its graph", model());

    bool any_code = false;
    for (const KernelCall& c : *in_.calls) {
      emit_call(c);
      any_code = any_code || !c.kernel.empty();
    }
    const std::string el = float_ ? "float" : "int8_t";
    std::string inv = fmt::format("int {}_invoke(const {} *input, {} *output) {{\n", P_, el, el);
    if (any_code) inv += "  mote_status st;\n";
    inv += fmt::format("  memcpy({}, input, {});\n", arena_at(offset_of(in_t)), io_bytes("INPUT"));
    inv += body_;
    inv += fmt::format("  memcpy(output, {}, {});\n", arena_at(offset_of(out_t)), io_bytes("OUTPUT"));
    inv += "  return 0;\n}\n";

    Sources s;
    s.header = header();
    s.source = fmt::format(
        "/* {}.c: generated by mote from model '{}'. Do not edit. */\n"
        "#include <stddef.h>\n#include <stdint.h>\n#include <string.h>\n\n"
        "#include \"mote/kernels.h\"\n#include \"{}.h\"\n\n"
        "/* Every activation and scratch buffer at its planned offset; the union aligns it. */\n"
        "static union {{\n  uint8_t b[{}_ARENA_BYTES];\n  int64_t align_i64;\n  double align_double;\n  long double align_long_double;\n}} {}_arena;\n\n",
        P_, comment_text(g_.name), P_, P_, P_);
    s.source += data_ + inv;
    return s;
  }

 private:
  const CodegenInput& in_;
  const Graph& g_;
  std::string P_;
  bool float_ = false;
  std::set<std::string> used_;
  std::map<int, std::string> const_arrays_;  // tensor id -> identifier
  std::string data_, body_;

  void check_io() const {
    if (g_.inputs.size() != 1 || g_.outputs.size() != 1)
      fail("C backend: {} has {} inputs and {} outputs; only single-input, single-output models are supported",
           model(), g_.inputs.size(), g_.outputs.size());
    if (g_.t(g_.outputs[0]).is_const())
      fail("C backend: {} output '{}' is a constant", model(), g_.t(g_.outputs[0]).name);
  }

  // Names the model in errors: the C name and, when it differs, the graph's own.
  std::string model() const {
    return g_.name.empty() || g_.name == P_ ? fmt::format("model '{}'", P_) : fmt::format("model '{}' (graph '{}')", P_, g_.name);
  }

  std::string guard() const {
    std::string g = P_;
    for (char& ch : g) ch = char(std::toupper(static_cast<unsigned char>(ch)));
    return g + "_H";
  }

  std::string io_bytes(const char* which) const {
    return float_ ? fmt::format("{}_{}_SIZE * sizeof(float)", P_, which) : fmt::format("{}_{}_BYTES", P_, which);
  }

  std::string ident(const std::string& base) {
    std::string id = P_ + "_" + c_ident(base);
    std::string r = id;
    for (int k = 2; used_.count(r); ++k) r = id + "_" + std::to_string(k);
    used_.insert(r);
    return r;
  }

  int64_t offset_of(int t) const {
    int64_t off = in_.plan->tensor_offset[size_t(t)];
    if (off < 0) fail("C backend: tensor '{}' of {} has no arena offset", g_.t(t).name, model());
    if (off + int64_t(g_.t(t).bytes()) > in_.plan->arena_bytes)
      fail("C backend: tensor '{}' at offset {} overruns the {}-byte arena", g_.t(t).name, off, in_.plan->arena_bytes);
    return off;
  }

  std::string arena_at(int64_t off) const { return fmt::format("{}_arena.b + {}", P_, off); }

  // A kernel argument for tensor t: its constant array, or a typed pointer into the arena.
  std::string operand(int t) {
    const Tensor& x = g_.t(t);
    if (x.is_const()) {
      auto it = const_arrays_.find(t);
      if (it != const_arrays_.end()) return it->second;
      std::string id = ident(x.name);
      data_ += c_array(c_elem_type(x.dtype), id, x.data.data(), x.dtype, x.numel(), "tensor '" + x.name + "'");
      data_ += "\n";
      const_arrays_[t] = id;
      return id;
    }
    int64_t off = offset_of(t);
    if (x.dtype == DType::I8) return fmt::format("(int8_t *)({})", arena_at(off));
    return fmt::format("({} *)(void *)({})", c_elem_type(x.dtype), arena_at(off));
  }

  void emit_call(const KernelCall& c) {
    if (c.node < 0 || size_t(c.node) >= g_.nodes.size()) fail("C backend: kernel call for node {} out of range", c.node);
    const Node& n = g_.nodes[size_t(c.node)];
    const std::string comment = layer_comment(g_, n, c);
    if (c.kernel.empty()) {
      if (c.inputs.size() != 1 || offset_of(c.inputs[0]) != offset_of(c.output))
        fail("C backend: node '{}' aliases its input but the plan gives them different offsets", n.name);
      body_ += "  " + comment + "\n";
      return;
    }
    const KernelInfo& k = kernel_info(c.kernel);
    const std::string what = fmt::format("node '{}' ({})", n.name, c.kernel);
    const std::string base = n.name.empty() ? fmt::format("node{}", c.node) : n.name;

    // Constant tables, in the order lower() gave them.
    std::map<std::string, std::string> tables;
    for (const ConstTable& t : c.tables) {
      if (t.count() == 0) continue;
      std::string id = ident(base + "_" + t.role);
      data_ += c_array(c_elem_type(t.dtype), id, t.bytes.data(), t.dtype, t.count(), what + " table '" + t.role + "'");
      tables[t.role] = id;
    }
    if (k.args == KernelArgs::Concat) concat_luts(c, base, tables);

    std::vector<std::string> args;
    for (int t : c.inputs) {
      if (t < 0) fail("C backend: {} has an absent input", what);
      args.push_back(operand(t));
    }
    if (args.empty()) fail("C backend: {} has no inputs", what);
    if (c.output < 0) fail("C backend: {} has no output", what);
    const std::string out = operand(c.output);

    RoleRef ref = [&](const std::string& role) {
      auto it = tables.find(role);
      return it == tables.end() ? std::string("NULL") : it->second;
    };
    auto need = [&](const std::string& role) {
      std::string r = ref(role);
      if (r == "NULL") fail("C backend: {} has no '{}' table", what, role);
      return r;
    };
    std::optional<ParamsText> pt = std::visit(ParamsPrinter{ref, what}, c.params);
    std::string params = "NULL";
    if (pt) {
      params = "&" + ident(base + "_params");
      data_ += fmt::format("static const {} {} = {{\n", pt->type, params.substr(1));
      for (size_t i = 0; i < pt->fields.size(); ++i)
        data_ += fmt::format("  .{} = {}{}\n", pt->fields[i].first, pt->fields[i].second,
                             i + 1 < pt->fields.size() ? "," : "");
      data_ += "};\n";
    }
    data_ += "\n";

    std::string call;
    const std::string n_elems = std::to_string(g_.t(c.output).numel());
    switch (k.args) {
      case KernelArgs::ConvScratch: {
        int64_t s = in_.plan->scratch_offset[size_t(c.node)];
        if (c.scratch_bytes > 0 && s < 0) fail("C backend: {} needs {} scratch bytes but has no planned scratch", what, c.scratch_bytes);
        call = fmt::format("{}, {}, {}, {}, {}, {}", params, args[0], need("weights"), ref("bias"), out,
                           s >= 0 ? arena_at(s) : std::string("NULL"));
        break;
      }
      case KernelArgs::WeightsBias:
        call = fmt::format("{}, {}, {}, {}, {}", params, args[0], need("weights"), ref("bias"), out);
        break;
      case KernelArgs::Binary:
        if (args.size() != 2) fail("C backend: {} needs 2 inputs, has {}", what, args.size());
        call = fmt::format("{}, {}, {}, {}", params, args[0], args[1], out);
        break;
      case KernelArgs::Lut: {
        const auto* lp = std::get_if<LutParams>(&c.params);
        if (!lp) fail("C backend: {} has no LutParams", what);
        call = fmt::format("{}, {}, {}, {}", need("table"), c_int(lp->n), args[0], out);
        break;
      }
      case KernelArgs::UnaryN:
        call = fmt::format("{}, {}, {}, {}", params, n_elems, args[0], out);
        break;
      case KernelArgs::InOut:
        call = fmt::format("{}, {}, {}", params, args[0], out);
        break;
      case KernelArgs::Concat: {
        std::string list = ident(base + "_inputs");
        data_ += fmt::format("static const void *const {}[{}] = {{ ", list, args.size());
        for (size_t i = 0; i < args.size(); ++i) data_ += (i ? ", " : "") + args[i];
        data_ += " };\n\n";
        call = fmt::format("{}, {}, {}", params, list, out);
        break;
      }
    }
    if (params == "NULL" && k.args != KernelArgs::Lut) fail("C backend: {} has no params struct", what);
    body_ += fmt::format("  {}\n  st = {}({});\n  if (st != MOTE_OK) {{\n    return (int)st;\n  }}\n", comment,
                         c.kernel, call);
  }

  // The concat kernel's per-input requantization tables as one array of pointers.
  void concat_luts(const KernelCall& c, const std::string& base, std::map<std::string, std::string>& tables) {
    const auto* p = std::get_if<mote_concat_params>(&c.params);
    if (!p) fail("C backend: node {} calls mote_concat without concat params", c.node);
    std::string items;
    bool any = false;
    for (int k = 0; k < p->n_inputs; ++k) {
      auto it = tables.find("lut" + std::to_string(k));
      any = any || it != tables.end();
      items += (k ? ", " : "") + (it == tables.end() ? std::string("NULL") : it->second);
    }
    if (!any) return;
    std::string id = ident(base + "_luts");
    data_ += fmt::format("static const int8_t *const {}[{}] = {{ {} }};\n", id, p->n_inputs, items);
    tables["luts"] = id;
  }

  std::string header() const {
    const Tensor& x = g_.t(g_.inputs[0]);
    const Tensor& y = g_.t(g_.outputs[0]);
    const std::string guard = this->guard();
    auto desc = [](const Tensor& t) {
      return comment_text(fmt::format("'{}' {}{}", t.name, shape_str(t.shape), t.shape.size() == 4 ? " NHWC" : ""));
    };
    std::string h = fmt::format("/* {}.h: generated by mote from model '{}'. Do not edit.\n *\n", P_, comment_text(g_.name));
    if (float_) {
      h += fmt::format(
          " * {0}_invoke(input, output) runs one inference of the float32 model.\n"
          " *   input:  {0}_INPUT_SIZE floats, tensor {1}\n"
          " *   output: {0}_OUTPUT_SIZE floats, tensor {2}\n"
          " * The *_SIZE macros count elements, not bytes.\n",
          P_, desc(x), desc(y));
    } else {
      h += fmt::format(
          " * {0}_invoke(input, output) runs one inference of the int8 model.\n"
          " *   input:  {0}_INPUT_BYTES int8 values, tensor {1}\n"
          " *   output: {0}_OUTPUT_BYTES int8 values, tensor {2}\n"
          " * Quantization: real = scale * (q - zero_point).\n",
          P_, desc(x), desc(y));
    }
    h += fmt::format(
        " * Returns 0 on success, else the failing kernel's mote_status. Not reentrant: all\n"
        " * activations live in one static arena of {}_ARENA_BYTES bytes.\n */\n",
        P_);
    h += fmt::format("#ifndef {0}\n#define {0}\n\n#include <stdint.h>\n\n#ifdef __cplusplus\nextern \"C\" {{\n#endif\n\n", guard);
    if (float_) {
      h += fmt::format("#define {}_INPUT_SIZE {}\n", P_, x.numel());
      h += fmt::format("#define {}_OUTPUT_SIZE {}\n", P_, y.numel());
    } else {
      const QuantParams& qi = x.quant;
      const QuantParams& qo = y.quant;
      if (qi.scale.size() != 1 || qi.zero_point.size() != 1 || qo.scale.size() != 1 || qo.zero_point.size() != 1)
        fail("C backend: {} input and output need per-tensor quantization", model());
      h += fmt::format("#define {}_INPUT_BYTES {}\n", P_, x.numel());
      h += fmt::format("#define {}_OUTPUT_BYTES {}\n", P_, y.numel());
      h += fmt::format("#define {}_INPUT_SCALE {}\n", P_, c_float(qi.scale[0], "input scale"));
      h += fmt::format("#define {}_INPUT_ZERO_POINT {}\n", P_, c_int(qi.zero_point[0]));
      h += fmt::format("#define {}_OUTPUT_SCALE {}\n", P_, c_float(qo.scale[0], "output scale"));
      h += fmt::format("#define {}_OUTPUT_ZERO_POINT {}\n", P_, c_int(qo.zero_point[0]));
    }
    h += fmt::format("#define {}_ARENA_BYTES {}\n\n", P_, std::max<int64_t>(in_.plan->arena_bytes, 1));
    const char* el = float_ ? "float" : "int8_t";
    h += fmt::format("int {}_invoke(const {} *input, {} *output);\n\n", P_, el, el);
    h += "#ifdef __cplusplus\n}\n#endif\n\n#endif\n";
    return h;
  }
};

// ---- writing the output directory -----------------------------------------------------------

// Writes every file under a temp name, then renames them all; anything that fails undoes what
// this run wrote (temps, renamed files, directories it created).
class OutputTransaction {
 public:
  explicit OutputTransaction(fs::path dir) : dir_(std::move(dir)) {}
  ~OutputTransaction() {
    if (done_) return;
    std::error_code ec;
    for (const auto& [tmp, final_path] : pending_) fs::remove(tmp, ec);
    for (const fs::path& p : renamed_) fs::remove(p, ec);
    for (auto it = created_dirs_.rbegin(); it != created_dirs_.rend(); ++it)
      if (fs::is_empty(*it, ec)) fs::remove(*it, ec);
  }

  void write_all(const std::map<std::string, std::string>& files) {
    for (const auto& [rel, text] : files) {
      const fs::path final_path = dir_ / rel;
      if (fs::is_directory(final_path)) fail("{}: is a directory, cannot write it", final_path.string());
    }
    make_dirs(dir_);
    for (const auto& [rel, text] : files) {
      const fs::path final_path = dir_ / rel;
      make_dirs(final_path.parent_path());
      const fs::path tmp = final_path.parent_path() /
                           fmt::format(".{}.tmp{}", final_path.filename().string(), long(::getpid()));
      std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
      if (!f) fail("{}: cannot write: {}", tmp.string(), std::strerror(errno));
      pending_.push_back({tmp, final_path});
      f.write(text.data(), std::streamsize(text.size()));
      f.close();
      if (!f) fail("{}: write failed", tmp.string());
    }
    for (const auto& [tmp, final_path] : pending_) {
      std::error_code ec;
      fs::rename(tmp, final_path, ec);
      if (ec) fail("{}: cannot rename into place: {}", final_path.string(), ec.message());
      renamed_.push_back(final_path);
    }
    done_ = true;
  }

 private:
  fs::path dir_;
  std::vector<std::pair<fs::path, fs::path>> pending_;
  std::vector<fs::path> renamed_;
  std::vector<fs::path> created_dirs_;
  bool done_ = false;

  void make_dirs(const fs::path& d) {
    std::vector<fs::path> missing;
    std::error_code ec;
    for (fs::path p = d; !p.empty() && !fs::exists(p, ec); p = p.parent_path()) {
      missing.push_back(p);
      if (p == p.parent_path()) break;
    }
    for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
      fs::create_directory(*it, ec);
      if (ec) fail("{}: cannot create directory: {}", it->string(), ec.message());
      created_dirs_.push_back(*it);
    }
    if (!fs::is_directory(d, ec)) fail("{}: not a directory", d.string());
  }
};

void check_input(const CodegenInput& in) {
  if (!in.graph || !in.calls || !in.plan) fail("C backend: graph, kernel calls and memory plan are all required");
  if (!is_c_ident(in.name)) fail("C backend: name '{}' is not a C identifier", in.name);
}

nlohmann::json io_json(const Tensor& t) {
  nlohmann::json j = {{"name", t.name}, {"shape", t.shape}, {"dtype", dtype_name(t.dtype)}, {"bytes", t.bytes()}};
  j["layout"] = t.shape.size() == 4 ? "NHWC" : "";
  bool q = t.quant.scale.size() == 1 && t.quant.zero_point.size() == 1;
  j["scale"] = q ? nlohmann::json(t.quant.scale[0]) : nlohmann::json(nullptr);
  j["zero_point"] = q ? nlohmann::json(t.quant.zero_point[0]) : nlohmann::json(nullptr);
  return j;
}

}  // namespace

nlohmann::json make_report(const CodegenInput& in) {
  check_input(in);
  const Graph& g = *in.graph;
  const MemoryPlan& plan = *in.plan;
  std::map<int, const KernelCall*> call_of;
  for (const KernelCall& c : *in.calls) call_of[c.node] = &c;

  int64_t params = 0, macs = 0, weights_bytes = 0;
  std::set<int> seen_consts;
  for (const Node& n : g.nodes)
    for (int t : n.inputs)
      if (t >= 0 && g.t(t).is_const() && seen_consts.insert(t).second) params += g.t(t).numel();

  // Bytes the C file stores per layer: its tables plus constant operands not stored before.
  std::set<int> emitted_consts;
  nlohmann::json layers = nlohmann::json::array();
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& n = g.nodes[i];
    const KernelCall* c = call_of.count(int(i)) ? call_of[int(i)] : nullptr;
    int64_t wbytes = 0;
    if (c && !c->kernel.empty()) {
      for (const ConstTable& t : c->tables) wbytes += int64_t(t.bytes.size());
      for (int t : c->inputs)
        if (t >= 0 && g.t(t).is_const() && emitted_consts.insert(t).second) wbytes += int64_t(g.t(t).bytes());
    }
    weights_bytes += wbytes;
    int64_t m = mac_count(g, n);
    macs += m;
    nlohmann::json ins = nlohmann::json::array();
    for (int t : n.inputs)
      if (t >= 0 && !g.t(t).is_const()) ins.push_back(g.t(t).shape);
    const int out = n.out();
    nlohmann::json row = {{"name", n.name},
                          {"op", op_name(n.op)},
                          {"kernel", c ? (c->kernel.empty() ? std::string("alias") : c->kernel) : std::string("")},
                          {"input_shapes", ins},
                          {"output_shape", g.t(out).shape},
                          {"macs", m},
                          {"weight_bytes", wbytes},
                          {"output_bytes", g.t(out).bytes()},
                          {"arena_offset", size_t(out) < plan.tensor_offset.size() ? plan.tensor_offset[size_t(out)] : -1},
                          {"scratch_bytes", c ? c->scratch_bytes : 0},
                          {"scratch_offset", i < plan.scratch_offset.size() ? plan.scratch_offset[i] : -1}};
    layers.push_back(row);
  }

  nlohmann::json r;
  r["name"] = in.name;
  r["model"] = g.name;
  r["dtype"] = (!g.inputs.empty() && g.t(g.inputs[0]).dtype == DType::I8) ? "int8" : "float32";
  r["params"] = params;
  r["macs"] = macs;
  r["weights_bytes"] = weights_bytes;
  r["arena_bytes"] = plan.arena_bytes;
  r["greedy_arena_bytes"] = plan.greedy_bytes;
  r["arena_lower_bound"] = plan.lower_bound;
  r["input"] = g.inputs.size() == 1 ? io_json(g.t(g.inputs[0])) : nlohmann::json(nullptr);
  r["output"] = g.outputs.size() == 1 ? io_json(g.t(g.outputs[0])) : nlohmann::json(nullptr);
  r["layers"] = layers;
  if (in.extra.is_object())
    for (const auto& [k, v] : in.extra.items()) r[k] = v;
  return r;
}

void emit_c(const CodegenInput& in, const std::string& outdir) {
  check_input(in);
  Sources s = ModelEmitter(in).run();
  std::map<std::string, std::string> files;
  files[in.name + ".h"] = s.header;
  files[in.name + ".c"] = s.source;
  files["report.json"] = make_report(in).dump(2) + "\n";

  std::set<std::string> kernels;
  for (const KernelCall& c : *in.calls)
    if (!c.kernel.empty()) kernels.insert(c.kernel);
  for (auto& [name, text] : runtime_files(kernels)) {
    if (files.count(name)) fail("C backend: generated file {} collides with runtime file {}", name, name);
    files[name] = std::move(text);
  }
  OutputTransaction(outdir).write_all(files);
}

}  // namespace mote
