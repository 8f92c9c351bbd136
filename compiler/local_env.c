/*
 * local_env.c: what a function of a LocalApp sees in its environment when
 * `hitc invoke` and `hitc serve` run it.
 *
 * In: a LocalApp, a Where (an endpoint's local names, a deployed stack's
 * physical IDs, --env NAME=VALUE over both).  Out: each env value of a
 * function (the stamp's Env, Lambda's Environment) evaluated: Ref, GetAtt,
 * Sub and the pseudo parameters as CloudFormation would resolve them
 * there (local_eval, local_env); the process environment of its worker,
 * Lambda's variables included (local_spec).
 * Holds: a value that needs what only a deployment knows (a plugin's
 * output) has no value here, and the error says which key and how to give
 * it.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "kinds/api.h"
#include "local.h"

/* ---- env values ---------------------------------------------------------- */

const char *local_name(Ctx *ctx, const LocalApp *app, const Where *w,
                       const char *name)
{
    return arena_printf(ctx->arena, "%s-%s-%s", app->app, w->stage, name);
}

static const char *stack_name(LocalApp *app, const Where *w)
{
    return w->stack ? w->stack
                    : arena_printf(app->ctx->arena, "%s-%s", app->app, w->stage);
}

static const char *pseudo(LocalApp *app, const Where *w, const char *name)
{
    Arena *a = app->ctx->arena;
    if (strcmp(name, "AWS::Region") == 0)
        return w->region;
    if (strcmp(name, "AWS::AccountId") == 0)
        return w->account;
    if (strcmp(name, "AWS::Partition") == 0)
        return "aws";
    if (strcmp(name, "AWS::URLSuffix") == 0)
        return "amazonaws.com";
    if (strcmp(name, "AWS::StackName") == 0)
        return stack_name(app, w);
    if (strcmp(name, "AWS::StackId") == 0)
        return arena_printf(a, "arn:aws:cloudformation:%s:%s:stack/%s/local",
                            w->region, w->account, stack_name(app, w));
    if (strcmp(name, "AWS::NoValue") == 0)
        return "";
    return NULL;
}

static const char *what_is(LocalApp *app, const char *logical)
{
    Decl *d = id_owner(app->ctx, logical);
    if (d && d->name && d->kind)
        return arena_printf(app->ctx->arena, "%s '%s'", d->kind->noun, d->name);
    return arena_printf(app->ctx->arena, "resource '%s'", logical);
}

static const char *res_type(LocalApp *app, const char *logical)
{
    return local_str(cfn_obj_get(cfn_obj_get(app->emit.resources, logical), "Type"));
}

/* A resource's physical name, locally or in the stack. */
static const char *physical(LocalApp *app, Where *w, const char *logical,
                            const char **why)
{
    if (w->stack) {
        const char *v = strmap_get(&w->physical, logical);
        if (!v)
            *why = arena_printf(app->ctx->arena, "stack '%s' has no resource "
                                "'%s' (deploy this build first)", w->stack, logical);
        return v;
    }
    const char *v = strmap_get(&w->made, logical);
    if (v)
        return v;
    const char *t = res_type(app, logical);
    if (t && strcmp(t, "AWS::Lambda::Function") == 0) {
        LocalFn *f = local_fn(app, logical);
        return local_name(app->ctx, app, w, f ? f->name : logical);
    }
    if (t && (strcmp(t, "AWS::ApiGateway::RestApi") == 0 ||
              strcmp(t, "AWS::ApiGatewayV2::Api") == 0)) {
        *why = "the API exists only in a deployed stage (--stack NAME); 'hitc "
               "serve' gives api.url its own URL";
        return NULL;
    }
    bool local = t && (strcmp(t, "AWS::DynamoDB::Table") == 0 ||
                       strcmp(t, "AWS::SQS::Queue") == 0 ||
                       strcmp(t, "AWS::SNS::Topic") == 0);
    *why = arena_printf(app->ctx->arena, "%s exists only in a deployed stage "
                        "(--stack NAME)%s", what_is(app, logical),
                        local ? " or at a local endpoint (--endpoint-url URL)" : "");
    return NULL;
}

static const char *param_value(LocalApp *app, Where *w, const char *name,
                               const char **why)
{
    if (strcmp(name, "Stage") == 0)
        return w->stage;
    const char *v = w->stack ? strmap_get(&w->params, name) : NULL;
    if (v)
        return v;
    CfnNode *p = cfn_obj_get(cfn_obj_get(app->emit.template, "Parameters"), name);
    v = local_str(cfn_obj_get(p, "Default"));
    if (!v) {
        Decl *d = id_owner(app->ctx, name);
        *why = arena_printf(app->ctx->arena, "parameter '%s' has no default "
                            "and no value here", d && d->name ? d->name : name);
    }
    return v;
}

