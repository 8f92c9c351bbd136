#!/usr/bin/env bash
# tests/cli/test_sarif.sh: `--format sarif` is SARIF 2.1.0 that GitHub code
# scanning takes: valid against the OASIS schema (the copy Microsoft ships in
# the npm package @microsoft/jest-sarif, which scripts/deps.sh --test
# installs), with per rule id, name, shortDescription, fullDescription, help
# (text and Markdown linking to docs/diagnostics.md#CODE, an anchor that
# exists), defaultConfiguration.level; per result ruleId, ruleIndex, level,
# message, a %SRCROOT%-relative location with start and end line and column,
# relatedLocations for the notes, and partialFingerprints.
# primaryLocationLineHash equal to what GitHub's upload-sarif computes.
#
# Reproduction (before): rules had only a shortDescription, regions no end,
# results no fingerprint, and an unreadable file gave a result with no
# location (GitHub refuses those).
. "$(dirname "$0")/lib.sh"

SCHEMA=$("$ROOT/scripts/deps.sh" --sarif-schema) || {
    echo "no SARIF schema: run scripts/deps.sh --test"; exit 1; }
export SCHEMA ROOT

# check_sarif FILE.sarif: the schema, then everything GitHub reads.  Every
# result's fingerprint is recomputed here from GitHub's description of it
# (github/codeql-action src/fingerprints.ts), written again in Python.
check_sarif() {
    python3 - "$1" <<'PY'
import json, os, re, sys, urllib.parse
import jsonschema

doc = json.load(open(sys.argv[1]))
schema = json.load(open(os.environ["SCHEMA"]))
jsonschema.Draft4Validator(schema).validate(doc)

def github_line_hashes(path):
    text = open(path, encoding="utf-8", errors="replace").read()
    units = []
    for ch in text:             # UTF-16 code units, as Node's charCodeAt
        o = ord(ch)
        if o > 0xFFFF:
            o -= 0x10000
            units += [0xD800 + (o >> 10), 0xDC00 + (o & 0x3FF)]
        else:
            units.append(o)
    seq, prev_cr = [], False    # what enters the window, with line starts
    start, line = True, 0
    for c in units + [0xFFFF]:
        if c in (32, 9) or (prev_cr and c == 10):
            prev_cr = False
            continue
        prev_cr = c == 13
        if c == 13:
            c = 10
        mark = None
        if start:
            start, line = False, line + 1
            mark = line
        if c == 10:
            start = True
        seq.append((c, mark))
    seq += [(0, None)] * 100
    out, seen = {}, {}
    for i, (c, mark) in enumerate(seq):
        if mark is None:
            continue
        h = 0
        for c2, _ in seq[i:i + 100]:
            h = (h * 37 + c2) % (1 << 64)
        key = format(h, "x")
        seen[key] = seen.get(key, 0) + 1
        out[mark] = "%s:%d" % (key, seen[key])
    return out

run = doc["runs"][0]
assert doc["version"] == "2.1.0"
assert run["columnKind"] == "unicodeCodePoints", run.get("columnKind")
rules = run["tool"]["driver"]["rules"]
docs = open(os.path.join(os.environ["ROOT"], "docs/diagnostics.md")).read()
for r in rules:
    for k in ("id", "name", "shortDescription", "fullDescription", "help",
              "defaultConfiguration"):
        assert k in r, (k, r["id"])
    assert r["shortDescription"]["text"] and r["fullDescription"]["text"], r
    assert r["defaultConfiguration"]["level"] in ("error", "warning", "note"), r
    link = "(docs/diagnostics.md#%s)" % r["id"]
    assert link in r["help"]["markdown"] and r["help"]["text"], r["help"]
    assert '<a id="%s"></a>' % r["id"] in docs, "no anchor for " + r["id"]
ids = [r["id"] for r in rules]
assert len(set(ids)) == len(ids), "duplicate rule ids"
hashes = {}
for res in run["results"]:
    rule = rules[res["ruleIndex"]]
    assert rule["id"] == res["ruleId"], (rule["id"], res["ruleId"])
    assert res["level"] in ("error", "warning", "note") and res["message"]["text"]
    if res["ruleId"] == "N0008":
        continue
    assert len(res["locations"]) == 1, res
    phys = res["locations"][0]["physicalLocation"]
    art, reg = phys["artifactLocation"], phys["region"]
    assert art["uriBaseId"] == "%SRCROOT%" and not art["uri"].startswith("/"), art
    for k in ("startLine", "startColumn", "endLine", "endColumn"):
        assert isinstance(reg[k], int) and reg[k] >= 1, (k, reg)
    assert (reg["endLine"], reg["endColumn"]) >= (reg["startLine"], reg["startColumn"]), reg
    path = urllib.parse.unquote(art["uri"])
    if path not in hashes:
        hashes[path] = github_line_hashes(path)
    want = hashes[path][reg["startLine"]]
    got = res["partialFingerprints"]["primaryLocationLineHash"]
    assert got == want, (path, reg["startLine"], got, want)
    for i, rel in enumerate(res.get("relatedLocations", [])):
        assert rel["id"] == i + 1 and rel["message"]["text"], rel
        assert rel["physicalLocation"]["region"]["startLine"] >= 1, rel
print(len(run["results"]), "results")
PY
}

