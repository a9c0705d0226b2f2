// bind_tables: the C++ executor's counterpart of the C backend's initializers. Table fields
// point at the call's own tables.
#include "lower/params_fields.h"

namespace mote {

namespace {

struct BindSink {
  const KernelCall& call;
  std::vector<const int8_t*>& bound_luts;
  void i32(const char*, int32_t&) {}
  void f32(const char*, float&) {}
  void u32_hex(const char*, uint32_t&) {}
  void dims(const char*, mote_dims&) {}
  void ints(const char*, int32_t*, int) {}
  void bcast(const char*, mote_bcast&) {}
  template <typename T>
  void table(const char*, const T*& ptr, const char* role) {
    const ConstTable* t = call.table(role);
    if (!t) fail("bind_tables: {} call for node {} has no '{}' table", call.kernel(), call.node, role);
    ptr = reinterpret_cast<const T*>(t->bytes.data());
  }
  void luts(const char*, const int8_t* const*& ptr, int32_t count) {
    bound_luts.assign(size_t(count), nullptr);
    bool any = false;
    for (int32_t k = 0; k < count; ++k)
      if (const ConstTable* t = call.table("lut" + std::to_string(k))) {
        bound_luts[size_t(k)] = reinterpret_cast<const int8_t*>(t->bytes.data());
        any = true;
      }
    ptr = any ? bound_luts.data() : nullptr;
  }
};

}  // namespace

KernelParams bound_params(const KernelCall& call, std::vector<const int8_t*>* luts) {
  KernelParams p = call.params;
  BindSink s{call, *luts};
  visit_fields(s, p);
  return p;
}

void bind_tables(KernelCall& call) { call.params = bound_params(call, &call.bound_luts); }

}  // namespace mote
