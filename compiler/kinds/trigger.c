/*
 * kinds/trigger.c: `on SOURCE -> FUNCTION [{ OPTIONS }]`, what invokes a
 * function besides a route.
 *
 *   on schedule "rate(5 minutes)" -> F     or "cron(0 12 * * ? *)"
 *   on event "{\"source\": [\"aws.ec2\"]}" -> F
 *   on TABLE.stream -> F [{ batch N; start latest|trim-horizon; retries N }]
 *   on queue EXPR -> F [{ batch N }]
 *   on topic EXPR -> F
 *
 * Becomes, with T = PascalCase(F) + "On" + what (TABLE "Stream" for a
 * stream; "Schedule", "Event", "Queue" or "Topic" and the first 8 hex
 * digits of the SHA-256 of the expression or text as written, so an ID
 * depends on the trigger alone):
 *   schedule, event  T+"Rule" AWS::Events::Rule on the default bus, the
 *                    function its one target; T+"Permission" lets
 *                    events.amazonaws.com invoke it for that rule only;
 *   stream, queue    T+"Mapping" AWS::Lambda::EventSourceMapping, DependsOn
 *                    the function's role, which gets one statement (Sid T)
 *                    with exactly the actions the mapping needs on that
 *                    stream or queue (contribute, Kind.grant);
 *   topic            T+"Subscription" AWS::SNS::Subscription (lambda), and
 *                    T+"Permission" for sns.amazonaws.com from that topic.
 * What happens when the function fails (on-failure, bisect, max-age,
 * partial-batch, filter; retries of an asynchronous trigger): the same
 * mapping's properties, or T+"InvokeConfig": kinds/trigger_failure.c.
 * Each source is one row of trigger_sources[] (kinds/trigger.h's
 * TriggerSource): its word, how it invokes (a rule, a subscription or a
 * mapping), the function that reads its value, its limits and options.
 * Edges: the trigger -> its function and what it reads; the function ->
 * the table or queue its role names.  Checks: a stream of a table that
 * has none, option values; schedule expressions and patterns are
 * kinds/trigger_values.c's.
 */
#include <stdlib.h>
#include <string.h>

#include "bundle.h"
#include "cfn.h"
#include "hitc.h"
#include "kinds/trigger.h"


/* ---- options --------------------------------------------------------- */

static Trigger *trigger_of(Decl *d)
{
    return d->data;
}

bool trigger_option_number(Ctx *ctx, Decl *d, Stmt *s, const char *usage,
                           long long lo, long long hi, long long *out)
{
    long long v;
    if (!want_items(ctx, s, 2, 2, usage) || !want_number(ctx, s, 1, usage, &v))
        return false;
    if (s->items[1]->unit[0] || v < lo || v > hi) {
        diag(ctx, D_TRIGGER_OPTION, s->items[1]->loc, "'%s' of an 'on %s' "
             "trigger must be a whole number from %lld to %lld",
             s->items[0]->text, trigger_of(d)->src->form + 3, lo, hi);
        return false;
    }
    *out = v;
    return true;
}

static void opt_batch(Ctx *ctx, Decl *d, Stmt *s)
{
    Trigger *t = trigger_of(d);
    /* Lambda's limits: 10,000 records from a stream; 10 messages from a
     * queue without a batching window. */
    trigger_option_number(ctx, d, s, "batch N", 1, t->src->batch_max,
                          &t->batch);
}

static void opt_start(Ctx *ctx, Decl *d, Stmt *s)
{
    static const char *const starts[] = {"latest", "trim-horizon"};
    if (!want_items(ctx, s, 2, 2, "start latest|trim-horizon"))
        return;
    if (s->items[1]->kind != I_WORD) {
        want_word(ctx, s, 1, "'latest' or 'trim-horizon'");
        return;
    }
    for (int i = 0; i < 2; i++)
        if (strcmp(s->items[1]->text, starts[i]) == 0) {
            trigger_of(d)->trim_horizon = i == 1;
            return;
        }
    diag(ctx, D_TRIGGER_OPTION, s->items[1]->loc, "unknown start '%s'%s; a "
         "stream is read from 'latest' or 'trim-horizon'", s->items[1]->text,
         did_you_mean(ctx, s->items[1]->text, starts, 2, NULL));
}

