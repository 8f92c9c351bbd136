/*
 * plan.c: what a deploy will change, said in the app's own words.
 *
 * In: the deployed template (get-template; NULL for a new stack), the new
 * one, the change set's Changes, and which declaration made each logical
 * ID.
 * Out: a Plan: every resource added, modified, replaced or removed, with
 * the .hit declaration it comes from and, for a replacement, what forces
 * it; printed one line a change, and E0800 for each resource holding data
 * that would be replaced or removed unless --allow-replace names it.
 * Holds: a replacement is known from two sources, either enough: the change
 * set (CloudFormation's Replacement True or Conditional) and the templates
 * themselves (a new type, or a changed property that the type's schema
 * lists as create-only), so the check does not depend on a CloudFormation
 * that reports replacements (a local one may not).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "deploy.h"
#include "schema.h"

static const char *const action_names[] = {
    [CH_ADD] = "add", [CH_MODIFY] = "modify", [CH_REPLACE] = "replace",
    [CH_MAYBE_REPLACE] = "replace?", [CH_REMOVE] = "remove",
};

static const char *plan_action_name(ChangeAction a)
{
    return action_names[a];
}

/* Are two template values the same (objects compared by key, not order)? */
static bool same(const CfnNode *a, const CfnNode *b)
{
    if (!a || !b)
        return a == b;
    if (a->kind != b->kind || a->len != b->len)
        return false;
    switch (a->kind) {
    case CFN_NULL:
        return true;
    case CFN_BOOL:
        return a->boolean == b->boolean;
    case CFN_NUMBER: case CFN_STRING:
        return strcmp(a->text, b->text) == 0;
    case CFN_ARRAY:
        for (int i = 0; i < a->len; i++)
            if (!same(a->items[i], b->items[i]))
                return false;
        return true;
    case CFN_OBJECT:
        for (int i = 0; i < a->len; i++)
            if (!same(a->pairs[i].value, cfn_obj_get(b, a->pairs[i].key)))
                return false;
        return true;
    }
    return false;
}

/* The first property path under props where old and new differ and the
 * schema calls create-only (conditional too when maybe), or NULL.  Objects
 * are followed key by key, so that a create-only path deep inside
 * (StreamSpecification.StreamViewType) is found; anything else differs
 * as a whole. */
static const char *create_only_change(Arena *a, const char *type, const char *path,
                                      const CfnNode *o, const CfnNode *n, bool maybe)
{
    if (same(o, n))
        return NULL;
    bool (*test)(const char *, const char *) =
        maybe ? schema_maybe_create_only : schema_create_only;
    if (*path && test(type, path))
        return path;
    if (!o || !n || o->kind != CFN_OBJECT || n->kind != CFN_OBJECT)
        return NULL;
    const CfnNode *sides[2] = {o, n};
    for (int s = 0; s < 2; s++)
        for (int i = 0; i < sides[s]->len; i++) {
            const char *k = sides[s]->pairs[i].key;
            const char *sub = *path ? arena_printf(a, "%s.%s", path, k) : k;
            const char *hit = create_only_change(a, type, sub, cfn_obj_get(o, k),
                                                 cfn_obj_get(n, k), maybe);
            if (hit)
                return hit;
        }
    return NULL;
}

static bool policy_retains(const CfnNode *res, const char *policy)
{
    const char *v = aws_str(res, policy);
    return v && (strcmp(v, "Retain") == 0 || strcmp(v, "RetainExceptOnCreate") == 0 ||
                 strcmp(v, "Snapshot") == 0);
}

/* Does a resource of this type hold data a replacement or removal loses?
 * The schemas' stateful types (tables, buckets, queues ...), but not log
 * groups: hitc makes one per function, and a function's logs are not the
 * app's data (keeping them is what retention on the group is for). */
static bool holds_data(const char *type)
{
    return schema_stateful(type) && strcmp(type, "AWS::Logs::LogGroup") != 0;
}

static PlanChange *find(Plan *p, const char *logical)
{
    for (int i = 0; i < p->changes.len; i++) {
        PlanChange *c = p->changes.items[i];
        if (strcmp(c->logical, logical) == 0)
            return c;
    }
    return NULL;
}

