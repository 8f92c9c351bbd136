/*
 * accept_ranges.c: the parts of a source its acceptances cover, and which
 * one covers a warning.
 *
 * In: ranges that accept.c adds as it reads a source's acceptances, then
 * sorts.  Out: accept_find, which diag() asks for every warning.  Holds:
 * the ranges of one source are whole lines or whole resources, so two are
 * the same or do not overlap: sorted, a binary search finds them.  Apart
 * from accept.c, which reports what is wrong with an acceptance, so that
 * diag() asks without using the code that reports through it.
 * Cost: a lookup is a binary search in the source's ranges.
 */
#include <stdlib.h>

#include "hitc.h"

/* A part of a source that one acceptance covers. */
typedef struct Range {
    uint32_t from, to;      /* [from, to) */
    Accept *acc;
    int seq;                /* order of adding, for a stable sort */
} Range;

void accept_range_add(Ctx *ctx, Source *src, uint32_t from, uint32_t to,
                      Accept *a)
{
    Range *r = arena_alloc(ctx->arena, sizeof *r);
    *r = (Range){from, to, a, src->accepts.len};
    vec_push(ctx->arena, &src->accepts, r);
}

static int range_cmp(const void *pa, const void *pb)
{
    const Range *a = *(Range *const *)pa, *b = *(Range *const *)pb;
    if (a->from != b->from)
        return a->from < b->from ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

void accept_ranges_sort(Source *src)
{
    if (src->accepts.len > 1)
        qsort(src->accepts.items, (size_t)src->accepts.len, sizeof(void *),
              range_cmp);
}

/* Only warnings are asked about (diag() and accept.c ask for nothing
 * else), and an acceptance names a warning that is not about acceptances
 * themselves (accept.c's acceptable()), so a code that is neither finds
 * none. */
Accept *accept_find(DiagCode code, Loc loc)
{
    const Source *src = loc.src;
    if (!src || !src->accepts.len)
        return NULL;
    Range **r = (Range **)src->accepts.items;
    int lo = 0, hi = src->accepts.len - 1, last = -1;
    while (lo <= hi) {                  /* the last range starting at or before */
        int mid = (lo + hi) / 2;
        if (r[mid]->from <= loc.off)
            last = mid, lo = mid + 1;
        else
            hi = mid - 1;
    }
    if (last < 0)
        return NULL;
    int first = last;
    while (first > 0 && r[first - 1]->from == r[last]->from)
        first--;
    for (int i = first; i <= last; i++)
        if (loc.off < r[i]->to && r[i]->acc->code == code) {
            r[i]->acc->used = true;
            return r[i]->acc;
        }
    return NULL;
}

Accept *accept_range_acc(const Source *src, int k)
{
    return ((const Range *)src->accepts.items[k])->acc;
}
