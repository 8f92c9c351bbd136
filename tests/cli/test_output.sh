#!/usr/bin/env bash
# test_output.sh: what `hitc build -o DIR` may replace, and how (issue 6, section 1).
source "$(dirname "$0")/lib.sh"

# Each case works in a directory of its own (WORK is shared by every case).
own_dir() { cd "$(mktemp -d "$WORK/case.XXXXXX")"; }
example() { cp -r "$ROOT/examples/hits" hits; }

# valid_build DIR: DIR holds exactly what its manifest lists, each bundle named by its sha256.
valid_build() {
    python3 - "$1" <<'EOF' || { echo "$1 is not a whole build"; return 1; }
import hashlib, json, os, sys
d = sys.argv[1]
m = json.load(open(os.path.join(d, "manifest.json")))
assert m["generator"] == "hitc" and m["format"] == 1, m
want = set(m["files"]) | {"manifest.json"}
have = {os.path.relpath(os.path.join(r, f), d) for r, _, fs in os.walk(d) for f in fs}
assert have == want, (have, want)
json.load(open(os.path.join(d, "template.json")))
for b in m["bundles"]:
    assert hashlib.sha256(open(os.path.join(d, b["file"]), "rb").read()).hexdigest() == b["sha256"], b
EOF
}

no_leftovers() {
    if ls -d ./*.hitc-tmp-* 2>/dev/null; then echo "temporary directories left"; return 1; fi
}

# Reproduction (hitc 0.1 deleted web/index.html, exit 0):
#   mkdir web && echo '{"name":"pwa"}' > web/manifest.json && echo keep > web/index.html
#   hitc build app.hit -o web
a_manifest_json_hitc_did_not_write_is_kept() {
    own_dir || return 1
    example || return 1
    mkdir web && echo '{"name":"pwa"}' > web/manifest.json && echo keep > web/index.html || return 1
    expect 2 hitc build -q hits/app.hit -o web 2> err.txt || return 1
    grep -q "^hitc: error: refusing to replace 'web': hitc did not write 'web/index.html' (there is no manifest.json of hitc's); choose another output directory, or empty this one$" err.txt \
        || { cat err.txt; return 1; }
    [ "$(cat web/index.html)" = keep ] && [ "$(cat web/manifest.json)" = '{"name":"pwa"}' ] \
        || { echo "web changed"; return 1; }
    [ "$(ls web | tr '\n' ' ')" = "index.html manifest.json " ] || { ls web; return 1; }
    expect 2 hitc build -q --format json hits/app.hit -o web 2> err.json || return 1
    grep -q '"code": "E0510"' err.json || { cat err.json; return 1; }
    no_leftovers || return 1
}

# Reproduction (hitc 0.1 deleted out/notes.txt, exit 0):
#   hitc build app.hit -o out && echo mine > out/notes.txt && hitc build app.hit -o out
a_file_beside_hitc_output_is_kept() {
    own_dir || return 1
    example || return 1
    hitc build -q hits/app.hit -o out || return 1
    echo mine > out/notes.txt
    expect 2 hitc build -q hits/app.hit -o out 2> err.txt || return 1
    grep -q "refusing to replace 'out': hitc did not write 'out/notes.txt' (its manifest.json does not list it)" err.txt \
        || { cat err.txt; return 1; }
    [ "$(cat out/notes.txt)" = mine ] || return 1
    rm out/notes.txt
    touch out/bundles/0000000000000000000000000000000000000000000000000000000000000000.zip || return 1
    expect 2 hitc build -q hits/app.hit -o out 2> err.txt || return 1
    grep -q "hitc did not write 'out/bundles/0000000000000000000000000000000000000000000000000000000000000000.zip'" err.txt \
        || { cat err.txt; return 1; }
    rm out/bundles/0*.zip
    # A manifest.json that claims to be hitc's but lists a file hitc never writes is not hitc's.
    python3 -c "
import json; m = json.load(open('out/manifest.json')); m['files'].append('../hits/app.hit')
json.dump(m, open('out/manifest.json', 'w'))" || return 1
    expect 2 hitc build -q hits/app.hit -o out 2> err.txt || return 1
    grep -q "there is no manifest.json of hitc's" err.txt || { cat err.txt; return 1; }
    no_leftovers || return 1
}

# What hitc did write is replaced: its own output (even with a file missing), an empty
# directory, and the output of hitc 0.1 (whose manifest had no "generator").
its_own_output_and_an_empty_directory_are_replaced() {
    own_dir || return 1
    example || return 1
    hitc build -q hits/app.hit -o out || return 1
    rm out/template.json
    hitc build -q hits/app.hit -o out || return 1
    valid_build out || return 1
    mkdir empty || return 1
    hitc build -q hits/app.hit -o empty || return 1
    valid_build empty || return 1
    python3 -c "
import json; m = json.load(open('out/manifest.json'))
for k in ('generator', 'format', 'files'): del m[k]
json.dump(m, open('out/manifest.json', 'w'))" || return 1
    hitc build -q hits/app.hit -o out || return 1
    valid_build out || return 1
    no_leftovers || return 1
}

# Reproduction (hitc 0.1 replaced the project, or the code, by its output, exit 0):
#   echo '{}' > manifest.json; hitc build app.hit -o .      (or -o .., -o src with src/manifest.json)
the_project_and_code_directories_are_refused() {
    own_dir || return 1
    mkdir proj && cp -r "$ROOT/examples/hits" proj/hits || return 1
    echo '{"name":"pwa"}' | tee proj/manifest.json proj/hits/manifest.json > proj/hits/src/manifest.json
    before=$(find proj -type f | sort | xargs sha256sum) || return 1
    (cd proj/hits && expect 2 hitc build -q app.hit -o . 2> ../../err1.txt) || return 1
    (cd proj/hits && expect 2 hitc build -q app.hit -o .. 2> ../../err2.txt) || return 1
    (cd proj/hits && expect 2 hitc build -q app.hit -o src 2> ../../err3.txt) || return 1
    (cd proj/hits && expect 2 hitc build -q app.hit -o src/../src/. 2> ../../err4.txt) || return 1
    ln -s proj/hits alias || return 1
    expect 2 hitc build -q proj/hits/app.hit -o alias 2> err5.txt || return 1
    ln -s hits/src proj/code-link || return 1
    expect 2 hitc build -q proj/hits/app.hit -o proj/code-link/ 2> err6.txt || return 1
    grep -q "^hitc: error: refusing to write to '.': it is the directory of 'app.hit'" err1.txt || { cat err1.txt; return 1; }
    (cd proj/hits && expect 2 hitc build -q --format json app.hit -o .. 2> ../../err.json) || return 1
    grep -q '"code": "E0511"' err.json || { cat err.json; return 1; }
    grep -q "^hitc: error: refusing to write to '..': it contains the directory of 'app.hit'" err2.txt || { cat err2.txt; return 1; }
    grep -q "^hitc: error: refusing to write to 'src': it is the code directory 'src' of function 'counter'" err3.txt || { cat err3.txt; return 1; }
    grep -q "^app.hit:11:8: note: the code directory is named here" err3.txt || { cat err3.txt; return 1; }
    grep -q "refusing to write to 'src/../src/.': it is the code directory 'src' of function 'counter'" err4.txt || { cat err4.txt; return 1; }
    grep -q "refusing to write to 'alias': it is the directory of 'proj/hits/app.hit'" err5.txt || { cat err5.txt; return 1; }
    grep -q "refusing to write to 'proj/code-link': it is the code directory 'src' of function 'counter'" err6.txt || { cat err6.txt; return 1; }
    after=$(find proj -type f | sort | xargs sha256sum) || return 1
    [ "$before" = "$after" ] || { echo "the project changed"; return 1; }
    [ -L alias ] && [ -L proj/code-link ] || return 1
    # Inside the project but apart from the code: fine.
    (cd proj/hits && hitc build -q app.hit -o out) || return 1
    valid_build proj/hits/out || return 1
}

# Reproduction (hitc 0.1: exit 0, and each build bundled the one before, so bundles grew):
#   function f { ... code "." }   then   hitc build app.hit -o out   (twice)
a_code_directory_holding_the_output_is_an_error_at_the_code_line() {
    own_dir || return 1
    mkdir p && cp "$ROOT/examples/hits/src/index.py" p/ || return 1
    printf 'function f {\n  runtime python3.12\n  handler index.handler\n  code "."\n}\n' > p/app.hit || return 1
    expect 2 hitc build -q p/app.hit -o p/out 2> err.txt || return 1
    grep -q "^p/app.hit:4:8: error: code directory '.' contains the output directory 'p/out', so each build would bundle the one before;" err.txt \
        || { cat err.txt; return 1; }
    [ ! -e p/out ] || { echo "p/out was written"; return 1; }
    expect 2 hitc build -q --format json p/app.hit -o p/out 2> err.json || return 1
    grep -q '"code": "E0512"' err.json || { cat err.json; return 1; }
    mkdir -p p/lib/deep && cp p/index.py p/lib/ && sed -i 's/code "."/code "lib"/' p/app.hit || return 1
    expect 2 hitc build -q p/app.hit -o p/lib/deep/out 2> err.txt || return 1
    grep -q "^p/app.hit:4:8: error: code directory 'lib' contains the output directory 'p/lib/deep/out'" err.txt \
        || { cat err.txt; return 1; }
    # Outside the code directory it builds.
    hitc build -q p/app.hit -o p/out || return 1
    valid_build p/out || return 1
    sed -i 's/code "lib"/code "."/' p/app.hit || return 1
    hitc build -q p/app.hit -o elsewhere || return 1
    valid_build elsewhere || return 1
}

# -o LINK writes through the link and keeps it.  Reproduction (hitc 0.1 replaced the
# link by a directory, and the directory it pointed to kept its old content):
#   mkdir real && ln -s real link && hitc build app.hit -o link && test -L link
a_symlinked_output_is_written_through() {
    own_dir || return 1
    example || return 1
    mkdir real && ln -s real link || return 1
    hitc build -q hits/app.hit -o link || return 1
    [ -L link ] && [ "$(readlink link)" = real ] || { ls -l; echo "the link was replaced"; return 1; }
    valid_build real || return 1
    hitc build -q hits/app.hit -o link/ || return 1
    [ -L link ] && valid_build real || return 1
    echo mine > real/notes.txt
    expect 2 hitc build -q hits/app.hit -o link 2> err.txt || return 1
    grep -q "refusing to replace 'link': hitc did not write 'link/notes.txt'" err.txt || { cat err.txt; return 1; }
    [ "$(cat real/notes.txt)" = mine ] || return 1
    ln -s nowhere dangling || return 1
    expect 2 hitc build -q hits/app.hit -o dangling 2> err.txt || return 1
    grep -q "'dangling' is a symbolic link to nothing" err.txt || { cat err.txt; return 1; }
    [ -L dangling ] && [ ! -e nowhere ] || return 1
    no_leftovers || return 1
}

# Reproduction (hitc 0.1 left them forever): kill -9 a build between mkdtemp and
# rename; out.hitc-tmp-XXXXXX stays.  Here a dead build's directory is made by hand.
a_dead_builds_temporary_directory_is_removed_and_nothing_else() {
    own_dir || return 1
    example || return 1
    hitc build -q hits/app.hit -o out || return 1
    mkdir -p out.hitc-tmp-Dead01/bundles out.hitc-tmp-Dead02 out.hitc-tmp-mine out.hitc-tmp-User03 \
        out.hitc-tmp-Busy04 other.hitc-tmp-Dead05 || return 1
    cp out/template.json out.hitc-tmp-Dead01/ || return 1
    cp out/bundles/*.zip out.hitc-tmp-Dead01/bundles/ || return 1
    echo mine > out.hitc-tmp-User03/notes.txt           # not a name hitc writes: kept
    # A live build's directory: this shell holds its lock, as the build writing it would.
    exec {lockfd}< out.hitc-tmp-Busy04
    flock -x "$lockfd" || return 1
    if flock -n out.hitc-tmp-Busy04 true; then echo "could not hold the lock"; return 1; fi
    rc=0
    hitc build -q hits/app.hit -o out || rc=$? || return 1
    left=$(ls -d ./*.hitc-tmp-* | sort | tr '\n' ' ')
    exec {lockfd}<&-
    [ $rc -eq 0 ] || { echo "build exited $rc"; return 1; }
    [ "$left" = "./other.hitc-tmp-Dead05 ./out.hitc-tmp-Busy04 ./out.hitc-tmp-User03 ./out.hitc-tmp-mine " ] \
        || { echo "left: $left"; return 1; }
    [ "$(cat out.hitc-tmp-User03/notes.txt)" = mine ] || return 1
    valid_build out || return 1
}

# Builds killed at random moments: whatever they leave, the next build removes.
killed_builds_leave_nothing_after_the_next() {
    own_dir || return 1
    example || return 1
    head -c 3000000 /dev/urandom > hits/src/blob.bin || return 1   # a build that takes a moment
    for i in $(seq 12); do
        hitc build -q hits/app.hit -o out > /dev/null 2>&1 &
        pid=$!
        sleep "0.0$((i % 10))"
        kill -9 "$pid" 2>/dev/null || true     # it may have finished
        wait "$pid" 2>/dev/null || true        # 137 when killed: expected
    done
    if [ -e out ]; then valid_build out || return 1; fi
    hitc build -q hits/app.hit -o out || return 1
    valid_build out || return 1
    no_leftovers || return 1
}

# Reproduction (hitc 0.1: the losers exit 2 with "cannot create 'out': Directory not empty"):
#   for i in 1 2 3 4 5 6 7 8; do hitc build app.hit -o out & done; wait
# A build that swaps its output in lists the old output (now at its
# temporary name) to see that nothing foreign came in meanwhile; another
# build's clean-up may be removing it at that moment.  Names that vanish
# are no stranger's files.  (Seen as a rare "'out' changed while hitc
# replaced it" in the racing case below; swap_race_shim.c makes it certain.)
an_old_output_removed_while_it_is_checked_is_no_stranger() {
    own_dir || return 1
    example || return 1
    cc -shared -fPIC -o shim.so "$ROOT/tests/cli/swap_race_shim.c" -ldl || { echo "cannot build the shim"; return 1; }
    hitc build -q hits/app.hit -o out || return 1
    LD_PRELOAD=$PWD/shim.so ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 \
        timeout 60 "$HITC" build -q hits/app.hit -o out 2> err.txt || { echo "the build failed"; cat err.txt; return 1; }
    [ ! -s err.txt ] || { cat err.txt; return 1; }
    valid_build out || return 1
    no_leftovers || return 1
}

racing_builds_into_a_missing_directory_all_succeed() {
    own_dir || return 1
    example || return 1
    for round in 1 2 3 4 5; do
        rm -rf out
        pids=()
        for i in 1 2 3 4 5 6 7 8; do
            hitc build -q hits/app.hit -o out 2> "err$i.txt" &
            pids+=($!) || return 1
        done
        for i in 1 2 3 4 5 6 7 8; do
            wait "${pids[$((i - 1))]}" || { echo "round $round: build $i failed"; cat "err$i.txt"; return 1; }
        done
        valid_build out || return 1
        no_leftovers || return 1
    done
}

# Durability (issue 20): one syncfs of the new output before the rename
# that swaps it in, no fsync a file, and the old output removed only after
# the swap.  The order is the promise: a machine crash leaves the old DIR
# or the new one whole (docs/deploying.md).
one_sync_before_the_swap_and_the_old_output_removed_after() {
    own_dir || return 1
    example || return 1
    command -v strace > /dev/null || { echo "strace is missing: run scripts/deps.sh --test"; return 1; }
    hitc build -q hits/app.hit -o out || return 1
    # (LeakSanitizer cannot run under a tracer: hitc-asan's leak check is off here)
    ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
        strace -f -o trace.txt -e trace=fsync,fdatasync,syncfs,sync,rename,renameat,renameat2,unlink,unlinkat,rmdir \
        "$HITC" build -q hits/app.hit -o out 2> err.txt || { echo "the build failed"; cat err.txt; return 1; }
    valid_build out || return 1
    no_leftovers || return 1
    python3 - trace.txt <<'EOF' || { cat trace.txt; return 1; }
import re, sys
calls = [re.sub(r"^\d+ +", "", l) for l in open(sys.argv[1]) if re.match(r"^\d+ +[a-z]", l)]
names = [c.split("(")[0] for c in calls]
assert names.count("syncfs") == 1, names
assert not {"fsync", "fdatasync", "sync"} & set(names), names
swap = [i for i, c in enumerate(calls) if c.startswith("renameat2(") and "RENAME_EXCHANGE" in c]
assert len(swap) == 1, calls
assert names.index("syncfs") < swap[0], calls
removed = [i for i, n in enumerate(names) if n in ("unlink", "unlinkat", "rmdir")]
assert removed and min(removed) > swap[0], calls
EOF
}

for c in one_sync_before_the_swap_and_the_old_output_removed_after a_manifest_json_hitc_did_not_write_is_kept a_file_beside_hitc_output_is_kept \
    its_own_output_and_an_empty_directory_are_replaced the_project_and_code_directories_are_refused \
    a_code_directory_holding_the_output_is_an_error_at_the_code_line a_symlinked_output_is_written_through \
    a_dead_builds_temporary_directory_is_removed_and_nothing_else killed_builds_leave_nothing_after_the_next \
    an_old_output_removed_while_it_is_checked_is_no_stranger \
    racing_builds_into_a_missing_directory_all_succeed; do
    t "$c"
done
end
