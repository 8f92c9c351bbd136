"""The placement of a split app, as a property (docs/scaling.md).

Random apps of 50 to 1,500 declarations (tables, functions with their
routes, schedule and stream triggers, plugin resources) are changed one
declaration at a time: a function added, removed or renamed, a route, a
table, a trigger or a plugin resource added or removed.  After each build:

  - every resource present before and after is in the same stack as before
    (when the app was split both times; across the threshold, where the
    functions first move to nested stacks, tables, plugin resources and the
    API stay in the root), and every logical ID that came or went belongs
    to the declaration that changed (or is the API's deployment, whose ID
    is a hash of the routes, a nested stack that filled or emptied, or the
    stamper);
  - every template, root and nested, is within CloudFormation's quotas;
  - `hitc lint --strict` finds nothing in any of them.

usage: python3 tests/stacks/property.py HITC  (prints PASS/FAIL lines and
"N passed, N failed"; the seed is fixed, so a failure repeats)
"""
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile

SEED = 18
# (declarations to start with, steps): fewer steps at the big sizes.
# A size of None: from 150 declarations, add functions until the app is
# split, then three changes more (the threshold, crossed once).
PLAN = [(50, 10), (None, 3), (330, 10), (700, 5), (1500, 3)]
QUOTAS = {"Resources": 500, "Parameters": 200, "Outputs": 200}
MAX_BYTES = 1_000_000
ROOT_TYPES = {"AWS::DynamoDB::Table", "AWS::ApiGateway::RestApi",
              "AWS::ApiGateway::Stage"}


def pascal(name):
    return "".join(p[:1].upper() + p[1:] for p in re.split(r"[-_]", name) if p)


