/*
 * graph.c: the dependency graph.
 *
 * In: declarations whose edges the resolver and the kinds added (from a
 * declaration to what it needs).  Out: prog.order, every declaration after
 * what it depends on, ties broken by name; or one error per cycle, that
 * prints the whole cycle, each step a note with its file:line:col.
 * Holds: nothing here depends on declaration order or on pointers; the
 * scratch arrays come from xcalloc (the one out-of-memory policy, arena.c)
 * and are freed before each function returns.
 */
#include <stdlib.h>
#include <string.h>

#include "cfn.h"
#include "hitc.h"

static const char *key_of(const Decl *d)
{
    return d->name && !d->builtin ? d->name : d->display;
}

/* By name (Decl.sorts_first and Decl.part_of say where built-ins go). */
static int decl_cmp(const void *pa, const void *pb)
{
    const Decl *a = *(Decl *const *)pa, *b = *(Decl *const *)pb;
    if (a->sorts_first != b->sorts_first)
        return a->sorts_first ? -1 : 1;
    const Decl *wa = a->part_of ? a->part_of : a;
    const Decl *wb = b->part_of ? b->part_of : b;
    int c = strcmp(key_of(wa), key_of(wb));
    if (c)
        return c;
    if (wa != wb)
        return (wa->index > wb->index) - (wa->index < wb->index);
    if (!a->part_of != !b->part_of)
        return a->part_of ? -1 : 1;         /* the part just before */
    return (a->index > b->index) - (a->index < b->index);
}

static int edge_cmp(const void *pa, const void *pb)
{
    const Edge *a = *(Edge *const *)pa, *b = *(Edge *const *)pb;
    int c = decl_cmp(&a->to, &b->to);
    return c ? c : (a->loc.off > b->loc.off) - (a->loc.off < b->loc.off);
}

/* The components of the graph (scc.c), by declaration index. */
typedef struct Tarjan {
    int *comp;
} Tarjan;

static void components(Decl **sorted, int n, Tarjan *T)
{
    int *rank = xcalloc((size_t)n, sizeof *rank);
    int *first = xcalloc((size_t)n + 1, sizeof *first);
    for (int r = 0; r < n; r++) {
        rank[sorted[r]->index] = r;
        first[r + 1] = first[r] + sorted[r]->edges.len;
    }
    int *to = xcalloc((size_t)first[n] + 1, sizeof *to);
    for (int r = 0; r < n; r++)
        for (int k = 0; k < sorted[r]->edges.len; k++)
            to[first[r] + k] = rank[((Edge *)sorted[r]->edges.items[k])->to->index];
    int *comp = xcalloc((size_t)n, sizeof *comp);
    scc_find(n, first, to, comp);
    T->comp = xcalloc((size_t)n, sizeof *T->comp);
    for (int r = 0; r < n; r++)
        T->comp[sorted[r]->index] = comp[r];
    free(comp);
    free(to);
    free(first);
    free(rank);
}

/* The shortest cycle through start inside its component (BFS), printed. */
static void report_cycle(Ctx *ctx, Tarjan *T, Decl *start)
{
    int n = ctx->prog.decls.len;
    Edge **via = xcalloc((size_t)n, sizeof *via);
    Decl **queue = xcalloc((size_t)n, sizeof *queue);
    int head = 0, tail = 0;
    Edge *closing = NULL;
    queue[tail++] = start;
    while (head < tail && !closing) {
        Decl *v = queue[head++];
        for (int k = 0; k < v->edges.len && !closing; k++) {
            Edge *edge = v->edges.items[k];
            Decl *w = edge->to;
            if (T->comp[w->index] != T->comp[start->index])
                continue;
            if (w == start)
                closing = edge;
            else if (!via[w->index]) {
                via[w->index] = edge;
                queue[tail++] = w;
            }
        }
    }
    /* Walk back from the closing edge to list the steps in order. */
    Edge **steps = xcalloc((size_t)n + 1, sizeof *steps);
    int nsteps = 0;
    for (Edge *edge = closing; edge; edge = edge->from == start ? NULL : via[edge->from->index])
        steps[nsteps++] = edge;
    Buf path = {0};
    buf_puts(&path, start->display);
    for (int i = nsteps - 1; i >= 0; i--)
        buf_printf(&path, " -> %s", steps[i]->to->display);
    Diag *d = diag(ctx, D_CYCLE, steps[nsteps - 1]->loc,
                   "dependency cycle: %s", path.data);
    for (int i = nsteps - 1; i >= 0; i--)
        note(ctx, d, steps[i]->loc, "%s %s", steps[i]->from->display,
             steps[i]->why);
    buf_free(&path);
    free(steps);
    free(via);
    free(queue);
}

