/*
 * kinds/trigger_failure.c: what happens when a triggered function fails.
 *
 *   on TABLE.stream -> F { on-failure queue [ARN]|topic ARN; bisect; max-age D;
 *                          retries N; partial-batch; filter "JSON" }
 *   on queue ARN -> F    { partial-batch; filter "JSON" }
 *   on schedule|event|topic ... -> F { on-failure queue [ARN]|topic ARN;
 *                                      retries N; max-age D }
 *
 * In: a trigger's options.  Out: for a stream or a queue, the mapping's
 * DestinationConfig, BisectBatchOnFunctionError, FilterCriteria,
 * FunctionResponseTypes, MaximumRecordAgeInSeconds and
 * MaximumRetryAttempts; for the others, which Lambda invokes
 * asynchronously, T+"InvokeConfig" (AWS::Lambda::EventInvokeConfig: the
 * function's on-failure destination, retries and maximum event age).  The
 * function's role gets sqs:SendMessage or sns:Publish on exactly the
 * destination (Sid T+"OnFailure"), since Lambda sends with it; a queue
 * without an ARN is made for the trigger (kinds/failure_queue.c).
 * Holds: an option a form does not take is refused with what that source
 * does instead (E0259); Lambda keeps one invoke config per function, so
 * at most one trigger of a function sets it (E0280).
 */
#include <stdlib.h>
#include <string.h>

#include "cfn.h"
#include "hitc.h"
#include "kinds/trigger.h"

static Trigger *trigger_of(Decl *d)
{
    return d->data;
}

static bool is_async(const Trigger *t)
{
    return t->src->via != VIA_MAPPING;
}

/* The form as the user wrote it, for messages. */
static const char *form(const Trigger *t)
{
    return t->src->form;
}

/* Refuse an option on a queue, saying what a queue does instead. */
static bool refuse_on_queue(Ctx *ctx, Decl *d, Stmt *s, const char *instead)
{
    if (!trigger_of(d)->src->redrive)
        return false;
    diag(ctx, D_TRIGGER_OPTION, s->items[0]->loc, "'on queue' takes no "
         "'%s': %s", s->items[0]->text, instead);
    return true;
}

static bool refuse_on_async(Ctx *ctx, Decl *d, Stmt *s, const char *why)
{
    Trigger *t = trigger_of(d);
    if (!is_async(t))
        return false;
    diag(ctx, D_TRIGGER_OPTION, s->items[0]->loc, "'%s' takes no '%s': %s",
         form(t), s->items[0]->text, why);
    return true;
}

static void mark_async(Decl *d, Stmt *s)
{
    Trigger *t = trigger_of(d);
    if (is_async(t) && !t->async_loc.src)
        t->async_loc = s->items[0]->loc;
}

/* on-failure queue|topic ARN, or `on-failure queue` alone: a queue made
 * for this trigger (kinds/failure_queue.c) */
static void opt_on_failure(Ctx *ctx, Decl *d, Stmt *s)
{
    static const char *const dests[] = {"queue", "topic"};
    Trigger *t = trigger_of(d);
    if (refuse_on_queue(ctx, d, s, "the queue keeps the messages its "
                        "function fails on, until they reach the "
                        "maxReceiveCount of its redrive policy and move to "
                        "its dead-letter queue; give the queue a "
                        "RedrivePolicy where it is made"))
        return;
    if (!want_items(ctx, s, 2, 3, "on-failure queue [ARN]|topic ARN"))
        return;
    int k = want_choice(ctx, s, 1, "failure destination", dests, 2);
    if (k < 0)
        return;
    if (s->nitems == 2 && k == 1) {
        diag(ctx, D_TRIGGER_OPTION, s->items[1]->loc, "'on-failure topic' "
             "needs the topic's ARN: hitc makes a queue of its own for "
             "'on-failure queue' alone, but a topic is worth only its "
             "subscribers, so make it where they are (an include)");
        return;
    }
    if (s->nitems == 2) {
        t->made_queue = true;
        mark_async(d, s);
        return;
    }
    Item *it = s->items[2];
    if (it->kind != I_STRING && it->kind != I_WORD) {
        diag(ctx, D_TRIGGER_OPTION, it->loc, "expected the %s's ARN (a "
             "string or a reference such as 'cfn.Failed.Arn'), found %s",
             dests[k], item_describe(ctx->arena, it));
        return;
    }
    t->on_failure = expr_from_item(ctx, it);
    t->fail_topic = k == 1;
    use_expr(ctx, d, t->on_failure, "its failure destination");
    mark_async(d, s);
}

