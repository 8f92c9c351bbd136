/*
 * stack.c: a deployed stack as hitc deploy and destroy see it: its state,
 * its events while an operation runs, its outputs.
 *
 * In: an Aws and a stack name.
 * Out: the stack's description; a settled state (waiting while another
 * operation runs); its events followed to the end, as a live progress
 * line on a terminal or plain lines otherwise, with the first failure
 * kept; its outputs printed by their .hit names.
 * Holds: polling only (describe-stacks, describe-stack-events), so an
 * interrupted hitc leaves nothing behind that the next one cannot read.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "deploy.h"

/* How long hitc waits between looks at a stack, and how long at most for
 * another operation to end. */
#define POLL_SECONDS 2
#define SETTLE_MAX_SECONDS (2 * 3600)

static bool in_progress(const char *status)
{
    return status && strstr(status, "_IN_PROGRESS") &&
           strcmp(status, "REVIEW_IN_PROGRESS") != 0;
}

static CfnNode *stack_describe(Aws *aws, const char *stack, bool *missing)
{
    const char *args[] = {"cloudformation", "describe-stacks", "--stack-name", stack, NULL};
    *missing = false;
    CfnNode *r = aws_call(aws, "read the stack", args, true);
    if (!r) {
        if (aws_no_such_stack(aws)) {
            *missing = true;
        } else if (aws->err.data) {
            fprintf(stderr, "hitc: cannot read stack '%s': %s", stack, aws->err.data);
        }
        return NULL;
    }
    CfnNode *stacks = cfn_obj_get(r, "Stacks");
    return stacks && stacks->kind == CFN_ARRAY && stacks->len ? stacks->items[0] : NULL;
}

CfnNode *stack_parameters(Aws *aws, const char *stack)
{
    bool missing;
    CfnNode *st = stack_describe(aws, stack, &missing);
    const char *status = aws_str(st, "StackStatus");
    /* a stack that never got made (or is gone) is made anew: nothing to keep */
    if (!status || strcmp(status, "ROLLBACK_COMPLETE") == 0 ||
        strcmp(status, "REVIEW_IN_PROGRESS") == 0 || strcmp(status, "DELETE_COMPLETE") == 0)
        return NULL;
    CfnNode *list = cfn_obj_get(st, "Parameters");
    return list && list->kind == CFN_ARRAY ? list : NULL;
}

CfnNode *stack_settle(Aws *aws, const char *stack, bool *missing)
{
    time_t t0 = time(NULL);
    bool said = false;
    for (;;) {
        CfnNode *st = stack_describe(aws, stack, missing);
        const char *status = aws_str(st, "StackStatus");
        if (!in_progress(status))
            return st;
        if (!said)
            fprintf(stderr, "hitc: stack '%s' is %s (another deploy, or one that "
                    "was interrupted); waiting for it to end\n", stack, status);
        said = true;
        if (time(NULL) - t0 > SETTLE_MAX_SECONDS) {
            fprintf(stderr, "hitc: stack '%s' is still %s after %d minutes; "
                    "giving up\n", stack, status, SETTLE_MAX_SECONDS / 60);
            return NULL;
        }
        sleep(POLL_SECONDS);
    }
}

static CfnNode *events(Aws *aws, const char *stack)
{
    const char *args[] = {"cloudformation", "describe-stack-events", "--stack-name",
                          stack, "--max-items", "200", NULL};
    CfnNode *list = cfn_obj_get(aws_call(aws, "read the stack's events", args, true),
                                "StackEvents");
    return list && list->kind == CFN_ARRAY ? list : NULL;
}

void stack_seen_events(Aws *aws, const char *stack, StrMap *seen)
{
    CfnNode *ev = events(aws, stack);
    for (int i = 0; ev && i < ev->len; i++) {
        const char *id = aws_str(ev->items[i], "EventId");
        if (id)
            strmap_put(aws->ctx->arena, seen, id, (void *)id);
    }
}

static bool ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), t = strlen(tail);
    return n >= t && strcmp(s + n - t, tail) == 0;
}

/* The progress of one operation. */
typedef struct Follow {
    Aws *aws;
    const char *stack;
    const StrMap *owners;
    bool tty;
    int total, done;
    StrMap finished;            /* logical IDs that reached *_COMPLETE */
    StrMap touched;             /* logical IDs with an event: the total is
                                   at least how many (CloudFormation may
                                   update more than the plan counted) */
    int ntouched;
    struct timespec t0;
    CfnNode *failed;            /* the first resource event that failed */
} Follow;

