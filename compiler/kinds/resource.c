/*
 * kinds/resource.c: `resource NAME: PLUGIN { INPUT = VALUE ... }`.
 *
 * Becomes one custom resource, logical ID PascalCase(NAME) + "Resource",
 * of type Custom::PascalCase(PLUGIN) (docs/plugins.md, "The protocol"):
 * ServiceToken (the plugin's service), ServiceTimeout (its timeout in
 * seconds), every input under its own name in the plugin's order with
 * the defaults filled in, and HitcPlugin {Plugin, Types, Replace,
 * Outputs} for the kit, with ServiceCode (the service's bundle hash, so
 * new service code is an Update: docs/plugins.md) unless the plugin says
 * `on-code-change keep`.  Attributes: the plugin's outputs (NAME.OUT,
 * Fn::GetAtt), strings.  Edges: to the plugin (and so to its service),
 * and to every value the inputs read.
 */
#include <string.h>

#include "bundle.h"
#include "cfn.h"
#include "hitc.h"
#include "plugin.h"

typedef struct Given {
    const char *name;
    Loc loc;
    PlugValue *value;
} Given;

typedef struct Resource {
    Decl *plugin;           /* NULL: unknown (reported) */
    Loc plugin_loc;
    PtrVec given;           /* Given*, in written order */
    StrMap given_names;     /* name -> Given* */
    const char *service_code;   /* the service's bundle's SHA-256, or NULL
                                   (resource_bundle) */
} Resource;

static void register_value(Ctx *ctx, Decl *d, PlugValue *v, const char *why)
{
    if (v->expr)
        use_expr(ctx, d, v->expr, why);
    for (int i = 0; i < v->nelems; i++)
        use_expr(ctx, d, v->elems[i], why);
}

/* The plugin named by it, or NULL after saying why. */
static Decl *find_plugin(Ctx *ctx, Decl *d, const Item *it)
{
    if (it->kind != I_WORD || strchr(it->text, '.')) {
        diag(ctx, D_EXPECTED, it->loc, "expected the name of a plugin after "
             "'resource %s:', found %s", d->name,
             item_describe(ctx->arena, it));
        return NULL;
    }
    Decl *p = lookup(ctx, it->text);
    if (p && p->kind == &kind_plugin) {
        p->used = true;
        return p;
    }
    if (p) {
        Diag *dg = diag(ctx, D_UNKNOWN_PLUGIN, it->loc, "'%s' is a %s, not a "
                        "plugin; a resource is made with a plugin "
                        "('plugin %s { ... }')", it->text, p->kind->noun,
                        it->text);
        if (p->name_loc.src)
            note(ctx, dg, p->name_loc, "'%s' declared here", p->name);
        return NULL;
    }
    const char **names = arena_alloc(ctx->arena, sizeof(char *) *
                                     (size_t)(ctx->symbols.len + 1));
    int n = 0;
    for (int i = 0; i < ctx->symbols.len; i++) {
        Decl *s = ctx->symbols.items[i];
        if (s->kind == &kind_plugin)
            names[n++] = s->name;
    }
    const char *dym = did_you_mean(ctx, it->text, names, n, NULL);
    if (dym[0])
        diag(ctx, D_UNKNOWN_PLUGIN, it->loc, "unknown plugin '%s'%s",
             it->text, dym);
    else
        diag(ctx, D_UNKNOWN_PLUGIN, it->loc, "unknown plugin '%s'; declare "
             "it with 'plugin %s { service ...; in ...; out ... }'",
             it->text, it->text);
    return NULL;
}

