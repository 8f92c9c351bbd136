/*
 * ids.c: the template's logical IDs, registered before emit.
 *
 * In: prog.order, after graph.  Out: prog.ids (resources and parameters,
 * one namespace in CloudFormation) and prog.output_ids (the outputs, a
 * namespace of their own), each logical ID -> the Decl that makes it;
 * a clash is an error naming both declarations.  Holds: every
 * sub-resource ID is logical_id(d, suffix), the one function that makes
 * them.  Each kind with an `ids` callback registers every ID it will
 * make here, so emit only looks them up: the routes' path resources, the
 * API's deployment (named by the hash of every route), stage and CORS
 * preflights, each stamp's and the stamper's (built-in declarations of
 * their own, kinds/stamper.c) too.  compile() runs this after graph, so `hitc check` and `hitc graph`
 * report a clash as `hitc build` does.
 */
#include <string.h>

#include "hitc.h"

const char *const hitc_ids[HID_COUNT] = {
    [HID_STAGE] = "Stage",
    [HID_CODE_BUCKET] = "CodeBucket",
    [HID_CODE_PREFIX] = "CodePrefix",
    [HID_API] = "Api",
    [HID_API_DEPLOYMENT] = "ApiDeployment",
    [HID_STAMPER] = "HitcStamper",
};

const char *logical_id(Ctx *ctx, const Decl *d, const char *suffix)
{
    return logical_id_fit(ctx->arena,
                          arena_printf(ctx->arena, "%s%s", d->logical, suffix));
}

Decl *id_owner(Ctx *ctx, const char *logical)
{
    return strmap_get(&ctx->prog.ids, logical);
}

Decl *id_output_owner(Ctx *ctx, const char *logical)
{
    return strmap_get(&ctx->prog.output_ids, logical);
}

bool id_claim(Ctx *ctx, Decl *owner, const char *logical)
{
    Decl *first = strmap_get(&ctx->prog.ids, logical);
    if (!first) {
        strmap_put(ctx->arena, &ctx->prog.ids, arena_strdup(ctx->arena, logical),
                   owner);
        return true;
    }
    /* The error stands at the later declaration of the file, or at the
     * user's when the other is hitc's own. */
    Decl *at = owner, *other = first;
    if (first->name_loc.src &&
        (!owner->name_loc.src || first->index > owner->index))
        at = first, other = owner;
    const char *other_display = other == ctx->prog.stage
        ? "hitc's built-in parameter 'stage'" : other->display;
    Diag *d;
    if (!owner->kind->is_parameter && !first->kind->is_parameter)
        d = diag(ctx, D_LOGICAL_ID_CLASH, at->name_loc,
                 "%s and %s would both make the CloudFormation resource "
                 "'%s'; rename one", at->display, other_display, logical);
    else
        d = diag(ctx, D_LOGICAL_ID_CLASH, at->name_loc,
                 "%s and %s would both be '%s' in the template, where "
                 "parameters and resources share one set of logical IDs; "
                 "rename one", at->display, other_display, logical);
    if (other->name_loc.src)
        note(ctx, d, other->name_loc, "%s declared here", other->display);
    return false;
}

bool id_claim_output(Ctx *ctx, Decl *owner, const char *logical)
{
    Decl *first = strmap_get(&ctx->prog.output_ids, logical);
    if (!first) {
        strmap_put(ctx->arena, &ctx->prog.output_ids,
                   arena_strdup(ctx->arena, logical), owner);
        return true;
    }
    Decl *at = owner, *other = first;
    if (first->index > owner->index)
        at = first, other = owner;
    Diag *d = diag(ctx, D_LOGICAL_ID_CLASH, at->name_loc,
                   "%s and %s would both be the template's output '%s'; "
                   "rename one", at->display, other->display, logical);
    note(ctx, d, other->name_loc, "%s declared here", other->display);
    return false;
}

void ids_register(Ctx *ctx)
{
    Program *p = &ctx->prog;
    id_claim(ctx, p->stage, p->stage->logical);
    for (int i = 0; i < p->order.len; i++) {
        Decl *d = p->order.items[i];
        if (d->kind->ids && (d->stmt || d->builtin) && d != p->api)
            d->kind->ids(ctx, d);
    }
    /* The API's IDs (its routes' path tree, the deployment's hash) depend
     * on every route: they come last. */
    if (p->api && p->api->kind->ids)
        p->api->kind->ids(ctx, p->api);
    /* What needs every ID known (an include's secrets shown in plain
     * text), in file order. */
    for (int i = 0; i < p->decls.len; i++) {
        Decl *d = p->decls.items[i];
        if (d->kind->after_ids && (d->stmt || d->builtin))
            d->kind->after_ids(ctx, d);
    }
}
