/*
 * split.c: an app past a stack's quotas, as a root stack and nested stacks.
 *
 * In: the one template emit.c made (Emit.template), too big for one stack,
 * and who made each resource (Emit.made).  Out: the same template as the
 * root stack, each moved resource replaced by the AWS::CloudFormation::Stack
 * that holds it, and the nested templates (Emit.stacks), every value that
 * crosses a stack passed as a nested stack's parameter or output.
 * Holds (docs/scaling.md states and proves them):
 *   - where a resource goes is a function of the declaration that made it
 *     alone: a function's resources (and its routes', triggers' and stamp's)
 *     go to the stack its `stack NAME` names, else to "shard-NN", NN the
 *     SHA-256 of its name modulo SPLIT_SHARDS; a REST path resource to
 *     "paths-NN", NN from its path's first segment; everything else
 *     stays in the root: stateful resources, plugins' resources and the
 *     functions that serve them, the API, the stamper;
 *   - a resource keeps its logical ID wherever it goes;
 *   - the stacks depend on each other without a cycle, or hitc says which
 *     references make one (E0521).
 * Nothing here runs for an app within the quotas: its template is left
 * byte for byte as it was.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bundle.h"
#include "cfn.h"
#include "hitc.h"
#include "schema.h"

/* How many hash buckets functions and path prefixes fall into.  Fixed:
 * changing either would move resources between stacks. */
#define SPLIT_SHARDS 32
#define SPLIT_PATH_SHARDS 8

/* A node of the dependency graph across stacks: a root resource or a
 * nested stack; edges remember the reference that made them. */
typedef struct XEdge {
    int to;
    const char *from_id, *to_id;        /* the resources referring/referred */
    struct XEdge *next;
} XEdge;

typedef struct Split {
    Ctx *ctx;
    Emit *e;
    Arena *a;
    CfnNode *root_params;       /* the root's Parameters section */
    StrMap home;                /* logical ID -> NestedStack* (moved ones) */
    StrMap groups;              /* a stack's logical ID -> NestedStack* */
    PtrVec stacks;              /* NestedStack*, as first met */
    StrMap node;                /* root resource ID -> node number + 1 */
    int nroot;                  /* root resources: nodes 0 .. nroot-1 */
    XEdge **edges;              /* per node */
    const char *current;        /* the resource being rewritten */
} Split;

/* ---- placement ---------------------------------------------------------- */

static unsigned bucket(const char *name, unsigned n)
{
    char hex[65];
    sha256_hex(name, strlen(name), hex);
    hex[8] = '\0';                     /* the first 32 bits */
    return (unsigned)(strtoul(hex, NULL, 16) % n);
}

/* The function a declaration's resources go with (Kind.unit), or NULL. */
static Decl *unit_function(const Decl *owner)
{
    return owner->kind->unit ? owner->kind->unit(owner) : NULL;
}

/* Does something that contributes to d keep it in the root (a plugin
 * its service)? */
static bool pinned(const Decl *d)
{
    for (int i = 0; i < d->contributors.len; i++)
        if (((const Decl *)d->contributors.items[i])->kind->pins_to_root)
            return true;
    return false;
}

/* The group of a resource of type type made by owner, or NULL for the
 * root. */
static const char *group_of(Split *s, Decl *owner, const char *type)
{
    if (!owner)
        return NULL;                        /* an included resource */
    if (strcmp(type, "AWS::ApiGateway::Resource") == 0) {
        const char *first = owner->kind->path_first
                                ? owner->kind->path_first(owner) : NULL;
        if (!first)
            return NULL;
        return arena_printf(s->a, "paths-%02u",
                            bucket(first, SPLIT_PATH_SHARDS));
    }
    /* State stays put; a function's own log group is no app state (it is
     * not retained and is named after the stack that holds it). */
    Decl *fn = unit_function(owner);
    /* A plugin's service stays in the root with the plugin's resources:
     * the root needs it, and it may need the root's resources. */
    if (!fn || pinned(fn) || (schema_stateful(type) &&
                strcmp(type, "AWS::Logs::LogGroup") != 0))
        return NULL;
    Loc written;
    const char *named = fn->kind->stack ? fn->kind->stack(fn, &written) : NULL;
    if (named)
        return named;
    return arena_printf(s->a, "shard-%02u", bucket(fn->name, SPLIT_SHARDS));
}

