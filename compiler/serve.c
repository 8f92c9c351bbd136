/*
 * serve.c: `hitc serve FILE`, every route of the app on 127.0.0.1, each
 * function in warm workers, reloaded when the app or its code changes.
 *
 * In: the app (compiled in process, local_app.c) and where its env values
 * come from (--endpoint-url, whose tables, queues and topics are made when
 * missing; --stack; --env).  HTTP comes in through libmicrohttpd, a thread
 * per connection; API Gateway's side of each request is apigw.c's.
 * Out: the answers; one log line per request on stderr (method, path,
 * function, status, milliseconds); at start-up the routes and the
 * schedules with their next run time.
 * Holds: a request runs against one build from start to end: a reload
 * makes a new build and swaps it in, and the old one is freed when its
 * last request is done.  A function whose code, env or settings changed
 * gets new workers (pool_update); one that did not keeps its warm ones.
 * A .hit file that no longer compiles is reported and the last good build
 * goes on serving.  Every directory this command makes is under one
 * temporary directory, removed at exit (SIGINT, SIGTERM).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "local.h"

/* Requests bigger than API Gateway takes (10 MB) are refused. */
#define MAX_BODY (10u * 1024 * 1024)
#define POLL_MS 250

static const char usage[] =
    "usage: hitc serve FILE [options]\n"
    "\n"
    "Serve every route of the app in FILE on 127.0.0.1, as API Gateway would\n"
    "(REST or HTTP API events, responses, CORS), each function in warm\n"
    "workers (python3.X or node from PATH).  A change to FILE, its imports or\n"
    "a function's code is picked up without a restart.  Logs one line per\n"
    "request on stderr.\n"
    "\n"
    "options:\n"
    "  --port N             listen on port N (default 3000; 0 picks a free one)\n"
    "  --stage S            the stage (default dev): names local resources\n"
    "                       APP-S-NAME\n"
    "  --endpoint-url URL   point the AWS SDK at URL (a moto server, DynamoDB\n"
    "                       Local), and make the app's tables (and queues and\n"
    "                       topics) there when missing\n"
    "  --stack NAME         take env values from the deployed stack NAME\n"
    "                       (through the AWS CLI) instead\n"
    "  --env NAME=VALUE     the value of env key NAME (any key; repeatable)\n"
    "  --max-workers N      warm workers per function at most (default 4)\n"
    "  --jwks FILE|URL      the keys JWT authorizers check signatures with\n"
    "                       (default: the issuer's, from its\n"
    "                       /.well-known/openid-configuration; read with curl)\n"
    "  -h, --help           print this help\n";

typedef struct Build {
    LocalApp *app;
    Where w;
    int refs;
    /* the files it was read from, to see an edit */
    char **paths;
    struct stat *stats;
    int npaths;
} Build;

typedef struct FnState {
    char *name, *sig, *print;
} FnState;

typedef struct InterpCache {
    char runtime[32];
    Interp in;
    int rc;
    char err[256];
} InterpCache;

typedef struct Serve {
    const char *path;
    Where base;
    Arena *a;
    PtrVec env;
    int port, max_workers;
    Pool pool;
    pthread_mutex_t mu;
    Build *current;
    char tmp[4096];
    FnState *fns;
    int nfns;
    InterpCache *interps;
    int ninterps;
    struct MHD_Daemon *daemon;
} Serve;

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
    (void)sig;
    stopping = 1;
}

/* ---- options --------------------------------------------------------------- */

static int opt_port(void *arg, const char *v)
{
    char *end;
    long p = strtol(v, &end, 10);
    if (*end || p < 0 || p > 65535)
        return usage_error("serve", "--port takes a port number, not '%s'", v);
    ((Serve *)arg)->port = (int)p;
    return 0;
}

static int opt_env(void *arg, const char *v)
{
    Serve *s = arg;
    const char *eq = strchr(v, '=');
    if (!eq || eq == v)
        return usage_error("serve", "--env takes NAME=VALUE, not '%s'", v);
    vec_push(s->a, &s->env, (void *)v);
    return 0;
}

