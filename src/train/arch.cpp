// The built-in architectures of `mote train --arch`, built as IR graphs so that they take the
// same path as an imported model (training, ONNX output, compilation).
#include <array>
#include <cmath>
#include <random>
#include <sstream>

#include "ir/op_registry.h"
#include "train/train.h"

namespace mote::train {
namespace {

class Builder {
 public:
  Builder(const std::string& name, uint64_t seed) : rng_(seed) { g_.name = name; }

  int input(const Shape& s) {
    const int id = g_.add_value("input", DType::F32, s, s.size() == 4 ? Layout::NCHW : Layout::Any);
    g_.inputs.push_back(id);
    return id;
  }

  // PyTorch's default for Conv and Linear: weight and bias uniform in +-1/sqrt(fan_in).
  int uniform_const(const std::string& name, const Shape& s, int64_t fan_in) {
    const double bound = 1.0 / std::sqrt(double(fan_in));
    std::vector<float> v(size_t(numel(s)));
    for (float& e : v) e = float((2.0 * uniform() - 1.0) * bound);
    return g_.add_const_f32(name, s, v);
  }
  int filled_const(const std::string& name, const Shape& s, float value) {
    return g_.add_const_f32(name, s, std::vector<float>(size_t(numel(s)), value));
  }

  int node(OpKind op, const std::string& prefix, std::vector<int> inputs, Attrs a = {}) {
    const std::string name = prefix + std::to_string(++count_[prefix]);
    const int out = g_.add_value(name, DType::F32, {});
    Node& n = g_.add_node(op, name, std::move(inputs), {out}, std::move(a));
    Tensor& t = g_.t(out);
    t.shape = infer_shape(g_, n);
    t.layout = t.shape.size() == 4 ? Layout::NCHW : Layout::Any;
    return out;
  }

  int64_t channels(int x) const { return g_.t(x).shape[1]; }

  int conv(int x, int64_t out_c, int64_t k, int64_t stride, int64_t pad, int64_t group = 1) {
    return conv2d(x, out_c, {k, k}, {stride, stride}, {pad, pad}, group);
  }
  // A convolution along W only (kernel 1 x k): 1-D signals are [C, 1, T].
  int conv1d(int x, int64_t out_c, int64_t k, int64_t stride, int64_t pad) {
    return conv2d(x, out_c, {1, k}, {1, stride}, {0, pad}, 1);
  }
  // kernel, stride and pad are {along H, along W}.
  int conv2d(int x, int64_t out_c, std::array<int64_t, 2> k, std::array<int64_t, 2> stride, std::array<int64_t, 2> pad, int64_t group) {
    const int64_t in_c = channels(x), fan_in = in_c / group * k[0] * k[1];
    const std::string base = "conv" + std::to_string(count_["conv"] + 1);
    Attrs a;
    a.set("strides", std::vector<int64_t>{stride[0], stride[1]});
    a.set("dilations", std::vector<int64_t>{1, 1});
    a.set("pads", std::vector<int64_t>{pad[0], pad[1], pad[0], pad[1]});
    a.set("group", group);
    const int w = uniform_const(base + ".weight", {out_c, in_c / group, k[0], k[1]}, fan_in);
    const int b = uniform_const(base + ".bias", {out_c}, fan_in);
    return node(OpKind::Conv, "conv", {x, w, b}, a);
  }
  int fc(int x, int64_t out) {
    const int64_t in = g_.t(x).shape.back();
    const std::string base = "fc" + std::to_string(count_["fc"] + 1);
    const int w = uniform_const(base + ".weight", {out, in}, in);
    const int b = uniform_const(base + ".bias", {out}, in);
    return node(OpKind::FullyConnected, "fc", {x, w, b});
  }
  int bn(int x) {
    const int64_t c = channels(x);
    const std::string base = "bn" + std::to_string(count_["bn"] + 1);
    Attrs a;
    a.set("epsilon", 1e-5f);
    return node(OpKind::BatchNorm, "bn",
                {x, filled_const(base + ".weight", {c}, 1), filled_const(base + ".bias", {c}, 0),
                 filled_const(base + ".running_mean", {c}, 0), filled_const(base + ".running_var", {c}, 1)},
                a);
  }
  int relu(int x) { return node(OpKind::Relu, "relu", {x}); }
  int maxpool(int x, int64_t k) { return maxpool2d(x, k, k); }
  int maxpool2d(int x, int64_t kh, int64_t kw) {
    Attrs a;
    a.set("kernel", std::vector<int64_t>{kh, kw});
    a.set("strides", std::vector<int64_t>{kh, kw});
    a.set("pads", std::vector<int64_t>{0, 0, 0, 0});
    return node(OpKind::MaxPool, "pool", {x}, a);
  }
  // Global average pooling to [1, C].
  int global_pool(int x) {
    Attrs a;
    a.set("axes", std::vector<int64_t>{2, 3});
    a.set("keepdims", int64_t(1));
    return reshape(node(OpKind::ReduceMean, "gap", {x}, a), {1, channels(x)});
  }
  int reshape(int x, const Shape& s) {
    Attrs a;
    a.set("shape", s);
    return node(OpKind::Reshape, "reshape", {x}, a);
  }
  int flatten(int x) { return reshape(x, {1, g_.t(x).numel()}); }
  int add(int a, int b) { return node(OpKind::Add, "add", {a, b}); }
  int scale(int x, float s) { return node(OpKind::Mul, "scale", {x, g_.add_const_f32("input_scale", {1}, {s})}); }

