/*
 * resolve.c: from statements to a resolved program.
 *
 * In: parsed files.  Out: ctx->prog, whose declarations have their fields
 * checked (by their kinds) and whose every expression points at the
 * declaration it names, with an edge in the dependency graph for it.
 * Holds: every name is visible in the whole program, so names are
 * collected first (declare), fields read second (check_decls), references
 * resolved last (resolve).  Each step reports every problem it finds.
 * Outputs are named in a namespace of their own (ctx->output_folds), as
 * CloudFormation's are: they clash only with each other and are never
 * referred to.
 */
#include <stdio.h>
#include <string.h>

#include "hitc.h"

static const char *const reserved[] = {"api", "aws", "cfn", "stage"};

/* Keywords of the language (docs/language.md) that this version does not
 * build yet. */
static const char *const later[] = {"on", "plugin", "resource", "import",
                                    "include"};

Decl *decl_new(Ctx *ctx, const Kind *k, const char *name, Loc loc)
{
    Decl *d = arena_alloc(ctx->arena, sizeof *d);
    d->kind = k;
    d->name = name;
    d->loc = loc;
    d->name_loc = loc;
    d->logical = name ? pascal_case(ctx->arena, name) : NULL;
    d->display = name ? arena_printf(ctx->arena, "%s '%s'", k->noun, name)
                      : k->noun;
    d->index = ctx->prog.decls.len;
    vec_push(ctx->arena, &ctx->prog.decls, d);
    return d;
}

Decl *lookup(Ctx *ctx, const char *name)
{
    return strmap_get(&ctx->names, name);
}

static void remember(Ctx *ctx, Decl *d, const char *fold)
{
    vec_push(ctx->arena, &ctx->symbols, d);
    strmap_put(ctx->arena, &ctx->names, d->name, d);
    strmap_put(ctx->arena, &ctx->folds, fold, d);
}

/* Outputs have a namespace of their own, as in CloudFormation: they are
 * checked against each other only, and nothing refers to them. */
static void add_output(Ctx *ctx, Decl *d)
{
    char *fold = name_fold(ctx->arena, d->name);
    Decl *o = strmap_get(&ctx->output_folds, fold);
    if (!o) {
        strmap_put(ctx->arena, &ctx->output_folds, fold, d);
        return;
    }
    Diag *e;
    if (strcmp(o->name, d->name) == 0)
        e = diag(ctx, D_DUPLICATE_NAME, d->name_loc,
                 "output '%s' is declared twice", d->name);
    else
        e = diag(ctx, D_NAME_COLLISION, d->name_loc,
                 "outputs '%s' and '%s' differ only in case or '-' versus "
                 "'_', so they would map to the same CloudFormation "
                 "logical ID; rename one", d->name, o->name);
    note(ctx, e, o->name_loc, "first declared here");
}

/* The output named name, if any. */
static Decl *output_named(Ctx *ctx, const char *name)
{
    Decl *o = strmap_get(&ctx->output_folds, name_fold(ctx->arena, name));
    return o && strcmp(o->name, name) == 0 ? o : NULL;
}

static void add_symbol(Ctx *ctx, Decl *d)
{
    if (d->kind == &kind_output) {
        add_output(ctx, d);
        return;
    }
    Decl *o = lookup(ctx, d->name);
    if (o) {
        Diag *e = diag(ctx, D_DUPLICATE_NAME, d->name_loc,
                       "'%s' is declared twice", d->name);
        note(ctx, e, o->name_loc, "first declared here as %s", o->display);
        return;
    }
    char *fold = name_fold(ctx->arena, d->name);
    o = strmap_get(&ctx->folds, fold);
    if (o) {
        Diag *e = diag(ctx, D_NAME_COLLISION, d->name_loc,
                       "'%s' and '%s' differ only in case or '-' versus "
                       "'_', so they would map to the same "
                       "CloudFormation logical ID; rename one",
                       d->name, o->name);
        note(ctx, e, o->name_loc, "'%s' declared here", o->name);
        return;
    }
    remember(ctx, d, fold);
}

/* The built-ins every program has: stage, api, aws. */
static void declare_builtins(Ctx *ctx)
{
    Loc none = {0};
    Program *p = &ctx->prog;
    p->stage = decl_new(ctx, &kind_param, "stage", none);
    p->stage->builtin = true;
    p->stage->display = "parameter 'stage'";
    p->stage->logical = "Stage";
    p->api = decl_new(ctx, &kind_api, "api", none);
    p->api->builtin = true;
    p->api->logical = "Api";
    p->api->display = "the api";
    p->aws = decl_new(ctx, &kind_builtin_aws, "aws", none);
    p->aws->builtin = true;
    remember(ctx, p->stage, "stage");
    remember(ctx, p->api, "api");
    remember(ctx, p->aws, "aws");
}