static const char *eval_ref(LocalApp *app, Where *w, const char *name,
                            const char **why)
{
    const char *v = pseudo(app, w, name);
    if (v)
        return v;
    if (cfn_obj_get(cfn_obj_get(app->emit.template, "Parameters"), name))
        return param_value(app, w, name, why);
    return physical(app, w, name, why);
}

/* The last part of s after sep. */
static const char *last_part(const char *s, char sep)
{
    const char *p = strrchr(s, sep);
    return p ? p + 1 : s;
}

static const char *eval_getatt(LocalApp *app, Where *w, const char *logical,
                               const char *attr, const char **why)
{
    Arena *a = app->ctx->arena;
    char key[512];
    snprintf(key, sizeof key, "%s.%s", logical, attr);
    const char *v = strmap_get(&w->made, key);
    if (v)
        return v;
    const char *t = res_type(app, logical);
    const char *why_phys = NULL;
    const char *phys = physical(app, w, logical, &why_phys);
    if (t && phys && strcmp(attr, "Arn") == 0) {
        if (strcmp(t, "AWS::DynamoDB::Table") == 0)
            return arena_printf(a, "arn:aws:dynamodb:%s:%s:table/%s", w->region,
                                w->account, phys);
        if (strcmp(t, "AWS::Lambda::Function") == 0)
            return arena_printf(a, "arn:aws:lambda:%s:%s:function:%s", w->region,
                                w->account, phys);
        if (strcmp(t, "AWS::SQS::Queue") == 0)
            return arena_printf(a, "arn:aws:sqs:%s:%s:%s", w->region, w->account,
                                last_part(phys, '/'));
    }
    if (t && phys && strcmp(t, "AWS::SQS::Queue") == 0 && strcmp(attr, "QueueName") == 0)
        return last_part(phys, '/');
    if (t && phys && strcmp(t, "AWS::SNS::Topic") == 0 && strcmp(attr, "TopicName") == 0)
        return last_part(phys, ':');
    *why = why_phys ? why_phys
                    : arena_printf(a, "'%s' of %s is known only once it is "
                                   "deployed", attr, what_is(app, logical));
    return NULL;
}

static const char *eval_node(LocalApp *app, Where *w, const CfnNode *v,
                             const char **why, int depth);

/* Fn::Sub's "${X}", "${X.Y}" and "${!literal}", with vars for its map. */
static const char *eval_sub(LocalApp *app, Where *w, const char *s,
                            const CfnNode *vars, const char **why, int depth)
{
    Arena *a = app->ctx->arena;
    /* api.url, which serve answers with its own base URL */
    if (w->api_url && app->ctx->prog.api &&
        strcmp(s, api_stage_ref(app->ctx, app->ctx->prog.api, "url").sub) == 0)
        return w->api_url;
    Buf b = {0};
    buf_add(&b, "", 0);
    const char *out = NULL;
    for (const char *p = s;;) {
        const char *at = strstr(p, "${");
        if (!at) {
            buf_puts(&b, p);
            out = arena_strdup(a, b.data);
            break;
        }
        buf_add(&b, p, (size_t)(at - p));
        const char *end = strchr(at, '}');
        if (!end) {
            buf_puts(&b, at);
            out = arena_strdup(a, b.data);
            break;
        }
        char *name = arena_strndup(a, at + 2, (size_t)(end - at - 2));
        const char *val = NULL;
        if (name[0] == '!') {
            val = arena_printf(a, "${%s}", name + 1);
        } else if (vars && cfn_obj_get(vars, name)) {
            val = eval_node(app, w, cfn_obj_get(vars, name), why, depth + 1);
        } else {
            char *dot = strchr(name, '.');
            if (dot && strncmp(name, "AWS::", 5) != 0) {
                *dot = '\0';
                val = eval_getatt(app, w, name, dot + 1, why);
            } else {
                val = eval_ref(app, w, name, why);
            }
        }
        if (!val)
            break;
        buf_puts(&b, val);
        p = end + 1;
    }
    buf_free(&b);
    return out;
}