static void opt_bisect(Ctx *ctx, Decl *d, Stmt *s)
{
    if (refuse_on_queue(ctx, d, s, "a queue's batch is not split; with "
                        "'partial-batch' the function names the messages "
                        "that failed") ||
        refuse_on_async(ctx, d, s, "an asynchronous invocation is one "
                        "event, not a batch"))
        return;
    if (want_items(ctx, s, 1, 1, "bisect"))
        trigger_of(d)->bisect = true;
}

static void opt_partial_batch(Ctx *ctx, Decl *d, Stmt *s)
{
    if (refuse_on_async(ctx, d, s, "an asynchronous invocation is one "
                        "event, not a batch"))
        return;
    if (want_items(ctx, s, 1, 1, "partial-batch"))
        trigger_of(d)->partial_batch = true;
}

/* max-age DURATION: how old a record (stream) or event (asynchronous)
 * may grow before Lambda gives up on it. */
static void opt_max_age(Ctx *ctx, Decl *d, Stmt *s)
{
    static const char *const units[] = {"", "s", "m", "h"};
    static const long long factors[] = {1, 1, 60, 3600};
    Trigger *t = trigger_of(d);
    if (refuse_on_queue(ctx, d, s, "a message lives as long as the queue's "
                        "MessageRetentionPeriod"))
        return;
    long long v;
    if (!want_items(ctx, s, 2, 2, "max-age DURATION") ||
        !want_number(ctx, s, 1, "max-age DURATION", &v))
        return;
    int u = -1;
    for (int i = 0; i < 4; i++)
        if (strcmp(s->items[1]->unit, units[i]) == 0)
            u = i;
    /* Lambda's ranges: 60 s to 7 days for a stream's records, 60 s to
     * 6 hours for an asynchronous event. */
    long long hi = t->src->max_age_max;
    long long sec = u < 0 ? -1 : v * factors[u];
    if (sec < 60 || sec > hi) {
        diag(ctx, D_TRIGGER_OPTION, s->items[1]->loc, "'max-age' of '%s' is "
             "from 60s to %s, written with s, m or h (90s, 5m, 1h)",
             form(t), t->src->max_age_shown);
        return;
    }
    t->max_age = sec;
    mark_async(d, s);
}

static void opt_retries(Ctx *ctx, Decl *d, Stmt *s)
{
    Trigger *t = trigger_of(d);
    if (refuse_on_queue(ctx, d, s, "a message comes back until the "
                        "maxReceiveCount of the queue's redrive policy"))
        return;
    /* Lambda retries a failed asynchronous event at most twice. */
    long long hi = t->src->retries_max;
    if (trigger_option_number(ctx, d, s, "retries N", 0, hi, &t->retries))
        mark_async(d, s);
}

/* filter "JSON": records or messages that match none of the filters are
 * dropped before the function sees them. */
static void opt_filter(Ctx *ctx, Decl *d, Stmt *s)
{
    Trigger *t = trigger_of(d);
    if (refuse_on_async(ctx, d, s, is_async(t) && t->src->is_pattern
                        ? "the event pattern is the filter"
                        : "only a stream or a queue is filtered"))
        return;
    if (!want_items(ctx, s, 2, 2, "filter \"JSON\""))
        return;
    const char *text = string_literal(ctx, s->items[1], "a filter");
    if (!text)
        return;
    /* Lambda's quota: five filters per mapping. */
    if (t->filters.len == 5) {
        diag(ctx, D_TRIGGER_OPTION, s->items[0]->loc, "a mapping takes at "
             "most 5 filters; a record passes when it matches any one");
        return;
    }
    CfnNode *p = trigger_pattern(ctx, text, s->items[1]->loc, "filter");
    if (p)
        vec_push(ctx->arena, &t->filters, p);
}

