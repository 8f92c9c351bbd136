/*
 * import.c: `import "FILE.hit"`, the files of one program.
 *
 * In: the root source.  Out: every .hit file of the program parsed, the
 * root first and then each imported file in the order it is first read
 * (depth first), ready to be declared into one namespace.
 * Holds: a path is relative to the directory of the file that writes it,
 * as code directories are (decl_dir); a file is known by its real path, so
 * one imported twice, through other spellings or symlinks, is read once;
 * an import of a file still being read is a cycle, printed step by step;
 * an imported file lies inside the project (the root file's directory), as
 * code directories do.  Sources keep the path as the user sees it ("lib/
 * tables.hit" from the root's directory), which every diagnostic prints.
 * Bounds: each file is read up to MAX_SOURCE_BYTES (source_load), and at
 * most MAX_HIT_FILES files are read.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bundle.h"
#include "hitc.h"

typedef struct Unit {
    File *file;
    const char *key;        /* real path, or the path as given */
    struct Unit *parent;    /* the file that first imported it */
    Loc via;                /* that import's path, in the parent */
    bool open;              /* still being read: an import of it is a cycle */
} Unit;

typedef struct Reader {
    Ctx *ctx;
    StrMap units;           /* key -> Unit */
    PtrVec *files;
    int nread;
    bool limit_reported;
    const char *root_real;  /* NULL when the root is not a real directory */
    char root_buf[PATH_MAX];
} Reader;

/* "a/./b/../c" -> "a/c", for display: "." parts go, and a part followed by
 * ".." goes with it unless it is itself "..".  A leading "./" goes too. */
static char *tidy(Arena *a, const char *path)
{
    size_t n = strlen(path);
    char *out = arena_alloc(a, n + 2);
    size_t *starts = arena_alloc(a, sizeof(size_t) * (n + 1));
    int depth = 0;
    size_t len = 0;
    bool abs = path[0] == '/';
    if (abs)
        out[len++] = '/';
    const char *p = path;
    while (*p) {
        while (*p == '/')
            p++;
        const char *slash = strchr(p, '/');
        size_t k = slash ? (size_t)(slash - p) : strlen(p);
        if (k == 0)
            break;
        if (k == 1 && p[0] == '.') {
            /* skip */
        } else if (k == 2 && p[0] == '.' && p[1] == '.' && depth > 0 &&
                   !(len - starts[depth - 1] == 2 &&
                     strncmp(out + starts[depth - 1], "..", 2) == 0)) {
            len = starts[--depth];
            if (len > (size_t)abs)
                len--;          /* the '/' before it */
        } else {
            if (len > (size_t)abs)
                out[len++] = '/';
            starts[depth++] = len;
            memcpy(out + len, p, k);
            len += k;
        }
        p += k;
    }
    if (len == 0)
        out[len++] = '.';
    out[len] = 0;
    return out;
}

static void read_unit(Reader *r, Unit *u);

/* The cycle that `import` at loc (in u) closes by naming open: from open
 * down to u through the imports that read them, then back to open. */
static void report_cycle(Reader *r, Unit *u, Unit *open, Loc loc)
{
    Ctx *ctx = r->ctx;
    PtrVec chain = {0};                 /* open .. u */
    for (Unit *x = u; x; x = x->parent) {
        vec_push(ctx->arena, &chain, x);
        if (x == open)
            break;
    }
    Buf path = {0};
    for (int i = chain.len - 1; i >= 0; i--)
        buf_printf(&path, "'%s' -> ", ((Unit *)chain.items[i])->file->src->path);
    buf_printf(&path, "'%s'", open->file->src->path);
    Diag *d = diag(ctx, D_IMPORT_CYCLE, loc, "import cycle: %s; a file may "
                   "not import itself, directly or through others: remove one "
                   "of these imports", path.data);
    buf_free(&path);
    for (int i = chain.len - 1; i > 0; i--) {
        Unit *from = chain.items[i], *to = chain.items[i - 1];
        note(ctx, d, to->via, "'%s' imports '%s'", from->file->src->path,
             to->file->src->path);
    }
    note(ctx, d, loc, "'%s' imports '%s'", u->file->src->path,
         open->file->src->path);
}

