/*
 * deploy.c: `hitc deploy FILE --stage STAGE`: build, upload, plan, deploy,
 * report, in one command.
 *
 * In: the app, a stage, --parameter values, where (bucket, prefix, region,
 * profile, endpoint), and the user's leave (--allow-replace, --yes).
 * Out: the stack APP-STAGE made or updated through one change set, its
 * plan printed in the app's words first, its outputs last; exit 0 when it
 * is deployed (or nothing changed, or --plan), 1 when the app, the plan or
 * the deploy failed, 2 for bad usage or a failing tool.
 * Holds: the order is the safe one: every check that needs no AWS (the app
 * compiles, every param has a value) before any call but the one read of
 * the stack that finds the values a deployed stack keeps; the bundles before
 * the change set that names them; the plan's refusals before anything is
 * executed.  Bundles are named by their content, so one listing of the
 * prefix says what is missing.  A deploy of the same stack from this
 * machine waits for the one running (a lock beside the build); one from
 * elsewhere, or an interrupted one, shows as a stack *_IN_PROGRESS,
 * which is waited for.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bundle.h"
#include "deploy.h"
#include "lint.h"

static const char usage[] =
    "usage: hitc deploy FILE [--stage STAGE] [options]\n"
    "\n"
    "Build the app, upload the bundles the bucket lacks, make a change set,\n"
    "print its plan in the app's words (each change with its .hit line),\n"
    "execute it, follow the stack's events and print the stack's outputs.\n"
    "It drives the AWS CLI ('aws', version 1 or 2) found on PATH, with your\n"
    "credentials, profile and region; hitc signs nothing itself.\n"
    "The first deploy past 500 resources, which moves API routes into nested\n"
    "stacks, is two steps under one question; its plan says which routes\n"
    "answer 404 in between.\n"
    "\n"
    "options:\n"
    "  --stage STAGE         the stage (default dev); the stack is APP-STAGE\n"
    "  --parameter NAME=VALUE  a value for the app's param NAME (its .hit\n"
    "                        name or the template's); repeatable; one not\n"
    "                        given keeps the deployed stack's value\n"
    "  --allow-replace NAME  let the deploy replace or remove NAME (a table,\n"
    "                        a retained resource), which holds data; repeatable\n"
    "  --plan                print the plan and stop (nothing is changed)\n"
    "  --yes                 do not ask before deploying (on a terminal)\n"
    "  --print-commands      print the aws commands that deploy this stage\n"
    "                        without hitc (build, upload, deploy), and stop\n"
    "  --bucket NAME         the S3 bucket for bundles (default: the managed\n"
    "                        bucket hitc-deploy-ACCOUNT-REGION, made when missing)\n"
    "  --prefix P            the key prefix in it (default hitc/; ends in '/')\n"
    "  --stack NAME          the stack (default APP-STAGE)\n"
    "  --region R            the region (default AWS_REGION, AWS_DEFAULT_REGION,\n"
    "                        else us-east-1)\n"
    "  --profile P           the AWS CLI profile\n"
    "  --endpoint-url URL    a local cloud (moto, LocalStack)\n"
    "  --format text|json    the outputs as lines (default) or one JSON object\n"
    "  -h, --help            print this help\n"
    "\n"
    "exit status: 0 deployed (or no changes, or --plan), 1 the app has\n"
    "errors, the plan would lose data, or the deploy failed, 2 bad usage or\n"
    "aws failed\n";

static int opt_param(void *arg, const char *v)
{
    Deploy *d = arg;
    const char *eq = strchr(v, '=');
    if (!eq || eq == v)
        return usage_error("deploy", "--parameter takes NAME=VALUE, not '%s'", v);
    vec_push(d->s.a, &d->params, (void *)v);
    return 0;
}

static int opt_allow(void *arg, const char *v)
{
    Deploy *d = arg;
    vec_push(d->s.a, &d->allow, (void *)v);
    return 0;
}

#define AT(field) offsetof(Deploy, field)
static const Option options[] = {
    SHIP_OPTS(Deploy),
    {"--parameter", NULL, false, 0, opt_param},
    {"--allow-replace", NULL, false, 0, opt_allow},
    {"--plan", NULL, true, AT(plan_only), NULL},
    {"--yes", "-y", true, AT(s.yes), NULL},
    {"--print-commands", NULL, true, AT(print_commands), NULL},
    {"--bucket", NULL, false, AT(bucket), NULL},
    {"--prefix", NULL, false, AT(prefix), NULL},
};

/* ---- build --------------------------------------------------------------- */

