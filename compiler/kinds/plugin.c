/*
 * kinds/plugin.c: `plugin NAME { service EXPR; in NAME: TYPE [replace]
 * [= DEFAULT], ...; out NAME, ...; timeout DURATION }`.
 *
 * A plugin makes no resource of its own: each `resource NAME: PLUGIN`
 * (kinds/resource.c) becomes one Custom::PascalCase(NAME) whose
 * ServiceToken is the service.  The plugin is a node of the graph, with
 * an edge to what its service refers to, so `service seeder.arn` deploys
 * the function seeder before any resource of the plugin.  A function that
 * is a plugin's service gets the plugin kit (runtime-support/plugin/,
 * embedded in hitc) at the root of its bundle: the plugin contributes to
 * it (contribute, Kind.bundle_extra: plugin_kit()) and keeps it in the
 * root stack of a split app (Kind.pins_to_root).
 * The protocol between the template and the kit is docs/plugins.md's.
 */
#include <string.h>

#include "bundle.h"
#include "cfn.h"
#include "hitc.h"
#include "plugin.h"

/* The kit files, embedded by compiler/tools/embed.c (Makefile). */
extern const unsigned char hitc_kit_py[], hitc_kit_js[];
extern const size_t hitc_kit_py_len, hitc_kit_js_len;

#define PLUGIN_DEFAULT_TIMEOUT 300
#define PLUGIN_MIN_TIMEOUT 60
#define PLUGIN_MAX_TIMEOUT 3600
/* CloudFormation: a custom resource type name is at most 60 characters. */
#define CUSTOM_TYPE_MAX 60

static const char *const type_names[] = {"string", "number", "bool", "list"};
static const ValueType type_values[] = {VT_STRING, VT_NUMBER, VT_BOOL,
                                        VT_LIST};
/* Properties of the custom resource that are not inputs (the kit's
 * PROTOCOL_KEYS). */
static const char *const reserved_inputs[] = {"ServiceToken",
                                              "ServiceTimeout", "HitcPlugin"};

const char *plug_type_name(ValueType t)
{
    for (int i = 0; i < 4; i++)
        if (type_values[i] == t)
            return type_names[i];
    return "value";
}

/* ---- values ---------------------------------------------------------- */

static Expr *literal_expr(Ctx *ctx, const Item *it, const char *what)
{
    if (it->kind == I_STRING) {
        if (!string_literal(ctx, it, what))
            return NULL;
    } else if (it->kind != I_NUMBER) {
        diag(ctx, D_BAD_VALUE, it->loc, "%s must be a literal (a string, a "
             "number, true, false or a list of strings), found %s", what,
             item_describe(ctx->arena, it));
        return NULL;
    }
    return expr_from_item(ctx, it);
}

PlugValue *plug_value_read(Ctx *ctx, const Item *it, bool literal,
                           const char *what)
{
    PlugValue *v = arena_alloc(ctx->arena, sizeof *v);
    v->loc = it->loc;
    if (item_is_word(it, "true") || item_is_word(it, "false")) {
        v->form = VT_BOOL;
        v->b = it->text[0] == 't';
        return v;
    }
    if (it->kind != I_LIST) {
        v->expr = literal ? literal_expr(ctx, it, what)
                          : expr_from_item(ctx, it);
        return v->expr ? v : NULL;
    }
    v->form = VT_LIST;
    v->elems = arena_alloc(ctx->arena, sizeof(Expr *) *
                           (size_t)(it->nelems + 1));
    bool ok = true;
    for (int i = 0; i < it->nelems; i++) {
        const Item *el = it->elems[i];
        Expr *x = NULL;
        if (el->kind == I_LIST || item_is_word(el, "true") ||
            item_is_word(el, "false"))
            diag(ctx, literal ? D_PLUGIN_DEFAULT_TYPE : D_PLUGIN_INPUT_TYPE,
                 el->loc, "a list holds strings, so %s cannot hold %s; %s",
                 what, el->kind == I_LIST ? "a list" : "a boolean",
                 el->kind == I_LIST ? "write its items in one list"
                                    : "write it in quotes");
        else
            x = literal ? literal_expr(ctx, el, what)
                        : expr_from_item(ctx, el);
        ok &= x != NULL;
        v->elems[v->nelems++] = x;
    }
    return ok ? v : NULL;
}

