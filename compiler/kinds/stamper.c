/*
 * kinds/stamper.c: the stamper, hitc's one custom-resource Lambda, and the
 * stamps it makes.
 *
 * Not declared in .hit files: two built-in declarations of the graph.  A
 * function whose code is stamped (env-mode stamp or both, with env) gets
 * a stamp (stamp_new, "stamp of function 'x'"), its Custom::HitcStamp
 * resource L + "Code"; the edges are function -> its stamp -> every value
 * the env reads (resolve.c adds those: the stamp owns the env's uses) and
 * stamp -> the stamper.  So a cycle through a stamp is reported step by
 * step, and `hitc graph` draws them.  The stamper is made with the first
 * stamp; its Python source (runtime-support/stamper/index.py) is written
 * out as a bundle of its own: index.py and the plugin kit's hitc_plugin.py,
 * whose protocol layer (run_request) it answers with.  That bundle is the
 * same for every app, so it is zipped once, at make time
 * (tools/stamper_zip.c), and hitc carries the zip (stamper_zip.h).
 *
 * The stamper becomes HitcStamperLogGroup, HitcStamperRole (s3:GetObject
 * on the source bundles the stamps name and under CodePrefix + "stamped/"
 * + the stack's name, s3:ListBucket with exactly those bundles' keys as
 * prefix so a missing bundle reads as missing, s3:PutObject and
 * s3:DeleteObject only under CodePrefix + "stamped/" + the stack's name,
 * where the stamper puts this stack's copies) and HitcStamperFunction
 * (python3.12, 120 s; every stamp sets ServiceTimeout 300 so
 * CloudFormation never waits longer on it).  It is emitted last (finish),
 * after every stamp, because its role names each stamp's source bundle.
 */
#include <stdlib.h>
#include <string.h>

#include "bundle.h"
#include "cfn.h"
#include "hitc.h"
#include "kinds/function_ops.h"
#include "stamper_zip.h"

/* A stamp's own: the env it writes and the source bundle it copies. */
typedef struct StampVar {
    const char *key;
    Expr *value;
} StampVar;

typedef struct Stamp {
    PtrVec env;             /* StampVar*, in the order written */
    const char *source;     /* "${CodePrefix}SHA.zip", once bundled */
} Stamp;

/* The bundle phase: the stamper's bundle, linked into hitc. */
static void stamper_bundle(Ctx *ctx, Decl *d, Emit *e)
{
    BundleRef *b = arena_alloc(ctx->arena, sizeof *b);
    b->source = "(stamper)";
    b->path = "(stamper)";
    /* zipped once, at make time (tools/stamper_zip.c): not owned */
    memcpy(b->sha256, hitc_stamper_zip_sha256, sizeof b->sha256);
    b->data = hitc_stamper_zip;
    b->len = hitc_stamper_zip_len;
    vec_push(ctx->arena, &e->bundles, b);
    d->data = b;
}

static CfnNode *s3_statement(Ctx *ctx, Loc at, const char *sid,
                             CfnNode *actions, CfnNode *resource)
{
    CfnNode *st = cfn_obj(ctx->arena, at);
    cfn_put_str(ctx->arena, st, "Sid", sid);
    cfn_put_str(ctx->arena, st, "Effect", "Allow");
    cfn_put(ctx->arena, st, "Action", actions);
    cfn_put(ctx->arena, st, "Resource", resource);
    return st;
}

/* Past this many distinct source bundles the role names them by pattern
 * instead (CodePrefix, 64 single-character wildcards, ".zip": every bundle
 * hitc uploads, and no stamped copy, whose keys are longer), so the role's
 * inline policy stays far under IAM's 10,240 characters. */
#define STAMPER_MAX_LISTED 32
#define SHA256_QMARKS \
    "????????????????????????????????????????????????????????????????"

static int key_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The source key (a Fn::Sub string) of every stamp (each contributes to
 * the stamper, stamp_new), sorted, each once. */
static int stamp_source_keys(Ctx *ctx, Decl *stamper, const char ***out)
{
    const PtrVec *stamps = &stamper->contributors;
    int n = 0;
    const char **keys = arena_alloc(ctx->arena,
                                    (size_t)(stamps->len + 1) * sizeof *keys);
    for (int i = 0; i < stamps->len; i++) {
        const Stamp *st = ((Decl *)stamps->items[i])->data;
        if (st->source)
            keys[n++] = st->source;
    }
    qsort(keys, (size_t)n, sizeof *keys, key_cmp);
    int m = 0;
    for (int i = 0; i < n; i++)
        if (m == 0 || strcmp(keys[m - 1], keys[i]) != 0)
            keys[m++] = keys[i];
    *out = keys;
    return m;
}

