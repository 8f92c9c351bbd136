/*
 * kinds/api_rest.c: the REST back end of the api (`api { kind rest }`, the
 * default): the routes (kinds/route.c) become an API Gateway REST API.
 *
 * Becomes:
 *   Api                          AWS::ApiGateway::RestApi
 *   Api<Segments>Resource        AWS::ApiGateway::Resource per path segment
 *   Api<Segments><Method>Method  AWS::ApiGateway::Method, AWS_PROXY
 *   Api<Segments><Method>Permission  AWS::Lambda::Permission scoped to the
 *                                API, the stage, the method and the path
 *   Api<Segments>OptionsMethod   with `cors`, a MOCK preflight per path
 *   ApiGatewayResponse4xx/5xx    with `cors`, the origin on API Gateway's
 *                                own errors (an authorizer's 401 and 403 too)
 *   Api<Name>Authorizer          AWS::ApiGateway::Authorizer, TOKEN or
 *                                REQUEST, a function of the app answering,
 *                                and Api<Name>AuthorizerPermission, made
 *                                with the first route it guards
 *   ApiDeployment<hash>          AWS::ApiGateway::Deployment; the hash of
 *                                the routes renames it when they change
 *   ApiStage                     AWS::ApiGateway::Stage named by Stage
 * The deployment and the stage belong to "the api deployment", a built-in
 * declaration (kind_api_deployment) that rest_link makes with an edge to
 * every route, whose methods it waits for (DependsOn): `hitc graph` shows
 * it, and a cycle through it is printed step by step like any other.  Its
 * emit, after every route's in the order, makes the CORS resources, the
 * deployment and the stage, which stand after every declaration's own
 * resources (EMIT_AFTER_ALL).
 * Segments: a literal is PascalCase'd ("users" -> "Users"), "{id}" is
 * "IdParam", "{path+}" is "PathGreedy"; the root path is "Root".  An ID
 * past 255 characters is shortened with a hash (logical_id_fit).
 * api.url is composed from the API's id and the Stage parameter alone, so
 * a function behind the API may read its own URL without a cycle.
 * Cost: each node of the path tree (kinds/route.c) is named and made once;
 * past EMIT_STOP resources (far over CloudFormation's 500, which emit.c
 * then reports) no more are made.
 */
#include <stdlib.h>
#include <string.h>

#include "bundle.h"
#include "cfn.h"
#include "hitc.h"
#include "kinds/api.h"

static void rest_emit_api(Ctx *ctx, Decl *d, Emit *e)
{
    CfnNode *res = emit_resource(ctx, e, d, hitc_ids[HID_API], "AWS::ApiGateway::RestApi");
    CfnNode *p = cfn_put_obj(ctx->arena, res, "Properties");
    if (ctx->prog.app)
        cfn_put_str(ctx->arena, p, "Description", ctx->prog.app->display);
    cfn_put(ctx->arena, cfn_put_obj(ctx->arena, p, "EndpointConfiguration"),
                          "Types", cfn_strings(ctx->arena, d->loc, 1, "REGIONAL"));
    cfn_put(ctx->arena, p, "Name", cfn_sub(ctx->arena, d->loc, "${AWS::StackName}"));
}

/* The deployment: a declaration of its own, after every route. */
static void rest_link(Ctx *ctx, Decl *d, PtrVec *routes)
{
    Api *api = api_data(ctx, d);
    Decl *dep = api->deployment = decl_new(ctx, &kind_api_deployment, NULL, d->loc);
    dep->builtin = true;
    dep->used = true;
    dep->display = "the api deployment";
    dep->logical = hitc_ids[HID_API_DEPLOYMENT];
    d->used = true;
    add_edge(ctx, dep, d, d->loc, "deploys 'api'");
    for (int i = 0; i < routes->len; i++) {
        Decl *route = routes->items[i];
        add_edge(ctx, dep, route, route->loc,
                 arena_printf(ctx->arena, "deploys %s", route->display));
    }
}

/* ---- routes ---------------------------------------------------------- */

/* "Api" + the IDs of the first n segments ("Root" for none); emit_path
 * made them. */
