/*
 * lint_rules.c: the rules of `hitc lint`, one function each (lint.h),
 * but for those of files of their own: cycles (lint_cycles.c), IAM
 * (lint_iam.c), the resource schemas (schema_check.c).
 *
 * In: a Lint (the tree, its sections, every reference the walk found).
 * Out: diagnostics.  A rule reads; it never changes the tree.
 */
#include <stdint.h>
#include <string.h>

#include "lint.h"
#include "runtimes.h"

static bool starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static Loc key_loc(const CfnNode *obj, const char *key, Loc fallback)
{
    const CfnPair *p = obj ? cfn_obj_pair(obj, key) : NULL;
    return p ? p->key_loc : fallback;
}

static const char *const pseudo_params[] = {
    "AWS::AccountId", "AWS::NoValue", "AWS::NotificationARNs",
    "AWS::Partition", "AWS::Region", "AWS::StackId", "AWS::StackName",
    "AWS::URLSuffix",
};
#define NPSEUDO ((int)(sizeof pseudo_params / sizeof pseudo_params[0]))

bool lint_is_pseudo(const char *name)
{
    for (int i = 0; i < NPSEUDO; i++)
        if (strcmp(name, pseudo_params[i]) == 0)
            return true;
    return false;
}

/* In a template hitc made, is this entry hitc's own (located in a .hit
 * file, or nowhere: the built-in parameters) rather than an included
 * fragment's?  The compiler checked what hitc makes on the .hit source
 * (allow lines: E0273, W0272; runtimes: E0217, W0212; params: W0408),
 * at the item written, so these rules leave hitc's own entries to it. */
bool lint_checked_in_hit(const Lint *l, Loc loc)
{
    if (!l->emit)
        return false;
    if (!loc.src)
        return true;
    const char *path = loc.src->path;
    size_t n = strlen(path);
    return n >= 4 && strcmp(path + n - 4, ".hit") == 0;
}

/* A key of Resources, Outputs or Conditions that Fn::ForEach expands. */
static bool is_foreach(const Lint *l, const char *key)
{
    return l->lang_ext && starts_with(key, "Fn::ForEach::");
}

/* ---- structure ------------------------------------------------------- */

