#include "backend/c/literals.h"

#include <cmath>
#include <cstring>
#include <regex>

#include <fmt/format.h>

#include "util/error.h"

namespace mote {

bool is_c_ident(const std::string& s) {
  return std::regex_match(s, std::regex("[A-Za-z_][A-Za-z0-9_]*"));
}

std::string comment_text(const std::string& s) {
  std::string r;
  for (char c : s) {
    bool ok = c >= 0x20 && c < 0x7f && c != '?' && c != '\\';
    if (ok && !r.empty() && ((r.back() == '/' && c == '*') || (r.back() == '*' && c == '/'))) ok = false;
    r += ok ? c : '_';
  }
  return r;
}

std::string c_float(float v, const std::string& what) {
  if (std::isnan(v)) fail("C backend: {} is NaN", what);
  if (std::isinf(v)) return v > 0 ? "3.402823466e+38f" : "-3.402823466e+38f";
  std::string s = fmt::format("{:.9g}", v);
  if (s.find_first_of(".e") == std::string::npos) s += ".0";
  return s + "f";
}

std::string c_int(int64_t v) {
  if (v == int64_t(INT32_MIN)) return "(-2147483647 - 1)";
  return std::to_string(v);
}

std::string c_ints(const int32_t* v, int n) {
  std::string r = "{ ";
  for (int i = 0; i < n; ++i) r += (i ? ", " : "") + c_int(v[i]);
  return r + " }";
}

const char* c_elem_type(DType t) {
  switch (t) {
    case DType::I8: return "int8_t";
    case DType::U8: return "uint8_t";
    case DType::I32: return "int32_t";
    case DType::F32: return "float";
    case DType::I64: return "int64_t";
    case DType::U16: return "uint16_t";
    case DType::I16: return "int16_t";
  }
  return "?";
}

std::string c_elem(const uint8_t* bytes, DType t, int64_t k, const std::string& what) {
  switch (t) {
    case DType::I8: return std::to_string(int(reinterpret_cast<const int8_t*>(bytes)[k]));
    case DType::U8: return std::to_string(int(bytes[k]));
    case DType::U16: {
      uint16_t v;
      std::memcpy(&v, bytes + 2 * k, 2);
      return std::to_string(unsigned(v)) + "u";
    }
    case DType::I16: {
      int16_t v;
      std::memcpy(&v, bytes + 2 * k, 2);
      return std::to_string(int(v));
    }
    case DType::I32: {
      int32_t v;
      std::memcpy(&v, bytes + 4 * k, 4);
      return c_int(v);
    }
    case DType::F32: {
      float v;
      std::memcpy(&v, bytes + 4 * k, 4);
      return c_float(v, fmt::format("{}[{}]", what, k));
    }
    case DType::I64: {
      int64_t v;
      std::memcpy(&v, bytes + 8 * k, 8);
      // 16x8 biases may pass 32 bits; a literal beyond long's range needs INT64_C
      if (v == INT64_MIN) return "(-INT64_C(9223372036854775807) - 1)";
      if (v < INT32_MIN || v > INT32_MAX) return fmt::format("INT64_C({})", v);
      return c_int(v);
    }
  }
  return "0";
}

std::string c_array(const std::string& ctype, const std::string& name, const uint8_t* bytes, DType t,
                    int64_t count, const std::string& what) {
  const int per_line = dtype_size(t) == 1 ? 16 : 8;
  std::string r = fmt::format("static const {} {}[{}] = {{", ctype, name, count);
  for (int64_t k = 0; k < count; ++k) {
    r += k % per_line == 0 ? "\n  " : " ";
    r += c_elem(bytes, t, k, what);
    if (k + 1 < count) r += ",";
  }
  return r + "\n};\n";
}

}  // namespace mote
