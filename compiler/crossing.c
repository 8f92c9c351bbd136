/*
 * crossing.c: the deploy that first takes an app past 500 resources, in two
 * steps (docs/scaling.md, "Crossing the threshold").
 *
 * In: the deployed template (one stack, the app under the threshold) and
 * the new build (a root and nested stacks).
 * Out: when some API part of the deployed root (a REST path resource or
 * method, an HTTP API route) is now in a nested stack, the template of the
 * first step: the deployed one without those parts and without what refers
 * to them; with the routes they serve, for the plan.  Else nothing.
 * Holds: API Gateway takes one path part per parent, one method per
 * resource and verb, one route per route key; CloudFormation makes a moved
 * resource in its new stack before it deletes it from the old one, so a
 * moved API part fails the deploy.  Without them first, the second step
 * (the split app) only makes them.  The first step changes nothing else:
 * it is the deployed template, resources taken out and DependsOn pruned,
 * so the REST deployment (a resource whose properties do not change) stays
 * what the stage serves until the second step makes the new one.
 */
#include <stdio.h>
#include <string.h>

#include "deploy.h"
#include "lint.h"

static const char *type_of(const CfnNode *res)
{
    const CfnNode *t = cfn_obj_get(res, "Type");
    return t && t->kind == CFN_STRING ? t->text : "";
}

/* The parts API Gateway refuses twice. */
static bool unique_api_part(const char *type)
{
    return strcmp(type, "AWS::ApiGateway::Resource") == 0 ||
           strcmp(type, "AWS::ApiGateway::Method") == 0 ||
           strcmp(type, "AWS::ApiGatewayV2::Route") == 0;
}

static bool in_nested_stack(const Emit *e, const char *id)
{
    for (int i = 0; i < e->stacks.len; i++) {
        const NestedStack *st = e->stacks.items[i];
        if (cfn_obj_get(st->resources, id))
            return true;
    }
    return false;
}

/* Does the Fn::Sub string s name one of gone (${X} or ${X.Attr})?  Read
 * through lint's sub_next_var, as every Fn::Sub in hitc is. */
static bool sub_names(const char *s, const StrMap *gone)
{
    const char *b, *end;
    for (const char *p = sub_next_var(s, &b, &end); p; p = sub_next_var(p, &b, &end)) {
        const char *dot = memchr(b, '.', (size_t)(end - b));
        size_t n = (size_t)((dot ? dot : end) - b);
        char id[256];
        if (n >= sizeof id)
            continue;
        memcpy(id, b, n);
        id[n] = 0;
        if (strmap_get(gone, id))
            return true;
    }
    return false;
}

/* Does n (a resource without its DependsOn, or an output) refer to one of
 * gone through Ref, Fn::GetAtt or Fn::Sub? */
static bool refers(const CfnNode *n, const StrMap *gone)
{
    if (!n)
        return false;
    if (n->kind == CFN_ARRAY) {
        for (int i = 0; i < n->len; i++)
            if (refers(n->items[i], gone))
                return true;
        return false;
    }
    if (n->kind != CFN_OBJECT)
        return false;
    const char *fn = cfn_intrinsic_name(n);
    const CfnNode *arg = fn ? n->pairs[0].value : NULL;
    if (fn && strcmp(fn, "Ref") == 0 && arg->kind == CFN_STRING)
        return strmap_get(gone, arg->text) != NULL;
    if (fn && strcmp(fn, "Fn::GetAtt") == 0) {
        const CfnNode *id = arg->kind == CFN_ARRAY && arg->len ? arg->items[0] : arg;
        if (id->kind == CFN_STRING) {
            char buf[256];
            snprintf(buf, sizeof buf, "%s", id->text);
            buf[strcspn(buf, ".")] = 0;         /* "X.Attr" */
            if (strmap_get(gone, buf))
                return true;
        }
    }
    if (fn && strcmp(fn, "Fn::Sub") == 0) {
        const CfnNode *s = arg->kind == CFN_ARRAY && arg->len ? arg->items[0] : arg;
        if (s->kind == CFN_STRING && sub_names(s->text, gone))
            return true;
    }
    for (int i = 0; i < n->len; i++)
        if (strcmp(n->pairs[i].key, "DependsOn") != 0 && refers(n->pairs[i].value, gone))
            return true;
    return false;
}

