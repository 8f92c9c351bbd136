/*
 * schema_check.c: resources checked against the CloudFormation resource
 * schemas (schema.h), for `hitc lint` and for `include` fragments.
 *
 * In: a resource's located tree (its Type and Properties), or an
 * attribute that an Fn::GetAtt or a ${NAME.ATTR} reads.  Out: diagnostics
 * at the place in the template:
 *
 *   E0723 a type CloudFormation does not have (closest spelling); a SAM
 *         type without the SAM transform; W0728 a third-party type (a
 *         registry extension hitc cannot check);
 *   E0724 a property the type (or a nested object of it) does not take;
 *   E0725 a required property left out;
 *   E0726 a literal value of the wrong JSON type;
 *   E0727 an attribute Fn::GetAtt does not take on the type (schema_attrs.c);
 *   E0730 a literal string that the property's enum does not list.
 *
 * Holds: only what is written is judged.  A value made by an intrinsic
 * function is not (Fn::If is looked into: both branches); an object with
 * an Fn::Transform or Fn::ForEach key is not.  A required property given
 * as AWS::NoValue, or by an Fn::If with an AWS::NoValue branch under
 * another condition than the resource's own, is missing.  Types follow
 * cfn-lint's lenient reading, as CloudFormation converts scalars: a string
 * stands for a number, an integer or a boolean when it reads as one
 * ("12", " 3 ", "true"; Python's float() and int() are the measure); a
 * number or a boolean stands for a string; any number for an integer (1.5
 * passes, as in cfn-lint).  null is never judged.  Custom::NAME is
 * AWS::CloudFormation::CustomResource (ServiceToken required, any other
 * property), and a ::MODULE type takes anything, as in cfn-lint.
 * Suggestions are computed only for findings that will be shown.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lint.h"
#include "schema.h"

/* ---- where in the resource: a path printed only when reported ------- */

typedef struct Path {
    const struct Path *up;
    const char *key;        /* a property, or NULL for an item */
    int index;
} Path;

typedef struct Check {
    Ctx *ctx;
    const char *id;         /* the resource's logical ID */
    const char *type;
    const char *condition;  /* the resource's Condition, or NULL */
} Check;

static void path_render(Buf *b, const Path *p, bool brackets)
{
    if (!p)
        return;
    path_render(b, p->up, brackets);
    if (p->key)
        buf_printf(b, "%s%s", p->up ? "." : "", p->key);
    else if (brackets)
        buf_printf(b, "[%d]", p->index);
}

static const char *path_text(Arena *a, const Path *p, bool brackets)
{
    Buf b = {0};
    path_render(&b, p, brackets);
    const char *s = arena_strdup(a, b.data ? b.data : "");
    buf_free(&b);
    return s;
}

/* "resource 'Q' (AWS::SQS::Queue)" or "'Tags[0]' of resource ..." */
static const char *where(const Check *c, const Path *p)
{
    if (!p)
        return arena_printf(c->ctx->arena, "resource '%s' (%s)", c->id,
                            c->type);
    return arena_printf(c->ctx->arena, "'%s' of resource '%s' (%s)",
                        path_text(c->ctx->arena, p, true), c->id, c->type);
}

/* ---- JSON types, read as cfn-lint reads them ------------------------ */

static const char *const type_names[] = {
    "a string", "a number", "an integer", "a boolean", "a list",
    "a mapping", "null",
};

static const char *types_text(Arena *a, unsigned bits)
{
    Buf b = {0};
    int n = 0;
    for (int i = 0; i < 7; i++) {
        if (!(bits & (1u << i)))
            continue;
        /* an integer is a number too: name the wider one only */
        if ((1u << i) == SCHEMA_T_INTEGER && (bits & SCHEMA_T_NUMBER))
            continue;
        buf_printf(&b, "%s%s", n ? " or " : "", type_names[i]);
        n++;
    }
    const char *s = arena_strdup(a, b.data ? b.data : "");
    buf_free(&b);
    return s;
}

