#!/usr/bin/env bash
# tests/cli/test_envkit.sh: the .env reader reaches every stamped function's
# bundle (docs/env-format.md, "hitc adds the reader").  A function whose code
# is stamped (env-mode stamp or both, with env) on a python* runtime gets
# runtime-support/python/hitc_env.py as hitc_env.py at its bundle's root, on
# nodejs* runtime-support/node/hitc_env.js as hitc_env.js; others get none.
# A code directory's own copy must be the same bytes, else E0541.
#
# Before: every example carried a hand copy of hitc_env.py, and a bundle
# held only what the code directory held, so the first case failed with
# "index.py" alone in the zip, and a different own copy built silently.
source "$(dirname "$0")/lib.sh"

PY_READER=$ROOT/runtime-support/python/hitc_env.py
JS_READER=$ROOT/runtime-support/node/hitc_env.js

# app RUNTIME FILE ENVBLOCK: app/app.hit with one function 'f' on code
# "src" (holding FILE), and ENVBLOCK (env and env-mode lines, or nothing).
app() {
    mkdir -p app/src
    echo 'exports.handler = async () => ({});' > "app/src/$2"
    cat > app/app.hit <<HIT
app envkit "the .env reader in bundles"

function f {
  runtime $1
  handler ${2%.*}.handler
  code "src"
$3
}
HIT
}

STAMPED='  env {
    COLOUR = "blue"
  }'

# reader_in RUNTIME HANDLERFILE READERNAME READER: a stamped function on
# RUNTIME gets READER as READERNAME (mode 0644) beside HANDLERFILE.
reader_in() {
    app "$1" "$2" "$STAMPED"
    hitc build -q app/app.hit -o out
    local z
    z=$(bundle_of out src)
    zip_names "$z" > names.txt
    printf '%s\n%s\n' "$3" "$2" | diff - names.txt
    zip_cat "$z" "$3" | cmp - "$4"
    python3 -c 'import sys, zipfile; i = zipfile.ZipFile(sys.argv[1]).getinfo(sys.argv[2]); assert i.external_attr >> 16 == 0o100644, oct(i.external_attr >> 16)' "$z" "$3"
}

a_stamped_python_function_gets_the_reader() {
    reader_in python3.12 index.py hitc_env.py "$PY_READER"
}

a_stamped_node_function_gets_the_js_reader() {
    reader_in nodejs22.x index.js hitc_env.js "$JS_READER"
}

# env-mode both stamps too; native, no env at all, or a runtime that is
# neither Python nor Node: the directory's files alone.
only_stamped_python_and_node_functions_get_it() {
    app python3.12 index.py "$STAMPED
  env-mode both"
    hitc build -q app/app.hit -o both
    zip_names "$(bundle_of both src)" > names.txt
    printf 'hitc_env.py\nindex.py\n' | diff - names.txt
    t_clean
    app python3.12 index.py "$STAMPED
  env-mode native"
    hitc build -q app/app.hit -o native
    zip_names "$(bundle_of native src)" > names.txt
    printf 'index.py\n' | diff - names.txt
    t_clean
    app nodejs22.x index.js ""
    hitc build -q app/app.hit -o none
    zip_names "$(bundle_of none src)" > names.txt
    printf 'index.js\n' | diff - names.txt
    t_clean
    app provided.al2023 bootstrap.sh "$STAMPED"
    hitc build -q app/app.hit -o native-code
    zip_names "$(bundle_of native-code src)" > names.txt
    printf 'bootstrap.sh\n' | diff - names.txt
}

# The code directory's own copy, byte for byte the reader, is the reader:
# the same bundle (same name, same bytes) as without it, build after build.
an_identical_copy_is_the_reader() {
    app python3.12 index.py "$STAMPED"
    hitc build -q app/app.hit -o one
    hitc build -q app/app.hit -o two
    cp "$PY_READER" app/src/hitc_env.py
    hitc build -q app/app.hit -o three
    local a b c
    a=$(bundle_of one src)
    b=$(bundle_of two src)
    c=$(bundle_of three src)
    [ "$(basename "$a")" = "$(basename "$b")" ] || { echo "two builds, two bundles"; return 1; }
    [ "$(basename "$a")" = "$(basename "$c")" ] || { echo "the same reader changed the bundle"; return 1; }
    cmp "$a" "$c"
}

# Another file of that name is refused at the function's code line (E0541),
# naming the file and the fix, and nothing is written; `hitc check` too.
a_different_copy_is_an_error() {
    app nodejs22.x index.js "$STAMPED"
    echo '// an old reader' > app/src/hitc_env.js
    expect 1 hitc build app/app.hit -o out 2> err.txt
    grep -qF "app.hit:6:8: error: code directory 'src' has its own 'hitc_env.js', which differs from the .env reader that hitc adds to a stamped function's bundle; delete it (hitc writes the reader into the bundle itself)" err.txt ||
        { cat err.txt; return 1; }
    [ ! -e out ] || { echo "output was written"; return 1; }
    expect 1 hitc check app/app.hit 2> check.txt
    grep -q "has its own 'hitc_env.js'" check.txt || { cat check.txt; return 1; }
    [ "$(grep -c "has its own" check.txt)" = 1 ] || { echo "not reported once"; return 1; }
    expect 1 hitc build app/app.hit -o out --format json 2> err.json
    python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); assert [x["code"] for x in d] == ["E0541"], d' err.json
}

# A stamped plugin service gets both files: the kit and the reader.
a_stamped_service_gets_the_kit_and_the_reader() {
    app python3.12 service.py "$STAMPED"
    cat >> app/app.hit <<'HIT'
plugin p {
  service f.arn
  out x
}
resource r: p {}
HIT
    hitc build -q app/app.hit -o out
    local z
    z=$(bundle_of out src)
    zip_names "$z" > names.txt
    printf 'hitc_env.py\nhitc_plugin.py\nservice.py\n' | diff - names.txt
    zip_cat "$z" hitc_env.py | cmp - "$PY_READER"
}

for c in a_stamped_python_function_gets_the_reader a_stamped_node_function_gets_the_js_reader \
    only_stamped_python_and_node_functions_get_it an_identical_copy_is_the_reader \
    a_different_copy_is_an_error a_stamped_service_gets_the_kit_and_the_reader; do
    t_clean
    t "$c"
done
end
