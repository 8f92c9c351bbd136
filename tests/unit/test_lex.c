/* test_lex.c: the lexer, token by token. */
#include "check.h"
#include "helpers.h"

static Token *lex_text(Ctx *ctx, const char *text)
{
    return lex(ctx, source_from_text(ctx, "t.hit", text, strlen(text)));
}

/* The kinds of all tokens, as one string of letters. */
static const char *kinds_of(Ctx *ctx, Token *t)
{
    static const char letters[] = "$;wsnp{}[]:,=>";
    Buf b = {0};
    buf_add(&b, "", 0);
    for (; t; t = t->next)
        buf_add(&b, &letters[t->kind], 1);
    char *s = arena_strdup(ctx->arena, b.data);
    buf_free(&b);
    return s;
}

static void words_and_dotted_words(void)
{
    Ctx *ctx = ctx_new();
    Token *t = lex_text(ctx, "runtime python3.12 nodejs22.x counters.name on-delete");
    CHECK_STR(kinds_of(ctx, t), "wwwww;$");
    CHECK_STR(t->next->text, "python3.12");
    CHECK_STR(t->next->next->text, "nodejs22.x");
    CHECK_STR(t->next->next->next->text, "counters.name");
    CHECK_STR(t->next->next->next->next->text, "on-delete");
    ctx_free(ctx);
}

static void arrow_ends_a_word(void)
{
    Ctx *ctx = ctx_new();
    Token *t = lex_text(ctx, "route GET /{name}->counter");
    CHECK_STR(kinds_of(ctx, t), "wwp>w;$");
    CHECK_STR(t->next->next->text, "/{name}");
    CHECK_STR(t->next->next->next->next->text, "counter");
    ctx_free(ctx);
}

static void numbers_with_units(void)
{
    Ctx *ctx = ctx_new();
    Token *t = lex_text(ctx, "512MB 30s 2m 7");
    CHECK_INT(t->num, 512);
    CHECK_STR(t->unit, "MB");
    CHECK_STR(t->next->unit, "s");
    CHECK_INT(t->next->next->num, 2);
    CHECK_STR(t->next->next->next->unit, "");
    CHECK_INT(ctx->nerrors, 0);
    ctx_free(ctx);
}

static void strings_cook_escapes(void)
{
    Ctx *ctx = ctx_new();
    Token *t = lex_text(ctx, "\"a\\\\b\\\"c\\nd\\te\\$f\\u{e9}\\u{1F600}\"");
    CHECK_INT(t->kind, T_STRING);
    CHECK(t->parts && !t->parts->next);
    CHECK_STR(t->parts->text, "a\\b\"c\nd\te$f\xc3\xa9\xf0\x9f\x98\x80");
    CHECK_INT(ctx->nerrors, 0);
    ctx_free(ctx);
}

static void interpolation_splits_parts(void)
{
    Ctx *ctx = ctx_new();
    Token *t = lex_text(ctx, "\"${stage}-reports-${ aws.region }\"");
    StrPart *p = t->parts;
    CHECK(p && p->is_ref);
    CHECK_STR(p->text, "stage");
    CHECK(p->next && !p->next->is_ref);
    CHECK_STR(p->next->text, "-reports-");
    CHECK(p->next->next && p->next->next->is_ref);
    CHECK_STR(p->next->next->text, "aws.region");
    CHECK(!p->next->next->next);
    ctx_free(ctx);
}

static void escaped_dollar_is_not_interpolation(void)
{
    Ctx *ctx = ctx_new();
    Token *t = lex_text(ctx, "\"\\${x}\"");
    CHECK(t->parts && !t->parts->is_ref && !t->parts->next);
    CHECK_STR(t->parts->text, "${x}");
    ctx_free(ctx);
}

static void comments_and_semicolons(void)
{
    Ctx *ctx = ctx_new();
    Token *t = lex_text(ctx, "a # b c\nd; e");
    CHECK_STR(kinds_of(ctx, t), "w;w;w;$");
    ctx_free(ctx);
}

static void errors_keep_going(void)
{
    Ctx *ctx = ctx_new();
    Token *t = lex_text(ctx, "a @ \"open\nb \"\\q\" \xff c");
    CHECK_INT(ctx->nerrors, 4);
    const char *d = diag_text(ctx);
    CHECK(has(d, "unexpected character '@'"));
    CHECK(has(d, "missing '\"' before the end of the line"));
    CHECK(has(d, "unknown escape '\\q'"));
    CHECK(has(d, "invalid UTF-8 byte 0xff"));
    /* The last word is still there. */
    Token *last = NULL;
    for (; t; t = t->next)
        if (t->kind == T_WORD)
            last = t;
    REQUIRE(last != NULL);
    CHECK_STR(last ? last->text : NULL, "c");
    ctx_free(ctx);
}

static void columns_count_characters(void)
{
    Ctx *ctx = ctx_new();
    Token *t = lex_text(ctx, "\"\xc3\xa9\xc3\xa9\" x");
    int line, col;
    loc_linecol(t->next->loc, &line, &col);
    CHECK_INT(line, 1);
    CHECK_INT(col, 6);
    ctx_free(ctx);
}

/* Comments are kept on the Source, in order, each with its place and
 * whether it stands on its own line (before: the lexer dropped them). */
static void comments_are_kept(void)
{
    Ctx *ctx = ctx_new();
    const char *text = "# head\napp x # trails\n  ; # after semicolon\n\"#no\" #end";
    Source *src = source_from_text(ctx, "t.hit", text, strlen(text));
    lex(ctx, src);
    REQUIRE_INT(src->comments.len, 4);
    Comment **c = (Comment **)src->comments.items;
    CHECK_INT(c[0]->loc.off, 0);
    CHECK_INT(c[0]->loc.len, 6);
    CHECK(c[0]->own_line);
    CHECK_INT(c[1]->loc.off, 13);
    CHECK_INT(c[1]->loc.len, 8);
    CHECK(!c[1]->own_line);
    CHECK(c[2]->own_line);      /* only ';' before it */
    CHECK(!c[3]->own_line);
    CHECK(strncmp(text + c[3]->loc.off, "#end", c[3]->loc.len) == 0);
    /* Lexing again does not pile them up. */
    lex(ctx, src);
    CHECK_INT(src->comments.len, 4);
    ctx_free(ctx);
}

int main(void)
{
    RUN(comments_are_kept);
    RUN(words_and_dotted_words);
    RUN(arrow_ends_a_word);
    RUN(numbers_with_units);
    RUN(strings_cook_escapes);
    RUN(interpolation_splits_parts);
    RUN(escaped_dollar_is_not_interpolation);
    RUN(comments_and_semicolons);
    RUN(errors_keep_going);
    RUN(columns_count_characters);
    return check_summary();
}