class App:
    """The declarations of an app, and the .hit text they make."""

    def __init__(self, rng):
        self.rng = rng
        self.n = 0
        self.tables = {}        # name -> has a stream
        self.functions = {}     # name -> table it reads, or None
        self.routes = {}        # path -> function
        self.triggers = {}      # key -> (text, function, table or None)
        self.resources = {}     # name -> table

    def fresh(self, prefix):
        self.n += 1
        return f"{prefix}{self.n}x"

    def size(self):
        return (len(self.tables) + len(self.functions) + len(self.routes) +
                len(self.triggers) + len(self.resources) + 2)

    def text(self):
        out = ['app big "a big app"', "",
               "plugin seed {", "  service seeder.arn", "  in table: string",
               "  out count", "}", "",
               "function seeder {", "  runtime python3.12",
               "  handler service.handler", '  code "src"', "}", ""]
        for t, stream in sorted(self.tables.items()):
            out += [f"table {t} {{", "  key id: string"]
            out += ["  stream new-and-old"] if stream else []
            out += ["}", ""]
        for f, t in sorted(self.functions.items()):
            out += [f"function {f} {{", "  runtime python3.12",
                    "  handler index.handler", '  code "src"']
            if t:
                out += [f"  env {{ T = {t}.name }}", f"  allow {t} readwrite"]
            out += ["}", ""]
        for path, f in sorted(self.routes.items()):
            out.append(f"route GET {path} -> {f}")
        for key, (text, f, _) in sorted(self.triggers.items()):
            out.append(f"on {text} -> {f}")
        for r, t in sorted(self.resources.items()):
            out += [f"resource {r}: seed {{", f"  table = {t}.name", "}"]
        out += ["", "output url = api.url"]
        return "\n".join(out) + "\n"

    # ---- changes: each returns the logical-ID prefixes it may add or drop

    def add_table(self):
        t = self.fresh("t")
        self.tables[t] = self.rng.random() < 0.3
        return [pascal(t) + "Table"]

    def remove_table(self):
        used = set(self.functions.values()) | set(self.resources.values()) | \
            {tt for (_, _, tt) in self.triggers.values()}
        free = sorted(set(self.tables) - used)
        if not free:
            return self.add_table()
        t = self.rng.choice(free)
        del self.tables[t]
        return [pascal(t) + "Table"]

    def add_function(self):
        f = self.fresh("f")
        self.functions[f] = self.rng.choice(sorted(self.tables)) \
            if self.tables and self.rng.random() < 0.8 else None
        changed = [pascal(f) + "Function"]
        if self.rng.random() < 0.7:
            changed += self._route_for(f)
        return changed

    def _route_for(self, f):
        r = self.fresh("r")
        group = f"/g{self.rng.randrange(12)}x" if self.rng.random() < 0.3 else ""
        path = f"{group}/{r}/{{id}}"
        self.routes[path] = f
        return ["Api" + pascal(group[1:]) + pascal(r) if group else "Api" + pascal(r),
                "Api" + pascal(group[1:]) + "Resource" if group else "ApiNone"]

    def _drop_function(self, f):
        changed = [pascal(f) + "Function", pascal(f) + "On"]
        for path in [p for p, g in self.routes.items() if g == f]:
            changed += self._route_prefixes(path)
            del self.routes[path]
        for key in [k for k, v in self.triggers.items() if v[1] == f]:
            del self.triggers[key]
        del self.functions[f]
        return changed

    def _route_prefixes(self, path):
        parts = [p for p in path.split("/") if p and not p.startswith("{")]
        if len(parts) == 2:
            return ["Api" + pascal(parts[0]) + pascal(parts[1]),
                    "Api" + pascal(parts[0]) + "Resource"]
        return ["Api" + pascal(parts[0])]

    def remove_function(self):
        if not self.functions:
            return self.add_function()
        return self._drop_function(self.rng.choice(sorted(self.functions)))

    def rename_function(self):
        if not self.functions:
            return self.add_function()
        old = self.rng.choice(sorted(self.functions))
        new = self.fresh("f")
        changed = [pascal(old) + "Function", pascal(old) + "On",
                   pascal(new) + "Function", pascal(new) + "On"]
        self.functions[new] = self.functions.pop(old)
        for path, g in list(self.routes.items()):
            if g == old:
                self.routes[path] = new
                changed += self._route_prefixes(path)
        for key, (text, g, t) in list(self.triggers.items()):
            if g == old:
                self.triggers[key] = (text, new, t)
        return changed

    def add_route(self):
        if not self.functions:
            return self.add_function()
        return self._route_for(self.rng.choice(sorted(self.functions)))

    def remove_route(self):
        if not self.routes:
            return self.add_route()
        path = self.rng.choice(sorted(self.routes))
        del self.routes[path]
        return self._route_prefixes(path)

    def add_trigger(self):
        if not self.functions:
            return self.add_function()
        f = self.rng.choice(sorted(self.functions))
        streams = sorted(t for t, s in self.tables.items() if s)
        key = self.fresh("k")
        if streams and self.rng.random() < 0.4:
            t = self.rng.choice(streams)
            if any(v[1] == f and v[2] == t for v in self.triggers.values()):
                return []
            self.triggers[key] = (f"{t}.stream", f, t)
        else:
            self.triggers[key] = (f'schedule "rate({self.n} minutes)"', f, None)
        return [pascal(f) + "On"]

    def remove_trigger(self):
        if not self.triggers:
            return self.add_trigger()
        key = self.rng.choice(sorted(self.triggers))
        f = self.triggers.pop(key)[1]
        return [pascal(f) + "On"]

    def add_resource(self):
        if not self.tables:
            return self.add_table()
        r = self.fresh("p")
        self.resources[r] = self.rng.choice(sorted(self.tables))
        return [pascal(r)]

    def remove_resource(self):
        if not self.resources:
            return self.add_resource()
        r = self.rng.choice(sorted(self.resources))
        del self.resources[r]
        return [pascal(r)]

    CHANGES = ["add_table", "remove_table", "add_function", "remove_function",
               "rename_function", "add_route", "remove_route", "add_trigger",
               "remove_trigger", "add_resource", "remove_resource"]

    def grow_to(self, n):
        while self.size() < n:
            r = self.rng.random()
            if r < 0.15 or not self.tables:
                self.add_table()
            elif r < 0.55:
                self.add_function()
            elif r < 0.75:
                self.add_route()
            elif r < 0.9:
                self.add_trigger()
            else:
                self.add_resource()