  Graph finish(int out) {
    g_.outputs = {out};
    return std::move(g_);
  }

 private:
  double uniform() { return double(rng_() >> 11) * 0x1.0p-53; }

  Graph g_;
  std::mt19937_64 rng_;
  std::map<std::string, int> count_;
};

std::vector<int64_t> parse_ints(const std::string& spec, const std::string& list) {
  std::vector<int64_t> v;
  std::stringstream ss(list);
  std::string item;
  while (std::getline(ss, item, ',')) {
    size_t used = 0;
    long long n = 0;
    try {
      n = std::stoll(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != item.size() || item.empty() || n <= 0 || n > 65536) fail("--arch {}: '{}' is not a positive layer size", spec, item);
    v.push_back(n);
  }
  if (v.empty()) fail("--arch {}: no layer sizes after ':'", spec);
  return v;
}

// Image samples [H, W] or [C, H, W] as the NCHW input [1, C, H, W].
Shape image_input(const std::string& spec, const Shape& sample) {
  if (sample.size() == 2) return {1, 1, sample[0], sample[1]};
  if (sample.size() == 3) return {1, sample[0], sample[1], sample[2]};
  if (sample.size() == 4 && sample[0] == 1) return sample;
  fail("--arch {}: needs image samples [H,W] or [C,H,W], the data has samples {}", spec, shape_str(sample));
}

// Signal samples [T], [C, T] or [C, 1, T] as the NCHW input [1, C, 1, T]: time runs along W.
Shape signal_input(const std::string& spec, const Shape& sample) {
  if (sample.size() == 1) return {1, 1, 1, sample[0]};
  if (sample.size() == 2) return {1, sample[0], 1, sample[1]};
  if (sample.size() == 3 && sample[1] == 1) return {1, sample[0], 1, sample[2]};
  fail("--arch {}: needs signal samples [T], [C,T] or [C,1,T], the data has samples {}", spec, shape_str(sample));
}

// The first (and only) width of a spec "kind:C", or `fallback` without one.
int64_t width(const std::string& spec, const std::string& args, int64_t fallback) {
  if (args.empty()) return fallback;
  const std::vector<int64_t> v = parse_ints(spec, args);
  if (v.size() != 1) fail("--arch {}: takes one width after ':', not {}", spec, v.size());
  return v[0];
}

}  // namespace

Graph build_arch(const std::string& spec, const Shape& sample, int64_t classes, bool uint8_input, uint64_t seed) {
  const size_t colon = spec.find(':');
  const std::string kind = spec.substr(0, colon), args = colon == std::string::npos ? "" : spec.substr(colon + 1);
  if (colon != std::string::npos && args.empty()) fail("--arch {}: nothing after ':'", spec);
  if (classes < 1) fail("--arch {}: needs at least one class", spec);
  std::string name = kind;
  for (char& c : name)
    if (c == ':' || c == ',') c = '_';
  Builder b(name, seed);
  auto start = [&](const Shape& s) {
    const int x = b.input(s);
    return uint8_input ? b.scale(x, 1.0f / 255) : x;
  };
  if (kind == "mlp") {
    // mlp:300,100 is LeNet-300-100.
    Shape in = {1};
    in.insert(in.end(), sample.begin(), sample.end());
    int x = b.flatten(start(in));
    for (int64_t h : parse_ints(spec, args.empty() ? "300,100" : args)) x = b.relu(b.fc(x, h));
    return b.finish(b.fc(x, classes));
  }
  const bool takes_width = kind == "dscnn" || kind == "autoencoder" || kind == "mobilenet" || kind == "cnn1d";
  if (!args.empty() && !takes_width) fail("--arch {}: {} takes no arguments", spec, kind);
  if (kind == "lenet5") {
    int x = start(image_input(spec, sample));
    x = b.maxpool(b.relu(b.conv(x, 6, 5, 1, 2)), 2);
    x = b.maxpool(b.relu(b.conv(x, 16, 5, 1, 0)), 2);
    x = b.relu(b.fc(b.flatten(x), 120));
    x = b.relu(b.fc(x, 84));
    return b.finish(b.fc(x, classes));
  }
  if (kind == "dscnn") {
    // The MLPerf Tiny keyword-spotting DS-CNN: a strided conv, four depthwise-separable blocks.
    const int64_t c = args.empty() ? 64 : parse_ints(spec, args).at(0);
    int x = b.relu(b.bn(b.conv(start(image_input(spec, sample)), c, 3, 2, 1)));
    for (int k = 0; k < 4; ++k) {
      x = b.relu(b.bn(b.conv(x, c, 3, 1, 1, c)));
      x = b.relu(b.bn(b.conv(x, c, 1, 1, 0)));
    }
    return b.finish(b.fc(b.global_pool(x), classes));
  }
  if (kind == "mobilenet") {
    // MobileNet-v1's shape for small always-on frames: a strided 3x3 conv to C channels, then
    // depthwise-separable blocks that alternate stride 1 and stride 2 (doubling the channels)
    // down to 1/16 of the frame (6x6 at 96x96), global average pool, FC. The largest
    // activations are the first 48x48xC maps (18 KB at C = 8), small enough for a 64 KB part.
    const int64_t c = width(spec, args, 8);
    const Shape in = image_input(spec, sample);
    if (in[2] < 16 || in[3] < 16) fail("--arch {}: needs frames of at least 16x16, the data has {}x{}", spec, in[2], in[3]);
    int x = b.relu(b.bn(b.conv(start(in), c, 3, 2, 1)));
    int64_t ch = c;
    for (int64_t stride : {1, 2, 1, 2, 1, 2, 1}) {
      if (stride == 2) ch *= 2;
      x = b.relu(b.bn(b.conv(x, b.channels(x), 3, stride, 1, b.channels(x))));
      x = b.relu(b.bn(b.conv(x, ch, 1, 1, 0)));
    }
    return b.finish(b.fc(b.global_pool(x), classes));
  }
  if (kind == "cnn1d") {
    // A 1-D CNN over time: a strided 1x7 conv to C channels, four 1x5 convs each followed by a
    // max pool of 2 (the channels doubling twice), a 1x3 conv, global average pool, FC. Each
    // last feature sees 221 samples (1.8 s at 125 Hz: one or two R-R intervals); the average
    // pool over the window turns their beat-by-beat findings into rates and irregularity.
    const int64_t c = width(spec, args, 16);
    const Shape in = signal_input(spec, sample);
    if (in[3] < 32) fail("--arch {}: needs signals of at least 32 samples, the data has {}", spec, in[3]);
    int x = b.relu(b.bn(b.conv1d(start(in), c, 7, 2, 3)));
    for (int64_t ch : {c, 2 * c, 2 * c, 4 * c}) x = b.maxpool2d(b.relu(b.bn(b.conv1d(x, ch, 5, 1, 2))), 1, 2);
    x = b.relu(b.bn(b.conv1d(x, 4 * c, 3, 1, 1)));
    return b.finish(b.fc(b.global_pool(x), classes));
  }
  if (kind == "resnet8") {
    // The MLPerf Tiny image-classification ResNet-8: three residual stacks of 16, 32, 64.
    int x = b.relu(b.bn(b.conv(start(image_input(spec, sample)), 16, 3, 1, 1)));
    for (int64_t c : {16, 32, 64}) {
      const int64_t stride = c == 16 ? 1 : 2;
      int y = b.relu(b.bn(b.conv(x, c, 3, stride, 1)));
      y = b.bn(b.conv(y, c, 3, 1, 1));
      const int shortcut = stride == 1 ? x : b.conv(x, c, 1, stride, 0);
      x = b.relu(b.add(y, shortcut));
    }
    return b.finish(b.fc(b.global_pool(x), classes));
  }
  if (kind == "autoencoder") {
    // The MLPerf Tiny anomaly-detection autoencoder: 4 x 128, a bottleneck, 4 x 128, the input
    // again.
    const int64_t bottleneck = args.empty() ? 8 : parse_ints(spec, args).at(0);
    Shape in = {1};
    in.insert(in.end(), sample.begin(), sample.end());
    int x = b.flatten(start(in));
    const int64_t features = numel(in);
    for (int64_t h : {128, 128, 128, 128}) x = b.relu(b.bn(b.fc(x, h)));
    x = b.relu(b.bn(b.fc(x, bottleneck)));
    for (int64_t h : {128, 128, 128, 128}) x = b.relu(b.bn(b.fc(x, h)));
    x = b.fc(x, features);
    return b.finish(b.reshape(x, in));
  }
  fail("--arch {}: unknown architecture '{}' (known: mlp:H1,H2,..., lenet5, dscnn[:C], mobilenet[:C], cnn1d[:C], resnet8, autoencoder[:B])", spec, kind);
}

}  // namespace mote::train