ValueType plug_value_type(const PlugValue *v)
{
    return v->form != VT_NONE ? v->form : v->expr->type;
}

CfnNode *plug_value_cfn(Ctx *ctx, Loc at, const PlugInput *in,
                        const PlugValue *v)
{
    Arena *a = ctx->arena;
    if (v->form == VT_BOOL)
        return cfn_bool(a, at, v->b);
    if (v->form == VT_LIST) {
        CfnNode *arr = cfn_arr(a, at);
        for (int i = 0; i < v->nelems; i++)
            cfn_arr_push(a, arr, expr_cfn(ctx, at, v->elems[i]));
        return arr;
    }
    if (in->type == VT_NUMBER && v->expr->kind == E_NUMBER)
        return cfn_num(a, at, v->expr->num);
    return expr_cfn(ctx, at, v->expr);
}

/* ---- fields ---------------------------------------------------------- */

static Plugin *pl(Decl *d)
{
    return d->data;
}

static void field_service(Ctx *ctx, Decl *d, Stmt *s)
{
    if (!want_items(ctx, s, 2, 2, "service EXPR (a Lambda ARN: a string, "
                    "or FUNCTION.arn)"))
        return;
    Expr *x = expr_from_item(ctx, s->items[1]);
    pl(d)->service = x;
    use_expr(ctx, d, x, "service");
}

/* Does the default's literal form fit the input's type?  (References are
 * not allowed in a default, so the form is known now.) */
static void check_default(Ctx *ctx, Decl *d, PlugInput *in)
{
    ValueType t = plug_value_type(in->def);
    bool ok = t == in->type;
    for (int i = 0; ok && t == VT_LIST && i < in->def->nelems; i++)
        if (in->def->elems[i]->type != VT_STRING) {
            Diag *dg = diag(ctx, D_PLUGIN_DEFAULT_TYPE, in->def->elems[i]->loc,
                            "the default of input '%s' of %s is a list of "
                            "strings; write this item in quotes", in->name,
                            d->display);
            note(ctx, dg, in->loc, "'%s' declared here as a list", in->name);
            return;
        }
    if (ok)
        return;
    const char *fix = in->type == VT_STRING ? "put it in quotes"
        : in->type == VT_NUMBER ? "write a whole number without quotes"
        : in->type == VT_BOOL ? "write true or false, without quotes"
        : "write a list of strings: [\"a\", \"b\"]";
    Diag *dg = diag(ctx, D_PLUGIN_DEFAULT_TYPE, in->def->loc,
                    "the default of input '%s' of %s is %s, but the input is "
                    "declared '%s'; %s", in->name, d->display,
                    value_type_name(t), plug_type_name(in->type), fix);
    note(ctx, dg, in->loc, "'%s' declared here as '%s'", in->name,
         plug_type_name(in->type));
}

static bool add_input(Ctx *ctx, Decl *d, PlugInput *in)
{
    Plugin *p = pl(d);
    for (size_t i = 0; i < sizeof reserved_inputs / sizeof *reserved_inputs;
         i++)
        if (strcmp(in->name, reserved_inputs[i]) == 0) {
            diag(ctx, D_PLUGIN_RESERVED_INPUT, in->loc,
                 "input '%s' would be the custom resource's own property "
                 "'%s' (ServiceToken, ServiceTimeout and HitcPlugin are "
                 "hitc's); rename the input", in->name, in->name);
            return false;
        }
    PlugInput *o = strmap_get(&p->input_names, in->name);
    if (o) {
        Diag *dg = diag(ctx, D_DUPLICATE_NAME, in->loc,
                        "input '%s' is declared twice in %s", in->name,
                        d->display);
        note(ctx, dg, o->loc, "first declared here");
        return false;
    }
    vec_push(ctx->arena, &p->inputs, in);
    strmap_put(ctx->arena, &p->input_names, in->name, in);
    return true;
}