static const char *eval_node(LocalApp *app, Where *w, const CfnNode *v,
                             const char **why, int depth)
{
    if (!v || depth > 16) {
        *why = "a value hitc cannot work out here";
        return NULL;
    }
    if (v->kind == CFN_STRING || v->kind == CFN_NUMBER)
        return v->text;
    if (v->kind == CFN_BOOL)
        return v->boolean ? "true" : "false";
    const char *ref = local_ref(v), *attr = NULL;
    const char *ga = local_getatt(v, &attr);
    if (ref)
        return eval_ref(app, w, ref, why);
    if (ga && attr)
        return eval_getatt(app, w, ga, attr, why);
    const CfnNode *sub = v->kind == CFN_OBJECT ? cfn_obj_get(v, "Fn::Sub") : NULL;
    if (sub && sub->kind == CFN_STRING)
        return eval_sub(app, w, sub->text, NULL, why, depth);
    if (sub && sub->kind == CFN_ARRAY && sub->len == 2 && local_str(sub->items[0]))
        return eval_sub(app, w, sub->items[0]->text, sub->items[1], why, depth);
    const CfnNode *join = v->kind == CFN_OBJECT ? cfn_obj_get(v, "Fn::Join") : NULL;
    if (join && join->kind == CFN_ARRAY && join->len == 2 && local_str(join->items[0]) &&
        join->items[1]->kind == CFN_ARRAY) {
        Buf b = {0};
        buf_add(&b, "", 0);
        const char *out = NULL;
        int i = 0;
        for (; i < join->items[1]->len; i++) {
            const char *part = eval_node(app, w, join->items[1]->items[i], why, depth + 1);
            if (!part)
                break;
            buf_printf(&b, "%s%s", i ? join->items[0]->text : "", part);
        }
        if (i == join->items[1]->len)
            out = arena_strdup(app->ctx->arena, b.data);
        buf_free(&b);
        return out;
    }
    *why = "a value hitc cannot work out here";
    return NULL;
}

const char *local_eval(LocalApp *app, Where *w, const CfnNode *v,
                       const char **why)
{
    *why = NULL;
    return eval_node(app, w, v, why, 0);
}

static const char *env_given(const Where *w, const char *key)
{
    size_t n = strlen(key);
    for (int i = w->nenv - 1; i >= 0; i--)
        if (strncmp(w->env[i], key, n) == 0 && w->env[i][n] == '=')
            return w->env[i] + n + 1;
    return NULL;
}

static int env_map(LocalApp *app, Where *w, LocalFn *fn, const CfnNode *map,
                   PtrVec *keys, PtrVec *values)
{
    int bad = 0, deployed_read = 0;
    StrMap deployed = {0};
    Arena *a = app->ctx->arena;
    for (int i = 0; map && map->kind == CFN_OBJECT && i < map->len; i++) {
        const char *key = map->pairs[i].key, *why = NULL;
        const char *v = env_given(w, key);
        if (!v)
            v = local_eval(app, w, map->pairs[i].value, &why);
        /* with --stack, what only the deployment knows (a plugin's
         * output) is in the deployed code's .env */
        if (!v && w->stack && map == fn->stamp_env) {
            if (!deployed_read)
                deployed_read = local_stack_env(app, w, fn, &deployed) == 0 ? 1 : -1;
            v = deployed_read == 1 ? strmap_get(&deployed, key) : NULL;
        }
        if (!v) {
            fprintf(stderr, "hitc: env '%s' of function '%s' has no value here: "
                    "%s; give it with --env %s=VALUE\n", key, fn->name,
                    why ? why : "it is not known", key);
            bad = 1;
            continue;
        }
        vec_push(a, keys, (void *)key);
        vec_push(a, values, (void *)v);
    }
    return bad;
}

static bool has_key(const PtrVec *keys, const char *key)
{
    for (int i = 0; i < keys->len; i++)
        if (strcmp(keys->items[i], key) == 0)
            return true;
    return false;
}

int local_env(LocalApp *app, Where *w, LocalFn *fn, PtrVec *keys,
              PtrVec *values, PtrVec *native_keys, PtrVec *native_values)
{
    int bad = env_map(app, w, fn, fn->stamp_env, keys, values);
    bad |= env_map(app, w, fn, fn->native_env, native_keys, native_values);
    /* --env of a key the function does not declare: into its .env when
     * it has one, else into its environment */
    for (int i = 0; i < w->nenv; i++) {
        const char *eq = strchr(w->env[i], '=');
        const char *key = arena_strndup(app->ctx->arena, w->env[i],
                                        (size_t)(eq - w->env[i]));
        if (has_key(keys, key) || has_key(native_keys, key))
            continue;
        bool stamped = fn->stamp_env != NULL;
        vec_push(app->ctx->arena, stamped ? keys : native_keys, (void *)key);
        vec_push(app->ctx->arena, stamped ? values : native_values,
                 (void *)(eq + 1));
    }
    return bad;
}

/* ---- what a worker runs ------------------------------------------------- */

/* The per-service variables that --endpoint-url sets too, so that one the
 * user's shell set for another endpoint does not win over it. */
