/*
 * source.c: the files hitc reads, whole, and places in them.
 *
 * In: a path (or text from memory).  Out: a Source in the Ctx arena, with
 * the start of every line and a count of characters every SOURCE_MARK
 * bytes, so that a Loc's line and column cost a binary search and a short
 * scan.  A file is read up to MAX_SOURCE_BYTES, whatever it claims to be.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "hitc.h"

/* Read at most MAX_SOURCE_BYTES, whatever the file claims to be: a file
 * that grows while it is read, a pipe or /dev/zero stop at the limit too
 * (st_size is not trusted). */
Source *source_load(Ctx *ctx, const char *path, Loc from)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        diag(ctx, D_IO, from, "cannot read '%s': %s", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
        diag(ctx, D_IO, from, "cannot read '%s': it is a directory", path);
        fclose(f);
        return NULL;
    }
    Buf b = {0};
    char chunk[65536];
    size_t n;
    bool too_large = false;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (b.len + n > MAX_SOURCE_BYTES) {
            too_large = true;
            break;
        }
        buf_add(&b, chunk, n);
    }
    bool failed = !too_large && ferror(f);
    int err = errno;
    fclose(f);
    if (too_large) {
        diag(ctx, D_FILE_TOO_LARGE, from, "'%s' is larger than %u MB, the "
             "most hitc reads; split it, or check that it is the file you "
             "meant", path, MAX_SOURCE_BYTES >> 20);
        buf_free(&b);
        return NULL;
    }
    if (failed) {
        diag(ctx, D_IO, from, "cannot read '%s': %s", path, strerror(err));
        buf_free(&b);
        return NULL;
    }
    Source *s = source_from_text(ctx, path, b.data ? b.data : "", b.len);
    buf_free(&b);
    return s;
}

Source *source_from_text(Ctx *ctx, const char *path, const char *text,
                         size_t len)
{
    Source *s = arena_alloc(ctx->arena, sizeof *s);
    s->path = arena_strdup(ctx->arena, path);
    s->dir = path_dir(ctx->arena, path);
    s->text = arena_strndup(ctx->arena, text, len);
    s->len = len;
    int lines = 1;
    for (size_t i = 0; i < s->len; i++)
        lines += s->text[i] == '\n';
    s->line_starts = arena_alloc(ctx->arena, sizeof(size_t) * (size_t)lines);
    s->line_starts[0] = 0;
    int k = 1;
    for (size_t i = 0; i < s->len; i++)
        if (s->text[i] == '\n')
            s->line_starts[k++] = i + 1;
    s->nlines = lines;
    size_t nmarks = s->len / SOURCE_MARK + 1, chars = 0;
    s->char_marks = arena_alloc(ctx->arena, sizeof(size_t) * nmarks);
    for (size_t i = 0; i < s->len; i++) {
        if (i % SOURCE_MARK == 0)
            s->char_marks[i / SOURCE_MARK] = chars;
        chars += ((unsigned char)s->text[i] & 0xC0) != 0x80;
    }
    if (s->len % SOURCE_MARK == 0)
        s->char_marks[s->len / SOURCE_MARK] = chars;
    s->index = ctx->sources.len;
    vec_push(ctx->arena, &ctx->sources, s);
    return s;
}

/* Characters (bytes that do not continue a UTF-8 sequence) before off. */
static size_t chars_before(const Source *s, size_t off)
{
    size_t k = off / SOURCE_MARK, c = s->char_marks[k];
    for (size_t i = k * SOURCE_MARK; i < off; i++)
        c += ((unsigned char)s->text[i] & 0xC0) != 0x80;
    return c;
}

int source_line_index(const Source *s, size_t off)
{
    int lo = 0, hi = s->nlines - 1;
    while (lo < hi) {
        int mid = (lo + hi + 1) / 2;
        if (s->line_starts[mid] <= off)
            lo = mid;
        else
            hi = mid - 1;
    }
    return lo;
}

/* Columns count characters (UTF-8 code points), from 1. */
void loc_linecol(Loc loc, int *line, int *col)
{
    if (!loc.src) {
        *line = *col = 0;
        return;
    }
    size_t off = loc.off < loc.src->len ? loc.off : loc.src->len;
    int li = source_line_index(loc.src, off);
    *line = li + 1;
    *col = (int)(chars_before(loc.src, off) -
                 chars_before(loc.src, loc.src->line_starts[li])) + 1;
}