static const Field stream_options[] = {
    {"batch", false, opt_batch},
    {"start", false, opt_start},
};
static const Field queue_options[] = {
    {"batch", false, opt_batch},
};

/* A form's own options, then those of failures (trigger_failure.c), which
 * each form takes or refuses with the reason. */
static void check_options(Ctx *ctx, Decl *d, const Field *own, int nown)
{
    int n = nown + trigger_failure_nfields;
    Field *all = arena_alloc(ctx->arena, sizeof *all * (size_t)n);
    for (int i = 0; i < nown; i++)
        all[i] = own[i];
    for (int i = 0; i < trigger_failure_nfields; i++)
        all[nown + i] = trigger_failure_fields[i];
    check_fields(ctx, d, d->stmt, all, n);
}

/* ---- check ----------------------------------------------------------- */

/* The source text of an item, as written: what a trigger's ID hashes. */
static const char *written(Ctx *ctx, const Item *it)
{
    return arena_strndup(ctx->arena, it->loc.src->text + it->loc.off,
                         it->loc.len);
}

static const char *short_hash(Ctx *ctx, const char *s)
{
    char hash[65];
    sha256_hex(s, strlen(s), hash);
    hash[8] = '\0';
    return arena_strdup(ctx->arena, hash);
}

/* ---- the sources ------------------------------------------------------ */

/* `on schedule "EXPR"` and `on event "PATTERN"`: the ID hashes the text. */
static bool read_rule(Ctx *ctx, Decl *d, Trigger *t, const Item *val,
                      const char *base, bool schedule)
{
    const char *text = string_literal(ctx, val, schedule
                                      ? "a schedule expression"
                                      : "an event pattern");
    if (!text)
        return false;
    if (schedule) {
        if (trigger_schedule_ok(ctx, text, val->loc))
            t->text = text;
    } else
        t->pattern = trigger_pattern(ctx, text, val->loc, "event pattern");
    d->logical = arena_printf(ctx->arena, "%sOn%s%s", base,
                              schedule ? "Schedule" : "Event",
                              short_hash(ctx, text));
    return true;
}

static bool read_schedule(Ctx *ctx, Decl *d, Trigger *t, const Item *src,
                          const Item *val, const char *base)
{
    (void)src;
    return read_rule(ctx, d, t, val, base, true);
}

static bool read_event(Ctx *ctx, Decl *d, Trigger *t, const Item *src,
                       const Item *val, const char *base)
{
    (void)src;
    return read_rule(ctx, d, t, val, base, false);
}

/* `on TABLE.stream`: the table, which the trigger reads. */
static bool read_stream(Ctx *ctx, Decl *d, Trigger *t, const Item *src,
                        const Item *val, const char *base)
{
    (void)val;
    Item name = *src;
    size_t n = (size_t)(strchr(src->text, '.') - src->text);
    name.text = arena_strndup(ctx->arena, src->text, n);
    name.loc.len = (uint32_t)n;
    t->table_loc = src->loc;
    t->table = resolve_name_of_kind(ctx, &name, &kind_table);
    if (t->table)
        add_edge(ctx, d, t->table, src->loc, arena_printf(
            ctx->arena, "reads '%s'", src->text));
    d->logical = arena_printf(ctx->arena, "%sOn%sStream", base,
                              pascal_case(ctx->arena, name.text));
    return true;
}

/* `on queue ARN`, `on topic ARN`: the ID hashes the ARN as written. */
static bool read_arn(Ctx *ctx, Decl *d, Trigger *t, const Item *src,
                     const Item *val, const char *base)
{
    (void)src;
    t->arn = expr_from_item(ctx, val);
    use_expr(ctx, d, t->arn, arena_printf(ctx->arena, "its %s",
                                          t->src->arn_noun));
    d->logical = arena_printf(ctx->arena, "%sOn%s%s", base,
                              pascal_case(ctx->arena, t->src->word),
                              short_hash(ctx, written(ctx, val)));
    return true;
}

