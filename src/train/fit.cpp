// The training loop: mini-batches from a seeded permutation per epoch, SGD or Adam under a
// learning-rate schedule, cross entropy on logits (or MSE on targets), optionally distilled
// from a teacher and pruned on a gradual schedule; validation, early stopping, checkpoints.
//
// The loop is written for one process, but every random choice is a function of (seed, epoch)
// and each step reads one global batch: data-parallel ranks would each take a slice of it and
// all-reduce the gradients between backward and step (see README, "Training").
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <torch/optim/adam.h>
#include <torch/optim/sgd.h>
#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <memory>
#include <random>
#include <sstream>

#include <fmt/format.h>

#include "io/layout.h"
#include "ir/op_registry.h"
#include "passes/passes.h"
#include "quant/calibrate.h"
#include "train/augment.h"
#include "train/checkpoint.h"
#include "train/graph_module.h"
#include "train/progress.h"
#include "train/train.h"

namespace mote::train {
namespace {

std::atomic<bool> g_interrupted{false};
extern "C" void on_interrupt(int) { g_interrupted = true; }

// Ctrl-C during a run asks the loop to stop after its batch; the previous handler comes back.
class InterruptScope {
 public:
  InterruptScope() {
    g_interrupted = false;
    prev_ = std::signal(SIGINT, on_interrupt);
  }
  ~InterruptScope() { std::signal(SIGINT, prev_); }

 private:
  void (*prev_)(int);
};

// A permutation of [0, n) that depends only on (seed, stream).
std::vector<int64_t> permutation(int64_t n, uint64_t seed, uint64_t stream) {
  std::mt19937_64 rng(seed * 0x9E3779B97F4A7C15ull + stream);
  std::vector<int64_t> p(static_cast<size_t>(n));
  for (int64_t k = 0; k < n; ++k) p[size_t(k)] = k;
  for (int64_t k = n - 1; k > 0; --k) std::swap(p[size_t(k)], p[size_t(rng() % uint64_t(k + 1))]);
  return p;
}

constexpr uint64_t kSplitStream = ~0ull;  // the validation split's stream; epochs use 0, 1, ...

// The value the loss reads: the input of a final Softmax / LogSoftmax (cross entropy wants
// logits), else the output itself.
int loss_tensor(const Graph& g) {
  const int o = g.outputs.at(0);
  const int p = g.producer(o);
  if (p >= 0) {
    const Node& n = g.nodes[size_t(p)];
    if ((n.op == OpKind::Softmax || n.op == OpKind::LogSoftmax) && n.attrs.i("axis", -1) == int64_t(g.t(o).shape.size()) - 1)
      return n.in(0);
  }
  return o;
}

struct Tensors {
  Tensor x, labels, targets;  // labels [N] long, or targets [N, T]
};

Tensors to_tensors(const Samples& s) {
  Tensors t;
  Shape xs = {s.count};
  xs.insert(xs.end(), s.sample.begin(), s.sample.end());
  t.x = from_floats(s.x.data(), xs);
  if (s.classification()) t.labels = at::tensor(at::ArrayRef<int64_t>(s.labels), at::TensorOptions().dtype(at::kLong));
  else t.targets = from_floats(s.targets.data(), {s.count, s.count ? int64_t(s.targets.size()) / s.count : 0});
  return t;
}

// Mean loss and the number of correct predictions of a batch of logits (or outputs).
struct BatchLoss {
  Tensor loss;
  int64_t correct = 0;
};

BatchLoss hard_loss(const Tensor& out, const Tensors& data, const Tensor& rows, bool classification) {
  BatchLoss r;
  const Tensor flat = out.reshape({out.size(0), -1});
  if (classification) {
    const Tensor y = data.labels.index_select(0, rows);
    r.loss = at::cross_entropy_loss(flat, y);
    r.correct = flat.argmax(1).eq(y).sum().item<int64_t>();
  } else {
    r.loss = at::mse_loss(flat, data.targets.index_select(0, rows));
  }
  return r;
}

// Hinton et al.: T^2 KL(softmax(t/T) || softmax(s/T)), averaged over the batch.
Tensor soft_loss(const Tensor& student, const Tensor& teacher, double temp) {
  const Tensor s = at::log_softmax(student.reshape({student.size(0), -1}) / temp, 1);
  const Tensor lt = at::log_softmax(teacher.reshape({teacher.size(0), -1}) / temp, 1);
  return (lt.exp() * (lt - s)).sum(1).mean() * (temp * temp);
}

Metrics evaluate_module(GraphModule& m, int tap, const Samples& data, const Tensors& t, int64_t batch) {
  at::NoGradGuard no_grad;
  const bool was = m.training();
  m.set_training(false);
  double loss = 0;
  int64_t correct = 0;
  for (int64_t b = 0; b < data.count; b += batch) {
    const int64_t n = std::min(batch, data.count - b);
    const Tensor rows = at::arange(b, b + n, at::TensorOptions().dtype(at::kLong));
    const Tensor out = m.run({t.x.index_select(0, rows)}, {tap})[0];
    const BatchLoss l = hard_loss(out, t, rows, data.classification());
    loss += l.loss.item<double>() * double(n);
    correct += l.correct;
  }
  m.set_training(was);
  Metrics r;
  if (data.count > 0) {
    r.loss = loss / double(data.count);
    r.accuracy = double(correct) / double(data.count);
  }
  return r;
}

// The consumer's name of each parameter, for per-layer settings and messages.
std::vector<std::string> param_names(const GraphModule& m) {
  const Graph& g = m.graph();
  std::vector<std::string> names;
  for (const auto& p : m.params()) {
    const std::vector<int> users = g.consumers(p.tensor);
    names.push_back(users.empty() ? g.t(p.tensor).name : g.nodes[size_t(users[0])].name);
  }
  return names;
}

// Weight sharing of every FullyConnected and non-depthwise Conv weight at its bits.
std::vector<FitResult::Shared> share_layers(GraphModule& m, const ShareOptions& s) {
  const Graph& g = m.graph();
  std::map<std::string, int> unused = s.layers;
  std::vector<FitResult::Shared> r;
  for (const Node& n : g.nodes) {
    const bool conv = n.op == OpKind::Conv && n.attrs.i("group", 1) == 1;
    if (!(n.op == OpKind::FullyConnected || conv) || !g.t(n.in(1)).is_const()) continue;
    auto it = s.layers.find(n.name);
    const int bits = it == s.layers.end() ? s.bits : it->second;
    unused.erase(n.name);
    if (bits == 0) continue;
    for (size_t k = 0; k < m.params().size(); ++k)
      if (m.params()[k].tensor == n.in(1)) {
        const auto [entries, pinned] = m.share(k, bits);
        r.push_back({n.name, bits, g.t(n.in(1)).numel(), entries, pinned});
      }
  }
  if (!unused.empty()) fail("--layer-bits {}: no FullyConnected or Conv layer of that name in '{}'", unused.begin()->first, g.name);
  if (r.empty()) fail("weight sharing: model '{}' has no FullyConnected or Conv weights to share", g.name);
  return r;
}

// Zhu & Gupta's gradual magnitude pruning on the module's prunable parameters.
class Pruner {
 public:
  Pruner(GraphModule& m, const PruneSchedule& s, int64_t total_steps, int64_t steps_per_epoch) : m_(m), s_(s) {
    const std::vector<std::string> names = param_names(m);
    for (size_t k = 0; k < m.params().size(); ++k)
      if (m.params()[k].prunable) {
        layers_.push_back(k);
        double target = s.sparsity;
        if (auto it = s.layers.find(names[k]); it != s.layers.end()) target = it->second;
        targets_.push_back(target);
        auto& p = m.params()[k];
        if (!p.mask.defined()) p.mask = at::ones_like(p.value, at::TensorOptions().requires_grad(false));
      }
    for (const auto& [name, v] : s.layers) {
      bool known = false;
      for (size_t k : layers_) known = known || names[k] == name;
      if (!known) fail("prune: no prunable layer '{}' (Conv, FullyConnected, TransposeConv or recurrent node)", name);
    }
    if (layers_.empty()) fail("prune: model '{}' has no prunable weights", m.graph().name);
    t0_ = int64_t(std::floor(s.start * double(total_steps)));
    t1_ = std::max(t0_, int64_t(std::floor(s.end * double(total_steps))));
    every_ = s.every > 0 ? s.every : std::max<int64_t>(1, steps_per_epoch / 4);
  }

