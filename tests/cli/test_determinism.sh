#!/usr/bin/env bash
# test_determinism.sh: the same inputs give byte-identical outputs, on every
# run and in every directory, whatever the mtimes, umask or file order.
source "$(dirname "$0")/lib.sh"

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
    (umask 077; cd deep/er/two/app && hitc build -q app.hit -o "$WORK/o2")
    (cd one && hitc build -q app/app.hit -o "$WORK/o1")
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
        cmp x1.json x2.json
    done
}

for c in two_runs_same_bytes two_directories_same_bytes time_zone_and_locale_do_not_matter golden_inputs_build_the_same_twice; do
    (cd "$WORK" && rm -rf ./* 2>/dev/null; true)
    t "$c"
done
end
