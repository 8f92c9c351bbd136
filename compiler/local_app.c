/*
 * local_app.c: an app as `hitc invoke` and `hitc serve` run it.
 *
 * In: a .hit file.  It is compiled in process (compile(), then emit in dry
 * run: no zips) and read from the template the emitter made, so that what
 * runs locally is what deploys: each function's handler, runtime, timeout,
 * memory, code directory and env (the stamp's Env, Lambda's Environment),
 * the API's routes (REST Methods with their paths, or HTTP API Routes), its
 * CORS (the MOCK preflights and gateway responses, or CorsConfiguration),
 * the tables, queues and topics, the triggers.  Out: a LocalApp; env values
 * evaluated against a Where; the .env text as the stamper writes it; a
 * directory laid out like a function's bundle.
 * Holds: the template is read, never patched; a value that needs what only
 * a deployment knows (a plugin's output) has no value here, and the error
 * says which key and how to give it. 
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

/* ---- reading the template ------------------------------------------------ */

static const char *str_of(const CfnNode *n)
{
    return n && (n->kind == CFN_STRING || n->kind == CFN_NUMBER) ? n->text : NULL;
}

static CfnNode *props_of(const CfnNode *res)
{
    return cfn_obj_get(res, "Properties");
}

/* The logical ID a {"Fn::GetAtt": [L, A]} names (and A), or NULL. */
static const char *getatt_of(const CfnNode *n, const char **attr)
{
    const CfnNode *g = n && n->kind == CFN_OBJECT ? cfn_obj_get(n, "Fn::GetAtt") : NULL;
    if (!g || g->kind != CFN_ARRAY || g->len != 2)
        return NULL;
    if (attr)
        *attr = str_of(g->items[1]);
    return str_of(g->items[0]);
}

static const char *ref_of(const CfnNode *n)
{
    return n && n->kind == CFN_OBJECT ? str_of(cfn_obj_get(n, "Ref")) : NULL;
}

/* The first "${NAME...}" in a Fn::Sub string, as NAME (arena). */
static const char *sub_first(Arena *a, const CfnNode *n)
{
    const CfnNode *s = n && n->kind == CFN_OBJECT ? cfn_obj_get(n, "Fn::Sub") : NULL;
    const char *t = str_of(s);
    const char *at = t ? strstr(t, "${") : NULL;
    if (!at)
        return NULL;
    size_t k = strcspn(at + 2, ".}");
    return arena_strndup(a, at + 2, k);
}

LocalFn *local_fn(const LocalApp *app, const char *name)
{
    for (int i = 0; i < app->fns.len; i++) {
        LocalFn *f = app->fns.items[i];
        if (strcmp(f->name, name) == 0 || strcmp(f->logical, name) == 0)
            return f;
    }
    return NULL;
}

static LocalFn *fn_by_arn(const LocalApp *app, const CfnNode *n)
{
    const char *l = getatt_of(n, NULL);
    if (!l)
        l = ref_of(n);
    return l ? local_fn(app, l) : NULL;
}

static void read_function(LocalApp *app, const char *logical, CfnNode *res)
{
    Ctx *ctx = app->ctx;
    Decl *d = id_owner(ctx, logical);
    if (!d || d->kind != &kind_function)
        return;                 /* hitc's stamper, or an included function */
    CfnNode *p = props_of(res);
    LocalFn *f = arena_alloc(ctx->arena, sizeof *f);
    f->name = d->name;
    f->logical = logical;
    f->decl = d;
    f->runtime = str_of(cfn_obj_get(p, "Runtime"));
    f->handler = str_of(cfn_obj_get(p, "Handler"));
    const char *t = str_of(cfn_obj_get(p, "Timeout"));
    const char *m = str_of(cfn_obj_get(p, "MemorySize"));
    f->timeout = t ? atoll(t) : 3;
    f->memory = m ? atoll(m) : 128;
    Loc loc;
    f->code = function_code_dir(d, &loc);
    f->code_dir = f->code ? arena_printf(ctx->arena, "%s/%s", decl_dir(ctx, d), f->code)
                          : NULL;
    f->nextras = function_bundle_extras(ctx, d, f->extras);
    CfnNode *env = cfn_obj_get(p, "Environment");
    f->native_env = env ? cfn_obj_get(env, "Variables") : NULL;
    const char *stamp = getatt_of(cfn_obj_get(cfn_obj_get(p, "Code"), "S3Bucket"), NULL);
    CfnNode *s = stamp ? cfn_obj_get(app->emit.resources, stamp) : NULL;
    if (s)
        f->stamp_env = cfn_obj_get(props_of(s), "Env");
    vec_push(ctx->arena, &app->fns, f);
}

