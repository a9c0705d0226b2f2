// Prerequisites outside the repository (../shared, pyarmnn, packaged data sets): a test whose
// prerequisite is missing is skipped on a developer's machine but fails under CI (the CI
// environment variable is set there), where everything must be present and run.
//   MOTE_REQUIRE(fs::exists(path)) << path << " is absent";
#pragma once
#include <gtest/gtest.h>

#include <cstdlib>

namespace mote::test {

inline ::testing::TestPartResult::Type missing_prerequisite() {
  const char* ci = std::getenv("CI");
  return ci && *ci ? ::testing::TestPartResult::kFatalFailure : ::testing::TestPartResult::kSkip;
}

}  // namespace mote::test

#define MOTE_REQUIRE(cond)                                                                                   \
  if (cond) {                                                                                                \
  } else                                                                                                     \
    return GTEST_MESSAGE_AT_(__FILE__, __LINE__, "prerequisite missing: " #cond, ::mote::test::missing_prerequisite())