static PlanChange *add(Arena *a, Plan *p, ChangeAction action, const char *logical,
                       const char *type, const StrMap *owners)
{
    PlanChange *c = arena_alloc(a, sizeof *c);
    c->action = action;
    c->logical = logical;
    c->type = type ? type : "?";
    c->decl = owners ? strmap_get(owners, logical) : NULL;
    vec_push(a, &p->changes, c);
    return c;
}

/* One resource in both templates: unchanged, modified or replaced. */
static void compare(Arena *a, Plan *p, const char *logical, const CfnNode *o,
                    const CfnNode *n, const StrMap *owners)
{
    if (same(o, n))
        return;
    const char *ot = aws_str(o, "Type"), *nt = aws_str(n, "Type");
    PlanChange *c = add(a, p, CH_MODIFY, logical, nt, owners);
    c->retained = policy_retains(o, "UpdateReplacePolicy");
    if (ot && nt && strcmp(ot, nt) != 0) {
        c->action = CH_REPLACE;
        c->why = arena_printf(a, "its type changes from %s", ot);
        return;
    }
    const CfnNode *op = cfn_obj_get(o, "Properties"), *np = cfn_obj_get(n, "Properties");
    const char *path = create_only_change(a, nt, "", op, np, false);
    if (path) {
        c->action = CH_REPLACE;
        c->why = arena_printf(a, "%s changes, and it is create-only", path);
    } else if ((path = create_only_change(a, nt, "", op, np, true))) {
        c->action = CH_MAYBE_REPLACE;
        c->why = arena_printf(a, "%s changes, which may need a new one", path);
    }
}

/* Fold in what the change set says: a change the templates do not show
 * (a parameter's value), and replacements CloudFormation knows of. */
static void merge_change_set(Arena *a, Plan *p, const CfnNode *changes,
                             const StrMap *owners)
{
    static const struct { const char *name; ChangeAction action; } actions[] = {
        {"Add", CH_ADD}, {"Modify", CH_MODIFY}, {"Remove", CH_REMOVE},
        {"Import", CH_ADD}, {"Dynamic", CH_MODIFY},
    };
    for (int i = 0; changes && changes->kind == CFN_ARRAY && i < changes->len; i++) {
        const CfnNode *rc = cfn_obj_get(changes->items[i], "ResourceChange");
        const char *logical = aws_str(rc, "LogicalResourceId");
        const char *action = aws_str(rc, "Action");
        const char *replacement = aws_str(rc, "Replacement");
        if (!logical || !action)
            continue;
        PlanChange *c = find(p, logical);
        if (!c) {
            ChangeAction act = CH_MODIFY;
            for (size_t k = 0; k < sizeof actions / sizeof *actions; k++)
                if (strcmp(action, actions[k].name) == 0)
                    act = actions[k].action;
            c = add(a, p, act, arena_strdup(a, logical), aws_str(rc, "ResourceType"),
                    owners);
        }
        if (c->action != CH_MODIFY && c->action != CH_MAYBE_REPLACE)
            continue;
        if (replacement && strcmp(replacement, "True") == 0) {
            c->action = CH_REPLACE;
            c->why = c->why ? c->why : "CloudFormation says it must be replaced";
        } else if (replacement && strcmp(replacement, "Conditional") == 0 &&
                   c->action == CH_MODIFY) {
            c->action = CH_MAYBE_REPLACE;
            c->why = "CloudFormation says it may be replaced";
        }
    }
}

