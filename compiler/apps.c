/*
 * apps.c: `hitc check --apps FILE...`, the check a pre-commit hook needs
 * for programs of several files.
 *
 * A module (a file another imports) checked alone fails: its names live
 * in the app that imports it.  So with --apps each FILE is checked as part
 * of every app whose imports reach it, directly or not.
 *
 * In: the files named, and every .hit file under the current directory
 * (where pre-commit runs hooks: the repository's root).  Out: in one Ctx,
 * the diagnostics of every app that reaches a named file, each app checked
 * once, each diagnostic reported once (a module's error is at the
 * module's line, however many apps read it).
 * Holds: an app is a file under the directory that no other file there
 * imports; a named file that no app reaches (one outside the directory, or
 * in a cycle of imports that nothing else imports) is checked as its own
 * app, as without --apps.  Hidden entries (".git") are skipped, and so are
 * symbolic links to directories and directories hitc cannot read.
 * Cost: every file under the directory is read and parsed once, into the
 * Ctx's arena (project_file hands the same tree to every app that imports
 * it); the import graph is built from the parsed statements and walked
 * twice, each file and edge once; each app is declared, resolved and
 * checked once.  So the work is linear in the files
 * plus, per app checked, the size of what it reads, however many of its
 * files are named.  A file's parse diagnostics are held back until an app
 * reads it, so a broken file that no named file's app reads (an untracked
 * scratch file) is not reported.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hitc.h"

/* At most this many .hit files under the directory. */
#define MAX_PROJECT_FILES 10000
/* Directories deeper than this are not entered. */
#define MAX_SCAN_DEPTH 64

/* Diagnostics held apart from ctx's: a file's parse diagnostics until an
 * app reads it, an app's until they are merged. */
typedef struct Held {
    PtrVec diags;
    int nerrors, nwarnings, naccepted, ndropped;
    Diag *cutoff;
} Held;

typedef struct HitFile {
    const char *path;       /* as found: "lib/tables.hit" */
    const char *real;
    Source *src;
    File *file;             /* NULL when it could not be read */
    Held parsed;            /* its lex and parse diagnostics */
    bool adopted;           /* an app read it: parsed went to ctx */
    PtrVec importers;       /* HitFile*: the files that import it */
    PtrVec imports;         /* HitFile*: the files it imports */
    int index;              /* in the order found */
    bool named;             /* one of the files to check */
    bool above;             /* seen going up from a named file */
    bool under_app;         /* some app reads it, directly or not */
    bool chosen;            /* an app to check */
} HitFile;

typedef struct Project Project;
struct Project {
    StrMap by_real;         /* real path -> HitFile */
    PtrVec files;           /* HitFile*, in the order found (sorted walk) */
    int nsources;           /* ctx's sources once every file was read */
};

/* ---- holding diagnostics apart -------------------------------------- */

static void hold_begin(Ctx *ctx, Held *saved)
{
    *saved = (Held){ctx->diags, ctx->nerrors, ctx->nwarnings, ctx->naccepted,
                    ctx->ndropped, ctx->cutoff};
    ctx->diags = (PtrVec){0};
    ctx->nerrors = ctx->nwarnings = ctx->naccepted = ctx->ndropped = 0;
    ctx->cutoff = NULL;
}

static void hold_end(Ctx *ctx, const Held *saved, Held *got)
{
    *got = (Held){ctx->diags, ctx->nerrors, ctx->nwarnings, ctx->naccepted,
                  ctx->ndropped, ctx->cutoff};
    ctx->diags = saved->diags;
    ctx->nerrors = saved->nerrors;
    ctx->nwarnings = saved->nwarnings;
    ctx->naccepted = saved->naccepted;
    ctx->ndropped = saved->ndropped;
    ctx->cutoff = saved->cutoff;
}

/* The same diagnostic twice (a module's error found through two apps):
 * the same place, code and message. */
static const char *diag_key(Ctx *ctx, const Diag *d)
{
    return arena_printf(ctx->arena, "%s\x1f%u\x1f%u\x1f%d\x1f%s",
                        d->loc.src ? d->loc.src->path : "", d->loc.off,
                        d->loc.len, (int)d->code, d->msg);
}

/* Put held diagnostics into ctx's, each once (seen: keys already there;
 * NULL to take all).  Those the held list dropped count as they were. */
