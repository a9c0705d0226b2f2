// Graph-to-graph passes. Each takes the graph by reference; run_pass() verifies after each.
#pragma once
#include <string>

#include "ir/ir.h"

namespace mote {

void fold_batchnorm(Graph& g);     // BatchNorm after Conv/FullyConnected into weights and bias;
                                   // any other BatchNorm becomes Mul + Add with constants
void fold_constants(Graph& g);     // nodes whose inputs are all constant become constants
void to_nhwc(Graph& g);            // NCHW activations to NHWC, weights to OHWI
void fuse_activations(Graph& g);   // Relu/Clip after Conv/FC/Add/Sub/Mul into act_min/act_max;
                                   // constant per-channel Add/Sub after Conv/FC into the bias
void remove_noops(Graph& g);       // Identity, Reshape to the same shape, Transpose by identity
void fuse_silu_gelu(Graph& g);     // float x * Sigmoid(x) into Silu, PyTorch's erf GELU into Gelu

// The node whose weights BatchNorm `bn` folds into (fold_batchnorm's rule: a Conv or
// FullyConnected it alone reads, with constant weights and no fused activation), or -1 when it
// would become Mul + Add.
int batchnorm_fold_target(const Graph& g, const Node& bn);

// Runs one pass by name and the verifier after it.
void run_pass(Graph& g, const std::string& name, void (*pass)(Graph&));
// The canonical pipeline every frontend's output goes through before quantization.
void canonicalize(Graph& g);

}  // namespace mote
