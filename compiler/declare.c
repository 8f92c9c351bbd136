/*
 * declare.c: collect every name of the program, then let each kind read
 * its declaration's fields.
 *
 * In: parsed files.  Out: ctx->prog.decls (every declaration, in file
 * order, with the built-ins stage, api and aws first), ctx->names and
 * ctx->folds (for lookup and collisions), and each declaration's fields
 * read by its kind's check() (check_decls).
 * Holds: every name is visible in the whole program, so names are
 * collected first and read second.  Outputs are named in a namespace of
 * their own (ctx->output_folds), as CloudFormation's are: they clash only
 * with each other and are never referred to.
 */
#include <stdio.h>
#include <string.h>

#include "hitc.h"

Decl *decl_new(Ctx *ctx, const Kind *k, const char *name, Loc loc)
{
    Decl *d = arena_alloc(ctx->arena, sizeof *d);
    d->kind = k;
    d->name = name;
    d->loc = loc;
    d->name_loc = loc;
    d->logical = !name ? NULL : k->suffix
        ? arena_printf(ctx->arena, "%s%s", pascal_case(ctx->arena, name), k->suffix)
        : pascal_case(ctx->arena, name);
    d->display = name ? arena_printf(ctx->arena, "%s '%s'", k->noun, name)
                      : k->noun;
    d->attrs = k->attrs;
    d->nattrs = k->nattrs;
    d->index = ctx->prog.decls.len;
    vec_push(ctx->arena, &ctx->prog.decls, d);
    return d;
}

void decl_set_attrs(Decl *d, const Attr *attrs, int n)
{
    d->attrs = attrs;
    d->nattrs = n;
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
    Diag *dg;
    if (strcmp(o->name, d->name) == 0)
        dg = diag(ctx, D_DUPLICATE_NAME, d->name_loc,
                  "output '%s' is declared twice", d->name);
    else
        dg = diag(ctx, D_NAME_COLLISION, d->name_loc,
                  "outputs '%s' and '%s' differ only in case or '-' versus "
                  "'_', so they would map to the same CloudFormation "
                  "logical ID; rename one", d->name, o->name);
    note(ctx, dg, o->name_loc, "first declared here");
}

/* The output named name, if any. */
Decl *output_named(Ctx *ctx, const char *name)
{
    Decl *o = strmap_get(&ctx->output_folds, name_fold(ctx->arena, name));
    return o && strcmp(o->name, name) == 0 ? o : NULL;
}

static void add_symbol(Ctx *ctx, Decl *d)
{
    if (d->kind->own_namespace) {
        add_output(ctx, d);
        return;
    }
    Decl *o = lookup(ctx, d->name);
    if (o) {
        Diag *dg = diag(ctx, D_DUPLICATE_NAME, d->name_loc,
                        "'%s' is declared twice", d->name);
        note(ctx, dg, o->name_loc, "first declared here as %s", o->display);
        return;
    }
    char *fold = name_fold(ctx->arena, d->name);
    o = strmap_get(&ctx->folds, fold);
    if (o) {
        Diag *dg = diag(ctx, D_NAME_COLLISION, d->name_loc,
                        "'%s' and '%s' differ only in case or '-' versus "
                        "'_', so they would map to the same "
                        "CloudFormation logical ID; rename one",
                        d->name, o->name);
        note(ctx, dg, o->name_loc, "'%s' declared here", o->name);
        return;
    }
    remember(ctx, d, fold);
}

/* The built-ins every program has (kinds/registry.c): stage, api, aws,
 * cfn. */
static void declare_builtins(Ctx *ctx)
{
    Loc none = {0};
    Program *p = &ctx->prog;
    for (int i = 0; i < nbuiltins; i++) {
        const Builtin *b = &builtins[i];
        Decl *d = decl_new(ctx, b->kind, b->name, none);
        d->builtin = true;
        if (b->id >= 0)
            d->logical = hitc_ids[b->id];
        if (b->display)
            d->display = b->display;
        remember(ctx, d, b->name);
    }
    p->stage = lookup(ctx, "stage");
    p->api = lookup(ctx, "api");
    p->aws = lookup(ctx, "aws");
}

/* "app, param, ..., include or import": every keyword of kinds[], in the
 * registry's order, then import (read by import.c, not a kind), so that a
 * kind added to the registry is named here with no other change. */
static const char *declaration_words(Ctx *ctx)
{
    Buf b = {0};
    for (int i = 0; i < nkinds; i++)
        if (kinds[i]->keyword) {
            if (b.len)
                buf_puts(&b, ", ");
            buf_puts(&b, kinds[i]->keyword);
        }
    buf_puts(&b, " or import");
    const char *words = arena_strdup(ctx->arena, b.data);
    buf_free(&b);
    return words;
}

static void declare_stmt(Ctx *ctx, Stmt *s)
{
    Item *kw = s->items ? s->items[0] : NULL;
    if (s->bad && (!kw || kw->kind != I_WORD))
        return;         /* the parser has reported this line */
    if (!kw || kw->kind != I_WORD) {
        diag(ctx, D_UNKNOWN_DECL, s->loc, "expected a declaration (%s)",
             declaration_words(ctx));
        return;
    }
    if (is_import(s))
        return;         /* import.c has read it */
    const Kind *k = kind_find(kw->text);
    if (!k) {
        const char **cands = arena_alloc(ctx->arena,
                                         (size_t)(nkinds + 1) * sizeof *cands);
        int n = 0;
        cands[n++] = "import";      /* read by import.c, not a kind */
        for (int i = 0; i < nkinds; i++)
            if (kinds[i]->keyword)
                cands[n++] = kinds[i]->keyword;
        const char *dym = did_you_mean(ctx, kw->text, cands, n, NULL);
        if (dym[0])
            diag(ctx, D_UNKNOWN_DECL, kw->loc, "unknown declaration '%s'%s",
                 kw->text, dym);
        else
            diag(ctx, D_UNKNOWN_DECL, kw->loc,
                 "unknown declaration '%s'; expected %s", kw->text,
                 declaration_words(ctx));
        return;
    }
    if (s->bad && !k->named)
        return;         /* its error is reported; nothing refers to it */
    if (k->takes_builtin) {
        Decl *api = lookup(ctx, k->keyword);
        if (!api->builtin) {
            Diag *dg = diag(ctx, D_DUPLICATE_NAME, kw->loc,
                            "the %s block is given twice", k->keyword);
            note(ctx, dg, api->loc, "first given here");
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
            Diag *dg = diag(ctx, D_DUPLICATE_NAME, kw->loc,
                            "'%s' may be declared only once", k->keyword);
            note(ctx, dg, o->loc, "first declared here");
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
    for (int i = 0; !k->own_namespace && i < nbuiltins; i++) {
        if (strcmp(name_fold(ctx->arena, name->text), builtins[i].name) == 0) {
            diag(ctx, D_RESERVED_NAME, name->loc,
                 "'%s' is reserved for hitc's built-in '%s'; choose another "
                 "name", name->text, builtins[i].name);
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

