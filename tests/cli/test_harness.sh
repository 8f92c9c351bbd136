#!/usr/bin/env bash
# test_harness.sh: lib.sh itself.  Each case writes a small suite that uses
# lib.sh, runs it, and compares its whole output and exit status with what it
# must be, in one final comparison, so that these cases can fail even if
# lib.sh were again blind to every line but a case's last.
#
# Before this file, lib.sh ran a case as `if out=$( (set -e; ...) )`, where
# bash ignores set -e: `false; true` passed, and so did a failing `! grep` in
# the middle of a case, and a loop whose first round failed.
source "$(dirname "$0")/lib.sh" || exit 2

# suite CASES...: a suite file made of the case definitions on stdin, running
# CASES in that order; prints its output, then "exit N".
suite() {
    { echo "source '$ROOT/tests/cli/lib.sh' || exit 2"; cat; for c in "$@"; do echo "t $c"; done; echo end; } > suite.sh
    local rc=0
    bash suite.sh > out.txt 2>&1 || rc=$?
    cat out.txt
    echo "exit $rc"
}

# same WANT GOT: equal, or a diff and failure.
same() {
    [ "$1" = "$2" ] || { diff -u <(printf '%s\n' "$1") <(printf '%s\n' "$2"); return 1; }
}

REFUSED="    harness: set -e ignores a failure of these lines, so they cannot fail the case;
    write 'not CMD' for '! CMD', split 'a && b' in two lines or write 'a || { echo why; return 1; }',
    and 'local x; x=\$(cmd)' for 'local x=\$(cmd)':"

a_failing_first_check_fails_the_case() {
    same "FAIL c (exit 1)
0 passed, 1 failed
exit 1" "$(suite c <<'EOF'
c() { false; echo 'after the failure'; true; }
EOF
)"
}

a_failing_middle_not_grep_fails_the_case() {
    same "FAIL c (exit 1)
    'grep -q x f' succeeded, want a failure
0 passed, 1 failed
exit 1" "$(suite c <<'EOF'
c() { echo x > f; not grep -q x f; echo 'after the failure'; true; }
EOF
)"
}

a_middle_bang_grep_is_refused_even_when_it_holds() {
    same "FAIL c (exit 1)
$REFUSED
        ! grep -q y f;
0 passed, 1 failed
exit 1" "$(suite c <<'EOF'
c() { echo x > f; ! grep -q y f; true; }
EOF
)"
}

and_lists_and_local_assignments_are_refused_but_as_the_last_line() {
    same "FAIL c (exit 1)
$REFUSED
        [ -f f ] && [ -s f ];
        mkdir d && touch d/x;
        local v=\$(cat f);
            [ -f f ] && [ -s f ];
0 passed, 1 failed
exit 1" "$(suite c <<'EOF'
c() {
    echo x > f
    [ -f f ] && [ -s f ]
    mkdir d && touch d/x
    local v=$(cat f)
    for i in 1 2; do [ -f f ] && [ -s f ]; done
    [ -f f ] || { echo "no f"; return 1; }
    if [ -f f ] && [ -s f ]; then true; fi
    (cd d && ls)
    echo "a && b" '! c' "$(true && echo "
    ! true")"
    python3 - <<'PY'
! x && y
PY
    [ -f f ] && [ -s f ]
}
EOF
)"
}

every_round_of_a_loop_counts() {
    same "FAIL c (exit 1)
    round 2
0 passed, 1 failed
exit 1" "$(suite c <<'EOF'
c() { for i in 2 1; do echo "round $i"; [ "$i" -eq 1 ]; done; }
EOF
)"
}

pipelines_and_command_substitutions_count() {
    same "FAIL p (exit 1)
FAIL s (exit 1)
0 passed, 2 failed
exit 1" "$(suite p s <<'EOF'
p() { false | cat; true; }
s() { x=$(false; echo y); true; }
EOF
)"
}

a_passing_case_passes_and_one_failure_spoils_the_suite() {
    same "PASS ok
FAIL bad (exit 1)
    no such file
PASS last_line_decides
PASS expect_and_not
3 passed, 1 failed
exit 1" "$(suite ok bad last_line_decides expect_and_not <<'EOF'
ok() { [ "$PWD" = "$WORK" ]; echo x > f; grep -q x f; }
bad() { test -e nosuch || { echo "no such file"; return 1; }; }
last_line_decides() { echo x > g; ! grep -q y g; }
expect_and_not() { expect 3 sh -c 'exit 3'; not false; }
EOF
)"
}

cases_run_where_set_e_holds_or_not_at_all() {
    same "FAIL c (exit 1)
    harness: 't c' runs where bash ignores set -e (inside if, while, !, && or ||), so no check could fail; call t as a plain command
FAIL nosuch (exit 1)
    harness: no case named 'nosuch'
0 passed, 2 failed
exit 1" "$(suite nosuch <<'EOF'
c() { false; true; }
if t c; then :; fi
EOF
)"
}

no_case_is_a_failure() {
    same "0 passed, 0 failed
exit 1" "$(suite < /dev/null)"
}

t_clean_empties_work_and_nothing_else() {
    mkdir -p d/e .hidden
    touch d/e/f .dot
    chmod 555 d
    t_clean
    same "" "$(ls -A)"
    [ -d "$WORK" ]
}

# tests/pyrunner.py (the Python suites' runner): a failing subTest is a FAIL;
# before, it made its test neither pass nor fail, and vanished from the counts.
pyrunner_counts_failing_subtests_and_skips() {
    cat > test_probe.py <<'PY'
import unittest
class Probe(unittest.TestCase):
    def test_ok(self):
        self.assertTrue(True)
    def test_skip(self):
        self.skipTest("not here")
    def test_sub(self):
        for i in range(3):
            with self.subTest(i=i):
                self.assertEqual(i % 2, 0)
PY
    local rc=0
    python3 "$ROOT/tests/pyrunner.py" test_probe.py > out.txt 2>&1 || rc=$?
    same "PASS test_probe.Probe.test_ok
FAIL test_probe.Probe.test_skip (skipped: not here)
FAIL test_probe.Probe.test_sub (i=1) (failure)
1 passed, 2 failed
exit 1" "$(grep -E '^(PASS|FAIL|[0-9]+ passed)' out.txt; echo "exit $rc")"
}

for c in pyrunner_counts_failing_subtests_and_skips a_failing_first_check_fails_the_case a_failing_middle_not_grep_fails_the_case \
    a_middle_bang_grep_is_refused_even_when_it_holds and_lists_and_local_assignments_are_refused_but_as_the_last_line \
    every_round_of_a_loop_counts pipelines_and_command_substitutions_count \
    a_passing_case_passes_and_one_failure_spoils_the_suite cases_run_where_set_e_holds_or_not_at_all \
    no_case_is_a_failure t_clean_empties_work_and_nothing_else; do
    t_clean
    t "$c"
done
end
