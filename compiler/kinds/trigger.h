/*
 * kinds/trigger.h: between kinds/trigger.c (what invokes a function) and
 * kinds/trigger_failure.c (what happens when the function fails).
 */
#ifndef HITC_TRIGGER_H
#define HITC_TRIGGER_H

#include "hitc.h"

struct Trigger;

/* How a source invokes the function: an EventBridge rule (schedule,
 * event), an SNS subscription (topic), or an event source mapping that
 * Lambda polls (stream, queue). */
typedef enum { VIA_RULE, VIA_SUBSCRIPTION, VIA_MAPPING } TriggerVia;

/* One trigger source: a row of trigger.c's trigger_sources[], all that
 * sets `on schedule`, `on event`, `on TABLE.stream`, `on queue` and `on
 * topic` apart.  A new source is a row (and its read function). */
typedef struct TriggerSource {
    const char *word;       /* after `on` ("stream" after TABLE.) */
    const char *form;       /* as messages write it: "on TABLE.stream" */
    const char *usage;      /* the whole line */
    bool takes_value;       /* a value stands before '->' */
    TriggerVia via;
    /* Read the value (val; src is the source word) into t and name
     * d->logical from base, PascalCase(FUNCTION); false after an error. */
    bool (*read)(Ctx *ctx, Decl *d, struct Trigger *t, const Item *src,
                 const Item *val, const char *base);
    /* A mapping's: what the role is granted ("stream", "queue"), batch
     * sizes; an ARN source's: its noun, service and what is wanted. */
    const char *grant_noun;
    long long batch_max, batch_default;
    const char *arn_noun, *arn_service, *arn_wanted;
    /* Failures: a queue's are its redrive policy's (no retries, max-age,
     * bisect, on-failure); the longest max-age and most retries; whether
     * its value is a pattern (then no filter). */
    bool redrive;
    long long max_age_max, retries_max;
    const char *max_age_shown;
    bool is_pattern;
    const Field *options;   /* its own, besides trigger_failure.c's */
    int noptions;
} TriggerSource;

/* One `on` line, read by trigger_check.  Owned by the arena. */
typedef struct Trigger {
    const TriggerSource *src;
    Decl *fn;
    Loc fn_loc;
    const char *text;       /* schedule expression */
    CfnNode *pattern;       /* event pattern */
    Decl *table;            /* stream */
    Loc table_loc;
    Expr *arn;              /* queue, topic */
    long long batch, retries;   /* -1: not given */
    bool trim_horizon;
    /* Failures (kinds/trigger_failure.c).  on_failure: the destination's
     * ARN, a queue's (fail_topic false) or a topic's; max_age in seconds,
     * -1 when not given; filters: CfnNode* patterns, for a mapping. */
    Expr *on_failure;
    bool fail_topic;
    bool made_queue;        /* `on-failure queue` alone: hitc makes it */
    bool bisect, partial_batch;
    long long max_age;
    PtrVec filters;
    /* An event, topic or schedule trigger that sets how its function's
     * asynchronous invocations fail (on-failure, retries, max-age): the
     * first such option, for E0280 when two triggers set them. */
    Loc async_loc;
} Trigger;

/* kinds/trigger_values.c: a JSON pattern (an event pattern, a mapping's
 * filter) as a tree, or NULL after an error at loc (E0256) naming what it
 * is; whether a schedule expression is one EventBridge takes (else
 * E0255 at loc). */
bool trigger_schedule_ok(Ctx *ctx, const char *text, Loc loc);
CfnNode *trigger_pattern(Ctx *ctx, const char *text, Loc loc,
                         const char *what);
/* kinds/trigger.c: the edges from the function fn, whose role names x,
 * to what x refers to. */
void trigger_edge_to_refs(Ctx *ctx, Decl *fn, const Expr *x, const char *why);
/* kinds/trigger.c: a whole number option from lo to hi (E0259). */
bool trigger_option_number(Ctx *ctx, Decl *d, Stmt *s, const char *usage,
                           long long lo, long long hi, long long *out);

/* kinds/trigger_failure.c: the options, each a Field of the forms that
 * take it; the others refuse it with the reason (E0259). */
extern const Field trigger_failure_fields[];
extern const int trigger_failure_nfields;
/* After resolve: the destination's kind, secrets, and E0280 across the
 * triggers of one function. */
void trigger_failure_link(Ctx *ctx, Decl *d);
/* The mapping's failure properties (after FunctionName, in order of their
 * names: see the callers), the invoke config of an asynchronous trigger,
 * and the role's statement for the destination. */
void trigger_failure_mapping(Ctx *ctx, Decl *d, CfnNode *props, int part);
enum { FAIL_BEFORE_EVENT_SOURCE, FAIL_BEFORE_FUNCTION, FAIL_AFTER_FUNCTION };
void trigger_failure_ids(Ctx *ctx, Decl *d);
void trigger_failure_emit(Ctx *ctx, Decl *d, Emit *e);
CfnNode *trigger_failure_grant(Ctx *ctx, Decl *d);   /* or NULL */

/* kinds/failure_queue.c: the queue of `on-failure queue` without an ARN. */
const char *failure_queue_id(Ctx *ctx, Decl *d);
CfnNode *failure_queue_arn(Ctx *ctx, Decl *d);
void failure_queue_emit(Ctx *ctx, Decl *d, Emit *e);

#endif
