// The checkpoint file: what is written reads back; a truncated, damaged or foreign file is
// refused in one line naming it.
#include <gtest/gtest.h>

#include <fstream>

#include "train/checkpoint.h"
#include "train_test_util.h"
#include "util/error.h"

namespace mote {
namespace {

std::string error_of(const std::string& path) {
  try {
    train::read_checkpoint(path);
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

void put(const std::string& path, const std::string& bytes) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << bytes;
}

TEST(Checkpoint, RoundTripsAndRefusesDamage) {
  test::Dir d;
  const std::string p = d / "c.mote";
  std::string payload(1000, '\0');
  for (size_t k = 0; k < payload.size(); ++k) payload[k] = char(k * 7);
  train::write_checkpoint(p, payload);
  EXPECT_EQ(train::read_checkpoint(p), payload);
  const std::string file = test::slurp(p);
  put(p, file.substr(0, 500));
  EXPECT_NE(error_of(p).find(p + ": truncated checkpoint (500 of 1024 bytes)"), std::string::npos) << error_of(p);
  put(p, file.substr(0, 10));
  EXPECT_NE(error_of(p).find("truncated checkpoint"), std::string::npos) << error_of(p);
  std::string flipped = file;
  flipped[600] ^= 1;
  put(p, flipped);
  EXPECT_NE(error_of(p).find("damaged checkpoint (checksum mismatch)"), std::string::npos) << error_of(p);
  put(p, file + "x");
  EXPECT_NE(error_of(p).find("damaged checkpoint (1 bytes after its end)"), std::string::npos) << error_of(p);
  put(p, "PK\x03\x04 a zip file, not a checkpoint");
  EXPECT_NE(error_of(p).find("not a mote checkpoint"), std::string::npos) << error_of(p);
}

}  // namespace
}  // namespace mote
