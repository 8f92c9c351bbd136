/*
 * emit.c: the resolved program to a CloudFormation tree.
 *
 * In: prog.order (dependencies first).  Out: a CloudFormation tree
 * (cfn.h, in the Ctx's arena) whose resources each kind adds (kinds/),
 * every node located at the declaration that made it, and the code
 * bundles it names.  Holds: keys come in a fixed order; nothing that
 * varies (paths of this machine, time, pointers) reaches the tree.
 * cfn_json prints it, the same bytes every time.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bundle.h"
#include "cfn.h"
#include "hitc.h"

/* A logical ID at emit time.  One registered before emit (ids.c, run by
 * compile()) is owner's when owner registered it; a kind that registers
 * its IDs had any clash reported then.  An ID nobody registered (only
 * past EMIT_STOP in kinds/api_rest.c) is claimed now. */
bool emit_claim(Ctx *ctx, Emit *e, Decl *owner, const char *logical)
{
    Decl *has = id_owner(ctx, logical);
    if (has == owner && !strmap_get(&e->made, logical)) {
        strmap_put(ctx->arena, &e->made, arena_strdup(ctx->arena, logical), owner);
        e->nclaimed++;
        return true;
    }
    if (has && has != owner && owner->kind && owner->kind->ids)
        return false;                       /* reported by ids_register */
    if (!id_claim(ctx, owner, logical))
        return false;
    strmap_put(ctx->arena, &e->made, arena_strdup(ctx->arena, logical), owner);
    e->nclaimed++;
    return true;
}

CfnNode *emit_resource(Ctx *ctx, Emit *e, Decl *owner, const char *logical,
                       const char *type)
{
    CfnNode *res = cfn_obj(ctx->arena, owner->loc);
    cfn_put_str(ctx->arena, res, "Type", type);
    if (emit_claim(ctx, e, owner, logical))
        cfn_put(ctx->arena, e->resources, logical, res);
    return res;
}

bool emit_claim_output(Ctx *ctx, Emit *e, Decl *owner, const char *logical)
{
    (void)e;
    Decl *has = id_output_owner(ctx, logical);
    if (has)
        return has == owner;                /* outputs register before emit */
    return id_claim_output(ctx, owner, logical);
}

int emit_nresources(const Emit *e)
{
    return e->resources ? e->resources->len : 0;
}

bool emit_has_resource(Ctx *ctx, const char *logical)
{
    const Decl *owner = id_owner(ctx, logical);
    return owner && !owner->kind->is_parameter;   /* a parameter is no resource */
}

/* A literal piece of a Fn::Sub string: "${" must read "${!". */
static void sub_literal(Buf *b, const char *s)
{
    for (; *s; s++) {
        buf_add(b, s, 1);
        if (s[0] == '$' && s[1] == '{')
            buf_puts(b, "{!"), s++;
    }
}

static void sub_ref(Ctx *ctx, Buf *b, const Expr *r)
{
    CfnRef c = r->target->kind->ref(ctx, r->target, r->attr);
    if (c.form == CFN_SUB)
        buf_puts(b, c.sub);
    else if (c.form == CFN_GETATT)
        buf_printf(b, "${%s.%s}", c.logical, c.attr);
    else
        buf_printf(b, "${%s}", c.logical);
}

CfnNode *expr_cfn(Ctx *ctx, Loc loc, const Expr *x)
{
    Arena *a = ctx->arena;
    switch (x->kind) {
    case E_STRING:
        return cfn_str(a, loc, x->text);
    case E_NUMBER:
        return cfn_str(a, loc, arena_printf(a, "%lld", x->num));
    case E_REF: {
        CfnRef c = x->target->kind->ref(ctx, x->target, x->attr);
        if (c.form == CFN_SUB)
            return cfn_sub(a, loc, c.sub);
        if (c.form == CFN_GETATT)
            return cfn_getatt(a, loc, c.logical, c.attr);
        return cfn_ref(a, loc, c.logical);
    }
    case E_INTERP: {
        Buf b = {0};
        for (int i = 0; i < x->nrefs; i++) {
            sub_literal(&b, x->lits[i]);
            sub_ref(ctx, &b, x->refs[i]);
        }
        sub_literal(&b, x->lits[x->nrefs]);
        CfnNode *o = cfn_sub(a, loc, b.data);
        buf_free(&b);
        return o;
    }
    }
    return cfn_null(a, loc);
}