/* in NAME: TYPE [replace] [= DEFAULT] { , NAME: TYPE ... } */
static bool read_in(Ctx *ctx, Decl *d, Stmt *s);

static void field_in(Ctx *ctx, Decl *d, Stmt *s)
{
    if (!read_in(ctx, d, s))
        pl(d)->broken = true;
}

static bool read_in(Ctx *ctx, Decl *d, Stmt *s)
{
    const char *usage = "in NAME: string|number|bool|list [replace] "
                        "[= DEFAULT], ...";
    int i = 1;
    if (s->nitems < 2) {
        diag(ctx, D_EXPECTED, s->items[0]->loc, "expected '%s'", usage);
        return false;
    }
    while (i < s->nitems) {
        Item *name = s->items[i];
        if (name->kind != I_WORD || !is_name(name->text)) {
            diag(ctx, D_EXPECTED, name->loc, "expected an input's name, "
                 "found %s; write '%s'", item_describe(ctx->arena, name),
                 usage);
            return false;
        }
        if (i + 2 >= s->nitems || !item_is_punct(s->items[i + 1], T_COLON)) {
            diag(ctx, D_EXPECTED, i + 1 < s->nitems ? s->items[i + 1]->loc
                                                     : name->loc,
                 "expected ': TYPE' after input '%s' (string, number, bool "
                 "or list)", name->text);
            return false;
        }
        int t = want_choice(ctx, s, i + 2, "input type", type_names, 4);
        if (t < 0)
            return false;
        PlugInput *in = arena_alloc(ctx->arena, sizeof *in);
        in->name = name->text;
        in->loc = name->loc;
        in->type = type_values[t];
        i += 3;
        if (i < s->nitems && item_is_word(s->items[i], "replace")) {
            in->replace = true;
            i++;
        }
        if (i < s->nitems && item_is_punct(s->items[i], T_EQUAL)) {
            if (i + 1 >= s->nitems) {
                diag(ctx, D_EXPECTED, s->items[i]->loc,
                     "expected the default of input '%s' after '='",
                     name->text);
                return false;
            }
            in->def = plug_value_read(ctx, s->items[i + 1], true,
                                      arena_printf(ctx->arena, "the default "
                                                   "of input '%s'",
                                                   name->text));
            i += 2;
            if (!in->def)
                return false;
        }
        if (add_input(ctx, d, in) && in->def)
            check_default(ctx, d, in);
        if (i < s->nitems) {
            if (!item_is_punct(s->items[i], T_COMMA)) {
                diag(ctx, D_EXPECTED, s->items[i]->loc, "expected ',' or the "
                     "end of the line after input '%s', found %s; write '%s'",
                     name->text, item_describe(ctx->arena, s->items[i]),
                     usage);
                return false;
            }
            if (++i == s->nitems) {
                diag(ctx, D_EXPECTED, s->items[i - 1]->loc,
                     "expected another input after ','");
                return false;
            }
        }
    }
    return true;
}

