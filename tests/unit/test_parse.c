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

int main(void)
{
    RUN(statements_and_blocks);
    RUN(lists_span_lines);
    RUN(brace_on_its_own_line);
    RUN(unclosed_block_names_its_opener);
    RUN(unclosed_list);
    RUN(stray_closing_brace);
    RUN(junk_after_block);
    return check_summary();
}
