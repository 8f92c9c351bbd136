/*
 * output_owned.c: whether a directory holds only what hitc wrote there, so
 * that output.c may replace it.
 *
 * In: a directory.  Out: 0 when it is missing, empty, or holds exactly an
 * earlier build's files; else the first other file, and whether hitc's
 * manifest was there (output_find_foreign).
 * Holds: hitc's manifest is read as strict JSON by cfn_read, in a scratch
 * Ctx whose diagnostics nobody sees: a manifest that does not read is
 * simply not hitc's.
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

#include "cfn.h"
#include "hitc.h"

/* ---- what hitc wrote ---------------------------------------------------
 * DIR may be replaced only when it is missing, empty, or holds exactly an
 * earlier build's files: a manifest.json that is hitc's beyond doubt
 * ("generator": "hitc", a format hitc knows, naming only files hitc
 * writes) and nothing it does not list.  hitc 0.1's manifests, which had
 * no "generator", are known by their exact shape instead. */

#define MANIFEST_MAX (8 << 20)

/* SHA256.zip, or SHA256.json (a nested stack's template). */
static bool is_bundle_name(const char *name)
{
    size_t n = strlen(name);
    if (!(n == 64 + 4 && strcmp(name + 64, ".zip") == 0) &&
        !(n == 64 + 5 && strcmp(name + 64, ".json") == 0))
        return false;
    for (int i = 0; i < 64; i++)
        if (!((name[i] >= '0' && name[i] <= '9') || (name[i] >= 'a' && name[i] <= 'f')))
            return false;
    return true;
}

/* A name, relative to DIR, that hitc writes besides manifest.json. */
static bool is_output_file(const char *rel)
{
    return strcmp(rel, "template.json") == 0 ||
           (strncmp(rel, "bundles/", 8) == 0 && is_bundle_name(rel + 8));
}

static bool is_string(const CfnNode *n)
{
    return n && n->kind == CFN_STRING;
}

static bool add_listed(Arena *a, PtrVec *files, const CfnNode *name)
{
    if (!is_string(name) || !is_output_file(name->text))
        return false;
    vec_push(a, files, arena_strdup(a, name->text));
    return true;
}

/* Is m, read from a manifest.json, one that hitc wrote?  Then the files
 * it lists go into files. */
static bool manifest_ok(Arena *a, const CfnNode *m, PtrVec *files)
{
    if (!m || m->kind != CFN_OBJECT)
        return false;
    const CfnNode *gen = cfn_obj_get(m, "generator");
    const CfnNode *fmt = cfn_obj_get(m, "format");
    const CfnNode *tpl = cfn_obj_get(m, "template");
    const CfnNode *bundles = cfn_obj_get(m, "bundles");
    if (gen) {
        const CfnNode *list = cfn_obj_get(m, "files");
        if (!is_string(gen) || strcmp(gen->text, "hitc") != 0 || !fmt ||
            fmt->kind != CFN_NUMBER || strtod(fmt->text, NULL) != MANIFEST_FORMAT ||
            !list || list->kind != CFN_ARRAY)
            return false;
        for (int i = 0; i < list->len; i++)
            if (!add_listed(a, files, list->items[i]))
                return false;
        return true;
    }
    /* hitc 0.1 */
    if (!is_string(cfn_obj_get(m, "hitc")) || !is_string(tpl) ||
        strcmp(tpl->text, "template.json") != 0 || !bundles ||
        bundles->kind != CFN_ARRAY || !add_listed(a, files, tpl))
        return false;
    for (int i = 0; i < bundles->len; i++) {
        const CfnNode *it = bundles->items[i];
        if (!is_string(cfn_obj_get(it, "sha256")) ||
            !add_listed(a, files, cfn_obj_get(it, "file")))
            return false;
    }
    return true;
}

/* The files DIR/manifest.json lists (into files, in a) when hitc wrote
 * it; else false.  The manifest is read as strict JSON by cfn_read, in a
 * Ctx of its own whose diagnostics nobody sees: a manifest that does not
 * read is simply not hitc's. */