void lint_rule_structure(Lint *l)
{
    static const char *const sections[] = {
        "AWSTemplateFormatVersion", "Description", "Metadata", "Parameters",
        "Rules", "Mappings", "Conditions", "Transform", "Resources",
        "Outputs", "Hooks", "Globals",
    };
    const int nsections = (int)(sizeof sections / sizeof sections[0]);
    const CfnNode *root = l->root;
    for (int i = 0; i < root->len; i++) {
        const CfnPair *p = &root->pairs[i];
        bool known = false;
        for (int k = 0; k < nsections; k++)
            known |= strcmp(p->key, sections[k]) == 0;
        if (strcmp(p->key, "Globals") == 0 && !l->opaque) {
            diag(l->ctx, D_LINT_STRUCTURE, p->key_loc,
                 "'Globals' is a section of SAM templates; it needs "
                 "'Transform: AWS::Serverless-2016-10-31'");
        } else if (!known) {
            const char *guess = closest(p->key, sections, nsections);
            if (guess)
                diag(l->ctx, D_LINT_STRUCTURE, p->key_loc,
                     "unknown template section '%s'; did you mean '%s'?",
                     p->key, guess);
            else
                diag(l->ctx, D_LINT_STRUCTURE, p->key_loc,
                     "unknown template section '%s'", p->key);
        } else if (strcmp(p->key, "AWSTemplateFormatVersion") == 0 &&
                   (p->value->kind != CFN_STRING ||
                    strcmp(p->value->text, "2010-09-09") != 0)) {
            diag(l->ctx, D_LINT_STRUCTURE, p->value->loc,
                 "AWSTemplateFormatVersion must be \"2010-09-09\" (a quoted "
                 "string), the only version there is");
        } else if ((strcmp(p->key, "Parameters") == 0 ||
                    strcmp(p->key, "Resources") == 0 ||
                    strcmp(p->key, "Outputs") == 0 ||
                    strcmp(p->key, "Conditions") == 0 ||
                    strcmp(p->key, "Mappings") == 0) &&
                   p->value->kind != CFN_OBJECT) {
            diag(l->ctx, D_LINT_STRUCTURE, p->value->loc,
                 "the '%s' section must be a mapping of names; this is %s",
                 p->key, p->value->kind == CFN_NULL ? "empty" : "not one");
        }
    }
    if (!cfn_obj_get(root, "Resources")) {
        diag(l->ctx, D_LINT_STRUCTURE, root->loc,
             "the template has no 'Resources' section; CloudFormation needs "
             "at least one resource");
    } else if (l->resources && l->resources->len == 0) {
        diag(l->ctx, D_LINT_STRUCTURE, key_loc(root, "Resources", root->loc),
             "'Resources' is empty; CloudFormation needs at least one "
             "resource");
    }
    for (int i = 0; l->resources && i < l->resources->len; i++) {
        const CfnPair *r = &l->resources->pairs[i];
        if (is_foreach(l, r->key))
            continue;
        const CfnNode *type = r->value->kind == CFN_OBJECT
                                  ? cfn_obj_get(r->value, "Type") : NULL;
        if (r->value->kind != CFN_OBJECT)
            diag(l->ctx, D_LINT_STRUCTURE, r->key_loc,
                 "resource '%s' must be a mapping with a 'Type'", r->key);
        else if (!type)
            diag(l->ctx, D_LINT_STRUCTURE, r->key_loc,
                 "resource '%s' has no 'Type'", r->key);
        else if (type->kind != CFN_STRING)
            diag(l->ctx, D_LINT_STRUCTURE, type->loc,
                 "the 'Type' of resource '%s' must be a string such as "
                 "'AWS::S3::Bucket'", r->key);
    }
    for (int i = 0; l->params && i < l->params->len; i++) {
        const CfnPair *p = &l->params->pairs[i];
        const CfnNode *type = p->value->kind == CFN_OBJECT
                                  ? cfn_obj_get(p->value, "Type") : NULL;
        if (!type || type->kind != CFN_STRING)
            diag(l->ctx, D_LINT_STRUCTURE, p->key_loc,
                 "parameter '%s' needs a 'Type' (String, Number, "
                 "CommaDelimitedList, ...)", p->key);
    }
    for (int i = 0; l->outputs && i < l->outputs->len; i++) {
        const CfnPair *o = &l->outputs->pairs[i];
        if (is_foreach(l, o->key))
            continue;
        if (o->value->kind != CFN_OBJECT || !cfn_obj_get(o->value, "Value"))
            diag(l->ctx, D_LINT_STRUCTURE, o->key_loc,
                 "output '%s' needs a 'Value'", o->key);
    }
}

/* ---- references ------------------------------------------------------ */

static const char *const pseudos[] = {
    "AWS::AccountId", "AWS::NoValue", "AWS::NotificationARNs",
    "AWS::Partition", "AWS::Region", "AWS::StackId", "AWS::StackName",
    "AWS::URLSuffix",
};
#define NPSEUDOS ((int)(sizeof pseudos / sizeof pseudos[0]))

typedef struct Names {
    const char **v;
    int n;
} Names;

static Names names_of(Lint *l, const CfnNode *a, const CfnNode *b, bool pseudo)
{
    int na = a ? a->len : 0, nb = b ? b->len : 0;
    Names r;
    r.v = arena_alloc(l->ctx->arena, sizeof *r.v * (size_t)(na + nb + NPSEUDOS + 1));
    r.n = 0;
    for (int i = 0; i < na; i++)
        r.v[r.n++] = a->pairs[i].key;
    for (int i = 0; i < nb; i++)
        r.v[r.n++] = b->pairs[i].key;
    for (int i = 0; pseudo && i < NPSEUDOS; i++)
        r.v[r.n++] = pseudos[i];
    return r;
}

static Diag *unknown(Lint *l, DiagCode code, Loc loc, const char *what,
                     const char *name, Names cands, const char *hint)
{
    /* past the diagnostics kept: counted, and no search */
    const char *guess = diag_wanted(l->ctx, loc)
                            ? closest(name, cands.v, cands.n) : NULL;
    if (guess)
        return diag(l->ctx, code, loc,
                    "%s '%s' is not defined; did you mean '%s'?", what, name,
                    guess);
    return diag(l->ctx, code, loc, "%s '%s' is not defined%s", what, name,
                hint);
}

static int line_of(Loc loc)
{
    int line, col;
    loc_linecol(loc, &line, &col);
    return line;
}