static void merge(Ctx *ctx, const Held *h, StrMap *seen)
{
    int errors = 0, warnings = 0, accepted = 0;
    for (int i = 0; i < h->diags.len; i++) {
        Diag *d = h->diags.items[i];
        bool error = d->severity == SEV_ERROR;
        bool warning = d->severity == SEV_WARNING && !d->accepted;
        errors += error;
        warnings += warning;
        accepted += d->accepted != NULL;
        if (seen) {
            const char *key = diag_key(ctx, d);
            if (strmap_get(seen, key))
                continue;
            strmap_put(ctx->arena, seen, key, d);
        }
        vec_push(ctx->arena, &ctx->diags, d);
        ctx->nerrors += error;
        ctx->nwarnings += warning;
        ctx->naccepted += d->accepted != NULL;
    }
    ctx->nerrors += h->nerrors - errors;
    ctx->nwarnings += h->nwarnings - warnings;
    ctx->naccepted += h->naccepted - accepted;
    ctx->ndropped += h->ndropped;
}

/* ---- the files under the directory ----------------------------------- */

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_hit_name(const char *name)
{
    size_t n = strlen(name);
    return n > 4 && strcmp(name + n - 4, ".hit") == 0;
}

/* Read and parse one file found under the directory, its diagnostics held. */
static void add_file(Ctx *ctx, Project *p, const char *path)
{
    char real[PATH_MAX];
    if (!realpath(path, real) || strmap_get(&p->by_real, real))
        return;                         /* gone, or a link to one we have */
    HitFile *h = arena_alloc(ctx->arena, sizeof *h);
    h->path = arena_strdup(ctx->arena, path);
    h->real = arena_strdup(ctx->arena, real);
    h->index = p->files.len;
    strmap_put(ctx->arena, &p->by_real, h->real, h);
    vec_push(ctx->arena, &p->files, h);
    Held saved;
    hold_begin(ctx, &saved);
    h->src = source_load(ctx, path, (Loc){0});
    if (h->src) {
        h->file = parse(ctx, h->src);
        accept_read_hit(ctx, h->file);
    }
    hold_end(ctx, &saved, &h->parsed);
}

/* Every .hit file under dir ("" for the current directory), in sorted
 * order, so the order found is the same on every run. */
static void scan(Ctx *ctx, Project *p, const char *dir, int depth, bool *full)
{
    DIR *d = opendir(dir[0] ? dir : ".");
    if (!d)
        return;
    PtrVec names = {0};
    struct dirent *ent;
    while ((ent = readdir(d)))
        if (ent->d_name[0] != '.')
            vec_push(ctx->arena, &names, arena_strdup(ctx->arena, ent->d_name));
    closedir(d);
    if (names.len > 1)
        qsort(names.items, (size_t)names.len, sizeof(void *), name_cmp);
    for (int i = 0; i < names.len && !*full; i++) {
        const char *name = names.items[i];
        char *path = dir[0] ? arena_printf(ctx->arena, "%s/%s", dir, name)
                            : arena_strdup(ctx->arena, name);
        struct stat lst, st;
        if (lstat(path, &lst) != 0)
            continue;
        if (S_ISDIR(lst.st_mode)) {
            if (depth < MAX_SCAN_DEPTH)
                scan(ctx, p, path, depth + 1, full);
            continue;
        }
        if (!is_hit_name(name) || stat(path, &st) != 0 || !S_ISREG(st.st_mode))
            continue;
        if (p->files.len >= MAX_PROJECT_FILES) {
            diag(ctx, D_APPS_LIMIT, (Loc){0}, "there are more than %d .hit "
                 "files under the current directory; 'check --apps' reads "
                 "them all: run it in the directory of your apps",
                 MAX_PROJECT_FILES);
            *full = true;
            return;
        }
        add_file(ctx, p, path);
    }
}

/* Who imports whom, from the parsed statements. */
static void link_imports(Ctx *ctx, Project *p)
{
    char real[PATH_MAX];
    for (int i = 0; i < p->files.len; i++) {
        HitFile *h = p->files.items[i];
        for (int k = 0; h->file && k < h->file->nstmts; k++) {
            const Stmt *s = h->file->stmts[k];
            if (!is_import(s) || !import_target(h->src, s, real))
                continue;
            HitFile *to = strmap_get(&p->by_real, real);
            if (to && to != h) {
                vec_push(ctx->arena, &to->importers, h);
                vec_push(ctx->arena, &h->imports, to);
            }
        }
    }
}

File *project_file(Ctx *ctx, const char *real)
{
    Project *p = ctx->project;
    HitFile *h = p ? strmap_get(&p->by_real, real) : NULL;
    if (!h || !h->file)
        return NULL;
    if (!h->adopted) {
        h->adopted = true;
        merge(ctx, &h->parsed, NULL);
    }
    return h->file;
}