# Several kinds of error file: notes (cycle, duplicates), warnings, syntax,
# junk bytes, multi-byte text; each must be valid and complete.
error_files_are_valid_sarif() {
    local f n=0
    cp -r "$ROOT/tests/errors" errors
    cd errors
    for f in cycle duplicate-name deprecated-runtime syntax binary-junk \
             strings output-clash secret-plain-text params routes; do
        [ -f "$f.hit" ] || { echo "tests/errors/$f.hit is gone"; return 1; }
        expect 1 hitc check --format sarif "$f.hit" 2> "$f.sarif" || return 1
        check_sarif "$f.sarif" || { echo "in $f.sarif"; return 1; }
        n=$((n + 1))
    done
    [ "$n" -eq 10 ]
}

# The end of a region is where the Loc's length ends; notes are related
# locations; an absolute path under the working directory is still relative.
regions_and_related_locations() {
    printf 'table t {\n  key id: strin\n}\ntable t {\n  key id: string\n}\n' > bad.hit
    expect 1 hitc check --format sarif "$PWD/bad.hit" 2> err.sarif || return 1
    check_sarif err.sarif || return 1
    python3 - <<'PY'
import json
res = json.load(open("err.sarif"))["runs"][0]["results"]
byid = {r["ruleId"]: r for r in res}
loc = byid["E0209"]["locations"][0]["physicalLocation"]
assert loc["artifactLocation"] == {"uri": "bad.hit", "uriBaseId": "%SRCROOT%"}, loc
assert loc["region"] == {"startLine": 2, "startColumn": 11, "endLine": 2,
                         "endColumn": 16}, loc["region"]
dup = byid["E0203"]
assert dup["locations"][0]["physicalLocation"]["region"]["startLine"] == 4, dup
rel = dup["relatedLocations"]
assert len(rel) == 1 and rel[0]["physicalLocation"]["region"]["startLine"] == 1, rel
PY
}

# The same line twice in a file, with the same 100 characters after it
# (GitHub's hash reads that far): the second one's fingerprint counts 2; and
# a line's fingerprint does not move when lines are added above it.
fingerprints_are_stable_and_counted() {
    local pad; pad=$(printf '%0120d' 0)
    printf 'table a {\n  key id: strin\n  # %s\n}\ntable b {\n  key id: strin\n  # %s\n}\n' \
        "$pad" "$pad" > two.hit
    expect 1 hitc check --format sarif two.hit 2> two.sarif || return 1
    check_sarif two.sarif || return 1
    printf '# a comment\n\n' | cat - two.hit > moved.hit
    expect 1 hitc check --format sarif moved.hit 2> moved.sarif || return 1
    check_sarif moved.sarif || return 1
    python3 - <<'PY'
import json
def fps(f):
    return [r["partialFingerprints"]["primaryLocationLineHash"]
            for r in json.load(open(f))["runs"][0]["results"]]
a, b = fps("two.sarif"), fps("moved.sarif")
assert len(a) == 2 and a[0].endswith(":1") and a[1].endswith(":2"), a
assert a[0].split(":")[0] == a[1].split(":")[0], a
assert a == b, (a, b)
PY
}

# A file that cannot be read is about the run, not the code: a notification
# of the invocation, which then did not succeed; no result without a place.
unreadable_file_is_a_notification() {
    expect 2 hitc check --format sarif missing.hit 2> err.sarif || return 1
    check_sarif err.sarif || return 1
    python3 - <<'PY'
import json
run = json.load(open("err.sarif"))["runs"][0]
assert run["results"] == [], run["results"]
inv = run["invocations"][0]
assert inv["executionSuccessful"] is False, inv
n = inv["toolExecutionNotifications"]
assert len(n) == 1 and n[0]["level"] == "error" and n[0]["associatedRule"]["id"] == "E0503", n
assert "missing.hit" in n[0]["message"]["text"], n
PY
}

