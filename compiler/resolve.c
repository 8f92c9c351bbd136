/*
 * resolve.c: from declarations to a resolved program.
 *
 * In: ctx->prog after declare.c (names collected, fields read, every
 * expression registered with use_expr).  Out: every expression points at
 * the declaration it names (an attribute among the declaration's own, not
 * its kind's) and carries its type, with an edge in the dependency graph;
 * the kinds' link() checks across declarations have run.
 * Holds: each step reports every problem it finds.  Outputs are never
 * referred to; a reference to one says so.
 */
#include <stdio.h>
#include <string.h>

#include "hitc.h"

/* ---- expressions ----------------------------------------------------- */

const char *value_type_name(ValueType t)
{
    switch (t) {
    case VT_STRING: return "a string";
    case VT_NUMBER: return "a number";
    case VT_BOOL: return "a boolean";
    case VT_LIST: return "a list";
    case VT_NONE: break;
    }
    return "a value";
}

static Expr *ref_expr(Ctx *ctx, const char *text, Loc loc)
{
    Expr *x = arena_alloc(ctx->arena, sizeof *x);
    x->kind = E_REF;
    x->loc = loc;
    const char *dot = strchr(text, '.');
    if (!dot) {
        x->name = text;
        return x;
    }
    x->name = arena_strndup(ctx->arena, text, (size_t)(dot - text));
    x->attr = dot + 1;
    x->attr_loc = (Loc){loc.src, loc.off + (uint32_t)(dot - text) + 1,
                        (uint32_t)strlen(dot + 1)};
    return x;
}

Expr *expr_from_item(Ctx *ctx, const Item *it)
{
    Expr *x = arena_alloc(ctx->arena, sizeof *x);
    x->loc = it->loc;
    switch (it->kind) {
    case I_STRING: {
        int nrefs = 0;
        for (StrPart *p = it->parts; p; p = p->next)
            nrefs += p->is_ref;
        if (nrefs == 0) {
            x->kind = E_STRING;
            x->type = VT_STRING;
            x->text = it->parts ? it->parts->text : "";
            return x;
        }
        x->kind = E_INTERP;
        x->type = VT_STRING;
        x->lits = arena_alloc(ctx->arena, sizeof(char *) * (size_t)(nrefs + 1));
        x->refs = arena_alloc(ctx->arena, sizeof(Expr *) * (size_t)nrefs);
        Buf lit = {0};
        buf_add(&lit, "", 0);
        for (StrPart *p = it->parts; p; p = p->next) {
            if (p->is_ref) {
                x->lits[x->nrefs] = arena_strdup(ctx->arena, lit.data);
                lit.len = 0;
                lit.data[0] = '\0';
                x->refs[x->nrefs++] = ref_expr(ctx, p->text, p->loc);
            } else {
                buf_puts(&lit, p->text);
            }
        }
        x->lits[x->nrefs] = arena_strdup(ctx->arena, lit.data);
        buf_free(&lit);
        return x;
    }
    case I_NUMBER:
        if (it->unit[0])
            diag(ctx, D_BAD_NUMBER, it->loc,
                 "a value cannot carry a unit ('%s')", it->unit);
        x->kind = E_NUMBER;
        x->type = VT_NUMBER;
        x->num = it->num;
        return x;
    case I_WORD:
        return ref_expr(ctx, it->text, it->loc);
    default:
        diag(ctx, D_BAD_VALUE, it->loc,
             "expected a value (a string, a number or a reference), found %s",
             item_describe(ctx->arena, it));
        return NULL;
    }
}

void use_expr(Ctx *ctx, Decl *owner, Expr *x, const char *why)
{
    if (!x)
        return;
    Use *u = arena_alloc(ctx->arena, sizeof *u);
    u->owner = owner;
    u->expr = x;
    u->why = why;
    vec_push(ctx->arena, &ctx->prog.uses, u);
}

