#!/usr/bin/env bash
# tests/cli/test_deps.sh: `hitc build` installs a code directory's packages into
# its bundle (compiler/deps.c): Python's from requirements.txt with pip, for
# Lambda's platform (the test builds a wheel of a tiny local package and points
# pip at it with HITC_PIP_ARGS="--no-index --find-links DIR": no PyPI here), and
# Node's from package.json and package-lock.json with `npm ci` (a real package
# from npm's registry).  Installs are cached under $XDG_CACHE_HOME/hitc by the
# lock file, the runtime and the architecture, so a second build installs
# nothing; bundles stay byte for byte the same; `hitc invoke` runs the handler
# with its packages; `hitc check` installs nothing; a
# missing lock file, a failing installer and a missing one are errors that say
# which file and what the installer said.
source "$(dirname "$0")/lib.sh"

# A wheel of package 'tinydep' 1.0 in $WORK/wheels, written by hand (a wheel
# is a zip with the package and its dist-info), so no build tool is needed.
tiny_wheel() {
    mkdir -p wheels
    python3 - "$WORK/wheels" <<'PY'
import base64, hashlib, sys, zipfile
files = {"tinydep/__init__.py": 'def shout(s):\n    return s.upper() + "!"\n',
         "tinydep-1.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: tinydep\nVersion: 1.0\n",
         "tinydep-1.0.dist-info/WHEEL": "Wheel-Version: 1.0\nGenerator: hand\nRoot-Is-Purelib: true\nTag: py3-none-any\n"}
record = ""
for name, text in files.items():
    digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
    record += f"{name},sha256={digest},{len(text.encode())}\n"
files["tinydep-1.0.dist-info/RECORD"] = record + "tinydep-1.0.dist-info/RECORD,,\n"
with zipfile.ZipFile(sys.argv[1] + "/tinydep-1.0-py3-none-any.whl", "w") as z:
    for name, text in files.items():
        z.writestr(name, text)
PY
}

# app/app.hit: one function on RUNTIME, handler index.handler, code "src".
one_function() {
    mkdir -p app/src
    printf 'function f {\n  runtime %s\n  handler index.handler\n  code "src"\n}\n' "$1" > app/app.hit
}

python_app() {
    tiny_wheel
    one_function python3.12
    echo "tinydep==1.0" > app/src/requirements.txt
    printf 'import tinydep\ndef handler(e, c):\n    return tinydep.shout("hi")\n' > app/src/index.py
    export XDG_CACHE_HOME=$WORK/cache HITC_PIP_ARGS="--no-index --find-links $WORK/wheels"
}

# The package is in the bundle beside the handler, and runs from it; the
# cache holds one install; a second build, with the wheels gone (a reinstall
# would fail), makes the same bundle byte for byte.
pip_installs_into_the_bundle_once() {
    python_app
    hitc build app/app.hit -o one > /dev/null
    local zip
    zip=$(bundle_of one src)
    zip_names "$zip" > names.txt
    grep -qx 'tinydep/__init__.py' names.txt || { cat names.txt; return 1; }
    grep -qx 'index.py' names.txt
    grep -q '^tinydep-1.0.dist-info/' names.txt
    mkdir run
    (cd run && unzip -q "$WORK/$zip")
    [ "$(cd run && python3 -c 'import index; print(index.handler(None, None))')" = "HI!" ]
    [ "$(ls cache/hitc/deps | wc -l)" = 1 ]
    rm -rf wheels
    hitc build app/app.hit -o two > /dev/null
    cmp "$zip" "$(bundle_of two src)"
}

# Another runtime or architecture is another install (the same files make the
# same bundle, named by its bytes); check installs nothing.
the_cache_is_keyed_by_runtime_and_arch() {
    python_app
    hitc check app/app.hit
    [ ! -e cache/hitc/deps ] || [ "$(ls cache/hitc/deps | wc -l)" = 0 ] ||
        { echo "hitc check installed something"; return 1; }
    hitc build app/app.hit -o one > /dev/null
    sed -i 's/python3.12/python3.13/' app/app.hit
    hitc build app/app.hit -o two > /dev/null
    [ "$(ls cache/hitc/deps | wc -l)" = 2 ]
    printf '  arch arm64\n' > arch.txt
    sed -i '/code "src"/r arch.txt' app/app.hit
    hitc build app/app.hit -o three > /dev/null
    [ "$(ls cache/hitc/deps | wc -l)" = 3 ]
}