BundleRef *bundle_for(Ctx *ctx, Emit *e, const char *source, Loc loc)
{
    return bundle_for_with(ctx, e, source, loc, NULL, 0);
}

BundleRef *bundle_for_with(Ctx *ctx, Emit *e, const char *source, Loc loc,
                           const BundleExtra *extras, int n)
{
    return bundle_for_code(ctx, e, source, loc, extras, n, NULL, NULL);
}

BundleRef *bundle_for_code(Ctx *ctx, Emit *e, const char *source, Loc loc,
                           const BundleExtra *extras, int n, const char *runtime,
                           const char *arch)
{
    char *path = arena_printf(ctx->arena, "%s/%s", loc.src ? loc.src->dir : ctx->root, source);
    char real[PATH_MAX];
    const char *key = realpath(path, real) ? real : path;
    /* Installed packages depend on the runtime and the architecture: a
     * bundle of their own (deps.c). */
    int deps = deps_kind(path, runtime);
    if (deps != DEPS_NONE)
        key = arena_printf(ctx->arena, "%s\n=%s %s", key, runtime, arch ? arch : "x86_64");
    /* The same directory with the kit or the .env reader is another
     * bundle. */
    for (int i = 0; i < n; i++)
        key = arena_printf(ctx->arena, "%s\n+%s", key, extras[i].file.name);
    for (int i = 0; i < e->bundles.len; i++) {
        BundleRef *b = e->bundles.items[i];
        if (strcmp(b->path, key) == 0)
            return b;
    }
    BundleRef *b = arena_alloc(ctx->arena, sizeof *b);
    b->source = project_path(ctx, loc.src, source);    /* for the manifest */
    b->path = arena_strdup(ctx->arena, key);
    vec_push(ctx->arena, &e->bundles, b);
    char err[1024];
    int clashed = 0;
    if (e->dry_run) {
        memset(b->sha256, '0', 64);
        if (bundle_extra_check(path, source, extras, n, err, sizeof err,
                               &clashed))
            diag(ctx, (DiagCode)extras[clashed].tag, loc, "%s", err);
        return b;
    }
    char installed[PATH_MAX] = "";
    if (deps != DEPS_NONE &&
        deps_install(path, source, runtime, arch, installed, sizeof installed, err,
                     sizeof err) != 0) {
        diag(ctx, D_BUNDLE, loc, "%s", err);
        return b;
    }
    /* pip's --target tree goes at the root, npm's node_modules under its name */
    if (deps == DEPS_NPM && installed[0])
        strncat(installed, "/node_modules", sizeof installed - strlen(installed) - 1);
    BundleZip zip;
    int rc = bundle_dir_zip(path, source, installed[0] ? installed : NULL,
                            deps == DEPS_NPM ? "node_modules" : "", extras, n,
                            e->cache, &zip, err, sizeof err, &clashed);
    if (rc != 0) {
        diag(ctx, rc == BUNDLE_BAD_ENV ? D_BAD_ENV_FILE
                  : rc == BUNDLE_CLASH ? (DiagCode)extras[clashed].tag
                  : D_BUNDLE,
             loc, "%s", err);
        return b;
    }
    /* Two directories with the same files make one bundle (one file). */
    for (int i = 0; i + 1 < e->bundles.len; i++) {
        BundleRef *o = e->bundles.items[i];
        if (strcmp(o->sha256, zip.sha256) == 0) {
            close(zip.fd);
            e->bundles.len--;
            return o;
        }
    }
    memcpy(b->sha256, zip.sha256, sizeof b->sha256);
    b->in_file = true;
    b->fd = zip.fd;
    b->len = (size_t)zip.len;
    return b;
}

