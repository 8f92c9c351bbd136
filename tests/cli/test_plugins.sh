#!/usr/bin/env bash
# tests/cli/test_plugins.sh: plugins and resources through the command line:
# `hitc graph` shows them with their edges, and the plugin kit reaches the
# bundle of every plugin's service (docs/plugins.md, "How the kit reaches a
# service's bundle").
source "$(dirname "$0")/lib.sh"

PY_KIT=$ROOT/runtime-support/plugin/python/hitc_plugin.py
JS_KIT=$ROOT/runtime-support/plugin/node/hitc_plugin.js

# The app of tests/golden/plugin.hit, in $WORK/app.
golden_app() {
    mkdir -p app
    cp "$ROOT/tests/golden/plugin.hit" app/app.hit
    cp -r "$ROOT/tests/golden/plugin-src" app/
}

# Before plugins were built, `hitc graph` refused a plugin (E0216).  Now the
# plugins, the resources and every edge between them are in the picture:
# a resource to its plugin, a plugin to its service, a resource to the
# resource whose output it reads, a function to the resource its env reads.
graph_shows_plugins_and_resources() {
    golden_app
    hitc graph app/app.hit > g.dot
    python3 - g.dot <<'PY'
import re, sys
text = open(sys.argv[1]).read()
nodes = dict(re.findall(r'^  (n\d+) \[label="(.*)"\];$', text, re.M))
edges = {(nodes.get(a, a), nodes.get(b, b), why) for a, b, why in
         re.findall(r'^  (n\d+) -> (n\d+) \[label="(.*)"\];$', text, re.M)}
want = {
    ("resource 'initial'", "plugin 'seed'", "is made with plugin 'seed'"),
    ("plugin 'seed'", "function 'seeder'", "service refers to 'seeder.arn'"),
    ("plugin 'lookup'", "function 'finder'", "service refers to 'finder.arn'"),
    ("resource 'initial'", "table 'counters'", "input 'table' refers to 'counters.name'"),
    ("resource 'peer'", "resource 'initial'", "input 'name' refers to 'initial.table'"),
    ("resource 'again'", "resource 'initial'", "input 'names' refers to 'initial.count'"),
    ("output 'seeded'", "resource 'initial'", "its value refers to 'initial.count'"),
}
missing = want - edges
assert not missing, f"missing edges: {sorted(missing)}"
# The function's env, or the stamp that writes it, needs the resource.
assert any(a.endswith("function 'counter'") and b == "resource 'again'" and
           "env 'LABEL'" in why and "'again.count'" in why for a, b, why in edges), edges
PY
}

# The services get the kit at the root of their bundle, byte for byte the
# kit of runtime-support (Python for python3.12, Node for nodejs22.x); a
# function that serves no plugin gets no kit (counter, stamped, gets the
# .env reader: tests/cli/test_envkit.sh).
the_kit_reaches_each_service() {
    golden_app
    hitc build app/app.hit -o out > /dev/null
    local py js app
    py=$(bundle_of out plugin-src/seeder)
    js=$(bundle_of out plugin-src/lookup)
    app=$(bundle_of out plugin-src/app)
    zip_names "$py" > py.txt
    zip_names "$js" > js.txt
    zip_names "$app" > app.txt
    printf 'hitc_plugin.py\nservice.py\n' | diff - py.txt
    printf 'hitc_plugin.js\nservice.js\n' | diff - js.txt
    printf 'hitc_env.py\nindex.py\n' | diff - app.txt
    zip_cat "$py" hitc_plugin.py | cmp - "$PY_KIT"
    zip_cat "$js" hitc_plugin.js | cmp - "$JS_KIT"
}

# A code directory that already holds the very kit builds the same bundle
# as one without it; one with another file of that name is refused
# (E0247), naming the file, and nothing is written; `hitc check`, which
# makes no zip, refuses it too.
a_copy_of_the_kit_is_the_kit() {
    golden_app
    hitc build app/app.hit -o one > /dev/null
    cp "$PY_KIT" app/plugin-src/seeder/
    hitc build app/app.hit -o two > /dev/null
    [ "$(bundle_of one plugin-src/seeder)" != "" ]
    [ "$(basename "$(bundle_of one plugin-src/seeder)")" = "$(basename "$(bundle_of two plugin-src/seeder)")" ] ||
        { echo "the same kit changed the bundle"; return 1; }
    echo '# an old copy' > app/plugin-src/seeder/hitc_plugin.py
    expect 1 hitc build app/app.hit -o three 2> err.txt
    grep -q "error: code directory 'plugin-src/seeder' has its own 'hitc_plugin.py'" err.txt ||
        { cat err.txt; return 1; }
    [ ! -e three ] || { echo "output was written"; return 1; }
    expect 1 hitc check app/app.hit 2> check.txt
    grep -q "has its own 'hitc_plugin.py'" check.txt || { cat check.txt; return 1; }
    [ "$(grep -c "has its own" check.txt)" = 1 ] || { echo "not reported once"; return 1; }
}

