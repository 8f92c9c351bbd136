/*
 * local.h: running an app on this machine (`hitc invoke`, `hitc event`,
 * `hitc serve`), a section per file.
 *
 * The app is compiled in process (compile(), then a dry-run emit: no zips)
 * and read from what the emitter made: each function's handler, runtime,
 * timeout, memory and env expressions, the API's routes and CORS, the
 * tables, queues, topics and schedules (local_app.c).  Env values are
 * evaluated against a Where (local_env.c): the local names of an endpoint
 * (--endpoint-url), a deployed stack (--stack, through the AWS CLI:
 * local_aws.c), and --env NAME=VALUE over both.  A function runs in a
 * directory laid out like its bundle, with the .env the stamper would
 * write (local_layout.c), in a worker process
 * (worker.c) that loads the handler once; API Gateway's side (events,
 * routes, responses, CORS) is apigw.c.
 *
 * Ownership: a LocalApp lives in its Ctx's arena (local_app_free frees
 * it, with its Emit); a layout directory belongs to the command that made
 * it (invoke removes its own, serve everything under its temporary
 * directory at exit); worker.c's Workers, WorkerSpecs and Pool are
 * malloc'd and freed by their own functions.  Nothing here is a global: a
 * command keeps its state in its own structs, so `hitc serve` can hold
 * two builds at once while it reloads (its one static is the flag its
 * signal handler sets).
 */
#ifndef HITC_LOCAL_H
#define HITC_LOCAL_H

#include <pthread.h>
#include <stdbool.h>
#include <sys/types.h>

#include "bundle.h"
#include "cfn.h"
#include "hitc.h"
#include "options.h"

/* ---- local_app.c: the app as the emitter made it ---------------------- */

typedef struct LocalFn {
    const char *name;           /* as in the .hit file: "counter" */
    const char *logical;        /* "CounterFunction" */
    Decl *decl;
    const char *runtime, *handler;
    long long timeout;          /* seconds */
    long long memory;           /* MB */
    const char *code;           /* the code directory as written */
    const char *code_dir;       /* where it is */
    struct BundleExtra extras[2];
    int nextras;
    CfnNode *stamp_env;         /* the stamp's Env map, or NULL */
    CfnNode *native_env;        /* Environment.Variables, or NULL */
} LocalFn;

/* A resource the local endpoint may hold: a table, a queue, a topic. */
typedef enum { RES_TABLE, RES_QUEUE, RES_TOPIC } LocalResKind;

typedef struct LocalRes {
    LocalResKind kind;
    const char *logical;
    const char *name;           /* the .hit name (tables), else the logical ID */
    CfnNode *props;
} LocalRes;

typedef enum { API_NONE, API_REST, API_HTTP } LocalApiKind;

/* Who may call a route (authorize.c checks it): IAM, a REST API's Lambda
 * authorizer (token or request), an HTTP API's JWT authorizer.  A JWT
 * authorizer's issuer and audience are template values, evaluated once
 * per build (local_auth_prepare), before any request is served. */
typedef enum { LAUTH_NONE, LAUTH_IAM, LAUTH_TOKEN, LAUTH_REQUEST, LAUTH_JWT } LocalAuthKind;

typedef struct LocalAuth {
    LocalAuthKind kind;
    const char *logical;        /* the Authorizer resource, or NULL (IAM) */
    const char *name;           /* its Name */
    const char *header;         /* where the token is */
    LocalFn *fn;                /* lambda: the function that answers */
    CfnNode *issuer_node, *audience_node;   /* jwt, as emitted */
    const char *issuer;         /* jwt, evaluated */
    const char **audience;
    int naudience;
    const CfnNode *keys;        /* jwt: the issuer's JWKS "keys", or NULL (jwks.c) */
    const char *keys_from;      /* jwt: where they were read */
} LocalAuth;

/* One route as API Gateway matches it: a REST Method (an AWS_PROXY to a
 * function, or a MOCK such as a CORS preflight) or an HTTP API Route. */
typedef struct LocalRoute {
    const char *method;         /* GET ... or ANY */
    const char *path;           /* "/messages/{channel}" */
    const char **segs;          /* the path's segments */
    int nsegs;
    LocalFn *fn;                /* NULL for a MOCK */
    const char *route_key;      /* http: "GET /{name}" */
    const char *resource_id;    /* rest: the path's resource, for the event */
    /* rest MOCK: its integration response */
    int mock_status;
    const char **mock_headers;  /* name, value, name, value ... */
    int nmock;
    LocalAuth *auth;            /* NULL: anyone may call it */
    const char **scopes;        /* http JWT: the scopes it needs */
    int nscopes;
} LocalRoute;

