#!/usr/bin/env bash
# tests/cli/test_accept.sh: accepting one warning at one place, with a
# reason, in the source (docs/language.md, "Accepting a warning"):
# `# hitc: accept CODE "REASON"` in .hit files, `Metadata: hitc: accept` in
# templates.  An accepted warning does not count (--strict passes), is not
# printed as text, and shows in JSON with its reason; a malformed
# acceptance is W0020, one that accepts nothing W0021.  (SARIF's
# suppressions: tests/cli/test_sarif.sh.)
. "$(dirname "$0")/lib.sh"

code_dir() {
    mkdir -p src
    echo 'def handler(e, c): return 1' > src/index.py
}

# fn LINES...: a function f whose block holds LINES after its three fields.
fn() {
    printf 'function f {\n  runtime python3.12\n  handler index.handler\n  code "src"\n'
    printf '%s\n' "$@"
    printf '}\n'
}

trailing_and_own_line_directives_accept_their_line() {
    code_dir
    fn '  allow "ec2:DescribeInstances" on "*" # hitc: accept W0272 "DescribeInstances takes no ARN"' \
       '  # hitc: accept W0272 "the bucket is the function'"'"'s own"' \
       '' \
       '  # a comment between the directive and its line' \
       '  allow "s3:*" on "arn:aws:s3:::mine/*"' > app.hit
    hitc check --strict app.hit 2> err.txt || { cat err.txt; return 1; }
    [ ! -s err.txt ] || { cat err.txt; echo "text output for accepted warnings"; return 1; }
    hitc check --format json app.hit 2> out.json
    python3 - <<'PY'
import json
d = json.load(open("out.json"))
got = [(x["code"], x["line"], x["accepted"]["reason"], x["accepted"]["line"]) for x in d]
assert got == [("W0272", 5, "DescribeInstances takes no ARN", 5),
               ("W0272", 9, "the bucket is the function's own", 6)], got
PY
}

# The same warning one line further is not accepted: an acceptance covers
# its own line and the next line of code, nothing else.
acceptance_covers_one_place_only() {
    code_dir
    fn '  # hitc: accept W0272 "DescribeInstances takes no ARN"' \
       '  allow "ec2:DescribeInstances" on "*"' \
       '  allow "ec2:DescribeRegions" on "*"' > app.hit
    expect 1 hitc check --strict app.hit 2> err.txt
    grep -q "^app.hit:7:34: warning: function 'f' statement 'allow \"ec2:DescribeRegions\" on \"\*\"' grants on every resource" err.txt || { cat err.txt; return 1; }
    grep -q "^0 errors, 1 warning$" err.txt || { cat err.txt; return 1; }
}

# A directive at the top of the file accepts what is about the whole file
# (reported at 1:1): W0506, a template over the inline limit.
whole_file_warning_is_accepted_at_the_top() {
    code_dir
    { echo '# hitc: accept W0506 "deployed with --s3-bucket by our pipeline"'
      for i in $(seq 150); do printf 'table t%d {\n  key id: string\n}\n' "$i"; done; } > app.hit
    hitc check --strict app.hit 2> err.txt || { cat err.txt; return 1; }
    hitc check --format json app.hit 2> out.json
    grep -q '"code": "W0506"' out.json
    grep -q '"reason": "deployed with --s3-bucket by our pipeline"' out.json
}

bad_acceptances_are_warnings() {
    code_dir
    fn '  allow "ec2:DescribeInstances" on "*"' \
       '  # hitc: acept W0272 "x"' \
       '  # hitc: accept E0401 "x"' \
       '  # hitc: accept W0273 "x"' \
       '  # hitc: accept W0272' \
       '  # hitc: accept W0272 "  "' \
       '  # hitc: accept W0272 "x" W0408' \
       '  # hitc: accept W0021 "x"' > app.hit
    expect 1 hitc check --strict app.hit 2> err.txt
    for want in \
        "app.hit:6:11: warning: '# hitc:' starts a directive, and the one directive is 'accept'" \
        "app.hit:7:18: warning: 'E0401' (unknown-reference) is an error, and only warnings can be accepted" \
        "app.hit:8:18: warning: unknown warning code 'W0273'; did you mean 'W0272'?" \
        "app.hit:9:23: warning: an acceptance needs its reason; write it in quotes after the code" \
        "app.hit:10:24: warning: the reason is empty" \
        "app.hit:11:28: warning: unexpected text after the reason" \
        "app.hit:12:18: warning: 'W0021' is about acceptances themselves and cannot be accepted" \
        "0 errors, 8 warnings"; do
        grep -qF "$want" err.txt || { cat err.txt; echo "missing: $want"; return 1; }
    done
}

unused_acceptance_is_a_warning() {
    code_dir
    fn '  # hitc: accept W0272 "once needed"' '  memory 256' > app.hit
    expect 1 hitc check --strict app.hit 2> err.txt
    grep -qF "app.hit:5:18: warning: this accepts 'W0272' (wildcard-grant), but no such warning is reported here: remove the acceptance" err.txt || { cat err.txt; return 1; }
    hitc check --format json app.hit 2> out.json
    grep -q '"code": "W0021"' out.json
}

