/*
 * lex.c: source text to tokens.
 *
 * In: one Source.  Out: a list of tokens ending in T_EOF; errors for bad
 * characters, strings and numbers (the lexer keeps going after each).
 * Holds: newlines are tokens (they end statements; ';' becomes one too);
 * comments are not tokens: each one's place is kept on the Source
 * (src->comments, in order) for `hitc fmt`; strings arrive cooked, split into literal pieces and
 * ${reference} pieces; a dotted word (index.handler, python3.12,
 * counters.name) is one token; a route path (/users/{id}) is one token.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hitc.h"

typedef struct Lexer {
    Ctx *ctx;
    Source *src;
    const char *p, *start;
    Token head, *tail;
    bool line_has_code;     /* a token other than a newline on this line */
} Lexer;

static Loc loc_at(Lexer *L, const char *from, const char *to)
{
    return (Loc){L->src, (uint32_t)(from - L->src->text),
                 (uint32_t)(to - from)};
}

static Token *add(Lexer *L, TokKind kind, const char *from, const char *to)
{
    Token *t = arena_alloc(L->ctx->arena, sizeof *t);
    t->kind = kind;
    t->loc = loc_at(L, from, to);
    t->text = arena_strndup(L->ctx->arena, from, (size_t)(to - from));
    t->unit = "";
    L->tail->next = t;
    L->tail = t;
    L->line_has_code = kind != T_NEWLINE;
    return t;
}

const char *tok_kind_name(TokKind k)
{
    static const char *names[] = {
        [T_EOF] = "end of file", [T_NEWLINE] = "end of line",
        [T_WORD] = "name",       [T_STRING] = "string",
        [T_NUMBER] = "number",   [T_PATH] = "path",
        [T_LBRACE] = "'{'",      [T_RBRACE] = "'}'",
        [T_LBRACKET] = "'['",    [T_RBRACKET] = "']'",
        [T_COLON] = "':'",       [T_COMMA] = "','",
        [T_EQUAL] = "'='",       [T_ARROW] = "'->'",
    };
    return names[k];
}

static bool word_char(char c)
{
    return isalnum((unsigned char)c) || c == '_' || c == '-';
}

/* name ( '.' part )*, where a '-' directly before '>' ends the word. */
static const char *scan_word(const char *p)
{
    for (;;) {
        while (word_char(*p) && !(p[0] == '-' && p[1] == '>'))
            p++;
        if (p[0] == '.' && word_char(p[1]) && p[1] != '-')
            p++;
        else
            return p;
    }
}

static void push_part(Lexer *L, Token *t, StrPart **last, bool is_ref,
                      const char *text, Loc loc)
{
    StrPart *sp = arena_alloc(L->ctx->arena, sizeof *sp);
    sp->is_ref = is_ref;
    sp->text = arena_strdup(L->ctx->arena, text);
    sp->loc = loc;
    if (*last)
        (*last)->next = sp;
    else
        t->parts = sp;
    *last = sp;
}

/* \u{HEX}: p points after "\u".  Returns the end, or NULL on error. */
static const char *scan_unicode(Lexer *L, const char *esc, const char *p,
                                Buf *b)
{
    if (*p != '{') {
        diag(L->ctx, D_BAD_ESCAPE, loc_at(L, esc, p),
             "'\\u' must be followed by '{HEX}', as in '\\u{e9}'");
        return NULL;
    }
    const char *q = ++p;
    unsigned long cp = 0;
    while (isxdigit((unsigned char)*q) && q - p < 7)
        cp = cp * 16 + (unsigned long)(isdigit((unsigned char)*q)
                                           ? *q - '0'
                                           : (tolower((unsigned char)*q) - 'a' + 10)),
        q++;
    if (q == p || *q != '}') {
        diag(L->ctx, D_BAD_ESCAPE, loc_at(L, esc, q),
             "bad '\\u{...}' escape: expected 1 to 6 hex digits and '}'");
        return NULL;
    }
    if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        diag(L->ctx, D_BAD_ESCAPE, loc_at(L, esc, q + 1),
             "'\\u{%lx}' is not a character that a string may hold", cp);
        return NULL;
    }
    buf_put_utf8(b, (unsigned)cp);
    return q + 1;
}

