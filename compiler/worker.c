/*
 * worker.c: a function's handler, loaded once in a process of its own, and
 * warm workers per function for `hitc serve`.
 *
 * In: a WorkerSpec (the interpreter, the handler, the directory laid out
 * like the bundle, the environment, the timeout).  A worker is the
 * runtime's runner (runtime-support/local/runner.py or runner.js, embedded
 * in hitc) started with `python3 -c` or `node -e` in that directory; hitc
 * and the runner speak frames "TAG LEN\n" + LEN bytes over two pipes (fd 3
 * into the worker, fd 4 out of it); its stdout and stderr are hitc's stderr.
 * Out: RUN_OK and the result's JSON, or Lambda's error shape: the handler's
 * own error, "Sandbox.Timedout" when it ran past its timeout (hitc kills
 * the worker, with everything it started: it runs in a process group of
 * its own), "Runtime.ExitError" when it died.
 * Holds: a worker answers one invocation at a time; the pool hands each
 * idle worker to one request, starts another (up to its cap) when all are
 * busy, and retires the workers of an old spec (pool_update) as soon as
 * they are idle, so a changed function never answers from old code.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "local.h"

extern char **environ;

/* The runners, embedded by compiler/tools/embed.c (Makefile). */
extern const unsigned char hitc_local_py[], hitc_local_js[];
extern const size_t hitc_local_py_len, hitc_local_js_len;

/* How long loading a handler may take (Lambda's init phase).  A busy
 * machine imports boto3 slowly; this is a bound on a hang, not a speed. */
#define INIT_MS 120000

static long long now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static long long mono_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

void local_uuid(char *out)
{
    unsigned char b[16];
    if (getrandom(b, sizeof b, 0) != (ssize_t)sizeof b)
        for (size_t i = 0; i < sizeof b; i++)
            b[i] = (unsigned char)(rand() & 0xff);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
             b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10],
             b[11], b[12], b[13], b[14], b[15]);
}

/* ---- interpreters -------------------------------------------------------- */

