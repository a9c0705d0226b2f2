#include "io/array.h"

#include <zip.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>
#include <map>

#include "util/error.h"
#include "util/file.h"

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "array.cpp assumes a little-endian host (Array::bytes is little-endian)"
#endif

namespace mote {

float Array::get_f32(int64_t k) const {
  if (k < 0 || k >= numel()) fail("array element {} out of range for shape {}", k, shape_str(shape));
  switch (dtype) {
    case DType::F32: return as<float>()[k];
    case DType::I8: return float(as<int8_t>()[k]);
    case DType::U8: return float(as<uint8_t>()[k]);
    case DType::I32: return float(as<int32_t>()[k]);
    case DType::I64: return float(as<int64_t>()[k]);
    case DType::U16: return float(as<uint16_t>()[k]);
    case DType::I16: return float(as<int16_t>()[k]);
  }
  fail("array has an unknown dtype");
}

namespace {

using Bytes = std::vector<uint8_t>;

uint32_t le16(const uint8_t* p) { return uint32_t(p[0]) | uint32_t(p[1]) << 8; }
uint32_t le32(const uint8_t* p) { return le16(p) | le16(p + 2) << 16; }
uint32_t be32(const uint8_t* p) {
  return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | uint32_t(p[3]);
}

// numel * itemsize, failing on negative dims or a product that cannot be a file's size.
uint64_t data_bytes(const std::string& what, const Shape& shape, uint64_t itemsize) {
  uint64_t n = itemsize;
  for (int64_t d : shape) {
    if (d < 0) fail("{}: negative dimension in shape {}", what, shape_str(shape));
    if (d != 0 && n > (uint64_t(1) << 62) / uint64_t(d))
      fail("{}: shape {} is too large", what, shape_str(shape));
    n *= uint64_t(d);
  }
  return n;
}

void check_size(const std::string& what, uint64_t want, uint64_t have) {
  if (have < want)
    fail("{}: truncated: header says {} bytes of data, file has {}", what, want, have);
  if (have > want) fail("{}: {} unexpected bytes after the {} bytes of data", what, have - want, want);
}

// Gunzips all of `src` (concatenated gzip members are joined, as gunzip does); `size_hint` sizes
// the first output buffer.
Bytes gunzip(const std::string& what, const uint8_t* src, size_t n, size_t size_hint) {
  z_stream zs{};
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) fail("{}: zlib init failed", what);
  Bytes out(std::max<size_t>(size_hint, 64));
  size_t done = 0, used = 0;
  while (true) {
    if (done == out.size()) out.resize(out.size() * 2);
    size_t in_chunk = std::min<size_t>(n - used, std::numeric_limits<uInt>::max());
    size_t out_chunk = std::min<size_t>(out.size() - done, std::numeric_limits<uInt>::max());
    zs.next_in = const_cast<Bytef*>(src + used);
    zs.avail_in = uInt(in_chunk);
    zs.next_out = out.data() + done;
    zs.avail_out = uInt(out_chunk);
    int rc = inflate(&zs, Z_NO_FLUSH);
    used += in_chunk - zs.avail_in;
    done += out_chunk - zs.avail_out;
    if (rc == Z_STREAM_END) {
      bool another_gzip = n - used >= 2 && src[used] == 0x1f && src[used + 1] == 0x8b;
      if (!another_gzip) break;
      inflateReset(&zs);
      continue;
    }
    if (rc == Z_BUF_ERROR && used == n && zs.avail_out != 0) {
      inflateEnd(&zs);
      fail("{}: truncated compressed data (stream ends after {} input bytes)", what, n);
    }
    if (rc != Z_OK && rc != Z_BUF_ERROR) {
      std::string msg = zs.msg ? zs.msg : "error " + std::to_string(rc);
      inflateEnd(&zs);
      fail("{}: corrupt compressed data: {}", what, msg);
    }
  }
  inflateEnd(&zs);
  if (used != n) fail("{}: {} unexpected bytes after the compressed data", what, n - used);
  out.resize(done);
  return out;
}

// --- .npy ------------------------------------------------------------------------------------

// The header is a Python dict literal, e.g. {'descr': '<f4', 'fortran_order': False,
// 'shape': (10, 28), }. Values are strings, booleans or tuples of integers.
struct NpyHeader {
  std::string descr;
  bool fortran = false;
  Shape shape;
};

class HeaderParser {
 public:
  HeaderParser(const std::string& what, const std::string& text) : what_(what), s_(text) {}

