#!/usr/bin/env bash
# tests/fmt/check.sh: hitc fmt on the test cases and on every .hit file the
# project holds (run by `tests/run.sh fmt`).
#
#  1. tests/fmt/NAME.hit formats to NAME.expected (one case per rule of
#     docs/fmt.md), and NAME.expected formats to itself.
#  2. every examples/*/app.hit, tests/golden/*.hit and tests/errors/*.hit:
#     one with syntax errors is refused (exit 1, nothing on stdout, the
#     file untouched); any other formats idempotently, keeps its comments
#     (texts in order), and, for the golden and example files, builds to
#     the same template as before (the golden expectation).  A scrambled
#     copy (tests/fmt/scramble.py, seeded) formats to the same text.
source "$(dirname "$0")/../cli/lib.sh"

# Every comment's text, one a line, trailing blanks removed (as
# scramble.py comments, in awk: python starts slowly on a busy machine).
comments() {
    awk '{
        s = 0
        for (i = 1; i <= length($0); i++) {
            c = substr($0, i, 1)
            if (s) { if (c == "\\") i++; else if (c == "\"") s = 0 }
            else if (c == "\"") s = 1
            else if (c == "#") { t = substr($0, i); sub(/[ \t\r\f\v]+$/, "", t); print t; break }
        }
    }'
}

# fmt_to SRC DEST: hitc fmt - < SRC > DEST, the exit status returned.
fmt_to() { hitc fmt - < "$1" > "$2"; }

for f in "$ROOT"/tests/fmt/*.hit; do
    name=$(basename "$f" .hit)
    eval "case_$name() {
        fmt_to '$f' got.hit || { echo 'hitc fmt failed'; return 1; }
        diff -u '${f%.hit}.expected' got.hit || return 1
        fmt_to '${f%.hit}.expected' again.hit || return 1
        diff -u '${f%.hit}.expected' again.hit || { echo 'the expected text is not a fixed point'; return 1; }
    }"
    t "case_$name"
done

# Every example in docs/language.md that parses is already in the layout
# (docs/fmt.md promises it); blocks that do not parse (diagnostics,
# grammar, shell) are skipped, but at least ten must be checked.
language_examples_are_formatted() {
    awk '/^```/{if(f){f=0;close(out)}else{f=1;n++;out="block" n ".hit"}; next} f{print > out}' "$ROOT/docs/language.md"
    local b checked=0
    for b in block*.hit; do
        hitc fmt - < "$b" > out.hit 2>/dev/null || continue
        checked=$((checked + 1))
        diff -u "$b" out.hit || { echo "docs/language.md: this example is not in the fmt layout"; return 1; }
    done
    [ "$checked" -ge 10 ] || { echo "only $checked examples parsed"; return 1; }
}
t language_examples_are_formatted

# The template FILE builds to, or nothing when it does not build.
template_of() { (cd "$(dirname "$1")" && hitc build "$(basename "$1")" -o - 2>/dev/null) || true; }

# check_file REL SEED: REL relative to the root.
check_file() {
    local rel=$1 seed=$2 src=$ROOT/$1
    local before; before=$(cksum < "$src")
    local rc=0
    fmt_to "$src" fmt1.hit 2> err.txt || rc=$?
    [ "$(cksum < "$src")" = "$before" ] || { echo "fmt - changed the file"; return 1; }
    if [ "$rc" -ne 0 ]; then
        [ "$rc" -eq 1 ] || { echo "exit $rc: $(cat err.txt)"; return 1; }
        grep -q ': error: ' err.txt || { echo "refused without an error"; return 1; }
        [ ! -s fmt1.hit ] || { echo "refused, but wrote to stdout"; return 1; }
        # hitc fmt FILE leaves it as it was, and says so with exit 1.
        cp "$src" copy.hit
        expect 1 hitc fmt copy.hit 2>/dev/null
        cmp -s "$src" copy.hit || { echo "a file with syntax errors was changed"; return 1; }
        echo "refused: $(head -1 err.txt)"
        return 0
    fi
    fmt_to fmt1.hit fmt2.hit || { echo "formatted text does not format"; return 1; }
    diff -u fmt1.hit fmt2.hit || { echo "not idempotent"; return 1; }
    comments < "$src" > c0.txt
    comments < fmt1.hit > c1.txt
    diff -u c0.txt c1.txt || { echo "comments were lost or changed"; return 1; }
    # The formatted file, where the original stood, builds to the same
    # template (the copy keeps code directories at the same place).
    case $rel in tests/errors/*) ;; *)
        local want; want=$(template_of "$src")
        [ -n "$want" ] || { echo "the original does not build"; return 1; }
        cp fmt1.hit "$rel"
        local got; got=$(template_of "$rel")
        [ "$want" = "$got" ] || { echo "the template changed:"; diff <(printf '%s\n' "$want") <(printf '%s\n' "$got") | head -20; return 1; }
    esac
    fmt_to "$WORK/scrambled/$seed.hit" fmt3.hit || { echo "the scrambled copy (seed $seed) does not format"; return 1; }
    diff -u fmt1.hit fmt3.hit || { echo "the scrambled copy (seed $seed) formats differently"; return 1; }
}

# A copy of the example and golden directories, code and all, where the
# formatted files are built.
mkdir -p "$WORK/tests"
cp -r "$ROOT/examples" "$WORK/examples"
cp -r "$ROOT/tests/golden" "$WORK/tests/golden"
cd "$ROOT"
files=(examples/*/app.hit tests/golden/*.hit tests/errors/*.hit)
mkdir -p "$WORK/scrambled"
python3 tests/fmt/scramble.py batch "$WORK/scrambled" 0 "${files[@]}"
seed=0
for rel in "${files[@]}"; do
    seed=$((seed + 1))
    name="file_$(printf '%s' "$rel" | tr -c 'A-Za-z0-9_\n' '_')"
    eval "$name() { check_file '$rel' $seed; }"
    t "$name"
done
end