static void declare_stmt(Ctx *ctx, Stmt *s)
{
    Item *kw = s->items ? s->items[0] : NULL;
    if (s->bad && (!kw || kw->kind != I_WORD))
        return;         /* the parser has reported this line */
    if (!kw || kw->kind != I_WORD) {
        diag(ctx, D_UNKNOWN_DECL, s->loc,
             "expected a declaration (app, param, table, function, route, "
             "api or output)");
        return;
    }
    for (size_t i = 0; i < sizeof later / sizeof *later; i++) {
        if (strcmp(kw->text, later[i]) == 0) {
            diag(ctx, D_NOT_YET, kw->loc,
                 "'%s' declarations are not built by hitc %s yet",
                 kw->text, HITC_VERSION);
            return;
        }
    }
    const Kind *k = kind_find(kw->text);
    if (!k) {
        const char *cands[16];
        for (int i = 0; i < nkinds; i++)
            cands[i] = kinds[i]->keyword;
        const char *guess = closest(kw->text, cands, nkinds);
        if (guess)
            diag(ctx, D_UNKNOWN_DECL, kw->loc,
                 "unknown declaration '%s'; did you mean '%s'?", kw->text,
                 guess);
        else
            diag(ctx, D_UNKNOWN_DECL, kw->loc,
                 "unknown declaration '%s'; expected app, param, table, "
                 "function, route, api or output", kw->text);
        return;
    }
    if (s->bad && !k->named)
        return;         /* its error is reported; nothing refers to it */
    if (k == &kind_api) {
        Decl *api = ctx->prog.api;
        if (!api->builtin) {
            Diag *e = diag(ctx, D_DUPLICATE_NAME, kw->loc,
                           "the api block is given twice");
            note(ctx, e, api->loc, "first given here");
            return;
        }
        api->builtin = false;
        api->loc = api->name_loc = kw->loc;
        api->stmt = s;
        return;
    }
    if (!k->named) {
        Decl *o = k->single ? strmap_get(&ctx->singles, k->keyword) : NULL;
        if (o) {
            Diag *e = diag(ctx, D_DUPLICATE_NAME, kw->loc,
                           "'%s' may be declared only once", k->keyword);
            note(ctx, e, o->loc, "first declared here");
            return;
        }
        Decl *d = decl_new(ctx, k, NULL, kw->loc);
        d->stmt = s;
        if (k->single)
            strmap_put(ctx->arena, &ctx->singles, k->keyword, d);
        return;
    }
    Item *name = s->nitems > 1 ? s->items[1] : NULL;
    if (!name || name->kind != I_WORD || strchr(name->text, '.')) {
        diag(ctx, D_BAD_NAME, name ? name->loc : kw->loc,
             "expected the %s's name after '%s'", k->noun, kw->text);
        return;
    }
    if (!is_name(name->text)) {
        diag(ctx, D_BAD_NAME, name->loc,
             strlen(name->text) > 64
                 ? "name '%s' is longer than 64 characters"
                 : "'%s' is not a name: names are letters, digits, '_' and "
                   "'-', starting with a letter",
             name->text);
        return;
    }
    for (size_t i = 0; k != &kind_output && i < sizeof reserved / sizeof *reserved;
         i++) {
        if (strcmp(name_fold(ctx->arena, name->text), reserved[i]) == 0) {
            diag(ctx, D_RESERVED_NAME, name->loc,
                 "'%s' is reserved for hitc's built-in '%s'; choose another "
                 "name", name->text, reserved[i]);
            return;
        }
    }
    Decl *d = decl_new(ctx, k, name->text, kw->loc);
    d->name_loc = name->loc;
    d->stmt = s->bad ? NULL : s;        /* a broken one is named, not read */
    add_symbol(ctx, d);
}

void declare(Ctx *ctx, File *f)
{
    if (!ctx->prog.stage)
        declare_builtins(ctx);
    for (int i = 0; i < f->nstmts; i++)
        declare_stmt(ctx, f->stmts[i]);
}

void check_decls(Ctx *ctx)
{
    Program *p = &ctx->prog;
    for (int i = 0; i < p->decls.len; i++) {
        Decl *d = p->decls.items[i];
        if (d->stmt && d->kind->check)
            d->kind->check(ctx, d);
    }
}