/* The resource without the DependsOn entries that name one of gone. */
static CfnNode *pruned(Arena *a, const CfnNode *res, const StrMap *gone)
{
    const CfnNode *deps = cfn_obj_get(res, "DependsOn");
    if (!deps)
        return (CfnNode *)res;
    CfnNode *out = cfn_obj(a, res->loc);
    for (int i = 0; i < res->len; i++) {
        const CfnPair *p = &res->pairs[i];
        if (strcmp(p->key, "DependsOn") != 0) {
            cfn_obj_set(a, out, p->key, p->key_loc, p->value);
            continue;
        }
        CfnNode *keep = cfn_arr(a, deps->loc);
        for (int j = 0; deps->kind == CFN_ARRAY && j < deps->len; j++)
            if (deps->items[j]->kind != CFN_STRING || !strmap_get(gone, deps->items[j]->text))
                cfn_arr_push(a, keep, deps->items[j]);
        if (deps->kind == CFN_STRING && !strmap_get(gone, deps->text))
            cfn_arr_push(a, keep, (CfnNode *)deps);
        if (keep->len)
            cfn_obj_set(a, out, p->key, p->key_loc, keep);
    }
    return out;
}

/* The path of a REST path resource (its ResourceId or ParentId), from the
 * API's root: "/f1/{name}"; "/" for the root itself. */
static void rest_path(const CfnNode *resources, const CfnNode *id, Buf *out, int depth)
{
    const char *fn = cfn_intrinsic_name(id);
    const CfnNode *arg = fn ? id->pairs[0].value : NULL;
    const CfnNode *res = fn && strcmp(fn, "Ref") == 0 && arg->kind == CFN_STRING
        ? cfn_obj_get(resources, arg->text) : NULL;
    const CfnNode *props = cfn_obj_get(res, "Properties");
    const CfnNode *part = cfn_obj_get(props, "PathPart");
    if (!part || part->kind != CFN_STRING || depth > 64)
        return;                         /* the API's root */
    rest_path(resources, cfn_obj_get(props, "ParentId"), out, depth + 1);
    buf_printf(out, "/%s", part->text);
}

/* "GET /f1/{name}" for a method or a route of the deployed template. */
static const char *route_of(Arena *a, const CfnNode *resources, const CfnNode *res)
{
    const CfnNode *props = cfn_obj_get(res, "Properties");
    if (strcmp(type_of(res), "AWS::ApiGatewayV2::Route") == 0) {
        const CfnNode *key = cfn_obj_get(props, "RouteKey");
        return key && key->kind == CFN_STRING ? key->text : NULL;
    }
    const CfnNode *verb = cfn_obj_get(props, "HttpMethod");
    Buf path = {0};
    rest_path(resources, cfn_obj_get(props, "ResourceId"), &path, 0);
    const char *r = arena_printf(a, "%s %s", verb && verb->kind == CFN_STRING ? verb->text : "?",
                                 path.len ? path.data : "/");
    buf_free(&path);
    return r;
}

/* gone: the API parts that moved, then what refers to them, to a fixed
 * point (a child path resource, a method on a moved path). */
static int find_gone(Arena *a, const CfnNode *old, const Emit *e, StrMap *gone)
{
    const CfnNode *root = cfn_obj_get(e->template, "Resources");
    int n = 0;
    for (int i = 0; i < old->len; i++) {
        const char *id = old->pairs[i].key;
        if (unique_api_part(type_of(old->pairs[i].value)) && !cfn_obj_get(root, id) &&
            in_nested_stack(e, id)) {
            strmap_put(a, gone, id, (void *)id);
            n++;
        }
    }
    for (bool more = n > 0; more;) {
        more = false;
        for (int i = 0; i < old->len; i++) {
            const char *id = old->pairs[i].key;
            if (!strmap_get(gone, id) && refers(old->pairs[i].value, gone)) {
                strmap_put(a, gone, id, (void *)id);
                n++;
                more = true;
            }
        }
    }
    return n;
}

