# finwatch: one non-recursive Makefile.
#
#   make            build build/finwatch (release: -O2 -g -Werror)
#   make deps       apt-get the Debian packages that are missing (quiet when all present)
#   make test       build and run every test; closes with "N passed, N failed, N skipped"
#   make asan test  the same under AddressSanitizer + UBSan (objects in build/asan)
#   make bench      benchmarks in tests/bench/ (ratios against ndpiReader)
#   make fuzz       libFuzzer harnesses in tests/fuzz/ (clang), bounded time each
#   make demo       private redis-server, sensor on a generated capture, threat map
#   make install    PREFIX=/usr/local DESTDIR=
#   make clean

PREFIX     ?= /usr/local
DESTDIR    ?=
CC         ?= gcc
PKGS       := libpcap libndpi hiredis yaml-0.1 zlib libpcre2-8 libxxhash libgcrypt libmicrohttpd
VERSION    := $(shell cat VERSION 2>/dev/null || echo 0.1.0)

DEB_PKGS   := build-essential pkg-config libpcap-dev libndpi-dev libndpi-bin libhiredis-dev \
              libyaml-dev zlib1g-dev libpcre2-dev libxxhash-dev libgcrypt20-dev libmicrohttpd-dev libcmocka-dev redis-server \
              time python3
# Only the tests need these (browser test of the dashboard, live capture replay).
TEST_PKGS  := chromium tcpreplay iproute2 clang

ifneq ($(filter asan,$(MAKECMDGOALS)),)
BUILD      ?= build/asan
SANFLAGS   := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
OPTFLAGS   := -O1 -g
else
BUILD      ?= build
SANFLAGS   :=
OPTFLAGS   := -O2 -g
endif

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
WARN       := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wvla -Werror
INCLUDES   := -Isensor -Ianalyzers -Irules -Idashboard-export
CFLAGS     ?=
CFLAGS     += -std=c11 -D_GNU_SOURCE $(OPTFLAGS) $(WARN) $(SANFLAGS) $(INCLUDES) $(PKG_CFLAGS) \
              -DFW_VERSION='"$(VERSION)"' -MMD -MP
LDLIBS     := $(PKG_LIBS) -lpthread -lm
LDFLAGS    += $(SANFLAGS)

# Per-folder source lists; every .c except the entry point goes into the library
# that tests link against.
SENSOR_SRC := $(filter-out sensor/fw_main.c,$(wildcard sensor/*.c))
ANZ_SRC    := $(wildcard analyzers/*.c)
RULES_SRC  := $(wildcard rules/*.c)
EXPORT_SRC := $(wildcard dashboard-export/*.c)
LIB_SRC    := $(SENSOR_SRC) $(ANZ_SRC) $(RULES_SRC) $(EXPORT_SRC)
LIB_OBJ    := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
# The dashboard's static files are compiled into the binary (no CDN, no files to
# install): dashboard-export/embed_assets.sh turns web/* into one C file.
DASH_ASSETS := $(sort $(wildcard dashboard-export/web/*))
ifneq ($(DASH_ASSETS),)
LIB_OBJ    += $(BUILD)/obj/gen/dash_assets.o
endif
MAIN_OBJ   := $(BUILD)/obj/sensor/fw_main.o
LIB        := $(BUILD)/libfinwatch.a
BIN        := $(BUILD)/finwatch

TEST_SRC   := $(wildcard tests/sensor/test_*.c tests/analyzers/test_*.c tests/rules/test_*.c \
                         tests/dashboard-export/test_*.c)
TEST_BIN   := $(TEST_SRC:%.c=$(BUILD)/%)
TOOL_SRC   := $(wildcard tests/tools/*.c)
TOOL_BIN   := $(TOOL_SRC:%.c=$(BUILD)/%)
BENCH_SRC  := $(wildcard tests/bench/*.c)
BENCH_BIN  := $(BENCH_SRC:%.c=$(BUILD)/%)

.PHONY: all deps test-deps test check asan bench fuzz demo install clean tools
.DEFAULT_GOAL := all

all: $(BIN) tools

asan: $(BIN) tools $(TEST_BIN)
	@true

tools: $(TOOL_BIN)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/gen/dash_assets.c: $(DASH_ASSETS) dashboard-export/embed_assets.sh
	@mkdir -p $(dir $@)
	bash dashboard-export/embed_assets.sh $@ $(DASH_ASSETS)

$(BUILD)/obj/gen/%.o: $(BUILD)/gen/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BIN): $(MAIN_OBJ) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: tests/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests -o $@ $< $(LIB) $(LDFLAGS) $(LDLIBS) -lcmocka

deps:
	@bash tests/tools/apt_missing.sh $(DEB_PKGS)

test-deps:
	@bash tests/tools/apt_missing.sh $(TEST_PKGS)

test: deps test-deps $(BIN) $(TEST_BIN) tools
	@FW_BUILD=$(BUILD) bash tests/run.sh

check: test
	@bash tests/check_banned.sh

bench: deps $(BIN) $(BENCH_BIN) tools
	@FW_BUILD=$(BUILD) bash tests/bench/run.sh

fuzz: deps
	@bash tests/fuzz/run.sh

demo: deps $(BIN) tools
	@FW_BUILD=$(BUILD) bash tests/tools/demo.sh

install: $(BIN)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/finwatch/rules \
	    $(DESTDIR)$(PREFIX)/share/doc/finwatch $(DESTDIR)/etc/finwatch \
	    $(DESTDIR)/lib/systemd/system
	install -m 0755 $(BIN) $(DESTDIR)$(PREFIX)/bin/finwatch
	cp -r rules/detections/. $(DESTDIR)$(PREFIX)/share/finwatch/rules/
	cp -r README.md docs $(DESTDIR)$(PREFIX)/share/doc/finwatch/
	sed 's#rules/detections#$(PREFIX)/share/finwatch/rules#' configs/finwatch.yaml \
	    >$(DESTDIR)/etc/finwatch/finwatch.yaml.example
	[ -e $(DESTDIR)/etc/finwatch/finwatch.yaml ] || \
	    install -m 0644 $(DESTDIR)/etc/finwatch/finwatch.yaml.example \
	        $(DESTDIR)/etc/finwatch/finwatch.yaml
	sed 's#/usr/local#$(PREFIX)#g' configs/finwatch.service \
	    >$(DESTDIR)/lib/systemd/system/finwatch.service

clean:
	rm -rf build

-include $(shell find build -name '*.d' 2>/dev/null)