/* Python's float() and int() on a string, which cfn-lint uses: blanks
 * around, '_' between digits; float() also takes inf and nan. */
static const char *trimmed(Arena *a, const char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    char *t = arena_alloc(a, n + 1);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '_' && i > 0 && i + 1 < n &&
            isdigit((unsigned char)s[i - 1]) && isdigit((unsigned char)s[i + 1]))
            continue;
        t[k++] = s[i];
    }
    t[k] = '\0';
    return t;
}

static bool reads_as_number(Arena *a, const char *s)
{
    const char *t = trimmed(a, s);
    if (!*t)
        return false;
    char *end;
    errno = 0;
    (void)strtod(t, &end);
    return *end == '\0';
}

static bool reads_as_integer(Arena *a, const char *s)
{
    const char *t = trimmed(a, s);
    if (*t == '+' || *t == '-')
        t++;
    if (!*t)
        return false;
    for (; *t; t++)
        if (!isdigit((unsigned char)*t))
            return false;
    return true;
}

static bool is_boolean_text(const char *s)
{
    static const char *const words[] = {"true", "True", "TRUE", "false",
                                        "False", "FALSE"};
    for (int i = 0; i < 6; i++)
        if (strcmp(s, words[i]) == 0)
            return true;
    return false;
}

static bool type_ok(Arena *a, unsigned bits, const CfnNode *v)
{
    if (!bits || v->kind == CFN_NULL)
        return true;
    switch (v->kind) {
    case CFN_OBJECT:
        return bits & SCHEMA_T_OBJECT;
    case CFN_ARRAY:
        return bits & SCHEMA_T_ARRAY;
    case CFN_STRING:
        return (bits & SCHEMA_T_STRING) ||
               ((bits & SCHEMA_T_NUMBER) && reads_as_number(a, v->text)) ||
               ((bits & SCHEMA_T_INTEGER) && reads_as_integer(a, v->text)) ||
               ((bits & SCHEMA_T_BOOLEAN) && is_boolean_text(v->text));
    case CFN_NUMBER:
        return bits & (SCHEMA_T_STRING | SCHEMA_T_NUMBER | SCHEMA_T_INTEGER);
    case CFN_BOOL:
        return bits & (SCHEMA_T_STRING | SCHEMA_T_BOOLEAN);
    default:
        return true;
    }
}

static const char *value_text(Arena *a, const CfnNode *v)
{
    switch (v->kind) {
    case CFN_STRING:
        if (strlen(v->text) > 40)
            return arena_printf(a, "the string '%.37s...'", v->text);
        return arena_printf(a, "the string '%s'", v->text);
    case CFN_NUMBER:
        return arena_printf(a, "the number %s", v->text);
    case CFN_BOOL:
        return v->boolean ? "the boolean true" : "the boolean false";
    case CFN_ARRAY:
        return "a list";
    case CFN_OBJECT:
        return "a mapping";
    default:
        return "null";
    }
}

/* ---- properties ------------------------------------------------------ */

static void check_object(const Check *c, const SchemaShape *s,
                         const CfnNode *obj, const Path *p, Loc at);

static bool is_novalue(const CfnNode *v)
{
    const CfnNode *r = cfn_intrinsic_name(v) ? cfn_obj_get(v, "Ref") : NULL;
    return r && r->kind == CFN_STRING && strcmp(r->text, "AWS::NoValue") == 0;
}

/* The branches of {"Fn::If": [COND, A, B]}, or NULL. */
static const CfnNode *if_args(const CfnNode *v)
{
    const CfnNode *arg = cfn_intrinsic_name(v) ? cfn_obj_get(v, "Fn::If") : NULL;
    return arg && arg->kind == CFN_ARRAY && arg->len == 3 ? arg : NULL;
}