void add_edge(Ctx *ctx, Decl *from, Decl *to, Loc loc, const char *why)
{
    Edge *edge = arena_alloc(ctx->arena, sizeof *edge);
    edge->from = from;
    edge->to = to;
    edge->loc = loc;
    edge->why = why;
    vec_push(ctx->arena, &from->edges, edge);
}

void add_ref_edge(Ctx *ctx, Decl *from, const Expr *r, const char *why)
{
    if (!r->target || r->target == ctx->prog.aws)
        return;
    add_edge(ctx, from, r->target, r->loc,
             arena_printf(ctx->arena, "%s refers to '%s%s%s'", why, r->name,
                          r->attr ? "." : "", r->attr ? r->attr : ""));
}

static const char **symbol_names(Ctx *ctx)
{
    const char **names = arena_alloc(ctx->arena,
                                     sizeof(char *) * (size_t)(ctx->symbols.len + 1));
    for (int i = 0; i < ctx->symbols.len; i++)
        names[i] = ((Decl *)ctx->symbols.items[i])->name;
    return names;
}

/* Only what a reference may name is worth suggesting: a value (param,
 * stage) or a kind with attributes, never an output or the app. */
static bool referable(const Decl *d)
{
    return d->kind->is_value || d->nattrs > 0;
}

static void unknown_name(Ctx *ctx, const char *name, Loc loc)
{
    Decl *out = output_named(ctx, name);
    if (out) {
        Diag *dg = diag(ctx, D_UNKNOWN_REF, loc, "'%s' is an output, and "
                        "outputs cannot be referenced; refer to what its "
                        "value refers to", name);
        note(ctx, dg, out->name_loc, "output '%s' declared here", name);
        return;
    }
    if (!diag_wanted(ctx, loc)) {   /* past the diagnostics kept: no search */
        diag(ctx, D_UNKNOWN_REF, loc, "unknown name '%s'", name);
        return;
    }
    const char **names = symbol_names(ctx);
    int n = 0;
    for (int i = 0; i < ctx->symbols.len; i++)
        if (referable(ctx->symbols.items[i]))
            names[n++] = names[i];
    const char *guess;
    const char *dym = did_you_mean(ctx, name, names, n, &guess);
    if (guess) {
        diag(ctx, D_UNKNOWN_REF, loc, "unknown %s '%s'%s",
             lookup(ctx, guess)->kind->noun, name, dym);
    } else {
        diag(ctx, D_UNKNOWN_REF, loc, "unknown name '%s'", name);
    }
}

static char *attr_list(Ctx *ctx, const Decl *d)
{
    Buf b = {0};
    for (int i = 0; i < d->nattrs; i++)
        buf_printf(&b, "%s%s.%s", i ? ", " : "", d->name, d->attrs[i].name);
    char *s = arena_strdup(ctx->arena, b.data ? b.data : "");
    buf_free(&b);
    return s;
}

