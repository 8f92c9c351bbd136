/*
 * kinds/include.c: `include "FILE"`, a raw CloudFormation fragment (YAML
 * with its short tags, or JSON) merged into the template.
 *
 * check: the file (relative to the declaring .hit file, and inside the
 *        project: one outside is refused unread) is read by
 *        cfn_read.c into a located tree; its top level must be a mapping
 *        of Parameters, Conditions, Mappings, Resources and Outputs, each
 *        a mapping of mappings.  Every parameter, resource and output gets
 *        a declaration of its own (kind_cfn_entry, located at its key in
 *        the fragment), so the graph, the logical IDs and the messages
 *        treat it like any other.
 * resolve: `cfn.ID` (a Ref) and `cfn.ID.ATTR` (a Fn::GetAtt) name an
 *        included resource or parameter: `cfn` is a built-in namespace
 *        (kind_cfn, Kind.member).
 * link:  every Ref, Fn::GetAtt, Fn::Sub variable and DependsOn of the
 *        fragment that names an included entry or one of hitc's own
 *        declarations is an edge of the graph, so a cycle through a
 *        fragment is printed with places inside it.
 * ids:   the entries' logical IDs are claimed like hitc's own (ids.c):
 *        a clash names both places; CodeBucket and CodePrefix are hitc's.
 *        After ids (Kind.after_ids) it refuses a secret parameter in
 *        an output or a tag, which would show it in plain text.
 * emit:  the sections go after hitc's own (emit_appendix), in the order of
 *        the include lines and of each fragment.
 * lint:  build and check then run hitc lint's template rules on the whole
 *        template (lint_emitted): names the template lacks, intrinsic
 *        functions, cycles through hitc's own resources (a function's
 *        role), IAM wildcards, unused conditions and mappings, each at its
 *        fragment line.  The schemas are checked here, when the fragment
 *        is read, so those errors come even when the .hit files have some.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "bundle.h"
#include "cfn.h"
#include "hitc.h"
#include "lint.h"

enum { S_PARAMETERS, S_CONDITIONS, S_MAPPINGS, S_RESOURCES, S_OUTPUTS, S_N };

static const char *const section_names[S_N] = {
    "Parameters", "Conditions", "Mappings", "Resources", "Outputs",
};

typedef struct Include {
    const char *path;           /* as written */
    Source *src;
    CfnNode *sections[S_N];     /* NULL when absent */
    PtrVec entries;             /* Decl* of kind_cfn_entry */
} Include;

/* An included parameter, resource or output. */
typedef struct Entry {
    Decl *include;
    int section;                /* S_PARAMETERS, S_RESOURCES, S_OUTPUTS */
    CfnNode *node;
} Entry;

static Entry *entry_of(const Decl *d)
{
    return d->data;
}

static bool has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

static void add_entry(Ctx *ctx, Decl *inc, Include *in, int section,
                      const CfnPair *pair)
{
    static const char *const nouns[S_N] = {
        "included parameter", "", "", "included resource", "included output",
    };
    Decl *o = section != S_OUTPUTS
        ? strmap_get(&ctx->prog.included, pair->key) : NULL;
    if (o) {
        Diag *x = diag(ctx, D_LOGICAL_ID_CLASH, pair->key_loc,
                       "'%s' is declared by two included fragments; rename "
                       "one", pair->key);
        note(ctx, x, o->name_loc, "%s declared here", o->display);
        return;
    }
    Decl *d = decl_new(ctx, &kind_cfn_entry,
                       arena_printf(ctx->arena, "cfn.%s", pair->key),
                       pair->key_loc);
    d->logical = pair->key;
    d->display = arena_printf(ctx->arena, "%s '%s'", nouns[section], pair->key);
    Entry *ent = arena_alloc(ctx->arena, sizeof *ent);
    ent->include = inc;
    ent->section = section;
    ent->node = pair->value;
    d->data = ent;
    vec_push(ctx->arena, &in->entries, d);
    if (section != S_OUTPUTS)
        strmap_put(ctx->arena, &ctx->prog.included, pair->key, d);
}