/* A min-heap of ranks (positions in the by-name order). */
typedef struct Heap {
    int *v, n;
} Heap;

static void heap_push(Heap *h, int x)
{
    int i = h->n++;
    for (; i > 0 && h->v[(i - 1) / 2] > x; i = (i - 1) / 2)
        h->v[i] = h->v[(i - 1) / 2];
    h->v[i] = x;
}

static int heap_pop(Heap *h)
{
    int top = h->v[0], last = h->v[--h->n], i = 0;
    for (;;) {
        int c = 2 * i + 1;
        if (c >= h->n)
            break;
        if (c + 1 < h->n && h->v[c + 1] < h->v[c])
            c++;
        if (last <= h->v[c])
            break;
        h->v[i] = h->v[c];
        i = c;
    }
    if (h->n)
        h->v[i] = last;
    return top;
}

/* Kahn's algorithm: of the declarations whose dependencies are all placed,
 * the first by name goes next, so the order depends only on names.  Edges
 * are walked backwards (from a declaration to those that need it), once
 * each: O((V + E) log V). */
static void topo_order(Ctx *ctx, Decl **sorted, int n)
{
    Program *p = &ctx->prog;
    int *rank = xcalloc((size_t)n, sizeof(int));
    int *pending = xcalloc((size_t)n, sizeof(int));
    int *first = xcalloc((size_t)n + 1, sizeof(int));   /* by rank of target */
    int nedges = 0;
    for (int r = 0; r < n; r++)
        rank[sorted[r]->index] = r;
    for (int r = 0; r < n; r++) {
        Decl *d = sorted[r];
        pending[r] = d->edges.len;
        nedges += d->edges.len;
        for (int k = 0; k < d->edges.len; k++)
            first[rank[((Edge *)d->edges.items[k])->to->index] + 1]++;
    }
    for (int r = 0; r < n; r++)
        first[r + 1] += first[r];
    int *needed_by = xcalloc((size_t)nedges, sizeof(int));
    int *fill = xcalloc((size_t)n, sizeof(int));
    memcpy(fill, first, sizeof(int) * (size_t)n);
    for (int r = 0; r < n; r++) {
        Decl *d = sorted[r];
        for (int k = 0; k < d->edges.len; k++)
            needed_by[fill[rank[((Edge *)d->edges.items[k])->to->index]]++] = r;
    }
    Heap ready = {xcalloc((size_t)n, sizeof(int)), 0};
    for (int r = 0; r < n; r++)
        if (pending[r] == 0)
            heap_push(&ready, r);
    while (ready.n) {
        int r = heap_pop(&ready);
        Decl *d = sorted[r];
        d->order = p->order.len;
        vec_push(ctx->arena, &p->order, d);
        for (int k = first[r]; k < first[r + 1]; k++)
            if (--pending[needed_by[k]] == 0)
                heap_push(&ready, needed_by[k]);
    }
    free(ready.v);
    free(fill);
    free(needed_by);
    free(first);
    free(pending);
    free(rank);
}

void graph_build(Ctx *ctx)
{
    Program *p = &ctx->prog;
    int n = p->decls.len;
    Decl **sorted = xcalloc((size_t)n, sizeof *sorted);
    memcpy(sorted, p->decls.items, sizeof *sorted * (size_t)n);
    qsort(sorted, (size_t)n, sizeof *sorted, decl_cmp);
    for (int i = 0; i < n; i++) {
        Decl *d = sorted[i];
        if (d->edges.len > 1)
            qsort(d->edges.items, (size_t)d->edges.len, sizeof(void *),
                  edge_cmp);
    }

    Tarjan T;
    components(sorted, n, &T);

    /* A component is a cycle when it has two members or a self-edge;
     * report it once, from its first member by name that is not part of
     * another (a function, not its stamp). */
    int *size = xcalloc((size_t)n + 1, sizeof(int));
    bool *done = xcalloc((size_t)n + 1, sizeof(bool));
    for (int i = 0; i < n; i++)
        size[T.comp[i]]++;
    bool cyclic = false;
    for (int i = 0; i < 2 * n; i++) {
        Decl *d = sorted[i % n];
        if (i < n && d->part_of)
            continue;
        int c = T.comp[d->index];
        bool self = false;
        for (int k = 0; k < d->edges.len; k++)
            self |= ((Edge *)d->edges.items[k])->to == d;
        if (done[c] || (size[c] < 2 && !self))
            continue;
        done[c] = true;
        cyclic = true;
        report_cycle(ctx, &T, d);
    }

    if (!cyclic)
        topo_order(ctx, sorted, n);
    free(size);
    free(done);
    free(T.comp);
    free(sorted);
}

