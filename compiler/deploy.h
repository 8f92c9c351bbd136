/*
 * deploy.h: shipping an app (`hitc deploy`, `hitc outputs`, `hitc destroy`),
 * a section per file.
 *
 * The engine is the AWS CLI the user already has (v1 or v2, found on
 * PATH): hitc builds the template and bundles, then asks `aws` to upload,
 * make and execute a change set, and read the stack's events and outputs.
 * hitc holds no credentials and signs nothing; every call goes through
 * local_aws() (local_aws.c), with --output json, --region and, when given,
 * --profile and --endpoint-url.
 *
 * Ownership: a Deploy lives for one command; its Ctx (the compiled app)
 * owns the arena everything here is allocated in, and every answer of
 * the CLI is read into that arena.  Nothing here is a global.
 */
#ifndef HITC_DEPLOY_H
#define HITC_DEPLOY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "cfn.h"
#include "hitc.h"
#include "local.h"

/* ---- aws_cli.c: the AWS CLI, counted ----------------------------------- */

typedef struct Aws {
    Where w;                /* region, profile, endpoint */
    Ctx *ctx;               /* answers are read into ctx->arena */
    int calls;              /* how many times aws was run */
    long long uploaded;     /* bytes put into S3 */
    Buf err;                /* the last failed call's stderr */
} Aws;

/* Run `aws ARGS...` and read its JSON answer (an empty answer is {}).
 * NULL when the call failed: with quiet, the error is left in aws->err;
 * else it is printed, naming what hitc was trying to do. */
CfnNode *aws_call(Aws *aws, const char *what, const char *const *args, bool quiet);
/* Did the last failed call say the stack does not exist? */
bool aws_no_such_stack(const Aws *aws);
/* The command line that runs args, as a shell would read it (quoted),
 * with the same global options aws_call adds. */
void aws_shell_line(const Aws *aws, const char *const *args, Buf *out);
/* A string field of an object, or NULL. */
const char *aws_str(const CfnNode *obj, const char *key);

/* ---- plan.c: what a change set will do, in the app's words -------------- */

typedef enum { CH_ADD, CH_MODIFY, CH_REPLACE, CH_MAYBE_REPLACE, CH_REMOVE } ChangeAction;

typedef struct PlanChange {
    ChangeAction action;
    const char *logical, *type;
    const Decl *decl;       /* the .hit declaration it comes from, or NULL */
    const char *why;        /* what makes it a replacement, or NULL */
    bool holds_data;        /* a table, a stateful type, or retained */
    bool retained;          /* DeletionPolicy (remove) or UpdateReplacePolicy
                               (replace) Retain in the deployed template */
    bool allowed;           /* named in --allow-replace */
} PlanChange;

typedef struct Plan {
    PtrVec changes;         /* PlanChange*, in the new template's order,
                               then the removed ones */
} Plan;

/* The plan from the deployed template (old; NULL for a new stack), the
 * new one, and the change set's Changes (may be NULL): a resource is
 * replaced when CloudFormation says so, when its type changes, or when a
 * create-only property of its schema changes.  owners: logical ID ->
 * Decl (the Emit's `made`). */
void plan_make(Arena *a, Plan *p, const CfnNode *old, const CfnNode *new_,
               const CfnNode *changes, const StrMap *owners);
/* Mark the changes --allow-replace names (a .hit name or a logical ID). */
void plan_allow(Plan *p, const char *const *names, int n);
/* The plan as text, one change a line. */
void plan_print(const Plan *p, Buf *out);
/* Report E0800 for every data holder replaced or removed and not
 * allowed; how many. */
int plan_refuse(Ctx *ctx, const Plan *p, const char *stack);

/* ---- crossing.c: the first deploy past the threshold, in two steps ----- */

typedef struct Crossing {
    CfnNode *template;      /* step 1: the deployed template without the
                               API parts that move, and what refers to them */
    PtrVec routes;          /* "GET /f1/{name}" of each method or route
                               taken out, in the deployed template's order */
    int parts;              /* API parts taken out */
    bool http;              /* HTTP API routes among them: they answer 404
                               between the steps (a REST stage serves its
                               deployment, which step 1 leaves alone) */
} Crossing;

/* Does deploying e over deployed move an API part of the root into a
 * nested stack?  Then c is the first step.  Nested stacks' resources are
 * matched by logical ID, which the split never changes. */
