/*
 * lint_rules.c: the rules of `hitc lint`, one function each (lint.h).
 *
 * In: a Lint (the tree, its sections, every reference the walk found).
 * Out: diagnostics.  A rule reads; it never changes the tree.
 */
#include <stdint.h>
#include <string.h>

#include "iam_table.h"
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

/* In a template hitc made, is this entry hitc's own (located in a .hit
 * file, or nowhere: the built-in parameters) rather than an included
 * fragment's?  The compiler checked what hitc makes on the .hit source
 * (allow lines: E0273, W0272; runtimes: E0217, W0212; params: W0408),
 * at the item written, so these rules leave hitc's own entries to it. */
static bool checked_in_hit(const Lint *l, Loc loc)
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

/* ---- dependency cycles ----------------------------------------------- */

/* The graph of one section's entries (resources, or conditions): vertex i
 * is the section's pair i.  Every array is sized once, so that reporting
 * any number of cycles costs time and memory in proportion to the graph,
 * not to the graph times the cycles. */

typedef struct GEdge {
    int to;
    const LintUse *use;
} GEdge;

typedef struct Graph {
    const CfnNode *sec;      /* l->resources or l->conditions */
    int n;
    GEdge **out;             /* out[i]: edges of entry i */
    int *nout, *capout;
    int *mark;               /* graph_add: mark[to] == from + 1 once added */
    int *comp, ncomp;        /* scc.c's components */
    /* the components: members[first[c] .. first[c + 1]) are component c */
    int *first, *members;
    /* report_cycle's scratch, all -2 / false between reports */
    int *prev, *queue;
    const LintUse **via;
    bool *on_path;
} Graph;

static void *scratch(Lint *l, size_t n, size_t size)
{
    return arena_alloc(l->ctx->arena, size * (n ? n : 1));
}

static void graph_init(Lint *l, Graph *g, const CfnNode *sec)
{
    size_t n = (size_t)sec->len;
    *g = (Graph){.sec = sec, .n = sec->len};
    g->out = scratch(l, n, sizeof *g->out);
    g->nout = scratch(l, n, sizeof *g->nout);
    g->capout = scratch(l, n, sizeof *g->capout);
    g->mark = scratch(l, n, sizeof *g->mark);
}

static int entry_index(const Graph *g, const char *name)
{
    const CfnPair *p = cfn_obj_pair(g->sec, name);
    return p ? (int)(p - g->sec->pairs) : -1;
}

/* One edge from -> to, kept once: the uses of one owner come together
 * (the walk goes entry by entry), so a mark per target finds repeats. */
static void graph_add(Lint *l, Graph *g, int from, int to, const LintUse *u)
{
    if (g->mark[to] == from + 1)
        return;
    g->mark[to] = from + 1;
    if (g->nout[from] == g->capout[from]) {
        int cap = g->capout[from] ? g->capout[from] * 2 : 4;
        GEdge *e = arena_alloc(l->ctx->arena, sizeof *e * (size_t)cap);
        if (g->nout[from])
            memcpy(e, g->out[from], sizeof *e * (size_t)g->nout[from]);
        g->out[from] = e;
        g->capout[from] = cap;
    }
    g->out[from][g->nout[from]++] = (GEdge){to, u};
}

/* The components, each with its members listed in the order of the file. */
static void graph_components(Lint *l, Graph *g)
{
    size_t n = (size_t)g->n;
    int *first = scratch(l, n + 1, sizeof *first);
    first[0] = 0;
    for (int v = 0; v < g->n; v++)
        first[v + 1] = first[v] + g->nout[v];
    int *to = scratch(l, (size_t)first[g->n], sizeof *to);
    for (int v = 0; v < g->n; v++)
        for (int k = 0; k < g->nout[v]; k++)
            to[first[v] + k] = g->out[v][k].to;
    g->comp = scratch(l, n, sizeof *g->comp);
    g->ncomp = scc_find(g->n, first, to, g->comp);
    g->first = scratch(l, (size_t)g->ncomp + 1, sizeof *g->first);
    g->members = scratch(l, n, sizeof *g->members);
    for (int v = 0; v < g->n; v++)
        g->first[g->comp[v] + 1]++;
    for (int c = 0; c < g->ncomp; c++)
        g->first[c + 1] += g->first[c];
    int *fill = scratch(l, (size_t)g->ncomp, sizeof *fill);
    for (int c = 0; c < g->ncomp; c++)
        fill[c] = g->first[c];
    for (int v = 0; v < g->n; v++)
        g->members[fill[g->comp[v]]++] = v;
    g->prev = scratch(l, n, sizeof *g->prev);
    g->queue = scratch(l, n, sizeof *g->queue);
    g->via = scratch(l, n, sizeof *g->via);
    g->on_path = scratch(l, n, sizeof *g->on_path);
    for (int i = 0; i < g->n; i++)
        g->prev[i] = -2;
}

