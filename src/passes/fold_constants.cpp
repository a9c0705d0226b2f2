// fold_constants: a node whose inputs are all constant is evaluated once by the float reference
// executor and its output becomes a constant tensor.
#include "passes/passes.h"
#include "ref/executor.h"

namespace mote {

void fold_constants(Graph& g) {
  std::vector<bool> dead(g.nodes.size(), false);
  for (size_t k = 0; k < g.nodes.size(); ++k) {
    const Node& n = g.nodes[k];
    Tensor& out = g.t(n.out());
    // A graph output stays computed so the graph keeps a node producing it.
    if (out.dtype != DType::F32 || g.is_graph_output(n.out())) continue;
    bool all_const = true;
    for (int i : n.inputs) all_const = all_const && (i < 0 || g.t(i).is_const());
    if (!all_const) continue;

    // A one-node graph holding copies of the constant inputs.
    Graph sub;
    sub.name = g.name + "/" + n.name;
    std::vector<int> ins;
    for (int i : n.inputs) ins.push_back(i < 0 ? -1 : sub.add_tensor(g.t(i)));
    Tensor o = out;
    int oid = sub.add_tensor(std::move(o));
    Node copy = n;
    copy.inputs = ins;
    copy.outputs = {oid};
    sub.nodes.push_back(std::move(copy));
    sub.outputs = {oid};
    Array v = run_float(sub, {}).at(0);
    out.data = std::move(v.bytes);
    dead[k] = true;
  }
  g.remove_nodes(dead);
}

}  // namespace mote
