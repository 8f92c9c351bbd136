#!/usr/bin/env python3
"""tests/recipe/circles.py BUILD: the compiler's files and what they use.

For every object of BUILD/compiler/*.o and BUILD/compiler/kinds/*.o, `nm`
gives the symbols it defines and the ones it uses; file A uses file B when
A uses a symbol B defines (a function, or a kind's struct).  A circle is a
set of files each of which reaches every other through those uses (a
strongly connected component of more than one file).  hitc.h is one header
for every file, so the #include lines cannot show who uses whom: the
symbols do.

Two allowances, each of which keeps what the rule is for:
  - kinds/registry.c is where every kind is named, by design (one line per
    kind), and nothing else: it is left out.
  - The files of kinds/ that share a private header of kinds/ (kinds/api.h:
    route.c and its back ends) are one kind split for size: one node.
Circles that remain outside the kinds and the phases that run them are
listed in KNOWN, each exactly as found, so the list cannot go stale and a
new circle (or a known one that grows) fails.  Prints PASS/FAIL lines and
"N passed, N failed"; exits 1 on a failure.
"""
import collections
import glob
import os
import re
import subprocess
import sys

# Circles outside this suite's subject that other work is to break; each
# must be found exactly as written here.
KNOWN = [
    {"accept.c", "diag.c", "diag_sarif.c", "diag_text.c", "source.c"},
    {"apigw.c", "authorize.c"},
    {"local_aws.c", "local_env.c"},
]


def family(root, rel):
    """The node of file rel: its private kinds/ header, or itself."""
    if not rel.startswith("kinds/"):
        return rel
    text = open(os.path.join(root, "compiler", rel), encoding="utf-8").read()
    own = [h for h in re.findall(r'#include "(?:kinds/)?(\w+\.h)"', text)
           if os.path.exists(os.path.join(root, "compiler", "kinds", h))]
    return "kinds/" + own[0] if own else rel


def graph(build, root):
    objs = sorted(glob.glob(f"{build}/compiler/*.o") +
                  glob.glob(f"{build}/compiler/kinds/*.o"))
    defined, used = {}, collections.defaultdict(set)
    for o in objs:
        rel = o[len(f"{build}/compiler/"):-2] + ".c"
        if rel == "kinds/registry.c":
            continue
        node = family(root, rel)
        out = subprocess.run(["nm", o], capture_output=True, text=True,
                             check=True).stdout
        for line in out.splitlines():
            f = line.split()
            if len(f) == 3 and f[1] in "TDRBC":
                defined[f[2]] = node
            elif len(f) == 2 and f[0] == "U":
                used[node].add(f[1])
    edges = collections.defaultdict(lambda: collections.defaultdict(set))
    for a, syms in used.items():
        for s in syms:
            b = defined.get(s)
            if b and b != a:
                edges[a][b].add(s)
    return sorted(set(defined.values()) | set(used)), edges


def circles(nodes, edges):
    """Tarjan's algorithm, iterative."""
    index, low, on, stack, out, n = {}, {}, set(), [], [], 0
    for root in nodes:
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = n; n += 1
        stack.append(root); on.add(root)
        while work:
            v, it = work[-1]
            w = next(it, None)
            if w is not None:
                if w not in index:
                    index[w] = low[w] = n; n += 1
                    stack.append(w); on.add(w)
                    work.append((w, iter(sorted(edges[w]))))
                elif w in on:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = set()
                while True:
                    w = stack.pop(); on.discard(w); comp.add(w)
                    if w == v:
                        break
                if len(comp) > 1:
                    out.append(comp)
    return out


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else "build"
    root = sys.argv[2] if len(sys.argv) > 2 else "."
    nodes, edges = graph(build, root)
    passed = failed = 0
    if len(nodes) < 20:
        print(f"FAIL circles: only {len(nodes)} files in {build}/compiler: build first")
        print("0 passed, 1 failed")
        return 1
    found = circles(nodes, edges)
    for comp in found:
        if comp in KNOWN:
            passed += 1
            print(f"PASS circles: known circle {' '.join(sorted(comp))}")
            continue
        failed += 1
        print(f"FAIL circles: {' '.join(sorted(comp))} use one another:")
        for a in sorted(comp):
            for b in sorted(edges[a]):
                if b in comp:
                    print(f"    {a} -> {b}: {', '.join(sorted(edges[a][b])[:5])}")
    for comp in KNOWN:
        if comp not in found:
            failed += 1
            print(f"FAIL circles: {' '.join(sorted(comp))} is no longer a "
                  "circle as KNOWN lists it: update KNOWN")
    if not failed:
        passed += 1
        print(f"PASS circles: no other circle among {len(nodes)} files")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