# pip fails (no such package): the error names the file, the runtime and
# pip's own last words; nothing is written.
a_failing_install_says_why() {
    python_app
    echo "nosuchpackage==9.9" > app/src/requirements.txt
    expect 1 hitc build app/app.hit -o out 2> err.txt
    grep -q "app.hit:4:8: error: pip could not install 'src/requirements.txt' for python3.12 on x86_64" err.txt ||
        { cat err.txt; return 1; }
    grep -q "nosuchpackage" err.txt
    [ ! -e out ]
    [ "$(ls cache/hitc/deps | grep -c -v '\.')" = 0 ] || { ls cache/hitc/deps; return 1; }
}

# No npm on PATH: a clear error; a package.json without its lock: another.
node_errors() {
    one_function nodejs22.x
    printf 'exports.handler = async () => 1;\n' > app/src/index.js
    printf '{"name": "x", "version": "1.0.0", "dependencies": {"is-number": "7.0.0"}}\n' > app/src/package.json
    export XDG_CACHE_HOME=$WORK/cache
    expect 1 hitc build app/app.hit -o out 2> err.txt
    grep -q "has a package.json without a package-lock.json" err.txt || { cat err.txt; return 1; }
    echo '{}' > app/src/package-lock.json
    mkdir bin
    ln -s "$(command -v python3)" bin/python3
    PATH=$WORK/bin expect 1 "$HITC" build app/app.hit -o out 2> err2.txt
    grep -q "has a package.json, but npm is not installed" err2.txt || { cat err2.txt; return 1; }
}

# A real package from npm: npm ci puts it under node_modules/, and the
# handler requires it from the bundle.  npm's own cache keeps reruns off the
# network; the lock file is made once per run (the registry is reachable).
npm_installs_a_real_package() {
    one_function nodejs22.x
    printf 'const isNumber = require("is-number");\nexports.handler = async (e) => isNumber(e.n);\n' > app/src/index.js
    printf '{"name": "app", "version": "1.0.0", "dependencies": {"is-number": "7.0.0"}}\n' > app/src/package.json
    (cd app/src && timeout 300 npm install --package-lock-only --no-audit --no-fund -q > ../../npm.log 2>&1) ||
        { cat npm.log; return 1; }
    export XDG_CACHE_HOME=$WORK/cache
    timeout 300 "$HITC" build app/app.hit -o one > /dev/null
    local zip
    zip=$(bundle_of one src)
    zip_names "$zip" > names.txt
    grep -qx 'node_modules/is-number/index.js' names.txt || { cat names.txt; return 1; }
    grep -qx 'package.json' names.txt
    mkdir run
    (cd run && unzip -q "$WORK/$zip")
    [ "$(cd run && node -e 'require("./index").handler({n: 5}).then(v => console.log(v))')" = true ]
    hitc build app/app.hit -o two > /dev/null
    cmp "$zip" "$(bundle_of two src)"
    # hitc invoke lays the function out as its bundle, the package included
    [ "$(echo '{"n": 5}' | hitc invoke app/app.hit f --event - -q)" = true ]
    [ "$(echo '{"n": "five"}' | hitc invoke app/app.hit f --event - -q)" = false ]
}

# .hitcignore in a code directory leaves out what the function does not need:
# a bare name at any depth, a path from the root, a directory (trailing '/');
# the file itself never ships; the installed packages are not filtered.
hitcignore_leaves_out_tests_and_fixtures() {
    python_app
    mkdir -p app/src/tests app/src/lib/tests app/src/data
    touch app/src/tests/test_a.py app/src/lib/tests/test_b.py app/src/lib/util.py \
        app/src/README.md app/src/data/big.csv app/src/data/keep.json app/src/notes.md
    printf '# not code\ntests/\n*.md\n/data/*.csv\n' > app/src/.hitcignore
    hitc build app/app.hit -o out > /dev/null
    zip_names "$(bundle_of out src)" | grep -v -e '^tinydep' > names.txt
    printf 'data/keep.json\nindex.py\nlib/util.py\nrequirements.txt\n' | diff - names.txt
    zip_names "$(bundle_of out src)" | grep -qx 'tinydep/__init__.py'
}

for c in hitcignore_leaves_out_tests_and_fixtures pip_installs_into_the_bundle_once the_cache_is_keyed_by_runtime_and_arch \
    a_failing_install_says_why node_errors npm_installs_a_real_package; do
    t_clean
    t "$c"
done
end
