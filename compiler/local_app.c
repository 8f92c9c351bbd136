/*
 * local_app.c: an app as `hitc invoke` and `hitc serve` run it.
 *
 * In: a .hit file.  It is compiled in process (compile(), then emit in dry
 * run: no zips) and read from the template the emitter made, so that what
 * runs locally is what deploys: each function's handler, runtime, timeout,
 * memory, code directory and env (the stamp's Env, Lambda's Environment),
 * the API's routes (REST Methods with their paths, or HTTP API Routes), its
 * CORS (the MOCK preflights and gateway responses, or CorsConfiguration),
 * the tables, queues and topics, the triggers.  Out: a LocalApp (its env values are
 * evaluated by local_env.c, its functions laid out by local_layout.c).
 * Holds: the template is read, never patched.
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

const char *local_str(const CfnNode *n)
{
    return n && (n->kind == CFN_STRING || n->kind == CFN_NUMBER) ? n->text : NULL;
}

static CfnNode *props_of(const CfnNode *res)
{
    return cfn_obj_get(res, "Properties");
}

/* The logical ID a {"Fn::GetAtt": [L, A]} names (and A), or NULL. */
const char *local_getatt(const CfnNode *n, const char **attr)
{
    const CfnNode *g = n && n->kind == CFN_OBJECT ? cfn_obj_get(n, "Fn::GetAtt") : NULL;
    if (!g || g->kind != CFN_ARRAY || g->len != 2)
        return NULL;
    if (attr)
        *attr = local_str(g->items[1]);
    return local_str(g->items[0]);
}

const char *local_ref(const CfnNode *n)
{
    return n && n->kind == CFN_OBJECT ? local_str(cfn_obj_get(n, "Ref")) : NULL;
}

