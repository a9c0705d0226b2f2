// The report's SVG helpers: escaping, number text, axis ticks, and what a bar chart draws.
#include <gtest/gtest.h>

#include "report/svg.h"

namespace mote::svg {
namespace {

size_t count(const std::string& s, const std::string& what) {
  size_t n = 0;
  for (size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + 1)) ++n;
  return n;
}

TEST(Svg, EscapesTheFiveMarkupCharacters) {
  EXPECT_EQ(escape("a<b>&\"c'd"), "a&lt;b&gt;&amp;&quot;c&#39;d");
  EXPECT_EQ(escape("plain /x 1.5"), "plain /x 1.5");
}

TEST(Svg, NumbersAreShortAndStable) {
  EXPECT_EQ(num(1.5), "1.5");
  EXPECT_EQ(num(2.0), "2");
  EXPECT_EQ(num(0.126, 2), "0.13");
  EXPECT_EQ(num(-0.001), "0");
  EXPECT_EQ(num(1234.5678, 1), "1234.6");
  EXPECT_EQ(grouped(-1234567), "-1,234,567");
  EXPECT_EQ(grouped(999), "999");
}

TEST(Svg, TicksReachTheMaximumInRoundSteps) {
  EXPECT_EQ(ticks(6176), (std::vector<double>{0, 2000, 4000, 6000, 8000}));
  EXPECT_EQ(ticks(100), (std::vector<double>{0, 20, 40, 60, 80, 100}));
  EXPECT_EQ(ticks(7), (std::vector<double>{0, 2, 4, 6, 8}));
  EXPECT_EQ(ticks(0), (std::vector<double>{0, 1}));
}

TEST(Svg, BarChartDrawsARowPerCategoryAndABarPerValue) {
  Bars b{"t", "Title <x>", "units", {"a", "b", "c"}, {{"one", "s1", {1.0, std::nullopt, 3.0}}, {"two", "s2", {2.0, 2.0, 2.0}}},
         [](double v) { return num(v) + " u"; }, [](size_t r, size_t k) { return std::to_string(r) + "/" + std::to_string(k); }};
  const std::string s = bar_chart(b);
  EXPECT_EQ(s.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"t\"", 0), 0u);
  EXPECT_EQ(count(s, "<g class=\"row\">"), 3u);
  EXPECT_EQ(count(s, "class=\"bar s1\""), 2u);
  EXPECT_EQ(count(s, "class=\"bar s2\""), 3u);
  EXPECT_EQ(count(s, "class=\"swatch "), 2u);  // two series: a legend
  EXPECT_NE(s.find(">3 u<"), std::string::npos);
  EXPECT_NE(s.find("<title>2/0</title>"), std::string::npos);
  EXPECT_NE(s.find("Title &lt;x&gt;"), std::string::npos);
  EXPECT_EQ(s.find("<x>"), std::string::npos);
}

}  // namespace
}  // namespace mote::svg