const Field trigger_failure_fields[] = {
    {"on-failure", false, opt_on_failure},
    {"bisect", false, opt_bisect},
    {"max-age", false, opt_max_age},
    {"retries", false, opt_retries},
    {"partial-batch", false, opt_partial_batch},
    {"filter", true, opt_filter},
};
const int trigger_failure_nfields =
    sizeof trigger_failure_fields / sizeof *trigger_failure_fields;

/* ---- link ------------------------------------------------------------- */

/* Lambda keeps one invoke config per function: two triggers that set it
 * would make two, and the second fails to deploy. */
static void one_invoke_config(Ctx *ctx, Decl *d)
{
    Trigger *t = d->data;
    PtrVec *all = &ctx->prog.decls;
    for (int i = 0; i < d->index && i < all->len; i++) {
        Decl *o = all->items[i];
        Trigger *ot = o->kind == &kind_trigger ? o->data : NULL;
        if (!ot || ot->fn != t->fn || !ot->async_loc.src)
            continue;
        Diag *dg = diag(ctx, D_TWO_INVOKE_CONFIGS, t->async_loc, "%s sets "
                        "how function '%s' fails when invoked "
                        "asynchronously, and so does %s; Lambda keeps one "
                        "for the function (for every event, topic and "
                        "schedule that invokes it): set it on one trigger",
                        d->display, t->fn->name, o->display);
        note(ctx, dg, ot->async_loc, "set here");
        return;
    }
}

void trigger_failure_link(Ctx *ctx, Decl *d)
{
    Trigger *t = d->data;
    Expr *x = t->on_failure;
    if (t->fn && t->async_loc.src)
        one_invoke_config(ctx, d);
    if (t->made_queue && t->fn && is_async(t))
        contribute(ctx, t->fn, d);      /* its role sends to the queue */
    if (!x)
        return;
    if (x->type != VT_STRING && x->type != VT_NONE)
        diag(ctx, D_TRIGGER_OPTION, x->loc, "the failure destination must be "
             "a string (an ARN), not %s", value_type_name(x->type));
    else
        want_arn(ctx, x, t->fail_topic ? "sns" : "sqs", D_TRIGGER_OPTION,
                 t->fail_topic ? "'on-failure topic' takes an SNS topic's ARN"
                               : "'on-failure queue' takes an SQS queue's ARN");
    refuse_secret(ctx, x, "the failure destination would write",
                        "in plain text into the template, which anyone who "
                        "may describe the stack sees; an ARN is not a "
                        "secret");
    if (!t->fn)
        return;
    /* The function's role names the destination. */
    if (is_async(t))
        contribute(ctx, t->fn, d);
    trigger_edge_to_refs(ctx, t->fn, x, arena_printf(
        ctx->arena, "grants its role the failure destination of %s",
        d->display));
}

/* ---- emit ------------------------------------------------------------- */

static bool has_destination(const Trigger *t)
{
    return t->on_failure || t->made_queue;
}

/* The destination's ARN: the one written, or the made queue's. */
static CfnNode *destination_arn(Ctx *ctx, Decl *d)
{
    Trigger *t = d->data;
    return t->made_queue ? failure_queue_arn(ctx, d)
                         : expr_cfn(ctx, d->loc, t->on_failure);
}

static CfnNode *destination(Ctx *ctx, Decl *d)
{
    CfnNode *dc = cfn_obj(ctx->arena, d->loc);
    cfn_put(ctx->arena, cfn_put_obj(ctx->arena, dc, "OnFailure"),
            "Destination", destination_arn(ctx, d));
    return dc;
}

