// run_pass and the canonical pass pipeline.
#include "ir/verify.h"
#include "passes/passes.h"

namespace mote {

void run_pass(Graph& g, const std::string& name, void (*pass)(Graph&)) {
  pass(g);
  verify(g, name);
}

void canonicalize(Graph& g) {
  verify(g, "import");
  run_pass(g, "remove_noops", remove_noops);
  run_pass(g, "fold_constants", fold_constants);
  run_pass(g, "fold_batchnorm", fold_batchnorm);
  run_pass(g, "fuse_silu_gelu", fuse_silu_gelu);
  run_pass(g, "to_nhwc", to_nhwc);
  run_pass(g, "fuse_activations", fuse_activations);
  run_pass(g, "remove_noops", remove_noops);
  g.prune();
  verify(g, "prune");
}

}  // namespace mote