/* The build's directory: $XDG_CACHE_HOME/hitc/deploy/REGION/STACK (else
 * ~/.cache/...), never the user's -o. */
static const char *cache_dir(Deploy *d)
{
    Arena *a = d->s.aws.ctx->arena;
    const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    const char *root = xdg && *xdg ? xdg
                       : arena_printf(a, "%s/.cache", home && *home ? home : "/tmp");
    return arena_printf(a, "%s/hitc/deploy/%s/%s", root, d->s.aws.w.region, d->s.stack);
}

/* mkdir -p of dir's parent, so that the lock beside it can be made. */
static void make_parents(const char *dir)
{
    char *p = xstrdup(dir);
    for (char *s = p + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        mkdir(p, 0777);
        *s = '/';
    }
    free(p);
}

/* Hold DIR.lock while this deploy runs: a second deploy of the stack from
 * this machine waits, saying so.  The fd stays open until exit. */
static int take_lock(Deploy *d)
{
    const char *path = arena_printf(d->s.aws.ctx->arena, "%s.lock", d->dir);
    make_parents(path);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        fprintf(stderr, "hitc: cannot make the lock '%s': %s\n", path, strerror(errno));
        return 2;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        fprintf(stderr, "hitc: another 'hitc deploy' of stack '%s' is running on this "
                "machine; waiting for it to end\n", d->s.stack);
        if (flock(fd, LOCK_EX) != 0) {
            fprintf(stderr, "hitc: cannot wait for the lock '%s': %s\n", path,
                    strerror(errno));
            return 2;
        }
    }
    return 0;
}

static int build(Deploy *d)
{
    Ctx *ctx = d->s.aws.ctx;
    Emit *e = &d->s.emit;
    if (output_dir_check(ctx, d->dir) == 0) {
        emit_checked(ctx, e);   /* as `hitc build` does */
        if (ctx->nerrors == 0)
            output_write(ctx, e, d->dir);
    }
    ship_flush(&d->s);
    return ctx->nerrors ? 1 : 0;
}

/* ---- parameters ------------------------------------------------------------ */

/* The value given for parameter key (owned by decl): --parameter KEY=V or
 * --parameter NAME=V with the param's .hit name. */
static const char *given(Deploy *d, const char *key, const Decl *decl)
{
    for (int i = 0; i < d->params.len; i++) {
        const char *p = d->params.items[i];
        size_t n = (size_t)(strchr(p, '=') - p);
        if ((strlen(key) == n && strncmp(p, key, n) == 0) ||
            (decl && decl->name && strlen(decl->name) == n &&
             strncmp(p, decl->name, n) == 0))
            return p + n + 1;
    }
    return NULL;
}

/* Every --parameter names a param of the app, and none of hitc's own
 * (Stage, CodeBucket, CodePrefix: --stage, --bucket, --prefix).  0 or 2. */
static int check_given(Deploy *d)
{
    Ctx *ctx = d->s.aws.ctx;
    Arena *a = ctx->arena;
    CfnNode *ps = d->s.emit.parameters;
    static const char *const own[][2] = {
        {"Stage", "--stage"}, {"CodeBucket", "--bucket"}, {"CodePrefix", "--prefix"},
    };
    for (int i = 0; i < d->params.len; i++) {
        const char *p = d->params.items[i];
        const char *key = arena_strndup(a, p, (size_t)(strchr(p, '=') - p));
        bool known = false;
        for (int k = 0; ps && k < ps->len && !known; k++) {
            const Decl *decl = strmap_get(&ctx->prog.ids, ps->pairs[k].key);
            known = strcmp(ps->pairs[k].key, key) == 0 ||
                    (decl && decl->name && strcmp(decl->name, key) == 0);
        }
        for (size_t k = 0; k < sizeof own / sizeof *own; k++)
            if (strcasecmp(key, own[k][0]) == 0)    /* Stage or stage */
                return usage_error("deploy", "--parameter %s: hitc sets %s; "
                                   "use %s", p, own[k][0], own[k][1]);
        if (!known)
            return usage_error("deploy", "--parameter %s: the app has no "
                               "param '%s'", p, key);
    }
    return 0;
}

