/*
 * util.c: names and characters.
 *
 * The one function that turns a .hit name into a CloudFormation logical ID
 * (pascal_case) and the rule that keeps an ID within CloudFormation's 255
 * characters (logical_id_fit), the fold under which two names collide, the
 * edit-distance search behind every "did you mean", and the one UTF-8
 * decoder that the lexer, the caret printer and the bundler share.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hitc.h"
#include "sha256.h"

char *pascal_case(Arena *a, const char *name)
{
    size_t n = strlen(name);
    char *out = arena_alloc(a, n + 1);
    size_t j = 0;
    bool start = true;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)name[i];
        if (!isalnum(c)) {
            start = true;
            continue;
        }
        out[j++] = start ? (char)toupper(c) : (char)c;
        start = false;
    }
    out[j] = '\0';
    return out;
}

const char *logical_id_fit(Arena *a, const char *id)
{
    size_t n = strlen(id);
    if (n <= CFN_MAX_LOGICAL_ID)
        return id;
    char hash[65];
    sha256_hex(id, n, hash);
    return arena_printf(a, "%.*s%.8s", CFN_MAX_LOGICAL_ID - 8, id, hash);
}

char *name_fold(Arena *a, const char *name)
{
    char *out = arena_strdup(a, name);
    for (char *p = out; *p; p++)
        *p = *p == '-' ? '_' : (char)tolower((unsigned char)*p);
    return out;
}

bool is_name(const char *s)
{
    if (!isalpha((unsigned char)s[0]))
        return false;
    size_t n = 1;
    for (const char *p = s + 1; *p; p++, n++)
        if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-')
            return false;
    return n <= 64;
}

/* Optimal string alignment distance, case-blind: insertions, deletions,
 * substitutions and swaps of two neighbours each cost one.  Only the
 * distances up to max are of interest: the answer is exact when it is at
 * most max, and max + 1 otherwise.  So only the band |i - j| <= max of
 * the matrix is filled, three rows at a time, and the work stops at the
 * first row whose band is all past max; a word longer than
 * EDIT_MAX_LEN is past max of everything.  Cost: at most
 * (2 max + 1) * EDIT_MAX_LEN cells, and no allocation. */
#define EDIT_MAX_LEN 256

int edit_distance_within(const char *a, const char *b, int max)
{
    size_t la = strnlen(a, EDIT_MAX_LEN + 1), lb = strnlen(b, EDIT_MAX_LEN + 1);
    size_t m = max > 0 ? (size_t)max : 0;
    int inf = (int)m + 1;
    if (la > EDIT_MAX_LEN || lb > EDIT_MAX_LEN ||
        (la > lb ? la - lb : lb - la) > m)
        return inf;
    int rows[3][EDIT_MAX_LEN + 1];
    int *pp = rows[0], *p = rows[1], *c = rows[2];
    for (size_t j = 0; j <= lb; j++)
        p[j] = j <= m ? (int)j : inf;
    for (size_t i = 1; i <= la; i++) {
        size_t lo = i > m ? i - m : 1, hi = i + m < lb ? i + m : lb;
        c[lo - 1] = lo == 1 && i <= m ? (int)i : inf;
        if (hi < lb)
            c[hi + 1] = inf;
        int row_min = c[lo - 1];
        char x = (char)tolower((unsigned char)a[i - 1]);
        for (size_t j = lo; j <= hi; j++) {
            char y = (char)tolower((unsigned char)b[j - 1]);
            int best = p[j - 1] + (x != y);
            if (p[j] + 1 < best)
                best = p[j] + 1;
            if (c[j - 1] + 1 < best)
                best = c[j - 1] + 1;
            if (i > 1 && j > 1 && x == tolower((unsigned char)b[j - 2]) &&
                y == tolower((unsigned char)a[i - 2]) && pp[j - 2] + 1 < best)
                best = pp[j - 2] + 1;
            c[j] = best < inf ? best : inf;
            if (c[j] < row_min)
                row_min = c[j];
        }
        if (row_min > max)
            return inf;
        int *t = pp;
        pp = p;
        p = c;
        c = t;
    }
    return p[lb] < inf ? p[lb] : inf;
}

