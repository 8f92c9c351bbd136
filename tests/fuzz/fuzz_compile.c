/*
 * fuzz_compile.c: any bytes, through every phase hitc runs on a .hit file.
 *
 * In: arbitrary input, as the text of t.hit whose directory is tests/golden
 * (so `code "src"` finds a directory).  Runs lex, parse, declare, check,
 * resolve, graph, then emit in dry-run (no zips) and prints the
 * diagnostics (to /dev/null) in all three formats, so the caret printer is
 * fuzzed too.  Holds: no crash, no sanitizer report, no leak; every
 * compilation frees everything it made.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "hitc.h"

static FILE *sink;

/* libFuzzer's entry points (it declares none; -Wmissing-prototypes) */
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    sink = fopen("/dev/null", "w");
    if (!sink)
        abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    Ctx *ctx = ctx_new();
    Source *src = source_from_text(ctx, "t.hit", (const char *)data, size);
    src->dir = "tests/golden";
    Emit e = {0};
    e.dry_run = true;
    if (compile(ctx, src))
        emit_template(ctx, &e);
    diag_print_all(ctx, sink, FMT_GCC, true);
    diag_print_all(ctx, sink, FMT_JSON, false);
    diag_print_all(ctx, sink, FMT_SARIF, false);
    emit_free(&e);
    ctx_free(ctx);
    return 0;
}
