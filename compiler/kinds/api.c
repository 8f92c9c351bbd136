/*
 * kinds/api.c: `route METHOD PATH -> FUNCTION` and the `api { kind; cors }`
 * block.  Routes make one API Gateway REST API, named `api`.
 *
 * Becomes:
 *   Api                          AWS::ApiGateway::RestApi
 *   Api<Segments>Resource        AWS::ApiGateway::Resource per path segment
 *   Api<Segments><Method>Method  AWS::ApiGateway::Method, AWS_PROXY
 *   Api<Segments><Method>Permission  AWS::Lambda::Permission scoped to the
 *                                API, the stage, the method and the path
 *   Api<Segments>OptionsMethod   with `cors`, a MOCK preflight per path
 *   ApiDeployment<hash>          AWS::ApiGateway::Deployment; the hash of
 *                                the routes renames it when they change
 *   ApiStage                     AWS::ApiGateway::Stage named by Stage
 * Segments: a literal is PascalCase'd ("users" -> "Users"), "{id}" is
 * "IdParam", "{path+}" is "PathGreedy"; the root path is "Root".  An ID
 * past 255 characters is shortened with a hash (logical_id_fit).
 * api.url is composed from the API's id and the Stage parameter alone, so
 * a function behind the API may read its own URL without a cycle.
 * Cost: the paths of all routes form one tree of PathNodes (api_link), so
 * a prefix shared by many routes, or the prefixes of one long path, are
 * looked at once each; a path is at most MAX_PATH characters; and past
 * EMIT_STOP resources (far over CloudFormation's 500, which emit.c then
 * reports) no more are made.  Time and memory stay linear in the input.
 */
#include <stdlib.h>
#include <string.h>

#include "bundle.h"
#include "cfn.h"
#include "hitc.h"

typedef struct Segment {
    const char *text;       /* as written: "users", "{id}", "{p+}" */
    const char *param;      /* "id" for {id} and {id+}, else NULL */
    bool greedy;
    Loc loc;
} Segment;

/* One path prefix; the root is "/".  Keyed by its parent and its last
 * segment's text, so finding one costs the length of that segment. */
typedef struct PathNode {
    int id;
    struct PathNode *parent;
    const Segment *seg;     /* the last segment; NULL for the root */
    Decl *param_route;      /* the route that first put a parameter under it */
    const char *ids;        /* "Api" + the segments' IDs, made on emit */
    const char *resource;   /* ids + "Resource", named by route_ids */
    bool made;              /* emit_path looked at it */
} PathNode;

typedef struct Route {
    const char *method;
    const char *path;
    Segment *segs;
    int nsegs;
    PathNode **nodes;       /* nsegs + 1: the root, then one per prefix */
    Decl *fn;
    const char *method_id;  /* logical ID of its Method (route_ids) */
    const char *perm_id;    /* and of its Permission */
} Route;

typedef struct Api {
    const char *cors;       /* allowed origin, or NULL */
    int nroutes;            /* valid routes, -1 until counted */
    const char *hash;       /* of the routes, names the deployment (api_ids) */
} Api;

/* API Gateway takes URLs of at most 8,192 characters (edge-optimized and
 * private APIs; regional ones 10,240): a longer path could never be
 * called. */
#define MAX_PATH 8192
/* Routes stop making resources once the template holds this many. */
#define EMIT_STOP (2 * CFN_MAX_RESOURCES)

static const char *const methods[] = {"GET", "POST", "PUT", "PATCH",
                                      "DELETE", "HEAD", "OPTIONS", "ANY"};
static const Attr api_attrs[] = {{"id", VT_STRING}, {"url", VT_STRING}};

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
    const char *usage = "route METHOD PATH -> FUNCTION";
    if (!want_items(ctx, s, 5, 5, usage))
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
    r->fn = resolve_name_of_kind(ctx, s->items[4], &kind_function);
    if (!r->fn)
        return;
    add_edge(ctx, d, r->fn, s->items[4]->loc,
             arena_printf(ctx->arena, "calls '%s'", r->fn->name));
    add_edge(ctx, d, ctx->prog.api, s->items[0]->loc, "belongs to 'api'");
    d->data = r;
}

/* ---- the api block and the checks across routes ---------------------- */

static void field_kind(Ctx *ctx, Decl *d, Stmt *s)
{
    static const char *const api_kinds[] = {"rest", "http"};
    (void)d;
    if (!want_items(ctx, s, 2, 2, "kind rest|http"))
        return;
    if (want_choice(ctx, s, 1, "api kind", api_kinds, 2) == 1)
        diag(ctx, D_NOT_YET, s->items[1]->loc, "'kind http' is not built by "
             "hitc %s yet; use 'kind rest'", HITC_VERSION);
}

