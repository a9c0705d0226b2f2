// Training on libtorch: float IR graphs trained, fine-tuned, distilled and pruned, the result
// written back into the IR. Plain C++: libtorch stays inside src/train's .cpp files.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "io/array.h"
#include "ir/ir.h"
#include "quant/quantize.h"

namespace mote::train {

class Progress;


struct QatOptions;

// Runs a float graph in libtorch (inference mode) on a batch: one Array per graph input, each
// [N] + the input's IR shape (or the IR shape itself for N = 1); with `qat`, fake-quantized as
// QAT trains it. Returns one float Array per graph output, [N] + its IR shape.
std::vector<Array> forward(const Graph& g, const std::vector<Array>& inputs, const QatOptions* qat = nullptr);

// ---- data ----------------------------------------------------------------------------------

// Data and labels as read from their files (.npy, .npz member, IDX), before a model is known.
struct RawData {
  std::string data_path, labels_path;  // labels_path empty: no labels
  Array x, y;
};
// Reads the files; `limit` > 0 keeps the first `limit` samples. Throws naming the file.
RawData read_data(const std::string& data, const std::string& labels, int64_t limit,
                  const std::string& data_key = "", const std::string& labels_key = "");

// A data set in the model's own input layout, as float32: class labels (classification) or
// target values (regression: an autoencoder's targets are its inputs).
struct Samples {
  Shape sample;                 // one sample: the model input's IR shape
  int64_t count = 0;
  std::vector<float> x;         // count * numel(sample)
  std::vector<int64_t> labels;  // one class per sample; empty for regression
  int64_t classes = 0;          // classification: numel of the model's output
  std::vector<float> targets;   // regression: count * numel(model output)
  bool classification() const { return !labels.empty(); }
  Samples subset(const std::vector<int64_t>& rows) const;
};

// The data set `model` trains on, checked before any training: data that fits the model's
// input and holds no NaN or Inf; labels one per sample, integral and inside the model's
// classes; without labels, a model whose output has its input's size (the data is the target).
// Errors name the file, the sample and the value.
Samples make_samples(const Graph& model, const RawData& d);

// ---- built-in architectures ----------------------------------------------------------------

// A float graph (NCHW, batch 1) for an --arch spec: "mlp:H1,H2,...", "lenet5", "dscnn[:C]", "mobilenet[:C]",
// "cnn1d[:C]", "resnet8", "autoencoder[:B]", for samples of shape `sample` (the data's, without N) and
// `classes` outputs (the autoencoder's output is its input). Weights are initialized as
// PyTorch initializes its layers, from `seed`. Integer (uint8) data gets a leading Mul by
// 1/255, so the model takes the raw values and trains on [0, 1].
Graph build_arch(const std::string& spec, const Shape& sample, int64_t classes, bool uint8_input, uint64_t seed);

// ---- training ------------------------------------------------------------------------------

enum class Optimizer { Sgd, Adam };
enum class Schedule { Constant, Step, Cosine };

// Gradual magnitude pruning (Zhu & Gupta 2017): the sparsity of the prunable weights (Conv,
// FullyConnected, TransposeConv, recurrent matrices) rises from 0 at step t0 to `sparsity` at
// step t1 as s_f (1 - (1 - (t - t0) / (t1 - t0))^3), updated every `every` steps; pruned weights
// stay zero. t0, t1 are fractions of the run; t1 == t0 prunes at once (one-shot).
struct PruneSchedule {
  double sparsity = 0;                   // 0: no pruning
  bool global = true;                    // one magnitude threshold over all layers, else per layer
  std::map<std::string, double> layers;  // per-layer targets by node name (per-layer mode)
  double start = 0.0, end = 0.7;
  int64_t every = 0;                     // steps between mask updates; 0: 4 per epoch
};

// Quantization-aware training: the forward pass computes with weights and activations as the
// quantize pass will quantize the trained model: weights per output channel (BatchNorm folded
// in first), biases as int32 codes, activations per tensor at the scale and zero point the
// quantize pass calibrates on `calib` with `method` (recomputed from the current weights at the
// start of every epoch and once more at the end). `bits` < 8 simulates narrower codes over the
// same ranges.
struct QatOptions {
  bool on = false;
  int bits = 8;
  Array calib;               // calibration samples in the model's input layout
  std::string calib_name;    // its file, for messages
  CalibMethod method = CalibMethod::MinMax;
};

// Weight sharing with trained centroids (Deep Compression's trained quantization): the weights of
// FullyConnected and Conv layers (not depthwise: those mote compile --encode does not encode)
// take at most 2^bits int8 codes per layer, clustered by k-means on the codes the quantize pass
// gives them, and the fine-tuning trains the codebook, each entry by the summed gradients of
// its weights. Zero (pruned) weights stay zero. The model written keeps exactly those codes
// through mote compile, which then stores the codebook (--encode codebook / huffman).
struct ShareOptions {
  int bits = 0;                          // every such layer; 0: no sharing
  std::map<std::string, int> layers;     // per node name, overriding bits (0: not shared)
  bool on() const { return bits > 0 || !layers.empty(); }
};

// Augmentation of every training batch, drawn anew each epoch (validation data is left as is).
// Shifts and masks act along the time axis: the first spatial axis longer than 1 (the frames
// of [1, frames, coefficients] features, the samples of [C, 1, T] signals); the frequency mask
// along the axis after it.
struct AugmentOptions {
  int64_t shift = 0;      // each sample moved by up to +-shift steps, its edge values repeated
  int64_t time_mask = 0;  // SpecAugment: up to this many consecutive steps set to the sample's mean
  int64_t freq_mask = 0;  // likewise along the frequency (coefficient) axis
  double noise = 0;       // Gaussian noise, its deviation this fraction of the training data's
  bool on() const { return shift > 0 || time_mask > 0 || freq_mask > 0 || noise > 0; }
};

struct FitOptions {
  int64_t epochs = 10, batch = 64;
  Optimizer optimizer = Optimizer::Adam;
  double lr = 1e-3, momentum = 0.9, weight_decay = 0;
  Schedule schedule = Schedule::Constant;
  int64_t step_epochs = 10;  // Step: lr *= gamma every step_epochs epochs
  double gamma = 0.1;
  double val_split = 0.1;    // the last fraction of a seeded shuffle validates
  int64_t patience = 0;      // early stop after this many epochs without a better validation score
  // The score that picks the epoch kept (and that patience watches): the validation loss, or
  // (classification) the validation accuracy. A distilled student's loss on the labels alone
  // can prefer another epoch than its accuracy does.
  bool select_accuracy = false;
  uint64_t seed = 0;
  int threads = 0;           // libtorch intra-op threads; 0 = its default
  std::string checkpoint_dir;  // a checkpoint after every epoch (and on Ctrl-C)
  bool resume = false;         // continue from checkpoint_dir's checkpoint
  // Knowledge distillation (Hinton et al. 2015) from `teacher` (nullptr: none): the loss is
  // alpha T^2 KL(softmax(t/T) || softmax(s/T)) + (1 - alpha) CE(s, labels).
  const Graph* teacher = nullptr;
  double temperature = 4.0, alpha = 0.9;
  AugmentOptions augment;
  PruneSchedule prune;
  QatOptions qat;
  ShareOptions share;
};

struct EpochStats {
  int64_t epoch = 0;  // 1-based
  double loss = 0, accuracy = 0, val_loss = 0, val_accuracy = 0, lr = 0, sparsity = 0, seconds = 0;
  double samples_per_second = 0;  // training throughput of the epoch
};

struct Metrics {
  double loss = 0, accuracy = 0;  // accuracy: classification only
};

struct FitResult {
  Graph model;  // the weights of the best validation epoch (the last without validation)
  std::vector<EpochStats> history;
  int64_t best_epoch = 0;
  bool stopped_early = false;
  double samples_per_second = 0;  // training throughput (forward, backward, step)
  Metrics qat_val;                 // QAT: fake-quantized, calibrated on the final weights
  struct Shared {
    std::string layer;
    int bits = 0;
    int64_t weights = 0, entries = 0, pinned = 0;  // codebook entries, of them pinned (0, +-127)
  };
  std::vector<Shared> shared;      // weight sharing: each shared layer
};

// Trains `model` on `data`. Throws before training on options that cannot work (a teacher
// whose outputs differ from the student's, a checkpoint that is truncated or of another run).
// Ctrl-C stops after the current batch, writes a checkpoint (with checkpoint_dir) and throws.
FitResult fit(const Graph& model, const Samples& data, const FitOptions& opt, Progress* progress);

// Sensitivity of each prunable layer: pruned alone by magnitude to each sparsity, no
// fine-tuning, measured on the validation part of `data` (the split `opt.seed` and
// `opt.val_split` give; all of it without a split). `metric` is accuracy for classification,
// the loss otherwise.
struct SensitivityRow {
  std::string layer;
  int64_t weights = 0;
  std::vector<double> metric;  // one per sparsity
};
struct Sensitivity {
  std::vector<double> sparsities;
  double dense = 0;
  bool accuracy = true;
  std::vector<SensitivityRow> layers;
};
Sensitivity sensitivity_scan(const Graph& model, const Samples& data, const FitOptions& opt, const std::vector<double>& sparsities);

// ---- structured pruning -------------------------------------------------------------------

// Channels that must be pruned together: the outputs of `sources` (filters of Conv layers, rows
// of FullyConnected ones) tied by residual Adds and carried through BatchNorm, activations,
// pooling and depthwise convolutions.
struct ChannelGroup {
  std::vector<std::string> sources;
  int64_t channels = 0, kept = 0;
};
struct ChannelReport {
  std::vector<ChannelGroup> groups;  // every group that could be pruned
  int64_t macs_before = 0, macs_after = 0;
};

// Removes the `fraction` of each group's channels with the smallest filter L1 norms (relative to
// their layer's mean, times the |gamma| / sigma of a BatchNorm that follows; times the same of the
// depthwise convs that carry them, which scale each channel again): the filters, the
// depthwise filters and BatchNorm entries that carry them, and the matching inputs of the layers
// that read them (Conv input channels, FullyConnected columns after a flatten). Channels that
// reach a graph output or an op that mixes channels otherwise (grouped Conv, Concat, Softmax,
// Transpose, reshapes other than flattening) are kept. The channels kept are rounded up to a
// multiple of `multiple` (at most all of them): the Cortex-M DSP kernels take depthwise channels
// four at a time and the input channels of a 1x1 conv eight at a time.
Graph prune_channels(const Graph& g, double fraction, ChannelReport* report, int64_t multiple = 1);

// Loss and accuracy of `model` on `data`; with `qat`, fake-quantized as QAT computes.
Metrics evaluate(const Graph& model, const Samples& data, const QatOptions* qat = nullptr, int64_t batch = 256);

}  // namespace mote::train
