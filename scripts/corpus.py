#!/usr/bin/env python3
"""scripts/corpus.py: score `hitc lint` on ../shared/lint-corpus against cfn-lint.

usage: scripts/corpus.py [--hitc PATH] [--corpus DIR] [--docs docs/lint.md] [-v]

The corpus (outside the project; see its README.md) holds 557 templates and
cfn-lint 1.51.0's findings on each.  This runs `hitc lint --format json` on
all of them in batches, then prints, per rule family that both tools have,
recall and precision at the same template and line, plus crashes,
templates that cfn-lint passes without errors where hitc reports an error,
and the time.  Exit status 1 when a gating family's recall is under 95%,
when any template crashed, or when a false error is not explained in
docs/lint.md; 2 when the corpus is missing.  Python 3 standard library only.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SUBS = ["cfn-lint", "aws-cloudformation-templates"]
BATCH = 64
NOT_ONE_OF = re.compile(r"^'[^']*' is not one of \[")
ALNUM = "does not match any of the regexes: '^[a-zA-Z0-9]+$'"


def unknown_name(m):
    """A cfn-lint 'is not one of' on a name, not on a GetAtt attribute."""
    path = m["Location"]["Path"]
    if len(path) >= 2 and path[-2] == "Fn::GetAtt" and path[-1] == 1:
        return False
    return bool(NOT_ONE_OF.match(m["Message"]))


def getatt_attribute(m):
    """A cfn-lint 'is not one of' on a GetAtt's attribute (its item 1)."""
    path = m["Location"]["Path"] or []
    return (len(path) >= 2 and path[-2] == "Fn::GetAtt" and path[-1] == 1
            and bool(NOT_ONE_OF.match(m["Message"])))


def rule(*ids):
    return lambda m: m["Rule"]["Id"] in ids


def both(a, b):
    return lambda m: a(m) and b(m)


# name, cfn-lint predicate, hitc codes, gating (recall >= 95% required)
FAMILIES = [
    ("E1020 Ref to unknown name", both(rule("E1020"), unknown_name), {"E0704"}, True),
    ("E1010 GetAtt of unknown resource", both(rule("E1010"), unknown_name), {"E0705"}, True),
    ("E1019 Sub variable unknown", both(rule("E1019"), unknown_name), {"E0706"}, True),
    ("E6101 output refers to unknown", both(rule("E6101"), unknown_name),
     {"E0704", "E0705", "E0706"}, True),
    ("E3005 DependsOn unknown/conditional", rule("E3005"), {"E0707", "E0711"}, True),
    ("E3004 dependency cycle", rule("E3004"), {"E0710"}, True),
    ("E0000 duplicate key", lambda m: m["Rule"]["Id"] == "E0000" and
     m["Message"].startswith("Duplicate found"), {"E0602"}, True),
    ("quotas and names (E3001/E7001/E6001 IDs, E3007)",
     lambda m: (m["Rule"]["Id"] in ("E3001", "E7001", "E6001") and
                ALNUM in m["Message"] and
                m["Location"]["Path"][:1] in (["Resources"], ["Outputs"],
                                              ["Parameters"], ["Mappings"]) and
                len(m["Location"]["Path"]) == 2)
     or m["Rule"]["Id"] in ("E3007", "E2010", "E2011", "E2012", "E3010",
                            "E6010", "E7010", "E1002"),
     {"E0712", "E0713", "E0714"}, True),
    # The resource schemas (schema_check.c).  E3012 does not gate: the
    # corpus has cfn-lint findings hitc cannot see (a template's own
    # strict-types configuration, rain's !Rain::Embed tags).
    ("E3006 unknown resource type", rule("E3006"), {"E0723", "W0728"}, True),
    ("E3002 unknown property", lambda m: m["Rule"]["Id"] == "E3002" and
     m["Message"].startswith("Additional properties are not allowed"), {"E0724"}, True),
    ("E3003 missing required property", rule("E3003"), {"E0725"}, True),
    ("E3012 wrong value type", rule("E3012"), {"E0726"}, False),
    ("E3030 value not listed", rule("E3030"), {"E0730"}, False),
    ("E1010/E6101 GetAtt attribute (any rule)", getatt_attribute, {"E0727"}, True),
    # The IAM action table (iam_check.c).
    ("W3037 unknown IAM action", rule("W3037"), {"W0729"}, True),
    # Not gating: families that overlap in part.
    ("E0000 syntax", lambda m: m["Rule"]["Id"] == "E0000" and
     not m["Message"].startswith("Duplicate found"),
     {"E0601", "E0603", "E0605", "E0609"}, False),
    ("E1028/E3015 unknown condition", both(rule("E1028", "E3015", "E8002", "E8004"), unknown_name),
     {"E0708"}, False),
    ("E2533 blocked runtime", rule("E2533"), {"E0718"}, False),
    ("W2001 unused parameter", rule("W2001"), {"W0720"}, False),
    ("W8001 unused condition", rule("W8001"), {"W0721"}, False),
    ("W7001 unused mapping", rule("W7001"), {"W0722"}, False),
]


