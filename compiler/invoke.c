/*
 * invoke.c: `hitc invoke FILE FUNCTION`, one function's handler run once on
 * this machine.
 *
 * In: the app, a function's name, an event (--event FILE, '-' for stdin;
 * {} without one), where its env values come from (--endpoint-url,
 * --stack, --env NAME=VALUE, --stage).
 * Out: the handler's result as JSON on stdout (exit 0), or Lambda's error
 * shape on stdout (exit 1) when it raised, timed out or died; its logs,
 * and Lambda's START / END / REPORT lines, on stderr.  Exit 2: bad usage,
 * an app that does not compile, an env key with no value, no interpreter.
 * Holds: the function runs as `hitc serve` runs it (the same layout, the
 * same worker, the same environment), in a directory that is removed
 * afterwards.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "local.h"

static const char usage[] =
    "usage: hitc invoke FILE FUNCTION [options]\n"
    "\n"
    "Run FUNCTION's handler of the app in FILE once on this machine, in a\n"
    "directory laid out like its bundle (with the .env the stamper would\n"
    "write), with python3.X or node from PATH.  The result goes to stdout as\n"
    "JSON; the handler's logs to stderr.  A handler that raises, runs past\n"
    "its timeout or dies prints Lambda's error shape and exits 1.\n"
    "\n"
    "options:\n"
    "  --event FILE         the event (JSON); '-' reads stdin; default {}\n"
    "                       ('hitc event' prints one of each kind)\n"
    "  --stage S            the stage (default dev): names local resources\n"
    "                       APP-S-NAME\n"
    "  --endpoint-url URL   point the AWS SDK at URL (a moto server, DynamoDB\n"
    "                       Local): AWS_ENDPOINT_URL and the per-service\n"
    "                       variables; the app's tables, queues and topics are\n"
    "                       made there when missing\n"
    "  --stack NAME         take env values from the deployed stack NAME\n"
    "                       (through the AWS CLI)\n"
    "  --env NAME=VALUE     the value of env key NAME (any key; repeatable)\n"
    "  -q, --quiet          no START/END/REPORT lines\n"
    "  -h, --help           print this help\n"
    "\n"
    "exit status: 0 the handler returned, 1 it failed (raised, timed out,\n"
    "died), 2 bad usage or the function cannot run here\n";

typedef struct Invoke {
    Where w;
    const char *event;
    PtrVec env;
    bool quiet;
    Arena *a;
} Invoke;

static int opt_env(void *arg, const char *v)
{
    Invoke *in = arg;
    const char *eq = strchr(v, '=');
    if (!eq || eq == v)
        return usage_error("invoke", "--env takes NAME=VALUE, not '%s'", v);
    vec_push(in->a, &in->env, (void *)v);
    return 0;
}

#define AT(field) offsetof(Invoke, field)
static const Option options[] = {
    {"--event", NULL, false, AT(event), NULL},
    {"--stage", NULL, false, AT(w.stage), NULL},
    {"--endpoint-url", NULL, false, AT(w.endpoint), NULL},
    {"--stack", NULL, false, AT(w.stack), NULL},
    {"--env", NULL, false, 0, opt_env},
    {"--quiet", "-q", true, AT(quiet), NULL},
};

/* The event's text: the file's, stdin's, or {}; checked to be JSON. */
static char *read_event(const char *path)
{
    Buf b = {0};
    buf_add(&b, "", 0);
    if (!path) {
        buf_puts(&b, "{}");
        return b.data;
    }
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "hitc: cannot read event file '%s'\n", path);
        buf_free(&b);
        return NULL;
    }
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        buf_add(&b, chunk, n);
    if (f != stdin)
        fclose(f);
    /* any JSON value: read inside [ ] by the strict JSON reader */
    Buf wrapped = {0};
    buf_puts(&wrapped, "[");
    buf_add(&wrapped, b.data, b.len);
    buf_puts(&wrapped, "\n]");
    Ctx *ctx = ctx_new();
    CfnNode *t = cfn_read(ctx, source_from_text(ctx, "event", wrapped.data, wrapped.len));
    bool json = t && t->kind == CFN_ARRAY && t->len == 1;
    ctx_free(ctx);
    buf_free(&wrapped);
    if (!json) {
        fprintf(stderr, "hitc: the event in '%s' is not JSON; 'hitc event' prints "
                "events of every kind\n", path);
        buf_free(&b);
        return NULL;
    }
    return b.data;
}

static double ms_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) * 1000.0 + (double)(t.tv_nsec - t0->tv_nsec) / 1e6;
}

