#!/usr/bin/env bash
# Run the Node plugin kit's tests (node:test) and print them as the other
# suites do: "PASS name" / "FAIL name" (with node's report of why) per test,
# then "N passed, N failed".  Exits 1 when a test failed or none ran; a
# skipped or todo test counts as failed.
set -uo pipefail
cd "$(dirname "$0")"
if ! command -v node >/dev/null; then
    echo "FAIL node-kit (node is not installed)"
    echo "0 passed, 1 failed"
    exit 1
fi
out=$(node --test --test-reporter=tap test_kit_node.js 2>&1); rc=$?
printf '%s\n' "$out" | awk -v rc="$rc" '
    # Top-level TAP results only: "ok N - name" / "not ok N - name [# SKIP|TODO]".
    /^(not )?ok [0-9]+ - / {
        ok = ($1 == "ok"); name = $0
        sub(/^(not )?ok [0-9]+ - /, "", name)
        if (name ~ /# (SKIP|TODO)/) ok = 0
        if (ok) { passed++; print "PASS " name } else { failed++; print "FAIL " name; why = 1 }
        next
    }
    why && /^  / { print "    " $0; if ($0 ~ /^  \.\.\.$/) why = 0; next }
    { why = 0 }
    END {
        if (passed + failed == 0 || (rc != 0 && failed == 0)) {
            print "FAIL node-kit (node --test exited " rc " with " passed + 0 " passed)"
            failed++
        }
        printf "%d passed, %d failed\n", passed, failed
        exit failed > 0
    }'