/* Conditions and mappings of two fragments share a namespace too. */
static void claim_name(Ctx *ctx, int section, const CfnPair *pair)
{
    const char *key = arena_printf(ctx->arena, "%s/%s", section_names[section],
                                   pair->key);
    const CfnPair *o = strmap_get(&ctx->prog.included, key);
    if (o) {
        Diag *x = diag(ctx, D_LOGICAL_ID_CLASH, pair->key_loc,
                       "%s '%s' is given by two included fragments; rename "
                       "one", section == S_CONDITIONS ? "condition" : "mapping",
                       pair->key);
        note(ctx, x, o->key_loc, "first given here");
        return;
    }
    strmap_put(ctx->arena, &ctx->prog.included, key, (void *)pair);
}

static void read_sections(Ctx *ctx, Decl *d, Include *in, CfnNode *top)
{
    if (top->kind != CFN_OBJECT) {
        diag(ctx, D_INCLUDE_SECTION, top->loc, "an included fragment is a "
             "mapping of template sections (Resources, Outputs, ...)");
        return;
    }
    for (int i = 0; i < top->len; i++) {
        const CfnPair *p = &top->pairs[i];
        if (strcmp(p->key, "AWSTemplateFormatVersion") == 0)
            continue;           /* harmless: hitc's template has its own */
        int s = -1;
        for (int k = 0; k < S_N; k++)
            if (strcmp(p->key, section_names[k]) == 0)
                s = k;
        if (s < 0) {
            const char *dym = did_you_mean(ctx, p->key, section_names, S_N, NULL);
            diag(ctx, D_INCLUDE_UNKNOWN_SECTION, p->key_loc,
                 "an included fragment cannot have a '%s' section%s%s",
                 p->key, dym[0] ? dym : "; it may have Parameters, "
                 "Conditions, Mappings, Resources and Outputs", "");
            continue;
        }
        if (p->value->kind != CFN_OBJECT) {
            diag(ctx, D_INCLUDE_SECTION, p->value->loc, "the '%s' section "
                 "of an included fragment must be a mapping", p->key);
            continue;
        }
        in->sections[s] = p->value;
        for (int j = 0; j < p->value->len; j++) {
            const CfnPair *q = &p->value->pairs[j];
            if (s != S_CONDITIONS && q->value->kind != CFN_OBJECT) {
                diag(ctx, D_INCLUDE_SECTION, q->value->loc, "'%s' in the "
                     "'%s' section must be a mapping", q->key, p->key);
                continue;
            }
            if (!lint_id_ok(q->key)) {
                diag(ctx, D_BAD_NAME, q->key_loc, "'%s' is not a logical ID: "
                     "CloudFormation takes letters and digits only", q->key);
                continue;
            }
            if (s == S_RESOURCES) {
                const CfnNode *t = cfn_obj_get(q->value, "Type");
                if (!t || t->kind != CFN_STRING) {
                    diag(ctx, D_INCLUDE_SECTION, q->key_loc, "included "
                         "resource '%s' needs a 'Type' string", q->key);
                    continue;
                }
                schema_check_resource(ctx, q, false);
            }
            if ((s == S_PARAMETERS || s == S_RESOURCES) &&
                (strcmp(q->key, hitc_ids[HID_CODE_BUCKET]) == 0 ||
                 strcmp(q->key, hitc_ids[HID_CODE_PREFIX]) == 0)) {
                diag(ctx, D_LOGICAL_ID_CLASH, q->key_loc, "'%s' is a parameter "
                     "hitc makes (where the code bundles are); rename the "
                     "included %s", q->key,
                     s == S_PARAMETERS ? "parameter" : "resource");
                continue;
            }
            if (s == S_CONDITIONS || s == S_MAPPINGS)
                claim_name(ctx, s, q);
            else
                add_entry(ctx, d, in, s, q);
        }
    }
}

/* The Type of a resource of the fragment that a Fn::GetAtt or ${ID.ATTR}
 * of it names; NULL for anything else (hitc's own resources). */
static const char *fragment_type(void *arg, const char *logical)
{
    const Include *in = arg;
    const CfnNode *r = in->sections[S_RESOURCES]
        ? cfn_obj_get(in->sections[S_RESOURCES], logical) : NULL;
    const CfnNode *t = r && r->kind == CFN_OBJECT ? cfn_obj_get(r, "Type") : NULL;
    return t && t->kind == CFN_STRING ? t->text : NULL;
}

