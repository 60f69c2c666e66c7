# Thin wrapper around CMake.  `make demo` and `make check` are the two
# commands of the README; both install missing Debian packages first.
BUILD     ?= build
BUILD_SAN ?= build-asan
JOBS      ?= $(shell nproc)
CMAKE_FLAGS ?=

PREFIX    ?= /usr/local
DESTDIR   ?=

.PHONY: all deps build demo check check-fast check-asan bench format clean install

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

# The whole suite, then once more under AddressSanitizer + UBSan.
check: check-fast check-asan

check-fast: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

check-asan: deps
	cmake -S . -B $(BUILD_SAN) -DCST_WERROR=ON -DCST_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug $(CMAKE_FLAGS) >/dev/null
	cmake --build $(BUILD_SAN) -j $(JOBS)
	cd $(BUILD_SAN) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		CST_SANITIZED=1 ctest --output-on-failure -j $(JOBS)

bench: build
	@./bench/run-all.sh $(BUILD)

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD) $(BUILD_SAN)
