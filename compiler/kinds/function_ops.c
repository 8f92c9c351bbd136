/*
 * kinds/function_ops.c: how a function runs, and the app's defaults.
 *
 *   memory SIZE; timeout DURATION; arch x86_64|arm64
 *   log-retention DAYS|forever       the log group's RetentionInDays
 *   tracing active|pass-through      TracingConfig (X-Ray)
 *   reserved-concurrency N           ReservedConcurrentExecutions
 *   ephemeral-storage SIZE           EphemeralStorage, /tmp
 *   layers ARN | [ARN, ...]          Layers
 *   vpc { subnets [ID, ...]; security-groups [ID, ...] }   VpcConfig
 *
 *   defaults { FIELD ... }           the same fields (not
 *                                    reserved-concurrency) for every
 *                                    function that does not give them
 *
 * In: the fields of a function or of the defaults block.  Out: a
 * FunctionOps (function_ops.h) per function, hitc's own settings
 * overridden by the defaults', overridden by the function's; and what
 * they become: the log group's retention, the function's properties, and
 * the role's grants (X-Ray for active tracing, the VPC access managed
 * policy for a function in a VPC).  Holds: the values Lambda and
 * CloudWatch Logs take are checked here; the retention days are
 * CloudFormation's own list (the schema's enum, compiler/schema.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfn.h"
#include "hitc.h"
#include "kinds/function_ops.h"
#include "schema.h"

/* hitc's defaults, stated in docs/language.md ("Defaults"). */
enum { DEFAULT_RETENTION_DAYS = 30 };

static FunctionOps *ops_of(Decl *d)
{
    return d->kind == &kind_defaults ? d->data : function_ops_of(d);
}

/* A number with an optional unit, scaled to the field's base unit. */
static bool scaled(Ctx *ctx, Stmt *s, const char *what,
                   const char *const *units, const long long *factors,
                   int nunits, long long *out)
{
    long long v;
    if (!want_items(ctx, s, 2, 2, what) || !want_number(ctx, s, 1, what, &v))
        return false;
    const char *unit = s->items[1]->unit;
    for (int i = 0; i < nunits; i++) {
        if (strcmp(unit, units[i]) == 0) {
            *out = v * factors[i];
            return true;
        }
    }
    diag(ctx, D_BAD_NUMBER, s->items[1]->loc,
         "unknown unit '%s' for %s; use %s or %s", unit, s->items[0]->text,
         units[1], units[2]);
    return false;
}

static bool megabytes(Ctx *ctx, Stmt *s, const char *what, long long *mb)
{
    static const char *const units[] = {"", "MB", "GB"};
    static const long long factors[] = {1, 1, 1024};
    return scaled(ctx, s, what, units, factors, 3, mb);
}

/* A plain number: no unit. */
static bool plain_number(Ctx *ctx, Stmt *s, const char *what, long long *v)
{
    if (!want_items(ctx, s, 2, 2, what) || !want_number(ctx, s, 1, what, v))
        return false;
    if (s->items[1]->unit[0]) {
        diag(ctx, D_BAD_NUMBER, s->items[1]->loc, "'%s' takes a plain "
             "number, without the unit '%s'", s->items[0]->text,
             s->items[1]->unit);
        return false;
    }
    return true;
}

static void field_memory(Ctx *ctx, Decl *d, Stmt *s)
{
    long long mb;
    if (!megabytes(ctx, s, "memory MB", &mb))
        return;
    if (mb < 128 || mb > 10240) {
        diag(ctx, D_OUT_OF_RANGE, s->items[1]->loc,
             "memory must be from 128 MB to 10240 MB, not %lld MB", mb);
        return;
    }
    ops_of(d)->memory = mb;
}

static void field_timeout(Ctx *ctx, Decl *d, Stmt *s)
{
    static const char *const units[] = {"", "s", "m"};
    static const long long factors[] = {1, 1, 60};
    long long sec;
    if (!scaled(ctx, s, "timeout SECONDS", units, factors, 3, &sec))
        return;
    if (sec < 1 || sec > 900) {
        diag(ctx, D_OUT_OF_RANGE, s->items[1]->loc,
             "timeout must be from 1 to 900 seconds (15m), not %lld", sec);
        return;
    }
    ops_of(d)->timeout = sec;
    ops_of(d)->timeout_loc = s->items[1]->loc;
}

