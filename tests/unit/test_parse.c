/* test_parse.c: statements, blocks, lists, and recovery after errors. */
#include "check.h"
#include "helpers.h"

static File *parse_text(Ctx *ctx, const char *text)
{
    return parse(ctx, source_from_text(ctx, "t.hit", text, strlen(text)));
}

static void statements_and_blocks(void)
{
    Ctx *ctx = ctx_new();
    File *f = parse_text(ctx, "app x \"d\"\n\ntable t {\n  key id: string\n  index i { key a: number; sort b: string }\n}\n");
    CHECK_INT(ctx->nerrors, 0);
    CHECK_INT(f->nstmts, 2);
    CHECK_INT(f->stmts[0]->nitems, 3);
    Stmt *t = f->stmts[1];
    CHECK(t->has_block);
    CHECK_INT(t->nblock, 2);
    CHECK_INT(t->block[0]->nitems, 4);
    CHECK(item_is_punct(t->block[0]->items[2], T_COLON));
    Stmt *ix = t->block[1];
    CHECK(ix->has_block);
    CHECK_INT(ix->nblock, 2);
    CHECK(item_is_word(ix->block[1]->items[0], "sort"));
    ctx_free(ctx);
}

static void lists_span_lines(void)
{
    Ctx *ctx = ctx_new();
    File *f = parse_text(ctx, "param p: string = \"a\" { allowed [\n  \"a\",\n  \"b\"\n] }\n");
    CHECK_INT(ctx->nerrors, 0);
    Item *list = f->stmts[0]->block[0]->items[1];
    CHECK_INT(list->kind, I_LIST);
    CHECK_INT(list->nelems, 2);
    ctx_free(ctx);
}

static void brace_on_its_own_line(void)
{
    Ctx *ctx = ctx_new();
    File *f = parse_text(ctx, "table t\n{\n  key id: string\n}\ntable u { key id: string }\n");
    CHECK(has(diag_text(ctx), "2:1: '{' must stand on the line that opens the block"));
    /* The parser went on to the next declaration. */
    CHECK_INT(f->nstmts, 2);
    CHECK(item_is_word(f->stmts[1]->items[1], "u"));
    ctx_free(ctx);
}

static void unclosed_block_names_its_opener(void)
{
    Ctx *ctx = ctx_new();
    parse_text(ctx, "table t {\n  key id: string\n");
    const char *d = diag_text(ctx);
    CHECK(has(d, "expected '}' to close '{' at line 1"));
    CHECK(has(d, "1:9: note: '{' opened here"));
    ctx_free(ctx);
}

static void unclosed_list(void)
{
    Ctx *ctx = ctx_new();
    parse_text(ctx, "param p: string { allowed [\"a\", \"b\" }\n");
    CHECK(has(diag_text(ctx), "expected ']' to close '[' at line 1"));
    ctx_free(ctx);
}

static void stray_closing_brace(void)
{
    Ctx *ctx = ctx_new();
    File *f = parse_text(ctx, "}\ntable t { key id: string }\n");
    CHECK(has(diag_text(ctx), "1:1: unexpected '}' with no '{' open"));
    CHECK_INT(f->nstmts, 1);
    ctx_free(ctx);
}

static void junk_after_block(void)
{
    Ctx *ctx = ctx_new();
    parse_text(ctx, "table t { key id: string } extra\n");
    CHECK(has(diag_text(ctx), "expected the end of the line after '}'"));
    ctx_free(ctx);
}

/* Reproduction (issue 6): 75,000 nested '{' or 114,000 '[' overflowed the
 * stack (exit 139).  Now the 65th level is an error naming the limit and
 * the outermost opener, and the group is skipped without recursing. */
static char *nested(const char *head, char open, int n, const char *tail)
{
    size_t hl = strlen(head), tl = strlen(tail);
    char *s = malloc(hl + (size_t)n * 2 + tl + 1);
    memcpy(s, head, hl);
    for (int i = 0; i < n; i++) {
        s[hl + 2 * (size_t)i] = open;
        s[hl + 2 * (size_t)i + 1] = open == '{' ? '\n' : ' ';
    }
    memcpy(s + hl + (size_t)n * 2, tail, tl + 1);
    return s;
}

static void nesting_stops_at_the_limit(void)
{
    Ctx *ctx = ctx_new();
    char *text = nested("output o = ", '[', 200000, "\n");
    parse_text(ctx, text);
    const char *d = diag_text(ctx);
    CHECK(has(d, "1:140: '[' nested 65 deep; hitc takes at most 64 levels "
                 "of '{' and '[' (the outermost opened at line 1)"));
    CHECK(has(d, "1:12: note: the outermost '[' opened here"));
    free(text);
    ctx_free(ctx);

    ctx = ctx_new();
    text = nested("a ", '{', 100000, "");
    parse_text(ctx, text);
    CHECK(has(diag_text(ctx), "'{' nested 65 deep"));
    free(text);
    ctx_free(ctx);

    /* 64 levels are fine. */
    ctx = ctx_new();
    text = nested("output o = ", '[', 64, "");
    char *closed = malloc(strlen(text) + 64 + 2);
    strcpy(closed, text);
    for (int i = 0; i < 64; i++)
        strcat(closed, "]");
    strcat(closed, "\n");
    parse_text(ctx, closed);
    CHECK_INT(ctx->nerrors, 0);
    free(text);
    free(closed);
    ctx_free(ctx);
}

/* After a too-deep group the parser goes on with the next line. */
static void after_the_deep_group_parsing_goes_on(void)
{
    Ctx *ctx = ctx_new();
    char *text = nested("output o = ", '[', 70, "");
    size_t n = strlen(text);
    char *all = malloc(n + 70 + 64);
    memcpy(all, text, n);
    memset(all + n, ']', 70);
    strcpy(all + n + 70, "\ntable t { key id: string }\n");
    File *f = parse_text(ctx, all);
    CHECK_INT(ctx->nerrors, 1);
    CHECK_INT(f->nstmts, 2);
    free(text);
    free(all);
    ctx_free(ctx);
}

/* Each statement knows where it ends (its last item or its '}'), and a
 * block where its '}' is; the file keeps its tokens. */
static void statements_know_their_end(void)
{
    Ctx *ctx = ctx_new();
    const char *text = "app x \"d\"\ntable t {\n  key id: string\n  allowed [1,\n 2]\n}\n";
    File *f = parse_text(ctx, text);
    CHECK_INT(ctx->nerrors, 0);
    CHECK(f->tokens && f->tokens->kind == T_WORD);
    Stmt *a = f->stmts[0], *t = f->stmts[1];
    CHECK_INT(a->end.off, 6);                   /* the string */
    CHECK_INT(a->end.len, 3);
    CHECK_INT(t->close_loc.off, (long)(strrchr(text, '}') - text));
    CHECK_INT(t->end.off, t->close_loc.off);
    CHECK_INT(t->block[0]->end.off, (long)(strstr(text, "string") - text));
    Stmt *l = t->block[1];                      /* a list spanning lines */
    CHECK_INT(l->end.off + l->end.len, (long)(strstr(text, "2]") - text) + 2);
    ctx_free(ctx);
}

int main(void)
{
    RUN(statements_know_their_end);
    RUN(statements_and_blocks);
    RUN(lists_span_lines);
    RUN(brace_on_its_own_line);
    RUN(unclosed_block_names_its_opener);
    RUN(unclosed_list);
    RUN(stray_closing_brace);
    RUN(junk_after_block);
    RUN(nesting_stops_at_the_limit);
    RUN(after_the_deep_group_parsing_goes_on);
    return check_summary();
}
