/*
 * diag_print.c: the diagnostics of one or more files, printed in the
 * format asked for.
 *
 * In: each file's Ctx, with the diagnostics diag() and note() gathered
 * (diag.c).  Out: gcc-style text (diag_text.c), or one JSON or SARIF
 * document for all the files (diag_sarif.c).  Holds: the one place that
 * chooses between the formats, above them, so that diag.c, which every
 * phase reports through, uses none of them.
 */
#include <stdio.h>
#include <stdlib.h>

#include "cfn.h"
#include "hitc.h"

/* Every format shows the first MAX_DIAGS_SHOWN diagnostics of a file (in
 * order of place), then how many more there are: a line of text, or one
 * last entry (code N0008) in JSON and SARIF.  JSON and SARIF are one
 * document for all the files a command was given. */
void diag_print_many(Ctx *const *ctxs, int n, FILE *out, DiagFormat fmt,
                     bool color)
{
    for (int k = 0; k < n; k++)
        diag_trim(ctxs[k]);
    if (fmt != FMT_GCC) {
        Arena *a = arena_new();
        CfnNode *j = fmt == FMT_JSON ? diags_json(a, ctxs, n)
                                     : diags_sarif(a, ctxs, n);
        char *text = cfn_json(j);
        fputs(text, out);
        fputc('\n', out);
        free(text);
        arena_free(a);
        return;
    }
    for (int k = 0; k < n; k++) {
        Ctx *ctx = ctxs[k];
        for (int i = 0; i < ctx->diags.len; i++) {
            Diag *d = ctx->diags.items[i];
            if (d->accepted)
                continue;       /* JSON and SARIF show it, with its reason */
            diag_print_gcc(out, ctx->arena, d, color);
        }
        const char *more = diag_more_message(ctx);
        if (more)
            fprintf(out, "hitc: %s\n", more);
        if (ctx->nerrors || ctx->nwarnings)
            fprintf(out, "%d error%s, %d warning%s\n", ctx->nerrors,
                    ctx->nerrors == 1 ? "" : "s", ctx->nwarnings,
                    ctx->nwarnings == 1 ? "" : "s");
    }
}

void diag_print_all(Ctx *ctx, FILE *out, DiagFormat fmt, bool color)
{
    diag_print_many(&ctx, 1, out, fmt, color);
}