/* Whether the deployed stack (its Parameters, *deployed, read once: NULL
 * when there is none) has a value for key. */
static bool deployed_value(Deploy *d, CfnNode **deployed, bool *read, const char *key)
{
    if (!*read)
        *deployed = stack_parameters(&d->s.aws, d->s.stack);
    *read = true;
    for (int i = 0; *deployed && i < (*deployed)->len; i++) {
        const char *k = aws_str((*deployed)->items[i], "ParameterKey");
        if (k && strcmp(k, key) == 0)
            return true;
    }
    return false;
}

/* Every parameter's value: Stage, CodeBucket and CodePrefix from hitc, the
 * app's params from --parameter or their defaults; a param with neither
 * keeps the value the deployed stack has (a null value here: CloudFormation's
 * UsePreviousValue), which costs one read of the stack, made only then.
 * E0802 for each one without any; usage error for a --parameter that names
 * none.  0, 1 or 2. */
static int parameters(Deploy *d)
{
    Ctx *ctx = d->s.aws.ctx;
    Arena *a = ctx->arena;
    CfnNode *ps = d->s.emit.parameters;
    CfnNode *deployed = NULL;
    bool read = false;
    d->values = cfn_obj(a, (Loc){0});
    if (check_given(d) != 0)
        return 2;
    for (int i = 0; ps && i < ps->len; i++) {
        const char *key = ps->pairs[i].key;
        const Decl *decl = strmap_get(&ctx->prog.ids, key);
        const char *v = given(d, key, decl);
        if (strcmp(key, "Stage") == 0)
            v = d->s.stage;
        else if (strcmp(key, "CodeBucket") == 0)
            continue;           /* once the bucket is known */
        else if (strcmp(key, "CodePrefix") == 0)
            v = d->prefix;
        if (!v && cfn_obj_get(ps->pairs[i].value, "Default"))
            continue;
        const char *name = decl && decl->name ? decl->name : key;
        if (!v && deployed_value(d, &deployed, &read, key)) {
            fprintf(d->s.say, "param '%s' (%s) keeps its deployed value\n", name, key);
            cfn_put(a, d->values, key, cfn_null(a, (Loc){0}));
            continue;
        }
        if (!v) {
            Diag *g = diag(ctx, D_DEPLOY_PARAM, decl ? decl->loc : (Loc){ctx->root_src, 0, 0},
                           "param '%s' (%s) has no value and no default", name, key);
            note(ctx, g, decl ? decl->loc : (Loc){ctx->root_src, 0, 0},
                 "give it one: hitc deploy ... --parameter %s=VALUE (a stack "
                 "deployed with one keeps it)", name);
            continue;
        }
        cfn_put_str(a, d->values, key, v);
    }
    ship_flush(&d->s);
    return ctx->nerrors ? 1 : 0;
}

/* The values as `aws cloudformation create-change-set --parameters` takes
 * them: JSON, so that commas and quotes in values need no escaping.  only:
 * a template's Parameters, to give only those (NULL: all). */
static char *parameters_json(Deploy *d, const CfnNode *only)
{
    Arena *a = d->s.aws.ctx->arena;
    CfnNode *list = cfn_arr(a, (Loc){0});
    for (int i = 0; i < d->values->len; i++) {
        if (only && !cfn_obj_get(only, d->values->pairs[i].key))
            continue;
        CfnNode *p = cfn_obj(a, (Loc){0});
        cfn_put_str(a, p, "ParameterKey", d->values->pairs[i].key);
        if (d->values->pairs[i].value->kind == CFN_NULL)
            cfn_put_bool(a, p, "UsePreviousValue", true);
        else
            cfn_put(a, p, "ParameterValue", d->values->pairs[i].value);
        cfn_arr_push(a, list, p);
    }
    return cfn_json_compact(list);
}