/* out NAME { , NAME } */
static void field_out(Ctx *ctx, Decl *d, Stmt *s)
{
    Plugin *p = pl(d);
    if (s->nitems < 2) {
        diag(ctx, D_EXPECTED, s->items[0]->loc, "expected 'out NAME, ...'");
        return;
    }
    for (int i = 1; i < s->nitems; i += 2) {
        Item *name = s->items[i];
        if (name->kind != I_WORD || !is_name(name->text)) {
            diag(ctx, D_EXPECTED, name->loc, "expected an output's name, "
                 "found %s", item_describe(ctx->arena, name));
            return;
        }
        Loc *first = strmap_get(&p->out_names, name->text);
        if (first) {
            Diag *dg = diag(ctx, D_DUPLICATE_NAME, name->loc,
                            "output '%s' is declared twice in %s", name->text,
                            d->display);
            note(ctx, dg, *first, "first declared here");
        } else {
            if (p->nouts == p->outs_cap) {
                p->outs_cap = p->outs_cap ? 2 * p->outs_cap : 8;
                Attr *more = arena_alloc(ctx->arena, sizeof(Attr) *
                                         (size_t)p->outs_cap);
                if (p->nouts)
                    memcpy(more, p->outs, sizeof(Attr) * (size_t)p->nouts);
                p->outs = more;
            }
            p->outs[p->nouts++] = (Attr){name->text, VT_STRING, NULL};
            Loc *at = arena_alloc(ctx->arena, sizeof *at);
            *at = name->loc;
            strmap_put(ctx->arena, &p->out_names, name->text, at);
        }
        if (i + 1 < s->nitems && !item_is_punct(s->items[i + 1], T_COMMA)) {
            diag(ctx, D_EXPECTED, s->items[i + 1]->loc, "expected ',' or the "
                 "end of the line after output '%s', found %s", name->text,
                 item_describe(ctx->arena, s->items[i + 1]));
            return;
        }
        if (i + 1 == s->nitems - 1) {
            diag(ctx, D_EXPECTED, s->items[i + 1]->loc,
                 "expected another output after ','");
            return;
        }
    }
}

static void field_timeout(Ctx *ctx, Decl *d, Stmt *s)
{
    static const char *const units[] = {"", "s", "m", "h"};
    static const long long factors[] = {1, 1, 60, 3600};
    long long v;
    if (!want_items(ctx, s, 2, 2, "timeout DURATION (1m to 1h)") ||
        !want_number(ctx, s, 1, "the timeout", &v))
        return;
    const char *unit = s->items[1]->unit;
    long long sec = -1;
    for (int i = 0; i < 4; i++)
        if (strcmp(unit, units[i]) == 0)
            sec = v * factors[i];
    if (sec < 0) {
        diag(ctx, D_BAD_NUMBER, s->items[1]->loc,
             "unknown unit '%s' for a plugin's timeout; use s, m or h", unit);
        return;
    }
    if (sec < PLUGIN_MIN_TIMEOUT || sec > PLUGIN_MAX_TIMEOUT) {
        diag(ctx, D_PLUGIN_TIMEOUT, s->items[1]->loc,
             "a plugin's timeout must be from 1m to 1h (60 to 3600 seconds, "
             "CloudFormation's ServiceTimeout), not %lld seconds", sec);
        return;
    }
    pl(d)->timeout = sec;
}

/* on-code-change update|keep: CloudFormation calls a service only when a
 * resource's properties change, so by default each resource carries the
 * service's bundle hash (resource.c), and new code is an Update of each. */
static void field_on_code_change(Ctx *ctx, Decl *d, Stmt *s)
{
    static const char *const choices[] = {"update", "keep"};
    if (!want_items(ctx, s, 2, 2, "on-code-change update|keep"))
        return;
    int c = want_choice(ctx, s, 1, "on-code-change", choices, 2);
    if (c >= 0)
        pl(d)->code_change_kept = c == 1;
}

static const Field plugin_fields[] = {
    {"service", false, field_service},
    {"in", true, field_in},
    {"out", true, field_out},
    {"timeout", false, field_timeout},
    {"on-code-change", false, field_on_code_change},
};

