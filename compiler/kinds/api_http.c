/*
 * kinds/api_http.c: the HTTP back end of the api (`api { kind http }`): the
 * routes (kinds/route.c) become an API Gateway HTTP API, whose functions
 * get the proxy event of payload format 2.0.
 *
 * Becomes:
 *   Api                          AWS::ApiGatewayV2::Api, ProtocolType HTTP;
 *                                with `cors`, its CorsConfiguration (API
 *                                Gateway then answers every preflight and
 *                                adds the origin to every answer)
 *   Api<Function>Integration     AWS::ApiGatewayV2::Integration, AWS_PROXY,
 *                                payload 2.0, one per function behind routes
 *   Api<Segments><Method>Route   AWS::ApiGatewayV2::Route "METHOD /path"
 *   Api<Segments><Method>Permission  AWS::Lambda::Permission scoped to the
 *                                API, the stage, the method and the path
 *   ApiStage                     AWS::ApiGatewayV2::Stage named by Stage,
 *                                AutoDeploy: every change goes live, so no
 *                                Deployment is made
 * Segments are named as for rest ("users" -> "Users", "{id}" -> "IdParam",
 * "{p+}" -> "PGreedy", the root "Root").  api.url reads like rest's, from
 * the API's id and the Stage parameter alone, so a function behind a route
 * may read it without a cycle.
 *   Api<Name>Authorizer          AWS::ApiGatewayV2::Authorizer, JWT, made
 *                                with the first route it guards
 *                                (kinds/api_auth.c reads them)
 * Not built: an OPTIONS route with `cors` (the API answers preflights
 * itself, so that function would never see one): E0230.
 */
#include <stdlib.h>
#include <string.h>

#include "cfn.h"
#include "hitc.h"
#include "kinds/api.h"

/* With cors, API Gateway answers every OPTIONS preflight of an HTTP API
 * itself: a function behind an OPTIONS route would never see one. */
static void http_link(Ctx *ctx, Decl *d, PtrVec *routes)
{
    Api *api = api_data(ctx, d);
    d->used = true;
    if (!api->norigins)
        return;
    for (int i = 0; i < routes->len; i++) {
        Decl *route = routes->items[i];
        Route *r = route->data;
        if (strcmp(r->method, "OPTIONS") != 0)
            continue;
        diag(ctx, D_HTTP_CORS_OPTIONS, route->stmt->items[1]->loc,
             "an HTTP API with cors answers every OPTIONS preflight itself, "
             "so '%s' would never get one; remove the route or the cors "
             "line, or use 'kind rest'", route->display);
    }
}

/* hitc's tags, as ApiGatewayV2 takes them: a map, not a list. */
static CfnNode *tag_map(Ctx *ctx, Loc at)
{
    CfnNode *tags = cfn_obj(ctx->arena, at);
    if (ctx->prog.app)
        cfn_put_str(ctx->arena, tags, "hitc:app", ctx->prog.app->name);
    cfn_put(ctx->arena, tags, "hitc:stage", cfn_ref(ctx->arena, at, hitc_ids[HID_STAGE]));
    return tags;
}

static int str_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The methods cors allows: every route's, once each, sorted; "*" when a
 * route takes ANY. */
static CfnNode *cors_methods(Ctx *ctx, Loc at)
{
    PtrVec routes = api_routes(ctx);
    const char *seen[16];
    int n = 0;
    for (int i = 0; i < routes.len; i++) {
        const char *m = ((Route *)((Decl *)routes.items[i])->data)->method;
        if (strcmp(m, "ANY") == 0)
            return cfn_strings(ctx->arena, at, 1, "*");
        bool have = false;
        for (int k = 0; k < n; k++)
            have |= strcmp(seen[k], m) == 0;
        if (!have)
            seen[n++] = m;
    }
    qsort(seen, (size_t)n, sizeof *seen, str_cmp);
    CfnNode *list = cfn_arr(ctx->arena, at);
    for (int k = 0; k < n; k++)
        cfn_arr_push(ctx->arena, list, cfn_str(ctx->arena, at, seen[k]));
    return list;
}

/* The stage, auto-deployed: it waits for nothing, but stands after every
 * declaration's own resources (EMIT_AFTER_ALL), where it always has. */