/* ---- which apps ------------------------------------------------------- */

/* Choose the apps to check: every file that nothing imports (an app) and
 * that imports a named file, directly or not, or is one; and a named file
 * that no app reads (only a cycle of imports does) on its own.  Two walks,
 * each file and edge once: up from the named files, down from the apps. */
static void choose_apps(Ctx *ctx, Project *p)
{
    PtrVec todo = {0};
    for (int i = 0; i < p->files.len; i++) {
        HitFile *h = p->files.items[i];
        if (h->named) {
            h->above = true;
            vec_push(ctx->arena, &todo, h);
        }
    }
    for (int i = 0; i < todo.len; i++) {
        HitFile *x = todo.items[i];
        if (x->importers.len == 0)
            x->chosen = true;       /* an app */
        for (int k = 0; k < x->importers.len; k++) {
            HitFile *y = x->importers.items[k];
            if (!y->above) {
                y->above = true;
                vec_push(ctx->arena, &todo, y);
            }
        }
    }
    todo.len = 0;
    for (int i = 0; i < p->files.len; i++) {
        HitFile *h = p->files.items[i];
        if (h->importers.len == 0) {
            h->under_app = true;
            vec_push(ctx->arena, &todo, h);
        }
    }
    for (int i = 0; i < todo.len; i++) {
        HitFile *x = todo.items[i];
        for (int k = 0; k < x->imports.len; k++) {
            HitFile *y = x->imports.items[k];
            if (!y->under_app) {
                y->under_app = true;
                vec_push(ctx->arena, &todo, y);
            }
        }
    }
    for (int i = 0; i < p->files.len; i++) {
        HitFile *h = p->files.items[i];
        if (h->named && !h->under_app)
            h->chosen = true;
    }
}

/* Compile and check one app, its diagnostics merged into ctx's once. */
static void check_app(Ctx *ctx, Source *src, StrMap *seen,
                      void (*run)(Ctx *, const struct Options *, Emit *),
                      const struct Options *o)
{
    Held saved, got;
    hold_begin(ctx, &saved);
    ctx_next_program(ctx);
    Emit e = {0};
    if (compile(ctx, src))
        run(ctx, o, &e);
    emit_free(&e);
    hold_end(ctx, &saved, &got);
    merge(ctx, &got, seen);
}

void apps_check(Ctx *ctx, const char *const *files, int nfiles,
                void (*run)(Ctx *ctx, const struct Options *o, Emit *e),
                const struct Options *o)
{
    Project *p = arena_alloc(ctx->arena, sizeof *p);
    ctx->project = p;
    ctx->project_file = project_file;
    bool full = false;
    scan(ctx, p, "", 0, &full);
    if (full)
        return;
    p->nsources = ctx->sources.len;
    link_imports(ctx, p);
    PtrVec alone = {0};                 /* named files found nowhere under . */
    for (int i = 0; i < nfiles; i++) {
        char real[PATH_MAX];
        HitFile *h = realpath(files[i], real) ? strmap_get(&p->by_real, real)
                                              : NULL;
        if (h)
            h->named = true;
        else
            vec_push(ctx->arena, &alone, (void *)files[i]);
    }
    choose_apps(ctx, p);
    StrMap seen = {0};
    for (int i = 0; i < p->files.len; i++) {
        HitFile *h = p->files.items[i];
        if (h->chosen && h->file)
            check_app(ctx, h->src, &seen, run, o);
        else if (h->chosen && !h->adopted) {    /* it could not be read */
            h->adopted = true;
            merge(ctx, &h->parsed, &seen);
        }
    }
    for (int i = 0; i < alone.len; i++) {
        Held saved, got;
        hold_begin(ctx, &saved);
        Source *src = source_load(ctx, alone.items[i], (Loc){0});
        hold_end(ctx, &saved, &got);
        merge(ctx, &got, &seen);
        if (src)
            check_app(ctx, src, &seen, run, o);
    }
    /* Acceptances of the files some app read, and of what the checks
     * loaded (fragments, files from elsewhere): the rest were not checked. */
    for (int i = 0; i < p->files.len; i++) {
        HitFile *h = p->files.items[i];
        if (h->adopted)
            accept_report_unused_in(ctx, h->src);
    }
    for (int i = p->nsources; i < ctx->sources.len; i++)
        accept_report_unused_in(ctx, ctx->sources.items[i]);
}
