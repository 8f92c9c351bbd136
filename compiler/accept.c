/*
 * accept.c: a warning accepted at one place, with a reason, in the source.
 *
 * In: the comments of a .hit file, `# hitc: accept CODE "REASON"`, and in
 * a CloudFormation template (hitc lint, an include fragment) the entries
 * of `Metadata: {hitc: {accept: [{code: CODE, reason: REASON}]}}` on a
 * resource or on the template.  Out: each Source's acceptances, each the
 * byte ranges of the source it covers; diag() asks accept_find whether a
 * warning it reports is accepted (it is then kept, marked, and not
 * counted: --strict passes; JSON and SARIF show it with its reason, the
 * text format does not print it).  An acceptance that matched nothing is
 * itself a warning (accept_report_unused).
 * Holds: only warnings are accepted, never errors, notes, or the two
 * warnings about acceptances themselves; a reason is required.  What one
 * covers:
 *   .hit      the directive's own line and, when it stands on a line of
 *             its own, the next line that holds code (blank lines and
 *             other comments between are skipped: directives may stack);
 *   template  a resource's Metadata: the resource, from its logical ID to
 *             the end of its value; the template's Metadata: everything
 *             outside the resources (parameters, outputs, the whole-file
 *             quotas).
 * The ranges of one source are whole lines or whole resources, so two of
 * them are the same or do not overlap: sorted, a binary search finds them.
 * Cost: reading is linear in the comments and tokens (or the template's
 * nodes); a lookup is a binary search in the source's ranges.
 */
#include <stdlib.h>
#include <string.h>

#include "cfn.h"
#include "hitc.h"

/* A part of a source that one acceptance covers. */
typedef struct Range {
    uint32_t from, to;      /* [from, to) */
    Accept *acc;
    int seq;                /* order of adding, for a stable sort */
} Range;

static const char directive[] = "hitc:";
static const char verb[] = "accept";

/* The code of a diagnostic by its name ("W0272"), or -1. */
static int code_named(const char *name)
{
    for (int c = 0; c < D_COUNT; c++)
        if (strcmp(diag_table[c].code, name) == 0)
            return c;
    return -1;
}

static bool about_acceptances(int code)
{
    return code == D_ACCEPT_BAD || code == D_ACCEPT_UNUSED;
}

/* Is name a code an acceptance may name?  Reports at loc when not. */
static bool acceptable(Ctx *ctx, const char *name, Loc loc)
{
    int c = code_named(name);
    if (c < 0) {
        const char **codes = arena_alloc(ctx->arena, sizeof(char *) * D_COUNT);
        int n = 0;
        for (int k = 0; k < D_COUNT; k++)
            if (diag_table[k].severity == SEV_WARNING)
                codes[n++] = diag_table[k].code;
        diag(ctx, D_ACCEPT_BAD, loc, "unknown warning code '%s'%s", name,
             did_you_mean(ctx, name, codes, n, NULL));
        return false;
    }
    if (diag_table[c].severity != SEV_WARNING) {
        diag(ctx, D_ACCEPT_BAD, loc, "'%s' (%s) is %s, and only warnings can "
             "be accepted: fix what it reports", name, diag_table[c].name,
             diag_table[c].severity == SEV_ERROR ? "an error" : "a note");
        return false;
    }
    if (about_acceptances(c)) {
        diag(ctx, D_ACCEPT_BAD, loc, "'%s' is about acceptances themselves "
             "and cannot be accepted: fix or remove the acceptance it names",
             name);
        return false;
    }
    return true;
}

static Accept *accept_new(Ctx *ctx, const char *name, const char *reason,
                          Loc at)
{
    Accept *a = arena_alloc(ctx->arena, sizeof *a);
    a->code = (DiagCode)code_named(name);
    a->reason = reason;
    a->at = at;
    return a;
}

static void add_range(Ctx *ctx, Source *src, uint32_t from, uint32_t to,
                      Accept *a)
{
    Range *r = arena_alloc(ctx->arena, sizeof *r);
    *r = (Range){from, to, a, src->accepts.len};
    vec_push(ctx->arena, &src->accepts, r);
}