static void field_arch(Ctx *ctx, Decl *d, Stmt *s)
{
    static const char *const archs[] = {"x86_64", "arm64"};
    if (!want_items(ctx, s, 2, 2, "arch x86_64|arm64"))
        return;
    int a = want_choice(ctx, s, 1, "architecture", archs, 2);
    if (a >= 0)
        ops_of(d)->arch = archs[a];
}

/* ---- log-retention: CloudFormation's list of days --------------------- */

static const SchemaProp *retention_prop(void)
{
    const SchemaType *t = schema_type("AWS::Logs::LogGroup");
    return t ? schema_prop(schema_type_shape(t), "RetentionInDays") : NULL;
}

static int num_cmp(const void *pa, const void *pb)
{
    long long a = *(const long long *)pa, b = *(const long long *)pb;
    return (a > b) - (a < b);
}

/* "1, 3, 5, ... 3653": the schema's days, in order, for the message. */
static const char *retention_days(Ctx *ctx, const SchemaProp *p)
{
    const SchemaEnum *en = &schema_enums[p->enumset];
    long long *days = arena_alloc(ctx->arena, sizeof *days * (en->n + 1));
    for (uint32_t i = 0; i < en->n; i++)
        days[i] = atoll(schema_str(schema_enum_values[en->values + i]));
    qsort(days, en->n, sizeof *days, num_cmp);
    Buf b = {0};
    for (uint32_t i = 0; i < en->n; i++)
        buf_printf(&b, "%s%lld", i ? ", " : "", days[i]);
    const char *s = arena_strdup(ctx->arena, b.data ? b.data : "");
    buf_free(&b);
    return s;
}

static void field_log_retention(Ctx *ctx, Decl *d, Stmt *s)
{
    const char *usage = "log-retention DAYS|forever";
    if (!want_items(ctx, s, 2, 2, usage))
        return;
    Item *it = s->items[1];
    if (it->kind == I_WORD && strcmp(it->text, "forever") == 0) {
        ops_of(d)->retention = 0;
        return;
    }
    if (it->kind != I_NUMBER) {
        diag(ctx, D_BAD_VALUE, it->loc, "expected a number of days or "
             "'forever', found %s", item_describe(ctx->arena, it));
        return;
    }
    long long days;
    if (!plain_number(ctx, s, usage, &days))
        return;
    const SchemaProp *p = retention_prop();
    char text[32];
    snprintf(text, sizeof text, "%lld", days);
    if (p && p->enumset && !schema_enum_has(p, text)) {
        diag(ctx, D_OUT_OF_RANGE, it->loc, "CloudWatch Logs keeps logs for "
             "one of %s days, not %lld; or write 'forever'",
             retention_days(ctx, p), days);
        return;
    }
    ops_of(d)->retention = days;
}

static void field_tracing(Ctx *ctx, Decl *d, Stmt *s)
{
    static const char *const modes[] = {"active", "pass-through"};
    static const char *const cfn[] = {"Active", "PassThrough"};
    if (!want_items(ctx, s, 2, 2, "tracing active|pass-through"))
        return;
    int m = want_choice(ctx, s, 1, "tracing", modes, 2);
    if (m >= 0)
        ops_of(d)->tracing = cfn[m];
}

static void field_concurrency(Ctx *ctx, Decl *d, Stmt *s)
{
    if (d->kind == &kind_defaults) {
        diag(ctx, D_UNKNOWN_FIELD, s->items[0]->loc, "defaults has no field "
             "'reserved-concurrency': each function's reserved concurrency "
             "is taken from the account's pool on its own; give it in the "
             "functions that need it");
        return;
    }
    long long n;
    if (!plain_number(ctx, s, "reserved-concurrency N", &n))
        return;
    /* Lambda's quota for an account is 1000 by default and may be raised;
     * the number is checked there, 0 stops the function. */
    ops_of(d)->concurrency = n;
}

static void field_storage(Ctx *ctx, Decl *d, Stmt *s)
{
    long long mb;
    if (!megabytes(ctx, s, "ephemeral-storage MB", &mb))
        return;
    if (mb < 512 || mb > 10240) {
        diag(ctx, D_OUT_OF_RANGE, s->items[1]->loc, "ephemeral-storage must "
             "be from 512 MB to 10240 MB, not %lld MB", mb);
        return;
    }
    ops_of(d)->storage = mb;
}

