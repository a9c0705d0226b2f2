// Data-file IO: .npy / .npz / IDX files written by numpy and Python (tests/data/gen_io.py),
// round trips through save_npy, the real Fashion-MNIST test set, and malformed files.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <numeric>

#include "io/array.h"
#include "require.h"

namespace fs = std::filesystem;
using mote::Array;
using mote::DType;
using mote::Shape;

namespace {

std::string io_file(const std::string& name) { return std::string(MOTE_TEST_DATA) + "/io/" + name; }

std::string read_bytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(bytes.data(), std::streamsize(bytes.size()));
}

template <typename T>
std::vector<T> values(const Array& a) {
  return std::vector<T>(a.as<T>(), a.as<T>() + a.numel());
}

class ArrayIoFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::path(::testing::TempDir()) / (std::string("mote_io_") + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  // Loading `bytes` written to `name` must throw a mote::Error naming the file and `problem`.
  void expect_error(const std::string& name, const std::string& bytes, const std::string& problem,
                    const std::string& key = "") {
    write_bytes(path(name), bytes);
    try {
      mote::load_array(path(name), key);
      ADD_FAILURE() << name << ": loaded without error, expected '" << problem << "'";
    } catch (const mote::Error& e) {
      std::string msg = e.what();
      EXPECT_NE(msg.find(path(name)), std::string::npos) << msg;
      EXPECT_EQ(msg.find('\n'), std::string::npos) << "not one line: " << msg;
      EXPECT_NE(msg.find(problem), std::string::npos) << "expected '" << problem << "' in: " << msg;
    }
  }

  fs::path dir_;
};

}  // namespace

TEST(ArrayIo, NumpyFloat32) {
  Array a = mote::load_array(io_file("f4.npy"));
  EXPECT_EQ(a.dtype, DType::F32);
  EXPECT_EQ(a.shape, (Shape{2, 3, 4}));
  std::vector<float> v = values<float>(a);
  for (int k = 0; k < 24; ++k) EXPECT_EQ(v[size_t(k)], float(k) * 0.5f - 3.0f) << k;
  EXPECT_EQ(a.get_f32(23), 8.5f);
}

TEST(ArrayIo, NumpyFloat64ConvertedToFloat32) {
  Array a = mote::load_array(io_file("f8.npy"));
  EXPECT_EQ(a.dtype, DType::F32);
  EXPECT_EQ(a.shape, (Shape{4}));
  EXPECT_EQ(values<float>(a), (std::vector<float>{0.1f, -2.5f, 1e10f, 3.0f}));
}

TEST(ArrayIo, NumpyIntegerDtypes) {
  Array u1 = mote::load_array(io_file("u1.npy"));
  EXPECT_EQ(u1.dtype, DType::U8);
  EXPECT_EQ(u1.shape, (Shape{3, 4}));
  std::vector<uint8_t> want_u1(12);
  for (int k = 0; k < 12; ++k) want_u1[size_t(k)] = uint8_t(k * 20);
  EXPECT_EQ(values<uint8_t>(u1), want_u1);
  EXPECT_EQ(u1.get_f32(11), 220.0f);

  Array i1 = mote::load_array(io_file("i1.npy"));
  EXPECT_EQ(i1.dtype, DType::I8);
  EXPECT_EQ(values<int8_t>(i1), (std::vector<int8_t>{-128, -1, 0, 1, 127, 5}));
  EXPECT_EQ(i1.get_f32(0), -128.0f);

  Array i4 = mote::load_array(io_file("i4.npy"));
  EXPECT_EQ(i4.dtype, DType::I32);
  EXPECT_EQ(i4.shape, (Shape{2, 2}));
  EXPECT_EQ(values<int32_t>(i4), (std::vector<int32_t>{INT32_MIN, -1, 7, INT32_MAX}));

  Array i8 = mote::load_array(io_file("i8.npy"));
  EXPECT_EQ(i8.dtype, DType::I64);
  EXPECT_EQ(values<int64_t>(i8), (std::vector<int64_t>{-(int64_t(1) << 40), -1, 0, (int64_t(1) << 40) + 3}));
  EXPECT_EQ(i8.get_f32(3), float((int64_t(1) << 40) + 3));
}

