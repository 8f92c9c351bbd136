/*
 * fmt.c: the one canonical layout of a .hit file (`hitc fmt`).
 *
 * In: one Source.  Out: its formatted text, or false when it has syntax
 * errors (reported; nothing is formatted).  The printer walks the token
 * stream and the comment list side by side, in source order, and asks
 * the statement tree how each block is shaped; it never re-prints the
 * meaning, so every token is written as it was spelled (strings and
 * numbers byte for byte) and every comment comes back.  docs/fmt.md
 * states the rules; in short:
 *
 *   - two spaces of indentation per '{' level; '{' ends its opener's line
 *     and '}' stands on a line of its own;
 *   - one space between items, none before ':' and ',', none inside
 *     '[' ']'; so one space around '=' and '->', after ':' and ',';
 *   - a block written on one line, holding one statement without a block
 *     of its own, stays on one line when it fits in 80 columns
 *     (`env { table = counters.name }`); any other block is expanded, an
 *     empty one without comments becomes '{}';
 *   - a list written on one line stays on one line; one written over
 *     several lines gets one element per line, indented; no list keeps a
 *     trailing ',';
 *   - ';' ends a line; at most one blank line between statements (where
 *     the source had one or more), none after '{', before '}' or at the
 *     start of the file;
 *   - a comment that trails code stays on its line, one space after the
 *     code; a comment on its own line is indented like the code around it;
 *     its text is kept, only trailing blanks are removed;
 *   - no trailing blanks, '\n' line ends, one final newline, no BOM.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hitc.h"

#define FMT_WIDTH 80        /* a one-line block must fit in this */

typedef struct Fmt {
    const Source *src;
    Token **toks;           /* the token stream as an array */
    int ntoks;
    Comment **cms;
    int ncms;
    Stmt **blocks;          /* statements with a block, in source order */
    int nblocks, next_block;
    Buf out;                /* finished lines */
    Buf cur;                /* the line being written */
    bool line_open;         /* cur holds a line (maybe just indentation) */
    bool want_nl;           /* the next content starts a new line */
    bool no_blank;          /* no blank line before the next content */
    bool has_comment;       /* cur ends in a comment */
    size_t code_len;        /* cur's length before its comment */
    int nl_run;             /* '\n' tokens since the last content */
    int indent;
    TokKind prev;           /* the last token on cur (T_EOF: none) */
    int list_depth;         /* '[' open around the current token */
    bool ml[MAX_NESTING + 2]; /* per open list: written over lines? */
} Fmt;

static bool same_line(const Source *s, uint32_t a, uint32_t b)
{
    return memchr(s->text + a, '\n', b - a) == NULL;
}

static void collect_blocks(Arena *a, PtrVec *v, Stmt **stmts, int n)
{
    for (int i = 0; i < n; i++)
        if (stmts[i]->has_block) {
            vec_push(a, v, stmts[i]);
            collect_blocks(a, v, stmts[i]->block, stmts[i]->nblock);
        }
}

/* The '}' or ']' that closes the opener at index i. */
static int matching(const Fmt *f, int i)
{
    int depth = 0;
    for (int k = i; k < f->ntoks; k++) {
        TokKind t = f->toks[k]->kind;
        if (t == T_LBRACE || t == T_LBRACKET)
            depth++;
        else if ((t == T_RBRACE || t == T_RBRACKET) && --depth == 0)
            return k;
    }
    return f->ntoks - 1;
}

static bool comment_between(const Fmt *f, uint32_t a, uint32_t b)
{
    int lo = 0, hi = f->ncms;      /* the first comment past a */
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (f->cms[mid]->loc.off <= a)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < f->ncms && f->cms[lo]->loc.off < b;
}

/* Is a space due between two tokens on one line? */
static bool spaced(TokKind prev, TokKind t)
{
    return prev != T_EOF && prev != T_LBRACKET && t != T_COLON &&
           t != T_COMMA && t != T_RBRACKET;
}

