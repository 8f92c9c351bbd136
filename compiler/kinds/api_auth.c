/*
 * kinds/api_auth.c: who may call a route.  The api block declares
 * authorizers and a default; a route names its own or opts out:
 *
 *   api {
 *     kind http
 *     auth users                       # every route's, unless it says
 *     authorizer users {
 *       jwt "https://cognito-idp.${aws.region}.amazonaws.com/${pool}"
 *       audience client-id             # one expression, or a list
 *     }
 *   }
 *   route GET /health -> health auth none
 *   route GET /admin -> admin auth users ["admin"]     # JWT scopes
 *
 * A JWT authorizer (any OIDC issuer) belongs to an HTTP API; a Lambda
 * authorizer (`lambda FUNCTION`, `type token|request`) to a REST API;
 * `auth iam` (SigV4-signed calls) to both.  Here: the fields read, each
 * route's authorizer found (E0310), what the API's kind cannot build
 * (E0311), an authorizer that misses what it needs (E0312), one no route
 * uses (W0310), and the edge route -> the Lambda authorizer's function.
 * The back ends (api_rest.c, api_http.c) make the resources.
 */
#include <string.h>
#include <strings.h>

#include "hitc.h"
#include "kinds/api.h"

#define DEFAULT_HEADER "Authorization"
#define DEFAULT_CACHE 300       /* API Gateway's own default, in seconds */
#define MAX_CACHE 3600

/* ---- the authorizer block --------------------------------------------- */

static Authorizer *reading(Ctx *ctx, Decl *api)
{
    return api_data(ctx, api)->reading;
}

/* jwt ISSUER: a string expression, the issuer's URL (iss) */
static void field_jwt(Ctx *ctx, Decl *api, Stmt *s)
{
    Authorizer *az = reading(ctx, api);
    if (!want_items(ctx, s, 2, 2, "jwt \"https://ISSUER\""))
        return;
    if (az->kind == AZ_LAMBDA)
        az->both = true;
    else
        az->kind = AZ_JWT;
    az->kind_loc = s->items[0]->loc;
    az->issuer = expr_from_item(ctx, s->items[1]);
    if (az->issuer)
        use_expr(ctx, api, az->issuer, arena_printf(ctx->arena, "authorizer "
                 "'%s' issuer", az->name));
}

/* audience EXPR | [EXPR, ...] */
static void field_audience(Ctx *ctx, Decl *api, Stmt *s)
{
    Authorizer *az = reading(ctx, api);
    if (!want_items(ctx, s, 2, 2, "audience CLIENT-ID or [ID, ...]"))
        return;
    const Item *it = s->items[1];
    int n = it->kind == I_LIST ? it->nelems : 1;
    az->audience_loc = s->items[0]->loc;
    if (n == 0) {
        diag(ctx, D_AUTHORIZER_FIELDS, it->loc, "authorizer '%s' needs at "
             "least one audience (the client ID its tokens are issued to)",
             az->name);
        return;
    }
    az->audience = arena_alloc(ctx->arena, sizeof(Expr *) * (size_t)n);
    const char *why = arena_printf(ctx->arena, "authorizer '%s' audience",
                                   az->name);
    for (int i = 0; i < n; i++) {
        Expr *x = expr_from_item(ctx, it->kind == I_LIST ? it->elems[i] : it);
        if (!x)
            continue;
        use_expr(ctx, api, x, why);
        az->audience[az->naudience++] = x;
    }
}

/* lambda FUNCTION: a function of this app answers for the tokens */
static void field_lambda(Ctx *ctx, Decl *api, Stmt *s)
{
    Authorizer *az = reading(ctx, api);
    if (!want_items(ctx, s, 2, 2, "lambda FUNCTION"))
        return;
    if (az->kind == AZ_JWT)
        az->both = true;
    else
        az->kind = AZ_LAMBDA;
    az->kind_loc = s->items[0]->loc;
    az->fn = resolve_name_of_kind(ctx, s->items[1], &kind_function);
}

/* type token|request */
static void field_type(Ctx *ctx, Decl *api, Stmt *s)
{
    static const char *const types[] = {"token", "request"};
    Authorizer *az = reading(ctx, api);
    if (!want_items(ctx, s, 2, 2, "type token|request"))
        return;
    int t = want_choice(ctx, s, 1, "authorizer type", types, 2);
    if (t >= 0) {
        az->request = t == 1;
        az->type_loc = s->items[0]->loc;
    }
}

