// The int8 reference executor: runs lowered kernel calls through the C++ oracle kernels
// (ref/kernels_ref.h) that kernels.def names for each runtime kernel, with the same params.
// Values are byte buffers of their tensor's dtype: int8 (or 16x8's int16) activations, and the
// int32 or float outputs of ArgMax and Dequantize.
#include <algorithm>
#include <cstring>

#include "ir/op_registry.h"
#include "ref/executor.h"
#include "ref/kernels_ref.h"

namespace mote {

namespace {

// The operands of one call: args[k] is the buffer of call.inputs[k].
struct Io {
  const KernelCall& call;
  const std::vector<const int8_t*>& args;
  int8_t* out;
  int32_t out_elems;
  const void* tab(const char* role) const {
    const ConstTable* t = call.table(role);
    return t ? t->bytes.data() : nullptr;
  }
  const KernelParams& bound;  // call.params with its table pointers set
  template <typename P> const P& params() const { return std::get<P>(bound); }
};

// One overload per oracle signature shape (lower/registry.h Args); the params type comes from it.
template <typename P, typename W, typename B, typename T>
mote_status invoke(mote_status (*f)(const P&, const T*, const W*, const B*, T*), const Io& io) {
  return f(io.params<P>(), reinterpret_cast<const T*>(io.args.at(0)), static_cast<const W*>(io.tab("weights")),
           static_cast<const B*>(io.tab("bias")), reinterpret_cast<T*>(io.out));
}
template <typename P, typename T>
mote_status invoke(mote_status (*f)(const P&, const T*, const T*, T*), const Io& io) {
  return f(io.params<P>(), reinterpret_cast<const T*>(io.args.at(0)), reinterpret_cast<const T*>(io.args.at(1)),
           reinterpret_cast<T*>(io.out));
}
template <typename P, typename TI, typename TO>
mote_status invoke(mote_status (*f)(const P&, const TI*, TO*), const Io& io) {
  return f(io.params<P>(), reinterpret_cast<const TI*>(io.args.at(0)), reinterpret_cast<TO*>(io.out));
}
template <typename P>
mote_status invoke(mote_status (*f)(const P&, const void*, void*), const Io& io) {
  return f(io.params<P>(), io.args.at(0), io.out);
}
template <typename P>
mote_status invoke(mote_status (*f)(const P&, const void* const*, void*), const Io& io) {
  std::vector<const void*> ins(io.args.begin(), io.args.end());
  return f(io.params<P>(), ins.data(), io.out);
}
template <typename P, typename TI, typename TO>
mote_status invoke(mote_status (*f)(const P&, int32_t, const TI*, TO*), const Io& io) {
  return f(io.params<P>(), io.out_elems, reinterpret_cast<const TI*>(io.args.at(0)),
           reinterpret_cast<TO*>(io.out));
}
// Recurrent layers: zero initial state, the final state is not kept.
mote_status invoke(mote_status (*f)(const mote_rnn_f32_params&, const float*, const float*, const float*, const float*,
                                    const float*, const float*, float*, float*),
                   const Io& io) {
  return f(io.params<mote_rnn_f32_params>(), reinterpret_cast<const float*>(io.args.at(0)),
           static_cast<const float*>(io.tab("weights")), static_cast<const float*>(io.tab("recurrent")),
           static_cast<const float*>(io.tab("bias")), nullptr, nullptr, reinterpret_cast<float*>(io.out), nullptr);
}
mote_status invoke(mote_status (*f)(const mote_rnn_f32_params&, const float*, const float*, const float*, const float*,
                                    const float*, float*),
                   const Io& io) {
  return f(io.params<mote_rnn_f32_params>(), reinterpret_cast<const float*>(io.args.at(0)),
           static_cast<const float*>(io.tab("weights")), static_cast<const float*>(io.tab("recurrent")),
           static_cast<const float*>(io.tab("bias")), nullptr, reinterpret_cast<float*>(io.out));
}
mote_status invoke(mote_status (*f)(const mote_lstm_s8_params&, const int8_t*, const int8_t*, const int8_t*,
                                    const int32_t*, const int32_t*, const int8_t*, const int16_t*, int8_t*, int16_t*),
                   const Io& io) {
  return f(io.params<mote_lstm_s8_params>(), io.args.at(0), static_cast<const int8_t*>(io.tab("weights")),
           static_cast<const int8_t*>(io.tab("recurrent")), static_cast<const int32_t*>(io.tab("in_bias")),
           static_cast<const int32_t*>(io.tab("rec_bias")), nullptr, nullptr, io.out, nullptr);
}
mote_status invoke(mote_status (*f)(const mote_gru_s8_params&, const int8_t*, const int8_t*, const int8_t*,
                                    const int32_t*, const int32_t*, const int16_t*, int8_t*, int16_t*),
                   const Io& io) {
  return f(io.params<mote_gru_s8_params>(), io.args.at(0), static_cast<const int8_t*>(io.tab("weights")),
           static_cast<const int8_t*>(io.tab("recurrent")), static_cast<const int32_t*>(io.tab("in_bias")),
           static_cast<const int32_t*>(io.tab("rec_bias")), nullptr, io.out, nullptr);
}
mote_status invoke(mote_status (*f)(const int8_t*, int32_t, const int8_t*, int8_t*), const Io& io) {
  return f(static_cast<const int8_t*>(io.tab("table")), io.params<LutParams>().n, io.args.at(0), io.out);
}

mote_status run_call(const Io& io) {
  switch (io.call.def->id) {
#define MOTE_KERNEL(id, dtype, isa, params, args, applies, build, may_overwrite, scratch, oracle, ...) \
  case KernelId::id:                                                                                 \
    return invoke(&oracle, io);
#include "lower/kernels.def"
    case KernelId::Count:
      break;
  }
  fail("run_int8: node {} calls {}, which has no oracle", io.call.node, io.call.kernel());
}

}  // namespace

std::vector<Array> run_int8(const Graph& g, const std::vector<KernelCall>& lowered,
                            const std::vector<Array>& inputs, const Observer& observe) {
  if (inputs.size() != g.inputs.size())
    fail("run_int8: graph '{}' has {} inputs, got {}", g.name, g.inputs.size(), inputs.size());
  std::vector<std::vector<int8_t>> vals(g.tensors.size());
  std::vector<bool> ready(g.tensors.size(), false);
  for (size_t i = 0; i < g.inputs.size(); ++i) {
    const Tensor& t = g.t(g.inputs[i]);
    const Array& a = inputs[i];
    if (t.dtype != DType::I8 && t.dtype != DType::I16)
      fail("run_int8: graph input '{}' is {}, expected i8 or i16", t.name, dtype_name(t.dtype));
    if (a.dtype != t.dtype)
      fail("run_int8: input '{}' must be {}, got {}", t.name, dtype_name(t.dtype), dtype_name(a.dtype));
    if (a.shape != t.shape)
      fail("run_int8: input '{}' has shape {}, graph expects {}", t.name, shape_str(a.shape),
           shape_str(t.shape));
    vals[size_t(g.inputs[i])].assign(a.as<int8_t>(), a.as<int8_t>() + a.bytes.size());
    ready[size_t(g.inputs[i])] = true;
  }
  for (size_t i = 0; i < g.tensors.size(); ++i)
    if (g.tensors[i].is_const() && g.tensors[i].dtype == DType::I8) {
      vals[i].assign(g.tensors[i].as<int8_t>(), g.tensors[i].as<int8_t>() + g.tensors[i].numel());
      ready[i] = true;
    }

  std::vector<const int8_t*> luts;
  for (const KernelCall& call : lowered) {
    if (call.node < 0 || size_t(call.node) >= g.nodes.size())
      fail("run_int8: kernel call for node {} out of range", call.node);
    const Node& n = g.nodes[size_t(call.node)];
    const KernelParams bound = bound_params(call, &luts);
    std::vector<const int8_t*> args;
    for (int id : call.inputs) {
      if (id < 0 || !ready[size_t(id)])
        fail("run_int8: node '{}' ({}) reads '{}' which is not an int8 value", n.name,
             op_name(n.op), id < 0 ? "<absent>" : g.t(id).name);
      args.push_back(vals[size_t(id)].data());
    }
    const Tensor& ot = g.t(call.output);
    std::vector<int8_t>& out = vals[size_t(call.output)];
    out.assign(ot.bytes(), 0);
    if (!call.def) {  // an alias: the output is the input's bytes
      std::memcpy(out.data(), args.at(0), out.size());
    } else if (std::any_of(call.inputs.begin(), call.inputs.end(), [&](int id) { return g.t(id).dtype == DType::F32; })) {
      fail("run_int8: node '{}' ({}) lowers to {}, a float kernel", n.name, op_name(n.op), call.kernel());
    } else if (run_call(Io{call, args, out.data(), int32_t(ot.numel()), bound}) != MOTE_OK) {
      fail("run_int8: node '{}' ({}): kernel {} rejected its parameters", n.name, op_name(n.op),
           call.kernel());
    }
    ready[size_t(call.output)] = true;
    if (observe) {
      Array a;
      a.dtype = ot.dtype;
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
    a.dtype = g.t(o).dtype;
    a.shape = g.t(o).shape;
    a.bytes.assign(
        reinterpret_cast<const uint8_t*>(vals[size_t(o)].data()),
        reinterpret_cast<const uint8_t*>(vals[size_t(o)].data()) + vals[size_t(o)].size());
    outs.push_back(std::move(a));
  }
  return outs;
}

}  // namespace mote