static int opt_workers(void *arg, const char *v)
{
    char *end;
    long n = strtol(v, &end, 10);
    if (*end || n < 1 || n > 64)
        return usage_error("serve", "--max-workers takes 1 to 64, not '%s'", v);
    ((Serve *)arg)->max_workers = (int)n;
    return 0;
}

#define AT(field) offsetof(Serve, field)
static const Option options[] = {
    {"--port", "-p", false, 0, opt_port},
    {"--stage", NULL, false, AT(base.stage), NULL},
    {"--endpoint-url", NULL, false, AT(base.endpoint), NULL},
    {"--stack", NULL, false, AT(base.stack), NULL},
    {"--env", NULL, false, 0, opt_env},
    {"--max-workers", NULL, false, 0, opt_workers},
    {"--jwks", NULL, false, AT(base.jwks), NULL},
};

/* ---- builds ---------------------------------------------------------------- */

static void build_free(Build *b)
{
    if (!b)
        return;
    for (int i = 0; i < b->npaths; i++)
        free(b->paths[i]);
    free(b->paths);
    free(b->stats);
    local_app_free(b->app);
    free(b);
}

static Build *build_take(Serve *s)
{
    pthread_mutex_lock(&s->mu);
    Build *b = s->current;
    if (b)
        b->refs++;
    pthread_mutex_unlock(&s->mu);
    return b;
}

static void build_give(Serve *s, Build *b)
{
    pthread_mutex_lock(&s->mu);
    bool last = --b->refs == 0 && b != s->current;
    pthread_mutex_unlock(&s->mu);
    if (last)
        build_free(b);
}

/* Remember the files ctx read, as they are now. */
static void note_sources(Build *b, Ctx *ctx)
{
    b->npaths = ctx->sources.len;
    b->paths = xcalloc((size_t)b->npaths + 1, sizeof *b->paths);
    b->stats = xcalloc((size_t)b->npaths + 1, sizeof *b->stats);
    for (int i = 0; i < b->npaths; i++) {
        const Source *src = ctx->sources.items[i];
        b->paths[i] = xstrdup(src->path);
        stat(src->path, &b->stats[i]);
    }
}

static bool sources_changed(char **paths, struct stat *stats, int n)
{
    for (int i = 0; i < n; i++) {
        struct stat st = {0};
        stat(paths[i], &st);
        if (st.st_size != stats[i].st_size || st.st_ino != stats[i].st_ino ||
            st.st_mtim.tv_sec != stats[i].st_mtim.tv_sec ||
            st.st_mtim.tv_nsec != stats[i].st_mtim.tv_nsec)
            return true;
    }
    return false;
}

static const Interp *interp_for(Serve *s, LocalFn *fn)
{
    for (int i = 0; i < s->ninterps; i++)
        if (strcmp(s->interps[i].runtime, fn->runtime) == 0)
            return s->interps[i].rc == 0 ? &s->interps[i].in : NULL;
    s->interps = xrealloc(s->interps, sizeof *s->interps * (size_t)(s->ninterps + 1));
    InterpCache *c = &s->interps[s->ninterps++];
    memset(c, 0, sizeof *c);
    snprintf(c->runtime, sizeof c->runtime, "%s", fn->runtime);
    c->rc = interp_find(fn->runtime, &c->in, c->err, sizeof c->err);
    if (c->rc != 0)
        fprintf(stderr, "hitc: functions on %s cannot run here: %s\n", fn->runtime, c->err);
    else if (c->in.warning[0])
        fprintf(stderr, "hitc: warning: functions on %s: %s\n", fn->runtime, c->in.warning);
    return c->rc == 0 ? &c->in : NULL;
}

static FnState *fn_state(Serve *s, const char *name)
{
    for (int i = 0; i < s->nfns; i++)
        if (strcmp(s->fns[i].name, name) == 0)
            return &s->fns[i];
    s->fns = xrealloc(s->fns, sizeof *s->fns * (size_t)(s->nfns + 1));
    FnState *f = &s->fns[s->nfns++];
    *f = (FnState){xstrdup(name), NULL, NULL};
    return f;
}

/* Make fn's workers' spec when what they run changed: its code, env,
 * settings.  false when the function cannot run (said why). */