  // The fraction of `target` reached at `step`.
  double progress(int64_t step) const {
    if (step < t0_) return 0;
    if (step >= t1_) return 1;
    const double f = 1.0 - double(step - t0_) / double(t1_ - t0_);
    return 1.0 - f * f * f;
  }
  bool reached(int64_t step) const { return step >= t1_; }

  // Before the optimizer step `step`: new masks on the schedule's steps. True when it pruned.
  bool update(int64_t step) {
    if (step < t0_ || step > t1_ || ((step - t0_) % every_ != 0 && step != t1_)) return false;
    at::NoGradGuard no_grad;
    const double f = progress(step);
    if (s_.global) {
      std::vector<Tensor> mags;
      for (size_t k : layers_) mags.push_back((m_.params()[k].value * m_.params()[k].mask).abs().flatten());
      const Tensor all = at::cat(mags);
      const int64_t prune = int64_t(std::floor(f * s_.sparsity * double(all.numel())));
      Tensor keep = at::ones_like(all);
      if (prune > 0) keep.index_fill_(0, std::get<1>(at::topk(all, prune, 0, false, false)), 0.0);
      int64_t at_ = 0;
      for (size_t k : layers_) {
        auto& p = m_.params()[k];
        p.mask.copy_(keep.narrow(0, at_, p.value.numel()).view_as(p.value));
        at_ += p.value.numel();
        p.value.mul_(p.mask);
      }
      return true;
    }
    for (size_t i = 0; i < layers_.size(); ++i) {
      auto& p = m_.params()[layers_[i]];
      const Tensor mag = (p.value * p.mask).abs().flatten();
      const int64_t prune = int64_t(std::floor(f * targets_[i] * double(mag.numel())));
      Tensor keep = at::ones_like(mag);
      if (prune > 0) keep.index_fill_(0, std::get<1>(at::topk(mag, prune, 0, false, false)), 0.0);
      p.mask.copy_(keep.view_as(p.value));
      p.value.mul_(p.mask);
    }
    return true;
  }

