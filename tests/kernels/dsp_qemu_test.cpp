// The DSP kernels as the cores run them: their assembly paths exist only on the Cortex-M, so
// here random Conv, depthwise Conv, Add, AvgPool and FullyConnected (dense and sparse) graphs are compiled to C for
// cortex-m4, m7 and m33, cross-built into one firmware per core with arm-none-eabi-gcc (for the
// M4 also at -O0 and -Os, where the kernels run the C versions of their asm) and run on
// qemu-system-arm (semihosting). Every output must equal the int8 reference executor's on the
// portable lowering.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "backend/c/codegen.h"
#include "dsp_test_util.h"
#include "e2e/e2e_util.h"
#include "encode/graph.h"
#include "encode/weights.h"
#include "lower/families.h"
#include "mote/decode.h"
#include "plan/planner.h"
#include "ref/executor.h"
#include "qemu_util.h"
#include "require.h"

namespace mote {
namespace {

using test::ConvCase;
using test::Rng;

struct Core {
  const char* target;   // lowering target and -mcpu
  const char* fpu;      // float ABI flags
  const char* opt;      // -O level: -O0 and -Os build the kernels' C versions of their asm
  const char* machine;  // qemu-system-arm -machine
  const char* code;     // the board's code and data memory
  const char* ram;
};

// The MPS2 boards QEMU models for each core; AN505 (M33) boots from its secure aliases.
const Core kCores[] = {
    {"cortex-m4", "-mfloat-abi=hard -mfpu=fpv4-sp-d16", "-O2", "mps2-an386", "0x00000000", "0x20000000"},
    {"cortex-m4", "-mfloat-abi=hard -mfpu=fpv4-sp-d16", "-O0", "mps2-an386", "0x00000000", "0x20000000"},
    {"cortex-m4", "-mfloat-abi=hard -mfpu=fpv4-sp-d16", "-Os", "mps2-an386", "0x00000000", "0x20000000"},
    {"cortex-m7", "-mfloat-abi=hard -mfpu=fpv5-d16", "-O2", "mps2-an500", "0x00000000", "0x20000000"},
    {"cortex-m33", "-mfloat-abi=hard -mfpu=fpv5-sp-d16", "-O2", "mps2-an505", "0x10000000", "0x38000000"},
};

std::string c_bytes(const std::string& name, const uint8_t* p, size_t n) {
  return test::c_array("int8_t", name, reinterpret_cast<const int8_t*>(p), n);
}

// x (zero point k.in_zp) and a 1x1 conv of it (k) added or subtracted: one input, and the conv's
// output dies at the Add, which may then write over it.
Graph add_graph(Rng& r, const ConvCase& k, OpKind op) {
  Graph g;
  const int x = g.add_value("x", DType::I8, {1, k.h, k.w, k.cin}, Layout::NHWC);
  g.t(x).quant = test::per_tensor(0.05, k.in_zp);
  g.inputs = {x};
  const int b = test::add_conv(g, r, k, x, 0.05f);
  const int y = g.add_value("sum", DType::I8, {1}, Layout::NHWC);
  g.t(y).quant = test::per_tensor(r.u(0.02, 0.4), r.i(-100, 100));
  Node& n = g.add_node(op, "add", {x, b}, {y}, {});
  g.t(y).shape = infer_shape(g, n);
  g.outputs = {y};
  return g;
}

// x -> AvgPool (kernel k x k2, stride s, no padding).
Graph pool_graph(const Shape& in, int64_t k, int64_t k2, int64_t s) {
  Graph g;
  const int x = g.add_value("x", DType::I8, in, Layout::NHWC);
  g.t(x).quant = test::per_tensor(0.05, 3);
  g.inputs = {x};
  const int y = g.add_value("pool", DType::I8, {1}, Layout::NHWC);
  g.t(y).quant = g.t(x).quant;
  Attrs a;
  a.set("kernel", std::vector<int64_t>{k, k2});
  a.set("strides", std::vector<int64_t>{s, s});
  a.set("pads", std::vector<int64_t>{0, 0, 0, 0});
  Node& n = g.add_node(OpKind::AvgPool, "avg", {x}, {y}, a);
  g.t(y).shape = infer_shape(g, n);
  g.outputs = {y};
  return g;
}

// One graph of the sweep: its generated C in dir/NAME, the input, the portable reference output.
struct Case {
  std::string name;
  Array input;
  std::vector<uint8_t> want;
};

Case make_case(const Graph& g, Rng& r, const std::string& name, const char* target, const fs::path& dir) {
  Case c;
  c.name = name;
  const Tensor& x = g.t(g.inputs.at(0));
  c.input.dtype = DType::I8;
  c.input.shape = x.shape;
  for (int8_t v : r.s8(size_t(x.numel()))) c.input.bytes.push_back(uint8_t(v));
  c.want = run_int8(g, lower(g, host_target()).calls, {c.input}).at(0).bytes;
  const Lowered low = lower(g, target_named(target));
  const MemoryPlan plan = plan_memory(g, low);
  CodegenInput in;
  in.graph = &g;
  in.calls = &low.calls;
  in.plan = &plan;
  in.name = name;
  emit_c(in, (dir / name).string());
  return c;
}

// main.c's direct calls of mote_fully_connected_s8_sparse8_dsp on one byte-group blob copied to
// a 4-byte aligned address and one byte past it: its LDRD path and its two-LDR path, each against the
// host's run of the kernel (its C version). Returns the code; `calls` counts the calls.
std::string sparse8_unaligned_code(Rng& r, int* calls) {
  const int32_t k = 301, m = 13;
  std::vector<int8_t> w = r.s8(size_t(m) * k, -127, 127);
  for (auto& v : w)
    if (r.i(0, 99) < 90) v = 0;
  const EncodedWeights e = encode_weights(w, m, k, {true, false, 8, false, 0, true}, "w");
  std::vector<int32_t> bias = r.s32(size_t(m), -5000, 5000), mult(static_cast<size_t>(m)), shift(static_cast<size_t>(m));
  for (int32_t o = 0; o < m; ++o) mult[size_t(o)] = r.i(1 << 30, INT32_MAX), shift[size_t(o)] = -r.i(6, 12);
  const std::vector<int32_t> chan = dsp_records(w.data(), m, k, bias.data(), mult.data(), shift.data(), true, 0, -3).value();
  const mote_fc_s8_dsp_params p{1, k, m, -128, 127, 0};
  const std::vector<int8_t> x = r.s8(size_t(k));
  std::vector<int8_t> want(static_cast<size_t>(m));
  mote_wenc d = e.view();
  EXPECT_EQ(mote_fully_connected_s8_sparse8_dsp(&p, x.data(), &d, chan.data(), want.data()), MOTE_OK);
  std::string c = c_bytes("ublob", e.blob.data(), e.blob.size()) + "static const int32_t uchan[] = {";
  for (size_t i = 0; i < chan.size(); ++i) c += (i ? "," : "") + std::to_string(chan[i]);
  c += "};\n" + c_bytes("ux", reinterpret_cast<const uint8_t*>(x.data()), x.size()) +
       c_bytes("uwant", reinterpret_cast<const uint8_t*>(want.data()), want.size());
  c += "static uint32_t ucopy[" + std::to_string(e.blob.size() / 4 + 2) + "];\n" +
       "static int sparse8_at(size_t at) {\n  uint8_t *copy = (uint8_t *)ucopy + at;\n  int8_t out[" + std::to_string(m) +
       "];\n  mote_wenc d;\n  const mote_fc_s8_dsp_params p = {1, " + std::to_string(k) + ", " + std::to_string(m) +
       ", -128, 127, 0, 0};\n  memcpy(copy, ublob, sizeof ublob);\n  memset(&d, 0, sizeof d);\n  d.blob = copy;\n" +
       "  d.bytes = " + std::to_string(d.bytes) + "u;\n  d.rows = " + std::to_string(m) + ";\n  d.row_len = " +
       std::to_string(k) + ";\n  d.vbits = 8;\n  d.sparse = MOTE_WENC_GROUPS;\n  d.ibits = 8;\n  d.entries = " +
       std::to_string(d.entries) + "u;\n  return mote_fully_connected_s8_sparse8_dsp(&p, ux, &d, uchan, out) == MOTE_OK &&" +
       " memcmp(out, uwant, sizeof out) == 0;\n}\n";
  *calls = 2;
  return c;
}

TEST(DspQemu, KernelsOnTheCoresMatchTheReference) {
  TempDir probe;
  std::string log;
  MOTE_REQUIRE(shell("(arm-none-eabi-gcc --version && qemu-system-arm --version)", probe.path / "probe.log", &log) == 0)
      << "arm-none-eabi-gcc and qemu-system-arm are needed";
  for (const Core& core : kCores) {
    TempDir dir;
    Rng r(821);
    std::vector<Case> cases;
    std::set<std::string> kernels;
    for (int t = 0; t < 48; ++t) {  // every other one chained: the plan may then run it in place
      ConvCase k = test::random_case(r, t % 2 == 1);
      cases.push_back(make_case(test::conv_graph(r, k, t % 4 >= 2), r, "c" + std::to_string(t), core.target, dir.path));
    }
    // The MLPerf layer shapes: 3x3 depthwise over 64 channels (its unrolled windows), 3x3 and 1x1 convs.
    for (int t = 0; t < 3; ++t) {
      ConvCase k;
      k.h = 25, k.w = 5, k.cin = k.cout = t == 2 ? 16 : 64, k.kh = k.kw = t == 1 ? 1 : 3;
      k.pt = k.pl = k.pb = k.pr = t == 1 ? 0 : 1, k.in_zp = -128, k.out_zp = -128, k.act_min = 0.0f;
      k.depthwise = t == 0;
      cases.push_back(make_case(test::conv_graph(r, k, true), r, "m" + std::to_string(t), core.target, dir.path));
    }
    // Blocks of three pixels over narrow rows (a block spans rows; chained, the ring in place):
    // 1x1 (pointwise path, or gathered) and 3x3 convs, channels matching.
    for (int t = 0; t < 4; ++t) {
      ConvCase k = test::random_case(r, false);
      k.w = t + (t > 1 ? 2 : 1), k.h = r.i(2, 7), k.kh = k.kw = t % 2 == 0 ? 1 : 3;
      k.sh = k.sw = k.dh = k.dw = 1, k.pt = k.pl = k.pb = k.pr = k.kh / 2;
      k.cin = k.cout = t == 2 ? 5 : 8 * (t + 1);
      cases.push_back(make_case(test::conv_graph(r, k, true), r, "b" + std::to_string(t), core.target, dir.path));
    }
    // The plane depthwise kernel: 3x3 of stride 1, rows of 12 or more, pads 0 to 2, odd
    // widths; chained ones may run in place.
    for (int t = 0; t < 6; ++t) {
      ConvCase k = test::random_case(r, true);
      k.kh = k.kw = 3, k.sh = k.sw = 1, k.dh = k.dw = 1, k.pt = r.i(0, 2), k.pl = r.i(0, 2);
      k.w = r.pick(std::vector<int32_t>{14, 17, 19}), k.h = r.i(1, 6);
      k.pb = std::max(r.i(0, 2), 3 - k.h - k.pt), k.pr = std::max(r.i(0, 2), 3 - k.w - k.pl);
      cases.push_back(make_case(test::conv_graph(r, k, t % 2 == 1), r, "d" + std::to_string(t), core.target, dir.path));
    }
    for (int t = 0; t < 6; ++t) {
      ConvCase k;
      k.h = r.i(1, 9), k.w = r.i(1, 9), k.cin = k.cout = r.i(1, 19), k.in_zp = r.i(-128, 127), k.out_zp = r.i(-100, 100);
      cases.push_back(make_case(add_graph(r, k, t % 3 == 2 ? OpKind::Sub : OpKind::Add), r, "a" + std::to_string(t),
                                core.target, dir.path));
    }
    // FullyConnected over odd lengths, rows not a multiple of 4, batches; the AD model's 640 -> 128.
    for (int t = 0; t < 8; ++t) {
      test::FcCase k;
      k.batches = r.i(1, 3), k.k = t == 0 ? 640 : r.i(1, 97), k.m = t == 0 ? 128 : r.i(1, 19);
      k.in_zp = t == 0 ? -128 : r.i(-128, 127), k.out_zp = r.i(-100, 100), k.relu = t % 2 == 0;
      k.per_channel = t % 3 != 0;
      k.real_hi = 0.5 / std::sqrt(double(k.k)), k.real_lo = k.real_hi / 100;
      cases.push_back(make_case(test::fc_graph(r, k), r, "f" + std::to_string(t), core.target, dir.path));
    }
    // Sparse FullyConnected (--encode sparse: byte groups) at 90 and 99 % zeros, over rows long
    // enough for filler entries.
    for (int t = 0; t < 6; ++t) {
      test::FcCase k;
      k.batches = r.i(1, 2), k.k = t == 0 ? 784 : t == 1 ? 1031 : r.i(40, 300), k.m = t == 0 ? 300 : r.i(1, 23);
      k.in_zp = r.i(-128, 127), k.out_zp = r.i(-100, 100), k.relu = t % 2 == 0;
      k.per_channel = t % 3 != 0;
      k.real_hi = 0.5 / std::sqrt(double(k.k)), k.real_lo = k.real_hi / 100;
      Graph g = test::fc_graph(r, k);
      Tensor& w = g.t(g.nodes.at(0).in(1));
      for (int64_t i = 0; i < w.numel(); ++i)
        if (r.i(0, 99) < (t % 2 ? 99 : 90)) w.as_mut<int8_t>()[i] = 0;
      encode_graph(g, {EncodeMode::Sparse, 0});
      ASSERT_TRUE(node_encoding(g.nodes.at(0)).has_value() && node_encoding(g.nodes.at(0))->groups) << k.str();
      cases.push_back(make_case(g, r, "s" + std::to_string(t), core.target, dir.path));
    }
    cases.push_back(make_case(pool_graph({1, 25, 5, 64}, 25, 5, 1), r, "p0", core.target, dir.path));
    cases.push_back(make_case(pool_graph({1, 16, 16, 7}, 16, 16, 1), r, "p1", core.target, dir.path));
    cases.push_back(make_case(pool_graph({2, 7, 9, 13}, 3, 2, 2), r, "p2", core.target, dir.path));

    // main.c: every case against its expected bytes; runtime sources once, from the first case
    // that has each.
    std::string main_c = "#include <stdio.h>\n#include <string.h>\n";
    std::map<std::string, fs::path> runtime;
    std::string sources, includes;
    size_t max_out = 1;
    for (const Case& c : cases) {
      main_c += "#include \"" + c.name + ".h\"\n";
      includes += " -I '" + (dir.path / c.name).string() + "'";
      sources += " '" + (dir.path / c.name / (c.name + ".c")).string() + "'";
      for (const auto& e : fs::directory_iterator(dir.path / c.name)) {
        const std::string f = e.path().filename().string();
        if (f.rfind("mote_", 0) == 0 && e.path().extension() == ".c") runtime.emplace(f, e.path());
        if (f.find("_dsp.c") != std::string::npos) kernels.insert(f);
      }
      max_out = std::max(max_out, c.want.size());
    }
    for (const auto& [f, path] : runtime) sources += " '" + path.string() + "'";
    for (const Case& c : cases) main_c += c_bytes(c.name + "_x", c.input.bytes.data(), c.input.bytes.size()) +
                                          c_bytes(c.name + "_want", c.want.data(), c.want.size());
    int direct = 0;
    main_c += "#include \"mote/decode.h\"\n" + sparse8_unaligned_code(r, &direct);
    main_c += "static int8_t y[" + std::to_string(max_out) + "];\nint main(void) {\n  int bad = 0;\n";
    main_c += "  if (!sparse8_at(0)) {\n    printf(\"case sparse8 aligned differs\\n\");\n    ++bad;\n  }\n";
    main_c += "  if (!sparse8_at(1)) {\n    printf(\"case sparse8 unaligned differs\\n\");\n    ++bad;\n  }\n";
    for (const Case& c : cases)
      main_c += "  if (" + c.name + "_init() != 0 || " + c.name + "_invoke(" + c.name + "_x, y) != 0 || memcmp(y, " + c.name + "_want, sizeof " + c.name +
                "_want) != 0) {\n    printf(\"case " + c.name + " differs\\n\");\n    ++bad;\n  }\n";
    main_c += "  printf(\"dsp sweep: %d of " + std::to_string(cases.size() + size_t(direct)) + " differ\\n\", bad);\n  return 0;\n}\n";
    spit(dir.path / "main.c", main_c);
    spit(dir.path / "startup.c", test::kStartup);
    spit(dir.path / "board.ld", test::linker_script(core.code, core.ram));

    const std::string flags = std::string("-mcpu=") + core.target + " -mthumb " + core.fpu + " " + core.opt;
    const std::string build = "(cd '" + dir.path.string() + "' && arm-none-eabi-gcc " + flags + " -c startup.c -o startup.o && " +
                              "arm-none-eabi-gcc " + flags + " -std=c99 -Wall -Wextra -Werror -pedantic" + includes + sources + " main.c startup.o" +
                              " --specs=rdimon.specs -T board.ld -o fw.elf)";
    ASSERT_EQ(shell(build, dir.path / "build.log", &log), 0) << core.target << " " << core.opt << " build failed:\n" << log.substr(0, 4000);
    const std::string run = "timeout 300 qemu-system-arm -machine " + std::string(core.machine) +
                            " -semihosting -nographic -kernel '" + (dir.path / "fw.elf").string() + "'";
    ASSERT_EQ(shell(run, dir.path / "run.log", &log), 0) << core.target << " " << core.opt << " run failed:\n" << log;
    EXPECT_NE(log.find("dsp sweep: 0 of " + std::to_string(cases.size() + size_t(direct)) + " differ"), std::string::npos)
        << core.target << " " << core.opt << ":\n" << log;
    EXPECT_EQ(kernels, (std::set<std::string>{"mote_add_s8_dsp.c", "mote_avgpool_s8_dsp.c", "mote_conv2d_s8_dsp.c",
                                              "mote_depthwise_conv2d_3x3_s8_dsp.c", "mote_depthwise_conv2d_s8_dsp.c", "mote_fully_connected_s8_dsp.c",
                                              "mote_fully_connected_s8_sparse8_dsp.c"}))
        << core.target;
  }
}

}  // namespace
}  // namespace mote
