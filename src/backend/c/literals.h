// C literals and names for generated code: what the model's and the front end's emitters share.
#pragma once
#include <cstdint>
#include <string>

#include "ir/ir.h"

namespace mote {

bool is_c_ident(const std::string& s);
// Text safe inside a /* */ comment: printable ASCII, no comment delimiters, no '?' (trigraphs)
// and no backslash (line splices).
std::string comment_text(const std::string& s);
// Shortest round-tripping float literal; infinities (open clamp bounds) become FLT_MAX.
std::string c_float(float v, const std::string& what);
std::string c_int(int64_t v);
std::string c_ints(const int32_t* v, int n);
const char* c_elem_type(DType t);
// Element k of a little-endian byte buffer as a C literal.
std::string c_elem(const uint8_t* bytes, DType t, int64_t k, const std::string& what);
// "static const CTYPE NAME[COUNT] = { ... };" over `count` elements of `bytes`.
std::string c_array(const std::string& ctype, const std::string& name, const uint8_t* bytes, DType t, int64_t count,
                    const std::string& what);

}  // namespace mote
