/*
 * outputs.c: `hitc outputs FILE --stage S` (a deployed stage's outputs by
 * their .hit names) and `hitc destroy FILE --stage S` (delete the stage's
 * stack, keeping what is retained, and say what stays).
 *
 * In: the app (for its names and the stack's default name), a stage, where.
 * Out: outputs: `NAME = VALUE` lines, or one JSON object (--format json).
 * destroy: the resources that survive (DeletionPolicy Retain: tables
 * unless `on-delete delete`) listed with their physical IDs, a question on
 * a terminal (--yes skips it), then the stack deleted and followed.
 * Holds: destroy never deletes a retained resource itself; CloudFormation
 * skips them, and hitc says which.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "deploy.h"

static const char outputs_usage[] =
    "usage: hitc outputs FILE [--stage STAGE] [options]\n"
    "\n"
    "Print the outputs of the app's deployed stage (its 'output'\n"
    "declarations), one 'NAME = VALUE' a line, or as JSON.\n"
    "\n"
    "options:\n"
    "  --stage STAGE         the stage (default dev); the stack is APP-STAGE\n"
    "  --stack NAME          the stack (default APP-STAGE)\n"
    "  --region R, --profile P, --endpoint-url URL   as for 'hitc deploy'\n"
    "  --format text|json    lines (default) or one JSON object\n"
    "  -h, --help            print this help\n"
    "\n"
    "exit status: 0 printed, 1 the app has errors or the stack does not\n"
    "exist, 2 bad usage or aws failed\n";

static const char destroy_usage[] =
    "usage: hitc destroy FILE [--stage STAGE] [options]\n"
    "\n"
    "Delete the app's deployed stage (its stack).  Retained resources\n"
    "(tables, unless 'on-delete delete') survive: hitc lists them first.\n"
    "On a terminal it asks before deleting.\n"
    "\n"
    "options:\n"
    "  --stage STAGE         the stage (default dev); the stack is APP-STAGE\n"
    "  --stack NAME          the stack (default APP-STAGE)\n"
    "  --yes                 do not ask\n"
    "  --region R, --profile P, --endpoint-url URL   as for 'hitc deploy'\n"
    "  -h, --help            print this help\n"
    "\n"
    "exit status: 0 deleted (or there was no such stack), 1 the app has\n"
    "errors or the delete failed, 2 bad usage or aws failed\n";

typedef struct Cmd {
    Ship s;
} Cmd;

static const Option outputs_options[] = {SHIP_OPTS(Cmd)};
static const Option destroy_options[] = {
    SHIP_OPTS(Cmd),
    {"--yes", "-y", true, offsetof(Cmd, s.yes), NULL},
};

static int start(Cmd *c, int argc, char **argv, const Option *opts, int nopts,
                 const char *usage)
{
    memset(c, 0, sizeof *c);
    ship_init(&c->s);
    const char *pos[1];
    int npos = 0;
    int rc = options_parse(argc, argv, opts, nopts, c, pos, 1, &npos, usage);
    if (rc >= 0)
        return rc;
    c->s.file = npos ? pos[0] : NULL;
    return ship_start(&c->s, argv[0]);
}

int outputs_main(int argc, char **argv)
{
    Cmd c;
    int rc = start(&c, argc, argv, outputs_options,
                   (int)(sizeof outputs_options / sizeof *outputs_options), outputs_usage);
    if (rc == 0 && c.s.aws.ctx)
        rc = stack_print_outputs(&c.s.aws, c.s.stack, c.s.json);
    ship_free(&c.s);
    return rc;
}

/* The deployed resources that DeletionPolicy keeps, printed; how many. */
static int list_kept(Cmd *c, FILE *say)
{
    Aws *aws = &c->s.aws;
    const char *gt[] = {"cloudformation", "get-template", "--stack-name", c->s.stack, NULL};
    CfnNode *body = cfn_obj_get(aws_call(aws, "read the deployed template", gt, false),
                                "TemplateBody");
    const char *dr[] = {"cloudformation", "describe-stack-resources", "--stack-name",
                        c->s.stack, NULL};
    CfnNode *res = cfn_obj_get(aws_call(aws, "read the stack's resources", dr, false),
                               "StackResources");
    CfnNode *rs = cfn_obj_get(body, "Resources");
    int kept = 0;
    for (int i = 0; rs && rs->kind == CFN_OBJECT && i < rs->len; i++) {
        const char *policy = aws_str(rs->pairs[i].value, "DeletionPolicy");
        if (!policy || strcmp(policy, "Delete") == 0)
            continue;
        const char *logical = rs->pairs[i].key, *physical = NULL;
        for (int k = 0; res && res->kind == CFN_ARRAY && k < res->len; k++) {
            const char *l = aws_str(res->items[k], "LogicalResourceId");
            if (l && strcmp(l, logical) == 0)
                physical = aws_str(res->items[k], "PhysicalResourceId");
        }
        if (!physical)
            continue;           /* never made: nothing to keep */
        const Decl *d = strmap_get(&aws->ctx->prog.ids, logical);
        if (kept++ == 0)
            fprintf(say, "these survive the stack (DeletionPolicy %s), with their data:\n",
                    policy);
        fprintf(say, "  %s (%s): %s\n", d ? d->display : logical, logical, physical);
    }
    return kept;
}

static int destroy(Cmd *c)
{
    Aws *aws = &c->s.aws;
    bool missing;
    CfnNode *st = stack_settle(aws, c->s.stack, &missing);
    if (!st) {
        if (!missing)
            return 2;
        fprintf(c->s.say, "stack %s does not exist: nothing to destroy\n", c->s.stack);
        return 0;
    }
    int kept = list_kept(c, c->s.say);
    if (!c->s.yes && isatty(0) && isatty(2) &&
        !stack_confirm(arena_printf(aws->ctx->arena, "delete stack %s%s?", c->s.stack,
                                    kept ? " (keeping the above)" : ""))) {
        fprintf(stderr, "hitc: nothing deleted\n");
        return 1;
    }
    StrMap seen = {0};
    stack_seen_events(aws, c->s.stack, &seen);
    const char *del[] = {"cloudformation", "delete-stack", "--stack-name", c->s.stack, NULL};
    if (!aws_call(aws, "delete the stack", del, false))
        return 2;
    CfnNode *failed = NULL;
    const char *status = stack_follow(aws, c->s.stack, &seen, 0, &aws->ctx->prog.ids,
                                      &failed);
    if (status && strcmp(status, "DELETE_COMPLETE") == 0) {
        fprintf(c->s.say, "deleted stack %s%s\n", c->s.stack,
                kept ? "; the resources above were kept" : "");
        return 0;
    }
    fprintf(stderr, "hitc: deleting stack '%s' failed (%s)%s%s\n", c->s.stack,
            status ? status : "?", failed ? ": " : "",
            failed ? aws_str(failed, "ResourceStatusReason") : "");
    return 1;
}

int destroy_main(int argc, char **argv)
{
    Cmd c;
    int rc = start(&c, argc, argv, destroy_options,
                   (int)(sizeof destroy_options / sizeof *destroy_options), destroy_usage);
    if (rc == 0 && c.s.aws.ctx)
        rc = destroy(&c);
    ship_free(&c.s);
    return rc;
}