/* ---- the plain recipe ----------------------------------------------------- */

static int print_commands(Deploy *d)
{
    Arena *a = d->s.aws.ctx->arena;
    Buf b = {0};
    buf_add(&b, "", 0);
    bool code = d->s.emit.need_code_params;
    if (code) {
        const char *sync[] = {"s3", "sync", arena_printf(a, "%s/bundles", d->dir),
                              arena_printf(a, "s3://%s/%s", d->bucket, d->prefix), NULL};
        aws_shell_line(&d->s.aws, sync, &b);
    }
    const char *args[64];
    int n = 0;
    args[n++] = "cloudformation";
    args[n++] = "deploy";
    args[n++] = "--template-file";
    args[n++] = arena_printf(a, "%s/template.json", d->dir);
    args[n++] = "--stack-name";
    args[n++] = d->s.stack;
    int given = 0;
    for (int i = 0; i < d->values->len; i++)
        given += d->values->pairs[i].value->kind != CFN_NULL;
    if (given) {
        args[n++] = "--parameter-overrides";
        for (int i = 0; i < d->values->len && n < 50; i++)
            if (d->values->pairs[i].value->kind != CFN_NULL)   /* deploy keeps it */
                args[n++] = arena_printf(a, "%s=%s", d->values->pairs[i].key,
                                         d->values->pairs[i].value->text);
    }
    args[n++] = "--capabilities";
    args[n++] = "CAPABILITY_IAM";
    args[n++] = "CAPABILITY_NAMED_IAM";
    if (emit_needs_s3(&d->s.emit)) {
        args[n++] = "--s3-bucket";
        args[n++] = d->bucket;
        args[n++] = "--s3-prefix";
        args[n++] = arena_printf(a, "%stemplates", d->prefix);
    }
    args[n] = NULL;
    aws_shell_line(&d->s.aws, args, &b);
    const char *outs[] = {"cloudformation", "describe-stacks", "--stack-name", d->s.stack,
                          "--query", "Stacks[0].Outputs", NULL};
    aws_shell_line(&d->s.aws, outs, &b);
    fputs(b.data, stdout);
    buf_free(&b);
    return fflush(stdout) == 0 ? 0 : 2;
}

/* ---- the stack and its change set --------------------------------------- */

/* CREATE or UPDATE, once the stack has settled; a stack whose creation
 * failed (ROLLBACK_COMPLETE) is deleted first, as CloudFormation cannot
 * update it and it holds nothing but what it retained.  0 or 2. */
static int stack_state(Deploy *d, const char **type)
{
    Aws *aws = &d->s.aws;
    bool missing;
    CfnNode *st = stack_settle(aws, d->s.stack, &missing);
    if (!st && !missing)
        return 2;
    const char *status = aws_str(st, "StackStatus");
    if (missing || strcmp(status, "REVIEW_IN_PROGRESS") == 0) {
        *type = "CREATE";
        return 0;
    }
    if (strcmp(status, "ROLLBACK_COMPLETE") == 0) {
        fprintf(d->s.say, "stack %s failed to create earlier (ROLLBACK_COMPLETE) and "
                "holds only what it retained; deleting it to start again\n", d->s.stack);
        StrMap seen = {0};
        stack_seen_events(aws, d->s.stack, &seen);
        const char *del[] = {"cloudformation", "delete-stack", "--stack-name", d->s.stack,
                             NULL};
        CfnNode *failed = NULL;
        const char *end = aws_call(aws, "delete the failed stack", del, false)
            ? stack_follow(aws, d->s.stack, &seen, 0, NULL, &failed) : NULL;
        if (!end || strcmp(end, "DELETE_COMPLETE") != 0) {
            fprintf(stderr, "hitc: stack '%s' could not be deleted; see its events\n",
                    d->s.stack);
            return 2;
        }
        *type = "CREATE";
        return 0;
    }
    size_t n = strlen(status);
    if (n > 9 && strcmp(status + n - 9, "_COMPLETE") == 0 &&
        strcmp(status, "DELETE_COMPLETE") != 0) {
        *type = "UPDATE";
        return 0;
    }
    fprintf(stderr, "hitc: stack '%s' is %s, which CloudFormation cannot update; "
            "see its events (aws cloudformation describe-stack-events --stack-name "
            "%s), and continue its rollback or delete it ('hitc destroy')\n",
            d->s.stack, status, d->s.stack);
    return 2;
}