/* A ${variable} in a block string: show where its Fn::Sub starts. */
static void sub_note(Lint *l, Diag *d, const LintUse *u)
{
    if (u->fn_loc.src && line_of(u->fn_loc) != line_of(u->loc))
        note(l->ctx, d, u->fn_loc, "in this Fn::Sub");
}

static bool has(const CfnNode *section, const char *name)
{
    return section && cfn_obj_get(section, name);
}

void lint_rule_references(Lint *l)
{
    if (l->opaque)
        return;
    Names refable = names_of(l, l->params, l->resources, true);
    Names params = names_of(l, l->params, NULL, true);
    Names resources = names_of(l, l->resources, NULL, false);
    Names conditions = names_of(l, l->conditions, NULL, false);
    Names mappings = names_of(l, l->mappings, NULL, false);
    for (int i = 0; i < l->uses.len; i++) {
        const LintUse *u = l->uses.items[i];
        if (u->section == LS_OTHER)
            continue;
        bool in_cond = u->section == LS_CONDITIONS;
        switch (u->kind) {
        case LU_REF:
            if (lint_is_pseudo(u->name) || has(l->params, u->name))
                break;
            if (has(l->resources, u->name)) {
                if (in_cond)
                    diag(l->ctx, D_LINT_UNKNOWN_REF, u->loc,
                         "a condition can only refer to parameters, and "
                         "'%s' is a resource", u->name);
                break;
            }
            unknown(l, D_LINT_UNKNOWN_REF, u->loc,
                    in_cond ? "parameter" : "parameter or resource", u->name,
                    in_cond ? params : refable,
                    in_cond ? "; conditions can refer to parameters only"
                            : "; add it to Parameters or Resources");
            break;
        case LU_GETATT:
            if (has(l->resources, u->name))
                break;
            if (has(l->params, u->name))
                diag(l->ctx, D_LINT_UNKNOWN_GETATT, u->loc,
                     "'%s' is a parameter; Fn::GetAtt takes a resource (use "
                     "Ref for a parameter's value)", u->name);
            else
                unknown(l, D_LINT_UNKNOWN_GETATT, u->loc, "resource", u->name,
                        resources, "");
            break;
        case LU_SUB:
            if (u->attr) {
                if (has(l->resources, u->name))
                    break;
                if (has(l->params, u->name)) {
                    sub_note(l, diag(l->ctx, D_LINT_UNKNOWN_SUB_VAR, u->loc,
                                     "'%s' is a parameter; ${NAME.ATTRIBUTE} "
                                     "takes a resource's attribute (write "
                                     "${%s} for its value)", u->name, u->name),
                             u);
                    break;
                }
                sub_note(l, unknown(l, D_LINT_UNKNOWN_SUB_VAR, u->loc,
                                    "resource", u->name, resources,
                                    "; ${NAME.ATTRIBUTE} takes a resource's "
                                    "attribute"), u);
            } else if (!lint_is_pseudo(u->name) && !has(l->params, u->name) &&
                       !has(l->resources, u->name)) {
                sub_note(l, unknown(l, D_LINT_UNKNOWN_SUB_VAR, u->loc,
                                    "Fn::Sub variable", u->name, refable,
                                    "; name a parameter or resource, give it "
                                    "a value in the Sub's map, or write "
                                    "${!Literal} for the text"), u);
            }
            break;
        case LU_DEPENDSON:
            if (!has(l->resources, u->name))
                unknown(l, D_LINT_UNKNOWN_DEPENDSON, u->loc, "resource",
                        u->name, resources, "");
            break;
        case LU_CONDITION:
            if (!has(l->conditions, u->name))
                unknown(l, D_LINT_UNKNOWN_CONDITION, u->loc, "condition",
                        u->name, conditions,
                        l->conditions ? "" : "; the template has no Conditions");
            break;
        case LU_FINDINMAP:
            if (!has(l->mappings, u->name))
                unknown(l, D_LINT_UNKNOWN_MAPPING, u->loc, "mapping", u->name,
                        mappings,
                        l->mappings ? "" : "; the template has no Mappings");
            break;
        }
    }
}

/* Room for n items in the arena (at least one). */
static void *scratch(Lint *l, size_t n, size_t size)
{
    return arena_alloc(l->ctx->arena, size * (n ? n : 1));
}

/* ---- DependsOn on a resource that may not exist ---------------------- */

#define IMPLIES_BUDGET 4096     /* conditions one question may look at */