static void read_resource(LocalApp *app, const char *logical, CfnNode *res,
                          LocalResKind kind)
{
    Decl *d = id_owner(app->ctx, logical);
    LocalRes *r = arena_alloc(app->ctx->arena, sizeof *r);
    r->kind = kind;
    r->logical = logical;
    r->name = d && d->kind == &kind_table && d->name ? d->name : logical;
    r->props = props_of(res);
    vec_push(app->ctx->arena, &app->res, r);
}

static void add_trigger(LocalApp *app, const char *kind, const char *logical,
                        const char *text, LocalFn *fn)
{
    if (!fn)
        return;
    LocalTrigger *t = arena_alloc(app->ctx->arena, sizeof *t);
    *t = (LocalTrigger){kind, logical, text, fn};
    vec_push(app->ctx->arena, &app->triggers, t);
}

static void read_trigger(LocalApp *app, const char *logical, CfnNode *res,
                         const char *type)
{
    CfnNode *p = props_of(res);
    if (strcmp(type, "AWS::Events::Rule") == 0) {
        CfnNode *targets = cfn_obj_get(p, "Targets");
        for (int i = 0; targets && targets->kind == CFN_ARRAY && i < targets->len; i++) {
            LocalFn *fn = fn_by_arn(app, cfn_obj_get(targets->items[i], "Arn"));
            const char *sched = str_of(cfn_obj_get(p, "ScheduleExpression"));
            CfnNode *pattern = cfn_obj_get(p, "EventPattern");
            if (sched) {
                add_trigger(app, "schedule", logical, sched, fn);
            } else if (pattern) {
                char *text = cfn_json_compact(pattern);
                add_trigger(app, "event", logical, arena_strdup(app->ctx->arena, text), fn);
                free(text);
            }
        }
    } else if (strcmp(type, "AWS::Lambda::EventSourceMapping") == 0) {
        const char *attr = NULL;
        const char *src = getatt_of(cfn_obj_get(p, "EventSourceArn"), &attr);
        bool stream = attr && strcmp(attr, "StreamArn") == 0;
        add_trigger(app, stream ? "stream" : "queue", logical, src,
                    fn_by_arn(app, cfn_obj_get(p, "FunctionName")));
    } else if (strcmp(type, "AWS::SNS::Subscription") == 0) {
        add_trigger(app, "topic", logical, ref_of(cfn_obj_get(p, "TopicArn")),
                    fn_by_arn(app, cfn_obj_get(p, "Endpoint")));
    }
}

/* ---- the API, as its Methods or Routes ------------------------------------ */

/* name, value pairs from a map of "PREFIX" + NAME to "'value'". */
static int quoted_headers(Arena *a, const CfnNode *map, const char *prefix,
                          const char ***out)
{
    int n = 0;
    *out = arena_alloc(a, sizeof(char *) * 2 * (size_t)(map ? map->len + 1 : 1));
    size_t pl = strlen(prefix);
    for (int i = 0; map && map->kind == CFN_OBJECT && i < map->len; i++) {
        const char *k = map->pairs[i].key, *v = str_of(map->pairs[i].value);
        size_t vl = v ? strlen(v) : 0;
        if (strncmp(k, prefix, pl) != 0 || vl < 2 || v[0] != '\'' || v[vl - 1] != '\'')
            continue;
        (*out)[2 * n] = k + pl;
        (*out)[2 * n + 1] = arena_strndup(a, v + 1, vl - 2);
        n++;
    }
    return n;
}

static void split_path(Arena *a, LocalRoute *r)
{
    int cap = 1;
    for (const char *c = r->path; *c; c++)
        cap += *c == '/';
    r->segs = arena_alloc(a, sizeof(char *) * (size_t)cap);
    for (const char *s = r->path; *s;) {
        while (*s == '/')
            s++;
        size_t n = strcspn(s, "/");
        if (n)
            r->segs[r->nsegs++] = arena_strndup(a, s, n);
        s += n;
    }
}

