/*
 * diag_sarif.c: diagnostics as JSON and as SARIF 2.1.0.
 *
 * In: the diagnostics of one or more files, trimmed and sorted by diag.c.
 * Out: one CfnNode document for all of them (diag.c prints it): JSON, a
 * flat array of entries with file, line, column, length and notes; SARIF,
 * one run with a rule per code that occurs (its help links to
 * docs/diagnostics.md), results with partial fingerprints of their lines,
 * accepted warnings as suppressions with their reasons, and the "more not
 * shown" count as a notification.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfn.h"
#include "hitc.h"

static CfnNode *json_loc(Arena *a, CfnNode *obj, Loc loc)
{
    if (!loc.src)
        return obj;
    int line, col;
    loc_linecol(loc, &line, &col);
    cfn_put_str(a, obj, "file", loc.src->path);
    cfn_put_num(a, obj, "line", line);
    cfn_put_num(a, obj, "column", col);
    cfn_put_num(a, obj, "length", loc.len);
    return obj;
}

/* One array for every file's diagnostics, in the order of the files; each
 * file's N0008 entry follows its own. */
CfnNode *diags_json(Arena *a, Ctx *const *ctxs, int n)
{
    CfnNode *arr = cfn_arr(a, (Loc){0});
    for (int k = 0; k < n; k++) {
        Ctx *ctx = ctxs[k];
        for (int i = 0; i < ctx->diags.len; i++) {
            Diag *d = ctx->diags.items[i];
            CfnNode *o = cfn_obj(a, (Loc){0});
            cfn_put_str(a, o, "code", diag_table[d->code].code);
            cfn_put_str(a, o, "name", diag_table[d->code].name);
            cfn_put_str(a, o, "severity", severity_name(d->severity));
            cfn_put_str(a, o, "message", d->msg);
            json_loc(a, o, d->loc);
            if (d->accepted) {
                CfnNode *acc = cfn_put_obj(a, o, "accepted");
                cfn_put_str(a, acc, "reason", d->accepted->reason);
                json_loc(a, acc, d->accepted->at);
            }
            CfnNode *notes = cfn_put_arr(a, o, "notes");
            for (Note *nt = d->notes; nt; nt = nt->next) {
                CfnNode *no = cfn_obj(a, (Loc){0});
                cfn_put_str(a, no, "message", nt->msg);
                json_loc(a, no, nt->loc);
                cfn_arr_push(a, notes, no);
            }
            const char *more_n = diag_more_notes(a, d);
            if (more_n) {
                CfnNode *no = cfn_obj(a, (Loc){0});
                cfn_put_str(a, no, "message", more_n);
                cfn_put_num(a, no, "count", d->notes_dropped);
                cfn_arr_push(a, notes, no);
            }
            cfn_arr_push(a, arr, o);
        }
        const char *more = diag_more_message(ctx);
        if (more) {
            CfnNode *o = cfn_obj(a, (Loc){0});
            cfn_put_str(a, o, "code", diag_table[D_TOO_MANY].code);
            cfn_put_str(a, o, "name", diag_table[D_TOO_MANY].name);
            cfn_put_str(a, o, "severity", severity_name(SEV_NOTE));
            cfn_put_str(a, o, "message", more);
            cfn_put_num(a, o, "count", ctx->ndropped);
            cfn_put_arr(a, o, "notes");
            cfn_arr_push(a, arr, o);
        }
    }
    return arr;
}

/* SARIF 2.1.0, as GitHub code scanning takes it.
 *
 * A file's URI is relative to %SRCROOT% (the directory hitc runs in) when
 * the path lies under it, else an absolute file:// URI.  Regions count
 * columns in code points (run.columnKind says so) and end where the Loc's
 * length ends.  partialFingerprints.primaryLocationLineHash is the value
 * GitHub's upload-sarif action would compute itself for the result's line
 * (its fingerprints.ts): a polynomial hash, base 37 modulo 2^64, of the 100
 * UTF-16 code units from the start of the line on, with spaces and tabs
 * left out, CR and CRLF read as LF, then a 0xFFFF and zeros past the end of
 * the file; ":N" counts the lines so far with the same hash.  Giving the
 * same value keeps the uploader quiet and alerts stable across runs. */

#define FP_BLOCK 100

typedef struct Fingerprints {
    uint32_t win[FP_BLOCK];     /* the last FP_BLOCK code units */
    int at[FP_BLOCK];           /* the line a code unit starts, or -1 */
    uint64_t h, top;            /* the hash; 37^FP_BLOCK */
    int idx, line;
    bool line_start, prev_cr;
    uint64_t *hash;             /* by line number, from 1 */
} Fingerprints;