/* Lambda's limits: a batch of 10,000 records from a stream, 10 messages
 * from a queue without a batching window; records live up to 7 days in a
 * stream and are retried up to 10,000 times; an asynchronous event lives
 * 6 hours and is retried twice. */
static const TriggerSource trigger_sources[] = {
    {.word = "schedule", .form = "on schedule",
     .usage = "on schedule \"rate(...)|cron(...)\" -> FUNCTION",
     .takes_value = true, .via = VIA_RULE, .read = read_schedule,
     .max_age_max = 21600, .max_age_shown = "6h", .retries_max = 2},
    {.word = "event", .form = "on event",
     .usage = "on event \"PATTERN\" -> FUNCTION",
     .takes_value = true, .via = VIA_RULE, .read = read_event,
     .max_age_max = 21600, .max_age_shown = "6h", .retries_max = 2,
     .is_pattern = true},
    {.word = "stream", .form = "on TABLE.stream",
     .usage = "on TABLE.stream -> FUNCTION",
     .via = VIA_MAPPING, .read = read_stream, .grant_noun = "stream",
     .batch_max = 10000, .batch_default = 100,
     .max_age_max = 604800, .max_age_shown = "168h (7 days)",
     .retries_max = 10000,
     .options = stream_options, .noptions = 2},
    {.word = "queue", .form = "on queue", .usage = "on queue ARN -> FUNCTION",
     .takes_value = true, .via = VIA_MAPPING, .read = read_arn,
     .grant_noun = "queue", .batch_max = 10, .batch_default = 10,
     .arn_noun = "queue", .arn_service = "sqs",
     .arn_wanted = "'on queue' takes an SQS queue's ARN", .redrive = true,
     .max_age_max = 21600, .max_age_shown = "6h", .retries_max = 2,
     .options = queue_options, .noptions = 1},
    {.word = "topic", .form = "on topic", .usage = "on topic ARN -> FUNCTION",
     .takes_value = true, .via = VIA_SUBSCRIPTION, .read = read_arn,
     .arn_noun = "topic", .arn_service = "sns",
     .arn_wanted = "'on topic' takes an SNS topic's ARN",
     .max_age_max = 21600, .max_age_shown = "6h", .retries_max = 2},
};

#define NSOURCES (int)(sizeof trigger_sources / sizeof *trigger_sources)

/* The row of the source item src names, or NULL. */
static const TriggerSource *source_of(const Item *src)
{
    if (src->kind != I_WORD)
        return NULL;
    const char *dot = strchr(src->text, '.');
    for (int i = 0; i < NSOURCES; i++) {
        const TriggerSource *r = &trigger_sources[i];
        bool after_table = !r->takes_value && r->via == VIA_MAPPING;
        if (after_table ? dot && strcmp(dot + 1, r->word) == 0
                        : !dot && strcmp(src->text, r->word) == 0)
            return r;
    }
    return NULL;
}

/* "'on schedule', 'on event', 'on TABLE.stream', 'on queue' or 'on
 * topic'", and the words for "did you mean". */
static const char *source_list(Ctx *ctx, const char *quote, bool on)
{
    Buf b = {0};
    for (int i = 0; i < NSOURCES; i++)
        buf_printf(&b, "%s%s%s%s", i == 0 ? "" : i + 1 < NSOURCES ? ", "
                   : " or ", quote, trigger_sources[i].form + (on ? 0 : 3),
                   quote);
    const char *list = arena_strdup(ctx->arena, b.data);
    buf_free(&b);
    return list;
}

/* ---- check ----------------------------------------------------------- */

