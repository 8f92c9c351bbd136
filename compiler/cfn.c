/*
 * cfn.c: building the CloudFormation tree and looking things up in it.
 *
 * In: values and places from the emitter or the reader.  Out: arena-owned
 * CfnNodes.  Holds: an object's keys are distinct and ordered as set;
 * lookups scan small objects and use a StrMap, made when an object grows
 * past CFN_SCAN_MAX pairs, in big ones, so reading or building a template
 * is linear in its size.
 */
#include <stdarg.h>
#include <stdint.h>
#include <string.h>

#include "cfn.h"

static CfnNode *node(Arena *a, CfnKind kind, Loc loc)
{
    CfnNode *n = arena_alloc(a, sizeof *n);
    n->kind = kind;
    n->loc = loc;
    return n;
}

CfnNode *cfn_null(Arena *a, Loc loc)
{
    return node(a, CFN_NULL, loc);
}

CfnNode *cfn_bool(Arena *a, Loc loc, bool b)
{
    CfnNode *n = node(a, CFN_BOOL, loc);
    n->boolean = b;
    return n;
}

CfnNode *cfn_num(Arena *a, Loc loc, long long v)
{
    CfnNode *n = node(a, CFN_NUMBER, loc);
    n->text = arena_printf(a, "%lld", v);
    return n;
}

CfnNode *cfn_num_text(Arena *a, Loc loc, const char *text)
{
    CfnNode *n = node(a, CFN_NUMBER, loc);
    n->text = arena_strdup(a, text);
    return n;
}

CfnNode *cfn_str(Arena *a, Loc loc, const char *s)
{
    CfnNode *n = node(a, CFN_STRING, loc);
    n->text = arena_strdup(a, s);
    return n;
}

CfnNode *cfn_arr(Arena *a, Loc loc)
{
    return node(a, CFN_ARRAY, loc);
}

CfnNode *cfn_obj(Arena *a, Loc loc)
{
    return node(a, CFN_OBJECT, loc);
}

/* Grow an array of elem-sized slots to hold one more (old blocks stay in
 * the arena until it goes, as with PtrVec). */
static void *grow(Arena *a, void *items, int len, int *cap, size_t elem)
{
    if (len < *cap)
        return items;
    int ncap = *cap ? *cap * 2 : 4;
    void *p = arena_alloc(a, elem * (size_t)ncap);
    if (len)
        memcpy(p, items, elem * (size_t)len);
    *cap = ncap;
    return p;
}

void cfn_arr_push(Arena *a, CfnNode *arr, CfnNode *item)
{
    arr->items = grow(a, arr->items, arr->len, &arr->cap, sizeof *arr->items);
    arr->items[arr->len++] = item;
}

CfnPair *cfn_obj_pair(const CfnNode *obj, const char *key)
{
    if (!obj || obj->kind != CFN_OBJECT)
        return NULL;
    if (obj->index) {
        uintptr_t i = (uintptr_t)strmap_get(obj->index, key);
        return i ? &obj->pairs[i - 1] : NULL;
    }
    for (int i = 0; i < obj->len; i++)
        if (strcmp(obj->pairs[i].key, key) == 0)
            return &obj->pairs[i];
    return NULL;
}

CfnNode *cfn_obj_get(const CfnNode *obj, const char *key)
{
    CfnPair *p = cfn_obj_pair(obj, key);
    return p ? p->value : NULL;
}

CfnPair *cfn_obj_set(Arena *a, CfnNode *obj, const char *key, Loc key_loc,
                     CfnNode *value)
{
    CfnPair *old = cfn_obj_pair(obj, key);
    if (old)
        return old;
    obj->pairs = grow(a, obj->pairs, obj->len, &obj->cap, sizeof *obj->pairs);
    CfnPair *p = &obj->pairs[obj->len++];
    p->key = arena_strdup(a, key);
    p->key_loc = key_loc;
    p->value = value;
    if (obj->index) {
        strmap_put(a, obj->index, p->key, (void *)(uintptr_t)obj->len);
    } else if (obj->len > CFN_SCAN_MAX) {
        obj->index = arena_alloc(a, sizeof *obj->index);
        for (int i = 0; i < obj->len; i++)
            strmap_put(a, obj->index, obj->pairs[i].key,
                       (void *)(uintptr_t)(i + 1));
    }
    return NULL;
}

static CfnNode *cfn_call(Arena *a, Loc loc, const char *name, CfnNode *arg)
{
    CfnNode *o = cfn_obj(a, loc);
    cfn_obj_set(a, o, name, loc, arg);
    return o;
}

CfnNode *cfn_ref(Arena *a, Loc loc, const char *logical)
{
    return cfn_call(a, loc, "Ref", cfn_str(a, loc, logical));
}

CfnNode *cfn_getatt(Arena *a, Loc loc, const char *logical,
                         const char *attr)
{
    CfnNode *arr = cfn_arr(a, loc);
    cfn_arr_push(a, arr, cfn_str(a, loc, logical));
    cfn_arr_push(a, arr, cfn_str(a, loc, attr));
    return cfn_call(a, loc, "Fn::GetAtt", arr);
}

CfnNode *cfn_sub(Arena *a, Loc loc, const char *fmt)
{
    return cfn_call(a, loc, "Fn::Sub", cfn_str(a, loc, fmt));
}

const char *cfn_intrinsic_name(const CfnNode *n)
{
    if (!n || n->kind != CFN_OBJECT || n->len != 1)
        return NULL;
    const char *k = n->pairs[0].key;
    if (strcmp(k, "Ref") == 0 || strcmp(k, "Condition") == 0 ||
        strncmp(k, "Fn::", 4) == 0)
        return k;
    return NULL;
}

CfnNode *cfn_put(Arena *a, CfnNode *obj, const char *key, CfnNode *value)
{
    cfn_obj_set(a, obj, key, value->loc, value);
    return value;
}

CfnNode *cfn_put_str(Arena *a, CfnNode *obj, const char *key, const char *s)
{
    return cfn_put(a, obj, key, cfn_str(a, obj->loc, s));
}

CfnNode *cfn_put_num(Arena *a, CfnNode *obj, const char *key, long long n)
{
    return cfn_put(a, obj, key, cfn_num(a, obj->loc, n));
}

CfnNode *cfn_put_bool(Arena *a, CfnNode *obj, const char *key, bool b)
{
    return cfn_put(a, obj, key, cfn_bool(a, obj->loc, b));
}

CfnNode *cfn_put_obj(Arena *a, CfnNode *obj, const char *key)
{
    return cfn_put(a, obj, key, cfn_obj(a, obj->loc));
}

CfnNode *cfn_put_arr(Arena *a, CfnNode *obj, const char *key)
{
    return cfn_put(a, obj, key, cfn_arr(a, obj->loc));
}

CfnNode *cfn_strings(Arena *a, Loc loc, int n, ...)
{
    CfnNode *arr = cfn_arr(a, loc);
    va_list ap;
    va_start(ap, n);
    for (int i = 0; i < n; i++)
        cfn_arr_push(a, arr, cfn_str(a, loc, va_arg(ap, const char *)));
    va_end(ap);
    return arr;
}
