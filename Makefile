# mote: the two set-up commands are `make demo` and `make test`; each installs what it needs.
BUILD ?= build
JOBS ?= 2
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo
FUZZ_SECONDS ?= 60
FUZZ_BENCH_RUNS ?= 1000000

.PHONY: all deps build test demo bench fuzz fuzz-bench clean

all: build

deps:
	@if [ "$$(id -u)" -eq 0 ]; then bash scripts/install-deps.sh; else sudo bash scripts/install-deps.sh; fi

build: deps
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS) >/dev/null
	cmake --build $(BUILD) -j$(JOBS)

test: build
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS)

# The keyword-spotting pipeline end to end (examples/kws); builds only the mote command.
demo: deps
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS) >/dev/null
	cmake --build $(BUILD) -j$(JOBS) --target mote
	bash examples/kws/run.sh $(BUILD)

bench: build
	bash bench/run.sh $(BUILD)

# libFuzzer targets, built with clang in build-fuzz; fails on any crash, leak or sanitizer report.
fuzz: deps
	FUZZ_SECONDS=$(FUZZ_SECONDS) JOBS=$(JOBS) bash scripts/fuzz.sh

# FUZZ_BENCH_RUNS inputs per target, figures into the Fuzzing section of docs/results.md.
fuzz-bench: deps
	FUZZ_SECONDS=100000 FUZZ_RUNS=$(FUZZ_BENCH_RUNS) FUZZ_RESULTS=docs/results.md JOBS=$(JOBS) bash scripts/fuzz.sh

clean:
	rm -rf $(BUILD) build-fuzz