/* Read the fragment; false when it could not be (reported). */
static bool read_fragment(Ctx *ctx, Decl *d, Include *in)
{
    if (!want_items(ctx, d->stmt, 2, 2, "include \"FILE.yaml\""))
        return false;
    const char *rel = want_string(ctx, d->stmt, 1, "the file to include");
    if (!rel)
        return false;
    Loc at = d->stmt->items[1]->loc;
    in->path = rel;
    d->display = arena_printf(ctx->arena, "include \"%s\"", rel);
    if (!rel[0] || rel[0] == '/') {
        diag(ctx, D_INCLUDE_FILE, at, "the included file must be a path "
             "relative to the .hit file's directory");
        return false;
    }
    if (!has_suffix(rel, ".yaml") && !has_suffix(rel, ".yml") &&
        !has_suffix(rel, ".json")) {
        diag(ctx, D_INCLUDE_FILE, at, "'%s' is not a CloudFormation "
             "fragment: name a .yaml, .yml or .json file", rel);
        return false;
    }
    const char *dir = decl_dir(ctx, d);
    const char *path = strcmp(dir, ".") == 0
        ? rel : arena_printf(ctx->arena, "%s/%s", dir, rel);
    char real[PATH_MAX], root[PATH_MAX];
    struct stat st;
    if (!realpath(path, real) || stat(real, &st) != 0) {
        diag(ctx, D_INCLUDE_FILE, at, "included file '%s' does not exist",
             rel);
        return false;
    }
    if (!S_ISREG(st.st_mode)) {
        diag(ctx, D_INCLUDE_FILE, at, "included '%s' is not a file", rel);
        return false;
    }
    /* As import and code do; a file outside is not even read, so none of
     * its lines can reach a diagnostic (a symlink to credentials, say). */
    if (!realpath(ctx->root, root) || !path_inside(real, root)) {
        diag(ctx, D_INCLUDE_OUTSIDE, at, "included file '%s' is outside the "
             "project (the directory of '%s'), through '..' or a symlink; "
             "move it into the project", rel,
             ((Source *)ctx->sources.items[0])->path);
        return false;
    }
    in->src = source_load(ctx, path, at);
    if (!in->src)
        return false;
    CfnNode *top = cfn_read(ctx, in->src);
    if (!top)
        return false;
    accept_read_template(ctx, in->src, top);
    read_sections(ctx, d, in, top);
    /* The schema rule of the template's lint (lint_emitted) leaves these to
     * this check, made when the fragment is read, so they are reported
     * even when the .hit files have errors too. */
    for (int s = S_RESOURCES; s <= S_OUTPUTS; s++)
        if (in->sections[s])
            schema_check_getatts(ctx, in->sections[s], fragment_type, in);
    return true;
}

static void include_check(Ctx *ctx, Decl *d)
{
    Include *in = arena_alloc(ctx->arena, sizeof *in);
    d->data = in;
    if (!read_fragment(ctx, d, in))
        ctx->prog.includes_unread++;
}

/* ---- references from .hit: cfn.ID and cfn.ID.ATTR ------------------- */

static const char **included_ids(Ctx *ctx, int *n)
{
    Program *p = &ctx->prog;
    const char **ids = arena_alloc(ctx->arena, sizeof(char *) *
                                   (size_t)(2 * p->decls.len + 2));
    *n = 0;
    for (int i = 0; i < p->decls.len; i++) {
        Decl *d = p->decls.items[i];
        if (d->kind == &kind_cfn_entry && entry_of(d)->section != S_OUTPUTS)
            ids[(*n)++] = d->logical;
    }
    return ids;
}

/* An included resource's Type (read_sections made sure it is a string). */
static const char *entry_type(const Decl *d)
{
    const CfnNode *t = cfn_obj_get(entry_of(d)->node, "Type");
    return t && t->kind == CFN_STRING ? t->text : "";
}

/* `cfn.ID` and `cfn.ID.ATTR`: the built-in namespace `cfn` (kind_cfn)
 * resolves them among the included entries. */
