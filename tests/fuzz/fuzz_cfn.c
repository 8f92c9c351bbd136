/*
 * fuzz_cfn.c: any bytes, through the template reader and the printers.
 *
 * In: arbitrary input, as the text of t.yaml (JSON when it starts with '{'
 * or '[').  Reads it into a CloudFormation tree (cfn_read.c), prints the
 * tree both ways (cfn_json.c), reads the printed JSON back and checks that
 * it prints the same, and prints the diagnostics (to /dev/null) so the
 * caret printer meets the reader's places.  Holds: no crash, no sanitizer
 * report, no leak; a tree that was read prints as JSON that reads back to
 * the same tree.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfn.h"

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
    Source *src = source_from_text(ctx, "t.yaml", (const char *)data, size);
    CfnNode *t = cfn_read(ctx, src);
    if (t) {
        char *pretty = cfn_json(t);
        char *flat = cfn_json_compact(t);
        /* The printed JSON reads back (a scalar at the top is not JSON
         * that cfn_read takes as such, so only containers). */
        if (t->kind == CFN_OBJECT || t->kind == CFN_ARRAY) {
            Source *again = source_from_text(ctx, "t.json", pretty,
                                             strlen(pretty));
            CfnNode *u = cfn_read(ctx, again);
            if (!u)
                abort();
            char *flat2 = cfn_json_compact(u);
            if (strcmp(flat, flat2) != 0)
                abort();
            free(flat2);
        }
        free(pretty);
        free(flat);
    }
    diag_print_all(ctx, sink, FMT_GCC, true);
    diag_print_all(ctx, sink, FMT_JSON, false);
    ctx_free(ctx);
    return 0;
}
