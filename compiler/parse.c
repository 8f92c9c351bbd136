/*
 * parse.c: tokens to the syntax tree.
 *
 * In: the token list of one Source.  Out: a File, a list of statements.
 * The grammar at this level is small, and what each statement means is left
 * to the kinds (kinds/), which read their items and fields:
 *
 *   file  = { stmt | EOL } EOF
 *   stmt  = item { item } [ block ] EOL
 *   block = "{" { stmt | EOL } "}"          the "{" on the statement's line
 *   item  = WORD | STRING | NUMBER | PATH | ":" | "," | "=" | "->" | list
 *   list  = "[" [ item { "," item } ] "]"   may span lines
 *
 * grammar/hit.ebnf spells out, per declaration, what the kinds accept.
 * Errors: each names what was expected and where the opener was; after one,
 * the parser skips to the end of the line (or of the block) and goes on.
 * Limit: '{' and '[' nest at most MAX_NESTING deep (the parser recurses once
 * per level, so without a bound a deep file would overflow the stack); a
 * deeper opener is reported and its whole group skipped without recursion.
 */
#include <string.h>

#include "hitc.h"

typedef struct Parser {
    Ctx *ctx;
    Token *tok;
    int depth;              /* '{' and '[' open around the current token */
    Token *outermost;       /* the first of them */
} Parser;

static bool at(Parser *P, TokKind k)
{
    return P->tok->kind == k;
}

static Token *next(Parser *P)
{
    Token *t = P->tok;
    if (t->kind != T_EOF)
        P->tok = t->next;
    return t;
}

/* After an error: skip to the end of the line, over any brackets opened on
 * it.  A '}' that nothing on the line opened closes the enclosing block,
 * so it stays for the caller; an unmatched ']' closes nothing and is
 * skipped (stopping at it would leave the parser where it was). */
static void skip_line(Parser *P)
{
    int depth = 0;
    while (!at(P, T_EOF)) {
        if (at(P, T_LBRACE) || at(P, T_LBRACKET)) {
            depth++;
        } else if (at(P, T_RBRACE) || at(P, T_RBRACKET)) {
            if (depth > 0)
                depth--;
            else if (at(P, T_RBRACE))
                return;
        } else if (at(P, T_NEWLINE) && depth == 0) {
            return;
        }
        next(P);
    }
}

/* At the opener P->tok: is there room for one more level?  If not, report
 * it and skip it with everything up to its matching closer (or EOF). */
static bool room_to_nest(Parser *P)
{
    if (P->depth < MAX_NESTING)
        return true;
    Token *open = P->tok;
    int line, col;
    loc_linecol(P->outermost->loc, &line, &col);
    Diag *d = diag(P->ctx, D_TOO_DEEP, open->loc,
                   "%s nested %d deep; hitc takes at most %d levels of '{' "
                   "and '[' (the outermost opened at line %d)",
                   tok_kind_name(open->kind), P->depth + 1, MAX_NESTING, line);
    note(P->ctx, d, P->outermost->loc, "the outermost %s opened here",
         tok_kind_name(P->outermost->kind));
    int depth = 0;
    do {
        if (at(P, T_LBRACE) || at(P, T_LBRACKET))
            depth++;
        else if (at(P, T_RBRACE) || at(P, T_RBRACKET))
            depth--;
        next(P);
    } while (depth > 0 && !at(P, T_EOF));
    return false;
}

/* Enter and leave one level of '{' or '['. */
static void enter(Parser *P, Token *open)
{
    if (P->depth++ == 0)
        P->outermost = open;
}

static void leave(Parser *P)
{
    P->depth--;
}

static Item *new_item(Parser *P, ItemKind kind, Token *t)
{
    Item *it = arena_alloc(P->ctx->arena, sizeof *it);
    it->kind = kind;
    it->loc = t->loc;
    it->text = t->text;
    it->punct = t->kind;
    it->parts = t->parts;
    it->num = t->num;
    it->unit = t->unit;
    return it;
}

static Item *parse_item(Parser *P);

static void skip_newlines(Parser *P)
{
    while (at(P, T_NEWLINE))
        next(P);
}

static Item *parse_list_in(Parser *P, Token *open);

/* list = "[" [ item { "," item } ] "]" */
static Item *parse_list(Parser *P)
{
    if (!room_to_nest(P))
        return NULL;
    Token *open = next(P);
    enter(P, open);
    Item *list = parse_list_in(P, open);
    leave(P);
    return list;
}

static Item *parse_list_in(Parser *P, Token *open)
{
    Item *list = new_item(P, I_LIST, open);
    PtrVec elems = {0};
    skip_newlines(P);
    while (!at(P, T_RBRACKET)) {
        if (at(P, T_EOF) || at(P, T_LBRACE) || at(P, T_RBRACE)) {
            int line, col;
            loc_linecol(open->loc, &line, &col);
            Diag *d = diag(P->ctx, D_UNCLOSED, P->tok->loc,
                           "expected ']' to close '[' at line %d", line);
            note(P->ctx, d, open->loc, "'[' opened here");
            return NULL;
        }
        Item *it = parse_item(P);
        if (!it)
            return NULL;
        vec_push(P->ctx->arena, &elems, it);
        skip_newlines(P);
        if (at(P, T_COMMA)) {
            next(P);
            skip_newlines(P);
        } else if (at(P, T_EOF) || at(P, T_LBRACE) || at(P, T_RBRACE)) {
            continue;   /* reported as unclosed at the top of the loop */
        } else if (!at(P, T_RBRACKET)) {
            diag(P->ctx, D_EXPECTED, P->tok->loc,
                 "expected ',' or ']' in list, found %s",
                 tok_kind_name(P->tok->kind));
            return NULL;
        }
    }
    Token *close = next(P);
    list->loc.len = close->loc.off + close->loc.len - open->loc.off;
    list->elems = (Item **)elems.items;
    list->nelems = elems.len;
    return list;
}

