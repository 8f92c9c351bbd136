/*
 * bundle_cache.c: a code directory's bundle streamed into a file, reusing
 * what the directory's last build zipped.
 *
 * In: a code directory (bundle_list walks and checks it), and the cache
 * directory or none.  Out: the zip in an open file, and its SHA-256.
 * Holds: the bytes are bundle_dir_with's whatever the cache holds (zips
 * are deflated by zipout.c, which writes libzip's bytes, and a file's
 * compressed bytes depend on its contents alone); memory holds a chunk of
 * a file and a line per file, never a file or the zip.
 *
 * The cache, per directory (its real path and the extras' names make the
 * key K):
 *   K.idx     the last zip's SHA-256, size and when the index was
 *             written, then a line per entry: its key, its CRC, sizes,
 *             offset in the zip and contents' SHA-256, its name;
 *   SHA.zip   that zip, named by its hash.
 * A file's key is its device, inode, size, mtime (ns) and mode; an
 * extra's, the hash of its bytes.  An entry whose key is the same is
 * unchanged, unless its mtime falls in the second the index was written
 * or later: such a file may have changed again within the clock's tick
 * without its mtime moving, so its contents are hashed and compared (the
 * hash is the truth).  Every file goes in by a temporary name and a
 * rename, so builds sharing the cache see whole files or none; a zip
 * named in an index may be gone (another build evicted it), which is a
 * miss.  When the cache passes its bound (HITC_CACHE_MAX_MB, default
 * 1024) the least recently used files go.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <zlib.h>

#include "bundle.h"
#include "hitc.h"
#include "zipout.h"

#define INDEX_MAGIC "hitc-bundle-cache 1"
#define DEFAULT_MAX_MB 1024
#define STALE_TMP_SECONDS 3600

/* One entry of an index. */
typedef struct Cached {
    char *key;
    char *name;
    ZipData data;
} Cached;

typedef struct Index {
    char zip_sha256[65];
    uint64_t zip_len;
    long long written;          /* seconds */
    Cached *entries;            /* sorted by name, as in the zip */
    int n;
} Index;

char *bundle_cache_dir(void)
{
    const char *off = getenv("HITC_NO_CACHE");
    if (off && *off)
        return NULL;
    const char *own = getenv("HITC_CACHE_DIR");
    if (own && *own)
        return xstrdup(own);
    const char *xdg = getenv("XDG_CACHE_HOME");
    const char *home = getenv("HOME");
    char *dir = NULL;
    if (xdg && *xdg == '/')
        dir = xmalloc(strlen(xdg) + 32), sprintf(dir, "%s/hitc/bundles", xdg);
    else if (home && *home == '/')
        dir = xmalloc(strlen(home) + 32),
        sprintf(dir, "%s/.cache/hitc/bundles", home);
    return dir;
}

static int make_dirs(const char *path)
{
    char *p = xstrdup(path);
    int rc = 0;
    for (char *s = p + 1; rc == 0; s++) {
        bool last = *s == '\0';
        if (*s != '/' && !last)
            continue;
        *s = '\0';
        if (mkdir(p, 0700) != 0 && errno != EEXIST)
            rc = -1;
        if (last)
            break;
        *s = '/';
    }
    free(p);
    return rc;
}

/* ---- keys ---------------------------------------------------------------- */

static char *file_key(const struct stat *st)
{
    char buf[160];
    snprintf(buf, sizeof buf, "f %ju %ju %jd %lld.%09ld %o", (uintmax_t)st->st_dev,
             (uintmax_t)st->st_ino, (intmax_t)st->st_size,
             (long long)st->st_mtim.tv_sec, st->st_mtim.tv_nsec,
             (unsigned)st->st_mode);
    return xstrdup(buf);
}

static char *extra_key(const BundleFile *f)
{
    char hex[65], buf[100];
    sha256_hex(f->data, f->len, hex);
    snprintf(buf, sizeof buf, "x %s %o", hex, f->mode & 0111 ? 0755u : 0644u);
    return xstrdup(buf);
}

