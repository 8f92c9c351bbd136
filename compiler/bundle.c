/*
 * bundle.c: code directories to deterministic zips.
 *
 * In: a directory.  Out: the zip's
 * bytes and their SHA-256.  Holds: nothing about this machine reaches the
 * zip: entries are sorted bytewise by name, dated 1980-01-01 00:00 (set as
 * DOS fields, so the time zone plays no part), mode 0644 or 0755 whatever
 * the umask, and carry no extra fields.  The walk (shared with
 * bundle_list and bundle_cache.c's streamed zips, which builds use) checks
 * the limits before a byte more than Lambda allows is read.  The zips made
 * here are made in memory (bundle_files.c): the stamper's (at make time)
 * and the reference the unit tests hold the streamed zips to.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>


#include "bundle.h"
#include "hitc.h"
#include "zipout.h"

#define MAX_DEPTH 64

/* ---- walking a directory --------------------------------------------- */

typedef struct Entry {
    char *name;                 /* relative, '/'-separated */
    char *path;                 /* where to read it */
    unsigned mode;
    struct stat st;             /* as the walk found it (the cache's key) */
} Entry;

/* A real directory the walk has entered, and how often: links can bring
 * the walk into one directory many times, each time copying all of it. */
typedef struct Seen {
    char *real;                 /* its real path; NULL for an empty slot */
    unsigned long visits;
    char *link;                 /* the last link that led here, or NULL */
} Seen;

typedef struct Walk {
    const char *shown;          /* the directory as the user wrote it */
    char root[PATH_MAX];        /* its real path */
    const char *stack[MAX_DEPTH + 1];   /* real paths being walked */
    int depth;
    Entry *entries;
    int n, cap;
    unsigned long long total;
    unsigned long dir_visits;
    Seen *seen;                 /* open addressing, a power of 2 slots */
    size_t nseen, seen_cap;
    char *err;
    size_t errlen;
    const char *skip;           /* a root folder left out (installed anew) */
    char **ignore;              /* the code directory's .hitcignore patterns */
    int nignore;
} Walk;