/* The path of a REST resource (its Ref), by its PathParts up to the root. */
static const char *rest_path(LocalApp *app, const CfnNode *id, int depth)
{
    const char *l = ref_of(id);
    if (!l)
        return getatt_of(id, NULL) ? "" : NULL;     /* the root resource */
    CfnNode *res = cfn_obj_get(app->emit.resources, l);
    CfnNode *p = props_of(res);
    const char *part = str_of(cfn_obj_get(p, "PathPart"));
    if (!part || depth > 64)
        return NULL;
    const char *parent = rest_path(app, cfn_obj_get(p, "ParentId"), depth + 1);
    return parent ? arena_printf(app->ctx->arena, "%s/%s", parent, part) : NULL;
}

static LocalRoute *new_route(LocalApp *app, const char *method, const char *path)
{
    Arena *a = app->ctx->arena;
    LocalRoute *r = arena_alloc(a, sizeof *r);
    r->method = method;
    r->path = *path ? path : "/";
    split_path(a, r);
    vec_push(a, &app->api.routes, r);
    return r;
}

/* The function an AuthorizerUri or a REST integration's Uri names:
 * "arn:...:functions/${CounterFunction.Arn}/invocations" */
static LocalFn *fn_of_uri(LocalApp *app, const CfnNode *uri)
{
    const char *t = str_of(cfn_obj_get(uri, "Fn::Sub"));
    const char *at = t ? strstr(t, "/functions/${") : NULL;
    return at ? local_fn(app, arena_strndup(app->ctx->arena, at + 13,
                                            strcspn(at + 13, ".}")))
              : NULL;
}

/* The authorizer a Method or Route names, read once (AWS_IAM: one of its
 * own, without a resource). */
static LocalAuth *read_auth(LocalApp *app, const CfnNode *p)
{
    const char *type = str_of(cfn_obj_get(p, "AuthorizationType"));
    if (!type || strcmp(type, "NONE") == 0)
        return NULL;
    Arena *a = app->ctx->arena;
    const char *l = ref_of(cfn_obj_get(p, "AuthorizerId"));
    for (int i = 0; i < app->api.authorizers.len; i++) {
        LocalAuth *o = app->api.authorizers.items[i];
        if (l ? o->logical && strcmp(o->logical, l) == 0 : o->kind == LAUTH_IAM)
            return o;
    }
    LocalAuth *au = arena_alloc(a, sizeof *au);
    au->kind = LAUTH_IAM;
    if (strcmp(type, "AWS_IAM") != 0) {
        CfnNode *ap = props_of(cfn_obj_get(app->emit.resources, l ? l : ""));
        const char *source = str_of(cfn_obj_get(ap, "IdentitySource"));
        if (!source) {
            CfnNode *list = cfn_obj_get(ap, "IdentitySource");
            source = list && list->kind == CFN_ARRAY && list->len ? str_of(list->items[0]) : NULL;
        }
        const char *dot = source ? strrchr(source, '.') : NULL;
        const char *kind = str_of(cfn_obj_get(ap, "Type"));
        au->logical = l;
        au->name = str_of(cfn_obj_get(ap, "Name"));
        au->header = dot ? dot + 1 : "Authorization";
        if (strcmp(type, "JWT") == 0) {
            CfnNode *jwt = cfn_obj_get(ap, "JwtConfiguration");
            au->kind = LAUTH_JWT;
            au->issuer_node = cfn_obj_get(jwt, "Issuer");
            au->audience_node = cfn_obj_get(jwt, "Audience");
        } else {
            au->kind = kind && strcmp(kind, "REQUEST") == 0 ? LAUTH_REQUEST : LAUTH_TOKEN;
            au->fn = fn_of_uri(app, cfn_obj_get(ap, "AuthorizerUri"));
        }
    }
    vec_push(a, &app->api.authorizers, au);
    return au;
}