static const char *verb(const LintUse *u)
{
    switch (u->kind) {
    case LU_DEPENDSON: return "depends on";
    case LU_GETATT: return "gets an attribute of";
    case LU_SUB: return "substitutes";
    default: return "refers to";
    }
}

#define CYCLE_NAMES_SHOWN 32    /* names of one cycle spelled out in its message */

/* An entry of a cycle as the message names it: 'ID'; in a template hitc
 * made, with what made it: included resource 'Jobs', 'WorkerFunctionRole'
 * (function 'worker'). */
static const char *cycle_name(Lint *l, const Graph *g, int v)
{
    const char *key = g->sec->pairs[v].key;
    const Decl *owner = l->emit && g->sec == l->resources
                            ? id_owner(l->ctx, key) : NULL;
    if (!owner)
        return arena_printf(l->ctx->arena, "'%s'", key);
    if (owner->kind->names_its_id)
        return owner->display;
    return arena_printf(l->ctx->arena, "'%s' (%s)", key, owner->display);
}

/* The message of a cycle: the path (its first names, when it is long) and
 * the others of the circle (likewise). */
static void cycle_message(Lint *l, Graph *g, int start, const int *path,
                          int len, Buf *msg)
{
    const CfnPair *e = g->sec->pairs;
    bool conds = g->sec == l->conditions;
    if (!conds)
        buf_puts(msg, "dependency cycle: ");
    else if (len == 1)
        buf_printf(msg, "condition '%s' refers to itself: ", e[start].key);
    else
        buf_puts(msg, "conditions refer to each other in a circle: ");
    for (int i = 0; i < len && i < CYCLE_NAMES_SHOWN; i++)
        buf_printf(msg, "%s -> ", cycle_name(l, g, path[i]));
    if (len > CYCLE_NAMES_SHOWN)
        buf_printf(msg, "... (%d more) -> ", len - CYCLE_NAMES_SHOWN);
    buf_printf(msg, "%s", cycle_name(l, g, start));
    int c = g->comp[start];
    int others = g->first[c + 1] - g->first[c] - len, shown = 0;
    if (others > 0) {
        buf_printf(msg, "; %d more %s in the same circle:", others,
                   conds ? (others == 1 ? "condition is" : "conditions are")
                         : (others == 1 ? "resource is" : "resources are"));
        for (int k = g->first[c]; k < g->first[c + 1]; k++) {
            int v = g->members[k];
            if (g->on_path[v])
                continue;
            if (shown++ == CYCLE_NAMES_SHOWN) {
                buf_printf(msg, " ... (%d more)", others - CYCLE_NAMES_SHOWN);
                break;
            }
            buf_printf(msg, " '%s'", e[v].key);
        }
    }
    buf_puts(msg, conds ? "; CloudFormation refuses conditions that refer to "
                          "themselves"
                        : "; CloudFormation cannot create any of them");
}

/* The shortest circle from start back to it inside its component: a
 * breadth-first search that touches only the component, and leaves the
 * scratch arrays as it found them. */
