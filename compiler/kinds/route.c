/*
 * kinds/route.c: `route METHOD PATH -> FUNCTION [auth ...]` and the
 * `api { kind; cors; auth; authorizer ... }` block, the front end every API
 * back end shares.  Routes make one API, named `api`; who may call them is
 * kinds/api_auth.c's.
 *
 * Here: the methods, the paths (parse_path), the tree of every route's
 * path prefixes (api_link, add_path), a METHOD and PATH declared twice,
 * and two parameter names at one position under one parent.  The back end
 * that `kind` chooses (kinds/api.h: ApiBackend; rest in kinds/api_rest.c,
 * http in kinds/api_http.c) names and makes the resources, and says how
 * api.url and api.id read.
 * Cost: the paths of all routes form one tree of PathNodes (api_link), so
 * a prefix shared by many routes, or the prefixes of one long path, are
 * looked at once each; a path is at most MAX_PATH characters.  Time and
 * memory stay linear in the input.
 */
#include <stdlib.h>
#include <string.h>

#include "cfn.h"
#include "hitc.h"
#include "kinds/api.h"

static const char *const methods[] = {"GET", "POST", "PUT", "PATCH",
                                      "DELETE", "HEAD", "OPTIONS", "ANY"};
static const Attr api_attrs[] = {{"id", VT_STRING, ""}, {"url", VT_STRING, ""}};

static bool literal_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
}