/* ---- layers and vpc: lists of string expressions ---------------------- */

/* ITEM or [ITEM, ...], each a string or a reference, at most max; into a
 * fresh vector (a function's own replaces the defaults'). */
static bool expr_list(Ctx *ctx, Decl *d, const Item *it, const char *what,
                      int max, PtrVec *out)
{
    const Item *const *elems = (const Item *const *)&it;
    int n = 1;
    if (it->kind == I_LIST) {
        elems = (const Item *const *)it->elems;
        n = it->nelems;
    }
    if (n == 0 || n > max) {
        diag(ctx, n ? D_OUT_OF_RANGE : D_BAD_VALUE, it->loc,
             "%s takes 1 to %d values, not %d", what, max, n);
        return false;
    }
    *out = (PtrVec){0};
    for (int i = 0; i < n; i++) {
        if (elems[i]->kind != I_STRING && elems[i]->kind != I_WORD) {
            diag(ctx, D_BAD_VALUE, elems[i]->loc, "expected a string or a "
                 "reference in %s, found %s", what,
                 item_describe(ctx->arena, elems[i]));
            return false;
        }
        Expr *x = expr_from_item(ctx, elems[i]);
        if (!x)
            return false;
        use_expr(ctx, d, x, what);
        vec_push(ctx->arena, out, x);
    }
    return true;
}

/* A literal layer ARN: arn:PARTITION:lambda:REGION:ACCOUNT:layer:NAME:N. */
static bool layer_arn_ok(const char *s)
{
    const char *parts[9];
    int n = 0;
    for (const char *p = s; n < 9; n++) {
        parts[n] = p;
        p = strchr(p, ':');
        if (!p) {
            n++;
            break;
        }
        p++;
    }
    if (n != 8 || strncmp(parts[0], "arn:", 4) != 0 ||
        strncmp(parts[2], "lambda:", 7) != 0 ||
        strncmp(parts[5], "layer:", 6) != 0)
        return false;
    const char *v = parts[7];
    if (!*v)
        return false;
    for (; *v; v++)
        if (*v < '0' || *v > '9')
            return false;
    return true;
}

static void field_layers(Ctx *ctx, Decl *d, Stmt *s)
{
    FunctionOps *o = ops_of(d);
    if (!want_items(ctx, s, 2, 2, "layers ARN or layers [ARN, ...]"))
        return;
    /* Lambda takes at most five layers per function. */
    if (!expr_list(ctx, d, s->items[1], "layers", 5, &o->layers))
        return;
    o->given |= OPS_LAYERS;
    for (int i = 0; i < o->layers.len; i++) {
        Expr *x = o->layers.items[i];
        if (x->kind == E_STRING && !layer_arn_ok(x->text))
            diag(ctx, D_BAD_VALUE, x->loc, "'%s' is not a layer version's "
                 "ARN: 'arn:aws:lambda:REGION:ACCOUNT:layer:NAME:VERSION'",
                 x->text);
    }
}

/* A literal subnet or security group ID starts with its prefix. */
static void want_prefix(Ctx *ctx, const PtrVec *v, const char *prefix,
                        const char *what)
{
    for (int i = 0; i < v->len; i++) {
        Expr *x = v->items[i];
        if (x->kind == E_STRING && strncmp(x->text, prefix, strlen(prefix)))
            diag(ctx, D_BAD_VALUE, x->loc, "'%s' is not %s ID ('%s...')",
                 x->text, what, prefix);
    }
}

static void vpc_subnets(Ctx *ctx, Decl *d, Stmt *s)
{
    FunctionOps *o = ops_of(d);
    if (want_items(ctx, s, 2, 2, "subnets [ID, ...]") &&
        expr_list(ctx, d, s->items[1], "subnets", 16, &o->subnets))
        want_prefix(ctx, &o->subnets, "subnet-", "a subnet");
}

static void vpc_groups(Ctx *ctx, Decl *d, Stmt *s)
{
    FunctionOps *o = ops_of(d);
    if (want_items(ctx, s, 2, 2, "security-groups [ID, ...]") &&
        expr_list(ctx, d, s->items[1], "security-groups", 5, &o->groups))
        want_prefix(ctx, &o->groups, "sg-", "a security group");
}