static void read_rest_method(LocalApp *app, const char *logical, CfnNode *res)
{
    (void)logical;
    CfnNode *p = props_of(res);
    CfnNode *in = cfn_obj_get(p, "Integration");
    const char *method = str_of(cfn_obj_get(p, "HttpMethod"));
    const char *path = rest_path(app, cfn_obj_get(p, "ResourceId"), 0);
    const char *type = str_of(cfn_obj_get(in, "Type"));
    if (!method || !path || !type)
        return;
    Arena *a = app->ctx->arena;
    if (strcmp(type, "AWS_PROXY") == 0) {
        LocalFn *fn = fn_of_uri(app, cfn_obj_get(in, "Uri"));
        if (!fn)
            return;
        LocalRoute *r = new_route(app, method, path);
        r->fn = fn;
        r->auth = read_auth(app, p);
        r->resource_id = ref_of(cfn_obj_get(p, "ResourceId"));
    } else if (strcmp(type, "MOCK") == 0) {
        LocalRoute *r = new_route(app, method, path);
        CfnNode *rs = cfn_obj_get(in, "IntegrationResponses");
        CfnNode *chosen = NULL;
        for (int i = 0; rs && rs->kind == CFN_ARRAY && i < rs->len && !chosen; i++)
            if (!cfn_obj_get(rs->items[i], "SelectionPattern"))
                chosen = rs->items[i];
        const char *code = str_of(cfn_obj_get(chosen, "StatusCode"));
        r->mock_status = code ? atoi(code) : 200;
        r->nmock = quoted_headers(a, cfn_obj_get(chosen, "ResponseParameters"),
                                  "method.response.header.", &r->mock_headers);
    }
}

static int strings_of(Arena *a, const CfnNode *list, const char ***out);

static void read_http_route(LocalApp *app, CfnNode *res)
{
    CfnNode *p = props_of(res);
    const char *key = str_of(cfn_obj_get(p, "RouteKey"));
    const char *integration = sub_first(app->ctx->arena, cfn_obj_get(p, "Target"));
    CfnNode *in = integration ? cfn_obj_get(app->emit.resources, integration) : NULL;
    LocalFn *fn = in ? fn_by_arn(app, cfn_obj_get(props_of(in), "IntegrationUri")) : NULL;
    const char *sp = key ? strchr(key, ' ') : NULL;
    if (!fn || !sp)
        return;
    LocalRoute *r = new_route(app, arena_strndup(app->ctx->arena, key, (size_t)(sp - key)),
                              sp + 1);
    r->fn = fn;
    r->route_key = key;
    r->auth = read_auth(app, p);
    r->nscopes = strings_of(app->ctx->arena, cfn_obj_get(p, "AuthorizationScopes"),
                            &r->scopes);
}

static int strings_of(Arena *a, const CfnNode *list, const char ***out)
{
    int n = 0;
    *out = arena_alloc(a, sizeof(char *) * (size_t)(list ? list->len + 1 : 1));
    for (int i = 0; list && list->kind == CFN_ARRAY && i < list->len; i++)
        if (str_of(list->items[i]))
            (*out)[n++] = str_of(list->items[i]);
    return n;
}

static void read_http_cors(LocalApp *app, CfnNode *api)
{
    CfnNode *c = cfn_obj_get(props_of(api), "CorsConfiguration");
    if (!c)
        return;
    Arena *a = app->ctx->arena;
    LocalCors *cors = arena_alloc(a, sizeof *cors);
    cors->norigins = strings_of(a, cfn_obj_get(c, "AllowOrigins"), &cors->origins);
    cors->nmethods = strings_of(a, cfn_obj_get(c, "AllowMethods"), &cors->methods);
    cors->nheaders = strings_of(a, cfn_obj_get(c, "AllowHeaders"), &cors->headers);
    cors->nexpose = strings_of(a, cfn_obj_get(c, "ExposeHeaders"), &cors->expose);
    CfnNode *cred = cfn_obj_get(c, "AllowCredentials");
    cors->credentials = cred && cred->kind == CFN_BOOL && cred->boolean;
    const char *age = str_of(cfn_obj_get(c, "MaxAge"));
    cors->max_age = age ? atoll(age) : -1;
    app->api.cors = cors;
}

static void read_api(LocalApp *app)
{
    CfnNode *rs = app->emit.resources;
    CfnNode *api = cfn_obj_get(rs, "Api");
    const char *type = str_of(cfn_obj_get(api, "Type"));
    if (!type)
        return;
    bool rest = strcmp(type, "AWS::ApiGateway::RestApi") == 0;
    bool http = strcmp(type, "AWS::ApiGatewayV2::Api") == 0;
    app->api.kind = rest ? API_REST : http ? API_HTTP : API_NONE;
    if (http)
        read_http_cors(app, api);
    for (int i = 0; i < rs->len; i++) {
        CfnNode *res = rs->pairs[i].value;
        const char *t = str_of(cfn_obj_get(res, "Type"));
        if (!t)
            continue;
        if (rest && strcmp(t, "AWS::ApiGateway::Method") == 0)
            read_rest_method(app, rs->pairs[i].key, res);
        else if (http && strcmp(t, "AWS::ApiGatewayV2::Route") == 0)
            read_http_route(app, res);
        else if (rest && strcmp(t, "AWS::ApiGateway::GatewayResponse") == 0) {
            CfnNode *p = props_of(res);
            const char *kind = str_of(cfn_obj_get(p, "ResponseType"));
            const char ***h = kind && strcmp(kind, "DEFAULT_4XX") == 0
                ? &app->api.headers_4xx : kind && strcmp(kind, "DEFAULT_5XX") == 0
                ? &app->api.headers_5xx : NULL;
            int *n = h == &app->api.headers_4xx ? &app->api.n4xx : &app->api.n5xx;
            if (h)
                *n = quoted_headers(app->ctx->arena, cfn_obj_get(p, "ResponseParameters"),
                                    "gatewayresponse.header.", h);
        }
    }
}

