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

#include "backend/c/frontend.h"
#include "backend/c/literals.h"
#include "backend/c/runtime_files.h"
#include "lower/params_fields.h"
#include "ir/op_registry.h"

namespace mote {

namespace fs = std::filesystem;

namespace {

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
    const int64_t group = n.attrs.i("group", 1);
    const Shape& x = g.t(n.in(0)).shape;
    if (group != 1 && x.size() == 4 && group == x[3]) attrs += " depthwise";
    else if (group != 1) attrs += fmt::format(" g{}", group);
  } else if (n.op == OpKind::MaxPool || n.op == OpKind::AvgPool) {
    auto k = n.attrs.ints("kernel");
    if (k.size() == 2) attrs += fmt::format(" k{}x{}", k[0], k[1]);
    attrs += pair_text("s", n.attrs.ints("strides", {1, 1}), 1);
    attrs += pads_text(n.attrs.ints("pads", {0, 0, 0, 0}));
  } else {
    for (const auto& [key, v] : n.attrs.all())
      if (key != "act_min" && key != "act_max" && key.rfind("wenc_", 0) != 0) attrs += " " + key + "=" + attr_value_text(v);
  }
  attrs += act_text(n.attrs);
  if (call.encoded) attrs += fmt::format(", weights {} in {} B", call.encoded->kind(), call.encoded->blob.size());
  if (call.fused_into >= 0) attrs += fmt::format(" (no code: computed inside node {}'s call)", call.fused_into);
  else if (!call.def) attrs += " (no code: the output aliases the input)";
  return "/* " + comment_text(fmt::format("{} '{}' {} -> {}{}", op_name(n.op), n.name, ins,
                                          shape_str(g.t(n.out()).shape), attrs)) +
         " */";
}

// ---- params structs as C99 designated initializers ------------------------------------------

using Fields = std::vector<std::pair<std::string, std::string>>;
using RoleRef = std::function<std::string(const std::string& role)>;  // identifier or "NULL"

// Prints each field lower/params_fields.h describes; table fields name the call's arrays.
struct PrintSink {
  const RoleRef& ref;
  std::string what;  // names the node for errors
  Fields f;

  void i32(const char* n, int32_t v) { f.push_back({n, c_int(v)}); }
  void f32(const char* n, float v) { f.push_back({n, c_float(v, what + " " + n)}); }
  void u32_hex(const char* n, uint32_t v) { f.push_back({n, fmt::format("0x{:08X}u", v)}); }
  void dims(const char* n, const mote_dims& d) {
    f.push_back({n, fmt::format("{{ .n = {}, .h = {}, .w = {}, .c = {} }}", d.n, d.h, d.w, d.c)});
  }
  void ints(const char* n, const int32_t* v, int count) { f.push_back({n, c_ints(v, count)}); }
  void bcast(const char* n, const mote_bcast& b) {
    f.push_back({n, fmt::format("{{ .dims = {}, .a_stride = {}, .b_stride = {} }}", c_ints(b.dims, 4),
                                c_ints(b.a_stride, 4), c_ints(b.b_stride, 4))});
  }
  template <typename T>
  void table(const char* n, const T*, const char* role) { f.push_back({n, ref(role)}); }
  void luts(const char* n, const int8_t* const*, int32_t) { f.push_back({n, ref("luts")}); }
};

// ---- the model source ---------------------------------------------------------------------

struct Sources {
  std::string header, source;
};

// Short, stable C names: "l07_conv" for layer 7, a Conv; roles shortened.
std::string layer_prefix(const Graph& g, int node) {
  std::string op = op_name(g.nodes[size_t(node)].op);
  for (char& ch : op) ch = char(std::tolower(static_cast<unsigned char>(ch)));
  if (op == "fullyconnected") op = "fc";
  const int width = g.nodes.size() > 100 ? 3 : 2;
  return fmt::format("l{:0{}}_{}", node, width, op);
}

// "OFF_L07": the arena offset constant of layer 7's output.
std::string offset_tag(const Graph& g, int node) {
  std::string p = layer_prefix(g, node);
  p = p.substr(0, p.find('_'));
  for (char& ch : p) ch = char(std::toupper(static_cast<unsigned char>(ch)));
  return "OFF_" + p;
}

std::string short_role(const std::string& role) {
  static const std::map<std::string, std::string> abbrev = {
      {"weights", "w"}, {"bias", "b"}, {"multiplier", "mult"}, {"table", "lut"}, {"inner_bytes", "inner"}};
  auto it = abbrev.find(role);
  return it == abbrev.end() ? role : it->second;
}

