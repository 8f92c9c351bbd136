/*
 * lint_iam.c: the rule on IAM policies in a template (lint.h): wildcards
 * (W0715, W0716) and actions IAM does not know (W0729).
 *
 * In: a Lint: every policy document of its resources (roles, policies,
 * resource policies).  Out: warnings at the statement or action.  Holds:
 * in a template hitc made, hitc's own statements are left to the compiler,
 * which checked them on the .hit source (lint_checked_in_hit).
 */
#include <stdint.h>
#include <string.h>

#include "iam_table.h"
#include "lint.h"

/* ---- IAM wildcards --------------------------------------------------- */

/* Does the statement allow an action that takes resource ARNs?  An
 * action IAM's table says takes only "*" (ec2:DescribeInstances) does not;
 * NotAction, a function or an unknown action counts as one that does. */
static bool takes_resources(Lint *l, const CfnNode *s)
{
    const CfnNode *act = cfn_obj_get(s, "Action");
    if (!act || cfn_obj_get(s, "NotAction"))
        return true;
    int na = act->kind == CFN_ARRAY ? act->len : 1;
    for (int k = 0; k < na; k++) {
        const CfnNode *a = act->kind == CFN_ARRAY ? act->items[k] : act;
        const char *why;
        if (a->kind != CFN_STRING ||
            iam_lookup(l->ctx, a->text, false, &why).takes_resources)
            return true;
    }
    return false;
}

/* Every action of a statement (Allow or Deny) that IAM does not have. */
static void iam_actions_known(Lint *l, const CfnNode *s)
{
    static const char *const keys[] = {"Action", "NotAction"};
    for (int i = 0; i < 2; i++) {
        const CfnNode *act = cfn_obj_get(s, keys[i]);
        int na = act && act->kind == CFN_ARRAY ? act->len : act ? 1 : 0;
        for (int k = 0; k < na; k++) {
            const CfnNode *a = act->kind == CFN_ARRAY ? act->items[k] : act;
            const char *why;
            if (a->kind == CFN_STRING && strchr(a->text, ':') &&
                (iam_lookup(l->ctx, a->text, diag_wanted(l->ctx, a->loc),
                            &why), why))
                diag(l->ctx, D_LINT_UNKNOWN_ACTION, a->loc, "%s", why);
        }
    }
}

/* The statements of a policy document, one at a time. */
static const CfnNode *statement(const CfnNode *doc, int i, int *n)
{
    const CfnNode *st = doc && doc->kind == CFN_OBJECT
                            ? cfn_obj_get(doc, "Statement") : NULL;
    *n = !st ? 0 : st->kind == CFN_ARRAY ? st->len : 1;
    if (i >= *n)
        return NULL;
    const CfnNode *s = st->kind == CFN_ARRAY ? st->items[i] : st;
    return s->kind == CFN_OBJECT ? s : NULL;
}

static void iam_statements_known(Lint *l, const CfnNode *doc)
{
    int n = 1;
    for (int i = 0; i < n; i++) {
        const CfnNode *s = statement(doc, i, &n);
        if (s)
            iam_actions_known(l, s);
    }
}

