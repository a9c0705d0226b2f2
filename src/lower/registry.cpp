// The kernel registry (kernels.def expanded), the targets, and the lowering driver that picks an
// entry per node.
#include "lower/registry.h"

#include "lower/families.h"
#include "plan/planner.h"

namespace mote {

namespace {

constexpr KDType I8 = KDType::I8, I16 = KDType::I16, F32 = KDType::F32, I32 = KDType::I32, Any = KDType::Any;
constexpr Isa Portable = Isa::Portable, ArmDsp = Isa::ArmDsp;
using NoParams = std::monostate;

template <typename P>
const char* c_type_name(const char* spelled) {
  return std::is_same_v<P, NoParams> || std::is_same_v<P, LutParams> ? "" : spelled;
}

std::vector<KernelDef> make_registry() {
  std::vector<KernelDef> r;
#define MOTE_KERNEL(id, dtype, isa, params, args, applies, build, may_overwrite, scratch, oracle, ...) \
  r.push_back(KernelDef{KernelId::id, "mote_" #id, dtype, isa, c_type_name<params>(#params), Args::args, applies, \
                        build, may_overwrite, scratch, {__VA_ARGS__}});
#include "lower/kernels.def"
  return r;
}

bool dtype_fits(KDType k, DType d) {
  return k == KDType::Any || (k == KDType::I8 && d == DType::I8) || (k == KDType::F32 && d == DType::F32) ||
         (k == KDType::I32 && d == DType::I32) || (k == KDType::I16 && d == DType::I16);
}

}  // namespace

const std::vector<KernelDef>& kernel_registry() {
  static const std::vector<KernelDef> registry = make_registry();
  return registry;
}

const KernelDef& kernel_def(KernelId id) { return kernel_registry().at(size_t(id)); }

const KernelDef& kernel_named(const std::string& name) {
  for (const KernelDef& k : kernel_registry())
    if (k.name == name) return k;
  fail("kernel registry: no runtime kernel '{}'", name);
}

const std::vector<Target>& targets() {
  // Cores, not boards or parts: the ISA is all lowering needs. The M55 is scalar here (no Helium).
  static const std::vector<Target> all{
      {"host", {Isa::Portable}},
      {"cortex-m0plus", {Isa::Portable}},
      {"cortex-m3", {Isa::Portable}},
      {"cortex-m4", {Isa::ArmDsp, Isa::Portable}},
      {"cortex-m7", {Isa::ArmDsp, Isa::Portable}},
      {"cortex-m33", {Isa::ArmDsp, Isa::Portable}},
      {"cortex-m55", {Isa::ArmDsp, Isa::Portable}},
  };
  return all;
}

const Target& host_target() { return targets().front(); }

const Target& target_named(const std::string& name) {
  std::string known;
  for (const Target& t : targets()) {
    if (t.name == name) return t;
    known += (known.empty() ? "" : ", ") + t.name;
  }
  fail("unknown target '{}' (known: {})", name, known);
}

const ConstTable* KernelCall::table(const std::string& role) const {
  for (const ConstTable& t : tables)
    if (t.role == role) return &t;
  return nullptr;
}

Lowered lower(const Graph& g, const Target& target, bool allow_in_place) {
  const size_t n_nodes = g.nodes.size();
  std::vector<const KernelDef*> chosen(n_nodes, nullptr);
  std::vector<std::vector<int>> candidates(n_nodes);
  std::vector<int> fused_into(n_nodes, -1);
  for (size_t k = 0; k < n_nodes; ++k) {
    const Node& n = g.nodes[k];
    const DType dt = g.t(n.out()).dtype;
    if (dt != DType::I8 && dt != DType::I16 && dt != DType::F32 && !(dt == DType::I32 && op_def(n.op).out_quant.kind == OutQuant::Index))
      fail("lower: node '{}' ({}): output is {}, expected i8, i16 or f32", n.name, op_name(n.op), dtype_name(dt));
    if (n.op == OpKind::BatchNorm) fail("lower: node '{}' (BatchNorm) must be folded before lowering", n.name);
    if (op_has(n.op, Alias)) continue;
    for (Isa isa : target.isas) {
      for (const KernelDef& d : kernel_registry())
        if (d.isa == isa && dtype_fits(d.dtype, dt) && d.applies(LowerCtx{g, n, &d, -1})) {
          chosen[k] = &d;
          break;
        }
      if (chosen[k]) break;
    }
    if (!chosen[k])
      fail("lower: node '{}' ({}, {}): no runtime kernel of target '{}' runs it", n.name, op_name(n.op),
           dtype_name(dt), target.name);
    std::vector<int> reads = n.inputs;
    if (chosen[k]->args == Args::Chain) {
      const ChainNodes ch = *chain_nodes(LowerCtx{g, n, chosen[k], -1});
      fused_into[size_t(ch.a)] = fused_into[size_t(ch.b)] = int(k);
      reads = {ch.x, ch.skip};
    }
    if (allow_in_place && chosen[k]->may_overwrite)
      for (int in : reads)
        if (chosen[k]->may_overwrite(g, n, in)) candidates[k].push_back(in);
  }
  // The convs a chain absorbs write no output of their own: drop the candidates listed for them
  // before the chain (later in node order) claimed them.
  for (size_t k = 0; k < n_nodes; ++k)
    if (fused_into[k] >= 0) candidates[k].clear();

  Lowered r;
  r.fused_into = fused_into;
  r.in_place = choose_in_place(g, candidates, fused_into);
  r.scratch.assign(n_nodes, 0);
  for (size_t k = 0; k < n_nodes; ++k) {
    const Node& n = g.nodes[k];
    KernelCall call;
    call.node = int(k);
    call.output = n.out();
    call.def = chosen[k];
    call.in_place = r.in_place[k];
    call.fused_into = fused_into[k];
    const LowerCtx c{g, n, chosen[k], r.in_place[k]};
    if (call.def) {
      call.def->build(c, call);
      if (call.def->scratch && call.fused_into < 0) call.scratch_bytes = call.def->scratch(call);
    } else {
      check_io(c);
      if (c.quantized() && !same_quant(c.in(0).quant, c.out().quant))
        c.error("quantized reshape needs the output quantized like the input");
      call.inputs = {n.in(0)};
    }
    if (!allow_in_place || call.in_place >= 0 || call.fused_into >= 0) call.overlap.reset();
    r.scratch[k] = call.scratch_bytes;
    r.overlap.push_back(call.overlap);
    r.calls.push_back(std::move(call));
  }
  return r;
}

MemoryPlan plan_memory(const Graph& g, const Lowered& low) {
  return plan_memory(g, low.scratch, low.in_place, low.fused_into, low.overlap);
}

}  // namespace mote
