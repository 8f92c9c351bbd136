/*
 * lint.c: the driver of `hitc lint`, and of the same rules in `hitc build`
 * and `hitc check`.
 *
 * In: a template path (lint_template), or the template build and check
 * made (lint_emitted, Lint.emit set).  Out: diagnostics in the Ctx.
 *
 *   read (cfn_read) -> sections and transforms -> one walk that checks
 *   every intrinsic function's name and shape and collects every
 *   reference -> the rules, in the order of the table below.
 *
 * Adding a rule: write `void lint_rule_x(Lint *l)` (lint_rules.c), declare
 * it in lint.h, add a row here and a DiagCode with its row in diag.c.
 */
#include <string.h>

#include "lint.h"

static const struct {
    const char *name;
    void (*run)(Lint *l);
} rules[] = {
    {"structure", lint_rule_structure},
    {"references", lint_rule_references},
    {"cycles", lint_rule_cycles},
    {"condition-cycles", lint_rule_condition_cycles},
    {"conditional-dependson", lint_rule_conditional_dependson},
    {"quotas", lint_rule_quotas},
    {"logical-ids", lint_rule_logical_ids},
    {"name-clash", lint_rule_name_clash},
    {"iam", lint_rule_iam},
    {"stateful", lint_rule_stateful},
    {"runtimes", lint_rule_runtimes},
    {"unused", lint_rule_unused},
    {"schema", lint_rule_schema},
};

/* ---- the walk: intrinsic functions and references -------------------- */

typedef struct Walk {
    LintSection sec;
    const char *owner;
    const CfnNode *locals;      /* the map of a two-argument Fn::Sub */
} Walk;


static void walk(Lint *l, const CfnNode *n, const Walk *w);

static void use(Lint *l, LintUseKind kind, const char *name, const char *attr,
                Loc loc, const Walk *w)
{
    LintUse *u = arena_alloc(l->ctx->arena, sizeof *u);
    u->kind = kind;
    u->name = name;
    u->attr = attr;
    u->loc = loc;
    u->section = w->sec;
    u->owner = w->owner;
    vec_push(l->ctx->arena, &l->uses, u);
}

static bool is_fn(const CfnNode *n)
{
    return n && n->kind == CFN_OBJECT && cfn_intrinsic_name(n);
}

static bool is_str_or_fn(const CfnNode *n)
{
    return n->kind == CFN_STRING || is_fn(n);
}

static bool is_list_or_fn(const CfnNode *n)
{
    return n->kind == CFN_ARRAY || is_fn(n);
}

static const char *kind_name(const CfnNode *n)
{
    static const char *const names[] = {"null", "a boolean", "a number",
                                        "a string", "a list", "a mapping"};
    return names[n->kind];
}

static void bad_shape(Lint *l, const char *fn, const CfnNode *v,
                      const char *want)
{
    diag(l->ctx, D_LINT_FN_SHAPE, l->fn_at, "'%s' takes %s; this is %s", fn,
         want, kind_name(v));
}

/* An array of n items (min..max), else report. */
static bool want_list(Lint *l, const char *fn, const CfnNode *v, int min,
                      int max, const char *want)
{
    if (v->kind != CFN_ARRAY || v->len < min || v->len > max) {
        if (v->kind == CFN_ARRAY)
            diag(l->ctx, D_LINT_FN_SHAPE, l->fn_at,
                 "'%s' takes %s; this list has %d item%s", fn, want, v->len,
                 v->len == 1 ? "" : "s");
        else
            bad_shape(l, fn, v, want);
        return false;
    }
    return true;
}

/* The place of `${var` inside the string node s, looked for from *from
 * on (the text after the variable before it), or s's own place.  Each
 * variable is found after the one before, so a string is read once
 * however many variables it has; a variable not written as it reads (a
 * JSON escape in it, blanks inside the braces) costs a reading of the
 * rest, and after SUB_MISSES of those every other gets s's place. */
#define SUB_MISSES 16

static Loc sub_var_loc(const CfnNode *s, const char *var, size_t *from,
                       int *misses)
{
    const Source *src = s->loc.src;
    size_t vlen = strlen(var);
    if (src && s->loc.len > vlen && *misses < SUB_MISSES) {
        const char *end = src->text + s->loc.off + s->loc.len;
        for (const char *p = src->text + s->loc.off + *from; p + vlen + 2 <= end; p++)
            if (p[0] == '$' && p[1] == '{' && memcmp(p + 2, var, vlen) == 0 &&
                p + 2 + vlen < end && p[2 + vlen] == '}') {
                *from = (size_t)(p + 3 + vlen - (src->text + s->loc.off));
                return (Loc){src, (uint32_t)(p + 2 - src->text), (uint32_t)vlen};
            }
        ++*misses;
    }
    return s->loc;
}

