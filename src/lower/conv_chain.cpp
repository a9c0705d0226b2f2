// Conv chains: conv -> conv -> residual Add run depth first by one call (mote_conv_chain_s8 and
// its DSP variant), chosen for the Add node; the two convs become part of it (fused_into) and
// their outputs, read nowhere else, never exist whole.
#include <utility>

#include "lower/families.h"

namespace mote {

namespace {

// The plain kernels a chain variant runs one row at a time.
std::pair<const KernelDef*, const KernelDef*> chain_parts(const KernelDef& chain) {
  const bool dsp = chain.id == KernelId::conv_chain_s8_dsp;
  return {&kernel_def(dsp ? KernelId::conv2d_s8_dsp : KernelId::conv2d_s8),
          &kernel_def(dsp ? KernelId::add_s8_dsp : KernelId::add_s8)};
}

// The node that produces int8 tensor t with `conv`, when `reader` is t's only reader and t no
// graph output; -1 otherwise.
int sole_conv(const Graph& g, int t, int reader, const KernelDef& conv) {
  const int p = g.producer(t);
  if (p < 0 || g.t(t).dtype != DType::I8 || g.is_graph_output(t) || g.consumers(t) != std::vector<int>{reader})
    return -1;
  const Node& n = g.nodes[size_t(p)];
  return n.op == OpKind::Conv && n.out() == t && conv.applies(LowerCtx{g, n, &conv, -1}) ? p : -1;
}

// The add's a is conv2's row and b the skip's: operands swapped when the Add reads them the
// other way round (the sum is the same).
mote_add_s8_params conv_first(mote_add_s8_params p, bool swapped) {
  if (swapped) {
    std::swap(p.a_zp, p.b_zp);
    std::swap(p.a_multiplier, p.b_multiplier);
    std::swap(p.a_shift, p.b_shift);
  }
  return p;
}

// One output row {1, 1, w, c}, contiguous, as the chain kernels read the add's broadcast.
mote_bcast row_bcast(const mote_dims& d) {
  mote_bcast bc{};
  bc.dims[0] = bc.dims[1] = 1;
  bc.dims[2] = d.w;
  bc.dims[3] = d.c;
  bc.a_stride[2] = bc.b_stride[2] = d.w != 1 ? d.c : 0;
  bc.a_stride[3] = bc.b_stride[3] = d.c != 1 ? 1 : 0;
  return bc;
}

template <typename P, typename C>
P chain_params(const KernelCall& k1, const KernelCall& k2, const mote_add_s8_params& add) {
  P p{};
  p.conv1 = std::get<C>(k1.params);
  p.conv2 = std::get<C>(k2.params);
  p.has_add = 1;
  p.add = add;
  p.add.bc = row_bcast(p.conv2.out);
  return p;
}

// conv k's tables as the chain's: roles with suffix k; a conv without bias gets zeros, so the
// chain's bias pointers always have a table.
void take_tables(const KernelCall& conv, int64_t channels, const std::string& k, KernelCall& call) {
  for (ConstTable t : conv.tables) {
    t.role += k;
    call.tables.push_back(std::move(t));
  }
  if (!conv.table("bias")) call.tables.push_back(make_table("bias" + k, DType::I32, std::vector<int32_t>(size_t(channels), 0)));
}

int chain_runs(const KernelCall& call, int over_x) {
  if (const auto* p = std::get_if<mote_conv_chain_s8_params>(&call.params)) return mote_conv_chain_s8_runs(p, over_x);
  return mote_conv_chain_s8_dsp_runs(&std::get<mote_conv_chain_s8_dsp_params>(call.params), over_x);
}

}  // namespace

std::optional<ChainNodes> chain_nodes(const LowerCtx& c) {
  const auto [conv, add] = chain_parts(*c.def);
  const int self = int(&c.n - c.g.nodes.data());
  if (c.n.op != OpKind::Add || c.n.inputs.size() != 2 || !c.int8() || !add->applies(LowerCtx{c.g, c.n, add, -1}))
    return std::nullopt;
  for (size_t k = 0; k < 2; ++k) {
    const int t = c.n.in(k), skip = c.n.in(1 - k);
    if (c.g.t(t).shape != c.out().shape || c.g.t(skip).shape != c.out().shape || c.g.t(skip).is_const()) continue;
    const int b = sole_conv(c.g, t, self, *conv);
    if (b < 0) continue;
    const int a = sole_conv(c.g, c.g.nodes[size_t(b)].in(0), b, *conv);
    if (a < 0 || c.g.t(c.g.nodes[size_t(a)].in(0)).is_const()) continue;
    return ChainNodes{a, b, c.g.nodes[size_t(a)].in(0), skip, k == 1};
  }
  return std::nullopt;
}

void build_conv_chain(const LowerCtx& c, KernelCall& call) {
  const std::optional<ChainNodes> ch = chain_nodes(c);
  if (!ch) c.error("not a conv -> conv -> Add chain its kernel runs");
  const auto [conv, add] = chain_parts(*c.def);
  KernelCall k1, k2, ka;
  conv->build(LowerCtx{c.g, c.g.nodes[size_t(ch->a)], conv, -1}, k1);
  conv->build(LowerCtx{c.g, c.g.nodes[size_t(ch->b)], conv, -1}, k2);
  add->build(LowerCtx{c.g, c.n, add, -1}, ka);
  const mote_add_s8_params ap = conv_first(std::get<mote_add_s8_params>(ka.params), ch->conv_second);
  if (c.def->id == KernelId::conv_chain_s8_dsp)
    call.params = chain_params<mote_conv_chain_s8_dsp_params, mote_conv_s8_dsp_params>(k1, k2, ap);
  else
    call.params = chain_params<mote_conv_chain_s8_params, mote_conv_s8_params>(k1, k2, ap);
  take_tables(k1, c.g.t(c.g.nodes[size_t(ch->a)].out()).shape.back(), "1", call);
  take_tables(k2, c.g.t(c.g.nodes[size_t(ch->b)].out()).shape.back(), "2", call);
  call.inputs = {ch->x, ch->skip};
}

bool is_conv_chain(const LowerCtx& c) {
  if (!chain_nodes(c)) return false;
  KernelCall call;
  build_conv_chain(c, call);
  return chain_runs(call, 0) != 0;
}

// The output may go over the skip (elementwise) or over x when the kernel's row check passes;
// both variants share the geometry, so the portable one answers for both.
bool conv_chain_in_place(const Graph& g, const Node& n, int input) {
  const LowerCtx c{g, n, &kernel_def(KernelId::conv_chain_s8), -1};
  const std::optional<ChainNodes> ch = chain_nodes(c);
  if (!ch || (input != ch->skip && input != ch->x)) return false;
  if (input == ch->skip) return true;
  KernelCall call;
  build_conv_chain(c, call);
  return chain_runs(call, 1) != 0;
}

int64_t conv_chain_s8_scratch(const KernelCall& call) {
  return int64_t(mote_conv_chain_s8_scratch_bytes(&std::get<mote_conv_chain_s8_params>(call.params)));
}

int64_t conv_chain_s8_dsp_scratch(const KernelCall& call) {
  return int64_t(mote_conv_chain_s8_dsp_scratch_bytes(&std::get<mote_conv_chain_s8_dsp_params>(call.params)));
}

}  // namespace mote