static void field_cors(Ctx *ctx, Decl *d, Stmt *s)
{
    if (!want_items(ctx, s, 2, 2, "cors \"ORIGIN\""))
        return;
    const char *origin = want_string(ctx, s, 1, "the allowed origin");
    if (!origin)
        return;
    if (!origin[0] || strpbrk(origin, "'\" \t")) {
        diag(ctx, D_BAD_VALUE, s->items[1]->loc,
             "cors takes one origin, as in \"*\" or \"https://example.com\"");
        return;
    }
    ((Api *)d->data)->cors = origin;
}

static const Field api_fields[] = {
    {"kind", false, field_kind},
    {"cors", false, field_cors},
};

static void api_check(Ctx *ctx, Decl *d)
{
    d->data = arena_alloc(ctx->arena, sizeof(Api));
    ((Api *)d->data)->nroutes = -1;
    if (want_items(ctx, d->stmt, 1, 1, "api { ... }"))
        check_fields(ctx, d, d->stmt, api_fields, 2);
}

static PtrVec routes_of(Ctx *ctx)
{
    PtrVec v = {0};
    for (int i = 0; i < ctx->prog.decls.len; i++) {
        Decl *d = ctx->prog.decls.items[i];
        if (d->kind == &kind_route && d->data)
            vec_push(ctx->arena, &v, d);
    }
    return v;
}

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
            Diag *e = diag(ctx, D_PARAM_CONFLICT, x->loc,
                           "path parameter '%s' conflicts with '%s' at the "
                           "same position; API Gateway allows one parameter "
                           "name under one parent", x->text, y->text);
            note(ctx, e, y->loc, "'%s' used here by %s", y->text,
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
    PtrVec routes = routes_of(ctx);
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
            Diag *e = diag(ctx, D_DUPLICATE_ROUTE, route->loc,
                           "route %s %s is declared twice", r->method, r->path);
            note(ctx, e, first->loc, "first declared here");
            continue;
        }
        strmap_put(ctx->arena, &seen, key, route);
        add_path(ctx, &nodes, root, route);
    }
}

/* Called once per reference to api.*: the routes are counted once. */
static const char *api_attr_error(Ctx *ctx, Decl *d, const char *attr,
                                  DiagCode *code)
{
    *code = D_NO_ROUTES;
    if (!d->data) {
        d->data = arena_alloc(ctx->arena, sizeof(Api));
        ((Api *)d->data)->nroutes = -1;
    }
    Api *api = d->data;
    if (api->nroutes < 0)
        api->nroutes = routes_of(ctx).len;
    if (api->nroutes == 0)
        return arena_printf(ctx->arena, "'api.%s' needs at least one route; "
                            "add a 'route METHOD PATH -> FUNCTION'", attr);
    return NULL;
}

static CfnRef api_ref(Ctx *ctx, Decl *d, const char *attr)
{
    (void)ctx, (void)d;
    if (strcmp(attr, "url") == 0)
        return (CfnRef){.form = CFN_SUB,
                        .sub = "https://${Api}.execute-api.${AWS::Region}."
                               "${AWS::URLSuffix}/${Stage}/"};
    return (CfnRef){.form = CFN_REF, .logical = "Api"};
}

static void api_emit(Ctx *ctx, Decl *d, Emit *e)
{
    if (routes_of(ctx).len == 0)
        return;
    CfnNode *res = emit_resource(ctx, e, d, "Api", "AWS::ApiGateway::RestApi");
    CfnNode *p = cfn_put_obj(ctx->arena, res, "Properties");
    if (ctx->prog.app)
        cfn_put_str(ctx->arena, p, "Description", ctx->prog.app->display);
    cfn_put(ctx->arena, cfn_put_obj(ctx->arena, p, "EndpointConfiguration"),
                          "Types", cfn_strings(ctx->arena, d->loc, 1, "REGIONAL"));
    cfn_put(ctx->arena, p, "Name", cfn_sub(ctx->arena, d->loc, "${AWS::StackName}"));
}

/* ---- routes ---------------------------------------------------------- */

static const char *seg_id(Ctx *ctx, const Segment *s)
{
    if (!s->param)
        return pascal_case(ctx->arena, s->text);
    return arena_printf(ctx->arena, "%s%s", pascal_case(ctx->arena, s->param),
                        s->greedy ? "Greedy" : "Param");
}

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
        return cfn_getatt(ctx->arena, at, "Api", "RootResourceId");
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
        cfn_put(ctx->arena, p, "RestApiId", cfn_ref(ctx->arena, d->loc, "Api"));
    }
    return true;
}

static const char *method_word(Ctx *ctx, const char *m)
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