static const Field vpc_fields[] = {
    {"subnets", false, vpc_subnets},
    {"security-groups", false, vpc_groups},
};

static void field_vpc(Ctx *ctx, Decl *d, Stmt *s)
{
    FunctionOps *o = ops_of(d);
    if (!want_items(ctx, s, 1, 1, "vpc { subnets [...]; security-groups "
                    "[...] }"))
        return;
    o->subnets = o->groups = (PtrVec){0};
    o->given |= OPS_VPC;
    check_fields(ctx, d, s, vpc_fields, 2);
    if (!s->has_block)
        return;
    if (!o->subnets.len || !o->groups.len)
        diag(ctx, D_MISSING_FIELD, s->items[0]->loc, "vpc needs both "
             "'subnets' and 'security-groups': Lambda places the function "
             "in those subnets with those groups");
}

const Field function_ops_fields[] = {
    {"memory", false, field_memory},
    {"timeout", false, field_timeout},
    {"arch", false, field_arch},
    {"log-retention", false, field_log_retention},
    {"tracing", false, field_tracing},
    {"reserved-concurrency", false, field_concurrency},
    {"ephemeral-storage", false, field_storage},
    {"layers", false, field_layers},
    {"vpc", false, field_vpc},
};
const int function_ops_nfields =
    sizeof function_ops_fields / sizeof *function_ops_fields;

/* ---- the defaults block ----------------------------------------------- */

static FunctionOps hitc_ops(void)
{
    return (FunctionOps){.memory = 128, .timeout = 10, .arch = "x86_64",
                         .retention = DEFAULT_RETENTION_DAYS,
                         .concurrency = -1};
}

static void defaults_check(Ctx *ctx, Decl *d)
{
    if (d->data)
        return;             /* read already, for a function before it */
    FunctionOps *o = arena_alloc(ctx->arena, sizeof *o);
    *o = hitc_ops();
    d->data = o;
    if (!want_items(ctx, d->stmt, 1, 1, "defaults { FIELD ... }"))
        return;
    check_fields(ctx, d, d->stmt, function_ops_fields, function_ops_nfields);
}

static Decl *defaults_decl(Ctx *ctx)
{
    Decl *d = strmap_get(&ctx->singles, "defaults");
    return d && d->stmt ? d : NULL;
}

FunctionOps function_ops_start(Ctx *ctx)
{
    Decl *d = defaults_decl(ctx);
    if (!d)
        return hitc_ops();
    defaults_check(ctx, d);
    FunctionOps o = *(FunctionOps *)d->data;
    o.given = 0;
    return o;
}

/* ---- link ------------------------------------------------------------- */

static void check_strings(Ctx *ctx, const PtrVec *v, const char *what)
{
    for (int i = 0; i < v->len; i++) {
        Expr *x = v->items[i];
        bool resolved = x->kind != E_REF || x->target;
        if (resolved && x->type != VT_STRING && x->type != VT_NONE)
            diag(ctx, D_BAD_VALUE, x->loc, "'%s' takes strings; this is %s",
                 what, value_type_name(x->type));
        refuse_secret(ctx, x, arena_printf(ctx->arena, "'%s' would "
                            "write", what), "in plain text into the "
                            "function's configuration, which anyone who may "
                            "describe the stack sees; an ARN or an ID is "
                            "not a secret");
    }
}

static void check_values(Ctx *ctx, FunctionOps *o)
{
    check_strings(ctx, &o->layers, "layers");
    check_strings(ctx, &o->subnets, "subnets");
    check_strings(ctx, &o->groups, "security-groups");
    for (int i = 0; i < o->layers.len; i++) {
        const Expr *x = o->layers.items[i];
        if (x->kind != E_STRING)    /* a literal was read in full already */
            want_arn(ctx, x, "lambda", D_BAD_VALUE,
                     "'layers' takes Lambda layer versions' ARNs");
    }
}

/* What a setting inherited from the defaults refers to, the function
 * needs before it is made. */
static void edges_to(Ctx *ctx, Decl *fn, const PtrVec *v, const char *why)
{
    for (int i = 0; i < v->len; i++) {
        const Expr *x = v->items[i];
        if (x->kind == E_REF && x->target)
            add_ref_edge(ctx, fn, x, why);
        for (int k = 0; x->kind == E_INTERP && k < x->nrefs; k++)
            if (x->refs[k]->target)
                add_ref_edge(ctx, fn, x->refs[k], why);
    }
}