/* Plain loops, not strstr and strchr: a sanitizer's versions of those
 * measure the whole rest of the string at every call, which would make a
 * string of many variables quadratic under ASan. */
static const char *find_open(const char *p)
{
    for (; *p; p++)
        if (p[0] == '$' && p[1] == '{')
            return p;
    return NULL;
}

static const char *find_close(const char *p)
{
    for (; *p; p++)
        if (*p == '}')
            return p;
    return NULL;
}

const char *sub_next_var(const char *p, const char **b, const char **end)
{
    for (p = find_open(p); p; p = find_open(p)) {
        const char *close = find_close(p + 2);
        if (!close)
            return NULL;
        *b = p + 2;
        *end = close;
        p = close + 1;
        if (**b == '!')
            continue;
        while (*b < *end && **b == ' ')
            ++*b;
        while (*end > *b && (*end)[-1] == ' ')
            --*end;
        if (*b < *end)
            return p;
    }
    return NULL;
}

/* The ${variables} of an Fn::Sub string; ${!Literal} is text.  A use
 * on another line than the function (a block string) carries the
 * function's place too, for a note. */
static void sub_vars(Lint *l, const CfnNode *s, const Walk *w)
{
    Loc at = l->fn_at;
    const char *t = s->text;
    size_t from = 0;
    int misses = 0;
    const char *b, *e;
    for (const char *p = sub_next_var(t, &b, &e); p; p = sub_next_var(p, &b, &e)) {
        char *var = arena_strndup(l->ctx->arena, b, (size_t)(e - b));
        if (w->locals && cfn_obj_get(w->locals, var))
            continue;
        char *dot = strchr(var, '.');
        const char *attr = NULL;
        Loc loc = sub_var_loc(s, var, &from, &misses);
        if (dot) {
            *dot = '\0';
            attr = dot + 1;
            if (w->locals && cfn_obj_get(w->locals, var))
                continue;
        }
        use(l, LU_SUB, var, attr, loc, w);
        ((LintUse *)l->uses.items[l->uses.len - 1])->fn_loc = at;
    }
}

static void fn_sub(Lint *l, const char *fn, const CfnNode *v, const Walk *w)
{
    Loc at = l->fn_at;
    if (v->kind == CFN_STRING) {
        sub_vars(l, v, w);
        return;
    }
    if (v->kind != CFN_ARRAY || v->len != 2 || !is_str_or_fn(v->items[0]) ||
        v->items[1]->kind != CFN_OBJECT) {
        if (v->kind == CFN_ARRAY && v->len == 2)
            diag(l->ctx, D_LINT_FN_SHAPE, l->fn_at,
                 "'%s' takes a string or [STRING, {VARIABLE: VALUE}]; the "
                 "second item here is %s", fn, kind_name(v->items[1]));
        else
            want_list(l, fn, v, 2, 2, "a string or [STRING, {VARIABLE: VALUE}]");
        walk(l, v, w);
        return;
    }
    const CfnNode *map = v->items[1];
    walk(l, map, w);
    Walk inner = *w;
    inner.locals = map;
    l->fn_at = at;
    if (v->items[0]->kind == CFN_STRING)
        sub_vars(l, v->items[0], &inner);
    else
        walk(l, v->items[0], w);
}

static void fn_getatt(Lint *l, const char *fn, const CfnNode *v, const Walk *w)
{
    const char *want = "[RESOURCE, ATTRIBUTE] or \"RESOURCE.ATTRIBUTE\"";
    if (v->kind == CFN_STRING) {
        const char *dot = strchr(v->text, '.');
        if (!dot || dot == v->text || !dot[1]) {
            /* The reader has reported a short form '!GetAtt x' already. */
            if (l->fn_at.src && l->fn_at.src->text[l->fn_at.off] == '!')
                return;
            diag(l->ctx, D_LINT_FN_SHAPE, l->fn_at,
                 "'%s' takes %s; '%s' has no attribute", fn, want, v->text);
            return;
        }
        use(l, LU_GETATT,
            arena_strndup(l->ctx->arena, v->text, (size_t)(dot - v->text)),
            dot + 1, v->loc, w);
        return;
    }
    if (!want_list(l, fn, v, 2, 2, want)) {
        walk(l, v, w);
        return;
    }
    const CfnNode *res = v->items[0], *attr = v->items[1];
    if (res->kind != CFN_STRING && !(l->lang_ext && is_fn(res))) {
        diag(l->ctx, D_LINT_FN_SHAPE, res->loc,
             "'%s' takes %s; the resource here is %s", fn, want,
             kind_name(res));
    } else if (res->kind == CFN_STRING) {
        use(l, LU_GETATT, res->text,
            attr->kind == CFN_STRING ? attr->text : NULL, res->loc, w);
    }
    if (!is_str_or_fn(attr))
        diag(l->ctx, D_LINT_FN_SHAPE, attr->loc,
             "'%s' takes %s; the attribute here is %s", fn, want,
             kind_name(attr));
    walk(l, v, w);
}