static void route_emit(Ctx *ctx, Decl *d, Emit *e)
{
    Route *r = d->data;
    if (!r || !r->nodes || !emit_path(ctx, e, d, r) || !r->perm_id)
        return;
    CfnNode *m = emit_resource(ctx, e, d, r->method_id, "AWS::ApiGateway::Method");
    CfnNode *p = cfn_put_obj(ctx->arena, m, "Properties");
    cfn_put_str(ctx->arena, p, "AuthorizationType", "NONE");
    cfn_put_str(ctx->arena, p, "HttpMethod", r->method);
    CfnNode *in = cfn_put_obj(ctx->arena, p, "Integration");
    cfn_put_str(ctx->arena, in, "IntegrationHttpMethod", "POST");
    cfn_put_str(ctx->arena, in, "Type", "AWS_PROXY");
    cfn_put(ctx->arena, in, "Uri", cfn_sub(ctx->arena, d->loc, arena_printf(
        ctx->arena, "arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:"
                    "path/2015-03-31/functions/${%s.Arn}/invocations",
        r->fn->logical)));
    cfn_put(ctx->arena, p, "ResourceId", resource_of(ctx, d->loc, r, r->nsegs));
    cfn_put(ctx->arena, p, "RestApiId", cfn_ref(ctx->arena, d->loc, "Api"));

    CfnNode *perm = emit_resource(ctx, e, d, r->perm_id,
                                  "AWS::Lambda::Permission");
    p = cfn_put_obj(ctx->arena, perm, "Properties");
    cfn_put_str(ctx->arena, p, "Action", "lambda:InvokeFunction");
    cfn_put(ctx->arena, p, "FunctionName", cfn_getatt(ctx->arena, d->loc, r->fn->logical, "Arn"));
    cfn_put_str(ctx->arena, p, "Principal", "apigateway.amazonaws.com");
    cfn_put(ctx->arena, p, "SourceArn", cfn_sub(ctx->arena, d->loc, arena_printf(
        ctx->arena, "arn:${AWS::Partition}:execute-api:${AWS::Region}:"
                    "${AWS::AccountId}:${Api}/${Stage}/%s/%s",
        strcmp(r->method, "ANY") == 0 ? "*" : r->method, arn_path(ctx, r))));
}

/* ---- deployment, stage, CORS ----------------------------------------- */

static int str_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static const char *const gateway_ids[] = {"ApiGatewayResponse4xx",
                                          "ApiGatewayResponse5xx"};

/* The first ten hex digits of the hash of the routes (method, path,
 * function) and the cors origin: the deployment's name changes with them,
 * so CloudFormation makes a new one. */