static void plugin_check(Ctx *ctx, Decl *d)
{
    if (d->data)
        return;             /* read already, on a resource's demand */
    Plugin *p = arena_alloc(ctx->arena, sizeof *p);
    p->timeout = PLUGIN_DEFAULT_TIMEOUT;
    d->data = p;
    const char *pascal = pascal_case(ctx->arena, d->name);
    p->type = arena_printf(ctx->arena, "Custom::%s", pascal);
    if (strlen(p->type) > CUSTOM_TYPE_MAX)
        diag(ctx, D_BAD_NAME, d->name_loc, "plugin name '%s' is too long: "
             "its resources' type 'Custom::%s' would pass CloudFormation's "
             "%d characters; use a name of at most %d letters and digits",
             d->name, pascal, CUSTOM_TYPE_MAX, CUSTOM_TYPE_MAX - 8);
    if (!want_items(ctx, d->stmt, 2, 2, "plugin NAME { service ...; in ...; "
                    "out ... }"))
        return;
    check_fields(ctx, d, d->stmt, plugin_fields,
                 sizeof plugin_fields / sizeof *plugin_fields);
    for (int j = 0; j < d->stmt->nblock; j++)
        if (d->stmt->block[j]->bad &&
            item_is_word(d->stmt->block[j]->items[0], "in"))
            p->broken = true;       /* a syntax error cut it short */
    if (!d->stmt->has_block || p->service)
        return;
    for (int j = 0; j < d->stmt->nblock; j++)
        if (item_is_word(d->stmt->block[j]->items[0], "service"))
            return;         /* written, with an error of its own */
    diag(ctx, D_MISSING_FIELD, d->name_loc, "plugin '%s' needs a 'service' "
         "line: the Lambda function that answers for its resources "
         "('service FUNCTION.arn', or an ARN string)", d->name);
}

Plugin *plugin_of(Ctx *ctx, Decl *d)
{
    if (!d->data && d->stmt)
        plugin_check(ctx, d);
    return d->data;
}

/* The service must be a Lambda function's ARN: a string. */
static void plugin_link(Ctx *ctx, Decl *d)
{
    Plugin *p = d->data;
    Expr *x = p ? p->service : NULL;
    if (!x)
        return;
    /* Its service gets the kit and stays in the root (Kind.bundle_extra,
     * Kind.pins_to_root). */
    if (x->kind == E_REF && x->target && x->target->name)
        contribute(ctx, x->target, d);
    refuse_secret(ctx, x, "the service would write",
                        "in plain text as each resource's ServiceToken, "
                        "which anyone who may describe the stack sees; a "
                        "service is a Lambda function's ARN, not a secret");
    if (x->kind == E_REF && x->target && x->target->kind == &kind_function &&
        x->attr && strcmp(x->attr, "arn") != 0) {
        diag(ctx, D_PLUGIN_SERVICE, x->loc, "a plugin's service is a Lambda "
             "function's ARN, and '%s' is its %s; write '%s.arn'", x->name,
             x->attr, x->name);
        return;
    }
    if (x->type != VT_NONE && x->type != VT_STRING)
        diag(ctx, D_PLUGIN_SERVICE, x->loc, "a plugin's service is a Lambda "
             "function's ARN (a string), not %s; write FUNCTION.arn or an "
             "ARN in quotes", value_type_name(x->type));
    else
        want_arn(ctx, x, "lambda", D_PLUGIN_SERVICE,
                 "a plugin's service is a Lambda function's ARN");
}

/* ---- the kit --------------------------------------------------------- */

/* The kit a plugin's service gets at the root of its bundle (it
 * contributes to it, plugin_link), on a python* or nodejs* runtime:
 * hitc_plugin.py or hitc_plugin.js, embedded in hitc. */
static bool plugin_kit(Ctx *ctx, const Decl *d, const char *runtime,
                       BundleExtra *out)
{
    (void)ctx, (void)d;
    BundleFile f;
    if (strncmp(runtime, "python", 6) == 0)
        f = (BundleFile){"hitc_plugin.py", hitc_kit_py, hitc_kit_py_len, 0};
    else if (strncmp(runtime, "nodejs", 6) == 0)
        f = (BundleFile){"hitc_plugin.js", hitc_kit_js, hitc_kit_js_len, 0};
    else
        return false;
    *out = (BundleExtra){f, "the plugin kit that hitc adds to a plugin's "
                         "service", "the kit", D_PLUGIN_KIT_CLASH};
    return true;
}

const Kind kind_plugin = {
    .keyword = "plugin",
    .noun = "plugin",
    .named = true,
    .check = plugin_check,
    .link = plugin_link,
    .bundle_extra = plugin_kit,
    .pins_to_root = true,
};
