#!/usr/bin/env bash
# tests/cli/test_precommit.sh: the hooks of .pre-commit-hooks.yaml, run by
# the real pre-commit (Debian's package; scripts/deps.sh --test installs it)
# from `git commit` in a throwaway repository.  The hooks repository is a
# local git repository holding this tree's .pre-commit-hooks.yaml as it is
# now (committed or not), so no network is used; PRE_COMMIT_HOME is a
# temporary directory, and the hitc on PATH is the one under test.
#
# The case that needs `hitc fmt` is in PENDING below: it is written and
# fails with "hitc fmt is not built yet" while the command does not exist.
# Set RUN_PENDING=1 in this file when it has landed.
. "$(dirname "$0")/lib.sh"
RUN_PENDING=1
PENDING=(fmt_blocks_unformatted_and_passes_formatted)

command -v pre-commit >/dev/null || {
    echo "pre-commit is missing: run scripts/deps.sh --test"; exit 1; }
command -v strace >/dev/null || {
    echo "strace is missing: run scripts/deps.sh --test"; exit 1; }

# A hooks repository made of the tree's .pre-commit-hooks.yaml, a bin/ with
# `hitc` (logging each call's file count, to see pre-commit's splitting;
# with TRACE=1 in the environment, also every file each call opens, by
# strace, into trace.PID),
# and an empty repository "proj" that uses the hooks named HOOK... (each
# case uses only its own, so the check cases run before fmt and lint
# exist).  Leaves us in proj.
setup() {
    cd "$(mktemp -d "$WORK/case.XXXXXX")"
    local hooks=$PWD/hooks
    mkdir -p "$hooks" bin proj pch
    cp "$ROOT/.pre-commit-hooks.yaml" "$hooks/"
    git -C "$hooks" init -q
    git -C "$hooks" -c user.email=t@t -c user.name=t add .pre-commit-hooks.yaml
    git -C "$hooks" -c user.email=t@t -c user.name=t commit -qm hooks
    local rev; rev=$(git -C "$hooks" rev-parse HEAD)
    cat > bin/hitc <<EOF
#!/usr/bin/env bash
n=0; for a in "\$@"; do case \$a in -*) ;; *) n=\$((n + 1)) ;; esac; done
echo "\$\$ \$1 \$((n - 1))" >> "$PWD/calls.log"
if [ "\${TRACE:-}" = 1 ]; then
    # LeakSanitizer cannot run under ptrace: the asan suite's hitc-asan
    # checks leaks in every other case
    export ASAN_OPTIONS="\${ASAN_OPTIONS:+\$ASAN_OPTIONS:}detect_leaks=0"
    exec strace -f -qq -e trace=openat -o "$PWD/trace.\$\$" $WRAP "$HITC" "\$@"
fi
exec $WRAP "$HITC" "\$@"
EOF
    chmod +x bin/hitc
    export PATH="$PWD/bin:$PATH" PRE_COMMIT_HOME="$PWD/pch"
    cd proj
    git init -q
    git config user.email t@t
    git config user.name t
    cat > .pre-commit-config.yaml <<EOF
repos:
  - repo: $hooks
    rev: $rev
    hooks:
EOF
    local h
    for h in "$@"; do echo "      - id: $h" >> .pre-commit-config.yaml; done
    git add .pre-commit-config.yaml
    git commit -qm config --no-verify
    pre-commit install >/dev/null
}

# built CMD: hitc knows the command (today's hitc says "unknown command").
built() {
    local out; out=$("$HITC" "$1" 2>&1)
    case $out in *"unknown command"*) return 1 ;; esac
}

good_hit() { printf 'table t {\n  key id: string\n}\n'; }
bad_hit()  { printf 'table t {\n  key id: strin\n}\n'; }

# commit_fails MSG: `git commit` must fail, and nothing be committed.
commit_fails() {
    local before; before=$(git rev-parse HEAD)
    if git commit -qm "$1" > ../commit.out 2>&1; then
        cat ../commit.out; echo "the commit of $1 went through"; return 1
    fi
    [ "$(git rev-parse HEAD)" = "$before" ] || { echo "HEAD moved"; return 1; }
}

commit_passes() {
    git commit -qm "$1" > ../commit.out 2>&1 || {
        cat ../commit.out; echo "the commit of $1 was refused"; return 1; }
}

