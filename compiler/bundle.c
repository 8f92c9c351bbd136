/*
 * bundle.c: code directories to deterministic zips.
 *
 * In: a directory (or files in memory, for the stamper).  Out: the zip's
 * bytes and their SHA-256.  Holds: nothing about this machine reaches the
 * zip: entries are sorted bytewise by name, dated 1980-01-01 00:00 (set as
 * DOS fields, so the time zone plays no part), mode 0644 or 0755 whatever
 * the umask, and carry no extra fields.  The walk (shared with
 * bundle_list and bundle_cache.c's streamed zips, which builds use) checks
 * the limits before a byte more than Lambda allows is read.  The zips made
 * here, in memory through libzip, are the stamper's (at make time) and the
 * reference the unit tests hold the streamed zips to.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>


#include "bundle.h"
#include "hitc.h"
#include "zipout.h"

#define MAX_DEPTH 64

/* ---- zipping files from memory --------------------------------------- */

static int file_cmp(const void *pa, const void *pb)
{
    const BundleFile *a = pa, *b = pb;
    return strcmp(a->name, b->name);
}

/* The finished zip, read back out of fd into memory. */
static int take_bytes(int fd, uint64_t len, Bundle *out, char *err,
                      size_t errlen)
{
    unsigned char *data = xmalloc((size_t)len + 1);
    size_t done = 0;
    while (done < len) {
        ssize_t n = pread(fd, data + done, (size_t)len - done, (off_t)done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            free(data);
            return err_fill(err, errlen, "cannot read the zip back from memory");
        }
        done += (size_t)n;
    }
    out->data = data;
    out->len = (size_t)len;
    sha256_hex(data, out->len, out->sha256);
    return 0;
}

/* The sorted files through zipout.c, into a file that lives in memory. */
static int zip_sorted(const BundleFile *sorted, int n, Bundle *out, char *err,
                      size_t errlen)
{
    int fd = memfd_create("hitc-zip", MFD_CLOEXEC);
    if (fd < 0)
        return err_fill(err, errlen, "cannot start a zip: %s", strerror(errno));
    ZipOut *z = zipout_open(fd, err, errlen);
    int rc = 0;
    for (int i = 0; i < n && rc == 0; i++)
        rc = zipout_deflate_mem(z, sorted[i].name, sorted[i].mode,
                                sorted[i].data, sorted[i].len, NULL);
    uint64_t len = 0;
    if (rc != 0)
        zipout_discard(z);
    else
        rc = zipout_close(z, &len);
    if (rc == 0)
        rc = take_bytes(fd, len, out, err, errlen);
    close(fd);
    return rc;
}

int bundle_files(const BundleFile *files, int n, Bundle *out, char *err,
                 size_t errlen)
{
    *out = (Bundle){0};
    if (n <= 0)
        return err_fill(err, errlen, "there are no files to bundle");
    BundleFile *sorted = xmalloc(sizeof *sorted * (size_t)n);
    memcpy(sorted, files, sizeof *sorted * (size_t)n);
    qsort(sorted, (size_t)n, sizeof *sorted, file_cmp);
    unsigned long long total = 0;
    for (int i = 0; i < n; i++) {
        total += sorted[i].len;
        if (i > 0 && strcmp(sorted[i].name, sorted[i - 1].name) == 0) {
            err_fill(err, errlen, "'%s' would be in the zip twice", sorted[i].name);
            free(sorted);
            return -1;
        }
    }
    if (total > BUNDLE_MAX_UNZIPPED) {
        free(sorted);
        return err_fill(err, errlen, "the files come to %llu bytes, over Lambda's "
                    "limit of %llu bytes unzipped", total, BUNDLE_MAX_UNZIPPED);
    }
    int rc = zip_sorted(sorted, n, out, err, errlen);
    free(sorted);
    if (rc == 0 && out->len > BUNDLE_MAX_ZIPPED) {
        unsigned long long zipped = out->len;     /* before *out is cleared */
        free(out->data);
        *out = (Bundle){0};
        return err_fill(err, errlen, "the zip is %llu bytes, over Lambda's limit "
                    "of %llu bytes zipped", zipped, BUNDLE_MAX_ZIPPED);
    }
    return rc;
}