/* ---- expressions ----------------------------------------------------- */

static Expr *ref_expr(Ctx *ctx, const char *text, Loc loc)
{
    Expr *e = arena_alloc(ctx->arena, sizeof *e);
    e->kind = E_REF;
    e->loc = loc;
    const char *dot = strchr(text, '.');
    if (!dot) {
        e->name = text;
        return e;
    }
    e->name = arena_strndup(ctx->arena, text, (size_t)(dot - text));
    e->attr = dot + 1;
    e->attr_loc = (Loc){loc.src, loc.off + (uint32_t)(dot - text) + 1,
                        (uint32_t)strlen(dot + 1)};
    return e;
}

Expr *expr_from_item(Ctx *ctx, const Item *it)
{
    Expr *e = arena_alloc(ctx->arena, sizeof *e);
    e->loc = it->loc;
    switch (it->kind) {
    case I_STRING: {
        int nrefs = 0;
        for (StrPart *p = it->parts; p; p = p->next)
            nrefs += p->is_ref;
        if (nrefs == 0) {
            e->kind = E_STRING;
            e->text = it->parts ? it->parts->text : "";
            return e;
        }
        e->kind = E_INTERP;
        e->lits = arena_alloc(ctx->arena, sizeof(char *) * (size_t)(nrefs + 1));
        e->refs = arena_alloc(ctx->arena, sizeof(Expr *) * (size_t)nrefs);
        Buf lit = {0};
        buf_add(&lit, "", 0);
        for (StrPart *p = it->parts; p; p = p->next) {
            if (p->is_ref) {
                e->lits[e->nrefs] = arena_strdup(ctx->arena, lit.data);
                lit.len = 0;
                lit.data[0] = '\0';
                e->refs[e->nrefs++] = ref_expr(ctx, p->text, p->loc);
            } else {
                buf_puts(&lit, p->text);
            }
        }
        e->lits[e->nrefs] = arena_strdup(ctx->arena, lit.data);
        buf_free(&lit);
        return e;
    }
    case I_NUMBER:
        if (it->unit[0])
            diag(ctx, D_BAD_NUMBER, it->loc,
                 "a value cannot carry a unit ('%s')", it->unit);
        e->kind = E_NUMBER;
        e->num = it->num;
        return e;
    case I_WORD:
        return ref_expr(ctx, it->text, it->loc);
    default:
        diag(ctx, D_BAD_VALUE, it->loc,
             "expected a value (a string, a number or a reference), found %s",
             item_describe(ctx->arena, it));
        return NULL;
    }
}

void use_expr(Ctx *ctx, Decl *owner, Expr *e, const char *why)
{
    if (!e)
        return;
    Use *u = arena_alloc(ctx->arena, sizeof *u);
    u->owner = owner;
    u->expr = e;
    u->why = why;
    vec_push(ctx->arena, &ctx->prog.uses, u);
}

void add_edge(Ctx *ctx, Decl *from, Decl *to, Loc loc, const char *why)
{
    Edge *e = arena_alloc(ctx->arena, sizeof *e);
    e->from = from;
    e->to = to;
    e->loc = loc;
    e->why = why;
    vec_push(ctx->arena, &from->edges, e);
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
    return d->kind->is_value || d->kind->nattrs > 0;
}