def build(hitc, app, work):
    with open(os.path.join(work, "app.hit"), "w") as f:
        f.write(app.text())
    out = os.path.join(work, "out")
    r = subprocess.run([hitc, "build", "-q", "app.hit", "-o", "out"], cwd=work,
                       capture_output=True, text=True, timeout=120)
    if r.returncode != 0:
        raise AssertionError("hitc build failed:\n" + r.stderr[-3000:])
    manifest = json.load(open(os.path.join(out, "manifest.json")))
    files = ["template.json"] + [s["file"] for s in manifest.get("stacks", [])]
    where, types, problems = {}, {}, []
    for rel in files:
        path = os.path.join(out, rel)
        text = open(path, "rb").read()
        t = json.loads(text)
        stack = "root" if rel == "template.json" else \
            next(s["logical"] for s in manifest["stacks"] if s["file"] == rel)
        if len(text) > MAX_BYTES:
            problems.append(f"{stack}: {len(text)} bytes")
        for section, most in QUOTAS.items():
            if len(t.get(section, {})) > most:
                problems.append(f"{stack}: {len(t[section])} {section}")
        for lid, res in t["Resources"].items():
            if lid in where:
                problems.append(f"{lid} in both {where[lid]} and {stack}")
            where[lid] = stack
            types[lid] = res["Type"]
    r = subprocess.run([hitc, "lint", "--strict"] + files, cwd=out,
                       capture_output=True, text=True, timeout=120)
    if r.returncode != 0:
        problems.append("hitc lint --strict:\n" + r.stderr[-3000:])
    return where, types, len(files) > 1, problems


def allowed(lid, prefixes, routes_changed):
    if lid.startswith("ApiDeployment") or lid.startswith("HitcStamper"):
        return True
    if re.fullmatch(r"(Shard|Paths)\d\dStack", lid):
        return True
    if routes_changed and lid in ("Api", "ApiStage"):
        return True
    return any(lid.startswith(p) for p in prefixes)


def compare(before, after, prefixes, routes_changed):
    (w0, t0, split0), (w1, t1, split1) = before, after
    errs = []
    for lid in sorted(set(w0) & set(w1)):
        if w0[lid] == w1[lid]:
            continue
        if any(lid.startswith(p) for p in prefixes):
            continue            # the changed declaration's own (a route
                                # whose function was renamed goes with it)
        if split0 != split1 and t0[lid] not in ROOT_TYPES and \
                not t0[lid].startswith("Custom::Seed"):
            continue            # the threshold: functions move, once
        errs.append(f"{lid} ({t0[lid]}) moved from {w0[lid]} to {w1[lid]}")
    for lid in sorted(set(w0) ^ set(w1)):
        if not allowed(lid, prefixes, routes_changed):
            errs.append(f"{lid} {'came' if lid in w1 else 'went'}, not the "
                        f"changed declaration's ({', '.join(prefixes)})")
    for lid, stack in sorted(w1.items()):
        if split1 and t1[lid] in ROOT_TYPES | {"Custom::Seed"} and stack != "root":
            errs.append(f"{lid} ({t1[lid]}) is in {stack}, not the root")
    return errs


def main():
    hitc = os.path.abspath(sys.argv[1])
    rng = random.Random(SEED)
    passed = failed = 0
    work = tempfile.mkdtemp(prefix="hitc-stacks.")
    try:
        os.mkdir(os.path.join(work, "src"))
        for name in ("index.py", "service.py"):
            with open(os.path.join(work, "src", name), "w") as f:
                f.write("def handler(event, context):\n    return {}\n")
        for size, steps in PLAN:
            app = App(rng)
            app.grow_to(size or 150)
            case = f"app of {size} declarations, {steps} changes" if size else \
                "app grown past the threshold by functions, then 3 changes"
            errs = []
            w, t, split, problems = build(hitc, app, work)
            errs += problems
            prev = (w, t, split)
            splits = {split}
            step = after = 0
            while after < steps and step < 400:
                change = "add_function" if not size and not split \
                    else rng.choice(App.CHANGES)
                step += 1
                after += 1 if size or split else 0
                nroutes = len(app.routes)
                prefixes = getattr(app, change)()
                w, t, split, problems = build(hitc, app, work)
                splits.add(split)
                errs += [f"step {step} ({change}): {p}" for p in problems]
                routes_changed = (nroutes == 0) != (len(app.routes) == 0)
                errs += [f"step {step} ({change}): {e}"
                         for e in compare(prev, (w, t, split), prefixes, routes_changed)]
                prev = (w, t, split)
            if (size or 0) >= 700 and splits != {True}:
                errs.append("an app this big was not split")
            if not size and splits != {False, True}:
                errs.append("the app never crossed the threshold")
            if errs:
                failed += 1
                print(f"FAIL {case}")
                for e in errs[:40]:
                    print("    " + e)
            else:
                passed += 1
                print(f"PASS {case} (split: {sorted(splits)})")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main())