check_blocks_a_bad_hit_file() {
    setup hitc-check
    bad_hit > bad.hit
    git add bad.hit
    commit_fails bad.hit || return 1
    grep -q "hitc check" ../commit.out || { cat ../commit.out; echo "hook not named"; return 1; }
    grep -q "bad.hit:2:11: error: unknown key type 'strin'" ../commit.out || {
        cat ../commit.out; echo "no diagnostic in the hook's output"; return 1; }
}

check_passes_a_good_hit_file() {
    setup hitc-check
    good_hit > good.hit
    git add good.hit
    commit_passes good.hit || return 1
    grep -q "^[0-9]* check 1$" ../calls.log || { cat ../calls.log; echo "hitc check not run on good.hit"; return 1; }
}

# More file names than fit one command line (pre-commit's limit is 128 KiB):
# pre-commit splits them over several hitc runs (one after another: the
# hook is require_serial, so that one hitc reads the repository at a time);
# each file is checked once, and one bad file among 700 still blocks the
# commit.
many_files_split_over_processes() {
    setup hitc-check
    local long i; long=$(printf 'x%.0s' $(seq 200))
    mkdir d
    for i in $(seq 700); do good_hit > "d/$long-$i.hit"; done
    git add d
    commit_passes "700 files" || return 1
    python3 - ../calls.log <<'PY' || return 1
import sys
calls = [l.split() for l in open(sys.argv[1])]
checks = [c for c in calls if c[1] == "check"]
assert len(checks) >= 2, "pre-commit did not split: %r" % checks
assert sum(int(c[2]) for c in checks) == 700, checks
PY
    bad_hit > "d/$long-bad.hit"
    good_hit > "d/$long-601.hit"
    git add d
    commit_fails "601 good and one bad" || return 1
    grep -q -- "-bad.hit:2:11: error" ../commit.out || { tail -5 ../commit.out; return 1; }
}

# An app of several files (tests/cli/test_apps.sh has more): app.hit
# imports lib/fns.hit, which imports lib/out.hit; the modules use the
# app's table.  Each module checked alone would fail (unknown table).
multi_file_app() {
    mkdir -p svc/lib svc/src
    echo 'def handler(e, c): return 1' > svc/src/index.py
    printf 'app svc\nimport "lib/fns.hit"\ntable users {\n  key id: string\n}\n' > svc/app.hit
    printf 'import "out.hit"\nfunction reader {\n  runtime python3.12\n  handler index.handler\n  code "../src"\n  env { T = users.name }\n}\n' > svc/lib/fns.hit
    printf 'output users-table = users.name\n' > svc/lib/out.hit
}

# A correct app of several files commits clean, and so does a change to a
# module alone (staged without the app that imports it).
check_passes_a_multi_file_app() {
    setup hitc-check
    multi_file_app
    git add svc
    commit_passes "the app" || return 1
    echo '# who reads users' >> svc/lib/out.hit
    git add svc/lib/out.hit
    commit_passes "a module alone" || return 1
    grep -q "^[0-9]* check 1$" ../calls.log || { cat ../calls.log; echo "hitc check not run on the module"; return 1; }
}

# An error in a module blocks the commit, reported at the module's line,
# also when only the module is staged; a broken file that no staged file's
# app reads (untracked, elsewhere) does not.
check_blocks_a_broken_module_at_its_line() {
    setup hitc-check
    multi_file_app
    git add svc
    commit_passes "the app" || return 1
    mkdir scratch
    printf 'table {\n' > scratch/notes.hit        # untracked, broken
    sed -i 's/users.name }/userz.name }/' svc/lib/fns.hit
    git add svc/lib/fns.hit
    commit_fails "a broken module" || return 1
    grep -q "svc/lib/fns.hit:6:13: error: unknown table 'userz'; did you mean 'users'?" ../commit.out || {
        cat ../commit.out; echo "no error at the module's line"; return 1; }
    not grep -q "scratch/notes.hit" ../commit.out
    sed -i 's/userz.name }/users.name } # mended/' svc/lib/fns.hit
    git add svc/lib/fns.hit
    commit_passes "the module mended" || return 1
}