void trigger_failure_mapping(Ctx *ctx, Decl *d, CfnNode *p, int part)
{
    Trigger *t = d->data;
    Arena *a = ctx->arena;
    switch (part) {
    case FAIL_BEFORE_EVENT_SOURCE:
        if (t->bisect)
            cfn_put_bool(a, p, "BisectBatchOnFunctionError", true);
        if (has_destination(t))
            cfn_put(a, p, "DestinationConfig", destination(ctx, d));
        break;
    case FAIL_BEFORE_FUNCTION:
        if (t->filters.len) {
            CfnNode *list = cfn_put_arr(a, cfn_put_obj(a, p, "FilterCriteria"),
                                        "Filters");
            for (int i = 0; i < t->filters.len; i++) {
                char *json = cfn_json_compact(t->filters.items[i]);
                CfnNode *f = cfn_obj(a, d->loc);
                cfn_put_str(a, f, "Pattern", json);
                free(json);
                cfn_arr_push(a, list, f);
            }
        }
        break;
    case FAIL_AFTER_FUNCTION:
        if (t->partial_batch)
            cfn_put(a, p, "FunctionResponseTypes", cfn_strings(
                a, d->loc, 1, "ReportBatchItemFailures"));
        if (t->max_age >= 0)
            cfn_put_num(a, p, "MaximumRecordAgeInSeconds", t->max_age);
        if (t->retries >= 0)
            cfn_put_num(a, p, "MaximumRetryAttempts", t->retries);
        break;
    }
}

void trigger_failure_ids(Ctx *ctx, Decl *d)
{
    Trigger *t = d->data;
    if (is_async(t) && t->async_loc.src)
        id_claim(ctx, d, logical_id(ctx, d, "InvokeConfig"));
    if (t->made_queue)
        id_claim(ctx, d, failure_queue_id(ctx, d));
}

/* An asynchronous trigger's settings: the function's invoke config.  It
 * waits for the role, which Lambda checks may send to the destination. */
void trigger_failure_emit(Ctx *ctx, Decl *d, Emit *e)
{
    Trigger *t = d->data;
    if (t->made_queue)
        failure_queue_emit(ctx, d, e);
    if (!is_async(t) || !t->async_loc.src)
        return;
    Arena *a = ctx->arena;
    CfnNode *c = emit_resource(ctx, e, d, logical_id(ctx, d, "InvokeConfig"),
                               "AWS::Lambda::EventInvokeConfig");
    cfn_put(a, c, "DependsOn", cfn_strings(a, d->loc, 1,
                                           logical_id(ctx, t->fn, "Role")));
    CfnNode *p = cfn_put_obj(a, c, "Properties");
    if (has_destination(t))
        cfn_put(a, p, "DestinationConfig", destination(ctx, d));
    cfn_put(a, p, "FunctionName", cfn_ref(a, d->loc, t->fn->logical));
    if (t->max_age >= 0)
        cfn_put_num(a, p, "MaximumEventAgeInSeconds", t->max_age);
    if (t->retries >= 0)
        cfn_put_num(a, p, "MaximumRetryAttempts", t->retries);
    cfn_put_str(a, p, "Qualifier", "$LATEST");
}

/* What Lambda sends a failed record or event with: the function's role,
 * on exactly the destination. */
CfnNode *trigger_failure_grant(Ctx *ctx, Decl *d)
{
    Trigger *t = d->data;
    if (!t || !has_destination(t) || !t->fn)
        return NULL;
    Arena *a = ctx->arena;
    CfnNode *st = cfn_obj(a, d->loc);
    cfn_put_str(a, st, "Sid", arena_printf(a, "%sOnFailure", d->logical));
    cfn_put_str(a, st, "Effect", "Allow");
    cfn_put_str(a, st, "Action", t->fail_topic ? "sns:Publish"
                                               : "sqs:SendMessage");
    cfn_put(a, st, "Resource", destination_arn(ctx, d));
    return st;
}
