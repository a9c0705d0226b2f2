// mote quantize MODEL --calib C --qat --data X --labels Y --save OUT.onnx: quantization-aware
// fine-tuning before the quantize report; `mote compile OUT.onnx --calib C` then gives the int8
// model QAT simulated.
#include <fmt/format.h>

#include "cli/train_qat.h"
#include "train/progress.h"

namespace mote::cli {

void add_qat_options(CLI::App* cmd, QatArgs* q) {
  cmd->add_flag("--qat", q->on, "quantization-aware training first (needs --data, --labels, --save)");
  cmd->add_option("--bits", q->bits, "QAT: bits of the simulated codes, 2 to 8")->capture_default_str();
  add_train_options(cmd, &q->train, "", false, "--save");
}

std::string run_qat(QatArgs& q, const std::string& model, const std::string& calib, const std::string& method, int64_t calib_limit) {
  if (q.train.out.empty()) fail("--qat needs --save OUT.onnx for the trained model");
  q.train.model = model;
  train::QatOptions& o = q.train.fit.qat;
  o.on = true;
  o.bits = q.bits;
  o.calib = train::read_data(calib, "", calib_limit).x;
  o.calib_name = calib;
  o.method = calib_method_from_name(method);
  Prepared p = prepare(q.train);
  train::Progress progress = train::Progress::for_stdout();
  const train::FitResult r = train::fit(p.model, p.data, q.train.fit, &progress);
  nlohmann::json extra = {{"bits", q.bits}, {"qat_val_accuracy", r.qat_val.accuracy}, {"qat_val_loss", r.qat_val.loss}};
  std::string line = fmt::format("QAT: fake-quantized ({} bits) validation accuracy {:.2f}%", q.bits, 100 * r.qat_val.accuracy);
  if (p.test.count > 0) {
    const train::Metrics t = train::evaluate(r.model, p.test, &o);
    extra["qat_test_accuracy"] = t.accuracy;
    line += fmt::format(", test accuracy {:.2f}%", 100 * t.accuracy);
  }
  finish(q.train, "quantize --qat", r, p, extra);
  fmt::print("{}\n", line);
  return q.train.out;
}

}  // namespace mote::cli