/* The first "${NAME...}" in a Fn::Sub string, as NAME (arena). */
static const char *sub_first(Arena *a, const CfnNode *n)
{
    const CfnNode *s = n && n->kind == CFN_OBJECT ? cfn_obj_get(n, "Fn::Sub") : NULL;
    const char *t = local_str(s);
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
    const char *l = local_getatt(n, NULL);
    if (!l)
        l = local_ref(n);
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
    f->runtime = local_str(cfn_obj_get(p, "Runtime"));
    f->handler = local_str(cfn_obj_get(p, "Handler"));
    const char *t = local_str(cfn_obj_get(p, "Timeout"));
    const char *m = local_str(cfn_obj_get(p, "MemorySize"));
    f->timeout = t ? atoll(t) : 3;
    f->memory = m ? atoll(m) : 128;
    Loc loc;
    f->code = function_code_dir(d, &loc);
    f->code_dir = f->code ? arena_printf(ctx->arena, "%s/%s", decl_dir(ctx, d), f->code)
                          : NULL;
    f->nextras = function_bundle_extras(ctx, d, f->extras);
    CfnNode *env = cfn_obj_get(p, "Environment");
    f->native_env = env ? cfn_obj_get(env, "Variables") : NULL;
    const char *stamp = local_getatt(cfn_obj_get(cfn_obj_get(p, "Code"), "S3Bucket"), NULL);
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
            const char *sched = local_str(cfn_obj_get(p, "ScheduleExpression"));
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
        const char *src = local_getatt(cfn_obj_get(p, "EventSourceArn"), &attr);
        bool stream = attr && strcmp(attr, "StreamArn") == 0;
        add_trigger(app, stream ? "stream" : "queue", logical, src,
                    fn_by_arn(app, cfn_obj_get(p, "FunctionName")));
    } else if (strcmp(type, "AWS::SNS::Subscription") == 0) {
        add_trigger(app, "topic", logical, local_ref(cfn_obj_get(p, "TopicArn")),
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
        const char *k = map->pairs[i].key, *v = local_str(map->pairs[i].value);
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
    const char *l = local_ref(id);
    if (!l)
        return local_getatt(id, NULL) ? "" : NULL;     /* the root resource */
    CfnNode *res = cfn_obj_get(app->emit.resources, l);
    CfnNode *p = props_of(res);
    const char *part = local_str(cfn_obj_get(p, "PathPart"));
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
    const char *t = local_str(cfn_obj_get(uri, "Fn::Sub"));
    const char *at = t ? strstr(t, "/functions/${") : NULL;
    return at ? local_fn(app, arena_strndup(app->ctx->arena, at + 13,
                                            strcspn(at + 13, ".}")))
              : NULL;
}

/* The authorizer a Method or Route names, read once (AWS_IAM: one of its
 * own, without a resource). */
static LocalAuth *read_auth(LocalApp *app, const CfnNode *p)
{
    const char *type = local_str(cfn_obj_get(p, "AuthorizationType"));
    if (!type || strcmp(type, "NONE") == 0)
        return NULL;
    Arena *a = app->ctx->arena;
    const char *l = local_ref(cfn_obj_get(p, "AuthorizerId"));
    for (int i = 0; i < app->api.authorizers.len; i++) {
        LocalAuth *o = app->api.authorizers.items[i];
        if (l ? o->logical && strcmp(o->logical, l) == 0 : o->kind == LAUTH_IAM)
            return o;
    }
    LocalAuth *au = arena_alloc(a, sizeof *au);
    au->kind = LAUTH_IAM;
    if (strcmp(type, "AWS_IAM") != 0) {
        CfnNode *ap = props_of(cfn_obj_get(app->emit.resources, l ? l : ""));
        const char *source = local_str(cfn_obj_get(ap, "IdentitySource"));
        if (!source) {
            CfnNode *list = cfn_obj_get(ap, "IdentitySource");
            source = list && list->kind == CFN_ARRAY && list->len ? local_str(list->items[0]) : NULL;
        }
        const char *dot = source ? strrchr(source, '.') : NULL;
        const char *kind = local_str(cfn_obj_get(ap, "Type"));
        au->logical = l;
        au->name = local_str(cfn_obj_get(ap, "Name"));
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
    const char *method = local_str(cfn_obj_get(p, "HttpMethod"));
    const char *path = rest_path(app, cfn_obj_get(p, "ResourceId"), 0);
    const char *type = local_str(cfn_obj_get(in, "Type"));
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
        r->resource_id = local_ref(cfn_obj_get(p, "ResourceId"));
    } else if (strcmp(type, "MOCK") == 0) {
        LocalRoute *r = new_route(app, method, path);
        CfnNode *rs = cfn_obj_get(in, "IntegrationResponses");
        CfnNode *chosen = NULL;
        for (int i = 0; rs && rs->kind == CFN_ARRAY && i < rs->len && !chosen; i++)
            if (!cfn_obj_get(rs->items[i], "SelectionPattern"))
                chosen = rs->items[i];
        const char *code = local_str(cfn_obj_get(chosen, "StatusCode"));
        r->mock_status = code ? atoi(code) : 200;
        r->nmock = quoted_headers(a, cfn_obj_get(chosen, "ResponseParameters"),
                                  "method.response.header.", &r->mock_headers);
    }
}

static int strings_of(Arena *a, const CfnNode *list, const char ***out);

static void read_http_route(LocalApp *app, CfnNode *res)
{
    CfnNode *p = props_of(res);
    const char *key = local_str(cfn_obj_get(p, "RouteKey"));
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
        if (local_str(list->items[i]))
            (*out)[n++] = local_str(list->items[i]);
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
    const char *age = local_str(cfn_obj_get(c, "MaxAge"));
    cors->max_age = age ? atoll(age) : -1;
    app->api.cors = cors;
}

static void read_api(LocalApp *app)
{
    CfnNode *rs = app->emit.resources;
    CfnNode *api = cfn_obj_get(rs, "Api");
    const char *type = local_str(cfn_obj_get(api, "Type"));
    if (!type)
        return;
    bool rest = strcmp(type, "AWS::ApiGateway::RestApi") == 0;
    bool http = strcmp(type, "AWS::ApiGatewayV2::Api") == 0;
    app->api.kind = rest ? API_REST : http ? API_HTTP : API_NONE;
    if (http)
        read_http_cors(app, api);
    for (int i = 0; i < rs->len; i++) {
        CfnNode *res = rs->pairs[i].value;
        const char *t = local_str(cfn_obj_get(res, "Type"));
        if (!t)
            continue;
        if (rest && strcmp(t, "AWS::ApiGateway::Method") == 0)
            read_rest_method(app, rs->pairs[i].key, res);
        else if (http && strcmp(t, "AWS::ApiGatewayV2::Route") == 0)
            read_http_route(app, res);
        else if (rest && strcmp(t, "AWS::ApiGateway::GatewayResponse") == 0) {
            CfnNode *p = props_of(res);
            const char *kind = local_str(cfn_obj_get(p, "ResponseType"));
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
            const char *t = local_str(cfn_obj_get(res, "Type"));
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