# Over 100 diagnostics: N0008 is a result of level note on the file, and a
# notification; the whole log stays valid.
too_many_is_valid() {
    for i in $(seq 150); do echo "tabel t$i { key id: string }"; done > many.hit
    expect 1 hitc check --format sarif many.hit 2> many.sarif || return 1
    check_sarif many.sarif || return 1
    python3 - <<'PY'
import json
run = json.load(open("many.sarif"))["runs"][0]
last = run["results"][-1]
assert last["ruleId"] == "N0008" and last["level"] == "note", last
assert last["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "many.hit", last
n = run["invocations"][0]["toolExecutionNotifications"]
assert [x["associatedRule"]["id"] for x in n] == ["N0008"], n
PY
}

# Several files in one call make one SARIF log: one run, the results of every
# file (each at its own file), an unreadable one among them a notification.
# `hitc lint` does the same.  Reproduction (before): `hitc check a.hit b.hit
# --format sarif` printed one log per file, which no reader takes.
several_files_make_one_log() {
    printf 'table t {\n  key id: strin\n}\n' > a.hit
    printf 'function f {\n  runtime python3.12\n}\n' > b.hit
    expect 2 hitc check --format sarif a.hit b.hit missing.hit 2> all.sarif || return 1
    check_sarif all.sarif || return 1
    printf 'Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n      DelaySeconds: !Ref Nope\n' > a.yaml
    cp a.yaml b.yaml
    expect 1 hitc lint --format sarif a.yaml b.yaml 2> lint.sarif || return 1
    check_sarif lint.sarif || return 1
    python3 - <<'PY'
import json
doc = json.load(open("all.sarif"))
assert len(doc["runs"]) == 1, len(doc["runs"])
run = doc["runs"][0]
files = sorted({r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                for r in run["results"]})
assert files == ["a.hit", "b.hit"], files
n = run["invocations"][0]["toolExecutionNotifications"]
assert len(n) == 1 and "missing.hit" in n[0]["message"]["text"], n
lint = json.load(open("lint.sarif"))["runs"]
assert len(lint) == 1, len(lint)
files = sorted({r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                for r in lint[0]["results"]})
assert files == ["a.yaml", "b.yaml"], files
PY
    expect 1 hitc check --format json a.hit b.hit 2> all.json || return 1
    python3 -c '
import json
d = json.load(open("all.json"))
assert sorted({x["file"] for x in d}) == ["a.hit", "b.hit"], d'
}

# The validator itself must refuse what is not SARIF, or the cases above
# prove nothing.
the_schema_check_can_fail() {
    printf 'table t {\n  key id: strin\n}\n' > bad.hit
    expect 1 hitc check --format sarif bad.hit 2> err.sarif || return 1
    python3 -c '
import json
d = json.load(open("err.sarif"))
d["runs"][0]["results"][0]["level"] = "fatal"
json.dump(d, open("broken.sarif", "w"))'
    if check_sarif broken.sarif >/dev/null 2>&1; then
        echo "a level of 'fatal' passed the schema"; return 1
    fi
}

# A warning accepted in the source (# hitc: accept, docs/language.md) is a
# result with one suppression: kind inSource, status accepted, the reason
# as justification, the acceptance's place as its location; valid against
# the schema, and the run passes --strict.  In a template, the same through
# Metadata.
accepted_warning_is_a_suppressed_result() {
    mkdir src
    echo 'def handler(e, c): return 1' > src/index.py
    cat > app.hit <<'HIT'
function f {
  runtime python3.12
  handler index.handler
  code "src"
  allow "ec2:DescribeInstances" on "*" # hitc: accept W0272 "DescribeInstances takes no resource ARN"
}
HIT
    hitc check --strict --format sarif app.hit 2> out.sarif
    check_sarif out.sarif
    printf 'Parameters:\n  Old:\n    Type: String\nMetadata:\n  hitc:\n    accept: [{code: W0720, reason: "kept for the next release"}]\nResources:\n  T:\n    Type: AWS::SNS::Topic\n' > t.yaml
    hitc lint --strict --format sarif t.yaml 2> lint.sarif
    check_sarif lint.sarif
    python3 - <<'PY'
import json
r = json.load(open("out.sarif"))["runs"][0]["results"]
assert [x["ruleId"] for x in r] == ["W0272"], r
sup = r[0]["suppressions"]
assert len(sup) == 1 and sup[0]["kind"] == "inSource" and sup[0]["status"] == "accepted", sup
assert sup[0]["justification"] == "DescribeInstances takes no resource ARN", sup
reg = sup[0]["location"]["physicalLocation"]["region"]
assert reg["startLine"] == 5 and reg["startColumn"] == 55, reg
r = json.load(open("lint.sarif"))["runs"][0]["results"]
assert [(x["ruleId"], x["suppressions"][0]["justification"]) for x in r] == \
    [("W0720", "kept for the next release")], r
PY
}

for c in error_files_are_valid_sarif regions_and_related_locations \
         fingerprints_are_stable_and_counted unreadable_file_is_a_notification \
         too_many_is_valid several_files_make_one_log the_schema_check_can_fail \
         accepted_warning_is_a_suppressed_result; do
    t "$c"
done
end
