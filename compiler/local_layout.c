/*
 * local_layout.c: a function of a LocalApp laid out like its bundle.
 *
 * In: a function, its evaluated env.  Out: a directory under the command's
 * own that holds its code (and the extras a bundle adds: the .env readers,
 * the plugin kit) and the .env the stamper would write, in the stamper's
 * format (env_format_value); a print of the code directory, to see a
 * change (local_code_print); local_rmtree.
 * Holds: the code directory itself is never written.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "local.h"

/* ---- the .env and the layout ---------------------------------------------- */

static bool safe_char(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= '0' && c <= '9') || (c && strchr("_-.:/@+,%=\\", c));
}

/* Python's str.isspace() for the code point at p (UTF-8), and its length. */
static bool space_at(const char *p, int *n)
{
    const unsigned char *u = (const unsigned char *)p;
    *n = utf8_len(u, u + strlen(p));
    if (*n == 0)
        *n = 1;
    unsigned cp = u[0];
    if (*n == 2)
        cp = (unsigned)(u[0] & 0x1f) << 6 | (u[1] & 0x3f);
    else if (*n == 3)
        cp = (unsigned)(u[0] & 0x0f) << 12 | (unsigned)(u[1] & 0x3f) << 6 | (u[2] & 0x3f);
    return (cp >= 0x09 && cp <= 0x0d) || (cp >= 0x1c && cp <= 0x20) ||
           cp == 0x85 || cp == 0xa0 || cp == 0x1680 ||
           (cp >= 0x2000 && cp <= 0x200a) || cp == 0x2028 || cp == 0x2029 ||
           cp == 0x202f || cp == 0x205f || cp == 0x3000;
}

/* Does value, written raw, read back as it is (the stamper's raw_problem
 * is None)? */
static bool raw_reads_back(const char *v)
{
    int n;
    if (!*v || strpbrk(v, "\r\n") || v[0] == '\'' || v[0] == '"' || space_at(v, &n))
        return false;
    bool after_space = false, last_space = false;
    for (const char *p = v; *p; p += n) {
        bool sp = space_at(p, &n);
        if (*p == '#' && after_space)
            return false;
        after_space = last_space = sp;
    }
    return !last_space;
}

void env_format_value(Buf *b, const char *v)
{
    bool safe = *v != '\0';
    for (const char *p = v; *p && safe; p++)
        safe = safe_char((unsigned char)*p);
    size_t n = strlen(v);
    if (safe || (n && v[n - 1] == '\\' && raw_reads_back(v))) {
        buf_puts(b, v);
        return;
    }
    static const char from[] = "\\\"\n\r\t\a\b\f\v", to[] = "\\\"nrtabfv";
    buf_add(b, "\"", 1);
    for (const char *p = v; *p; p++) {
        const char *at = strchr(from, *p);
        if (at) {
            buf_add(b, "\\", 1);
            buf_add(b, to + (at - from), 1);
        } else {
            buf_add(b, p, 1);
        }
    }
    buf_add(b, "\"", 1);
}

typedef struct EnvPair {
    char *key, *value;
} EnvPair;

typedef struct EnvList {
    EnvPair *pairs;
    int n, cap;
} EnvList;

static void env_set(EnvList *l, const char *key, const char *value)
{
    for (int i = 0; i < l->n; i++)
        if (strcmp(l->pairs[i].key, key) == 0) {
            free(l->pairs[i].value);
            l->pairs[i].value = xstrdup(value);
            return;
        }
    if (l->n == l->cap)
        l->pairs = xrealloc(l->pairs, sizeof *l->pairs * (size_t)(l->cap = l->cap ? 2 * l->cap : 16));
    l->pairs[l->n++] = (EnvPair){xstrdup(key), xstrdup(value)};
}

static void env_set_cb(void *arg, const char *key, const char *value)
{
    env_set(arg, key, value);
}

static int pair_cmp(const void *a, const void *b)
{
    return strcmp(((const EnvPair *)a)->key, ((const EnvPair *)b)->key);
}

static int read_file(const char *path, Buf *out)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    char chunk[8192];
    size_t n;
    buf_add(out, "", 0);
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        buf_add(out, chunk, n);
    int bad = ferror(f);
    fclose(f);
    return bad ? -1 : 0;
}

static int write_file(const char *path, const void *data, size_t len, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0)
        return -1;
    const char *p = data;
    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            close(fd);
            return -1;
        }
        p += w;
        len -= (size_t)w;
    }
    return close(fd);
}

/* The .env the stamper would write: the code's own .env (when it has
 * one), the function's keys laid over it, sorted by key. */
