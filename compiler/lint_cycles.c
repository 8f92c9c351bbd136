/*
 * lint_cycles.c: the rules on dependency cycles (lint.h): among resources
 * (E0710; E0406 in build and check, each resource named with what made
 * it) and among conditions.
 *
 * In: a Lint: its sections and every reference the walk found (l->uses).
 * Out: one error per cycle, every step a note with the reference that
 * makes it.  Holds: the graph's arrays are sized once and scc.c finds the
 * components, so any number of cycles costs time in proportion to the
 * graph.
 */
#include <stdint.h>
#include <string.h>

#include "lint.h"

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
        GEdge *edges = arena_alloc(l->ctx->arena, sizeof *edges * (size_t)cap);
        if (g->nout[from])
            memcpy(edges, g->out[from], sizeof *edges * (size_t)g->nout[from]);
        g->out[from] = edges;
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
    const CfnPair *pairs = g->sec->pairs;
    bool conds = g->sec == l->conditions;
    if (!conds)
        buf_puts(msg, "dependency cycle: ");
    else if (len == 1)
        buf_printf(msg, "condition '%s' refers to itself: ", pairs[start].key);
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
            buf_printf(msg, " '%s'", pairs[v].key);
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
    const CfnPair *pairs = g->sec->pairs;
    if (!diag_wanted(l->ctx, pairs[start].key_loc)) {
        diag(l->ctx, code, pairs[start].key_loc, "cycle");     /* counted only */
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
    Diag *d = diag(l->ctx, code, pairs[start].key_loc, "%s", msg.data);
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
