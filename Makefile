# wsclient.h - build the examples, run the demo, the tests and the benchmarks.
#   make demo      build the examples and run them against a local wss echo server
#   make test      unit and integration tests against real servers on loopback
#   make examples  build the examples only
CC      ?= cc
CFLAGS  ?= -O2 -g
WARN    ?= -std=c99 -Wall -Wextra -pedantic
LDLIBS  ?= -lbearssl
BUILD   ?= build

EXAMPLES = $(BUILD)/sync_echo $(BUILD)/async_echo $(BUILD)/wscat
TESTS    = $(patsubst tests/%.c,$(BUILD)/test_%,$(filter-out tests/autobahn_client.c,$(wildcard tests/*.c)))

.PHONY: all examples tests demo test clean check-deps autobahn_client

all: examples

examples: $(EXAMPLES)

check-deps:
	@bash tests/check-deps.sh

$(BUILD):
	mkdir -p $(BUILD)

$(BUILD)/%: examples/%.c wsclient.h | check-deps $(BUILD)
	$(CC) $(WARN) $(CFLAGS) -I. $< -o $@ $(LDLIBS)

$(BUILD)/test_%: tests/%.c tests/test.h wsclient.h | check-deps $(BUILD)
	$(CC) $(WARN) $(CFLAGS) -I. -Itests $< -o $@ $(LDLIBS)

demo: examples
	bash examples/demo.sh $(BUILD)

tests: $(TESTS)

test: $(TESTS) $(BUILD)/autobahn_client
	bash tests/run.sh $(BUILD)

# The Autobahn|Testsuite client: tests/autobahn_client URL AGENT [--cafile F]
autobahn_client: tests/autobahn_client

tests/autobahn_client: tests/autobahn_client.c wsclient.h | check-deps
	$(CC) $(WARN) $(CFLAGS) -I. $< -o $@ $(LDLIBS)

$(BUILD)/autobahn_client: tests/autobahn_client.c wsclient.h | check-deps $(BUILD)
	$(CC) $(WARN) $(CFLAGS) -I. $< -o $@ $(LDLIBS)

clean:
	rm -rf $(BUILD)
