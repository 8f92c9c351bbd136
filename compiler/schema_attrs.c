/*
 * schema_attrs.c: the attributes that Fn::GetAtt and ${NAME.ATTR} read,
 * checked against the resource schemas (schema.h): E0727 in `hitc lint`
 * and in `include` fragments, E0402 for cfn.ID.ATTR in a .hit file.
 *
 * In: a resource's logical ID, type and the attribute named, or a whole
 * tree whose every GetAtt and ${ID.ATTR} is to be checked (with a function
 * that gives a logical ID's type).  Out: a diagnostic at the attribute's
 * own bytes when they stand in the file as written, with the closest name
 * or the type's attributes.
 * Holds: a type the schemas do not have is not judged here (E0723 is
 * schema_check.c's); suggestions are computed only when shown.
 */
#include <string.h>

#include "lint.h"
#include "schema.h"

/* ---- attributes ------------------------------------------------------ */

static void schema_check_attr(Ctx *ctx, const char *id, const char *type,
                              const char *attr, Loc loc)
{
    schema_attr_known(ctx, D_LINT_UNKNOWN_ATTRIBUTE, id, type, attr, loc);
}

bool schema_attr_known(Ctx *ctx, DiagCode code, const char *id,
                       const char *type, const char *attr, Loc loc)
{
    const SchemaType *st = schema_type(type);
    if (!st || schema_has_attr(st, attr))
        return true;
    if (st->nattrs == 0) {
        diag(ctx, code, loc,
             "resource '%s' (%s) has no attributes for Fn::GetAtt; use Ref",
             id, type);
        return false;
    }
    if (!diag_wanted(ctx, loc)) {
        diag(ctx, code, loc, "resource '%s' (%s) has no attribute '%s'", id,
             type, attr);
        return false;
    }
    const char **names = arena_alloc(ctx->arena, sizeof *names * st->nattrs);
    int n = schema_attr_names(st, names);
    const char *guess = closest(attr, names, n);
    if (guess) {
        diag(ctx, code, loc,
             "resource '%s' (%s) has no attribute '%s'; did you mean '%s'?",
             id, type, attr, guess);
        return false;
    }
    Buf b = {0};
    for (int i = 0; i < n && i < 8; i++)
        buf_printf(&b, "%s'%s'", i ? ", " : "", names[i]);
    diag(ctx, code, loc,
         "resource '%s' (%s) has no attribute '%s'; it has %s%s", id, type,
         attr, b.data, n > 8 ? ", ..." : "");
    buf_free(&b);
    return false;
}

/* ---- attributes named anywhere in a tree ------------------------------ */

/* The place of the n bytes at byte off of string node s's text, when the
 * text stands in the file as it is (a plain or quoted scalar without
 * escapes); else the node's own place. */
static Loc part_loc(const CfnNode *s, size_t off, size_t n)
{
    const Source *src = s->loc.src;
    size_t len = strlen(s->text);
    if (!src)
        return s->loc;
    const char *at = src->text + s->loc.off;
    size_t q = (s->loc.len == len + 2 && (*at == '"' || *at == '\'')) ? 1 : 0;
    if (s->loc.len != len + 2 * q || memcmp(at + q, s->text, len) != 0)
        return s->loc;
    return (Loc){src, s->loc.off + (uint32_t)(q + off), (uint32_t)n};
}

/* The place of "${NAME.ATTR" 's ATTR in the string node s (its text as
 * written), or the node's own place. */
/* The place of "${NAME.ATTR}"'s ATTR in the string node s (its text as
 * written), searched from *from (an offset into the node's text, moved past
 * what is found, so that the variables of one string cost one pass over
 * it); the node's own place when it cannot be found. */
static Loc sub_attr_loc(const CfnNode *s, const char *var, size_t dot,
                        size_t *from)
{
    const Source *src = s->loc.src;
    size_t vlen = strlen(var);
    if (src && s->loc.len > vlen + 2) {
        const char *start = src->text + s->loc.off;
        const char *end = start + s->loc.len;
        for (const char *q = start + *from; q + vlen + 3 <= end; q++)
            if (q[0] == '$' && q[1] == '{' && memcmp(q + 2, var, vlen) == 0 &&
                q[2 + vlen] == '}') {
                *from = (size_t)(q + vlen + 3 - start);
                return (Loc){src, (uint32_t)(q + 2 + dot + 1 - src->text),
                             (uint32_t)(vlen - dot - 1)};
            }
    }
    return s->loc;
}

static void sub_attrs(Ctx *ctx, const CfnNode *str, const CfnNode *vars,
                      SchemaTypeOf type_of, void *arg)
{
    const char *t = str->text;
    size_t from = 0;
    for (const char *q = strstr(t, "${"); q; q = strstr(q, "${")) {
        const char *b = q + 2, *e = strchr(b, '}');
        if (!e)
            return;
        q = e + 1;
        if (*b == '!')
            continue;
        const char *dot = memchr(b, '.', (size_t)(e - b));
        if (!dot || dot == b || dot + 1 == e)
            continue;
        char *var = arena_strndup(ctx->arena, b, (size_t)(e - b));
        if (vars && vars->kind == CFN_OBJECT && cfn_obj_get(vars, var))
            continue;
        char *name = arena_strndup(ctx->arena, b, (size_t)(dot - b));
        const char *type = type_of(arg, name);
        const SchemaType *st = type ? schema_type(type) : NULL;
        const char *attr = var + (dot - b) + 1;
        if (st && !schema_has_attr(st, attr))
            schema_check_attr(ctx, name, type, attr,
                              sub_attr_loc(str, var, (size_t)(dot - b), &from));
    }
}

void schema_check_getatts(Ctx *ctx, const CfnNode *n, SchemaTypeOf type_of,
                          void *arg)
{
    if (n->kind == CFN_ARRAY) {
        for (int i = 0; i < n->len; i++)
            schema_check_getatts(ctx, n->items[i], type_of, arg);
        return;
    }
    if (n->kind != CFN_OBJECT)
        return;
    const char *f = cfn_intrinsic_name(n);
    const CfnNode *v = f ? n->pairs[0].value : NULL;
    if (f && strcmp(f, "Fn::GetAtt") == 0) {
        const char *name = NULL, *attr = NULL;
        Loc at = v->loc;
        if (v->kind == CFN_STRING && strchr(v->text, '.')) {
            const char *dot = strchr(v->text, '.');
            name = arena_strndup(ctx->arena, v->text, (size_t)(dot - v->text));
            attr = dot + 1;
            at = part_loc(v, (size_t)(dot + 1 - v->text), strlen(attr));
        } else if (v->kind == CFN_ARRAY && v->len == 2 &&
                   v->items[0]->kind == CFN_STRING &&
                   v->items[1]->kind == CFN_STRING) {
            name = v->items[0]->text;
            attr = v->items[1]->text;
            at = v->items[1]->loc;
        }
        const char *type = name && attr[0] ? type_of(arg, name) : NULL;
        if (type)
            schema_check_attr(ctx, name, type, attr, at);
        return;
    }
    if (f && strcmp(f, "Fn::Sub") == 0) {
        if (v->kind == CFN_STRING) {
            sub_attrs(ctx, v, NULL, type_of, arg);
        } else if (v->kind == CFN_ARRAY && v->len == 2) {
            if (v->items[0]->kind == CFN_STRING)
                sub_attrs(ctx, v->items[0], v->items[1], type_of, arg);
            schema_check_getatts(ctx, v->items[1], type_of, arg);
        }
        return;
    }
    for (int i = 0; i < n->len; i++)
        schema_check_getatts(ctx, n->pairs[i].value, type_of, arg);
}
