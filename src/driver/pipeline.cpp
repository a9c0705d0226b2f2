#include "driver/pipeline.h"

#include <filesystem>

#include "backend/c/codegen.h"
#include "backend/c/frontend.h"
#include "dsp/features.h"
#include "driver/share_scan.h"
#include "frontend/import.h"
#include "io/array.h"
#include "io/layout.h"
#include "ir/verify.h"
#include "passes/passes.h"
#include "report/report.h"
#include "target/footprint.h"
#include "util/file.h"

namespace mote {

bool Pipeline::quantized() const {
  if (graph.inputs.empty()) return false;
  const DType d = graph.t(graph.inputs[0]).dtype;
  return d == DType::I8 || d == DType::I16;
}

namespace {

// Appends Softmax over the last axis to g's only output, unless g already ends in one.
void append_softmax(Graph& g, const std::string& model) {
  if (g.outputs.size() != 1) fail("--posteriors: {} has {} outputs; it takes models of one", model, g.outputs.size());
  const int out = g.outputs[0];
  const Tensor t = g.t(out);
  const int p = g.producer(out);
  if (p >= 0 && g.nodes[size_t(p)].op == OpKind::Softmax && g.nodes[size_t(p)].attrs.i("axis", -1) == int64_t(t.shape.size()) - 1)
    return;
  const int post = g.add_value(t.name + "_posteriors", DType::F32, t.shape, t.layout);
  Attrs a;
  a.set("axis", AttrValue(int64_t(t.shape.size()) - 1));
  g.add_node(OpKind::Softmax, t.name + "_softmax", {out}, {post}, a);
  g.outputs[0] = post;
}

MfccSettings read_frontend(const std::string& path) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(read_file(path));
  } catch (const nlohmann::json::exception& e) {
    fail("{}: not JSON: {}", path, e.what());
  }
  return frontend_settings(j, path);
}

}  // namespace

Pipeline run_pipeline(const PipelineOptions& opt) {
  Pipeline p;
  p.imported = import_model(opt.model);
  verify(p.imported, "import");
  if (is_prequantized(p.imported)) {
    // The file's quantization is final: no float graph to calibrate.
    p.prequantized = true;
    p.graph = p.imported;
    canonicalize(p.graph);
    if (opt.posteriors) fail("--posteriors: {} is already int8; add the Softmax before quantizing it", opt.model);
    if (!opt.calib.empty() && opt.encode.share_bits != kShareAuto)
      p.note = fmt::format("{} is already int8; calibration data {} is not used", opt.model, opt.calib);
  } else {
    p.float_graph = p.imported;
    canonicalize(p.float_graph);
    if (opt.posteriors) {
      append_softmax(p.float_graph, opt.model);
      verify(p.float_graph, "--posteriors");
    }
    p.graph = p.float_graph;
  }
  Array calib;
  if (!opt.calib.empty()) {
    calib = to_graph_layout(p.imported, load_array(opt.calib, opt.calib_key), opt.calib);
    if (opt.calib_limit > 0 && calib.shape[0] > opt.calib_limit) {
      int64_t per = calib.numel() / calib.shape[0];
      calib.shape[0] = opt.calib_limit;
      calib.bytes.resize(size_t(opt.calib_limit * per) * sizeof(float));
    }
  }
  QuantParams input_quant;
  if (!opt.frontend.empty()) {
    p.frontend = mfcc_tables(read_frontend(opt.frontend));
    const MfccSettings& s = p.frontend->settings;
    input_quant.scale = {float(s.n_mfcc ? s.mfcc_scale : s.mel_scale)};
    input_quant.zero_point = {s.n_mfcc ? s.mfcc_zp : s.mel_zp};
    if (opt.calib.empty() && !p.prequantized)
      fail("--frontend {}: give --calib (features from mote features): the front end feeds an int8 network", opt.frontend);
    if (opt.activations != DType::I8) fail("--frontend {}: the front end writes int8; --activations int16 cannot take it", opt.frontend);
  }
  if (!p.prequantized && !opt.calib.empty())
    p.graph = quantize(p.float_graph, calib, opt.method, &p.quant_report, opt.activations,
                       p.frontend ? &input_quant : nullptr);
  if (p.frontend) {
    frontend_frames(*p.frontend, p.graph);  // the features fill the input, or a clear error now
    const QuantParams& q = p.graph.t(p.graph.inputs[0]).quant;
    if (q.scale.size() != 1 || q.scale[0] != input_quant.scale[0] || q.zero_point[0] != input_quant.zero_point[0])
      fail("--frontend {}: {}'s input is quantized with scale {} and zero point {}, the front end's features with {} and {}",
           opt.frontend, opt.model, q.scale.empty() ? 0.f : q.scale[0], q.zero_point.empty() ? 0 : q.zero_point[0],
           input_quant.scale[0], input_quant.zero_point[0]);
  }
  if (opt.encode.mode != EncodeMode::None) {
    EncodeOptions enc = opt.encode;
    if (enc.share_bits == kShareAuto) {
      if (opt.calib.empty()) fail("--share-bits auto: give --calib, the samples its sensitivity scan runs");
      const ShareScan scan = scan_share_bits(p.graph, calib);
      enc.layer_bits = scan.bits;
      std::string layers;
      for (size_t i = 0; i < scan.bits.size(); ++i)
        if (scan.bits[i])
          layers += fmt::format("{}{} {} bits", layers.empty() ? "" : ", ", p.graph.nodes[i].name, scan.bits[i]);
      p.note += fmt::format("{}weight sharing chosen per layer: {}; output noise {:.2f} % of its variance (at most {:.0f} %)",
                            p.note.empty() ? "" : "; ", layers, 100 * scan.noise_all, 100 * kShareNoiseTol);
    }
    encode_graph(p.graph, enc);
    verify(p.graph, "encode");
  }
  Lowered low = lower(p.graph, target_named(opt.target));
  p.calls = std::move(low.calls);
  p.plan = plan_memory(p.graph, low);
  return p;
}