/* header NAME: where the token is */
static void field_header(Ctx *ctx, Decl *api, Stmt *s)
{
    Authorizer *az = reading(ctx, api);
    if (!want_items(ctx, s, 2, 2, "header NAME"))
        return;
    const char *h = s->items[1]->kind == I_STRING
        ? want_string(ctx, s, 1, "the header's name")
        : want_word(ctx, s, 1, "the header's name");
    if (!h)
        return;
    for (const char *c = h; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
              (*c >= '0' && *c <= '9') || *c == '-' || *c == '_')) {
            diag(ctx, D_BAD_VALUE, s->items[1]->loc, "header name '%s' may "
                 "hold only letters, digits, '-' and '_'", h);
            return;
        }
    if (!*h) {
        diag(ctx, D_BAD_VALUE, s->items[1]->loc, "the header's name is empty");
        return;
    }
    az->header = h;
}

/* cache DURATION: how long API Gateway keeps a Lambda authorizer's answer */
static void field_cache(Ctx *ctx, Decl *api, Stmt *s)
{
    static const char *const units[] = {"", "s", "m", "h"};
    static const long long factors[] = {1, 1, 60, 3600};
    Authorizer *az = reading(ctx, api);
    long long v;
    if (!want_items(ctx, s, 2, 2, "cache DURATION (0s to 1h)") ||
        !want_number(ctx, s, 1, "the cache's duration", &v))
        return;
    long long sec = -1;
    for (int i = 0; i < 4; i++)
        if (strcmp(s->items[1]->unit, units[i]) == 0)
            sec = v * factors[i];
    if (sec < 0 || sec > MAX_CACHE) {
        diag(ctx, D_OUT_OF_RANGE, s->items[1]->loc, "an authorizer's cache "
             "lasts from 0s to 1h (API Gateway keeps an answer at most 3600 "
             "seconds); write it in s, m or h");
        return;
    }
    az->cache = sec;
    az->cache_loc = s->items[0]->loc;
}

static const Field authorizer_fields[] = {
    {"jwt", false, field_jwt},
    {"audience", false, field_audience},
    {"lambda", false, field_lambda},
    {"type", false, field_type},
    {"header", false, field_header},
    {"cache", false, field_cache},
};

/* What a JWT or a Lambda authorizer needs, and what fits only the other. */
static void check_authorizer(Ctx *ctx, Authorizer *az)
{
    if (az->both) {
        diag(ctx, D_AUTHORIZER_FIELDS, az->kind_loc, "authorizer '%s' is "
             "either 'jwt ISSUER' or 'lambda FUNCTION', not both", az->name);
        az->kind = AZ_UNSET;
        return;
    }
    if (az->kind == AZ_UNSET) {
        diag(ctx, D_AUTHORIZER_FIELDS, az->loc, "authorizer '%s' needs "
             "'jwt \"https://ISSUER\"' (with 'audience') or 'lambda "
             "FUNCTION'", az->name);
        return;
    }
    const char *other = az->kind == AZ_JWT ? "a Lambda authorizer's" : NULL;
    if (az->kind == AZ_JWT && !az->naudience && !az->audience_loc.src)
        diag(ctx, D_AUTHORIZER_FIELDS, az->loc, "JWT authorizer '%s' needs "
             "an 'audience': the client ID (or IDs, in a list) its tokens "
             "must be issued to", az->name);
    if (az->kind == AZ_LAMBDA && az->audience_loc.src)
        diag(ctx, D_AUTHORIZER_FIELDS, az->audience_loc, "'audience' is a JWT "
             "authorizer's; Lambda authorizer '%s' checks tokens in its "
             "function", az->name);
    if (other && az->type_loc.src)
        diag(ctx, D_AUTHORIZER_FIELDS, az->type_loc, "'type' is %s; remove "
             "it from JWT authorizer '%s'", other, az->name);
    if (other && az->cache_loc.src)
        diag(ctx, D_AUTHORIZER_FIELDS, az->cache_loc, "'cache' is %s; remove "
             "it from JWT authorizer '%s'", other, az->name);
}