static void iam_document(Lint *l, const CfnNode *doc)
{
    const CfnNode *st = doc && doc->kind == CFN_OBJECT
                            ? cfn_obj_get(doc, "Statement") : NULL;
    if (!st)
        return;
    int n = st->kind == CFN_ARRAY ? st->len : 1;
    for (int i = 0; i < n; i++) {
        const CfnNode *s = st->kind == CFN_ARRAY ? st->items[i] : st;
        if (s->kind != CFN_OBJECT)
            continue;
        iam_actions_known(l, s);
        const CfnNode *effect = cfn_obj_get(s, "Effect");
        if (!effect || effect->kind != CFN_STRING ||
            strcmp(effect->text, "Allow") != 0)
            continue;
        const CfnNode *res = cfn_obj_get(s, "Resource");
        int nr = res && res->kind == CFN_ARRAY ? res->len : res ? 1 : 0;
        bool scoped = nr && takes_resources(l, s);
        for (int k = 0; k < nr && scoped; k++) {
            const CfnNode *r = res->kind == CFN_ARRAY ? res->items[k] : res;
            if (r->kind == CFN_STRING && strcmp(r->text, "*") == 0)
                diag(l->ctx, D_LINT_IAM_RESOURCE, r->loc,
                     "this statement allows its actions on every resource "
                     "('*'); name the resources (ARNs, Fn::GetAtt) it needs");
        }
        const CfnNode *act = cfn_obj_get(s, "Action");
        int na = act && act->kind == CFN_ARRAY ? act->len : act ? 1 : 0;
        for (int k = 0; k < na; k++) {
            const CfnNode *a = act->kind == CFN_ARRAY ? act->items[k] : act;
            if (a->kind != CFN_STRING)
                continue;
            if (iam_action_is_wildcard(a->text))
                diag(l->ctx, D_LINT_IAM_ACTION, a->loc,
                     "action '%s' allows every %s; list the actions needed",
                     a->text, a->text[0] == '*' ? "action of every service"
                                                : "action of the service");
        }
    }
}

/* Where policies stand: identity policies (their wildcards are warned
 * about, W0715/W0716) and the trust and resource policies, whose actions
 * are only checked against IAM's list (W0729). */
static const struct {
    const char *type, *prop;
    bool identity;
} policy_props[] = {
    {"AWS::IAM::Policy", "PolicyDocument", true},
    {"AWS::IAM::ManagedPolicy", "PolicyDocument", true},
    {"AWS::IAM::RolePolicy", "PolicyDocument", true},
    {"AWS::IAM::UserPolicy", "PolicyDocument", true},
    {"AWS::IAM::GroupPolicy", "PolicyDocument", true},
    {"AWS::IAM::Role", "AssumeRolePolicyDocument", false},
    {"AWS::S3::BucketPolicy", "PolicyDocument", false},
    {"AWS::SQS::QueuePolicy", "PolicyDocument", false},
    {"AWS::SNS::TopicPolicy", "PolicyDocument", false},
    {"AWS::KMS::Key", "KeyPolicy", false},
};

static void resource_policies(Lint *l, const char *t, const CfnNode *props)
{
    for (size_t k = 0; k < sizeof policy_props / sizeof policy_props[0]; k++) {
        if (strcmp(t, policy_props[k].type) != 0)
            continue;
        const CfnNode *doc = cfn_obj_get(props, policy_props[k].prop);
        if (policy_props[k].identity)
            iam_document(l, doc);
        else
            iam_statements_known(l, doc);
    }
}

void lint_rule_iam(Lint *l)
{
    for (int i = 0; l->resources && i < l->resources->len; i++) {
        const CfnNode *r = l->resources->pairs[i].value;
        if (lint_checked_in_hit(l, l->resources->pairs[i].key_loc))
            continue;
        const CfnNode *type = r->kind == CFN_OBJECT ? cfn_obj_get(r, "Type") : NULL;
        const CfnNode *props = r->kind == CFN_OBJECT ? cfn_obj_get(r, "Properties") : NULL;
        if (!type || type->kind != CFN_STRING || !props ||
            props->kind != CFN_OBJECT)
            continue;
        const char *t = type->text;
        resource_policies(l, t, props);
        if (strcmp(t, "AWS::IAM::Role") == 0 ||
            strcmp(t, "AWS::IAM::User") == 0 ||
            strcmp(t, "AWS::IAM::Group") == 0) {
            const CfnNode *pols = cfn_obj_get(props, "Policies");
            for (int k = 0; pols && pols->kind == CFN_ARRAY && k < pols->len; k++)
                if (pols->items[k]->kind == CFN_OBJECT)
                    iam_document(l, cfn_obj_get(pols->items[k], "PolicyDocument"));
        }
    }
}
