/*
 * kinds/param.c: `param NAME: string|number [= DEFAULT] [{ allowed [...];
 * pattern "REGEX"; secret }]`, and the built-in `stage`.
 *
 * Becomes a CloudFormation parameter named PascalCase(NAME).  hitc checks
 * the default against `allowed` and, with PCRE2, against `pattern`, which
 * (like CloudFormation's AllowedPattern) must match the whole value.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <string.h>

#include "cfn.h"
#include "hitc.h"

typedef struct Param {
    bool number;
    Item *def;
    Item *allowed;
    const char *pattern;
    Loc pattern_loc;
    bool secret;
} Param;

static const char *const param_types[] = {"string", "number"};

static Param *param_of(Decl *d)
{
    return d->data;
}

static void field_allowed(Ctx *ctx, Decl *d, Stmt *s)
{
    if (!want_items(ctx, s, 2, 2, "allowed [VALUE, ...]"))
        return;
    Item *list = s->items[1];
    if (list->kind != I_LIST || list->nelems == 0) {
        diag(ctx, D_BAD_VALUE, list->loc,
             "expected a non-empty list of values, as in '[\"a\", \"b\"]'");
        return;
    }
    Param *p = param_of(d);
    for (int i = 0; i < list->nelems; i++) {
        Item *v = list->elems[i];
        ItemKind want = p->number ? I_NUMBER : I_STRING;
        if (v->kind != want) {
            diag(ctx, D_BAD_VALUE, v->loc, "parameter '%s' is a %s, so its "
                 "allowed values must be %ss", d->name,
                 param_types[p->number], param_types[p->number]);
            return;
        }
        if (v->kind == I_STRING && !string_literal(ctx, v, "an allowed value"))
            return;
    }
    p->allowed = list;
}

static void field_pattern(Ctx *ctx, Decl *d, Stmt *s)
{
    if (!want_items(ctx, s, 2, 2, "pattern \"REGEX\""))
        return;
    Param *p = param_of(d);
    if (p->number) {
        diag(ctx, D_BAD_VALUE, s->items[0]->loc,
             "'pattern' applies to string parameters; '%s' is a number",
             d->name);
        return;
    }
    const char *re = want_string(ctx, s, 1, "a regular expression");
    if (!re)
        return;
    int err;
    PCRE2_SIZE off;
    pcre2_code *code = pcre2_compile((PCRE2_SPTR)re, PCRE2_ZERO_TERMINATED,
                                     PCRE2_UTF, &err, &off, NULL);
    if (!code && err == PCRE2_ERROR_HEAP_FAILED)
        out_of_memory();
    if (!code) {
        PCRE2_UCHAR msg[256];
        pcre2_get_error_message(err, msg, sizeof msg);
        diag(ctx, D_BAD_PATTERN, s->items[1]->loc,
             "pattern is not a valid regular expression: %s (at offset %zu)",
             (char *)msg, (size_t)off);
        return;
    }
    pcre2_code_free(code);
    p->pattern = re;
    p->pattern_loc = s->items[1]->loc;
}

static void field_secret(Ctx *ctx, Decl *d, Stmt *s)
{
    if (want_items(ctx, s, 1, 1, "secret"))
        param_of(d)->secret = true;
}

static const Field param_fields[] = {
    {"allowed", false, field_allowed},
    {"pattern", false, field_pattern},
    {"secret", false, field_secret},
};

static bool pattern_matches(const char *re, const char *value)
{
    int err;
    PCRE2_SIZE off;
    pcre2_code *code = pcre2_compile((PCRE2_SPTR)re, PCRE2_ZERO_TERMINATED,
                                     PCRE2_UTF, &err, &off, NULL);
    if (!code && err == PCRE2_ERROR_HEAP_FAILED)
        out_of_memory();
    if (!code)
        return false;
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(code, NULL);
    if (!md)
        out_of_memory();
    int rc = pcre2_match(code, (PCRE2_SPTR)value, strlen(value), 0,
                         PCRE2_ANCHORED | PCRE2_ENDANCHORED, md, NULL);
    if (rc == PCRE2_ERROR_NOMEMORY)
        out_of_memory();
    pcre2_match_data_free(md);
    pcre2_code_free(code);
    return rc >= 0;
}

static const char *item_value(Ctx *ctx, const Item *it)
{
    if (it->kind == I_NUMBER)
        return arena_printf(ctx->arena, "%lld", it->num);
    return it->parts ? it->parts->text : "";
}

static void check_default(Ctx *ctx, Decl *d)
{
    Param *p = param_of(d);
    if (!p->def)
        return;
    if (p->secret) {
        diag(ctx, D_SECRET_PLAIN, p->def->loc, "secret parameter '%s' has a "
             "default, which the template holds in plain text for anyone who "
             "may read it; drop the default and give the value when the stage "
             "is deployed (--parameter-overrides)", d->name);
        return;
    }
    const char *value = item_value(ctx, p->def);
    if (p->pattern && !pattern_matches(p->pattern, value)) {
        Diag *dg = diag(ctx, D_PATTERN_MISMATCH, p->def->loc,
                        "default '%s' does not match the pattern of parameter "
                        "'%s'", value, d->name);
        note(ctx, dg, p->pattern_loc, "pattern given here");
    }
    if (p->allowed) {
        bool found = false;
        for (int i = 0; i < p->allowed->nelems; i++)
            found |= strcmp(item_value(ctx, p->allowed->elems[i]), value) == 0;
        if (!found) {
            Diag *dg = diag(ctx, D_PATTERN_MISMATCH, p->def->loc,
                            "default '%s' is not one of the allowed values of "
                            "parameter '%s'", value, d->name);
            note(ctx, dg, p->allowed->loc, "allowed values given here");
        }
    }
}

static void param_check(Ctx *ctx, Decl *d)
{
    Stmt *s = d->stmt;
    const char *usage = "param NAME: string|number [= DEFAULT]";
    Param *p = arena_alloc(ctx->arena, sizeof *p);
    d->data = p;
    if (s->nitems < 3 || !item_is_punct(s->items[2], T_COLON)) {
        diag(ctx, D_EXPECTED, s->nitems > 2 ? s->items[2]->loc : s->items[1]->loc,
             "expected ':' and a type after the parameter's name: '%s'", usage);
        return;
    }
    int type = want_choice(ctx, s, 3, "parameter type", param_types, 2);
    if (type < 0)
        return;
    p->number = type == 1;
    if (s->nitems > 4) {
        if (!item_is_punct(s->items[4], T_EQUAL) || s->nitems != 6) {
            diag(ctx, D_EXPECTED, s->items[4]->loc, "expected '= DEFAULT' or "
                 "the end of the line: '%s'", usage);
            return;
        }
        Item *def = s->items[5];
        if (def->kind != (p->number ? I_NUMBER : I_STRING)) {
            diag(ctx, D_BAD_VALUE, def->loc, "the default of %s parameter '%s' "
                 "must be a %s", p->number ? "number" : "string", d->name,
                 param_types[p->number]);
            return;
        }
        if (def->kind == I_NUMBER && def->unit[0]) {
            diag(ctx, D_BAD_NUMBER, def->loc, "a parameter default cannot "
                 "carry a unit ('%s')", def->unit);
            return;
        }
        if (def->kind == I_STRING && !string_literal(ctx, def, "a default"))
            return;
        p->def = def;
    }
    if (strcmp(d->logical, hitc_ids[HID_CODE_BUCKET]) == 0 ||
        strcmp(d->logical, hitc_ids[HID_CODE_PREFIX]) == 0) {
        diag(ctx, D_LOGICAL_ID_CLASH, d->name_loc,
             "parameter '%s' would be the template's '%s', which hitc makes; "
             "rename it", d->name, d->logical);
        return;
    }
    if (s->has_block)
        check_fields(ctx, d, s, param_fields,
                     sizeof param_fields / sizeof *param_fields);
    check_default(ctx, d);
}

static bool param_secret(const Decl *d)
{
    return d->data && ((Param *)d->data)->secret;
}

static ValueType param_type(const Decl *d)
{
    const Param *p = d->data;
    return p && p->number ? VT_NUMBER : VT_STRING;
}

static CfnRef param_ref(Ctx *ctx, Decl *d, const char *attr)
{
    (void)ctx, (void)attr;
    return (CfnRef){.form = CFN_REF, .logical = d->logical};
}

static void param_ids(Ctx *ctx, Decl *d)
{
    if (!d->builtin && d->data)
        id_claim(ctx, d, d->logical);
}

static void param_emit(Ctx *ctx, Decl *d, Emit *e)
{
    Param *p = d->data;
    if (d->builtin || !p)
        return;
    if (!emit_claim(ctx, e, d, d->logical))
        return;
    CfnNode *o = cfn_put(ctx->arena, e->parameters, d->logical,
                         cfn_obj(ctx->arena, d->loc));
    cfn_put_str(ctx->arena, o, "Type", p->number ? "Number" : "String");
    if (p->def)
        cfn_put_str(ctx->arena, o, "Default", item_value(ctx, p->def));
    if (p->allowed) {
        CfnNode *a = cfn_put_arr(ctx->arena, o, "AllowedValues");
        for (int i = 0; i < p->allowed->nelems; i++)
            cfn_arr_push(ctx->arena, a, cfn_str(ctx->arena, d->loc,
                                      item_value(ctx, p->allowed->elems[i])));
    }
    if (p->pattern)
        cfn_put_str(ctx->arena, o, "AllowedPattern", p->pattern);
    if (p->secret)
        cfn_put_bool(ctx->arena, o, "NoEcho", true);
}

const Kind kind_param = {
    .keyword = "param",
    .noun = "parameter",
    .named = true,
    .is_value = true,
    .check = param_check,
    .ref = param_ref,
    .ids = param_ids,
    .emit = param_emit,
    .is_parameter = true,
    .warn_unused = true,
    .value_type = param_type,
    .secret = param_secret,
};