/* The stack of group, by its logical ID: names that differ only where
 * PascalCase does not tell ("billing", "Billing", "bil-ling") are one. */
static NestedStack *stack_for(Split *s, const char *group, Decl *owner)
{
    const char *logical = arena_printf(s->a, "%sStack", pascal_case(s->a, group));
    NestedStack *st = strmap_get(&s->groups, logical);
    if (st)
        return st;
    st = arena_alloc(s->a, sizeof *st);
    st->group = arena_strdup(s->a, group);
    st->logical = logical;
    st->first = owner;
    Loc file = {s->ctx->root_src, 0, 0};
    st->resources = cfn_obj(s->a, file);
    st->outputs = cfn_obj(s->a, file);
    st->param_values = cfn_obj(s->a, file);
    st->root_deps = cfn_arr(s->a, file);
    strmap_put(s->a, &s->groups, st->logical, st);
    vec_push(s->a, &s->stacks, st);
    return st;
}

/* ---- the graph across stacks ------------------------------------------- */

static int node_of(Split *s, const char *logical)
{
    NestedStack *st = strmap_get(&s->home, logical);
    if (st)
        return s->nroot + st->index;
    intptr_t n = (intptr_t)strmap_get(&s->node, logical);
    return n ? (int)n - 1 : -1;
}

static void edge(Split *s, int from, const char *to_id)
{
    int to = node_of(s, to_id);
    if (from < 0 || to < 0 || to == from)
        return;
    XEdge *x = arena_alloc(s->a, sizeof *x);
    *x = (XEdge){to, s->current, to_id, s->edges[from]};
    s->edges[from] = x;
}

/* ---- values across stacks ------------------------------------------------ */

/* "Arn" of "FooFunction.Arn" as a name part: letters and digits only. */
static const char *cross_name(Split *s, const char *id, const char *attr)
{
    if (!attr)
        return id;
    Buf b = {0};
    buf_puts(&b, id);
    for (const char *p = attr; *p; p++)
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
            (*p >= '0' && *p <= '9'))
            buf_add(&b, p, 1);
    char *out = arena_strdup(s->a, b.data);
    buf_free(&b);
    return out;
}

static CfnNode *value_of(Split *s, Loc loc, const char *id, const char *attr)
{
    return attr ? cfn_getatt(s->a, loc, id, attr) : cfn_ref(s->a, loc, id);
}

/* id[.attr] as seen from home (NULL: the root).  Returns NULL when it is
 * home's own; else the name it goes by there: a parameter of home, or for
 * the root "STACK.Outputs.NAME" (*stack set).  Records the edge. */
static const char *cross(Split *s, NestedStack *home, int from, Loc loc,
                         const char *id, const char *attr,
                         const char **stack)
{
    if (strncmp(id, "AWS::", 5) == 0)
        return NULL;
    NestedStack *there = strmap_get(&s->home, id);
    bool is_param = !there && cfn_obj_get(s->root_params, id);
    if (there == home || (!there && !home))
        return (edge(s, from, id), NULL);
    if (!there && !is_param && node_of(s, id) < 0)
        return NULL;                        /* not a name of the template */
    const char *name = cross_name(s, id, attr);
    CfnNode *root_value;
    if (there) {
        if (!cfn_obj_get(there->outputs, name)) {
            CfnNode *o = cfn_obj(s->a, loc);
            cfn_put(s->a, o, "Value", value_of(s, loc, id, attr));
            cfn_obj_set(s->a, there->outputs, name, loc, o);
        }
        root_value = cfn_getatt(s->a, loc, there->logical,
                                arena_printf(s->a, "Outputs.%s", name));
    } else {
        root_value = value_of(s, loc, id, attr);
    }
    edge(s, from, id);
    if (!home) {
        *stack = there->logical;
        return arena_printf(s->a, "%s.Outputs.%s", there->logical, name);
    }
    if (!cfn_obj_get(home->param_values, name))
        cfn_obj_set(s->a, home->param_values, name, loc, root_value);
    return name;
}