static const char *routes_hash(Ctx *ctx, PtrVec *routes, const char *cors)
{
    Buf sig = {0};
    const char **lines = arena_alloc(ctx->arena, sizeof(char *) * (size_t)routes->len);
    for (int i = 0; i < routes->len; i++) {
        Route *r = ((Decl *)routes->items[i])->data;
        lines[i] = arena_printf(ctx->arena, "%s %s -> %s\n", r->method, r->path,
                                r->fn->logical);
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
static void emit_cors(Ctx *ctx, Emit *e, const char *origin, PtrVec *routes,
                      PtrVec *method_ids)
{
    StrMap by_path = routes_by_path(ctx, routes);
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
        vec_push(ctx->arena, method_ids, (void *)id);
        CfnNode *m = emit_resource(ctx, e, d, id, "AWS::ApiGateway::Method");
        CfnNode *p = cfn_put_obj(ctx->arena, m, "Properties");
        cfn_put_str(ctx->arena, p, "AuthorizationType", "NONE");
        cfn_put_str(ctx->arena, p, "HttpMethod", "OPTIONS");
        CfnNode *in = cfn_put_obj(ctx->arena, p, "Integration");
        CfnNode *ir = cfn_obj(ctx->arena, d->loc);
        CfnNode *rp = cfn_put_obj(ctx->arena, ir, "ResponseParameters");
        cfn_put_str(ctx->arena, rp, "method.response.header.Access-Control-Allow-Headers",
                                "'Content-Type,Authorization,X-Amz-Date,X-Api-Key,X-Amz-Security-Token'");
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
        cfn_put(ctx->arena, p, "RestApiId", cfn_ref(ctx->arena, d->loc, "Api"));
        buf_free(&allow);
    }
    static const char *const kinds_[] = {"DEFAULT_4XX", "DEFAULT_5XX"};
    for (int i = 0; i < 2; i++) {
        CfnNode *g = emit_resource(ctx, e, ctx->prog.api, gateway_ids[i],
                                 "AWS::ApiGateway::GatewayResponse");
        CfnNode *p = cfn_put_obj(ctx->arena, g, "Properties");
        cfn_put_str(ctx->arena, cfn_put_obj(ctx->arena, p, "ResponseParameters"),
                                "gatewayresponse.header.Access-Control-Allow-Origin",
                                arena_printf(ctx->arena, "'%s'", origin));
        cfn_put_str(ctx->arena, p, "ResponseType", kinds_[i]);
        cfn_put(ctx->arena, p, "RestApiId", cfn_ref(ctx->arena, ctx->prog.api->loc, "Api"));
    }
}

static void api_finish(Ctx *ctx, Emit *e)
{
    PtrVec routes = routes_of(ctx);
    Api *api = ctx->prog.api->data;
    if (routes.len == 0 || ctx->nerrors || e->nclaimed >= EMIT_STOP ||
        !api || !api->hash)
        return;     /* past EMIT_STOP, emit.c reports the limit */
    const char *cors = api->cors;
    Loc at = ctx->prog.api->loc;
    PtrVec ids = {0};
    for (int i = 0; i < routes.len; i++) {
        Route *r = ((Decl *)routes.items[i])->data;
        vec_push(ctx->arena, &ids, (void *)r->method_id);
    }
    if (cors)
        emit_cors(ctx, e, cors, &routes, &ids);
    const char *hash = api->hash;
    qsort(ids.items, (size_t)ids.len, sizeof(void *), str_cmp);

    const char *dep_id = arena_printf(ctx->arena, "ApiDeployment%s", hash);
    CfnNode *dep = emit_resource(ctx, e, ctx->prog.api, dep_id,
                               "AWS::ApiGateway::Deployment");
    CfnNode *deps = cfn_put_arr(ctx->arena, dep, "DependsOn");
    for (int i = 0; i < ids.len; i++)
        cfn_arr_push(ctx->arena, deps, cfn_str(ctx->arena, at, ids.items[i]));
    CfnNode *p = cfn_put_obj(ctx->arena, dep, "Properties");
    cfn_put_str(ctx->arena, p, "Description",
                            arena_printf(ctx->arena, "hitc routes %s", hash));
    cfn_put(ctx->arena, p, "RestApiId", cfn_ref(ctx->arena, at, "Api"));

    CfnNode *stage = emit_resource(ctx, e, ctx->prog.api, "ApiStage",
                                 "AWS::ApiGateway::Stage");
    p = cfn_put_obj(ctx->arena, stage, "Properties");
    cfn_put(ctx->arena, p, "DeploymentId", cfn_ref(ctx->arena, at, dep_id));
    cfn_put(ctx->arena, p, "RestApiId", cfn_ref(ctx->arena, at, "Api"));
    cfn_put(ctx->arena, p, "StageName", cfn_ref(ctx->arena, at, "Stage"));
    cfn_put(ctx->arena, p, "Tags", hitc_tags(ctx, at));
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
                              seg_id(ctx, n->seg));
        n->resource = logical_id_fit(ctx->arena, arena_printf(
            ctx->arena, "%sResource", n->ids));
        Decl *has = id_owner(ctx, n->resource);
        if (has && has->kind != &kind_param)
            continue;           /* another node's, of the same ID */
        id_claim(ctx, d, n->resource);
    }
    const char *word = method_word(ctx, r->method);
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
static void api_ids(Ctx *ctx, Decl *d)
{
    for (int i = 0; i < ctx->prog.order.len; i++) {
        Decl *route = ctx->prog.order.items[i];
        if (route->kind == &kind_route && route->stmt)
            route_ids(ctx, route);
    }
    PtrVec routes = routes_of(ctx);
    if (routes.len == 0)
        return;
    id_claim(ctx, d, "Api");
    for (int i = 0; i < routes.len; i++)
        if (!((Route *)((Decl *)routes.items[i])->data)->perm_id)
            return;             /* past EMIT_STOP */
    Api *api = d->data;
    if (!api) {
        api = d->data = arena_alloc(ctx->arena, sizeof(Api));
        api->nroutes = -1;
    }
    if (api->cors) {
        StrMap by_path = routes_by_path(ctx, &routes);
        for (int i = 0; i < routes.len; i++) {
            Decl *route = routes.items[i];
            Route *r = route->data;
            const char *list[16];
            if (cors_methods(strmap_get(&by_path, r->path), route, list))
                id_claim(ctx, route, route_id(ctx, r, r->nsegs, "OptionsMethod"));
        }
        for (int i = 0; i < 2; i++)
            id_claim(ctx, d, gateway_ids[i]);
    }
    api->hash = routes_hash(ctx, &routes, api->cors);
    id_claim(ctx, d, arena_printf(ctx->arena, "ApiDeployment%s", api->hash));
    id_claim(ctx, d, "ApiStage");
}

const Kind kind_route = {
    .keyword = "route",
    .noun = "route",
    .check = route_check,
    .emit = route_emit,
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
    .finish = api_finish,
};
