/*
 * emit.c: the resolved program to a CloudFormation tree.
 *
 * In: prog.order (dependencies first).  Out: a cJSON template whose
 * resources each kind adds (kinds/), and the code bundles it names.
 * Holds: keys come in a fixed order; nothing that varies (paths of this
 * machine, time, pointers) reaches the tree.  json_render prints it with
 * two-space indents and one trailing newline, the same bytes every time.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bundle.h"
#include "hitc.h"

cJSON *cfn_ref(const char *logical)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "Ref", logical);
    return o;
}

cJSON *cfn_getatt(const char *logical, const char *attr)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *a = cJSON_AddArrayToObject(o, "Fn::GetAtt");
    cJSON_AddItemToArray(a, cJSON_CreateString(logical));
    cJSON_AddItemToArray(a, cJSON_CreateString(attr));
    return o;
}

cJSON *cfn_sub(const char *fmt)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "Fn::Sub", fmt);
    return o;
}

cJSON *cfn_strings(int n, ...)
{
    cJSON *a = cJSON_CreateArray();
    va_list ap;
    va_start(ap, n);
    for (int i = 0; i < n; i++)
        cJSON_AddItemToArray(a, cJSON_CreateString(va_arg(ap, const char *)));
    va_end(ap);
    return a;
}

bool emit_claim(Ctx *ctx, Emit *e, Decl *owner, const char *logical)
{
    Decl *first = strmap_get(&e->owners, logical);
    if (!first) {
        strmap_put(ctx->arena, &e->owners, arena_strdup(ctx->arena, logical),
                   owner);
        return true;
    }
    /* The error stands at the later declaration of the file, or at the
     * user's when the other is hitc's own. */
    Decl *at = owner, *other = first;
    if (first->name_loc.src &&
        (!owner->name_loc.src || first->index > owner->index))
        at = first, other = owner;
    const char *other_display = other == ctx->prog.stage
        ? "hitc's built-in parameter 'stage'" : other->display;
    Diag *d;
    if (owner->kind != &kind_param && first->kind != &kind_param)
        d = diag(ctx, D_LOGICAL_ID_CLASH, at->name_loc,
                 "%s and %s would both make the CloudFormation resource "
                 "'%s'; rename one", at->display, other_display, logical);
    else
        d = diag(ctx, D_LOGICAL_ID_CLASH, at->name_loc,
                 "%s and %s would both be '%s' in the template, where "
                 "parameters and resources share one set of logical IDs; "
                 "rename one", at->display, other_display, logical);
    if (other->name_loc.src)
        note(ctx, d, other->name_loc, "%s declared here", other->display);
    return false;
}

cJSON *emit_resource(Ctx *ctx, Emit *e, Decl *owner, const char *logical,
                     const char *type)
{
    cJSON *res = cJSON_CreateObject();
    cJSON_AddStringToObject(res, "Type", type);
    if (!emit_claim(ctx, e, owner, logical)) {
        cJSON_AddItemToArray(e->discard, res);
        return res;
    }
    cJSON_AddItemToObject(e->resources, logical, res);
    return res;
}

bool emit_claim_output(Ctx *ctx, Emit *e, Decl *owner, const char *logical)
{
    Decl *first = strmap_get(&e->output_owners, logical);
    if (!first) {
        strmap_put(ctx->arena, &e->output_owners,
                   arena_strdup(ctx->arena, logical), owner);
        return true;
    }
    Decl *at = owner, *other = first;
    if (first->index > owner->index)
        at = first, other = owner;
    Diag *d = diag(ctx, D_LOGICAL_ID_CLASH, at->name_loc,
                   "%s and %s would both be the template's output '%s'; "
                   "rename one", at->display, other->display, logical);
    note(ctx, d, other->name_loc, "%s declared here", other->display);
    return false;
}

bool emit_has_resource(const Emit *e, const char *logical)
{
    const Decl *owner = strmap_get(&e->owners, logical);
    return owner && owner->kind != &kind_param;   /* a parameter is no resource */
}