static void lex_string(Lexer *L)
{
    const char *open = L->p;
    const char *p = L->p + 1;
    Token *t = add(L, T_STRING, open, open + 1);
    StrPart *last = NULL;
    Buf b = {0};
    buf_add(&b, "", 0);
    const char *lit_start = p;
    for (;;) {
        char c = *p;
        if (c == '\0' && p >= L->src->text + L->src->len) {
            diag(L->ctx, D_UNTERMINATED_STRING, loc_at(L, open, open + 1),
                 "missing '\"' to close this string");
            break;
        }
        if (c == '\n' || c == '\r') {
            diag(L->ctx, D_UNTERMINATED_STRING, loc_at(L, open, p),
                 "missing '\"' before the end of the line; write a newline "
                 "in a string as '\\n'");
            break;
        }
        if (c == '"') {
            p++;
            break;
        }
        if (c == '\\') {
            const char *esc = p;
            char ch = p[1];
            const char *simple = strchr("\\\"nt$", ch);
            if (ch && simple) {
                buf_add(&b, ch == 'n' ? "\n" : ch == 't' ? "\t" : &p[1], 1);
                p += 2;
            } else if (ch == 'u') {
                const char *q = scan_unicode(L, esc, p + 2, &b);
                p = q ? q : p + 2;
            } else {
                diag(L->ctx, D_BAD_ESCAPE, loc_at(L, esc, p + (ch ? 2 : 1)),
                     "unknown escape '\\%c'; a string takes \\\\ \\\" \\n "
                     "\\t \\$ and \\u{HEX}", ch ? ch : ' ');
                p += ch ? 2 : 1;
            }
            continue;
        }
        if (c == '$' && p[1] == '{') {
            if (b.len)
                push_part(L, t, &last, false, b.data, loc_at(L, lit_start, p));
            b.len = 0;
            b.data[0] = '\0';
            const char *ref = p + 2;
            const char *q = ref;
            while (*q == ' ')
                q++;
            const char *w = q;
            const char *we = isalpha((unsigned char)*w) ? scan_word(w) : w;
            const char *r = we;
            while (*r == ' ')
                r++;
            if (we == w || *r != '}') {
                const char *stop = r;
                while (*stop && *stop != '}' && *stop != '"' && *stop != '\n')
                    stop++;
                diag(L->ctx, D_BAD_INTERP, loc_at(L, p, *stop == '}' ? stop + 1 : stop),
                     "'${...}' must hold one reference, as in '${stage}' or "
                     "'${counters.name}'");
                p = *stop == '}' ? stop + 1 : stop;
            } else {
                char *name = arena_strndup(L->ctx->arena, w, (size_t)(we - w));
                push_part(L, t, &last, true, name, loc_at(L, w, we));
                p = r + 1;
            }
            lit_start = p;
            continue;
        }
        int n = utf8_len((const unsigned char *)p,
                         (const unsigned char *)L->src->text + L->src->len);
        if (n == 0) {
            diag(L->ctx, D_BAD_UTF8, loc_at(L, p, p + 1),
                 "invalid UTF-8 byte 0x%02x in string", (unsigned char)c);
            n = 1;
        } else if ((unsigned char)c < 0x20 && c != '\t') {
            diag(L->ctx, D_BAD_CHAR, loc_at(L, p, p + 1),
                 "control character 0x%02x in string; use an escape",
                 (unsigned char)c);
        } else {
            buf_add(&b, p, (size_t)n);
        }
        p += n;
    }
    if (b.len || !last)
        push_part(L, t, &last, false, b.data, loc_at(L, lit_start, p));
    buf_free(&b);
    t->loc = loc_at(L, open, p);
    t->text = arena_strndup(L->ctx->arena, open, (size_t)(p - open));
    L->p = p;
}

static void lex_number(Lexer *L)
{
    const char *s = L->p, *p = s;
    while (isdigit((unsigned char)*p))
        p++;
    const char *digits_end = p;
    while (isalpha((unsigned char)*p))
        p++;
    Token *t = add(L, T_NUMBER, s, p);
    errno = 0;
    char *end;
    long long v = strtoll(s, &end, 10);
    if (errno == ERANGE || v > 1000000000000LL) {
        diag(L->ctx, D_BAD_NUMBER, t->loc, "number '%.*s' is too large",
             (int)(digits_end - s), s);
        v = 0;
    }
    t->num = v;
    t->unit = arena_strndup(L->ctx->arena, digits_end, (size_t)(p - digits_end));
    if (word_char(*p) || *p == '.') {
        const char *q = p;
        while (word_char(*q) || *q == '.')
            q++;
        diag(L->ctx, D_BAD_NUMBER, loc_at(L, s, q),
             "'%.*s' is neither a number nor a name (names start with a "
             "letter)", (int)(q - s), s);
        p = q;
    }
    L->p = p;
}