  NpyHeader parse() {
    NpyHeader h;
    bool seen_descr = false, seen_order = false, seen_shape = false;
    expect('{');
    while (!peek('}')) {
      std::string key = string();
      expect(':');
      if (key == "descr") {
        if (!peek('\'') && !peek('"')) bad("unsupported dtype (structured arrays are not supported)");
        h.descr = string();
        seen_descr = true;
      } else if (key == "fortran_order") {
        h.fortran = boolean();
        seen_order = true;
      } else if (key == "shape") {
        h.shape = tuple();
        seen_shape = true;
      } else {
        bad("unknown key '" + key + "'");
      }
      if (!peek('}')) expect(',');
    }
    expect('}');
    if (!seen_descr || !seen_order || !seen_shape)
      bad("missing 'descr', 'fortran_order' or 'shape'");
    return h;
  }

 private:
  [[noreturn]] void bad(const std::string& why) {
    fail("{}: bad .npy header: {} (at offset {} of \"{}\")", what_, why, pos_, trimmed());
  }
  std::string trimmed() const {
    std::string t = s_;
    while (!t.empty() && (t.back() == ' ' || t.back() == '\n' || t.back() == '\0')) t.pop_back();
    return t;
  }
  void skip_ws() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n')) ++pos_;
  }
  bool peek(char c) {
    skip_ws();
    return pos_ < s_.size() && s_[pos_] == c;
  }
  void expect(char c) {
    if (!peek(c)) bad(std::string("expected '") + c + "'");
    ++pos_;
  }
  std::string string() {
    skip_ws();
    if (pos_ >= s_.size() || (s_[pos_] != '\'' && s_[pos_] != '"')) bad("expected a string");
    char q = s_[pos_++];
    size_t end = s_.find(q, pos_);
    if (end == std::string::npos) bad("unterminated string");
    std::string r = s_.substr(pos_, end - pos_);
    pos_ = end + 1;
    return r;
  }
  bool boolean() {
    skip_ws();
    for (const char* word : {"True", "False"}) {
      if (s_.compare(pos_, std::strlen(word), word) == 0) {
        pos_ += std::strlen(word);
        return word[0] == 'T';
      }
    }
    bad("expected True or False");
  }
  Shape tuple() {
    Shape r;
    expect('(');
    while (!peek(')')) {
      size_t start = pos_;
      int64_t v = 0;
      while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') {
        if (v > (std::numeric_limits<int64_t>::max() - 9) / 10) bad("dimension too large");
        v = v * 10 + (s_[pos_++] - '0');
      }
      if (pos_ == start) bad("expected a non-negative integer dimension");
      if (pos_ < s_.size() && s_[pos_] == 'L') ++pos_;  // Python 2 long suffix
      r.push_back(v);
      if (!peek(')')) expect(',');
    }
    expect(')');
    return r;
  }

  const std::string& what_;
  const std::string& s_;
  size_t pos_ = 0;
};

// How a numpy dtype maps onto Array's dtypes.
struct NpyType {
  DType dtype;    // stored as
  int itemsize;   // in the file
  char kind;      // 'f', 'i', 'u', 'b'
};

NpyType npy_type(const std::string& what, const std::string& descr) {
  static const std::map<std::string, NpyType> types = {
      {"f4", {DType::F32, 4, 'f'}}, {"f8", {DType::F32, 8, 'f'}}, {"i1", {DType::I8, 1, 'i'}},
      {"u1", {DType::U8, 1, 'u'}},  {"b1", {DType::U8, 1, 'b'}},  {"i2", {DType::I32, 2, 'i'}},
      {"u2", {DType::I32, 2, 'u'}}, {"i4", {DType::I32, 4, 'i'}}, {"i8", {DType::I64, 8, 'i'}},
      {"u4", {DType::I64, 4, 'u'}}};
  if (descr.size() == 3 && std::strchr("<>|=", descr[0])) {
    auto it = types.find(descr.substr(1));
    if (it != types.end()) {
      if (descr[0] == '|' && it->second.itemsize != 1)
        fail("{}: dtype '{}' has no byte order", what, descr);
      return it->second;
    }
  }
  fail("{}: unsupported dtype '{}' (supported: f4 f8 i1 u1 b1 i2 u2 i4 u4 i8)", what, descr);
}

// Reads an element of `itemsize` bytes (in file byte order) as an unsigned integer.
uint64_t read_raw(const uint8_t* p, int itemsize, bool big_endian) {
  uint64_t v = 0;
  for (int b = 0; b < itemsize; ++b) v |= uint64_t(p[big_endian ? itemsize - 1 - b : b]) << (8 * b);
  return v;
}