static const char *prefix_id(const Route *r, int n)
{
    return n == 0 ? "ApiRoot" : r->nodes[n]->ids;
}

/* The logical ID of a route's resource: the prefix of its first n
 * segments, then what, kept within 255 characters (logical_id_fit). */
static const char *route_id(Ctx *ctx, const Route *r, int n, const char *what)
{
    return logical_id_fit(ctx->arena, arena_printf(ctx->arena, "%s%s",
                                                   prefix_id(r, n), what));
}

static CfnNode *resource_of(Ctx *ctx, Loc at, const Route *r, int n)
{
    if (n == 0)
        return cfn_getatt(ctx->arena, at, hitc_ids[HID_API], "RootResourceId");
    return cfn_ref(ctx->arena, at, r->nodes[n]->resource);
}

/* Make the resources of the path's prefixes that no route made yet, each
 * node once, by the route that registered its ID (route_ids).  False when
 * the template is already far past its limit. */
static bool emit_path(Ctx *ctx, Emit *e, Decl *d, const Route *r)
{
    for (int i = 1; i <= r->nsegs; i++) {
        PathNode *n = r->nodes[i];
        if (n->made)
            continue;
        if (e->nclaimed >= EMIT_STOP || !n->resource)
            return false;
        n->made = true;
        if (id_owner(ctx, n->resource) != d)
            continue;           /* another node's, of the same ID */
        CfnNode *res = emit_resource(ctx, e, d, n->resource,
                                   "AWS::ApiGateway::Resource");
        CfnNode *p = cfn_put_obj(ctx->arena, res, "Properties");
        cfn_put(ctx->arena, p, "ParentId", resource_of(ctx, d->loc, r, i - 1));
        cfn_put_str(ctx->arena, p, "PathPart", r->segs[i - 1].text);
        cfn_put(ctx->arena, p, "RestApiId", cfn_ref(ctx->arena, d->loc, hitc_ids[HID_API]));
    }
    return true;
}

/* How API Gateway names a function it invokes (an integration's Uri, an
 * authorizer's). */
static CfnNode *invocation_uri(Ctx *ctx, Loc at, const char *fn_logical)
{
    return cfn_sub(ctx->arena, at, arena_printf(
        ctx->arena, "arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:"
                    "path/2015-03-31/functions/${%s.Arn}/invocations", fn_logical));
}

/* A Lambda authorizer and API Gateway's permission to invoke its
 * function, for this API's authorizer only. */
static void emit_authorizer(Ctx *ctx, Emit *e, Decl *d, const Authorizer *az)
{
    Arena *a = ctx->arena;
    CfnNode *res = emit_resource(ctx, e, d, az->id, "AWS::ApiGateway::Authorizer");
    CfnNode *p = cfn_put_obj(a, res, "Properties");
    cfn_put_num(a, p, "AuthorizerResultTtlInSeconds", az->cache);
    cfn_put(a, p, "AuthorizerUri", invocation_uri(ctx, d->loc, az->fn->logical));
    cfn_put_str(a, p, "IdentitySource", arena_printf(
        a, "method.request.header.%s", az->header));
    cfn_put_str(a, p, "Name", az->name);
    cfn_put(a, p, "RestApiId", cfn_ref(a, d->loc, hitc_ids[HID_API]));
    cfn_put_str(a, p, "Type", az->request ? "REQUEST" : "TOKEN");

    lambda_permission(ctx, e, d, az->perm_id, az->fn->logical, "apigateway.amazonaws.com",
                      cfn_sub(a, d->loc, arena_printf(
        a, "arn:${AWS::Partition}:execute-api:${AWS::Region}:"
           "${AWS::AccountId}:${Api}/authorizers/${%s}", az->id)));
}

/* The method's AuthorizationType and authorizer. */
static void put_auth(Ctx *ctx, CfnNode *p, Decl *d, const Auth *auth)
{
    if (auth->use == AUTH_IAM)
        cfn_put_str(ctx->arena, p, "AuthorizationType", "AWS_IAM");
    else if (auth->use == AUTH_NAMED && auth->az && auth->az->id)
        cfn_put_str(ctx->arena, p, "AuthorizationType", "CUSTOM");
    else
        cfn_put_str(ctx->arena, p, "AuthorizationType", "NONE");
    if (auth->use == AUTH_NAMED && auth->az && auth->az->id)
        cfn_put(ctx->arena, p, "AuthorizerId", cfn_ref(ctx->arena, d->loc,
                                                       auth->az->id));
}