static bool prepare_function(Serve *s, Build *b, LocalFn *fn)
{
    if (!fn->code_dir || !fn->runtime || !fn->handler)
        return false;
    const Interp *in = interp_for(s, fn);
    if (!in)
        return false;
    LocalApp *app = b->app;
    PtrVec keys = {0}, values = {0}, nkeys = {0}, nvalues = {0};
    if (local_env(app, &b->w, fn, &keys, &values, &nkeys, &nvalues) != 0)
        return false;
    char *print = local_code_print(fn);
    Buf sig = {0};
    buf_printf(&sig, "%s %s %s %lld %lld %s\n", fn->runtime, in->cmd, fn->handler,
               fn->timeout, fn->memory, local_function_name(app, &b->w, fn));
    for (int i = 0; i < keys.len; i++)
        buf_printf(&sig, ".env %s=%s\n", (char *)keys.items[i], (char *)values.items[i]);
    for (int i = 0; i < nkeys.len; i++)
        buf_printf(&sig, "env %s=%s\n", (char *)nkeys.items[i], (char *)nvalues.items[i]);
    buf_puts(&sig, print);
    FnState *st = fn_state(s, fn->name);
    free(st->print);
    st->print = print;
    if (st->sig && strcmp(st->sig, sig.data) == 0) {
        buf_free(&sig);
        return true;
    }
    char err[1024];
    char *dir = local_layout(app, fn, s->tmp, &keys, &values, err, sizeof err);
    if (!dir) {
        fprintf(stderr, "hitc: function '%s': %s\n", fn->name, err);
        buf_free(&sig);
        return false;
    }
    WorkerSpec *spec = local_spec(app, &b->w, fn, in, dir, &nkeys, &nvalues);
    free(dir);
    if (st->sig)
        fprintf(stderr, "hitc: function '%s' changed; its next request starts it anew\n",
                fn->name);
    pool_update(&s->pool, fn->name, sig.data, spec);
    free(st->sig);
    st->sig = xstrdup(sig.data);
    buf_free(&sig);
    return true;
}

static Build *build_load(Serve *s)
{
    LocalApp *app = local_app_load(s->path);
    if (!app)
        return NULL;
    Build *b = xcalloc(1, sizeof *b);
    b->app = app;
    b->w = s->base;
    b->w.physical = b->w.params = b->w.made = (StrMap){0};
    b->w.api_url = arena_printf(app->ctx->arena, "http://127.0.0.1:%d/", s->port);
    note_sources(b, app->ctx);
    int rc = 0;
    if (b->w.stack)
        rc = local_stack(app, &b->w);
    else if (b->w.endpoint)
        rc = local_prepare(app, &b->w, false);
    if (rc == 0)
        rc = local_auth_prepare(app, &b->w);
    if (rc != 0) {
        build_free(b);
        return NULL;
    }
    /* every function must be able to run before any gets new workers */
    for (int i = 0; i < app->fns.len && rc == 0; i++) {
        LocalFn *fn = app->fns.items[i];
        PtrVec k = {0}, v = {0}, nk = {0}, nv = {0};
        if (fn->code_dir && fn->runtime && fn->handler &&
            (!interp_for(s, fn) || local_env(app, &b->w, fn, &k, &v, &nk, &nv) != 0))
            rc = 1;
    }
    if (rc != 0) {
        build_free(b);
        return NULL;
    }
    for (int i = 0; i < app->fns.len; i++)
        prepare_function(s, b, app->fns.items[i]);
    return b;
}

/* ---- what it says ---------------------------------------------------------- */