/* hitc's stamper, made with the first stamp. */
static Decl *stamper_decl(Ctx *ctx)
{
    Program *p = &ctx->prog;
    if (!p->stamper) {
        Decl *d = decl_new(ctx, &kind_stamper, NULL, (Loc){0});
        d->display = "hitc's stamper";
        d->logical = hitc_ids[HID_STAMPER];
        d->builtin = true;
        d->used = true;
        d->sorts_first = true;
        p->stamper = d;
    }
    return p->stamper;
}

Decl *stamp_new(Ctx *ctx, Decl *fn, Loc at)
{
    Decl *s = decl_new(ctx, &kind_stamp, NULL, fn->loc);
    s->name_loc = fn->name_loc;
    s->display = arena_printf(ctx->arena, "stamp of %s", fn->display);
    s->logical = logical_id(ctx, fn, "Code");
    s->builtin = true;
    s->used = true;
    s->part_of = fn;
    s->data = arena_alloc(ctx->arena, sizeof(Stamp));
    add_edge(ctx, fn, s, at, "runs the code its stamp writes");
    add_edge(ctx, s, stamper_decl(ctx), at, "is made by hitc's stamper");
    contribute(ctx, stamper_decl(ctx), s);
    return s;
}

void stamp_env(Ctx *ctx, Decl *stamp, const char *key, Expr *value)
{
    Stamp *st = stamp->data;
    StampVar *v = arena_alloc(ctx->arena, sizeof *v);
    v->key = key;
    v->value = value;
    vec_push(ctx->arena, &st->env, v);
}

void stamp_source(Decl *stamp, const char *key)
{
    ((Stamp *)stamp->data)->source = key;
}

/* The stamp's Custom::HitcStamp: the stamper copies the source bundle
 * with the .env written into it.  Emitted by its function (part_of),
 * between the function's role and itself. */
static void stamp_emit(Ctx *ctx, Decl *d, Emit *e)
{
    Stamp *st = d->data;
    Arena *a = ctx->arena;
    Loc at = d->loc;
    CfnNode *s = emit_resource(ctx, e, d, d->logical, "Custom::HitcStamp");
    CfnNode *p = cfn_put_obj(a, s, "Properties");
    cfn_put(a, p, "ServiceToken", cfn_getatt(
        a, at, logical_id(ctx, ctx->prog.stamper, "Function"), "Arn"));
    cfn_put_num(a, p, "ServiceTimeout", 300);
    cfn_put(a, p, "SourceBucket", cfn_ref(a, at, hitc_ids[HID_CODE_BUCKET]));
    cfn_put(a, p, "SourceKey", cfn_sub(a, at, st->source ? st->source : ""));
    cfn_put(a, p, "TargetPrefix", cfn_sub(a, at, "${CodePrefix}stamped/"));
    CfnNode *env = cfn_put_obj(a, p, "Env");
    for (int i = 0; i < st->env.len; i++) {
        StampVar *v = st->env.items[i];
        cfn_put(a, env, v->key, expr_cfn(ctx, at, v->value));
    }
}

static void stamp_ids(Ctx *ctx, Decl *d)
{
    id_claim(ctx, d, d->logical);
}

static void stamper_ids(Ctx *ctx, Decl *d)
{
    id_claim(ctx, d, logical_id(ctx, d, "LogGroup"));
    id_claim(ctx, d, logical_id(ctx, d, "Role"));
    id_claim(ctx, d, logical_id(ctx, d, "Function"));
}

/* In dependency order, first (its role names each stamp's source
 * bundle, known since the bundle phase), but written after every
 * declaration's resources (emit_after_begin), where it has always stood. */