static void cfn_member(Ctx *ctx, Decl *ns, Decl *owner, const char *why,
                       Expr *x)
{
    (void)ns;
    if (!x->attr || !x->attr[0]) {
        diag(ctx, D_BARE_REF, x->loc, "'cfn' is the namespace of included "
             "resources, not a value; write 'cfn.ID' (a Ref) or "
             "'cfn.ID.ATTRIBUTE' (a Fn::GetAtt)");
        return;
    }
    const char *dot = strchr(x->attr, '.');
    const char *id = dot ? arena_strndup(ctx->arena, x->attr,
                                         (size_t)(dot - x->attr))
                         : x->attr;
    Loc id_loc = {x->attr_loc.src, x->attr_loc.off, (uint32_t)strlen(id)};
    Decl *d = strmap_get(&ctx->prog.included, id);
    if (!d && ctx->prog.includes_unread)
        return;    /* it may be in the fragment that did not read: that
                           one error says enough */
    if (!d) {
        int n;
        const char **ids = included_ids(ctx, &n);
        if (n == 0)
            diag(ctx, D_INCLUDE_UNKNOWN, id_loc, "unknown included resource "
                 "'%s': no 'include' line brings in a fragment that declares "
                 "it", id);
        else
            diag(ctx, D_INCLUDE_UNKNOWN, id_loc, "unknown included resource "
                 "'%s'%s", id, did_you_mean(ctx, id, ids, n, NULL));
        return;
    }
    const char *attr = dot ? dot + 1 : NULL;
    if (attr && !attr[0]) {
        diag(ctx, D_UNKNOWN_ATTR, x->loc, "expected an attribute after "
             "'cfn.%s.'", id);
        return;
    }
    if (attr && entry_of(d)->section == S_PARAMETERS) {
        diag(ctx, D_UNKNOWN_ATTR, x->attr_loc, "%s has no attributes; "
             "write 'cfn.%s'", d->display, id);
        return;
    }
    Loc attr_loc = {x->attr_loc.src, id_loc.off + id_loc.len + 1,
                    attr ? (uint32_t)strlen(attr) : 0};
    if (attr && !schema_attr_known(ctx, D_UNKNOWN_ATTR, id,
                                   entry_type(d), attr, attr_loc))
        return;
    x->target = d;
    x->attr = attr;
    x->type = VT_STRING;
    d->used = true;
    add_edge(ctx, owner, d, x->loc,
             arena_printf(ctx->arena, "%s refers to 'cfn.%s%s%s'", why, id,
                          attr ? "." : "", attr ? attr : ""));
    return;
}

/* What cfn.ID (attr NULL: its Ref) or cfn.ID.ATTR is the ARN of, as
 * Attr.arn: the Arn attribute of a resource AWS::SERVICE::X is an ARN of
 * SERVICE; a few Refs and attributes are known besides. */
static const char *entry_arn(const Decl *d, const char *attr)
{
    static const struct {
        const char *type, *attr, *arn;  /* attr NULL: the Ref */
    } known[] = {
        {"AWS::SQS::Queue", NULL, ""},              /* its URL */
        {"AWS::SQS::Queue", "QueueName", ""},
        {"AWS::SQS::Queue", "QueueUrl", ""},
        {"AWS::SNS::Topic", NULL, "sns"},
        {"AWS::SNS::Topic", "TopicArn", "sns"},
        {"AWS::SNS::Topic", "TopicName", ""},
        {"AWS::Lambda::Function", NULL, ""},        /* its name */
        {"AWS::DynamoDB::Table", NULL, ""},
        {"AWS::DynamoDB::Table", "StreamArn", "dynamodb"},
        {"AWS::S3::Bucket", NULL, ""},
    };
    const Entry *ent = entry_of(d);
    const CfnNode *t = ent && ent->section == S_RESOURCES
                           ? cfn_obj_get(ent->node, "Type") : NULL;
    if (!t || t->kind != CFN_STRING)
        return NULL;
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strcmp(t->text, known[i].type) == 0 &&
            (attr ? known[i].attr && strcmp(attr, known[i].attr) == 0
                  : !known[i].attr))
            return known[i].arn;
    if (!attr || strcmp(attr, "Arn") != 0 || strncmp(t->text, "AWS::", 5) != 0)
        return NULL;
    const char *svc = t->text + 5, *end = strstr(svc, "::");
    if (!end)
        return NULL;
    static const char *const services[] = {"sqs", "sns", "lambda", "dynamodb",
                                           "s3", "events", "kinesis", "iam"};
    for (size_t i = 0; i < sizeof services / sizeof services[0]; i++)
        if (strlen(services[i]) == (size_t)(end - svc) &&
            strncasecmp(svc, services[i], (size_t)(end - svc)) == 0)
            return services[i];    /* lower case, as ARNs spell services */
    return NULL;
}