static bool manifest_files(Arena *a, const char *dir, PtrVec *files)
{
    char path[PATH_MAX];
    if (snprintf(path, sizeof path, "%s/manifest.json", dir) >= (int)sizeof path)
        return false;
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return false;
    struct stat st;
    char *text = NULL;
    size_t len = 0;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size <= MANIFEST_MAX &&
        (text = xmalloc((size_t)st.st_size + 1))) {
        ssize_t n;
        while (len < (size_t)st.st_size &&
               ((n = read(fd, text + len, (size_t)st.st_size - len)) > 0 ||
                (n < 0 && errno == EINTR)))
            len += n > 0 ? (size_t)n : 0;
    }
    close(fd);
    if (!text)
        return false;
    size_t lead = 0;
    while (lead < len && text[lead] && strchr(" \t\n\r", text[lead]))
        lead++;
    bool ok = false;
    if (lead < len && text[lead] == '{') {      /* JSON, never YAML */
        Ctx *scratch = ctx_new();
        CfnNode *m = cfn_read(scratch, source_from_text(scratch, path, text, len));
        ok = manifest_ok(a, m, files);
        ctx_free(scratch);
    }
    free(text);
    return ok;
}

static bool listed(const PtrVec *files, const char *rel)
{
    if (strcmp(rel, "manifest.json") == 0)
        return true;
    for (int i = 0; i < files->len; i++)
        if (strcmp(files->items[i], rel) == 0)
            return true;
    return false;
}

static int not_dot(const struct dirent *de)
{
    return strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

static void free_list(struct dirent **ents, int n)
{
    for (int i = 0; i < n; i++)
        free(ents[i]);
    free(ents);
}

/* Is dir/rel a regular file (not a link) that files lists?  files NULL:
 * any name hitc writes will do (for its own temporary directories). */
/* Whether dir/rel was gone by the time it was looked at: another build
 * removing an old output (output.c's remove_tree) is no stranger's file. */
static bool vanished(const char *dir, const char *rel)
{
    char path[PATH_MAX];
    struct stat st;
    return snprintf(path, sizeof path, "%s/%s", dir, rel) < (int)sizeof path &&
           lstat(path, &st) != 0 && errno == ENOENT;
}

static bool is_ours(const char *dir, const char *rel, const PtrVec *files)
{
    char path[PATH_MAX];
    struct stat st;
    if (snprintf(path, sizeof path, "%s/%s", dir, rel) >= (int)sizeof path)
        return false;
    if (lstat(path, &st) != 0)
        return errno == ENOENT;
    if (files ? !listed(files, rel)
              : !(is_output_file(rel) || strcmp(rel, "manifest.json") == 0))
        return false;
    return S_ISREG(st.st_mode);
}

/* Whether dir holds only what hitc wrote (see above; with any set, any
 * name hitc writes, manifest or not).  Returns 0 when it does, or dir is
 * missing (a name that goes while it looks was no stranger's: see
 * output.c's remove_tree); 1 with *foreign (relative to dir, the first in byte order) and
 * *manifest (hitc's manifest was there) when it does not; -1 with errno
 * when dir cannot be read. */
int output_find_foreign(Arena *a, const char *dir, bool any, char **foreign,
                        bool *manifest)
{
    struct dirent **ents;
    int n = scandir(dir, &ents, not_dot, by_name);
    if (n < 0 && errno == ENOMEM)
        out_of_memory();        /* scandir allocates the list */
    *manifest = false;
    if (n < 0)
        return errno == ENOENT ? 0 : -1;
    PtrVec list = {0};
    const PtrVec *files = n > 0 && !any && manifest_files(a, dir, &list)
                              ? &list : NULL;
    *manifest = files != NULL;
    int rc = 0;
    for (int i = 0; i < n && rc == 0; i++) {
        const char *name = ents[i]->d_name;
        char *sub = arena_printf(a, "%s/%s", dir, name);
        struct stat st;
        if ((files || any) && strcmp(name, "bundles") == 0 && lstat(sub, &st) == 0 &&
            S_ISDIR(st.st_mode)) {
            struct dirent **zips;
            int m = scandir(sub, &zips, not_dot, by_name);
            if (m < 0 && errno == ENOMEM)
                out_of_memory();
            if (m < 0 && errno != ENOENT)
                rc = -1;
            for (int j = 0; j < m && rc == 0; j++) {
                char *rel = arena_printf(a, "bundles/%s", zips[j]->d_name);
                if (!is_ours(dir, rel, files))
                    *foreign = rel, rc = 1;
            }
            if (m >= 0)
                free_list(zips, m);
        } else if ((files || any) ? !is_ours(dir, name, files) : !vanished(dir, name)) {
            *foreign = arena_strdup(a, name);
            rc = 1;
        }
    }
    int err = errno;
    free_list(ents, n);
    errno = err;
    return rc;
}
