/*
 * kinds/common.c: what more than one kind makes the same way.
 *
 * In: a declaration being emitted.  Out: the hitc:app/hitc:stage tags
 * every taggable resource carries (tables, functions, roles, the API
 * stage), and a Lambda function's log group and role (trust, logs to its
 * own group; the caller adds statements), which both user functions
 * (kinds/function.c) and hitc's stamper (kinds/stamper.c) need; the
 * permission a service needs to invoke a function (routes, authorizers,
 * triggers).  Holds:
 * every node is located at the owner's Loc.
 */
#include "cfn.h"
#include "hitc.h"

/* Tags that say which app and stage a resource belongs to. */
CfnNode *hitc_tags(Ctx *ctx, Loc at)
{
    CfnNode *tags = cfn_arr(ctx->arena, at);
    if (ctx->prog.app) {
        CfnNode *a = cfn_obj(ctx->arena, at);
        cfn_put_str(ctx->arena, a, "Key", "hitc:app");
        cfn_put_str(ctx->arena, a, "Value", ctx->prog.app->name);
        cfn_arr_push(ctx->arena, tags, a);
    }
    CfnNode *s = cfn_obj(ctx->arena, at);
    cfn_put_str(ctx->arena, s, "Key", "hitc:stage");
    cfn_put(ctx->arena, s, "Value", cfn_ref(ctx->arena, at, hitc_ids[HID_STAGE]));
    cfn_arr_push(ctx->arena, tags, s);
    return tags;
}

/* The role of a Lambda function: trust, logs to its own group, and extra
 * statements.  Used by function.c and the stamper. */
CfnNode *lambda_role(Ctx *ctx, Emit *e, Decl *owner, const char *logical,
                     const char *log_group)
{
    Arena *a = ctx->arena;
    Loc at = owner->loc;
    CfnNode *role = emit_resource(ctx, e, owner, logical, "AWS::IAM::Role");
    CfnNode *p = cfn_put_obj(a, role, "Properties");
    CfnNode *trust = cfn_put_obj(a, p, "AssumeRolePolicyDocument");
    cfn_put_str(a, trust, "Version", "2012-10-17");
    CfnNode *ts = cfn_obj(a, at);
    cfn_put_str(a, ts, "Effect", "Allow");
    cfn_put_str(a, cfn_put_obj(a, ts, "Principal"), "Service",
                "lambda.amazonaws.com");
    cfn_put_str(a, ts, "Action", "sts:AssumeRole");
    cfn_arr_push(a, cfn_put_arr(a, trust, "Statement"), ts);
    CfnNode *pol = cfn_obj(a, at);
    cfn_put_str(a, pol, "PolicyName", "hitc");
    CfnNode *doc = cfn_put_obj(a, pol, "PolicyDocument");
    cfn_put_str(a, doc, "Version", "2012-10-17");
    CfnNode *stmts = cfn_put_arr(a, doc, "Statement");
    CfnNode *logs = cfn_obj(a, at);
    cfn_put_str(a, logs, "Sid", "Logs");
    cfn_put_str(a, logs, "Effect", "Allow");
    cfn_put(a, logs, "Action", cfn_strings(a, at, 2, "logs:CreateLogStream",
                                           "logs:PutLogEvents"));
    cfn_put(a, logs, "Resource", cfn_getatt(a, at, log_group, "Arn"));
    cfn_arr_push(a, stmts, logs);
    cfn_arr_push(a, cfn_put_arr(a, p, "Policies"), pol);
    cfn_put(a, p, "Tags", hitc_tags(ctx, at));
    return stmts;
}

void lambda_log_group(Ctx *ctx, Emit *e, Decl *owner, const char *logical,
                      const char *name)
{
    Arena *a = ctx->arena;
    CfnNode *lg = emit_resource(ctx, e, owner, logical, "AWS::Logs::LogGroup");
    CfnNode *p = cfn_put_obj(a, lg, "Properties");
    cfn_put(a, p, "LogGroupName", cfn_sub(a, owner->loc, arena_printf(
        a, "/aws/lambda/${AWS::StackName}-%s", name)));
}

/* A Lambda::Permission letting principal invoke the function fn_logical
 * (its Arn), from source_arn only. */
void lambda_permission(Ctx *ctx, Emit *e, Decl *owner, const char *logical,
                       const char *fn_logical, const char *principal,
                       CfnNode *source_arn)
{
    Arena *a = ctx->arena;
    CfnNode *perm = emit_resource(ctx, e, owner, logical, "AWS::Lambda::Permission");
    CfnNode *p = cfn_put_obj(a, perm, "Properties");
    cfn_put_str(a, p, "Action", "lambda:InvokeFunction");
    cfn_put(a, p, "FunctionName", cfn_getatt(a, owner->loc, fn_logical, "Arn"));
    cfn_put_str(a, p, "Principal", principal);
    cfn_put(a, p, "SourceArn", source_arn);
}