/* What a declaration adds to a section after the section's own entries
 * (an include's fragment), in the order of the declarations in the files. */
typedef struct Appendix {
    Decl *owner;
    const char *section;
    CfnNode *entries;
} Appendix;

CfnNode *emit_appendix(Ctx *ctx, Emit *e, Decl *owner, const char *section)
{
    for (int i = 0; i < e->appendix.len; i++) {
        Appendix *x = e->appendix.items[i];
        if (x->owner == owner && strcmp(x->section, section) == 0)
            return x->entries;
    }
    Appendix *x = arena_alloc(ctx->arena, sizeof *x);
    x->owner = owner;
    x->section = section;
    x->entries = cfn_obj(ctx->arena, owner->loc);
    vec_push(ctx->arena, &e->appendix, x);
    return x->entries;
}

/* hitc's built-ins first (the stamper), then in file order. */
static int appendix_cmp(const void *pa, const void *pb)
{
    const Appendix *a = *(Appendix *const *)pa, *b = *(Appendix *const *)pb;
    if (a->owner->builtin != b->owner->builtin)
        return a->owner->builtin ? -1 : 1;
    return (a->owner->index > b->owner->index) -
           (a->owner->index < b->owner->index);
}

void emit_after_begin(Ctx *ctx, Emit *e, Decl *owner)
{
    e->own_resources = e->resources;
    e->resources = emit_appendix(ctx, e, owner, "Resources");
}

void emit_after_end(Emit *e)
{
    e->resources = e->own_resources;
    e->own_resources = NULL;
}

/* The bundle phase: every declaration's code zipped (a dry run only
 * checks), before any is emitted, so that emit only names bundles. */
static void emit_bundles(Ctx *ctx, Emit *e)
{
    Program *p = &ctx->prog;
    for (int i = 0; i < p->order.len; i++) {
        Decl *d = p->order.items[i];
        if (d->kind->bundle && (d->stmt || d->builtin))
            d->kind->bundle(ctx, d, e);
    }
}

/* Section name with every appendix to it added after its own entries
 * (own: NULL when it has none, and then made at the first appendix's
 * owner); NULL when it is still empty. */
static CfnNode *with_appendix(Ctx *ctx, Emit *e, const char *name,
                              CfnNode *own)
{
    for (int i = 0; i < e->appendix.len; i++) {
        Appendix *x = e->appendix.items[i];
        if (strcmp(x->section, name) != 0 || !x->entries->len)
            continue;
        if (!own)
            own = cfn_obj(ctx->arena, x->owner->loc);
        for (int k = 0; k < x->entries->len; k++)
            cfn_obj_set(ctx->arena, own, x->entries->pairs[k].key,
                        x->entries->pairs[k].key_loc,
                        x->entries->pairs[k].value);
    }
    return own;
}

/* The template's Parameters: hitc's own (ids.c's table: the built-in
 * Stage, and CodeBucket and CodePrefix when some code is uploaded), then
 * the user's, which the param kind put into e->parameters. */
static CfnNode *parameters_section(Ctx *ctx, Emit *e, Loc at)
{
    Arena *a = ctx->arena;
    CfnNode *params = cfn_obj(a, at);
    CfnNode *stage = cfn_put(a, params, hitc_ids[HID_STAGE], cfn_obj(a, ctx->prog.stage->loc));
    cfn_put_str(a, stage, "Type", "String");
    cfn_put_str(a, stage, "Default", "dev");
    cfn_put_str(a, stage, "AllowedPattern", "^[a-z][a-z0-9-]{0,31}$");
    cfn_put_str(a, stage, "Description", "The stage this stack is deployed as");
    if (e->need_code_params) {
        CfnNode *bucket = cfn_put_obj(a, params, hitc_ids[HID_CODE_BUCKET]);
        cfn_put_str(a, bucket, "Type", "String");
        cfn_put_str(a, bucket, "Description",
                    "The S3 bucket the bundles were uploaded to");
        CfnNode *prefix = cfn_put_obj(a, params, hitc_ids[HID_CODE_PREFIX]);
        cfn_put_str(a, prefix, "Type", "String");
        cfn_put_str(a, prefix, "Default", "hitc/");
        cfn_put_str(a, prefix, "Description",
                    "The key prefix of the bundles in CodeBucket");
    }
    for (int i = 0; i < e->parameters->len; i++) {
        CfnPair *u = &e->parameters->pairs[i];
        cfn_obj_set(a, params, u->key, u->key_loc, u->value);
    }
    return params;
}

