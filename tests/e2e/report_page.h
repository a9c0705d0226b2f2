// Helpers of the report page tests: the <svg> plots of a page, counting what they draw, and
// rendering the page in headless Chromium to a PNG whose pixels are read back with libpng.
#pragma once
#include <gtest/gtest.h>
#include <png.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "e2e/e2e_util.h"

namespace mote::test {

// The <svg ...>...</svg> element with id `id`, empty when the page has none.
inline std::string plot(const std::string& page, const std::string& id) {
  const size_t at = page.find("<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"" + id + "\"");
  if (at == std::string::npos) return "";
  const size_t end = page.find("</svg>", at);
  return end == std::string::npos ? "" : page.substr(at, end + 6 - at);
}

inline size_t count(const std::string& s, const std::string& what) {
  size_t n = 0;
  for (size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + what.size())) ++n;
  return n;
}

// The rows of a plot (its <g class="row"> groups), each row's markup.
inline std::vector<std::string> rows(const std::string& svg) {
  std::vector<std::string> r;
  const std::string open = "<g class=\"row\">";
  for (size_t at = svg.find(open); at != std::string::npos; at = svg.find(open, at + 1)) r.push_back(svg.substr(at, svg.find("</g>", at) - at));
  return r;
}

struct Screenshot {
  int width = 0, height = 0;
  std::vector<uint8_t> rgb;  // row by row, 3 bytes a pixel
  std::string log;           // what Chromium printed
};

inline const char* const kChromium = "/usr/bin/chromium";

// Renders `page` in headless Chromium (a fresh profile in `work`) at 1200 x 3000 and reads the PNG.
inline Screenshot screenshot(const fs::path& page, const fs::path& work) {
  Screenshot s;
  const fs::path png = work / "shot.png", log = work / "chromium.log";
  const std::string cmd = std::string(kChromium) +
                          " --headless --no-sandbox --disable-gpu --hide-scrollbars --force-color-profile=srgb"
                          " --enable-logging=stderr --v=0 --user-data-dir=" + (work / "profile").string() +
                          " --screenshot=" + png.string() + " --window-size=1200,3000 file://" + fs::absolute(page).string();
  const int rc = shell(cmd, log, &s.log);
  EXPECT_EQ(rc, 0) << s.log;
  png_image img{};
  img.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_file(&img, png.string().c_str())) {
    ADD_FAILURE() << "cannot read " << png << ": " << img.message << "\n" << s.log;
    return s;
  }
  img.format = PNG_FORMAT_RGB;
  s.rgb.resize(PNG_IMAGE_SIZE(img));
  if (!png_image_finish_read(&img, nullptr, s.rgb.data(), 0, nullptr)) ADD_FAILURE() << "cannot decode " << png << ": " << img.message;
  s.width = int(img.width);
  s.height = int(img.height);
  return s;
}

// Where pixels of exactly colour `rgb` (0xRRGGBB) are: how many, and the first and last row.
struct Spread {
  int64_t pixels = 0;
  int first_row = -1, last_row = -1;
};
inline Spread spread(const Screenshot& s, uint32_t rgb) {
  Spread r;
  for (int y = 0; y < s.height; ++y)
    for (int x = 0; x < s.width; ++x) {
      const uint8_t* p = &s.rgb[size_t(y * s.width + x) * 3];
      if (((uint32_t(p[0]) << 16) | (uint32_t(p[1]) << 8) | p[2]) != rgb) continue;
      ++r.pixels;
      if (r.first_row < 0) r.first_row = y;
      r.last_row = y;
    }
  return r;
}

// Pixels that are not white in rows [y0, y1).
inline int64_t ink(const Screenshot& s, int y0, int y1) {
  int64_t n = 0;
  for (int y = std::max(y0, 0); y < std::min(y1, s.height); ++y)
    for (int x = 0; x < s.width; ++x) {
      const uint8_t* p = &s.rgb[size_t(y * s.width + x) * 3];
      n += p[0] < 250 || p[1] < 250 || p[2] < 250;
    }
  return n;
}

// The page rendered: no console error, and each plot's bar colour (given in page order) drawn
// in a band of its own below the previous one's, with ink (axes, labels) in that band.
inline void expect_rendered(const fs::path& page, const std::vector<std::pair<std::string, uint32_t>>& plots_in_order) {
  ASSERT_TRUE(fs::exists(kChromium)) << kChromium << " is not installed (scripts/install-deps.sh installs it)";
  TempDir work;
  const Screenshot s = screenshot(page, work.path);
  ASSERT_EQ(s.width, 1200);
  ASSERT_EQ(s.height, 3000);
  EXPECT_EQ(s.log.find("Uncaught"), std::string::npos) << s.log;
  EXPECT_EQ(s.log.find(":CONSOLE"), std::string::npos) << s.log;
  int previous = -1;
  for (const auto& [name, rgb] : plots_in_order) {
    const Spread p = spread(s, rgb);
    EXPECT_GE(p.pixels, 50) << name << ": too few pixels of its colour";
    EXPECT_GT(p.first_row, previous) << name << " is not below the plot before it";
    EXPECT_GT(ink(s, p.first_row, p.last_row + 1), p.pixels) << name << ": nothing drawn but its bars";
    previous = p.first_row;
  }
}

}  // namespace mote::test