# One code directory for a service and for a function that serves nothing:
# two bundles, the service's with the kit; the build is the same twice.
one_directory_two_bundles() {
    mkdir -p app/src
    printf 'def handler(event, context):\n    return {}\n' > app/src/index.py
    cat > app/app.hit <<'HIT'
plugin p {
  service svc.arn
  out x
}
resource r: p {}
function svc {
  runtime python3.13
  handler index.handler
  code "src"
}
function plain {
  runtime python3.13
  handler index.handler
  code "src"
  env { X = r.x }
}
HIT
    hitc build app/app.hit -o one > /dev/null
    hitc build app/app.hit -o two > /dev/null
    bundle_of one src > b1.txt
    bundle_of two src | sed 's#^two/#one/#' | diff b1.txt -
    [ "$(wc -l < b1.txt)" -eq 2 ] || { cat b1.txt; return 1; }
    local with=0 z
    while read -r z; do
        zip_names "$z" > names.txt
        if grep -qx hitc_plugin.py names.txt; then with=$((with + 1)); fi
    done < b1.txt
    [ "$with" -eq 1 ] || { echo "$with bundles have the kit, want 1"; return 1; }
}

# A service on a runtime the kit does not serve (Java, say) gets no file:
# it speaks the protocol its own way.
no_kit_for_other_runtimes() {
    mkdir -p app/src
    printf 'x\n' > app/src/Handler.class
    cat > app/app.hit <<'HIT'
plugin p {
  service svc.arn
}
resource r: p {}
function svc {
  runtime java21
  handler example.Handler
  code "src"
}
HIT
    hitc build app/app.hit -o out > /dev/null
    zip_names "$(bundle_of out src)" | diff <(printf 'Handler.class\n') -
}

# CloudFormation calls a service only when its resource's properties
# change, so a resource carries its service's bundle hash: new service
# code changes it (an Update of the resource), the same code does not, and
# a plugin with `on-code-change keep` carries none.
new_service_code_reruns_the_resource() {
    golden_app
    hitc build app/app.hit -o one > /dev/null
    hitc build app/app.hit -o two > /dev/null
    echo '# changed' >> app/plugin-src/seeder/service.py
    echo '// changed' >> app/plugin-src/lookup/service.js
    hitc build app/app.hit -o three > /dev/null
    python3 - one two three <<'PY'
import json, re, sys
def read(d):
    t = json.load(open(d + "/template.json"))["Resources"]
    key = t["SeederFunction"]["Properties"]["Code"]["S3Key"]["Fn::Sub"]
    code = re.search(r"([0-9a-f]{64})\.zip$", key).group(1)
    return {n: t[n]["Properties"]["HitcPlugin"].get("ServiceCode")
            for n in ("InitialResource", "AgainResource", "PeerResource")}, code
(one, c1), (two, c2), (three, c3) = (read(d) for d in sys.argv[1:])
assert one == two, (one, two)
assert one["InitialResource"] == one["AgainResource"] == c1, (one, c1)
assert three["InitialResource"] == three["AgainResource"] == c3 != c1, (three, c3)
assert one["PeerResource"] is None and three["PeerResource"] is None, "keep"
PY
}

# Each plugin error case of tests/errors carries the codes of its errors
# (the gcc format there does not print them).
error_cases_carry_their_codes() {
    python3 - "$HITC" "$ROOT/tests/errors" <<'PY'
import json, subprocess, sys, tempfile
hitc, errors = sys.argv[1], sys.argv[2]
want = {
    "plugin-inputs": {"E0240", "E0241", "E0242", "E0243"},
    "plugin-outputs": {"E0244"},
    "unknown-plugin": {"E0245"},
    "plugin-fields": {"E0246", "E0248", "E0249"},
    "plugin-kit-clash": {"E0247"},
    "plugin-cycle": {"E0406"},
}
for name, codes in want.items():
    with tempfile.TemporaryDirectory() as out:
        r = subprocess.run([hitc, "build", name + ".hit", "-o", out + "/o", "--format", "json"],
                           cwd=errors, capture_output=True, text=True)
    got = {d["code"] for d in json.loads(r.stderr)}
    assert r.returncode == 1 and codes <= got, (name, sorted(codes - got))
PY
}

for c in error_cases_carry_their_codes graph_shows_plugins_and_resources the_kit_reaches_each_service a_copy_of_the_kit_is_the_kit \
    one_directory_two_bundles no_kit_for_other_runtimes new_service_code_reruns_the_resource; do
    t_clean
    t "$c"
done
end
