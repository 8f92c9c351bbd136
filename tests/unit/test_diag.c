/* test_diag.c: line and column lookup, and the bound on diagnostics kept. */
#include "check.h"
#include "helpers.h"

/* The column the slow way: characters (bytes that do not continue a UTF-8
 * sequence) from the start of the line, from 1. */
static void naive_linecol(const char *t, size_t off, int *line, int *col)
{
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < off; i++) {
        if (t[i] == '\n') {
            (*line)++;
            *col = 1;
        } else if (((unsigned char)t[i] & 0xC0) != 0x80) {
            (*col)++;
        }
    }
}

/* Issue 6: a column was found by scanning the line from its start for every
 * diagnostic, so 24,527 diagnostics on one 30 KB line took seconds.  Now a
 * binary search over the line table and a mark every SOURCE_MARK bytes:
 * the answers must be the same as the slow way, across mark boundaries,
 * multi-byte characters and long lines. */
static void columns_match_a_plain_count(void)
{
    Buf b = {0};
    for (int i = 0; i < 3000; i++) {
        buf_puts(&b, i % 7 == 0 ? "\xc3\xa9t\xe2\x82\xac" : "ab");
        if (i % 500 == 499)
            buf_puts(&b, "\n");
    }
    Ctx *ctx = ctx_new();
    Source *s = source_from_text(ctx, "t.hit", b.data, b.len);
    for (size_t off = 0; off <= b.len; off += 1 + off % 13) {
        int line, col, wl, wc;
        loc_linecol((Loc){s, (uint32_t)off, 0}, &line, &col);
        naive_linecol(b.data, off, &wl, &wc);
        if (line != wl || col != wc) {
            fprintf(stderr, "  at %zu: got %d:%d, want %d:%d\n", off, line,
                    col, wl, wc);
            CHECK(0);
            break;
        }
    }
    buf_free(&b);
    ctx_free(ctx);
}

/* Issue 6: 5 MB of junk with --format json took 2.1 GB and wrote 298 MB.
 * Only the first MAX_DIAGS_SHOWN by place are kept, whatever the order
 * they are reported in; the rest are counted. */
static void only_the_first_by_place_are_kept(void)
{
    Ctx *ctx = ctx_new();
    Buf b = {0};
    for (int i = 0; i < 5000; i++)
        buf_puts(&b, "x\n");
    Source *s = source_from_text(ctx, "t.hit", b.data, b.len);
    for (int i = 4999; i >= 0; i--) {
        Diag *d = diag(ctx, D_BAD_CHAR, (Loc){s, (uint32_t)(2 * i), 1},
                       "bad %d", i);
        note(ctx, d, (Loc){s, 0, 1}, "a note");
    }
    CHECK_INT(ctx->nerrors, 5000);
    CHECK(ctx->diags.len <= 2 * MAX_DIAGS_SHOWN);
    FILE *out = tmpfile();
    diag_print_all(ctx, out, FMT_JSON, false);
    CHECK_INT(ctx->diags.len, MAX_DIAGS_SHOWN);
    CHECK_INT(ctx->ndropped, 5000 - MAX_DIAGS_SHOWN);
    for (int i = 0; i < ctx->diags.len; i++)
        CHECK_INT(((Diag *)ctx->diags.items[i])->loc.off, 2 * i);
    long size = ftell(out);
    CHECK(size > 0 && size < 100000);
    rewind(out);
    char *text = calloc(1, (size_t)size + 1);
    CHECK(fread(text, 1, (size_t)size, out) == (size_t)size);
    CHECK(has(text, "\"code\":\t\"N0008\"") || has(text, "\"code\": \"N0008\""));
    CHECK(has(text, "4900 more diagnostics not shown"));
    free(text);
    fclose(out);
    buf_free(&b);
    ctx_free(ctx);
}

int main(void)
{
    RUN(columns_match_a_plain_count);
    RUN(only_the_first_by_place_are_kept);
    return check_summary();
}