static void fn_findinmap(Lint *l, const char *fn, const CfnNode *v,
                         const Walk *w)
{
    int max = l->lang_ext ? 4 : 3;
    if (want_list(l, fn, v, 3, max,
                  l->lang_ext ? "[MAP, TOP_KEY, SECOND_KEY] and an optional "
                                "{DefaultValue: VALUE}"
                              : "[MAP, TOP_KEY, SECOND_KEY]")) {
        const CfnNode *map = v->items[0];
        if (map->kind == CFN_STRING)
            use(l, LU_FINDINMAP, map->text, NULL, map->loc, w);
        else if (is_fn(map))
            l->findinmap_dynamic = true;
        else
            diag(l->ctx, D_LINT_FN_SHAPE, map->loc,
                 "'%s' takes a map name first; this is %s", fn,
                 kind_name(map));
    }
    walk(l, v, w);
}

static void fn_if(Lint *l, const char *fn, const CfnNode *v, const Walk *w)
{
    if (want_list(l, fn, v, 3, 3, "[CONDITION, VALUE_IF_TRUE, VALUE_IF_FALSE]")) {
        if (v->items[0]->kind == CFN_STRING)
            use(l, LU_CONDITION, v->items[0]->text, NULL, v->items[0]->loc, w);
        else
            diag(l->ctx, D_LINT_FN_SHAPE, v->items[0]->loc,
                 "'%s' takes a condition name first; this is %s", fn,
                 kind_name(v->items[0]));
        for (int i = 1; i < 3; i++)
            walk(l, v->items[i], w);
        return;
    }
    walk(l, v, w);
}

/* The functions lint knows, and what their argument must be. */
enum { A_ANY, A_STR, A_JOIN, A_SELECT, A_SPLIT, A_CIDR, A_EQUALS, A_ANDOR,
       A_NOT, A_OBJ, A_LANG };

static const struct {
    const char *name;
    int arg;
    void (*fn)(Lint *l, const char *fn, const CfnNode *v, const Walk *w);
} functions[] = {
    {"Fn::And", A_ANDOR, NULL},
    {"Fn::Base64", A_STR, NULL},
    {"Fn::Cidr", A_CIDR, NULL},
    {"Fn::Contains", A_ANY, NULL},
    {"Fn::EachMemberEquals", A_ANY, NULL},
    {"Fn::EachMemberIn", A_ANY, NULL},
    {"Fn::Equals", A_EQUALS, NULL},
    {"Fn::FindInMap", A_ANY, fn_findinmap},
    {"Fn::GetAZs", A_STR, NULL},
    {"Fn::GetAtt", A_ANY, fn_getatt},
    {"Fn::GetStackOutput", A_ANY, NULL},
    {"Fn::If", A_ANY, fn_if},
    {"Fn::ImportValue", A_STR, NULL},
    {"Fn::Join", A_JOIN, NULL},
    {"Fn::Length", A_LANG, NULL},
    {"Fn::Not", A_NOT, NULL},
    {"Fn::Or", A_ANDOR, NULL},
    {"Fn::RefAll", A_ANY, NULL},
    {"Fn::Select", A_SELECT, NULL},
    {"Fn::Split", A_SPLIT, NULL},
    {"Fn::Sub", A_ANY, fn_sub},
    {"Fn::ToJsonString", A_LANG, NULL},
    {"Fn::Transform", A_OBJ, NULL},
    {"Fn::ValueOf", A_ANY, NULL},
    {"Fn::ValueOfAll", A_ANY, NULL},
};
#define NFUNCTIONS ((int)(sizeof functions / sizeof functions[0]))