static double elapsed(const Follow *f)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - f->t0.tv_sec) + (t.tv_nsec - f->t0.tv_nsec) / 1e9;
}

static void show(Follow *f, const CfnNode *ev)
{
    const char *logical = aws_str(ev, "LogicalResourceId");
    const char *status = aws_str(ev, "ResourceStatus");
    const char *reason = aws_str(ev, "ResourceStatusReason");
    if (!logical || !status)
        return;
    bool whole = strcmp(logical, f->stack) == 0;
    if (!whole && ends_with(status, "_FAILED") && reason && !f->failed)
        f->failed = (CfnNode *)ev;
    if (!whole && !strmap_get(&f->touched, logical)) {
        strmap_put(f->aws->ctx->arena, &f->touched, logical, (void *)logical);
        if (++f->ntouched > f->total)
            f->total = f->ntouched;
    }
    if (!whole && ends_with(status, "_COMPLETE") && !strmap_get(&f->finished, logical)) {
        strmap_put(f->aws->ctx->arena, &f->finished, logical, (void *)logical);
        f->done++;
    }
    if (f->tty) {
        fprintf(stderr, "\r\033[K  [%d/%d] %5.1fs  %s %s", f->done, f->total,
                elapsed(f), logical, status);
        return;
    }
    const Decl *d = f->owners && !whole ? strmap_get(f->owners, logical) : NULL;
    fprintf(stderr, "  %6.1fs  %-28s %s", elapsed(f), logical, status);
    if (d)
        fprintf(stderr, "  (%s)", d->display);
    if (reason && (ends_with(status, "_FAILED") || whole))
        fprintf(stderr, ": %s", reason);
    fputc('\n', stderr);
}

const char *stack_follow(Aws *aws, const char *stack, StrMap *seen, int total,
                         const StrMap *owners, CfnNode **failed)
{
    Follow f = {aws, stack, owners, isatty(2) != 0, total, 0, {0}, {0}, 0, {0}, NULL};
    clock_gettime(CLOCK_MONOTONIC, &f.t0);
    const char *status = NULL;
    for (;;) {
        bool missing = false;
        CfnNode *st = stack_describe(aws, stack, &missing);
        status = missing ? "DELETE_COMPLETE" : aws_str(st, "StackStatus");
        CfnNode *ev = missing ? NULL : events(aws, stack);
        /* newest first: show the new ones oldest first */
        for (int i = ev ? ev->len - 1 : -1; i >= 0; i--) {
            const char *id = aws_str(ev->items[i], "EventId");
            if (!id || strmap_get(seen, id))
                continue;
            strmap_put(aws->ctx->arena, seen, id, (void *)id);
            show(&f, ev->items[i]);
        }
        if (!status || !in_progress(status))
            break;
        sleep(POLL_SECONDS);
    }
    if (f.tty)
        fprintf(stderr, "\r\033[K");
    *failed = f.failed;
    return status;
}

int stack_print_outputs(Aws *aws, const char *stack, bool json)
{
    bool missing;
    CfnNode *st = stack_describe(aws, stack, &missing);
    if (!st) {
        if (missing)
            fprintf(stderr, "hitc: stack '%s' does not exist; 'hitc deploy' makes it\n",
                    stack);
        return 1;
    }
    Arena *a = aws->ctx->arena;
    CfnNode *outs = cfn_obj_get(st, "Outputs");
    CfnNode *obj = cfn_obj(a, (Loc){0});
    for (int i = 0; outs && outs->kind == CFN_ARRAY && i < outs->len; i++) {
        const char *key = aws_str(outs->items[i], "OutputKey");
        const char *value = aws_str(outs->items[i], "OutputValue");
        if (!key)
            continue;
        Decl *d = id_output_owner(aws->ctx, key);
        const char *name = d && d->name ? d->name : key;
        if (json)
            cfn_put_str(a, obj, name, value ? value : "");
        else
            printf("%s = %s\n", name, value ? value : "");
    }
    if (json) {
        char *text = cfn_json(obj);
        fputs(text, stdout);
        fputc('\n', stdout);
        free(text);
    }
    return fflush(stdout) == 0 ? 0 : 2;
}

bool stack_confirm(const char *question)
{
    fprintf(stderr, "%s [y/N] ", question);
    fflush(stderr);
    char line[64];
    if (!fgets(line, sizeof line, stdin))
        return false;
    return line[0] == 'y' || line[0] == 'Y';
}