/* The next token after i that is not a newline. */
static int next_real(const Fmt *f, int i)
{
    int k = i + 1;
    while (k < f->ntoks && f->toks[k]->kind == T_NEWLINE)
        k++;
    return k;
}

static void flush_line(Fmt *f)
{
    size_t n = f->cur.len;
    while (n > 0 && (f->cur.data[n - 1] == ' ' || f->cur.data[n - 1] == '\t'))
        n--;
    buf_add(&f->out, f->cur.data ? f->cur.data : "", n);
    buf_add(&f->out, "\n", 1);
    f->cur.len = 0;
    f->line_open = false;
}

/* Before a token or a comment: start a new line if one is due. */
static void begin(Fmt *f)
{
    if (f->line_open && !f->want_nl)
        return;
    if (f->line_open)
        flush_line(f);
    if (f->nl_run >= 2 && f->out.len > 0 && !f->no_blank && !f->list_depth)
        buf_add(&f->out, "\n", 1);
    for (int i = 0; i < f->indent; i++)
        buf_add(&f->cur, "  ", 2);
    f->line_open = true;
    f->want_nl = f->no_blank = f->has_comment = false;
    f->prev = T_EOF;
}

static void put_tok(Fmt *f, const Token *t)
{
    begin(f);
    if (spaced(f->prev, t->kind))
        buf_add(&f->cur, " ", 1);
    buf_puts(&f->cur, t->text);
    f->prev = t->kind;
    f->nl_run = 0;
}

/* The text of the tokens from i to j on one line, as the rules space it. */
static void inline_text(const Fmt *f, int i, int j, TokKind prev, Buf *b)
{
    for (int k = i; k <= j; k++) {
        const Token *t = f->toks[k];
        if (t->kind == T_NEWLINE)
            continue;
        if (t->kind == T_COMMA && f->toks[next_real(f, k)]->kind == T_RBRACKET)
            continue;
        if (spaced(prev, t->kind))
            buf_add(b, " ", 1);
        buf_puts(b, t->text);
        prev = t->kind;
    }
}

static size_t columns(const char *s, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        c += ((unsigned char)s[i] & 0xC0) != 0x80;
    return c;
}

static void put_comment(Fmt *f, const Comment *c)
{
    const char *text = c->loc.src->text + c->loc.off;
    size_t n = c->loc.len;
    while (n > 0 && strchr(" \t\r\f\v", text[n - 1]))
        n--;
    if (!c->own_line && f->line_open && !f->has_comment) {
        f->code_len = f->cur.len;
        buf_add(&f->cur, " ", 1);
        buf_add(&f->cur, text, n);
        f->has_comment = true;
        f->want_nl = true;
        return;
    }
    f->want_nl = true;
    begin(f);
    buf_add(&f->cur, text, n);
    f->has_comment = true;
    f->code_len = 0;
    f->want_nl = true;
    f->nl_run = 0;
}

/* The '{' at index i: on one line, '{}', or opened over lines.  Returns
 * the index to go on from. */
static int open_block(Fmt *f, int i)
{
    if (f->next_block >= f->nblocks ||
        f->blocks[f->next_block]->block_loc.off != f->toks[i]->loc.off)
        return -1;      /* cannot happen on a file that parsed */
    Stmt *s = f->blocks[f->next_block++];
    int j = matching(f, i);
    uint32_t open = f->toks[i]->loc.off, close = f->toks[j]->loc.off;
    if (s->nblock == 0 && !comment_between(f, open, close)) {
        put_tok(f, f->toks[i]);
        buf_add(&f->cur, "}", 1);
        f->prev = T_RBRACE;
        return j + 1;
    }
    if (s->nblock == 1 && !s->block[0]->has_block &&
        same_line(f->src, s->loc.off, close)) {
        Buf b = {0};
        buf_add(&b, "", 0);
        inline_text(f, i, j, f->line_open && !f->want_nl ? f->prev : T_EOF, &b);
        size_t width = columns(f->cur.data ? f->cur.data : "", f->cur.len) +
                       columns(b.data, b.len);
        if (f->want_nl || !f->line_open)
            width += (size_t)f->indent * 2;
        if (width <= FMT_WIDTH) {
            begin(f);
            buf_add(&f->cur, b.data, b.len);
            buf_free(&b);
            f->prev = T_RBRACE;
            f->nl_run = 0;
            /* block statements are counted, inner ones included */
            return j + 1;
        }
        buf_free(&b);
    }
    put_tok(f, f->toks[i]);
    f->indent++;
    f->want_nl = f->no_blank = true;
    return i + 1;
}