static void trigger_check(Ctx *ctx, Decl *d)
{
    Stmt *s = d->stmt;
    Trigger *t = arena_alloc(ctx->arena, sizeof *t);
    t->batch = t->retries = t->max_age = -1;
    if (s->nitems < 2) {
        diag(ctx, D_EXPECTED, s->items[0]->loc, "expected what triggers the "
             "function: %s", source_list(ctx, "'", true));
        return;
    }
    Item *src = s->items[1];
    const TriggerSource *row = source_of(src);
    if (!row) {
        const char *words[NSOURCES];
        int n = 0;
        for (int i = 0; i < NSOURCES; i++)
            if (trigger_sources[i].takes_value)
                words[n++] = trigger_sources[i].word;
        const char *dym = src->kind == I_WORD && !strchr(src->text, '.')
            ? did_you_mean(ctx, src->text, words, n, NULL) : "";
        if (dym[0])
            diag(ctx, D_UNKNOWN_TRIGGER, src->loc, "unknown trigger '%s'%s",
                 src->text, dym);
        else
            diag(ctx, D_UNKNOWN_TRIGGER, src->loc, "unknown trigger %s; "
                 "expected %s", item_describe(ctx->arena, src),
                 source_list(ctx, "'", false));
        return;
    }
    t->src = row;
    bool has_value = row->takes_value;
    int arrow = has_value ? 3 : 2;
    if (!want_items(ctx, s, arrow + 2, arrow + 2, row->usage))
        return;
    if (!item_is_punct(s->items[arrow], T_ARROW)) {
        diag(ctx, D_EXPECTED, s->items[arrow]->loc, "expected '->' in '%s'",
             row->usage);
        return;
    }
    Item *val = s->items[2];
    const char *fn_name = s->items[arrow + 1]->kind == I_WORD
                              ? s->items[arrow + 1]->text : "";
    /* A schedule or pattern is shown as its text, a long one cut short. */
    const char *shown = has_value ? written(ctx, val) : "";
    if (row->via == VIA_RULE && val->kind == I_STRING &&
        val->parts && !val->parts->next) {
        const char *text = val->parts->text;
        int cut = 36;
        /* only a text past 40 bytes is cut: a shorter one may end before
         * byte 36 */
        while (strlen(text) > 40 && cut > 0 && (text[cut] & 0xC0) == 0x80)
            cut--;          /* not inside a UTF-8 sequence */
        shown = strlen(text) > 40
                    ? arena_printf(ctx->arena, "%.*s ...", cut, text)
                    : text;
    }
    d->display = arena_printf(ctx->arena, "trigger 'on %s%s%s -> %s'",
                              written(ctx, src), has_value ? " " : "",
                              shown, fn_name);
    if (!row->read(ctx, d, t, src, val, pascal_case(ctx->arena, fn_name)))
        return;
    d->logical = logical_id_fit(ctx->arena, d->logical);
    t->fn = resolve_name_of_kind(ctx, s->items[arrow + 1], &kind_function);
    t->fn_loc = s->items[arrow + 1]->loc;
    if (t->fn)
        add_edge(ctx, d, t->fn, t->fn_loc,
                 arena_printf(ctx->arena, "calls '%s'", t->fn->name));
    d->data = t;
    if (s->has_block)
        check_options(ctx, d, row->options, row->noptions);
}

/* ---- link: streams, grants, the function's edges ---------------------- */

/* The function's role names what the trigger reads: an edge from the
 * function to each declaration that the ARN refers to. */
void trigger_edge_to_refs(Ctx *ctx, Decl *fn, const Expr *x, const char *why)
{
    if (!x)
        return;
    if (x->kind == E_REF && x->target && x->target != ctx->prog.aws)
        add_edge(ctx, fn, x->target, x->loc, why);
    for (int i = 0; x->kind == E_INTERP && i < x->nrefs; i++)
        trigger_edge_to_refs(ctx, fn, x->refs[i], why);
}

/* For split.c: a trigger's resources go with its function. */
static Decl *trigger_unit(const Decl *d)
{
    const Trigger *t = d->data;
    return t ? t->fn : NULL;
}

