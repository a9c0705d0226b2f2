// Helpers shared by the end-to-end suites: temp dirs, files, shell commands, and building and
// running generated C on the host with a harness.
#pragma once
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace mote {

namespace fs = std::filesystem;

inline const char* const kCompilers[] = {"gcc", "clang"};
inline const std::string kFlags = " -std=c99 -O2 -Wall -Wextra -Werror -pedantic";

struct TempDir {
  fs::path path;
  TempDir() {
    std::string t = (fs::temp_directory_path() / "mote-e2e-XXXXXX").string();
    if (!::mkdtemp(t.data())) throw std::runtime_error("mkdtemp failed");
    path = t;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

inline std::string slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

inline void spit(const fs::path& p, const std::string& text) {
  std::ofstream f(p, std::ios::binary);
  f << text;
}

// Runs a shell command; returns its exit status and puts stdout+stderr in *log.
inline int shell(const std::string& cmd, const fs::path& log_file, std::string* log) {
  int rc = std::system((cmd + " > '" + log_file.string() + "' 2>&1").c_str());
  *log = slurp(log_file);
  return rc;
}

struct CliRun {
  int code = 0;
  std::string out, err;
};

// `mote ARGS` with stdout and stderr captured (stdin from /dev/null, so never a terminal).
inline CliRun mote_cli(const std::string& args) {
  TempDir d;
  const std::string out = (d.path / "stdout").string(), err = (d.path / "stderr").string();
  const int status = std::system((std::string(MOTE_CLI) + " " + args + " >" + out + " 2>" + err + " </dev/null").c_str());
  CliRun r;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = slurp(out);
  r.err = slurp(err);
  return r;
}

// A failed command: exit 1, exactly one line on stderr ("mote: error: ...") containing every
// needle, nothing at `left_out`.
inline void expect_clean_failure(const CliRun& r, const std::vector<std::string>& needles, const fs::path& left_out) {
  EXPECT_EQ(r.code, 1) << r.err;
  ASSERT_FALSE(r.err.empty());
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_EQ(r.err.rfind("mote: error: ", 0), 0u) << r.err;
  for (const auto& n : needles) EXPECT_NE(r.err.find(n), std::string::npos) << "'" << n << "' not in: " << r.err;
  EXPECT_FALSE(fs::exists(left_out)) << left_out << " was left behind";
}

// A harness main.c for the generated model NAME: `exe IN OUT N` reads N inputs from file IN, runs
// NAME_invoke on each and writes the N outputs to file OUT.
// A harness for a model whose input and output have the C element types IN_EL and OUT_EL.
inline std::string harness_source(const std::string& name, const std::string& in_el, const std::string& out_el) {
  std::string h = "#include <stdio.h>\n#include <stdlib.h>\n#include \"" + name + ".h\"\n";
  h += "static " + in_el + " x[" + name + "_INPUT_SIZE];\nstatic " + out_el + " y[" + name + "_OUTPUT_SIZE];\n";
  h += "int main(int argc, char **argv) {\n  FILE *fi;\n  FILE *fo;\n  long i;\n  long n;\n"
       "  if (argc != 4) {\n    return 2;\n  }\n  n = strtol(argv[3], NULL, 10);\n"
       "  fi = fopen(argv[1], \"rb\");\n  fo = fopen(argv[2], \"wb\");\n"
       "  if (!fi || !fo) {\n    return 3;\n  }\n"
       "  if (" + name + "_init() != 0) {\n    return 7;\n  }\n"
       "  for (i = 0; i < n; ++i) {\n    if (fread(x, sizeof x, 1, fi) != 1) {\n      return 4;\n    }\n"
       "    if (" + name + "_invoke(x, y) != 0) {\n      return 5;\n    }\n"
       "    fwrite(y, sizeof y, 1, fo);\n  }\n  fclose(fi);\n  fclose(fo);\n  return 0;\n}\n";
  return h;
}
inline std::string harness_source(const std::string& name, bool is_float) {
  return is_float ? harness_source(name, "float", "float") : harness_source(name, "int8_t", "int8_t");
}

// The command that compiles OUTDIR/*.c with the harness MAIN_C into EXE.
inline std::string harness_build_command(const fs::path& outdir, const fs::path& main_c, const fs::path& exe,
                                         const std::string& cc, const std::string& flags = kFlags) {
  return cc + flags + " '" + outdir.string() + "'/*.c '" + main_c.string() + "' -I '" + outdir.string() + "' -o '" +
         exe.string() + "'";
}

// The command that runs a harness built by harness_build_command on N inputs.
inline std::string harness_run_command(const fs::path& exe, const fs::path& in, const fs::path& out, int64_t n) {
  return "'" + exe.string() + "' '" + in.string() + "' '" + out.string() + "' " + std::to_string(n);
}

// Builds OUTDIR/*.c with the harness and runs it on n inputs; returns the raw output bytes.
// OUT_EL is the output's C element type when it is not the input's (int32 indices, say);
// IN_EL the input's when it is neither float nor int8_t (a 16x8 model's int16_t).
inline std::vector<uint8_t> build_and_run(const fs::path& outdir, const std::string& name, const std::string& cc,
                                   bool is_float, const void* inputs, size_t input_bytes, int64_t n,
                                   const std::string& out_el = "", const std::string& in_el_arg = "") {
  TempDir tmp;
  const std::string in_el = !in_el_arg.empty() ? in_el_arg : is_float ? "float" : "int8_t";
  spit(tmp.path / "main.c", harness_source(name, in_el, out_el.empty() ? in_el : out_el));
  {
    std::ofstream f(tmp.path / "in.bin", std::ios::binary);
    f.write(static_cast<const char*>(inputs), std::streamsize(input_bytes));
  }
  std::string log;
  int rc = shell(harness_build_command(outdir, tmp.path / "main.c", tmp.path / "exe", cc), tmp.path / "build.log", &log);
  EXPECT_EQ(rc, 0) << cc << " failed on " << outdir << ":\n" << log;
  if (rc != 0) return {};
  rc = shell(harness_run_command(tmp.path / "exe", tmp.path / "in.bin", tmp.path / "out.bin", n), tmp.path / "run.log", &log);
  EXPECT_EQ(rc, 0) << "harness failed: " << log;
  std::string out = slurp(tmp.path / "out.bin");
  return std::vector<uint8_t>(out.begin(), out.end());
}

}  // namespace mote