/* The conditions that a condition's Fn::And lists, or NULL. */
static const CfnNode *and_of(const Lint *l, int c)
{
    const CfnNode *def = l->conditions->pairs[c].value;
    const CfnNode *and = def && def->kind == CFN_OBJECT && def->len == 1
                             ? cfn_obj_get(def, "Fn::And") : NULL;
    return and && and->kind == CFN_ARRAY ? and : NULL;
}

/* Does condition a being true make condition b true?  Only what the
 * template says outright: the same name, or an Fn::And that holds b,
 * at any depth.  A search that marks each condition it reaches (seen[c]
 * == stamp), so a condition is looked at once per question however many
 * paths lead to it and whatever cycles there are; past IMPLIES_BUDGET
 * conditions the answer is yes, which keeps E0711 quiet rather than
 * wrong. */
static bool implies(const Lint *l, const char *a, const char *b, int *seen,
                    int *stack, int stamp)
{
    if (strcmp(a, b) == 0)
        return true;
    const CfnPair *pa = cfn_obj_pair(l->conditions, a);
    if (!pa)
        return false;
    int sp = 0, looked = 0;
    stack[sp++] = (int)(pa - l->conditions->pairs);
    seen[stack[0]] = stamp;
    while (sp > 0) {
        if (++looked > IMPLIES_BUDGET)
            return true;
        const CfnNode *and = and_of(l, stack[--sp]);
        for (int i = 0; and && i < and->len; i++) {
            const CfnNode *c = and->items[i];
            const CfnNode *name = c->kind == CFN_OBJECT && c->len == 1
                                      ? cfn_obj_get(c, "Condition") : NULL;
            if (!name || name->kind != CFN_STRING)
                continue;
            if (strcmp(name->text, b) == 0)
                return true;
            const CfnPair *p = cfn_obj_pair(l->conditions, name->text);
            int k = p ? (int)(p - l->conditions->pairs) : -1;
            if (k >= 0 && seen[k] != stamp) {
                seen[k] = stamp;
                stack[sp++] = k;
            }
        }
    }
    return false;
}

/* implies(), asked once per pair of conditions: 2,000 resources under one
 * condition that depend on one under another ask the same question 2,000
 * times, each a walk of the whole lattice. */
static bool implies_once(const Lint *l, StrMap *memo, const char *a,
                         const char *b, int *seen, int *stack, int stamp)
{
    const char *key = arena_printf(l->ctx->arena, "%s\x1f%s", a, b);
    uintptr_t known = (uintptr_t)strmap_get(memo, key);
    if (known)
        return known == 2;
    bool yes = implies(l, a, b, seen, stack, stamp);
    strmap_put(l->ctx->arena, memo, key, (void *)(uintptr_t)(yes ? 2 : 1));
    return yes;
}

static const char *condition_of(const Lint *l, const char *resource)
{
    const CfnNode *r = cfn_obj_get(l->resources, resource);
    const CfnNode *c = r && r->kind == CFN_OBJECT ? cfn_obj_get(r, "Condition") : NULL;
    return c && c->kind == CFN_STRING ? c->text : NULL;
}

void lint_rule_conditional_dependson(Lint *l)
{
    if (l->opaque || !l->resources || !l->conditions)
        return;
    size_t n = (size_t)l->conditions->len;
    int *seen = scratch(l, n, sizeof *seen), *stack = scratch(l, n, sizeof *stack);
    int stamp = 0;
    StrMap memo = {0};
    for (int i = 0; i < l->uses.len; i++) {
        const LintUse *u = l->uses.items[i];
        if (u->kind != LU_DEPENDSON || !has(l->resources, u->name))
            continue;
        const char *cb = condition_of(l, u->name);
        if (!cb || !has(l->conditions, cb))
            continue;
        const char *ca = condition_of(l, u->owner);
        if (ca && (!has(l->conditions, ca) ||
                   implies_once(l, &memo, ca, cb, seen, stack, ++stamp)))
            continue;
        if (ca)
            diag(l->ctx, D_LINT_CONDITIONAL_DEPENDSON, u->loc,
                 "'%s' depends on '%s', which exists only when condition "
                 "'%s' is true, and the condition of '%s', '%s', does not "
                 "imply it; CloudFormation fails when '%s' is missing",
                 u->owner, u->name, cb, u->owner, ca, u->name);
        else
            diag(l->ctx, D_LINT_CONDITIONAL_DEPENDSON, u->loc,
                 "'%s' depends on '%s', which exists only when condition "
                 "'%s' is true; give '%s' that condition too, or drop the "
                 "DependsOn", u->owner, u->name, cb, u->owner);
    }
}