static CfnRef entry_ref(Ctx *ctx, Decl *d, const char *attr)
{
    (void)ctx;
    if (attr)
        return (CfnRef){.form = CFN_GETATT, .logical = d->logical, .attr = attr};
    return (CfnRef){.form = CFN_REF, .logical = d->logical};
}

/* ---- names the fragment refers to ----------------------------------- */

/* Call fn for every logical ID a node names: Ref, Fn::GetAtt, the
 * variables of Fn::Sub, and (at the top of a resource) DependsOn.  No
 * recursion past CFN_MAX_DEPTH: the reader refuses deeper trees. */
typedef void (*NameFn)(Ctx *ctx, void *arg, const char *name, Loc loc,
                       const char *how);

static void sub_names(Ctx *ctx, const CfnNode *str, const CfnNode *vars,
                      NameFn fn, void *arg)
{
    const char *b, *end;
    for (const char *p = sub_next_var(str->text, &b, &end); p;
         p = sub_next_var(p, &b, &end)) {
        const char *dot = memchr(b, '.', (size_t)(end - b));
        char *var = arena_strndup(ctx->arena, b, (size_t)(end - b));
        char *name = arena_strndup(ctx->arena, b,
                                   (size_t)((dot ? dot : end) - b));
        if (vars && vars->kind == CFN_OBJECT &&
            (cfn_obj_get(vars, var) || cfn_obj_get(vars, name)))
            continue;
        fn(ctx, arg, name, str->loc, "Fn::Sub");
    }
}

static void walk_names(Ctx *ctx, const CfnNode *n, NameFn fn, void *arg)
{
    if (!n)
        return;
    if (n->kind == CFN_ARRAY) {
        for (int i = 0; i < n->len; i++)
            walk_names(ctx, n->items[i], fn, arg);
        return;
    }
    if (n->kind != CFN_OBJECT)
        return;
    const char *f = cfn_intrinsic_name(n);
    const CfnNode *v = f ? n->pairs[0].value : NULL;
    if (f && strcmp(f, "Ref") == 0 && v->kind == CFN_STRING) {
        fn(ctx, arg, v->text, v->loc, "Ref");
        return;
    }
    if (f && strcmp(f, "Fn::GetAtt") == 0) {
        if (v->kind == CFN_ARRAY && v->len >= 1 &&
            v->items[0]->kind == CFN_STRING)
            fn(ctx, arg, v->items[0]->text, v->items[0]->loc, "Fn::GetAtt");
        else if (v->kind == CFN_STRING) {
            const char *dot = strchr(v->text, '.');
            fn(ctx, arg, dot ? arena_strndup(ctx->arena, v->text,
                                             (size_t)(dot - v->text))
                             : v->text, v->loc, "Fn::GetAtt");
        }
        return;
    }
    if (f && strcmp(f, "Fn::Sub") == 0) {
        if (v->kind == CFN_STRING)
            sub_names(ctx, v, NULL, fn, arg);
        else if (v->kind == CFN_ARRAY && v->len >= 1 &&
                 v->items[0]->kind == CFN_STRING) {
            sub_names(ctx, v->items[0], v->len > 1 ? v->items[1] : NULL, fn, arg);
            for (int i = 1; i < v->len; i++)
                walk_names(ctx, v->items[i], fn, arg);
        }
        return;
    }
    for (int i = 0; i < n->len; i++)
        walk_names(ctx, n->pairs[i].value, fn, arg);
}