class ModelEmitter {
 public:
  explicit ModelEmitter(const CodegenInput& in) : in_(in), g_(*in.graph), P_(in.name) {
    // Names the generated code and the runtime header already use must not be taken again.
    for (const char* s : {"_invoke", "_invoke_arena", "_init", "_arena", "_INPUT_BYTES", "_OUTPUT_BYTES", "_INPUT_SIZE",
                          "_OUTPUT_SIZE", "_INPUT_SCALE", "_INPUT_ZERO_POINT", "_OUTPUT_SCALE",
                          "_OUTPUT_ZERO_POINT", "_ARENA_BYTES"})
      used_.insert(P_ + s);
    used_.insert(guard());
    used_.insert("arena");
    const std::string api = runtime_files({}).at("mote/kernels.h");
    static const std::regex ident_re("\\b[A-Za-z_][A-Za-z0-9_]*\\b");
    for (auto it = std::sregex_iterator(api.begin(), api.end(), ident_re); it != std::sregex_iterator(); ++it)
      used_.insert(it->str());
  }

  Sources run() {
    check_io();
    const int in_t = g_.inputs[0], out_t = g_.outputs[0];
    float_ = g_.t(in_t).dtype == DType::F32;
    if (!float_ && g_.t(in_t).dtype != DType::I8 && g_.t(in_t).dtype != DType::I16)
      fail("C backend: {} input '{}' is {}, expected int8, int16 or float32", model(), g_.t(in_t).name,
           dtype_name(g_.t(in_t).dtype));
    // The output may differ from the input: int32 indices (ArgMax), float from int8 (Dequantize).
    const DType od = g_.t(out_t).dtype;
    if (od != g_.t(in_t).dtype && !(od == DType::I32 || (od == DType::F32 && !float_)))
      fail("C backend: {} output '{}' is {} but its input is {}", model(), g_.t(out_t).name,
           dtype_name(od), dtype_name(g_.t(in_t).dtype));
    if (in_.plan->scratch_offset.size() != g_.nodes.size() || in_.plan->tensor_offset.size() != g_.tensors.size())
      fail("C backend: the memory plan of {} does not match its graph", model());

    offset_name(in_t, "OFF_INPUT");
    offset_name(out_t, "OFF_OUTPUT");
    bool any_code = false;
    for (const KernelCall& c : *in_.calls) {
      emit_call(c);
      any_code = any_code || c.has_code();
    }
    const std::string el = c_elem_type(g_.t(in_t).dtype), out_el = c_elem_type(g_.t(out_t).dtype);
    std::string inv = fmt::format("int {}_invoke_arena(uint8_t *arena, const {} *input, {} *output) {{\n", P_, el, out_el);
    if (any_code) inv += "  mote_status st;\n";
    inv += fmt::format("  memcpy(arena + OFF_INPUT, input, {});\n", io_bytes("INPUT"));
    inv += body_;
    inv += fmt::format("  memcpy(output, arena + OFF_OUTPUT, {});\n", io_bytes("OUTPUT"));
    inv += "  return 0;\n}\n\n";
    inv += fmt::format("int {0}_invoke(const {1} *input, {2} *output) {{\n  return {0}_invoke_arena({0}_arena.b, input, output);\n}}\n", P_, el, out_el);
    inv += fmt::format("\nint {}_init(void) {{\n", P_);
    for (const std::string& id : encoded_)
      inv += fmt::format("  if (mote_wenc_check(&{}) != MOTE_OK) {{\n    return (int)MOTE_ERR_CORRUPT;\n  }}\n", id);
    inv += "  return 0;\n}\n";

    std::string offsets = "/* Arena offsets: where each layer's output and scratch live. */\nenum {\n";
    for (size_t i = 0; i < offsets_.size(); ++i)
      offsets += fmt::format("  {} = {}{}\n", offsets_[i].first, offsets_[i].second, i + 1 < offsets_.size() ? "," : "");
    offsets += "};\n\n";

    Sources s;
    s.header = header();
    s.source = fmt::format(
        "/* {}.c: generated by mote from model '{}'. Do not edit. */\n"
        "#include <stddef.h>\n#include <stdint.h>\n#include <string.h>\n\n"
        "#include \"mote/kernels.h\"\n{}#include \"{}.h\"\n\n"
        "/* A profiler may define MOTE_PROFILE_LAYER(k) to time layer k: it runs after each layer\n"
        " * (mote run --profile does so). */\n"
        "#ifndef MOTE_PROFILE_LAYER\n#define MOTE_PROFILE_LAYER(k) ((void)0)\n#endif\n\n"
        "/* The arena {}_invoke uses; the union aligns it. */\n"
        "static union {{\n  uint8_t b[{}_ARENA_BYTES];\n  int64_t align_i64;\n  double align_double;\n  long double align_long_double;\n}} {}_arena;\n\n",
        P_, comment_text(g_.name), encoded_.empty() ? "" : "#include \"mote/decode.h\"\n", P_, P_, P_, P_);
    s.source += offsets + data_ + inv;
    return s;
  }