static void say_routes(const Build *b)
{
    const LocalApi *api = &b->app->api;
    if (api->kind == API_NONE)
        fprintf(stderr, "  (no routes)\n");
    for (int i = 0; i < api->routes.len; i++) {
        const LocalRoute *r = api->routes.items[i];
        const LocalAuth *au = r->auth;
        fprintf(stderr, "  %-7s %s -> %s%s%s%s\n", r->method, r->path,
                r->fn ? r->fn->name : "(CORS preflight)", au ? " (auth " : "",
                !au ? "" : au->kind == LAUTH_IAM ? "iam" : au->name ? au->name : "?",
                au ? ")" : "");
    }
    for (int i = 0; i < api->authorizers.len; i++) {
        const LocalAuth *au = api->authorizers.items[i];
        if (au->kind == LAUTH_JWT)
            fprintf(stderr, "  authorizer '%s': a JWT's signature (keys from %s) and "
                    "claims are checked (iss %s, aud, exp, nbf, scopes)\n", au->name,
                    au->keys_from ? au->keys_from : "?", au->issuer);
        else if (au->kind == LAUTH_IAM)
            fprintf(stderr, "  auth iam: a request needs a Signature Version 4 "
                    "Authorization header, whose signature is not verified\n");
    }
}

static void say_triggers(const Serve *s, const Build *b)
{
    for (int i = 0; i < b->app->triggers.len; i++) {
        const LocalTrigger *t = b->app->triggers.items[i];
        if (strcmp(t->kind, "schedule") == 0) {
            long long period = 0;
            long long next = schedule_next(t->text, (long long)time(NULL), &period);
            char when[64] = "";
            if (next >= 0) {
                time_t x = (time_t)next;
                struct tm tm;
                gmtime_r(&x, &tm);
                strftime(when, sizeof when, "next run %Y-%m-%d %H:%M UTC", &tm);
            } else if (period > 0) {
                snprintf(when, sizeof when, "every %lld s, from when its rule is made",
                         period);
            }
            fprintf(stderr, "  schedule %s -> %s: %s; fire it by hand with\n"
                    "    hitc event schedule --rule %s | hitc invoke %s %s --event -\n",
                    t->text, t->fn->name, when, t->logical, s->path, t->fn->name);
        } else {
            static const char *const how[][2] = {
                {"event", "hitc event eventbridge PATTERN"},
                {"stream", "hitc event dynamodb INSERT --keys JSON --new JSON"},
                {"queue", "hitc event sqs BODY"},
                {"topic", "hitc event sns MESSAGE"},
            };
            const char *cmd = "hitc event ...";
            for (size_t k = 0; k < sizeof how / sizeof *how; k++)
                if (strcmp(how[k][0], t->kind) == 0)
                    cmd = how[k][1];
            fprintf(stderr, "  on %s -> %s: not fired here; by hand:\n    %s | hitc "
                    "invoke %s %s --event -\n", t->kind, t->fn->name, cmd, s->path,
                    t->fn->name);
        }
    }
}

/* ---- requests -------------------------------------------------------------- */

typedef struct Request {
    char *uri;
    Buf body;
    bool started, too_big;
} Request;

typedef struct Call {
    Serve *s;
    bool cold;
    RunResult result;
} Call;

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
    (void)cls, (void)c;
    Request *r = xcalloc(1, sizeof *r);
    r->uri = xstrdup(uri);
    return r;
}

static void on_done(void *cls, struct MHD_Connection *c, void **con_cls,
                    enum MHD_RequestTerminationCode why)
{
    (void)cls, (void)c, (void)why;
    Request *r = *con_cls;
    if (r) {
        free(r->uri);
        buf_free(&r->body);
        free(r);
    }
    *con_cls = NULL;
}

typedef struct Headers {
    Arena *a;
    PtrVec v;
} Headers;

static enum MHD_Result each_header(void *cls, enum MHD_ValueKind kind,
                                   const char *key, const char *value)
{
    (void)kind;
    Headers *h = cls;
    vec_push(h->a, &h->v, arena_strdup(h->a, key));
    vec_push(h->a, &h->v, arena_strdup(h->a, value ? value : ""));
    return MHD_YES;
}

static RunResult call_function(void *arg, LocalFn *fn, const char *event, Buf *out)
{
    Call *call = arg;
    char id[40];
    local_uuid(id);
    call->result = pool_invoke(&call->s->pool, fn->name, id, event, out, &call->cold);
    if (call->result == RUN_TIMEOUT || call->result == RUN_CRASH ||
        (call->result == RUN_ERROR && out->data && strstr(out->data, "\"Runtime.")))
        fprintf(stderr, "hitc: function '%s': %s\n", fn->name, out->data);
    return call->result;
}