void plan_make(Arena *a, Plan *p, const CfnNode *old, const CfnNode *new_,
               const CfnNode *changes, const StrMap *owners)
{
    const CfnNode *or = cfn_obj_get(old, "Resources"), *nr = cfn_obj_get(new_, "Resources");
    for (int i = 0; nr && nr->kind == CFN_OBJECT && i < nr->len; i++) {
        const char *logical = nr->pairs[i].key;
        const CfnNode *n = nr->pairs[i].value, *o = or ? cfn_obj_get(or, logical) : NULL;
        if (!old)
            add(a, p, CH_ADD, logical, aws_str(n, "Type"), owners);
        else if (!o)
            add(a, p, CH_ADD, logical, aws_str(n, "Type"), owners);
        else
            compare(a, p, logical, o, n, owners);
    }
    for (int i = 0; or && or->kind == CFN_OBJECT && i < or->len; i++) {
        const char *logical = or->pairs[i].key;
        if (nr && cfn_obj_get(nr, logical))
            continue;
        PlanChange *c = add(a, p, CH_REMOVE, logical, aws_str(or->pairs[i].value, "Type"),
                            owners);
        c->retained = policy_retains(or->pairs[i].value, "DeletionPolicy");
    }
    merge_change_set(a, p, changes, owners);
    for (int i = 0; i < p->changes.len; i++) {
        PlanChange *c = p->changes.items[i];
        c->holds_data = c->retained || holds_data(c->type);
    }
}

void plan_allow(Plan *p, const char *const *names, int n)
{
    for (int i = 0; i < p->changes.len; i++) {
        PlanChange *c = p->changes.items[i];
        for (int k = 0; k < n; k++)
            if (strcmp(names[k], c->logical) == 0 ||
                (c->decl && c->decl->name && strcmp(names[k], c->decl->name) == 0))
                c->allowed = true;
    }
}

/* "app.hit:4: table 'counters'", or "(not in the app)" for what the new
 * app no longer declares. */
static void describe_origin(const PlanChange *c, Buf *out)
{
    if (!c->decl) {
        buf_puts(out, c->action == CH_REMOVE ? "no longer declared" : "made by hitc");
        return;
    }
    if (!c->decl->loc.src) {
        buf_printf(out, "%s, made by hitc", c->decl->display);
        return;
    }
    int line, col;
    loc_linecol(c->decl->loc, &line, &col);
    buf_printf(out, "%s:%d: %s", c->decl->loc.src->path, line, c->decl->display);
}

void plan_print(const Plan *p, Buf *out)
{
    for (int i = 0; i < p->changes.len; i++) {
        const PlanChange *c = p->changes.items[i];
        buf_printf(out, "  %-9s %s (%s)  ", plan_action_name(c->action), c->logical,
                   c->type);
        describe_origin(c, out);
        if (c->why)
            buf_printf(out, ": %s", c->why);
        if (c->holds_data && (c->action == CH_REPLACE || c->action == CH_MAYBE_REPLACE ||
                              c->action == CH_REMOVE))
            buf_puts(out, c->allowed ? " [holds data; allowed]" : " [holds data]");
        buf_puts(out, "\n");
    }
}

/* What replacing or removing c loses, in words. */
static const char *loss(const PlanChange *c)
{
    if (c->action == CH_REMOVE)
        return c->retained ? "it is kept, with its data, but the stack no longer "
                             "manages it (its data is no longer the app's)"
                           : "it is deleted, with its data";
    return c->retained ? "the stack makes a new, empty one; the old one is kept "
                         "with its data, no longer the app's"
                       : "the stack makes a new, empty one and deletes the old "
                         "one with its data";
}

int plan_refuse(Ctx *ctx, const Plan *p, const char *stack)
{
    int refused = 0;
    for (int i = 0; i < p->changes.len; i++) {
        const PlanChange *c = p->changes.items[i];
        bool loses = c->action == CH_REPLACE || c->action == CH_MAYBE_REPLACE ||
                     c->action == CH_REMOVE;
        if (!loses || !c->holds_data || c->allowed)
            continue;
        const char *what = c->decl ? c->decl->display : c->logical;
        const char *name = c->decl && c->decl->name ? c->decl->name : c->logical;
        Loc at = c->decl ? c->decl->loc : (Loc){ctx->root_src, 0, 0};
        Diag *d = diag(ctx, D_DEPLOY_REPLACE, at,
                       "this deploy %s %s (%s) in stack '%s'%s%s: %s",
                       c->action == CH_REMOVE ? "would remove" :
                       c->action == CH_REPLACE ? "would replace" : "may replace",
                       what, c->logical, stack, c->why ? ", as " : "",
                       c->why ? c->why : "", loss(c));
        note(ctx, d, at, "to go ahead, name it: --allow-replace %s", name);
        refused++;
    }
    return refused;
}