static void rest_emit_route(Ctx *ctx, Decl *d, Emit *e)
{
    Route *r = d->data;
    if (!r || !r->nodes || !emit_path(ctx, e, d, r) || !r->perm_id)
        return;
    if (r->eff.az && r->eff.az->owner == d)
        emit_authorizer(ctx, e, d, r->eff.az);
    CfnNode *m = emit_resource(ctx, e, d, r->method_id, "AWS::ApiGateway::Method");
    CfnNode *p = cfn_put_obj(ctx->arena, m, "Properties");
    put_auth(ctx, p, d, &r->eff);
    cfn_put_str(ctx->arena, p, "HttpMethod", r->method);
    CfnNode *in = cfn_put_obj(ctx->arena, p, "Integration");
    cfn_put_str(ctx->arena, in, "IntegrationHttpMethod", "POST");
    cfn_put_str(ctx->arena, in, "Type", "AWS_PROXY");
    cfn_put(ctx->arena, in, "Uri", invocation_uri(ctx, d->loc, r->fn->logical));
    cfn_put(ctx->arena, p, "ResourceId", resource_of(ctx, d->loc, r, r->nsegs));
    cfn_put(ctx->arena, p, "RestApiId", cfn_ref(ctx->arena, d->loc, hitc_ids[HID_API]));

    api_route_permission(ctx, e, d, r);
}

/* ---- deployment, stage, CORS ----------------------------------------- */

static int str_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The API's gateway responses: Api + these. */
static const char *const gateway_ids[] = {"GatewayResponse4xx",
                                          "GatewayResponse5xx"};

/* The first ten hex digits of the hash of the routes (method, path,
 * function, authorization: the hash of a route without auth is as it
 * was before authorizers) and the cors origin: the deployment's name changes with them,
 * so CloudFormation makes a new one. */
static const char *routes_hash(Ctx *ctx, PtrVec *routes, const char *cors)
{
    Buf sig = {0};
    const char **lines = arena_alloc(ctx->arena, sizeof(char *) * (size_t)routes->len);
    for (int i = 0; i < routes->len; i++) {
        Route *r = ((Decl *)routes->items[i])->data;
        const char *auth = api_auth_signature(ctx, r);
        lines[i] = arena_printf(ctx->arena, "%s %s -> %s%s%s\n", r->method,
                                r->path, r->fn->logical, *auth ? " auth " : "",
                                auth);
    }
    qsort(lines, (size_t)routes->len, sizeof *lines, str_cmp);
    for (int i = 0; i < routes->len; i++)
        buf_puts(&sig, lines[i]);
    if (cors)
        buf_printf(&sig, "cors %s\n", cors);
    char hash[65];
    sha256_hex(sig.data, sig.len, hash);
    buf_free(&sig);
    hash[10] = '\0';
    return arena_strdup(ctx->arena, hash);
}

/* The routes of each path, in declaration order: path -> PtrVec of Decl. */
static StrMap routes_by_path(Ctx *ctx, PtrVec *routes)
{
    StrMap by_path = {0};
    for (int i = 0; i < routes->len; i++) {
        Decl *d = routes->items[i];
        const char *path = ((Route *)d->data)->path;
        PtrVec *same = strmap_get(&by_path, path);
        if (!same) {
            same = arena_alloc(ctx->arena, sizeof *same);
            strmap_put(ctx->arena, &by_path, path, same);
        }
        vec_push(ctx->arena, same, d);
    }
    return by_path;
}

/* With cors, the methods a path's preflight allows, sorted, when d is the
 * path's first route (same: the path's routes) and no route of the path
 * is OPTIONS or ANY; else 0, no preflight made with d. */