static CfnNode *rewrite(Split *s, NestedStack *home, int from, CfnNode *n);

/* A Fn::Sub string with each ${X} and ${X.A} that crosses renamed. */
static const char *rewrite_sub(Split *s, NestedStack *home, int from, Loc loc,
                               const char *text, const CfnNode *vars)
{
    Buf b = {0};
    const char *p = text;
    bool changed = false;
    for (;;) {
        const char *open = strstr(p, "${");
        const char *close = open ? strchr(open, '}') : NULL;
        if (!close) {
            buf_puts(&b, p);
            break;
        }
        buf_add(&b, p, (size_t)(open - p));
        p = close + 1;
        char *var = arena_strndup(s->a, open + 2, (size_t)(close - open - 2));
        char *dot = strchr(var, '.');
        const char *attr = NULL;
        if (dot)
            *dot = '\0', attr = dot + 1;
        const char *stack = NULL, *name = NULL;
        if (var[0] != '!' && !(vars && cfn_obj_get(vars, var)))
            name = cross(s, home, from, loc, var, attr, &stack);
        if (dot)
            *dot = '.';
        if (name) {
            buf_printf(&b, "${%s}", name);
            changed = true;
        } else {
            buf_add(&b, open, (size_t)(close + 1 - open));
        }
    }
    const char *out = changed ? arena_strdup(s->a, b.data ? b.data : "") : text;
    buf_free(&b);
    return out;
}

/* Ref and GetAtt of id[.attr]: the same, or what stands for it here. */
static CfnNode *rewrite_ref(Split *s, NestedStack *home, int from, CfnNode *n,
                            const char *id, const char *attr)
{
    const char *stack = NULL;
    const char *name = cross(s, home, from, n->loc, id, attr, &stack);
    if (!name)
        return n;
    if (stack)
        return cfn_getatt(s->a, n->loc, stack, strchr(name, '.') + 1);
    return cfn_ref(s->a, n->loc, name);
}

static CfnNode *rewrite_call(Split *s, NestedStack *home, int from, CfnNode *n,
                             const char *fn)
{
    CfnNode *arg = n->pairs[0].value;
    if (strcmp(fn, "Ref") == 0 && arg->kind == CFN_STRING)
        return rewrite_ref(s, home, from, n, arg->text, NULL);
    if (strcmp(fn, "Fn::GetAtt") == 0) {
        if (arg->kind == CFN_ARRAY && arg->len == 2 &&
            arg->items[0]->kind == CFN_STRING && arg->items[1]->kind == CFN_STRING)
            return rewrite_ref(s, home, from, n, arg->items[0]->text,
                               arg->items[1]->text);
        if (arg->kind == CFN_STRING && strchr(arg->text, '.')) {
            char *id = arena_strdup(s->a, arg->text), *dot = strchr(id, '.');
            *dot = '\0';
            return rewrite_ref(s, home, from, n, id, dot + 1);
        }
        return n;
    }
    if (strcmp(fn, "Fn::Sub") == 0) {
        if (arg->kind == CFN_STRING) {
            const char *t = rewrite_sub(s, home, from, n->loc, arg->text, NULL);
            return t == arg->text ? n : cfn_sub(s->a, n->loc, t);
        }
        if (arg->kind == CFN_ARRAY && arg->len == 2 &&
            arg->items[0]->kind == CFN_STRING) {
            CfnNode *vars = rewrite(s, home, from, arg->items[1]);
            arg->items[1] = vars;
            const char *t = rewrite_sub(s, home, from, n->loc, arg->items[0]->text,
                                        vars->kind == CFN_OBJECT ? vars : NULL);
            arg->items[0] = cfn_str(s->a, arg->items[0]->loc, t);
            return n;
        }
    }
    n->pairs[0].value = rewrite(s, home, from, arg);
    return n;
}

static CfnNode *rewrite(Split *s, NestedStack *home, int from, CfnNode *n)
{
    const char *fn = cfn_intrinsic_name(n);
    if (fn)
        return rewrite_call(s, home, from, n, fn);
    if (n->kind == CFN_ARRAY)
        for (int i = 0; i < n->len; i++)
            n->items[i] = rewrite(s, home, from, n->items[i]);
    if (n->kind == CFN_OBJECT)
        for (int i = 0; i < n->len; i++)
            n->pairs[i].value = rewrite(s, home, from, n->pairs[i].value);
    return n;
}

