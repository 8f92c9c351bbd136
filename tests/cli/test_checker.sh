#!/usr/bin/env bash
# tests/cli/test_checker.sh: one checker (issue 14, parts 1 and 5).  build
# and check run hitc lint's template rules on the template they make
# (lint_emitted), so an included fragment gets every rule `hitc lint` has, at
# its own lines, and a cycle through a resource hitc makes (a function's
# role) is refused before anything is written.  tests/errors has the cycles
# step by step; these cases need the command line.
. "$(dirname "$0")/lib.sh"

fn() {
    mkdir -p src
    touch src/index.py
    printf 'function f {\n  runtime python3.12\n  handler index.handler\n  code "src"\n%s}\n' "$1"
}

# Reproduction: a fragment with a misspelt function and a wildcard action
# passed `hitc check`; `hitc lint` of the same text refused it.
a_fragment_gets_lint_rules_in_check() {
    cat > frag.yaml <<'EOF'
Resources:
  Policy:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      Description: {"Fn::Joinn": ["-", [a, b]]}
      PolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Action: "*"
            Resource: !GetAtt Q.Arn
  Q:
    Type: AWS::SQS::Queue
EOF
    { printf 'include "frag.yaml"\n'; fn ''; } > app.hit
    expect 1 hitc check app.hit 2> err.txt
    grep -q "^frag.yaml:5:21: error: unknown intrinsic function 'Fn::Joinn'; did you mean 'Fn::Join'?" err.txt || { cat err.txt; return 1; }
    grep -q "^frag.yaml:10:21: warning: action '\*' allows every action of every service" err.txt || { cat err.txt; return 1; }
    expect 1 hitc build app.hit -o out 2> err2.txt
    [ ! -e out ] || { echo "build wrote out"; return 1; }
    diff err.txt err2.txt
}

# Reproduction: '${ Queue.QueueName }' was an error in check and clean in
# lint.  CloudFormation ignores the blanks; both read it through one scanner.
blanks_in_a_sub_get_one_verdict() {
    cat > frag.yaml <<'EOF'
Resources:
  Queue:
    Type: AWS::SQS::Queue
  Topic:
    Type: AWS::SNS::Topic
    Properties:
      TopicName: !Sub "${ Queue.QueueName }-alerts"
EOF
    { printf 'include "frag.yaml"\n'; fn ''; } > app.hit
    hitc check --strict app.hit
    hitc lint --strict frag.yaml
    sed -i 's/Queue.QueueName/Queu.QueueName/' frag.yaml
    expect 1 hitc check app.hit 2> err.txt
    grep -q "error: resource 'Queu' is not defined; did you mean 'Queue'?" err.txt || { cat err.txt; return 1; }
    expect 1 hitc lint frag.yaml 2> err.txt
    grep -q "error: resource 'Queu' is not defined; did you mean 'Queue'?" err.txt || { cat err.txt; return 1; }
}

# Not a cycle: the function reads the queue (env), the queue's tag names
# the function's role, and the role names nothing of the fragment.  The
# template has FFunction -> Q -> FFunctionRole, which CloudFormation
# creates; the check must not see a circle at the level of declarations.
reading_what_names_the_role_is_no_cycle() {
    cat > frag.yaml <<'EOF'
Resources:
  Q:
    Type: AWS::SQS::Queue
    Properties:
      Tags:
        - Key: role
          Value: !GetAtt FFunctionRole.Arn
EOF
    { printf 'include "frag.yaml"\n'; fn '  env {
    QUEUE = cfn.Q
  }
'; } > app.hit
    hitc build --strict app.hit -o out
    hitc lint --strict out/template.json
    # hitc graph draws the edge the template has to the role, dashed, at
    # the function that makes it
    hitc graph app.hit > g.dot
    grep -qE '^  n[0-9]+ -> n[0-9]+ \[style=dashed, label="Fn::GetAtt names .FFunctionRole."\];$' g.dot || { cat g.dot; return 1; }
}

# The cycle of the reproduction, with the allow line: refused by check too,
# with every step, before anything is written; check makes no zip.
the_role_cycle_is_refused_by_check() {
    cat > frag.yaml <<'EOF'
Resources:
  Q:
    Type: AWS::SQS::Queue
    Properties:
      Tags:
        - Key: role
          Value: !Ref FFunctionRole
EOF
    { printf 'include "frag.yaml"\n'; fn '  allow "sqs:SendMessage" on cfn.Q.Arn
'; } > app.hit
    expect 1 hitc check app.hit 2> err.txt
    grep -q "^app.hit:2:1: error: dependency cycle: 'FFunctionRole' (function 'f') -> included resource 'Q' -> 'FFunctionRole' (function 'f')" err.txt || { cat err.txt; return 1; }
    grep -q "^app.hit:6:3: note: 'FFunctionRole' (function 'f') gets an attribute of included resource 'Q' here" err.txt || { cat err.txt; return 1; }
    grep -q "^frag.yaml:7:23: note: included resource 'Q' refers to 'FFunctionRole' (function 'f') here" err.txt || { cat err.txt; return 1; }
    expect 1 hitc check --format json app.hit 2> err.json
    grep -q '"code": "E0406"' err.json || { cat err.json; return 1; }
    zips=$(find . -name '*.zip' | wc -l)
    [ "$zips" -eq 0 ] || { echo "check made $zips zips"; return 1; }
}

CASES=(a_fragment_gets_lint_rules_in_check blanks_in_a_sub_get_one_verdict
       reading_what_names_the_role_is_no_cycle the_role_cycle_is_refused_by_check)
for c in "${CASES[@]}"; do
    t_clean
    t "$c"
done
end
