/*
 * output.c: the CloudFormation tree and bundles to files.
 *
 * In: an emitted template and its bundles.  Out: DIR/template.json,
 * DIR/manifest.json, DIR/bundles/SHA256.zip and, for an app split into
 * nested stacks (split.c), each nested template as DIR/bundles/SHA256.json,
 * uploaded with the bundles.
 * Holds: DIR is replaced whole or not at all.  Everything is written into
 * a fresh directory beside DIR, then swapped in with one rename (Linux's
 * RENAME_EXCHANGE when DIR exists), so a failed or killed build leaves DIR
 * as it was, and a crash (of the machine too) leaves either the old DIR
 * or the new one whole: one syncfs(2) before the rename, no fsync a file.
 * DIR is replaced only when it is empty or holds exactly what
 * an earlier build wrote there (its manifest.json lists every file:
 * output_owned.c), and
 * never when it is, contains or lies inside the project or a code
 * directory (compared as real paths).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bundle.h"
#include "cfn.h"
#include "hitc.h"

/* Everything but the top manifest.json, which goes last (below). */
static int remove_entry(const char *path, const struct stat *st, int flag,
                        struct FTW *ftw)
{
    (void)st, (void)flag;
    if (ftw->level == 1 && strcmp(path + ftw->base, "manifest.json") == 0)
        return 0;
    return remove(path) == 0 || errno == ENOENT ? 0 : -1;
}

/* Another build may be removing the same tree (a dead build's leftovers,
 * or what a swap put beside DIR): what it took first is not an error.
 * The manifest goes last, so a build checking this tree meanwhile (see
 * swap_in) finds every name that is left still listed in it. */
static void remove_tree(const char *path)
{
    struct stat st;
    char manifest[PATH_MAX];
    bool named = snprintf(manifest, sizeof manifest, "%s/manifest.json", path) <
                 (int)sizeof manifest;
    for (int i = 0; i < 5 && lstat(path, &st) == 0; i++) {
        nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
        if (named)
            unlink(manifest);
        rmdir(path);
    }
}