TEST(ArrayIo, NumpyScalarBigEndianAndHeaderVersions) {
  Array s = mote::load_array(io_file("scalar.npy"));
  EXPECT_EQ(s.shape, Shape{});
  EXPECT_EQ(s.numel(), 1);
  EXPECT_EQ(s.get_f32(0), 3.5f);

  Array be = mote::load_array(io_file("big_endian.npy"));
  EXPECT_EQ(be.dtype, DType::F32);
  EXPECT_EQ(values<float>(be), (std::vector<float>{1.5f, -2.0f, 1e-3f}));

  for (const char* name : {"v2.npy", "v3.npy"}) {
    Array a = mote::load_array(io_file(name));
    EXPECT_EQ(a.dtype, DType::I32) << name;
    EXPECT_EQ(values<int32_t>(a), (std::vector<int32_t>{-2, -1, 0, 1, 2})) << name;
  }
}

TEST(ArrayIo, FortranOrderRejected) {
  try {
    mote::load_array(io_file("fortran.npy"));
    FAIL() << "fortran_order array loaded";
  } catch (const mote::Error& e) {
    EXPECT_NE(std::string(e.what()).find("fortran.npy: fortran_order"), std::string::npos) << e.what();
  }
}

TEST(ArrayIo, NpzStoredDeflatedAndZip64) {
  for (const char* name : {"two.npz", "two_compressed.npz", "zip64.npz"}) {
    SCOPED_TRACE(name);
    Array x = mote::load_array(io_file(name), "x");
    EXPECT_EQ(x.dtype, DType::F32);
    EXPECT_EQ(x.shape, (Shape{2, 3}));
    EXPECT_EQ(values<float>(x), (std::vector<float>{-1.0f, -0.6f, -0.2f, 0.2f, 0.6f, 1.0f}));
    Array y = mote::load_array(io_file(name), "y.npy");
    EXPECT_EQ(y.dtype, DType::I64);
    EXPECT_EQ(values<int64_t>(y), (std::vector<int64_t>{3, 1, 4, 1}));
    // No key: the first member.
    EXPECT_EQ(mote::load_array(io_file(name)).bytes, x.bytes);
    try {
      mote::load_array(io_file(name), "z");
      ADD_FAILURE() << "missing member loaded";
    } catch (const mote::Error& e) {
      EXPECT_NE(std::string(e.what()).find("no array 'z' (has: x, y)"), std::string::npos) << e.what();
    }
  }
}

TEST(ArrayIo, IdxPlainAndGzip) {
  Array a = mote::load_array(io_file("small-idx3-ubyte"));
  EXPECT_EQ(a.dtype, DType::U8);
  EXPECT_EQ(a.shape, (Shape{2, 3, 4}));
  for (int k = 0; k < 24; ++k) EXPECT_EQ(a.as<uint8_t>()[k], uint8_t(k * 10 % 256)) << k;
  Array gz = mote::load_array(io_file("small-idx3-ubyte.gz"));
  EXPECT_EQ(gz.shape, a.shape);
  EXPECT_EQ(gz.bytes, a.bytes);

  Array i = mote::load_array(io_file("small-idx2-int"));
  EXPECT_EQ(i.dtype, DType::I32);
  EXPECT_EQ(i.shape, (Shape{2, 2}));
  EXPECT_EQ(values<int32_t>(i), (std::vector<int32_t>{-5, 70000, 0, INT32_MIN}));
}

TEST(ArrayIo, FashionMnistTestSet) {
  const std::string dir = "/usr/share/datasets/fashion-mnist/";
  MOTE_REQUIRE(fs::exists(dir + "t10k-labels-idx1-ubyte.gz")) << "no " << dir;
  Array labels = mote::load_array(dir + "t10k-labels-idx1-ubyte.gz");
  EXPECT_EQ(labels.dtype, DType::U8);
  ASSERT_EQ(labels.shape, (Shape{10000}));
  EXPECT_EQ(std::vector<uint8_t>(labels.as<uint8_t>(), labels.as<uint8_t>() + 10),
            (std::vector<uint8_t>{9, 2, 1, 1, 6, 1, 4, 6, 5, 7}));
  std::vector<int> per_class(10, 0);
  for (int64_t k = 0; k < labels.numel(); ++k) {
    ASSERT_LT(labels.as<uint8_t>()[k], 10);
    ++per_class[labels.as<uint8_t>()[k]];
  }
  EXPECT_EQ(per_class, std::vector<int>(10, 1000));

  Array images = mote::load_array(dir + "t10k-images-idx3-ubyte.gz");
  EXPECT_EQ(images.dtype, DType::U8);
  ASSERT_EQ(images.shape, (Shape{10000, 28, 28}));
  const uint8_t* px = images.as<uint8_t>();
  EXPECT_EQ(std::accumulate(px, px + 784, int64_t(0)), 33456);
  EXPECT_EQ(std::accumulate(px + 9999 * 784, px + 10000 * 784, int64_t(0)), 24390);
  EXPECT_EQ(std::accumulate(px, px + images.numel(), int64_t(0)), 573469082);
  EXPECT_EQ(images.get_f32(14 * 28 + 14), 110.0f);
}