/* A literal piece of a Fn::Sub string: "${" must read "${!". */
static void sub_literal(Buf *b, const char *s)
{
    for (; *s; s++) {
        buf_add(b, s, 1);
        if (s[0] == '$' && s[1] == '{')
            buf_puts(b, "{!"), s++;
    }
}

static void sub_ref(Ctx *ctx, Buf *b, const Expr *r)
{
    CfnRef c = r->target->kind->ref(ctx, r->target, r->attr);
    if (c.form == CFN_SUB)
        buf_puts(b, c.sub);
    else if (c.form == CFN_GETATT)
        buf_printf(b, "${%s.%s}", c.logical, c.attr);
    else
        buf_printf(b, "${%s}", c.logical);
}

cJSON *expr_cfn(Ctx *ctx, const Expr *x)
{
    switch (x->kind) {
    case E_STRING:
        return cJSON_CreateString(x->text);
    case E_NUMBER: {
        char num[32];
        snprintf(num, sizeof num, "%lld", x->num);
        return cJSON_CreateString(num);
    }
    case E_REF: {
        CfnRef c = x->target->kind->ref(ctx, x->target, x->attr);
        if (c.form == CFN_SUB)
            return cfn_sub(c.sub);
        if (c.form == CFN_GETATT)
            return cfn_getatt(c.logical, c.attr);
        return cfn_ref(c.logical);
    }
    case E_INTERP: {
        Buf b = {0};
        for (int i = 0; i < x->nrefs; i++) {
            sub_literal(&b, x->lits[i]);
            sub_ref(ctx, &b, x->refs[i]);
        }
        sub_literal(&b, x->lits[x->nrefs]);
        cJSON *o = cfn_sub(b.data);
        buf_free(&b);
        return o;
    }
    }
    return cJSON_CreateNull();
}

BundleRef *bundle_for(Ctx *ctx, Emit *e, const char *source, Loc loc)
{
    char *path = arena_printf(ctx->arena, "%s/%s", loc.src ? loc.src->dir : ctx->root, source);
    char real[PATH_MAX];
    const char *key = realpath(path, real) ? real : path;
    for (int i = 0; i < e->bundles.len; i++) {
        BundleRef *b = e->bundles.items[i];
        if (strcmp(b->path, key) == 0)
            return b;
    }
    BundleRef *b = arena_alloc(ctx->arena, sizeof *b);
    b->source = source;
    b->path = arena_strdup(ctx->arena, key);
    vec_push(ctx->arena, &e->bundles, b);
    if (e->dry_run) {
        memset(b->sha256, '0', 64);
        return b;
    }
    Bundle zip = {0};
    char err[1024];
    int rc = bundle_dir(path, source, &zip, err, sizeof err);
    if (rc != 0) {
        diag(ctx, rc == BUNDLE_BAD_ENV ? D_BAD_ENV_FILE : D_BUNDLE, loc, "%s", err);
        return b;
    }
    memcpy(b->sha256, zip.sha256, sizeof b->sha256);
    b->data = zip.data;
    b->len = zip.len;
    return b;
}

static cJSON *build_parameters(Ctx *ctx, Emit *e)
{
    cJSON *params = cJSON_CreateObject();
    cJSON *stage = cJSON_AddObjectToObject(params, "Stage");
    cJSON_AddStringToObject(stage, "Type", "String");
    cJSON_AddStringToObject(stage, "Default", "dev");
    cJSON_AddStringToObject(stage, "AllowedPattern", "^[a-z][a-z0-9-]{0,31}$");
    cJSON_AddStringToObject(stage, "Description",
                            "The stage this stack is deployed as");
    if (e->need_code_params) {
        cJSON *bucket = cJSON_AddObjectToObject(params, "CodeBucket");
        cJSON_AddStringToObject(bucket, "Type", "String");
        cJSON_AddStringToObject(bucket, "Description",
                                "The S3 bucket the bundles were uploaded to");
        cJSON *prefix = cJSON_AddObjectToObject(params, "CodePrefix");
        cJSON_AddStringToObject(prefix, "Type", "String");
        cJSON_AddStringToObject(prefix, "Default", "hitc/");
        cJSON_AddStringToObject(prefix, "Description",
                                "The key prefix of the bundles in CodeBucket");
    }
    (void)ctx;
    return params;
}

