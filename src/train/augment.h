// Data augmentation of a training batch (libtorch side of FitOptions::augment). Internal to
// src/train: it includes libtorch, so only train's .cpp files include it.
#pragma once
#include <ATen/ATen.h>

#include <cstdint>

#include "train/train.h"

namespace mote::train {

// The augmented copy of batch `x` ([B, C, H, W] or [B, ...]) for training step (epoch, batch):
// every draw is a function of (seed, epoch, batch), so a resumed run sees the same batches.
// `noise_sigma` is the absolute standard deviation of the added noise.
at::Tensor augment_batch(const at::Tensor& x, const AugmentOptions& a, double noise_sigma, uint64_t seed, int64_t epoch,
                         int64_t batch);

}  // namespace mote::train