static void fp_unit(Fingerprints *f, uint32_t c)
{
    if (f->at[f->idx] >= 0) {   /* a line start leaves the window: done */
        f->hash[f->at[f->idx]] = f->h;
        f->at[f->idx] = -1;
    }
    if (f->line_start && c) {
        f->line_start = false;
        f->at[f->idx] = ++f->line;
    }
    uint32_t old = f->win[f->idx];
    f->win[f->idx] = c;
    f->h = f->h * 37 + c - f->top * old;
    f->idx = (f->idx + 1) % FP_BLOCK;
}

static void fp_char(Fingerprints *f, uint32_t c)
{
    if (c == ' ' || c == '\t' || (f->prev_cr && c == '\n')) {
        f->prev_cr = false;
        return;
    }
    f->prev_cr = c == '\r';
    if (c == '\r')
        c = '\n';
    fp_unit(f, c);
    if (c == '\n')
        f->line_start = true;
}

static int cmp_fp(const void *pa, const void *pb)
{
    const uint64_t *a = pa, *b = pb;    /* {hash, line} pairs */
    if (a[0] != b[0])
        return a[0] < b[0] ? -1 : 1;
    return a[1] < b[1] ? -1 : a[1] > b[1];
}

/* "HASH:N" for every line of s, indexed from 1; NULL where there is none. */
static char **line_fingerprints(Arena *arena, const Source *s, int *nlines)
{
    size_t cap = 2;
    for (size_t i = 0; i < s->len; i++)
        cap += s->text[i] == '\n' || s->text[i] == '\r';
    Fingerprints *f = xcalloc(1, sizeof *f);
    f->hash = xcalloc(cap + 1, sizeof *f->hash);
    f->top = 1;
    for (int i = 0; i < FP_BLOCK; i++) {
        f->top *= 37;
        f->at[i] = -1;
    }
    f->line_start = true;
    const unsigned char *t = (const unsigned char *)s->text, *end = t + s->len;
    for (const unsigned char *p = t; p < end;) {
        int n = utf8_len(p, end);
        uint32_t cp;
        if (n == 0) {   /* not UTF-8: Node reads U+FFFD */
            cp = 0xFFFD;
            n = 1;
        } else if (n == 1) {
            cp = p[0];
        } else {
            cp = p[0] & (0x7F >> n);
            for (int k = 1; k < n; k++)
                cp = cp << 6 | (p[k] & 0x3F);
        }
        if (cp > 0xFFFF) {      /* a surrogate pair in UTF-16 */
            fp_char(f, 0xD800 + ((cp - 0x10000) >> 10));
            fp_char(f, 0xDC00 + ((cp - 0x10000) & 0x3FF));
        } else {
            fp_char(f, cp);
        }
        p += n;
    }
    fp_char(f, 0xFFFF);
    f->prev_cr = false;
    for (int i = 0; i < FP_BLOCK; i++)
        fp_unit(f, 0);
    int lines = f->line;
    uint64_t *pairs = xmalloc(sizeof(uint64_t) * 2 * (size_t)(lines + 1));
    for (int l = 1; l <= lines; l++) {
        pairs[2 * l - 2] = f->hash[l];
        pairs[2 * l - 1] = (uint64_t)l;
    }
    qsort(pairs, (size_t)lines, 2 * sizeof(uint64_t), cmp_fp);
    char **out = arena_alloc(arena, sizeof(char *) * (size_t)(lines + 1));
    for (int i = 0, n = 0; i < lines; i++) {
        n = i > 0 && pairs[2 * i] == pairs[2 * i - 2] ? n + 1 : 1;
        out[pairs[2 * i + 1]] = arena_printf(arena, "%llx:%d",
                                             (unsigned long long)pairs[2 * i], n);
    }
    out[0] = NULL;
    free(pairs);
    free(f->hash);
    free(f);
    *nlines = lines;
    return out;
}

/* The artifact URI of path: relative to cwd, the working directory ("" when
 * unknown), when it is under it, else file://; bytes outside RFC 3986's
 * unreserved set and '/' are percent-encoded. */
static CfnNode *sarif_artifact(Arena *a, const char *cwd, const char *path)
{
    const char *rel = path;
    bool absolute = path[0] == '/';
    size_t n = strlen(cwd);
    if (absolute && n && strncmp(path, cwd, n) == 0 &&
        (path[n] == '/' || (n == 1 && cwd[0] == '/'))) {
        rel = path + n + (path[n] == '/');
        absolute = false;
    }
    while (!absolute && rel[0] == '.' && rel[1] == '/')
        rel += 2;
    Buf b = {0};
    if (absolute)
        buf_puts(&b, "file://");
    for (const unsigned char *p = (const unsigned char *)rel; *p; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
            (*p >= '0' && *p <= '9') || strchr("-._~/", *p))
            buf_add(&b, (const char *)p, 1);
        else
            buf_printf(&b, "%%%02X", *p);
    }
    CfnNode *art = cfn_obj(a, (Loc){0});
    cfn_put_str(a, art, "uri", b.data ? b.data : "");
    if (!absolute)
        cfn_put_str(a, art, "uriBaseId", "%SRCROOT%");
    buf_free(&b);
    (void)a;
    return art;
}