static bool path_char(const char *p)
{
    return isalnum((unsigned char)*p) || strchr("._~{}+/", *p) ||
           (*p == '-' && p[1] != '>');
}

/* Can a token (or a blank, or a comment) start at p? */
static bool starts_token(const char *p)
{
    char c = *p;
    return (c && strchr(" \t\r\n;#\"/{}[]:,=", c)) ||
           isalnum((unsigned char)c) || c == '_' || (c == '-' && p[1] == '>');
}

/* A character for a message: itself when printable, else U+XXXX. */
static const char *shown_char(Lexer *L, const char *p, int n)
{
    unsigned char c = (unsigned char)*p;
    if (n > 1 || (c >= 0x20 && c < 0x7f))
        return arena_printf(L->ctx->arena, "'%.*s'", n, p);
    return arena_printf(L->ctx->arena, "U+%04X", c);
}

/* What cannot start a token, from p: one diagnostic for the whole run of
 * such characters (or of bytes that are not UTF-8), so a stray binary
 * file gives a few errors, not one per byte.  Returns where it stops. */
static const char *bad_run(Lexer *L, const char *p, const char *end)
{
    const unsigned char *u = (const unsigned char *)p;
    bool invalid = utf8_len(u, (const unsigned char *)end) == 0;
    const char *q = p;
    int count = 0;
    do {    /* the first is bad by the caller's word: always progress */
        int n = utf8_len((const unsigned char *)q, (const unsigned char *)end);
        if (count > 0 && (n == 0) != invalid)
            break;
        q += n ? n : 1;
        count++;
    } while (q < end && !starts_token(q));
    Loc loc = loc_at(L, p, q);
    if (invalid && count == 1)
        diag(L->ctx, D_BAD_UTF8, loc, "invalid UTF-8 byte 0x%02x", *u);
    else if (invalid)
        diag(L->ctx, D_BAD_UTF8, loc, "%d bytes of invalid UTF-8, the first "
             "0x%02x", count, *u);
    else if (count == 1)
        diag(L->ctx, D_BAD_CHAR, loc, "unexpected character %s",
             shown_char(L, p, (int)(q - p)));
    else
        diag(L->ctx, D_BAD_CHAR, loc, "%d unexpected characters, the first %s",
             count, shown_char(L, p, utf8_len(u, (const unsigned char *)end)));
    return q;
}

Token *lex(Ctx *ctx, Source *src)
{
    Lexer L = {.ctx = ctx, .src = src, .p = src->text};
    L.tail = &L.head;
    src->comments = (PtrVec){0};
    const char *end = src->text + src->len;
    if (end - L.p >= 3 && memcmp(L.p, "\xEF\xBB\xBF", 3) == 0)
        L.p += 3;
    while (L.p < end) {
        const char *p = L.p;
        char c = *p;
        if (c == ' ' || c == '\t' || c == '\r') {
            L.p++;
        } else if (c == '\n' || c == ';') {
            add(&L, T_NEWLINE, p, p + 1);
            L.p++;
        } else if (c == '#') {
            while (L.p < end && *L.p != '\n')
                L.p++;
            Comment *cm = arena_alloc(ctx->arena, sizeof *cm);
            cm->loc = loc_at(&L, p, L.p);
            cm->own_line = !L.line_has_code;
            vec_push(ctx->arena, &src->comments, cm);
        } else if (c == '"') {
            lex_string(&L);
        } else if (isdigit((unsigned char)c)) {
            lex_number(&L);
        } else if (isalpha((unsigned char)c) || c == '_') {
            L.p = scan_word(p);
            add(&L, T_WORD, p, L.p);
        } else if (c == '/') {
            const char *q = p + 1;
            while (q < end && path_char(q))
                q++;
            add(&L, T_PATH, p, q);
            L.p = q;
        } else if (c == '-' && p[1] == '>') {
            add(&L, T_ARROW, p, p + 2);
            L.p += 2;
        } else if (strchr("{}[]:,=", c) && c) {
            static const TokKind puncts[] = {T_LBRACE, T_RBRACE, T_LBRACKET,
                                            T_RBRACKET, T_COLON, T_COMMA,
                                            T_EQUAL};
            add(&L, puncts[strchr("{}[]:,=", c) - "{}[]:,="], p, p + 1);
            L.p++;
        } else {
            L.p = bad_run(&L, p, end);
        }
    }
    add(&L, T_NEWLINE, end, end);
    add(&L, T_EOF, end, end);
    return L.head.next;
}