def fail(msg):
    print("corpus: " + msg, file=sys.stderr)
    sys.exit(2)


def load_index(corpus):
    items = []
    for sub in SUBS:
        idx = os.path.join(corpus, sub, "index.jsonl")
        if not os.path.isfile(idx):
            fail("%s is missing; is %s the lint corpus?" % (idx, corpus))
        with open(idx) as f:
            for line in f:
                if line.strip():
                    e = json.loads(line)
                    with open(os.path.join(corpus, sub, e["expected"])) as g:
                        e["found"] = json.load(g)
                    e["sub"] = sub
                    items.append(e)
    return items


def decode_all(text):
    """The JSON arrays hitc printed one after another."""
    dec = json.JSONDecoder()
    out, i = [], 0
    while True:
        while i < len(text) and text[i].isspace():
            i += 1
        if i >= len(text):
            return out
        v, i = dec.raw_decode(text, i)
        out.append(v)


def sanitizer(text):
    return "AddressSanitizer" in text or "runtime error:" in text or \
        "LeakSanitizer" in text


def run_batch(hitc, cwd, files):
    """{file: [diag]} and [(file, why)] crashes."""
    p = subprocess.run([hitc, "lint", "--format", "json"] + files, cwd=cwd,
                       capture_output=True, text=True, errors="replace")
    if p.returncode in (0, 1, 2) and not sanitizer(p.stderr):
        try:
            arrays = decode_all(p.stderr)
        except ValueError:
            arrays = None
        if arrays is not None and len(arrays) == len(files):
            return {f: a for f, a in zip(files, arrays)}, []
        # One array for the whole run, each diagnostic naming its file.
        if arrays is not None and len(arrays) == 1:
            by = {f: [] for f in files}
            if all(d.get("file") in by for d in arrays[0]):
                for d in arrays[0]:
                    by[d["file"]].append(d)
                return by, []
    if len(files) > 1:   # find the one that failed
        res, crashes = {}, []
        for f in files:
            r, c = run_batch(hitc, cwd, [f])
            res.update(r)
            crashes += c
        return res, crashes
    why = "exit %d" % p.returncode
    if sanitizer(p.stderr):
        why = "sanitizer report"
    elif p.returncode in (0, 1, 2):
        why = "output is not one JSON array"
    return {files[0]: []}, [(files[0], why + ": " + p.stderr[-300:])]