typedef struct ChangeSet {
    const char *id;             /* its ARN */
    const char *type;           /* CREATE or UPDATE */
    CfnNode *changes;           /* the Changes array */
    bool empty;                 /* CloudFormation found nothing to change */
    /* another template than the build's (a crossing's step 1): its file
     * or URL, and its Parameters (only those get values) */
    const char *template_file, *template_url;
    const CfnNode *params_of;
} ChangeSet;

/* CloudFormation's ways of saying a change set would change nothing. */
static bool no_changes(const char *why)
{
    return strstr(why, "didn't contain changes") || strstr(why, "No updates are to be performed");
}

static int make_change_set(Deploy *d, ChangeSet *cs)
{
    Aws *aws = &d->s.aws;
    Arena *a = aws->ctx->arena;
    char name[64];
    time_t now = time(NULL);
    strftime(name, sizeof name, "hitc-%Y%m%d-%H%M%S", gmtime(&now));
    const char *args[32];
    int n = 0;
    const char *fixed[] = {"cloudformation", "create-change-set", "--stack-name",
                           d->s.stack, "--change-set-name",
                           arena_printf(a, "%s-%d", name, (int)getpid()),
                           "--change-set-type", cs->type, "--capabilities",
                           "CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "--description",
                           arena_printf(a, "hitc deploy of %s, stage %s", d->s.file,
                                        d->s.stage)};
    for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++)
        args[n++] = fixed[i];
    const char *url = cs->template_file ? cs->template_url : d->template_url;
    if (url) {
        args[n++] = "--template-url";
        args[n++] = url;
    } else {
        args[n++] = "--template-body";
        args[n++] = cs->template_file ? arena_printf(a, "file://%s", cs->template_file)
                                      : arena_printf(a, "file://%s/template.json", d->dir);
    }
    char *params = NULL;
    if (d->values->len) {
        params = parameters_json(d, cs->params_of);
        args[n++] = "--parameters";
        args[n++] = arena_strdup(a, params);
        free(params);
    }
    args[n] = NULL;
    cs->id = aws_str(aws_call(aws, "make a change set", args, true), "Id");
    if (!cs->id && aws->err.data && no_changes(aws->err.data)) {
        cs->empty = true;       /* said at once, not in the change set */
        return 0;
    }
    if (!cs->id) {
        fprintf(stderr, "hitc: CloudFormation refused the change set for stack '%s': "
                "%s", d->s.stack, aws->err.data ? aws->err.data : "\n");
        return 2;
    }
    for (int tries = 0; tries < 1800; tries++) {
        const char *desc[] = {"cloudformation", "describe-change-set", "--change-set-name",
                              cs->id, NULL};
        CfnNode *r = aws_call(aws, "read the change set", desc, false);
        const char *status = aws_str(r, "Status");
        if (!status)
            return 2;
        if (strcmp(status, "CREATE_COMPLETE") == 0) {
            cs->changes = cfn_obj_get(r, "Changes");
            cs->empty = !cs->changes || cs->changes->len == 0;
            return 0;
        }
        if (strcmp(status, "FAILED") == 0) {
            const char *why = aws_str(r, "StatusReason");
            if (why && no_changes(why)) {
                cs->empty = true;
                return 0;
            }
            fprintf(stderr, "hitc: CloudFormation refused the change set for stack "
                    "'%s': %s\n", d->s.stack, why ? why : "(no reason given)");
            return 2;
        }
        sleep(1);
    }
    fprintf(stderr, "hitc: the change set for stack '%s' was not ready after 30 "
            "minutes\n", d->s.stack);
    return 2;
}