static void check_args(Lint *l, const char *fn, int arg, const CfnNode *v)
{
    switch (arg) {
    case A_STR:
        if (!is_str_or_fn(v) && !(v->kind == CFN_NULL &&
                                  strcmp(fn, "Fn::GetAZs") == 0))
            bad_shape(l, fn, v, "a string");
        break;
    case A_JOIN:
        if (want_list(l, fn, v, 2, 2, "[DELIMITER, [VALUES]]")) {
            if (v->items[0]->kind != CFN_STRING)
                diag(l->ctx, D_LINT_FN_SHAPE, v->items[0]->loc,
                     "'%s' takes a string delimiter first; this is %s", fn,
                     kind_name(v->items[0]));
            if (!is_list_or_fn(v->items[1]))
                diag(l->ctx, D_LINT_FN_SHAPE, v->items[1]->loc,
                     "'%s' takes a list of values second; this is %s", fn,
                     kind_name(v->items[1]));
        }
        break;
    case A_SELECT:
        if (want_list(l, fn, v, 2, 2, "[INDEX, [VALUES]]")) {
            const CfnNode *i = v->items[0];
            bool index_ok = i->kind == CFN_NUMBER || is_fn(i) ||
                            (i->kind == CFN_STRING && i->text[0] &&
                             strspn(i->text, "0123456789") == strlen(i->text));
            if (!index_ok)
                diag(l->ctx, D_LINT_FN_SHAPE, i->loc,
                     "'%s' takes an index (a whole number) first; this is %s",
                     fn, kind_name(i));
            if (!is_list_or_fn(v->items[1]))
                diag(l->ctx, D_LINT_FN_SHAPE, v->items[1]->loc,
                     "'%s' takes a list of values second; this is %s", fn,
                     kind_name(v->items[1]));
        }
        break;
    case A_SPLIT:
        if (want_list(l, fn, v, 2, 2, "[DELIMITER, STRING]")) {
            if (v->items[0]->kind != CFN_STRING)
                diag(l->ctx, D_LINT_FN_SHAPE, v->items[0]->loc,
                     "'%s' takes a string delimiter first; this is %s", fn,
                     kind_name(v->items[0]));
            if (!is_str_or_fn(v->items[1]))
                diag(l->ctx, D_LINT_FN_SHAPE, v->items[1]->loc,
                     "'%s' takes a string to split second; this is %s", fn,
                     kind_name(v->items[1]));
        }
        break;
    case A_CIDR:
        want_list(l, fn, v, 3, 3, "[IP_BLOCK, COUNT, CIDR_BITS]");
        break;
    case A_EQUALS:
        want_list(l, fn, v, 2, 2, "[VALUE, VALUE]");
        break;
    case A_ANDOR:
        want_list(l, fn, v, 2, 10, "a list of 2 to 10 conditions");
        break;
    case A_NOT:
        want_list(l, fn, v, 1, 1, "a list of one condition");
        break;
    case A_OBJ:
        if (v->kind != CFN_OBJECT && v->kind != CFN_ARRAY)
            bad_shape(l, fn, v, "{Name: MACRO, Parameters: {...}}");
        break;
    default:
        break;
    }
}

static void intrinsic(Lint *l, const CfnPair *p, const Walk *w)
{
    const char *fn = p->key;
    l->fn_at = p->key_loc;
    const CfnNode *v = p->value;
    if (strcmp(fn, "Ref") == 0) {
        if (v->kind == CFN_STRING)
            use(l, LU_REF, v->text, NULL, v->loc, w);
        else if (l->lang_ext && is_fn(v))
            walk(l, v, w);
        else
            bad_shape(l, fn, v, "a parameter or resource name");
        return;
    }
    if (strcmp(fn, "Condition") == 0) {
        if (v->kind == CFN_STRING)
            use(l, LU_CONDITION, v->text, NULL, v->loc, w);
        else
            bad_shape(l, fn, v, "a condition name");
        return;
    }
    for (int i = 0; i < NFUNCTIONS; i++) {
        if (strcmp(fn, functions[i].name) != 0)
            continue;
        if (functions[i].arg == A_LANG && !l->lang_ext)
            diag(l->ctx, D_LINT_UNKNOWN_FN, p->key_loc,
                 "'%s' needs 'Transform: AWS::LanguageExtensions' at the top "
                 "of the template", fn);
        if (functions[i].fn) {
            functions[i].fn(l, fn, v, w);
            return;
        }
        check_args(l, fn, functions[i].arg, v);
        walk(l, v, w);
        return;
    }
    if (strncmp(fn, "Fn::ForEach::", 13) == 0) {
        if (!l->lang_ext)
            diag(l->ctx, D_LINT_UNKNOWN_FN, p->key_loc,
                 "'Fn::ForEach' needs 'Transform: AWS::LanguageExtensions' at "
                 "the top of the template");
        walk(l, v, w);
        return;
    }
    const char *names[NFUNCTIONS];
    for (int i = 0; i < NFUNCTIONS; i++)
        names[i] = functions[i].name;
    const char *guess = closest(fn, names, NFUNCTIONS);
    if (guess)
        diag(l->ctx, D_LINT_UNKNOWN_FN, p->key_loc,
             "unknown intrinsic function '%s'; did you mean '%s'?", fn, guess);
    else
        diag(l->ctx, D_LINT_UNKNOWN_FN, p->key_loc,
             "unknown intrinsic function '%s'", fn);
    walk(l, v, w);
}