/* ---- quotas and names ------------------------------------------------ */

/* CloudFormation's quotas on one template.  On a template hitc made they
 * are E0505 (W0506 for a size that needs S3), at the file or the app's
 * line, with what weighs most (bulk.c) and what to do; on a template
 * hitc lint reads, E0712 at the section. */
static const struct {
    const char *section, *what;
    int max;
} counts[] = {
    {"Resources", "resources", CFN_MAX_RESOURCES},
    {"Parameters", "parameters", CFN_MAX_PARAMETERS},
    {"Outputs", "outputs", CFN_MAX_OUTPUTS},
    {"Mappings", "mappings", CFN_MAX_MAPPINGS},
};

/* On a template hitc made: which template a quota message is about, where
 * it points (a nested stack: the declaration that first put a resource
 * there), and what it says to do: an app too big for one stack is split
 * already, so what remains is to move things. */
static const char *made_which(const Lint *l)
{
    if (l->stack)
        return arena_printf(l->ctx->arena, "nested stack '%s'", l->stack->logical);
    return l->emit->stacks.len ? "the root stack" : "the template";
}

static Loc made_loc(const Lint *l)
{
    if (l->stack && l->stack->first)
        return l->stack->first->loc;
    return (Loc){l->ctx->root_src, 0, 0};
}

static const char *made_advice(const Lint *l)
{
    if (l->stack)
        return ": give some of its functions a stack of their own with "
               "'stack NAME' (docs/scaling.md)";
    if (l->emit->stacks.len)
        return ": what stays in the root stack (tables and other stateful "
               "resources, the API, one resource per nested stack) must fit "
               "there; split the app into apps of their own";
    return ": split the app into apps of their own (stacks that pass names "
           "on with 'output ... export' and params)";
}

static void count_quota(Lint *l, int i, const CfnNode *s)
{
    if (!s || s->len <= counts[i].max)
        return;
    if (!l->emit) {
        diag(l->ctx, D_LINT_QUOTA, key_loc(l->root, counts[i].section, s->loc),
             "%d %s; CloudFormation takes at most %d in one template (split "
             "it into nested stacks)", s->len, counts[i].what, counts[i].max);
        return;
    }
    Diag *d = diag(l->ctx, D_TEMPLATE_LIMIT, made_loc(l),
                   "%s has %d %s; CloudFormation takes at most %d in one "
                   "stack%s", made_which(l), s->len, counts[i].what,
                   counts[i].max, made_advice(l));
    if (i == 0)
        bulk_explain(l->ctx, l->emit, d, false);
}

static void size_quota(Lint *l)
{
    if (!l->emit) {
        if (l->size > CFN_MAX_BODY)
            diag(l->ctx, D_LINT_QUOTA, (Loc){l->root->loc.src, 0, 0},
                 "the template is %zu bytes; CloudFormation takes at most %d "
                 "(from S3)", l->size, CFN_MAX_BODY);
        return;
    }
    if (l->size > CFN_MAX_BODY)
        bulk_explain(l->ctx, l->emit, diag(
            l->ctx, D_TEMPLATE_LIMIT, made_loc(l), "%s is %zu bytes; "
            "CloudFormation takes at most %d%s", made_which(l), l->size,
            CFN_MAX_BODY, made_advice(l)), true);
    else if (l->size > CFN_MAX_INLINE_BODY && !l->stack)   /* nested: from S3 */
        bulk_explain(l->ctx, l->emit, diag(
            l->ctx, D_TEMPLATE_SIZE, made_loc(l), "%s is %zu bytes, over "
            "the %d that CloudFormation takes inline; deploy it with 'aws "
            "cloudformation deploy --s3-bucket BUCKET ...', or make it "
            "smaller", made_which(l), l->size, CFN_MAX_INLINE_BODY), true);
}

void lint_rule_quotas(Lint *l)
{
    const CfnNode *desc = cfn_obj_get(l->root, "Description");
    if (desc && desc->kind == CFN_STRING && !l->stack &&
        strlen(desc->text) > CFN_MAX_DESCRIPTION)
        diag(l->ctx, l->emit ? D_TEMPLATE_LIMIT : D_LINT_QUOTA, desc->loc,
             "%s is %zu bytes; CloudFormation takes at most %d",
             l->emit ? "the template's description (the app's name and "
                       "description)" : "the description",
             strlen(desc->text), CFN_MAX_DESCRIPTION);
    size_quota(l);
    if (l->opaque)
        return;
    const CfnNode *sections[] = {l->resources, l->params, l->outputs,
                                 l->mappings};
    for (int i = 0; i < (int)(sizeof counts / sizeof counts[0]); i++)
        count_quota(l, i, sections[i]);
}

