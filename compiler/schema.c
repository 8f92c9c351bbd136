/*
 * schema.c: lookups in the CloudFormation resource schemas (schema.h).
 *
 * In: names (a resource type, a property, an attribute).  Out: rows of the
 * generated tables in schema_data.c, or answers about them.  Holds: no
 * state and no allocation; every lookup is a binary search over sorted
 * rows (types by name, a shape's properties by name, an enum's values),
 * except attributes, which are globs and few per type.
 */
#include <string.h>

#include "schema.h"

static const char *type_alias(const char *type)
{
    size_t n = strlen(type);
    if (strncmp(type, "Custom::", 8) == 0)
        return "AWS::CloudFormation::CustomResource";
    if (n > 8 && strcmp(type + n - 8, "::MODULE") == 0)
        return "Module";
    return type;
}

const SchemaType *schema_type(const char *type)
{
    type = type_alias(type);
    uint32_t lo = 0, hi = schema_ntypes;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        int c = strcmp(type, schema_str(schema_types[mid].name));
        if (c == 0)
            return &schema_types[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

const SchemaShape *schema_type_shape(const SchemaType *t)
{
    return t && t->shape ? &schema_shapes[t->shape] : NULL;
}

const SchemaShape *schema_prop_shape(const SchemaProp *p)
{
    return p && p->shape ? &schema_shapes[p->shape] : NULL;
}

const SchemaProp *schema_prop(const SchemaShape *s, const char *name)
{
    if (!s)
        return NULL;
    uint32_t lo = s->props, hi = s->props + s->nprops;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        int c = strcmp(name, schema_str(schema_props[mid].name));
        if (c == 0)
            return &schema_props[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

bool schema_enum_has(const SchemaProp *p, const char *s)
{
    if (!p || !p->enumset)
        return true;
    const SchemaEnum *en = &schema_enums[p->enumset];
    uint32_t lo = en->values, hi = en->values + en->n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        int c = strcmp(s, schema_str(schema_enum_values[mid]));
        if (c == 0)
            return true;
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return false;
}

const char *schema_shape_groups(const SchemaShape *s)
{
    uint32_t id = (uint32_t)(s - schema_shapes);
    uint32_t lo = 0, hi = schema_ngroups;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (schema_groups[mid].shape == id)
            return schema_str(schema_groups[mid].text);
        if (schema_groups[mid].shape < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

bool schema_packaged_path(const char *type, const char *path)
{
    size_t nt = strlen(type);
    for (uint32_t i = 0; i < schema_npackaged; i++) {
        const char *p = schema_str(schema_packaged[i]);
        if (strncmp(p, type, nt) == 0 && p[nt] == '/' &&
            strcmp(p + nt + 1, path) == 0)
            return true;
    }
    return false;
}

/* cfn-lint's attribute patterns are regular expressions matched whole, of
 * which the schemas use '.' (any character) and '.*' (any run), written
 * here as '.' and '*'. */
static bool glob(const char *p, const char *s)
{
    const char *star = NULL, *retry = NULL;
    while (*s) {
        if (*p == '*') {
            star = ++p;
            retry = s;
        } else if (*p && (*p == '.' || *p == *s)) {
            p++;
            s++;
        } else if (star) {
            p = star;
            s = ++retry;
        } else {
            return false;
        }
    }
    while (*p == '*')
        p++;
    return !*p;
}

bool schema_has_attr(const SchemaType *t, const char *attr)
{
    for (uint32_t i = 0; i < t->nattrs; i++)
        if (glob(schema_str(schema_attrs[t->attrs + i]), attr))
            return true;
    return false;
}

int schema_type_names(const char **out)
{
    for (uint32_t i = 0; i < schema_ntypes; i++)
        out[i] = schema_str(schema_types[i].name);
    return (int)schema_ntypes;
}

int schema_prop_names(const SchemaShape *s, const char **out)
{
    for (uint32_t i = 0; i < s->nprops; i++)
        out[i] = schema_str(schema_props[s->props + i].name);
    return (int)s->nprops;
}

int schema_attr_names(const SchemaType *t, const char **out)
{
    for (uint32_t i = 0; i < t->nattrs; i++)
        out[i] = schema_str(schema_attrs[t->attrs + i]);
    return (int)t->nattrs;
}

/* Is path at or under the dotted createOnly path c?  A '*' segment of c
 * (an array's items) matches any one segment. */
static bool under(const char *c, const char *path)
{
    while (*c) {
        size_t nc = strcspn(c, "."), np = strcspn(path, ".");
        if (!(nc == 1 && *c == '*') && (nc != np || memcmp(c, path, nc) != 0))
            return false;
        c += nc;
        path += np;
        if (*c == '.')
            c++;
        if (!*c)
            return *path == '\0' || *path == '.';
        if (*path != '.')
            return false;
        path++;
    }
    return true;
}

static bool create_only(const char *type, const char *prop, bool conditional)
{
    const SchemaType *t = schema_type(type);
    for (uint32_t i = 0; t && i < t->ncreates; i++) {
        uint32_t c = schema_creates[t->creates + i];
        if ((conditional || !(c & SCHEMA_CONDITIONAL)) &&
            under(schema_str(c), prop))
            return true;
    }
    return false;
}

bool schema_create_only(const char *type, const char *prop)
{
    return create_only(type, prop, false);
}

bool schema_maybe_create_only(const char *type, const char *prop)
{
    return create_only(type, prop, true);
}

bool schema_stateful(const char *type)
{
    const SchemaType *t = schema_type(type);
    return t && (t->flags & SCHEMA_STATEFUL);
}
