/*
 * output.c: the CloudFormation tree and bundles to files.
 *
 * In: an emitted template and its bundles.  Out: DIR/template.json,
 * DIR/manifest.json and DIR/bundles/SHA256.zip.
 * Holds: DIR is replaced whole or not at all.  Everything is written into
 * a fresh directory beside DIR, then swapped in with one rename (Linux's
 * RENAME_EXCHANGE when DIR exists), so a failed or killed build leaves DIR
 * as it was.  A non-empty DIR that hitc did not write (no manifest.json)
 * is never replaced.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hitc.h"

static int remove_entry(const char *path, const struct stat *st, int flag,
                        struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static void remove_tree(const char *path)
{
    nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
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
    if (fsync(fd) != 0 || close(fd) != 0) {
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

static char *manifest_text(Ctx *ctx, Emit *e)
{
    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "hitc", HITC_VERSION);
    const Source *src = ctx->sources.items[0];
    const char *base = strrchr(src->path, '/');
    cJSON_AddStringToObject(m, "source", base ? base + 1 : src->path);
    cJSON_AddStringToObject(m, "template", "template.json");
    cJSON *arr = cJSON_AddArrayToObject(m, "bundles");
    for (int i = 0; i < e->bundles.len; i++) {
        BundleRef *b = e->bundles.items[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "file",
                                arena_printf(ctx->arena, "bundles/%s.zip", b->sha256));
        cJSON_AddStringToObject(o, "sha256", b->sha256);
        cJSON_AddNumberToObject(o, "bytes", (double)b->len);
        cJSON_AddStringToObject(o, "source", b->source);
        cJSON_AddItemToArray(arr, o);
    }
    char *text = json_render(m);
    cJSON_Delete(m);
    return text;
}

static bool is_hitc_output(const char *dir, bool *empty)
{
    DIR *d = opendir(dir);
    *empty = true;
    if (!d)
        return false;
    struct dirent *ent;
    bool manifest = false;
    while ((ent = readdir(d))) {
        if (strcmp(ent->d_name, ".") == 0 || strcmp(ent->d_name, "..") == 0)
            continue;
        *empty = false;
        manifest |= strcmp(ent->d_name, "manifest.json") == 0;
    }
    closedir(d);
    return manifest;
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
        if (write_file(ctx, path, b->data, b->len) != 0)
            return -1;
    }
    char *manifest = manifest_text(ctx, e);
    path = arena_printf(ctx->arena, "%s/manifest.json", tmp);
    int rc = write_file(ctx, path, manifest, strlen(manifest));
    free(manifest);
    return rc;
}

int output_write(Ctx *ctx, Emit *e, const char *dir)
{
    Buf t = {0};
    buf_puts(&t, e->text);
    buf_puts(&t, "\n");
    if (strcmp(dir, "-") == 0) {
        fputs(t.data, stdout);
        int rc = fflush(stdout) == 0 ? 0 : -1;
        buf_free(&t);
        return rc;
    }
    if (e->bundles.len > 1)
        qsort(e->bundles.items, (size_t)e->bundles.len, sizeof(void *), bundle_cmp);

    struct stat st;
    bool exists = stat(dir, &st) == 0;
    if (exists && !S_ISDIR(st.st_mode)) {
        diag(ctx, D_IO, (Loc){0}, "'%s' exists and is not a directory", dir);
        buf_free(&t);
        return -1;
    }
    bool empty;
    if (exists && !is_hitc_output(dir, &empty) && !empty) {
        diag(ctx, D_IO, (Loc){0}, "refusing to replace '%s': it is not empty "
             "and hitc did not write it (no manifest.json); choose another "
             "output directory", dir);
        buf_free(&t);
        return -1;
    }
    /* The temporary directory sits beside DIR, on the same file system. */
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/')
        n--;
    char *target = arena_strndup(ctx->arena, dir, n);
    char *tmp = arena_printf(ctx->arena, "%s.hitc-tmp-XXXXXX", target);
    if (!mkdtemp(tmp)) {
        diag(ctx, D_IO, (Loc){0}, "cannot create a directory beside '%s': %s",
             dir, strerror(errno));
        buf_free(&t);
        return -1;
    }
    chmod(tmp, 0755);
    int rc = fill(ctx, e, tmp, t.data);
    buf_free(&t);
    if (rc == 0) {
        if (exists) {
            if (renameat2(AT_FDCWD, tmp, AT_FDCWD, target, RENAME_EXCHANGE) != 0) {
                diag(ctx, D_IO, (Loc){0}, "cannot replace '%s': %s", dir,
                     strerror(errno));
                rc = -1;
            }
        } else if (rename(tmp, target) != 0) {
            diag(ctx, D_IO, (Loc){0}, "cannot create '%s': %s", dir,
                 strerror(errno));
            rc = -1;
        }
    }
    /* After an exchange tmp holds the old output; after a failure, the
     * half-written new one.  Either way it goes. */
    if (rc != 0 || exists)
        remove_tree(tmp);
    return rc;
}