static void stamper_emit(Ctx *ctx, Decl *owner, Emit *e)
{
    emit_after_begin(ctx, e, owner);
    Loc at = owner->loc;
    BundleRef *b = owner->data;

    const char *log_group = logical_id(ctx, owner, "LogGroup");
    const char *role = logical_id(ctx, owner, "Role");
    lambda_log_group(ctx, e, owner, log_group, "hitc-stamper");
    FunctionOps app = function_ops_start(ctx);
    function_ops_log_group(ctx, e, &app, log_group);
    CfnNode *stmts = lambda_role(ctx, e, owner, role, log_group);
    /* Read: the source bundles this template names, and this stack's own
     * copies; never CodePrefix*, which holds every other stack's copies
     * (and so their .env).  List: only with a source bundle's key as the
     * prefix, the one listing the stamper makes. */
    const char **keys;
    int nkeys = stamp_source_keys(ctx, owner, &keys);
    CfnNode *read = cfn_arr(ctx->arena, at);
    CfnNode *prefixes = cfn_arr(ctx->arena, at);
    bool each = nkeys <= STAMPER_MAX_LISTED;
    for (int i = 0; i < (each ? nkeys : 1); i++) {
        const char *k = each ? keys[i] : "${CodePrefix}" SHA256_QMARKS ".zip";
        cfn_arr_push(ctx->arena, read, cfn_sub(ctx->arena, at, arena_printf(
            ctx->arena, "arn:${AWS::Partition}:s3:::${CodeBucket}/%s", k)));
        cfn_arr_push(ctx->arena, prefixes, cfn_sub(ctx->arena, at, k));
    }
    cfn_arr_push(ctx->arena, read, cfn_sub(ctx->arena, at, "arn:${AWS::Partition}:s3:::${CodeBucket}/"
                                       "${CodePrefix}stamped/${AWS::StackName}/*"));
    cfn_arr_push(ctx->arena, stmts, s3_statement(ctx, at, "ReadBundles",
                                             cfn_strings(ctx->arena, at, 1, "s3:GetObject"), read));
    CfnNode *list = s3_statement(ctx, at, "ListBundles", cfn_strings(ctx->arena, at, 1, "s3:ListBucket"),
                               cfn_sub(ctx->arena, at, "arn:${AWS::Partition}:s3:::${CodeBucket}"));
    CfnNode *cond = cfn_put_obj(ctx->arena, list, "Condition");
    cfn_put(ctx->arena, cfn_put_obj(ctx->arena, cond, each ? "StringEquals"
                                                             : "StringLike"),
                          "s3:prefix", prefixes);
    cfn_arr_push(ctx->arena, stmts, list);
    cfn_arr_push(ctx->arena, stmts, s3_statement(
        ctx, at, "WriteStamped", cfn_strings(ctx->arena, at, 2, "s3:DeleteObject", "s3:PutObject"),
        cfn_sub(ctx->arena, at, "arn:${AWS::Partition}:s3:::${CodeBucket}/${CodePrefix}stamped/"
               "${AWS::StackName}/*")));

    CfnNode *fn = emit_resource(ctx, e, owner, logical_id(ctx, owner, "Function"),
                                "AWS::Lambda::Function");
    CfnNode *p = cfn_put_obj(ctx->arena, fn, "Properties");
    CfnNode *code = cfn_put_obj(ctx->arena, p, "Code");
    cfn_put(ctx->arena, code, "S3Bucket", cfn_ref(ctx->arena, at, hitc_ids[HID_CODE_BUCKET]));
    cfn_put(ctx->arena, code, "S3Key", cfn_sub(ctx->arena, at, arena_printf(
        ctx->arena, "${CodePrefix}%s.zip", b->sha256)));
    cfn_put_str(ctx->arena, p, "Description",
                            "hitc stamper: writes each stage's .env into a "
                            "copy of the code at deploy time");
    cfn_put_str(ctx->arena, p, "Handler", "index.handler");
    cfn_put(ctx->arena, cfn_put_obj(ctx->arena, p, "LoggingConfig"),
                          "LogGroup", cfn_ref(ctx->arena, at, log_group));
    cfn_put_num(ctx->arena, p, "MemorySize", 1024);
    cfn_put(ctx->arena, p, "Role", cfn_getatt(ctx->arena, at, role, "Arn"));
    cfn_put_str(ctx->arena, p, "Runtime", "python3.12");
    cfn_put(ctx->arena, p, "Tags", hitc_tags(ctx, at));
    cfn_put_num(ctx->arena, p, "Timeout", 120);
    emit_after_end(e);
}

/* For split.c: a stamp goes with its function. */
static Decl *stamp_unit(const Decl *d)
{
    return d->part_of;
}

const Kind kind_stamp = {
    .noun = "stamp",
    .ids = stamp_ids,
    .emit = stamp_emit,
    .unit = stamp_unit,
};

const Kind kind_stamper = {
    .noun = "stamper",
    .ids = stamper_ids,
    .bundle = stamper_bundle,
    .emit = stamper_emit,
};