/* The name of a directory's index: the hash of everything that makes the
 * same files another bundle (the real path, the extras), and of the
 * zlib that deflates them. */
static void dir_key(const char *dir, const BundleExtra *extras, int n,
                    char out[65])
{
    char real[PATH_MAX];
    Sha256 h;
    sha256_init(&h);
    sha256_update(&h, INDEX_MAGIC "\n", strlen(INDEX_MAGIC) + 1);
    sha256_update(&h, zlibVersion(), strlen(zlibVersion()) + 1);
    const char *p = realpath(dir, real) ? real : dir;
    sha256_update(&h, p, strlen(p) + 1);
    for (int i = 0; i < n; i++)
        sha256_update(&h, extras[i].file.name, strlen(extras[i].file.name) + 1);
    sha256_final_hex(&h, out);
}

/* ---- the index ----------------------------------------------------------- */

static void index_free(Index *x)
{
    for (int i = 0; i < x->n; i++) {
        free(x->entries[i].key);
        free(x->entries[i].name);
    }
    free(x->entries);
    *x = (Index){0};
}

/* One entry line: KEY \t CRC CSIZE USIZE OFFSET SHA256 \t NAME */
static int parse_entry(char *line, Cached *c)
{
    char *t1 = strchr(line, '\t');
    char *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
    if (!t2)
        return -1;
    *t1 = *t2 = '\0';
    unsigned long crc;
    unsigned long long csize, usize, off;
    char sha[65];
    if (sscanf(t1 + 1, "%lu %llu %llu %llu %64s", &crc, &csize, &usize, &off,
               sha) != 5 || strlen(sha) != 64)
        return -1;
    c->key = xstrdup(line);
    c->name = xstrdup(t2 + 1);
    c->data = (ZipData){(uint32_t)crc, csize, usize, off, ""};
    memcpy(c->data.sha256, sha, sizeof sha);
    return 0;
}

/* Read cache/KEY.idx; -1 (x empty) when it is missing or not whole. */
static int index_read(const char *path, Index *x)
{
    *x = (Index){0};
    FILE *f = fopen(path, "re");
    if (!f)
        return -1;
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    int rc = -1, cap_entries = 0;
    if (getline(&line, &cap, f) > 0 && strcmp(line, INDEX_MAGIC "\n") == 0 &&
        getline(&line, &cap, f) > 0 &&
        sscanf(line, "%64s %" SCNu64 " %lld", x->zip_sha256, &x->zip_len,
               &x->written) == 3) {
        rc = 0;
        while (rc == 0 && (len = getline(&line, &cap, f)) > 0) {
            if (line[len - 1] != '\n') {
                rc = -1;        /* cut short */
                break;
            }
            line[len - 1] = '\0';
            if (strcmp(line, "end") == 0) {
                rc = 1;
                break;
            }
            if (x->n == cap_entries) {
                cap_entries = cap_entries ? 2 * cap_entries : 64;
                x->entries = xrealloc(x->entries,
                                      sizeof *x->entries * (size_t)cap_entries);
            }
            if (parse_entry(line, &x->entries[x->n]) != 0)
                rc = -1;
            else
                x->n++;
        }
    }
    free(line);
    fclose(f);
    if (rc != 1) {              /* no "end": not whole */
        index_free(x);
        return -1;
    }
    return 0;
}

/* Write the index by a temporary name, then rename it into place. */
static void index_write(const char *cache, const char *path, const Index *x)
{
    char *tmp = xmalloc(strlen(cache) + 32);
    sprintf(tmp, "%s/tmp-XXXXXX", cache);
    int fd = mkstemp(tmp);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f) {
        if (fd >= 0)
            close(fd), unlink(tmp);
        free(tmp);
        return;
    }
    fprintf(f, INDEX_MAGIC "\n%s %" PRIu64 " %lld\n", x->zip_sha256,
            x->zip_len, x->written);
    for (int i = 0; i < x->n; i++) {
        const Cached *c = &x->entries[i];
        fprintf(f, "%s\t%lu %" PRIu64 " %" PRIu64 " %" PRIu64 " %s\t%s\n",
                c->key, (unsigned long)c->data.crc, c->data.csize,
                c->data.usize, c->data.offset, c->data.sha256, c->name);
    }
    fputs("end\n", f);
    if (fclose(f) != 0 || rename(tmp, path) != 0)
        unlink(tmp);
    free(tmp);
}