static void resolve_ref(Ctx *ctx, Use *u, Expr *x)
{
    Loc name_loc = {x->loc.src, x->loc.off, (uint32_t)strlen(x->name)};
    Decl *d = lookup(ctx, x->name);
    if (!d) {
        unknown_name(ctx, x->name, name_loc);
        return;
    }
    if (d->kind->member) {      /* a namespace: cfn.ID */
        d->kind->member(ctx, d, u->owner, u->why, x);
        return;
    }
    if (!x->attr) {
        if (!d->kind->is_value) {
            diag(ctx, D_BARE_REF, x->loc,
                 "'%s' is a %s, not a value; use one of its attributes: %s",
                 x->name, d->kind->noun, attr_list(ctx, d));
            return;
        }
    } else if (d->kind->is_value) {
        diag(ctx, D_UNKNOWN_ATTR, x->attr_loc,
             "%s has no attributes; write '%s'", d->display, d->name);
        return;
    } else {
        const Attr *found = NULL;
        for (int i = 0; i < d->nattrs; i++)
            if (strcmp(d->attrs[i].name, x->attr) == 0)
                found = &d->attrs[i];
        /* A resource's attributes are its plugin's outputs: its kind
         * says which plugin lacks the one named. */
        if (!found && d->kind->attr_error_unknown) {
            DiagCode code = D_UNKNOWN_ATTR;
            const char *msg = d->kind->attr_error(ctx, d, x->attr, &code);
            if (msg) {
                diag(ctx, code, x->attr_loc, "%s", msg);
                return;
            }
        }
        if (!found) {
            const char **names = arena_alloc(ctx->arena, sizeof(char *) *
                                             (size_t)(d->nattrs + 1));
            for (int i = 0; i < d->nattrs; i++)
                names[i] = d->attrs[i].name;
            const char *dym = did_you_mean(ctx, x->attr, names, d->nattrs,
                                           NULL);
            if (dym[0])
                diag(ctx, D_UNKNOWN_ATTR, x->attr_loc,
                     "%s has no attribute '%s'%s", d->display, x->attr, dym);
            else
                diag(ctx, D_UNKNOWN_ATTR, x->attr_loc,
                     "%s has no attribute '%s'; it has %s", d->display,
                     x->attr, attr_list(ctx, d));
            return;
        }
        if (d->kind->attr_error) {
            DiagCode code = D_UNKNOWN_ATTR;
            const char *msg = d->kind->attr_error(ctx, d, x->attr, &code);
            if (msg) {
                diag(ctx, code, x->loc, "%s", msg);
                return;
            }
        }
        x->type = found->type;
    }
    if (!x->attr)
        x->type = d->kind->value_type ? d->kind->value_type(d) : VT_STRING;
    x->target = d;
    d->used = true;
    add_ref_edge(ctx, u->owner, x, u->why);
}

static void resolve_use(Ctx *ctx, Use *u)
{
    Expr *x = u->expr;
    if (x->kind == E_REF)
        resolve_ref(ctx, u, x);
    else if (x->kind == E_INTERP)
        for (int i = 0; i < x->nrefs; i++)
            resolve_ref(ctx, u, x->refs[i]);
}

Decl *resolve_name_of_kind(Ctx *ctx, const Item *it, const Kind *k)
{
    if (!it || it->kind != I_WORD) {
        diag(ctx, D_EXPECTED, it->loc, "expected the name of a %s, found %s",
             k->noun, item_describe(ctx->arena, it));
        return NULL;
    }
    Decl *d = lookup(ctx, it->text);
    if (!d && output_named(ctx, it->text)) {
        Diag *dg = diag(ctx, D_UNKNOWN_REF, it->loc, "'%s' is an output, not "
                        "a %s", it->text, k->noun);
        note(ctx, dg, output_named(ctx, it->text)->name_loc,
             "output '%s' declared here", it->text);
        return NULL;
    }
    if (!d && !diag_wanted(ctx, it->loc)) {
        diag(ctx, D_UNKNOWN_REF, it->loc, "unknown %s '%s'", k->noun, it->text);
        return NULL;
    }
    if (!d) {
        const char **names = symbol_names(ctx);
        int n = 0;
        for (int i = 0; i < ctx->symbols.len; i++)
            if (((Decl *)ctx->symbols.items[i])->kind == k)
                names[n++] = names[i];
        diag(ctx, D_UNKNOWN_REF, it->loc, "unknown %s '%s'%s", k->noun,
             it->text, did_you_mean(ctx, it->text, names, n, NULL));
        return NULL;
    }
    if (d->kind != k) {
        Diag *dg = diag(ctx, D_WRONG_KIND, it->loc, "'%s' is a %s, not a %s",
                        it->text, d->kind->noun, k->noun);
        if (d->name_loc.src)
            note(ctx, dg, d->name_loc, "'%s' declared here", d->name);
        return NULL;
    }
    d->used = true;
    return d;
}