// Converts `count` elements from their file encoding into `out`'s dtype.
void convert(const uint8_t* src, int64_t count, const NpyType& t, bool big_endian, Array& out) {
  out.dtype = t.dtype;
  out.bytes.resize(size_t(count) * dtype_size(t.dtype));
  bool same_encoding = !big_endian && size_t(t.itemsize) == dtype_size(t.dtype) &&
                       !(t.kind == 'u' && t.itemsize > 1);
  if (same_encoding) {
    if (!out.bytes.empty()) std::memcpy(out.bytes.data(), src, out.bytes.size());
    return;
  }
  for (int64_t k = 0; k < count; ++k) {
    uint64_t raw = read_raw(src + k * t.itemsize, t.itemsize, big_endian);
    switch (t.dtype) {
      case DType::F32:
        if (t.itemsize == 8) {
          double d;
          std::memcpy(&d, &raw, 8);
          out.as_mut<float>()[k] = float(d);
        } else {
          uint32_t r32 = uint32_t(raw);
          std::memcpy(&out.as_mut<float>()[k], &r32, 4);
        }
        break;
      case DType::I8: out.as_mut<int8_t>()[k] = int8_t(raw); break;
      case DType::U8: out.as_mut<uint8_t>()[k] = uint8_t(raw); break;
      case DType::U16: out.as_mut<uint16_t>()[k] = uint16_t(raw); break;
      case DType::I16: out.as_mut<int16_t>()[k] = int16_t(raw); break;
      case DType::I32:
        // i2 sign-extends; u2 and i4 fit as they are.
        out.as_mut<int32_t>()[k] =
            t.kind == 'i' && t.itemsize == 2 ? int32_t(int16_t(raw)) : int32_t(uint32_t(raw));
        break;
      case DType::I64: out.as_mut<int64_t>()[k] = int64_t(raw); break;  // i8, or u4 zero-extended
    }
  }
}

Array parse_npy(const std::string& what, const uint8_t* p, size_t n) {
  static const char magic[] = "\x93NUMPY";
  if (n < 6 || std::memcmp(p, magic, 6) != 0) fail("{}: not a .npy file (bad magic)", what);
  if (n < 10) fail("{}: truncated: file ends inside the .npy preamble", what);
  int major = p[6];
  size_t len_bytes = major == 1 ? 2 : 4;
  if (major < 1 || major > 3) fail("{}: unsupported .npy version {}.{}", what, major, int(p[7]));
  size_t start = 8 + len_bytes;
  if (n < start) fail("{}: truncated: file ends inside the .npy preamble", what);
  size_t header_len = major == 1 ? le16(p + 8) : le32(p + 8);
  if (n - start < header_len)
    fail("{}: truncated: header says it is {} bytes, file has {} after the preamble", what,
         header_len, n - start);
  std::string text(reinterpret_cast<const char*>(p + start), header_len);
  NpyHeader h = HeaderParser(what, text).parse();
  if (h.fortran)
    fail("{}: fortran_order arrays are not supported (save with np.ascontiguousarray)", what);
  NpyType t = npy_type(what, h.descr);
  size_t offset = start + header_len;
  check_size(what, data_bytes(what, h.shape, uint64_t(t.itemsize)), n - offset);
  Array a;
  a.shape = h.shape;
  convert(p + offset, numel(h.shape), t, h.descr[0] == '>', a);
  return a;
}

// --- IDX -------------------------------------------------------------------------------------

Array parse_idx(const std::string& what, const uint8_t* p, size_t n) {
  if (n < 4 || p[0] != 0 || p[1] != 0) fail("{}: not an IDX file (bad magic)", what);
  NpyType t;
  switch (p[2]) {
    case 0x08: t = {DType::U8, 1, 'u'}; break;
    case 0x09: t = {DType::I8, 1, 'i'}; break;
    case 0x0B: t = {DType::I32, 2, 'i'}; break;
    case 0x0C: t = {DType::I32, 4, 'i'}; break;
    case 0x0D: t = {DType::F32, 4, 'f'}; break;
    case 0x0E: t = {DType::F32, 8, 'f'}; break;
    default: fail("{}: unknown IDX element type 0x{:02x}", what, p[2]);
  }
  int ndim = p[3];
  if (ndim == 0) fail("{}: IDX file with 0 dimensions", what);
  if (n < 4 + 4 * size_t(ndim))
    fail("{}: truncated: file ends inside the IDX header ({} dimensions)", what, ndim);
  Array a;
  for (int d = 0; d < ndim; ++d) a.shape.push_back(int64_t(be32(p + 4 + 4 * d)));
  size_t offset = 4 + 4 * size_t(ndim);
  check_size(what, data_bytes(what, a.shape, uint64_t(t.itemsize)), n - offset);
  convert(p + offset, numel(a.shape), t, true, a);
  return a;
}