TEST_F(ArrayIoFiles, RoundTripMatchesNumpyBytes) {
  // save_npy of what we loaded reproduces numpy's file byte for byte (header, padding, data).
  for (const char* name : {"f4.npy", "u1.npy", "i1.npy", "i4.npy", "i8.npy", "scalar.npy"}) {
    Array a = mote::load_array(io_file(name));
    mote::save_npy(path(name), a);
    EXPECT_EQ(read_bytes(path(name)), read_bytes(io_file(name))) << name;
    EXPECT_FALSE(fs::exists(path(name) + ".tmp")) << name;
  }
}

TEST_F(ArrayIoFiles, RoundTripEveryDtypeAndShape) {
  struct Case {
    DType dtype;
    Shape shape;
  };
  for (const Case& c : {Case{DType::F32, {3, 1, 5}}, Case{DType::I8, {7}}, Case{DType::U8, {2, 0, 3}},
                        Case{DType::I32, {4, 4}}, Case{DType::I64, {}}}) {
    SCOPED_TRACE(mote::dtype_name(c.dtype));
    Array a;
    a.dtype = c.dtype;
    a.shape = c.shape;
    a.bytes.resize(size_t(a.numel()) * mote::dtype_size(c.dtype));
    for (size_t k = 0; k < a.bytes.size(); ++k) a.bytes[k] = uint8_t(k * 37 + 11);
    mote::save_npy(path("a.npy"), a);
    std::string file = read_bytes(path("a.npy"));
    EXPECT_EQ((file.size() - a.bytes.size()) % 64, 0u);  // data starts 64-byte aligned
    Array b = mote::load_array(path("a.npy"));
    EXPECT_EQ(b.dtype, a.dtype);
    EXPECT_EQ(b.shape, a.shape);
    EXPECT_EQ(b.bytes, a.bytes);
  }
}

TEST_F(ArrayIoFiles, LongHeaderUsesVersion2) {
  Array a;
  a.dtype = DType::F32;
  a.shape = Shape(30000, 1);  // a header longer than 65535 bytes needs a 4-byte length
  float v = -7.25f;
  a.bytes.resize(4);
  std::memcpy(a.bytes.data(), &v, 4);
  mote::save_npy(path("long.npy"), a);
  std::string file = read_bytes(path("long.npy"));
  EXPECT_EQ(file[6], 2);
  Array b = mote::load_array(path("long.npy"));
  EXPECT_EQ(b.shape, a.shape);
  EXPECT_EQ(b.get_f32(0), v);
}

TEST_F(ArrayIoFiles, SaveRejectsInconsistentArray) {
  Array a;
  a.shape = {2, 2};
  a.bytes.resize(12);
  EXPECT_THROW(mote::save_npy(path("bad.npy"), a), mote::Error);
  EXPECT_FALSE(fs::exists(path("bad.npy")));
}

