# Parlour build. `make` builds the three daemons; `make run` and `make test`
# are the two commands a newcomer needs (see README.md).
#
# Sources are found by wildcard: a new .c file in a component's directory is
# built into that component without editing this file. Each component except
# common/ also becomes a static library (everything but its main.c) so unit
# tests can link the real code.

BUILD     ?= build
CC        ?= gcc
PKGS      := glib-2.0 gio-2.0 gobject-2.0 jansson libwebsockets openssl sqlite3 nice \
             libsrtp2 libpq gstreamer-1.0 gstreamer-sdp-1.0 gstreamer-rtp-1.0 gstreamer-webrtc-1.0 \
             gstreamer-app-1.0 gstreamer-base-1.0 gstreamer-video-1.0 libsoup-3.0
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

# libsrtp2 built with OpenSSL by scripts/install-deps (AES-NI; Debian's is
# built with NSS, 1.7-4.4x slower per packet: docs/performance.md), preferred
# when present; its headers and library come before the system's. After it
# first appears, `make clean` so everything relinks against it.
SRTP_LOCAL := $(abspath deps/libsrtp2-openssl)
ifneq ($(wildcard $(SRTP_LOCAL)/lib/libsrtp2.so),)
  PKG_CFLAGS := -I$(SRTP_LOCAL)/include $(PKG_CFLAGS)
  PKG_LIBS   := -L$(SRTP_LOCAL)/lib -Wl,-rpath,$(SRTP_LOCAL)/lib $(PKG_LIBS)
endif

WARN      := -Wall -Wextra -Werror -Wno-unused-parameter -Wno-deprecated-declarations
INCLUDES  := -Icommon -Isfu -Isignalling -Ibooking -Ifaces
CFLAGS    ?= -O2 -g
ALL_CFLAGS = -std=gnu11 $(CFLAGS) $(WARN) $(INCLUDES) $(PKG_CFLAGS) -MMD -MP $(SAN)
LDLIBS    := $(PKG_LIBS) -lm -lpthread

ifeq ($(ASAN),1)
  BUILD := build-asan
  SAN   := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
  CFLAGS := -O1 -g
endif

# Fuzz build (tests/fuzz/, docs/testing.md): every component library again
# with clang, coverage-instrumented for libFuzzer and under ASan+UBSan, into
# build-fuzz/. Warnings stay warnings here: gcc's -Werror build is the one
# that enforces them, and a second compiler's extra warnings must not stop
# the fuzzers from being built.
ifeq ($(FUZZ),1)
  BUILD := build-fuzz
  CC    := clang
  SAN   := -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer \
           -fno-sanitize-recover=undefined -Wno-error
  CFLAGS := -O1 -g
endif

srcs_of = $(shell find $(1) -name '*.c' -not -path '*/node_modules/*' | sort)
objs_of = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))

COMMON_SRCS := $(call srcs_of,common)
# sfu/core, the sans-IO media engine (docs/sfu-core.md), is a library of
# its own: built with its own directory as the only project include path
# and GLib's data structures as its only package, and checked after every
# build (scripts/check-sfu-core: no socket, clock, main-loop, libnice,
# OpenSSL or libsrtp function may be called from it).
SFUCORE_SRCS := $(call srcs_of,sfu/core)
SFU_SRCS    := $(filter-out sfu/main.c $(SFUCORE_SRCS),$(call srcs_of,sfu))
SIGNAL_SRCS := $(filter-out signalling/main.c,$(call srcs_of,signalling))
BOOK_SRCS   := $(filter-out booking/main.c,$(call srcs_of,booking))
# faces/: the unexpected-person analyser (docs/faces.md), a daemon of its own.
FACES_SRCS  := $(filter-out faces/main.c,$(call srcs_of,faces))

LIB_COMMON  := $(BUILD)/lib/libcommon.a
LIB_SFU     := $(BUILD)/lib/libsfu.a
LIB_SFUCORE := $(BUILD)/lib/libsfucore.a
SFUCORE_CHECKED := $(BUILD)/lib/libsfucore.checked
LIB_SIGNAL  := $(BUILD)/lib/libsignal.a
LIB_BOOK    := $(BUILD)/lib/libbooking.a
LIB_FACES   := $(BUILD)/lib/libfaces.a

BINS := $(BUILD)/bin/parlour-sfu $(BUILD)/bin/parlour-signal $(BUILD)/bin/parlour-booking \
        $(BUILD)/bin/parlour-faces