static void read_inputs(Ctx *ctx, Decl *d, Resource *r)
{
    Stmt *s = d->stmt;
    for (int i = 0; i < s->nblock; i++) {
        Stmt *line = s->block[i];
        if (line->bad)
            continue;       /* reported by the parser */
        if (line->nitems != 3 || !item_is_punct(line->items[1], T_EQUAL) ||
            line->has_block || line->items[0]->kind != I_WORD) {
            diag(ctx, D_EXPECTED, line->loc, "expected 'INPUT = VALUE' in "
                 "resource '%s'", d->name);
            continue;
        }
        Item *key = line->items[0];
        Given *o = strmap_get(&r->given_names, key->text);
        if (o) {
            Diag *dg = diag(ctx, D_DUPLICATE_FIELD, key->loc,
                            "input '%s' is given twice", key->text);
            note(ctx, dg, o->loc, "first given here");
            continue;
        }
        const char *why = arena_printf(ctx->arena, "input '%s'", key->text);
        PlugValue *v = plug_value_read(ctx, line->items[2], false, why);
        if (!v)
            continue;
        Given *g = arena_alloc(ctx->arena, sizeof *g);
        *g = (Given){key->text, key->loc, v};
        vec_push(ctx->arena, &r->given, g);
        strmap_put(ctx->arena, &r->given_names, g->name, g);
        register_value(ctx, d, v, why);
    }
}

static void resource_check(Ctx *ctx, Decl *d)
{
    Resource *r = arena_alloc(ctx->arena, sizeof *r);
    d->data = r;
    decl_set_attrs(d, NULL, 0);
    Stmt *s = d->stmt;
    const char *usage = "resource NAME: PLUGIN { INPUT = VALUE ... }";
    if (s->nitems < 3 || !item_is_punct(s->items[2], T_COLON)) {
        diag(ctx, D_EXPECTED, s->nitems > 2 ? s->items[2]->loc
                                           : s->items[1]->loc,
             "expected ': PLUGIN' after the resource's name; write '%s'",
             usage);
        return;
    }
    if (!want_items(ctx, s, 4, 4, usage))
        return;
    r->plugin_loc = s->items[3]->loc;
    r->plugin = find_plugin(ctx, d, s->items[3]);
    if (r->plugin) {
        Plugin *p = plugin_of(ctx, r->plugin);
        if (p)
            decl_set_attrs(d, p->outs, p->nouts);
        add_edge(ctx, d, r->plugin, r->plugin_loc,
                 arena_printf(ctx->arena, "is made with plugin '%s'",
                              r->plugin->name));
    }
    if (s->has_block)
        read_inputs(ctx, d, r);
}

/* ---- after resolve: inputs against the plugin's declaration ----------- */

static Decl *ref_target(const Expr *x)
{
    return x && x->kind == E_REF ? x->target : NULL;
}

/* A plugin's output is a string that CloudFormation passes on as it came;
 * it may hold a number or a boolean, which the kit checks at deploy time. */
static bool fits(const PlugInput *in, const PlugValue *v)
{
    ValueType t = plug_value_type(v);
    if (t == VT_NONE)
        return true;        /* did not resolve: reported */
    if (t == in->type)
        return true;
    Decl *target = v->form == VT_NONE ? ref_target(v->expr) : NULL;
    if (target && target->kind == &kind_resource && in->type != VT_LIST)
        return true;
    /* A parameter's value is text to CloudFormation either way. */
    if (target && in->type == VT_STRING && t == VT_NUMBER)
        return true;
    return false;
}

static void type_error(Ctx *ctx, Decl *d, Decl *pd, const PlugInput *in,
                       Loc at, ValueType t, bool item)
{
    const char *fix = t == VT_LIST ? "give one value, not a list"
        : in->type == VT_STRING ? "put it in quotes"
        : in->type == VT_NUMBER ? "write a number without quotes"
        : in->type == VT_BOOL ? "write true or false, without quotes"
        : "write a list: [\"a\", \"b\"]";
    Diag *dg;
    if (item)
        dg = diag(ctx, D_PLUGIN_INPUT_TYPE, at, "input '%s' of %s is a list "
                  "of strings, and this item is %s; %s", in->name,
                  pd->display, value_type_name(t), "put it in quotes");
    else
        dg = diag(ctx, D_PLUGIN_INPUT_TYPE, at, "input '%s' of %s is "
                  "declared '%s', but resource '%s' gives it %s; %s",
                  in->name, pd->display, plug_type_name(in->type), d->name,
                  value_type_name(t), fix);
    note(ctx, dg, in->loc, "'%s' declared here as '%s'", in->name,
         plug_type_name(in->type));
}