static void emit_stage(Ctx *ctx, Decl *d, Emit *e)
{
    Arena *a = ctx->arena;
    emit_after_begin(ctx, e, d, EMIT_AFTER_ALL);
    CfnNode *st = emit_resource(ctx, e, d, logical_id(ctx, ctx->prog.api, "Stage"),
                                "AWS::ApiGatewayV2::Stage");
    CfnNode *p = cfn_put_obj(a, st, "Properties");
    cfn_put(a, p, "ApiId", cfn_ref(a, d->loc, hitc_ids[HID_API]));
    cfn_put_bool(a, p, "AutoDeploy", true);
    cfn_put(a, p, "StageName", cfn_ref(a, d->loc, hitc_ids[HID_STAGE]));
    cfn_put(a, p, "Tags", tag_map(ctx, d->loc));
    emit_after_end(e);
}

static void http_emit_api(Ctx *ctx, Decl *d, Emit *e)
{
    Arena *a = ctx->arena;
    Api *api = api_data(ctx, d);
    CfnNode *res = emit_resource(ctx, e, d, hitc_ids[HID_API], "AWS::ApiGatewayV2::Api");
    CfnNode *p = cfn_put_obj(a, res, "Properties");
    if (api->norigins) {
        CfnNode *c = cfn_put_obj(a, p, "CorsConfiguration");
        PtrVec headers = api_cors_headers(ctx, api);
        CfnNode *allow = cfn_put_arr(a, c, "AllowHeaders");
        for (int i = 0; i < headers.len; i++)
            cfn_arr_push(a, allow, cfn_str(a, d->loc, headers.items[i]));
        cfn_put(a, c, "AllowMethods", cors_methods(ctx, d->loc));
        CfnNode *origins = cfn_put_arr(a, c, "AllowOrigins");
        for (int i = 0; i < api->norigins; i++)
            cfn_arr_push(a, origins, expr_cfn(ctx, d->loc, api->origins[i]));
    }
    if (ctx->prog.app)
        cfn_put_str(a, p, "Description", ctx->prog.app->display);
    cfn_put(a, p, "Name", cfn_sub(a, d->loc, "${AWS::StackName}"));
    cfn_put_str(a, p, "ProtocolType", "HTTP");
    cfn_put(a, p, "Tags", tag_map(ctx, d->loc));
    if (!ctx->nerrors)
        emit_stage(ctx, d, e);
}

/* A JWT authorizer: API Gateway checks the token's signature against the
 * issuer's keys, its iss, aud (or client_id) and expiry. */
static void emit_authorizer(Ctx *ctx, Emit *e, Decl *d, const Authorizer *az)
{
    Arena *a = ctx->arena;
    CfnNode *res = emit_resource(ctx, e, d, az->id, "AWS::ApiGatewayV2::Authorizer");
    CfnNode *p = cfn_put_obj(a, res, "Properties");
    cfn_put(a, p, "ApiId", cfn_ref(a, d->loc, hitc_ids[HID_API]));
    cfn_put_str(a, p, "AuthorizerType", "JWT");
    cfn_put(a, p, "IdentitySource", cfn_strings(a, d->loc, 1, arena_printf(
        a, "$request.header.%s", az->header)));
    CfnNode *jwt = cfn_put_obj(a, p, "JwtConfiguration");
    CfnNode *aud = cfn_put_arr(a, jwt, "Audience");
    for (int i = 0; i < az->naudience; i++)
        cfn_arr_push(a, aud, expr_cfn(ctx, d->loc, az->audience[i]));
    cfn_put(a, jwt, "Issuer", expr_cfn(ctx, d->loc, az->issuer));
    cfn_put_str(a, p, "Name", az->name);
}

/* The route's AuthorizationType, its authorizer and the scopes it needs. */
static void put_auth(Ctx *ctx, CfnNode *p, Decl *d, const Auth *auth)
{
    Arena *a = ctx->arena;
    if (auth->use == AUTH_IAM) {
        cfn_put_str(a, p, "AuthorizationType", "AWS_IAM");
        return;
    }
    if (auth->use != AUTH_NAMED || !auth->az || !auth->az->id) {
        cfn_put_str(a, p, "AuthorizationType", "NONE");
        return;
    }
    if (auth->nscopes) {
        CfnNode *sc = cfn_put_arr(a, p, "AuthorizationScopes");
        for (int i = 0; i < auth->nscopes; i++)
            cfn_arr_push(a, sc, cfn_str(a, d->loc, auth->scopes[i]));
    }
    cfn_put_str(a, p, "AuthorizationType", "JWT");
    cfn_put(a, p, "AuthorizerId", cfn_ref(a, d->loc, auth->az->id));
}