/* ---- keeping the cache bounded ------------------------------------------ */

typedef struct Aged {
    char *path;
    struct timespec used;
    off_t size;
} Aged;

static int aged_cmp(const void *pa, const void *pb)
{
    const Aged *a = pa, *b = pb;
    if (a->used.tv_sec != b->used.tv_sec)
        return a->used.tv_sec < b->used.tv_sec ? -1 : 1;
    if (a->used.tv_nsec != b->used.tv_nsec)
        return a->used.tv_nsec < b->used.tv_nsec ? -1 : 1;
    return strcmp(a->path, b->path);
}

static unsigned long long max_bytes(void)
{
    const char *s = getenv("HITC_CACHE_MAX_MB");
    char *end;
    unsigned long long mb = s && *s ? strtoull(s, &end, 10) : DEFAULT_MAX_MB;
    if (s && *s && *end)
        mb = DEFAULT_MAX_MB;
    return mb * 1024 * 1024;
}

/* Remove the least recently used files (by mtime: a use touches them)
 * until the cache is within its bound, and temporary files that a dead
 * build left. */
static void trim(const char *cache)
{
    DIR *d = opendir(cache);
    if (!d)
        return;
    Aged *all = NULL;
    int n = 0, cap = 0;
    unsigned long long total = 0;
    time_t now = time(NULL);
    struct dirent *ent;
    while ((ent = readdir(d))) {
        if (ent->d_name[0] == '.')
            continue;
        char *path = xmalloc(strlen(cache) + strlen(ent->d_name) + 2);
        sprintf(path, "%s/%s", cache, ent->d_name);
        struct stat st;
        if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
            free(path);
            continue;
        }
        if (strncmp(ent->d_name, "tmp-", 4) == 0) {
            if (now - st.st_mtim.tv_sec > STALE_TMP_SECONDS)
                unlink(path);
            free(path);
            continue;
        }
        if (n == cap)
            all = xrealloc(all, sizeof *all * (size_t)(cap = cap ? 2 * cap : 64));
        all[n++] = (Aged){path, st.st_mtim, st.st_size};
        total += (unsigned long long)st.st_size;
    }
    closedir(d);
    unsigned long long limit = max_bytes();
    if (total > limit) {
        qsort(all, (size_t)n, sizeof *all, aged_cmp);
        for (int i = 0; i < n && total > limit; i++)
            if (unlink(all[i].path) == 0)
                total -= (unsigned long long)all[i].size;
    }
    for (int i = 0; i < n; i++)
        free(all[i].path);
    free(all);
}

/* ---- building ------------------------------------------------------------ */

static int name_cmp(const void *pa, const void *pb)
{
    return strcmp(((const BundleListed *)pa)->name,
                  ((const BundleListed *)pb)->name);
}

