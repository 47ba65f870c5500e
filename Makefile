# wsclient.h - build the examples, run the demo, the tests and the benchmarks.
#   make demo      build the examples and run them against a local wss echo server
#   make test      unit and integration tests against real servers on loopback
#                  (with the ThreadSanitizer programs of make tsan)
#   make tsan      tests/threads.c and tests/dns.c under ThreadSanitizer only
#   make examples  build the examples only
#   make anchors PEM=cas.pem [OUT=anchors.c] [NAME=wsc_trust_anchors]
#                  turn PEM CA certificates into a C array of trust anchors
#   make client-cert CERT=chain.pem [KEY=key.pem] [OUT=client_cert.c] [NAME=wsc_client]
#                  turn a client certificate chain and its key into C arrays
#   make bench     wsclient.h (on BearSSL and on OpenSSL) against libwebsockets
#                  and the raw TLS (BearSSL, OpenSSL) and TCP ceilings
#                  (ROUNDS=n, default 5; tables of medians, see docs/benchmarks.md;
#                  BENCH_ARGS="--update-readme docs/benchmarks.md" puts them there)
#   make bench-many  only the 1,000 idle wss:// sockets of make bench
#   make bench-profile  callgrind and perf profiles of bench_client
#   make bench-instructions  callgrind: instructions per message against the ceiling
#   make portability  every compiler, standard, configuration and platform
#                  this machine reaches (tests/portability.sh)
#   make size      code size of the library part (tests/size.sh)
#   make mcu       the wss:// echo on an emulated Cortex-M4 (qemu-system-arm,
#                  mps2-an386) over a UART and a host bridge (tests/mcu/run.sh),
#                  then BearSSL's Cortex-M build choices compared (docs/embedded.md)
#   make mcu-bench that comparison alone
#   make fuzz      run each libFuzzer target of tests/fuzz/ for FUZZ_SECONDS (default 600)
#   make fuzz-smoke  the same for 30 s each (what CI runs)
#   make install   the header, wsclient.pc, the CMake package (find_package(wsclient)),
#                  the command-line tool wsclient-cat (examples/wscat.c) and its man
#                  page, under PREFIX (default /usr/local), staged in DESTDIR if set
#   make uninstall removes what make install put there (same PREFIX and DESTDIR)
CC      ?= cc
HOSTCC  ?= cc
CFLAGS  ?= -O2 -g
WARN    ?= -std=c99 -Wall -Wextra -pedantic
LDLIBS  ?= -lbearssl
BUILD   ?= build

