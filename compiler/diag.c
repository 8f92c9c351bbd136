/*
 * diag.c: diagnostics, reported and printed.
 *
 * In: diagnostics reported by every phase through diag() and note().
 * Out: the diagnostics, sorted by place, printed as gcc does
 * (diag_text.c) or as one JSON or SARIF document (diag_sarif.c).
 * Holds: every diagnostic has one row in diag_table, which is also what
 * `hitc --list-diagnostics` prints for docs/diagnostics.md.
 * Bounds: of the diagnostics, only the first MAX_DIAGS_SHOWN by place are
 * kept and printed (in every format), the rest only counted, so a flood of
 * errors costs neither memory nor output; likewise at most MAX_NOTES_SHOWN
 * notes of each.  The files themselves are read by source.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfn.h"
#include "hitc.h"

const DiagInfo diag_table[D_COUNT] = {
    [D_BAD_CHAR] = {"E0001", SEV_ERROR, "bad-character",
                    "a character that cannot start any token"},
    [D_BAD_UTF8] = {"E0002", SEV_ERROR, "bad-utf8",
                    "the file is not valid UTF-8"},
    [D_UNTERMINATED_STRING] = {"E0003", SEV_ERROR, "unterminated-string",
                               "a string without its closing quote on the same line"},
    [D_BAD_ESCAPE] = {"E0004", SEV_ERROR, "bad-escape",
                      "an unknown escape or a bad \\u{HEX} in a string"},
    [D_BAD_NUMBER] = {"E0005", SEV_ERROR, "bad-number",
                      "a number too large, or with a unit where none fits"},
    [D_BAD_INTERP] = {"E0006", SEV_ERROR, "bad-interpolation",
                      "a ${...} that does not hold one reference"},
    [D_FILE_TOO_LARGE] = {"E0007", SEV_ERROR, "file-too-large",
                          "a file past the 16 MB that hitc reads"},
    [D_EXPECTED] = {"E0101", SEV_ERROR, "syntax",
                    "the parser expected something else here"},
    [D_BRACE_LINE] = {"E0102", SEV_ERROR, "brace-on-own-line",
                      "a '{' must stand on the line that opens its block"},
    [D_UNCLOSED] = {"E0103", SEV_ERROR, "unclosed",
                    "a '{' or '[' that is never closed"},
    [D_TOO_DEEP] = {"E0104", SEV_ERROR, "nesting-too-deep",
                    "'{' and '[' nested more than 64 deep"},
    [D_IMPORT_FORM] = {"E0008", SEV_ERROR, "bad-import",
                       "an import that is not 'import \"FILE.hit\"' with a relative path to a .hit file"},
    [D_IMPORT_MISSING] = {"E0009", SEV_ERROR, "import-not-found",
                          "an imported file that does not exist or cannot be read"},
    [D_IMPORT_CYCLE] = {"E0010", SEV_ERROR, "import-cycle",
                        "files that import each other in a circle, printed step by step"},
    [D_IMPORT_OUTSIDE] = {"E0011", SEV_ERROR, "import-outside-project",
                          "an imported file outside the project (the main .hit file's directory)"},
    [D_IMPORT_LIMIT] = {"E0012", SEV_ERROR, "too-many-imports",
                        "a program of more than 256 .hit files"},
    [D_APPS_LIMIT] = {"E0013", SEV_ERROR, "too-many-hit-files",
                      "'check --apps' under a directory of more than 10000 .hit files"},
    [D_ACCEPT_BAD] = {"W0020", SEV_WARNING, "bad-acceptance",
                      "an acceptance ('# hitc: accept CODE \"REASON\"', or a template's Metadata hitc accept) that is malformed, lacks its reason, or names no warning"},
    [D_ACCEPT_UNUSED] = {"W0021", SEV_WARNING, "unused-acceptance",
                         "an acceptance that accepts no warning where it stands"},
    [D_UNKNOWN_DECL] = {"E0201", SEV_ERROR, "unknown-declaration",
                        "a statement that does not start with a declaration keyword"},
    [D_BAD_NAME] = {"E0202", SEV_ERROR, "bad-name",
                    "a name that is not [A-Za-z][A-Za-z0-9_-]* of at most 64 characters"},
    [D_DUPLICATE_NAME] = {"E0203", SEV_ERROR, "duplicate-name",
                          "two declarations with the same name"},
    [D_NAME_COLLISION] = {"E0204", SEV_ERROR, "name-collision",
                          "two names that differ only in case or '-' versus '_'"},
    [D_RESERVED_NAME] = {"E0205", SEV_ERROR, "reserved-name",
                         "a name that hitc keeps for itself (aws, api, cfn, stage)"},
    [D_UNKNOWN_FIELD] = {"E0206", SEV_ERROR, "unknown-field",
                         "a field that the declaration does not take"},
    [D_DUPLICATE_FIELD] = {"E0207", SEV_ERROR, "duplicate-field",
                           "a field given twice"},
    [D_MISSING_FIELD] = {"E0208", SEV_ERROR, "missing-field",
                         "a required field is missing"},
    [D_BAD_VALUE] = {"E0209", SEV_ERROR, "bad-value",
                     "a field's value is not one it takes"},
    [D_OUT_OF_RANGE] = {"E0210", SEV_ERROR, "out-of-range",
                        "a number outside the range the field allows"},
    [D_UNKNOWN_RUNTIME] = {"E0211", SEV_ERROR, "unknown-runtime",
                           "a runtime that AWS Lambda does not have"},
    [D_DEPRECATED_RUNTIME] = {"W0212", SEV_WARNING, "deprecated-runtime",
                              "a deprecated Lambda runtime that still takes new functions"},
    [D_BAD_ENV_KEY] = {"E0213", SEV_ERROR, "bad-env-key",
                       "an env key that is not [A-Za-z_][A-Za-z0-9_]*"},
    [D_BAD_PATTERN] = {"E0214", SEV_ERROR, "bad-pattern",
                       "a param pattern that is not a valid regular expression"},
    [D_PATTERN_MISMATCH] = {"E0215", SEV_ERROR, "default-rejected",
                            "a param default that its own pattern or allowed list rejects"},
    [D_BLOCKED_RUNTIME] = {"E0217", SEV_ERROR, "blocked-runtime",
                           "a Lambda runtime on which Lambda no longer creates functions"},
    [D_SECRET_PLAIN] = {"E0218", SEV_ERROR, "secret-in-plain-text",
                        "a secret param with a default, or in env, an output, an 'allow ... on', a trigger's ARN, a plugin's service, or an included fragment's outputs or tags: each holds its value in plain text"},
    [D_HANDLER_MISSING] = {"E0219", SEV_ERROR, "handler-not-found",
                           "a Python or Node handler whose file is not in the function's code directory"},
    [D_BAD_PATH] = {"E0301", SEV_ERROR, "bad-route-path",
                    "a route path that API Gateway would not take"},
    [D_DUPLICATE_ROUTE] = {"E0302", SEV_ERROR, "duplicate-route",
                           "the same method and path twice"},
    [D_PARAM_CONFLICT] = {"E0303", SEV_ERROR, "path-parameter-conflict",
                          "two parameter names at one position under one parent"},
    [D_NO_ROUTES] = {"E0304", SEV_ERROR, "api-without-routes",
                     "the api is used or set up but has no routes"},
    [D_HTTP_CORS_OPTIONS] = {"E0230", SEV_ERROR, "http-cors-options-route",
                             "an OPTIONS route on an HTTP API with cors, whose "
                             "preflights API Gateway answers itself"},
    [D_API_TIMEOUT] = {"W0305", SEV_WARNING, "api-timeout",
                       "a function behind a route whose timeout is longer than API Gateway waits (29 s REST, 30 s HTTP)"},
    [D_UNKNOWN_AUTHORIZER] = {"E0310", SEV_ERROR, "unknown-authorizer",
                              "'auth NAME' on a route or the api, naming no authorizer of the api block"},
    [D_AUTHORIZER_API] = {"E0311", SEV_ERROR, "authorizer-wrong-api",
                          "an authorizer the API's kind cannot use (JWT on a REST API, Lambda on an HTTP API), or scopes without a JWT authorizer"},
    [D_AUTHORIZER_FIELDS] = {"E0312", SEV_ERROR, "authorizer-incomplete",
                             "an authorizer without 'jwt' or 'lambda', a JWT one without 'audience', or a field of the other kind"},
    [D_CORS_ORIGIN] = {"E0313", SEV_ERROR, "bad-cors-origin",
                       "a cors origin that is not a string, holds quotes or blanks, or is an expression or one of several on a REST API"},
    [D_UNUSED_AUTHORIZER] = {"W0310", SEV_WARNING, "unused-authorizer",
                             "an authorizer that no route uses"},
    [D_UNKNOWN_REF] = {"E0401", SEV_ERROR, "unknown-reference",
                       "a reference to a name that is not declared"},
    [D_UNKNOWN_ATTR] = {"E0402", SEV_ERROR, "unknown-attribute",
                        "an attribute that the referenced kind does not have"},
    [D_BARE_REF] = {"E0403", SEV_ERROR, "bare-reference",
                    "a table, function or resource used as a value without an attribute"},
    [D_WRONG_KIND] = {"E0404", SEV_ERROR, "wrong-kind",
                      "a name of another kind where a table or function is needed"},
    [D_NO_STREAM] = {"E0405", SEV_ERROR, "no-stream",
                     "'TABLE.stream' on a table without 'stream'"},
    [D_CYCLE] = {"E0406", SEV_ERROR, "dependency-cycle",
                 "declarations, or the resources they make and an included fragment's, that depend on each other in a circle; each step a note at its .hit or fragment line"},
    [D_LOGICAL_ID_CLASH] = {"E0407", SEV_ERROR, "logical-id-clash",
                            "two declarations that would make the same CloudFormation logical ID"},
    [D_UNUSED_PARAM] = {"W0408", SEV_WARNING, "unused-param",
                        "a param that nothing refers to"},
    [D_CODE_DIR] = {"E0501", SEV_ERROR, "bad-code-directory",
                    "a function's code directory is missing or outside the project"},
    [D_BUNDLE] = {"E0502", SEV_ERROR, "bundle",
                  "a code bundle could not be made (limits, symlinks, special files, a package install that failed or has no installer or lock file)"},
    [D_IO] = {"E0503", SEV_ERROR, "io",
              "a file could not be read or written"},
    [D_EMPTY_APP] = {"E0504", SEV_ERROR, "empty-app",
                     "the app declares nothing that becomes a resource"},
    [D_TEMPLATE_LIMIT] = {"E0505", SEV_ERROR, "template-limit",
                          "the template build makes is past a CloudFormation quota (500 resources, 200 parameters, 200 outputs, 200 mappings, 1,000,000 bytes, a 1024-byte description): hitc lint's quota rule, reported with where the bulk comes from"},
    [D_TEMPLATE_SIZE] = {"W0506", SEV_WARNING, "template-needs-s3",
                         "the template is over the 51,200 bytes CloudFormation takes inline: deploy it through S3"},
    [D_OUTPUT_FOREIGN] = {"E0510", SEV_ERROR, "output-not-hitc",
                          "the output directory holds a file hitc did not write there (exit status 2)"},
    [D_OUTPUT_OVERLAP] = {"E0511", SEV_ERROR, "output-overlaps-project",
                          "the output directory is, or contains, the .hit file's directory or a code directory (exit status 2)"},
    [D_CODE_HOLDS_OUTPUT] = {"E0512", SEV_ERROR, "code-holds-output",
                             "a function's code directory contains the output directory, so the bundle would hold earlier output (exit status 2)"},
    [D_ENV_UNWRITABLE] = {"E0540", SEV_ERROR, "env-value-unwritable",
                          "a literal env value ending in '\\' that no .env form carries (a line break, a leading quote or whitespace, whitespace before '#')"},
    [D_ENV_READER_CLASH] = {"E0541", SEV_ERROR, "env-reader-clash",
                            "a stamped function's code directory holds its own, different hitc_env.py or hitc_env.js"},
    [D_CFN_SYNTAX] = {"E0601", SEV_ERROR, "template-syntax",
                      "a YAML or JSON template that does not parse"},
    [D_CFN_DUPLICATE_KEY] = {"E0602", SEV_ERROR, "duplicate-key",
                             "the same key twice in one mapping of a template"},
    [D_CFN_BAD_TAG] = {"E0603", SEV_ERROR, "bad-tag",
                       "a YAML tag that is not a CloudFormation short form, or a short form used wrongly"},
    [D_CFN_TOO_DEEP] = {"E0604", SEV_ERROR, "template-too-deep",
                        "a template nested deeper than hitc reads (128 levels)"},
    [D_CFN_ALIAS] = {"E0605", SEV_ERROR, "yaml-alias",
                     "a YAML alias (*name), which CloudFormation does not take"},
    [D_CFN_AMBIGUOUS_NUMBER] = {"E0606", SEV_ERROR, "ambiguous-number",
                                "a plain YAML 1.1 number that JSON cannot spell (0777, 0x1F, 1_000, .5, .inf)"},
    [D_CFN_YAML_BOOL] = {"W0607", SEV_WARNING, "yaml-boolean",
                         "a plain yes, no, on or off, which CloudFormation reads as a boolean"},
    [D_CFN_TOO_LARGE] = {"E0608", SEV_ERROR, "template-too-large",
                         "a template file larger than hitc reads (8 MiB)"},
    [D_CFN_UNSUPPORTED] = {"E0609", SEV_ERROR, "unsupported-yaml",
                           "YAML that has no JSON form: a second document, a mapping as a key, a NUL character"},
    [D_BAD_ENV_FILE] = {"E0530", SEV_ERROR, "bad-env-file",
                        "a code directory's .env is one the stamper would refuse at deploy time"},
    [D_PLUGIN_MISSING_INPUT] = {"E0240", SEV_ERROR, "missing-plugin-input",
                                "a resource does not give an input that its plugin declares without a default"},
    [D_PLUGIN_UNKNOWN_INPUT] = {"E0241", SEV_ERROR, "unknown-plugin-input",
                                "a resource gives an input that its plugin does not declare"},
    [D_PLUGIN_INPUT_TYPE] = {"E0242", SEV_ERROR, "plugin-input-type",
                             "a resource gives an input a value of another type than the plugin declares"},
    [D_PLUGIN_DEFAULT_TYPE] = {"E0243", SEV_ERROR, "plugin-default-type",
                               "a plugin input's default is not of the input's type"},
    [D_PLUGIN_UNKNOWN_OUTPUT] = {"E0244", SEV_ERROR, "unknown-plugin-output",
                                 "a reference to an output that the resource's plugin does not declare"},
    [D_UNKNOWN_PLUGIN] = {"E0245", SEV_ERROR, "unknown-plugin",
                          "a resource names a plugin that is not declared"},
    [D_PLUGIN_TIMEOUT] = {"E0246", SEV_ERROR, "plugin-timeout-range",
                          "a plugin's timeout outside 1 minute to 1 hour"},
    [D_PLUGIN_KIT_CLASH] = {"E0247", SEV_ERROR, "plugin-kit-clash",
                            "a plugin service's code directory holds its own, different hitc_plugin.py or hitc_plugin.js"},
    [D_PLUGIN_RESERVED_INPUT] = {"E0248", SEV_ERROR, "reserved-plugin-input",
                                 "a plugin input named ServiceToken, ServiceTimeout or HitcPlugin"},
    [D_PLUGIN_SERVICE] = {"E0249", SEV_ERROR, "bad-plugin-service",
                          "a plugin's service that is not a Lambda function's ARN"},
    [D_TOO_MANY] = {"N0008", SEV_NOTE, "more-diagnostics",
                    "the last entry of --format json or sarif when more than 100 were found: how many are not shown"},
    [D_LINT_STRUCTURE] = {"E0701", SEV_ERROR, "template-structure",
                          "a template that is not an object, lacks Resources, has an unknown section, or a resource without a Type"},
    [D_LINT_UNKNOWN_FN] = {"E0702", SEV_ERROR, "unknown-function",
                           "an 'Fn::' key that is not a CloudFormation intrinsic function"},
    [D_LINT_FN_SHAPE] = {"E0703", SEV_ERROR, "function-shape",
                         "an intrinsic function whose argument has the wrong shape (Ref not a string, Join not [delimiter, list], ...)"},
    [D_LINT_UNKNOWN_REF] = {"E0704", SEV_ERROR, "unknown-ref",
                            "a Ref to a name that is not a parameter, resource or pseudo parameter"},
    [D_LINT_UNKNOWN_GETATT] = {"E0705", SEV_ERROR, "unknown-getatt",
                               "an Fn::GetAtt of a resource that the template does not have"},
    [D_LINT_UNKNOWN_SUB_VAR] = {"E0706", SEV_ERROR, "unknown-sub-variable",
                                "an Fn::Sub ${variable} that names nothing the template or the Sub map defines"},
    [D_LINT_UNKNOWN_DEPENDSON] = {"E0707", SEV_ERROR, "unknown-dependson",
                                  "a DependsOn on a resource that the template does not have"},
    [D_LINT_UNKNOWN_CONDITION] = {"E0708", SEV_ERROR, "unknown-condition",
                                  "a condition name (Condition, Fn::If) that the Conditions section does not define"},
    [D_LINT_UNKNOWN_MAPPING] = {"E0709", SEV_ERROR, "unknown-mapping",
                                "an Fn::FindInMap of a mapping that the Mappings section does not define"},
    [D_LINT_CYCLE] = {"E0710", SEV_ERROR, "template-cycle",
                      "resources that depend on each other in a circle, printed as the whole path"},
    [D_LINT_CONDITIONAL_DEPENDSON] = {"E0711", SEV_ERROR, "conditional-dependson",
                                      "a DependsOn on a resource that may not exist because of its Condition"},
    [D_LINT_QUOTA] = {"E0712", SEV_ERROR, "template-quota",
                      "past a CloudFormation quota: 500 resources, 200 parameters, outputs or mappings, 1,000,000 bytes, a 1024-byte description"},
    [D_LINT_BAD_ID] = {"E0713", SEV_ERROR, "bad-logical-id",
                       "a logical ID or name that is not alphanumeric or is longer than 255 characters"},
    [D_LINT_NAME_CLASH] = {"E0714", SEV_ERROR, "parameter-resource-clash",
                           "a parameter and a resource with the same logical ID"},
    [D_LINT_IAM_RESOURCE] = {"W0715", SEV_WARNING, "iam-any-resource",
                             "an IAM Allow statement on Resource '*'"},
    [D_LINT_IAM_ACTION] = {"W0716", SEV_WARNING, "iam-action-wildcard",
                           "an IAM Allow statement with an action wildcard ('*' or 's3:*')"},
    [D_LINT_NO_DELETION_POLICY] = {"W0717", SEV_WARNING, "stateful-without-policy",
                                   "a stateful resource (table, bucket, database, file system) without DeletionPolicy and UpdateReplacePolicy"},
    [D_LINT_BLOCKED_RUNTIME] = {"E0718", SEV_ERROR, "template-blocked-runtime",
                                "a Lambda function on a runtime on which Lambda no longer creates functions"},
    [D_LINT_DEPRECATED_RUNTIME] = {"W0719", SEV_WARNING, "template-deprecated-runtime",
                                   "a Lambda function on a deprecated runtime that still takes new functions"},
    [D_LINT_UNUSED_PARAM] = {"W0720", SEV_WARNING, "unused-parameter",
                             "a template parameter that nothing refers to"},
    [D_LINT_UNUSED_CONDITION] = {"W0721", SEV_WARNING, "unused-condition",
                                 "a condition that no resource, output or condition uses"},
    [D_LINT_UNUSED_MAPPING] = {"W0722", SEV_WARNING, "unused-mapping",
                               "a mapping that no Fn::FindInMap reads"},
    [D_LINT_UNKNOWN_TYPE] = {"E0723", SEV_ERROR, "unknown-resource-type",
                             "a resource Type that CloudFormation does not have (or a SAM type without the SAM transform)"},
    [D_LINT_UNKNOWN_PROPERTY] = {"E0724", SEV_ERROR, "unknown-property",
                                 "a property that the resource type, or the object it stands in, does not take"},
    [D_LINT_MISSING_PROPERTY] = {"E0725", SEV_ERROR, "missing-property",
                                 "a property that the resource type, or the object it stands in, requires is missing"},
    [D_LINT_PROPERTY_TYPE] = {"E0726", SEV_ERROR, "property-type",
                              "a literal property value of the wrong type (a list for a string, 'yes' for a boolean, ...)"},
    [D_LINT_UNKNOWN_ATTRIBUTE] = {"E0727", SEV_ERROR, "unknown-getatt-attribute",
                                  "an Fn::GetAtt or ${NAME.ATTR} attribute that the resource's type does not have"},
    [D_LINT_THIRD_PARTY_TYPE] = {"W0728", SEV_WARNING, "third-party-type",
                                 "a resource type outside CloudFormation's own (a registry extension), which hitc cannot check"},
    [D_LINT_UNKNOWN_ACTION] = {"W0729", SEV_WARNING, "template-unknown-iam-action",
                               "an IAM policy action that IAM does not have (closest spelling), or a pattern that matches none"},
    [D_LINT_ENUM] = {"E0730", SEV_ERROR, "property-value-not-listed",
                     "a literal property value that the type's schema does not list among the values it takes"},
    [D_LINT_CONDITION_CYCLE] = {"E0740", SEV_ERROR, "condition-cycle",
                                "conditions that refer to themselves, directly or through others, printed as the whole path"},
    [D_BAD_SCHEDULE] = {"E0255", SEV_ERROR, "bad-schedule",
                        "a schedule that is not an EventBridge rate(...) or cron(...) expression"},
    [D_BAD_EVENT_PATTERN] = {"E0256", SEV_ERROR, "bad-event-pattern",
                             "an event pattern that is not a JSON object of objects and arrays"},
    [D_TRIGGER_NO_STREAM] = {"E0257", SEV_ERROR, "trigger-without-stream",
                             "'on TABLE.stream' for a table without 'stream'"},
    [D_UNKNOWN_TRIGGER] = {"E0258", SEV_ERROR, "unknown-trigger",
                           "'on' followed by something other than schedule, event, TABLE.stream, queue or topic"},
    [D_TRIGGER_OPTION] = {"E0259", SEV_ERROR, "bad-trigger-option",
                          "a trigger option (batch, start, retries, on-failure, max-age, filter, ...) or ARN whose value Lambda would refuse, or an option the trigger's source does not take"},
    [D_TWO_INVOKE_CONFIGS] = {"E0280", SEV_ERROR, "two-invoke-configs",
                              "two triggers of one function set how it fails when invoked asynchronously (on-failure, retries, max-age of an event, topic or schedule); Lambda keeps one for the function"},
    [D_BAD_ACTION] = {"E0270", SEV_ERROR, "bad-iam-action",
                      "an action of 'allow ... on' that is not 'service:Action' in a string"},
    [D_ALLOW_EMPTY] = {"E0271", SEV_ERROR, "empty-allow-list",
                       "an 'allow ... on' line with an empty list of actions or resources"},
    [D_WILDCARD_GRANT] = {"W0272", SEV_WARNING, "wildcard-grant",
                          "an 'allow ... on' line that grants '*' (every resource) or 'service:*' (every action)"},
    [D_UNKNOWN_ACTION] = {"E0273", SEV_ERROR, "unknown-iam-action",
                          "an action of 'allow ... on' that IAM does not have (closest spelling), or a pattern that matches none"},
    [D_INCLUDE_FILE] = {"E0610", SEV_ERROR, "include-file",
                        "an included file that does not exist, cannot be read, or is neither .yaml, .yml nor .json"},
    [D_INCLUDE_SECTION] = {"E0611", SEV_ERROR, "include-not-mapping",
                           "an included fragment, or one of its sections or entries, that is not a mapping"},
    [D_INCLUDE_UNKNOWN_SECTION] = {"E0612", SEV_ERROR, "include-unknown-section",
                                   "a top-level section of an included fragment other than Parameters, Conditions, Mappings, Resources and Outputs"},
    [D_INCLUDE_UNKNOWN] = {"E0613", SEV_ERROR, "unknown-cfn-resource",
                           "'cfn.ID' naming no resource of an included fragment"},
    [D_INCLUDE_OUTSIDE] = {"E0615", SEV_ERROR, "include-outside-project",
                           "an included file outside the project (the main .hit file's directory), through '..' or a symlink: refused unread"},
    [D_STACK_NAME] = {"E0520", SEV_ERROR, "stack-name-taken",
                      "a nested stack's logical ID is that of another resource or parameter of the root"},
    [D_STACK_CYCLE] = {"E0521", SEV_ERROR, "stack-cycle",
                       "the nested stacks of a split app would depend on each other in a circle"},
    [D_STACKS_STDOUT] = {"E0522", SEV_ERROR, "stacks-to-stdout",
                         "an app split into nested stacks built to standard output (-o -): its templates are files of their own"},
    [D_DEPLOY_REPLACE] = {"E0800", SEV_ERROR, "deploy-would-lose-data",
                          "hitc deploy: a change would replace or remove a resource that holds data (a table, a retained resource) and '--allow-replace NAME' does not name it"},
    [D_DEPLOY_FAILED] = {"E0801", SEV_ERROR, "deploy-failed",
                         "hitc deploy: CloudFormation failed a resource; its reason, at the declaration the resource comes from"},
    [D_DEPLOY_PARAM] = {"E0802", SEV_ERROR, "deploy-missing-parameter",
                        "hitc deploy: a param with no default, no '--parameter NAME=VALUE' and no value in the deployed stack"},
};

const char *severity_name(Severity sev)
{
    static const char *const names[] = {"note", "warning", "error"};
    return names[sev];
}

/* ---- reporting ------------------------------------------------------- */

