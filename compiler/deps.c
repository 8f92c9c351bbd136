/*
 * deps.c: a code directory's third-party packages, installed for Lambda.
 *
 * In: a code directory, the function's runtime and architecture.  When the
 * directory has a requirements.txt (a python* runtime) or a package.json
 * with its package-lock.json (a nodejs* runtime), the packages are
 * installed by the language's own installer, run as a subprocess
 * (posix_spawnp, no shell):
 *   pip install --target DIR -r requirements.txt --platform
 *       manylinux2014_x86_64|manylinux2014_aarch64 --only-binary=:all:
 *       --python-version X.Y --implementation cp [$HITC_PIP_ARGS]
 *   npm ci --omit=dev --ignore-scripts   (in DIR, beside copies of both files)
 * Out: the directory that holds them, in hitc's cache:
 *   $XDG_CACHE_HOME/hitc/deps/SHA256 (else ~/.cache/hitc/...), named by the
 *   hash of the manifest's bytes (the lock file for npm), the runtime, the
 *   architecture and $HITC_PIP_ARGS; a build with the same inputs finds it
 *   and installs nothing.  bundle.c zips it with the code (python: at the
 *   root; node: its node_modules/), entries sorted, times fixed.
 * Holds: a cache entry is made in a temporary directory beside it and
 * renamed into place once complete, so a failed or interrupted install
 * leaves nothing that a later build would take.  An installer that is not
 * there, or that fails, is an error naming the file and the installer's
 * last lines.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bundle.h"
#include "hitc.h"

extern char **environ;

#define TAIL_LINES 8
#define MAX_ARGS 64

static bool is_file(const char *dir, const char *name)
{
    char path[PATH_MAX];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static int read_file(const char *dir, const char *name, Buf *out)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        buf_add(out, chunk, n);
    fclose(f);
    buf_add(out, "", 0);
    return 0;
}

static int copy_file(const char *dir, const char *name, const char *to)
{
    Buf b = {0};
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", to, name);
    FILE *f = read_file(dir, name, &b) == 0 ? fopen(path, "wb") : NULL;
    int rc = f && fwrite(b.data, 1, b.len, f) == b.len ? 0 : -1;
    if (f && fclose(f) != 0)
        rc = -1;
    buf_free(&b);
    return rc;
}

/* $XDG_CACHE_HOME/hitc (or ~/.cache/hitc) + "/deps", made when missing. */
static int cache_root(char *out, size_t len, char *err, size_t errlen)
{
    const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    if (xdg && *xdg == '/')
        snprintf(out, len, "%s/hitc", xdg);
    else if (home && *home)
        snprintf(out, len, "%s/.cache/hitc", home);
    else
        return err_fill(err, errlen, "no cache directory for installed packages: "
                    "set XDG_CACHE_HOME or HOME");
    char parent[PATH_MAX];
    snprintf(parent, sizeof parent, "%s", out);
    char *slash = strrchr(parent, '/');
    if (slash && slash != parent) {
        *slash = '\0';
        mkdir(parent, 0755);
    }
    mkdir(out, 0755);
    strncat(out, "/deps", len - strlen(out) - 1);
    if (mkdir(out, 0755) != 0 && errno != EEXIST)
        return err_fill(err, errlen, "cannot make hitc's cache directory '%s': %s",
                    out, strerror(errno));
    return 0;
}

/* Run argv in dir, its output (both streams) into log; the exit status, or
 * -1 with errno when it could not start (ENOENT: not installed). */
static int run(const char *const argv[], const char *dir, const char *log)
{
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    char cwd[PATH_MAX];
    if (!getcwd(cwd, sizeof cwd) || chdir(dir) != 0) {
        posix_spawn_file_actions_destroy(&fa);
        return -1;
    }
    pid_t pid;
    /* posix_spawnp does not write to argv; its prototype predates const */
    int rc = posix_spawnp(&pid, argv[0], &fa, NULL, (char *const *)argv, environ);
    int saved = rc;
    if (chdir(cwd) != 0 && rc == 0)
        saved = errno;
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) {
        errno = saved;
        return -1;
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* The last TAIL_LINES lines of the installer's log, joined by " | " (a
 * diagnostic is one line), for an error. */