static void check_value(Ctx *ctx, Decl *d, Decl *pd, const PlugInput *in,
                        const PlugValue *v)
{
    if (!fits(in, v)) {
        type_error(ctx, d, pd, in, v->loc, plug_value_type(v), false);
        return;
    }
    for (int i = 0; i < v->nelems; i++) {
        const Expr *x = v->elems[i];
        Decl *target = ref_target(x);
        if (x->type != VT_NONE && x->type != VT_STRING &&
            !(target && x->type == VT_NUMBER))
            type_error(ctx, d, pd, in, x->loc, x->type, true);
    }
}

static void resource_link(Ctx *ctx, Decl *d)
{
    Resource *r = d->data;
    Plugin *p = r && r->plugin ? r->plugin->data : NULL;
    if (!p || p->broken)
        return;
    Decl *pd = r->plugin;
    const char **names = arena_alloc(ctx->arena, sizeof(char *) *
                                     (size_t)(p->inputs.len + 1));
    for (int i = 0; i < p->inputs.len; i++)
        names[i] = ((PlugInput *)p->inputs.items[i])->name;
    for (int i = 0; i < r->given.len; i++) {
        Given *g = r->given.items[i];
        PlugInput *in = strmap_get(&p->input_names, g->name);
        if (in) {
            check_value(ctx, d, pd, in, g->value);
            continue;
        }
        const char *dym = did_you_mean(ctx, g->name, names, p->inputs.len,
                                       NULL);
        Diag *dg;
        if (dym[0])
            dg = diag(ctx, D_PLUGIN_UNKNOWN_INPUT, g->loc, "%s has no input "
                      "'%s'%s", pd->display, g->name, dym);
        else
            dg = diag(ctx, D_PLUGIN_UNKNOWN_INPUT, g->loc, "%s has no input "
                      "'%s'; declare it in the plugin ('in %s: string') or "
                      "remove this line", pd->display, g->name, g->name);
        note(ctx, dg, pd->name_loc, "%s declared here", pd->display);
    }
    for (int i = 0; i < p->inputs.len; i++) {
        PlugInput *in = p->inputs.items[i];
        if (in->def || strmap_get(&r->given_names, in->name))
            continue;
        Diag *dg = diag(ctx, D_PLUGIN_MISSING_INPUT, d->name_loc,
                        "resource '%s' does not give input '%s' of %s, which "
                        "has no default; add '%s = ...' to its block",
                        d->name, in->name, pd->display, in->name);
        note(ctx, dg, in->loc, "input '%s' declared here, in %s", in->name,
             pd->display);
    }
}

/* resolve.c asks for every attribute; an unknown one is an output the
 * plugin does not declare. */
static const char *resource_attr_error(Ctx *ctx, Decl *d, const char *attr,
                                       DiagCode *code)
{
    for (int i = 0; i < d->nattrs; i++)
        if (strcmp(d->attrs[i].name, attr) == 0)
            return NULL;
    *code = D_PLUGIN_UNKNOWN_OUTPUT;
    Resource *r = d->data;
    if (!r || !r->plugin)
        return arena_printf(ctx->arena, "resource '%s' has no outputs to "
                            "read: its plugin is unknown", d->name);
    const char **names = arena_alloc(ctx->arena, sizeof(char *) *
                                     (size_t)(d->nattrs + 1));
    Buf list = {0};
    for (int i = 0; i < d->nattrs; i++) {
        names[i] = d->attrs[i].name;
        buf_printf(&list, "%s'%s'", i ? ", " : "", d->attrs[i].name);
    }
    const char *dym = did_you_mean(ctx, attr, names, d->nattrs, NULL);
    const char *msg;
    if (dym[0])
        msg = arena_printf(ctx->arena, "resource '%s' has no output '%s'%s",
                           d->name, attr, dym);
    else if (d->nattrs)
        msg = arena_printf(ctx->arena, "resource '%s' has no output '%s'; "
                           "its %s declares %s", d->name, attr,
                           r->plugin->display, list.data);
    else
        msg = arena_printf(ctx->arena, "resource '%s' has no output '%s': "
                           "its %s declares none; add 'out %s' to it",
                           d->name, attr, r->plugin->display, attr);
    buf_free(&list);
    return msg;
}