typedef struct LocalCors {      /* an HTTP API's CorsConfiguration */
    const char **origins, **methods, **headers, **expose;
    int norigins, nmethods, nheaders, nexpose;
    bool credentials;
    long long max_age;          /* -1: none */
} LocalCors;

typedef struct LocalApi {
    LocalApiKind kind;
    PtrVec routes;              /* LocalRoute* */
    PtrVec authorizers;         /* LocalAuth*, once each */
    LocalCors *cors;            /* http, or NULL */
    /* rest: the gateway responses' headers, name, value pairs */
    const char **headers_4xx, **headers_5xx;
    int n4xx, n5xx;
} LocalApi;

/* Something that invokes a function besides a route. */
typedef struct LocalTrigger {
    const char *kind;           /* "schedule", "event", "stream", "queue", "topic" */
    const char *logical;
    const char *text;           /* a schedule expression, an event pattern */
    LocalFn *fn;
} LocalTrigger;

typedef struct LocalApp {
    Ctx *ctx;
    Emit emit;
    const char *path;           /* the .hit file */
    const char *app;            /* its app name, or the file's base name */
    PtrVec fns;                 /* LocalFn* */
    PtrVec res;                 /* LocalRes* */
    PtrVec triggers;            /* LocalTrigger* */
    LocalApi api;
} LocalApp;

/* Compile path and read the app from its template.  NULL, with the
 * diagnostics printed on stderr (gcc format), when it does not compile. */
LocalApp *local_app_load(const char *path);
void local_app_free(LocalApp *app);
LocalFn *local_fn(const LocalApp *app, const char *name);
/* A template's node read as the local files read it: a string's (or a
 * number's) text; the logical ID of a {"Ref": L}; of a {"Fn::GetAtt":
 * [L, A]} (and A).  NULL when the node is not one. */
const char *local_str(const CfnNode *n);
const char *local_ref(const CfnNode *n);
const char *local_getatt(const CfnNode *n, const char **attr);

/* ---- local_env.c: env values ----------------------------------------- */

/* What env expressions are evaluated against. */
typedef struct Where {
    const char *stage;
    const char *region, *account;
    const char *endpoint;       /* --endpoint-url, or NULL */
    const char *profile;        /* deploy's --profile, or NULL */
    const char *api_url;        /* serve: the local base URL, or NULL */
    const char *jwks;           /* serve --jwks: the JWT keys' file or URL, or NULL */
    const char **env;           /* --env: NAME=VALUE ... */
    int nenv;
    /* --stack, filled by local_stack(): physical IDs and parameters */
    const char *stack;
    StrMap physical;            /* logical ID -> physical ID */
    StrMap params;              /* parameter -> value */
    /* and how to read the .env of fn's deployed stamped code into out (0,
     * or -1 when there is none): local_env.c asks, local_aws.c answers,
     * so that the env code needs nothing of the AWS CLI's */
    int (*stack_env)(LocalApp *app, struct Where *w, LocalFn *fn,
                     StrMap *out);
    /* with --endpoint-url, filled by local_prepare(): what was made */
    StrMap made;                /* "LOGICAL" or "LOGICAL.Attr" -> value */
} Where;

/* The value a local resource of the app gets, by name: APP-STAGE-NAME. */
const char *local_name(Ctx *ctx, const LocalApp *app, const Where *w,
                       const char *name);
/* Evaluate a value of the template (a string, Ref, Fn::GetAtt, Fn::Sub).
 * NULL when it has no value here; *why then says what it needs. */
const char *local_eval(LocalApp *app, Where *w, const CfnNode *v,
                       const char **why);
/* Every env key of fn with its value (stamped .env keys, then native),
 * into keys/values (arena); 0, or 1 after printing an error naming the
 * key and how to give it. */
int local_env(LocalApp *app, Where *w, LocalFn *fn, PtrVec *keys,
              PtrVec *values, PtrVec *native_keys, PtrVec *native_values);

/* ---- local_layout.c: the .env and the layout ------------------------- */

/* One value as the stamper writes it after 'KEY=' (docs/env-format.md). */
void env_format_value(Buf *b, const char *value);

/* A directory laid out like fn's bundle (symbolic links to the code's
 * files, the extras and the .env written), made under parent; its path
 * (malloc'd) or NULL with err filled. */
char *local_layout(LocalApp *app, LocalFn *fn, const char *parent,
                   PtrVec *keys, PtrVec *values, char *err, size_t errlen);
/* A fingerprint of fn's code directory (every file's name, size and
 * time), so a change is seen by comparing two. */
char *local_code_print(LocalFn *fn);
void local_rmtree(const char *dir);

/* ---- local_env.c: what a worker runs ----------------------------------- */