/* Drop a change set that will not run; a new stack's would leave an empty
 * stack in REVIEW_IN_PROGRESS, so that goes too. */
static void drop_change_set(Deploy *d, const ChangeSet *cs)
{
    const char *args[] = {"cloudformation", "delete-change-set", "--change-set-name",
                          cs->id, NULL};
    aws_call(&d->s.aws, "delete the change set", args, true);
    if (strcmp(cs->type, "CREATE") == 0) {
        const char *del[] = {"cloudformation", "delete-stack", "--stack-name", d->s.stack,
                             NULL};
        aws_call(&d->s.aws, "delete the empty stack", del, true);
    }
}

/* The deployed template, as get-template gives it (an object, or the text
 * of one). */
static CfnNode *deployed_template(Deploy *d)
{
    Ctx *ctx = d->s.aws.ctx;
    const char *args[] = {"cloudformation", "get-template", "--stack-name", d->s.stack,
                          NULL};
    CfnNode *body = cfn_obj_get(aws_call(&d->s.aws, "read the deployed template", args,
                                         false), "TemplateBody");
    if (body && body->kind == CFN_STRING) {
        Ctx *scratch = ctx_new();
        CfnNode *t = cfn_read(scratch, source_from_text(scratch, "deployed", body->text,
                                                        strlen(body->text)));
        char *text = t ? cfn_json_compact(t) : NULL;
        body = text ? cfn_read(ctx, source_from_text(ctx, "deployed", text, strlen(text)))
                    : NULL;
        free(text);
        ctx_free(scratch);
    }
    return body;
}

/* ---- plan, execute, report ------------------------------------------------- */

static int report_failure(Deploy *d, const CfnNode *ev, const char *status)
{
    Ctx *ctx = d->s.aws.ctx;
    const char *logical = aws_str(ev, "LogicalResourceId");
    const Decl *decl = logical ? strmap_get(&ctx->prog.ids, logical) : NULL;
    Loc at = decl ? decl->loc : (Loc){ctx->root_src, 0, 0};
    Diag *g = diag(ctx, D_DEPLOY_FAILED, at, "deploying stack '%s' failed at %s%s%s%s: %s",
                   d->s.stack, decl ? decl->display : "", decl ? " (" : "",
                   logical ? logical : "the stack", decl ? ")" : "",
                   ev ? aws_str(ev, "ResourceStatusReason") : "no resource said why");
    note(ctx, g, at, "the stack is %s", status ? status : "gone");
    ship_flush(&d->s);
    return 1;
}

static int execute(Deploy *d, const ChangeSet *cs, int total)
{
    Aws *aws = &d->s.aws;
    StrMap seen = {0};
    stack_seen_events(aws, d->s.stack, &seen);
    const char *args[] = {"cloudformation", "execute-change-set", "--change-set-name",
                          cs->id, NULL};
    fprintf(d->s.say, "deploying stack %s\n", d->s.stack);
    fflush(d->s.say);
    if (!aws_call(aws, "execute the change set", args, false))
        return 2;
    CfnNode *failed = NULL;
    const char *status = stack_follow(aws, d->s.stack, &seen, total, &aws->ctx->prog.ids,
                                      &failed);
    if (!status || (strcmp(status, "CREATE_COMPLETE") != 0 &&
                    strcmp(status, "UPDATE_COMPLETE") != 0))
        return report_failure(d, failed, status);
    fprintf(d->s.say, "stack %s: %s\n", d->s.stack, status);
    return 0;
}

/* Write a step's template beside the build (DIR.NAME.json) and, past what
 * CloudFormation takes inline, upload it beside the app's templates. */