// --- .npz (zip, read with libzip) -------------------------------------------------------------

// A read-only libzip archive over bytes in memory; closing discards it (nothing is written).
class ZipReader {
 public:
  ZipReader(const std::string& what, const Bytes& z) : what_(what), archive_bytes_(z.size()) {
    // libzip reports a file shorter than an end-of-central-directory record as "not a zip".
    if (z.size() < 22) fail("{}: truncated: too short for a zip archive", what);
    zip_error_t err;
    zip_error_init(&err);
    zip_source_t* src = zip_source_buffer_create(z.data(), z.size(), 0, &err);
    if (src) za_ = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &err);
    if (!za_) {
      if (src) zip_source_free(src);
      const bool no_eocd = zip_error_code_zip(&err) == ZIP_ER_NOZIP;
      const std::string why = zip_error_strerror(&err);
      zip_error_fini(&err);
      if (no_eocd) fail("{}: truncated or not a zip archive: no end-of-central-directory record", what);
      fail("{}: bad zip archive: {}", what, why);
    }
    zip_error_fini(&err);
  }
  ~ZipReader() { zip_discard(za_); }
  ZipReader(const ZipReader&) = delete;
  ZipReader& operator=(const ZipReader&) = delete;

  std::vector<std::string> names() const {
    std::vector<std::string> r;
    const zip_int64_t n = zip_get_num_entries(za_, 0);
    for (zip_int64_t i = 0; i < n; ++i) {
      const char* name = zip_get_name(za_, zip_uint64_t(i), ZIP_FL_ENC_RAW);
      if (!name) fail("{}: zip member {}: {}", what_, i, zip_strerror(za_));
      r.push_back(name);
    }
    return r;
  }

  // The bytes of member `index`, CRC-checked by libzip as it reads to the end.
  Bytes member(zip_uint64_t index, const std::string& name) const {
    const std::string mwhat = what_ + ": member '" + name + "'";
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat_index(za_, index, 0, &st) != 0) fail("{}: {}", mwhat, zip_strerror(za_));
    const zip_uint64_t need = ZIP_STAT_SIZE | ZIP_STAT_COMP_SIZE | ZIP_STAT_COMP_METHOD | ZIP_STAT_ENCRYPTION_METHOD;
    if ((st.valid & need) != need) fail("{}: incomplete zip directory entry", mwhat);
    if (st.encryption_method != ZIP_EM_NONE) fail("{}: encrypted zip members are not supported", mwhat);
    if (st.comp_method != ZIP_CM_STORE && st.comp_method != ZIP_CM_DEFLATE)
      fail("{}: unsupported zip compression method {} (only stored and deflated)", mwhat, st.comp_method);
    zip_file_t* f = zip_fopen_index(za_, index, 0);
    if (!f) fail("{}: {}", mwhat, zip_strerror(za_));
    // Never trust the directory's sizes for an allocation: the packed data lies in the archive
    // and deflate expands it at most ~1032:1.
    const zip_uint64_t packed = std::min<zip_uint64_t>(st.comp_size, archive_bytes_);
    Bytes out(size_t(std::min<zip_uint64_t>(st.size, packed * 1032 + 64)) + 1);
    size_t done = 0;
    while (true) {
      if (done == out.size()) out.resize(out.size() * 2);
      const zip_int64_t got = zip_fread(f, out.data() + done, out.size() - done);
      if (got < 0) {
        const bool crc = zip_error_code_zip(zip_file_get_error(f)) == ZIP_ER_CRC;
        const std::string why = zip_file_strerror(f);
        zip_fclose(f);
        if (crc) fail("{}: CRC mismatch (corrupt archive)", mwhat);
        fail("{}: corrupt member data: {}", mwhat, why);
      }
      if (got == 0) break;
      done += size_t(got);
      if (done > st.size) break;
    }
    const int rc = zip_fclose(f);
    if (rc != 0) {
      zip_error_t e;
      zip_error_init_with_code(&e, rc);
      const std::string why = zip_error_strerror(&e);
      zip_error_fini(&e);
      fail("{}: corrupt member data: {}", mwhat, why);
    }
    if (done != st.size) fail("{}: data does not match the directory's size of {} bytes", mwhat, st.size);
    out.resize(done);
    return out;
  }

 private:
  const std::string& what_;
  const zip_uint64_t archive_bytes_;
  zip_t* za_ = nullptr;
};

