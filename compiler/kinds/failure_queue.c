/*
 * kinds/failure_queue.c: the queue hitc makes for a trigger that says
 * `on-failure queue` without naming one.
 *
 * In: a trigger whose failures go to a queue of its own (Trigger.made_queue).
 * Out: T+"FailureQueue", an AWS::SQS::Queue that keeps its messages 14 days
 * (the longest SQS keeps any), tagged like every resource of the app; its
 * ARN is the destination of the mapping or invoke config and the one
 * resource the role's T+"OnFailure" statement names.
 * Holds: one queue per trigger, made in the trigger's stack and deleted
 * with it: read failures from it while the stage lives.
 */
#include "cfn.h"
#include "hitc.h"
#include "kinds/trigger.h"

/* 14 days, in seconds: SQS's longest MessageRetentionPeriod. */
#define KEEP_SECONDS 1209600

const char *failure_queue_id(Ctx *ctx, Decl *d)
{
    return logical_id(ctx, d, "FailureQueue");
}

CfnNode *failure_queue_arn(Ctx *ctx, Decl *d)
{
    return cfn_getatt(ctx->arena, d->loc, failure_queue_id(ctx, d), "Arn");
}

void failure_queue_emit(Ctx *ctx, Decl *d, Emit *e)
{
    Arena *a = ctx->arena;
    CfnNode *q = emit_resource(ctx, e, d, failure_queue_id(ctx, d), "AWS::SQS::Queue");
    CfnNode *p = cfn_put_obj(a, q, "Properties");
    cfn_put_num(a, p, "MessageRetentionPeriod", KEEP_SECONDS);
    cfn_put(a, p, "Tags", hitc_tags(ctx, d->loc));
}