static const Cached *find(const Index *x, const char *name)
{
    int lo = 0, hi = x->n - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        int c = strcmp(x->entries[mid].name, name);
        if (c == 0)
            return &x->entries[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return NULL;
}

/* Is what f holds now what c says it held?  Its key, and, when its mtime
 * is too close to the index's writing to tell, its contents. */
static bool unchanged(const BundleListed *f, const char *key, const Cached *c,
                      const Index *x)
{
    if (!c || strcmp(c->key, key) != 0)
        return false;
    if (!f->path || f->st.st_mtim.tv_sec < x->written)
        return true;
    int fd = open(f->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    char hex[65];
    struct stat st;
    int rc = fstat(fd, &st) == 0 ? sha256_fd(fd, (uint64_t)st.st_size, hex) : -1;
    close(fd);
    return rc == 0 && strcmp(hex, c->data.sha256) == 0;
}

/* A file to write the zip into: in the cache (to be renamed into place),
 * or, without one, unlinked at once.  *tmp is its name or NULL. */
static int new_zip_file(const char *cache, char **tmp)
{
    const char *base = cache;
    if (!base) {
        base = getenv("TMPDIR");
        if (!base || !*base)
            base = "/tmp";
    }
    char *path = xmalloc(strlen(base) + 32);
    sprintf(path, "%s/%s", base, cache ? "tmp-XXXXXX" : "hitc-zip-XXXXXX");
    int fd = mkostemp(path, O_CLOEXEC);
    if (fd >= 0 && !cache)
        unlink(path);
    if (fd < 0 || !cache) {
        free(path);
        path = NULL;
    }
    *tmp = path;
    return fd;
}

typedef struct Job {
    const char *shown;
    const BundleExtra *extras;
    BundleList list;
    char **keys;
    const char *cache;
    char idx_path[PATH_MAX];
    Index old;
    int old_fd;                 /* the cached zip, or -1 */
    char *err;
    size_t errlen;
} Job;

static int fail(Job *j, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int fail(Job *j, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(j->err, j->errlen, fmt, ap);
    va_end(ap);
    return -1;
}

static void open_old(Job *j, const char *dir, int n)
{
    j->old_fd = -1;
    if (!j->cache)
        return;
    char key[65];
    dir_key(dir, j->extras, n, key);
    snprintf(j->idx_path, sizeof j->idx_path, "%s/%s.idx", j->cache, key);
    if (index_read(j->idx_path, &j->old) != 0)
        return;
    char zip[PATH_MAX];
    snprintf(zip, sizeof zip, "%s/%s.zip", j->cache, j->old.zip_sha256);
    j->old_fd = open(zip, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (j->old_fd >= 0 && (fstat(j->old_fd, &st) != 0 ||
                           (uint64_t)st.st_size != j->old.zip_len)) {
        close(j->old_fd);
        j->old_fd = -1;
    }
    if (j->old_fd < 0)
        index_free(&j->old);
}

/* Every entry unchanged, and no more nor fewer: the old zip is the zip. */
static bool all_unchanged(Job *j, bool *same)
{
    int count = 0;
    for (int i = 0; i < j->list.n; i++)
        count += same[i];
    return j->old_fd >= 0 && count == j->list.n && j->old.n == j->list.n;
}

/* Write the zip: each unchanged entry copied from the old zip, the rest
 * deflated.  new_index gets every entry's line. */
static int write_zip(Job *j, int fd, const bool *same, Index *new_index)
{
    ZipOut *z = zipout_open(fd, j->err, j->errlen);
    new_index->entries = xcalloc((size_t)j->list.n + 1, sizeof *new_index->entries);
    unsigned long long total = 0;
    int rc = 0;
    for (int i = 0; rc == 0 && i < j->list.n; i++) {
        const BundleListed *f = &j->list.files[i];
        Cached *c = &new_index->entries[new_index->n++];
        c->key = xstrdup(j->keys[i]);
        c->name = xstrdup(f->name);
        if (same[i]) {
            rc = zipout_copy(z, f->name, f->mode, j->old_fd,
                             &find(&j->old, f->name)->data, &c->data);
        } else if (f->extra >= 0) {
            const BundleFile *x = &j->extras[f->extra].file;
            rc = zipout_deflate_mem(z, f->name, x->mode, x->data, x->len, &c->data);
        } else {
            int src = open(f->path, O_RDONLY | O_CLOEXEC);
            if (src < 0)
                rc = fail(j, "cannot read '%s' in code directory '%s': %s",
                          f->name, j->shown, strerror(errno));
            else
                rc = zipout_deflate(z, f->name, f->mode, src, &c->data);
            if (src >= 0)
                close(src);
        }
        total += c->data.usize;     /* a file may have grown since listed */
        if (rc == 0 && total > BUNDLE_MAX_UNZIPPED)
            rc = fail(j, "code directory '%s' holds more than Lambda's limit "
                      "of %llu bytes unzipped", j->shown, BUNDLE_MAX_UNZIPPED);
    }
    if (rc != 0) {
        zipout_discard(z);
        return -1;
    }
    if (zipout_close(z, &new_index->zip_len) != 0)
        return -1;
    if (new_index->zip_len > BUNDLE_MAX_ZIPPED)
        return fail(j, "code directory '%s': the zip is %" PRIu64 " bytes, over "
                    "Lambda's limit of %llu bytes zipped", j->shown,
                    new_index->zip_len, BUNDLE_MAX_ZIPPED);
    if (sha256_fd(fd, new_index->zip_len, new_index->zip_sha256) != 0)
        return fail(j, "cannot read the zip of '%s' back: %s", j->shown,
                    strerror(errno));
    return 0;
}

/* Put the new zip and its index into the cache; both by rename. */
static void store(Job *j, const char *tmp, Index *x)
{
    char zip[PATH_MAX];
    snprintf(zip, sizeof zip, "%s/%s.zip", j->cache, x->zip_sha256);
    if (rename(tmp, zip) != 0) {
        unlink(tmp);
        return;
    }
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    x->written = (long long)now.tv_sec;
    index_write(j->cache, j->idx_path, x);
    trim(j->cache);
}

static void touch(Job *j)
{
    futimens(j->old_fd, NULL);
    utimensat(AT_FDCWD, j->idx_path, NULL, 0);
}

static int zip_job(Job *j, BundleZip *out)
{
    int n = j->list.n;
    bool *same = xcalloc((size_t)n + 1, sizeof *same);
    j->keys = xcalloc((size_t)n + 1, sizeof *j->keys);
    for (int i = 0; i < n; i++) {
        const BundleListed *f = &j->list.files[i];
        j->keys[i] = f->extra >= 0 ? extra_key(&j->extras[f->extra].file)
                                   : file_key(&f->st);
        same[i] = j->old_fd >= 0 &&
                  unchanged(f, j->keys[i], find(&j->old, f->name), &j->old);
    }
    int rc = 0;
    if (all_unchanged(j, same)) {
        touch(j);
        out->fd = j->old_fd;
        j->old_fd = -1;
        out->len = j->old.zip_len;
        memcpy(out->sha256, j->old.zip_sha256, sizeof out->sha256);
        out->reused = true;
    } else {
        char *tmp;
        int fd = new_zip_file(j->cache, &tmp);
        Index x = {0};
        if (fd < 0)
            rc = fail(j, "cannot make a file for the zip of '%s': %s",
                      j->shown, strerror(errno));
        else
            rc = write_zip(j, fd, same, &x);
        if (rc == 0) {
            out->fd = fd;
            out->len = x.zip_len;
            memcpy(out->sha256, x.zip_sha256, sizeof out->sha256);
            if (tmp)
                store(j, tmp, &x);
        } else if (fd >= 0) {
            close(fd);
            if (tmp)
                unlink(tmp);
        }
        free(tmp);
        index_free(&x);
    }
    for (int i = 0; i < n; i++)
        free(j->keys[i]);
    free(j->keys);
    free(same);
    return rc;
}

int bundle_dir_zip(const char *dir, const char *shown, const char *deps,
                   const char *prefix, const BundleExtra *extras, int n,
                   const char *cache, BundleZip *out, char *err, size_t errlen,
                   int *clashed)
{
    *out = (BundleZip){.fd = -1};
    Job j = {.shown = shown, .extras = extras, .err = err, .errlen = errlen,
             .old_fd = -1};
    int rc = bundle_list_deps(dir, shown, deps, prefix, extras, n, &j.list,
                              err, errlen, clashed);
    if (rc != 0)
        return rc;
    qsort(j.list.files, (size_t)j.list.n, sizeof *j.list.files, name_cmp);
    if (cache && make_dirs(cache) == 0)
        j.cache = cache;
    open_old(&j, dir, n);
    rc = zip_job(&j, out);
    if (j.old_fd >= 0)
        close(j.old_fd);
    index_free(&j.old);
    bundle_list_free(&j.list);
    return rc;
}