static void trigger_link(Ctx *ctx, Decl *d)
{
    Trigger *t = d->data;
    if (!t)
        return;
    const TriggerSource *row = t->src;
    if (t->arn && t->arn->type != VT_STRING && t->arn->type != VT_NONE)
        diag(ctx, D_TRIGGER_OPTION, t->arn->loc, "the %s of '%s' must be "
             "a string (an ARN), not %s", row->arn_noun, row->form,
             value_type_name(t->arn->type));
    else if (t->arn)
        want_arn(ctx, t->arn, row->arn_service, D_TRIGGER_OPTION,
                 row->arn_wanted);
    if (t->arn)
        refuse_secret(ctx, t->arn, arena_printf(ctx->arena, "the ARN of "
                      "'%s' would write", row->form),
                      "in plain text into the template's trigger, which "
                      "anyone who may describe the stack sees; an ARN is "
                      "not a secret");
    trigger_failure_link(ctx, d);
    if (t->table && !table_has_stream(t->table)) {
        Diag *dg = diag(ctx, D_TRIGGER_NO_STREAM, t->table_loc,
                        "table '%s' has no stream, so 'on %s.stream' has "
                        "nothing to read; add 'stream new-and-old' (or "
                        "keys-only, new, old) to its block", t->table->name,
                        t->table->name);
        note(ctx, dg, t->table->name_loc, "table '%s' declared here",
             t->table->name);
        return;
    }
    if (!t->fn || !row->grant_noun)
        return;
    contribute(ctx, t->fn, d);
    const char *why = arena_printf(ctx->arena, "grants its role the %s of "
                                   "%s", row->grant_noun, d->display);
    if (t->table)
        add_edge(ctx, t->fn, t->table, t->table_loc, why);
    trigger_edge_to_refs(ctx, t->fn, t->arn, why);
}

/* ---- ids and emit ---------------------------------------------------- */

/* Each source reads one thing (its read function): a schedule's text, a
 * pattern, a table or an ARN; without it there is nothing to emit. */
static bool trigger_emits(const Trigger *t)
{
    return t && t->fn && (t->text || t->pattern || t->table || t->arn);
}

static void trigger_ids(Ctx *ctx, Decl *d)
{
    Trigger *t = d->data;
    if (!trigger_emits(t))
        return;
    switch (t->src->via) {
    case VIA_RULE:
        id_claim(ctx, d, logical_id(ctx, d, "Rule"));
        id_claim(ctx, d, logical_id(ctx, d, "Permission"));
        break;
    case VIA_SUBSCRIPTION:
        id_claim(ctx, d, logical_id(ctx, d, "Subscription"));
        id_claim(ctx, d, logical_id(ctx, d, "Permission"));
        break;
    case VIA_MAPPING:
        id_claim(ctx, d, logical_id(ctx, d, "Mapping"));
        break;
    }
    trigger_failure_ids(ctx, d);
}

/* The statement the function's role gets for a stream or queue trigger:
 * exactly what Lambda's poller calls, on that stream or queue. */
static CfnNode *trigger_grant(Ctx *ctx, Decl *d)
{
    Trigger *t = d->data;
    if (!trigger_emits(t) || !t->src->grant_noun)
        return NULL;
    Arena *a = ctx->arena;
    CfnNode *st = cfn_obj(a, d->loc);
    cfn_put_str(a, st, "Sid", d->logical);
    cfn_put_str(a, st, "Effect", "Allow");
    if (t->table) {
        cfn_put(a, st, "Action", cfn_strings(a, d->loc, 4,
            "dynamodb:DescribeStream", "dynamodb:GetRecords",
            "dynamodb:GetShardIterator", "dynamodb:ListStreams"));
        cfn_put(a, st, "Resource",
                cfn_getatt(a, d->loc, t->table->logical, "StreamArn"));
    } else {
        cfn_put(a, st, "Action", cfn_strings(a, d->loc, 3,
            "sqs:DeleteMessage", "sqs:GetQueueAttributes",
            "sqs:ReceiveMessage"));
        cfn_put(a, st, "Resource", expr_cfn(ctx, d->loc, t->arn));
    }
    return st;
}

/* What the trigger grants its function's role (contribute): the stream
 * or queue's statement, then the failure destination's. */
static void trigger_role(Ctx *ctx, Decl *d, CfnNode *statements)
{
    CfnNode *st = trigger_grant(ctx, d);
    if (st)
        cfn_arr_push(ctx->arena, statements, st);
    st = trigger_failure_grant(ctx, d);
    if (st)
        cfn_arr_push(ctx->arena, statements, st);
}