/* The template's size as written: its text and the final newline. */
size_t emit_template_size(const Emit *e)
{
    return strlen(e->text) + 1;
}

bool emit_needs_s3(const Emit *e)
{
    return emit_template_size(e) > CFN_MAX_INLINE_BODY;
}

CfnNode *emit_template(Ctx *ctx, Emit *e)
{
    Program *p = &ctx->prog;
    Arena *a = ctx->arena;
    Loc file = {ctx->root_src, 0, 0};
    e->resources = cfn_obj(a, file);
    e->outputs = cfn_obj(a, file);
    e->parameters = cfn_obj(a, file);   /* user params; merged below */
    emit_claim(ctx, e, p->stage, p->stage->logical);
    emit_bundles(ctx, e);
    for (int i = 0; i < p->order.len; i++) {
        Decl *d = p->order.items[i];
        if (d->kind->emit && (d->stmt || d->builtin) && !d->part_of)
            d->kind->emit(ctx, d, e);
    }
    for (int i = 0; i < nkinds; i++)
        if (kinds[i]->finish)
            kinds[i]->finish(ctx, e);

    Loc top = p->app ? p->app->loc : file;
    CfnNode *t = cfn_obj(a, top);
    cfn_put_str(a, t, "AWSTemplateFormatVersion", "2010-09-09");
    const char *app = p->app ? p->app->name : NULL;
    const char *desc = p->app && p->app->data ? (const char *)p->app->data : NULL;
    char *text = arena_printf(a, "%s%s%s (built by hitc)",
                              app ? app : "an app",
                              desc ? ": " : "", desc ? desc : "");
    cfn_put_str(a, t, "Description", text);
    if (e->appendix.len > 1)
        qsort(e->appendix.items, (size_t)e->appendix.len, sizeof(void *),
              appendix_cmp);
    e->parameters = cfn_put(a, t, "Parameters", with_appendix(
        ctx, e, "Parameters", parameters_section(ctx, e, file)));
    /* CloudFormation's own order of sections: Mappings, Conditions, then
     * Resources. */
    CfnNode *mappings = with_appendix(ctx, e, "Mappings", NULL);
    if (mappings)
        cfn_put(a, t, "Mappings", mappings);
    CfnNode *conditions = with_appendix(ctx, e, "Conditions", NULL);
    if (conditions)
        cfn_put(a, t, "Conditions", conditions);
    cfn_put(a, t, "Resources", with_appendix(ctx, e, "Resources", e->resources));
    with_appendix(ctx, e, "Outputs", e->outputs);
    if (e->outputs->len)
        cfn_put(a, t, "Outputs", e->outputs);
    e->outputs = NULL;
    e->template = t;
    e->text = cfn_json(t);
    /* Past a stack's quotas: a root stack and nested stacks (split.c).
     * The quotas of each template are then lint's (lint_emitted). */
    int errors = ctx->nerrors;
    if (split_needed(e) && errors == 0) {
        split_stacks(ctx, e);
        e->split_refused = ctx->nerrors != errors;  /* it said why */
    }
    return t;
}

void emit_free(Emit *e)
{
    free(e->text);
    for (int i = 0; i < e->stacks.len; i++)
        free(((NestedStack *)e->stacks.items[i])->text);
    for (int i = 0; i < e->bundles.len; i++) {
        BundleRef *b = e->bundles.items[i];
        if (b->owned)
            free((void *)b->data);
        if (b->in_file)
            close(b->fd);
    }
    free(e->cache);
}
