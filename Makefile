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
TESTS    = $(BUILD)/test_unit $(BUILD)/test_integration

.PHONY: all examples demo test clean check-deps

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

test: $(TESTS)
	bash tests/run.sh $(BUILD)

clean:
	rm -rf $(BUILD)