static void env_text(const char *source_env, PtrVec *keys, PtrVec *values, Buf *out)
{
    EnvList l = {0};
    Buf src = {0};
    if (source_env && read_file(source_env, &src) == 0)
        env_file_each((const unsigned char *)src.data, src.len, env_set_cb, &l);
    buf_free(&src);
    for (int i = 0; i < keys->len; i++)
        env_set(&l, keys->items[i], values->items[i]);
    qsort(l.pairs, (size_t)l.n, sizeof *l.pairs, pair_cmp);
    buf_add(out, "", 0);
    for (int i = 0; i < l.n; i++) {
        buf_printf(out, "%s=", l.pairs[i].key);
        env_format_value(out, l.pairs[i].value);
        buf_add(out, "\n", 1);
        free(l.pairs[i].key);
        free(l.pairs[i].value);
    }
    free(l.pairs);
}

/* mkdir -p of the directories of name under root. */
static int make_parents(const char *root, const char *name)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", root, name);
    for (char *p = path + strlen(root) + 1; (p = strchr(p, '/')); p++) {
        *p = '\0';
        if (mkdir(path, 0755) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    return 0;
}

char *local_layout(LocalApp *app, LocalFn *fn, const char *parent,
                   PtrVec *keys, PtrVec *values, char *err, size_t errlen)
{
    BundleList list;
    int clashed = 0;
    /* the packages the bundle would hold, installed as hitc build installs
     * them (for x86_64: this machine runs them) */
    char deps[PATH_MAX];
    int kind = deps_kind(fn->code_dir, fn->runtime);
    if (deps_install(fn->code_dir, fn->code, fn->runtime, NULL, deps, sizeof deps - 16,
                     err, errlen) != 0)
        return NULL;
    if (kind == DEPS_NPM && deps[0])
        strcat(deps, "/node_modules");
    if (bundle_list_deps(fn->code_dir, fn->code, deps[0] ? deps : NULL,
                         kind == DEPS_NPM ? "node_modules" : "", fn->extras,
                         fn->nextras, &list, err, errlen, &clashed) != 0)
        return NULL;
    char *dir = xmalloc(strlen(parent) + strlen(fn->name) + 16);
    sprintf(dir, "%s/%s.XXXXXX", parent, fn->name);
    if (!mkdtemp(dir)) {
        snprintf(err, errlen, "cannot make a directory in '%s': %s", parent,
                 strerror(errno));
        free(dir);
        bundle_list_free(&list);
        return NULL;
    }
    const char *source_env = NULL;
    int rc = 0;
    for (int i = 0; i < list.n && rc == 0; i++) {
        BundleListed *f = &list.files[i];
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s/%s", dir, f->name);
        if (strcmp(f->name, ".env") == 0) {
            source_env = f->path;       /* merged below, as the stamper does */
            continue;
        }
        rc = make_parents(dir, f->name);
        if (rc == 0 && f->extra >= 0)
            rc = write_file(path, fn->extras[f->extra].file.data,
                            fn->extras[f->extra].file.len, 0644);
        else if (rc == 0)
            rc = symlink(f->path, path);
        if (rc != 0)
            snprintf(err, errlen, "cannot lay out '%s' in '%s': %s", f->name,
                     dir, strerror(errno));
    }
    if (rc == 0 && (fn->stamp_env || source_env)) {
        Buf text = {0};
        env_text(source_env, keys, values, &text);
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s/.env", dir);
        rc = write_file(path, text.data, text.len, 0644);
        if (rc != 0)
            snprintf(err, errlen, "cannot write '%s': %s", path, strerror(errno));
        buf_free(&text);
    }
    (void)app;
    bundle_list_free(&list);
    if (rc != 0) {
        local_rmtree(dir);
        free(dir);
        return NULL;
    }
    return dir;
}

char *local_code_print(LocalFn *fn)
{
    BundleList list;
    char err[512];
    Buf b = {0};
    buf_add(&b, "", 0);
    if (!fn->code_dir ||
        bundle_list(fn->code_dir, fn->code, fn->extras, fn->nextras, &list, err,
                    sizeof err, NULL) != 0) {
        buf_printf(&b, "error %s", fn->code_dir ? err : "no code");
        return b.data;
    }
    for (int i = 0; i < list.n; i++) {
        struct stat st;
        const BundleListed *f = &list.files[i];
        if (f->path && stat(f->path, &st) == 0)
            buf_printf(&b, "%s %lld %lld.%09ld\n", f->name, (long long)st.st_size,
                       (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
        else
            buf_printf(&b, "%s\n", f->name);
    }
    bundle_list_free(&list);
    return b.data;
}

static int remove_one(const char *path, const struct stat *st, int flag,
                      struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    remove(path);
    return 0;
}

void local_rmtree(const char *dir)
{
    if (dir)
        nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}