static void read_template(LocalApp *app)
{
    CfnNode *rs = app->emit.resources;
    for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < rs->len; i++) {
            const char *l = rs->pairs[i].key;
            CfnNode *res = rs->pairs[i].value;
            const char *t = str_of(cfn_obj_get(res, "Type"));
            if (!t)
                continue;
            if (pass == 0 && strcmp(t, "AWS::Lambda::Function") == 0)
                read_function(app, l, res);
            else if (pass == 0 && strcmp(t, "AWS::DynamoDB::Table") == 0)
                read_resource(app, l, res, RES_TABLE);
            else if (pass == 0 && strcmp(t, "AWS::SQS::Queue") == 0)
                read_resource(app, l, res, RES_QUEUE);
            else if (pass == 0 && strcmp(t, "AWS::SNS::Topic") == 0)
                read_resource(app, l, res, RES_TOPIC);
            else if (pass == 1)
                read_trigger(app, l, res, t);
        }
    }
    read_api(app);
}

LocalApp *local_app_load(const char *path)
{
    Ctx *ctx = ctx_new();
    LocalApp *app = arena_alloc(ctx->arena, sizeof *app);
    app->ctx = ctx;
    app->path = path;
    app->emit.dry_run = true;
    if (compile(ctx, source_load(ctx, path, (Loc){0})))
        emit_template(ctx, &app->emit);
    if (ctx->nerrors || ctx->nwarnings)
        diag_print_all(ctx, stderr, FMT_GCC, isatty(2) && !getenv("NO_COLOR"));
    if (ctx->nerrors) {
        emit_free(&app->emit);
        ctx_free(ctx);
        return NULL;
    }
    app->app = ctx->prog.app ? ctx->prog.app->name : "app";
    read_template(app);
    return app;
}

void local_app_free(LocalApp *app)
{
    if (!app)
        return;
    emit_free(&app->emit);
    ctx_free(app->ctx);
}

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
    return str_of(cfn_obj_get(cfn_obj_get(app->emit.resources, logical), "Type"));
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
    v = str_of(cfn_obj_get(p, "Default"));
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
    const char *ref = ref_of(v), *attr = NULL;
    const char *ga = getatt_of(v, &attr);
    if (ref)
        return eval_ref(app, w, ref, why);
    if (ga && attr)
        return eval_getatt(app, w, ga, attr, why);
    const CfnNode *sub = v->kind == CFN_OBJECT ? cfn_obj_get(v, "Fn::Sub") : NULL;
    if (sub && sub->kind == CFN_STRING)
        return eval_sub(app, w, sub->text, NULL, why, depth);
    if (sub && sub->kind == CFN_ARRAY && sub->len == 2 && str_of(sub->items[0]))
        return eval_sub(app, w, sub->items[0]->text, sub->items[1], why, depth);
    const CfnNode *join = v->kind == CFN_OBJECT ? cfn_obj_get(v, "Fn::Join") : NULL;
    if (join && join->kind == CFN_ARRAY && join->len == 2 && str_of(join->items[0]) &&
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

/* ---- the .env and the layout ---------------------------------------------- */

static bool safe_char(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= '0' && c <= '9') || (c && strchr("_-.:/@+,%=\\", c));
}