static LocalFn *find_function(LocalApp *app, const char *name)
{
    LocalFn *fn = local_fn(app, name);
    if (fn)
        return fn;
    const char **names = arena_alloc(app->ctx->arena, sizeof(char *) * (size_t)(app->fns.len + 1));
    Buf all = {0};
    buf_add(&all, "", 0);
    for (int i = 0; i < app->fns.len; i++) {
        names[i] = ((LocalFn *)app->fns.items[i])->name;
        buf_printf(&all, "%s'%s'", i ? ", " : "", names[i]);
    }
    fprintf(stderr, "hitc: %s has no function '%s'%s; its functions: %s\n", app->path,
            name, did_you_mean(app->ctx, name, names, app->fns.len, NULL),
            app->fns.len ? all.data : "none");
    buf_free(&all);
    return NULL;
}

static int run(Invoke *in, LocalApp *app, LocalFn *fn, const char *event)
{
    Where *w = &in->w;
    if (!fn->code_dir || !fn->runtime || !fn->handler) {
        fprintf(stderr, "hitc: function '%s' has no code to run\n", fn->name);
        return 2;
    }
    Interp interp;
    char err[1024];
    if (interp_find(fn->runtime, &interp, err, sizeof err) != 0) {
        fprintf(stderr, "hitc: function '%s': %s\n", fn->name, err);
        return 2;
    }
    if (interp.warning[0])
        fprintf(stderr, "hitc: warning: function '%s' is on %s, but %s\n", fn->name,
                fn->runtime, interp.warning);
    if (w->stack && local_stack(app, w) != 0)
        return 2;
    if (w->endpoint && !w->stack && local_prepare(app, w, in->quiet) != 0)
        return 2;
    PtrVec keys = {0}, values = {0}, nkeys = {0}, nvalues = {0};
    if (local_env(app, w, fn, &keys, &values, &nkeys, &nvalues) != 0)
        return 2;
    const char *tmp = getenv("TMPDIR");
    char root[4096];
    snprintf(root, sizeof root, "%s/hitc-invoke.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(root)) {
        fprintf(stderr, "hitc: cannot make a directory under %s\n", tmp ? tmp : "/tmp");
        return 2;
    }
    char *dir = local_layout(app, fn, root, &keys, &values, err, sizeof err);
    if (!dir) {
        fprintf(stderr, "hitc: function '%s': %s\n", fn->name, err);
        local_rmtree(root);
        return 2;
    }
    WorkerSpec *spec = local_spec(app, w, fn, &interp, dir, &nkeys, &nvalues);
    Worker wk;
    Buf out = {0};
    char id[40];
    local_uuid(id);
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    RunResult r = worker_start(spec, &wk, &out);
    double init_ms = ms_since(&t0);
    if (r == RUN_OK) {
        if (!in->quiet)
            fprintf(stderr, "START RequestId: %s Version: $LATEST\n", id);
        clock_gettime(CLOCK_MONOTONIC, &t0);
        r = worker_invoke(&wk, spec, id, event, &out);
        double ms = ms_since(&t0);
        if (!in->quiet)
            fprintf(stderr, "END RequestId: %s\nREPORT RequestId: %s\tDuration: %.2f ms"
                    "\tMemory Size: %lld MB\tInit Duration: %.2f ms\n", id, id, ms,
                    fn->memory, init_ms);
    }
    worker_stop(&wk);
    fwrite(out.data ? out.data : "null", 1, out.data ? out.len : 4, stdout);
    fputc('\n', stdout);
    fflush(stdout);
    buf_free(&out);
    worker_spec_free(spec);
    free(dir);
    local_rmtree(root);
    return r == RUN_OK ? 0 : 1;
}

int invoke_main(int argc, char **argv)
{
    Invoke in = {0};
    in.a = arena_new();
    local_where_init(&in.w);
    const char *pos[2];
    int npos;
    int rc = options_parse(argc, argv, options, sizeof options / sizeof *options,
                           &in, pos, 2, &npos, usage);
    if (rc < 0 && npos < 2)
        rc = usage_error("invoke", "'invoke' needs a .hit file and a function's name");
    if (rc >= 0) {
        arena_free(in.a);
        return rc;
    }
    in.w.env = (const char **)in.env.items;
    in.w.nenv = in.env.len;
    local_endpoint_credentials(&in.w);
    char *event = read_event(in.event);
    LocalApp *app = event ? local_app_load(pos[0]) : NULL;
    LocalFn *fn = app ? find_function(app, pos[1]) : NULL;
    rc = fn ? run(&in, app, fn, event) : 2;
    local_app_free(app);
    free(event);
    arena_free(in.a);
    return rc;
}