static void wrong_type(const Check *c, unsigned bits, const CfnNode *v,
                       const Path *p, Loc at, bool items)
{
    if (v->kind == CFN_STRING &&
        schema_packaged_path(c->type, path_text(c->ctx->arena, p, false)))
        return;     /* a local path that `aws cloudformation package` fills */
    diag(c->ctx, D_LINT_PROPERTY_TYPE, at, "%s takes %s%s; this is %s",
         where(c, p), items ? "items that are " : "",
         types_text(c->ctx->arena, bits), value_text(c->ctx->arena, v));
}

static void not_in_enum(const Check *c, const SchemaProp *prop,
                        const CfnNode *v, const Path *p)
{
    const SchemaEnum *en = &schema_enums[prop->enumset];
    Arena *a = c->ctx->arena;
    const char **names = arena_alloc(a, sizeof *names * en->n);
    Buf b = {0};
    for (uint32_t i = 0; i < en->n; i++) {
        names[i] = schema_str(schema_enum_values[en->values + i]);
        if (i < 8)
            buf_printf(&b, "%s'%s'", i ? ", " : "", names[i]);
    }
    const char *dym = en->n > 1 && diag_wanted(c->ctx, v->loc)
        ? did_you_mean(c->ctx, v->text, names, (int)en->n, NULL) : "";
    diag(c->ctx, D_LINT_ENUM, v->loc, "%s takes %s%s%s; '%s' is not one%s",
         where(c, p), en->n == 1 ? "only " : "one of ", b.data,
         en->n > 8 ? ", ..." : "", v->text, dym);
    buf_free(&b);
}

/* A value of prop, at key (its key's place, or an item's own).  Values made
 * by functions are not judged, but both branches of an Fn::If are. */
static void check_value(const Check *c, const SchemaProp *prop,
                        const CfnNode *v, const Path *p, Loc key, bool item)
{
    const CfnNode *branches = if_args(v);
    if (branches) {
        for (int i = 1; i < 3; i++)
            check_value(c, prop, branches->items[i], p,
                        branches->items[i]->loc, item);
        return;
    }
    if (cfn_intrinsic_name(v))
        return;
    unsigned bits = item ? prop->items : prop->types;
    /* A scalar is pointed at; a list or a mapping at its key, as
     * cfn-lint does. */
    Loc at = v->kind == CFN_ARRAY || v->kind == CFN_OBJECT ? key : v->loc;
    if (!type_ok(c->ctx->arena, bits, v)) {
        wrong_type(c, bits, v, p, at, item);
        return;
    }
    /* The enum is the value's, or its items' for a list. */
    if (v->kind == CFN_STRING && prop->enumset &&
        item == (prop->types == SCHEMA_T_ARRAY) &&
        !schema_enum_has(prop, v->text))
        not_in_enum(c, prop, v, p);
    bool items_shape = prop->flags & SCHEMA_P_ITEMS_SHAPE;
    if (v->kind == CFN_OBJECT && prop->shape && item == items_shape) {
        check_object(c, schema_prop_shape(prop), v, p, key);
    } else if (v->kind == CFN_ARRAY && !item &&
               (prop->items || items_shape)) {
        for (int i = 0; i < v->len; i++) {
            Path sub = {p, NULL, i};
            check_value(c, prop, v->items[i], &sub, v->items[i]->loc, true);
        }
    }
}

/* Fn::Transform (AWS::Include) and Fn::ForEach make keys lint cannot see. */
static bool makes_keys(const CfnNode *obj)
{
    for (int i = 0; i < obj->len; i++)
        if (strcmp(obj->pairs[i].key, "Fn::Transform") == 0 ||
            strncmp(obj->pairs[i].key, "Fn::ForEach::", 13) == 0)
            return true;
    return false;
}