static CfnNode *sarif_location(Arena *a, const char *cwd, Loc loc,
                               const char *msg, int id)
{
    CfnNode *l = cfn_obj(a, (Loc){0});
    if (id)
        cfn_put_num(a, l, "id", id);
    int line, col, eline, ecol;
    loc_linecol(loc, &line, &col);
    loc_linecol((Loc){loc.src, loc.off + loc.len, 0}, &eline, &ecol);
    CfnNode *phys = cfn_put_obj(a, l, "physicalLocation");
    cfn_put(a, phys, "artifactLocation",
                          sarif_artifact(a, cwd, loc.src->path));
    CfnNode *reg = cfn_put_obj(a, phys, "region");
    cfn_put_num(a, reg, "startLine", line);
    cfn_put_num(a, reg, "startColumn", col);
    cfn_put_num(a, reg, "endLine", eline);
    cfn_put_num(a, reg, "endColumn", ecol);
    if (msg) {
        CfnNode *m = cfn_put_obj(a, l, "message");
        cfn_put_str(a, m, "text", msg);
    }
    return l;
}

static const char *sev_effect[] = {
    "a note: it does not change the exit status",
    "a warning: hitc exits with status 1 only under --strict",
    "an error: hitc exits with status 1",
};

/* text with Markdown's punctuation escaped */
static void md_escape(Buf *b, const char *text)
{
    for (const char *p = text; *p; p++) {
        if (strchr("\\`*_[]<>|~", *p))
            buf_add(b, "\\", 1);
        buf_add(b, p, 1);
    }
}

static CfnNode *sarif_rule(Arena *a, int c)
{
    const DiagInfo *di = &diag_table[c];
    CfnNode *r = cfn_obj(a, (Loc){0});
    cfn_put_str(a, r, "id", di->code);
    cfn_put_str(a, r, "name", di->name);
    cfn_put_str(a, cfn_put_obj(a, r, "shortDescription"),
                            "text", di->summary);
    cfn_put_str(a, cfn_put_obj(a, r, "fullDescription"),
                            "text", arena_printf(a, "%s %s: %s; %s", di->code,
                                                 di->name, di->summary,
                                                 sev_effect[di->severity]));
    Buf md = {0};
    buf_printf(&md, "**%s** `%s`: ", di->code, di->name);
    md_escape(&md, di->summary);
    buf_printf(&md, "; %s.\n\nSee [%s in docs/diagnostics.md]"
               "(docs/diagnostics.md#%s).", sev_effect[di->severity],
               di->code, di->code);
    CfnNode *help = cfn_put_obj(a, r, "help");
    cfn_put_str(a, help, "text", arena_printf(
        a, "%s %s: %s; %s. See docs/diagnostics.md#%s in hitc's sources.",
        di->code, di->name, di->summary, sev_effect[di->severity], di->code));
    cfn_put_str(a, help, "markdown", md.data);
    buf_free(&md);
    cfn_put_str(a, cfn_put_obj(a, r, "defaultConfiguration"),
                            "level", severity_name(di->severity));
    return r;
}

static CfnNode *sarif_result(Arena *a, DiagCode code, Severity sev, const char *msg)
{
    CfnNode *r = cfn_obj(a, (Loc){0});
    cfn_put_str(a, r, "ruleId", diag_table[code].code);
    cfn_put_num(a, r, "ruleIndex", code);
    cfn_put_str(a, r, "level", severity_name(sev));
    cfn_put_str(a, cfn_put_obj(a, r, "message"), "text", msg);
    return r;
}

static CfnNode *sarif_notification(Arena *a, DiagCode code, Severity sev, const char *msg)
{
    CfnNode *n = cfn_obj(a, (Loc){0});
    cfn_put_str(a, cfn_put_obj(a, n, "message"), "text", msg);
    cfn_put_str(a, n, "level", severity_name(sev));
    CfnNode *rule = cfn_put_obj(a, n, "associatedRule");
    cfn_put_str(a, rule, "id", diag_table[code].code);
    cfn_put_num(a, rule, "index", code);
    return n;
}

/* Diagnostics with a place are results; those without one (a file that
 * cannot be read, say) are the invocation's notifications, as they are about
 * the run, not the code.  N0008, the count of those not shown, is both: a
 * result of level note on the file the last one shown is in, and a note. */
