/*
 * arena.c: memory for one compilation.
 *
 * The arena hands out zeroed blocks from big chunks and frees them all at
 * once; nothing in the compiler frees arena memory piecemeal.  Buf is the
 * one malloc-owned growable string, for text that leaves the compiler.
 * StrMap hashes with a key of its own, drawn when it first grows: lookups
 * cost the same whatever names an input holds, and since a map is never
 * iterated, nothing that reaches an output depends on the key.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "hitc.h"

#define CHUNK_SIZE (64 * 1024)

typedef struct Chunk {
    struct Chunk *next;
    size_t used, size;
    max_align_t data[];
} Chunk;

struct Arena {
    Chunk *head;
};

void out_of_memory(void)
{
    fputs("hitc: out of memory\n", stderr);
    exit(2);
}

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        out_of_memory();
    return p;
}

void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        out_of_memory();
    return p;
}

void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        out_of_memory();
    return q;
}

char *xstrdup(const char *s)
{
    char *p = strdup(s);
    if (!p)
        out_of_memory();
    return p;
}

Arena *arena_new(void)
{
    Arena *a = xmalloc(sizeof *a);
    a->head = NULL;
    return a;
}

void arena_free(Arena *a)
{
    if (!a)
        return;
    for (Chunk *c = a->head, *next; c; c = next) {
        next = c->next;
        free(c);
    }
    free(a);
}

void *arena_alloc(Arena *a, size_t size)
{
    size_t align = sizeof(max_align_t);
    size = (size + align - 1) / align * align;
    Chunk *c = a->head;
    if (!c || c->size - c->used < size) {
        size_t cap = size > CHUNK_SIZE ? size : CHUNK_SIZE;
        c = xmalloc(sizeof *c + cap);
        c->size = cap;
        c->used = 0;
        c->next = a->head;
        a->head = c;
    }
    void *p = (char *)c->data + c->used;
    c->used += size;
    memset(p, 0, size);
    return p;
}

char *arena_strndup(Arena *a, const char *s, size_t n)
{
    char *p = arena_alloc(a, n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *arena_strdup(Arena *a, const char *s)
{
    return arena_strndup(a, s, strlen(s));
}

char *arena_vprintf(Arena *a, const char *fmt, va_list ap)
{
    va_list copy;
    va_copy(copy, ap);
    int n = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    char *p = arena_alloc(a, (size_t)n + 1);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    return p;
}

char *arena_printf(Arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *p = arena_vprintf(a, fmt, ap);
    va_end(ap);
    return p;
}

void vec_push(Arena *a, PtrVec *v, void *item)
{
    if (v->len == v->cap) {
        int cap = v->cap ? v->cap * 2 : 8;
        void **items = arena_alloc(a, sizeof(void *) * (size_t)cap);
        if (v->len)
            memcpy(items, v->items, sizeof(void *) * (size_t)v->len);
        v->items = items;
        v->cap = cap;
    }
    v->items[v->len++] = item;
}

/* ---- StrMap: a hash that crafted names cannot flood ------------------ */

/* SipHash-1-3 (Aumasson and Bernstein) of a NUL-terminated string under a
 * 128-bit key: a keyed hash whose collisions cannot be found without the
 * key.  Each map draws its own key from the kernel when it first grows, so
 * names written to collide (an unkeyed hash's collisions are the same in
 * every run) cost what any other names cost.  The map is never iterated,
 * so no output depends on the key. */
#define ROTL(x, b) (((x) << (b)) | ((x) >> (64 - (b))))

static void sip_round(uint64_t v[4])
{
    v[0] += v[1]; v[1] = ROTL(v[1], 13); v[1] ^= v[0]; v[0] = ROTL(v[0], 32);
    v[2] += v[3]; v[3] = ROTL(v[3], 16); v[3] ^= v[2];
    v[0] += v[3]; v[3] = ROTL(v[3], 21); v[3] ^= v[0];
    v[2] += v[1]; v[1] = ROTL(v[1], 17); v[1] ^= v[2]; v[2] = ROTL(v[2], 32);
}

