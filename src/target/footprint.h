// Flash and RAM of a model built for a Cortex-M core (mote's reference build: -O2,
// -ffunction-sections -fdata-sections, --gc-sections), predicted from the generated C and the
// runtime sizes measured when mote was built (target/sizes.h), before anything is built.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ir/ir.h"
#include "lower/lower.h"
#include "plan/planner.h"

namespace mote {

// The sections of the model's share of the image: NAME.c, the runtime and the libc and libgcc
// code they pull in. The firmware around it (startup, harness) is not counted.
struct Footprint {
  int64_t text = 0, rodata = 0, data = 0, bss = 0;
  int64_t stack = 0;  // bytes of stack NAME_invoke uses, its callees included
  // Where they come from.
  int64_t runtime_text = 0, invoke_text = 0, model_rodata = 0, runtime_rodata = 0, arena = 0;
  int64_t flash() const { return text + rodata + data; }  // code + weights and tables + .data's image
  int64_t ram() const { return data + bss + stack; }      // arena and runtime data + stack
  nlohmann::json to_json() const;
};

// What the model writes into its output folder, as the prediction needs it.
struct ModelSource {
  std::string c_text;          // NAME.c
  const Graph* graph = nullptr;
  const std::vector<KernelCall>* calls = nullptr;
  const MemoryPlan* plan = nullptr;
};

// Throws mote::Error if `target` has no runtime sizes (mote built without arm-none-eabi-gcc) or
// NAME.c stores a type the measurement has no size for.
Footprint predict_footprint(const std::string& target, const ModelSource& m);

// report.json's "target_build": the prediction and how it fits each part of the target's profile.
// With `part` non-empty, throws mote::Error naming the memory that is too small and by how many
// bytes when the model does not fit that part.
nlohmann::json target_build_report(const std::string& target, const std::string& part, const ModelSource& m,
                                   const std::string& model_name);

}  // namespace mote
