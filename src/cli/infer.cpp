// mote infer MODEL --data X -o Y.npy: the float reference executor (ref/run_float) on every
// sample, its outputs as one .npy; what other runtimes' outputs are compared with.
#include <fmt/format.h>

#include "cli/commands.h"
#include "frontend/import.h"
#include "io/layout.h"
#include "ref/executor.h"

namespace mote::cli {

void add_infer(CLI::App& app) {
  auto* cmd = app.add_subcommand("infer", "run the float reference executor over a data set and write its outputs (.npy)");
  static std::string model, data, key, out;
  cmd->add_option("model", model, "model file (.onnx, float .tflite)")->required();
  cmd->add_option("--data", data, "samples (.npy/.npz/IDX) in the model's input layout")->required();
  cmd->add_option("--data-key", key, "member of an .npz data file");
  cmd->add_option("-o,--output", out, "outputs: [N] + the output's shape, float32 (.npy)")->required();
  cmd->callback([] {
    const Graph g = import_model(model);
    if (g.inputs.size() != 1 || g.outputs.size() != 1)
      fail("{}: infer runs models of one input and one output ('{}' has {} and {})", model, g.name, g.inputs.size(), g.outputs.size());
    const Array x = load_array(data, key);
    const Tensor& in = g.t(g.inputs[0]);
    const int64_t n = check_samples(in, x, data);
    Array y;
    y.dtype = DType::F32;
    y.shape = {n};
    const Shape& os = g.t(g.outputs[0]).shape;
    y.shape.insert(y.shape.end(), os.begin(), os.end());
    for (int64_t s = 0; s < n; ++s) {
      Array one;
      one.shape = in.shape;
      one.bytes.resize(size_t(in.numel()) * sizeof(float));
      for (int64_t k = 0; k < in.numel(); ++k) one.as_mut<float>()[k] = x.get_f32(s * in.numel() + k);
      const Array o = run_float(g, {one})[0];
      y.bytes.insert(y.bytes.end(), o.bytes.begin(), o.bytes.end());
    }
    save_npy(out, y);
    fmt::print("wrote {}: {} outputs of shape {}\n", out, n, shape_str(os));
  });
}

}  // namespace mote::cli