/* One `import` statement of u. */
static void import_stmt(Reader *r, Unit *u, Stmt *s)
{
    Ctx *ctx = r->ctx;
    if (s->bad)
        return;                         /* the parser reported it */
    if (s->nitems != 2 || s->items[1]->kind != I_STRING || s->has_block) {
        Loc at = s->nitems > 1 ? s->items[1]->loc
                 : s->has_block ? s->block_loc : s->items[0]->loc;
        diag(ctx, D_IMPORT_FORM, at, "an import is 'import \"FILE.hit\"': "
             "one path in quotes, relative to this file's directory");
        return;
    }
    Item *it = s->items[1];
    const char *rel = string_literal(ctx, it, "an import's path");
    if (!rel)
        return;
    size_t n = strlen(rel);
    if (n == 0 || rel[0] == '/') {
        diag(ctx, D_IMPORT_FORM, it->loc, "the imported file must be a path "
             "relative to this file's directory");
        return;
    }
    if (n < 5 || strcmp(rel + n - 4, ".hit") != 0 || rel[n - 5] == '/') {
        diag(ctx, D_IMPORT_FORM, it->loc, "'%s' is not a .hit file: import "
             "reads .hit files (a CloudFormation fragment is an 'include')",
             rel);
        return;
    }
    const Source *from = u->file->src;
    const char *joined = strcmp(from->dir, ".") == 0
                             ? rel : arena_printf(ctx->arena, "%s/%s", from->dir, rel);
    const char *shown = tidy(ctx->arena, joined);
    char real[PATH_MAX];
    struct stat st;
    if (!realpath(joined, real) || stat(real, &st) != 0) {
        int err = errno;
        if ((err == ENOENT || err == ENOTDIR) && strcmp(rel, shown) == 0)
            diag(ctx, D_IMPORT_MISSING, it->loc, "cannot import '%s': there "
                 "is no such file", rel);
        else if (err == ENOENT || err == ENOTDIR)
            diag(ctx, D_IMPORT_MISSING, it->loc, "cannot import '%s': there "
                 "is no file '%s'", rel, shown);
        else
            diag(ctx, D_IMPORT_MISSING, it->loc, "cannot import '%s': %s",
                 rel, strerror(err));
        return;
    }
    if (!S_ISREG(st.st_mode)) {
        diag(ctx, D_IMPORT_FORM, it->loc, "cannot import '%s': '%s' is not "
             "a file", rel, shown);
        return;
    }
    if (r->root_real && !path_inside(real, r->root_real)) {
        diag(ctx, D_IMPORT_OUTSIDE, it->loc, "'%s' is outside the project "
             "(the directory of '%s'), through '..' or a symlink; move it "
             "into the project", rel, ctx->root_src->path);
        return;
    }
    Unit *seen = strmap_get(&r->units, real);
    if (seen) {
        if (seen->open)
            report_cycle(r, u, seen, it->loc);
        return;                         /* read once */
    }
    if (r->nread >= MAX_HIT_FILES) {
        if (!r->limit_reported)
            diag(ctx, D_IMPORT_LIMIT, it->loc, "cannot import '%s': hitc "
                 "reads at most %d .hit files for one program", rel,
                 MAX_HIT_FILES);
        r->limit_reported = true;
        return;
    }
    Unit *v = arena_alloc(ctx->arena, sizeof *v);
    v->key = arena_strdup(ctx->arena, real);
    v->parent = u;
    v->via = it->loc;
    strmap_put(ctx->arena, &r->units, v->key, v);  /* a failure is said once */
    v->file = ctx->project_file ? ctx->project_file(ctx, v->key) : NULL;
    if (v->file) {                      /* parsed once for every app */
        read_unit(r, v);
        return;
    }
    Source *src = source_load(ctx, joined, it->loc);
    if (!src)
        return;
    src->path = shown;
    src->dir = path_dir(ctx->arena, joined);
    v->file = parse(ctx, src);
    accept_read_hit(ctx, v->file);
    read_unit(r, v);
}

static void read_unit(Reader *r, Unit *u)
{
    r->nread++;
    vec_push(r->ctx->arena, r->files, u->file);
    u->open = true;
    File *f = u->file;
    for (int i = 0; i < f->nstmts; i++) {
        Stmt *s = f->stmts[i];
        if (is_import(s))
            import_stmt(r, u, s);
    }
    u->open = false;
}

void imports_read(Ctx *ctx, Source *root, PtrVec *files)
{
    Reader r = {.ctx = ctx, .files = files};
    if (realpath(ctx->root, r.root_buf))
        r.root_real = r.root_buf;
    char real[PATH_MAX];
    Unit *u = arena_alloc(ctx->arena, sizeof *u);
    u->key = arena_strdup(ctx->arena, realpath(root->path, real) ? real
                                                                  : root->path);
    strmap_put(ctx->arena, &r.units, u->key, u);
    u->file = ctx->project_file ? ctx->project_file(ctx, u->key) : NULL;
    if (!u->file) {
        u->file = parse(ctx, root);
        accept_read_hit(ctx, u->file);
    }
    read_unit(&r, u);
}

bool is_import(const Stmt *s)
{
    return s->nitems > 0 && item_is_word(s->items[0], IMPORT_KEYWORD);
}

bool import_target(const Source *src, const Stmt *s, char *real)
{
    if (s->bad || s->nitems != 2 || s->items[1]->kind != I_STRING)
        return false;
    Buf rel = {0};
    bool plain = true;
    for (const StrPart *p = s->items[1]->parts; p; p = p->next) {
        plain &= !p->is_ref;
        buf_puts(&rel, p->text);
    }
    bool ok = plain && rel.len > 0 && rel.data[0] != '/';
    if (ok) {
        Buf joined = {0};
        if (strcmp(src->dir, ".") != 0)
            buf_printf(&joined, "%s/", src->dir);
        buf_puts(&joined, rel.data);
        ok = realpath(joined.data, real) != NULL;
        buf_free(&joined);
    }
    buf_free(&rel);
    return ok;
}

const char *project_path(Ctx *ctx, const Source *src, const char *rel)
{
    const Source *root = ctx->root_src;
    if (!src || !root || src == root || rel[0] == '/')
        return rel;
    char *p = tidy(ctx->arena, arena_printf(ctx->arena, "%s/%s",
                                            path_dir(ctx->arena, src->path), rel));
    const char *top = tidy(ctx->arena, root->dir);
    size_t n = strlen(top);
    if (strcmp(top, ".") == 0)
        return p;
    if (strncmp(p, top, n) == 0 && p[n] == '/')
        return p + n + 1;
    return p;
}
