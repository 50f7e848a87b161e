# Build, test and install kprod, kcons and wsrecv.
#   make              bin/kprod bin/kcons bin/wsrecv
#   make SANITIZE=1   the same under ASan+UBSan, in build/asan/bin (also: make asan)
#   make test         install missing Debian packages, build, run every suite
#   make demo         the whole pipeline on the embedded test broker
#   make kafka        a real single-node Apache Kafka on 127.0.0.1:9092 (KAFKA_PORT)
#   make registry     a schema registry (Apicurio) on 127.0.0.1:8081 (REGISTRY_PORT)
#   make bench        benchmarks against kcat and the Node ws server
#   make install PREFIX=/usr/local DESTDIR=   (tools, man pages, pipelines in libexec/kafka-tools)

PREFIX  ?= /usr/local
DESTDIR ?=
CC      ?= cc
PKG     ?= pkg-config

WARN    = -Wall -Wextra -Wshadow -Wformat=2 -Wstrict-prototypes -Wmissing-prototypes
CFLAGS  ?= -O2 -g
CFLAGS  += -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $(WARN) -MMD -MP
ifeq ($(WERROR),1)
CFLAGS  += -Werror
endif
ifeq ($(SANITIZE),1)
CFLAGS  += -O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
OUT     := build/asan
BINDIR  := build/asan/bin
else
OUT     := build/release
BINDIR  := bin
endif

RDKAFKA_CFLAGS := $(shell $(PKG) --cflags rdkafka 2>/dev/null)
RDKAFKA_LIBS   := $(shell $(PKG) --libs rdkafka 2>/dev/null || echo -lrdkafka)
LWS_CFLAGS     := $(shell $(PKG) --cflags libwebsockets 2>/dev/null)
LWS_LIBS       := $(shell $(PKG) --libs libwebsockets 2>/dev/null || echo -lwebsockets)
CURL_CFLAGS    := $(shell $(PKG) --cflags libcurl 2>/dev/null)
CURL_LIBS      := $(shell $(PKG) --libs libcurl 2>/dev/null || echo -lcurl)
AVRO_CFLAGS    := $(shell $(PKG) --cflags avro-c 2>/dev/null)
AVRO_LIBS      := $(shell $(PKG) --libs avro-c 2>/dev/null || echo -lavro)
# mimalloc takes malloc for the whole of kprod and kcons, librdkafka
# included, which allocates and frees several blocks a message (its headers
# one each): glibc's malloc serves them at more CPU (bench/RESULTS.md, "The
# allocator"). Not wsrecv, which allocates little a message and whose memory
# bound mimalloc's larger blocks would loosen; not under the sanitizers,
# which bring their own.
ifeq ($(SANITIZE),1)
MALLOC_LIBS    :=
else
MALLOC_LIBS    := -lmimalloc
endif

