/*
 * scc.c: strongly connected components, for graph.c and hitc lint.
 *
 * In: a graph of n vertices, numbered 0..n-1, whose edges are given as
 * arrays (the edges of vertex v go to to[first[v]] .. to[first[v+1]-1]).
 * Out: comp[v], the component of each vertex, numbered in the order the
 * components complete (a component comes before every component that
 * reaches it), and their number.
 * Holds: Tarjan's algorithm with an explicit stack of (vertex, next edge),
 * so a chain of 100,000 resources costs memory, not C stack; the roots
 * are taken in vertex order and the edges in array order, so the numbering
 * depends only on the input.  Scratch comes from xcalloc (the one
 * out-of-memory policy, arena.c) and is freed before it returns.
 */
#include <stdlib.h>

#include "hitc.h"

int scc_find(int n, const int *first, const int *to, int *comp)
{
    if (n <= 0)
        return 0;
    int *index = xcalloc((size_t)n, sizeof *index);
    int *low = xcalloc((size_t)n, sizeof *low);
    int *stack = xcalloc((size_t)n, sizeof *stack);
    int *work_v = xcalloc((size_t)n, sizeof *work_v);
    int *work_e = xcalloc((size_t)n, sizeof *work_e);
    bool *on = xcalloc((size_t)n, sizeof *on);
    int next = 0, sp = 0, ncomp = 0;
    for (int v = 0; v < n; v++)
        index[v] = -1;
    for (int root = 0; root < n; root++) {
        if (index[root] >= 0)
            continue;
        int top = 0;
        work_v[0] = root;
        work_e[0] = first[root];
        index[root] = low[root] = next++;
        stack[sp++] = root;
        on[root] = true;
        while (top >= 0) {
            int v = work_v[top];
            if (work_e[top] < first[v + 1]) {
                int w = to[work_e[top]++];
                if (index[w] < 0) {
                    index[w] = low[w] = next++;
                    stack[sp++] = w;
                    on[w] = true;
                    top++;
                    work_v[top] = w;
                    work_e[top] = first[w];
                } else if (on[w] && index[w] < low[v]) {
                    low[v] = index[w];
                }
                continue;
            }
            if (low[v] == index[v]) {
                int w;
                do {
                    w = stack[--sp];
                    on[w] = false;
                    comp[w] = ncomp;
                } while (w != v);
                ncomp++;
            }
            top--;
            if (top >= 0 && low[v] < low[work_v[top]])
                low[work_v[top]] = low[v];
        }
    }
    free(index);
    free(low);
    free(stack);
    free(work_v);
    free(work_e);
    free(on);
    return ncomp;
}
