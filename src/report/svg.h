// Small helpers for the report page's inline SVG plots: escaping, deterministic number text, and
// one chart shape, rows of labelled boxes over a value axis (bars, or the arena's buffers).
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace mote::svg {

// `s` safe as HTML or SVG text and inside a quoted attribute.
std::string escape(const std::string& s);
// At most `digits` decimals, trailing zeros dropped: the same text for the same value everywhere.
std::string num(double v, int digits = 2);
// 1234567 -> "1,234,567".
std::string grouped(int64_t v);
// Axis ticks from 0 to at least `max` in steps of 1, 2 or 5 times a power of ten, about `n` of them.
std::vector<double> ticks(double max, int n = 5);

// A chart of rows (one per category, labelled on the left) over a value axis from 0 at the bottom.
// Boxes and texts are placed in value units along the axis and in fractions of a row across it.
class Frame {
 public:
  Frame(std::string id, std::string title, std::vector<std::string> rows, double max, std::string axis_label,
        std::function<std::string(double)> tick_text, double row_height = 22);
  // A box over [v0, v1) in row `row`, from fraction f0 to f1 of the row's height; `tip` is its
  // tooltip (an SVG <title>).
  void box(size_t row, double v0, double v1, double f0, double f1, const std::string& cls, const std::string& tip);
  // Text just after value `v` in row `row`, centred on fraction `f`.
  void text(size_t row, double v, double f, const std::string& s);
  // A vertical line across all rows at value `v`, labelled above the rows.
  void marker(double v, const std::string& label);
  // A legend entry under the title, after the ones before: a swatch of class `cls` and its name.
  void legend(const std::string& cls, const std::string& name);
  std::string str() const;

 private:
  double x(double v) const;
  double y(size_t row, double f) const;

  std::string id_, title_, axis_label_;
  std::vector<std::string> rows_;
  std::vector<std::string> row_items_;  // per row: its boxes and texts
  std::string over_;                    // markers and legend, drawn above the rows
  double max_ = 1, left_ = 0, row_height_ = 22;
  double legend_x_ = 8;  // where the next legend entry goes
  std::function<std::string(double)> tick_text_;
};

// Bars side by side in each row, one per series (absent values draw nothing).
struct Series {
  std::string name, cls;
  std::vector<std::optional<double>> values;  // one per row
};
struct Bars {
  std::string id, title, axis_label;
  std::vector<std::string> rows;
  std::vector<Series> series;
  std::function<std::string(double)> value_text;  // the text after each bar and on the ticks
  std::function<std::string(size_t row, size_t series)> tip;  // tooltip of each bar
};
std::string bar_chart(const Bars& b);

// Points over two value axes (x from 0, y over the points' range), the points of `line` joined
// in x order (a Pareto front).
struct Point {
  double x = 0, y = 0;
  std::string cls, tip;
};
struct Scatter {
  std::string id, title, x_label, y_label;
  std::vector<Point> points;
  std::vector<size_t> line;
  std::function<std::string(double)> x_text, y_text;  // tick texts
};
std::string scatter(const Scatter& s);

}  // namespace mote::svg