static void permission(Ctx *ctx, Emit *e, Decl *d, const char *principal,
                       CfnNode *source)
{
    Trigger *t = d->data;
    lambda_permission(ctx, e, d, logical_id(ctx, d, "Permission"), t->fn->logical,
                      principal, source);
}

static void trigger_emit(Ctx *ctx, Decl *d, Emit *e)
{
    Trigger *t = d->data;
    if (!trigger_emits(t))
        return;
    Arena *a = ctx->arena;
    Loc at = d->loc;
    CfnNode *fn_arn = cfn_getatt(a, at, t->fn->logical, "Arn");
    if (t->src->via == VIA_RULE) {
        const char *rule_id = logical_id(ctx, d, "Rule");
        CfnNode *rule = emit_resource(ctx, e, d, rule_id, "AWS::Events::Rule");
        CfnNode *p = cfn_put_obj(a, rule, "Properties");
        if (t->pattern)
            cfn_put(a, p, "EventPattern", t->pattern);
        else
            cfn_put_str(a, p, "ScheduleExpression", t->text);
        cfn_put_str(a, p, "State", "ENABLED");
        CfnNode *target = cfn_obj(a, at);
        cfn_put(a, target, "Arn", fn_arn);
        cfn_put_str(a, target, "Id", "Function");
        cfn_arr_push(a, cfn_put_arr(a, p, "Targets"), target);
        permission(ctx, e, d, "events.amazonaws.com",
                   cfn_getatt(a, at, rule_id, "Arn"));
        trigger_failure_emit(ctx, d, e);
        return;
    }
    if (t->src->via == VIA_SUBSCRIPTION) {
        CfnNode *sub = emit_resource(ctx, e, d,
                                     logical_id(ctx, d, "Subscription"),
                                     "AWS::SNS::Subscription");
        CfnNode *p = cfn_put_obj(a, sub, "Properties");
        cfn_put(a, p, "Endpoint", fn_arn);
        cfn_put_str(a, p, "Protocol", "lambda");
        cfn_put(a, p, "TopicArn", expr_cfn(ctx, at, t->arn));
        permission(ctx, e, d, "sns.amazonaws.com", expr_cfn(ctx, at, t->arn));
        trigger_failure_emit(ctx, d, e);
        return;
    }
    /* A mapping is refused unless the role already grants what it reads:
     * it waits for the role that holds that statement. */
    CfnNode *m = emit_resource(ctx, e, d, logical_id(ctx, d, "Mapping"),
                               "AWS::Lambda::EventSourceMapping");
    cfn_put(a, m, "DependsOn", cfn_strings(a, at, 1,
                                           logical_id(ctx, t->fn, "Role")));
    CfnNode *p = cfn_put_obj(a, m, "Properties");
    cfn_put_num(a, p, "BatchSize", t->batch >= 0 ? t->batch
                                                 : t->src->batch_default);
    trigger_failure_mapping(ctx, d, p, FAIL_BEFORE_EVENT_SOURCE);
    if (t->table)
        cfn_put(a, p, "EventSourceArn",
                cfn_getatt(a, at, t->table->logical, "StreamArn"));
    else
        cfn_put(a, p, "EventSourceArn", expr_cfn(ctx, at, t->arn));
    trigger_failure_mapping(ctx, d, p, FAIL_BEFORE_FUNCTION);
    cfn_put(a, p, "FunctionName", fn_arn);
    trigger_failure_mapping(ctx, d, p, FAIL_AFTER_FUNCTION);
    if (t->table)
        cfn_put_str(a, p, "StartingPosition",
                    t->trim_horizon ? "TRIM_HORIZON" : "LATEST");
    trigger_failure_emit(ctx, d, e);
}

const Kind kind_trigger = {
    .keyword = "on",
    .noun = "trigger",
    .check = trigger_check,
    .link = trigger_link,
    .ids = trigger_ids,
    .emit = trigger_emit,
    .grant = trigger_role,
    .unit = trigger_unit,
};