static void push_unique(Split *s, CfnNode *arr, Loc loc, const char *id)
{
    for (int i = 0; i < arr->len; i++)
        if (strcmp(arr->items[i]->text, id) == 0)
            return;
    cfn_arr_push(s->a, arr, cfn_str(s->a, loc, id));
}

/* A resource's DependsOn as seen from home: one on a resource elsewhere
 * becomes the nested stack's (home's own) or one on the stack (the root's). */
static CfnNode *rewrite_depends(Split *s, NestedStack *home, int from,
                                CfnNode *dep)
{
    CfnNode *out = cfn_arr(s->a, dep->loc);
    int n = dep->kind == CFN_ARRAY ? dep->len : 1;
    for (int i = 0; i < n; i++) {
        CfnNode *d = dep->kind == CFN_ARRAY ? dep->items[i] : dep;
        if (d->kind != CFN_STRING)
            continue;
        NestedStack *there = strmap_get(&s->home, d->text);
        edge(s, from, d->text);
        if (there == home)
            push_unique(s, out, d->loc, d->text);
        else if (!home)
            push_unique(s, out, d->loc, there->logical);
        else
            push_unique(s, home->root_deps, d->loc,
                        there ? there->logical : d->text);
    }
    return out;
}

/* The resource res (logical id) rewritten for home, DependsOn included. */
static CfnNode *rewrite_resource(Split *s, NestedStack *home, const char *id,
                                 CfnNode *res)
{
    s->current = id;
    int from = home ? s->nroot + home->index : node_of(s, id);
    CfnNode *out = cfn_obj(s->a, res->loc);
    for (int i = 0; i < res->len; i++) {
        CfnPair *p = &res->pairs[i];
        CfnNode *v = strcmp(p->key, "DependsOn") == 0
            ? rewrite_depends(s, home, from, p->value)
            : rewrite(s, home, from, p->value);
        if (v->kind == CFN_ARRAY && v->len == 0 && strcmp(p->key, "DependsOn") == 0)
            continue;
        cfn_obj_set(s->a, out, p->key, p->key_loc, v);
    }
    return out;
}

/* ---- cycles -------------------------------------------------------------- */

static const char *node_name(Split *s, int n, const char *id)
{
    if (n >= s->nroot)
        return arena_printf(s->a, "nested stack '%s'",
                            ((NestedStack *)s->stacks.items[n - s->nroot])->logical);
    return arena_printf(s->a, "'%s'", id);
}

/* Depth-first: 0 unseen, 1 on the path, 2 done.  On a cycle, report it. */
static bool find_cycle(Split *s, int n, char *state, XEdge **via)
{
    state[n] = 1;
    for (XEdge *x = s->edges[n]; x; x = x->next) {
        via[n] = x;
        if (state[x->to] == 1) {
            Decl *who = strmap_get(&s->e->made, x->from_id);
            Diag *d = diag(s->ctx, D_STACK_CYCLE, who ? who->loc
                           : (Loc){s->ctx->root_src, 0, 0},
                           "the app's stacks would depend on each other in "
                           "a circle; give one of the functions below a "
                           "stack of its own, or two of them the same one, "
                           "with 'stack NAME'");
            for (int m = x->to;; m = via[m]->to) {
                XEdge *y = via[m];
                Decl *by = strmap_get(&s->e->made, y->from_id);
                note(s->ctx, d, by ? by->loc : (Loc){0},
                     "%s needs %s: '%s' refers to '%s'",
                     node_name(s, m, y->from_id), node_name(s, y->to, y->to_id),
                     y->from_id, y->to_id);
                if (y->to == x->to)
                    break;
            }
            return true;
        }
        if (state[x->to] == 0 && find_cycle(s, x->to, state, via))
            return true;
    }
    state[n] = 2;
    return false;
}