struct Interp;
struct WorkerSpec;
/* The function's name where it runs: the stack's, or APP-STAGE-NAME. */
const char *local_function_name(LocalApp *app, Where *w, LocalFn *fn);
/* What runs fn in dir: the interpreter, the handler, the environment
 * Lambda gives a function (AWS_LAMBDA_*, LAMBDA_TASK_ROOT, _HANDLER,
 * AWS_REGION, TZ) over this process's, its native env, and with
 * --endpoint-url AWS_ENDPOINT_URL and the per-service variables. */
struct WorkerSpec *local_spec(LocalApp *app, Where *w, LocalFn *fn,
                              const struct Interp *in, const char *dir,
                              PtrVec *native_keys, PtrVec *native_values);
/* With --endpoint-url and no credentials in the environment, set a pair
 * (a local endpoint takes any; the SDKs and the CLI want some). */
void local_endpoint_credentials(const Where *w);

/* ---- local_aws.c: the AWS CLI ------------------------------------------ */

/* Run `aws ARGS... --output json` (with --region, and --endpoint-url and
 * --profile when set): its exit status, its stdout in *out, its stderr in *err (both
 * malloc'd; either may be NULL). -1 when aws cannot be run. */
int local_aws(const Where *w, const char *const *args, Buf *out, Buf *err);
/* --stack NAME: the stack's physical IDs and parameters into w, and
 * w->stack_env.  0, or 1 after printing an error. */
int local_stack(LocalApp *app, Where *w);
/* --endpoint-url: make the app's tables (and queues and topics) there
 * when missing, named per app and stage, and note their names, ARNs and
 * URLs in w->made.  0, or 1 after printing an error. */
int local_prepare(LocalApp *app, Where *w, bool quiet);
/* The region and account hitc runs against: AWS_REGION, else
 * AWS_DEFAULT_REGION, else us-east-1; the account 123456789012 locally. */
void local_where_init(Where *w);

/* ---- worker.c: interpreters, workers, the pool ----------------------- */

/* The interpreter for a runtime: python3.X (else python3), node. */
typedef struct Interp {
    char cmd[32];               /* what is run: "python3.12", "node" */
    char version[32];           /* what it said: "3.11", "20.11.1" */
    char warning[256];          /* a different minor version, or "" */
} Interp;

/* Find and probe the interpreter for runtime; 0, or -1 with err filled
 * (no such interpreter, a runtime hitc cannot run). */
int interp_find(const char *runtime, Interp *out, char *err, size_t errlen);

/* What a worker runs. */
typedef struct WorkerSpec {
    char *fn;                   /* the function's name, for messages */
    char *cmd;                  /* the interpreter */
    bool node;
    char *handler;
    char *dir;                  /* the layout: its working directory */
    char **env;                 /* its environment, NULL-terminated */
    long long timeout_ms;
} WorkerSpec;

typedef struct Worker {
    pid_t pid;
    int to, from;               /* pipes: invocations out, answers in */
    unsigned gen;               /* the pool's generation it was made in */
    char version[32];
} Worker;

/* The outcome of an invocation. */
typedef enum { RUN_OK, RUN_ERROR, RUN_TIMEOUT, RUN_CRASH } RunResult;

/* Start a worker and wait until its handler is loaded (RUN_OK), or its
 * init error (RUN_ERROR, the error in out), or its death (RUN_CRASH). */
RunResult worker_start(const WorkerSpec *s, Worker *w, Buf *out);
/* One invocation: RUN_OK with the result's JSON in out, RUN_ERROR with
 * the handler's error, RUN_TIMEOUT (the worker is killed) or RUN_CRASH
 * (it died), each with the error in Lambda's shape in out. */
RunResult worker_invoke(Worker *w, const WorkerSpec *s, const char *request_id,
                        const char *event, Buf *out);
void worker_stop(Worker *w);
void worker_spec_free(WorkerSpec *s);
/* A request ID as Lambda's: a random UUID (out: 37 bytes). */
void local_uuid(char *out);

/* Warm workers, per function, for `hitc serve`. */
typedef struct PoolFn PoolFn;
typedef struct Pool {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    PoolFn **fns;
    int n;
    int cap;                    /* the most workers of one function */
    pid_t *busy;                /* workers answering a request now */
    int nbusy;
} Pool;

void pool_init(Pool *p, int cap);
/* The function's spec changed (or is new): later requests get workers of
 * the new spec; idle ones of the old are stopped, busy ones when done.
 * sig: what the spec stands for (a change means new workers); owns s. */
void pool_update(Pool *p, const char *fn, const char *sig, WorkerSpec *s);
/* Run one invocation on a warm worker (started when none is idle and the
 * function has fewer than cap; else wait for one).  *cold: a worker was
 * started for it. */
RunResult pool_invoke(Pool *p, const char *fn, const char *request_id,
                      const char *event, Buf *out, bool *cold);
/* Kill the workers answering requests now (at exit: their requests end). */
void pool_kill_busy(Pool *p);
void pool_free(Pool *p);