/* ---- the .env the stamper reads -------------------------------------- */
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

/* ---- walking a directory --------------------------------------------- */

typedef struct Entry {
    char *name;                 /* relative, '/'-separated */
    char *path;                 /* where to read it */
    unsigned mode;
    struct stat st;             /* as the walk found it (the cache's key) */
} Entry;

/* A real directory the walk has entered, and how often: links can bring
 * the walk into one directory many times, each time copying all of it. */
typedef struct Seen {
    char *real;                 /* its real path; NULL for an empty slot */
    unsigned long visits;
    char *link;                 /* the last link that led here, or NULL */
} Seen;

typedef struct Walk {
    const char *shown;          /* the directory as the user wrote it */
    char root[PATH_MAX];        /* its real path */
    const char *stack[MAX_DEPTH + 1];   /* real paths being walked */
    int depth;
    Entry *entries;
    int n, cap;
    unsigned long long total;
    unsigned long dir_visits;
    Seen *seen;                 /* open addressing, a power of 2 slots */
    size_t nseen, seen_cap;
    char *err;
    size_t errlen;
    const char *skip;           /* a root folder left out (installed anew) */
    char **ignore;              /* the code directory's .hitcignore patterns */
    int nignore;
} Walk;

bool path_inside(const char *path, const char *root)
{
    size_t n = strlen(root);
    if (strcmp(root, "/") == 0)
        return true;
    return strncmp(path, root, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

/* A real path as the user knows it: relative to the code directory. */
static const char *inside(const Walk *w, const char *real)
{
    size_t n = strlen(w->root);
    if (strcmp(real, w->root) == 0)
        return ".";
    return real + (strcmp(w->root, "/") == 0 ? 1 : n + 1);
}

static size_t path_hash(const char *s)
{
    size_t h = 14695981039346656037ull;     /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

/* The slot of real, added when new; NULL when memory runs out. */
static Seen *seen_slot(Walk *w, const char *real)
{
    if (2 * (w->nseen + 1) > w->seen_cap) {
        size_t cap = w->seen_cap ? w->seen_cap * 2 : 64;
        Seen *grown = xcalloc(cap, sizeof *grown);
        for (size_t i = 0; i < w->seen_cap; i++) {
            if (!w->seen[i].real)
                continue;
            size_t j = path_hash(w->seen[i].real) & (cap - 1);
            while (grown[j].real)
                j = (j + 1) & (cap - 1);
            grown[j] = w->seen[i];
        }
        free(w->seen);
        w->seen = grown;
        w->seen_cap = cap;
    }
    size_t j = path_hash(real) & (w->seen_cap - 1);
    while (w->seen[j].real && strcmp(w->seen[j].real, real) != 0)
        j = (j + 1) & (w->seen_cap - 1);
    if (!w->seen[j].real) {
        w->seen[j].real = xstrdup(real);
        w->nseen++;
    }
    return &w->seen[j];
}

/* Past BUNDLE_MAX_FILES or BUNDLE_MAX_DIR_VISITS: name the directory that
 * links made the walk enter most often, and the last link to it. */
static int too_many(Walk *w, const char *what, unsigned long limit)
{
    const Seen *most = NULL;
    for (size_t i = 0; i < w->seen_cap; i++)
        if (w->seen[i].real && w->seen[i].link &&
            (!most || w->seen[i].visits > most->visits))
            most = &w->seen[i];
    if (most && most->visits > 1)
        return err_fill(w->err, w->errlen, "code directory '%s' holds more than "
                    "%lu %s, counting each path through symbolic links: "
                    "'%s' is reached %lu times, last through the link '%s'; "
                    "a link to a directory copies all of it, so remove links "
                    "that reach one directory many times", w->shown, limit,
                    what, inside(w, most->real), most->visits, most->link);
    return err_fill(w->err, w->errlen, "code directory '%s' holds more than %lu "
                "%s, hitc's limit for one bundle (a zip holds no more without "
                "Zip64); leave out what the function does not need", w->shown,
                limit, what);
}

/* Left out of every bundle: tools' folders and caches, never code. */
static bool left_out(const char *name, bool dir)
{
    static const char *const dirs[] = {".git", ".hg", ".svn", "__pycache__"};
    if (dir) {
        for (size_t i = 0; i < sizeof dirs / sizeof *dirs; i++)
            if (strcmp(name, dirs[i]) == 0)
                return true;
        return false;
    }
    size_t n = strlen(name);
    return strcmp(name, ".DS_Store") == 0 ||
           (n > 4 && strcmp(name + n - 4, ".pyc") == 0);
}

/* Names must read the same on every unzip: UTF-8, no control characters,
 * no backslash (a separator to some tools, and refused by the stamper). */
static const char *name_problem(const char *name)
{
    const unsigned char *p = (const unsigned char *)name;
    const unsigned char *end = p + strlen(name);
    while (*p) {
        if (*p < 0x20 || *p == 0x7f)
            return "holds a control character";
        if (*p == '\\')
            return "holds a backslash";
        int n = utf8_len(p, end);
        if (n == 0)
            return "is not valid UTF-8";
        p += n;
    }
    return NULL;
}

static int push_entry(Walk *w, const char *name, const char *path,
                      const struct stat *st)
{
    if (w->n == w->cap) {
        int cap = w->cap ? w->cap * 2 : 64;
        w->entries = xrealloc(w->entries, sizeof *w->entries * (size_t)cap);
        w->cap = cap;
    }
    char *nm = xstrdup(name), *pt = xstrdup(path);
    w->entries[w->n++] = (Entry){nm, pt, (unsigned)st->st_mode, *st};
    return 0;
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in a directory, sorted, so errors come in the same order on
 * every machine.  Returns a malloc'd array of malloc'd names. */
static char **list_dir(Walk *w, const char *dir, const char *rel, int *count)
{
    *count = 0;
    DIR *d = opendir(dir);
    if (!d) {
        err_fill(w->err, w->errlen, "cannot read '%s' in code directory '%s': %s",
             *rel ? rel : ".", w->shown, strerror(errno));
        return NULL;
    }
    char **names = xcalloc(16, sizeof *names);
    int n = 0, cap = 16;
    struct dirent *ent = NULL;
    while ((ent = readdir(d))) {
        if (strcmp(ent->d_name, ".") == 0 || strcmp(ent->d_name, "..") == 0)
            continue;
        if (n == cap)
            names = xrealloc(names, sizeof *names * (size_t)(cap *= 2));
        names[n++] = xstrdup(ent->d_name);
    }
    closedir(d);
    qsort(names, (size_t)n, sizeof *names, name_cmp);
    *count = n;
    return names;
}

static void free_names(char **names, int n)
{
    for (int i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

static int walk(Walk *w, const char *dir, const char *rel, const char *link);

/* Does a .hitcignore pattern leave out the entry child (its path in the
 * bundle) named name?  A pattern without '/' matches a name at any depth,
 * one with '/' the path from the code directory's root (a leading '/'
 * dropped); a trailing '/' matches directories only. */
static bool ignored(const Walk *w, const char *child, const char *name, bool dir)
{
    for (int i = 0; i < w->nignore; i++) {
        char pat[PATH_MAX];
        snprintf(pat, sizeof pat, "%s", w->ignore[i][0] == '/' ? w->ignore[i] + 1
                                                              : w->ignore[i]);
        size_t n = strlen(pat);
        bool dir_only = n && pat[n - 1] == '/';
        if (dir_only)
            pat[--n] = '\0';
        if (!n || (dir_only && !dir))
            continue;
        bool anchored = strchr(pat, '/') || w->ignore[i][0] == '/';
        if (anchored ? fnmatch(pat, child, FNM_PATHNAME) == 0 : fnmatch(pat, name, 0) == 0)
            return true;
    }
    return false;
}

/* The patterns of dir/.hitcignore, one a line, '#' comments and blank
 * lines skipped. */
static void read_ignore(Walk *w, const char *dir)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/.hitcignore", dir);
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    char line[PATH_MAX];
    while (fgets(line, sizeof line, f)) {
        size_t n = strcspn(line, "\r\n");
        while (n && (line[n - 1] == ' ' || line[n - 1] == '\t'))
            n--;
        line[n] = '\0';
        char *p = line + strspn(line, " \t");
        if (!*p || *p == '#')
            continue;
        w->ignore = xrealloc(w->ignore, sizeof *w->ignore * (size_t)(w->nignore + 1));
        w->ignore[w->nignore++] = xstrdup(p);
    }
    fclose(f);
}

/* One directory entry: a file to keep, a directory to walk, or an error. */
static int visit(Walk *w, const char *dir, const char *rel, const char *name)
{
    char path[PATH_MAX], child[PATH_MAX], target[PATH_MAX];
    if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path ||
        (size_t)snprintf(child, sizeof child, "%s%s%s", rel, *rel ? "/" : "",
                         name) >= sizeof child)
        return err_fill(w->err, w->errlen, "a path in code directory '%s' is too long",
                    w->shown);
    struct stat st;
    if (lstat(path, &st) != 0)
        return err_fill(w->err, w->errlen, "cannot read '%s' in code directory '%s': %s",
                    child, w->shown, strerror(errno));
    bool link = S_ISLNK(st.st_mode);
    const char *real = path;
    if (link) {
        if (!realpath(path, target) || stat(target, &st) != 0)
            return err_fill(w->err, w->errlen, "symbolic link '%s' in code directory "
                        "'%s' is broken", child, w->shown);
        if (!path_inside(target, w->root))
            return err_fill(w->err, w->errlen, "symbolic link '%s' in code directory "
                        "'%s' points outside it; copy what it points to into "
                        "the directory instead", child, w->shown);
        real = target;
    }
    if (S_ISDIR(st.st_mode)) {
        if (!*rel && strcmp(name, ".env") == 0) {
            err_fill(w->err, w->errlen, "the stamper would refuse '.env' in code "
                 "directory '%s' at deploy time: it is a directory, and the "
                 "stamper writes a file of that name; rename the directory",
                 w->shown);
            return BUNDLE_BAD_ENV;
        }
        if (left_out(name, true) || (!*rel && w->skip && strcmp(name, w->skip) == 0) ||
            ignored(w, child, name, true))
            return 0;
        for (int i = 0; i <= w->depth; i++)
            if (strcmp(w->stack[i], real) == 0)
                return err_fill(w->err, w->errlen, "symbolic link '%s' in code "
                            "directory '%s' makes a loop", child, w->shown);
        return walk(w, real, child, link ? inside(w, path) : NULL);
    }
    if (!S_ISREG(st.st_mode))
        return err_fill(w->err, w->errlen, "'%s' in code directory '%s' is not a "
                    "regular file, directory or symbolic link", child, w->shown);
    if (left_out(name, false) || ignored(w, child, name, false) ||
        (!*rel && strcmp(name, ".hitcignore") == 0))
        return 0;
    const char *why = name_problem(child);
    if (why)
        return err_fill(w->err, w->errlen, "the name of '%s' in code directory '%s' "
                    "%s; rename it", child, w->shown, why);
    if (w->n >= BUNDLE_MAX_FILES)
        return too_many(w, "files", BUNDLE_MAX_FILES);
    w->total += (unsigned long long)st.st_size;
    if (w->total > BUNDLE_MAX_UNZIPPED)
        return err_fill(w->err, w->errlen, "code directory '%s' holds more than "
                    "Lambda's limit of %llu bytes unzipped", w->shown,
                    BUNDLE_MAX_UNZIPPED);
    return push_entry(w, child, real, &st);
}

/* Walk the directory whose real path is real, found at rel (through the
 * symbolic link at link, a path inside the code directory, or none). */
static int walk(Walk *w, const char *real, const char *rel, const char *link)
{
    if (w->depth >= MAX_DEPTH)
        return err_fill(w->err, w->errlen, "code directory '%s' nests deeper than "
                    "%d levels at '%s'", w->shown, MAX_DEPTH, rel);
    Seen *seen = seen_slot(w, real);
    char *copy = link ? xstrdup(link) : NULL;
    seen->visits++;
    if (copy) {
        free(seen->link);
        seen->link = copy;
    }
    if (++w->dir_visits > BUNDLE_MAX_DIR_VISITS)
        return too_many(w, "directories", BUNDLE_MAX_DIR_VISITS);
    w->stack[++w->depth] = seen->real;
    int n = 0, rc = 0;
    char **names = list_dir(w, real, rel, &n);
    if (!names)
        rc = -1;
    for (int i = 0; i < n && rc == 0; i++)
        rc = visit(w, real, rel, names[i]);
    free_names(names, n);
    w->depth--;
    return rc;
}

static int read_whole(const char *path, unsigned char **data, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    struct stat st;
    if (fstat(fd, &st) != 0) {
        close(fd);
        return -1;
    }
    size_t cap = (size_t)st.st_size + 1, n = 0;
    unsigned char *buf = xmalloc(cap);
    while (buf) {
        if (n == cap)
            buf = xrealloc(buf, cap *= 2);
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            free(buf);
            buf = NULL;
        } else if (r == 0) {
            break;
        } else {
            n += (size_t)r;
        }
    }
    close(fd);
    *data = buf;
    *len = n;
    return buf ? 0 : -1;
}

static int clash(char *err, size_t errlen, const char *shown,
                 const BundleExtra *extra)
{
    err_fill(err, errlen, "code directory '%s' has its own '%s', which differs "
         "from %s; delete it (hitc writes %s into the bundle itself)", shown,
         extra->file.name, extra->what, extra->noun);
    return BUNDLE_CLASH;
}

static bool same_bytes(const unsigned char *data, size_t len,
                       const BundleExtra *extra)
{
    return len == extra->file.len &&
           memcmp(data, extra->file.data, len) == 0;
}

int bundle_extra_check(const char *dir, const char *shown,
                       const BundleExtra *extras, int n, char *err,
                       size_t errlen, int *clashed)
{
    int rc = 0;
    for (int i = 0; rc == 0 && i < n; i++) {
        const BundleExtra *x = &extras[i];
        char *path = xmalloc(strlen(dir) + strlen(x->file.name) + 2);
        sprintf(path, "%s/%s", dir, x->file.name);
        struct stat st;
        unsigned char *data = NULL;
        size_t len = 0;
        if (stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
            read_whole(path, &data, &len) == 0 && !same_bytes(data, len, x)) {
            rc = clash(err, errlen, shown, x);
            if (clashed)
                *clashed = i;
        }
        free(data);
        free(path);
    }
    return rc;
}

int bundle_dir(const char *dir, const char *shown, Bundle *out, char *err,
               size_t errlen)
{
    return bundle_dir_with(dir, shown, NULL, 0, out, err, errlen, NULL);
}

static int entry_cmp(const void *a, const void *b)
{
    return strcmp(((const Entry *)a)->name, ((const Entry *)b)->name);
}

/* The installed packages into w, under prefix; then every name once. */
static int walk_deps(Walk *w, const char *deps, const char *prefix)
{
    if (!realpath(deps, w->root))
        return err_fill(w->err, w->errlen, "cannot read the packages installed for "
                    "code directory '%s': %s", w->shown, strerror(errno));
    int rc = walk(w, w->root, prefix, NULL);
    if (rc != 0)
        return rc;
    qsort(w->entries, (size_t)w->n, sizeof *w->entries, entry_cmp);
    for (int i = 1; i < w->n; i++)
        if (strcmp(w->entries[i - 1].name, w->entries[i].name) == 0)
            return err_fill(w->err, w->errlen, "code directory '%s' has its own '%s', "
                        "which the packages hitc installs hold too; delete it",
                        w->shown, w->entries[i].name);
    return 0;
}

/* Walk dir (and deps, when not NULL) into a new Walk (*out, freed with
 * walk_free): 0, or an error with err filled. */
static int walk_dir(const char *dir, const char *shown, const char *deps,
                    const char *prefix, char *err, size_t errlen, Walk **out)
{
    Walk *w = *out = xcalloc(1, sizeof *w);
    w->shown = shown;
    w->err = err;
    w->errlen = errlen;
    w->depth = -1;
    w->skip = deps && prefix && *prefix ? prefix : NULL;
    int rc = 0;
    if (!realpath(dir, w->root))
        rc = err_fill(err, errlen, "cannot read code directory '%s': %s", shown,
                  strerror(errno));
    if (rc == 0)
        read_ignore(w, w->root);
    if (rc == 0)
        rc = walk(w, w->root, "", NULL);
    if (rc == 0 && w->n == 0)
        rc = err_fill(err, errlen, "code directory '%s' holds no files", shown);
    for (int i = 0; i < w->nignore; i++)
        free(w->ignore[i]);         /* the packages are not filtered */
    free(w->ignore);
    w->ignore = NULL;
    w->nignore = 0;
    if (rc == 0 && deps)
        rc = walk_deps(w, deps, prefix ? prefix : "");
    return rc;
}

static void walk_free(Walk *w)
{
    for (int i = 0; i < w->n; i++) {
        free(w->entries[i].name);
        free(w->entries[i].path);
    }
    for (size_t i = 0; i < w->seen_cap; i++) {
        free(w->seen[i].real);
        free(w->seen[i].link);
    }
    free(w->seen);
    free(w->entries);
    free(w);
}

int bundle_dir_with(const char *dir, const char *shown,
                    const BundleExtra *extras, int n, Bundle *out, char *err,
                    size_t errlen, int *clashed)
{
    return bundle_dir_deps(dir, shown, NULL, NULL, extras, n, out, err, errlen,
                           clashed);
}

int bundle_dir_deps(const char *dir, const char *shown, const char *deps,
                    const char *prefix, const BundleExtra *extras, int n,
                    Bundle *out, char *err, size_t errlen, int *clashed)
{
    *out = (Bundle){0};
    Walk *w;
    int rc = walk_dir(dir, shown, deps, prefix, err, errlen, &w);

    BundleFile *files = xcalloc((size_t)w->n + (size_t)n + 1, sizeof *files);
    unsigned long long total = 0;
    for (int i = 0; rc == 0 && i < w->n; i++) {
        Entry *e = &w->entries[i];
        unsigned char *data;
        size_t len;
        if (read_whole(e->path, &data, &len) != 0) {
            rc = err_fill(err, errlen, "cannot read '%s' in code directory '%s': %s",
                      e->name, shown, strerror(errno));
            break;
        }
        files[i] = (BundleFile){e->name, data, len, e->mode};
        total += len;       /* a file may have grown since it was listed */
        if (total > BUNDLE_MAX_UNZIPPED)
            rc = err_fill(err, errlen, "code directory '%s' holds more than "
                      "Lambda's limit of %llu bytes unzipped", shown,
                      BUNDLE_MAX_UNZIPPED);
    }
    for (int i = 0; rc == 0 && i < w->n; i++) {
        int line;
        char why[512];
        if (strcmp(files[i].name, ".env") == 0 &&
            env_file_check(files[i].data, files[i].len, &line, why,
                           sizeof why) != 0) {
            err_fill(err, errlen, "the stamper would refuse '.env' in code "
                 "directory '%s' at deploy time: line %d %s", shown, line, why);
            rc = BUNDLE_BAD_ENV;
        }
    }
    int nfiles = w->n;
    for (int x = 0; rc == 0 && x < n; x++) {
        const BundleExtra *extra = &extras[x];
        int i = 0;
        while (i < w->n && strcmp(files[i].name, extra->file.name) != 0)
            i++;
        if (i == w->n) {
            files[nfiles++] = extra->file;
        } else if (!same_bytes(files[i].data, files[i].len, extra)) {
            rc = clash(err, errlen, shown, extra);
            if (clashed)
                *clashed = x;
        }           /* the same bytes: the file is there once */
    }
    if (rc == 0) {
        rc = bundle_files(files, nfiles, out, err, errlen);
        if (rc != 0 && strncmp(err, "the zip is", 10) == 0) {
            char why[256];
            snprintf(why, sizeof why, "%s", err);
            err_fill(err, errlen, "code directory '%s': %s", shown, why);
        }
    }
    for (int i = 0; i < w->n; i++)
        free((void *)files[i].data);
    free(files);
    walk_free(w);
    return rc;
}

/* The same walk and the same checks as bundle_dir_with (the .env, the
 * extras), without reading or zipping anything but a root .env and the
 * files an extra may clash with. */
int bundle_list(const char *dir, const char *shown, const BundleExtra *extras,
                int n, BundleList *out, char *err, size_t errlen, int *clashed)
{
    return bundle_list_deps(dir, shown, NULL, NULL, extras, n, out, err, errlen,
                            clashed);
}

int bundle_list_deps(const char *dir, const char *shown, const char *deps,
                     const char *prefix, const BundleExtra *extras, int n,
                     BundleList *out, char *err, size_t errlen, int *clashed)
{
    *out = (BundleList){0};
    Walk *w;
    int rc = walk_dir(dir, shown, deps, prefix, err, errlen, &w);
    for (int i = 0; rc == 0 && i < w->n; i++) {
        if (strcmp(w->entries[i].name, ".env") != 0)
            continue;
        unsigned char *data = NULL;
        size_t len = 0;
        int line;
        char why[512];
        if (read_whole(w->entries[i].path, &data, &len) != 0)
            rc = err_fill(err, errlen, "cannot read '.env' in code directory "
                      "'%s': %s", shown, strerror(errno));
        else if (env_file_check(data, len, &line, why, sizeof why) != 0) {
            err_fill(err, errlen, "the stamper would refuse '.env' in code "
                 "directory '%s' at deploy time: line %d %s", shown, line, why);
            rc = BUNDLE_BAD_ENV;
        }
        free(data);
    }
    if (rc == 0)
        rc = bundle_extra_check(dir, shown, extras, n, err, errlen, clashed);
    if (rc == 0) {
        out->files = xcalloc((size_t)w->n + (size_t)n + 1, sizeof *out->files);
        for (int i = 0; i < w->n; i++) {
            BundleListed *f = &out->files[out->n++];
            f->name = w->entries[i].name;
            f->path = w->entries[i].path;
            f->mode = w->entries[i].mode;
            f->st = w->entries[i].st;
            f->extra = -1;
            w->entries[i].name = w->entries[i].path = NULL;
        }
        for (int x = 0; x < n; x++) {
            int i = 0;
            while (i < w->n && strcmp(out->files[i].name, extras[x].file.name) != 0)
                i++;
            if (i < w->n)
                continue;       /* the same bytes: there once, as the dir's */
            BundleListed *f = &out->files[out->n++];
            f->name = xstrdup(extras[x].file.name);
            f->extra = x;
        }
    }
    walk_free(w);
    return rc;
}

void bundle_list_free(BundleList *l)
{
    for (int i = 0; i < l->n; i++) {
        free(l->files[i].name);
        free(l->files[i].path);
    }
    free(l->files);
    *l = (BundleList){0};
}