static int cors_methods(const PtrVec *same, const Decl *d, const char **list)
{
    if (same->items[0] != d)
        return 0;
    int n = 0;
    for (int j = 0; j < same->len; j++) {
        Route *o = ((Decl *)same->items[j])->data;
        if (strcmp(o->method, "OPTIONS") == 0 || strcmp(o->method, "ANY") == 0)
            return 0;
        list[n++] = o->method;
    }
    list[n++] = "OPTIONS";
    qsort(list, (size_t)n, sizeof *list, str_cmp);
    return n;
}

/* With cors: one MOCK preflight per path that has no OPTIONS or ANY route,
 * made with the path's first route, and gateway responses that carry the
 * origin on errors. */
static void emit_cors(Ctx *ctx, Emit *e, const char *origin, PtrVec *routes)
{
    StrMap by_path = routes_by_path(ctx, routes);
    PtrVec names = api_cors_headers(ctx, api_data(ctx, ctx->prog.api));
    Buf h = {0};
    for (int i = 0; i < names.len; i++)
        buf_printf(&h, "%s%s", i ? "," : "'", (const char *)names.items[i]);
    const char *headers = arena_printf(ctx->arena, "%s'", h.data);
    buf_free(&h);
    for (int i = 0; i < routes->len; i++) {
        Decl *d = routes->items[i];
        Route *r = d->data;
        PtrVec *same = strmap_get(&by_path, r->path);
        const char *list[16];
        int n = cors_methods(same, d, list);
        if (n == 0)
            continue;
        Buf allow = {0};
        for (int k = 0; k < n; k++)
            buf_printf(&allow, "%s%s", k ? "," : "", list[k]);
        const char *id = route_id(ctx, r, r->nsegs, "OptionsMethod");
        CfnNode *m = emit_resource(ctx, e, d, id, "AWS::ApiGateway::Method");
        CfnNode *p = cfn_put_obj(ctx->arena, m, "Properties");
        cfn_put_str(ctx->arena, p, "AuthorizationType", "NONE");
        cfn_put_str(ctx->arena, p, "HttpMethod", "OPTIONS");
        CfnNode *in = cfn_put_obj(ctx->arena, p, "Integration");
        CfnNode *ir = cfn_obj(ctx->arena, d->loc);
        CfnNode *rp = cfn_put_obj(ctx->arena, ir, "ResponseParameters");
        cfn_put_str(ctx->arena, rp, "method.response.header.Access-Control-Allow-Headers",
                                headers);
        cfn_put_str(ctx->arena, rp, "method.response.header.Access-Control-Allow-Methods",
                                arena_printf(ctx->arena, "'%s'", allow.data));
        cfn_put_str(ctx->arena, rp, "method.response.header.Access-Control-Allow-Origin",
                                arena_printf(ctx->arena, "'%s'", origin));
        cfn_put_str(ctx->arena, ir, "StatusCode", "200");
        cfn_arr_push(ctx->arena, cfn_put_arr(ctx->arena, in, "IntegrationResponses"), ir);
        cfn_put_str(ctx->arena, cfn_put_obj(ctx->arena, in, "RequestTemplates"),
                                "application/json", "{\"statusCode\": 200}");
        cfn_put_str(ctx->arena, in, "Type", "MOCK");
        CfnNode *mr = cfn_obj(ctx->arena, d->loc);
        CfnNode *mp = cfn_put_obj(ctx->arena, mr, "ResponseParameters");
        cfn_put_bool(ctx->arena, mp, "method.response.header.Access-Control-Allow-Headers", true);
        cfn_put_bool(ctx->arena, mp, "method.response.header.Access-Control-Allow-Methods", true);
        cfn_put_bool(ctx->arena, mp, "method.response.header.Access-Control-Allow-Origin", true);
        cfn_put_str(ctx->arena, mr, "StatusCode", "200");
        cfn_arr_push(ctx->arena, cfn_put_arr(ctx->arena, p, "MethodResponses"), mr);
        cfn_put(ctx->arena, p, "ResourceId", resource_of(ctx, d->loc, r, r->nsegs));
        cfn_put(ctx->arena, p, "RestApiId", cfn_ref(ctx->arena, d->loc, hitc_ids[HID_API]));
        buf_free(&allow);
    }
    static const char *const kinds_[] = {"DEFAULT_4XX", "DEFAULT_5XX"};
    for (int i = 0; i < 2; i++) {
        CfnNode *g = emit_resource(ctx, e, ctx->prog.api,
                                   logical_id(ctx, ctx->prog.api, gateway_ids[i]),
                                   "AWS::ApiGateway::GatewayResponse");
        CfnNode *p = cfn_put_obj(ctx->arena, g, "Properties");
        cfn_put_str(ctx->arena, cfn_put_obj(ctx->arena, p, "ResponseParameters"),
                                "gatewayresponse.header.Access-Control-Allow-Origin",
                                arena_printf(ctx->arena, "'%s'", origin));
        cfn_put_str(ctx->arena, p, "ResponseType", kinds_[i]);
        cfn_put(ctx->arena, p, "RestApiId", cfn_ref(ctx->arena, ctx->prog.api->loc, hitc_ids[HID_API]));
    }
}