bool path_inside(const char *path, const char *root)
{
    size_t n = strlen(root);
    if (strcmp(root, "/") == 0)
        return true;
    return strncmp(path, root, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

/* A real path as the user knows it: relative to the code directory. */
static const char *inside(const Walk *w, const char *real)
{
    size_t n = strlen(w->root);
    if (strcmp(real, w->root) == 0)
        return ".";
    return real + (strcmp(w->root, "/") == 0 ? 1 : n + 1);
}

static size_t path_hash(const char *s)
{
    size_t h = 14695981039346656037ull;     /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

/* The slot of real, added when new; NULL when memory runs out. */
static Seen *seen_slot(Walk *w, const char *real)
{
    if (2 * (w->nseen + 1) > w->seen_cap) {
        size_t cap = w->seen_cap ? w->seen_cap * 2 : 64;
        Seen *grown = xcalloc(cap, sizeof *grown);
        for (size_t i = 0; i < w->seen_cap; i++) {
            if (!w->seen[i].real)
                continue;
            size_t j = path_hash(w->seen[i].real) & (cap - 1);
            while (grown[j].real)
                j = (j + 1) & (cap - 1);
            grown[j] = w->seen[i];
        }
        free(w->seen);
        w->seen = grown;
        w->seen_cap = cap;
    }
    size_t j = path_hash(real) & (w->seen_cap - 1);
    while (w->seen[j].real && strcmp(w->seen[j].real, real) != 0)
        j = (j + 1) & (w->seen_cap - 1);
    if (!w->seen[j].real) {
        w->seen[j].real = xstrdup(real);
        w->nseen++;
    }
    return &w->seen[j];
}

/* Past BUNDLE_MAX_FILES or BUNDLE_MAX_DIR_VISITS: name the directory that
 * links made the walk enter most often, and the last link to it. */
static int too_many(Walk *w, const char *what, unsigned long limit)
{
    const Seen *most = NULL;
    for (size_t i = 0; i < w->seen_cap; i++)
        if (w->seen[i].real && w->seen[i].link &&
            (!most || w->seen[i].visits > most->visits))
            most = &w->seen[i];
    if (most && most->visits > 1)
        return err_fill(w->err, w->errlen, "code directory '%s' holds more than "
                    "%lu %s, counting each path through symbolic links: "
                    "'%s' is reached %lu times, last through the link '%s'; "
                    "a link to a directory copies all of it, so remove links "
                    "that reach one directory many times", w->shown, limit,
                    what, inside(w, most->real), most->visits, most->link);
    return err_fill(w->err, w->errlen, "code directory '%s' holds more than %lu "
                "%s, hitc's limit for one bundle (a zip holds no more without "
                "Zip64); leave out what the function does not need", w->shown,
                limit, what);
}

/* Left out of every bundle: tools' folders and caches, never code. */
static bool left_out(const char *name, bool dir)
{
    static const char *const dirs[] = {".git", ".hg", ".svn", "__pycache__"};
    if (dir) {
        for (size_t i = 0; i < sizeof dirs / sizeof *dirs; i++)
            if (strcmp(name, dirs[i]) == 0)
                return true;
        return false;
    }
    size_t n = strlen(name);
    return strcmp(name, ".DS_Store") == 0 ||
           (n > 4 && strcmp(name + n - 4, ".pyc") == 0);
}

/* Names must read the same on every unzip: UTF-8, no control characters,
 * no backslash (a separator to some tools, and refused by the stamper). */
static const char *name_problem(const char *name)
{
    const unsigned char *p = (const unsigned char *)name;
    const unsigned char *end = p + strlen(name);
    while (*p) {
        if (*p < 0x20 || *p == 0x7f)
            return "holds a control character";
        if (*p == '\\')
            return "holds a backslash";
        int n = utf8_len(p, end);
        if (n == 0)
            return "is not valid UTF-8";
        p += n;
    }
    return NULL;
}

static int push_entry(Walk *w, const char *name, const char *path,
                      const struct stat *st)
{
    if (w->n == w->cap) {
        int cap = w->cap ? w->cap * 2 : 64;
        w->entries = xrealloc(w->entries, sizeof *w->entries * (size_t)cap);
        w->cap = cap;
    }
    char *nm = xstrdup(name), *pt = xstrdup(path);
    w->entries[w->n++] = (Entry){nm, pt, (unsigned)st->st_mode, *st};
    return 0;
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in a directory, sorted, so errors come in the same order on
 * every machine.  Returns a malloc'd array of malloc'd names. */
static char **list_dir(Walk *w, const char *dir, const char *rel, int *count)
{
    *count = 0;
    DIR *d = opendir(dir);
    if (!d) {
        err_fill(w->err, w->errlen, "cannot read '%s' in code directory '%s': %s",
             *rel ? rel : ".", w->shown, strerror(errno));
        return NULL;
    }
    char **names = xcalloc(16, sizeof *names);
    int n = 0, cap = 16;
    struct dirent *ent = NULL;
    while ((ent = readdir(d))) {
        if (strcmp(ent->d_name, ".") == 0 || strcmp(ent->d_name, "..") == 0)
            continue;
        if (n == cap)
            names = xrealloc(names, sizeof *names * (size_t)(cap *= 2));
        names[n++] = xstrdup(ent->d_name);
    }
    closedir(d);
    qsort(names, (size_t)n, sizeof *names, name_cmp);
    *count = n;
    return names;
}

static void free_names(char **names, int n)
{
    for (int i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

static int walk(Walk *w, const char *dir, const char *rel, const char *link);

/* Does a .hitcignore pattern leave out the entry child (its path in the
 * bundle) named name?  A pattern without '/' matches a name at any depth,
 * one with '/' the path from the code directory's root (a leading '/'
 * dropped); a trailing '/' matches directories only. */
static bool ignored(const Walk *w, const char *child, const char *name, bool dir)
{
    for (int i = 0; i < w->nignore; i++) {
        char pat[PATH_MAX];
        snprintf(pat, sizeof pat, "%s", w->ignore[i][0] == '/' ? w->ignore[i] + 1
                                                              : w->ignore[i]);
        size_t n = strlen(pat);
        bool dir_only = n && pat[n - 1] == '/';
        if (dir_only)
            pat[--n] = '\0';
        if (!n || (dir_only && !dir))
            continue;
        bool anchored = strchr(pat, '/') || w->ignore[i][0] == '/';
        if (anchored ? fnmatch(pat, child, FNM_PATHNAME) == 0 : fnmatch(pat, name, 0) == 0)
            return true;
    }
    return false;
}

/* The patterns of dir/.hitcignore, one a line, '#' comments and blank
 * lines skipped. */
static void read_ignore(Walk *w, const char *dir)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/.hitcignore", dir);
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    char line[PATH_MAX];
    while (fgets(line, sizeof line, f)) {
        size_t n = strcspn(line, "\r\n");
        while (n && (line[n - 1] == ' ' || line[n - 1] == '\t'))
            n--;
        line[n] = '\0';
        char *p = line + strspn(line, " \t");
        if (!*p || *p == '#')
            continue;
        w->ignore = xrealloc(w->ignore, sizeof *w->ignore * (size_t)(w->nignore + 1));
        w->ignore[w->nignore++] = xstrdup(p);
    }
    fclose(f);
}

/* One directory entry: a file to keep, a directory to walk, or an error. */
static int visit(Walk *w, const char *dir, const char *rel, const char *name)
{
    char path[PATH_MAX], child[PATH_MAX], target[PATH_MAX];
    if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path ||
        (size_t)snprintf(child, sizeof child, "%s%s%s", rel, *rel ? "/" : "",
                         name) >= sizeof child)
        return err_fill(w->err, w->errlen, "a path in code directory '%s' is too long",
                    w->shown);
    struct stat st;
    if (lstat(path, &st) != 0)
        return err_fill(w->err, w->errlen, "cannot read '%s' in code directory '%s': %s",
                    child, w->shown, strerror(errno));
    bool link = S_ISLNK(st.st_mode);
    const char *real = path;
    if (link) {
        if (!realpath(path, target) || stat(target, &st) != 0)
            return err_fill(w->err, w->errlen, "symbolic link '%s' in code directory "
                        "'%s' is broken", child, w->shown);
        if (!path_inside(target, w->root))
            return err_fill(w->err, w->errlen, "symbolic link '%s' in code directory "
                        "'%s' points outside it; copy what it points to into "
                        "the directory instead", child, w->shown);
        real = target;
    }
    if (S_ISDIR(st.st_mode)) {
        if (!*rel && strcmp(name, ".env") == 0) {
            err_fill(w->err, w->errlen, "the stamper would refuse '.env' in code "
                 "directory '%s' at deploy time: it is a directory, and the "
                 "stamper writes a file of that name; rename the directory",
                 w->shown);
            return BUNDLE_BAD_ENV;
        }
        if (left_out(name, true) || (!*rel && w->skip && strcmp(name, w->skip) == 0) ||
            ignored(w, child, name, true))
            return 0;
        for (int i = 0; i <= w->depth; i++)
            if (strcmp(w->stack[i], real) == 0)
                return err_fill(w->err, w->errlen, "symbolic link '%s' in code "
                            "directory '%s' makes a loop", child, w->shown);
        return walk(w, real, child, link ? inside(w, path) : NULL);
    }
    if (!S_ISREG(st.st_mode))
        return err_fill(w->err, w->errlen, "'%s' in code directory '%s' is not a "
                    "regular file, directory or symbolic link", child, w->shown);
    if (left_out(name, false) || ignored(w, child, name, false) ||
        (!*rel && strcmp(name, ".hitcignore") == 0))
        return 0;
    const char *why = name_problem(child);
    if (why)
        return err_fill(w->err, w->errlen, "the name of '%s' in code directory '%s' "
                    "%s; rename it", child, w->shown, why);
    if (w->n >= BUNDLE_MAX_FILES)
        return too_many(w, "files", BUNDLE_MAX_FILES);
    w->total += (unsigned long long)st.st_size;
    if (w->total > BUNDLE_MAX_UNZIPPED)
        return err_fill(w->err, w->errlen, "code directory '%s' holds more than "
                    "Lambda's limit of %llu bytes unzipped", w->shown,
                    BUNDLE_MAX_UNZIPPED);
    return push_entry(w, child, real, &st);
}

/* Walk the directory whose real path is real, found at rel (through the
 * symbolic link at link, a path inside the code directory, or none). */
static int walk(Walk *w, const char *real, const char *rel, const char *link)
{
    if (w->depth >= MAX_DEPTH)
        return err_fill(w->err, w->errlen, "code directory '%s' nests deeper than "
                    "%d levels at '%s'", w->shown, MAX_DEPTH, rel);
    Seen *seen = seen_slot(w, real);
    char *copy = link ? xstrdup(link) : NULL;
    seen->visits++;
    if (copy) {
        free(seen->link);
        seen->link = copy;
    }
    if (++w->dir_visits > BUNDLE_MAX_DIR_VISITS)
        return too_many(w, "directories", BUNDLE_MAX_DIR_VISITS);
    w->stack[++w->depth] = seen->real;
    int n = 0, rc = 0;
    char **names = list_dir(w, real, rel, &n);
    if (!names)
        rc = -1;
    for (int i = 0; i < n && rc == 0; i++)
        rc = visit(w, real, rel, names[i]);
    free_names(names, n);
    w->depth--;
    return rc;
}

static int read_whole(const char *path, unsigned char **data, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    struct stat st;
    if (fstat(fd, &st) != 0) {
        close(fd);
        return -1;
    }
    size_t cap = (size_t)st.st_size + 1, n = 0;
    unsigned char *buf = xmalloc(cap);
    while (buf) {
        if (n == cap)
            buf = xrealloc(buf, cap *= 2);
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            free(buf);
            buf = NULL;
        } else if (r == 0) {
            break;
        } else {
            n += (size_t)r;
        }
    }
    close(fd);
    *data = buf;
    *len = n;
    return buf ? 0 : -1;
}

static int clash(char *err, size_t errlen, const char *shown,
                 const BundleExtra *extra)
{
    err_fill(err, errlen, "code directory '%s' has its own '%s', which differs "
         "from %s; delete it (hitc writes %s into the bundle itself)", shown,
         extra->file.name, extra->what, extra->noun);
    return BUNDLE_CLASH;
}

static bool same_bytes(const unsigned char *data, size_t len,
                       const BundleExtra *extra)
{
    return len == extra->file.len &&
           memcmp(data, extra->file.data, len) == 0;
}

int bundle_extra_check(const char *dir, const char *shown,
                       const BundleExtra *extras, int n, char *err,
                       size_t errlen, int *clashed)
{
    int rc = 0;
    for (int i = 0; rc == 0 && i < n; i++) {
        const BundleExtra *x = &extras[i];
        char *path = xmalloc(strlen(dir) + strlen(x->file.name) + 2);
        sprintf(path, "%s/%s", dir, x->file.name);
        struct stat st;
        unsigned char *data = NULL;
        size_t len = 0;
        if (stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
            read_whole(path, &data, &len) == 0 && !same_bytes(data, len, x)) {
            rc = clash(err, errlen, shown, x);
            if (clashed)
                *clashed = i;
        }
        free(data);
        free(path);
    }
    return rc;
}

int bundle_dir(const char *dir, const char *shown, Bundle *out, char *err,
               size_t errlen)
{
    return bundle_dir_with(dir, shown, NULL, 0, out, err, errlen, NULL);
}

static int entry_cmp(const void *a, const void *b)
{
    return strcmp(((const Entry *)a)->name, ((const Entry *)b)->name);
}

/* The installed packages into w, under prefix; then every name once. */
static int walk_deps(Walk *w, const char *deps, const char *prefix)
{
    if (!realpath(deps, w->root))
        return err_fill(w->err, w->errlen, "cannot read the packages installed for "
                    "code directory '%s': %s", w->shown, strerror(errno));
    int rc = walk(w, w->root, prefix, NULL);
    if (rc != 0)
        return rc;
    qsort(w->entries, (size_t)w->n, sizeof *w->entries, entry_cmp);
    for (int i = 1; i < w->n; i++)
        if (strcmp(w->entries[i - 1].name, w->entries[i].name) == 0)
            return err_fill(w->err, w->errlen, "code directory '%s' has its own '%s', "
                        "which the packages hitc installs hold too; delete it",
                        w->shown, w->entries[i].name);
    return 0;
}

/* Walk dir (and deps, when not NULL) into a new Walk (*out, freed with
 * walk_free): 0, or an error with err filled. */
static int walk_dir(const char *dir, const char *shown, const char *deps,
                    const char *prefix, char *err, size_t errlen, Walk **out)
{
    Walk *w = *out = xcalloc(1, sizeof *w);
    w->shown = shown;
    w->err = err;
    w->errlen = errlen;
    w->depth = -1;
    w->skip = deps && prefix && *prefix ? prefix : NULL;
    int rc = 0;
    if (!realpath(dir, w->root))
        rc = err_fill(err, errlen, "cannot read code directory '%s': %s", shown,
                  strerror(errno));
    if (rc == 0)
        read_ignore(w, w->root);
    if (rc == 0)
        rc = walk(w, w->root, "", NULL);
    if (rc == 0 && w->n == 0)
        rc = err_fill(err, errlen, "code directory '%s' holds no files", shown);
    for (int i = 0; i < w->nignore; i++)
        free(w->ignore[i]);         /* the packages are not filtered */
    free(w->ignore);
    w->ignore = NULL;
    w->nignore = 0;
    if (rc == 0 && deps)
        rc = walk_deps(w, deps, prefix ? prefix : "");
    return rc;
}

static void walk_free(Walk *w)
{
    for (int i = 0; i < w->n; i++) {
        free(w->entries[i].name);
        free(w->entries[i].path);
    }
    for (size_t i = 0; i < w->seen_cap; i++) {
        free(w->seen[i].real);
        free(w->seen[i].link);
    }
    free(w->seen);
    free(w->entries);
    free(w);
}

/* bundle_dir_with, and the files under deps (installed packages, see
 * deps_install) under the name prefix ("" or "node_modules"); with a
 * prefix, the code directory's own folder of that name is left out.  A
 * name both hold is an error.  deps NULL: bundle_dir_with. */
static int bundle_dir_deps(const char *dir, const char *shown, const char *deps,
                           const char *prefix, const BundleExtra *extras, int n,
                           Bundle *out, char *err, size_t errlen, int *clashed)
{
    *out = (Bundle){0};
    Walk *w;
    int rc = walk_dir(dir, shown, deps, prefix, err, errlen, &w);

    BundleFile *files = xcalloc((size_t)w->n + (size_t)n + 1, sizeof *files);
    unsigned long long total = 0;
    for (int i = 0; rc == 0 && i < w->n; i++) {
        Entry *ent = &w->entries[i];
        unsigned char *data;
        size_t len;
        if (read_whole(ent->path, &data, &len) != 0) {
            rc = err_fill(err, errlen, "cannot read '%s' in code directory '%s': %s",
                      ent->name, shown, strerror(errno));
            break;
        }
        files[i] = (BundleFile){ent->name, data, len, ent->mode};
        total += len;       /* a file may have grown since it was listed */
        if (total > BUNDLE_MAX_UNZIPPED)
            rc = err_fill(err, errlen, "code directory '%s' holds more than "
                      "Lambda's limit of %llu bytes unzipped", shown,
                      BUNDLE_MAX_UNZIPPED);
    }
    for (int i = 0; rc == 0 && i < w->n; i++) {
        int line;
        char why[512];
        if (strcmp(files[i].name, ".env") == 0 &&
            env_file_check(files[i].data, files[i].len, &line, why,
                           sizeof why) != 0) {
            err_fill(err, errlen, "the stamper would refuse '.env' in code "
                 "directory '%s' at deploy time: line %d %s", shown, line, why);
            rc = BUNDLE_BAD_ENV;
        }
    }
    int nfiles = w->n;
    for (int x = 0; rc == 0 && x < n; x++) {
        const BundleExtra *extra = &extras[x];
        int i = 0;
        while (i < w->n && strcmp(files[i].name, extra->file.name) != 0)
            i++;
        if (i == w->n) {
            files[nfiles++] = extra->file;
        } else if (!same_bytes(files[i].data, files[i].len, extra)) {
            rc = clash(err, errlen, shown, extra);
            if (clashed)
                *clashed = x;
        }           /* the same bytes: the file is there once */
    }
    if (rc == 0) {
        rc = bundle_files(files, nfiles, out, err, errlen);
        if (rc != 0 && strncmp(err, "the zip is", 10) == 0) {
            char why[256];
            snprintf(why, sizeof why, "%s", err);
            err_fill(err, errlen, "code directory '%s': %s", shown, why);
        }
    }
    for (int i = 0; i < w->n; i++)
        free((void *)files[i].data);
    free(files);
    walk_free(w);
    return rc;
}

int bundle_dir_with(const char *dir, const char *shown,
                    const BundleExtra *extras, int n, Bundle *out, char *err,
                    size_t errlen, int *clashed)
{
    return bundle_dir_deps(dir, shown, NULL, NULL, extras, n, out, err, errlen,
                           clashed);
}

/* The same walk and the same checks as bundle_dir_with (the .env, the
 * extras), without reading or zipping anything but a root .env and the
 * files an extra may clash with. */
int bundle_list(const char *dir, const char *shown, const BundleExtra *extras,
                int n, BundleList *out, char *err, size_t errlen, int *clashed)
{
    return bundle_list_deps(dir, shown, NULL, NULL, extras, n, out, err, errlen,
                            clashed);
}

int bundle_list_deps(const char *dir, const char *shown, const char *deps,
                     const char *prefix, const BundleExtra *extras, int n,
                     BundleList *out, char *err, size_t errlen, int *clashed)
{
    *out = (BundleList){0};
    Walk *w;
    int rc = walk_dir(dir, shown, deps, prefix, err, errlen, &w);
    for (int i = 0; rc == 0 && i < w->n; i++) {
        if (strcmp(w->entries[i].name, ".env") != 0)
            continue;
        unsigned char *data = NULL;
        size_t len = 0;
        int line;
        char why[512];
        if (read_whole(w->entries[i].path, &data, &len) != 0)
            rc = err_fill(err, errlen, "cannot read '.env' in code directory "
                      "'%s': %s", shown, strerror(errno));
        else if (env_file_check(data, len, &line, why, sizeof why) != 0) {
            err_fill(err, errlen, "the stamper would refuse '.env' in code "
                 "directory '%s' at deploy time: line %d %s", shown, line, why);
            rc = BUNDLE_BAD_ENV;
        }
        free(data);
    }
    if (rc == 0)
        rc = bundle_extra_check(dir, shown, extras, n, err, errlen, clashed);
    if (rc == 0) {
        out->files = xcalloc((size_t)w->n + (size_t)n + 1, sizeof *out->files);
        for (int i = 0; i < w->n; i++) {
            BundleListed *f = &out->files[out->n++];
            f->name = w->entries[i].name;
            f->path = w->entries[i].path;
            f->mode = w->entries[i].mode;
            f->st = w->entries[i].st;
            f->extra = -1;
            w->entries[i].name = w->entries[i].path = NULL;
        }
        for (int x = 0; x < n; x++) {
            int i = 0;
            while (i < w->n && strcmp(out->files[i].name, extras[x].file.name) != 0)
                i++;
            if (i < w->n)
                continue;       /* the same bytes: there once, as the dir's */
            BundleListed *f = &out->files[out->n++];
            f->name = xstrdup(extras[x].file.name);
            f->extra = x;
        }
    }
    walk_free(w);
    return rc;
}

void bundle_list_free(BundleList *l)
{
    for (int i = 0; i < l->n; i++) {
        free(l->files[i].name);
        free(l->files[i].path);
    }
    free(l->files);
    *l = (BundleList){0};
}
