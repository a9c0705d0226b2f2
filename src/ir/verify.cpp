#include "ir/verify.h"

#include <fmt/format.h>

#include "ir/op_registry.h"

namespace mote {

void verify(const Graph& g, const std::string& stage) {
  std::vector<std::string> errs;
  auto bad = [&](std::string m) { errs.push_back(std::move(m)); };
  size_t nt = g.tensors.size();
  auto in_range = [&](int id) { return id >= 0 && size_t(id) < nt; };

  std::vector<int> produced(nt, 0);
  std::vector<bool> ready(nt, false);
  for (int i : g.inputs) {
    if (!in_range(i)) { bad(fmt::format("graph input id {} out of range", i)); continue; }
    ready[size_t(i)] = true;
  }
  for (size_t i = 0; i < nt; ++i) {
    const Tensor& t = g.tensors[i];
    if (t.is_const()) {
      ready[i] = true;
      if (t.data.size() != t.bytes()) bad(fmt::format("constant '{}' has {} bytes, shape {} {} needs {}", t.name, t.data.size(), shape_str(t.shape), dtype_name(t.dtype), t.bytes()));
    }
    for (int64_t d : t.shape)
      if (d <= 0) bad(fmt::format("tensor '{}' has non-positive dim in {}", t.name, shape_str(t.shape)));
    const QuantParams& q = t.quant;
    if (!q.empty()) {
      if (q.zero_point.size() != q.scale.size()) bad(fmt::format("tensor '{}': {} scales but {} zero points", t.name, q.scale.size(), q.zero_point.size()));
      if (q.per_channel() && (size_t(q.axis) >= t.shape.size() || int64_t(q.scale.size()) != t.shape[size_t(q.axis)]))
        bad(fmt::format("tensor '{}': {} per-channel scales do not match axis {} of {}", t.name, q.scale.size(), q.axis, shape_str(t.shape)));
      if (!q.per_channel() && q.scale.size() != 1) bad(fmt::format("tensor '{}': per-tensor quantization needs one scale", t.name));
      for (float s : q.scale)
        if (!(s > 0)) bad(fmt::format("tensor '{}': scale {} is not positive", t.name, s));
    }
    if (t.dtype == DType::I8 && !t.is_const() && q.empty()) bad(fmt::format("int8 tensor '{}' has no quantization", t.name));
  }
  for (size_t k = 0; k < g.nodes.size(); ++k) {
    const Node& n = g.nodes[k];
    const OpDef& d = op_def(n.op);
    std::string where = fmt::format("node '{}' ({})", n.name, d.name);
    if (int(n.inputs.size()) < d.min_inputs || int(n.inputs.size()) > d.max_inputs)
      bad(fmt::format("{}: {} inputs, expected {}..{}", where, n.inputs.size(), d.min_inputs, d.max_inputs));
    if (n.outputs.size() != 1) bad(fmt::format("{}: {} outputs, expected 1", where, n.outputs.size()));
    bool ids_ok = true;
    for (size_t j = 0; j < n.inputs.size(); ++j) {
      int i = n.inputs[j];
      if (i == -1 && int(j) >= d.min_inputs) continue;
      if (!in_range(i)) { bad(fmt::format("{}: input {} id {} out of range", where, j, i)); ids_ok = false; continue; }
      if (!ready[size_t(i)]) bad(fmt::format("{}: reads '{}' before it is produced", where, g.tensors[size_t(i)].name));
    }
    for (int o : n.outputs) {
      if (!in_range(o)) { bad(fmt::format("{}: output id {} out of range", where, o)); ids_ok = false; continue; }
      if (++produced[size_t(o)] > 1) bad(fmt::format("{}: tensor '{}' produced twice", where, g.tensors[size_t(o)].name));
      if (g.tensors[size_t(o)].is_const()) bad(fmt::format("{}: writes constant '{}'", where, g.tensors[size_t(o)].name));
      ready[size_t(o)] = true;
    }
    if (!ids_ok || n.outputs.size() != 1) continue;
    try {
      Shape s = infer_shape(g, n);
      const Tensor& out = g.t(n.out());
      if (s != out.shape) bad(fmt::format("{}: output '{}' stored as {}, inferred {}", where, out.name, shape_str(out.shape), shape_str(s)));
    } catch (const Error& e) {
      bad(e.what());
    }
  }
  for (int o : g.outputs)
    if (!in_range(o) || !ready[size_t(o)]) bad(fmt::format("graph output id {} is never produced", o));
  if (errs.empty()) return;
  std::string msg = fmt::format("IR verification failed after {}: {}", stage, errs[0]);
  if (errs.size() > 1) msg += fmt::format(" (and {} more: {})", errs.size() - 1, errs[1]);
  throw Error(msg);
}

static std::string quant_str(const QuantParams& q) {
  if (q.empty()) return "";
  if (q.per_channel()) return fmt::format(" q[axis {}, {} scales, {:.4g}..]", q.axis, q.scale.size(), q.scale[0]);
  return fmt::format(" q[s={:.6g} zp={}]", q.scale[0], q.zero_point[0]);
}

static std::string tensor_str(const Tensor& t) {
  std::string l = layout_name(t.layout);
  return fmt::format("%{}:{}{}{}{}", t.name, dtype_name(t.dtype), shape_str(t.shape), l.empty() ? "" : " " + l, quant_str(t.quant));
}

static std::string attr_str(const AttrValue& v) {
  struct V {
    std::string operator()(int64_t x) const { return std::to_string(x); }
    std::string operator()(float x) const { return fmt::format("{:g}", x); }
    std::string operator()(const std::vector<int64_t>& x) const { return fmt::format("[{}]", fmt::join(x, ",")); }
    std::string operator()(const std::vector<float>& x) const { return fmt::format("[{}]", fmt::join(x, ",")); }
    std::string operator()(const std::string& x) const { return "\"" + x + "\""; }
  };
  return std::visit(V{}, v);
}

std::string dump(const Graph& g) {
  std::string s = fmt::format("graph {} ({} nodes, {} tensors)\n", g.name, g.nodes.size(), g.tensors.size());
  for (int i : g.inputs) s += "  input  " + tensor_str(g.t(i)) + "\n";
  for (const Tensor& t : g.tensors)
    if (t.is_const()) s += "  const  " + tensor_str(t) + "\n";
  for (const Node& n : g.nodes) {
    std::vector<std::string> ins, attrs;
    for (int i : n.inputs) ins.push_back(i < 0 ? "-" : "%" + g.t(i).name);
    for (const auto& [k, v] : n.attrs.all()) attrs.push_back(k + "=" + attr_str(v));
    s += fmt::format("  {} = {}({}){} {}  # {}\n", tensor_str(g.t(n.out())), op_name(n.op), fmt::join(ins, ", "),
                     attrs.empty() ? "" : " {" + fmt::format("{}", fmt::join(attrs, " ")) + "}", "", n.name);
  }
  for (int o : g.outputs) s += "  output %" + g.t(o).name + "\n";
  return s;
}

}  // namespace mote