static int range_cmp(const void *pa, const void *pb)
{
    const Range *a = *(Range *const *)pa, *b = *(Range *const *)pb;
    if (a->from != b->from)
        return a->from < b->from ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static void sort_ranges(Source *src)
{
    if (src->accepts.len > 1)
        qsort(src->accepts.items, (size_t)src->accepts.len, sizeof(void *),
              range_cmp);
}

/* ---- lookups ------------------------------------------------------------ */

Accept *accept_find(DiagCode code, Loc loc)
{
    const Source *src = loc.src;
    if (!src || !src->accepts.len || diag_table[code].severity != SEV_WARNING ||
        about_acceptances(code))
        return NULL;
    Range **r = (Range **)src->accepts.items;
    int lo = 0, hi = src->accepts.len - 1, last = -1;
    while (lo <= hi) {                  /* the last range starting at or before */
        int mid = (lo + hi) / 2;
        if (r[mid]->from <= loc.off)
            last = mid, lo = mid + 1;
        else
            hi = mid - 1;
    }
    if (last < 0)
        return NULL;
    int first = last;
    while (first > 0 && r[first - 1]->from == r[last]->from)
        first--;
    for (int i = first; i <= last; i++)
        if (loc.off < r[i]->to && r[i]->acc->code == code) {
            r[i]->acc->used = true;
            return r[i]->acc;
        }
    return NULL;
}

/* Warnings reported before src's acceptances were known (the template
 * reader's): accept them now. */
static void accept_earlier(Ctx *ctx, const Source *src)
{
    for (int i = 0; i < ctx->diags.len; i++) {
        Diag *d = ctx->diags.items[i];
        if (d->loc.src != src || d->accepted || d->severity != SEV_WARNING)
            continue;
        d->accepted = accept_find(d->code, d->loc);
        if (d->accepted) {
            ctx->nwarnings--;
            ctx->naccepted++;
        }
    }
}

/* ---- .hit: # hitc: accept CODE "REASON" ------------------------------- */

typedef struct Scan {
    const char *p, *end;
    const Source *src;
} Scan;

static void skip_blanks(Scan *s)
{
    while (s->p < s->end && (*s->p == ' ' || *s->p == '\t'))
        s->p++;
}

static Loc here(const Scan *s, const char *to)
{
    return (Loc){s->src, (uint32_t)(s->p - s->src->text),
                 (uint32_t)((to > s->p ? to : s->p) - s->p)};
}

static const char *word_end(const Scan *s)
{
    const char *q = s->p;
    while (q < s->end && *q != ' ' && *q != '\t' && *q != '"')
        q++;
    return q;
}

/* "..." with \" and \\: the text, or NULL (reported) when it is not
 * there, not closed, blank, or followed by more. */
static const char *reason_of(Ctx *ctx, Scan *s, const char *code)
{
    if (s->p >= s->end || *s->p != '"') {
        diag(ctx, D_ACCEPT_BAD, here(s, word_end(s)), "an acceptance needs "
             "its reason; write it in quotes after the code: "
             "'# hitc: accept %s \"why it is right here\"'", code);
        return NULL;
    }
    const char *open = s->p++;
    Buf b = {0};
    while (s->p < s->end && *s->p != '"') {
        if (*s->p == '\\' && s->p + 1 < s->end &&
            (s->p[1] == '"' || s->p[1] == '\\'))
            s->p++;
        buf_add(&b, s->p++, 1);
    }
    char *text = arena_strndup(ctx->arena, b.data ? b.data : "", b.len);
    buf_free(&b);
    Scan at = *s;
    at.p = open;
    if (s->p >= s->end) {
        diag(ctx, D_ACCEPT_BAD, here(&at, s->end), "the reason is not "
             "closed: end it with '\"'");
        return NULL;
    }
    s->p++;
    if (strspn(text, " \t") == strlen(text)) {
        diag(ctx, D_ACCEPT_BAD, here(&at, s->p), "the reason is empty; say "
             "why the warning is right here");
        return NULL;
    }
    skip_blanks(s);
    if (s->p < s->end) {
        diag(ctx, D_ACCEPT_BAD, here(s, s->end), "unexpected text after the "
             "reason; one directive accepts one code: '# hitc: accept CODE "
             "\"REASON\"'");
        return NULL;
    }
    return text;
}

/* The directive in comment c, or NULL: reported when the comment starts
 * with "hitc:" but is not one. */
static Accept *read_directive(Ctx *ctx, const Source *src, const Comment *c)
{
    Scan s = {src->text + c->loc.off + 1, src->text + c->loc.off + c->loc.len,
              src};
    while (s.end > s.p && (s.end[-1] == ' ' || s.end[-1] == '\t' ||
                           s.end[-1] == '\r'))
        s.end--;
    skip_blanks(&s);
    size_t n = strlen(directive);
    if ((size_t)(s.end - s.p) < n || memcmp(s.p, directive, n) != 0)
        return NULL;
    s.p += n;
    skip_blanks(&s);
    const char *end = word_end(&s);
    if ((size_t)(end - s.p) != strlen(verb) || memcmp(s.p, verb, strlen(verb)) != 0) {
        diag(ctx, D_ACCEPT_BAD, here(&s, end), "'# hitc:' starts a directive, "
             "and the one directive is 'accept': '# hitc: accept CODE "
             "\"REASON\"'");
        return NULL;
    }
    s.p = end;
    skip_blanks(&s);
    end = word_end(&s);
    if (end == s.p) {
        diag(ctx, D_ACCEPT_BAD, here(&s, end), "expected the code of the "
             "warning to accept: '# hitc: accept CODE \"REASON\"'");
        return NULL;
    }
    Loc code_loc = here(&s, end);
    char *code = arena_strndup(ctx->arena, s.p, (size_t)(end - s.p));
    if (!acceptable(ctx, code, code_loc))
        return NULL;
    s.p = end;
    skip_blanks(&s);
    const char *reason = reason_of(ctx, &s, code);
    return reason ? accept_new(ctx, code, reason, code_loc) : NULL;
}

/* The byte range of the line that holds off. */
static void line_of(const Source *src, uint32_t off, uint32_t *from,
                    uint32_t *to)
{
    const char *t = src->text;
    uint32_t a = off, b = off;
    while (a > 0 && t[a - 1] != '\n')
        a--;
    while (b < src->len && t[b] != '\n')
        b++;
    *from = a;
    *to = b + 1;
}

void accept_read_hit(Ctx *ctx, File *f)
{
    Source *src = f->src;
    const Token *tok = f->tokens;
    for (int i = 0; i < src->comments.len; i++) {
        const Comment *c = src->comments.items[i];
        Accept *a = read_directive(ctx, src, c);
        if (!a)
            continue;
        uint32_t from, to;
        line_of(src, c->loc.off, &from, &to);
        add_range(ctx, src, from, to, a);
        if (!c->own_line)
            continue;
        while (tok && (tok->loc.off < c->loc.off || tok->kind == T_NEWLINE))
            tok = tok->next;            /* the next code, past the comment */
        if (tok && tok->kind != T_EOF) {
            line_of(src, tok->loc.off, &from, &to);
            add_range(ctx, src, from, to, a);
        }
    }
    sort_ranges(src);
}

/* ---- templates: Metadata: {hitc: {accept: [{code, reason}]}} ------------ */

/* The end of everything n holds (the largest end of any node or key). */
static uint32_t node_end(const CfnNode *n)
{
    uint32_t end = n->loc.off + n->loc.len;
    if (n->kind == CFN_ARRAY)
        for (int i = 0; i < n->len; i++) {
            uint32_t sub = node_end(n->items[i]);
            end = sub > end ? sub : end;
        }
    if (n->kind == CFN_OBJECT)
        for (int i = 0; i < n->len; i++) {
            uint32_t sub = node_end(n->pairs[i].value);
            uint32_t k = n->pairs[i].key_loc.off + n->pairs[i].key_loc.len;
            end = sub > end ? sub : end;
            end = k > end ? k : end;
        }
    return end;
}

static const char *str_field(Ctx *ctx, const CfnNode *entry, const char *key,
                             const char *form)
{
    const CfnNode *v = cfn_obj_get(entry, key);
    if (v && v->kind == CFN_STRING && strspn(v->text, " \t\n") < strlen(v->text))
        return v->text;
    diag(ctx, D_ACCEPT_BAD, v ? v->loc : entry->loc, "an acceptance needs "
         "'%s', %s: %s", key, strcmp(key, "code") == 0
         ? "the code of the warning it accepts" : "a string that says why the "
         "warning is right here", form);
    return NULL;
}

/* The acceptances that `Metadata: hitc: accept` lists on n (a resource or
 * the template), into out. */
static void read_metadata(Ctx *ctx, const CfnNode *n, PtrVec *out)
{
    static const char form[] = "'Metadata: {hitc: {accept: [{code: W0715, "
                               "reason: \"why it is right here\"}]}}'";
    const CfnNode *meta = n->kind == CFN_OBJECT ? cfn_obj_get(n, "Metadata") : NULL;
    const CfnNode *h = meta && meta->kind == CFN_OBJECT ? cfn_obj_get(meta, "hitc")
                                                       : NULL;
    if (!h)
        return;
    const CfnNode *list = h->kind == CFN_OBJECT ? cfn_obj_get(h, "accept") : NULL;
    if (!list || list->kind != CFN_ARRAY) {
        diag(ctx, D_ACCEPT_BAD, list ? list->loc : h->loc, "hitc's metadata "
             "is a list of acceptances: %s", form);
        return;
    }
    for (int i = 0; i < list->len; i++) {
        const CfnNode *acc = list->items[i];
        if (acc->kind != CFN_OBJECT) {
            diag(ctx, D_ACCEPT_BAD, acc->loc, "an acceptance is a mapping of "
                 "code and reason: %s", form);
            continue;
        }
        const char *code = str_field(ctx, acc, "code", form);
        const char *reason = str_field(ctx, acc, "reason", form);
        const CfnNode *cn = cfn_obj_get(acc, "code");
        if (code && reason && acceptable(ctx, code, cn->loc))
            vec_push(ctx->arena, out, accept_new(ctx, code, reason, cn->loc));
    }
}

void accept_read_template(Ctx *ctx, Source *src, const CfnNode *root)
{
    if (!root || root->kind != CFN_OBJECT)
        return;
    PtrVec top = {0};
    read_metadata(ctx, root, &top);
    const CfnNode *res = cfn_obj_get(root, "Resources");
    uint32_t gap = 0;       /* where the part outside resources resumes */
    for (int i = 0; res && res->kind == CFN_OBJECT && i < res->len; i++) {
        const CfnPair *p = &res->pairs[i];
        uint32_t from = p->key_loc.off, to = node_end(p->value);
        if (to < from || p->key_loc.src != src)
            continue;
        PtrVec mine = {0};
        read_metadata(ctx, p->value, &mine);
        for (int k = 0; k < mine.len; k++)
            add_range(ctx, src, from, to, mine.items[k]);
        for (int k = 0; k < top.len && from > gap; k++)
            add_range(ctx, src, gap, from, top.items[k]);
        gap = to > gap ? to : gap;
    }
    for (int k = 0; k < top.len; k++)
        add_range(ctx, src, gap, (uint32_t)src->len + 1, top.items[k]);
    sort_ranges(src);
    accept_earlier(ctx, src);
}

/* ---- what matched nothing ---------------------------------------------- */

void accept_report_unused(Ctx *ctx)
{
    for (int i = 0; i < ctx->sources.len; i++)
        accept_report_unused_in(ctx, ctx->sources.items[i]);
}

void accept_report_unused_in(Ctx *ctx, const Source *src)
{
    if (ctx->nerrors)
        return;             /* some checks may not have run */
    for (int k = 0; k < src->accepts.len; k++) {
        Accept *a = ((Range *)src->accepts.items[k])->acc;
        if (a->used || a->reported)
            continue;           /* a directive covers two lines: once */
        a->reported = true;
        diag(ctx, D_ACCEPT_UNUSED, a->at, "this accepts '%s' (%s), but no "
             "such warning is reported here: remove the acceptance",
             diag_table[a->code].code, diag_table[a->code].name);
    }
}