void resolve(Ctx *ctx)
{
    Program *p = &ctx->prog;
    for (int i = 0; i < p->uses.len; i++)
        resolve_use(ctx, p->uses.items[i]);
    for (int i = 0; i < p->decls.len; i++) {
        Decl *d = p->decls.items[i];
        if (d->kind->link && (d->stmt || d->builtin))
            d->kind->link(ctx, d);
    }
    for (int i = 0; i < p->decls.len; i++) {
        Decl *d = p->decls.items[i];
        if (d->kind->warn_unused && !d->builtin && !d->used)
            diag(ctx, D_UNUSED_PARAM, d->name_loc,
                 "%s '%s' is never used", d->kind->noun, d->name);
    }
}

void contribute(Ctx *ctx, Decl *to, Decl *from)
{
    vec_push(ctx->arena, &to->contributors, from);
}

bool decl_is_secret(const Decl *d)
{
    return d->kind->secret && d->kind->secret(d);
}

void refuse_secret(Ctx *ctx, const Expr *x, const char *head,
                   const char *tail)
{
    if (x && x->kind == E_INTERP) {
        for (int i = 0; i < x->nrefs; i++)
            refuse_secret(ctx, x->refs[i], head, tail);
        return;
    }
    if (!x || x->kind != E_REF || !x->target || !decl_is_secret(x->target))
        return;
    Diag *dg = diag(ctx, D_SECRET_PLAIN, x->loc, "%s secret parameter '%s' %s",
                    head, x->target->name, tail);
    note(ctx, dg, x->target->name_loc, "secret parameter '%s' declared here",
         x->target->name);
}

/* ---- what an ARN is of ---------------------------------------------- */

/* The service of a literal ARN ("arn:PARTITION:SERVICE:..."), "" for text
 * that is no ARN, NULL when the text does not say (it starts with a
 * reference). */
static const char *literal_arn(Ctx *ctx, const char *text, bool whole)
{
    if (!text[0] && !whole)
        return NULL;
    if (strncmp(text, "arn:", 4) != 0)
        return strncmp("arn:", text, strlen(text)) == 0 && !whole ? NULL : "";
    const char *svc = strchr(text + 4, ':');
    const char *end = svc ? strchr(svc + 1, ':') : NULL;
    if (!end)
        return whole ? "" : NULL;
    return arena_strndup(ctx->arena, svc + 1, (size_t)(end - svc - 1));
}

static const char *expr_arn(Ctx *ctx, const Expr *x)
{
    switch (x->kind) {
    case E_STRING:
        return literal_arn(ctx, x->text, true);
    case E_NUMBER:
        return "";
    case E_INTERP:
        return literal_arn(ctx, x->lits[0], false);
    case E_REF:
        break;
    }
    const Decl *d = x->target;
    if (!d)
        return NULL;
    if (d->kind->arn)
        return d->kind->arn(d, x->attr);
    for (int i = 0; x->attr && i < d->nattrs; i++)
        if (strcmp(d->attrs[i].name, x->attr) == 0)
            return d->attrs[i].arn;
    return NULL;
}

/* "SQS" for "sqs": how AWS writes the services hitc's messages name. */
static const char *service_name(const char *svc)
{
    static const char *const names[][2] = {
        {"sqs", "SQS"}, {"sns", "SNS"}, {"lambda", "Lambda"},
        {"dynamodb", "DynamoDB"}, {"s3", "S3"}, {"events", "EventBridge"},
        {"kinesis", "Kinesis"}, {"iam", "IAM"},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(svc, names[i][0]) == 0)
            return names[i][1];
    return svc;
}

bool want_arn(Ctx *ctx, const Expr *x, const char *service, DiagCode code,
              const char *what)
{
    const char *is = x ? expr_arn(ctx, x) : NULL;
    if (!is || strcmp(is, service) == 0)
        return true;
    const char *shown = !x->loc.src ? "it"
        : arena_printf(ctx->arena, x->kind == E_REF ? "'%.*s'" : "%.*s",
                       (int)x->loc.len, x->loc.src->text + x->loc.off);
    if (!is[0])
        diag(ctx, code, x->loc, "%s, and %s is not an ARN", what, shown);
    else
        diag(ctx, code, x->loc, "%s, and %s is an ARN of %s, not %s", what,
             shown, service_name(is), service_name(service));
    return false;
}