static void http_emit_route(Ctx *ctx, Decl *d, Emit *e)
{
    Arena *a = ctx->arena;
    Route *r = d->data;
    if (!r || !r->perm_id || e->nclaimed >= EMIT_STOP)
        return;
    if (id_owner(ctx, r->target_id) == d) {
        CfnNode *in = emit_resource(ctx, e, d, r->target_id,
                                    "AWS::ApiGatewayV2::Integration");
        CfnNode *p = cfn_put_obj(a, in, "Properties");
        cfn_put(a, p, "ApiId", cfn_ref(a, d->loc, hitc_ids[HID_API]));
        cfn_put_str(a, p, "IntegrationType", "AWS_PROXY");
        cfn_put(a, p, "IntegrationUri", cfn_getatt(a, d->loc, r->fn->logical, "Arn"));
        cfn_put_str(a, p, "PayloadFormatVersion", "2.0");
    }
    if (r->eff.az && r->eff.az->owner == d)
        emit_authorizer(ctx, e, d, r->eff.az);
    CfnNode *rt = emit_resource(ctx, e, d, r->method_id, "AWS::ApiGatewayV2::Route");
    CfnNode *p = cfn_put_obj(a, rt, "Properties");
    cfn_put(a, p, "ApiId", cfn_ref(a, d->loc, hitc_ids[HID_API]));
    put_auth(ctx, p, d, &r->eff);
    cfn_put_str(a, p, "RouteKey", arena_printf(a, "%s %s", r->method, r->path));
    cfn_put(a, p, "Target", cfn_sub(a, d->loc, arena_printf(a, "integrations/${%s}",
                                                            r->target_id)));

    api_route_permission(ctx, e, d, r);
}

/* "Api" + the IDs of the route's segments ("ApiRoot" for "/") + what. */
static const char *route_id(Ctx *ctx, const Route *r, const char *what)
{
    Buf b = {0};
    buf_puts(&b, r->nsegs ? "Api" : "ApiRoot");
    for (int i = 0; i < r->nsegs; i++)
        buf_puts(&b, api_seg_id(ctx, &r->segs[i]));
    buf_puts(&b, what);
    const char *id = logical_id_fit(ctx->arena, arena_strdup(ctx->arena, b.data));
    buf_free(&b);
    return id;
}

/* Each route's Route and Permission, each function's Integration (by the
 * first route, in dependency order, that calls it), the Api and the
 * stage.  Past EMIT_STOP IDs no more are named; emit stops there too. */
static void http_ids(Ctx *ctx, Decl *d, PtrVec *routes)
{
    if (routes->len == 0)
        return;
    for (int i = 0; i < ctx->prog.order.len; i++) {
        Decl *route = ctx->prog.order.items[i];
        Route *r = route->data;
        if (route->kind != &kind_route || !route->stmt || !r || !r->nodes)
            continue;
        if ((int)ctx->prog.ids.len >= EMIT_STOP)
            return;
        const char *word = api_method_word(ctx, r->method);
        r->target_id = logical_id(ctx, d, arena_printf(ctx->arena, "%sIntegration",
                                                       r->fn->logical));
        r->method_id = route_id(ctx, r, arena_printf(ctx->arena, "%sRoute", word));
        r->perm_id = route_id(ctx, r, arena_printf(ctx->arena, "%sPermission", word));
        Decl *has = id_owner(ctx, r->target_id);
        if (!has || has->kind != &kind_route ||
            ((Route *)has->data)->fn != r->fn)
            id_claim(ctx, route, r->target_id);
        Authorizer *az = r->eff.az;
        if (az && az->kind == AZ_JWT && !az->id) {
            az->id = logical_id(ctx, d, arena_printf(ctx->arena, "%sAuthorizer",
                                                     pascal_case(ctx->arena, az->name)));
            az->owner = route;
            id_claim(ctx, route, az->id);
        }
        id_claim(ctx, route, r->method_id);
        id_claim(ctx, route, r->perm_id);
    }
    id_claim(ctx, d, hitc_ids[HID_API]);
    id_claim(ctx, d, logical_id(ctx, ctx->prog.api, "Stage"));
}

const ApiBackend api_http = {
    .kind = "http",
    .noun = "an HTTP API",
    .max_wait = 30,
    .link = http_link,
    .ref = api_stage_ref,
    .ids = http_ids,
    .emit_api = http_emit_api,
    .emit_route = http_emit_route,
};
