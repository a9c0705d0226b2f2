// mote inspect MODEL: inputs, outputs, ops, parameters and MACs; --ir dumps the IR.
#include <fmt/format.h>

#include <map>

#include "cli/commands.h"
#include "frontend/import.h"
#include "ir/op_registry.h"
#include "ir/verify.h"
#include "passes/passes.h"

namespace mote::cli {

static void summarize(const Graph& g) {
  int64_t params = 0, macs = 0;
  for (const Tensor& t : g.tensors)
    if (t.is_const()) params += t.numel();
  std::map<std::string, int> ops;
  for (const Node& n : g.nodes) {
    macs += mac_count(g, n);
    ops[op_name(n.op)]++;
  }
  auto io = [&](const char* what, int id) {
    const Tensor& t = g.t(id);
    std::string l = layout_name(t.layout);
    fmt::print("{:<8} {} {} {}{}\n", what, t.name, dtype_name(t.dtype), shape_str(t.shape), l.empty() ? "" : " " + l);
  };
  for (int i : g.inputs) io("input", i);
  for (int o : g.outputs) io("output", o);
  fmt::print("nodes    {}\n", g.nodes.size());
  std::string list;
  for (const auto& [name, count] : ops) list += fmt::format("{}{}x{}", list.empty() ? "" : ", ", count, name);
  fmt::print("ops      {}\n", list);
  fmt::print("params   {}\n", params);
  fmt::print("macs     {}\n", macs);
}

void add_inspect(CLI::App& app) {
  auto* cmd = app.add_subcommand("inspect", "summarize a model: inputs, outputs, ops, params, MACs");
  static std::string model;
  static bool ir = false, canonical = false;
  cmd->add_option("model", model, "model file (.onnx or .tflite)")->required();
  cmd->add_flag("--ir", ir, "print the IR as the frontend imported it");
  cmd->add_flag("--canonical", canonical, "canonicalize first (fold BatchNorm and constants, NHWC, fuse activations)");
  cmd->callback([] {
    Graph g = import_model(model);
    verify(g, "import");
    if (canonical) canonicalize(g);
    summarize(g);
    if (ir) fmt::print("\n{}", dump(g));
  });
}

}  // namespace mote::cli