/* item = WORD | STRING | NUMBER | PATH | punctuation | list */
static Item *parse_item(Parser *P)
{
    switch (P->tok->kind) {
    case T_WORD:
        return new_item(P, I_WORD, next(P));
    case T_STRING:
        return new_item(P, I_STRING, next(P));
    case T_NUMBER:
        return new_item(P, I_NUMBER, next(P));
    case T_PATH:
        return new_item(P, I_PATH, next(P));
    case T_COLON: case T_COMMA: case T_EQUAL: case T_ARROW:
        return new_item(P, I_PUNCT, next(P));
    case T_LBRACKET:
        return parse_list(P);
    default:
        diag(P->ctx, D_EXPECTED, P->tok->loc, "unexpected %s",
             tok_kind_name(P->tok->kind));
        return NULL;
    }
}

static Stmt **parse_stmts(Parser *P, Token *open, int *count, Loc *close);

/* stmt = item { item } [ block ] EOL */
static Stmt *parse_stmt(Parser *P)
{
    Stmt *s = arena_alloc(P->ctx->arena, sizeof *s);
    s->loc = P->tok->loc;
    PtrVec items = {0};
    while (!at(P, T_NEWLINE) && !at(P, T_LBRACE) && !at(P, T_RBRACE) &&
           !at(P, T_EOF)) {
        Item *it = parse_item(P);
        if (!it) {
            /* Keep what came before the error, so the names it declares
             * and the field it writes still count: no cascade. */
            skip_line(P);
            s->bad = true;
            break;
        }
        vec_push(P->ctx->arena, &items, it);
    }
    s->items = (Item **)items.items;
    s->nitems = items.len;
    if (items.len)
        s->end = ((Item *)items.items[items.len - 1])->loc;
    if (s->bad)
        return items.len ? s : NULL;
    if (at(P, T_LBRACE)) {
        s->has_block = true;
        s->block_loc = P->tok->loc;
        if (!room_to_nest(P)) {
            s->bad = true;  /* reported: its block is not read */
            return s;
        }
        Token *open = next(P);
        enter(P, open);
        s->block = parse_stmts(P, open, &s->nblock, &s->close_loc);
        s->end = s->close_loc;
        leave(P);
        if (!at(P, T_NEWLINE) && !at(P, T_RBRACE) && !at(P, T_EOF)) {
            diag(P->ctx, D_EXPECTED, P->tok->loc,
                 "expected the end of the line after '}', found %s",
                 tok_kind_name(P->tok->kind));
            skip_line(P);
        }
    }
    return s;
}

/* { stmt | EOL } up to the "}" that closes open (or EOF when open is
 * NULL).  Consumes the "}" and sets *close to it (to the end of the file
 * when it is missing). */
static Stmt **parse_stmts(Parser *P, Token *open, int *count, Loc *close)
{
    PtrVec stmts = {0};
    for (;;) {
        if (at(P, T_NEWLINE)) {
            next(P);
            continue;
        }
        if (at(P, T_EOF)) {
            if (open) {
                int line, col;
                loc_linecol(open->loc, &line, &col);
                Diag *d = diag(P->ctx, D_UNCLOSED, P->tok->loc,
                               "expected '}' to close '{' at line %d", line);
                note(P->ctx, d, open->loc, "'{' opened here");
            }
            *close = P->tok->loc;
            break;
        }
        if (at(P, T_RBRACE)) {
            Token *t = next(P);
            if (open) {
                *close = t->loc;
                break;
            }
            diag(P->ctx, D_EXPECTED, t->loc, "unexpected '}' with no '{' "
                 "open");
            continue;
        }
        if (at(P, T_LBRACE)) {
            diag(P->ctx, D_BRACE_LINE, P->tok->loc,
                 "'{' must stand on the line that opens the block, after "
                 "the declaration it belongs to");
            if (!room_to_nest(P))
                continue;
            Token *brace = next(P);
            enter(P, brace);
            int ignored;
            Loc ignored_close;
            parse_stmts(P, brace, &ignored, &ignored_close);
            leave(P);
            continue;
        }
        Stmt *s = parse_stmt(P);
        if (s)
            vec_push(P->ctx->arena, &stmts, s);
    }
    *count = stmts.len;
    return (Stmt **)stmts.items;
}

File *parse(Ctx *ctx, Source *src)
{
    Parser P = {.ctx = ctx, .tok = lex(ctx, src)};
    File *f = arena_alloc(ctx->arena, sizeof *f);
    f->src = src;
    f->tokens = P.tok;
    Loc end;
    f->stmts = parse_stmts(&P, NULL, &f->nstmts, &end);
    return f;
}

bool item_is_word(const Item *it, const char *word)
{
    return it && it->kind == I_WORD && strcmp(it->text, word) == 0;
}

bool item_is_punct(const Item *it, TokKind k)
{
    return it && it->kind == I_PUNCT && it->punct == k;
}

const char *item_describe(Arena *a, const Item *it)
{
    switch (it->kind) {
    case I_WORD:
        return arena_printf(a, "'%s'", it->text);
    case I_STRING:
        return "a string";
    case I_NUMBER:
        return arena_printf(a, "number '%s'", it->text);
    case I_PATH:
        return arena_printf(a, "path '%s'", it->text);
    case I_PUNCT:
        return arena_printf(a, "'%s'", it->text);
    case I_LIST:
        return "a list";
    }
    return "something";
}
