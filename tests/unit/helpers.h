/*
 * helpers.h: compile .hit text held in a string, for unit tests.
 *
 * compile_text() runs compile() (compile.c), as main.c does, on text
 * from memory and returns the context; diag_text() joins the messages of its
 * diagnostics ("error: ...\n"), so a test can assert on them.
 */
#ifndef HITC_TEST_HELPERS_H
#define HITC_TEST_HELPERS_H

#include <stdlib.h>
#include <string.h>

#include "hitc.h"

static inline Ctx *compile_text(const char *text)
{
    Ctx *ctx = ctx_new();
    Source *src = source_from_text(ctx, "t.hit", text, strlen(text));
    src->dir = "tests/golden";      /* so that `code "src"` finds one */
    compile(ctx, src);
    return ctx;
}

/* Every diagnostic message, one a line; arena-owned. */
static inline const char *diag_text(Ctx *ctx)
{
    Buf b = {0};
    buf_add(&b, "", 0);
    for (int i = 0; i < ctx->diags.len; i++) {
        Diag *d = ctx->diags.items[i];
        int line, col;
        loc_linecol(d->loc, &line, &col);
        buf_printf(&b, "%d:%d: %s\n", line, col, d->msg);
        for (Note *n = d->notes; n; n = n->next) {
            loc_linecol(n->loc, &line, &col);
            buf_printf(&b, "%d:%d: note: %s\n", line, col, n->msg);
        }
    }
    char *s = arena_strdup(ctx->arena, b.data);
    buf_free(&b);
    return s;
}

static inline bool has(const char *haystack, const char *needle)
{
    return strstr(haystack, needle) != NULL;
}

#endif
