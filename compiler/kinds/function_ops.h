/*
 * kinds/function_ops.h: how a function runs, apart from what it runs.
 *
 * memory, timeout, arch, log-retention, tracing, reserved-concurrency,
 * ephemeral-storage, layers and vpc: fields a function takes, and (but for
 * reserved-concurrency) the `defaults { ... }` block gives every function
 * that does not say otherwise.  kinds/function_ops.c reads them, checks
 * them and writes what they become; kinds/function.c owns the function.
 */
#ifndef HITC_FUNCTION_OPS_H
#define HITC_FUNCTION_OPS_H

#include "hitc.h"

/* Which fields a block gave itself (FunctionOps.given). */
enum {
    OPS_LAYERS = 1, OPS_VPC = 2,
};

/* One function's settings, or the defaults block's.  A function starts
 * from a copy of the defaults (or of hitc's own when there is no block),
 * so the vectors may be the defaults' own: a field that the function
 * gives replaces the whole vector, never appends to it.  Owned by the
 * arena. */
typedef struct FunctionOps {
    long long memory;           /* MB */
    long long timeout;          /* seconds */
    Loc timeout_loc;            /* where it was written; empty: hitc's */
    const char *arch;           /* "x86_64" or "arm64" */
    long long retention;        /* days the log group keeps; 0: forever */
    const char *tracing;        /* NULL, "Active" or "PassThrough" */
    long long concurrency;      /* reserved; -1: none */
    long long storage;          /* MB of /tmp; 0: Lambda's 512 */
    PtrVec layers;              /* Expr*: layer version ARNs */
    PtrVec subnets, groups;     /* Expr*: vpc subnet and security group IDs */
    unsigned given;             /* OPS_* this block gave itself */
} FunctionOps;

/* The fields, for the function's own table of fields: each reads into
 * function_ops_of(d). */
extern const Field function_ops_fields[];
extern const int function_ops_nfields;

/* Where decl d (a function, or the defaults block) keeps its ops;
 * kinds/function.c answers for a function. */
FunctionOps *function_ops_of(Decl *d);
/* The settings a function starts from: the defaults block's, checked
 * on first use, or hitc's own. */
FunctionOps function_ops_start(Ctx *ctx);
/* After resolve: check the values that references carry, and give the
 * function fn edges to what its inherited settings refer to. */
void function_ops_link(Ctx *ctx, Decl *fn, FunctionOps *o);

/* Emit: the log group's retention; the role's statements and managed
 * policies; the function's own properties, each where it sorts. */
void function_ops_log_group(Ctx *ctx, Emit *e, const FunctionOps *o,
                            const char *log_group);
void function_ops_role(Ctx *ctx, Emit *e, Decl *d, const FunctionOps *o,
                       const char *role, CfnNode *stmts);
/* The properties that sort before "Handler" (EphemeralStorage), between
 * "Handler" and "LoggingConfig" (Layers), before "Role"
 * (ReservedConcurrentExecutions), and after "Timeout" (TracingConfig,
 * VpcConfig). */
void function_ops_props(Ctx *ctx, const FunctionOps *o, CfnNode *props,
                        Loc at, int part);
enum { OPS_BEFORE_HANDLER, OPS_AFTER_HANDLER, OPS_BEFORE_ROLE,
       OPS_AFTER_TIMEOUT };

#endif