/* The deployment, named by the hash of the routes, which waits for
 * every method (deploy_needs), and the stage that points at it. */
static void emit_deployment(Ctx *ctx, Emit *e, Api *api, Decl *d)
{
    Loc at = d->loc;
    const char *hash = api->hash;
    const char *dep_id = logical_id(ctx, d, hash);
    CfnNode *dep = emit_resource(ctx, e, d, dep_id,
                               "AWS::ApiGateway::Deployment");
    CfnNode *deps = cfn_put_arr(ctx->arena, dep, "DependsOn");
    for (int i = 0; i < api->deploy_needs.len; i++)
        cfn_arr_push(ctx->arena, deps, cfn_str(ctx->arena, at,
                                               api->deploy_needs.items[i]));
    CfnNode *p = cfn_put_obj(ctx->arena, dep, "Properties");
    cfn_put_str(ctx->arena, p, "Description",
                            arena_printf(ctx->arena, "hitc routes %s", hash));
    cfn_put(ctx->arena, p, "RestApiId", cfn_ref(ctx->arena, at, hitc_ids[HID_API]));

    CfnNode *stage = emit_resource(ctx, e, d, logical_id(ctx, ctx->prog.api, "Stage"),
                                 "AWS::ApiGateway::Stage");
    p = cfn_put_obj(ctx->arena, stage, "Properties");
    cfn_put(ctx->arena, p, "DeploymentId", cfn_ref(ctx->arena, at, dep_id));
    cfn_put(ctx->arena, p, "RestApiId", cfn_ref(ctx->arena, at, hitc_ids[HID_API]));
    cfn_put(ctx->arena, p, "StageName", cfn_ref(ctx->arena, at, hitc_ids[HID_STAGE]));
    cfn_put(ctx->arena, p, "Tags", hitc_tags(ctx, at));
}

/* The deployment's place in the order is after every route (rest_link's
 * edges), so its resources, the CORS preflights and gateway responses
 * first, then the deployment and the stage, are made once every route's
 * are; they stand after every declaration's own (EMIT_AFTER_ALL), where
 * they always have. */
static void deployment_emit(Ctx *ctx, Decl *d, Emit *e)
{
    Api *api = ctx->prog.api ? ctx->prog.api->data : NULL;
    if (!api || api->deployment != d || !api->hash || ctx->nerrors ||
        e->nclaimed >= EMIT_STOP)
        return;     /* past EMIT_STOP, emit.c reports the limit */
    PtrVec routes = api_routes(ctx);
    emit_after_begin(ctx, e, d, EMIT_AFTER_ALL);
    if (api->cors)
        emit_cors(ctx, e, api->cors, &routes);
    emit_deployment(ctx, e, api, d);
    emit_after_end(e);
}

/* ---- logical IDs, registered before emit (ids.c) ---------------------- */

/* A route's path resources (each node by the first route, in dependency
 * order, that has it), its method and its permission.  Past EMIT_STOP
 * IDs no more are named; emit stops there too. */
