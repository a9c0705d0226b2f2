#include "report/svg.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace mote::svg {

namespace {

constexpr double kWidth = 960, kRight = 120, kTop = 54, kBottom = 46;
constexpr size_t kMaxLabel = 40;  // longer row labels are cut (the tooltip keeps them whole)

std::string cut(const std::string& s) { return s.size() <= kMaxLabel ? s : s.substr(0, kMaxLabel - 3) + "..."; }

}  // namespace

std::string escape(const std::string& s) {
  std::string r;
  r.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': r += "&amp;"; break;
      case '<': r += "&lt;"; break;
      case '>': r += "&gt;"; break;
      case '"': r += "&quot;"; break;
      case '\'': r += "&#39;"; break;
      default: r += c;
    }
  }
  return r;
}

std::string num(double v, int digits) {
  std::string s = fmt::format("{:.{}f}", v, digits);
  if (s.find('.') != std::string::npos) {
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
  }
  return s == "-0" ? "0" : s;
}

std::string grouped(int64_t v) {
  const std::string d = std::to_string(v < 0 ? -v : v);
  std::string r;
  for (size_t i = 0; i < d.size(); ++i) {
    if (i && (d.size() - i) % 3 == 0) r += ',';
    r += d[i];
  }
  return (v < 0 ? "-" : "") + r;
}

std::vector<double> ticks(double max, int n) {
  if (!(max > 0)) return {0, 1};
  const double raw = max / n;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = 10 * mag;
  for (double m : {1.0, 2.0, 5.0})
    if (m * mag >= raw) {
      step = m * mag;
      break;
    }
  std::vector<double> t;
  for (int k = 0; k * step < max * (1 + 1e-9); ++k) t.push_back(k * step);
  if (t.back() < max * (1 - 1e-9)) t.push_back(double(t.size()) * step);
  return t;
}

Frame::Frame(std::string id, std::string title, std::vector<std::string> rows, double max, std::string axis_label,
             std::function<std::string(double)> tick_text, double row_height)
    : id_(std::move(id)), title_(std::move(title)), axis_label_(std::move(axis_label)), rows_(std::move(rows)),
      row_items_(rows_.size()), max_(ticks(max).back()), row_height_(row_height), tick_text_(std::move(tick_text)) {
  size_t longest = 0;
  for (const std::string& r : rows_) longest = std::max(longest, cut(r).size());
  // About 7 px a character at the page's 12 px sans-serif.
  left_ = std::clamp(7.0 * double(longest) + 16, 80.0, 320.0);
}

double Frame::x(double v) const { return left_ + (kWidth - left_ - kRight) * std::clamp(v / max_, 0.0, 1.0); }
double Frame::y(size_t row, double f) const { return kTop + row_height_ * (double(row) + f); }

void Frame::box(size_t row, double v0, double v1, double f0, double f1, const std::string& cls, const std::string& tip) {
  const double x0 = x(v0), x1 = x(v1);
  row_items_.at(row) += fmt::format("<rect class=\"{}\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"><title>{}</title></rect>", cls,
                                    num(x0, 1), num(y(row, f0), 1), num(std::max(x1 - x0, 1.0), 1),
                                    num(row_height_ * (f1 - f0), 1), escape(tip));
}

void Frame::text(size_t row, double v, double f, const std::string& s) {
  row_items_.at(row) +=
      fmt::format("<text class=\"val\" x=\"{}\" y=\"{}\">{}</text>", num(x(v) + 4, 1), num(y(row, f) + 4, 1), escape(s));
}

void Frame::marker(double v, const std::string& label) {
  const double xv = x(v), bottom = y(rows_.size(), 0);
  over_ += fmt::format("<line class=\"mark\" x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\"/>", num(xv, 1), num(kTop - 4, 1), num(bottom, 1));
  over_ += fmt::format("<text class=\"mark\" x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>", num(xv - 3, 1), num(kTop - 6, 1),
                       escape(label));
}

void Frame::legend(const std::string& cls, const std::string& name) {
  over_ += fmt::format("<rect class=\"swatch {}\" x=\"{}\" y=\"26\" width=\"10\" height=\"10\"/>", cls, num(legend_x_, 1));
  over_ += fmt::format("<text class=\"leg\" x=\"{}\" y=\"35\">{}</text>", num(legend_x_ + 14, 1), escape(name));
  legend_x_ += 14 + 7.0 * double(name.size()) + 18;
}

std::string Frame::str() const {
  const double bottom = y(rows_.size(), 0), height = bottom + kBottom;
  std::string s = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"{0}\" class=\"plot\" width=\"{1}\" height=\"{2}\" viewBox=\"0 0 {1} {2}\" "
      "role=\"img\" aria-label=\"{3}\">\n<text class=\"title\" x=\"8\" y=\"18\">{3}</text>\n",
      escape(id_), num(kWidth), num(height, 1), escape(title_));
  // The value axis: grid lines across the rows, tick labels and the axis name below.
  s += "<g class=\"axis\">";
  for (double t : ticks(max_)) {
    const double xt = x(t);
    s += fmt::format("<line class=\"grid\" x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\"/>", num(xt, 1), num(kTop, 1), num(bottom + 4, 1));
    s += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>", num(xt, 1), num(bottom + 17, 1), escape(tick_text_(t)));
  }
  s += fmt::format("<line class=\"axisline\" x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\"/>", num(left_, 1), num(bottom, 1),
                   num(x(max_), 1));
  s += fmt::format("<line class=\"axisline\" x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\"/>", num(left_, 1), num(kTop, 1), num(bottom, 1));
  s += fmt::format("<text class=\"axisname\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text></g>\n",
                   num((left_ + x(max_)) / 2, 1), num(bottom + 36, 1), escape(axis_label_));
  for (size_t r = 0; r < rows_.size(); ++r)
    s += fmt::format("<g class=\"row\"><text class=\"rl\" x=\"{}\" y=\"{}\" text-anchor=\"end\">{}<title>{}</title></text>{}</g>\n",
                     num(left_ - 6, 1), num(y(r, 0.5) + 4, 1), escape(cut(rows_[r])), escape(rows_[r]), row_items_[r]);
  return s + over_ + "</svg>\n";
}

