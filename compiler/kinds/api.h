/*
 * kinds/api.h: what the route front end (kinds/route.c) and the API back
 * ends (kinds/api_rest.c, kinds/api_http.c) share.
 *
 * route.c reads every `route` line and the `api { kind; cors }` block,
 * puts the paths of all routes into one tree of PathNodes and reports
 * duplicates and parameter-name conflicts.  The back end that `kind`
 * chooses (an ApiBackend) then names the resources (ids), makes them
 * (emit) and says how `api.url` and `api.id` read (ref).  A new back end
 * is one file with one ApiBackend and its line in route.c's backends[].
 */
#ifndef HITC_KINDS_API_H
#define HITC_KINDS_API_H

#include "hitc.h"

/* API Gateway takes URLs of at most 8,192 characters (edge-optimized and
 * private APIs; regional ones 10,240): a longer path could never be
 * called. */
#define MAX_PATH 8192
/* Routes stop making resources once the template holds this many: far
 * more than the nested stacks of a split app can hold (split.c). */
#define EMIT_STOP (100 * CFN_MAX_RESOURCES)

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
    /* the REST back end's: */
    const char *ids;        /* "Api" + the segments' IDs, made on ids */
    const char *resource;   /* ids + "Resource", named by its route's ids */
    bool made;              /* emit_path looked at it */
} PathNode;

/* An authorizer of the api block, `authorizer NAME { ... }`
 * (kinds/api_auth.c): a JWT issuer's tokens (an HTTP API) or a Lambda
 * function's answer (a REST API). */
typedef enum { AZ_UNSET, AZ_JWT, AZ_LAMBDA } AuthorizerKind;

typedef struct Authorizer {
    const char *name;
    Loc loc;                /* its name */
    AuthorizerKind kind;
    bool both;              /* jwt and lambda given (reported) */
    Loc kind_loc;           /* the jwt or lambda line */
    Expr *issuer;           /* jwt */
    Expr **audience;        /* jwt: one or more */
    int naudience;
    Loc audience_loc;
    Decl *fn;               /* lambda: the function that answers */
    bool request;           /* lambda: `type request` (else token) */
    Loc type_loc;
    const char *header;     /* where the token is; "Authorization" */
    long long cache;        /* lambda: seconds API Gateway keeps an answer */
    Loc cache_loc;          /* empty: the default */
    bool used;              /* some route uses it */
    /* Named by the back end's ids(), made with the first route that uses
     * it (owner): the Authorizer, and for lambda its Permission. */
    const char *id, *perm_id;
    Decl *owner;
} Authorizer;

/* How a route is authorized: as written (Route.auth, Api.default_auth), or
 * after the default is applied (Route.eff). */
typedef enum { AUTH_UNSET, AUTH_NONE, AUTH_IAM, AUTH_NAMED } AuthUse;

typedef struct Auth {
    AuthUse use;
    Loc loc;                /* the name after `auth` */
    const char *name;       /* AUTH_NAMED: as written */
    Authorizer *az;         /* AUTH_NAMED, once resolved */
    const char **scopes;    /* jwt: the scopes the route needs, or NULL */
    int nscopes;
} Auth;

typedef struct Route {
    const char *method;
    const char *path;
    Segment *segs;
    int nsegs;
    PathNode **nodes;       /* nsegs + 1: the root, then one per prefix */
    Decl *fn;
    /* Named by the back end's ids(): the route's own resource (a REST
     * Method, an HTTP Route) and its Lambda permission. */
    const char *method_id;
    const char *perm_id;
    const char *target_id;  /* http: its function's Integration */
    Auth auth;              /* as written: AUTH_UNSET without `auth` */
    Auth eff;               /* the api's default applied (api_auth_link) */
} Route;

typedef struct ApiBackend ApiBackend;