/* ---- apigw.c: API Gateway, locally ------------------------------------ */

/* A request as the server got it. */
typedef struct HttpReq {
    const char *method;
    const char *raw_path;       /* as sent, percent-encoded, no query */
    const char *query;          /* as sent, or "" */
    const char **headers;       /* name, value, name, value ... */
    int nheaders;
    const unsigned char *body;
    size_t body_len;
    const char *source_ip;
    const char *protocol;       /* "HTTP/1.1" */
} HttpReq;

/* The answer to send. */
typedef struct HttpResp {
    int status;
    Buf headers;                /* "Name: value\n" lines */
    Buf body;
} HttpResp;

/* The route for method and path, with its path parameters (decoded, into
 * params as name, value pairs in arena), or NULL. */
LocalRoute *apigw_match(Arena *a, const LocalApi *api, const char *method,
                        const char *raw_path, PtrVec *params);

/* The whole answer to req: a preflight, API Gateway's own error, or the
 * function's answer (run through invoke) mapped back. *fn_name names the
 * function called, or stays NULL. */
typedef RunResult (*ApigwInvoke)(void *arg, LocalFn *fn, const char *event,
                                 Buf *out);
void apigw_handle(LocalApp *app, const Where *w, const HttpReq *req,
                  ApigwInvoke invoke, void *arg, HttpResp *resp,
                  const char **fn_name);
void http_resp_free(HttpResp *r);
/* apigw_event.c: base64 (either alphabet, padding optional) into out;
 * false on a character of neither */
bool apigw_unbase64(const char *s, Buf *out);
/* apigw_answer.c: API Gateway's own answer {"message": ...}, with a REST
 * API's gateway response headers (its CORS) */
void apigw_gateway(const LocalApp *app, HttpResp *resp, int status,
                   const char *body, const char *error_type);
/* apigw_answer.c: a header line on resp; n name, value pairs */
void apigw_add_header(HttpResp *resp, const char *name, const char *value);
void apigw_add_pairs(HttpResp *resp, const char **pairs, int n);

/* ---- apigw_event.c: the event a function gets ------------------------- */

/* Percent-decoding of s[0..n) (and '+' as a space when plus), in a. */
char *apigw_decode(Arena *a, const char *s, size_t n, bool plus);
/* req's header name (any case; the last one given), or NULL. */
const char *apigw_header(const HttpReq *req, const char *name);
/* The event API Gateway sends the route's function for req, with what the
 * route's authorizer answered as its requestContext.authorizer (authz;
 * NULL: none). */
char *apigw_event(Arena *a, const LocalApp *app, const Where *w,
                  const LocalRoute *r, const PtrVec *params, const HttpReq *req,
                  CfnNode *authz);

/* ---- authorize.c: a route's authorizer, run locally -------------------- */

/* Evaluate every JWT authorizer's issuer and audience against w (once per
 * build, before requests).  0, or 1 after printing what has no value. */
int local_auth_prepare(LocalApp *app, Where *w);

/* ---- jwks.c: a JWT's signature ------------------------------------------- */

/* Read AU's key set, from OPTION (serve's --jwks) or its issuer's discovery
 * document; a set that cannot be read is said on stderr, never fatal. */
int local_jwks_prepare(LocalApp *app, LocalAuth *au, const char *option);
/* Is TOKEN ("Bearer " optional) signed by a key of AU's set? */
bool local_jwt_signed(Ctx *ctx, const LocalAuth *au, const char *token);
/* Run r's authorizer for req.  true: the call goes on, with *context the
 * event's requestContext.authorizer (or NULL); false: resp holds API
 * Gateway's refusal (401, 403, or 500 for an authorizer that failed). */
bool apigw_authorize(Arena *a, const LocalApp *app, const Where *w,
                     const LocalRoute *r, const PtrVec *params,
                     const HttpReq *req, ApigwInvoke invoke, void *arg,
                     CfnNode **context, HttpResp *resp);

/* ---- schedule.c -------------------------------------------------------- */

/* The next time (seconds since 1970, UTC) after now that an EventBridge
 * schedule expression fires, or -1 when it cannot say ("rate(...)" fires
 * first one period after the rule is made: *period then holds the period
 * in seconds). */
long long schedule_next(const char *expr, long long now, long long *period);

/* ---- mhd.c ------------------------------------------------------------- */

/* Load libmicrohttpd (serve.c's HTTP server) on first use: 0, or -1 with
 * err saying what is missing.  The MHD_* functions serve.c calls may be
 * called only after it succeeded. */
int mhd_load(char *err, size_t errlen);

/* ---- invoke.c, event.c, serve.c: the commands (main.c runs them) ------- */

int invoke_main(int argc, char **argv);
int event_main(int argc, char **argv);
int serve_main(int argc, char **argv);

#endif