static bool id_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9');
}

bool lint_id_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > CFN_MAX_LOGICAL_ID)
        return false;
    for (; *s; s++)
        if (!id_char(*s))
            return false;
    return true;
}

static void check_ids(Lint *l, const CfnNode *s, const char *what)
{
    for (int i = 0; s && i < s->len; i++) {
        const CfnPair *p = &s->pairs[i];
        if (is_foreach(l, p->key) || lint_id_ok(p->key))
            continue;
        size_t len = strlen(p->key);
        const char *bad = p->key;
        while (*bad && id_char(*bad))
            bad++;
        if (len == 0)
            diag(l->ctx, D_LINT_BAD_ID, p->key_loc, "an empty %s name", what);
        else if (*bad)
            diag(l->ctx, D_LINT_BAD_ID, p->key_loc,
                 "%s name '%s' has a character CloudFormation does not take "
                 "('%.*s'); use letters and digits only", what, p->key,
                 utf8_len((const unsigned char *)bad,
                          (const unsigned char *)bad + strlen(bad)) > 0
                     ? utf8_len((const unsigned char *)bad,
                                (const unsigned char *)bad + strlen(bad))
                     : 1,
                 bad);
        else
            diag(l->ctx, D_LINT_BAD_ID, p->key_loc,
                 "%s name is %zu characters; CloudFormation takes at most %d",
                 what, len, CFN_MAX_LOGICAL_ID);
    }
}

void lint_rule_logical_ids(Lint *l)
{
    check_ids(l, l->resources, "resource");
    check_ids(l, l->params, "parameter");
    check_ids(l, l->outputs, "output");
    check_ids(l, l->mappings, "mapping");
}

void lint_rule_name_clash(Lint *l)
{
    for (int i = 0; l->params && l->resources && i < l->params->len; i++) {
        const CfnPair *p = &l->params->pairs[i];
        const CfnPair *r = cfn_obj_pair(l->resources, p->key);
        if (!r)
            continue;
        Diag *d = diag(l->ctx, D_LINT_NAME_CLASH, r->key_loc,
                       "resource '%s' has the name of a parameter; "
                       "parameters and resources share one namespace",
                       r->key);
        note(l->ctx, d, p->key_loc, "the parameter '%s' is here", p->key);
    }
}

/* ---- stateful resources without deletion policies -------------------- */

/* Resources whose deletion loses data that the stack cannot make again.
 * Log groups, queues and keys (deleted after a waiting period) are left
 * out on purpose: see docs/lint.md. */
static const char *const stateful_types[] = {
    "AWS::DynamoDB::Table", "AWS::DynamoDB::GlobalTable", "AWS::S3::Bucket",
    "AWS::RDS::DBInstance", "AWS::RDS::DBCluster", "AWS::EFS::FileSystem",
    "AWS::Neptune::DBCluster", "AWS::DocDB::DBCluster",
    "AWS::Cognito::UserPool", "AWS::OpenSearchService::Domain",
    "AWS::Elasticsearch::Domain",
};

void lint_rule_stateful(Lint *l)
{
    const int ntypes = (int)(sizeof stateful_types / sizeof stateful_types[0]);
    for (int i = 0; l->resources && i < l->resources->len; i++) {
        const CfnPair *p = &l->resources->pairs[i];
        const CfnNode *r = p->value;
        const CfnNode *type = r->kind == CFN_OBJECT ? cfn_obj_get(r, "Type") : NULL;
        if (!type || type->kind != CFN_STRING)
            continue;
        bool stateful = false;
        for (int k = 0; k < ntypes; k++)
            stateful |= strcmp(type->text, stateful_types[k]) == 0;
        if (!stateful)
            continue;
        bool del = cfn_obj_get(r, "DeletionPolicy") != NULL;
        bool rep = cfn_obj_get(r, "UpdateReplacePolicy") != NULL;
        if (del && rep)
            continue;
        diag(l->ctx, D_LINT_NO_DELETION_POLICY, p->key_loc,
             "'%s' (%s) holds data but has no %s: deleting the stack or "
             "replacing the resource deletes the data; set both policies "
             "(Retain or Snapshot keeps it, Delete says you mean it)",
             p->key, type->text,
             !del && !rep ? "DeletionPolicy or UpdateReplacePolicy"
             : !del      ? "DeletionPolicy"
                         : "UpdateReplacePolicy");
    }
}