static enum MHD_Result send_answer(struct MHD_Connection *c, HttpResp *resp)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(
        resp->body.len, resp->body.data ? resp->body.data : (void *)"", MHD_RESPMEM_MUST_COPY);
    char *lines = resp->headers.data;
    for (char *p = lines; p && *p;) {
        char *nl = strchr(p, '\n');
        if (nl)
            *nl = '\0';
        char *colon = strstr(p, ": ");
        if (colon) {
            *colon = '\0';
            MHD_add_response_header(r, p, colon + 2);
        }
        p = nl ? nl + 1 : p + strlen(p);
    }
    enum MHD_Result rc = MHD_queue_response(c, (unsigned)resp->status, r);
    MHD_destroy_response(r);
    return rc;
}

static double ms_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) * 1000.0 + (double)(t.tv_nsec - t0->tv_nsec) / 1e6;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version,
                                  const char *upload, size_t *upload_size, void **con_cls)
{
    (void)url;
    Serve *s = cls;
    Request *rq = *con_cls;
    if (!rq->started) {
        rq->started = true;
        return MHD_YES;
    }
    if (*upload_size) {
        if (rq->body.len + *upload_size > MAX_BODY)
            rq->too_big = true;
        else
            buf_add(&rq->body, upload, *upload_size);
        *upload_size = 0;
        return MHD_YES;
    }
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    HttpResp resp = {0};
    const char *fn = NULL;
    Call call = {s, false, RUN_OK};
    Arena *a = arena_new();
    char *path = arena_strdup(a, rq->uri);
    char *q = strchr(path, '?');
    if (q)
        *q++ = '\0';
    Build *b = build_take(s);
    if (rq->too_big || !b) {
        resp.status = rq->too_big ? 413 : 503;
        buf_add(&resp.headers, "", 0);
        buf_puts(&resp.headers, "Content-Type: application/json\n");
        buf_puts(&resp.body, rq->too_big ? "{\"message\":\"Request Too Long\"}"
                                          : "{\"message\":\"hitc serve is starting\"}");
    } else {
        Headers h = {a, {0}};
        MHD_get_connection_values(c, MHD_HEADER_KIND, each_header, &h);
        char ip[INET6_ADDRSTRLEN] = "127.0.0.1";
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        if (ci && ci->client_addr && ci->client_addr->sa_family == AF_INET)
            inet_ntop(AF_INET, &((struct sockaddr_in *)ci->client_addr)->sin_addr, ip, sizeof ip);
        HttpReq req = {
            .method = method, .raw_path = path, .query = q ? q : "",
            .headers = (const char **)h.v.items, .nheaders = h.v.len / 2,
            .body = (const unsigned char *)(rq->body.data ? rq->body.data : ""),
            .body_len = rq->body.len, .source_ip = ip, .protocol = version,
        };
        apigw_handle(b->app, &b->w, &req, call_function, &call, &resp, &fn);
    }
    enum MHD_Result rc = send_answer(c, &resp);
    fprintf(stderr, "%s %s %s %d %.1f ms%s\n", method, path, fn ? fn : "-", resp.status,
            ms_since(&t0), call.cold ? " (cold start)" : "");
    if (b)
        build_give(s, b);
    http_resp_free(&resp);
    arena_free(a);
    return rc;
}

/* ---- the loop ----------------------------------------------------------------- */

static void reload(Serve *s)
{
    Build *cur = s->current;
    fprintf(stderr, "hitc: %s changed; reloading\n", s->path);
    Build *b = build_load(s);
    if (!b) {
        fprintf(stderr, "hitc: %s has errors; still serving the last good build\n", s->path);
        for (int i = 0; i < cur->npaths; i++)      /* not again until it changes */
            stat(cur->paths[i], &cur->stats[i]);
        return;
    }
    pthread_mutex_lock(&s->mu);
    s->current = b;
    bool unused = cur->refs == 0;
    pthread_mutex_unlock(&s->mu);
    if (unused)
        build_free(cur);
    fprintf(stderr, "hitc: reloaded %s\n", s->path);
    say_routes(b);
}

