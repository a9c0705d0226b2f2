// Data movement of any element size: concatenation, constant padding, transposition.
#include <algorithm>

#include "lower/families.h"
#include "lower/tables.h"

namespace mote {

namespace {

// int8 movement keeps the quantization: the bytes move unchanged.
void check_same_quant(const LowerCtx& c, const char* op) {
  if (c.quantized() && !same_quant(c.in(0).quant, c.out().quant))
    c.error(fmt::format("quantized {} needs the output quantized like the input", op));
}

}  // namespace

bool is_concat(const LowerCtx& c) { return c.n.op == OpKind::Concat; }
bool is_pad(const LowerCtx& c) { return c.n.op == OpKind::Pad; }
bool is_transpose(const LowerCtx& c) { return c.n.op == OpKind::Transpose; }

void build_concat(const LowerCtx& c, KernelCall& call) {
  check_dtype(c, c.out());
  const int64_t axis = c.n.attrs.i("axis", 0);
  const size_t es = dtype_size(c.out().dtype);
  int64_t outer = 1;
  for (int64_t i = 0; i < axis; ++i) outer *= c.out().shape[size_t(i)];
  std::vector<int32_t> inner(c.n.inputs.size());
  for (size_t k = 0; k < c.n.inputs.size(); ++k) {
    const Tensor& t = c.in(k);
    check_dtype(c, t);
    int64_t e = 1;
    for (size_t i = size_t(axis); i < t.shape.size(); ++i) e *= t.shape[i];
    inner[k] = to_i32(c, e * int64_t(es), "inner bytes");
    if (c.int8() && !same_quant(t.quant, c.out().quant)) {
      const TQ qi = tensor_quant(c, t), qo = tensor_quant(c, c.out());
      call.tables.push_back(make_table("lut" + std::to_string(k), DType::I8,
                                       requant_table(qi.scale, qi.zp, qo.scale, qo.zp, [](double x) { return x; })));
    }
  }
  call.tables.push_back(make_table("inner_bytes", DType::I32, inner));
  call.inputs = c.n.inputs;
  mote_concat_params p{};
  p.outer = to_i32(c, outer, "outer");
  p.n_inputs = int32_t(c.n.inputs.size());
  call.params = p;
}

void build_pad(const LowerCtx& c, KernelCall& call) {
  check_io(c);
  check_same_quant(c, "pad");
  call.inputs = {c.n.in(0)};
  const Shape& s = c.in(0).shape;
  const auto pads = c.n.attrs.ints("pads");
  const auto d = pad4(c, s);
  const size_t off = 4 - s.size();
  mote_pad_params p{};
  for (size_t i = 0; i < 4; ++i) {
    p.in_dims[i] = to_i32(c, d[i], "dim");
    p.pad_before[i] = i < off ? 0 : int32_t(pads.at(i - off));
    p.pad_after[i] = i < off ? 0 : int32_t(pads.at(i - off + s.size()));
  }
  const float value = c.n.attrs.f("value", 0.0f);
  if (c.int8()) {
    const TQ q = tensor_quant(c, c.out());
    const int8_t v = int8_t(std::clamp(std::round(value / q.scale) + q.zp, -128.0, 127.0));
    p.elem_size = 1;
    p.value = uint32_t(uint8_t(v));
  } else if (c.quantized()) {  // 16x8: zero point 0
    const TQ q = tensor_quant(c, c.out());
    const int16_t v = int16_t(std::clamp(std::round(value / q.scale), -32768.0, 32767.0));
    p.elem_size = 2;
    p.value = uint32_t(uint16_t(v));
  } else {
    p.elem_size = 4;
    std::memcpy(&p.value, &value, 4);
  }
  call.params = p;
}

void build_transpose(const LowerCtx& c, KernelCall& call) {
  check_io(c);
  check_same_quant(c, "transpose");
  call.inputs = {c.n.in(0)};
  const Shape& s = c.in(0).shape;
  const auto perm = c.n.attrs.ints("perm");
  // Size-1 axes move nothing: drop them. Input axes that stay adjacent and in order in the
  // output move as one block: merge them. What is left is the real permutation.
  std::vector<int64_t> kept;  // input axes with size > 1, in output order
  for (int64_t a : perm)
    if (s[size_t(a)] > 1) kept.push_back(a);
  std::vector<int64_t> dims;  // merged input dims, in input order
  std::vector<size_t> group_of(s.size(), 0);
  std::vector<int64_t> sorted = kept;
  std::sort(sorted.begin(), sorted.end());
  std::vector<std::vector<int64_t>> groups;  // runs of output axes that are consecutive inputs
  for (size_t i = 0; i < kept.size(); ++i) {
    size_t pos = size_t(std::find(sorted.begin(), sorted.end(), kept[i]) - sorted.begin());
    bool extends = i > 0 && pos > 0 && sorted[pos - 1] == kept[i - 1];
    if (extends) groups.back().push_back(kept[i]);
    else groups.push_back({kept[i]});
  }
  std::vector<size_t> order(groups.size());  // groups sorted by their first input axis
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return groups[a][0] < groups[b][0]; });
  std::vector<int64_t> rank_of(groups.size());
  for (size_t r = 0; r < order.size(); ++r) {
    int64_t d = 1;
    for (int64_t a : groups[order[r]]) d *= s[size_t(a)];
    dims.push_back(d);
    rank_of[order[r]] = int64_t(r);
  }
  constexpr size_t nd = MOTE_TRANSPOSE_DIMS;
  if (dims.size() > nd) c.error(fmt::format("transpose moves {} separate axes, the runtime handles {}", dims.size(), nd));
  const size_t off = nd - dims.size();
  mote_transpose_params p{};
  for (size_t i = 0; i < nd; ++i) {
    p.in_dims[i] = i < off ? 1 : to_i32(c, dims[i - off], "dim");
    p.perm[i] = i < off ? int32_t(i) : int32_t(rank_of[i - off] + int64_t(off));
  }
  p.elem_size = int32_t(dtype_size(c.out().dtype));
  call.params = p;
}

}  // namespace mote