 private:
  const CodegenInput& in_;
  const Graph& g_;
  std::string P_;
  bool float_ = false;
  std::set<std::string> used_;
  std::map<int, std::string> const_arrays_;  // tensor id -> identifier
  std::map<int64_t, std::string> offset_of_tensor_;  // tensor id -> offset constant
  std::vector<std::pair<std::string, int64_t>> offsets_;
  std::string data_, body_;
  std::string sigmoid_table_;  // the recurrent layers' shared table, once emitted
  std::vector<std::string> encoded_;  // the mote_wenc descriptors NAME_init checks

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

  std::string io_bytes(const char* which) const { return fmt::format("{}_{}_BYTES", P_, which); }

  std::string ident(const std::string& base) {
    std::string r = base;
    for (int k = 2; used_.count(r); ++k) r = base + "_" + std::to_string(k);
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

  // The named constant of tensor t's arena offset (the first name given wins).
  std::string offset_name(int t, const std::string& want) {
    auto it = offset_of_tensor_.find(t);
    if (it != offset_of_tensor_.end()) return it->second;
    const int64_t off = offset_of(t);
    const std::string id = ident(want);
    offsets_.push_back({id, off});
    offset_of_tensor_[t] = id;
    return id;
  }

  // A kernel argument for tensor t: its constant array, or a typed pointer into the arena.
  std::string operand(int t, const std::string& const_name, const std::string& off_name) {
    const Tensor& x = g_.t(t);
    if (x.is_const()) {
      auto it = const_arrays_.find(t);
      if (it != const_arrays_.end()) return it->second;
      std::string id = ident(const_name);
      data_ += fmt::format("/* '{}' */\n", comment_text(x.name));
      data_ += c_array(c_elem_type(x.dtype), id, x.data.data(), x.dtype, x.numel(), "tensor '" + x.name + "'");
      data_ += "\n";
      const_arrays_[t] = id;
      return id;
    }
    const std::string off = offset_name(t, off_name);
    if (x.dtype == DType::I8) return fmt::format("(int8_t *)(arena + {})", off);
    return fmt::format("({} *)(void *)(arena + {})", c_elem_type(x.dtype), off);
  }

  void emit_call(const KernelCall& c) {
    if (c.node < 0 || size_t(c.node) >= g_.nodes.size()) fail("C backend: kernel call for node {} out of range", c.node);
    const Node& n = g_.nodes[size_t(c.node)];
    const std::string comment = layer_comment(g_, n, c);
    const std::string lp = layer_prefix(g_, c.node);
    const std::string off = offset_tag(g_, c.node);
    if (c.fused_into >= 0) {
      body_ += "  " + comment + "\n";
      return;
    }
    if (!c.def) {
      if (c.inputs.size() != 1 || offset_of(c.inputs[0]) != offset_of(c.output))
        fail("C backend: node '{}' aliases its input but the plan gives them different offsets", n.name);
      body_ += "  " + comment + "\n";
      return;
    }
    const KernelDef& k = *c.def;
    const std::string what = fmt::format("node '{}' ({})", n.name, k.name);

    // Constant tables, in the order lowering gave them.
    std::map<std::string, std::string> tables;
    for (const ConstTable& t : c.tables) {
      if (t.count() == 0 || (c.encoded && t.role == "weights")) continue;
      // TFLM's sigmoid table is the same for every recurrent layer: one array in flash.
      if (t.role == "sigmoid" && !sigmoid_table_.empty()) {
        tables[t.role] = sigmoid_table_;
        continue;
      }
      std::string id = ident(t.role == "sigmoid" ? std::string("sigmoid_q16") : lp + "_" + short_role(t.role));
      if (t.role == "sigmoid") sigmoid_table_ = id;
      data_ += c_array(c_elem_type(t.dtype), id, t.bytes.data(), t.dtype, t.count(), what + " table '" + t.role + "'");
      tables[t.role] = id;
    }
    if (k.args == Args::Concat) concat_luts(c, lp, tables);
    if (c.encoded) tables["weights"] = "&" + encoded_weights(*c.encoded, lp, what);

    std::vector<std::string> args;
    for (size_t i = 0; i < c.inputs.size(); ++i) {
      const int t = c.inputs[i];
      if (t < 0) fail("C backend: {} has an absent input", what);
      const int p = g_.producer(t);
      args.push_back(operand(t, fmt::format("{}_in{}", lp, i), p >= 0 ? offset_tag(g_, p) : "OFF_INPUT"));
    }
    if (args.empty()) fail("C backend: {} has no inputs", what);
    if (c.output < 0) fail("C backend: {} has no output", what);
    const std::string out = operand(c.output, lp + "_out", off);

    RoleRef ref = [&](const std::string& role) {
      auto it = tables.find(role);
      return it == tables.end() ? std::string("NULL") : it->second;
    };
    auto need = [&](const std::string& role) {
      std::string r = ref(role);
      if (r == "NULL") fail("C backend: {} has no '{}' table", what, role);
      return r;
    };
    std::string params = "NULL";
    if (*k.params_type) {
      PrintSink sink{ref, what, {}};
      KernelParams copy = c.params;
      visit_fields(sink, copy);
      params = "&" + ident(lp + "_p");
      data_ += fmt::format("static const {} {} = {{\n", k.params_type, params.substr(1));
      for (size_t i = 0; i < sink.f.size(); ++i)
        data_ += fmt::format("  .{} = {}{}\n", sink.f[i].first, sink.f[i].second, i + 1 < sink.f.size() ? "," : "");
      data_ += "};\n";
    }
    data_ += "\n";

    std::string call;
    const std::string n_elems = std::to_string(g_.t(c.output).numel());
    switch (k.args) {
      case Args::ConvScratch:
        call = fmt::format("{}, {}, {}, {}, {}, {}", params, args[0], need("weights"), ref("bias"), out, scratch_arg(c, off, what));
        break;
      case Args::Lstm:
      case Args::Gru: {
        // Zero initial state: h0 (and the LSTM's c0) are NULL.
        const std::string bias = k.dtype == KDType::F32 ? ref("bias") : need("in_bias") + ", " + need("rec_bias");
        call = fmt::format("{}, {}, {}, {}, {}, {}, {}, {}", params, args[0], need("weights"), need("recurrent"), bias,
                           k.args == Args::Lstm ? "NULL, NULL" : "NULL", out, scratch_arg(c, off, what));
        break;
      }
      case Args::WeightsBias:
        call = fmt::format("{}, {}, {}, {}, {}", params, args[0], need("weights"), ref("bias"), out);
        break;
      case Args::Binary:
        if (args.size() != 2) fail("C backend: {} needs 2 inputs, has {}", what, args.size());
        call = fmt::format("{}, {}, {}, {}", params, args[0], args[1], out);
        break;
      case Args::Chain:
        if (args.size() != 2) fail("C backend: {} needs x and the skip, has {} inputs", what, args.size());
        call = fmt::format("{}, {}, {}, {}, {}", params, args[0], args[1], out, scratch_arg(c, off, what));
        break;
      case Args::Lut: {
        const auto* lp_ = std::get_if<LutParams>(&c.params);
        if (!lp_) fail("C backend: {} has no LutParams", what);
        call = fmt::format("{}, {}, {}, {}", need("table"), c_int(lp_->n), args[0], out);
        break;
      }
      case Args::UnaryN:
        call = fmt::format("{}, {}, {}, {}", params, n_elems, args[0], out);
        break;
      case Args::InOut:
        call = fmt::format("{}, {}, {}", params, args[0], out);
        break;
      case Args::Concat: {
        // The list points into the caller's arena, so it is built on the stack at the call.
        std::string list = ident(lp + "_ins");
        body_ += fmt::format("  {{\n    const void *const {}[{}] = {{ ", list, args.size());
        for (size_t i = 0; i < args.size(); ++i) body_ += (i ? ", " : "") + args[i];
        body_ += " };\n";
        body_ += fmt::format("    {}\n    st = {}({}, {}, {});\n  }}\n  if (st != MOTE_OK) {{\n    return (int)st;\n  }}\n",
                             comment, k.name, params, list, out);
        body_ += fmt::format("  MOTE_PROFILE_LAYER({});\n", c.node);
        return;
      }
    }
    if (params == "NULL" && k.args != Args::Lut) fail("C backend: {} has no params struct", what);
    body_ += fmt::format("  {}\n  st = {}({});\n  if (st != MOTE_OK) {{\n    return (int)st;\n  }}\n  MOTE_PROFILE_LAYER({});\n",
                         comment, k.name, call, c.node);
  }

  // The blob and its mote_wenc descriptor; returns the descriptor's identifier.
  std::string encoded_weights(const EncodedWeights& e, const std::string& lp, const std::string& what) {
    const std::string blob = ident(lp + "_wblob"), id = ident(lp + "_wenc");
    data_ += c_array("uint8_t", blob, e.blob.data(), DType::U8, int64_t(e.blob.size()), what + " encoded weights");
    const mote_wenc& d = e.wenc;
    auto code = [](const mote_huffman_code& h) {
      return fmt::format("{{ .max_len = {}, .n_symbols = {}, .offset = {}u }}", h.max_len, h.n_symbols, h.offset);
    };
    data_ += fmt::format(
        "static const mote_wenc {} = {{\n  .blob = {},\n  .bytes = {}u,\n  .crc32 = 0x{:08X}u,\n  .rows = {},\n"
        "  .row_len = {},\n  .codebook_size = {},\n  .vbits = {},\n  .values = {},\n  .sparse = {},\n  .ibits = {},\n"
        "  .gaps = {},\n  .entries = {}u,\n  .stream_offset = {}u\n}};\n",
        id, blob, d.bytes, d.crc32, d.rows, d.row_len, d.codebook_size, d.vbits, code(d.values), d.sparse, d.ibits,
        code(d.gaps), d.entries, d.stream_offset);
    encoded_.push_back(id);
    return id;
  }

  // The scratch pointer argument of node c: into the arena where the plan put it, or NULL.
  std::string scratch_arg(const KernelCall& c, const std::string& off, const std::string& what) {
    const int64_t s = in_.plan->scratch_offset[size_t(c.node)];
    if (c.scratch_bytes > 0 && s < 0) fail("C backend: {} needs {} scratch bytes but has no planned scratch", what, c.scratch_bytes);
    if (s < 0) return "NULL";
    const std::string id = ident(off + "_SCRATCH");
    offsets_.push_back({id, s});
    return "arena + " + id;
  }

  // The concat kernel's per-input requantization tables as one array of pointers.
  void concat_luts(const KernelCall& c, const std::string& lp, std::map<std::string, std::string>& tables) {
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
    std::string id = ident(lp + "_luts");
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
    auto io_doc = [&](const char* which, const char* macro, const Tensor& t) {
      return fmt::format(" *   {}: {}_{}_SIZE {} values ({}_{}_BYTES bytes), tensor {}\n", which, P_, macro,
                         dtype_name(t.dtype), P_, macro, desc(t));
    };
    h += fmt::format(" * {}_invoke(input, output) runs one inference of the {} model.\n", P_, float_ ? "float32" : g_.t(g_.inputs[0]).dtype == DType::I16 ? "16x8 (int16 activations)" : "int8");
    h += io_doc("input", "INPUT", x) + io_doc("output", "OUTPUT", y);
    h += " * The *_SIZE macros count elements, *_BYTES bytes.\n";
    if (x.dtype != DType::F32 || y.dtype != DType::F32) h += " * Quantization: real = scale * (q - zero_point).\n";
    h += fmt::format(
        " * Returns 0 on success, else the failing kernel's mote_status. {}_invoke is not\n"
        " * reentrant: all activations live in one static arena of {}_ARENA_BYTES bytes;\n"
        " * {}_invoke_arena runs in an arena the caller passes.\n */\n",
        P_, P_, P_);
    h += fmt::format("#ifndef {0}\n#define {0}\n\n#include <stdint.h>\n\n#ifdef __cplusplus\nextern \"C\" {{\n#endif\n\n", guard);
    for (const auto& [which, t] : {std::pair<const char*, const Tensor*>{"INPUT", &x}, {"OUTPUT", &y}}) {
      h += fmt::format("#define {}_{}_SIZE {}\n", P_, which, t->numel());
      h += fmt::format("#define {}_{}_BYTES {}\n", P_, which, t->bytes());
      if (t->dtype != DType::I8 && t->dtype != DType::I16) continue;
      const QuantParams& q = t->quant;
      if (q.scale.size() != 1 || q.zero_point.size() != 1)
        fail("C backend: {} input and output need per-tensor quantization", model());
      h += fmt::format("#define {}_{}_SCALE {}\n", P_, which, c_float(q.scale[0], "scale"));
      h += fmt::format("#define {}_{}_ZERO_POINT {}\n", P_, which, c_int(q.zero_point[0]));
    }
    h += fmt::format("#define {}_ARENA_BYTES {}\n\n", P_, std::max<int64_t>(in_.plan->arena_bytes, 1));
    const char *el = c_elem_type(x.dtype), *out_el = c_elem_type(y.dtype);
    h += fmt::format("int {}_invoke(const {} *input, {} *output);\n", P_, el, out_el);
    h += fmt::format("/* The same inference in a caller-owned arena of {}_ARENA_BYTES bytes, aligned to 8. */\n", P_);
    h += fmt::format("int {}_invoke_arena(uint8_t *arena, const {} *input, {} *output);\n", P_, el, out_el);
    h += "/* Checks the CRC-32 of every encoded weight blob once, before the first inference (the sparse\n"
         " * FC kernels rely on its walk of their entries): 0, or MOTE_ERR_CORRUPT (2) when flash does not\n"
         " * hold what the compiler wrote. */\n";
    h += fmt::format("int {}_init(void);\n\n", P_);
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

}  // namespace

namespace {

// OUTDIR/CMakeLists.txt: the model as a static library NAME that a firmware project adds with
// add_subdirectory(OUTDIR). Where the project has found mote's package (find_package(mote)), the
// library links mote::runtime instead of compiling its own copies of the runtime sources.
std::string cmake_lists(const std::string& name, const std::map<std::string, std::string>& files) {
  std::string runtime, model;  // the runtime's copies; the generated sources (NAME.c, NAME_frontend.c)
  for (const auto& [f, text] : files)
    if (f.size() > 2 && f.compare(f.size() - 2, 2, ".c") == 0) {
      if (f.rfind("mote_", 0) == 0) runtime += "\n    " + f;
      else model += " " + f;
    }
  return fmt::format(
      "# {0}: generated by mote. In a firmware project:\n"
      "#   add_subdirectory(path/to/this/folder)\n"
      "#   target_link_libraries(firmware PRIVATE {0})\n"
      "cmake_minimum_required(VERSION 3.13)\n\n"
      "if(TARGET mote::runtime)\n"
      "  add_library({0} STATIC{2})\n"
      "  target_link_libraries({0} PUBLIC mote::runtime)\n"
      "else()\n"
      "  add_library({0} STATIC{2}{1})\n"
      "endif()\n"
      "add_library(mote::{0} ALIAS {0})\n"
      "target_include_directories({0} PUBLIC ${{CMAKE_CURRENT_SOURCE_DIR}})\n"
      "set_target_properties({0} PROPERTIES C_STANDARD 99 C_STANDARD_REQUIRED ON C_EXTENSIONS OFF)\n",
      name, runtime, model);
}

}  // namespace

std::map<std::string, std::string> generate_c(const CodegenInput& in) {
  check_input(in);
  Sources s = ModelEmitter(in).run();
  std::map<std::string, std::string> files;
  files[in.name + ".h"] = s.header;
  files[in.name + ".c"] = s.source;
  std::set<std::string> kernels;
  for (const KernelCall& c : *in.calls)
    if (c.has_code()) kernels.insert(c.def->name);
  for (auto& [name, text] : runtime_files(kernels)) {
    if (files.count(name)) fail("C backend: generated file {} collides with runtime file {}", name, name);
    files[name] = std::move(text);
  }
  if (in.frontend)
    for (auto& [name, text] : frontend_sources(*in.frontend, in.name, *in.graph)) {
      auto [it, fresh] = files.emplace(name, text);
      if (!fresh && it->second != text) fail("C backend: front end file {} collides with a model file", name);
    }
  files["CMakeLists.txt"] = cmake_lists(in.name, files);
  return files;
}

void write_output(const std::string& outdir, const std::map<std::string, std::string>& files) {
  OutputTransaction(outdir).write_all(files);
}

void emit_c(const CodegenInput& in, const std::string& outdir, std::map<std::string, std::string> files) {
  for (auto& [name, text] : generate_c(in)) {
    if (files.count(name)) fail("C backend: file {} is both generated and given", name);
    files[name] = std::move(text);
  }
  write_output(outdir, files);
}

}  // namespace mote