static void close_line_item(Fmt *f, const Token *t)
{
    f->want_nl = f->no_blank = true;
    put_tok(f, t);
    f->want_nl = true;
}

static bool run(Fmt *f)
{
    int ci = 0;
    for (int i = 0; i < f->ntoks;) {
        const Token *t = f->toks[i];
        if (ci < f->ncms && f->cms[ci]->loc.off < t->loc.off) {
            put_comment(f, f->cms[ci++]);
            continue;
        }
        switch (t->kind) {
        case T_EOF:
            i++;
            continue;
        case T_NEWLINE:
            if (!f->list_depth) {
                if (f->line_open)
                    f->want_nl = true;
                if (t->text[0] == '\n')
                    f->nl_run++;
            }
            i++;
            continue;
        case T_LBRACE: {
            int next = open_block(f, i);
            if (next < 0)
                return false;
            i = next;
            continue;
        }
        case T_RBRACE:
            f->indent--;
            close_line_item(f, t);
            i++;
            continue;
        case T_LBRACKET: {
            int j = matching(f, i);
            bool ml = !same_line(f->src, t->loc.off, f->toks[j]->loc.off) &&
                      (next_real(f, i) != j ||
                       comment_between(f, t->loc.off, f->toks[j]->loc.off));
            put_tok(f, t);
            f->ml[++f->list_depth] = ml;
            if (ml) {
                f->indent++;
                f->want_nl = f->no_blank = true;
            }
            i++;
            continue;
        }
        case T_RBRACKET:
            if (f->ml[f->list_depth]) {
                f->indent--;
                close_line_item(f, t);
                f->want_nl = false;
            } else {
                put_tok(f, t);
            }
            f->list_depth--;
            i++;
            continue;
        case T_COMMA:
            if (f->toks[next_real(f, i)]->kind == T_RBRACKET) {
                i++;
                continue;
            }
            if (f->list_depth && f->ml[f->list_depth] && f->has_comment &&
                f->line_open && f->code_len > 0) {
                /* '"a"  # note' then ',' on the next line: the comma
                 * goes before the comment */
                Buf b = {0};
                buf_add(&b, f->cur.data, f->code_len);
                buf_add(&b, ",", 1);
                buf_add(&b, f->cur.data + f->code_len, f->cur.len - f->code_len);
                buf_free(&f->cur);
                f->cur = b;
                f->code_len++;
            } else {
                put_tok(f, t);
            }
            if (f->list_depth && f->ml[f->list_depth])
                f->want_nl = true;
            i++;
            continue;
        default:
            put_tok(f, t);
            i++;
            continue;
        }
    }
    while (ci < f->ncms)
        put_comment(f, f->cms[ci++]);
    if (f->line_open)
        flush_line(f);
    return true;
}

static bool fmt_source(Ctx *ctx, Source *src, Buf *out)
{
    int errors = ctx->nerrors;
    File *file = parse(ctx, src);
    if (ctx->nerrors > errors)
        return false;
    Fmt f = {.src = src, .prev = T_EOF};
    PtrVec toks = {0}, blocks = {0};
    for (Token *t = file->tokens; t; t = t->next)
        vec_push(ctx->arena, &toks, t);
    collect_blocks(ctx->arena, &blocks, file->stmts, file->nstmts);
    f.toks = (Token **)toks.items;
    f.ntoks = toks.len;
    f.cms = (Comment **)src->comments.items;
    f.ncms = src->comments.len;
    f.blocks = (Stmt **)blocks.items;
    f.nblocks = blocks.len;
    bool ok = run(&f);
    buf_free(&f.cur);
    if (!ok) {
        buf_free(&f.out);
        diag(ctx, D_EXPECTED, (Loc){src, 0, 0},
             "hitc fmt could not follow this file's blocks; please report it");
        return false;
    }
    *out = f.out;
    buf_add(out, "", 0);    /* a terminated, possibly empty, string */
    out->len = f.out.len;
    return true;
}

