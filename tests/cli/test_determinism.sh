#!/usr/bin/env bash
# test_determinism.sh: the same inputs give byte-identical outputs, on every
# run and in every directory, whatever the mtimes, umask or file order.
source "$(dirname "$0")/lib.sh" || exit 2

two_runs_same_bytes() {
    cp -r "$ROOT/examples/hits" a
    hitc build -q a/app.hit -o out1
    sleep 1.1
    hitc build -q a/app.hit -o out2
    diff -r out1 out2
}

two_directories_same_bytes() {
    mkdir -p one deep/er/two
    cp -r "$ROOT/examples/hits" one/app
    cp -r "$ROOT/examples/hits" deep/er/two/app
    # Different mtimes, modes of the directories and creation order.
    touch -d '2001-01-01' one/app/src/*
    (umask 077; cd deep/er/two/app; hitc build -q app.hit -o "$WORK/o2")
    (cd one; hitc build -q app/app.hit -o "$WORK/o1")
    diff -r o1 o2
}

time_zone_and_locale_do_not_matter() {
    cp -r "$ROOT/examples/hits" a
    TZ=UTC LC_ALL=C hitc build -q a/app.hit -o out1
    TZ=Pacific/Kiritimati LC_ALL=C.UTF-8 hitc build -q a/app.hit -o out2
    diff -r out1 out2
}

golden_inputs_build_the_same_twice() {
    for f in "$ROOT"/tests/golden/*.hit; do
        hitc build "$f" -o - > x1.json
        hitc build "$f" -o - > x2.json
        cmp x1.json x2.json || { echo "$f: two builds differ"; return 1; }
    done
}

declaration_order_does_not_matter() {
    cp -r "$ROOT/examples/hits" a
    hitc build -q a/app.hit -o out1
    # the same declarations, last first
    python3 - a/app.hit > a/reversed.hit <<'PY'
import re, sys
text = open(sys.argv[1]).read()
blocks = re.split(r"\n\s*\n", text.strip())   # declarations stand apart
assert len(blocks) >= 4, blocks
print("\n\n".join(reversed(blocks)))
PY
    mv a/reversed.hit a/app.hit
    hitc build -q a/app.hit -o out2
    cmp out1/template.json out2/template.json
}

unrelated_changes_leave_logical_ids_alone() {
    cp -r "$ROOT/examples/hits" a
    hitc build -q a/app.hit -o out1
    cat >> a/app.hit <<'HIT'
param owner: string = "team"
table audit { key id: string }
function auditor {
  runtime python3.12
  handler index.handler
  code "src"
  env { AUDIT = audit.name; OWNER = owner }
}
route POST /audit -> auditor
output audit-table = audit.name
HIT
    hitc build -q a/app.hit -o out2
    python3 - <<'PY'
import json
one = json.load(open("out1/template.json"))["Resources"]
two = json.load(open("out2/template.json"))["Resources"]
moved = {k for k in one if k.startswith("ApiDeployment")}   # meant to move with the routes
assert moved and not moved & set(two), "the deployment must get a new ID when routes change"
for key, res in one.items():
    if key in moved:
        continue
    assert key in two, f"{key} disappeared"
    if key == "ApiStage":
        res = dict(res, Properties={k: v for k, v in res["Properties"].items() if k != "DeploymentId"})
        two[key] = dict(two[key], Properties={k: v for k, v in two[key]["Properties"].items() if k != "DeploymentId"})
    assert res == two[key], f"{key} changed"
PY
}

for c in two_runs_same_bytes two_directories_same_bytes time_zone_and_locale_do_not_matter golden_inputs_build_the_same_twice \
    declaration_order_does_not_matter unrelated_changes_leave_logical_ids_alone; do
    t_clean
    t "$c"
done
end
