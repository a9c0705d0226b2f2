// The int8 reference executor: lowers the graph exactly as the C backend does and runs each
// kernel call through the C++ oracle kernels (ref/kernels_ref.h) with the same params.
#include <cstring>

#include "ir/op_registry.h"
#include "lower/lower.h"
#include "ref/executor.h"
#include "ref/kernels_ref.h"

namespace mote {

namespace {

// Dispatches one bound call; args[k] is the buffer of call.inputs[k].
mote_status run_call(const KernelCall& call, const std::vector<const int8_t*>& args, int8_t* out,
                     size_t out_bytes) {
  auto tab = [&](const char* role) -> const void* {
    const ConstTable* t = call.table(role);
    return t ? t->bytes.data() : nullptr;
  };
  const int8_t* w = static_cast<const int8_t*>(tab("weights"));
  const int32_t* bias = static_cast<const int32_t*>(tab("bias"));
  if (auto* p = std::get_if<mote_conv_s8_params>(&call.params)) {
    return call.kernel == "mote_depthwise_conv2d_s8"
               ? ref::depthwise_conv2d_s8(*p, args[0], w, bias, out)
               : ref::conv2d_s8(*p, args[0], w, bias, out);
  }
  if (auto* p = std::get_if<mote_fc_s8_params>(&call.params))
    return ref::fully_connected_s8(*p, args[0], w, bias, out);
  if (auto* p = std::get_if<mote_add_s8_params>(&call.params))
    return ref::add_s8(*p, args[0], args[1], out);
  if (auto* p = std::get_if<mote_mul_s8_params>(&call.params))
    return ref::mul_s8(*p, args[0], args[1], out);
  if (auto* p = std::get_if<LutParams>(&call.params))
    return ref::lut_s8(static_cast<const int8_t*>(tab("table")), p->n, args[0], out);
  if (auto* p = std::get_if<mote_pool_s8_params>(&call.params))
    return call.kernel == "mote_maxpool_s8" ? ref::maxpool_s8(*p, args[0], out)
                                            : ref::avgpool_s8(*p, args[0], out);
  if (auto* p = std::get_if<mote_mean_s8_params>(&call.params))
    return ref::mean_s8(*p, args[0], out);
  if (auto* p = std::get_if<mote_softmax_s8_params>(&call.params))
    return ref::softmax_s8(*p, args[0], out);
  if (auto* p = std::get_if<mote_concat_params>(&call.params)) {
    std::vector<const void*> ins(args.begin(), args.end());
    return ref::concat(*p, ins.data(), out);
  }
  if (auto* p = std::get_if<mote_pad_params>(&call.params)) return ref::pad(*p, args[0], out);
  if (auto* p = std::get_if<mote_transpose_params>(&call.params))
    return ref::transpose(*p, args[0], out);
  if (std::holds_alternative<AliasParams>(call.params)) {
    std::memcpy(out, args[0], out_bytes);
    return MOTE_OK;
  }
  fail("run_int8: node {} lowers to {}, which is not an int8 kernel", call.node, call.kernel);
}

}  // namespace

std::vector<Array> run_int8(const Graph& g, const std::vector<Array>& inputs,
                            const Observer& observe) {
  if (inputs.size() != g.inputs.size())
    fail("run_int8: graph '{}' has {} inputs, got {}", g.name, g.inputs.size(), inputs.size());
  std::vector<KernelCall> calls = lower(g);
  std::vector<std::vector<int8_t>> vals(g.tensors.size());
  std::vector<bool> ready(g.tensors.size(), false);
  for (size_t i = 0; i < g.inputs.size(); ++i) {
    const Tensor& t = g.t(g.inputs[i]);
    const Array& a = inputs[i];
    if (t.dtype != DType::I8)
      fail("run_int8: graph input '{}' is {}, expected i8", t.name, dtype_name(t.dtype));
    if (a.dtype != DType::I8)
      fail("run_int8: input '{}' must be i8, got {}", t.name, dtype_name(a.dtype));
    if (a.shape != t.shape)
      fail("run_int8: input '{}' has shape {}, graph expects {}", t.name, shape_str(a.shape),
           shape_str(t.shape));
    vals[size_t(g.inputs[i])].assign(a.as<int8_t>(), a.as<int8_t>() + a.numel());
    ready[size_t(g.inputs[i])] = true;
  }
  for (size_t i = 0; i < g.tensors.size(); ++i)
    if (g.tensors[i].is_const() && g.tensors[i].dtype == DType::I8) {
      vals[i].assign(g.tensors[i].as<int8_t>(), g.tensors[i].as<int8_t>() + g.tensors[i].numel());
      ready[i] = true;
    }

  for (KernelCall& call : calls) {
    const Node& n = g.nodes[size_t(call.node)];
    bind_tables(call);
    std::vector<const int8_t*> args;
    for (int id : call.inputs) {
      if (id < 0 || !ready[size_t(id)])
        fail("run_int8: node '{}' ({}) reads '{}' which is not an int8 value", n.name,
             op_name(n.op), id < 0 ? "<absent>" : g.t(id).name);
      args.push_back(vals[size_t(id)].data());
    }
    const Tensor& ot = g.t(call.output);
    std::vector<int8_t>& out = vals[size_t(call.output)];
    out.assign(size_t(ot.numel()), 0);
    if (run_call(call, args, out.data(), out.size()) != MOTE_OK)
      fail("run_int8: node '{}' ({}): kernel {} rejected its parameters", n.name, op_name(n.op),
           call.kernel);
    ready[size_t(call.output)] = true;
    if (observe) {
      Array a;
      a.dtype = DType::I8;
      a.shape = ot.shape;
      a.bytes.assign(reinterpret_cast<const uint8_t*>(out.data()),
                     reinterpret_cast<const uint8_t*>(out.data()) + out.size());
      observe(call.node, a);
    }
  }

  std::vector<Array> outs;
  for (int o : g.outputs) {
    if (!ready[size_t(o)]) fail("run_int8: graph output '{}' is never computed", g.t(o).name);
    Array a;
    a.dtype = DType::I8;
    a.shape = g.t(o).shape;
    a.bytes.assign(
        reinterpret_cast<const uint8_t*>(vals[size_t(o)].data()),
        reinterpret_cast<const uint8_t*>(vals[size_t(o)].data()) + vals[size_t(o)].size());
    outs.push_back(std::move(a));
  }
  return outs;
}

}  // namespace mote