static void report_cycle(Lint *l, Graph *g, int start, DiagCode code)
{
    const CfnPair *e = g->sec->pairs;
    if (!diag_wanted(l->ctx, e[start].key_loc)) {
        diag(l->ctx, code, e[start].key_loc, "cycle");     /* counted only */
        return;
    }
    int head = 0, tail = 0, last = -1;
    const LintUse *closing = NULL;
    g->queue[tail++] = start;
    g->prev[start] = -1;
    while (head < tail && last < 0) {
        int v = g->queue[head++];
        for (int i = 0; i < g->nout[v] && last < 0; i++) {
            int w = g->out[v][i].to;
            if (g->comp[w] != g->comp[start])
                continue;
            if (w == start) {
                last = v;
                closing = g->out[v][i].use;
            } else if (g->prev[w] == -2) {
                g->prev[w] = v;
                g->via[w] = g->out[v][i].use;
                g->queue[tail++] = w;
            }
        }
    }
    int len = 0;
    for (int v = last; v >= 0; v = g->prev[v])
        len++;
    int *path = scratch(l, (size_t)len, sizeof *path);
    int k = len;
    for (int v = last; v >= 0; v = g->prev[v])
        path[--k] = v;
    for (int i = 0; i < len; i++)
        g->on_path[path[i]] = true;
    Buf msg = {0};
    cycle_message(l, g, start, path, len, &msg);
    Diag *d = diag(l->ctx, code, e[start].key_loc, "%s", msg.data);
    buf_free(&msg);
    for (int i = 0; i < len; i++) {
        int from = path[i];
        int to = i + 1 < len ? path[i + 1] : start;
        const LintUse *u = i + 1 < len ? g->via[path[i + 1]] : closing;
        note(l->ctx, d, u->loc, "%s %s %s here", cycle_name(l, g, from),
             verb(u), cycle_name(l, g, to));
    }
    for (int i = 0; i < tail; i++)
        g->prev[g->queue[i]] = -2;
    for (int i = 0; i < len; i++)
        g->on_path[path[i]] = false;
}

/* One report per circle, at its first entry in the file. */
static void report_cycles(Lint *l, Graph *g, DiagCode code)
{
    graph_components(l, g);
    for (int c = 0; c < g->ncomp; c++) {
        int v = g->members[g->first[c]];
        bool cyclic = g->first[c + 1] - g->first[c] > 1;
        for (int i = 0; i < g->nout[v] && !cyclic; i++)
            cyclic = g->out[v][i].to == v;
        if (cyclic)
            report_cycle(l, g, v, code);
    }
}

void lint_rule_cycles(Lint *l)
{
    if (l->opaque || !l->resources || !l->resources->len)
        return;
    Graph g;
    graph_init(l, &g, l->resources);
    for (int i = 0; i < l->uses.len; i++) {
        const LintUse *u = l->uses.items[i];
        if (u->section != LS_RESOURCES || u->kind == LU_CONDITION ||
            u->kind == LU_FINDINMAP)
            continue;
        int from = entry_index(&g, u->owner);
        int to = entry_index(&g, u->name);
        if (from >= 0 && to >= 0)
            graph_add(l, &g, from, to, u);
    }
    /* In build and check a cycle is E0406, as one between declarations
     * is: the user sees one code for "these depend on each other". */
    report_cycles(l, &g, l->emit ? D_CYCLE : D_LINT_CYCLE);
}

/* Conditions that refer to themselves, directly or through others
 * (Fn::And, Fn::Or, Fn::Not): CloudFormation refuses the template. */
void lint_rule_condition_cycles(Lint *l)
{
    if (l->opaque || !l->conditions || !l->conditions->len)
        return;
    Graph g;
    graph_init(l, &g, l->conditions);
    for (int i = 0; i < l->uses.len; i++) {
        const LintUse *u = l->uses.items[i];
        if (u->section != LS_CONDITIONS || u->kind != LU_CONDITION)
            continue;
        int from = entry_index(&g, u->owner);
        int to = entry_index(&g, u->name);
        if (from >= 0 && to >= 0)
            graph_add(l, &g, from, to, u);
    }
    report_cycles(l, &g, D_LINT_CONDITION_CYCLE);
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
        if (checked_in_hit(l, l->resources->pairs[i].key_loc))
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
        if (checked_in_hit(l, l->resources->pairs[i].key_loc))
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
        if (!strmap_get(&used_params, p->key) && !checked_in_hit(l, p->key_loc))
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
