// The kernel registry: one entry per runtime kernel variant (lower/kernels.def), and the targets
// that choose among them. Lowering picks an entry per node; the C++ int8 executor runs the
// entry's oracle; the C backend prints its call and copies its files; the planner takes the
// in-place choices lowering made from the entries' may_overwrite rules.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "ir/ir.h"

namespace mote {

// Instruction sets a kernel variant may need. Portable C runs everywhere; ArmDsp is the
// Armv7E-M / Armv8-M DSP extension (SMLAD, SXTB16, SSAT: Cortex-M4, M7, M33).
enum class Isa : uint8_t { Portable, ArmDsp };

// A compilation target: the instruction sets its kernels may use, best first.
struct Target {
  std::string name;
  std::vector<Isa> isas;
};
const Target& host_target();
// Every target: host, then the Cortex-M cores.
const std::vector<Target>& targets();
// The target called `name`; throws mote::Error listing the known targets.
const Target& target_named(const std::string& name);

// The dtype a kernel produces; Any for kernels that move bytes of any element size.
enum class KDType : uint8_t { I8, F32, I32, Any, I16 };

// How the generated call passes a kernel's arguments.
enum class Args : uint8_t {
  ConvScratch,  // (params, in, weights, bias, out, scratch)
  WeightsBias,  // (params, in, weights, bias, out)
  Binary,       // (params, a, b, out)
  Lut,          // (table, n, in, out)
  UnaryN,       // (params, n, in, out)
  InOut,        // (params, in, out)
  Concat,       // (params, inputs[], out)
  Lstm,         // (params, x, weights, recurrent, bias | in_bias, rec_bias, h0, c0, y, scratch)
  Gru,          // (params, x, weights, recurrent, bias | in_bias, rec_bias, h0, y, scratch)
  Chain,        // (params, x, skip, out, scratch): a conv chain, its tables in params
};

enum class KernelId : uint16_t {
#define MOTE_KERNEL(id, ...) id,
#include "lower/kernels.def"
  Count
};

struct LowerCtx;
struct KernelCall;

struct KernelDef {
  KernelId id;
  std::string name;         // the C function, e.g. "mote_conv2d_s8"
  KDType dtype;
  Isa isa;
  const char* params_type;  // C params struct, "" for none
  Args args;
  bool (*applies)(const LowerCtx& c);
  void (*build)(const LowerCtx& c, KernelCall& call);
  bool (*may_overwrite)(const Graph& g, const Node& n, int input);  // nullptr: never in place
  int64_t (*scratch)(const KernelCall& call);                       // nullptr: no scratch
  std::vector<std::string> files;  // runtime sources under runtime/src, its own first
};

// Every entry, in kernels.def order.
const std::vector<KernelDef>& kernel_registry();
const KernelDef& kernel_def(KernelId id);
// The entry of C function `name`; throws mote::Error if there is none.
const KernelDef& kernel_named(const std::string& name);

}  // namespace mote