 private:
  GraphModule& m_;
  const PruneSchedule& s_;
  std::vector<size_t> layers_;
  std::vector<double> targets_;
  int64_t t0_ = 0, t1_ = 0, every_ = 1;
};

// Zeros over all prunable weights.
double sparsity(const GraphModule& m) {
  int64_t zeros = 0, total = 0;
  for (const auto& p : m.params())
    if (p.prunable) {
      zeros += (p.mask.defined() ? p.value * p.mask : p.value).eq(0).sum().item<int64_t>();
      total += p.value.numel();
    }
  return total ? double(zeros) / double(total) : 0;
}

// Settings that change the arithmetic of a run: a checkpoint resumes only a run with the same.
std::vector<std::pair<std::string, std::string>> fingerprint(const GraphModule& m, const Samples& data, const FitOptions& o) {
  std::vector<std::pair<std::string, std::string>> f = {
      {"samples", std::to_string(data.count)}, {"epochs", std::to_string(o.epochs)}, {"batch", std::to_string(o.batch)},
      {"optimizer", o.optimizer == Optimizer::Sgd ? "sgd" : "adam"}, {"lr", fmt::format("{}", o.lr)},
      {"momentum", fmt::format("{}", o.momentum)}, {"weight-decay", fmt::format("{}", o.weight_decay)},
      {"schedule", std::to_string(int(o.schedule))}, {"step-epochs", std::to_string(o.step_epochs)},
      {"gamma", fmt::format("{}", o.gamma)}, {"val-split", fmt::format("{}", o.val_split)},
      {"patience", std::to_string(o.patience)}, {"select", o.select_accuracy ? "accuracy" : "loss"}, {"seed", std::to_string(o.seed)},
      {"teacher", o.teacher ? o.teacher->name : "none"}, {"temperature", fmt::format("{}", o.temperature)},
      {"alpha", fmt::format("{}", o.alpha)}, {"sparsity", fmt::format("{}", o.prune.sparsity)},
      {"prune", fmt::format("{}/{}/{}/{}", o.prune.global, o.prune.start, o.prune.end, o.prune.every)},
      {"qat", o.qat.on ? fmt::format("{} bits, {} calibration samples", o.qat.bits, o.qat.calib.shape.empty() ? 0 : o.qat.calib.shape[0]) : "off"},
      {"share", std::to_string(o.share.bits)},
      {"augment", fmt::format("{}/{}/{}/{}", o.augment.shift, o.augment.time_mask, o.augment.freq_mask, o.augment.noise)}};
  for (const auto& [name, bits] : o.share.layers) f.back().second += fmt::format(" {}={}", name, bits);
  std::string shapes;
  for (const auto& p : m.params()) shapes += shape_str(m.graph().t(p.tensor).shape);
  f.push_back({"parameters", shapes});
  return f;
}

std::string encode(const std::vector<std::pair<std::string, std::string>>& f) {
  std::string s;
  for (const auto& [k, v] : f) s += k + "=" + v + "\n";
  return s;
}

Tensor bytes_tensor(const std::string& s) {
  Tensor t = at::empty({int64_t(s.size())}, at::TensorOptions().dtype(at::kByte));
  if (!s.empty()) std::memcpy(t.data_ptr<uint8_t>(), s.data(), s.size());
  return t;
}
std::string tensor_bytes(const Tensor& t) {
  const Tensor c = t.contiguous();
  return std::string(reinterpret_cast<const char*>(c.data_ptr<uint8_t>()), size_t(c.numel()));
}

// QAT's view of the quantize pass: the module's current weights canonicalized and quantized on
// the calibration data as `mote compile` would. Each activation the int8 graph quantizes gets its
// scale and zero point; each weighted node the scale of its input (for its bias codes).
struct QatState {
  std::vector<int64_t> tensors;  // activation tensor ids of the module's graph
  std::vector<float> scales;
  std::vector<int64_t> zero_points;
  std::vector<float> in_scale;   // per node, 0 if unknown
};

QatState qat_state(const GraphModule& m, const QatOptions& q) {
  const Graph imported = m.export_graph();
  Graph canonical = imported;
  canonicalize(canonical);
  const Graph int8 = quantize(canonical, to_graph_layout(imported, q.calib, q.calib_name), q.method);
  std::map<std::string, std::pair<float, int32_t>> act;
  for (const mote::Tensor& t : int8.tensors) {
    if (t.is_const() || t.dtype != DType::I8 || t.quant.scale.size() != 1) continue;
    std::pair<float, int32_t> r = {t.quant.scale[0], t.quant.zero_point[0]};
    // The same real range in fewer bits.
    if (q.bits != 8)
      range_to_quant({double(r.first) * (-128 - r.second), double(r.first) * (127 - r.second)}, &r.first, &r.second, q.bits);
    act[t.name] = r;
  }
  const Graph& g = m.graph();
  QatState st;
  for (size_t id = 0; id < g.tensors.size(); ++id) {
    auto it = act.find(g.tensors[id].name);
    if (g.tensors[id].is_const() || it == act.end()) continue;
    st.tensors.push_back(int64_t(id));
    st.scales.push_back(it->second.first);
    st.zero_points.push_back(it->second.second);
  }
  st.in_scale.assign(g.nodes.size(), 0.0f);
  for (size_t k = 0; k < g.nodes.size(); ++k)
    if (op_has(g.nodes[k].op, Weighted))
      if (auto it = act.find(g.t(g.nodes[k].in(0)).name); it != act.end()) st.in_scale[k] = it->second.first;
  return st;
}

// The fake quantization of a QatState, weights and constants included, on the module.
void install_qat(GraphModule& m, const QatState& st, const QatOptions& q) {
  const int64_t qmin = -(int64_t(1) << (q.bits - 1)), qmax = (int64_t(1) << (q.bits - 1)) - 1;
  m.clear_hooks();
  for (size_t k = 0; k < st.tensors.size(); ++k) {
    const double s = st.scales[k];
    const int64_t zp = st.zero_points[k];
    m.set_activation_hook(int(st.tensors[k]), [s, zp, qmin, qmax](const Tensor& x) { return fake_quant(x, s, zp, qmin, qmax); });
  }
  const Graph& g = m.graph();
  GraphModule::Qat cfg;
  cfg.on = true;
  cfg.bits = q.bits;
  cfg.fold.assign(g.nodes.size(), -1);
  cfg.in_scale = st.in_scale;
  std::map<int, TensorHook> const_hooks;
  const int bits = q.bits;
  for (size_t k = 0; k < g.nodes.size(); ++k) {
    const Node& n = g.nodes[k];
    if (n.op == OpKind::BatchNorm)
      if (const int t = batchnorm_fold_target(g, n); t >= 0) cfg.fold[size_t(t)] = int(k);
    if (op_has(n.op, Recurrent)) {
      // One scale per gate block for the LSTM (TFLite's integer LSTM), per row for the GRU.
      const int64_t rows = n.op == OpKind::Lstm ? n.attrs.i("hidden_size", 1) : 1;
      for (size_t i : {size_t(1), size_t(2)})
        const_hooks[n.in(i)] = [bits, rows](const Tensor& w) { return fake_quant_weight(w, bits, rows).first; };
    }
    // Constant operands: per tensor over their own range.
    if (op_has(n.op, ConstOperands))
      for (int i : n.inputs)
        if (i >= 0 && g.t(i).is_const())
          const_hooks[i] = [bits, qmin, qmax](const Tensor& c) {
            float s = 0;
            int32_t zp = 0;
            range_to_quant({std::min(0.0, c.min().item<double>()), std::max(0.0, c.max().item<double>())}, &s, &zp, bits);
            return fake_quant(c, s, zp, qmin, qmax);
          };
  }
  for (auto& p : m.params())
    if (auto it = const_hooks.find(p.tensor); it != const_hooks.end()) p.hook = it->second;
  m.set_qat(cfg);
}

void apply_qat(GraphModule& m, const QatOptions& q) { install_qat(m, qat_state(m, q), q); }

// Where a run is: what a checkpoint stores besides the weights and the optimizer.
struct RunState {
  int64_t epoch = 0, batch = 0, step = 0;  // next epoch (0-based), next batch in it, global step
  double loss_sum = 0;
  int64_t correct = 0, seen = 0;           // the running sums of the epoch in progress
  double epoch_seconds = 0;                // training time spent in the epoch in progress
  double best_score = INFINITY;             // the best validation score: loss, or -accuracy
  int64_t best_epoch = 0, bad_epochs = 0;
  bool stopped = false;
  std::vector<EpochStats> history;
  std::vector<Tensor> best;                // the best epoch's parameter values (empty: none yet)
  QatState qat;                            // QAT: the calibration of the epoch in progress
};

constexpr int kStatFields = 10;

void save(const std::string& path, const std::string& print, const RunState& st, const GraphModule& m,
          torch::optim::Optimizer& opt) {
  torch::serialize::OutputArchive a;
  a.write("fingerprint", bytes_tensor(print));
  a.write("position", at::tensor(std::vector<int64_t>{st.epoch, st.batch, st.step, st.correct, st.seen, st.best_epoch,
                                                      st.bad_epochs, st.stopped ? 1 : 0}));
  a.write("sums", at::tensor(std::vector<double>{st.loss_sum, st.epoch_seconds, st.best_score}, at::TensorOptions().dtype(at::kDouble)));
  std::vector<double> h;
  for (const EpochStats& e : st.history)
    h.insert(h.end(), {double(e.epoch), e.loss, e.accuracy, e.val_loss, e.val_accuracy, e.lr, e.sparsity, e.seconds,
                       e.samples_per_second, 0.0});
  a.write("history", at::tensor(h, at::TensorOptions().dtype(at::kDouble)));
  const auto& ps = m.params();
  for (size_t k = 0; k < ps.size(); ++k) {
    a.write("param/" + std::to_string(k), ps[k].value.detach(), true);
    if (ps[k].mask.defined()) a.write("mask/" + std::to_string(k), ps[k].mask, true);
    if (!st.best.empty()) a.write("best/" + std::to_string(k), st.best[k], true);
  }
  a.write("qat/tensors", at::tensor(st.qat.tensors));
  a.write("qat/scales", at::tensor(st.qat.scales));
  a.write("qat/zero_points", at::tensor(st.qat.zero_points));
  a.write("qat/in_scale", at::tensor(st.qat.in_scale));
  torch::serialize::OutputArchive o;
  opt.save(o);
  a.write("optimizer", o);
  std::ostringstream os;
  a.save_to(os);
  write_checkpoint(path, os.str());
}

// Reads a checkpoint into the run; throws before any training when it is not this run's.
void load(const std::string& path, const std::vector<std::pair<std::string, std::string>>& print, RunState& st,
          GraphModule& m, torch::optim::Optimizer& opt) {
  const std::string payload = read_checkpoint(path);
  torch::serialize::InputArchive a;
  try {
    std::istringstream is(payload);
    a.load_from(is);
    Tensor f;
    a.read("fingerprint", f);
    std::istringstream lines(tensor_bytes(f));
    std::string line;
    for (const auto& [k, v] : print) {
      if (!std::getline(lines, line)) fail("{}: damaged checkpoint (settings missing)", path);
      const std::string want = k + "=" + v;
      if (line != want) fail("{}: written by another run ({}; this run has {})", path, line, want);
    }
    Tensor pos, sums, hist;
    a.read("position", pos);
    a.read("sums", sums);
    a.read("history", hist);
    const auto p = pos.contiguous().data_ptr<int64_t>();
    st.epoch = p[0], st.batch = p[1], st.step = p[2], st.correct = p[3], st.seen = p[4], st.best_epoch = p[5],
    st.bad_epochs = p[6], st.stopped = p[7] != 0;
    const auto s = sums.contiguous().data_ptr<double>();
    st.loss_sum = s[0], st.epoch_seconds = s[1], st.best_score = s[2];
    const Tensor hc = hist.contiguous();
    for (int64_t r = 0; r < hc.numel() / kStatFields; ++r) {
      const double* e = hc.data_ptr<double>() + r * kStatFields;
      st.history.push_back({int64_t(e[0]), e[1], e[2], e[3], e[4], e[5], e[6], e[7], e[8]});
    }
    at::NoGradGuard no_grad;
    auto& ps = m.params();
    for (size_t k = 0; k < ps.size(); ++k) {
      Tensor v;
      a.read("param/" + std::to_string(k), v, true);
      ps[k].value.copy_(v);
      Tensor mask;
      if (a.try_read("mask/" + std::to_string(k), mask, true)) ps[k].mask = mask.clone();
      Tensor best;
      if (a.try_read("best/" + std::to_string(k), best, true)) st.best.push_back(best.clone());
    }
    Tensor qt, qs, qz, qi;
    a.read("qat/tensors", qt);
    a.read("qat/scales", qs);
    a.read("qat/zero_points", qz);
    a.read("qat/in_scale", qi);
    auto vec = [](const Tensor& t, auto zero) {
      const Tensor c = t.contiguous();
      using T = decltype(zero);
      return std::vector<T>(c.data_ptr<T>(), c.data_ptr<T>() + c.numel());
    };
    st.qat = {vec(qt, int64_t(0)), vec(qs, 0.0f), vec(qz, int64_t(0)), vec(qi, 0.0f)};
    torch::serialize::InputArchive o;
    a.read("optimizer", o);
    opt.load(o);
  } catch (const c10::Error& e) {
    fail("{}: damaged checkpoint ({})", path, one_line(e.what_without_backtrace()).substr(0, 200));
  }
}

double lr_at(const FitOptions& o, int64_t epoch, int64_t batch, int64_t batches) {
  switch (o.schedule) {
    case Schedule::Step: return o.lr * std::pow(o.gamma, double(epoch / std::max<int64_t>(1, o.step_epochs)));
    case Schedule::Cosine: {
      const double t = (double(epoch) + double(batch) / double(batches)) / double(o.epochs);
      return 0.5 * o.lr * (1.0 + std::cos(M_PI * t));
    }
    case Schedule::Constant: break;
  }
  return o.lr;
}

void check_options(const FitOptions& o) {
  if (o.epochs < 1) fail("--epochs must be at least 1, got {}", o.epochs);
  if (o.batch < 1) fail("--batch must be at least 1, got {}", o.batch);
  if (!(o.lr > 0) || !std::isfinite(o.lr)) fail("--lr must be positive, got {}", o.lr);
  if (!(o.val_split >= 0 && o.val_split < 1)) fail("--val-split must be in [0, 1), got {}", o.val_split);
  if (o.patience < 0) fail("--patience must not be negative, got {}", o.patience);
  if (o.patience > 0 && o.val_split == 0) fail("--patience needs a validation split (--val-split > 0)");
  if (o.select_accuracy && o.val_split == 0) fail("--select accuracy needs a validation split (--val-split > 0)");
  if (o.resume && o.checkpoint_dir.empty()) fail("--resume needs --checkpoint DIR");
  if (o.teacher && !(o.temperature > 0)) fail("--temperature must be positive, got {}", o.temperature);
  if (o.teacher && !(o.alpha >= 0 && o.alpha <= 1)) fail("--alpha must be in [0, 1], got {}", o.alpha);
  if (!(o.prune.sparsity >= 0 && o.prune.sparsity < 1)) fail("--sparsity must be in [0, 1), got {}", o.prune.sparsity);
  for (const auto& [name, s] : o.prune.layers)
    if (!(s >= 0 && s < 1)) fail("sparsity of layer '{}' must be in [0, 1), got {}", name, s);
  if (o.qat.on && (o.qat.bits < 2 || o.qat.bits > 8)) fail("--bits must be in [2, 8], got {}", o.qat.bits);
  if (o.qat.on && o.qat.calib.numel() == 0) fail("QAT needs calibration data (--calib)");
  auto share_bits_ok = [](int b) { return b == 0 || (b >= 2 && b <= 8); };
  if (!share_bits_ok(o.share.bits)) fail("--bits must be 2 to 8, got {}", o.share.bits);
  for (const auto& [name, b] : o.share.layers)
    if (!share_bits_ok(b)) fail("bits of layer '{}' must be 0 or 2 to 8, got {}", name, b);
  if (o.share.on() && (o.prune.sparsity > 0 || !o.prune.layers.empty()))
    fail("weight sharing fine-tunes the codebook of the weights as they are: prune first, then share");
  if (o.share.on() && o.qat.on) fail("weight sharing and QAT do not combine: share the weights, then quantize");
  if (!(o.prune.start >= 0 && o.prune.start <= o.prune.end && o.prune.end <= 1))
    fail("the pruning window must satisfy 0 <= start <= end <= 1, got {} .. {}", o.prune.start, o.prune.end);
}

// The teacher's logits must be the student's: the same number of them, the same input size.
void check_teacher(const Graph& teacher, const Graph& student, const Samples& data) {
  if (!data.classification()) fail("distillation needs class labels (--labels)");
  if (teacher.inputs.size() != 1 || teacher.outputs.size() != 1)
    fail("teacher '{}' has {} inputs and {} outputs; distillation needs one of each", teacher.name, teacher.inputs.size(), teacher.outputs.size());
  const Shape &t_in = teacher.t(teacher.inputs[0]).shape, &s_in = student.t(student.inputs[0]).shape;
  if (numel(t_in) != numel(s_in))
    fail("teacher '{}' takes input {}, the student {}: they must read the same samples", teacher.name, shape_str(t_in), shape_str(s_in));
  const int64_t tc = teacher.t(loss_tensor(teacher)).numel(), sc = student.t(loss_tensor(student)).numel();
  if (tc != sc)
    fail("teacher '{}' gives {} outputs, the student '{}' {}: distillation needs the same classes", teacher.name, tc, student.name, sc);
}

std::unique_ptr<torch::optim::Optimizer> make_optimizer(const GraphModule& m, const FitOptions& o) {
  if (o.optimizer == Optimizer::Sgd)
    return std::make_unique<torch::optim::SGD>(m.trainable(), torch::optim::SGDOptions(o.lr).momentum(o.momentum).weight_decay(o.weight_decay));
  return std::make_unique<torch::optim::Adam>(m.trainable(), torch::optim::AdamOptions(o.lr).weight_decay(o.weight_decay));
}

// The seeded split: the last val_split part of a shuffle validates.
struct Split {
  Samples train, val;
};
Split split(const Samples& data, const FitOptions& o) {
  const std::vector<int64_t> order = permutation(data.count, o.seed, kSplitStream);
  const int64_t n_val = int64_t(std::floor(o.val_split * double(data.count)));
  return {data.subset({order.begin(), order.end() - n_val}), data.subset({order.end() - n_val, order.end()})};
}

// Magnitude pruning of one weight to `s` of zeros.
void prune_magnitude(Tensor& value, double s) {
  at::NoGradGuard no_grad;
  const int64_t prune = int64_t(std::floor(s * double(value.numel())));
  if (prune <= 0) return;
  Tensor flat = value.view({-1});
  flat.index_fill_(0, std::get<1>(at::topk(flat.abs(), prune, 0, false, false)), 0.0);
}

}  // namespace

std::vector<Array> forward(const Graph& g, const std::vector<Array>& inputs, const QatOptions* qat) {
  GraphModule m(g);
  if (qat && qat->on) apply_qat(m, *qat);
  if (inputs.size() != g.inputs.size()) fail("train: graph '{}' has {} inputs, got {}", g.name, g.inputs.size(), inputs.size());
  std::vector<Tensor> xs;
  int64_t batch = 0;
  for (size_t k = 0; k < inputs.size(); ++k) {
    const mote::Tensor& t = g.t(g.inputs[k]);
    const Array& a = inputs[k];
    const int64_t per = t.numel();
    if (a.dtype != DType::F32 || per == 0 || a.numel() % per != 0)
      fail("train: input '{}' of shape {} does not hold whole samples of {} (float32)", t.name, shape_str(a.shape), shape_str(t.shape));
    const int64_t n = a.numel() / per;
    if (k > 0 && n != batch) fail("train: input '{}' holds {} samples, input 0 {}", t.name, n, batch);
    batch = n;
    Shape s = {n};
    s.insert(s.end(), t.shape.begin(), t.shape.end());
    xs.push_back(from_floats(a.as<float>(), s));
  }
  at::NoGradGuard no_grad;
  std::vector<Tensor> ys = m.run(xs, g.outputs);
  std::vector<Array> out;
  for (size_t k = 0; k < ys.size(); ++k) {
    Tensor y = ys[k].to(at::kFloat).contiguous();
    Array r;
    r.shape = {batch};
    const Shape& s = g.t(g.outputs[k]).shape;
    r.shape.insert(r.shape.end(), s.begin(), s.end());
    if (y.numel() != numel(r.shape)) fail("train: output '{}' has {} values for {}", g.t(g.outputs[k]).name, y.numel(), shape_str(r.shape));
    r.bytes.resize(size_t(y.numel()) * sizeof(float));
    std::memcpy(r.bytes.data(), y.data_ptr<float>(), r.bytes.size());
    out.push_back(std::move(r));
  }
  return out;
}

Sensitivity sensitivity_scan(const Graph& model, const Samples& data, const FitOptions& opt, const std::vector<double>& sparsities) {
  check_options(opt);
  if (opt.threads > 0) at::set_num_threads(opt.threads);
  const Split sp = split(data, opt);
  const Samples& on = sp.val.count > 0 ? sp.val : data;
  const Tensors t = to_tensors(on);
  GraphModule m(model);
  const int tap = loss_tensor(model);
  Sensitivity r;
  r.sparsities = sparsities;
  r.accuracy = on.classification();
  auto metric = [&] {
    const Metrics e = evaluate_module(m, tap, on, t, 256);
    return r.accuracy ? e.accuracy : e.loss;
  };
  r.dense = metric();
  const std::vector<std::string> names = param_names(m);
  for (size_t k = 0; k < m.params().size(); ++k) {
    auto& p = m.params()[k];
    if (!p.prunable) continue;
    SensitivityRow row{names[k], p.value.numel(), {}};
    const Tensor dense = p.value.detach().clone();
    for (double s : sparsities) {
      if (!(s >= 0 && s < 1)) fail("--scan: sparsity {} is outside [0, 1)", s);
      prune_magnitude(p.value, s);
      row.metric.push_back(metric());
      at::NoGradGuard no_grad;
      p.value.copy_(dense);
    }
    r.layers.push_back(row);
  }
  return r;
}

Metrics evaluate(const Graph& model, const Samples& data, const QatOptions* qat, int64_t batch) {
  GraphModule m(model);
  if (qat && qat->on) apply_qat(m, *qat);
  return evaluate_module(m, loss_tensor(model), data, to_tensors(data), std::max<int64_t>(1, batch));
}

FitResult fit(const Graph& model, const Samples& data, const FitOptions& o, Progress* progress) {
  check_options(o);
  if (o.threads > 0) at::set_num_threads(o.threads);
  GraphModule m(model);
  if (m.trainable().empty()) fail("train: model '{}' has no trainable weights", model.name);
  std::vector<FitResult::Shared> shared;
  if (o.share.on()) shared = share_layers(m, o.share);
  if (o.select_accuracy && !data.classification()) fail("--select accuracy needs class labels (--labels)");
  std::unique_ptr<GraphModule> teacher;
  if (o.teacher) {
    check_teacher(*o.teacher, model, data);
    teacher = std::make_unique<GraphModule>(*o.teacher);
  }
  const int tap = loss_tensor(model), teacher_tap = o.teacher ? loss_tensor(*o.teacher) : -1;
  const Shape teacher_in = o.teacher ? o.teacher->t(o.teacher->inputs[0]).shape : Shape{};

  const Split sp = split(data, o);
  const Samples &train = sp.train, &val = sp.val;
  const int64_t n_train = train.count, n_val = val.count;
  if (n_train < 2) fail("train: {} training samples; at least 2 are needed", n_train);
  const Tensors tt = to_tensors(train), vt = to_tensors(val);
  // A last batch of a single sample is dropped: BatchNorm cannot normalize one value.
  const int64_t batches = n_train / o.batch + (n_train % o.batch > 1 ? 1 : 0);
  const int64_t total_steps = batches * o.epochs;
  const double noise_sigma = o.augment.noise > 0 ? o.augment.noise * tt.x.std().item<double>() : 0;

  // The teacher is fixed and in inference mode: its logits for every training sample, once.
  Tensor teacher_logits;
  if (teacher) {
    at::NoGradGuard no_grad;
    std::vector<Tensor> parts;
    for (int64_t b = 0; b < n_train; b += 256) {
      const Tensor x = tt.x.narrow(0, b, std::min<int64_t>(256, n_train - b));
      std::vector<int64_t> shape = {x.size(0)};
      shape.insert(shape.end(), teacher_in.begin(), teacher_in.end());
      const Tensor t = teacher->run({x.reshape(shape)}, {teacher_tap})[0];
      parts.push_back(t.reshape({t.size(0), -1}));
    }
    teacher_logits = at::cat(parts);
  }

  std::unique_ptr<Pruner> pruner;
  if (o.prune.sparsity > 0 || !o.prune.layers.empty()) pruner = std::make_unique<Pruner>(m, o.prune, total_steps, batches);
  std::unique_ptr<torch::optim::Optimizer> opt = make_optimizer(m, o);

  const auto print = fingerprint(m, data, o);
  RunState st;
  std::string ckpt;
  if (!o.checkpoint_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(o.checkpoint_dir, ec);
    if (ec) fail("{}: cannot create the checkpoint directory: {}", o.checkpoint_dir, ec.message());
    ckpt = (std::filesystem::path(o.checkpoint_dir) / "checkpoint.mote").string();
    if (o.resume) {
      if (!std::filesystem::exists(ckpt)) fail("--resume: {} does not exist", ckpt);
      load(ckpt, print, st, m, *opt);
    }
  }

  const bool validate = n_val > 0;
  if (progress) progress->start(o.qat.on ? "qat" : o.share.on() ? "share" : pruner ? "prune" : o.teacher ? "distill" : "train", o.epochs, batches, st.epoch);
  InterruptScope interrupts;
  double cur_sparsity = pruner ? sparsity(m) : 0;
  double train_seconds = 0;
  int64_t trained_samples = 0;
  using Clock = std::chrono::steady_clock;
  m.set_training(true);
  while (st.epoch < o.epochs && !st.stopped) {
    // QAT calibrates at the start of each epoch; a run resumed inside one keeps its calibration.
    if (o.qat.on) {
      if (st.batch == 0) st.qat = qat_state(m, o.qat);
      install_qat(m, st.qat, o.qat);
    }
    const std::vector<int64_t> perm = permutation(n_train, o.seed, uint64_t(st.epoch));
    const Tensor perm_t = at::tensor(at::ArrayRef<int64_t>(perm), at::TensorOptions().dtype(at::kLong));
    double lr = o.lr;
    for (; st.batch < batches; ++st.batch) {
      const Clock::time_point t_start = Clock::now();
      const int64_t b0 = st.batch * o.batch, n = std::min(o.batch, n_train - b0);
      const Tensor rows = perm_t.narrow(0, b0, n);
      lr = lr_at(o, st.epoch, st.batch, batches);
      for (auto& group : opt->param_groups()) group.options().set_lr(lr);
      if (pruner && pruner->update(st.step)) cur_sparsity = sparsity(m);
      const Tensor x = augment_batch(tt.x.index_select(0, rows), o.augment, noise_sigma, o.seed, st.epoch, st.batch);
      const Tensor out = m.run({x}, {tap})[0];
      BatchLoss l = hard_loss(out, tt, rows, train.classification());
      Tensor loss = l.loss;
      if (teacher_logits.defined())
        loss = soft_loss(out, teacher_logits.index_select(0, rows), o.temperature) * o.alpha + l.loss * (1.0 - o.alpha);
      opt->zero_grad();
      loss.backward();
      opt->step();
      const double dt = std::chrono::duration<double>(Clock::now() - t_start).count();
      st.epoch_seconds += dt;
      train_seconds += dt;
      trained_samples += n;
      st.loss_sum += loss.item<double>() * double(n);
      st.correct += l.correct;
      st.seen += n;
      ++st.step;
      if (progress)
        progress->batch(st.epoch + 1, st.batch, st.loss_sum / double(st.seen),
                        train.classification() ? double(st.correct) / double(st.seen) : -1, st.seen,
                        cur_sparsity);
      if (g_interrupted) {
        ++st.batch;
        if (ckpt.empty()) fail("interrupted at epoch {}, batch {} (no --checkpoint: nothing saved)", st.epoch + 1, st.batch);
        save(ckpt, encode(print), st, m, *opt);
        fail("interrupted at epoch {}, batch {}: checkpoint {}; run the same command with --resume to continue", st.epoch + 1,
             st.batch, ckpt);
      }
    }
    EpochStats e;
    e.epoch = st.epoch + 1;
    e.loss = st.loss_sum / double(std::max<int64_t>(1, st.seen));
    e.accuracy = double(st.correct) / double(std::max<int64_t>(1, st.seen));
    e.lr = lr;
    e.sparsity = cur_sparsity;
    e.seconds = st.epoch_seconds;
    e.samples_per_second = st.epoch_seconds > 0 ? double(st.seen) / st.epoch_seconds : 0;
    if (validate) {
      const Metrics v = evaluate_module(m, tap, val, vt, 256);
      e.val_loss = v.loss;
      e.val_accuracy = v.accuracy;
      // Better means lower by more than 1e-4 of the best so far (noise is no progress); only
      // weights at their final sparsity count as the best of a pruning run.
      const bool counts = !pruner || pruner->reached(st.step);
      const double score = o.select_accuracy ? -v.accuracy : v.loss;
      if (counts && (st.best.empty() || score < st.best_score - 1e-4 * std::fabs(st.best_score))) {
        st.best_score = score;
        st.best_epoch = e.epoch;
        st.bad_epochs = 0;
        st.best.clear();
        for (const auto& p : m.params()) st.best.push_back((p.mask.defined() ? p.value * p.mask : p.value).detach().clone());
      } else if (counts) {
        ++st.bad_epochs;
      }
      if (o.patience > 0 && st.bad_epochs >= o.patience) st.stopped = true;
    }
    st.history.push_back(e);
    if (progress) progress->epoch(e, train.classification(), validate);
    ++st.epoch;
    st.batch = 0;
    st.loss_sum = 0;
    st.correct = st.seen = 0;
    st.epoch_seconds = 0;
    if (!ckpt.empty()) save(ckpt, encode(print), st, m, *opt);
  }
  if (st.stopped && progress)
    progress->note(fmt::format("early stop: no better validation {} for {} epochs; keeping epoch {}", o.select_accuracy ? "accuracy" : "loss",
                               o.patience, st.best_epoch));

  FitResult r;
  if (!st.best.empty()) {
    at::NoGradGuard no_grad;
    for (size_t k = 0; k < m.params().size(); ++k) m.params()[k].value.copy_(st.best[k]);
    r.best_epoch = st.best_epoch;
  } else {
    r.best_epoch = st.epoch;
  }
  if (o.qat.on) {
    apply_qat(m, o.qat);
    r.qat_val = evaluate_module(m, tap, validate ? val : train, validate ? vt : tt, 256);
  }
  r.model = m.export_graph();
  r.shared = shared;
  r.history = st.history;
  r.stopped_early = st.stopped;
  r.samples_per_second = train_seconds > 0 ? double(trained_samples) / train_seconds : 0;
  return r;
}

}  // namespace mote::train