static void entry_names(Ctx *ctx, const Entry *en, NameFn fn, void *arg)
{
    if (en->section == S_PARAMETERS)
        return;
    walk_names(ctx, en->node, fn, arg);
    const CfnNode *dep = en->section == S_RESOURCES
        ? cfn_obj_get(en->node, "DependsOn") : NULL;
    if (dep && dep->kind == CFN_STRING)
        fn(ctx, arg, dep->text, dep->loc, "DependsOn");
    for (int i = 0; dep && dep->kind == CFN_ARRAY && i < dep->len; i++)
        if (dep->items[i]->kind == CFN_STRING)
            fn(ctx, arg, dep->items[i]->text, dep->items[i]->loc, "DependsOn");
}

/* hitc's own declarations by the logical ID they make (a function's is
 * NAMEFunction, a table's NAMETable, a parameter's PascalCase(NAME)),
 * mapped once (prog.hitc_logicals), so that a fragment of many names costs
 * one lookup each, not a scan of every declaration.  The first of two
 * declarations of one ID wins here; ids.c reports the clash.  A
 * sub-resource (a function's role) is no declaration of its own: a cycle
 * through one is found on the template (lint_emitted). */
static Decl *hitc_decl_named(Ctx *ctx, const char *logical)
{
    Program *p = &ctx->prog;
    if (!p->hitc_logicals_made) {
        p->hitc_logicals_made = true;
        for (int i = 0; i < p->decls.len; i++) {
            Decl *d = p->decls.items[i];
            if (d->kind == &kind_cfn_entry || d->kind->own_namespace ||
                d->kind == &kind_include || !d->logical ||
                !(d->stmt || d->builtin) ||
                strmap_get(&p->hitc_logicals, d->logical))
                continue;
            strmap_put(ctx->arena, &p->hitc_logicals, d->logical, d);
        }
    }
    return strmap_get(&p->hitc_logicals, logical);
}

static void edge_to(Ctx *ctx, void *arg, const char *name, Loc loc,
                    const char *how)
{
    Decl *from = arg;
    if (strncmp(name, "AWS::", 5) == 0)
        return;
    Decl *to = strmap_get(&ctx->prog.included, name);
    if (!to)
        to = hitc_decl_named(ctx, name);
    if (to)
        to->used = true;        /* a parameter the fragment reads is used */
    if (to && to != from)
        add_edge(ctx, from, to, loc,
                 arena_printf(ctx->arena, "%s names '%s'", how, name));
}

/* An edge for hitc graph to the declaration that makes name, when the
 * graph has none: ids.c registered every ID, so id_owner knows. */
static void dot_edge(Ctx *ctx, void *arg, const char *name, Loc loc,
                     const char *how)
{
    (void)loc;
    void **a = arg;
    Decl *from = a[0];
    Buf *out = a[1];
    if (strncmp(name, "AWS::", 5) == 0 ||
        strmap_get(&ctx->prog.included, name) || hitc_decl_named(ctx, name))
        return;
    Decl *to = id_owner(ctx, name);
    if (!to || to == from || (to->builtin && !to->used))
        return;
    buf_printf(out, "  n%d -> n%d [style=dashed, label=", from->order,
               to->order);
    Buf label = {0};
    buf_printf(&label, "%s names '%s'", how, name);
    buf_puts(out, "\"");
    for (const char *s = label.data; *s; s++) {
        if (*s == '"' || *s == '\\')
            buf_puts(out, "\\");
        buf_add(out, s, 1);
    }
    buf_puts(out, "\"];\n");
    buf_free(&label);
}

/* For `hitc graph`, the edges the graph itself does not have: from an
 * included entry to the declaration that makes a resource it names that
 * is no declaration of its own (a function's role, log group, an API's
 * parts), drawn dashed.  graph.c orders declarations, and the cycle rule
 * of lint_emitted checks these edges on the template. */
static void entry_dot_edges(Ctx *ctx, Decl *d, Buf *out)
{
    void *arg[2] = {d, out};
    entry_names(ctx, entry_of(d), dot_edge, arg);
}

static void include_link(Ctx *ctx, Decl *d)
{
    Include *in = d->data;
    for (int i = 0; i < in->entries.len; i++) {
        Decl *entry = in->entries.items[i];
        entry_names(ctx, entry_of(entry), edge_to, entry);
    }
}