static void tail_of(const char *log, char *out, size_t len)
{
    Buf b = {0};
    out[0] = '\0';
    FILE *f = fopen(log, "rb");
    char chunk[8192];
    size_t n;
    while (f && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
        buf_add(&b, chunk, n);
    if (f)
        fclose(f);
    buf_add(&b, "", 0);
    size_t end = strlen(b.data);
    while (end > 0 && (b.data[end - 1] == '\n' || b.data[end - 1] == ' '))
        end--;
    size_t start = end;
    for (int lines = 0; start > 0; start--)
        if (b.data[start - 1] == '\n' && ++lines == TAIL_LINES)
            break;
    Buf t = {0};
    buf_add(&t, "", 0);
    for (size_t k = start; k < end;) {
        size_t eol = k;
        while (eol < end && b.data[eol] != '\n')
            eol++;
        if (eol > k)
            buf_printf(&t, "%s%.*s", t.len > 1 ? " | " : " ", (int)(eol - k), b.data + k);
        k = eol + 1;
    }
    snprintf(out, len, "%s", t.data ? t.data : "");
    buf_free(&t);
    buf_free(&b);
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static void remove_tree(const char *dir)
{
    nftw(dir, remove_one, 32, FTW_DEPTH | FTW_PHYS);
}

/* $HITC_PIP_ARGS, split on blanks, appended to argv at *n. */
static void extra_args(char *copy, const char **argv, int *n)
{
    for (char *tok = strtok(copy, " \t\n"); tok && *n < MAX_ARGS - 1;
         tok = strtok(NULL, " \t\n"))
        argv[(*n)++] = tok;
}

static int install_python(const char *code, const char *shown, const char *runtime,
                          const char *arch, const char *into, const char *log,
                          char *err, size_t errlen)
{
    char req[PATH_MAX + 32], real[PATH_MAX], version[16];
    snprintf(req, sizeof req, "%s/requirements.txt", realpath(code, real) ? real : code);
    snprintf(version, sizeof version, "%s", runtime + strlen("python"));
    char *pip_args = xstrdup(getenv("HITC_PIP_ARGS") ? getenv("HITC_PIP_ARGS") : "");
    const char *argv[MAX_ARGS] = {"python3", "-m", "pip", "install", "--quiet",
        "--disable-pip-version-check", "--no-compile", "--target", into,
        "-r", req, "--platform", strcmp(arch, "arm64") == 0
            ? "manylinux2014_aarch64" : "manylinux2014_x86_64",
        "--only-binary=:all:", "--python-version", version, "--implementation", "cp"};
    int n = 18;
    extra_args(pip_args, argv, &n);
    argv[n] = NULL;
    int rc = run(argv, code, log);
    free(pip_args);
    char tail[2048];
    if (rc < 0 && errno == ENOENT)
        return err_fill(err, errlen, "code directory '%s' has a requirements.txt, but "
                    "python3 is not installed to run pip; install python3 and pip",
                    shown);
    if (rc < 0)
        return err_fill(err, errlen, "cannot run pip for code directory '%s': %s",
                    shown, strerror(errno));
    if (rc == 0)
        return 0;
    tail_of(log, tail, sizeof tail);
    return err_fill(err, errlen, "pip could not install '%s/requirements.txt' for "
                "%s on %s (exit %d); it said:%s", shown, runtime, arch, rc, tail);
}

static int install_node(const char *code, const char *shown, const char *into,
                        const char *log, char *err, size_t errlen)
{
    if (copy_file(code, "package.json", into) != 0 ||
        copy_file(code, "package-lock.json", into) != 0)
        return err_fill(err, errlen, "cannot copy package.json and package-lock.json "
                    "of code directory '%s' to install them", shown);
    const char *argv[] = {"npm", "ci", "--omit=dev", "--ignore-scripts", "--no-audit",
                    "--no-fund", "--loglevel=error", NULL};
    int rc = run(argv, into, log);
    char tail[2048];
    if (rc < 0 && errno == ENOENT)
        return err_fill(err, errlen, "code directory '%s' has a package.json, but npm "
                    "is not installed to install it; install Node.js's npm", shown);
    if (rc < 0)
        return err_fill(err, errlen, "cannot run npm for code directory '%s': %s",
                    shown, strerror(errno));
    if (rc == 0)
        return 0;
    tail_of(log, tail, sizeof tail);
    return err_fill(err, errlen, "npm ci could not install '%s/package-lock.json' "
                "(exit %d); it said:%s", shown, rc, tail);
}

/* The cache's name for these inputs. */
static void cache_key(const Buf *manifest, const char *runtime, const char *arch,
                      char out[65])
{
    Buf sig = {0};
    buf_printf(&sig, "hitc deps 1\n%s\n%s\n%s\n", runtime, arch,
               getenv("HITC_PIP_ARGS") && strncmp(runtime, "python", 6) == 0
                   ? getenv("HITC_PIP_ARGS") : "");
    buf_add(&sig, manifest->data, manifest->len);
    sha256_hex(sig.data, sig.len, out);
    buf_free(&sig);
}

int deps_kind(const char *code, const char *runtime)
{
    if (!runtime)
        return DEPS_NONE;
    if (strncmp(runtime, "python", 6) == 0 && is_file(code, "requirements.txt"))
        return DEPS_PIP;
    if (strncmp(runtime, "nodejs", 6) == 0 && is_file(code, "package.json"))
        return DEPS_NPM;
    return DEPS_NONE;
}

int deps_install(const char *code, const char *shown, const char *runtime,
                 const char *arch, char *dir, size_t dirlen, char *err, size_t errlen)
{
    int kind = deps_kind(code, runtime);
    dir[0] = '\0';
    if (kind == DEPS_NONE)
        return 0;
    if (kind == DEPS_NPM && !is_file(code, "package-lock.json"))
        return err_fill(err, errlen, "code directory '%s' has a package.json without a "
                    "package-lock.json, so its install would not repeat; run 'npm "
                    "install' there once and keep the lock file beside it", shown);
    Buf manifest = {0};
    if (read_file(code, kind == DEPS_PIP ? "requirements.txt" : "package-lock.json",
                  &manifest) != 0)
        return err_fill(err, errlen, "cannot read the %s of code directory '%s': %s",
                    kind == DEPS_PIP ? "requirements.txt" : "package-lock.json",
                    shown, strerror(errno));
    char root[PATH_MAX], key[65];
    cache_key(&manifest, runtime, arch ? arch : "x86_64", key);
    buf_free(&manifest);
    if (cache_root(root, sizeof root, err, errlen) != 0)
        return -1;
    snprintf(dir, dirlen, "%s/%s", root, key);
    struct stat st;
    if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
        return 0;               /* installed by an earlier build */
    char tmp[PATH_MAX + 96], log[PATH_MAX + 96];
    snprintf(tmp, sizeof tmp, "%s/%s.tmp.%ld", root, key, (long)getpid());
    snprintf(log, sizeof log, "%s/%s.log.%ld", root, key, (long)getpid());
    remove_tree(tmp);
    if (mkdir(tmp, 0755) != 0)
        return err_fill(err, errlen, "cannot make '%s': %s", tmp, strerror(errno));
    int rc = kind == DEPS_PIP
        ? install_python(code, shown, runtime, arch ? arch : "x86_64", tmp, log, err, errlen)
        : install_node(code, shown, tmp, log, err, errlen);
    unlink(log);
    if (rc == 0 && rename(tmp, dir) != 0 && errno != ENOTEMPTY && errno != EEXIST)
        rc = err_fill(err, errlen, "cannot move installed packages into '%s': %s", dir,
                  strerror(errno));
    remove_tree(tmp);          /* gone when renamed; a loser of a race removes its own */
    if (rc != 0)
        dir[0] = '\0';
    return rc;
}