typedef struct Api {
    const ApiBackend *backend;      /* rest unless `kind http` */
    const char *cors;       /* the one literal origin, or NULL */
    Expr **origins;         /* every origin `cors` gives, literal or not */
    int norigins;
    Loc cors_loc;
    PtrVec authorizers;     /* Authorizer*, in written order */
    StrMap authorizer_names;        /* name -> Authorizer* */
    Authorizer *reading;    /* the authorizer block being read */
    Auth default_auth;      /* `auth ...` in the api block */
    int nroutes;            /* valid routes, -1 until counted */
    const char *hash;       /* of the routes, names the deployment (rest) */
    /* rest: the deployment, a built-in declaration with an edge to every
     * route (kinds/api_rest.c), and the logical IDs of the methods it
     * waits for (sorted, named by ids). */
    Decl *deployment;
    PtrVec deploy_needs;
} Api;

/* A back end: how the routes become resources.  routes holds every valid
 * route (a Decl of kind_route whose data is its Route), in file order. */
struct ApiBackend {
    const char *kind;       /* as `api { kind ... }` names it */
    const char *noun;       /* "a REST API", for messages */
    /* How long API Gateway waits for the function, in seconds: its
     * integration timeout (29 s REST, 30 s HTTP). */
    long long max_wait;
    /* After the path tree is built: report what this back end cannot
     * build, add its own declarations and edges.  Optional. */
    void (*link)(Ctx *ctx, Decl *api, PtrVec *routes);
    /* How api.url and api.id read. */
    CfnRef (*ref)(Ctx *ctx, Decl *api, const char *attr);
    /* Register every logical ID of the API and its routes (ids.c). */
    void (*ids)(Ctx *ctx, Decl *api, PtrVec *routes);
    /* The API's own resources, at the api's place in the order; what must
     * stand after every route's goes into an appendix (EMIT_AFTER_ALL). */
    void (*emit_api)(Ctx *ctx, Decl *api, Emit *e);
    /* A route's resources, at the route's place in the order. */
    void (*emit_route)(Ctx *ctx, Decl *route, Emit *e);
};

extern const ApiBackend api_rest, api_http;

/* kinds/api_auth.c: the api block's `authorizer NAME { ... }` and
 * `auth ...` lines */
void api_field_authorizer(Ctx *ctx, Decl *api, Stmt *s);
void api_field_auth(Ctx *ctx, Decl *api, Stmt *s);
/* kinds/api_auth.c: a route's `auth NAME|iam|none [SCOPE, ...]`, from
 * item i of its line; false after reporting what is wrong */
bool api_read_route_auth(Ctx *ctx, Route *r, const Stmt *s, int i);
/* kinds/api_auth.c: after resolve: each route's authorizer found, the
 * default applied, what the back end cannot build reported, edges from a
 * route to its Lambda authorizer's function */
void api_auth_link(Ctx *ctx, Decl *api, PtrVec *routes);
/* kinds/api_auth.c: the route's authorization, for the deployment hash:
 * "", "iam", or the authorizer's whole configuration */
const char *api_auth_signature(Ctx *ctx, const Route *r);
/* kinds/api_auth.c: the headers a CORS preflight allows: the standard
 * ones, then each authorizer's own (const char*) */
PtrVec api_cors_headers(Ctx *ctx, const Api *api);

/* kinds/route.c: how api.url and api.id read when the API is "Api" and its
 * stage is named by the Stage parameter (both back ends) */
CfnRef api_stage_ref(Ctx *ctx, Decl *api, const char *attr);

/* kinds/route.c: every valid route, in file order */
PtrVec api_routes(Ctx *ctx);
/* kinds/route.c: the api's data, made with its defaults when the api has
 * no block */
Api *api_data(Ctx *ctx, Decl *api);
/* kinds/route.c: the permission that lets the API invoke r's function
 * for r alone (its method and path, parameters as '*'), owned by d */
void api_route_permission(Ctx *ctx, Emit *e, Decl *d, const Route *r);
/* kinds/route.c: "GET" -> "Get", for logical IDs */
const char *api_method_word(Ctx *ctx, const char *m);
/* kinds/route.c: a segment's part of a logical ID: "users" -> "Users",
 * "{id}" -> "IdParam", "{p+}" -> "PGreedy" */
const char *api_seg_id(Ctx *ctx, const Segment *s);

#endif