# Unit tests: tests/unit/test_*.c, one binary each, GTest (TAP output).
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/unit/%,$(UNIT_SRCS))
# Test helper programs (webrtcbin peers, load generator...): tests/*/prog_*.c
# and every tests/load/*.c; they link everything too.
PROG_SRCS := $(wildcard tests/*/prog_*.c)
PROG_BINS := $(patsubst tests/%.c,$(BUILD)/tests/%,$(PROG_SRCS))
LOADGEN_SRCS := $(wildcard tests/load/*.c)
LOADGEN_BIN  := $(if $(LOADGEN_SRCS),$(BUILD)/bin/parlour-loadgen)
# The loadgen's modules (all but its main.c) as a library too, so unit tests
# (tests/unit/test_load_*.c) can link its parsers and packetisers.
LOAD_SRCS    := $(filter-out tests/load/main.c,$(LOADGEN_SRCS))
LIB_LOAD     := $(if $(LOAD_SRCS),$(BUILD)/lib/libloadgen.a)
ALL_LIBS = $(LIB_SFU) $(LIB_SFUCORE) $(LIB_SIGNAL) $(LIB_BOOK) $(LIB_FACES) $(LIB_COMMON) $(LIB_LOAD)

# Keep objects of test programs (make would delete them as intermediates).
.SECONDARY:

.PHONY: all run test test-unit asan clean deps bench bench-booking bench-faces var tests-build
all: $(BINS) $(SFUCORE_CHECKED)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC $<"
	@$(CC) $(ALL_CFLAGS) -c $< -o $@

CORE_CFLAGS = -std=gnu11 $(CFLAGS) $(WARN) -Isfu/core $(shell pkg-config --cflags glib-2.0 2>/dev/null) -MMD -MP $(SAN)
$(BUILD)/obj/sfu/core/%.o: sfu/core/%.c
	@mkdir -p $(dir $@)
	@echo "  CC $< (core)"
	@$(CC) $(CORE_CFLAGS) -c $< -o $@

$(LIB_SFUCORE): $(call objs_of,$(SFUCORE_SRCS))
$(SFUCORE_CHECKED): $(LIB_SFUCORE) scripts/check-sfu-core
	@scripts/check-sfu-core $<
	@touch $@

$(LIB_COMMON): $(call objs_of,$(COMMON_SRCS))
$(LIB_SFU): $(call objs_of,$(SFU_SRCS))
$(LIB_SIGNAL): $(call objs_of,$(SIGNAL_SRCS))
$(LIB_BOOK): $(call objs_of,$(BOOK_SRCS))
$(LIB_FACES): $(call objs_of,$(FACES_SRCS))
$(BUILD)/lib/libloadgen.a: $(call objs_of,$(LOAD_SRCS))
$(BUILD)/lib/%.a:
	@mkdir -p $(dir $@)
	@rm -f $@
	@echo "  AR $@"
	@ar rcs $@ $^

$(BUILD)/bin/parlour-sfu: $(BUILD)/obj/sfu/main.o $(LIB_SFU) $(LIB_SFUCORE) $(LIB_COMMON)
$(BUILD)/bin/parlour-signal: $(BUILD)/obj/signalling/main.o $(LIB_SIGNAL) $(LIB_COMMON)
$(BUILD)/bin/parlour-booking: $(BUILD)/obj/booking/main.o $(LIB_BOOK) $(LIB_COMMON)
$(BUILD)/bin/parlour-faces: $(BUILD)/obj/faces/main.o $(LIB_FACES) $(LIB_COMMON)
$(BUILD)/bin/%:
	@mkdir -p $(dir $@)
	@echo "  LD $@"
	@$(CC) $(SAN) $^ -o $@ $(LDLIBS)

$(BUILD)/tests/unit/%: $(BUILD)/obj/tests/unit/%.o $(ALL_LIBS)
	@mkdir -p $(dir $@)
	@echo "  LD $@"
	@$(CC) $(SAN) $< -Wl,--start-group $(ALL_LIBS) -Wl,--end-group -o $@ $(LDLIBS)
$(BUILD)/tests/%: $(BUILD)/obj/tests/%.o $(ALL_LIBS)
	@mkdir -p $(dir $@)
	@echo "  LD $@"
	@$(CC) $(SAN) $< -Wl,--start-group $(ALL_LIBS) -Wl,--end-group -o $@ $(LDLIBS)
ifneq ($(LOADGEN_SRCS),)
$(LOADGEN_BIN): $(call objs_of,$(LOADGEN_SRCS)) $(ALL_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(SAN) $(call objs_of,$(LOADGEN_SRCS)) -Wl,--start-group $(ALL_LIBS) -Wl,--end-group -o $@ $(LDLIBS)
endif

tests-build: $(BINS) $(SFUCORE_CHECKED) $(UNIT_BINS) $(PROG_BINS) $(LOADGEN_BIN)

deps:
	@scripts/install-deps

var:
	@scripts/setup-var var

# The two commands.
run: deps
	@$(MAKE) --no-print-directory all
	@scripts/setup-var var
	@scripts/run-dev

test: deps
	@$(MAKE) --no-print-directory tests-build
	@$(MAKE) --no-print-directory ASAN=1 tests-build
	@$(MAKE) --no-print-directory fuzz-build
	@scripts/run-tests

# The three tiers `make test` runs in one go (docs/testing.md), each with
# the set-up it needs and no more. test-fast: the C unit tests (no ASan
# build: their ASan+UBSan runs belong to test-integration). test-integration:
# the unit tests under ASan+UBSan, the fuzz corpus replays and every
# tests/<dir>/test-* that drives no browser. test-browser: tests/browser/ and
# every test marked "tier: browser" (Chromium, Firefox).
.PHONY: test-fast test-integration test-browser
test-fast: deps
	@$(MAKE) --no-print-directory tests-build
	@scripts/run-tests --tier=fast

test-integration: deps
	@$(MAKE) --no-print-directory tests-build
	@$(MAKE) --no-print-directory ASAN=1 tests-build
	@$(MAKE) --no-print-directory fuzz-build
	@scripts/run-tests --tier=integration

test-browser: deps
	@$(MAKE) --no-print-directory tests-build
	@scripts/run-tests --tier=browser

# Unit tests only, fast (used while developing; test-fast without deps).
test-unit: tests-build
	@scripts/run-tests --tier=fast

asan:
	@$(MAKE) --no-print-directory ASAN=1 tests-build
	@BUILD_DIR=build-asan scripts/run-tests --unit-only

# SFU capacity against Janus (issue 8), then network adaptation (issue 9).
# (tests-build in a sub-make: it must see deps/libsrtp2-openssl, which deps
# may have just built.)
bench: deps
	@$(MAKE) --no-print-directory tests-build
	@scripts/bench
	@BUILD_DIR=$(BUILD) scripts/bench-net

# The face-count detector over the labelled clip set: docs/faces-bench.md.
bench-faces: deps tests-build
	@scripts/bench-faces

bench-booking: deps tests-build
	@scripts/bench-booking

# Network adaptation (issue 9): forwarded bit rate against an emulated
# link rate, recovery of the top simulcast layer (docs/performance.md).
.PHONY: bench-net
bench-net: deps
	@$(MAKE) --no-print-directory all
	@BUILD_DIR=$(BUILD) scripts/bench-net

# Fuzz harnesses: tests/fuzz/fuzz_*.c, one libFuzzer binary each, linked
# with the real component libraries of the fuzz build (make FUZZ=1); not
# the load generator's, which no harness needs.
.PHONY: fuzz fuzz-build fuzz-bins
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRCS))
FUZZ_LIBS = $(filter-out $(LIB_LOAD),$(ALL_LIBS))
$(BUILD)/fuzz/%: $(BUILD)/obj/tests/fuzz/%.o $(FUZZ_LIBS)
	@mkdir -p $(dir $@)
	@echo "  LD $@"
	@$(CC) -fsanitize=fuzzer,address,undefined $< -Wl,--start-group $(FUZZ_LIBS) -Wl,--end-group \
	  -o $@ $(LDLIBS)

fuzz-build:
	@$(MAKE) --no-print-directory FUZZ=1 fuzz-bins
fuzz-bins: $(FUZZ_BINS)

# Runs every harness for FUZZ_SECONDS (default 600) each; crashes are kept in
# tests/fuzz/crashes/<harness>/, new corpus entries in build-fuzz/work/.
FUZZ_SECONDS ?= 600
fuzz: deps fuzz-build
	@FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/fuzz $(FUZZ_ONLY)

clean:
	rm -rf build build-asan build-fuzz tests/artifacts

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