TEST_F(ArrayIoFiles, MalformedNpy) {
  const std::string good = read_bytes(io_file("f4.npy"));  // 128-byte preamble + 96 bytes of data
  ASSERT_EQ(good.size(), 224u);
  expect_error("trunc_data.npy", good.substr(0, 200), "truncated: header says 96 bytes of data, file has 72");
  expect_error("trunc_header.npy", good.substr(0, 40), "truncated: header says it is 118 bytes");
  expect_error("trunc_preamble.npy", good.substr(0, 9), "truncated: file ends inside the .npy preamble");
  expect_error("trailing.npy", good + "xyz", "3 unexpected bytes after the 96 bytes of data");
  std::string magic = good;
  magic[5] = 'X';
  expect_error("magic.npy", magic, "unknown file format");
  std::string version = good;
  version[6] = 4;
  expect_error("version.npy", version, "unsupported .npy version 4.0");

  auto with_header = [&](const std::string& from, const std::string& to) {
    std::string s = good;
    size_t at = s.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    s.replace(at, from.size(), to);
    return s;
  };
  expect_error("key.npy", with_header("'descr'", "'dexcr'"), "bad .npy header: unknown key 'dexcr'");
  // Found by fuzz_array: a newline inside the quoted header made a two-line message.
  expect_error("newline.npy", with_header("'descr'", "'de\ncr'"), "unknown key 'de\\x0acr'");
  expect_error("dtype.npy", with_header("'<f4'", "'<c8'"), "unsupported dtype '<c8'");
  expect_error("shape.npy", with_header("(2, 3, 4)", "(2, x, 4)"), "expected a non-negative integer");
  expect_error("bool.npy", with_header("False", "Nope!"), "expected True or False");
  expect_error("brace.npy", with_header("{", " "), "bad .npy header: expected '{'");
  expect_error("missing.npy", with_header("'fortran_order': False, ", "                       "),
               "missing 'descr', 'fortran_order' or 'shape'");
  expect_error("key_on_npy.npy", good, "not an .npz archive", "x");
}

TEST_F(ArrayIoFiles, MalformedNpz) {
  const std::string stored = read_bytes(io_file("two.npz"));
  const std::string deflated = read_bytes(io_file("two_compressed.npz"));
  expect_error("cut.npz", stored.substr(0, stored.size() / 2), "no end-of-central-directory record");
  expect_error("tiny.npz", stored.substr(0, 10), "too short for a zip archive");

  // A flipped data byte in the stored member x.npy (header of 30 + 5 + 20 bytes): CRC mismatch.
  std::string crc = stored;
  crc[55 + 140] ^= 0x40;
  expect_error("crc.npz", crc, "member 'x.npy': CRC mismatch", "x");

  // Garbage in the deflate stream of the first member.
  std::string bad_deflate = deflated;
  for (size_t k = 60; k < 80; ++k) bad_deflate[k] = char(0xFF);
  expect_error("deflate.npz", bad_deflate, "member 'x.npy'", "x");

  // The central directory pointing past the end of the file.
  std::string far = stored;
  size_t eocd = far.size() - 22;
  ASSERT_EQ(far.substr(eocd, 4), std::string("PK\x05\x06"));
  far[eocd + 19] = char(0x7F);
  expect_error("far.npz", far, "bad zip archive: Zip archive inconsistent");
}

TEST_F(ArrayIoFiles, MalformedIdxAndGzip) {
  const std::string idx = read_bytes(io_file("small-idx3-ubyte"));  // 16-byte header + 24 bytes
  expect_error("trunc-idx", idx.substr(0, 30), "truncated: header says 24 bytes of data, file has 14");
  expect_error("trunc-header-idx", idx.substr(0, 9), "file ends inside the IDX header (3 dimensions)");
  std::string type = idx;
  type[2] = 0x0A;
  expect_error("type-idx", type, "unknown IDX element type 0x0a");
  std::string magic = idx;
  magic[0] = 1;
  expect_error("magic-idx", magic, "unknown file format");

  const std::string gz = read_bytes(io_file("small-idx3-ubyte.gz"));
  expect_error("trunc.gz", gz.substr(0, gz.size() - 12), "truncated compressed data");
  std::string corrupt = gz;
  corrupt[gz.size() - 8] ^= 0x01;  // gzip trailer CRC
  expect_error("crc.gz", corrupt, "corrupt compressed data");

  try {
    mote::load_array(path("absent.npy"));
    ADD_FAILURE() << "absent file loaded";
  } catch (const mote::Error& e) {
    EXPECT_NE(std::string(e.what()).find("absent.npy: cannot open"), std::string::npos) << e.what();
  }
}

TEST(ArrayIo, GetF32OutOfRangeThrows) {
  Array a = mote::load_array(io_file("i1.npy"));
  EXPECT_THROW(a.get_f32(6), mote::Error);
  EXPECT_THROW(a.get_f32(-1), mote::Error);
}