TOOLS   := $(patsubst %/main.c,%,$(wildcard kprod/main.c kcons/main.c wsrecv/main.c))
LIB_SRC := $(wildcard lib/*.c)
LIB_OBJ := $(LIB_SRC:%.c=$(OUT)/%.o)
LIB_A   := $(OUT)/libshared.a

.PHONY: fuzz all asan test test-only deps demo kafka registry bench lint install uninstall clean format testtools
all: $(TOOLS:%=$(BINDIR)/%)

asan:
	$(MAKE) SANITIZE=1 all

$(OUT)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(RDKAFKA_CFLAGS) $(LWS_CFLAGS) $(CURL_CFLAGS) $(AVRO_CFLAGS) -Ilib -c $< -o $@

$(LIB_A): $(LIB_OBJ)
	$(AR) rcs $@ $^

.SECONDEXPANSION:
$(BINDIR)/kprod $(BINDIR)/kcons: $$(patsubst %.c,$(OUT)/%.o,$$(wildcard $$(notdir $$@)/*.c)) $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(MALLOC_LIBS) $(RDKAFKA_LIBS) $(CURL_LIBS) $(AVRO_LIBS) -lm -lpthread

$(BINDIR)/wsrecv: $$(patsubst %.c,$(OUT)/%.o,$$(wildcard wsrecv/*.c)) $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LWS_LIBS)

# Programs the tests and benchmarks use (never installed).
TESTTOOLS := tests/bin/mockbroker tests/bin/mktopic tests/bin/framing_fuzz tests/bin/envelope_fuzz \
	tests/bin/report_fuzz tests/bin/registry_test \
	tests/bin/avro_test tests/bin/avro_test_asan tests/bin/avro_fuzz \
	tests/bin/budget_test tests/bin/acks_test tests/bin/outbuf_test tests/bin/outbuf_test_asan \
	$(patsubst bench/%.c,bench/bin/%,$(wildcard bench/*.c))
testtools: $(TESTTOOLS)

tests/bin/mockbroker tests/bin/mktopic: tests/bin/%: tests/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -O2 $(RDKAFKA_CFLAGS) -o $@ $< $(RDKAFKA_LIBS)

# The framing properties, driven by random input under ASan+UBSan.
tests/bin/framing_fuzz: tests/fuzz/framing_fuzz.c lib/framing.c lib/outbuf.c tests/fuzz/driver.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -O1 -fsanitize=address,undefined -fno-sanitize-recover=undefined -Ilib -o $@ $(filter %.c,$^)

# Reading JSON back: the string decoder, the cursor and the envelope.
ENVELOPE_SRC := lib/envelope.c lib/jsonread.c lib/framing.c lib/outbuf.c
tests/bin/envelope_fuzz: tests/fuzz/envelope_fuzz.c $(ENVELOPE_SRC) tests/fuzz/driver.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -O1 -fsanitize=address,undefined -fno-sanitize-recover=undefined -Ilib -o $@ $(filter %.c,$^)

# The delivery report lines between kprod and wsrecv.
REPORT_SRC := lib/reportline.c lib/framing.c lib/outbuf.c
tests/bin/report_fuzz: tests/fuzz/report_fuzz.c $(REPORT_SRC) tests/fuzz/driver.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -O1 -fsanitize=address,undefined -fno-sanitize-recover=undefined -Ilib -o $@ $(filter %.c,$^)

# The schema registry client, driven against a real registry (tests/registry.bats),
# always under ASan+UBSan.
REGISTRY_SRC := lib/registry.c lib/jsonread.c lib/framing.c lib/outbuf.c
tests/bin/registry_test: tests/registry_test.c $(REGISTRY_SRC) lib/registry.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -O1 -fsanitize=address,undefined -fno-sanitize-recover=undefined -Ilib $(CURL_CFLAGS) \
		-o $@ tests/registry_test.c $(REGISTRY_SRC) $(CURL_LIBS)

# The JSON <-> Avro codec: the driver of tests/avro.bats and bench/avro.sh
# (optimised, for speed figures), the same under ASan+UBSan, and its fuzzer.
AVRO_SRC := lib/avroschema.c lib/avroenc.c lib/avrodec.c lib/avrologic.c lib/avropath.c \
	lib/avroframe.c lib/jsonread.c lib/framing.c lib/outbuf.c
tests/bin/avro_test: tests/avro_test.c $(AVRO_SRC)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -O2 $(AVRO_CFLAGS) -Ilib -o $@ $^ $(AVRO_LIBS) -lm
tests/bin/avro_test_asan: tests/avro_test.c $(AVRO_SRC)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -O1 -fsanitize=address,undefined -fno-sanitize-recover=undefined $(AVRO_CFLAGS) -Ilib -o $@ $^ $(AVRO_LIBS) -lm
tests/bin/avro_fuzz: tests/fuzz/avro_fuzz.c $(AVRO_SRC) tests/fuzz/driver.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -O1 -fsanitize=address,undefined -fno-sanitize-recover=undefined $(AVRO_CFLAGS) -Ilib -o $@ $(filter %.c,$^) $(AVRO_LIBS) -lm

# wsrecv's modules driven alone (tests/units.bats), under ASan+UBSan.
tests/bin/budget_test: tests/unit/budget_test.c wsrecv/budget.c wsrecv/budget.h tests/unit/check.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -O1 -fsanitize=address,undefined -fno-sanitize-recover=undefined -Iwsrecv \
		-o $@ tests/unit/budget_test.c wsrecv/budget.c
tests/bin/acks_test: tests/unit/acks_test.c wsrecv/acks.c wsrecv/acks.h tests/unit/check.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -O1 -fsanitize=address,undefined -fno-sanitize-recover=undefined -Iwsrecv \
		-o $@ tests/unit/acks_test.c wsrecv/acks.c
# lib/outbuf.c's memory is measured without ASan (its shadow and its
# memmove would count), its bytes checked with it too.
tests/bin/outbuf_test: tests/unit/outbuf_test.c lib/outbuf.c lib/outbuf.h tests/unit/check.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -O2 -Ilib -o $@ tests/unit/outbuf_test.c lib/outbuf.c
tests/bin/outbuf_test_asan: tests/unit/outbuf_test.c lib/outbuf.c lib/outbuf.h tests/unit/check.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -O1 -fsanitize=address,undefined -fno-sanitize-recover=undefined -Ilib \
		-o $@ tests/unit/outbuf_test.c lib/outbuf.c

# The same properties under libFuzzer (needs clang): make fuzz FUZZ_SECONDS=60
FUZZ_SECONDS ?= 30
fuzz:
	@mkdir -p build/fuzz
	clang -g -O1 -std=c11 -D_DEFAULT_SOURCE -DFUZZING_ENGINE -fsanitize=fuzzer,address,undefined -Ilib \
		-o build/fuzz/framing_fuzz tests/fuzz/framing_fuzz.c lib/framing.c lib/outbuf.c
	clang -g -O1 -std=c11 -D_DEFAULT_SOURCE -DFUZZING_ENGINE -fsanitize=fuzzer,address,undefined -Ilib \
		-o build/fuzz/envelope_fuzz tests/fuzz/envelope_fuzz.c $(ENVELOPE_SRC)
	clang -g -O1 -std=c11 -D_DEFAULT_SOURCE -DFUZZING_ENGINE -fsanitize=fuzzer,address,undefined -Ilib \
		-o build/fuzz/report_fuzz tests/fuzz/report_fuzz.c $(REPORT_SRC)
	clang -g -O1 -std=c11 -D_DEFAULT_SOURCE -DFUZZING_ENGINE -fsanitize=fuzzer,address,undefined -Ilib \
		-o build/fuzz/avro_fuzz tests/fuzz/avro_fuzz.c $(AVRO_SRC) $(AVRO_LIBS) -lm
	build/fuzz/framing_fuzz -max_total_time=$(FUZZ_SECONDS) -max_len=4096
	build/fuzz/envelope_fuzz -max_total_time=$(FUZZ_SECONDS) -max_len=4096
	build/fuzz/report_fuzz -max_total_time=$(FUZZ_SECONDS) -max_len=4096
	build/fuzz/avro_fuzz -max_total_time=$(FUZZ_SECONDS) -max_len=4096

bench/bin/%: bench/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -O2 -o $@ $<

deps:
	@tests/deps

# CI and newcomers: this one command installs, builds and runs everything.
test: deps
	$(MAKE) WERROR=1 all testtools
	$(MAKE) WERROR=1 SANITIZE=1 all
	tests/run

# The suites alone, on what is already built.
test-only:
	tests/run

# A real Apache Kafka (KRaft, one node) in the foreground: tests/kafka/run.
kafka: deps
	@tests/kafka/run

# A Confluent-compatible schema registry (Apicurio Registry, storage in
# memory) in the foreground: tests/registry/run.
registry: deps
	@tests/registry/run

demo: deps
	$(MAKE) all testtools
	pipelines/demo/run

bench: deps
	$(MAKE) all testtools
	bench/run

lint:
	mandoc -T lint -W warning man/*.1

# The pipeline scripts go to libexec/kafka-tools, where they find the tools
# in ../../bin (see pipelines/kafka-tools.sh).
PIPELINES  := kafka-copy kafka-route kafka-to-file ws-to-kafka
LIBEXECDIR := $(PREFIX)/libexec/kafka-tools

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(LIBEXECDIR)
	install -m 755 $(TOOLS:%=bin/%) $(DESTDIR)$(PREFIX)/bin/
	install -m 644 $(TOOLS:%=man/%.1) $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 755 $(PIPELINES:%=pipelines/%) $(DESTDIR)$(LIBEXECDIR)/
	install -m 644 pipelines/kafka-tools.sh $(DESTDIR)$(LIBEXECDIR)/

uninstall:
	rm -f $(TOOLS:%=$(DESTDIR)$(PREFIX)/bin/%) $(TOOLS:%=$(DESTDIR)$(PREFIX)/share/man/man1/%.1)
	rm -f $(PIPELINES:%=$(DESTDIR)$(LIBEXECDIR)/%) $(DESTDIR)$(LIBEXECDIR)/kafka-tools.sh
	-rmdir $(DESTDIR)$(LIBEXECDIR) 2>/dev/null

format:
	clang-format -i lib/*.[ch] $(wildcard kprod/*.[ch] kcons/*.[ch] wsrecv/*.[ch] tests/*.c bench/*.c)

clean:
	rm -rf bin build tests/bin bench/bin

-include $(shell find build -name '*.d' 2>/dev/null)