static bool has_cycle(Split *s)
{
    int n = s->nroot + s->stacks.len;
    char *state = xcalloc((size_t)n, 1);
    XEdge **via = xcalloc((size_t)n, sizeof *via);
    bool found = false;
    for (int i = 0; i < n && !found; i++)
        if (state[i] == 0)
            found = find_cycle(s, i, state, via);
    free(state);
    free(via);
    return found;
}

/* ---- the nested templates ------------------------------------------------ */

static int pair_cmp(const void *pa, const void *pb)
{
    return strcmp(((const CfnPair *)pa)->key, ((const CfnPair *)pb)->key);
}

/* obj's pairs in the order of their keys, as a new object. */
static CfnNode *sorted(Split *s, const CfnNode *obj)
{
    CfnPair *p = xmalloc(sizeof *p * (size_t)(obj->len ? obj->len : 1));
    memcpy(p, obj->pairs, sizeof *p * (size_t)obj->len);
    qsort(p, (size_t)obj->len, sizeof *p, pair_cmp);
    CfnNode *out = cfn_obj(s->a, obj->loc);
    for (int i = 0; i < obj->len; i++)
        cfn_obj_set(s->a, out, p[i].key, p[i].key_loc, p[i].value);
    free(p);
    return out;
}

static void nested_template(Split *s, NestedStack *st)
{
    Arena *a = s->a;
    Loc loc = st->resources->loc;
    CfnNode *t = cfn_obj(a, loc);
    cfn_put_str(a, t, "AWSTemplateFormatVersion", "2010-09-09");
    const char *app = s->ctx->prog.app ? s->ctx->prog.app->name : "an app";
    cfn_put_str(a, t, "Description", arena_printf(
        a, "%s: nested stack %s (built by hitc)", app, st->group));
    st->param_values = sorted(s, st->param_values);
    if (st->param_values->len) {
        CfnNode *params = cfn_put_obj(a, t, "Parameters");
        for (int i = 0; i < st->param_values->len; i++) {
            const char *name = st->param_values->pairs[i].key;
            CfnNode *p = cfn_obj(a, loc);
            cfn_put_str(a, p, "Type", "String");
            const CfnNode *root = cfn_obj_get(s->root_params, name);
            const CfnNode *echo = root ? cfn_obj_get(root, "NoEcho") : NULL;
            if (echo)
                cfn_put_bool(a, p, "NoEcho", true);
            cfn_obj_set(a, params, name, loc, p);
        }
    }
    cfn_put(a, t, "Resources", st->resources);
    if (st->outputs->len)
        cfn_put(a, t, "Outputs", sorted(s, st->outputs));
    st->template = t;
    st->text = cfn_json(t);
    Buf file = {0};
    buf_puts(&file, st->text);
    buf_puts(&file, "\n");
    sha256_hex(file.data, file.len, st->sha256);
    buf_free(&file);
}

/* The root's AWS::CloudFormation::Stack for st. */
static void root_stack_resource(Split *s, CfnNode *resources, NestedStack *st)
{
    Arena *a = s->a;
    Loc loc = st->first ? st->first->loc : resources->loc;
    CfnNode *r = cfn_obj(a, loc);
    cfn_put_str(a, r, "Type", "AWS::CloudFormation::Stack");
    if (st->root_deps->len)
        cfn_put(a, r, "DependsOn", st->root_deps);
    CfnNode *p = cfn_put_obj(a, r, "Properties");
    if (st->param_values->len)
        cfn_put(a, p, "Parameters", st->param_values);
    cfn_put(a, p, "TemplateURL", cfn_sub(a, loc, arena_printf(
        a, "https://${CodeBucket}.s3.${AWS::Region}.${AWS::URLSuffix}/"
           "${CodePrefix}%s.json", st->sha256)));
    cfn_obj_set(a, resources, st->logical, loc, r);
}

static int stack_cmp(const void *pa, const void *pb)
{
    return strcmp((*(NestedStack *const *)pa)->logical,
                  (*(NestedStack *const *)pb)->logical);
}