static void route_ids(Ctx *ctx, Decl *d)
{
    Route *r = d->data;
    if (!r || !r->nodes)
        return;
    for (int i = 1; i <= r->nsegs; i++) {
        PathNode *n = r->nodes[i];
        if (n->resource)
            continue;
        if ((int)ctx->prog.ids.len >= EMIT_STOP)
            return;
        n->ids = arena_printf(ctx->arena, "%s%s", n->parent->ids,
                              api_seg_id(ctx, n->seg));
        n->resource = logical_id_fit(ctx->arena, arena_printf(
            ctx->arena, "%sResource", n->ids));
        Decl *has = id_owner(ctx, n->resource);
        if (has && !has->kind->is_parameter)
            continue;           /* another node's, of the same ID */
        id_claim(ctx, d, n->resource);
    }
    Authorizer *az = r->eff.az;
    if (az && az->kind == AZ_LAMBDA && az->fn && !az->id) {
        const char *name = pascal_case(ctx->arena, az->name);
        az->id = arena_printf(ctx->arena, "Api%sAuthorizer", name);
        az->perm_id = arena_printf(ctx->arena, "Api%sAuthorizerPermission", name);
        az->owner = d;
        id_claim(ctx, d, az->id);
        id_claim(ctx, d, az->perm_id);
    }
    const char *word = api_method_word(ctx, r->method);
    r->method_id = route_id(ctx, r, r->nsegs,
                            arena_printf(ctx->arena, "%sMethod", word));
    r->perm_id = route_id(ctx, r, r->nsegs,
                          arena_printf(ctx->arena, "%sPermission", word));
    id_claim(ctx, d, r->method_id);
    id_claim(ctx, d, r->perm_id);
}

/* The API's IDs: every route's, the RestApi, with cors the preflights and
 * gateway responses, the deployment and the stage.  They depend on every
 * route, so ids_register asks for them last, once. */
static void rest_ids(Ctx *ctx, Decl *d, PtrVec *all)
{
    PtrVec routes = *all;
    for (int i = 0; i < ctx->prog.order.len; i++) {
        Decl *route = ctx->prog.order.items[i];
        if (route->kind == &kind_route && route->stmt)
            route_ids(ctx, route);
    }
    if (routes.len == 0)
        return;
    id_claim(ctx, d, hitc_ids[HID_API]);
    for (int i = 0; i < routes.len; i++)
        if (!((Route *)((Decl *)routes.items[i])->data)->perm_id)
            return;             /* past EMIT_STOP */
    Api *api = api_data(ctx, d);
    PtrVec *needs = &api->deploy_needs;
    needs->len = 0;
    for (int i = 0; i < routes.len; i++)
        vec_push(ctx->arena, needs, (void *)((Route *)((Decl *)routes.items[i])->data)->method_id);
    if (api->cors) {
        StrMap by_path = routes_by_path(ctx, &routes);
        for (int i = 0; i < routes.len; i++) {
            Decl *route = routes.items[i];
            Route *r = route->data;
            const char *list[16];
            if (cors_methods(strmap_get(&by_path, r->path), route, list)) {
                const char *id = route_id(ctx, r, r->nsegs, "OptionsMethod");
                id_claim(ctx, route, id);
                vec_push(ctx->arena, needs, (void *)id);
            }
        }
        for (int i = 0; i < 2; i++)
            id_claim(ctx, d, logical_id(ctx, ctx->prog.api, gateway_ids[i]));
    }
    qsort(needs->items, (size_t)needs->len, sizeof(void *), str_cmp);
    api->hash = routes_hash(ctx, &routes, api->cors);
    Decl *dep = api->deployment ? api->deployment : d;
    id_claim(ctx, dep, api->deployment ? logical_id(ctx, dep, api->hash)
                       : arena_printf(ctx->arena, "%s%s",
                                      hitc_ids[HID_API_DEPLOYMENT], api->hash));
    id_claim(ctx, dep, logical_id(ctx, ctx->prog.api, "Stage"));
}


const ApiBackend api_rest = {
    .kind = "rest",
    .noun = "a REST API",
    .max_wait = 29,
    .link = rest_link,
    .ref = api_stage_ref,
    .ids = rest_ids,
    .emit_api = rest_emit_api,
    .emit_route = rest_emit_route,
};

const Kind kind_api_deployment = {
    .noun = "api deployment",
    .emit = deployment_emit,
};