/* The template's size as written: its text and the final newline. */
static size_t template_size(const Emit *e)
{
    return strlen(e->text) + 1;
}

bool emit_needs_s3(const Emit *e)
{
    return template_size(e) > CFN_MAX_INLINE_BODY;
}

/* Quotas CloudFormation enforces only when the stack is deployed; found
 * here, they fail the build instead of the deploy. */
static void check_limits(Ctx *ctx, Emit *e)
{
    Loc file = {ctx->sources.items[0], 0, 0};
    const struct {
        const char *what;
        cJSON *section;
        int max;
    } counts[] = {
        {"resources", cJSON_GetObjectItemCaseSensitive(e->template, "Resources"),
         CFN_MAX_RESOURCES},
        {"parameters", cJSON_GetObjectItemCaseSensitive(e->template, "Parameters"),
         CFN_MAX_PARAMETERS},
        {"outputs", cJSON_GetObjectItemCaseSensitive(e->template, "Outputs"),
         CFN_MAX_OUTPUTS},
    };
    for (size_t i = 0; i < sizeof counts / sizeof *counts; i++) {
        int n = cJSON_GetArraySize(counts[i].section);
        if (n > counts[i].max)
            diag(ctx, D_TEMPLATE_LIMIT, file, "the template has %d %s; "
                 "CloudFormation takes at most %d in one stack, so split "
                 "the app into more than one", n, counts[i].what,
                 counts[i].max);
    }
    const char *desc = cJSON_GetStringValue(
        cJSON_GetObjectItemCaseSensitive(e->template, "Description"));
    if (desc && strlen(desc) > CFN_MAX_DESCRIPTION)
        diag(ctx, D_TEMPLATE_LIMIT, ctx->prog.app ? ctx->prog.app->loc : file,
             "the template's description (the app's name and description) "
             "is %zu bytes; CloudFormation takes at most %d", strlen(desc),
             CFN_MAX_DESCRIPTION);
    size_t size = template_size(e);
    if (size > CFN_MAX_BODY)
        diag(ctx, D_TEMPLATE_LIMIT, file, "the template is %zu bytes; "
             "CloudFormation takes at most %d, so split the app into more "
             "than one", size, CFN_MAX_BODY);
    else if (emit_needs_s3(e))
        diag(ctx, D_TEMPLATE_SIZE, file, "the template is %zu bytes, over "
             "the %d that CloudFormation takes inline; deploy it with 'aws "
             "cloudformation deploy --s3-bucket BUCKET ...'", size,
             CFN_MAX_INLINE_BODY);
}

cJSON *emit_template(Ctx *ctx, Emit *e)
{
    Program *p = &ctx->prog;
    e->resources = cJSON_CreateObject();
    e->outputs = cJSON_CreateObject();
    e->discard = cJSON_CreateArray();
    e->parameters = cJSON_CreateObject();   /* user params; merged below */
    emit_claim(ctx, e, p->stage, "Stage");
    for (int i = 0; i < p->order.len; i++) {
        Decl *d = p->order.items[i];
        if (d->kind->emit && (d->stmt || d->builtin))
            d->kind->emit(ctx, d, e);
    }
    for (int i = 0; i < nkinds; i++)
        if (kinds[i]->finish)
            kinds[i]->finish(ctx, e);

    cJSON *t = cJSON_CreateObject();
    cJSON_AddStringToObject(t, "AWSTemplateFormatVersion", "2010-09-09");
    const char *app = p->app ? p->app->name : NULL;
    const char *desc = p->app && p->app->data ? (const char *)p->app->data : NULL;
    char *text = arena_printf(ctx->arena, "%s%s%s (built by hitc)",
                              app ? app : "an app",
                              desc ? ": " : "", desc ? desc : "");
    cJSON_AddStringToObject(t, "Description", text);
    cJSON *params = build_parameters(ctx, e);
    for (cJSON *u = e->parameters->child; u;) {
        cJSON *next = u->next;
        cJSON_AddItemToObject(params, u->string,
                              cJSON_DetachItemViaPointer(e->parameters, u));
        u = next;
    }
    cJSON_Delete(e->parameters);
    e->parameters = params;
    cJSON_AddItemToObject(t, "Parameters", params);
    cJSON_AddItemToObject(t, "Resources", e->resources);
    if (e->outputs->child)
        cJSON_AddItemToObject(t, "Outputs", e->outputs);
    else
        cJSON_Delete(e->outputs);
    e->outputs = NULL;
    e->template = t;
    e->text = json_render(t);
    check_limits(ctx, e);
    return t;
}