/* A stack's name may not be one the template has already. */
static bool names_free(Split *s, CfnNode *resources)
{
    bool ok = true;
    for (int i = 0; i < s->stacks.len; i++) {
        NestedStack *st = s->stacks.items[i];
        if (!cfn_obj_get(resources, st->logical) &&
            !cfn_obj_get(s->root_params, st->logical))
            continue;
        Decl *has = strmap_get(&s->e->made, st->logical);
        Diag *d = diag(s->ctx, D_STACK_NAME, st->first->loc,
                       "nested stack '%s' (of %s) has the logical ID of "
                       "another resource or parameter; name the stack "
                       "otherwise with 'stack NAME'", st->logical,
                       st->first->display);
        if (has)
            note(s->ctx, d, has->loc, "%s makes '%s'", has->display, st->logical);
        ok = false;
    }
    return ok;
}

/* ---- the whole ----------------------------------------------------------- */

static void place_all(Split *s, CfnNode *resources, CfnNode *keep)
{
    for (int i = 0; i < resources->len; i++) {
        CfnPair *p = &resources->pairs[i];
        const CfnNode *type = cfn_obj_get(p->value, "Type");
        Decl *owner = strmap_get(&s->e->made, p->key);
        const char *group = type && type->kind == CFN_STRING
            ? group_of(s, owner, type->text) : NULL;
        if (!group) {
            strmap_put(s->a, &s->node, p->key, (void *)(intptr_t)(++s->nroot));
            cfn_obj_set(s->a, keep, p->key, p->key_loc, p->value);
            continue;
        }
        NestedStack *st = stack_for(s, group, unit_function(owner) ?
                                    unit_function(owner) : owner);
        strmap_put(s->a, &s->home, p->key, st);
        cfn_obj_set(s->a, st->resources, p->key, p->key_loc, p->value);
    }
}

bool split_needed(const Emit *e)
{
    const CfnNode *r = cfn_obj_get(e->template, "Resources");
    return (r && r->len > CFN_MAX_RESOURCES) ||
           strlen(e->text) + 1 > CFN_MAX_BODY;
}

void split_stacks(Ctx *ctx, Emit *e)
{
    Split s = {.ctx = ctx, .e = e, .a = ctx->arena};
    CfnNode *t = e->template;
    s.root_params = cfn_obj_get(t, "Parameters");
    CfnPair *rp = cfn_obj_pair(t, "Resources");
    if (!s.root_params || !rp ||
        !cfn_obj_get(s.root_params, hitc_ids[HID_CODE_BUCKET]))
        return;                 /* no code, nothing that moves */
    CfnNode *keep = cfn_obj(s.a, rp->value->loc);
    place_all(&s, rp->value, keep);
    if (s.stacks.len == 0)
        return;
    qsort(s.stacks.items, (size_t)s.stacks.len, sizeof(void *), stack_cmp);
    for (int i = 0; i < s.stacks.len; i++)
        ((NestedStack *)s.stacks.items[i])->index = i;
    if (!names_free(&s, keep))
        return;
    s.edges = xcalloc((size_t)(s.nroot + s.stacks.len), sizeof *s.edges);

    /* The nested stacks' resources, then the root's and its outputs, so
     * that each nested stack's outputs are known before its template. */
    for (int i = 0; i < s.stacks.len; i++) {
        NestedStack *st = s.stacks.items[i];
        for (int j = 0; j < st->resources->len; j++) {
            CfnPair *p = &st->resources->pairs[j];
            p->value = rewrite_resource(&s, st, p->key, p->value);
        }
    }
    for (int j = 0; j < keep->len; j++)
        keep->pairs[j].value = rewrite_resource(&s, NULL, keep->pairs[j].key,
                                                keep->pairs[j].value);
    CfnPair *op = cfn_obj_pair(t, "Outputs");
    for (int j = 0; op && j < op->value->len; j++) {
        s.current = op->value->pairs[j].key;
        op->value->pairs[j].value = rewrite(&s, NULL, -1, op->value->pairs[j].value);
    }
    bool cycle = has_cycle(&s);
    free(s.edges);
    if (cycle)
        return;
    for (int i = 0; i < s.stacks.len; i++) {
        NestedStack *st = s.stacks.items[i];
        nested_template(&s, st);
        root_stack_resource(&s, keep, st);
        vec_push(s.a, &e->stacks, st);
    }
    rp->value = keep;
    e->resources = keep;
    free(e->text);
    e->text = cfn_json(t);
}