static CfnRef resource_ref(Ctx *ctx, Decl *d, const char *attr)
{
    (void)ctx;
    return (CfnRef){.form = CFN_GETATT, .logical = d->logical, .attr = attr};
}

static bool resource_emits(const Resource *r)
{
    return r && r->plugin && r->plugin->data &&
           ((Plugin *)r->plugin->data)->service;
}

static void resource_ids(Ctx *ctx, Decl *d)
{
    if (resource_emits(d->data))
        id_claim(ctx, d, d->logical);
}

/* The SHA-256 of the service's bundle, when the service is a function of
 * this app (`service FUNCTION.arn`) and its plugin does not keep its
 * resources on a code change; else NULL.  The function was bundled first
 * (resource -> plugin -> function), so bundle_for_code returns that one. */
static const char *service_code_hash(Ctx *ctx, Emit *e, const Plugin *p)
{
    const Expr *x = p->service;
    if (p->code_change_kept || !x || x->kind != E_REF || !x->target ||
        x->target->kind != &kind_function)
        return NULL;
    Loc at;
    const char *code = function_code_dir(x->target, &at);
    if (!code)
        return NULL;
    BundleExtra extras[2];
    int n = function_bundle_extras(ctx, x->target, extras);
    const char *runtime, *arch;
    function_platform(x->target, &runtime, &arch);
    BundleRef *b = bundle_for_code(ctx, e, code, at, extras, n, runtime, arch);
    return b->sha256[0] ? b->sha256 : NULL;
}

static void resource_emit(Ctx *ctx, Decl *d, Emit *e)
{
    Resource *r = d->data;
    if (!resource_emits(r))
        return;
    Arena *a = ctx->arena;
    Decl *pd = r->plugin;
    Plugin *p = pd->data;
    CfnNode *res = emit_resource(ctx, e, d, d->logical, p->type);
    CfnNode *props = cfn_put_obj(a, res, "Properties");
    cfn_put(a, props, "ServiceToken", expr_cfn(ctx, d->loc, p->service));
    cfn_put_num(a, props, "ServiceTimeout", p->timeout);
    for (int i = 0; i < p->inputs.len; i++) {
        PlugInput *in = p->inputs.items[i];
        Given *g = strmap_get(&r->given_names, in->name);
        PlugValue *v = g ? g->value : in->def;
        if (v)
            cfn_put(a, props, in->name, plug_value_cfn(ctx, d->loc, in, v));
    }
    CfnNode *hp = cfn_put_obj(a, props, "HitcPlugin");
    cfn_put_str(a, hp, "Plugin", pd->name);
    CfnNode *types = cfn_put_obj(a, hp, "Types");
    CfnNode *replace = cfn_put_arr(a, hp, "Replace");
    for (int i = 0; i < p->inputs.len; i++) {
        PlugInput *in = p->inputs.items[i];
        cfn_put_str(a, types, in->name, plug_type_name(in->type));
        if (in->replace)
            cfn_arr_push(a, replace, cfn_str(a, d->loc, in->name));
    }
    CfnNode *outs = cfn_put_arr(a, hp, "Outputs");
    for (int i = 0; i < p->nouts; i++)
        cfn_arr_push(a, outs, cfn_str(a, d->loc, p->outs[i].name));
    if (r->service_code)
        cfn_put_str(a, hp, "ServiceCode", r->service_code);
}

/* The bundle phase: the service's code hash, which its resources carry. */
static void resource_bundle(Ctx *ctx, Decl *d, Emit *e)
{
    Resource *r = d->data;
    if (resource_emits(r))
        r->service_code = service_code_hash(ctx, e, r->plugin->data);
}

const Kind kind_resource = {
    .keyword = "resource",
    .noun = "resource",
    .named = true,
    .suffix = "Resource",
    .check = resource_check,
    .link = resource_link,
    .attr_error = resource_attr_error,
    .ref = resource_ref,
    .ids = resource_ids,
    .bundle = resource_bundle,
    .emit = resource_emit,
    .attr_error_unknown = true,
};
