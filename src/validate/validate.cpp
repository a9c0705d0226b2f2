// Validation: build the generated C with a small harness, run it and the references over the
// data and count agreements.
#include "validate/validate.h"

#include <stdlib.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "io/layout.h"
#include "quant/quantize.h"
#include "util/file.h"
#include "ref/executor.h"
#include "target/firmware.h"
#include "util/error.h"
#include "util/process.h"

namespace mote {

namespace fs = std::filesystem;

namespace {

constexpr double kFloatTol = 1e-4;

void write_file(const fs::path& p, const void* data, size_t n) {
  std::ofstream f(p, std::ios::binary | std::ios::trunc);
  f.write(static_cast<const char*>(data), std::streamsize(n));
  f.close();
  if (!f) fail("validate: cannot write {}", p.string());
}

// is16: a 16x8 model, whose input and output are int16_t.
std::string harness_source(const std::string& name, bool is_float, bool is16) {
  const char* el = is_float ? "float" : is16 ? "int16_t" : "int8_t";
  const std::string in_n = is_float || is16 ? name + "_INPUT_SIZE" : name + "_INPUT_BYTES";
  const std::string out_n = is_float || is16 ? name + "_OUTPUT_SIZE" : name + "_OUTPUT_BYTES";
  return fmt::format(
      "/* mote validate harness: harness IN OUT N runs {0}_invoke on N inputs. */\n"
      "#include <stdio.h>\n#include <stdlib.h>\n\n#include \"{0}.h\"\n\n"
      "static {1} in_buf[{2}];\nstatic {1} out_buf[{3}];\n\n"
      "int main(int argc, char **argv) {{\n"
      "  FILE *fi;\n  FILE *fo;\n  long n;\n  long i;\n"
      "  if (argc != 4) {{\n    return 2;\n  }}\n"
      "  n = strtol(argv[3], NULL, 10);\n"
      "  fi = fopen(argv[1], \"rb\");\n  fo = fopen(argv[2], \"wb\");\n"
      "  if (fi == NULL || fo == NULL) {{\n    fprintf(stderr, \"cannot open the data files\\n\");\n    return 3;\n  }}\n"
      "  if ({0}_init() != 0) {{\n    fprintf(stderr, \"{0}_init: corrupt encoded weights\\n\");\n    return 5;\n  }}\n"
      "  for (i = 0; i < n; ++i) {{\n"
      "    int st;\n"
      "    if (fread(in_buf, sizeof in_buf, 1, fi) != 1) {{\n      fprintf(stderr, \"short input file\\n\");\n      return 4;\n    }}\n"
      "    st = {0}_invoke(in_buf, out_buf);\n"
      "    if (st != 0) {{\n      fprintf(stderr, \"{0}_invoke returned %d on sample %ld\\n\", st, i);\n      return 5;\n    }}\n"
      "    if (fwrite(out_buf, sizeof out_buf, 1, fo) != 1) {{\n      return 6;\n    }}\n"
      "  }}\n"
      "  fclose(fi);\n"
      "  return fclose(fo) == 0 ? 0 : 6;\n"
      "}}\n",
      name, el, in_n, out_n);
}

// Builds the generated C with the harness on the host and runs it over the inputs.
std::string run_on_host(const std::string& outdir, const std::string& name, const std::string& inputs, int64_t n,
                        bool is_float, bool is16) {
  TempDir tmp("mote-validate");
  const fs::path tmp_path(tmp.path);
  const fs::path in_file = tmp_path / "inputs.bin", out_file = tmp_path / "outputs.bin";
  write_file(in_file, inputs.data(), inputs.size());
  const std::string harness = (tmp_path / "harness.c").string();
  std::string text = harness_source(name, is_float, is16);
  write_file(harness, text.data(), text.size());

  std::vector<std::string> sources;
  for (const auto& e : fs::directory_iterator(fs::path(outdir)))
    if (e.path().extension() == ".c") sources.push_back(e.path().string());
  std::sort(sources.begin(), sources.end());
  const char* cc_env = std::getenv("CC");
  std::string cmd = std::string(cc_env && *cc_env ? cc_env : "cc") + " -std=c99 -O2 -Wall -Wextra -Werror -pedantic";
  for (const std::string& s : sources) cmd += " " + shell_quote(s);
  const fs::path exe = tmp_path / "harness";
  cmd += " " + shell_quote(harness) + " -I " + shell_quote(outdir) + " -o " + shell_quote(exe.string());
  run_logged(cmd, (tmp_path / "build.log").string(), "validate: building the generated C");
  run_logged(shell_quote(exe.string()) + " " + shell_quote(in_file.string()) + " " + shell_quote(out_file.string()) +
                 " " + std::to_string(n),
             (tmp_path / "run.log").string(), "validate: running the generated C");
  return read_file(out_file.string());
}

int64_t argmax(const float* v, int64_t n) {
  return int64_t(std::max_element(v, v + n) - v);
}

std::string pct(int64_t a, int64_t b) { return fmt::format("{:.2f} %", b ? 100.0 * double(a) / double(b) : 0.0); }

}  // namespace

nlohmann::json ValidationResult::to_json() const {
  nlohmann::json j = {{"samples", samples},
                      {"bitexact_samples", bitexact_samples},
                      {"output_bytes", output_bytes},
                      {"bitexact_bytes", bitexact_bytes},
                      {"top1_agree", top1_agree},
                      {"has_labels", has_labels},
                      {"float_model", float_model},
                      {"has_float_reference", has_float_reference},
                      {"ran_on", ran_on}};
  if (ran_on != "host") j["instructions"] = {{"min", instructions_min}, {"max", instructions_max}};
  if (!has_float_reference) j["top1_agree"] = nullptr;
  if (has_labels) {
    j["correct_c"] = correct_c;
    j["correct_float"] = has_float_reference ? nlohmann::json(correct_float) : nlohmann::json(nullptr);
    j["accuracy_c"] = samples ? double(correct_c) / double(samples) : 0.0;
    j["accuracy_float"] = !has_float_reference ? nlohmann::json(nullptr) : nlohmann::json(samples ? double(correct_float) / double(samples) : 0.0);
  }
  return j;
}

std::string ValidationResult::to_text() const {
  std::string r = fmt::format("ran on {}", ran_on);
  if (ran_on != "host") r += fmt::format(": {} to {} instructions per inference", instructions_min, instructions_max);
  r += "\n";
  if (float_model)
    r += fmt::format("matches C++ float reference within {:g} relative: {}/{} samples ({})\n", kFloatTol,
                     bitexact_samples, samples, pct(bitexact_samples, samples));
  else
    r += fmt::format("bit-exact vs C++ int8 reference: {}/{} samples ({}), {}/{} output bytes\n", bitexact_samples,
                     samples, pct(bitexact_samples, samples), bitexact_bytes, output_bytes);
  if (has_float_reference)
    r += fmt::format("top-1 agreement with float: {} ({}/{})\n", pct(top1_agree, samples), top1_agree, samples);
  else
    r += "top-1 agreement with float: n/a (the model is int8 already, there is no float model)\n";
  if (has_labels)
    r += fmt::format("accuracy: float {}, {} C {}\n", has_float_reference ? pct(correct_float, samples) : std::string("n/a"),
                     float_model ? "float" : "int8", pct(correct_c, samples));
  return r;
}

ValidationResult validate(const std::string& outdir, const ValidationInput& p, const Array& data, const Array* labels,
                          const std::string& target) {
  const fs::path dir(outdir);
  nlohmann::json report;
  try {
    report = nlohmann::json::parse(read_file((dir / "report.json").string()));
  } catch (const nlohmann::json::exception& e) {
    fail("validate: {}/report.json is not valid JSON: {}", outdir, e.what());
  }
  if (!report.contains("name") || !report["name"].is_string()) fail("validate: {}/report.json has no model name", outdir);
  const std::string name = report["name"].get<std::string>();
  const Graph& g = *p.graph;
  const Tensor& gin = g.t(g.inputs.at(0));
  const Tensor& gout = g.t(g.outputs.at(0));
  const bool is_float = g.t(g.inputs.at(0)).dtype == DType::F32;
  if (report.value(nlohmann::json::json_pointer("/input/shape"), Shape{}) != gin.shape ||
      report.value(nlohmann::json::json_pointer("/input/dtype"), std::string()) != dtype_name(gin.dtype))
    fail("validate: {} no longer matches its source model (input shape or dtype differs); recompile it", outdir);

  Array x = to_graph_layout(*p.imported, data, "validation data");
  const int64_t per_in = gin.numel(), per_out = gout.numel();
  const int64_t n = x.shape.at(0);
  if (x.numel() != n * per_in)
    fail("validate: validation samples have {} values each, model input '{}' {} needs {}", x.numel() / std::max<int64_t>(n, 1),
         gin.name, shape_str(gin.shape), per_in);
  if (labels && labels->numel() != n) fail("validate: {} labels for {} samples", labels->numel(), n);

  // The exact bytes both sides get: int8 quantized as the graph input says, or float32.
  std::vector<uint8_t> q_in;
  const float* xf = x.as<float>();
  const size_t in_elem = dtype_size(gin.dtype);
  if (p.prequantized && data.dtype == DType::I8) {
    // int8 data for an int8 model: the bytes are the model input as they are.
    q_in.assign(data.bytes.data(), data.bytes.data() + n * per_in);
  } else if (!is_float) {
    q_in = quantize_input(g, x).bytes;
  }

  const std::string inputs = is_float ? std::string(reinterpret_cast<const char*>(xf), size_t(n * per_in) * sizeof(float))
                                      : std::string(q_in.begin(), q_in.end());
  ValidationResult r;
  std::string c_out;
  if (target.empty()) {
    c_out = run_on_host(outdir, name, inputs, n, is_float, gin.dtype == DType::I16);
    r.ran_on = "host";
  } else {
    RunOptions opt;
    opt.outdir = outdir;
    opt.target = target == "compiled" ? std::string() : target;
    opt.inputs = inputs;
    // A guard against a hang, not a budget: QEMU runs a few hundred million instructions a second.
    opt.timeout_s = 600 + 0.5 * double(n);
    opt.max_instructions = 4'000'000'000;
    const RunResult run = run_on_qemu(opt);
    for (const std::string& o : run.outputs) c_out += o;
    r.ran_on = fmt::format("{} on {} (QEMU)", run.target, run.board);
    r.instructions_min = *std::min_element(run.instructions.begin(), run.instructions.end());
    r.instructions_max = *std::max_element(run.instructions.begin(), run.instructions.end());
  }
  const size_t out_elem = dtype_size(gout.dtype);
  if (int64_t(c_out.size()) != n * per_out * int64_t(out_elem))
    fail("validate: the harness wrote {} bytes, expected {}", c_out.size(), n * per_out * int64_t(out_elem));

  r.samples = n;
  r.has_labels = labels != nullptr;
  r.float_model = is_float;
  r.has_float_reference = !p.prequantized;
  r.output_bytes = n * per_out * int64_t(out_elem);
  // Samples are independent: contiguous chunks on all cores, counts summed at the end.
  auto check_range = [&](int64_t from, int64_t to, ValidationResult& part) {
    std::vector<float> c_deq(static_cast<size_t>(per_out));
    for (int64_t s = from; s < to; ++s) {
      Array fref;
      if (!p.prequantized) {
        Array fin;
        fin.dtype = DType::F32;
        fin.shape = p.float_graph->t(p.float_graph->inputs.at(0)).shape;
        fin.bytes.assign(reinterpret_cast<const uint8_t*>(xf + s * per_in), reinterpret_cast<const uint8_t*>(xf + (s + 1) * per_in));
        fref = run_float(*p.float_graph, {fin}).at(0);
        if (fref.numel() != per_out) fail("validate: float model output has {} values, the C output {}", fref.numel(), per_out);
      }
      const float* fr = fref.as<float>();
      const uint8_t* cs = reinterpret_cast<const uint8_t*>(c_out.data()) + s * per_out * int64_t(out_elem);

      if (is_float) {
        std::memcpy(c_deq.data(), cs, size_t(per_out) * sizeof(float));
        int64_t ok = 0;
        for (int64_t k = 0; k < per_out; ++k)
          ok += std::fabs(double(c_deq[size_t(k)]) - double(fr[k])) <= kFloatTol * std::max(1.0, std::fabs(double(fr[k])));
        part.bitexact_bytes += ok * int64_t(sizeof(float));
        part.bitexact_samples += ok == per_out;
      } else {
        Array qin;
        qin.dtype = gin.dtype;
        qin.shape = gin.shape;
        qin.bytes.assign(q_in.data() + size_t(s * per_in) * in_elem, q_in.data() + size_t((s + 1) * per_in) * in_elem);
        const Array qref = run_int8(g, *p.calls, {qin}).at(0);
        const int64_t out_bytes = per_out * int64_t(out_elem);
        int64_t same = 0;
        for (int64_t k = 0; k < out_bytes; ++k) same += qref.bytes[size_t(k)] == cs[k];
        part.bitexact_bytes += same;
        part.bitexact_samples += same == out_bytes;
        Array c_arr;
        c_arr.dtype = gout.dtype;
        c_arr.shape = {per_out};
        c_arr.bytes.assign(cs, cs + out_bytes);
        const float scale = gout.quant.scale.at(0);
        const int32_t zp = gout.quant.zero_point.at(0);
        for (int64_t k = 0; k < per_out; ++k) c_deq[size_t(k)] = scale * (c_arr.get_f32(k) - float(zp));
      }
      const int64_t c_top = argmax(c_deq.data(), per_out);
      const int64_t f_top = p.prequantized ? -1 : argmax(fr, per_out);
      part.top1_agree += !p.prequantized && c_top == f_top;
      if (labels) {
        const int64_t label = int64_t(std::llround(labels->get_f32(s)));
        part.correct_c += c_top == label;
        part.correct_float += !p.prequantized && f_top == label;
      }
    }
  };
  const int64_t workers = std::clamp<int64_t>(int64_t(std::thread::hardware_concurrency()), 1, std::max<int64_t>(n / 8, 1));
  std::vector<ValidationResult> parts(static_cast<size_t>(workers));
  std::vector<std::exception_ptr> errors(static_cast<size_t>(workers));
  std::vector<std::thread> threads;
  for (int64_t w = 0; w < workers; ++w)
    threads.emplace_back([&, w] {
      try {
        check_range(n * w / workers, n * (w + 1) / workers, parts[size_t(w)]);
      } catch (...) {
        errors[size_t(w)] = std::current_exception();
      }
    });
  for (std::thread& t : threads) t.join();
  for (const std::exception_ptr& e : errors)
    if (e) std::rethrow_exception(e);
  for (const ValidationResult& part : parts) {
    r.bitexact_bytes += part.bitexact_bytes;
    r.bitexact_samples += part.bitexact_samples;
    r.top1_agree += part.top1_agree;
    r.correct_c += part.correct_c;
    r.correct_float += part.correct_float;
  }
  return r;
}

}  // namespace mote
