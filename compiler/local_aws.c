/*
 * local_aws.c: what `hitc invoke` and `hitc serve` ask of AWS, through the
 * AWS CLI (`aws`), as `hitc deploy` does.
 *
 * In: a Where (--stack NAME, --endpoint-url URL, the region) and an app.
 * Out: for --stack, the deployed stack's physical IDs and parameters (and
 * a stamped function's deployed .env, for values only a deployment knows);
 * for --endpoint-url, the app's tables, queues and topics made there when
 * missing, named per app and stage (APP-STAGE-NAME), with their names,
 * ARNs and URLs noted for the env.
 * Holds: one function runs the CLI (local_aws); every call names the
 * endpoint and region it means, and reads JSON (--output json) with hitc's
 * own reader.  A failed call is an error that quotes what aws said.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>


#include "local.h"
#include "zipout.h"

extern char **environ;

void local_where_init(Where *w)
{
    const char *r = getenv("AWS_REGION");
    if (!r || !*r)
        r = getenv("AWS_DEFAULT_REGION");
    w->region = r && *r ? r : "us-east-1";
    w->account = "123456789012";
    w->stage = "dev";
}

/* Read both pipes to their ends, so neither fills and blocks the child. */
static void drain(int outfd, int errfd, Buf *out, Buf *err)
{
    struct pollfd p[2] = {{outfd, POLLIN, 0}, {errfd, POLLIN, 0}};
    Buf *into[2] = {out, err};
    int open_ = 2;
    char chunk[16384];
    while (open_ > 0) {
        if (poll(p, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        for (int i = 0; i < 2; i++) {
            if (p[i].fd < 0 || !(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            ssize_t n = read(p[i].fd, chunk, sizeof chunk);
            if (n > 0 && into[i]) {
                buf_add(into[i], chunk, (size_t)n);
            } else if (n == 0 || (n < 0 && errno != EINTR)) {
                close(p[i].fd);
                p[i].fd = -1;
                open_--;
            }
        }
    }
}

int local_aws(const Where *w, const char *const *args, Buf *out, Buf *err)
{
    const char *argv[64];
    int n = 0;
    argv[n++] = "aws";
    for (int i = 0; args[i] && n < 54; i++)   /* room for 9 more */
        argv[n++] = args[i];
    argv[n++] = "--output";
    argv[n++] = "json";
    argv[n++] = "--region";
    argv[n++] = w->region;
    if (w->endpoint) {
        argv[n++] = "--endpoint-url";
        argv[n++] = w->endpoint;
    }
    if (w->profile) {
        argv[n++] = "--profile";
        argv[n++] = w->profile;
    }
    argv[n] = NULL;
    int po[2], pe[2];
    if (pipe2(po, O_CLOEXEC) != 0)
        return -1;
    if (pipe2(pe, O_CLOEXEC) != 0) {
        close(po[0]), close(po[1]);
        return -1;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, po[1], 1);
    posix_spawn_file_actions_adddup2(&fa, pe[1], 2);
    pid_t pid;
    int rc = posix_spawnp(&pid, "aws", &fa, NULL, (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(po[1]), close(pe[1]);
    if (out)
        buf_add(out, "", 0);
    if (err)
        buf_add(err, "", 0);
    if (rc != 0) {
        close(po[0]), close(pe[0]);
        return -1;
    }
    drain(po[0], pe[0], out, err);
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    /* posix_spawnp reports a missing program as exit status 127 */
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127 && err &&
        err->len == 0)
        return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Run aws and read its JSON answer into ctx's arena; NULL after printing
 * what went wrong. */
static CfnNode *aws_json(LocalApp *app, const Where *w, const char *what,
                         const char *const *args)
{
    Buf out = {0}, err = {0};
    int rc = local_aws(w, args, &out, &err);
    CfnNode *tree = NULL;
    if (rc < 0) {
        fprintf(stderr, "hitc: cannot run 'aws' (the AWS CLI) to %s: it is not "
                "on PATH; install it (it is what 'hitc deploy' uses too)\n", what);
    } else if (rc != 0) {
        fprintf(stderr, "hitc: 'aws %s %s' failed (exit %d) trying to %s: %s",
                args[0], args[1], rc, what, err.data);
        if (err.len == 0 || err.data[err.len - 1] != '\n')
            fputc('\n', stderr);
    } else {
        Ctx *scratch = ctx_new();
        Source *src = source_from_text(scratch, "aws", out.data, out.len);
        CfnNode *t = src ? cfn_read(scratch, src) : NULL;
        if (t) {
            /* copy into the app's arena: print and read back there */
            char *text = cfn_json_compact(t);
            Source *s2 = source_from_text(app->ctx, "aws", text, strlen(text));
            tree = cfn_read(app->ctx, s2);
            free(text);
        } else {
            fprintf(stderr, "hitc: 'aws %s %s' answered something that is not "
                    "JSON trying to %s\n", args[0], args[1], what);
        }
        ctx_free(scratch);
    }
    buf_free(&out);
    buf_free(&err);
    return tree;
}

/* arn:aws:cloudformation:REGION:ACCOUNT:stack/NAME/ID: field k (0-based). */
static const char *arn_field(Arena *a, const char *arn, int k)
{
    const char *p = arn;
    for (int i = 0; i < k && p; i++) {
        p = strchr(p, ':');
        if (p)
            p++;
    }
    return p ? arena_strndup(a, p, strcspn(p, ":")) : NULL;
}

int local_stack(LocalApp *app, Where *w)
{
    Arena *a = app->ctx->arena;
    char what[300];
    snprintf(what, sizeof what, "read stack '%s'", w->stack);
    const char *ds[] = {"cloudformation", "describe-stacks", "--stack-name",
                        w->stack, NULL};
    CfnNode *stacks = cfn_obj_get(aws_json(app, w, what, ds), "Stacks");
    CfnNode *stack = stacks && stacks->kind == CFN_ARRAY && stacks->len ? stacks->items[0]
                                                                       : NULL;
    if (!stack)
        return 1;
    const char *id = local_str(cfn_obj_get(stack, "StackId"));
    if (id) {
        w->region = arn_field(a, id, 3);
        w->account = arn_field(a, id, 4);
    }
    CfnNode *params = cfn_obj_get(stack, "Parameters");
    for (int i = 0; params && params->kind == CFN_ARRAY && i < params->len; i++) {
        const char *k = local_str(cfn_obj_get(params->items[i], "ParameterKey"));
        const char *v = local_str(cfn_obj_get(params->items[i], "ParameterValue"));
        if (k && v)
            strmap_put(a, &w->params, k, (void *)v);
    }
    const char *stage = strmap_get(&w->params, "Stage");
    if (stage)
        w->stage = stage;
    const char *dr[] = {"cloudformation", "describe-stack-resources",
                        "--stack-name", w->stack, NULL};
    CfnNode *res = cfn_obj_get(aws_json(app, w, what, dr), "StackResources");
    if (!res)
        return 1;
    for (int i = 0; res->kind == CFN_ARRAY && i < res->len; i++) {
        const char *l = local_str(cfn_obj_get(res->items[i], "LogicalResourceId"));
        const char *p = local_str(cfn_obj_get(res->items[i], "PhysicalResourceId"));
        if (l && p)
            strmap_put(a, &w->physical, l, (void *)p);
    }
    /* a stream's ARN is known only to DynamoDB */
    for (int i = 0; i < app->res.len; i++) {
        LocalRes *r = app->res.items[i];
        const char *table = strmap_get(&w->physical, r->logical);
        if (r->kind != RES_TABLE || !table || !cfn_obj_get(r->props, "StreamSpecification"))
            continue;
        const char *dt[] = {"dynamodb", "describe-table", "--table-name", table, NULL};
        const char *arn = local_str(cfn_obj_get(cfn_obj_get(aws_json(app, w, what, dt),
                                                         "Table"), "LatestStreamArn"));
        if (arn)
            strmap_put(a, &w->made, arena_printf(a, "%s.StreamArn", r->logical),
                       (void *)arn);
    }
    return 0;
}

/* ---- the deployed .env of a stamped function (--stack) ---------------- */

typedef struct EnvInto {
    Arena *a;
    StrMap *map;
} EnvInto;

static void env_into(void *arg, const char *key, const char *value)
{
    EnvInto *into = arg;
    strmap_put(into->a, into->map, arena_strdup(into->a, key), arena_strdup(into->a, value));
}

int local_stack_env(LocalApp *app, Where *w, LocalFn *fn, StrMap *out)
{
    const char *stamp = NULL;
    CfnNode *code = cfn_obj_get(cfn_obj_get(cfn_obj_get(
        cfn_obj_get(app->emit.resources, fn->logical), "Properties"), "Code"), "S3Bucket");
    CfnNode *g = code && code->kind == CFN_OBJECT ? cfn_obj_get(code, "Fn::GetAtt") : NULL;
    if (g && g->kind == CFN_ARRAY && g->len == 2)
        stamp = local_str(g->items[0]);
    const char *where = stamp ? strmap_get(&w->physical, stamp) : NULL;
    if (!where || strncmp(where, "s3://", 5) != 0)
        return -1;
    const char *args[] = {"s3", "cp", where, "-", NULL};
    Buf zipped = {0}, err = {0};
    int rc = local_aws(w, args, &zipped, &err);
    if (rc != 0) {
        fprintf(stderr, "hitc: 'aws s3 cp %s -' failed: %s\n", where, err.data);
        buf_free(&zipped), buf_free(&err);
        return -1;
    }
    buf_free(&err);
    unsigned char *text;
    size_t len;
    int found = -1;
    if (zip_read_entry((unsigned char *)zipped.data, zipped.len, ".env", &text,
                       &len) == 0) {
        EnvInto into = {app->ctx->arena, out};
        found = env_file_each(text, len, env_into, &into);
        free(text);
    }
    buf_free(&zipped);
    return found;
}

/* ---- making the app's resources at a local endpoint -------------------- */

static void remember(LocalApp *app, Where *w, const char *logical, const char *attr,
                 const char *value)
{
    Arena *a = app->ctx->arena;
    const char *key = attr ? arena_printf(a, "%s.%s", logical, attr) : logical;
    strmap_put(a, &w->made, key, arena_strdup(a, value));
}

static bool listed(const CfnNode *names, const char *name)
{
    for (int i = 0; names && names->kind == CFN_ARRAY && i < names->len; i++)
        if (local_str(names->items[i]) && strcmp(names->items[i]->text, name) == 0)
            return true;
    return false;
}

/* create-table's input from the template's table: its keys, indexes,
 * billing and stream (StreamEnabled, which CloudFormation leaves out). */
static char *table_input(LocalApp *app, const LocalRes *r, const char *name)
{
    static const char *const keep[] = {"AttributeDefinitions", "KeySchema",
        "BillingMode", "ProvisionedThroughput", "GlobalSecondaryIndexes",
        "LocalSecondaryIndexes"};
    Arena *a = app->ctx->arena;
    Loc at = {0};
    CfnNode *in = cfn_obj(a, at);
    cfn_put_str(a, in, "TableName", name);
    for (size_t i = 0; i < sizeof keep / sizeof *keep; i++) {
        CfnNode *v = cfn_obj_get(r->props, keep[i]);
        if (v)
            cfn_put(a, in, keep[i], v);
    }
    CfnNode *stream = cfn_obj_get(r->props, "StreamSpecification");
    const char *view = local_str(cfn_obj_get(stream, "StreamViewType"));
    if (view) {
        CfnNode *s = cfn_put_obj(a, in, "StreamSpecification");
        cfn_put_bool(a, s, "StreamEnabled", true);
        cfn_put_str(a, s, "StreamViewType", view);
    }
    return cfn_json_compact(in);
}

static int prepare_table(LocalApp *app, Where *w, const LocalRes *r,
                         const CfnNode *names, bool quiet)
{
    Arena *a = app->ctx->arena;
    const char *name = local_name(app->ctx, app, w, r->name);
    CfnNode *table = NULL;
    char what[300];
    if (!listed(names, name)) {
        char *input = table_input(app, r, name);
        snprintf(what, sizeof what, "make table '%s'", name);
        const char *args[] = {"dynamodb", "create-table", "--cli-input-json",
                              input, NULL};
        table = cfn_obj_get(aws_json(app, w, what, args), "TableDescription");
        free(input);
        if (!table)
            return 1;
        if (!quiet)
            fprintf(stderr, "hitc: made table '%s' at %s\n", name, w->endpoint);
    } else if (cfn_obj_get(r->props, "StreamSpecification")) {
        snprintf(what, sizeof what, "read table '%s'", name);
        const char *args[] = {"dynamodb", "describe-table", "--table-name", name, NULL};
        table = cfn_obj_get(aws_json(app, w, what, args), "Table");
    }
    remember(app, w, r->logical, NULL, name);
    const char *arn = local_str(cfn_obj_get(table, "TableArn"));
    remember(app, w, r->logical, "Arn", arn ? arn : arena_printf(
        a, "arn:aws:dynamodb:%s:%s:table/%s", w->region, w->account, name));
    const char *stream = local_str(cfn_obj_get(table, "LatestStreamArn"));
    if (stream)
        remember(app, w, r->logical, "StreamArn", stream);
    return 0;
}

/* A queue's or topic's name: its own (QueueName, TopicName) as the
 * template spells it, evaluated here, or APP-STAGE-LOGICAL. */
static const char *given_name(LocalApp *app, Where *w, const LocalRes *r,
                              const char *prop)
{
    const char *why = NULL;
    CfnNode *n = cfn_obj_get(r->props, prop);
    const char *v = n ? local_eval(app, w, n, &why) : NULL;
    if (v && *v)
        return v;
    const char *name = local_name(app->ctx, app, w, r->logical);
    CfnNode *fifo = cfn_obj_get(r->props, "FifoQueue");
    if (fifo && ((fifo->kind == CFN_BOOL && fifo->boolean) ||
                 (fifo->kind == CFN_STRING && strcmp(fifo->text, "true") == 0)))
        name = arena_printf(app->ctx->arena, "%s.fifo", name);
    return name;
}

static void prepare_queue(LocalApp *app, Where *w, const LocalRes *r, bool quiet)
{
    const char *name = given_name(app, w, r, "QueueName");
    char what[300];
    snprintf(what, sizeof what, "make queue '%s' (an endpoint without SQS "
             "leaves its env values unknown)", name);
    bool fifo = strlen(name) > 5 && strcmp(name + strlen(name) - 5, ".fifo") == 0;
    const char *args[] = {"sqs", "create-queue", "--queue-name", name,
                          fifo ? "--attributes" : NULL, "FifoQueue=true", NULL};
    const char *url = local_str(cfn_obj_get(aws_json(app, w, what, args), "QueueUrl"));
    if (!url)
        return;
    if (!quiet)
        fprintf(stderr, "hitc: queue '%s' is %s\n", name, url);
    remember(app, w, r->logical, NULL, url);
    remember(app, w, r->logical, "QueueName", name);
    remember(app, w, r->logical, "Arn", arena_printf(app->ctx->arena, "arn:aws:sqs:%s:%s:%s",
                                                 w->region, w->account, name));
}

static void prepare_topic(LocalApp *app, Where *w, const LocalRes *r, bool quiet)
{
    const char *name = given_name(app, w, r, "TopicName");
    char what[300];
    snprintf(what, sizeof what, "make topic '%s' (an endpoint without SNS "
             "leaves its env values unknown)", name);
    const char *args[] = {"sns", "create-topic", "--name", name, NULL};
    const char *arn = local_str(cfn_obj_get(aws_json(app, w, what, args), "TopicArn"));
    if (!arn)
        return;
    if (!quiet)
        fprintf(stderr, "hitc: topic '%s' is %s\n", name, arn);
    remember(app, w, r->logical, NULL, arn);
    remember(app, w, r->logical, "TopicName", name);
}

int local_prepare(LocalApp *app, Where *w, bool quiet)
{
    bool tables = false;
    for (int i = 0; i < app->res.len; i++)
        tables |= ((LocalRes *)app->res.items[i])->kind == RES_TABLE;
    CfnNode *names = NULL;
    if (tables) {
        char what[300];
        snprintf(what, sizeof what, "list the tables at %s", w->endpoint);
        const char *args[] = {"dynamodb", "list-tables", NULL};
        CfnNode *listing = aws_json(app, w, what, args);
        if (!listing)
            return 1;
        names = cfn_obj_get(listing, "TableNames");
    }
    for (int i = 0; i < app->res.len; i++) {
        LocalRes *r = app->res.items[i];
        if (r->kind == RES_TABLE && prepare_table(app, w, r, names, quiet) != 0)
            return 1;
        if (r->kind == RES_QUEUE)
            prepare_queue(app, w, r, quiet);
        if (r->kind == RES_TOPIC)
            prepare_topic(app, w, r, quiet);
    }
    return 0;
}