# A few hundred files: 20 apps of 15 modules each, all staged.  It
# finishes, in one hitc run, and that run opens each .hit file once
# (strace), however many of them it was given: nothing is re-read per
# named file.
hundreds_of_module_files_are_read_once() {
    setup hitc-check
    python3 - <<'PY'
import os
for a in range(20):
    d = f"apps/a{a}"
    os.makedirs(f"{d}/mods", exist_ok=True)
    with open(f"{d}/app.hit", "w") as f:
        f.write(f"app a{a}\ntable t {{\n  key id: string\n}}\n")
        f.write("".join(f'import "mods/m{m}.hit"\n' for m in range(15)))
    for m in range(15):
        with open(f"{d}/mods/m{m}.hit", "w") as f:
            # each module reads the app's table and the next module's output
            nxt = f'import "m{m + 1}.hit"\n' if m < 14 else ""
            f.write(f"{nxt}output o{m} = t.name\n")
PY
    git add apps
    TRACE=1 commit_passes "320 files" || return 1
    python3 - ../calls.log .. <<'PY' || return 1
import collections, glob, re, sys
calls = [l.split() for l in open(sys.argv[1])]
checks = [c for c in calls if c[1] == "check"]
assert len(checks) == 1 and checks[0][2] == "320", checks
for trace in glob.glob(sys.argv[2] + "/trace.*"):
    opened = collections.Counter(m for m in re.findall(r'openat\([^"]*"([^"]+\.hit)"', open(trace).read())
                                 if "ENOENT" not in m)
    assert opened, "strace saw no .hit file opened"
    twice = {f: n for f, n in opened.items() if n > 1}
    assert not twice, "opened more than once: %r" % twice
    assert len(opened) == 320, len(opened)
PY
}

# Files the hooks do not match are not given to hitc.
other_files_are_left_alone() {
    setup hitc-check hitc-fmt hitc-lint
    echo 'not hit' > notes.txt
    echo '{}' > package.json
    git add notes.txt package.json
    commit_passes "other files" || return 1
    [ ! -s ../calls.log ] || { cat ../calls.log; echo "hitc ran on other files"; return 1; }
}

# needs: hitc fmt (issue 10).  A file in another layout blocks the commit and
# is left as it was (--check changes nothing); the formatted one passes.
fmt_blocks_unformatted_and_passes_formatted() {
    built fmt || { echo "hitc fmt is not built yet"; return 1; }
    setup hitc-fmt
    printf 'table    t   {\n      key id:    string\n}\n' > messy.hit
    cp messy.hit ../messy.orig
    git add messy.hit
    commit_fails messy.hit || return 1
    grep -q "hitc fmt" ../commit.out || { cat ../commit.out; return 1; }
    cmp -s messy.hit ../messy.orig || { echo "fmt --check changed the file"; return 1; }
    hitc fmt messy.hit || { echo "hitc fmt messy.hit failed"; return 1; }
    git add messy.hit
    commit_passes "formatted" || return 1
}

# needs: hitc lint (issue 10).  A template that refers to a resource it does
# not have blocks the commit; a clean one passes; template.yaml and
# cfn/*.json are picked up by the hook's default pattern.
lint_blocks_bad_template_and_passes_good() {
    built lint || { echo "hitc lint is not built yet"; return 1; }
    setup hitc-lint
    printf 'Resources:\n  Topic:\n    Type: AWS::SNS::Topic\nOutputs:\n  Arn:\n    Value: !Ref Nope\n' > template.yaml
    git add template.yaml
    commit_fails template.yaml || return 1
    grep -q "template.yaml:6:" ../commit.out || { cat ../commit.out; return 1; }
    sed -i 's/!Ref Nope/!Ref Topic/' template.yaml
    mkdir cfn
    printf '{"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}}\n' > cfn/queue.json
    git add template.yaml cfn
    commit_passes "good templates" || return 1
    grep -q "^[0-9]* lint 2$" ../calls.log || { cat ../calls.log; echo "hitc lint not run on both"; return 1; }
}

# pre-commit's own check of the manifest, and the three hook ids.
manifest_is_valid() {
    pre-commit validate-manifest "$ROOT/.pre-commit-hooks.yaml" || return 1
    python3 - "$ROOT/.pre-commit-hooks.yaml" <<'PY'
import re, sys
ids = re.findall(r"^- id: (\S+)", open(sys.argv[1]).read(), re.M)
assert ids == ["hitc-check", "hitc-fmt", "hitc-lint"], ids
PY
}

CASES=(manifest_is_valid check_blocks_a_bad_hit_file check_passes_a_good_hit_file
       many_files_split_over_processes check_passes_a_multi_file_app
       check_blocks_a_broken_module_at_its_line hundreds_of_module_files_are_read_once
       other_files_are_left_alone
       lint_blocks_bad_template_and_passes_good)
[ "$RUN_PENDING" = 1 ] && CASES+=("${PENDING[@]}")
for c in "${CASES[@]}"; do
    t "$c"
done
end