/* authorizer NAME { jwt ...; audience ... } | { lambda FUNCTION; ... } */
void api_field_authorizer(Ctx *ctx, Decl *api, Stmt *s)
{
    Api *a = api_data(ctx, api);
    if (!want_items(ctx, s, 2, 2, "authorizer NAME { jwt ...; audience ... } "
                    "or { lambda FUNCTION }"))
        return;
    const char *name = want_word(ctx, s, 1, "the authorizer's name");
    if (!name)
        return;
    if (!is_name(name) || strcmp(name, "iam") == 0 ||
        strcmp(name, "none") == 0) {
        diag(ctx, D_BAD_NAME, s->items[1]->loc, "'%s' cannot name an "
             "authorizer%s", name, is_name(name)
             ? ": 'auth iam' and 'auth none' mean IAM and no authorizer"
             : "; use letters, digits and '-'");
        return;
    }
    Authorizer *o = strmap_get(&a->authorizer_names, name);
    if (o) {
        Diag *dg = diag(ctx, D_DUPLICATE_NAME, s->items[1]->loc, "authorizer "
                        "'%s' is declared twice", name);
        note(ctx, dg, o->loc, "first declared here");
        return;
    }
    Authorizer *az = arena_alloc(ctx->arena, sizeof *az);
    az->name = name;
    az->loc = s->items[1]->loc;
    az->header = DEFAULT_HEADER;
    az->cache = DEFAULT_CACHE;
    a->reading = az;
    check_fields(ctx, api, s, authorizer_fields,
                 sizeof authorizer_fields / sizeof *authorizer_fields);
    a->reading = NULL;
    if (s->has_block)
        check_authorizer(ctx, az);
    vec_push(ctx->arena, &a->authorizers, az);
    strmap_put(ctx->arena, &a->authorizer_names, name, az);
}

/* ---- `auth ...`, on the api and on a route ---------------------------- */

/* auth NAME|iam|none [ [SCOPE, ...] ] from item i of s into out */
static bool read_auth(Ctx *ctx, const Stmt *s, int i, Auth *out, bool scopes)
{
    const char *usage = scopes ? "auth AUTHORIZER|iam|none [[\"SCOPE\", ...]]"
                               : "auth AUTHORIZER|iam|none";
    const char *w = want_word(ctx, s, i, "an authorizer's name, 'iam' or "
                              "'none'");
    if (!w)
        return false;
    out->loc = s->items[i]->loc;
    out->use = strcmp(w, "none") == 0 ? AUTH_NONE
             : strcmp(w, "iam") == 0 ? AUTH_IAM : AUTH_NAMED;
    out->name = w;
    if (i + 1 == s->nitems)
        return true;
    const Item *list = s->items[i + 1];
    if (!scopes || list->kind != I_LIST || i + 2 < s->nitems) {
        diag(ctx, D_EXPECTED, s->items[i + 1]->loc, "unexpected %s; expected "
             "'%s'", item_describe(ctx->arena, s->items[i + 1]), usage);
        return false;
    }
    out->scopes = arena_alloc(ctx->arena, sizeof(char *) *
                              (size_t)(list->nelems + 1));
    for (int k = 0; k < list->nelems; k++) {
        const char *sc = string_literal(ctx, list->elems[k], "a scope");
        if (!sc)
            return false;
        out->scopes[out->nscopes++] = sc;
    }
    return true;
}

void api_field_auth(Ctx *ctx, Decl *api, Stmt *s)
{
    read_auth(ctx, s, 1, &api_data(ctx, api)->default_auth, false);
}

bool api_read_route_auth(Ctx *ctx, Route *r, const Stmt *s, int i)
{
    if (!item_is_word(s->items[i], "auth")) {
        diag(ctx, D_EXPECTED, s->items[i]->loc, "unexpected %s; a route ends "
             "with its function, or with 'auth AUTHORIZER|iam|none'",
             item_describe(ctx->arena, s->items[i]));
        return false;
    }
    return read_auth(ctx, s, i + 1, &r->auth, true);
}

/* ---- after resolve ---------------------------------------------------- */

static void find_authorizer(Ctx *ctx, Api *api, Auth *a)
{
    if (a->use != AUTH_NAMED || a->az)
        return;
    a->az = strmap_get(&api->authorizer_names, a->name);
    if (a->az)
        return;
    const char **names = arena_alloc(ctx->arena, sizeof(char *) *
                                     (size_t)(api->authorizers.len + 1));
    for (int i = 0; i < api->authorizers.len; i++)
        names[i] = ((Authorizer *)api->authorizers.items[i])->name;
    const char *dym = did_you_mean(ctx, a->name, names, api->authorizers.len,
                                   NULL);
    if (dym[0])
        diag(ctx, D_UNKNOWN_AUTHORIZER, a->loc, "unknown authorizer '%s'%s",
             a->name, dym);
    else
        diag(ctx, D_UNKNOWN_AUTHORIZER, a->loc, "unknown authorizer '%s'; "
             "declare it in the api block ('authorizer %s { ... }'), or write "
             "'auth iam' or 'auth none'", a->name, a->name);
}

