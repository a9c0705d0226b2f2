// Validation of a generated output directory: build the C code with the host compiler (or for a
// Cortex-M core, run under QEMU), run it over a data set, and compare with the C++ int8 reference (bit-exactness), the float model
// (top-1 agreement) and the labels (accuracy).
#pragma once
#include <string>

#include <nlohmann/json.hpp>

#include "io/array.h"
#include "ir/ir.h"
#include "lower/lower.h"

namespace mote {

struct ValidationResult {
  int64_t samples = 0;
  int64_t bitexact_samples = 0;     // samples whose every output byte equals run_int8's
  int64_t output_bytes = 0;
  int64_t bitexact_bytes = 0;
  int64_t top1_agree = 0;           // argmax of C output == argmax of float model
  int64_t correct_c = 0, correct_float = 0;  // vs labels, when given
  bool has_labels = false;
  bool float_model = false;         // float graph: "bitexact" means within 1e-4 relative of run_float
  bool has_float_reference = true;  // false for a prequantized (int8 .tflite) model: top-1 is n/a
  std::string ran_on;               // "host", or the core and board under QEMU
  int64_t instructions_min = 0, instructions_max = 0;  // per inference, under QEMU only
  nlohmann::json to_json() const;
  std::string to_text() const;      // a few readable lines
};

// The references the generated code is checked against (the pipeline that compiled it).
struct ValidationInput {
  const Graph* imported = nullptr;     // as imported: the data's layout
  const Graph* float_graph = nullptr;  // canonical float graph; unused when prequantized
  const Graph* graph = nullptr;        // what was compiled
  const std::vector<KernelCall>* calls = nullptr;  // its lowered calls (the int8 oracle runs them)
  bool prequantized = false;
};

// `outdir` is what `mote compile` wrote. `data` is in the model's own input layout; `labels`
// (integer class ids, one per sample) may be null. `target` empty: the C runs on the host; a
// Cortex-M core (or "compiled": the one it was compiled for): all samples run under QEMU.
ValidationResult validate(const std::string& outdir, const ValidationInput& ref, const Array& data, const Array* labels,
                          const std::string& target = "");

}  // namespace mote