void function_ops_link(Ctx *ctx, Decl *fn, FunctionOps *o)
{
    check_values(ctx, o);
    if (!(o->given & OPS_LAYERS))
        edges_to(ctx, fn, &o->layers, "the defaults' layers");
    if (!(o->given & OPS_VPC)) {
        edges_to(ctx, fn, &o->subnets, "the defaults' vpc");
        edges_to(ctx, fn, &o->groups, "the defaults' vpc");
    }
}

static void defaults_link(Ctx *ctx, Decl *d)
{
    if (d->data)
        check_values(ctx, d->data);
}

/* ---- emit ------------------------------------------------------------- */

void function_ops_log_group(Ctx *ctx, Emit *e, const FunctionOps *o,
                            const char *log_group)
{
    CfnNode *lg = cfn_obj_get(e->resources, log_group);
    if (lg && o->retention > 0)
        cfn_put_num(ctx->arena, cfn_obj_get(lg, "Properties"),
                    "RetentionInDays", o->retention);
}

void function_ops_role(Ctx *ctx, Emit *e, Decl *d, const FunctionOps *o,
                       const char *role, CfnNode *stmts)
{
    Arena *a = ctx->arena;
    Loc at = d->loc;
    /* What the X-Ray daemon in Lambda sends; these actions take no
     * resource ARN, only "*". */
    if (o->tracing && strcmp(o->tracing, "Active") == 0) {
        CfnNode *st = cfn_obj(a, at);
        cfn_put_str(a, st, "Sid", "Tracing");
        cfn_put_str(a, st, "Effect", "Allow");
        cfn_put(a, st, "Action", cfn_strings(a, at, 2,
                                             "xray:PutTelemetryRecords",
                                             "xray:PutTraceSegments"));
        cfn_put_str(a, st, "Resource", "*");
        cfn_arr_push(a, stmts, st);
    }
    /* Lambda makes and removes the function's network interfaces in the
     * VPC with the role: AWS's managed policy says exactly that. */
    CfnNode *r = cfn_obj_get(e->resources, role);
    if (!o->subnets.len || !r)
        return;
    CfnNode *arns = cfn_put_arr(a, cfn_obj_get(r, "Properties"),
                                "ManagedPolicyArns");
    cfn_arr_push(a, arns, cfn_sub(a, at, "arn:${AWS::Partition}:iam::aws:"
                                  "policy/service-role/"
                                  "AWSLambdaVPCAccessExecutionRole"));
}

static CfnNode *expr_array(Ctx *ctx, Loc at, const PtrVec *v)
{
    CfnNode *arr = cfn_arr(ctx->arena, at);
    for (int i = 0; i < v->len; i++)
        cfn_arr_push(ctx->arena, arr, expr_cfn(ctx, at, v->items[i]));
    return arr;
}

void function_ops_props(Ctx *ctx, const FunctionOps *o, CfnNode *p, Loc at,
                        int part)
{
    Arena *a = ctx->arena;
    switch (part) {
    case OPS_BEFORE_HANDLER:
        if (o->storage)
            cfn_put_num(a, cfn_put_obj(a, p, "EphemeralStorage"), "Size",
                        o->storage);
        break;
    case OPS_AFTER_HANDLER:
        if (o->layers.len)
            cfn_put(a, p, "Layers", expr_array(ctx, at, &o->layers));
        break;
    case OPS_BEFORE_ROLE:
        if (o->concurrency >= 0)
            cfn_put_num(a, p, "ReservedConcurrentExecutions", o->concurrency);
        break;
    case OPS_AFTER_TIMEOUT:
        if (o->tracing)
            cfn_put_str(a, cfn_put_obj(a, p, "TracingConfig"), "Mode",
                        o->tracing);
        if (o->subnets.len) {
            CfnNode *vpc = cfn_put_obj(a, p, "VpcConfig");
            cfn_put(a, vpc, "SecurityGroupIds", expr_array(ctx, at, &o->groups));
            cfn_put(a, vpc, "SubnetIds", expr_array(ctx, at, &o->subnets));
        }
        break;
    }
}

const Kind kind_defaults = {
    .keyword = "defaults",
    .noun = "defaults",
    .single = true,
    .check = defaults_check,
    .link = defaults_link,
};