static int write_file(Ctx *ctx, const char *path, const void *data, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
    if (fd < 0) {
        diag(ctx, D_IO, (Loc){0}, "cannot create '%s': %s", path, strerror(errno));
        return -1;
    }
    const char *p = data;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            diag(ctx, D_IO, (Loc){0}, "cannot write '%s': %s", path,
                 strerror(errno));
            close(fd);
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    if (close(fd) != 0) {       /* synced with the rest: see output_write */
        diag(ctx, D_IO, (Loc){0}, "cannot write '%s': %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

/* A zip that is in a file (a code directory's, streamed there) copied
 * into path: in the kernel where it can (copy_file_range), else through a
 * buffer; never whole in memory. */
static int copy_file(Ctx *ctx, const char *path, int src, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) {
        diag(ctx, D_IO, (Loc){0}, "cannot create '%s': %s", path, strerror(errno));
        return -1;
    }
    loff_t in = 0;
    size_t left = len;
    while (left > 0) {
        ssize_t n = copy_file_range(src, &in, fd, NULL, left, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        left -= (size_t)n;
    }
    char buf[64 * 1024];
    while (left > 0) {          /* copy_file_range cannot, or stopped */
        ssize_t n = pread(src, buf, left < sizeof buf ? left : sizeof buf,
                          (off_t)(len - left));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0 || write(fd, buf, (size_t)n) != n) {
            diag(ctx, D_IO, (Loc){0}, "cannot write '%s': %s", path,
                 n == 0 ? "the zip was cut short" : strerror(errno));
            close(fd);
            return -1;
        }
        left -= (size_t)n;
    }
    if (close(fd) != 0) {
        diag(ctx, D_IO, (Loc){0}, "cannot write '%s': %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

static int bundle_cmp(const void *pa, const void *pb)
{
    const BundleRef *a = *(BundleRef *const *)pa, *b = *(BundleRef *const *)pb;
    return strcmp(a->sha256, b->sha256);
}

static int name_cmp(const void *pa, const void *pb)
{
    return strcmp(*(const char *const *)pa, *(const char *const *)pb);
}

static char *manifest_text(Ctx *ctx, Emit *e)
{
    Arena *a = ctx->arena;
    const Source *src = ctx->root_src;
    Loc file = {src, 0, 0};
    CfnNode *m = cfn_obj(a, file);
    cfn_put_str(a, m, "generator", "hitc");
    cfn_put_num(a, m, "format", MANIFEST_FORMAT);
    cfn_put_str(a, m, "hitc", HITC_VERSION);
    const char *base = strrchr(src->path, '/');
    cfn_put_str(a, m, "source", base ? base + 1 : src->path);
    cfn_put_str(a, m, "template", "template.json");
    CfnNode *arr = cfn_put_arr(a, m, "bundles");
    for (int i = 0; i < e->bundles.len; i++) {
        BundleRef *b = e->bundles.items[i];
        CfnNode *o = cfn_obj(a, file);
        cfn_put_str(a, o, "file", arena_printf(a, "bundles/%s.zip", b->sha256));
        cfn_put_str(a, o, "sha256", b->sha256);
        cfn_put_num(a, o, "bytes", (long long)b->len);
        cfn_put_str(a, o, "source", b->source);
        cfn_arr_push(a, arr, o);
    }
    if (e->stacks.len) {
        CfnNode *stacks = cfn_put_arr(a, m, "stacks");
        for (int i = 0; i < e->stacks.len; i++) {
            NestedStack *st = e->stacks.items[i];
            CfnNode *o = cfn_obj(a, file);
            cfn_put_str(a, o, "file", arena_printf(a, "bundles/%s.json", st->sha256));
            cfn_put_str(a, o, "sha256", st->sha256);
            cfn_put_num(a, o, "bytes", (long long)strlen(st->text) + 1);
            cfn_put_str(a, o, "logical", st->logical);
            cfn_arr_push(a, stacks, o);
        }
    }
    /* Every file the build writes but this one: what a later build may
     * replace.  Bundles and stacks are sorted by sha256, so this is
     * sorted too. */
    CfnNode *files = cfn_put_arr(a, m, "files");
    PtrVec names = {0};
    for (int i = 0; i < e->bundles.len; i++)
        vec_push(a, &names, arena_printf(
            a, "bundles/%s.zip", ((BundleRef *)e->bundles.items[i])->sha256));
    for (int i = 0; i < e->stacks.len; i++)
        vec_push(a, &names, arena_printf(
            a, "bundles/%s.json", ((NestedStack *)e->stacks.items[i])->sha256));
    qsort(names.items, (size_t)names.len, sizeof(void *), name_cmp);
    for (int i = 0; i < names.len; i++)
        cfn_arr_push(a, files, cfn_str(a, file, names.items[i]));
    cfn_arr_push(a, files, cfn_str(a, file, "template.json"));
    return cfn_json(m);
}

static int fill(Ctx *ctx, Emit *e, const char *tmp, const char *template_text)
{
    char *path = arena_printf(ctx->arena, "%s/template.json", tmp);
    if (write_file(ctx, path, template_text, strlen(template_text)) != 0)
        return -1;
    char *bundles = arena_printf(ctx->arena, "%s/bundles", tmp);
    if (mkdir(bundles, 0755) != 0) {
        diag(ctx, D_IO, (Loc){0}, "cannot create '%s': %s", bundles, strerror(errno));
        return -1;
    }
    for (int i = 0; i < e->bundles.len; i++) {
        BundleRef *b = e->bundles.items[i];
        path = arena_printf(ctx->arena, "%s/%s.zip", bundles, b->sha256);
        if ((b->in_file ? copy_file(ctx, path, b->fd, b->len)
                        : write_file(ctx, path, b->data, b->len)) != 0)
            return -1;
    }
    for (int i = 0; i < e->stacks.len; i++) {
        NestedStack *st = e->stacks.items[i];
        Buf text = {0};
        buf_puts(&text, st->text);
        buf_puts(&text, "\n");
        path = arena_printf(ctx->arena, "%s/%s.json", bundles, st->sha256);
        int rc = write_file(ctx, path, text.data, text.len);
        buf_free(&text);
        if (rc != 0)
            return -1;
    }
    char *manifest = manifest_text(ctx, e);
    path = arena_printf(ctx->arena, "%s/manifest.json", tmp);
    int rc = write_file(ctx, path, manifest, strlen(manifest));
    free(manifest);
    return rc;
}

/* ---- where DIR is ------------------------------------------------------ */

/* The real path of dir, a directory that may not exist yet: its deepest
 * ancestor that exists, resolved, then the rest of its parts as written
 * ("." dropped, ".." taking the part before it), which is exact because
 * what does not exist holds no symbolic link.  As `mkdir -p` would make
 * it.  NULL (errno set) when an ancestor is not a directory. */
static char *real_or_planned(Ctx *ctx, const char *dir)
{
    char real[PATH_MAX];
    if (realpath(dir, real))
        return arena_strdup(ctx->arena, real);
    if (errno != ENOENT)
        return NULL;
    char *head = arena_strdup(ctx->arena, dir);
    const char *rest = "";
    for (;;) {                          /* the deepest that exists */
        char *slash = strrchr(head, '/');
        while (slash && slash > head && slash[1] == 0) {
            *slash = 0;                 /* "a/b/" is "a/b" */
            slash = strrchr(head, '/');
        }
        rest = arena_printf(ctx->arena, "%s%s%s", slash ? slash + 1 : head,
                            rest[0] ? "/" : "", rest);
        if (!slash)
            head = arena_strdup(ctx->arena, ".");
        else if (slash == head)
            head = arena_strdup(ctx->arena, ".");
        else
            *slash = 0;
        if (realpath(head, real))
            break;
        if (errno != ENOENT)
            return NULL;
    }
    Buf b = {0};
    buf_puts(&b, strcmp(real, "/") == 0 ? "" : real);
    for (const char *p = rest; *p;) {
        size_t n = strcspn(p, "/");
        if (n == 2 && p[0] == '.' && p[1] == '.') {
            char *cut = strrchr(b.data, '/');
            if (cut)
                *cut = 0, b.len = (size_t)(cut - b.data);
        } else if (n > 0 && !(n == 1 && p[0] == '.')) {
            buf_add(&b, "/", 1);
            buf_add(&b, p, n);
        }
        p += n + (p[n] == '/');
    }
    char *out = arena_strdup(ctx->arena, b.len ? b.data : "/");
    buf_free(&b);
    return out;
}

/* Make the directories of path (a real or planned path, real_or_planned)
 * that do not exist, as `mkdir -p` would, each recorded in made (outermost
 * first) so that a failed build can take them away again.  0, or -1
 * reported. */
static int make_parents(Ctx *ctx, const char *dir, const char *path,
                        PtrVec *made)
{
    char *p = arena_strdup(ctx->arena, path);
    for (char *s = strchr(p + 1, '/'); ; s = strchr(s + 1, '/')) {
        if (s)
            *s = 0;
        struct stat st;
        if (mkdir(p, 0777) == 0) {
            vec_push(ctx->arena, made, arena_strdup(ctx->arena, p));
        } else if (errno != EEXIST || stat(p, &st) != 0 || !S_ISDIR(st.st_mode)) {
            diag(ctx, D_IO, (Loc){0}, "cannot create '%s' (for '%s'): %s", p,
                 dir, errno == EEXIST ? "it is not a directory" : strerror(errno));
            return -1;
        }
        if (!s)
            return 0;
        *s = '/';
    }
}

static char *parent_of(Ctx *ctx, const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash == path ? arena_strdup(ctx->arena, "/")
                         : arena_strndup(ctx->arena, path, (size_t)(slash - path));
}

/* Take away the directories make_parents made, innermost first, where
 * they are still empty. */
static void unmake_parents(const PtrVec *made)
{
    for (int i = made->len - 1; i >= 0; i--)
        rmdir(made->items[i]);
}

/* DIR as the real path a build replaces: its parent resolved and, when DIR
 * is a symbolic link, the link followed (the link stays; what it points
 * to is replaced).  A parent that does not exist yet counts as the path
 * `mkdir -p` would make (the build makes it).  NULL, reported, when there
 * is no such path. */
static char *real_target(Ctx *ctx, const char *dir)
{
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/')
        n--;
    char *d = arena_strndup(ctx->arena, dir, n);
    char *slash = strrchr(d, '/');
    const char *base = slash ? slash + 1 : d;
    char real[PATH_MAX];
    if (strcmp(base, ".") == 0 || strcmp(base, "..") == 0 || strcmp(d, "/") == 0) {
        if (!realpath(d, real)) {
            diag(ctx, D_IO, (Loc){0}, "cannot write to '%s': %s", dir, strerror(errno));
            return NULL;
        }
        return arena_strdup(ctx->arena, real);
    }
    const char *parent = !slash ? "." : slash == d ? "/"
                       : arena_strndup(ctx->arena, d, (size_t)(slash - d));
    const char *rp = real_or_planned(ctx, parent);
    if (!rp) {
        diag(ctx, D_IO, (Loc){0}, "cannot create '%s': %s", dir, strerror(errno));
        return NULL;
    }
    snprintf(real, sizeof real, "%s", rp);
    char *path = arena_printf(ctx->arena, "%s/%s", strcmp(real, "/") ? real : "", base);
    struct stat st;
    if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
        if (!realpath(path, real)) {
            diag(ctx, D_IO, (Loc){0}, "'%s' is a symbolic link to nothing (%s); "
                 "make what it points to, or choose another output directory",
                 dir, strerror(errno));
            return NULL;
        }
        path = arena_strdup(ctx->arena, real);
    }
    return path;
}

static const char *trimmed(Ctx *ctx, const char *dir)
{
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/')
        n--;
    return arena_strndup(ctx->arena, dir, n);
}

/* Refuses (0 ok, -1 reported) unless target may be replaced. */
static int check_owned(Ctx *ctx, const char *dir, const char *target)
{
    struct stat st;
    if (stat(target, &st) == 0 && !S_ISDIR(st.st_mode)) {
        diag(ctx, D_IO, (Loc){0}, "'%s' exists and is not a directory", dir);
        return -1;
    }
    char *foreign;
    bool manifest;
    int rc = output_find_foreign(ctx->arena, target, false, &foreign, &manifest);
    if (rc < 0) {
        diag(ctx, D_IO, (Loc){0}, "cannot read '%s': %s", dir, strerror(errno));
    } else if (rc > 0) {
        const char *d = trimmed(ctx, dir);
        if (manifest)
            diag(ctx, D_OUTPUT_FOREIGN, (Loc){0}, "refusing to replace '%s': "
                 "hitc did not write '%s/%s' (its manifest.json does not list "
                 "it); move it away, or choose another output directory", d, d,
                 foreign);
        else
            diag(ctx, D_OUTPUT_FOREIGN, (Loc){0}, "refusing to replace '%s': "
                 "hitc did not write '%s/%s' (there is no manifest.json of "
                 "hitc's); choose another output directory, or empty this one",
                 d, d, foreign);
    }
    return rc == 0 ? 0 : -1;
}

int output_dir_check(Ctx *ctx, const char *dir)
{
    if (strcmp(dir, "-") == 0)
        return 0;
    char *target = real_target(ctx, dir);
    if (!target)
        return -1;
    const char *d = trimmed(ctx, dir);
    int errors = ctx->nerrors;
    char real[PATH_MAX];
    for (int i = 0; i < ctx->sources.len; i++) {
        const Source *src = ctx->sources.items[i];
        if (realpath(src->dir, real) && path_inside(real, target)) {
            diag(ctx, D_OUTPUT_OVERLAP, (Loc){0}, "refusing to write to '%s': "
                 "it %s the directory of '%s', and hitc replaces its output "
                 "directory whole; choose a directory of its own, such as '%s/out'",
                 d, strcmp(real, target) == 0 ? "is" : "contains", src->path,
                 src->dir);
            return -1;
        }
    }
    for (int i = 0; i < ctx->prog.decls.len; i++) {
        Decl *fn = ctx->prog.decls.items[i];
        Loc loc;
        const char *code = function_code_dir(fn, &loc);
        if (!code || !realpath(arena_printf(ctx->arena, "%s/%s", decl_dir(ctx, fn), code), real))
            continue;
        bool seen = false;      /* one error for a directory functions share */
        for (int j = 0; j < i && !seen; j++) {
            Loc l;
            Decl *o = ctx->prog.decls.items[j];
            const char *c = function_code_dir(o, &l);
            char other[PATH_MAX];   /* the same directory: "src" of another
                                       file's directory may not be */
            seen = c && realpath(arena_printf(ctx->arena, "%s/%s",
                                              decl_dir(ctx, o), c), other) &&
                   strcmp(other, real) == 0;
        }
        if (seen)
            continue;
        if (path_inside(real, target)) {
            Diag *g = diag(ctx, D_OUTPUT_OVERLAP, (Loc){0}, "refusing to write "
                           "to '%s': it %s the code directory '%s' of %s, and "
                           "hitc replaces its output directory whole; choose a "
                           "directory of its own", d,
                           strcmp(real, target) == 0 ? "is" : "contains",
                           code, fn->display);
            note(ctx, g, loc, "the code directory is named here");
            return -1;
        }
        if (path_inside(target, real))
            diag(ctx, D_CODE_HOLDS_OUTPUT, loc, "code directory '%s' contains "
                 "the output directory '%s', so each build would bundle the "
                 "one before; move the code into a directory of its own, or "
                 "build to a directory outside '%s'", code, d, code);
    }
    if (ctx->nerrors > errors)
        return -1;
    return check_owned(ctx, dir, target);
}

/* ---- replacing DIR ------------------------------------------------------
 * The new output is written into DIR.hitc-tmp-XXXXXX beside DIR, which
 * the build holds an flock(2) on until it ends; the lock goes when the
 * process does, even on SIGKILL.  A later build removes such a directory
 * when it can take the lock and it holds nothing but names hitc writes. */

#define TMP_INFIX ".hitc-tmp-"

static bool is_tmp_name(const char *name, const char *base)
{
    size_t n = strlen(base), k = strlen(TMP_INFIX);
    if (strncmp(name, base, n) != 0 || strncmp(name + n, TMP_INFIX, k) != 0 ||
        strlen(name + n + k) != 6)
        return false;
    for (const char *p = name + n + k; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') ||
              (*p >= 'A' && *p <= 'Z')))
            return false;
    return true;
}

/* Locks path (a directory) if nobody holds it and it is still the one at
 * path: the fd, or -1. */
static int lock_dir(const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return -1;
    struct stat a, b;
    if (flock(fd, LOCK_EX | LOCK_NB) != 0 || fstat(fd, &a) != 0 ||
        lstat(path, &b) != 0 || a.st_dev != b.st_dev || a.st_ino != b.st_ino) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Remove the temporary directories of builds into target that died. */
static void remove_stale(Ctx *ctx, const char *target)
{
    const char *slash = strrchr(target, '/');
    const char *parent = slash == target ? "/" : arena_strndup(ctx->arena, target,
                                                         (size_t)(slash - target));
    DIR *d = opendir(parent);
    if (!d)
        return;
    struct dirent *ent;
    while ((ent = readdir(d))) {
        if (!is_tmp_name(ent->d_name, slash + 1))
            continue;
        char *path = arena_printf(ctx->arena, "%s/%s", strcmp(parent, "/") ? parent : "",
                                  ent->d_name);
        char *foreign;
        bool manifest;
        int fd = lock_dir(path);
        if (fd < 0)
            continue;
        if (output_find_foreign(ctx->arena, path, true, &foreign, &manifest) == 0)
            remove_tree(path);
        close(fd);
    }
    closedir(d);
}

/* A fresh, locked temporary directory beside target; NULL, reported. */
static char *make_tmp(Ctx *ctx, const char *dir, const char *target, int *lock)
{
    for (int tries = 0; tries < 100; tries++) {
        char *tmp = arena_printf(ctx->arena, "%s" TMP_INFIX "XXXXXX", target);
        if (!mkdtemp(tmp)) {
            diag(ctx, D_IO, (Loc){0}, "cannot create a directory beside '%s': %s",
                 dir, strerror(errno));
            return NULL;
        }
        /* A build cleaning up may have taken it between mkdtemp and the
         * lock; then it is gone, or going: take another name. */
        if ((*lock = lock_dir(tmp)) >= 0) {
            chmod(tmp, 0755);
            return tmp;
        }
    }
    diag(ctx, D_IO, (Loc){0}, "cannot create a directory beside '%s'", dir);
    return NULL;
}

/* Swap the filled tmp in at target.  Another build may make or replace
 * target meanwhile: then check it again and swap with what is there. */
static int swap_in(Ctx *ctx, const char *dir, const char *target, const char *tmp,
                   bool *old)
{
    *old = false;
    for (int tries = 0; tries < 50; tries++) {
        struct stat st;
        if (lstat(target, &st) != 0 && errno == ENOENT) {
            if (rename(tmp, target) == 0)
                return 0;
            if (errno == EEXIST || errno == ENOTEMPTY)
                continue;       /* another build made it first */
            diag(ctx, D_IO, (Loc){0}, "cannot create '%s': %s", dir, strerror(errno));
            return -1;
        }
        if (check_owned(ctx, dir, target) != 0)
            return -1;
        if (renameat2(AT_FDCWD, tmp, AT_FDCWD, target, RENAME_EXCHANGE) != 0) {
            if (errno == ENOENT)
                continue;       /* another build's leftovers went meanwhile */
            diag(ctx, D_IO, (Loc){0}, "cannot replace '%s': %s", dir, strerror(errno));
            return -1;
        }
        /* tmp holds what was at target: make sure nothing came in between
         * the check and the swap; if it did, swap back. */
        char *foreign;
        bool manifest;
        if (output_find_foreign(ctx->arena, tmp, false, &foreign, &manifest) == 0) {
            *old = true;
            return 0;
        }
        if (renameat2(AT_FDCWD, tmp, AT_FDCWD, target, RENAME_EXCHANGE) == 0) {
            check_owned(ctx, dir, target);
            return -1;
        }
        diag(ctx, D_IO, (Loc){0}, "'%s' changed while hitc replaced it: what "
             "was there is now in '%s'", dir, tmp);
        return -2;
    }
    diag(ctx, D_IO, (Loc){0}, "cannot replace '%s': other builds keep "
         "changing it", dir);
    return -1;
}

int output_write(Ctx *ctx, Emit *e, const char *dir)
{
    Buf t = {0};
    buf_puts(&t, e->text);
    buf_puts(&t, "\n");
    if (strcmp(dir, "-") == 0 && e->stacks.len) {
        diag(ctx, D_STACKS_STDOUT, (Loc){ctx->root_src, 0, 0}, "the app is "
             "split into a root stack and %d nested stacks, files of their "
             "own: build into a directory (-o DIR), not to standard output",
             e->stacks.len);
        buf_free(&t);
        return -1;
    }
    if (strcmp(dir, "-") == 0) {
        fputs(t.data, stdout);
        int rc = fflush(stdout) == 0 ? 0 : -1;
        buf_free(&t);
        return rc;
    }
    if (e->bundles.len > 1)
        qsort(e->bundles.items, (size_t)e->bundles.len, sizeof(void *), bundle_cmp);
    char *target = real_target(ctx, dir);
    int lock = -1;
    char *tmp = NULL;
    PtrVec made = {0};
    if (target && check_owned(ctx, dir, target) == 0 &&
        make_parents(ctx, dir, parent_of(ctx, target), &made) == 0) {
        /* the parents made, the target must be where it was planned: a
         * link that appeared meanwhile would lead elsewhere */
        char *again = real_target(ctx, dir);
        if (again && strcmp(again, target) == 0) {
            remove_stale(ctx, target);
            tmp = make_tmp(ctx, dir, target, &lock);
        } else if (again) {
            diag(ctx, D_IO, (Loc){0}, "'%s' changed while hitc made its "
                 "parent directories; build again", dir);
        }
    }
    if (!tmp) {
        unmake_parents(&made);
        buf_free(&t);
        return -1;
    }
    int rc = fill(ctx, e, tmp, t.data);
    buf_free(&t);
    /* One sync, before the swap: every file and directory entry of tmp
     * reaches the disk before the rename that makes tmp DIR can.  A crash
     * before the rename is on disk leaves DIR as it was; after it, the new
     * output whole.  The rename needs no sync of its own (lost, it leaves
     * the old DIR), and the old output's removal none either. */
    if (rc == 0 && syncfs(lock) != 0)
        rc = -1, diag(ctx, D_IO, (Loc){0}, "cannot write '%s': %s", dir,
                      strerror(errno));
    bool old = false;
    if (rc == 0)
        rc = swap_in(ctx, dir, target, tmp, &old);
    /* After a swap tmp holds the old output; after a failure, the
     * half-written new one.  Either way it goes (but what a swap-back could
     * not return). */
    if (rc == -1 || old)
        remove_tree(tmp);
    close(lock);
    if (rc != 0)
        unmake_parents(&made);
    return rc == 0 ? 0 : -1;
}