static int step_template(Deploy *d, const char *name, const char *text, ChangeSet *cs)
{
    Arena *a = d->s.aws.ctx->arena;
    /* beside the build, not in it: the next build replaces the directory
     * only when it holds nothing but what a build wrote */
    cs->template_file = arena_printf(a, "%s.%s.json", d->dir, name);
    FILE *f = fopen(cs->template_file, "w");
    bool ok = f && fprintf(f, "%s\n", text) >= 0;
    if (f && fclose(f) != 0)
        ok = false;
    if (!ok) {
        fprintf(stderr, "hitc: cannot write %s: %s\n", cs->template_file, strerror(errno));
        return 2;
    }
    size_t len = strlen(text) + 1;
    if (len <= CFN_MAX_INLINE_BODY)
        return 0;
    char sha[65];
    sha256_hex(text, len - 1, sha);
    const char *key = arena_printf(a, "%stemplates/%s-%s.json", d->prefix, name, sha);
    cs->template_url = arena_printf(a, "https://%s.s3.%s.amazonaws.com/%s", d->bucket,
                                    d->s.aws.w.region, key);
    return deploy_put(d, key, cs->template_file, len);
}

/* Print the plan under its heading; then refuse what it may not do (1),
 * stop there for --plan (0), or ask on a terminal (1 on a no), the change
 * set dropped in each case; -1 when the deploy goes on. */
static int show_and_ask(Deploy *d, ChangeSet *cs, Plan *plan, const char *heading,
                        const char *question)
{
    Buf text = {0};
    buf_add(&text, "", 0);
    plan_print(plan, &text);
    fprintf(d->s.say, "%s, %d change%s:\n%s", heading, plan->changes.len,
            plan->changes.len == 1 ? "" : "s", text.data);
    buf_free(&text);
    if (plan_refuse(d->s.aws.ctx, plan, d->s.stack)) {
        drop_change_set(d, cs);
        ship_flush(&d->s);
        return 1;
    }
    if (d->plan_only) {
        drop_change_set(d, cs);
        return 0;
    }
    if (!d->s.yes && isatty(0) && isatty(2) && !stack_confirm(question)) {
        drop_change_set(d, cs);
        fprintf(stderr, "hitc: nothing deployed\n");
        return 1;
    }
    return -1;
}

/* An app's first deploy past the threshold moves API parts out of the
 * root, which API Gateway refuses to have twice: deploy step 1 (the
 * deployed template without them, crossing.c) first; the caller then
 * deploys the split app.  One question covers both steps.  *stop when
 * the command ends here (--plan, a refusal, a no), rc saying how. */
static int cross_first(Deploy *d, bool *stop)
{
    Ctx *ctx = d->s.aws.ctx;
    CfnNode *old = deployed_template(d);
    Crossing c;
    if (!old || !crossing_find(ctx->arena, old, &d->s.emit, &c))
        return 0;
    Buf text = {0};
    buf_add(&text, "", 0);
    crossing_print(&c, &d->s.emit, d->s.stack, &text);
    fputs(text.data, d->s.say);
    buf_free(&text);
    char *body = cfn_json(c.template);
    CfnNode *params = cfn_obj_get(c.template, "Parameters");
    ChangeSet cs = {.type = "UPDATE",
                    .params_of = params ? params : cfn_obj(ctx->arena, (Loc){0})};
    int rc = step_template(d, "crossing", body, &cs);
    free(body);
    if (rc == 0)
        rc = make_change_set(d, &cs);
    *stop = true;
    if (rc != 0)
        return rc;
    Plan plan = {0};
    plan_make(ctx->arena, &plan, old, c.template, cs.changes, &ctx->prog.ids);
    plan_allow(&plan, (const char *const *)d->allow.items, d->allow.len);
    rc = show_and_ask(d, &cs, &plan,
                      arena_printf(ctx->arena, "plan for stack %s, step 1 of 2", d->s.stack),
                      arena_printf(ctx->arena, "deploy both steps to %s?", d->s.stack));
    if (rc == 0 && d->plan_only)
        fprintf(d->s.say, "step 2's plan is made once step 1 is deployed\n");
    if (rc >= 0)
        return rc;
    d->s.yes = true;            /* asked once, for both */
    if ((rc = execute(d, &cs, plan.changes.len)) != 0)
        return rc;
    *stop = false;
    fprintf(d->s.say, "step 2 of 2: the split app\n");
    return 0;
}

