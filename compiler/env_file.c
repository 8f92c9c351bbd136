/*
 * env_file.c: the .env the stamper reads, checked and read as it reads it.
 *
 * In: the bytes of a .env (a source bundle's, a deployed bundle's, a
 * code directory's).  Out: whether the stamper would accept it, or the
 * line and why not (env_file_check: bundle.c refuses such a bundle); its
 * bindings one by one (env_file_each: hitc invoke and serve).
 * Holds: one pass over the text, in time in proportion to its length.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bundle.h"
#include "hitc.h"

/* A mirror of runtime-support/stamper/index.py's parse_env and check_env,
 * which read a .env exactly as python-dotenv 1.x does, in one pass: the
 * same texts pass, the same fail, at the same line.  "Space" is Python's
 * \s (str.isspace: Unicode white space, VT, FF, U+0085, U+2028 ...); a
 * "blank" is a space that is not CR or LF; lines end at CRLF, LF or CR.
 * From each binding's start, after any spaces:
 *   (export BLANK+)?  then '#...' (a comment) or a key, 'quoted' ([^']+)
 *   or bare ([^=#\s]+);  BLANK*  then optionally  = BLANK* VALUE;
 *   then (BLANK* #[^\r\n]*)?  BLANK*  and a line end or the end of text.
 * A quoted value closes at the first quote not right after a backslash,
 * else at the last quote in the text (where python-dotenv's regex
 * backtracks to), else never.  A raw value is the rest of the line, cut
 * at the first space that '#' follows, stripped of spaces at its end.
 * A key must then be [A-Za-z_][A-Za-z0-9_]*. */

#define NO_MATCH ((size_t)-1)