bool crossing_find(Arena *a, const CfnNode *deployed, const Emit *e, Crossing *c);
/* The two steps, and which routes answer 404 and for how long. */
void crossing_print(const Crossing *c, const Emit *e, const char *stack, Buf *out);

/* ---- stack.c: following a stack, its outputs, destroy ------------------- */

/* Wait while the stack is in an *_IN_PROGRESS state (another deploy, or
 * one that was interrupted); its settled description, or NULL. */
CfnNode *stack_settle(Aws *aws, const char *stack, bool *missing);
/* The deployed stack's Parameters ([{ParameterKey, ParameterValue}]), or
 * NULL when there is no such stack or it cannot be read. */
CfnNode *stack_parameters(Aws *aws, const char *stack);
/* The EventIds the stack has now, so that following shows only new ones. */
void stack_seen_events(Aws *aws, const char *stack, StrMap *seen);
/* Follow the stack's new events until it settles: a progress line on a
 * terminal, plain lines otherwise; total is how many resources change.
 * Its final status (arena), or NULL when the stack is gone. */
const char *stack_follow(Aws *aws, const char *stack, StrMap *seen, int total,
                         const StrMap *owners, CfnNode **failed);
/* Print the stack's outputs by their .hit names: text or JSON. */
int stack_print_outputs(Aws *aws, const char *stack, bool json);
/* Ask "question [y/N]" on the terminal; true for yes. */
bool stack_confirm(const char *question);

/* ---- bucket.c: the managed deployment bucket ------------------------------ */

/* hitc-deploy-ACCOUNT-REGION, made when missing (private, encrypted, a
 * lifecycle rule); its name into *bucket.  0, or 2 after an error. */
int bucket_managed(Aws *aws, const char **bucket);

/* ---- ship.c: what deploy, outputs and destroy share --------------------- */

/* A command's options and the compiled app.  The option fields are set by
 * each command's table; ship_start fills the rest. */
typedef struct Ship {
    Aws aws;
    Arena *a;               /* option lists, before the app's arena exists */
    const char *file;
    const char *stage, *stack, *format;
    bool json;              /* --format json */
    bool yes;               /* no question on a terminal */
    Emit emit;              /* deploy: the built app */
    FILE *say;              /* where words for people go: stdout, or
                               stderr when stdout carries JSON */
} Ship;

/* The options every one of the three takes, as Option rows at offsets
 * into a Ship (a command's own struct starts with its Ship). */
#define SHIP_OPTS(T)                                                        \
    {"--stage", NULL, false, offsetof(T, s.stage), NULL},                   \
    {"--stack", NULL, false, offsetof(T, s.stack), NULL},                   \
    {"--region", NULL, false, offsetof(T, s.aws.w.region), NULL},           \
    {"--profile", NULL, false, offsetof(T, s.aws.w.profile), NULL},         \
    {"--endpoint-url", NULL, false, offsetof(T, s.aws.w.endpoint), NULL},   \
    {"--format", NULL, false, offsetof(T, s.format), NULL}

void ship_init(Ship *s);
/* Check the options, compile the app (diagnostics printed) and name the
 * stack (APP-STAGE unless --stack).  0, 1 (the app has errors) or 2. */
int ship_start(Ship *s, const char *command);
/* Print the diagnostics reported so far (then forget them). */
void ship_flush(Ship *s);
void ship_free(Ship *s);

/* ---- deploy.c, deploy_upload.c: `hitc deploy` ---------------------------- */

/* One deploy: its options (the Ship's and its own), then what it makes on
 * the way. */
typedef struct Deploy {
    Ship s;
    const char *bucket, *prefix;
    PtrVec params;              /* NAME=VALUE */
    PtrVec allow;               /* --allow-replace NAME */
    bool plan_only, print_commands;
    /* made on the way */
    const char *dir;            /* the build */
    const char *template_url;   /* when the template goes through S3 */
    CfnNode *values;            /* parameter -> value */
} Deploy;

/* Upload what the bucket lacks (deploy_upload.c).  0, or 2 when aws
 * failed. */
int deploy_upload(Deploy *d);
/* Upload the file at path to the bucket under key: 0, or 2 when aws
 * failed (said). */
int deploy_put(Deploy *d, const char *key, const char *path, size_t len);

/* ---- deploy.c, stack.c: the commands (main.c runs them) ----------------- */

int deploy_main(int argc, char **argv);
int outputs_main(int argc, char **argv);
int destroy_main(int argc, char **argv);

#endif