/* Run argv, its stdout into out (stderr dropped); its exit status, or -1. */
static int run_quiet(const char *const *argv, char *out, size_t outlen)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0)
        return -1;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, p[1], 1);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    pid_t pid;
    int rc = posix_spawnp(&pid, argv[0], &fa, NULL, (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(p[1]);
    size_t n = 0;
    if (rc == 0) {
        ssize_t r;
        while (n + 1 < outlen && ((r = read(p[0], out + n, outlen - 1 - n)) > 0 ||
                                  (r < 0 && errno == EINTR)))
            n += r > 0 ? (size_t)r : 0;
    }
    close(p[0]);
    out[n] = '\0';
    out[strcspn(out, "\r\n")] = '\0';
    if (rc != 0)
        return -1;
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static bool probe(const char *cmd, bool node, char *version, size_t len)
{
    const char *py[] = {cmd, "-c", "import sys;print('%d.%d'%sys.version_info[:2])", NULL};
    const char *js[] = {cmd, "-p", "process.versions.node", NULL};
    return run_quiet(node ? js : py, version, len) == 0 && version[0];
}

int interp_find(const char *runtime, Interp *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (strncmp(runtime, "python3.", 8) == 0) {
        snprintf(out->cmd, sizeof out->cmd, "%s", runtime);
        if (probe(out->cmd, false, out->version, sizeof out->version)) {
            if (strcmp(out->version, runtime + 6) != 0)
                snprintf(out->warning, sizeof out->warning, "'%s' on PATH is "
                         "Python %s, not %s", runtime, out->version, runtime + 6);
            return 0;
        }
        snprintf(out->cmd, sizeof out->cmd, "python3");
        if (probe(out->cmd, false, out->version, sizeof out->version)) {
            if (strcmp(out->version, runtime + 6) != 0)
                snprintf(out->warning, sizeof out->warning, "no %s on PATH; "
                         "running python3, which is Python %s, not %s", runtime,
                         out->version, runtime + 6);
            return 0;
        }
        snprintf(err, errlen, "neither %s nor python3 runs on this machine "
                 "(is it on PATH?)", runtime);
        return -1;
    }
    if (strncmp(runtime, "nodejs", 6) == 0) {
        snprintf(out->cmd, sizeof out->cmd, "node");
        if (!probe(out->cmd, true, out->version, sizeof out->version)) {
            snprintf(err, errlen, "node does not run on this machine (is it on "
                     "PATH?); %s needs it", runtime);
            return -1;
        }
        size_t major = strcspn(runtime + 6, ".");
        if (strncmp(out->version, runtime + 6, major) != 0 ||
            out->version[major] != '.')
            snprintf(out->warning, sizeof out->warning, "node on PATH is %s, "
                     "not %.*s.x", out->version, (int)major, runtime + 6);
        return 0;
    }
    snprintf(err, errlen, "hitc runs python3.* and nodejs* functions on this "
             "machine, not %s", runtime);
    return -1;
}

/* ---- frames -------------------------------------------------------------- */

static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Wait until fd is readable or the monotonic deadline passes: 1 ready,
 * 0 timed out. */
static int wait_readable(int fd, long long deadline)
{
    for (;;) {
        long long left = deadline - mono_ms();
        if (left <= 0)
            return 0;
        struct pollfd p = {fd, POLLIN, 0};
        int r = poll(&p, 1, left > 1000000 ? 1000000 : (int)left);
        if (r > 0)
            return 1;
        if (r < 0 && errno != EINTR)
            return 1;       /* let read() say what is wrong */
    }
}

/* One frame: its tag (and body in out), 0 at the deadline, -1 at EOF. */
static int read_frame(int fd, long long deadline, Buf *out)
{
    char head[32];
    size_t n = 0;
    while (n < sizeof head - 1) {
        if (!wait_readable(fd, deadline))
            return 0;
        ssize_t r = read(fd, head + n, 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        if (head[n++] == '\n')
            break;
    }
    head[n] = '\0';
    if (n < 4 || head[1] != ' ')
        return -1;
    size_t len = strtoull(head + 2, NULL, 10);
    out->len = 0;
    buf_add(out, "", 0);
    char chunk[65536];
    while (len > 0) {
        if (!wait_readable(fd, deadline))
            return 0;
        ssize_t r = read(fd, chunk, len < sizeof chunk ? len : sizeof chunk);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        buf_add(out, chunk, (size_t)r);
        len -= (size_t)r;
    }
    return (unsigned char)head[0];
}

/* ---- workers ------------------------------------------------------------- */

static void reap(Worker *w, int *status)
{
    *status = 0;
    if (w->pid <= 0)
        return;
    while (waitpid(w->pid, status, 0) < 0 && errno == EINTR)
        ;
    w->pid = 0;
}

void worker_stop(Worker *w)
{
    if (w->to >= 0)
        close(w->to);
    if (w->from >= 0)
        close(w->from);
    w->to = w->from = -1;
    if (w->pid > 0) {
        kill(-w->pid, SIGKILL);
        kill(w->pid, SIGKILL);
        int status;
        reap(w, &status);
    }
}

/* Lambda's error for a worker that died: Runtime.ExitError. */
static void died(Worker *w, const char *request_id, Buf *out)
{
    int status;
    if (w->to >= 0)
        close(w->to);
    if (w->from >= 0)
        close(w->from);
    w->to = w->from = -1;
    kill(-w->pid, SIGKILL);
    reap(w, &status);
    char why[64];
    if (WIFSIGNALED(status))
        snprintf(why, sizeof why, "signal: %s", strsignal(WTERMSIG(status)));
    else
        snprintf(why, sizeof why, "exit status %d", WEXITSTATUS(status));
    out->len = 0;
    buf_printf(out, "{\"errorType\": \"Runtime.ExitError\", \"errorMessage\": "
               "\"RequestId: %s Error: Runtime exited with error: %s\"}",
               request_id, why);
}

RunResult worker_start(const WorkerSpec *s, Worker *w, Buf *out)
{
    memset(w, 0, sizeof *w);
    w->to = w->from = -1;
    int in[2], back[2];
    if (pipe2(in, O_CLOEXEC) != 0)
        return RUN_CRASH;
    if (pipe2(back, O_CLOEXEC) != 0) {
        close(in[0]), close(in[1]);
        return RUN_CRASH;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, 2, 1);
    posix_spawn_file_actions_adddup2(&fa, in[0], 3);
    posix_spawn_file_actions_adddup2(&fa, back[1], 4);
    posix_spawn_file_actions_addchdir_np(&fa, s->dir);
    posix_spawnattr_t at;
    posix_spawnattr_init(&at);
    sigset_t none, dflt;
    sigemptyset(&none);
    sigemptyset(&dflt);
    sigaddset(&dflt, SIGPIPE);
    sigaddset(&dflt, SIGINT);
    sigaddset(&dflt, SIGTERM);
    sigaddset(&dflt, SIGHUP);
    posix_spawnattr_setsigmask(&at, &none);
    posix_spawnattr_setsigdefault(&at, &dflt);
    posix_spawnattr_setpgroup(&at, 0);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
                                      POSIX_SPAWN_SETSIGDEF);
    const char *py[] = {s->cmd, "-c", (const char *)hitc_local_py, s->handler, NULL};
    const char *js[] = {s->cmd, "--preserve-symlinks", "--preserve-symlinks-main",
                        "-e", (const char *)hitc_local_js, s->handler, NULL};
    int rc = posix_spawnp(&w->pid, s->cmd, &fa, &at,
                          (char *const *)(s->node ? js : py), s->env);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    close(in[0]);
    close(back[1]);
    w->to = in[1];
    w->from = back[0];
    if (rc != 0) {
        w->pid = 0;
        worker_stop(w);
        out->len = 0;
        buf_printf(out, "{\"errorType\": \"Runtime.ExitError\", \"errorMessage\": "
                   "\"cannot start %s: %s\"}", s->cmd, strerror(rc));
        return RUN_CRASH;
    }
    int tag = read_frame(w->from, mono_ms() + INIT_MS, out);
    if (tag == 'O') {
        /* {"python": "3.12"} or {"node":"20.11.1"}: the second string */
        const char *v = strchr(out->data, ':');
        v = v ? strchr(v, '"') : NULL;
        if (v)
            snprintf(w->version, sizeof w->version, "%.*s",
                     (int)strcspn(v + 1, "\""), v + 1);
        return RUN_OK;
    }
    if (tag == 'E') {
        worker_stop(w);
        return RUN_ERROR;
    }
    if (tag == 0) {
        worker_stop(w);
        out->len = 0;
        buf_printf(out, "{\"errorType\": \"Runtime.InitTimeout\", \"errorMessage\": "
                   "\"loading handler '%s' took more than %d s\"}", s->handler,
                   INIT_MS / 1000);
        return RUN_TIMEOUT;
    }
    died(w, "(init)", out);
    return RUN_CRASH;
}

RunResult worker_invoke(Worker *w, const WorkerSpec *s, const char *request_id,
                        const char *event, Buf *out)
{
    long long deadline = mono_ms() + s->timeout_ms;
    Buf req = {0};
    buf_printf(&req, "{\"id\": \"%s\", \"deadline\": %lld, \"event\": ", request_id,
               now_ms() + s->timeout_ms);
    buf_puts(&req, event);
    buf_puts(&req, "}");
    char head[32];
    int hn = snprintf(head, sizeof head, "I %zu\n", req.len);
    int wrote = write_all(w->to, head, (size_t)hn) == 0 &&
                write_all(w->to, req.data, req.len) == 0;
    buf_free(&req);
    if (!wrote) {
        died(w, request_id, out);
        return RUN_CRASH;
    }
    int tag = read_frame(w->from, deadline, out);
    if (tag == 'R')
        return RUN_OK;
    if (tag == 'E')
        return RUN_ERROR;
    if (tag == 0) {
        worker_stop(w);
        out->len = 0;
        buf_printf(out, "{\"errorType\": \"Sandbox.Timedout\", \"errorMessage\": "
                   "\"RequestId: %s Error: Task timed out after %lld.%02lld seconds\"}",
                   request_id, s->timeout_ms / 1000, (s->timeout_ms % 1000) / 10);
        return RUN_TIMEOUT;
    }
    died(w, request_id, out);
    return RUN_CRASH;
}

void worker_spec_free(WorkerSpec *s)
{
    if (!s)
        return;
    for (char **ep = s->env; ep && *ep; ep++)
        free(*ep);
    free(s->env);
    free(s->fn);
    free(s->cmd);
    free(s->handler);
    free(s->dir);
    free(s);
}

/* ---- the pool ------------------------------------------------------------ */

struct PoolFn {
    char *name, *sig;
    WorkerSpec *spec;
    unsigned gen;
    Worker **idle;
    int nidle;
    int live;               /* workers of this generation, idle or busy */
    PtrVec old_specs;       /* specs of earlier generations (busy workers) */
};

void pool_init(Pool *p, int cap)
{
    memset(p, 0, sizeof *p);
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    p->cap = cap < 1 ? 1 : cap;
}

static PoolFn *pool_fn(Pool *p, const char *name)
{
    for (int i = 0; i < p->n; i++)
        if (strcmp(p->fns[i]->name, name) == 0)
            return p->fns[i];
    return NULL;
}

static void stop_idle(PoolFn *f)
{
    for (int i = 0; i < f->nidle; i++) {
        worker_stop(f->idle[i]);
        free(f->idle[i]);
    }
    f->nidle = 0;
}

void pool_update(Pool *p, const char *fn, const char *sig, WorkerSpec *s)
{
    pthread_mutex_lock(&p->mu);
    PoolFn *f = pool_fn(p, fn);
    if (!f) {
        f = xcalloc(1, sizeof *f);
        f->name = xstrdup(fn);
        f->idle = xcalloc((size_t)p->cap, sizeof *f->idle);
        p->fns = xrealloc(p->fns, sizeof *p->fns * (size_t)(p->n + 1));
        p->fns[p->n++] = f;
    }
    if (f->sig && strcmp(f->sig, sig) == 0) {
        pthread_mutex_unlock(&p->mu);
        worker_spec_free(s);
        return;
    }
    free(f->sig);
    f->sig = xstrdup(sig);
    stop_idle(f);
    if (f->spec) {
        /* busy workers of the old spec still read it until they are done */
        f->old_specs.items = xrealloc(f->old_specs.items,
                                      sizeof(void *) * (size_t)(f->old_specs.len + 1));
        f->old_specs.items[f->old_specs.len++] = f->spec;
    }
    f->spec = s;
    f->gen++;
    f->live = 0;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

/* An idle worker of the current generation, or permission to start one
 * (*start), waiting while the function has cap busy workers. */
static Worker *take(Pool *p, PoolFn *f, bool *start, unsigned *gen,
                    const WorkerSpec **spec)
{
    for (;;) {
        if (f->nidle > 0) {
            *start = false;
            *gen = f->gen;
            *spec = f->spec;
            return f->idle[--f->nidle];
        }
        if (f->live < p->cap) {
            f->live++;
            *start = true;
            *gen = f->gen;
            *spec = f->spec;
            return NULL;
        }
        pthread_cond_wait(&p->cv, &p->mu);
    }
}

/* A worker done with a request: idle again when it is well and of the
 * current generation, else stopped. */
static void busy(Pool *p, pid_t pid, bool on)
{
    if (on) {
        p->busy = xrealloc(p->busy, sizeof *p->busy * (size_t)(p->nbusy + 1));
        p->busy[p->nbusy++] = pid;
        return;
    }
    for (int i = 0; i < p->nbusy; i++)
        if (p->busy[i] == pid) {
            p->busy[i] = p->busy[--p->nbusy];
            return;
        }
}

void pool_kill_busy(Pool *p)
{
    pthread_mutex_lock(&p->mu);
    for (int i = 0; i < p->nbusy; i++)
        kill(-p->busy[i], SIGKILL);
    pthread_mutex_unlock(&p->mu);
}

static void give(Pool *p, PoolFn *f, Worker *w, bool well)
{
    pthread_mutex_lock(&p->mu);
    if (w && w->pid > 0)
        busy(p, w->pid, false);
    bool current = w && w->gen == f->gen;
    if (w && well && current && f->nidle < p->cap) {
        f->idle[f->nidle++] = w;
        w = NULL;
    } else if (current) {
        f->live--;
    }
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    if (w) {
        worker_stop(w);
        free(w);
    }
}

RunResult pool_invoke(Pool *p, const char *fn, const char *request_id,
                      const char *event, Buf *out, bool *cold)
{
    pthread_mutex_lock(&p->mu);
    PoolFn *f = pool_fn(p, fn);
    if (!f || !f->spec) {
        pthread_mutex_unlock(&p->mu);
        out->len = 0;
        buf_printf(out, "{\"errorType\": \"Runtime.Unknown\", \"errorMessage\": "
                   "\"function '%s' is not loaded\"}", fn);
        return RUN_CRASH;
    }
    bool start;
    unsigned gen;
    const WorkerSpec *spec;
    Worker *w = take(p, f, &start, &gen, &spec);
    pthread_mutex_unlock(&p->mu);
    *cold = start;
    RunResult r = RUN_OK;
    if (start) {
        w = xcalloc(1, sizeof *w);
        r = worker_start(spec, w, out);
        w->gen = gen;
        if (r != RUN_OK) {
            give(p, f, w, false);
            return r == RUN_ERROR ? RUN_ERROR : RUN_CRASH;
        }
    }
    pthread_mutex_lock(&p->mu);
    busy(p, w->pid, true);
    pthread_mutex_unlock(&p->mu);
    pid_t pid = w->pid;
    r = worker_invoke(w, spec, request_id, event, out);
    if (w->pid != pid) {            /* killed or dead: no longer busy */
        pthread_mutex_lock(&p->mu);
        busy(p, pid, false);
        pthread_mutex_unlock(&p->mu);
    }
    give(p, f, w, r == RUN_OK || r == RUN_ERROR);
    return r;
}

void pool_free(Pool *p)
{
    for (int i = 0; i < p->n; i++) {
        PoolFn *f = p->fns[i];
        stop_idle(f);
        for (int k = 0; k < f->old_specs.len; k++)
            worker_spec_free(f->old_specs.items[k]);
        free(f->old_specs.items);
        worker_spec_free(f->spec);
        free(f->idle);
        free(f->name);
        free(f->sig);
        free(f);
    }
    free(p->fns);
    free(p->busy);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
}