std::string bar_chart(const Bars& b) {
  double max = 0;
  for (const Series& s : b.series)
    for (const auto& v : s.values)
      if (v) max = std::max(max, *v);
  // Rows grow with the series so that each bar keeps room for its value's text.
  Frame f(b.id, b.title, b.rows, max, b.axis_label, b.value_text, 8 + 14 * double(std::max<size_t>(b.series.size(), 1)));
  const double n = double(b.series.size()), gap = 0.15, each = (1 - 2 * gap) / std::max(n, 1.0);
  for (size_t k = 0; k < b.series.size(); ++k) {
    const Series& s = b.series[k];
    if (b.series.size() > 1) f.legend(s.cls, s.name);
    for (size_t r = 0; r < b.rows.size() && r < s.values.size(); ++r) {
      if (!s.values[r]) continue;
      const double f0 = gap + each * double(k);
      f.box(r, 0, *s.values[r], f0, f0 + each, "bar " + s.cls, b.tip(r, k));
      f.text(r, *s.values[r], f0 + each / 2, b.value_text(*s.values[r]));
    }
  }
  return f.str();
}

std::string scatter(const Scatter& sc) {
  constexpr double left = 80, height = 340;
  const double plot_h = height - kTop - kBottom;
  double xmax = 0, ymin = 0, ymax = 0;
  for (size_t k = 0; k < sc.points.size(); ++k) {
    const Point& p = sc.points[k];
    xmax = std::max(xmax, p.x);
    ymin = k ? std::min(ymin, p.y) : p.y;
    ymax = k ? std::max(ymax, p.y) : p.y;
  }
  const std::vector<double> xt = ticks(xmax);
  // y ticks from a round value under the lowest point: the spread between points is what matters.
  const std::vector<double> span = ticks(std::max(ymax - ymin, 1e-9));
  const double ystep = span.size() > 1 ? span[1] : 1, y0 = std::floor(ymin / ystep) * ystep;
  std::vector<double> yt;
  for (double v = y0; v < ymax + ystep * (1 - 1e-9) || yt.size() < 2; v += ystep) yt.push_back(v);
  const double x1 = xt.back(), y1 = yt.back();
  auto px = [&](double v) { return left + (kWidth - left - kRight) * v / x1; };
  auto py = [&](double v) { return kTop + plot_h * (1 - (v - y0) / (y1 - y0)); };
  std::string s = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"{0}\" class=\"plot\" width=\"{1}\" height=\"{2}\" viewBox=\"0 0 {1} {2}\" "
      "role=\"img\" aria-label=\"{3}\">\n<text class=\"title\" x=\"8\" y=\"18\">{3}</text>\n<g class=\"axis\">",
      escape(sc.id), num(kWidth), num(height), escape(sc.title));
  for (double t : xt)
    s += fmt::format("<line class=\"grid\" x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\"/><text x=\"{0}\" y=\"{3}\" text-anchor=\"middle\">{4}</text>",
                     num(px(t), 1), num(kTop, 1), num(kTop + plot_h + 4, 1), num(kTop + plot_h + 17, 1), escape(sc.x_text(t)));
  for (double t : yt)
    s += fmt::format("<line class=\"grid\" x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\"/><text x=\"{3}\" y=\"{4}\" text-anchor=\"end\">{5}</text>",
                     num(left - 4, 1), num(py(t), 1), num(px(x1), 1), num(left - 7, 1), num(py(t) + 4, 1), escape(sc.y_text(t)));
  s += fmt::format("<line class=\"axisline\" x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\"/><line class=\"axisline\" x1=\"{0}\" y1=\"{3}\" x2=\"{0}\" y2=\"{1}\"/>",
                   num(left, 1), num(kTop + plot_h, 1), num(px(x1), 1), num(kTop, 1));
  s += fmt::format("<text class=\"axisname\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>", num((left + px(x1)) / 2, 1),
                   num(kTop + plot_h + 36, 1), escape(sc.x_label));
  s += fmt::format("<text class=\"axisname\" x=\"14\" y=\"{0}\" text-anchor=\"middle\" transform=\"rotate(-90 14 {0})\">{1}</text></g>\n",
                   num(kTop + plot_h / 2, 1), escape(sc.y_label));
  std::vector<size_t> line = sc.line;
  std::sort(line.begin(), line.end(), [&](size_t a, size_t b) { return sc.points.at(a).x < sc.points.at(b).x; });
  if (line.size() > 1) {
    std::string pts;
    for (size_t k : line) pts += fmt::format("{}{},{}", pts.empty() ? "" : " ", num(px(sc.points[k].x), 1), num(py(sc.points[k].y), 1));
    s += fmt::format("<polyline class=\"front\" fill=\"none\" points=\"{}\"/>\n", pts);
  }
  for (const Point& p : sc.points)
    s += fmt::format("<circle class=\"pt {}\" cx=\"{}\" cy=\"{}\" r=\"5\"><title>{}</title></circle>", p.cls, num(px(p.x), 1),
                     num(py(p.y), 1), escape(p.tip));
  return s + "\n</svg>\n";
}

}  // namespace mote::svg