static void include_ids(Ctx *ctx, Decl *d)
{
    Include *in = d->data;
    for (int i = 0; i < in->entries.len; i++) {
        Decl *entry = in->entries.items[i];
        if (entry_of(entry)->section == S_OUTPUTS)
            id_claim_output(ctx, entry, entry->logical);
        else
            id_claim(ctx, entry, entry->logical);
    }
}

/* ---- secrets the fragment would show ------------------------------- */

/* A parameter whose value is masked: hitc's `secret`, or a fragment's own
 * with NoEcho: true. */
static bool is_secret(const Decl *d)
{
    if (decl_is_secret(d))
        return true;
    const Entry *ent = d->kind == &kind_cfn_entry ? entry_of(d) : NULL;
    const CfnNode *no_echo = ent && ent->section == S_PARAMETERS
                                 ? cfn_obj_get(ent->node, "NoEcho") : NULL;
    return no_echo && ((no_echo->kind == CFN_BOOL && no_echo->boolean) ||
                       (no_echo->kind == CFN_STRING &&
                        strcasecmp(no_echo->text, "true") == 0));
}

/* An output's value, or a resource's tags: text anyone who may describe
 * the stack reads, NoEcho or not (cfn-lint W2010 for outputs). */
static void secret_name(Ctx *ctx, void *arg, const char *name, Loc loc,
                        const char *how)
{
    const char *where = arg;
    Decl *d = id_owner(ctx, name);
    if (!d || !is_secret(d))
        return;
    const char *shown = d->kind->is_parameter ? d->name : d->logical;
    Diag *dg = diag(ctx, D_SECRET_PLAIN, loc, "%s shows secret parameter '%s' "
                    "(%s) in plain text to anyone who may describe the stack; "
                    "name where the secret is kept instead", where, shown, how);
    note(ctx, dg, d->name_loc, "secret parameter '%s' declared here", shown);
}

static void entry_secrets(Ctx *ctx, const Decl *d)
{
    const Entry *en = entry_of(d);
    if (en->section == S_OUTPUTS) {
        walk_names(ctx, en->node, secret_name,
                   arena_printf(ctx->arena, "included output '%s'", d->logical));
        return;
    }
    const CfnNode *props = en->section == S_RESOURCES
                               ? cfn_obj_get(en->node, "Properties") : NULL;
    if (!props || props->kind != CFN_OBJECT)
        return;
    const char *where = arena_printf(ctx->arena, "a tag of included resource "
                                     "'%s'", d->logical);
    walk_names(ctx, cfn_obj_get(props, "Tags"), secret_name, (void *)where);
    walk_names(ctx, cfn_obj_get(props, "TagSpecifications"), secret_name,
               (void *)where);
}

/* After every logical ID is registered (ids.c): what each entry names is
 * known, so a secret shown in plain text can be found. */
static void include_after_ids(Ctx *ctx, Decl *d)
{
    Include *in = d->data;
    if (!in)
        return;
    for (int k = 0; k < in->entries.len; k++)
        entry_secrets(ctx, in->entries.items[k]);
}

/* ---- emit ------------------------------------------------------------ */

/* The fragment's sections after hitc's own (emit_appendix), in the order
 * of the include lines and of each fragment. */
static void include_emit(Ctx *ctx, Decl *d, Emit *e)
{
    Include *in = d->data;
    for (int s = 0; in && s < S_N; s++) {
        CfnNode *sec = in->sections[s];
        if (!sec || !sec->len)
            continue;
        CfnNode *into = emit_appendix(ctx, e, d, section_names[s]);
        for (int k = 0; k < sec->len; k++)
            cfn_obj_set(ctx->arena, into, sec->pairs[k].key,
                        sec->pairs[k].key_loc, sec->pairs[k].value);
    }
}

const Kind kind_include = {
    .keyword = "include",
    .noun = "include",
    .check = include_check,
    .link = include_link,
    .ids = include_ids,
    .emit = include_emit,
    .after_ids = include_after_ids,
};

const Kind kind_cfn_entry = {
    .noun = "included resource",
    .ref = entry_ref,
    .arn = entry_arn,
    .dot_edges = entry_dot_edges,
    .names_its_id = true,
};

/* The built-in `cfn`, the namespace of the included entries. */
const Kind kind_cfn = {
    .noun = "built-in",
    .member = cfn_member,
};