/* ---- Lambda runtimes ------------------------------------------------- */

static void check_runtime(Lint *l, const CfnNode *rt_node)
{
    if (!rt_node || rt_node->kind != CFN_STRING)
        return;
    const Runtime *rt = runtime_find(rt_node->text);
    if (!rt)
        return;
    if (runtime_create_blocked(rt))
        diag(l->ctx, D_LINT_BLOCKED_RUNTIME, rt_node->loc,
             "Lambda runtime '%s' is deprecated since %s, and Lambda has "
             "refused new functions on it since %s; move to %s", rt->id,
             rt->deprecated, rt->create_blocked, rt->successor);
    else if (runtime_is_deprecated(rt))
        diag(l->ctx, D_LINT_DEPRECATED_RUNTIME, rt_node->loc,
             "Lambda runtime '%s' is deprecated since %s, and Lambda refuses "
             "new functions on it from %s; move to %s", rt->id,
             rt->deprecated, rt->create_blocked, rt->successor);
}

static const CfnNode *get_path(const CfnNode *n, const char *a, const char *b)
{
    n = n && n->kind == CFN_OBJECT ? cfn_obj_get(n, a) : NULL;
    return n && n->kind == CFN_OBJECT ? cfn_obj_get(n, b) : NULL;
}

void lint_rule_runtimes(Lint *l)
{
    for (int i = 0; l->resources && i < l->resources->len; i++) {
        const CfnNode *r = l->resources->pairs[i].value;
        const CfnNode *type = r->kind == CFN_OBJECT ? cfn_obj_get(r, "Type") : NULL;
        if (lint_checked_in_hit(l, l->resources->pairs[i].key_loc))
            continue;
        if (type && type->kind == CFN_STRING &&
            (strcmp(type->text, "AWS::Lambda::Function") == 0 ||
             strcmp(type->text, "AWS::Serverless::Function") == 0))
            check_runtime(l, get_path(r, "Properties", "Runtime"));
    }
    check_runtime(l, get_path(cfn_obj_get(l->root, "Globals"), "Function",
                              "Runtime"));
}

/* ---- unused parameters, conditions and mappings ---------------------- */

void lint_rule_unused(Lint *l)
{
    if (l->opaque)
        return;
    StrMap used_params = {0}, used_conds = {0}, used_maps = {0};
    Arena *a = l->ctx->arena;
    for (int i = 0; i < l->uses.len; i++) {
        const LintUse *u = l->uses.items[i];
        if (u->kind == LU_REF || (u->kind == LU_SUB && !u->attr))
            strmap_put(a, &used_params, u->name, (void *)u);
        else if (u->kind == LU_CONDITION)
            strmap_put(a, &used_conds, u->name, (void *)u);
        else if (u->kind == LU_FINDINMAP)
            strmap_put(a, &used_maps, u->name, (void *)u);
    }
    for (int i = 0; l->params && i < l->params->len; i++) {
        const CfnPair *p = &l->params->pairs[i];
        if (!strmap_get(&used_params, p->key) && !lint_checked_in_hit(l, p->key_loc))
            diag(l->ctx, D_LINT_UNUSED_PARAM, p->key_loc,
                 "parameter '%s' is never used; remove it, or Ref it where "
                 "it was meant to go", p->key);
    }
    for (int i = 0; l->conditions && i < l->conditions->len; i++) {
        const CfnPair *p = &l->conditions->pairs[i];
        if (!strmap_get(&used_conds, p->key))
            diag(l->ctx, D_LINT_UNUSED_CONDITION, p->key_loc,
                 "condition '%s' is never used", p->key);
    }
    if (l->findinmap_dynamic)
        return;
    for (int i = 0; l->mappings && i < l->mappings->len; i++) {
        const CfnPair *p = &l->mappings->pairs[i];
        if (!strmap_get(&used_maps, p->key))
            diag(l->ctx, D_LINT_UNUSED_MAPPING, p->key_loc,
                 "mapping '%s' is never used by an Fn::FindInMap", p->key);
    }
}