static size_t common_prefix(const char *a, const char *b)
{
    size_t n = 0;
    while (a[n] && tolower((unsigned char)a[n]) == tolower((unsigned char)b[n]))
        n++;
    return n;
}

/* Work per search: a word among a million near candidates stops here and
 * gets no suggestion.  The work does not depend on the candidates' order,
 * so neither does the answer. */
#define CLOSEST_MAX_CELLS (1L << 24)

const char *closest(const char *word, const char *const *cands, int n)
{
    const char *best = NULL;
    int best_d = 0;
    size_t best_p = 0;
    size_t len = strnlen(word, EDIT_MAX_LEN + 1);
    if (len > EDIT_MAX_LEN)
        return NULL;
    int limit = (int)len / 3 + 1;
    if (limit > 3)
        limit = 3;
    long cells = 0;
    for (int i = 0; i < n; i++) {
        if (!cands[i])
            continue;
        size_t lc = strnlen(cands[i], len + (size_t)limit + 1);
        if ((lc > len ? lc - len : len - lc) > (size_t)limit)
            continue;
        cells += (long)len * (2 * limit + 1);
        if (cells > CLOSEST_MAX_CELLS)
            return NULL;
        int d = edit_distance_within(word, cands[i], limit);
        size_t p = common_prefix(word, cands[i]);
        /* Among equally close names, the one that starts like the word
         * wins ("nodejs22" -> "nodejs22.x", not "nodejs"); then the name
         * that sorts first, so output never depends on declaration order. */
        if (d <= limit &&
            (!best || d < best_d ||
             (d == best_d && (p > best_p ||
                              (p == best_p && strcmp(cands[i], best) < 0))))) {
            best = cands[i];
            best_d = d;
            best_p = p;
        }
    }
    return best;
}

/* Append code point cp (at most 0x10FFFF, no surrogate: the readers check)
 * to b as UTF-8: the one encoder, for .hit strings' \u{...}, templates'
 * \u escapes and event patterns' (kinds/trigger.c). */
void buf_put_utf8(Buf *b, unsigned cp)
{
    char u[4];
    size_t n;
    if (cp < 0x80) {
        u[0] = (char)cp, n = 1;
    } else if (cp < 0x800) {
        u[0] = (char)(0xC0 | cp >> 6), u[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        u[0] = (char)(0xE0 | cp >> 12);
        u[1] = (char)(0x80 | (cp >> 6 & 0x3F));
        u[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        u[0] = (char)(0xF0 | cp >> 18);
        u[1] = (char)(0x80 | (cp >> 12 & 0x3F));
        u[2] = (char)(0x80 | (cp >> 6 & 0x3F));
        u[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    buf_add(b, u, n);
}

/* Length of a valid UTF-8 sequence at p, or 0. */
int utf8_len(const unsigned char *p, const unsigned char *end)
{
    int n;
    unsigned cp;
    if (p[0] < 0x80)
        return 1;
    if ((p[0] & 0xE0) == 0xC0) {
        n = 2;
        cp = p[0] & 0x1F;
    } else if ((p[0] & 0xF0) == 0xE0) {
        n = 3;
        cp = p[0] & 0x0F;
    } else if ((p[0] & 0xF8) == 0xF0) {
        n = 4;
        cp = p[0] & 0x07;
    } else {
        return 0;
    }
    if (end - p < n)
        return 0;
    for (int i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        cp = cp << 6 | (p[i] & 0x3F);
    }
    static const unsigned min[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return n;
}

const char *did_you_mean(Ctx *ctx, const char *word, const char *const *cands,
                         int n, const char **guess)
{
    const char *g = closest(word, cands, n);
    if (guess)
        *guess = g;
    return g ? arena_printf(ctx->arena, "; did you mean '%s'?", g) : "";
}

int err_fill(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

char *path_dir(Arena *a, const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return arena_strdup(a, ".");
    if (slash == path)
        return arena_strdup(a, "/");
    return arena_strndup(a, path, (size_t)(slash - path));
}