static int plan_and_deploy(Deploy *d)
{
    Aws *aws = &d->s.aws;
    Ctx *ctx = aws->ctx;
    ChangeSet cs = {0};
    int rc = stack_state(d, &cs.type);
    if (rc == 0)
        rc = deploy_upload(d);
    bool stop = false;
    if (rc == 0 && strcmp(cs.type, "UPDATE") == 0 && d->s.emit.stacks.len &&
        ((rc = cross_first(d, &stop)) != 0 || stop))
        return rc;
    if (rc == 0)
        rc = make_change_set(d, &cs);
    if (rc != 0)
        return rc;
    /* CloudFormation refused a change set with nothing in it: no plan to make */
    bool nothing = cs.empty && !cs.id && strcmp(cs.type, "UPDATE") == 0;
    CfnNode *old = strcmp(cs.type, "UPDATE") == 0 && !nothing ? deployed_template(d) : NULL;
    Plan plan = {0};
    plan_make(ctx->arena, &plan, old, d->s.emit.template, cs.changes, &ctx->prog.ids);
    plan_allow(&plan, (const char *const *)d->allow.items, d->allow.len);
    if (nothing || plan.changes.len == 0 || (cs.empty && strcmp(cs.type, "UPDATE") == 0)) {
        if (cs.id)
            drop_change_set(d, &cs);
        fprintf(d->s.say, "no changes: stack %s is up to date\n", d->s.stack);
        return d->plan_only ? 0 : stack_print_outputs(aws, d->s.stack, d->s.json);
    }
    rc = show_and_ask(d, &cs, &plan,
                      arena_printf(ctx->arena, "plan for stack %s (%s)", d->s.stack,
                                   strcmp(cs.type, "CREATE") == 0 ? "new" : "update"),
                      arena_printf(ctx->arena, "deploy these changes to %s?", d->s.stack));
    if (rc >= 0)
        return rc;
    rc = execute(d, &cs, plan.changes.len);
    return rc ? rc : stack_print_outputs(aws, d->s.stack, d->s.json);
}

static int run(Deploy *d)
{
    int rc = ship_start(&d->s, "deploy");
    if (rc != 0)
        return rc;
    if (!d->prefix)
        d->prefix = "hitc/";
    size_t np = strlen(d->prefix);
    if (np && d->prefix[np - 1] != '/')
        return usage_error("deploy", "--prefix '%s' must end in '/'", d->prefix);
    d->dir = cache_dir(d);
    if ((rc = take_lock(d)) != 0 || (rc = build(d)) != 0)
        return rc;
    if ((rc = parameters(d)) != 0)
        return rc;
    if (!d->bucket && (d->s.emit.need_code_params || emit_needs_s3(&d->s.emit)) &&
        (rc = bucket_managed(&d->s.aws, &d->bucket)) != 0)
        return rc;
    if (cfn_obj_get(d->s.emit.parameters, "CodeBucket"))
        cfn_put_str(d->s.aws.ctx->arena, d->values, "CodeBucket", d->bucket);
    if (d->print_commands)
        return print_commands(d);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    rc = plan_and_deploy(d);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    fprintf(d->s.say, "%s in %.1fs: %d aws call%s, %lld bytes uploaded\n",
            rc == 0 ? "done" : "stopped",
            (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9,
            d->s.aws.calls, d->s.aws.calls == 1 ? "" : "s", d->s.aws.uploaded);
    return rc;
}

int deploy_main(int argc, char **argv)
{
    Deploy d;
    memset(&d, 0, sizeof d);
    ship_init(&d.s);
    const char *pos[1];
    int npos = 0;
    int rc = options_parse(argc, argv, options, (int)(sizeof options / sizeof *options),
                           &d, pos, 1, &npos, usage);
    if (rc < 0) {
        d.s.file = npos ? pos[0] : NULL;
        rc = run(&d);
    }
    ship_free(&d.s);
    return rc;
}