EXAMPLES = $(BUILD)/sync_echo $(BUILD)/async_echo $(BUILD)/wscat $(BUILD)/memory_transport
TESTS    = $(patsubst tests/%.c,$(BUILD)/test_%,$(filter-out tests/autobahn_client.c tests/post_handshake_server.c,$(wildcard tests/*.c)))
# The smallest build (docs/platforms.md "Code size"): tests/small.c, the RFC 6455 tests,
# and the memory transport example without BSD sockets.
SMALL    = -DWSCLIENT_SMALL
# The same tests again in the no-heap build (a static arena per socket slot),
# and the memory transport example without BSD sockets.
NOHEAP   = -DWSCLIENT_NO_HEAP
VARIANTS = $(BUILD)/test_memory_noheap $(BUILD)/test_memory_small $(BUILD)/socket_memory_odd.refused $(BUILD)/late_include.refused \
           $(BUILD)/test_core_noheap $(BUILD)/test_rfc_noheap $(BUILD)/memory_transport_noheap $(BUILD)/test_tls_noheap \
           $(BUILD)/test_rfc_small $(BUILD)/memory_transport_small $(BUILD)/test_headers_noheap $(BUILD)/test_headers_small \
           $(BUILD)/test_mtls_noheap $(BUILD)/test_mtls_small $(BUILD)/test_dns_noheap
# examples/uv_echo.c needs libuv (Debian: libuv1-dev and pkg-config); without
# it the example is not built and make test prints a SKIP line for it.
UV_LIBS := $(shell pkg-config --libs libuv 2>/dev/null)
UV_ECHO  = $(if $(UV_LIBS),$(BUILD)/uv_echo)
EXAMPLES += $(UV_ECHO)
# The OpenSSL 3 backend (-DWSCLIENT_TLS_OPENSSL, docs/tls.md): the test programs
# that open wss:// are built a second time with it, as test_<x>_openssl, where
# $(CC) finds OpenSSL 3 (Debian: libssl-dev, or libssl-dev:i386 for gcc -m32).
# It still links BearSSL, whose X.509 engine checks the certificates. Without
# OpenSSL, make test says SKIP ($(BUILD)/openssl.skip, read by tests/run.sh).
OPENSSL      = -DWSCLIENT_TLS_OPENSSL
OPENSSL_LIBS = -lssl -lcrypto
OPENSSL_PKG  = libssl-dev$(if $(findstring -m32,$(CC)),:i386)$(if $(findstring s390x,$(CC)),:s390x)
HAVE_OPENSSL := $(shell printf '\043include <openssl/ssl.h>\n\043if OPENSSL_VERSION_MAJOR < 3\n\043error\n\043endif\nint main(void) { return !OPENSSL_init_ssl(0, 0); }\n' | \
                  $(CC) -x c - -o /dev/null $(OPENSSL_LIBS) >/dev/null 2>&1 && echo yes)
OPENSSL_SUITE = tls mtls core faults closing keepalive batch proxy reconnect headers answer rfc
OPENSSL_TESTS = $(if $(HAVE_OPENSSL),$(patsubst %,$(BUILD)/test_%_openssl,$(OPENSSL_SUITE)) $(BUILD)/wscat_openssl $(BUILD)/autobahn_client_openssl \
                  $(BUILD)/post_handshake_server)
# ThreadSanitizer: the programs with threads, built apart in $(TSAN_DIR) (make
# test runs them too; tests/tsan.sh first checks that TSan works here).
TSAN_CC    ?= $(CC)
TSAN_FLAGS ?= -fsanitize=thread -g -O1
TSAN_DIR    = $(BUILD)/tsan
TSAN_TESTS  = $(TSAN_DIR)/test_threads $(TSAN_DIR)/test_dns $(TSAN_DIR)/test_dns_noheap
# The churn test for valgrind: plain -O1 -g whatever CFLAGS says (valgrind
# cannot run sanitizer builds).
VALGRIND = $(BUILD)/churn_valgrind

.PHONY: install uninstall all examples tests openssl-check demo test tsan tsan-build clean check-deps check-fuzz-deps autobahn_client anchors client-cert FORCE bench bench-build bench-deps bench-many bench-profile bench-instructions portability size mcu mcu-bench fuzz fuzz-smoke fuzz-build

all: examples

examples: $(EXAMPLES)

check-deps:
	@bash tests/check-deps.sh

check-fuzz-deps:
	@bash tests/check-deps.sh fuzz

$(BUILD):
	mkdir -p $(BUILD)

$(BUILD)/%: examples/%.c wsclient.h | check-deps $(BUILD)
	$(CC) $(WARN) $(CFLAGS) -I. $< -o $@ $(LDLIBS)

$(BUILD)/uv_echo: examples/uv_echo.c wsclient.h | check-deps $(BUILD)
	$(CC) $(WARN) $(CFLAGS) $(shell pkg-config --cflags libuv) -I. $< -o $@ $(LDLIBS) $(UV_LIBS)

$(BUILD)/memory_transport: examples/memory_transport.c wsclient.h | check-deps $(BUILD)
	$(CC) $(WARN) $(CFLAGS) -DWSCLIENT_NO_SOCKETS -I. $< -o $@ $(LDLIBS)

$(BUILD)/memory_transport_noheap: examples/memory_transport.c wsclient.h | check-deps $(BUILD)
	$(CC) $(WARN) $(CFLAGS) -DWSCLIENT_NO_SOCKETS $(NOHEAP) -DWSCLIENT_MAX_MESSAGE=4096 -I. $< -o $@ $(LDLIBS)

$(BUILD)/test_core_noheap: tests/core.c tests/test.h wsclient.h | check-deps $(BUILD)
	$(CC) $(WARN) $(CFLAGS) $(NOHEAP) -DWSCLIENT_MAX_MESSAGE='(2u*1024u*1024u)' -I. -Itests $< -o $@ $(LDLIBS)

$(BUILD)/test_rfc_noheap: tests/rfc.c tests/test.h wsclient.h | check-deps $(BUILD)
	$(CC) $(WARN) $(CFLAGS) $(NOHEAP) -I. -Itests $< -o $@ $(LDLIBS)

$(BUILD)/test_memory_noheap: tests/memory.c tests/test.h wsclient.h | check-deps $(BUILD)
	$(CC) $(WARN) $(CFLAGS) $(NOHEAP) -I. -Itests $< -o $@ $(LDLIBS)

$(BUILD)/test_memory_small: tests/memory.c tests/test.h wsclient.h | check-deps $(BUILD)
	$(CC) $(WARN) $(CFLAGS) $(SMALL) -I. -Itests $< -o $@ $(LDLIBS)

# An odd WSCLIENT_SOCKET_MEMORY must not compile: the low bit of an arena
# block's size is its in-use flag. The error has to name the macro.
$(BUILD)/socket_memory_odd.refused: examples/memory_transport.c wsclient.h | check-deps $(BUILD)
	@if $(CC) $(WARN) -DWSCLIENT_NO_SOCKETS $(NOHEAP) -DWSCLIENT_SOCKET_MEMORY=100001 -I. -fsyntax-only $< 2> $@.err; then \
	    echo "FAIL an odd WSCLIENT_SOCKET_MEMORY compiled" >&2; exit 1; fi
	@grep -q 'WSCLIENT_SOCKET_MEMORY' $@.err || { cat $@.err >&2; echo "FAIL no error naming WSCLIENT_SOCKET_MEMORY" >&2; exit 1; }
	@touch $@

# A system header before the implementation under -std=c99 hides POSIX's
# clock (tests/port/late_include.c): the error must say the real fix, not
# only "define WSCLIENT_NOW_MS()".
$(BUILD)/late_include.refused: tests/port/late_include.c wsclient.h | check-deps $(BUILD)
	@if $(CC) -std=c99 -I. -fsyntax-only $< 2> $@.err; then \
	    echo "FAIL a system header before the implementation compiled under -std=c99" >&2; exit 1; fi
	@grep -q 'before any system header.*-D_POSIX_C_SOURCE=200809L.*WSCLIENT_NOW_MS()' $@.err || \
	    { cat $@.err >&2; echo "FAIL the error does not say the fix (implementation first, -D_POSIX_C_SOURCE=200809L, WSCLIENT_NOW_MS())" >&2; exit 1; }
	@touch $@

$(BUILD)/test_rfc_small: tests/rfc.c tests/test.h wsclient.h | check-deps $(BUILD)
	$(CC) $(WARN) $(CFLAGS) $(SMALL) -I. -Itests $< -o $@ $(LDLIBS)

$(BUILD)/memory_transport_small: examples/memory_transport.c wsclient.h | check-deps $(BUILD)
	$(CC) $(WARN) $(CFLAGS) -DWSCLIENT_NO_SOCKETS $(SMALL) -I. $< -o $@ $(LDLIBS)

# The request's headers live in the socket's memory: its arena in the no-heap
# build. The small build keeps the headers (devices need them), not the URL.
$(BUILD)/test_headers_noheap: tests/headers.c tests/test.h tests/loopback.h wsclient.h | check-deps $(BUILD)
	$(CC) $(WARN) $(CFLAGS) $(NOHEAP) -DWSCLIENT_MAX_MESSAGE=65536 -I. -Itests $< -o $@ $(LDLIBS)

$(BUILD)/test_headers_small: tests/headers.c tests/test.h tests/loopback.h wsclient.h | check-deps $(BUILD)
	$(CC) $(WARN) $(CFLAGS) $(SMALL) -I. -Itests $< -o $@ $(LDLIBS)

$(BUILD)/churn_valgrind: tests/churn.c tests/test.h wsclient.h | check-deps $(BUILD)
	$(CC) $(WARN) -O1 -g -I. -Itests $< -o $@ $(LDLIBS)

$(BUILD)/test_%: tests/%.c tests/test.h wsclient.h | check-deps $(BUILD)
	$(CC) $(WARN) $(CFLAGS) -I. -Itests $< -o $@ $(LDLIBS)

# tests/batch.c sees (and refuses at will) the built-in TCP's sends, through the linker.
$(BUILD)/test_batch $(BUILD)/test_batch_openssl: LDLIBS += -Wl,--wrap=send -Wl,--wrap=recv -Wl,--wrap=memmove -Wl,--wrap=memcpy

# tools/pem2c: PEM CA certificates -> C array of BearSSL trust anchors.
# It runs during the build, so it is built for this machine (HOSTCC) even
# when CC is a cross compiler (make portability's s390x build).
$(BUILD)/pem2c: tools/pem2c.c wsclient.h | check-deps $(BUILD)
	$(HOSTCC) $(WARN) $(CFLAGS) -I. $< -o $@ -lbearssl

anchors: $(BUILD)/pem2c
	@test -n "$(PEM)" || { echo "usage: make anchors PEM=cas.pem [OUT=anchors.c] [NAME=wsc_trust_anchors]" >&2; exit 2; }
	$(BUILD)/pem2c -n $(or $(NAME),wsc_trust_anchors) $(PEM) > $(or $(OUT),anchors.c)

client-cert: $(BUILD)/pem2c
	@test -n "$(CERT)" || { echo "usage: make client-cert CERT=chain.pem [KEY=key.pem] [OUT=client_cert.c] [NAME=wsc_client]" >&2; exit 2; }
	$(BUILD)/pem2c -c -n $(or $(NAME),wsc_client) $(CERT) $(KEY) > $(or $(OUT),client_cert.c)

# The TLS tests compile in anchors made by pem2c from the test CA. mkcerts.sh
# runs every time (it remakes the PKI only when a file is missing or about to
# expire); the anchors follow when ca.pem changed.
$(BUILD)/certs/ca.pem: FORCE | check-deps
	bash tests/mkcerts.sh $(BUILD)/certs

FORCE:

$(BUILD)/test_anchors.c: $(BUILD)/pem2c $(BUILD)/certs/ca.pem
	$(BUILD)/pem2c -n test_anchors $(BUILD)/certs/ca.pem > $@

$(BUILD)/test_tls: tests/tls.c tests/test.h tests/loopback.h wsclient.h $(BUILD)/test_anchors.c | check-deps $(BUILD)
	$(CC) $(WARN) $(CFLAGS) -I. -Itests -I$(BUILD) $< -o $@ $(LDLIBS)

# tests/mtls.c compiles in client identities made by pem2c -c (an RSA leaf,
# and an EC leaf with its intermediate), as make client-cert makes them.
$(BUILD)/test_client_certs.c: $(BUILD)/pem2c $(BUILD)/certs/ca.pem
	$(BUILD)/pem2c -c -n test_client_rsa $(BUILD)/certs/client-rsa.pem $(BUILD)/certs/client-rsa.key > $@.tmp
	$(BUILD)/pem2c -c -n test_client_chain $(BUILD)/certs/client-chain.pem $(BUILD)/certs/client-chain.key >> $@.tmp
	mv $@.tmp $@

$(BUILD)/test_mtls: tests/mtls.c tests/test.h tests/loopback.h wsclient.h $(BUILD)/test_anchors.c $(BUILD)/test_client_certs.c | check-deps $(BUILD)
	$(CC) $(WARN) $(CFLAGS) -I. -Itests -I$(BUILD) $< -o $@ $(LDLIBS)

$(BUILD)/test_mtls_noheap: tests/mtls.c tests/test.h tests/loopback.h wsclient.h $(BUILD)/test_anchors.c $(BUILD)/test_client_certs.c | check-deps $(BUILD)
	$(CC) $(WARN) $(CFLAGS) $(NOHEAP) -DWSCLIENT_MAX_MESSAGE=65536 -I. -Itests -I$(BUILD) $< -o $@ $(LDLIBS)

$(BUILD)/test_mtls_small: tests/mtls.c tests/test.h tests/loopback.h wsclient.h $(BUILD)/test_anchors.c $(BUILD)/test_client_certs.c | check-deps $(BUILD)
	$(CC) $(WARN) $(CFLAGS) $(SMALL) -I. -Itests -I$(BUILD) $< -o $@ $(LDLIBS)

$(BUILD)/test_small: tests/small.c tests/test.h tests/loopback.h wsclient.h $(BUILD)/test_anchors.c | check-deps $(BUILD)
	$(CC) $(WARN) $(CFLAGS) $(SMALL) -I. -Itests -I$(BUILD) $< -o $@ $(LDLIBS)

# host names resolved by the calling thread, the lock let go (no heap for a lookup thread)
$(BUILD)/test_dns_noheap: tests/dns.c tests/test.h wsclient.h | check-deps $(BUILD)
	$(CC) $(WARN) $(CFLAGS) $(NOHEAP) -I. -Itests $< -o $@ $(LDLIBS) -pthread

$(BUILD)/test_tls_noheap: tests/tls.c tests/test.h tests/loopback.h wsclient.h $(BUILD)/test_anchors.c | check-deps $(BUILD)
	$(CC) $(WARN) $(CFLAGS) $(NOHEAP) -DWSCLIENT_MAX_MESSAGE='(2u*1024u*1024u)' -I. -Itests -I$(BUILD) $< -o $@ $(LDLIBS)

# The OpenSSL backend's builds; every one gets the test anchors and client
# identities (tests/tls.c and tests/mtls.c include them, the others ignore them).
$(BUILD)/test_%_openssl: tests/%.c tests/test.h tests/loopback.h wsclient.h $(BUILD)/test_anchors.c $(BUILD)/test_client_certs.c | check-deps $(BUILD)
	$(CC) $(WARN) $(CFLAGS) $(OPENSSL) -I. -Itests -I$(BUILD) $< -o $@ $(OPENSSL_LIBS) $(LDLIBS)

$(BUILD)/wscat_openssl: examples/wscat.c wsclient.h | check-deps $(BUILD)
	$(CC) $(WARN) $(CFLAGS) $(OPENSSL) -I. $< -o $@ $(OPENSSL_LIBS) $(LDLIBS)

# A server on OpenSSL that sends KeyUpdates, tickets and a HelloRequest
# to an open connection (tests/tls.c; tests/run.sh starts it).
$(BUILD)/post_handshake_server: tests/post_handshake_server.c | check-deps $(BUILD)
	$(CC) $(WARN) $(CFLAGS) $< -o $@ $(OPENSSL_LIBS)

# Says why the OpenSSL builds are missing, or that they are not.
openssl-check: | $(BUILD)
	@if [ -n "$(HAVE_OPENSSL)" ]; then rm -f $(BUILD)/openssl.skip; else \
	    echo "the OpenSSL backend's tests (test_*_openssl): $(CC) finds no OpenSSL 3 (apt-get install -y $(OPENSSL_PKG))" > $(BUILD)/openssl.skip; fi

# The replay of the fuzz corpora and regressions includes the targets.
$(BUILD)/test_fuzz_regress: $(wildcard tests/fuzz/*.c tests/fuzz/*.h)

demo: examples
	bash examples/demo.sh $(BUILD)

tests: $(TESTS) $(VARIANTS) $(VALGRIND) $(BUILD)/memory_transport $(BUILD)/wscat $(OPENSSL_TESTS) openssl-check

test: tests $(BUILD)/autobahn_client $(UV_ECHO) tsan-build
	bash tests/run.sh $(BUILD)

# Where TSan cannot run, tests/tsan.sh leaves the reason in $(TSAN_DIR)/skip
# and nothing is built (tests/run.sh prints it as a SKIP line).
$(TSAN_DIR)/test_%: tests/%.c tests/test.h tests/loopback.h wsclient.h | check-deps
	@mkdir -p $(TSAN_DIR)
	$(TSAN_CC) $(WARN) $(TSAN_FLAGS) -I. -Itests $< -o $@ $(LDLIBS) -pthread

$(TSAN_DIR)/test_dns_noheap: tests/dns.c tests/test.h wsclient.h | check-deps
	@mkdir -p $(TSAN_DIR)
	$(TSAN_CC) $(WARN) $(TSAN_FLAGS) $(NOHEAP) -I. -Itests $< -o $@ $(LDLIBS) -pthread

tsan-build: | check-deps
	@if bash tests/tsan.sh $(TSAN_DIR) "$(TSAN_CC)"; then $(MAKE) --no-print-directory $(TSAN_TESTS); fi

tsan: tsan-build
	WSC_TEST_ONLY=tsan bash tests/run.sh $(BUILD)

# The Autobahn|Testsuite client: tests/autobahn_client URL AGENT [--cafile F]
autobahn_client: tests/autobahn_client

tests/autobahn_client: tests/autobahn_client.c wsclient.h | check-deps
	$(CC) $(WARN) $(CFLAGS) -I. $< -o $@ $(LDLIBS)

$(BUILD)/autobahn_client: tests/autobahn_client.c wsclient.h | check-deps $(BUILD)
	$(CC) $(WARN) $(CFLAGS) -I. $< -o $@ $(LDLIBS)

$(BUILD)/autobahn_client_openssl: tests/autobahn_client.c wsclient.h | check-deps $(BUILD)
	$(CC) $(WARN) $(CFLAGS) $(OPENSSL) -I. $< -o $@ $(OPENSSL_LIBS) $(LDLIBS)

# Benchmarks: sources in bench/, programs in $(BUILD)/bench.
BENCH   = $(BUILD)/bench
BENCHES = $(BENCH)/bench_client $(BENCH)/bench_client_openssl $(BENCH)/bench_lws $(BENCH)/bench_raw_tls \
          $(BENCH)/bench_raw_ossl $(BENCH)/bench_raw_tcp $(BENCH)/echo_server $(BENCH)/many_sockets
ROUNDS ?= 5
PYTHON ?= python3
BENCH_ARGS ?=

bench-deps:
	@bash bench/check-deps.sh

$(BENCH):
	mkdir -p $(BENCH)

$(BENCH)/bench_client: bench/bench_client.c bench/bench_common.h wsclient.h | bench-deps $(BENCH)
	$(CC) $(WARN) $(CFLAGS) -I. $< -o $@ -lbearssl

# The same client on the OpenSSL backend (BearSSL still checks certificates).
$(BENCH)/bench_client_openssl: bench/bench_client.c bench/bench_common.h wsclient.h | bench-deps $(BENCH)
	$(CC) $(WARN) $(CFLAGS) -DWSCLIENT_TLS_OPENSSL -I. $< -o $@ -lssl -lcrypto -lbearssl

$(BENCH)/many_sockets: bench/many_sockets.c wsclient.h | bench-deps $(BENCH)
	$(CC) $(WARN) $(CFLAGS) -I. $< -o $@ -lbearssl

$(BENCH)/bench_lws: bench/bench_lws.c bench/bench_common.h | bench-deps $(BENCH)
	$(CC) $(WARN) $(CFLAGS) $< -o $@ -lwebsockets -lssl

$(BENCH)/bench_raw_tls: bench/bench_raw_tls.c bench/bench_common.h bench/bench_tcp.h | bench-deps $(BENCH)
	$(CC) $(WARN) $(CFLAGS) $< -o $@ -lbearssl

$(BENCH)/bench_raw_ossl: bench/bench_raw_ossl.c bench/bench_common.h bench/bench_tcp.h | bench-deps $(BENCH)
	$(CC) $(WARN) $(CFLAGS) $< -o $@ -lssl -lcrypto

$(BENCH)/bench_raw_tcp: bench/bench_raw_tcp.c bench/bench_common.h bench/bench_tcp.h | bench-deps $(BENCH)
	$(CC) $(WARN) $(CFLAGS) $< -o $@

$(BENCH)/echo_server: bench/echo_server.c | bench-deps $(BENCH)
	$(CC) $(WARN) $(CFLAGS) $< -o $@ -lssl -lcrypto

bench-build: $(BENCHES)

# make bench BEFORE=<git revision>: a "before" column, bench_client and
# wsclient.h as they were at that revision, measured in the same run.
BEFORE ?=
BEFORE_DIR = $(BENCH)/before-$(BEFORE)
BEFORE_ARGS = $(if $(BEFORE),--before $(BEFORE_DIR)/bench_client --before-name $(BEFORE))

$(BEFORE_DIR)/bench_client: FORCE | bench-deps $(BENCH)
	mkdir -p $(BEFORE_DIR)/bench
	git show $(BEFORE):wsclient.h > $(BEFORE_DIR)/wsclient.h
	git show $(BEFORE):bench/bench_client.c > $(BEFORE_DIR)/bench/bench_client.c
	git show $(BEFORE):bench/bench_common.h > $(BEFORE_DIR)/bench/bench_common.h
	$(CC) $(WARN) $(CFLAGS) -I$(BEFORE_DIR) $(BEFORE_DIR)/bench/bench_client.c -o $@ -lbearssl

bench: $(BENCHES) $(if $(BEFORE),$(BEFORE_DIR)/bench_client)
	$(PYTHON) bench/run.py --build $(BENCH) --rounds $(ROUNDS) $(BEFORE_ARGS) $(BENCH_ARGS)

# The 1,000 idle wss:// sockets of make bench alone (docs/benchmarks.md, "Many sockets").
bench-many: $(BENCH)/many_sockets $(BENCH)/echo_server
	$(PYTHON) bench/run.py --build $(BENCH) --many-only

bench-profile: $(BENCHES)
	bash bench/profile.sh $(BENCH)

# Only the table of instructions per message against the ceiling (callgrind).
bench-instructions: $(BENCHES)
	bash bench/profile.sh $(BENCH) --table

portability:
	bash tests/portability.sh $(BUILD)-port

size:
	bash tests/size.sh $(BUILD)-size

mcu:
	bash tests/mcu/run.sh $(BUILD)-mcu

mcu-bench:
	bash tests/mcu/run.sh $(BUILD)-mcu bench

# Fuzzing with libFuzzer (clang and Debian's libclang-rt-14-dev): one target
# per parser in tests/fuzz/, starting inputs (the corpus) in tests/fuzz/corpus/<target>/. What a run
# finds goes to $(FUZZ_OUT); tests/fuzz/run.sh prints "N passed, N failed",
# one per target, and fails if any target found something.
FUZZ_CC      ?= clang
FUZZ_CFLAGS  ?= -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_SECONDS ?= 600
FUZZ_TARGETS ?= frame upgrade utf8 options pem san
FUZZ_OUT     ?= $(BUILD)/fuzz
FUZZ_BINS     = $(patsubst %,$(FUZZ_OUT)/fuzz_%,$(FUZZ_TARGETS))

$(FUZZ_OUT)/fuzz_%: tests/fuzz/%.c tests/fuzz/fuzz.h wsclient.h | check-fuzz-deps
	@mkdir -p $(FUZZ_OUT)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -I. $< -o $@ -lbearssl

fuzz-build: $(FUZZ_BINS)

fuzz: $(FUZZ_BINS)
	bash tests/fuzz/run.sh $(FUZZ_OUT) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

fuzz-smoke:
	$(MAKE) fuzz FUZZ_SECONDS=30

# make install: where things go. The CMake package and wsclient.pc name the
# include directory relative to their own place when it is under PREFIX, so a
# staged (DESTDIR) or moved tree works as well.
PREFIX       ?= /usr/local
DESTDIR      ?=
BINDIR       ?= $(PREFIX)/bin
INCLUDEDIR   ?= $(PREFIX)/include
LIBDIR       ?= $(PREFIX)/lib
MANDIR       ?= $(PREFIX)/share/man
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
CMAKEDIR     ?= $(LIBDIR)/cmake/wsclient
VERSION      := $(shell sed -n 's/^\#define WSCLIENT_VERSION_STRING "\(.*\)"$$/\1/p' wsclient.h)
wsc_under     = $(filter $(PREFIX)/%,$(1))
wsc_up        = $(subst $(wsc_space),/,$(foreach d,$(subst /, ,$(1)),..))
wsc_space    := $(subst ,, )
CMAKE_PREFIX_EXPR  = $(if $(call wsc_under,$(CMAKEDIR)),$${CMAKE_CURRENT_LIST_DIR}/$(call wsc_up,$(CMAKEDIR:$(PREFIX)/%=%)),$(PREFIX))
CMAKE_INCLUDE_EXPR = $(if $(call wsc_under,$(INCLUDEDIR)),$${_wsclient_prefix}/$(INCLUDEDIR:$(PREFIX)/%=%),$(INCLUDEDIR))
PC_INCLUDEDIR      = $(if $(call wsc_under,$(INCLUDEDIR)),$${prefix}/$(INCLUDEDIR:$(PREFIX)/%=%),$(INCLUDEDIR))
INSTALLED = $(BINDIR)/wsclient-cat $(INCLUDEDIR)/wsclient.h $(PKGCONFIGDIR)/wsclient.pc $(PKGCONFIGDIR)/wsclient-openssl.pc \
            $(CMAKEDIR)/wsclientConfig.cmake $(CMAKEDIR)/wsclientConfigVersion.cmake \
            $(CMAKEDIR)/wsclientBearSSL.cmake $(MANDIR)/man1/wsclient-cat.1

install: $(BUILD)/wscat
	install -d "$(DESTDIR)$(BINDIR)" "$(DESTDIR)$(INCLUDEDIR)" "$(DESTDIR)$(PKGCONFIGDIR)" \
	    "$(DESTDIR)$(CMAKEDIR)" "$(DESTDIR)$(MANDIR)/man1"
	install -m 755 $(BUILD)/wscat "$(DESTDIR)$(BINDIR)/wsclient-cat"
	install -m 644 wsclient.h "$(DESTDIR)$(INCLUDEDIR)/wsclient.h"
	install -m 644 man/wsclient-cat.1 "$(DESTDIR)$(MANDIR)/man1/wsclient-cat.1"
	install -m 644 cmake/wsclientBearSSL.cmake "$(DESTDIR)$(CMAKEDIR)/wsclientBearSSL.cmake"
	sed -e 's|@CMAKE_PREFIX@|$(CMAKE_PREFIX_EXPR)|' -e 's|@CMAKE_INCLUDEDIR@|$(CMAKE_INCLUDE_EXPR)|' \
	    cmake/wsclientConfig.cmake.in > "$(DESTDIR)$(CMAKEDIR)/wsclientConfig.cmake"
	sed -e 's|@VERSION@|$(VERSION)|' cmake/wsclientConfigVersion.cmake.in > "$(DESTDIR)$(CMAKEDIR)/wsclientConfigVersion.cmake"
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@PC_INCLUDEDIR@|$(PC_INCLUDEDIR)|' -e 's|@VERSION@|$(VERSION)|' \
	    wsclient.pc.in > "$(DESTDIR)$(PKGCONFIGDIR)/wsclient.pc"
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@PC_INCLUDEDIR@|$(PC_INCLUDEDIR)|' -e 's|@VERSION@|$(VERSION)|' \
	    wsclient-openssl.pc.in > "$(DESTDIR)$(PKGCONFIGDIR)/wsclient-openssl.pc"
	chmod 644 "$(DESTDIR)$(CMAKEDIR)"/wsclientConfig*.cmake "$(DESTDIR)$(PKGCONFIGDIR)"/wsclient*.pc

# Only what make install put there; of the directories, only the package's own.
uninstall:
	rm -f $(patsubst %,"$(DESTDIR)%",$(INSTALLED))
	-rmdir "$(DESTDIR)$(CMAKEDIR)" 2>/dev/null

clean:
	rm -rf $(BUILD) $(BUILD)-port $(BUILD)-size $(BUILD)-mcu