static const char *const endpoint_services[] = {
    "DYNAMODB", "DYNAMODB_STREAMS", "SQS", "SNS", "S3", "EVENTBRIDGE",
    "LAMBDA", "STS", "SSM", "SECRETS_MANAGER", "ROUTE_53", "CLOUDWATCH_LOGS",
    "KINESIS", "SES", "SESV2",
};

static void env_put(PtrVec *env, Arena *a, const char *name, const char *value)
{
    vec_push(a, env, arena_printf(a, "%s=%s", name, value));
}

/* Is NAME=... among the names we set? */
static bool overridden(const PtrVec *ours, const char *entry)
{
    size_t n = strcspn(entry, "=");
    for (int i = 0; i < ours->len; i++) {
        const char *o = ours->items[i];
        if (strncmp(o, entry, n) == 0 && o[n] == '=')
            return true;
    }
    return false;
}

const char *local_function_name(LocalApp *app, Where *w, LocalFn *fn)
{
    const char *p = w->stack ? strmap_get(&w->physical, fn->logical) : NULL;
    return p ? p : local_name(app->ctx, app, w, fn->name);
}

WorkerSpec *local_spec(LocalApp *app, Where *w, LocalFn *fn, const Interp *in,
                       const char *dir, PtrVec *native_keys, PtrVec *native_values)
{
    extern char **environ;
    Arena *a = app->ctx->arena;
    PtrVec ours = {0};
    const char *name = local_function_name(app, w, fn);
    char stream[64], id[40];
    local_uuid(id);
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(stream, 32, "%Y/%m/%d/[$LATEST]", &tm);
    for (int i = 0; i < native_keys->len; i++)
        env_put(&ours, a, native_keys->items[i], native_values->items[i]);
    env_put(&ours, a, "AWS_LAMBDA_FUNCTION_NAME", name);
    env_put(&ours, a, "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
            arena_printf(a, "%lld", fn->memory));
    env_put(&ours, a, "AWS_LAMBDA_FUNCTION_VERSION", "$LATEST");
    env_put(&ours, a, "AWS_LAMBDA_LOG_GROUP_NAME", arena_printf(a, "/aws/lambda/%s", name));
    env_put(&ours, a, "AWS_LAMBDA_LOG_STREAM_NAME",
            arena_printf(a, "%s%.8s%.4s%.4s", stream, id, id + 9, id + 14));
    env_put(&ours, a, "AWS_REGION", w->region);
    env_put(&ours, a, "AWS_DEFAULT_REGION", w->region);
    env_put(&ours, a, "AWS_EXECUTION_ENV", arena_printf(a, "AWS_Lambda_%s", fn->runtime));
    env_put(&ours, a, "LAMBDA_TASK_ROOT", dir);
    env_put(&ours, a, "_HANDLER", fn->handler);
    env_put(&ours, a, "TZ", ":UTC");
    env_put(&ours, a, "HITC_LOCAL_FUNCTION_ARN", arena_printf(
        a, "arn:aws:lambda:%s:%s:function:%s", w->region, w->account, name));
    env_put(&ours, a, "PYTHONUNBUFFERED", "1");
    if (w->endpoint) {
        env_put(&ours, a, "AWS_ENDPOINT_URL", w->endpoint);
        for (size_t i = 0; i < sizeof endpoint_services / sizeof *endpoint_services; i++)
            env_put(&ours, a, arena_printf(a, "AWS_ENDPOINT_URL_%s", endpoint_services[i]),
                    w->endpoint);
    }
    int n = 0;
    for (char **ep = environ; *ep; ep++)
        n++;
    WorkerSpec *s = xcalloc(1, sizeof *s);
    s->env = xcalloc((size_t)(n + ours.len + 1), sizeof *s->env);
    int k = 0;
    for (char **ep = environ; *ep; ep++)
        if (!overridden(&ours, *ep))
            s->env[k++] = xstrdup(*ep);
    for (int i = 0; i < ours.len; i++)
        s->env[k++] = xstrdup(ours.items[i]);
    s->fn = xstrdup(fn->name);
    s->cmd = xstrdup(in->cmd);
    s->node = strncmp(fn->runtime, "nodejs", 6) == 0;
    s->handler = xstrdup(fn->handler);
    s->dir = xstrdup(dir);
    s->timeout_ms = fn->timeout * 1000;
    return s;
}

void local_endpoint_credentials(const Where *w)
{
    /* A local endpoint takes any credentials, but the SDKs and the CLI
     * want some: give them a pair when the user's shell has none. */
    if (w->endpoint && !getenv("AWS_ACCESS_KEY_ID") && !getenv("AWS_PROFILE")) {
        setenv("AWS_ACCESS_KEY_ID", "local", 1);
        setenv("AWS_SECRET_ACCESS_KEY", "local", 1);
    }
}
