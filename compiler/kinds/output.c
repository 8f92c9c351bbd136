/*
 * kinds/output.c: `output NAME = EXPR [export]`.
 *
 * Becomes Outputs.<LogicalId> with the value; `export` also exports it as
 * ${AWS::StackName}-NAME.  Outputs have a namespace of their own, as in
 * CloudFormation (resolve.c): `output counters = counters.name` beside
 * `table counters` is fine, two outputs of one logical ID are not, and no
 * expression may refer to an output.
 */
#include "cfn.h"
#include "hitc.h"

typedef struct Output {
    Expr *value;
    bool export;
} Output;

static void output_check(Ctx *ctx, Decl *d)
{
    Stmt *s = d->stmt;
    const char *usage = "output NAME = EXPR [export]";
    if (!want_items(ctx, s, 4, 5, usage))
        return;
    if (!item_is_punct(s->items[2], T_EQUAL)) {
        diag(ctx, D_EXPECTED, s->items[2]->loc, "expected '=' in '%s'", usage);
        return;
    }
    Output *o = arena_alloc(ctx->arena, sizeof *o);
    if (s->nitems == 5) {
        if (!item_is_word(s->items[4], "export")) {
            diag(ctx, D_EXPECTED, s->items[4]->loc,
                 "expected 'export' or the end of the line, found %s",
                 item_describe(ctx->arena, s->items[4]));
            return;
        }
        o->export = true;
    }
    if (s->has_block)
        diag(ctx, D_EXPECTED, s->block_loc, "'output' takes no block");
    o->value = expr_from_item(ctx, s->items[3]);
    use_expr(ctx, d, o->value, "its value");
    d->data = o;
}

/* Outputs are plain text to anyone who may describe the stack, whatever
 * NoEcho says (cfn-lint W2010). */
static void refuse_secret_output(Ctx *ctx, Decl *d, const Expr *r)
{
    if (!r->target || !decl_is_secret(r->target))
        return;
    Diag *dg = diag(ctx, D_SECRET_PLAIN, r->loc,
                    "output '%s' would show secret parameter '%s' in plain "
                    "text to anyone who may describe the stack; output the "
                    "name or ARN of where the secret is kept instead",
                    d->name, r->target->name);
    note(ctx, dg, r->target->name_loc, "secret parameter '%s' declared here",
         r->target->name);
}

static void output_link(Ctx *ctx, Decl *d)
{
    Output *o = d->data;
    if (!o || !o->value)
        return;
    if (o->value->kind == E_REF)
        refuse_secret_output(ctx, d, o->value);
    for (int i = 0; o->value->kind == E_INTERP && i < o->value->nrefs; i++)
        refuse_secret_output(ctx, d, o->value->refs[i]);
}

static void output_ids(Ctx *ctx, Decl *d)
{
    Output *o = d->data;
    if (o && o->value)
        id_claim_output(ctx, d, d->logical);
}

static void output_emit(Ctx *ctx, Decl *d, Emit *e)
{
    Output *o = d->data;
    if (!o || !o->value || !emit_claim_output(ctx, e, d, d->logical))
        return;
    Arena *a = ctx->arena;
    CfnNode *out = cfn_put(a, e->outputs, d->logical, cfn_obj(a, d->loc));
    cfn_put(a, out, "Value", expr_cfn(ctx, d->loc, o->value));
    if (o->export) {
        CfnNode *ex = cfn_put_obj(a, out, "Export");
        cfn_put(a, ex, "Name", cfn_sub(a, d->loc, arena_printf(
                                   a, "${AWS::StackName}-%s", d->name)));
    }
}

const Kind kind_output = {
    .keyword = "output",
    .noun = "output",
    .named = true,
    .check = output_check,
    .link = output_link,
    .ids = output_ids,
    .emit = output_emit,
    .own_namespace = true,
};