# Errors are never accepted, and with errors an acceptance is not called
# unused (the checks that would use it may not have run).
errors_stay_errors() {
    code_dir
    fn '  env { X = nope.name } # hitc: accept W0272 "x"' > app.hit
    expect 1 hitc check app.hit 2> err.txt
    grep -q "error: unknown name 'nope'" err.txt || grep -q "error: unknown" err.txt || { cat err.txt; return 1; }
    not grep -q W0021 err.txt
    not grep -q "accepts 'W0272'" err.txt
}

# An imported module's directive accepts the warning in the module.
acceptance_in_an_imported_module() {
    code_dir
    mkdir lib
    cp -r src lib/src
    printf 'import "lib/f.hit"\n' > app.hit
    fn '  allow "ec2:DescribeInstances" on "*" # hitc: accept W0272 "no ARN"' > lib/f.hit
    hitc check --strict app.hit
}

# hitc build carries an accepted wildcard grant into the role's Metadata as
# the lint codes (W0715, W0716), so that `hitc lint --strict` of the
# template passes as the check did; cfn-lint takes the Metadata too.
template_of_accepted_grants_lints_clean() {
    code_dir
    fn '  allow "ec2:DescribeInstances" on "*" # hitc: accept W0272 "no ARN"' \
       '  allow "s3:*" on "arn:aws:s3:::b/*" # hitc: accept W0272 "its own bucket"' > app.hit
    hitc build --strict app.hit -o out > /dev/null
    hitc lint --strict out/template.json
    python3 - <<'PY'
import json
t = json.load(open("out/template.json"))
m = t["Resources"]["FFunctionRole"]["Metadata"]
assert m == {"hitc": {"accept": [{"code": "W0715", "reason": "no ARN"},
                                 {"code": "W0716", "reason": "its own bucket"}]}}, m
PY
    # one grant accepted, one not: the role carries nothing, lint warns
    fn '  allow "ec2:DescribeInstances" on "*" # hitc: accept W0272 "no ARN"' \
       '  allow "ec2:DescribeRegions" on "*"' > app.hit
    hitc build app.hit -o out 2> /dev/null > /dev/null
    expect 1 hitc lint --strict out/template.json
}

# hitc fmt keeps a directive where it is, so it still accepts its line.
fmt_keeps_directives() {
    code_dir
    printf 'function f {\n    runtime   python3.12\n  handler index.handler\n code "src"\n    # hitc: accept W0272 "no ARN"\n      allow "ec2:DescribeInstances"   on "*"\n allow  "s3:*" on "arn:aws:s3:::b/*"   # hitc: accept W0272 "its own bucket"\n}\n' > app.hit
    hitc fmt app.hit
    grep -qx '  # hitc: accept W0272 "no ARN"' app.hit || { cat app.hit; return 1; }
    grep -qx '  allow "s3:\*" on "arn:aws:s3:::b/\*" # hitc: accept W0272 "its own bucket"' app.hit || { cat app.hit; return 1; }
    hitc check --strict app.hit
}

template_metadata_accepts_in_lint() {
    cat > t.yaml <<'YAML'
Metadata:
  hitc:
    accept:
      - {code: W0720, reason: "kept for the next release"}
Parameters:
  Old:
    Type: String
Resources:
  Role:
    Type: AWS::IAM::Role
    Metadata:
      hitc:
        accept:
          - code: W0715
            reason: ec2:DescribeInstances takes no resource
    Properties:
      AssumeRolePolicyDocument: {}
      Policies:
        - PolicyName: p
          PolicyDocument:
            Statement:
              - {Effect: Allow, Action: "ec2:DescribeInstances", Resource: "*"}
  Other:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: {}
      Policies:
        - PolicyName: p
          PolicyDocument:
            Statement:
              - {Effect: Allow, Action: "ec2:DescribeInstances", Resource: "*"}
YAML
    expect 1 hitc lint --strict t.yaml 2> err.txt
    grep -q "^t.yaml:31:76: warning: this statement allows its actions on every resource" err.txt || { cat err.txt; return 1; }
    grep -q "^0 errors, 1 warning$" err.txt || { cat err.txt; return 1; }
    hitc lint --format json t.yaml 2> out.json || true
    python3 - <<'PY'
import json
d = json.load(open("out.json"))
assert sorted((x["code"], x.get("accepted", {}).get("reason", "")) for x in d) == [
    ("W0715", ""), ("W0715", "ec2:DescribeInstances takes no resource"),
    ("W0720", "kept for the next release")], d
PY
}

# An included fragment's Metadata accepts what hitc reports inside the
# fragment (here the reader's W0607, which comes before the Metadata is
# read), and the Metadata goes into the template as written.
include_fragment_metadata() {
    printf 'include "extra.yaml"\n' > app.hit
    cat > extra.yaml <<'YAML'
Resources:
  Q:
    Type: AWS::SQS::Queue
    Metadata:
      hitc:
        accept: [{code: W0607, reason: "CloudFormation's boolean is meant"}]
    Properties:
      FifoQueue: yes
      QueueName: !Sub "${AWS::StackName}-q.fifo"
YAML
    hitc check --strict app.hit
}

CASES=(trailing_and_own_line_directives_accept_their_line acceptance_covers_one_place_only
       whole_file_warning_is_accepted_at_the_top bad_acceptances_are_warnings
       unused_acceptance_is_a_warning errors_stay_errors acceptance_in_an_imported_module
       template_of_accepted_grants_lints_clean fmt_keeps_directives
       template_metadata_accepts_in_lint include_fragment_metadata)
for c in "${CASES[@]}"; do
    t_clean
    t "$c"
done
end
