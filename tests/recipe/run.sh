#!/usr/bin/env bash
# tests/recipe/run.sh: follow docs/architecture.md's recipe for a kind, step
# by step, in a scratch copy of hitc, with the toy kind tests/recipe/bucket.c;
# then build that copy and check that the new kind works everywhere the
# recipe promises: the template, references to it, "did you mean", the list
# of declarations in "unknown declaration", no circle among the compiler's
# files (circles.py), and the grammar and docs tests.
# Each step below is one step of the recipe; when the recipe changes, this
# script changes with it (and the other way round).
# Prints PASS/FAIL lines and "N passed, N failed".
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
S=$(mktemp -d -t hitc-recipe.XXXXXX)
trap 'rm -rf "$S"' EXIT
export NO_COLOR=1
passed=0 failed=0
pass() { passed=$((passed + 1)); echo "PASS recipe: $1"; }
fail() { failed=$((failed + 1)); echo "FAIL recipe: $1"; [ $# -gt 1 ] && printf '%s\n' "$2" | sed 's/^/    /'; return 0; }
end() { echo "$passed passed, $failed failed"; [ "$failed" -eq 0 ]; exit; }

# The scratch copy: what building and the grammar tests need.
cp -r "$ROOT/compiler" "$ROOT/runtime-support" "$ROOT/scripts" "$ROOT/grammar" \
      "$ROOT/docs" "$ROOT/Makefile" "$S/"
cp -r "$ROOT/examples" "$S/"
mkdir -p "$S/tests" && cp -r "$ROOT/tests/grammar" "$ROOT/tests/golden" "$ROOT/tests/errors" \
      "$ROOT/tests/pyrunner.py" "$S/tests/"
cd "$S" || exit 1

# Step 1: compiler/kinds/NAME.c with one `const Kind kind_NAME`.
cp "$ROOT/tests/recipe/bucket.c" compiler/kinds/bucket.c
# Step 2: one line in kinds/registry.c.
sed -i 's/^    &kind_trigger,$/&\n    \&kind_bucket,/' compiler/kinds/registry.c
grep -q '&kind_bucket,' compiler/kinds/registry.c || fail "registry" "kinds[] in kinds/registry.c no longer ends with &kind_trigger: update this step"
# Step 3: its extern in hitc.h.
sed -i 's/^extern const Kind kind_plugin, kind_resource;$/&\nextern const Kind kind_bucket;/' compiler/hitc.h
grep -q 'kind_bucket;' compiler/hitc.h || fail "extern" "hitc.h has no 'extern const Kind kind_plugin, kind_resource;' line any more: update this step"
# Step 4: its file in the Makefile's SRCS.
sed -i 's#^\tcompiler/kinds/trigger.c \\$#&\n\tcompiler/kinds/bucket.c \\#' Makefile
grep -q 'kinds/bucket.c' Makefile || fail "Makefile" "SRCS has no 'compiler/kinds/trigger.c \\' line any more: update this step"
# Step 5: the grammar: the keyword among the declarations, and its rule.
sed -i 's/^\(declaration   ::= .*\) | output$/\1 | output | bucket/' grammar/hit.ebnf
printf '\nbucket        ::= "bucket" NAME\n' >> grammar/hit.ebnf
grep -q '| output | bucket' grammar/hit.ebnf || fail "grammar" "grammar/hit.ebnf's declaration rule changed: update this step"
# Step 6: docs/language.md: a section under Declarations, with its status.
python3 - <<'PY'
p = "docs/language.md"
s = open(p).read()
section = ("### bucket\n\n**Status: built.**\n\n```\nbucket NAME\n```\n\n"
           "An S3 bucket; `NAME.name` is its name, `NAME.arn` its ARN.\n\n")
assert "\n### import\n" in s
open(p, "w").write(s.replace("\n### import\n", "\n" + section + "### import\n", 1))
PY

# Build the copy (unoptimised: only whether it builds matters here).
mkdir -p build && touch build/.deps-ok
if out=$(make -j2 hitc CFLAGS=-O0 2>&1); then pass "the copy builds with the toy kind"
else fail "build" "$(printf '%s\n' "$out" | tail -30)"; end; fi

mkdir app
cat > app/app.hit <<'HIT'
app uploads
bucket photos
output photos-name = photos.name
output photos-arn = photos.arn
HIT
if ./hitc build app/app.hit -o out >build.log 2>&1 \
   && python3 - out/template.json <<'PY'
import json, sys
t = json.load(open(sys.argv[1]))
assert t["Resources"]["PhotosBucket"]["Type"] == "AWS::S3::Bucket", t["Resources"]
assert t["Outputs"]["PhotosName"]["Value"] == {"Ref": "PhotosBucket"}, t["Outputs"]
assert t["Outputs"]["PhotosArn"]["Value"] == {"Fn::GetAtt": ["PhotosBucket", "Arn"]}, t["Outputs"]
PY
then pass "bucket builds into AWS::S3::Bucket, its name and arn read"
else fail "template" "$(cat build.log; cat out/template.json 2>/dev/null)"; fi

printf 'buckt photos\n' > app/typo.hit
out=$(./hitc check app/typo.hit 2>&1)
if printf '%s\n' "$out" | grep -q "unknown declaration 'buckt'; did you mean 'bucket'?"
then pass "a misspelt bucket gets 'did you mean'"; else fail "did you mean" "$out"; fi

printf 'widget photos\n' > app/unknown.hit
out=$(./hitc check app/unknown.hit 2>&1)
if printf '%s\n' "$out" | grep -q "unknown declaration 'widget'; expected .*bucket"
then pass "'unknown declaration' lists bucket"; else fail "unknown declaration" "$out"; fi

# No file of the compiler and the toy kind uses another that uses it back
# (tests/recipe/circles.py): the new kind named nothing but the registry.
if out=$(timeout 120 python3 "$ROOT/tests/recipe/circles.py" build "$S" 2>&1) \
   && nm build/compiler/kinds/bucket.o | grep -q ' kind_bucket$' \
   && ! nm -u build/compiler/kinds/bucket.o | grep -q 'kind_'
then pass "no circles among the compiler's files, and the toy kind names no other kind"
else fail "circles" "$(printf '%s\n' "$out" | tail -30)"; fi

if out=$(HITC=$S/hitc timeout 300 python3 tests/pyrunner.py tests/grammar 2>&1) \
   && printf '%s\n' "$out" | grep -q '^[0-9]* passed, 0 failed'
then pass "the grammar and docs tests pass with the toy kind"
else fail "grammar" "$(printf '%s\n' "$out" | tail -30)"; fi
end