static bool param_name_ok(const char *s, size_t n)
{
    if (n == 0 || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') || s[0] == '_'))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!literal_char(s[i]) || s[i] == '.' || s[i] == '-')
            return false;
    return true;
}

/* PATH = "/" | ( "/" segment )+ ; segment = literal | "{" name ["+"] "}" */
static bool parse_path(Ctx *ctx, Route *r, const Item *it)
{
    const char *p = it->text;
    Loc loc = it->loc;
    if (strcmp(p, "/") == 0)
        return true;
    if (strlen(p) > MAX_PATH) {
        diag(ctx, D_BAD_PATH, (Loc){loc.src, loc.off, 1}, "route path is %zu "
             "characters long; API Gateway takes URLs of at most %d",
             strlen(p), MAX_PATH);
        return false;
    }
    int cap = 0;
    for (const char *c = p; *c; c++)
        cap += *c == '/';
    r->segs = arena_alloc(ctx->arena, sizeof(Segment) * (size_t)cap);
    const char *s = p;
    while (*s) {
        if (*s != '/') {
            diag(ctx, D_BAD_PATH, loc, "route path '%s' is not '/' or "
                 "'/segment/...'", p);
            return false;
        }
        const char *start = ++s;
        while (*s && *s != '/')
            s++;
        size_t n = (size_t)(s - start);
        Loc sl = {loc.src, loc.off + (uint32_t)(start - p), (uint32_t)n};
        if (n == 0) {
            diag(ctx, D_BAD_PATH, sl, "route path '%s' has an empty segment "
                 "(a '//' or a trailing '/')", p);
            return false;
        }
        Segment *seg = &r->segs[r->nsegs++];
        seg->text = arena_strndup(ctx->arena, start, n);
        seg->loc = sl;
        if (start[0] == '{') {
            bool greedy = n >= 3 && start[n - 2] == '+';
            size_t name_len = n - 2 - greedy;
            if (start[n - 1] != '}' || !param_name_ok(start + 1, name_len)) {
                diag(ctx, D_BAD_PATH, sl, "path parameter '%s' must be "
                     "'{name}' or '{name+}', the name of letters, digits "
                     "and '_'", seg->text);
                return false;
            }
            seg->param = arena_strndup(ctx->arena, start + 1, name_len);
            seg->greedy = greedy;
        } else {
            for (size_t i = 0; i < n; i++) {
                if (!literal_char(start[i])) {
                    diag(ctx, D_BAD_PATH, sl, "path segment '%s' may hold "
                         "only letters, digits, '-', '.' and '_', or be a "
                         "'{parameter}'", seg->text);
                    return false;
                }
            }
        }
    }
    for (int i = 0; i < r->nsegs; i++) {
        if (r->segs[i].greedy && i != r->nsegs - 1) {
            diag(ctx, D_BAD_PATH, r->segs[i].loc, "a greedy parameter '%s' "
                 "must be the last segment of the path", r->segs[i].text);
            return false;
        }
    }
    return true;
}

static void route_check(Ctx *ctx, Decl *d)
{
    Stmt *s = d->stmt;
    const char *usage = "route METHOD PATH -> FUNCTION [auth AUTHORIZER|iam|none]";
    if (!want_items(ctx, s, 5, 8, usage))
        return;
    Route *r = arena_alloc(ctx->arena, sizeof *r);
    int m = want_choice(ctx, s, 1, "method", methods, 8);
    if (m < 0)
        return;
    r->method = methods[m];
    if (s->items[2]->kind != I_PATH) {
        diag(ctx, D_EXPECTED, s->items[2]->loc, "expected a path starting "
             "with '/', found %s", item_describe(ctx->arena, s->items[2]));
        return;
    }
    r->path = s->items[2]->text;
    d->display = arena_printf(ctx->arena, "route %s %s", r->method, r->path);
    if (!item_is_punct(s->items[3], T_ARROW)) {
        diag(ctx, D_EXPECTED, s->items[3]->loc, "expected '->' in '%s'", usage);
        return;
    }
    if (s->has_block)
        diag(ctx, D_EXPECTED, s->block_loc, "'route' takes no block");
    if (!parse_path(ctx, r, s->items[2]))
        return;
    if (s->nitems > 5 && !api_read_route_auth(ctx, r, s, 5))
        return;
    r->fn = resolve_name_of_kind(ctx, s->items[4], &kind_function);
    if (!r->fn)
        return;
    add_edge(ctx, d, r->fn, s->items[4]->loc,
             arena_printf(ctx->arena, "calls '%s'", r->fn->name));
    add_edge(ctx, d, ctx->prog.api, s->items[0]->loc, "belongs to 'api'");
    d->data = r;
}

/* ---- the api block ---------------------------------------------------- */

Api *api_data(Ctx *ctx, Decl *api)
{
    if (!api->data) {
        Api *a = api->data = arena_alloc(ctx->arena, sizeof(Api));
        a->backend = &api_rest;
        a->nroutes = -1;
    }
    return api->data;
}

/* A function behind a route that may run longer than API Gateway waits:
 * the caller gets a 504 while the function runs on.  Once per function,
 * at its timeout, with a note at its first route. */
static void check_waits(Ctx *ctx, const Api *api, PtrVec *routes)
{
    StrMap seen = {0};
    for (int i = 0; i < routes->len; i++) {
        Decl *route = routes->items[i];
        Decl *fn = ((Route *)route->data)->fn;
        if (strmap_get(&seen, fn->name))
            continue;
        strmap_put(ctx->arena, &seen, fn->name, fn);
        Loc at;
        long long t = function_timeout(fn, &at);
        if (t <= api->backend->max_wait)
            continue;
        Diag *w = diag(ctx, D_API_TIMEOUT, at.src ? at : fn->name_loc,
                       "%s has a timeout of %lld s, but it answers %s of %s, "
                       "and API Gateway waits at most %lld s for it: the "
                       "caller would get a 504 while the function runs on; "
                       "lower the timeout to %lld s or less, or hand the slow work to "
                       "a queue and answer at once", fn->display, t,
                       route->display, api->backend->noun,
                       api->backend->max_wait, api->backend->max_wait);
        note(ctx, w, route->loc, "the route is declared here");
    }
}

/* Every back end, by the name `api { kind ... }` gives it. */
static const ApiBackend *const backends[] = {&api_rest, &api_http};
#define NBACKENDS (int)(sizeof backends / sizeof *backends)

static void field_kind(Ctx *ctx, Decl *d, Stmt *s)
{
    const char *names[NBACKENDS];
    for (int i = 0; i < NBACKENDS; i++)
        names[i] = backends[i]->kind;
    if (!want_items(ctx, s, 2, 2, "kind rest|http"))
        return;
    int k = want_choice(ctx, s, 1, "api kind", names, NBACKENDS);
    if (k >= 0)
        api_data(ctx, d)->backend = backends[k];
}

/* A literal origin: "*", or scheme://host[:port], no quotes or blanks. */
static bool origin_ok(Ctx *ctx, const Expr *x)
{
    if (x->kind != E_STRING)
        return true;
    if (x->text[0] && !strpbrk(x->text, "'\" \t"))
        return true;
    diag(ctx, D_CORS_ORIGIN, x->loc, "a cors origin is \"*\" or "
         "\"https://example.com\", without quotes or blanks inside");
    return false;
}

/* cors ORIGIN | [ORIGIN, ...]: each a string expression (a literal, a
 * parameter, an interpolation such as "https://${stage}.example.com") */
static void field_cors(Ctx *ctx, Decl *d, Stmt *s)
{
    if (!want_items(ctx, s, 2, 2, "cors \"ORIGIN\" or [\"ORIGIN\", ...]"))
        return;
    Api *api = api_data(ctx, d);
    const Item *it = s->items[1];
    int n = it->kind == I_LIST ? it->nelems : 1;
    if (n == 0) {
        diag(ctx, D_CORS_ORIGIN, it->loc, "cors needs at least one origin; "
             "remove the line for no CORS");
        return;
    }
    api->origins = arena_alloc(ctx->arena, sizeof(Expr *) * (size_t)n);
    api->cors_loc = it->loc;
    for (int i = 0; i < n; i++) {
        Expr *x = expr_from_item(ctx, it->kind == I_LIST ? it->elems[i] : it);
        if (!x || !origin_ok(ctx, x))
            continue;
        use_expr(ctx, d, x, "cors");
        api->origins[api->norigins++] = x;
    }
    if (api->norigins == 1 && api->origins[0]->kind == E_STRING)
        api->cors = api->origins[0]->text;
}

/* After resolve: every origin a string; a REST API's one literal (its
 * preflights and error responses hold the origin as it is, and its stage
 * serves a deployment that only new routes renew: an origin that changes
 * with a parameter would not reach it). */
static void check_origins(Ctx *ctx, Api *api)
{
    for (int i = 0; i < api->norigins; i++) {
        Expr *x = api->origins[i];
        if (x->type != VT_NONE && x->type != VT_STRING)
            diag(ctx, D_CORS_ORIGIN, x->loc, "a cors origin is a string, not "
                 "%s", value_type_name(x->type));
    }
    if (api->backend != &api_rest || api->cors || !api->norigins)
        return;
    diag(ctx, D_CORS_ORIGIN, api->cors_loc, "%s takes one literal cors origin "
         "(\"https://example.com\" or \"*\"): its preflights answer with "
         "it as written, and its stage would keep an old deployment when a "
         "parameter changed it; use 'kind http' for several origins or one "
         "from a parameter", api_rest.noun);
}

static const Field api_fields[] = {
    {"kind", false, field_kind},
    {"cors", false, field_cors},
    {"auth", false, api_field_auth},
    {"authorizer", true, api_field_authorizer},
};

static void api_check(Ctx *ctx, Decl *d)
{
    api_data(ctx, d);
    if (want_items(ctx, d->stmt, 1, 1, "api { ... }"))
        check_fields(ctx, d, d->stmt, api_fields,
                     sizeof api_fields / sizeof *api_fields);
}

PtrVec api_routes(Ctx *ctx)
{
    PtrVec v = {0};
    for (int i = 0; i < ctx->prog.decls.len; i++) {
        Decl *d = ctx->prog.decls.items[i];
        if (d->kind == &kind_route && d->data)
            vec_push(ctx->arena, &v, d);
    }
    return v;
}

/* ---- the checks across routes ----------------------------------------- */

/* Put the route's prefixes into the tree (nodes maps "PARENT-ID/SEGMENT"
 * to a PathNode).  Under one parent, API Gateway has one child per literal
 * and at most one parameter child: two parameter names at one position
 * conflict. */
static void add_path(Ctx *ctx, StrMap *nodes, PathNode *root, Decl *route)
{
    Route *r = route->data;
    r->nodes = arena_alloc(ctx->arena, sizeof(PathNode *) * (size_t)(r->nsegs + 1));
    r->nodes[0] = root;
    for (int i = 0; i < r->nsegs; i++) {
        PathNode *parent = r->nodes[i];
        Segment *x = &r->segs[i];
        Decl *first = x->param ? parent->param_route : NULL;
        if (x->param && !first)
            parent->param_route = route;
        Segment *y = first ? &((Route *)first->data)->segs[i] : NULL;
        if (y && strcmp(x->text, y->text) != 0) {
            Diag *dg = diag(ctx, D_PARAM_CONFLICT, x->loc,
                            "path parameter '%s' conflicts with '%s' at the "
                            "same position; API Gateway allows one parameter "
                            "name under one parent", x->text, y->text);
            note(ctx, dg, y->loc, "'%s' used here by %s", y->text,
                 first->display);
            return;
        }
        char key[MAX_PATH + 16];    /* a segment is at most MAX_PATH */
        snprintf(key, sizeof key, "%d/%s", parent->id, x->text);
        PathNode *n = strmap_get(nodes, key);
        if (!n) {
            n = arena_alloc(ctx->arena, sizeof *n);
            n->id = (int)nodes->len + 1;
            n->parent = parent;
            n->seg = x;
            strmap_put(ctx->arena, nodes, arena_strdup(ctx->arena, key), n);
        }
        r->nodes[i + 1] = n;
    }
}

static void api_link(Ctx *ctx, Decl *d)
{
    PtrVec routes = api_routes(ctx);
    if (routes.len == 0 && !d->builtin)
        diag(ctx, D_NO_ROUTES, d->loc, "the api block is given but there are "
             "no routes; add a 'route METHOD PATH -> FUNCTION'");
    StrMap seen = {0}, nodes = {0};
    PathNode *root = arena_alloc(ctx->arena, sizeof *root);
    root->ids = "Api";
    root->resource = "ApiRoot";
    for (int i = 0; i < routes.len; i++) {
        Decl *route = routes.items[i];
        Route *r = route->data;
        char *key = arena_printf(ctx->arena, "%s %s", r->method, r->path);
        Decl *first = strmap_get(&seen, key);
        if (first) {
            Diag *dg = diag(ctx, D_DUPLICATE_ROUTE, route->loc,
                            "route %s %s is declared twice", r->method, r->path);
            note(ctx, dg, first->loc, "first declared here");
            continue;
        }
        strmap_put(ctx->arena, &seen, key, route);
        add_path(ctx, &nodes, root, route);
    }
    Api *api = api_data(ctx, d);
    check_origins(ctx, api);
    api_auth_link(ctx, d, &routes);
    check_waits(ctx, api, &routes);
    if (routes.len && api->backend->link)
        api->backend->link(ctx, d, &routes);
}

/* Called once per reference to api.*: the routes are counted once. */
static const char *api_attr_error(Ctx *ctx, Decl *d, const char *attr,
                                  DiagCode *code)
{
    *code = D_NO_ROUTES;
    Api *api = api_data(ctx, d);
    if (api->nroutes < 0)
        api->nroutes = api_routes(ctx).len;
    if (api->nroutes == 0)
        return arena_printf(ctx->arena, "'api.%s' needs at least one route; "
                            "add a 'route METHOD PATH -> FUNCTION'", attr);
    return NULL;
}

static CfnRef api_ref(Ctx *ctx, Decl *d, const char *attr)
{
    return api_data(ctx, d)->backend->ref(ctx, d, attr);
}

static void api_ids(Ctx *ctx, Decl *d)
{
    PtrVec routes = api_routes(ctx);
    api_data(ctx, d)->backend->ids(ctx, d, &routes);
}

static void api_emit(Ctx *ctx, Decl *d, Emit *e)
{
    if (api_routes(ctx).len == 0)
        return;
    api_data(ctx, d)->backend->emit_api(ctx, d, e);
}

static void route_emit(Ctx *ctx, Decl *d, Emit *e)
{
    api_data(ctx, ctx->prog.api)->backend->emit_route(ctx, d, e);
}

/* ---- helpers for the back ends ---------------------------------------- */

const char *api_seg_id(Ctx *ctx, const Segment *s)
{
    if (!s->param)
        return pascal_case(ctx->arena, s->text);
    return arena_printf(ctx->arena, "%s%s", pascal_case(ctx->arena, s->param),
                        s->greedy ? "Greedy" : "Param");
}

const char *api_method_word(Ctx *ctx, const char *m)
{
    char *w = arena_strdup(ctx->arena, m);
    for (char *p = w + 1; *p; p++)
        *p = (char)(*p - 'A' + 'a');
    return w;
}

/* The path in an execute-api ARN: parameters become '*'. */
static const char *arn_path(Ctx *ctx, const Route *r)
{
    Buf b = {0};
    buf_add(&b, "", 0);
    for (int i = 0; i < r->nsegs; i++)
        buf_printf(&b, "%s%s", i ? "/" : "", r->segs[i].param ? "*" : r->segs[i].text);
    char *s = arena_strdup(ctx->arena, b.data);
    buf_free(&b);
    return s;
}

void api_route_permission(Ctx *ctx, Emit *e, Decl *d, const Route *r)
{
    Arena *a = ctx->arena;
    lambda_permission(ctx, e, d, r->perm_id, r->fn->logical, "apigateway.amazonaws.com",
                      cfn_sub(a, d->loc, arena_printf(
        a, "arn:${AWS::Partition}:execute-api:${AWS::Region}:"
           "${AWS::AccountId}:${Api}/${Stage}/%s/%s",
        strcmp(r->method, "ANY") == 0 ? "*" : r->method, arn_path(ctx, r))));
}

/* For split.c: a route's resources go with its function; its REST path
 * resources with others of the same first segment. */
static Decl *route_unit(const Decl *d)
{
    const Route *r = d->data;
    return r ? r->fn : NULL;
}

static const char *route_path_first(const Decl *d)
{
    const Route *r = d->data;
    return r && r->nsegs ? r->segs[0].text : NULL;
}

const Kind kind_route = {
    .keyword = "route",
    .noun = "route",
    .check = route_check,
    .emit = route_emit,
    .unit = route_unit,
    .path_first = route_path_first,
};

const Kind kind_api = {
    .keyword = "api",
    .noun = "api",
    .single = true,
    .attrs = api_attrs,
    .nattrs = sizeof api_attrs / sizeof *api_attrs,
    .check = api_check,
    .link = api_link,
    .attr_error = api_attr_error,
    .ref = api_ref,
    .ids = api_ids,
    .emit = api_emit,
    .takes_builtin = true,
};

CfnRef api_stage_ref(Ctx *ctx, Decl *api, const char *attr)
{
    (void)ctx, (void)api;
    if (strcmp(attr, "url") == 0)
        return (CfnRef){.form = CFN_SUB,
                        .sub = "https://${Api}.execute-api.${AWS::Region}."
                               "${AWS::URLSuffix}/${Stage}/"};
    return (CfnRef){.form = CFN_REF, .logical = hitc_ids[HID_API]};
}