static uint64_t sip_hash(const uint64_t key[2], const char *s)
{
    uint64_t v[4] = {
        key[0] ^ 0x736f6d6570736575u, key[1] ^ 0x646f72616e646f6du,
        key[0] ^ 0x6c7967656e657261u, key[1] ^ 0x7465646279746573u,
    };
    size_t n = strlen(s), i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t m = 0;
        for (int k = 0; k < 8; k++)
            m |= (uint64_t)(unsigned char)s[i + k] << (8 * k);
        v[3] ^= m;
        sip_round(v);
        v[0] ^= m;
    }
    uint64_t last = (uint64_t)(n & 0xff) << 56;
    for (int k = 0; i + (size_t)k < n; k++)
        last |= (uint64_t)(unsigned char)s[i + k] << (8 * k);
    v[3] ^= last;
    sip_round(v);
    v[0] ^= last;
    v[2] ^= 0xff;
    for (int r = 0; r < 3; r++)
        sip_round(v);
    return v[0] ^ v[1] ^ v[2] ^ v[3];
}

/* A fresh key: the kernel's randomness, or (where getrandom fails) what
 * varies from run to run and map to map. */
static void strmap_seed(StrMap *m)
{
    if (getrandom(m->key, sizeof m->key, 0) == (ssize_t)sizeof m->key)
        return;
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    m->key[0] = (uint64_t)t.tv_nsec ^ ((uint64_t)t.tv_sec << 30) ^ (uint64_t)getpid();
    m->key[1] = (uint64_t)(uintptr_t)m ^ 0x9e3779b97f4a7c15u;
}

void *strmap_get(const StrMap *m, const char *key)
{
    if (!m->cap)
        return NULL;
    for (size_t i = sip_hash(m->key, key) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
        if (!m->keys[i])
            return NULL;
        if (strcmp(m->keys[i], key) == 0)
            return m->values[i];
    }
}

/* Insert or replace.  The table stays at most half full. */
void strmap_put(Arena *a, StrMap *m, const char *key, void *value)
{
    if (2 * (m->len + 1) > m->cap) {
        StrMap grown = {0};
        grown.cap = m->cap ? m->cap * 2 : 64;
        grown.keys = arena_alloc(a, sizeof(char *) * grown.cap);
        grown.values = arena_alloc(a, sizeof(void *) * grown.cap);
        if (m->cap)
            memcpy(grown.key, m->key, sizeof grown.key);
        else
            strmap_seed(&grown);
        for (size_t i = 0; i < m->cap; i++)
            if (m->keys[i])
                strmap_put(a, &grown, m->keys[i], m->values[i]);
        *m = grown;     /* the old arrays stay in the arena until it goes */
    }
    size_t i = sip_hash(m->key, key) & (m->cap - 1);
    while (m->keys[i] && strcmp(m->keys[i], key) != 0)
        i = (i + 1) & (m->cap - 1);
    if (!m->keys[i])
        m->len++;
    m->keys[i] = key;
    m->values[i] = value;
}

void buf_add(Buf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        b->data = xrealloc(b->data, cap);
        b->cap = cap;
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void buf_puts(Buf *b, const char *s)
{
    buf_add(b, s, strlen(s));
}

void buf_printf(Buf *b, const char *fmt, ...)
{
    va_list ap, copy;
    va_start(ap, fmt);
    va_copy(copy, ap);
    int n = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    char *tmp = xmalloc((size_t)n + 1);
    vsnprintf(tmp, (size_t)n + 1, fmt, ap);
    va_end(ap);
    buf_add(b, tmp, (size_t)n);
    free(tmp);
}

void buf_free(Buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

/* The context of one compilation lives in its own arena. */
Ctx *ctx_new(void)
{
    Arena *a = arena_new();
    Ctx *ctx = arena_alloc(a, sizeof *ctx);
    ctx->arena = a;
    return ctx;
}

void ctx_free(Ctx *ctx)
{
    if (ctx)
        arena_free(ctx->arena);
}

void ctx_next_program(Ctx *ctx)
{
    Ctx keep = *ctx;
    memset(ctx, 0, sizeof *ctx);
    ctx->arena = keep.arena;
    ctx->diags = keep.diags;
    ctx->ndropped = keep.ndropped;
    ctx->cutoff = keep.cutoff;
    ctx->dropped = keep.dropped;
    ctx->nerrors = keep.nerrors;
    ctx->nwarnings = keep.nwarnings;
    ctx->naccepted = keep.naccepted;
    ctx->seq = keep.seq;
    ctx->sources = keep.sources;
    ctx->project = keep.project;
    ctx->project_file = keep.project_file;
}