static void dot_string(Buf *out, const char *s)
{
    buf_puts(out, "\"");
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            buf_puts(out, "\\");
        buf_add(out, s, 1);
    }
    buf_puts(out, "\"");
}

/* The nested stack each declaration's resources went to (split.c): that
 * of a resource other than a REST path resource, which goes by its path;
 * NULL for the root.  stack_of[d->order]. */
static const NestedStack **stacks_of(Ctx *ctx, const Emit *e)
{
    int n = ctx->prog.order.len;
    const NestedStack **of = xcalloc((size_t)(n ? n : 1), sizeof *of);
    for (int i = 0; e && i < e->stacks.len; i++) {
        const NestedStack *st = e->stacks.items[i];
        for (int j = 0; j < st->resources->len; j++) {
            const CfnPair *p = &st->resources->pairs[j];
            const Decl *d = strmap_get(&e->made, p->key);
            const CfnNode *type = cfn_obj_get(p->value, "Type");
            if (!d || d->order < 0 || d->order >= n)
                continue;
            if (!of[d->order] || (type && type->kind == CFN_STRING &&
                    strcmp(type->text, "AWS::ApiGateway::Resource") != 0))
                of[d->order] = st;
        }
    }
    return of;
}

static void print_node(Buf *out, const Decl *d, const char *indent)
{
    buf_printf(out, "%sn%d [label=", indent, d->order);
    dot_string(out, d->display);
    buf_puts(out, "];\n");
}

void graph_print_dot(Ctx *ctx, Buf *out)
{
    graph_print_dot_stacks(ctx, NULL, out);
}

void graph_print_dot_stacks(Ctx *ctx, const Emit *e, Buf *out)
{
    Program *p = &ctx->prog;
    const NestedStack **of = stacks_of(ctx, e);
    buf_puts(out, "digraph hitc {\n  rankdir=LR;\n  node [shape=box];\n");
    for (int i = 0; i < p->order.len; i++) {
        Decl *d = p->order.items[i];
        if ((d->builtin && !d->used) || of[d->order])
            continue;
        print_node(out, d, "  ");
    }
    /* A split app: a cluster per nested stack, by logical ID. */
    for (int k = 0; e && k < e->stacks.len; k++) {
        const NestedStack *st = e->stacks.items[k];
        buf_printf(out, "  subgraph cluster_%d {\n    label=", k);
        dot_string(out, arena_printf(ctx->arena, "nested stack %s", st->logical));
        buf_puts(out, ";\n");
        int shown = 0;
        for (int i = 0; i < p->order.len; i++) {
            Decl *d = p->order.items[i];
            if (of[d->order] == st)
                print_node(out, d, "    "), shown++;
        }
        if (!shown)         /* REST path resources only: say how many */
            buf_printf(out, "    s%d [label=\"%d REST path resources\", "
                       "shape=note];\n", k, st->resources->len);
        buf_puts(out, "  }\n");
    }
    for (int i = 0; i < p->order.len; i++) {
        Decl *d = p->order.items[i];
        for (int k = 0; k < d->edges.len; k++) {
            Edge *x = d->edges.items[k];
            buf_printf(out, "  n%d -> n%d [label=", d->order, x->to->order);
            dot_string(out, x->why);
            buf_puts(out, "];\n");
        }
    }
    for (int i = 0; i < p->order.len; i++) {
        Decl *d = p->order.items[i];
        if (d->kind->dot_edges)
            d->kind->dot_edges(ctx, d, out);
    }
    buf_puts(out, "}\n");
    free(of);
}