/* ---- writing files --------------------------------------------------- */

/* What a file that is no regular file is, for messages. */
static const char *file_kind(mode_t m)
{
    return S_ISDIR(m) ? "a directory" : S_ISFIFO(m) ? "a FIFO (a pipe)"
         : S_ISCHR(m) ? "a character device" : S_ISBLK(m) ? "a block device"
         : S_ISSOCK(m) ? "a socket" : "not a regular file";
}

/* The temporary file beside target: ".NAME.fmt-hitc", one name per file,
 * so that a fmt killed mid-write (even by SIGKILL) leaves one file that
 * the next fmt of NAME reuses or removes.  Whoever holds a flock on it
 * is writing it now. */
static char *temp_name(Ctx *ctx, const char *target)
{
    const char *dir = strrchr(target, '/');
    return dir ? arena_printf(ctx->arena, "%.*s/.%s.fmt-hitc",
                              (int)(dir - target), target, dir + 1)
               : arena_printf(ctx->arena, ".%s.fmt-hitc", target);
}

/* Open and lock the temporary file at tmp: a regular file of ours with one
 * link, made if missing, never a symlink, and still at that name once it
 * is locked (an earlier fmt may have renamed it over the target just
 * before).  -1 with errno set, EWOULDBLOCK when another fmt holds it,
 * EPERM when it is not ours to use. */
static int temp_open(const char *tmp, int flags)
{
    for (int tries = 0; tries < 8; tries++) {
        int fd = open(tmp, flags | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, 0600);
        if (fd < 0 && errno == ELOOP)
            errno = EPERM;          /* a symlink: not followed, not ours */
        if (fd < 0)
            return -1;
        struct stat st, at;
        if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
            int saved = errno;
            close(fd);
            errno = saved;
            return -1;
        }
        if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
            st.st_uid != geteuid() || st.st_nlink != 1) {
            close(fd);
            errno = EPERM;
            return -1;
        }
        if (lstat(tmp, &at) == 0 && at.st_dev == st.st_dev &&
            at.st_ino == st.st_ino)
            return fd;
        close(fd);              /* renamed away under us: open it again */
    }
    errno = EAGAIN;
    return -1;
}

/* A temporary file left by a fmt that was killed: removed when it is ours
 * and nobody holds it. */
static void remove_stale_temp(Ctx *ctx, const char *path)
{
    char real[PATH_MAX];
    const char *tmp = temp_name(ctx, realpath(path, real) ? real : path);
    int fd = temp_open(tmp, O_RDONLY);
    if (fd < 0)
        return;
    unlink(tmp);
    close(fd);
}

/* Write text to path through a temporary file in the same directory:
 * the file is either the old one or the new one, never half of either.
 * Keeps the file's permission bits and its owner and group (a file whose
 * owner fmt cannot give back, or that has hard links, is refused). */