CfnNode *diags_sarif(Arena *a, Ctx *const *ctxs, int n)
{
    char cwd[4096];
    if (!getcwd(cwd, sizeof cwd))
        cwd[0] = '\0';
    CfnNode *root = cfn_obj(a, (Loc){0});
    cfn_put_str(a, root, "$schema",
                "https://json.schemastore.org/sarif-2.1.0.json");
    cfn_put_str(a, root, "version", "2.1.0");
    CfnNode *run = cfn_obj(a, (Loc){0});
    cfn_arr_push(a, cfn_put_arr(a, root, "runs"), run);
    CfnNode *driver = cfn_put_obj(a, cfn_put_obj(a, run, "tool"), "driver");
    cfn_put_str(a, driver, "name", "hitc");
    cfn_put_str(a, driver, "version", HITC_VERSION);
    cfn_put_str(a, driver, "semanticVersion", HITC_VERSION);
    CfnNode *rules = cfn_put_arr(a, driver, "rules");
    for (int c = 0; c < D_COUNT; c++)
        cfn_arr_push(a, rules, sarif_rule(a, c));
    CfnNode *inv = cfn_obj(a, (Loc){0});
    cfn_arr_push(a, cfn_put_arr(a, run, "invocations"), inv);
    CfnNode *notes = cfn_arr(a, (Loc){0});
    bool failed = false;
    cfn_put_str(a, run, "columnKind", "unicodeCodePoints");
    CfnNode *results = cfn_put_arr(a, run, "results");
    for (int k = 0; k < n; k++) {
        Ctx *ctx = ctxs[k];
        int nsrc = ctx->sources.len;
        char ***fps = xcalloc((size_t)nsrc + 1, sizeof *fps);
        int *fpn = xcalloc((size_t)nsrc + 1, sizeof *fpn);
        for (int i = 0; i < ctx->diags.len; i++) {
            Diag *d = ctx->diags.items[i];
            if (!d->loc.src) {
                cfn_arr_push(a, notes, sarif_notification(a, d->code,
                                                          d->severity, d->msg));
                failed |= d->severity == SEV_ERROR;
                continue;
            }
            CfnNode *r = sarif_result(a, d->code, d->severity, d->msg);
            CfnNode *locs = cfn_put_arr(a, r, "locations");
            cfn_arr_push(a, locs, sarif_location(a, cwd, d->loc, NULL, 0));
            int s = d->loc.src->index, line, col;
            if (!fps[s])
                fps[s] = line_fingerprints(a, d->loc.src, &fpn[s]);
            loc_linecol(d->loc, &line, &col);
            if (line >= 1 && line <= fpn[s] && fps[s][line])
                cfn_put_str(a, cfn_put_obj(a, r, "partialFingerprints"),
                            "primaryLocationLineHash", fps[s][line]);
            if (d->accepted) {
                CfnNode *sup = cfn_obj(a, (Loc){0});
                cfn_put_str(a, sup, "kind", "inSource");
                cfn_put_str(a, sup, "status", "accepted");
                cfn_put_str(a, sup, "justification", d->accepted->reason);
                cfn_put(a, sup, "location", sarif_location(
                    a, cwd, d->accepted->at, NULL, 0));
                cfn_arr_push(a, cfn_put_arr(a, r, "suppressions"), sup);
            }
            CfnNode *rel = cfn_put_arr(a, r, "relatedLocations");
            int id = 0;
            for (Note *nt = d->notes; nt; nt = nt->next)
                if (nt->loc.src)
                    cfn_arr_push(a, rel, sarif_location(a, cwd, nt->loc,
                                                        nt->msg, ++id));
            const char *more_n = diag_more_notes(a, d);
            if (more_n) {               /* a location that is only a message */
                CfnNode *l = cfn_obj(a, (Loc){0});
                cfn_put_num(a, l, "id", ++id);
                cfn_put_str(a, cfn_put_obj(a, l, "message"), "text", more_n);
                cfn_arr_push(a, rel, l);
            }
            cfn_arr_push(a, results, r);
        }
        free(fps);
        free(fpn);
        const char *more = diag_more_message(ctx);
        if (more) {
            CfnNode *r = sarif_result(a, D_TOO_MANY, SEV_NOTE, more);
            CfnNode *locs = cfn_put_arr(a, r, "locations");
            if (ctx->cutoff && ctx->cutoff->loc.src) {
                CfnNode *l = cfn_obj(a, (Loc){0});
                cfn_put(a, cfn_put_obj(a, l, "physicalLocation"),
                        "artifactLocation",
                        sarif_artifact(a, cwd, ctx->cutoff->loc.src->path));
                cfn_arr_push(a, locs, l);
            }
            cfn_arr_push(a, results, r);
            cfn_arr_push(a, notes, sarif_notification(a, D_TOO_MANY, SEV_NOTE,
                                                      more));
        }
    }
    cfn_put_bool(a, inv, "executionSuccessful", !failed);
    cfn_put(a, inv, "toolExecutionNotifications", notes);
    return root;
}