static void unknown_property(const Check *c, const SchemaShape *s,
                             const CfnPair *pair, const Path *p)
{
    const char *dym = "";
    if (diag_wanted(c->ctx, pair->key_loc)) {
        const char **names = arena_alloc(c->ctx->arena,
                                         sizeof *names * (s->nprops + 1));
        int n = schema_prop_names(s, names);
        dym = did_you_mean(c->ctx, pair->key, names, n, NULL);
    }
    diag(c->ctx, D_LINT_UNKNOWN_PROPERTY, pair->key_loc,
         "%s has no property '%s'%s", where(c, p), pair->key, dym);
}

/* Is name given in obj?  A value of AWS::NoValue is no value; an Fn::If
 * with an AWS::NoValue branch gives none when its condition goes that way
 * (unless it is the resource's own condition, which holds), and *cond
 * names it. */
static bool given(const Check *c, const CfnNode *obj, const char *name,
                  const char **cond)
{
    const CfnNode *v = cfn_obj_get(obj, name);
    *cond = NULL;
    if (!v || is_novalue(v))
        return false;
    const CfnNode *branches = if_args(v);
    if (branches && branches->items[0]->kind == CFN_STRING &&
        (is_novalue(branches->items[1]) || is_novalue(branches->items[2])) &&
        !(c->condition && strcmp(c->condition, branches->items[0]->text) == 0)) {
        *cond = arena_printf(c->ctx->arena, "'%s' is %s",
                             branches->items[0]->text,
                             is_novalue(branches->items[1]) ? "true" : "false");
        return false;
    }
    return true;
}

static void missing(const Check *c, const Path *p, Loc at, const char *name,
                    const char *cond)
{
    if (cond)
        diag(c->ctx, D_LINT_MISSING_PROPERTY, at,
             "%s lacks the property '%s', which it requires, when condition "
             "%s (its Fn::If gives AWS::NoValue then)", where(c, p), name,
             cond);
    else
        diag(c->ctx, D_LINT_MISSING_PROPERTY, at,
             "%s lacks the property '%s', which it requires", where(c, p),
             name);
}

/* "at least one of": groups split by ';', alternatives by '|', the names
 * of one alternative by ','. */
static void check_groups(const Check *c, const char *groups,
                         const CfnNode *obj, const Path *p, Loc at)
{
    Arena *a = c->ctx->arena;
    for (const char *g = groups; *g;) {
        size_t glen = strcspn(g, ";");
        bool met = false;
        for (const char *alt = g; alt < g + glen && !met;) {
            size_t alen = strcspn(alt, "|;");
            bool all = true;
            for (const char *n = alt; n < alt + alen;) {
                size_t nlen = strcspn(n, ",|;");
                const char *cond;
                all &= given(c, obj, arena_strndup(a, n, nlen), &cond);
                n += nlen + (n[nlen] == ',');
            }
            met = all;
            alt += alen + (alt[alen] == '|');
        }
        if (!met) {
            Buf b = {0};
            const char *alts = arena_strndup(a, g, glen);
            for (const char *q = alts; *q; q++)
                buf_puts(&b, *q == '|' ? "', '" : *q == ',' ? "' and '"
                         : arena_strndup(a, q, 1));
            diag(c->ctx, D_LINT_MISSING_PROPERTY, at,
                 "%s needs one of '%s'", where(c, p), b.data);
            buf_free(&b);
        }
        g += glen + (g[glen] == ';');
    }
}

/* obj against shape s; at is where a missing property is reported (the
 * key of obj, or obj itself in a list). */