static bool write_atomic(Ctx *ctx, const char *path, const char *text,
                         size_t len)
{
    char real[PATH_MAX];
    const char *target = realpath(path, real) ? real : path;
    struct stat st;
    bool ok = false;
    const char *tmp = NULL;
    int fd = -1;
    if (stat(target, &st) != 0) {
        diag(ctx, D_IO, (Loc){0}, "cannot stat '%s': %s", path, strerror(errno));
        goto out;
    }
    if (st.st_nlink > 1) {      /* see docs/fmt.md: refused, not written in place */
        diag(ctx, D_IO, (Loc){0}, "cannot write '%s': it has %lu hard links, "
             "and renaming a new file over one name would leave the others "
             "with the old text; format a copy and copy it back", path,
             (unsigned long)st.st_nlink);
        goto out;
    }
    tmp = temp_name(ctx, target);
    fd = temp_open(tmp, O_RDWR | O_CREAT);
    if (fd < 0) {
        diag(ctx, D_IO, (Loc){0}, "cannot write '%s': cannot create a "
             "temporary file beside it: %s", path,
             errno == EWOULDBLOCK ? "another hitc fmt is writing this file"
             : errno == EPERM ? arena_printf(ctx->arena, "'%s' is in the way "
                                             "and is not hitc fmt's; remove it",
                                             strrchr(tmp, '/') ? strrchr(tmp, '/') + 1 : tmp)
             : strerror(errno));
        goto out;
    }
    if (ftruncate(fd, 0) != 0)
        goto failed;
    size_t done = 0;
    while (done < len) {
        ssize_t n = write(fd, text + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            goto failed;
        done += (size_t)n;
    }
    struct stat mine;
    if (fstat(fd, &mine) != 0)
        goto failed;
    if ((mine.st_uid != st.st_uid || mine.st_gid != st.st_gid) &&
        fchown(fd, st.st_uid, st.st_gid) != 0) {
        diag(ctx, D_IO, (Loc){0}, "cannot write '%s': it belongs to user %lu "
             "and group %lu, which a new file cannot be given here (%s); run "
             "hitc fmt as its owner", path, (unsigned long)st.st_uid,
             (unsigned long)st.st_gid, strerror(errno));
        goto discard;
    }
    if (fchmod(fd, st.st_mode & 07777) != 0 || fsync(fd) != 0)
        goto failed;
    if (rename(tmp, target) != 0)
        goto failed;
    ok = true;                      /* the lock goes when fd is closed */
    goto out;
failed:
    diag(ctx, D_IO, (Loc){0}, "cannot write '%s': %s", path, strerror(errno));
discard:
    unlink(tmp);                    /* still ours: we hold its lock */
out:
    if (fd >= 0)
        close(fd);
    return ok;
}

int fmt_file(Ctx *ctx, const char *path, bool check, bool *changed)
{
    *changed = false;
    Source *src;
    bool from_stdin = strcmp(path, "-") == 0;
    if (from_stdin) {
        Buf b = {0};
        char chunk[65536];
        size_t n;
        while ((n = fread(chunk, 1, sizeof chunk, stdin)) > 0 &&
               b.len <= MAX_SOURCE_BYTES)
            buf_add(&b, chunk, n);
        if (ferror(stdin) || b.len > MAX_SOURCE_BYTES) {
            diag(ctx, D_IO, (Loc){0}, "cannot read the standard input%s",
                 b.len > MAX_SOURCE_BYTES ? ": larger than 16 MB" : "");
            buf_free(&b);
            return 2;
        }
        src = source_from_text(ctx, "<stdin>", b.data ? b.data : "", b.len);
        buf_free(&b);
    } else {
        struct stat st;
        if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
            diag(ctx, D_IO, (Loc){0}, "cannot format '%s': it is %s; hitc fmt "
                 "rewrites regular files (a stream goes through 'hitc fmt -')",
                 path, file_kind(st.st_mode));
            return 2;
        }
        if (!check)
            remove_stale_temp(ctx, path);
        src = source_load(ctx, path, (Loc){0});
        if (!src)
            return 2;
    }
    Buf out = {0};
    if (!fmt_source(ctx, src, &out))
        return 1;
    *changed = out.len != src->len || memcmp(out.data, src->text, out.len) != 0;
    int rc = 0;
    if (from_stdin && !check) {
        fwrite(out.data, 1, out.len, stdout);
        if (fflush(stdout) != 0)
            rc = 2;
    } else if (*changed && !check) {
        rc = write_atomic(ctx, path, out.data, out.len) ? 0 : 2;
    }
    buf_free(&out);
    return rc;
}