Array parse_npz(const std::string& what, const Bytes& z, const std::string& key) {
  ZipReader zip(what, z);
  const std::vector<std::string> members = zip.names();
  if (members.empty()) fail("{}: empty .npz archive", what);
  size_t pick = key.empty() ? 0 : members.size();
  std::string names;
  for (size_t i = 0; i < members.size(); ++i) {
    const std::string& m = members[i];
    if (pick == members.size() && (m == key || m == key + ".npy")) pick = i;
    std::string shown = m.size() > 4 && m.compare(m.size() - 4, 4, ".npy") == 0 ? m.substr(0, m.size() - 4) : m;
    names += (names.empty() ? "" : ", ") + shown;
  }
  if (pick == members.size()) fail("{}: no array '{}' (has: {})", what, key, names);
  Bytes member = zip.member(pick, members[pick]);
  return parse_npy(what + "[" + members[pick] + "]", member.data(), member.size());
}

bool is_gzip(const Bytes& b) { return b.size() >= 2 && b[0] == 0x1f && b[1] == 0x8b; }
bool is_npy(const Bytes& b) { return b.size() >= 6 && std::memcmp(b.data(), "\x93NUMPY", 6) == 0; }
bool is_zip(const Bytes& b) {
  return b.size() >= 4 && b[0] == 'P' && b[1] == 'K' &&
         ((b[2] == 3 && b[3] == 4) || (b[2] == 5 && b[3] == 6));
}

const char* npy_descr(DType t) {
  switch (t) {
    case DType::F32: return "<f4";
    case DType::I8: return "|i1";
    case DType::U8: return "|u1";
    case DType::I32: return "<i4";
    case DType::I64: return "<i8";
    case DType::U16: return "<u2";
    case DType::I16: return "<i2";
  }
  return "?";
}

}  // namespace

Array load_array(const std::string& path, const std::string& key) {
  return parse_array(read_file(path), path, key);
}

Array parse_array(const std::string& bytes, const std::string& path, const std::string& key) {
  Bytes raw(bytes.begin(), bytes.end());
  if (is_gzip(raw)) {
    // The gzip trailer holds the size mod 2^32; deflate cannot expand more than ~1032:1.
    size_t hint = raw.size() < 18 ? 0
                                  : std::min<size_t>(le32(raw.data() + raw.size() - 4) + size_t(1),
                                                     raw.size() * 1032 + 64);
    raw = gunzip(path, raw.data(), raw.size(), hint);
  }
  if (is_zip(raw)) return parse_npz(path, raw, key);
  if (!key.empty()) fail("{}: array name '{}' given, but the file is not an .npz archive", path, key);
  if (is_npy(raw)) return parse_npy(path, raw.data(), raw.size());
  if (raw.size() >= 3 && raw[0] == 0 && raw[1] == 0 && raw[2] >= 0x08 && raw[2] <= 0x0E)
    return parse_idx(path, raw.data(), raw.size());
  fail("{}: unknown file format (expected .npy, .npz or IDX, optionally gzip-compressed)", path);
}

std::string npy_bytes(const Array& a, const std::string& path) {
  uint64_t want = data_bytes(path, a.shape, dtype_size(a.dtype));
  if (a.bytes.size() != want)
    fail("{}: array has {} bytes, shape {} of {} needs {}", path, a.bytes.size(),
         shape_str(a.shape), dtype_name(a.dtype), want);
  std::string shape = "(";
  for (size_t i = 0; i < a.shape.size(); ++i) shape += std::to_string(a.shape[i]) + ", ";
  if (a.shape.size() > 1) shape.resize(shape.size() - 2);
  if (a.shape.size() == 1) shape.resize(shape.size() - 1);
  shape += ")";
  std::string header = std::string("{'descr': '") + npy_descr(a.dtype) +
                       "', 'fortran_order': False, 'shape': " + shape + ", }";
  // numpy pads the header with spaces and a newline so the data starts 64-byte aligned.
  size_t version = header.size() + 1 + 10 > 0xFFFF ? 2 : 1;
  size_t preamble = version == 1 ? 10 : 12;
  size_t total = (preamble + header.size() + 1 + 63) / 64 * 64;
  header.append(total - preamble - header.size() - 1, ' ');
  header += '\n';
  std::string out("\x93NUMPY", 6);
  out += char(version);
  out += char(0);
  size_t hl = header.size();
  out += char(hl & 0xFF);
  out += char((hl >> 8) & 0xFF);
  if (version == 2) {
    out += char((hl >> 16) & 0xFF);
    out += char((hl >> 24) & 0xFF);
  }
  out += header;
  out.append(reinterpret_cast<const char*>(a.bytes.data()), a.bytes.size());
  return out;
}

void save_npy(const std::string& path, const Array& a) { write_file_atomic(path, npy_bytes(a, path)); }

}  // namespace mote