static void walk(Lint *l, const CfnNode *n, const Walk *w)
{
    if (n->kind == CFN_ARRAY) {
        for (int i = 0; i < n->len; i++)
            walk(l, n->items[i], w);
        return;
    }
    if (n->kind != CFN_OBJECT)
        return;
    if (n->len == 1) {
        const CfnPair *p = &n->pairs[0];
        bool cond = strcmp(p->key, "Condition") == 0;
        if (strcmp(p->key, "Ref") == 0 || strncmp(p->key, "Fn::", 4) == 0 ||
            (cond && w->sec == LS_CONDITIONS)) {
            intrinsic(l, p, w);
            return;
        }
    }
    for (int i = 0; i < n->len; i++) {
        const CfnPair *p = &n->pairs[i];
        if (strncmp(p->key, "Fn::", 4) == 0)
            intrinsic(l, p, w);
        else
            walk(l, p->value, w);
    }
}

/* ---- sections -------------------------------------------------------- */

static const CfnNode *section(const CfnNode *root, const char *name)
{
    const CfnNode *s = cfn_obj_get(root, name);
    return s && s->kind == CFN_OBJECT ? s : NULL;
}

/* Does the tree have a key that starts with prefix? */
static bool has_key_prefix(const CfnNode *n, const char *prefix)
{
    size_t k = strlen(prefix);
    if (n->kind == CFN_ARRAY) {
        for (int i = 0; i < n->len; i++)
            if (has_key_prefix(n->items[i], prefix))
                return true;
    } else if (n->kind == CFN_OBJECT) {
        for (int i = 0; i < n->len; i++)
            if (strncmp(n->pairs[i].key, prefix, k) == 0 ||
                has_key_prefix(n->pairs[i].value, prefix))
                return true;
    }
    return false;
}

static void read_transform(Lint *l)
{
    /* Fn::ForEach makes resources, outputs and conditions whose names lint
     * does not expand (and without the transform it is an error anyway). */
    if (has_key_prefix(l->root, "Fn::ForEach::") ||
        has_key_prefix(l->root, "Fn::Transform"))
        l->opaque = true;
    const CfnNode *t = cfn_obj_get(l->root, "Transform");
    int n = !t ? 0 : t->kind == CFN_ARRAY ? t->len : 1;
    for (int i = 0; i < n; i++) {
        const CfnNode *one = t->kind == CFN_ARRAY ? t->items[i] : t;
        if (one->kind == CFN_STRING &&
            strcmp(one->text, "AWS::LanguageExtensions") == 0)
            l->lang_ext = true;
        else
            l->opaque = true;
    }
}

