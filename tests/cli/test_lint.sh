#!/usr/bin/env bash
# test_lint.sh: `hitc lint` as a user meets it (the rules themselves are in
# tests/lint, run by `tests/run.sh hitlint`).
source "$(dirname "$0")/lib.sh"

bad_template() {
    printf 'Resources:\n  Topic:\n    Type: AWS::SNS::Topic\n    Properties:\n      TopicName: !Ref Nope\n' > bad.yaml
}
warn_template() {
    printf 'Parameters:\n  Unused:\n    Type: String\nResources:\n  Topic:\n    Type: AWS::SNS::Topic\n' > warn.yaml
}
clean_template() {
    printf '{"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}}\n' > clean.json
}

lint_needs_a_template() {
    expect 2 hitc lint 2> err.txt
    grep -q "'lint' needs a template" err.txt
}

lint_missing_file_exits_2() {
    expect 2 hitc lint nope.yaml 2> err.txt
    grep -q "cannot read 'nope.yaml'" err.txt
}

# The exit status is the worst over the files; warnings fail only --strict.
lint_exit_status_is_the_worst() {
    bad_template; warn_template; clean_template
    expect 0 hitc lint clean.json
    expect 0 hitc lint clean.json warn.yaml
    expect 1 hitc lint --strict clean.json warn.yaml
    expect 1 hitc lint warn.yaml bad.yaml clean.json
    expect 2 hitc lint bad.yaml nope.yaml
}

lint_json_has_code_and_place() {
    bad_template
    expect 1 hitc lint --format json bad.yaml 2> out.json
    python3 - <<'PY'
import json
d = json.load(open("out.json"))
assert [(x["code"], x["file"], x["line"], x["column"]) for x in d] == [("E0704", "bad.yaml", 5, 23)], d
PY
}

lint_sarif_names_the_rule() {
    bad_template
    expect 1 hitc lint --format sarif bad.yaml 2> out.sarif
    python3 - <<'PY'
import json
s = json.load(open("out.sarif"))
r = s["runs"][0]["results"]
assert [x["ruleId"] for x in r] == ["E0704"], r
assert r[0]["locations"][0]["physicalLocation"]["region"]["startLine"] == 5
PY
}

# CloudFormation takes a body of at most 1,000,000 bytes (from S3).
lint_body_past_a_megabyte() {
    python3 -c '
import json
print(json.dumps({"Description": "big", "Metadata": {"Pad": "x" * 1000000},
                  "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}}))' > big.json
    expect 1 hitc lint big.json 2> err.txt
    grep -q "^big.json:1:1: error: the template is 1000[0-9]* bytes; CloudFormation takes at most 1000000 (from S3)$" err.txt
}

for c in lint_needs_a_template lint_missing_file_exits_2 lint_exit_status_is_the_worst \
    lint_json_has_code_and_place lint_sarif_names_the_rule lint_body_past_a_megabyte; do
    t_clean
    t "$c"
done
end