static void check_object(const Check *c, const SchemaShape *s,
                         const CfnNode *obj, const Path *p, Loc at)
{
    const CfnNode *branches = if_args(obj);
    if (branches) {
        for (int i = 1; i < 3; i++)
            if (branches->items[i]->kind == CFN_OBJECT)
                check_object(c, s, branches->items[i], p,
                             branches->items[i]->loc);
        return;
    }
    if (!s || obj->kind != CFN_OBJECT || cfn_intrinsic_name(obj) ||
        makes_keys(obj))
        return;
    for (int i = 0; i < obj->len; i++) {
        const CfnPair *pair = &obj->pairs[i];
        const SchemaProp *prop = schema_prop(s, pair->key);
        Path sub = {p, pair->key, 0};
        if (prop)
            check_value(c, prop, pair->value, &sub, pair->key_loc, false);
        else if (s->flags & SCHEMA_CLOSED)
            unknown_property(c, s, pair, p);
    }
    for (uint32_t i = 0; i < s->nprops; i++) {
        const SchemaProp *prop = &schema_props[s->props + i];
        const char *name = schema_str(prop->name), *cond;
        if ((prop->flags & SCHEMA_P_REQUIRED) && !given(c, obj, name, &cond))
            missing(c, p, at, name, cond);
    }
    const char *groups = schema_shape_groups(s);
    if (groups)
        check_groups(c, groups, obj, p, at);
}

/* ---- the resource ---------------------------------------------------- */

static bool starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* NAME::NAME::NAME, as every resource type is written. */
static bool type_shaped(const char *t)
{
    int parts = 0;
    for (const char *p = t;; p += 2) {
        size_t n = strspn(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstu"
                             "vwxyz0123456789");
        if (n == 0)
            return false;
        parts++;
        p += n;
        if (!*p)
            return parts >= 3;
        if (p[0] != ':' || p[1] != ':')
            return false;
    }
}

/* Keep the names that could be close to a word of len bytes: an edit
 * distance is at least the difference in length, and closest() takes at
 * most 3.  Spares the 1,601 types most of the work. */
static int near_in_length(const char **names, int n, size_t len)
{
    int k = 0;
    for (int i = 0; i < n; i++) {
        size_t l = strlen(names[i]);
        if (l + 3 >= len && l <= len + 3)
            names[k++] = names[i];
    }
    return k;
}

static const SchemaType *known_type(Ctx *ctx, const CfnNode *type, bool sam)
{
    const char *t = type->text;
    const SchemaType *st = schema_type(t);
    if (st)
        return st;
    if (starts_with(t, "AWS::Serverless::")) {
        if (!sam)
            diag(ctx, D_LINT_UNKNOWN_TYPE, type->loc,
                 "'%s' is a type of the SAM transform; add 'Transform: "
                 "AWS::Serverless-2016-10-31' at the top of the template",
                 t);
        return NULL;
    }
    const char *guess = NULL;
    if (diag_wanted(ctx, type->loc)) {
        const char **names = arena_alloc(ctx->arena,
                                         sizeof *names * schema_ntypes);
        int n = near_in_length(names, schema_type_names(names), strlen(t));
        guess = closest(t, names, n);
    }
    if (guess)
        diag(ctx, D_LINT_UNKNOWN_TYPE, type->loc,
             "unknown resource type '%s'; did you mean '%s'?", t, guess);
    else if (!type_shaped(t))
        diag(ctx, D_LINT_UNKNOWN_TYPE, type->loc,
             "'%s' is not a resource type, which reads "
             "'AWS::SERVICE::RESOURCE' (such as 'AWS::S3::Bucket')", t);
    else if (starts_with(t, "AWS::") || starts_with(t, "Alexa::"))
        diag(ctx, D_LINT_UNKNOWN_TYPE, type->loc,
             "unknown resource type '%s': not one of the %u types "
             "CloudFormation has (as %s knows them)", t,
             (unsigned)schema_ntypes, schema_version);
    else
        diag(ctx, D_LINT_THIRD_PARTY_TYPE, type->loc,
             "resource type '%s' is not one of CloudFormation's own; if it "
             "is an extension registered in your account, hitc cannot "
             "check its properties", t);
    return NULL;
}