static bool key_first(unsigned char c)
{
    return c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static bool key_char(unsigned char c)
{
    return key_first(c) || (c >= '0' && c <= '9');
}

/* The stamper's SAFE_CHARS: a value made only of these is written raw. */
static bool safe_char(unsigned cp)
{
    return cp > 0 && cp < 0x80 &&
           (key_char((unsigned char)cp) || strchr("-.:/@+,%=\\", (int)cp));
}

/* Python's str.isspace(), which is also what \s matches in a str pattern. */
static bool py_space(unsigned cp)
{
    return (cp >= 0x09 && cp <= 0x0d) || (cp >= 0x1c && cp <= 0x20) ||
           cp == 0x85 || cp == 0xa0 || cp == 0x1680 ||
           (cp >= 0x2000 && cp <= 0x200a) || cp == 0x2028 || cp == 0x2029 ||
           cp == 0x202f || cp == 0x205f || cp == 0x3000;
}

/* The code point at t[p] and its length in *n (the text is valid UTF-8:
 * env_file_check checks that first). */
static unsigned cp_at(const unsigned char *t, size_t len, size_t p, int *n)
{
    static const unsigned char lead[] = {0, 0x7f, 0x1f, 0x0f, 0x07};
    *n = utf8_len(t + p, t + len);
    unsigned cp = t[p] & lead[*n];
    for (int i = 1; i < *n; i++)
        cp = cp << 6 | (t[p + i] & 0x3f);
    return cp;
}

/* Past the spaces from p (\s*), or only the blanks ([^\S\r\n]*). */
static size_t skip_spaces(const unsigned char *t, size_t len, size_t p,
                          bool breaks_too)
{
    while (p < len) {
        int n;
        unsigned cp = cp_at(t, len, p, &n);
        if (!py_space(cp) || (!breaks_too && (cp == '\r' || cp == '\n')))
            break;
        p += (size_t)n;
    }
    return p;
}

/* Line breaks (CRLF, LF or CR) in t[from, to). */
static int line_breaks(const unsigned char *t, size_t from, size_t to)
{
    int n = 0;
    for (size_t i = from; i < to; i++)
        n += t[i] == '\r' || (t[i] == '\n' && !(i > 0 && t[i - 1] == '\r'));
    return n;
}

/* A value as check_env sees it, fed one code point at a time: it is
 * refused when it ends with '\', needs quotes (a character outside
 * SAFE_CHARS) and cannot be written raw either (raw_problem: a line
 * break, a leading quote or space, or a space before '#'). */
typedef struct ValueSeen {
    size_t n;
    unsigned last;
    bool unsafe, unwritable_raw, after_space;
} ValueSeen;

static void value_feed(ValueSeen *s, unsigned cp)
{
    bool space = py_space(cp);
    if (s->n++ == 0 && (cp == '"' || cp == '\'' || space))
        s->unwritable_raw = true;
    if (cp == '\r' || cp == '\n' || (cp == '#' && s->after_space))
        s->unwritable_raw = true;
    s->unsafe |= !safe_char(cp);
    s->after_space = space;
    s->last = cp;
}

static bool value_refused(const ValueSeen *s)
{
    return s->last == '\\' && s->unsafe && s->unwritable_raw;
}

/* What python-dotenv decodes the escape '\c' to inside quote q, or 0
 * when it keeps '\c' as it is. */
static unsigned unescaped(unsigned char q, unsigned char c)
{
    if (c == '\\' || c == '\'')
        return c;
    if (q != '"')
        return 0;
    static const char from[] = "\"abfnrtv", to[] = "\"\a\b\f\n\r\t\v";
    const char *at = c ? strchr(from, c) : NULL;
    return at ? (unsigned char)to[at - from] : 0;
}

/* A quoted value at t[v]: where it ends, or NO_MATCH when its quote is
 * never closed.  *skipped: a quote after a backslash was passed over. */
static size_t env_quoted(const unsigned char *t, size_t len, size_t v,
                         bool *refused, bool *skipped)
{
    unsigned char q = t[v];
    size_t close = NO_MATCH, last = NO_MATCH;
    for (size_t j = v + 1; j < len;) {
        const unsigned char *c = memchr(t + j, q, len - j);
        if (!c)
            break;
        size_t k = (size_t)(c - t);
        if (t[k - 1] != '\\') {
            close = k;
            break;
        }
        last = k;
        j = k + 1;
    }
    *skipped = last != NO_MATCH;
    if (close == NO_MATCH)
        close = last;           /* the last quote in the text, or none */
    if (close == NO_MATCH)
        return NO_MATCH;
    ValueSeen s = {0};
    for (size_t i = v + 1; i < close;) {
        unsigned cp = t[i] == '\\' && i + 1 < close ? unescaped(q, t[i + 1]) : 0;
        int n = 2;
        if (cp == 0)
            cp = cp_at(t, len, i, &n);
        value_feed(&s, cp);
        i += (size_t)n;
    }
    *refused = value_refused(&s);
    return close + 1;
}

/* A raw value at t[v]: the rest of the line; where it ends.  *kept_end:
 * where the value itself ends (before a comment and trailing spaces). */
static size_t env_raw(const unsigned char *t, size_t len, size_t v,
                      bool *refused, size_t *kept_end)
{
    size_t cut = NO_MATCH, kept = v;    /* kept: the end after rstrip() */
    bool after_space = false;
    size_t i = v;
    while (i < len && t[i] != '\r' && t[i] != '\n') {
        int n;
        unsigned cp = cp_at(t, len, i, &n);
        if (cp == '#' && after_space && cut == NO_MATCH)
            cut = i;            /* the comment starts at the space before */
        after_space = py_space(cp);
        if (!after_space && cut == NO_MATCH)
            kept = i + (size_t)n;
        i += (size_t)n;
    }
    ValueSeen s = {0};
    for (size_t k = v; k < kept;) {
        int n;
        value_feed(&s, cp_at(t, len, k, &n));
        k += (size_t)n;
    }
    *refused = value_refused(&s);
    *kept_end = kept;
    return i;
}

/* One binding (or comment) from t[p], which is not a space. */
typedef struct Binding {
    size_t key, keylen;         /* keylen 0: a comment */
    bool has_value, refused, skipped;
    size_t val, vend;           /* the value: t[val, vend), quotes left out */
    unsigned char quote;        /* '"', '\'' or 0 (raw) */
    size_t end;                 /* past its line end */
} Binding;

enum { BIND_OK, BIND_NOT_KV, BIND_OPEN_QUOTE, BIND_TEXT_AFTER };

static int env_binding(const unsigned char *t, size_t len, size_t p,
                       Binding *b)
{
    *b = (Binding){0};
    if (len - p >= 6 && memcmp(t + p, "export", 6) == 0) {
        size_t q = skip_spaces(t, len, p + 6, false);
        if (q > p + 6)
            p = q;
    }
    if (p < len && t[p] == '\'') {
        const unsigned char *c = memchr(t + p + 1, '\'', len - p - 1);
        if (!c || c == t + p + 1)
            return BIND_NOT_KV;
        b->key = p + 1;
        b->keylen = (size_t)(c - t) - b->key;
        p = (size_t)(c - t) + 1;
    } else if (p >= len || t[p] != '#') {
        size_t q = p;
        while (q < len) {
            int n;
            unsigned cp = cp_at(t, len, q, &n);
            if (cp == '=' || cp == '#' || py_space(cp))
                break;
            q += (size_t)n;
        }
        if (q == p)
            return BIND_NOT_KV;
        b->key = p;
        b->keylen = q - p;
        p = q;
    }
    p = skip_spaces(t, len, p, false);
    if (p < len && t[p] == '=') {
        b->has_value = true;
        p = skip_spaces(t, len, p + 1, false);
        b->val = b->vend = p;
        if (p < len && (t[p] == '"' || t[p] == '\'')) {
            b->quote = t[p];
            b->val = p + 1;
            p = env_quoted(t, len, p, &b->refused, &b->skipped);
            b->vend = p == NO_MATCH ? b->val : p - 1;
        } else if (p < len && t[p] != '\r' && t[p] != '\n') {
            p = env_raw(t, len, p, &b->refused, &b->vend);
        }
        if (p == NO_MATCH)
            return BIND_OPEN_QUOTE;
    }
    p = skip_spaces(t, len, p, false);
    if (p < len && t[p] == '#')
        while (p < len && t[p] != '\r' && t[p] != '\n')
            p++;
    if (p < len && t[p] != '\r' && t[p] != '\n')
        return b->has_value ? BIND_TEXT_AFTER : BIND_NOT_KV;
    b->end = p == len ? len : p + 1 + (t[p] == '\r' && p + 1 < len && t[p + 1] == '\n');
    return BIND_OK;
}

static bool env_key_ok(const unsigned char *k, size_t n)
{
    if (n == 0 || !key_first(k[0]))
        return false;
    for (size_t i = 1; i < n; i++)
        if (!key_char(k[i]))
            return false;
    return true;
}

typedef struct EnvDef {
    const unsigned char *key;
    size_t keylen;
    int line, seq;
    bool refused;
} EnvDef;

static int key_cmp(const EnvDef *a, const EnvDef *b)
{
    size_t n = a->keylen < b->keylen ? a->keylen : b->keylen;
    int c = memcmp(a->key, b->key, n);
    if (c == 0 && a->keylen != b->keylen)
        c = a->keylen < b->keylen ? -1 : 1;
    return c;
}

static int def_cmp(const void *pa, const void *pb)
{
    const EnvDef *a = pa, *b = pb;
    int c = key_cmp(a, b);
    return c ? c : (a->seq > b->seq) - (a->seq < b->seq);
}

/* check_env looks only at each key's last value, in the order the keys
 * first appear: the first key whose last value it refuses, or NULL. */
static const EnvDef *refused_value(EnvDef *defs, int n)
{
    bool any = false;
    for (int i = 0; i < n; i++)
        any |= defs[i].refused;
    if (!any)
        return NULL;
    qsort(defs, (size_t)n, sizeof *defs, def_cmp);
    const EnvDef *found = NULL;
    int found_first = 0;
    for (int i = 0; i < n;) {
        int j = i;
        while (j + 1 < n && key_cmp(&defs[i], &defs[j + 1]) == 0)
            j++;
        if (defs[j].refused && (!found || defs[i].seq < found_first)) {
            found = &defs[j];
            found_first = defs[i].seq;
        }
        i = j + 1;
    }
    return found;
}

static int env_refuse(int *line, int at, char *why, size_t whylen,
                      const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static int env_refuse(int *line, int at, char *why, size_t whylen,
                      const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, whylen, fmt, ap);
    va_end(ap);
    *line = at;
    return -1;
}

int env_file_check(const unsigned char *t, size_t len, int *line, char *why,
                   size_t whylen)
{
    *line = 0;
    if (whylen)
        why[0] = '\0';
    for (size_t i = 0; i < len;) {
        int n = utf8_len(t + i, t + len);
        if (n == 0)
            return env_refuse(line, 1 + line_breaks(t, 0, i), why, whylen,
                              "is not UTF-8 text; save the file as UTF-8");
        i += (size_t)n;
    }
    if (len >= 3 && memcmp(t, "\xef\xbb\xbf", 3) == 0)
        return env_refuse(line, 1, why, whylen, "starts with a byte order mark "
                          "(U+FEFF); save the file as UTF-8 without one");
    EnvDef *defs = NULL;
    int ndefs = 0, cap = 0, rc = 0, lineno = 1;
    size_t pos = 0, counted = 0;
    while (rc == 0) {
        pos = skip_spaces(t, len, pos, true);
        if (pos >= len)
            break;
        lineno += line_breaks(t, counted, pos);
        counted = pos;
        Binding b;
        int got = env_binding(t, len, pos, &b);
        if (got == BIND_OK && b.keylen == 0) {
            pos = b.end;        /* a comment */
            continue;
        }
        if (got == BIND_OK && !b.has_value)
            got = BIND_NOT_KV;
        if (got == BIND_NOT_KV) {
            rc = env_refuse(line, lineno, why, whylen, "is not KEY=VALUE; a "
                            "comment starts with '#'");
        } else if (got == BIND_OPEN_QUOTE) {
            rc = env_refuse(line, lineno, why, whylen, "opens a quote it "
                            "never closes; close it");
        } else if (got == BIND_TEXT_AFTER) {
            rc = env_refuse(line, lineno, why, whylen, "has text after its "
                            "closing quote; remove it, or start a comment "
                            "with '#'%s", b.skipped ? " (python-dotenv reads a "
                            "quote right after a backslash as part of the "
                            "value, even after '\\\\')" : "");
        } else if (!env_key_ok(t + b.key, b.keylen)) {
            char shown[48];
            size_t n = 0;
            for (size_t i = 0; i < b.keylen && n + 4 < sizeof shown; i++)
                shown[n++] = t[b.key + i] >= 0x20 && t[b.key + i] < 0x7f
                                 ? (char)t[b.key + i] : '?';
            if (n < b.keylen)
                n -= 3, memcpy(shown + n, "...", 3), n += 3;
            shown[n] = '\0';
            rc = env_refuse(line, lineno, why, whylen, "has the key '%s', "
                            "which is not a valid key: a key is letters, "
                            "digits and '_' and does not start with a digit",
                            shown);
        }
        if (rc != 0)
            break;
        if (ndefs == cap) {
            int grown_cap = cap ? cap * 2 : 16;
            defs = xrealloc(defs, sizeof *defs * (size_t)grown_cap);
            cap = grown_cap;
        }
        defs[ndefs] = (EnvDef){t + b.key, b.keylen, lineno, ndefs, b.refused};
        ndefs++;
        pos = b.end;
    }
    const EnvDef *bad = rc == 0 ? refused_value(defs, ndefs) : NULL;
    if (bad)
        rc = env_refuse(line, bad->line, why, whylen, "gives '%.*s' a value "
                        "that ends with a backslash, needs quotes and cannot "
                        "be written raw, which python-dotenv cannot read back; "
                        "drop the final backslash, or the line break, the "
                        "leading quote or white space, or the white space "
                        "before '#'",
                        (int)(bad->keylen < 100 ? bad->keylen : 100),
                        (const char *)bad->key);
    free(defs);
    return rc;
}

int env_file_each(const unsigned char *t, size_t len,
                  void (*each)(void *arg, const char *key, const char *value),
                  void *arg)
{
    int line;
    char why[16];
    if (env_file_check(t, len, &line, why, sizeof why) != 0)
        return -1;
    size_t pos = 0;
    for (;;) {
        pos = skip_spaces(t, len, pos, true);
        if (pos >= len)
            return 0;
        Binding b;
        env_binding(t, len, pos, &b);
        pos = b.end;
        if (b.keylen == 0)
            continue;           /* a comment */
        Buf v = {0};
        buf_add(&v, "", 0);
        for (size_t i = b.val; i < b.vend; i++) {
            unsigned c = b.quote && t[i] == '\\' && i + 1 < b.vend
                ? unescaped(b.quote, t[i + 1]) : 0;
            if (c) {
                char one = (char)c;
                buf_add(&v, &one, 1);
                i++;
            } else {
                buf_add(&v, (const char *)t + i, 1);
            }
        }
        char *key = xmalloc(b.keylen + 1);
        memcpy(key, t + b.key, b.keylen);
        key[b.keylen] = '\0';
        each(arg, key, v.data);
        free(key);
        buf_free(&v);
    }
}