void emit_free(Emit *e)
{
    free(e->text);
    cJSON_Delete(e->template);
    cJSON_Delete(e->discard);
    for (int i = 0; i < e->bundles.len; i++)
        free(((BundleRef *)e->bundles.items[i])->data);
}

/* ---- the JSON printer ------------------------------------------------ */

static void render_string(Buf *b, const char *s)
{
    buf_puts(b, "\"");
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': buf_puts(b, "\\\""); break;
        case '\\': buf_puts(b, "\\\\"); break;
        case '\n': buf_puts(b, "\\n"); break;
        case '\r': buf_puts(b, "\\r"); break;
        case '\t': buf_puts(b, "\\t"); break;
        case '\b': buf_puts(b, "\\b"); break;
        case '\f': buf_puts(b, "\\f"); break;
        default:
            if (*p < 0x20)
                buf_printf(b, "\\u%04x", *p);
            else
                buf_add(b, (const char *)p, 1);
        }
    }
    buf_puts(b, "\"");
}

static void indent(Buf *b, int depth)
{
    for (int i = 0; i < depth; i++)
        buf_puts(b, "  ");
}

static void render(Buf *b, const cJSON *v, int depth);

/* Arrays and objects of scalars only that fit in 72 columns stand on one
 * line: ["REGIONAL"], { "Ref": "Stage" }. */
static bool render_inline(Buf *b, const cJSON *v)
{
    bool obj = cJSON_IsObject(v);
    for (const cJSON *c = v->child; c; c = c->next)
        if (cJSON_IsArray(c) || cJSON_IsObject(c))
            return false;
    Buf line = {0};
    buf_puts(&line, obj ? "{ " : "[");
    for (const cJSON *c = v->child; c; c = c->next) {
        if (obj) {
            render_string(&line, c->string);
            buf_puts(&line, ": ");
        }
        render(&line, c, 0);
        if (c->next)
            buf_puts(&line, ", ");
    }
    buf_puts(&line, obj ? " }" : "]");
    bool fits = line.len <= 72;
    if (fits)
        buf_add(b, line.data, line.len);
    buf_free(&line);
    return fits;
}

static void render(Buf *b, const cJSON *v, int depth)
{
    if (cJSON_IsString(v)) {
        render_string(b, v->valuestring);
    } else if (cJSON_IsNumber(v)) {
        double d = v->valuedouble;
        if (d == (double)(long long)d)
            buf_printf(b, "%lld", (long long)d);
        else
            buf_printf(b, "%.17g", d);
    } else if (cJSON_IsBool(v)) {
        buf_puts(b, cJSON_IsTrue(v) ? "true" : "false");
    } else if (cJSON_IsNull(v)) {
        buf_puts(b, "null");
    } else {
        bool obj = cJSON_IsObject(v);
        if (!v->child) {
            buf_puts(b, obj ? "{}" : "[]");
            return;
        }
        if (depth > 0 && render_inline(b, v))
            return;
        buf_puts(b, obj ? "{\n" : "[\n");
        for (const cJSON *c = v->child; c; c = c->next) {
            indent(b, depth + 1);
            if (obj) {
                render_string(b, c->string);
                buf_puts(b, ": ");
            }
            render(b, c, depth + 1);
            buf_puts(b, c->next ? ",\n" : "\n");
        }
        indent(b, depth);
        buf_puts(b, obj ? "}" : "]");
    }
}

char *json_render(const cJSON *v)
{
    Buf b = {0};
    render(&b, v, 0);
    return b.data;
}