void schema_check_resource(Ctx *ctx, const CfnPair *resource, bool sam)
{
    const CfnNode *res = resource->value;
    const CfnNode *type = res->kind == CFN_OBJECT ? cfn_obj_get(res, "Type")
                                                  : NULL;
    if (!type || type->kind != CFN_STRING)
        return;
    const SchemaType *st = known_type(ctx, type, sam);
    if (!st)
        return;
    const CfnNode *cond = cfn_obj_get(res, "Condition");
    Check c = {ctx, resource->key, type->text,
               cond && cond->kind == CFN_STRING ? cond->text : NULL};
    const CfnPair *props = cfn_obj_pair(res, "Properties");
    const CfnNode *obj = props ? props->value : NULL;
    if (obj && is_novalue(obj)) {
        diag(ctx, D_LINT_PROPERTY_TYPE, obj->loc, "the 'Properties' of %s "
             "must be a mapping; AWS::NoValue stands only for a property's "
             "value (leave 'Properties' out instead)", where(&c, NULL));
        return;
    }
    if (obj && obj->kind != CFN_OBJECT) {
        diag(ctx, D_LINT_PROPERTY_TYPE, obj->loc,
             "the 'Properties' of %s must be a mapping; this is %s",
             where(&c, NULL), value_text(ctx->arena, obj));
        return;
    }
    const SchemaShape *s = schema_type_shape(st);
    if (obj) {
        check_object(&c, s, obj, NULL, props->key_loc);
    } else {
        /* No Properties at all: only the required ones can be missing. */
        CfnNode empty = {.kind = CFN_OBJECT, .loc = resource->key_loc};
        check_object(&c, s, &empty, NULL, resource->key_loc);
    }
}

/* ---- the lint rule --------------------------------------------------- */

static bool has_sam(const CfnNode *root)
{
    const CfnNode *t = cfn_obj_get(root, "Transform");
    int n = !t ? 0 : t->kind == CFN_ARRAY ? t->len : 1;
    for (int i = 0; i < n; i++) {
        const CfnNode *one = t->kind == CFN_ARRAY ? t->items[i] : t;
        if (one->kind == CFN_STRING &&
            strcmp(one->text, "AWS::Serverless-2016-10-31") == 0)
            return true;
    }
    return false;
}

static const char *lint_type_of(void *arg, const char *name)
{
    const Lint *l = arg;
    const CfnNode *r = l->resources ? cfn_obj_get(l->resources, name) : NULL;
    const CfnNode *t = r && r->kind == CFN_OBJECT ? cfn_obj_get(r, "Type") : NULL;
    return t && t->kind == CFN_STRING ? t->text : NULL;
}

/* In a template hitc made, an entry of an included fragment: include.c
 * checked it against the schemas when it read the fragment. */
static bool from_fragment(const Lint *l, const CfnPair *p)
{
    return l->emit && !lint_checked_in_hit(l, p->key_loc);
}

/* The type of a resource hitc made, NULL for a fragment's: when include.c
 * read a fragment it knew its own resources' types, not those of the
 * resources hitc makes (a function's role), so a fragment's GetAtt of one
 * of those is checked here, once the template holds them. */
static const char *made_type_of(void *arg, const char *name)
{
    const Lint *l = arg;
    const CfnPair *p = l->resources ? cfn_obj_pair(l->resources, name) : NULL;
    return p && !from_fragment(l, p) ? lint_type_of(arg, name) : NULL;
}

void lint_rule_schema(Lint *l)
{
    bool sam = has_sam(l->root);
    for (int i = 0; l->resources && i < l->resources->len; i++) {
        const CfnPair *r = &l->resources->pairs[i];
        if (starts_with(r->key, "Fn::ForEach::"))
            continue;
        if (from_fragment(l, r)) {
            schema_check_getatts(l->ctx, r->value, made_type_of, l);
            continue;
        }
        schema_check_resource(l->ctx, r, sam);
        schema_check_getatts(l->ctx, r->value, lint_type_of, l);
    }
    for (int i = 0; l->outputs && i < l->outputs->len; i++)
        schema_check_getatts(l->ctx, l->outputs->pairs[i].value,
                             from_fragment(l, &l->outputs->pairs[i])
                                 ? made_type_of : lint_type_of, l);
}
