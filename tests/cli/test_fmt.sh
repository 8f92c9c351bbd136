#!/usr/bin/env bash
# test_fmt.sh: hitc fmt on files: in place, --check, modes, atomic writes,
# mtimes, many files, stdin (docs/fmt.md).
source "$(dirname "$0")/lib.sh"

ugly() { printf 'app   x "ugly"\ntable t {\n\tkey id :string\n}\n' > "$1"; }
pretty() { printf 'app x "pretty"\n\ntable t {\n  key id: string\n}\n' > "$1"; }
WANT_UGLY=$'app x "ugly"\ntable t {\n  key id: string\n}'

fmt_rewrites_in_place() {
    ugly a.hit
    hitc fmt a.hit > out.txt
    [ "$(cat a.hit)" = "$WANT_UGLY" ] || { echo "a.hit is now:"; cat a.hit; return 1; }
    [ ! -s out.txt ] || { echo "fmt printed: $(cat out.txt)"; return 1; }
}

check_lists_and_exits_1_without_changing() {
    ugly a.hit; pretty b.hit; ugly c.hit
    cp a.hit a.orig
    expect 1 hitc fmt --check a.hit b.hit c.hit > out.txt
    [ "$(cat out.txt)" = $'a.hit\nc.hit' ] || { echo "listed: $(cat out.txt)"; return 1; }
    cmp -s a.hit a.orig || { echo "--check changed a.hit"; return 1; }
    expect 0 hitc fmt --check b.hit > out.txt
    [ ! -s out.txt ] || { echo "listed a formatted file"; return 1; }
}

keeps_the_mode() {
    ugly a.hit; chmod 640 a.hit
    hitc fmt a.hit
    [ "$(stat -c %a a.hit)" = 640 ] || { echo "mode is $(stat -c %a a.hit)"; return 1; }
    [ "$(cat a.hit)" = "$WANT_UGLY" ] || { echo "not formatted"; return 1; }
}

leaves_no_temporary_files() {
    mkdir d; ugly d/a.hit; ugly d/b.hit
    hitc fmt d/a.hit d/b.hit
    [ "$(ls -A d)" = $'a.hit\nb.hit' ] || { echo "d holds: $(ls -A d)"; return 1; }
}

# A directory fmt cannot write in: exit 2, the file as it was.  Root
# writes through mode 555, so as root the directory is made immutable.
read_only_directory_is_an_io_error() {
    mkdir ro; ugly ro/a.hit; cp ro/a.hit a.orig
    if [ "$(id -u)" -eq 0 ]; then
        chattr +i ro || { echo "root, and chattr +i fails here"; return 1; }
    else
        chmod 555 ro
    fi
    local rc=0
    hitc fmt ro/a.hit 2> err.txt || rc=$?
    if [ "$(id -u)" -eq 0 ]; then chattr -i ro; else chmod 755 ro; fi
    [ "$rc" -eq 2 ] || { echo "exit $rc, want 2"; return 1; }
    cmp -s ro/a.hit a.orig || { echo "the file changed"; return 1; }
    [ "$(ls -A ro)" = a.hit ] || { echo "ro holds: $(ls -A ro)"; return 1; }
    grep -q "error: cannot write 'ro/a.hit': cannot create a temporary file" err.txt || { cat err.txt; return 1; }
}

formatted_file_keeps_its_mtime() {
    pretty a.hit
    touch -d '2001-02-03 04:05:06' a.hit
    local before; before=$(stat -c %Y a.hit)
    hitc fmt a.hit
    [ "$(stat -c %Y a.hit)" = "$before" ] || { echo "a formatted file was rewritten"; return 1; }
}

many_files_at_once() {
    for i in 1 2 3 4 5 6 7 8; do ugly "f$i.hit"; done
    pretty g.hit
    hitc fmt f*.hit g.hit
    for i in 1 2 3 4 5 6 7 8; do
        [ "$(cat "f$i.hit")" = "$WANT_UGLY" ] || { echo "f$i.hit not formatted"; return 1; }
    done
    expect 0 hitc fmt --check f*.hit g.hit
}

stdin_to_stdout() {
    ugly a.hit; cp a.hit a.orig
    hitc fmt - < a.hit > out.txt
    [ "$(cat out.txt)" = "$WANT_UGLY" ] || { echo "stdout: $(cat out.txt)"; return 1; }
    cmp -s a.hit a.orig || { echo "a.hit changed"; return 1; }
    expect 1 hitc fmt --check - < a.hit > out.txt
    [ "$(cat out.txt)" = "-" ] || { echo "--check - listed: $(cat out.txt)"; return 1; }
    pretty b.hit
    expect 0 hitc fmt --check - < b.hit
}

syntax_errors_are_refused() {
    printf 'table t {\n  key id: string\n' > bad.hit; cp bad.hit bad.orig
    ugly a.hit
    local rc=0
    hitc fmt bad.hit a.hit 2> err.txt || rc=$?
    [ "$rc" -eq 1 ] || { echo "exit $rc, want 1"; return 1; }
    grep -q "^bad.hit:3:1: error: expected '}' to close '{' at line 1" err.txt || { cat err.txt; return 1; }
    cmp -s bad.hit bad.orig || { echo "bad.hit changed"; return 1; }
    [ "$(cat a.hit)" = "$WANT_UGLY" ] || { echo "the good file beside it was not formatted"; return 1; }
    rc=0; hitc fmt - < bad.hit > out.txt 2>/dev/null || rc=$?
    [ "$rc" -eq 1 ] && [ ! -s out.txt ] || { echo "stdin: exit $rc, output '$(cat out.txt)'"; return 1; }
}

usage_and_missing_files_exit_2() {
    expect 2 hitc fmt
    expect 2 hitc check --check x.hit
    expect 2 hitc fmt -o out x.hit
    expect 2 hitc fmt nope.hit 2> err.txt
    grep -q "cannot read 'nope.hit'" err.txt
}

symlink_is_followed() {
    mkdir real; ugly real/a.hit; ln -s real/a.hit link.hit
    hitc fmt link.hit
    [ -L link.hit ] || { echo "the link was replaced by a file"; return 1; }
    [ "$(cat real/a.hit)" = "$WANT_UGLY" ] || { echo "the target was not formatted"; return 1; }
}

t fmt_rewrites_in_place
t check_lists_and_exits_1_without_changing
t keeps_the_mode
t leaves_no_temporary_files
t read_only_directory_is_an_io_error
t formatted_file_keeps_its_mtime
t many_files_at_once
t stdin_to_stdout
t syntax_errors_are_refused
t usage_and_missing_files_exit_2
t symlink_is_followed
end