static void watch(Serve *s)
{
    while (!stopping) {
        struct timespec nap = {0, POLL_MS * 1000000L};
        nanosleep(&nap, NULL);
        if (stopping)
            break;
        Build *b = s->current;
        if (sources_changed(b->paths, b->stats, b->npaths)) {
            reload(s);
            continue;
        }
        for (int i = 0; i < b->app->fns.len; i++) {
            LocalFn *fn = b->app->fns.items[i];
            if (!fn->code_dir)
                continue;
            char *print = local_code_print(fn);
            FnState *st = fn_state(s, fn->name);
            if (!st->print || strcmp(print, st->print) != 0) {
                fprintf(stderr, "hitc: the code of function '%s' changed\n", fn->name);
                prepare_function(s, b, fn);
            }
            free(print);
        }
    }
}

static int start_daemon(Serve *s)
{
    struct sockaddr_in addr = {0};
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)s->port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    char err[512];
    if (mhd_load(err, sizeof err) != 0) {
        fprintf(stderr, "hitc: %s\n", err);
        return 2;
    }
    s->daemon = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION,
        (uint16_t)s->port, NULL, NULL, on_request, s,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
        MHD_OPTION_URI_LOG_CALLBACK, on_uri, s,
        MHD_OPTION_NOTIFY_COMPLETED, on_done, s,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)120,
        MHD_OPTION_END);
    if (!s->daemon) {
        fprintf(stderr, "hitc: cannot listen on 127.0.0.1:%d: %s; pick another "
                "with --port N (0 picks a free one)\n", s->port, strerror(errno));
        return 2;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
    if (info)
        s->port = info->port;
    return 0;
}

static void cleanup(Serve *s)
{
    if (s->daemon) {
        pool_kill_busy(&s->pool);
        MHD_stop_daemon(s->daemon);
    }
    pool_free(&s->pool);
    build_free(s->current);
    for (int i = 0; i < s->nfns; i++) {
        free(s->fns[i].name);
        free(s->fns[i].sig);
        free(s->fns[i].print);
    }
    free(s->fns);
    free(s->interps);
    if (s->tmp[0])
        local_rmtree(s->tmp);
    pthread_mutex_destroy(&s->mu);
    arena_free(s->a);
}

int serve_main(int argc, char **argv)
{
    Serve s = {0};
    s.a = arena_new();
    s.port = 3000;
    s.max_workers = 4;
    local_where_init(&s.base);
    pthread_mutex_init(&s.mu, NULL);
    pool_init(&s.pool, 4);
    const char *pos[1];
    int npos;
    int rc = options_parse(argc, argv, options, sizeof options / sizeof *options, &s, pos,
                           1, &npos, usage);
    if (rc < 0 && npos != 1)
        rc = usage_error("serve", "'serve' needs a .hit file");
    if (rc >= 0) {
        cleanup(&s);
        return rc;
    }
    s.pool.cap = s.max_workers;
    s.path = pos[0];
    s.base.env = (const char **)s.env.items;
    s.base.nenv = s.env.len;
    local_endpoint_credentials(&s.base);
    const char *tmp = getenv("TMPDIR");
    snprintf(s.tmp, sizeof s.tmp, "%s/hitc-serve.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(s.tmp)) {
        fprintf(stderr, "hitc: cannot make a directory under %s\n", tmp ? tmp : "/tmp");
        s.tmp[0] = '\0';
        cleanup(&s);
        return 2;
    }
    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    rc = start_daemon(&s);
    if (rc == 0) {
        Build *b = build_load(&s);
        if (!b) {
            rc = 1;
        } else {
            pthread_mutex_lock(&s.mu);
            s.current = b;
            pthread_mutex_unlock(&s.mu);
            fprintf(stderr, "hitc: serving %s (app %s, stage %s)\n", s.path, b->app->app,
                    b->w.stage);
            say_routes(b);
            say_triggers(&s, b);
            printf("http://127.0.0.1:%d/\n", s.port);
            fflush(stdout);
            watch(&s);
            fprintf(stderr, "hitc: stopped\n");
        }
    }
    cleanup(&s);
    return rc;
}