/* Python's str.isspace() for the code point at p (UTF-8), and its length. */
static bool space_at(const char *p, int *n)
{
    const unsigned char *u = (const unsigned char *)p;
    *n = utf8_len(u, u + strlen(p));
    if (*n == 0)
        *n = 1;
    unsigned cp = u[0];
    if (*n == 2)
        cp = (unsigned)(u[0] & 0x1f) << 6 | (u[1] & 0x3f);
    else if (*n == 3)
        cp = (unsigned)(u[0] & 0x0f) << 12 | (unsigned)(u[1] & 0x3f) << 6 | (u[2] & 0x3f);
    return (cp >= 0x09 && cp <= 0x0d) || (cp >= 0x1c && cp <= 0x20) ||
           cp == 0x85 || cp == 0xa0 || cp == 0x1680 ||
           (cp >= 0x2000 && cp <= 0x200a) || cp == 0x2028 || cp == 0x2029 ||
           cp == 0x202f || cp == 0x205f || cp == 0x3000;
}

/* Does value, written raw, read back as it is (the stamper's raw_problem
 * is None)? */
static bool raw_reads_back(const char *v)
{
    int n;
    if (!*v || strpbrk(v, "\r\n") || v[0] == '\'' || v[0] == '"' || space_at(v, &n))
        return false;
    bool after_space = false, last_space = false;
    for (const char *p = v; *p; p += n) {
        bool sp = space_at(p, &n);
        if (*p == '#' && after_space)
            return false;
        after_space = last_space = sp;
    }
    return !last_space;
}

void env_format_value(Buf *b, const char *v)
{
    bool safe = *v != '\0';
    for (const char *p = v; *p && safe; p++)
        safe = safe_char((unsigned char)*p);
    size_t n = strlen(v);
    if (safe || (n && v[n - 1] == '\\' && raw_reads_back(v))) {
        buf_puts(b, v);
        return;
    }
    static const char from[] = "\\\"\n\r\t\a\b\f\v", to[] = "\\\"nrtabfv";
    buf_add(b, "\"", 1);
    for (const char *p = v; *p; p++) {
        const char *at = strchr(from, *p);
        if (at) {
            buf_add(b, "\\", 1);
            buf_add(b, to + (at - from), 1);
        } else {
            buf_add(b, p, 1);
        }
    }
    buf_add(b, "\"", 1);
}

typedef struct EnvPair {
    char *key, *value;
} EnvPair;

typedef struct EnvList {
    EnvPair *pairs;
    int n, cap;
} EnvList;

static void env_set(EnvList *l, const char *key, const char *value)
{
    for (int i = 0; i < l->n; i++)
        if (strcmp(l->pairs[i].key, key) == 0) {
            free(l->pairs[i].value);
            l->pairs[i].value = xstrdup(value);
            return;
        }
    if (l->n == l->cap)
        l->pairs = xrealloc(l->pairs, sizeof *l->pairs * (size_t)(l->cap = l->cap ? 2 * l->cap : 16));
    l->pairs[l->n++] = (EnvPair){xstrdup(key), xstrdup(value)};
}

static void env_set_cb(void *arg, const char *key, const char *value)
{
    env_set(arg, key, value);
}

static int pair_cmp(const void *a, const void *b)
{
    return strcmp(((const EnvPair *)a)->key, ((const EnvPair *)b)->key);
}

static int read_file(const char *path, Buf *out)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    char chunk[8192];
    size_t n;
    buf_add(out, "", 0);
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        buf_add(out, chunk, n);
    int bad = ferror(f);
    fclose(f);
    return bad ? -1 : 0;
}

static int write_file(const char *path, const void *data, size_t len, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0)
        return -1;
    const char *p = data;
    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            close(fd);
            return -1;
        }
        p += w;
        len -= (size_t)w;
    }
    return close(fd);
}

/* The .env the stamper would write: the code's own .env (when it has
 * one), the function's keys laid over it, sorted by key. */
static void env_text(const char *source_env, PtrVec *keys, PtrVec *values, Buf *out)
{
    EnvList l = {0};
    Buf src = {0};
    if (source_env && read_file(source_env, &src) == 0)
        env_file_each((const unsigned char *)src.data, src.len, env_set_cb, &l);
    buf_free(&src);
    for (int i = 0; i < keys->len; i++)
        env_set(&l, keys->items[i], values->items[i]);
    qsort(l.pairs, (size_t)l.n, sizeof *l.pairs, pair_cmp);
    buf_add(out, "", 0);
    for (int i = 0; i < l.n; i++) {
        buf_printf(out, "%s=", l.pairs[i].key);
        env_format_value(out, l.pairs[i].value);
        buf_add(out, "\n", 1);
        free(l.pairs[i].key);
        free(l.pairs[i].value);
    }
    free(l.pairs);
}

