/*
 * bulk.c: where a template's bulk comes from, for the quota messages.
 *
 * In: an emitted template, and a diagnostic about its size or its count of
 * resources (W0506, E0505).  Out: the diagnostic's message ends with the
 * resource types that weigh most ("the most: 120 AWS::Lambda::Function,
 * 21400 bytes; ..."), and a note at each of the declarations that make
 * the most, in bytes or in resources, so a person sees what to move or
 * shorten; when a REST API's parts are a fifth of it or more, that an
 * HTTP API makes fewer.
 * Holds: a resource belongs to the declaration that registered its
 * logical ID (ids.c), a built-in one (a stamp) to the declaration it is
 * made for; a resource's bytes are those of its own JSON as the template
 * prints it, counted again once (only when the message is given).  Ties
 * go by name, so the message is the same on every run.
 */
#include <stdlib.h>
#include <string.h>

#include "cfn.h"
#include "hitc.h"

#define BULK_TOP 3

typedef struct Share {
    const char *name;       /* a resource type, or a declaration's display */
    Decl *decl;             /* for a declaration */
    int count;
    size_t bytes;
} Share;

/* A resource's bytes in the template: its text printed alone, indented as
 * it stands there (two levels), with its key. */
static size_t resource_bytes(const CfnPair *p)
{
    char *text = cfn_json(p->value);
    size_t n = strlen(text), lines = 0;
    for (size_t i = 0; i < n; i++)
        lines += text[i] == '\n';
    free(text);
    return n + 4 * lines + strlen(p->key) + 10;    /* '    "KEY": ' ',\n' */
}

static Share *share_of(Ctx *ctx, StrMap *index, PtrVec *all, const char *name,
                       Decl *decl)
{
    Share *s = strmap_get(index, name);
    if (!s) {
        s = arena_alloc(ctx->arena, sizeof *s);
        s->name = name;
        s->decl = decl;
        strmap_put(ctx->arena, index, name, s);
        vec_push(ctx->arena, all, s);
    }
    return s;
}

/* The larger first, in bytes when *bytes, else in resources. */
static int shares_cmp(const void *pa, const void *pb, void *bytes)
{
    const Share *a = *(Share *const *)pa, *b = *(Share *const *)pb;
    bool by_bytes = *(bool *)bytes;
    size_t x = by_bytes ? a->bytes : (size_t)a->count;
    size_t y = by_bytes ? b->bytes : (size_t)b->count;
    if (x != y)
        return x > y ? -1 : 1;
    return strcmp(a->name, b->name);
}

static void sort_shares(PtrVec *v, bool bytes)
{
    if (v->len > 1)
        qsort_r(v->items, (size_t)v->len, sizeof(void *), shares_cmp, &bytes);
}

void bulk_explain(Ctx *ctx, Emit *e, Diag *d, bool bytes)
{
    const CfnNode *res = e->template ? cfn_obj_get(e->template, "Resources") : NULL;
    if (d == &ctx->dropped || !res || res->kind != CFN_OBJECT || res->len == 0)
        return;
    StrMap types = {0}, decls = {0};
    PtrVec by_type = {0}, by_decl = {0};
    size_t total = 0, rest = 0;     /* of all, and of a REST API's parts */
    for (int i = 0; i < res->len; i++) {
        const CfnPair *p = &res->pairs[i];
        const CfnNode *t = cfn_obj_get(p->value, "Type");
        const char *type = t && t->kind == CFN_STRING ? t->text : "(no type)";
        size_t n = bytes ? resource_bytes(p) : 0;
        Share *s = share_of(ctx, &types, &by_type, type, NULL);
        s->count++;
        s->bytes += n;
        total += bytes ? n : 1;
        if (strncmp(type, "AWS::ApiGateway::", 17) == 0)
            rest += bytes ? n : 1;
        Decl *o = id_owner(ctx, p->key);
        while (o && o->part_of)
            o = o->part_of;
        if (!o || !o->display)
            continue;
        s = share_of(ctx, &decls, &by_decl, o->display, o);
        s->count++;
        s->bytes += n;
    }
    sort_shares(&by_type, bytes);
    sort_shares(&by_decl, bytes);
    Buf b = {0};
    buf_printf(&b, "%s; the most: ", d->msg);
    for (int i = 0; i < by_type.len && i < BULK_TOP; i++) {
        Share *s = by_type.items[i];
        buf_printf(&b, "%s%d %s", i ? ", " : "", s->count, s->name);
        if (bytes)
            buf_printf(&b, " (%zu bytes)", s->bytes);
    }
    if (rest * 5 >= total)          /* a fifth or more */
        buf_puts(&b, "; a route of a REST API makes a method, a permission and "
                     "its path's resources, where an HTTP API ('api { kind "
                     "http }') makes a route and a permission");
    d->msg = arena_strdup(ctx->arena, b.data);
    buf_free(&b);
    for (int i = 0, shown = 0; i < by_decl.len && shown < BULK_TOP; i++) {
        Share *s = by_decl.items[i];
        if (!s->decl->loc.src)
            continue;           /* hitc's own, with no line to point at */
        shown++;
        if (bytes)
            note(ctx, d, s->decl->loc, "%s makes %d resource%s, %zu bytes",
                 s->name, s->count, s->count == 1 ? "" : "s", s->bytes);
        else
            note(ctx, d, s->decl->loc, "%s makes %d resource%s", s->name,
                 s->count, s->count == 1 ? "" : "s");
    }
}