def explained(docs):
    """Template paths listed under '## Where cfn-lint misses' in docs/lint.md."""
    try:
        text = open(docs).read()
    except OSError:
        return set()
    m = re.search(r"^## Where cfn-lint misses\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    return set(re.findall(r"`([^`]+\.(?:ya?ml|json|template))`", m.group(1))) if m else set()


def lines_of(d):
    out = set()
    if "line" in d:
        out.add(d["line"])
    for n in d.get("notes", []):
        if "line" in n:
            out.add(n["line"])
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hitc", default=os.path.join(ROOT, "hitc"))
    ap.add_argument("--corpus", default=os.path.join(os.path.dirname(ROOT), "shared", "lint-corpus"))
    ap.add_argument("--docs", default=os.path.join(ROOT, "docs", "lint.md"))
    ap.add_argument("-v", "--verbose", action="store_true")
    a = ap.parse_args()
    if not os.path.isdir(a.corpus):
        fail("the lint corpus is not at %s (it lives outside the project, in "
             "../shared/lint-corpus); nothing to score" % a.corpus)
    hitc = os.path.abspath(a.hitc)
    if not os.access(hitc, os.X_OK):
        fail("%s is not built (make hitc)" % hitc)
    items = load_index(a.corpus)

    start = time.monotonic()
    got, crashes = {}, []
    for sub in SUBS:
        files = [e["template"] for e in items if e["sub"] == sub]
        cwd = os.path.join(a.corpus, sub)
        for i in range(0, len(files), BATCH):
            r, c = run_batch(hitc, cwd, files[i:i + BATCH])
            got.update({(sub, k): v for k, v in r.items()})
            crashes += [(sub + "/" + f, w) for f, w in c]
    elapsed = time.monotonic() - start

    print("hitc lint on %d templates from %s" % (len(items), a.corpus))
    print("%-52s %6s %6s %8s %9s" % ("family (cfn-lint -> hitc)", "cfn", "hitc",
                                     "recall", "precision"))
    gate_fail = []
    for name, pred, codes, gating in FAMILIES:
        # precision counts a hitc finding right when cfn-lint has any
        # finding of a family that shares a hitc code with this one
        wider = [p for n, p, c, g in FAMILIES if c & codes]
        ncfn = hit = nh = hh = 0
        misses = []
        for e in items:
            diags = got.get((e["sub"], e["template"]), [])
            mine = [d for d in diags if d.get("code") in codes]
            my_lines = set()
            my_names = " ".join(d.get("message", "") for d in mine)
            for d in mine:
                my_lines |= lines_of(d)
            for m in e["found"]:
                if not pred(m):
                    continue
                ncfn += 1
                line = m["Location"]["Start"]["LineNumber"]
                ok = line in my_lines
                if not ok and "E0710" in codes:
                    # one hitc report per circle: a resource of it counts
                    r = re.match(r"Circular Dependencies for resource (\S+?)\.", m["Message"])
                    ok = bool(r) and ("'%s'" % r.group(1)) in my_names
                if not ok and "W0729" in codes:
                    # cfn-lint puts it on the Action key, hitc on the
                    # action: the same action named counts
                    r = re.match(r"'([^']+)' is not one of", m["Message"])
                    ok = bool(r) and (":" + r.group(1).lower() + "'") in my_names.lower()
                if ok:
                    hit += 1
                else:
                    misses.append("%s/%s:%d %s" % (e["sub"], e["template"], line,
                                                    m["Message"][:90]))
            theirs = set()
            for m in e["found"]:
                if any(p(m) for p in wider):
                    theirs.add(m["Location"]["Start"]["LineNumber"])
            for d in mine:
                nh += 1
                if lines_of(d) & theirs or ("E0710" in codes or "W0729" in codes) and any(
                        p(m) for m in e["found"] for p in wider):
                    hh += 1
                elif a.verbose:
                    print("    extra %s/%s:%s %s %s" % (e["sub"], e["template"], d.get("line"),
                                                      d["code"], d["message"][:90]))
        rec = hit / ncfn if ncfn else None
        prec = hh / nh if nh else None
        fmt = lambda x: "n/a" if x is None else "%.1f%%" % (100 * x)
        mark = "" if not gating else (" FAIL" if rec is not None and rec < 0.95 else "")
        print("%-52s %6d %6d %8s %9s%s" % (name[:52], ncfn, nh, fmt(rec), fmt(prec), mark))
        if mark:
            gate_fail.append(name)
        if a.verbose or mark:
            for s in misses:
                print("    missed " + s)

    clean = [e for e in items if not any(m["Level"] == "Error" for m in e["found"])]
    ok_docs = explained(a.docs)
    false_errors = []
    for e in clean:
        errs = [d for d in got.get((e["sub"], e["template"]), []) if d.get("severity") == "error"]
        if errs:
            false_errors.append((e, errs))
    unexplained = [fe for fe in false_errors if fe[0]["template"] not in ok_docs]
    print()
    print("templates: %d; cfn-lint finds no error in %d" % (len(items), len(clean)))
    print("crashes: %d" % len(crashes))
    for f, w in crashes:
        print("    " + f + ": " + w)
    print("hitc errors where cfn-lint has none: %d (%d explained in docs/lint.md)"
          % (len(false_errors), len(false_errors) - len(unexplained)))
    for e, errs in false_errors:
        tag = "" if e["template"] not in ok_docs else " (explained)"
        print("    %s/%s%s" % (e["sub"], e["template"], tag))
        for d in errs[:3]:
            print("        %s:%s %s %s" % (d.get("line"), d.get("column"), d["code"], d["message"][:100]))
    print("time: %.2f s for %d templates (%d hitc processes)"
          % (elapsed, len(items), sum((len([e for e in items if e["sub"] == s]) + BATCH - 1) // BATCH
                                       for s in SUBS)))
    bad = bool(crashes) or bool(gate_fail) or bool(unexplained)
    if bad:
        print("corpus: FAIL (%s)" % ", ".join(
            x for x in ["crashes" if crashes else "",
                        "recall under 95%: " + "; ".join(gate_fail) if gate_fail else "",
                        "unexplained false errors" if unexplained else ""] if x))
    else:
        print("corpus: ok")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