static void unknown_name(Ctx *ctx, const char *name, Loc loc)
{
    Decl *out = output_named(ctx, name);
    if (out) {
        Diag *e = diag(ctx, D_UNKNOWN_REF, loc, "'%s' is an output, and "
                       "outputs cannot be referenced; refer to what its "
                       "value refers to", name);
        note(ctx, e, out->name_loc, "output '%s' declared here", name);
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
    const char *guess = closest(name, names, n);
    if (guess) {
        Decl *g = lookup(ctx, guess);
        diag(ctx, D_UNKNOWN_REF, loc, "unknown %s '%s'; did you mean '%s'?",
             g->kind->noun, name, guess);
    } else {
        diag(ctx, D_UNKNOWN_REF, loc, "unknown name '%s'", name);
    }
}

static char *attr_list(Ctx *ctx, const Decl *d)
{
    Buf b = {0};
    for (int i = 0; i < d->kind->nattrs; i++)
        buf_printf(&b, "%s%s.%s", i ? ", " : "", d->name, d->kind->attrs[i]);
    char *s = arena_strdup(ctx->arena, b.data ? b.data : "");
    buf_free(&b);
    return s;
}

static void resolve_ref(Ctx *ctx, Use *u, Expr *e)
{
    Loc name_loc = {e->loc.src, e->loc.off, (uint32_t)strlen(e->name)};
    Decl *d = lookup(ctx, e->name);
    if (!d) {
        unknown_name(ctx, e->name, name_loc);
        return;
    }
    if (!e->attr) {
        if (!d->kind->is_value) {
            diag(ctx, D_BARE_REF, e->loc,
                 "'%s' is a %s, not a value; use one of its attributes: %s",
                 e->name, d->kind->noun, attr_list(ctx, d));
            return;
        }
    } else if (d->kind->is_value) {
        diag(ctx, D_UNKNOWN_ATTR, e->attr_loc,
             "%s has no attributes; write '%s'", d->display, d->name);
        return;
    } else {
        int found = -1;
        for (int i = 0; i < d->kind->nattrs; i++)
            if (strcmp(d->kind->attrs[i], e->attr) == 0)
                found = i;
        if (found < 0) {
            const char *guess = closest(e->attr, d->kind->attrs,
                                        d->kind->nattrs);
            if (guess)
                diag(ctx, D_UNKNOWN_ATTR, e->attr_loc,
                     "%s has no attribute '%s'; did you mean '%s'?",
                     d->display, e->attr, guess);
            else
                diag(ctx, D_UNKNOWN_ATTR, e->attr_loc,
                     "%s has no attribute '%s'; it has %s", d->display,
                     e->attr, attr_list(ctx, d));
            return;
        }
        if (d->kind->attr_error) {
            const char *msg = d->kind->attr_error(ctx, d, e->attr);
            if (msg) {
                diag(ctx, d->kind == &kind_table ? D_NO_STREAM : D_NO_ROUTES,
                     e->loc, "%s", msg);
                return;
            }
        }
    }
    e->target = d;
    d->used = true;
    if (d != ctx->prog.aws)
        add_edge(ctx, u->owner, d, e->loc,
                 arena_printf(ctx->arena, "%s refers to '%s%s%s'", u->why,
                              e->name, e->attr ? "." : "",
                              e->attr ? e->attr : ""));
}

static void resolve_use(Ctx *ctx, Use *u)
{
    Expr *e = u->expr;
    if (e->kind == E_REF)
        resolve_ref(ctx, u, e);
    else if (e->kind == E_INTERP)
        for (int i = 0; i < e->nrefs; i++)
            resolve_ref(ctx, u, e->refs[i]);
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
        Diag *e = diag(ctx, D_UNKNOWN_REF, it->loc, "'%s' is an output, not "
                       "a %s", it->text, k->noun);
        note(ctx, e, output_named(ctx, it->text)->name_loc,
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
        const char *guess = closest(it->text, names, n);
        if (guess)
            diag(ctx, D_UNKNOWN_REF, it->loc,
                 "unknown %s '%s'; did you mean '%s'?", k->noun, it->text,
                 guess);
        else
            diag(ctx, D_UNKNOWN_REF, it->loc, "unknown %s '%s'", k->noun,
                 it->text);
        return NULL;
    }
    if (d->kind != k) {
        Diag *e = diag(ctx, D_WRONG_KIND, it->loc, "'%s' is a %s, not a %s",
                       it->text, d->kind->noun, k->noun);
        if (d->name_loc.src)
            note(ctx, e, d->name_loc, "'%s' declared here", d->name);
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
        if (d->kind == &kind_param && !d->builtin && !d->used)
            diag(ctx, D_UNUSED_PARAM, d->name_loc,
                 "parameter '%s' is never used", d->name);
    }
}

/* ---- fields ---------------------------------------------------------- */

void check_fields(Ctx *ctx, Decl *d, const Stmt *owner, const Field *fields,
                  int nfields)
{
    if (!owner->has_block) {
        diag(ctx, D_MISSING_FIELD, owner->loc,
             "%s needs a block: '{' at the end of this line, its fields, "
             "then '}'", d->display);
        return;
    }
    const Stmt **seen = arena_alloc(ctx->arena,
                                    sizeof(Stmt *) * (size_t)nfields);
    const char **names = arena_alloc(ctx->arena,
                                     sizeof(char *) * (size_t)nfields);
    for (int i = 0; i < nfields; i++)
        names[i] = fields[i].name;
    for (int i = 0; i < owner->nblock; i++) {
        Stmt *s = owner->block[i];
        Item *first = s->items[0];
        if (s->bad) {
            /* Reported already; a field cut short still counts as given. */
            for (int j = 0; j < nfields; j++)
                if (item_is_word(first, fields[j].name) && !seen[j])
                    seen[j] = s;
            continue;
        }
        if (!first || first->kind != I_WORD) {
            diag(ctx, D_EXPECTED, s->loc, "expected a field name, found %s",
                 first ? item_describe(ctx->arena, first) : "a block");
            continue;
        }
        int f = -1;
        for (int j = 0; j < nfields; j++)
            if (strcmp(fields[j].name, first->text) == 0)
                f = j;
        if (f < 0) {
            const char *guess = closest(first->text, names, nfields);
            if (guess)
                diag(ctx, D_UNKNOWN_FIELD, first->loc,
                     "%s has no field '%s'; did you mean '%s'?",
                     d->kind->noun, first->text, guess);
            else
                diag(ctx, D_UNKNOWN_FIELD, first->loc,
                     "%s has no field '%s'", d->kind->noun, first->text);
            continue;
        }
        if (seen[f] && !fields[f].repeatable) {
            Diag *e = diag(ctx, D_DUPLICATE_FIELD, first->loc,
                           "'%s' is given twice in %s", first->text,
                           d->display);
            note(ctx, e, seen[f]->loc, "first given here");
            continue;
        }
        seen[f] = s;
        fields[f].fn(ctx, d, s);
    }
}

bool want_items(Ctx *ctx, const Stmt *s, int min, int max, const char *usage)
{
    if (s->nitems > max) {
        diag(ctx, D_EXPECTED, s->items[max]->loc,
             "unexpected %s; expected '%s'",
             item_describe(ctx->arena, s->items[max]), usage);
        return false;
    }
    if (s->nitems < min) {
        diag(ctx, D_EXPECTED, s->items[s->nitems - 1]->loc,
             "missing value; expected '%s'", usage);
        return false;
    }
    return true;
}

const char *want_word(Ctx *ctx, const Stmt *s, int i, const char *what)
{
    if (i >= s->nitems) {
        diag(ctx, D_EXPECTED, s->items[s->nitems - 1]->loc,
             "expected %s after this", what);
        return NULL;
    }
    if (s->items[i]->kind != I_WORD) {
        diag(ctx, D_EXPECTED, s->items[i]->loc, "expected %s, found %s", what,
             item_describe(ctx->arena, s->items[i]));
        return NULL;
    }
    return s->items[i]->text;
}

char *string_literal(Ctx *ctx, const Item *it, const char *what)
{
    if (it->kind != I_STRING) {
        diag(ctx, D_EXPECTED, it->loc, "expected %s (a string), found %s",
             what, item_describe(ctx->arena, it));
        return NULL;
    }
    for (StrPart *p = it->parts; p; p = p->next) {
        if (p->is_ref) {
            diag(ctx, D_BAD_INTERP, p->loc,
                 "%s cannot hold '${...}': it is read by hitc, not by "
                 "CloudFormation", what);
            return NULL;
        }
    }
    return (char *)(it->parts ? it->parts->text : "");
}

const char *want_string(Ctx *ctx, const Stmt *s, int i, const char *what)
{
    if (i >= s->nitems) {
        diag(ctx, D_EXPECTED, s->items[s->nitems - 1]->loc,
             "expected %s after this", what);
        return NULL;
    }
    return string_literal(ctx, s->items[i], what);
}

bool want_number(Ctx *ctx, const Stmt *s, int i, const char *what,
                 long long *out)
{
    if (i >= s->nitems || s->items[i]->kind != I_NUMBER) {
        diag(ctx, D_EXPECTED, i < s->nitems ? s->items[i]->loc : s->loc,
             "expected %s (a number)", what);
        return false;
    }
    *out = s->items[i]->num;
    return true;
}

int want_choice(Ctx *ctx, const Stmt *s, int i, const char *what,
                const char *const *choices, int n)
{
    const char *w = want_word(ctx, s, i, what);
    if (!w)
        return -1;
    for (int j = 0; j < n; j++)
        if (strcmp(w, choices[j]) == 0)
            return j;
    Buf b = {0};
    for (int j = 0; j < n; j++)
        buf_printf(&b, "%s'%s'", j == 0 ? "" : j == n - 1 ? " or " : ", ",
                   choices[j]);
    const char *guess = closest(w, choices, n);
    if (guess)
        diag(ctx, D_BAD_VALUE, s->items[i]->loc,
             "unknown %s '%s'; did you mean '%s'?", what, w, guess);
    else
        diag(ctx, D_BAD_VALUE, s->items[i]->loc, "unknown %s '%s'; expected %s",
             what, w, b.data);
    buf_free(&b);
    return -1;
}