bool crossing_find(Arena *a, const CfnNode *deployed, const Emit *e, Crossing *c)
{
    memset(c, 0, sizeof *c);
    const CfnNode *old = cfn_obj_get(deployed, "Resources");
    if (!old || old->kind != CFN_OBJECT || e->stacks.len == 0)
        return false;
    StrMap gone = {0};
    if (find_gone(a, old, e, &gone) == 0)
        return false;
    c->template = cfn_obj(a, deployed->loc);
    for (int i = 0; i < deployed->len; i++) {
        const CfnPair *p = &deployed->pairs[i];
        bool resources = strcmp(p->key, "Resources") == 0;
        if (!resources && strcmp(p->key, "Outputs") != 0) {
            cfn_obj_set(a, c->template, p->key, p->key_loc, p->value);
            continue;
        }
        CfnNode *kept = cfn_obj(a, p->value->loc);
        for (int j = 0; p->value->kind == CFN_OBJECT && j < p->value->len; j++) {
            const CfnPair *r = &p->value->pairs[j];
            if (strmap_get(&gone, r->key) || (!resources && refers(r->value, &gone)))
                continue;
            cfn_obj_set(a, kept, r->key, r->key_loc,
                        resources ? pruned(a, r->value, &gone) : r->value);
        }
        if (resources || kept->len)
            cfn_obj_set(a, c->template, p->key, p->key_loc, kept);
    }
    for (int i = 0; i < old->len; i++) {
        const CfnNode *res = old->pairs[i].value;
        if (!strmap_get(&gone, old->pairs[i].key))
            continue;
        c->parts++;
        const char *type = type_of(res);
        if (strcmp(type, "AWS::ApiGateway::Resource") == 0)
            continue;
        const char *route = route_of(a, old, res);
        if (route)
            vec_push(a, &c->routes, (void *)route);
        if (strcmp(type, "AWS::ApiGatewayV2::Route") == 0)
            c->http = true;
    }
    return true;
}

void crossing_print(const Crossing *c, const Emit *e, const char *stack, Buf *out)
{
    buf_printf(out,
               "crossing: the app is now past one stack's quotas: its functions move from "
               "the root stack into %d nested stacks, and with them %d API parts (path "
               "resources, methods, routes), which API Gateway takes only once; "
               "CloudFormation would make the new ones before deleting the old ones, and "
               "fail. So this deploy is two:\n"
               "  step 1: stack %s as deployed, without those API parts (nothing else "
               "changes)\n"
               "  step 2: the split app, which makes them in the nested stacks\n",
               e->stacks.len, c->parts, stack);
    int n = c->routes.len;
    if (c->http)
        buf_printf(out, "%s %d route%s answer%s 404 from the end of step 1 until step 2 "
                   "has made the nested stack%s that hold%s %s (about as long as making "
                   "those stacks takes):\n", n == 1 ? "this" : "these", n, n == 1 ? "" : "s",
                   n == 1 ? "s" : "", n == 1 ? "" : "s", n == 1 ? "s" : "",
                   n == 1 ? "it" : "them");
    else
        buf_printf(out, "no route answers 404: the API's stage serves its current "
                   "deployment through step 1 and until step 2 replaces it; %s %d "
                   "route%s keep%s answering throughout:\n", n == 1 ? "this" : "these", n,
                   n == 1 ? "" : "s", n == 1 ? "s" : "");
    for (int i = 0; i < c->routes.len; i++)
        buf_printf(out, "    %s\n", (const char *)c->routes.items[i]);
    buf_puts(out, "an interrupted or failed step 2 leaves step 1 deployed; the next "
             "hitc deploy continues from there\n");
}