static void walk_template(Lint *l)
{
    Walk w = {0};
    if (l->resources) {
        for (int i = 0; i < l->resources->len; i++) {
            const CfnPair *r = &l->resources->pairs[i];
            w = (Walk){LS_RESOURCES, r->key, NULL};
            if (r->value->kind != CFN_OBJECT) {
                walk(l, r->value, &w);
                continue;
            }
            for (int j = 0; j < r->value->len; j++) {
                const CfnPair *a = &r->value->pairs[j];
                const CfnNode *v = a->value;
                if (strcmp(a->key, "DependsOn") == 0) {
                    int n = v->kind == CFN_ARRAY ? v->len : 1;
                    for (int k = 0; k < n; k++) {
                        const CfnNode *d = v->kind == CFN_ARRAY ? v->items[k] : v;
                        if (d->kind == CFN_STRING)
                            use(l, LU_DEPENDSON, d->text, NULL, d->loc, &w);
                        else
                            diag(l->ctx, D_LINT_STRUCTURE, d->loc,
                                 "DependsOn takes a resource name or a list "
                                 "of them; this is %s", kind_name(d));
                    }
                } else if (strcmp(a->key, "Condition") == 0) {
                    if (v->kind == CFN_STRING)
                        use(l, LU_CONDITION, v->text, NULL, v->loc, &w);
                    else
                        diag(l->ctx, D_LINT_STRUCTURE, v->loc,
                             "a resource's Condition takes a condition name; "
                             "this is %s", kind_name(v));
                } else if (strcmp(a->key, "Type") != 0) {
                    walk(l, v, &w);
                }
            }
        }
    }
    if (l->outputs) {
        for (int i = 0; i < l->outputs->len; i++) {
            const CfnPair *o = &l->outputs->pairs[i];
            w = (Walk){LS_OUTPUTS, o->key, NULL};
            const CfnNode *v = o->value;
            if (v->kind != CFN_OBJECT) {
                walk(l, v, &w);
                continue;
            }
            for (int j = 0; j < v->len; j++) {
                const CfnPair *a = &v->pairs[j];
                if (strcmp(a->key, "Condition") == 0 &&
                    a->value->kind == CFN_STRING)
                    use(l, LU_CONDITION, a->value->text, NULL, a->value->loc, &w);
                else
                    walk(l, a->value, &w);
            }
        }
    }
    if (l->conditions) {
        for (int i = 0; i < l->conditions->len; i++) {
            w = (Walk){LS_CONDITIONS, l->conditions->pairs[i].key, NULL};
            walk(l, l->conditions->pairs[i].value, &w);
        }
    }
    static const char *const others[] = {"Rules", "Metadata", "Globals"};
    for (int i = 0; i < 3; i++) {
        const CfnNode *s = cfn_obj_get(l->root, others[i]);
        w = (Walk){LS_OTHER, NULL, NULL};
        if (s)
            walk(l, s, &w);
    }
}

/* The sections, the walk and every rule, on l->root (an object). */
static void lint_run(Lint *l)
{
    const CfnNode *root = l->root;
    l->params = section(root, "Parameters");
    l->resources = section(root, "Resources");
    l->outputs = section(root, "Outputs");
    l->conditions = section(root, "Conditions");
    l->mappings = section(root, "Mappings");
    read_transform(l);
    walk_template(l);
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++)
        rules[i].run(l);
}

void lint_template(Ctx *ctx, const char *path)
{
    Source *src = source_load(ctx, path, (Loc){0});
    if (!src)
        return;
    CfnNode *root = cfn_read_recover(ctx, src);
    if (!root)
        return;
    accept_read_template(ctx, src, root);
    Lint l = {0};
    l.ctx = ctx;
    l.size = src->len;
    l.root = root;
    if (root->kind != CFN_OBJECT) {
        diag(ctx, D_LINT_STRUCTURE, root->loc,
             "a template is a mapping of sections (Resources, Parameters, "
             "...); this is %s", kind_name(root));
        return;
    }
    lint_run(&l);
}

/* One template hitc made: e's (the root), or st's with e's context. */
static void lint_made(Ctx *ctx, Emit *e, const NestedStack *st)
{
    Emit one = *e;
    if (st) {
        one.template = st->template;
        one.text = st->text;
    }
    Lint l = {0};
    l.ctx = ctx;
    l.emit = &one;
    l.stack = st;
    l.size = emit_template_size(&one);
    l.root = one.template;
    lint_run(&l);
}

void lint_emitted(Ctx *ctx, Emit *e)
{
    if (e->split_refused)       /* split.c said why; its rewrite is half done */
        return;
    lint_made(ctx, e, NULL);
    for (int i = 0; i < e->stacks.len; i++)
        lint_made(ctx, e, e->stacks.items[i]);
}

/* Emit the template (no zips when dry_run), check it with hitc lint's
 * template rules (each finding at its .hit or fragment line), and report
 * an empty app. */
void emit_checked(Ctx *ctx, Emit *e)
{
    emit_template(ctx, e);
    if (emit_nresources(e) == 0)
        diag(ctx, D_EMPTY_APP, (Loc){ctx->root_src, 0, 0},
             "this file declares nothing that becomes a resource (a "
             "table, function or route)");
    else
        lint_emitted(ctx, e);
}