CodegenInput codegen_input(const Pipeline& p, const std::string& name) {
  CodegenInput in;
  in.graph = &p.graph;
  in.calls = &p.calls;
  in.plan = &p.plan;
  in.name = name;
  in.frontend = p.frontend ? &*p.frontend : nullptr;
  return in;
}

nlohmann::json write_compiled(const Pipeline& p, const PipelineOptions& opt, const std::string& name,
                              const std::string& outdir) {
  nlohmann::json sqnr = nlohmann::json::array();
  for (const LayerSqnr& l : p.quant_report.layers) sqnr.push_back({{"node", l.node}, {"op", l.op}, {"sqnr_db", l.sqnr_db}});
  nlohmann::json r = make_report(p.graph, p.calls, p.plan, name);
  r["source"] = compile_settings(opt, outdir);
  r["quantization"] = sqnr;
  if (p.frontend) {
    const mote_mfcc_params fp = p.frontend->params();
    r["frontend"] = {{"settings", to_json(p.frontend->settings)},
                     {"frames", frontend_frames(*p.frontend, p.graph)},
                     {"table_bytes", p.frontend->table_bytes()},
                     {"scratch_bytes", mote_mfcc_s16_scratch_bytes(&fp)}};
  }
  const CodegenInput in = codegen_input(p, name);
  std::map<std::string, std::string> files = generate_c(in);
  if (opt.target != host_target().name) {
    const ModelSource m{files.at(name + ".c"), &p.graph, &p.calls, &p.plan};
    try {
      r["target_build"] = target_build_report(opt.target, opt.part, m, name);
    } catch (const Error& e) {
      // Without a prediction (mote built without arm-none-eabi-gcc, say) the code still
      // compiles; only a requested fit check needs one.
      if (!opt.part.empty()) throw;
      r["target_build"] = {{"target", opt.target}, {"predicted", nullptr}, {"note", e.what()}};
    }
  } else if (!opt.part.empty()) {
    fail("--part {} needs a Cortex-M --target (a part belongs to a core's profile)", opt.part);
  }
  files["report.json"] = r.dump(2) + "\n";
  write_output(outdir, files);
  return r;
}

nlohmann::json compile_settings(const PipelineOptions& opt, const std::string& outdir) {
  namespace fs = std::filesystem;
  const fs::path base = fs::absolute(outdir).lexically_normal();
  auto rel = [&](const std::string& path) {
    return path.empty() ? std::string() : fs::absolute(path).lexically_normal().lexically_relative(base).string();
  };
  return {{"model", rel(opt.model)}, {"calib", rel(opt.calib)}, {"calib_key", opt.calib_key},
          {"method", calib_method_name(opt.method)}, {"activations", activations_name(opt.activations)},
          {"calib_limit", opt.calib_limit}, {"target", opt.target}, {"part", opt.part},
          {"encode", encode_mode_name(opt.encode.mode)}, {"frontend", rel(opt.frontend)},
          {"posteriors", opt.posteriors},
          {"share_bits", opt.encode.share_bits == kShareAuto ? nlohmann::json("auto") : nlohmann::json(opt.encode.share_bits)}};
}

PipelineOptions options_from_settings(const nlohmann::json& settings, const std::string& outdir) {
  namespace fs = std::filesystem;
  if (!settings.is_object() || !settings.contains("model"))
    fail("{}: report.json names no source model; compile it with mote compile", outdir);
  auto path = [&](const char* key) {
    const std::string v = settings.value(key, "");
    return v.empty() ? v : (fs::path(outdir) / v).lexically_normal().string();
  };
  PipelineOptions opt;
  opt.model = path("model");
  opt.calib = path("calib");
  opt.calib_key = settings.value("calib_key", "");
  opt.method = calib_method_from_name(settings.value("method", "minmax"));
  opt.activations = activations_from_name(settings.value("activations", "int8"));
  opt.calib_limit = settings.value("calib_limit", int64_t(0));
  opt.target = settings.value("target", "host");
  opt.part = settings.value("part", "");
  opt.encode.mode = encode_mode_from_name(settings.value("encode", "none"));
  opt.frontend = path("frontend");
  opt.posteriors = settings.value("posteriors", false);
  const nlohmann::json bits = settings.value("share_bits", nlohmann::json(0));
  opt.encode.share_bits = bits.is_string() ? share_bits_from_name(bits.get<std::string>()) : bits.get<int>();
  return opt;
}

}  // namespace mote
