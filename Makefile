# Thin wrapper around CMake.  `make demo` and `make check` are the two
# commands of the README; both install missing Debian packages first.
BUILD     ?= build
BUILD_SAN ?= build-asan
BUILD_FUZZ ?= build-fuzz
FUZZ_SECONDS ?= 60
JOBS      ?= $(shell nproc)
CMAKE_FLAGS ?=

PREFIX    ?= /usr/local
DESTDIR   ?=

.PHONY: all deps build demo check check-fast check-asan check-fuzz bench format clean install

all: build

deps:
	@./scripts/deps.sh

build: deps
	cmake -S . -B $(BUILD) -DCST_WERROR=ON $(CMAKE_FLAGS) >/dev/null
	cmake --build $(BUILD) -j $(JOBS)

# Headers, libconstrictor.{a,so}, constrictor.pc, the CMake package, the
# program and its man page under $(PREFIX) (staged under $(DESTDIR) if set).
# Needs only the build dependencies (cmake, a C compiler, libpcap-dev).
install:
	cmake -S . -B $(BUILD) -DCST_WERROR=ON -DCMAKE_INSTALL_PREFIX=$(PREFIX) $(CMAKE_FLAGS) >/dev/null
	cmake --build $(BUILD) -j $(JOBS)
	DESTDIR=$(DESTDIR) cmake --install $(BUILD)

demo: build
	@./scripts/demo.sh $(BUILD)

# The whole suite, then every libFuzzer target for FUZZ_SECONDS from its
# committed corpus, then the suite once more under AddressSanitizer + UBSan
# (last, so that the run ends with CTest's summary line).
check: check-fast check-fuzz check-asan

check-fast: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

check-asan: deps
	cmake -S . -B $(BUILD_SAN) -DCST_WERROR=ON -DCST_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug $(CMAKE_FLAGS) >/dev/null
	cmake --build $(BUILD_SAN) -j $(JOBS)
	cd $(BUILD_SAN) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		CST_SANITIZED=1 ctest --output-on-failure -j $(JOBS)

# clang + libFuzzer + ASan/UBSan; only the fuzz binaries are built.  Two
# targets run at a time; a crash prints its reproducer (tests/fuzz/run_ci.sh).
check-fuzz: deps
	CC=clang cmake -S . -B $(BUILD_FUZZ) -DCST_WERROR=ON -DCST_FUZZ=ON -DCST_SANITIZE=ON $(CMAKE_FLAGS) >/dev/null
	cmake --build $(BUILD_FUZZ) -j $(JOBS) --target fuzz-all
	./tests/fuzz/run_ci.sh $(BUILD_FUZZ) $(FUZZ_SECONDS) 2

bench: build
	@./bench/run-all.sh $(BUILD)

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD) $(BUILD_SAN) $(BUILD_FUZZ)