/* Order of place: source, offset, then order of creation. */
static int diag_cmp(const void *pa, const void *pb)
{
    const Diag *a = *(Diag *const *)pa, *b = *(Diag *const *)pb;
    int ra = a->loc.src ? a->loc.src->index : -1;
    int rb = b->loc.src ? b->loc.src->index : -1;
    if (ra != rb)
        return ra < rb ? -1 : 1;
    if (a->loc.off != b->loc.off)
        return a->loc.off < b->loc.off ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* Keep the first MAX_DIAGS_SHOWN by place: past twice that many, sort, keep
 * those, and from then on drop (count, but neither format nor keep) any that
 * would sort after the last one kept.  n log n in the number reported. */
void diag_trim(Ctx *ctx)
{
    if (ctx->diags.len > 1)
        qsort(ctx->diags.items, (size_t)ctx->diags.len, sizeof(void *),
              diag_cmp);
    if (ctx->diags.len <= MAX_DIAGS_SHOWN)
        return;
    ctx->ndropped += ctx->diags.len - MAX_DIAGS_SHOWN;
    ctx->diags.len = MAX_DIAGS_SHOWN;
    ctx->cutoff = ctx->diags.items[MAX_DIAGS_SHOWN - 1];
}

bool diag_wanted(const Ctx *ctx, Loc loc)
{
    Diag key = {.loc = loc, .seq = ctx->seq};
    Diag *pk = &key;
    return !ctx->cutoff || diag_cmp(&pk, &ctx->cutoff) < 0;
}

Diag *diag(Ctx *ctx, DiagCode code, Loc loc, const char *fmt, ...)
{
    Severity sev = diag_table[code].severity;
    Accept *accepted = sev == SEV_WARNING ? accept_find(code, loc) : NULL;
    if (sev == SEV_ERROR)
        ctx->nerrors++;
    else if (accepted)
        ctx->naccepted++;
    else if (sev == SEV_WARNING)
        ctx->nwarnings++;
    Diag key = {.loc = loc, .seq = ctx->seq++};
    Diag *pk = &key;
    if (ctx->cutoff && diag_cmp(&pk, &ctx->cutoff) > 0) {
        ctx->ndropped++;
        ctx->dropped = (Diag){.code = code, .severity = sev, .loc = loc,
                              .msg = arena_strdup(ctx->arena, "")};
        return &ctx->dropped;
    }
    Diag *d = arena_alloc(ctx->arena, sizeof *d);
    *d = key;
    d->code = code;
    d->severity = sev;
    d->accepted = accepted;
    va_list ap;
    va_start(ap, fmt);
    d->msg = arena_vprintf(ctx->arena, fmt, ap);
    va_end(ap);
    vec_push(ctx->arena, &ctx->diags, d);
    if (ctx->diags.len >= 2 * MAX_DIAGS_SHOWN)
        diag_trim(ctx);
    return d;
}

/* A note past MAX_NOTES_SHOWN is only counted: every format then ends
 * the diagnostic with how many were left out (a 10,000-step cycle). */
void note(Ctx *ctx, Diag *d, Loc loc, const char *fmt, ...)
{
    if (d == &ctx->dropped)
        return;
    if (d->nnotes == MAX_NOTES_SHOWN) {
        d->notes_dropped++;
        return;
    }
    d->nnotes++;
    Note *n = arena_alloc(ctx->arena, sizeof *n);
    n->loc = loc;
    va_list ap;
    va_start(ap, fmt);
    n->msg = arena_vprintf(ctx->arena, fmt, ap);
    va_end(ap);
    if (d->last_note)
        d->last_note->next = n;
    else
        d->notes = n;
    d->last_note = n;
}


/* The dropped count's message, or NULL when none were dropped. */
const char *diag_more_message(Ctx *ctx)
{
    if (!ctx->ndropped)
        return NULL;
    return arena_printf(ctx->arena, "%d more diagnostic%s not shown; hitc "
                        "shows the first %d, so fix these and run it again",
                        ctx->ndropped, ctx->ndropped == 1 ? "" : "s",
                        MAX_DIAGS_SHOWN);
}

void diag_list_markdown(void)
{
    puts("# hitc diagnostics\n");
    puts("Generated by `hitc --list-diagnostics` from the table in "
         "`compiler/diag.c`; a test keeps this file equal to that output.\n");
    puts("Errors make hitc exit with status 1; warnings do too under "
         "`--strict`.\n");
    puts("Each code is an anchor (`diagnostics.md#E0401`): the help of "
         "every rule in `--format sarif` links to it.\n");
    puts("| code | name | severity | meaning |");
    puts("| --- | --- | --- | --- |");
    for (int c = 0; c < D_COUNT; c++)
        printf("| %s | <a id=\"%s\"></a>%s | %s | %s |\n", diag_table[c].code,
               diag_table[c].code, diag_table[c].name,
               severity_name(diag_table[c].severity), diag_table[c].summary);
}
