# synfin - build, test, benchmark and fuzz.  See README.md.
#
#   make            build/synfin and build/libsynfin.a
#   make demo       build, then explain the capture bundled in captures/
#   make check      the whole suite (unit, golden, tshark differential, ASan+UBSan corpus)
#   make bench      bench/run.sh: synfin beside tshark, tcpdump and tcptrace
#   make fuzz       build the libFuzzer harnesses (and run each briefly)
#   make install PREFIX=/usr/local

CC       ?= cc
PREFIX   ?= /usr/local
BUILD    ?= build
OPT      ?= -O2
CSTD     := -std=c11 -D_GNU_SOURCE
WARN     := -Wall -Wextra -Werror -Wshadow -Wpointer-arith -Wstrict-prototypes \
            -Wmissing-prototypes -Wno-unused-parameter
INC      := -Iinclude -Isrc
CFLAGS   ?= $(OPT) -g
ALL_CFLAGS = $(CSTD) $(WARN) $(INC) $(CFLAGS) -MMD -MP -DSYNFIN_LOCALEDIR='"$(PREFIX)/share/locale"'
LDLIBS   := -lpcap -lz -lbrotlidec -lzstd -lcrypto -lnghttp2 -lm

LIB_SRC  := $(sort $(wildcard src/util/*.c src/capture/*.c src/decode/*.c \
                              src/flow/*.c src/diag/*.c src/reasm/*.c src/app/*.c src/filter/*.c src/format/*.c))
CLI_SRC  := $(wildcard src/cli/*.c)
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ  := $(CLI_SRC:%.c=$(BUILD)/%.o)
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
FUZZ_SRC := $(sort $(wildcard fuzz/fuzz_*.c))

.PHONY: po all deps demo check unit asan-unit bench fuzz fuzz-build install clean lint

MO       := $(BUILD)/locale/ko/LC_MESSAGES/synfin.mo

all: $(BUILD)/synfin $(MO)

# Translations: po/ko.po is generated from po/synfin.pot and po/ko.py by
# `make po` (needs xgettext); the build only compiles it with msgfmt.
$(MO): po/ko.po
	@mkdir -p $(dir $@)
	msgfmt --check -o $@ $<

po:
	xgettext --keyword=sf_tr --keyword=N_ --from-code=UTF-8 -o po/synfin.pot \
	    --package-name=synfin --no-location --sort-output src/format/*.c src/flow/names.c
	python3 tests/tools/mkpo.py po/synfin.pot po/ko.py po/ko.po

# Build dependencies (Debian packages) are installed when missing.
deps:
	@scripts/deps.sh build

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

# -F html embeds its script, style and page skeleton as C strings (generated).
HTML_ASSETS := src/format/assets/report.css src/format/assets/errors.js src/format/assets/body.html src/format/assets/report.js
src/format/html_assets.h: $(HTML_ASSETS) src/format/assets/embed.sh
	sh src/format/assets/embed.sh $@ sf_html_css=src/format/assets/report.css \
	    sf_html_js_errors=src/format/assets/errors.js sf_html_body=src/format/assets/body.html \
	    sf_html_js=src/format/assets/report.js
$(BUILD)/src/format/html.o: src/format/html_assets.h

$(BUILD)/libsynfin.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/synfin: $(CLI_OBJ) $(BUILD)/libsynfin.a
	$(CC) $(CFLAGS) -o $@ $(CLI_OBJ) $(BUILD)/libsynfin.a $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libsynfin.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(BUILD)/libsynfin.a $(LDLIBS) -lcmocka

demo:
	@scripts/deps.sh build
	@$(MAKE) --no-print-directory all
	@$(BUILD)/synfin --explain -r captures/http-get-segmented.pcap
	@$(BUILD)/synfin -F ladder -r captures/http-get-segmented.pcap

unit: $(UNIT_BIN)

# The whole suite; tests/run.sh prints one closing "N passed, N failed" line.
check:
	@scripts/deps.sh test
	@$(MAKE) --no-print-directory -j2 all unit
	@$(MAKE) --no-print-directory -j2 fuzz-build
	@$(MAKE) --no-print-directory -j2 BUILD=build/asan CC=clang \
	    CFLAGS="-O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" \
	    build/asan/synfin asan-unit
	@bash tests/run.sh

asan-unit: $(UNIT_BIN)

bench:
	@scripts/deps.sh bench
	@$(MAKE) --no-print-directory all
	@bench/run.sh

FUZZ_FLAGS := -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
FUZZ_BIN := $(FUZZ_SRC:fuzz/%.c=$(BUILD)/fuzz/%)

# The library is compiled once for all harnesses (instrumented, without
# libFuzzer's main); each harness links against it.
FUZZ_LIB_FLAGS := -O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
FUZZ_OBJ := $(LIB_SRC:%.c=$(BUILD)/fuzzobj/%.o)

$(BUILD)/fuzzobj/%.o: %.c src/format/html_assets.h
	@mkdir -p $(dir $@)
	clang $(CSTD) $(INC) $(FUZZ_LIB_FLAGS) -MMD -MP -c $< -o $@

$(BUILD)/fuzz/%: fuzz/%.c $(FUZZ_OBJ)
	@mkdir -p $(dir $@)
	clang $(CSTD) $(INC) $(FUZZ_FLAGS) -o $@ $< $(FUZZ_OBJ) $(LDLIBS)

fuzz-build: $(FUZZ_BIN)

fuzz:
	@scripts/deps.sh test
	@$(MAKE) --no-print-directory fuzz-build
	@fuzz/run.sh $(BUILD)/fuzz $${FUZZ_SECONDS:-20}

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 $(BUILD)/synfin $(DESTDIR)$(PREFIX)/bin/synfin
	install -m 644 docs/synfin.1 $(DESTDIR)$(PREFIX)/share/man/man1/synfin.1
	install -d $(DESTDIR)$(PREFIX)/share/locale/ko/LC_MESSAGES
	install -m 644 $(MO) $(DESTDIR)$(PREFIX)/share/locale/ko/LC_MESSAGES/synfin.mo
	install -d $(DESTDIR)$(PREFIX)/share/synfin
	install -m 644 captures/http-get-segmented.pcap $(DESTDIR)$(PREFIX)/share/synfin/http-get-segmented.pcap

# synfin --demo without capture permission shows the bundled capture, also
# from an installed tree.
$(BUILD)/src/cli/demo.o: ALL_CFLAGS += -DSF_DATADIR='"$(PREFIX)/share/synfin"'

lint:
	clang-tidy $(LIB_SRC) $(CLI_SRC) -- $(CSTD) $(INC)
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability --std=c11 $(INC) src

clean:
	rm -rf build

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(FUZZ_OBJ:.o=.d)
