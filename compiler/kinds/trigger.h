/*
 * kinds/trigger.h: between kinds/trigger.c (what invokes a function) and
 * kinds/trigger_failure.c (what happens when the function fails).
 */
#ifndef HITC_TRIGGER_H
#define HITC_TRIGGER_H

#include "hitc.h"

enum { T_SCHEDULE, T_EVENT, T_STREAM, T_QUEUE, T_TOPIC };

/* One `on` line, read by trigger_check.  Owned by the arena. */
typedef struct Trigger {
    int what;
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

/* kinds/trigger.c: a JSON pattern (an event pattern, a mapping's filter)
 * as a tree, or NULL after an error at loc (E0256) naming what it is. */
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