/* mkdir -p of the directories of name under root. */
static int make_parents(const char *root, const char *name)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", root, name);
    for (char *p = path + strlen(root) + 1; (p = strchr(p, '/')); p++) {
        *p = '\0';
        if (mkdir(path, 0755) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    return 0;
}

char *local_layout(LocalApp *app, LocalFn *fn, const char *parent,
                   PtrVec *keys, PtrVec *values, char *err, size_t errlen)
{
    BundleList list;
    int clashed = 0;
    /* the packages the bundle would hold, installed as hitc build installs
     * them (for x86_64: this machine runs them) */
    char deps[PATH_MAX];
    int kind = deps_kind(fn->code_dir, fn->runtime);
    if (deps_install(fn->code_dir, fn->code, fn->runtime, NULL, deps, sizeof deps - 16,
                     err, errlen) != 0)
        return NULL;
    if (kind == DEPS_NPM && deps[0])
        strcat(deps, "/node_modules");
    if (bundle_list_deps(fn->code_dir, fn->code, deps[0] ? deps : NULL,
                         kind == DEPS_NPM ? "node_modules" : "", fn->extras,
                         fn->nextras, &list, err, errlen, &clashed) != 0)
        return NULL;
    char *dir = xmalloc(strlen(parent) + strlen(fn->name) + 16);
    sprintf(dir, "%s/%s.XXXXXX", parent, fn->name);
    if (!mkdtemp(dir)) {
        snprintf(err, errlen, "cannot make a directory in '%s': %s", parent,
                 strerror(errno));
        free(dir);
        bundle_list_free(&list);
        return NULL;
    }
    const char *source_env = NULL;
    int rc = 0;
    for (int i = 0; i < list.n && rc == 0; i++) {
        BundleListed *f = &list.files[i];
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s/%s", dir, f->name);
        if (strcmp(f->name, ".env") == 0) {
            source_env = f->path;       /* merged below, as the stamper does */
            continue;
        }
        rc = make_parents(dir, f->name);
        if (rc == 0 && f->extra >= 0)
            rc = write_file(path, fn->extras[f->extra].file.data,
                            fn->extras[f->extra].file.len, 0644);
        else if (rc == 0)
            rc = symlink(f->path, path);
        if (rc != 0)
            snprintf(err, errlen, "cannot lay out '%s' in '%s': %s", f->name,
                     dir, strerror(errno));
    }
    if (rc == 0 && (fn->stamp_env || source_env)) {
        Buf text = {0};
        env_text(source_env, keys, values, &text);
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s/.env", dir);
        rc = write_file(path, text.data, text.len, 0644);
        if (rc != 0)
            snprintf(err, errlen, "cannot write '%s': %s", path, strerror(errno));
        buf_free(&text);
    }
    (void)app;
    bundle_list_free(&list);
    if (rc != 0) {
        local_rmtree(dir);
        free(dir);
        return NULL;
    }
    return dir;
}

char *local_code_print(LocalFn *fn)
{
    BundleList list;
    char err[512];
    Buf b = {0};
    buf_add(&b, "", 0);
    if (!fn->code_dir ||
        bundle_list(fn->code_dir, fn->code, fn->extras, fn->nextras, &list, err,
                    sizeof err, NULL) != 0) {
        buf_printf(&b, "error %s", fn->code_dir ? err : "no code");
        return b.data;
    }
    for (int i = 0; i < list.n; i++) {
        struct stat st;
        const BundleListed *f = &list.files[i];
        if (f->path && stat(f->path, &st) == 0)
            buf_printf(&b, "%s %lld %lld.%09ld\n", f->name, (long long)st.st_size,
                       (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
        else
            buf_printf(&b, "%s\n", f->name);
    }
    bundle_list_free(&list);
    return b.data;
}

static int remove_one(const char *path, const struct stat *st, int flag,
                      struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    remove(path);
    return 0;
}

void local_rmtree(const char *dir)
{
    if (dir)
        nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
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
    for (char **e = environ; *e; e++)
        n++;
    WorkerSpec *s = xcalloc(1, sizeof *s);
    s->env = xcalloc((size_t)(n + ours.len + 1), sizeof *s->env);
    int k = 0;
    for (char **e = environ; *e; e++)
        if (!overridden(&ours, *e))
            s->env[k++] = xstrdup(*e);
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