/* A JWT authorizer is an HTTP API's, a Lambda one a REST API's. */
static void check_backend(Ctx *ctx, const Api *api, const Authorizer *az)
{
    bool http = api->backend == &api_http;
    if (az->kind == AZ_JWT && !http)
        diag(ctx, D_AUTHORIZER_API, az->kind_loc, "authorizer '%s' checks "
             "JWTs, which %s cannot do; use 'kind http' in the api block, or "
             "a Lambda authorizer ('lambda FUNCTION')", az->name,
             api->backend->noun);
    else if (az->kind == AZ_LAMBDA && http)
        diag(ctx, D_AUTHORIZER_API, az->kind_loc, "authorizer '%s' is a "
             "Lambda authorizer, which hitc builds for a REST API; use a JWT "
             "authorizer ('jwt ISSUER' and 'audience') or 'auth iam' with "
             "'kind http', or 'kind rest'", az->name);
}

static void check_scopes(Ctx *ctx, const Decl *route, const Auth *a)
{
    if (!a->nscopes || (a->az && a->az->kind == AZ_JWT))
        return;
    diag(ctx, D_AUTHORIZER_API, a->loc, "%s gives scopes, which only a JWT "
         "authorizer checks, and '%s' is %s; remove the list", route->display,
         a->name, a->use == AUTH_IAM ? "IAM" : a->use == AUTH_NONE
         ? "no authorizer" : "a Lambda authorizer");
}

void api_auth_link(Ctx *ctx, Decl *d, PtrVec *routes)
{
    Api *api = api_data(ctx, d);
    for (int i = 0; i < api->authorizers.len; i++)
        check_backend(ctx, api, api->authorizers.items[i]);
    find_authorizer(ctx, api, &api->default_auth);
    if (api->default_auth.az)
        api->default_auth.az->used = true;
    for (int i = 0; i < routes->len; i++) {
        Decl *route = routes->items[i];
        Route *r = route->data;
        find_authorizer(ctx, api, &r->auth);
        check_scopes(ctx, route, &r->auth);
        r->eff = r->auth.use != AUTH_UNSET ? r->auth : api->default_auth;
        Authorizer *az = r->eff.az;
        if (!az)
            continue;
        az->used = true;
        if (az->kind == AZ_LAMBDA && az->fn)
            add_edge(ctx, route, az->fn, r->auth.use ? r->auth.loc
                                                     : api->default_auth.loc,
                     arena_printf(ctx->arena, "is authorized by '%s'",
                                  az->fn->name));
    }
    for (int i = 0; i < api->authorizers.len; i++) {
        Authorizer *az = api->authorizers.items[i];
        if (!az->used && routes->len)
            diag(ctx, D_UNUSED_AUTHORIZER, az->loc, "authorizer '%s' is used "
                 "by no route; name it on a route ('auth %s') or as the "
                 "api's default, or remove it", az->name, az->name);
    }
}

const char *api_auth_signature(Ctx *ctx, const Route *r)
{
    const Auth *a = &r->eff;
    if (a->use == AUTH_IAM)
        return "iam";
    if (a->use != AUTH_NAMED || !a->az || a->az->kind != AZ_LAMBDA)
        return "";
    const Authorizer *az = a->az;
    return arena_printf(ctx->arena, "lambda %s %s %s %s %lld", az->name,
                        az->fn ? az->fn->logical : "", az->request
                        ? "request" : "token", az->header, az->cache);
}

/* The standard headers both back ends allow in a CORS preflight, then each
 * authorizer's own header once (a browser may send only what the
 * preflight allows), in declared order. */
static const char *const cors_headers[] = {"Content-Type", "Authorization",
                                           "X-Amz-Date", "X-Api-Key",
                                           "X-Amz-Security-Token"};
#define NCORS_HEADERS (int)(sizeof cors_headers / sizeof *cors_headers)

PtrVec api_cors_headers(Ctx *ctx, const Api *api)
{
    PtrVec v = {0};
    for (int i = 0; i < NCORS_HEADERS; i++)
        vec_push(ctx->arena, &v, (void *)cors_headers[i]);
    for (int i = 0; i < api->authorizers.len; i++) {
        const char *h = ((Authorizer *)api->authorizers.items[i])->header;
        bool have = false;
        for (int k = 0; k < v.len && !have; k++)
            have = strcasecmp(v.items[k], h) == 0;
        if (!have)
            vec_push(ctx->arena, &v, (void *)h);
    }
    return v;
}
