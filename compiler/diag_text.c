/*
 * diag_text.c: a diagnostic as gcc prints one.
 *
 * In: a Diag with its notes.  Out: "file:line:col: severity: message", the
 * source line and a caret with '~' under the rest of the token, for it and
 * each note, written with one call (stderr is unbuffered).  Control
 * characters from the input are escaped, so a template cannot drive the
 * terminal; a line longer than CARET_WINDOW characters is cut around the
 * caret.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hitc.h"

/* Length of the character at p: a whole UTF-8 sequence, or 1 for a byte
 * that does not start a valid one. */
static size_t char_len(const Source *s, size_t p)
{
    const unsigned char *t = (const unsigned char *)s->text;
    int n = utf8_len(t + p, t + s->len);
    return n ? (size_t)n : 1;
}

/* The first byte n characters after from (or end). */
static size_t skip_chars(const Source *s, size_t from, size_t end, size_t n)
{
    while (from < end && n--)
        from += char_len(s, from);
    return from;
}

/* Characters from from to end, counting no further than max. */
static size_t count_chars(const Source *s, size_t from, size_t end, size_t max)
{
    size_t n = 0;
    for (; from < end && n < max; from += char_len(s, from))
        n++;
    return n;
}

/* The first byte of the character n characters before at (or of start):
 * scans back only as far as n characters can reach. */
static size_t back_chars(const Source *s, size_t start, size_t at, size_t n)
{
    size_t p = at - start > 4 * (n + 1) ? at - 4 * (n + 1) : start;
    while (p > start && p < at && ((unsigned char)s->text[p] & 0xC0) == 0x80)
        p++;    /* to the start of a sequence, as a forward walk would be */
    size_t have = count_chars(s, p, at, SIZE_MAX);
    return have > n ? skip_chars(s, p, at, have - n) : p;
}

/* A C1 control character (U+0080 to U+009F, which some terminals obey
 * as escapes) at p, as UTF-8. */
static bool is_c1(const unsigned char *p)
{
    return p[0] == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F;
}

/* Text from a file or a template in a message or a file name: what would
 * upset a terminal (control characters, C0 and C1, and bytes that are not
 * UTF-8) is written as an escape (\n, \x1b, \u009b), so a diagnostic is
 * one line and cannot move the cursor, ring the bell or change colours. */
static void put_text(FILE *out, const char *text)
{
    const unsigned char *p = (const unsigned char *)text;
    const unsigned char *end = p + strlen(text);
    while (p < end) {
        int n = utf8_len(p, end);
        if (n == 2 && is_c1(p))
            fprintf(out, "\\u%04x", p[1]);
        else if (n > 1 || (n == 1 && (*p == '\t' || (*p >= 0x20 && *p < 0x7f))))
            fwrite(p, 1, (size_t)n, out);
        else if (*p == '\n')
            fputs("\\n", out);
        else if (*p == '\r')
            fputs("\\r", out);
        else
            fprintf(out, "\\x%02x", *p);
        p += n ? n : 1;
    }
}

/* The source text, one column per character: a tab stays a tab, and what
 * would upset a terminal (control characters, C0 and C1, bytes that are
 * not UTF-8) shows as '?'. */
static void put_source(FILE *out, const Source *s, size_t from, size_t to)
{
    for (size_t p = from; p < to;) {
        size_t n = char_len(s, p);
        unsigned char c = (unsigned char)s->text[p];
        bool shown = (n > 1 && !is_c1((const unsigned char *)s->text + p)) ||
                     c == '\t' || (c >= 0x20 && c < 0x7f);
        if (shown)
            fwrite(s->text + p, 1, n, out);
        else
            fputc('?', out);
        p += n;
    }
}

/* Blanks up to the caret: a tab where the source has one, else a space. */
static void put_padding(FILE *out, const Source *s, size_t from, size_t to)
{
    for (size_t p = from; p < to; p += char_len(s, p))
        fputc(s->text[p] == '\t' ? '\t' : ' ', out);
}

#define CARET_WINDOW 160    /* characters of a long line that are shown */

/* The line of loc, then '^' under its start and '~' under the rest.  Of a
 * line longer than CARET_WINDOW characters, only a window around the caret
 * is shown, with "..." where it was cut. */
static void print_caret(FILE *out, Loc loc, bool color)
{
    const Source *s = loc.src;
    int li = source_line_index(s, loc.off);
    size_t start = s->line_starts[li];
    size_t end = li + 1 < s->nlines ? s->line_starts[li + 1] - 1 : s->len;
    if (end > start && s->text[end - 1] == '\r')
        end--;
    size_t at = loc.off < end ? loc.off : end;
    size_t stop = (size_t)loc.off + loc.len < end ? (size_t)loc.off + loc.len : end;
    size_t from = start, to = end;
    if (count_chars(s, start, end, CARET_WINDOW + 1) > CARET_WINDOW) {
        from = back_chars(s, start, at, CARET_WINDOW / 2);
        to = skip_chars(s, from, end, CARET_WINDOW);
    }
    const char *cut_left = from > start ? "..." : "";
    fprintf(out, "%5d | %s", li + 1, cut_left);
    put_source(out, s, from, to);
    fprintf(out, "%s\n      | %s", to < end ? "..." : "", *cut_left ? "   " : "");
    put_padding(out, s, from, at);
    if (color)
        fputs("\033[1;32m", out);
    fputc('^', out);
    size_t tildes = count_chars(s, at, stop < to ? stop : to, SIZE_MAX);
    for (size_t i = 1; i < tildes; i++)
        fputc('~', out);
    if (color)
        fputs("\033[0m", out);
    fputc('\n', out);
}

static void print_one(FILE *out, Loc loc, Severity sev, const char *msg,
                      bool color)
{
    static const char *sev_color[] = {"\033[1;36m", "\033[1;35m",
                                      "\033[1;31m"};
    if (color)
        fputs("\033[1m", out);
    if (loc.src) {
        int line, col;
        loc_linecol(loc, &line, &col);
        put_text(out, loc.src->path);
        fprintf(out, ":%d:%d: ", line, col);
    } else {
        fputs("hitc: ", out);
    }
    if (color)
        fprintf(out, "%s%s:\033[0m\033[1m ", sev_color[sev], severity_name(sev));
    else
        fprintf(out, "%s: ", severity_name(sev));
    put_text(out, msg);
    fputs(color ? "\033[0m\n" : "\n", out);
    if (loc.src)
        print_caret(out, loc, color);
}

/* The last note of a diagnostic some of whose notes were left out, or
 * NULL. */
const char *diag_more_notes(Arena *a, const Diag *d)
{
    if (!d->notes_dropped)
        return NULL;
    return arena_printf(a, "%d more note%s not shown", d->notes_dropped,
                        d->notes_dropped == 1 ? "" : "s");
}

/* One diagnostic with its notes, formatted in memory and written with one
 * call: stderr is unbuffered, and a character at a time made a write call
 * each. */
void diag_print_gcc(FILE *out, Arena *a, const Diag *d, bool color)
{
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    FILE *to = mem ? mem : out;
    print_one(to, d->loc, d->severity, d->msg, color);
    for (Note *nt = d->notes; nt; nt = nt->next)
        print_one(to, nt->loc, SEV_NOTE, nt->msg, color);
    const char *more = diag_more_notes(a, d);
    if (more)
        print_one(to, (Loc){0}, SEV_NOTE, more, color);
    if (mem && fclose(mem) == 0)
        fwrite(text, 1, len, out);
    free(text);
}
