/*
 * diag.c: sources and diagnostics.
 *
 * In: files named by the user; diagnostics reported by every phase.
 * Out: the diagnostics, sorted by place, printed like gcc's (the source line
 * and a caret with '~' under the rest of the token), or as JSON or SARIF.
 * Holds: every diagnostic has one row in diag_table, which is also what
 * `hitc --list-diagnostics` prints for docs/diagnostics.md.
 * Bounds: a file is read up to MAX_SOURCE_BYTES; of the diagnostics, only
 * the first MAX_DIAGS_SHOWN by place are kept and printed (in every format),
 * the rest only counted, so a flood of errors costs neither memory nor
 * output; likewise at most MAX_NOTES_SHOWN notes of each; a line and column
 * cost a binary search and a short scan.  The gcc text of a diagnostic is
 * written in one call, with control characters from the input escaped.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
                 "declarations that depend on each other in a circle"},
    [D_LOGICAL_ID_CLASH] = {"E0407", SEV_ERROR, "logical-id-clash",
                            "two declarations that would make the same CloudFormation logical ID"},
    [D_UNUSED_PARAM] = {"W0408", SEV_WARNING, "unused-param",
                        "a param that nothing refers to"},
    [D_CODE_DIR] = {"E0501", SEV_ERROR, "bad-code-directory",
                    "a function's code directory is missing or outside the project"},
    [D_BUNDLE] = {"E0502", SEV_ERROR, "bundle",
                  "a code bundle could not be made (limits, symlinks, special files)"},
    [D_IO] = {"E0503", SEV_ERROR, "io",
              "a file could not be read or written"},
    [D_EMPTY_APP] = {"E0504", SEV_ERROR, "empty-app",
                     "the app declares nothing that becomes a resource"},
    [D_TEMPLATE_LIMIT] = {"E0505", SEV_ERROR, "template-limit",
                          "the template is past a CloudFormation quota (500 resources, 200 parameters, 200 outputs, 1,000,000 bytes)"},
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
                          "a trigger option (batch, start, retries) or ARN whose value Lambda would refuse"},
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
    [D_INCLUDE_BAD_REF] = {"E0614", SEV_ERROR, "include-unknown-ref",
                           "a Ref, Fn::GetAtt, Fn::Sub, DependsOn, Condition, Fn::If or Fn::FindInMap of an included fragment naming a resource, parameter, condition or mapping the template lacks"},
    [D_INCLUDE_OUTSIDE] = {"E0615", SEV_ERROR, "include-outside-project",
                           "an included file outside the project (the main .hit file's directory), through '..' or a symlink: refused unread"},
    [D_DEPLOY_REPLACE] = {"E0800", SEV_ERROR, "deploy-would-lose-data",
                          "hitc deploy: a change would replace or remove a resource that holds data (a table, a retained resource) and '--allow-replace NAME' does not name it"},
    [D_DEPLOY_FAILED] = {"E0801", SEV_ERROR, "deploy-failed",
                         "hitc deploy: CloudFormation failed a resource; its reason, at the declaration the resource comes from"},
    [D_DEPLOY_PARAM] = {"E0802", SEV_ERROR, "deploy-missing-parameter",
                        "hitc deploy: a param with no default and no '--parameter NAME=VALUE'"},
};

static const char *sev_name[] = {"note", "warning", "error"};

/* ---- sources --------------------------------------------------------- */

static char *dir_of(Arena *a, const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return arena_strdup(a, ".");
    if (slash == path)
        return arena_strdup(a, "/");
    return arena_strndup(a, path, (size_t)(slash - path));
}

/* Read at most MAX_SOURCE_BYTES, whatever the file claims to be: a file
 * that grows while it is read, a pipe or /dev/zero stop at the limit too
 * (st_size is not trusted). */
Source *source_load(Ctx *ctx, const char *path, Loc from)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        diag(ctx, D_IO, from, "cannot read '%s': %s", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
        diag(ctx, D_IO, from, "cannot read '%s': it is a directory", path);
        fclose(f);
        return NULL;
    }
    Buf b = {0};
    char chunk[65536];
    size_t n;
    bool too_large = false;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (b.len + n > MAX_SOURCE_BYTES) {
            too_large = true;
            break;
        }
        buf_add(&b, chunk, n);
    }
    bool failed = !too_large && ferror(f);
    int err = errno;
    fclose(f);
    if (too_large) {
        diag(ctx, D_FILE_TOO_LARGE, from, "'%s' is larger than %u MB, the "
             "most hitc reads; split it, or check that it is the file you "
             "meant", path, MAX_SOURCE_BYTES >> 20);
        buf_free(&b);
        return NULL;
    }
    if (failed) {
        diag(ctx, D_IO, from, "cannot read '%s': %s", path, strerror(err));
        buf_free(&b);
        return NULL;
    }
    Source *s = source_from_text(ctx, path, b.data ? b.data : "", b.len);
    buf_free(&b);
    return s;
}

Source *source_from_text(Ctx *ctx, const char *path, const char *text,
                         size_t len)
{
    Source *s = arena_alloc(ctx->arena, sizeof *s);
    s->path = arena_strdup(ctx->arena, path);
    s->dir = dir_of(ctx->arena, path);
    s->text = arena_strndup(ctx->arena, text, len);
    s->len = len;
    int lines = 1;
    for (size_t i = 0; i < s->len; i++)
        lines += s->text[i] == '\n';
    s->line_starts = arena_alloc(ctx->arena, sizeof(size_t) * (size_t)lines);
    s->line_starts[0] = 0;
    int k = 1;
    for (size_t i = 0; i < s->len; i++)
        if (s->text[i] == '\n')
            s->line_starts[k++] = i + 1;
    s->nlines = lines;
    size_t nmarks = s->len / SOURCE_MARK + 1, chars = 0;
    s->char_marks = arena_alloc(ctx->arena, sizeof(size_t) * nmarks);
    for (size_t i = 0; i < s->len; i++) {
        if (i % SOURCE_MARK == 0)
            s->char_marks[i / SOURCE_MARK] = chars;
        chars += ((unsigned char)s->text[i] & 0xC0) != 0x80;
    }
    if (s->len % SOURCE_MARK == 0)
        s->char_marks[s->len / SOURCE_MARK] = chars;
    s->index = ctx->sources.len;
    vec_push(ctx->arena, &ctx->sources, s);
    return s;
}

/* Characters (bytes that do not continue a UTF-8 sequence) before off. */
static size_t chars_before(const Source *s, size_t off)
{
    size_t k = off / SOURCE_MARK, c = s->char_marks[k];
    for (size_t i = k * SOURCE_MARK; i < off; i++)
        c += ((unsigned char)s->text[i] & 0xC0) != 0x80;
    return c;
}

static int line_index(const Source *s, size_t off)
{
    int lo = 0, hi = s->nlines - 1;
    while (lo < hi) {
        int mid = (lo + hi + 1) / 2;
        if (s->line_starts[mid] <= off)
            lo = mid;
        else
            hi = mid - 1;
    }
    return lo;
}

/* Columns count characters (UTF-8 code points), from 1. */
void loc_linecol(Loc loc, int *line, int *col)
{
    if (!loc.src) {
        *line = *col = 0;
        return;
    }
    size_t off = loc.off < loc.src->len ? loc.off : loc.src->len;
    int li = line_index(loc.src, off);
    *line = li + 1;
    *col = (int)(chars_before(loc.src, off) -
                 chars_before(loc.src, loc.src->line_starts[li])) + 1;
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
static void diag_trim(Ctx *ctx)
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


/* ---- gcc format ------------------------------------------------------ */

/* Length of the character at p: a whole UTF-8 sequence, or 1 for a byte
 * that does not start a valid one. */
static size_t char_len(const Source *s, size_t p)
{
    const unsigned char *t = (const unsigned char *)s->text;
    int n = utf8_len(t + p, t + s->len);
    return n ? (size_t)n : 1;
}

/* The first byte n characters after from (or end). */
static size_t skip_chars(const Source *s, size_t from, size_t end, size_t n)
{
    while (from < end && n--)
        from += char_len(s, from);
    return from;
}

/* Characters from from to end, counting no further than max. */
static size_t count_chars(const Source *s, size_t from, size_t end, size_t max)
{
    size_t n = 0;
    for (; from < end && n < max; from += char_len(s, from))
        n++;
    return n;
}

/* The first byte of the character n characters before at (or of start):
 * scans back only as far as n characters can reach. */
static size_t back_chars(const Source *s, size_t start, size_t at, size_t n)
{
    size_t p = at - start > 4 * (n + 1) ? at - 4 * (n + 1) : start;
    while (p > start && p < at && ((unsigned char)s->text[p] & 0xC0) == 0x80)
        p++;    /* to the start of a sequence, as a forward walk would be */
    size_t have = count_chars(s, p, at, SIZE_MAX);
    return have > n ? skip_chars(s, p, at, have - n) : p;
}

/* A C1 control character (U+0080 to U+009F, which some terminals obey
 * as escapes) at p, as UTF-8. */
static bool is_c1(const unsigned char *p)
{
    return p[0] == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F;
}

/* Text from a file or a template in a message or a file name: what would
 * upset a terminal (control characters, C0 and C1, and bytes that are not
 * UTF-8) is written as an escape (\n, \x1b, \u009b), so a diagnostic is
 * one line and cannot move the cursor, ring the bell or change colours. */
static void put_text(FILE *out, const char *text)
{
    const unsigned char *p = (const unsigned char *)text;
    const unsigned char *end = p + strlen(text);
    while (p < end) {
        int n = utf8_len(p, end);
        if (n == 2 && is_c1(p))
            fprintf(out, "\\u%04x", p[1]);
        else if (n > 1 || (n == 1 && (*p == '\t' || (*p >= 0x20 && *p < 0x7f))))
            fwrite(p, 1, (size_t)n, out);
        else if (*p == '\n')
            fputs("\\n", out);
        else if (*p == '\r')
            fputs("\\r", out);
        else
            fprintf(out, "\\x%02x", *p);
        p += n ? n : 1;
    }
}

/* The source text, one column per character: a tab stays a tab, and what
 * would upset a terminal (control characters, C0 and C1, bytes that are
 * not UTF-8) shows as '?'. */
static void put_source(FILE *out, const Source *s, size_t from, size_t to)
{
    for (size_t p = from; p < to;) {
        size_t n = char_len(s, p);
        unsigned char c = (unsigned char)s->text[p];
        bool shown = (n > 1 && !is_c1((const unsigned char *)s->text + p)) ||
                     c == '\t' || (c >= 0x20 && c < 0x7f);
        if (shown)
            fwrite(s->text + p, 1, n, out);
        else
            fputc('?', out);
        p += n;
    }
}

/* Blanks up to the caret: a tab where the source has one, else a space. */
static void put_padding(FILE *out, const Source *s, size_t from, size_t to)
{
    for (size_t p = from; p < to; p += char_len(s, p))
        fputc(s->text[p] == '\t' ? '\t' : ' ', out);
}

#define CARET_WINDOW 160    /* characters of a long line that are shown */

/* The line of loc, then '^' under its start and '~' under the rest.  Of a
 * line longer than CARET_WINDOW characters, only a window around the caret
 * is shown, with "..." where it was cut. */
static void print_caret(FILE *out, Loc loc, bool color)
{
    const Source *s = loc.src;
    int li = line_index(s, loc.off);
    size_t start = s->line_starts[li];
    size_t end = li + 1 < s->nlines ? s->line_starts[li + 1] - 1 : s->len;
    if (end > start && s->text[end - 1] == '\r')
        end--;
    size_t at = loc.off < end ? loc.off : end;
    size_t stop = (size_t)loc.off + loc.len < end ? (size_t)loc.off + loc.len : end;
    size_t from = start, to = end;
    if (count_chars(s, start, end, CARET_WINDOW + 1) > CARET_WINDOW) {
        from = back_chars(s, start, at, CARET_WINDOW / 2);
        to = skip_chars(s, from, end, CARET_WINDOW);
    }
    const char *cut_left = from > start ? "..." : "";
    fprintf(out, "%5d | %s", li + 1, cut_left);
    put_source(out, s, from, to);
    fprintf(out, "%s\n      | %s", to < end ? "..." : "", *cut_left ? "   " : "");
    put_padding(out, s, from, at);
    if (color)
        fputs("\033[1;32m", out);
    fputc('^', out);
    size_t tildes = count_chars(s, at, stop < to ? stop : to, SIZE_MAX);
    for (size_t i = 1; i < tildes; i++)
        fputc('~', out);
    if (color)
        fputs("\033[0m", out);
    fputc('\n', out);
}

static void print_one(FILE *out, Loc loc, Severity sev, const char *msg,
                      bool color)
{
    static const char *sev_color[] = {"\033[1;36m", "\033[1;35m",
                                      "\033[1;31m"};
    if (color)
        fputs("\033[1m", out);
    if (loc.src) {
        int line, col;
        loc_linecol(loc, &line, &col);
        put_text(out, loc.src->path);
        fprintf(out, ":%d:%d: ", line, col);
    } else {
        fputs("hitc: ", out);
    }
    if (color)
        fprintf(out, "%s%s:\033[0m\033[1m ", sev_color[sev], sev_name[sev]);
    else
        fprintf(out, "%s: ", sev_name[sev]);
    put_text(out, msg);
    fputs(color ? "\033[0m\n" : "\n", out);
    if (loc.src)
        print_caret(out, loc, color);
}

/* The last note of a diagnostic some of whose notes were left out, or
 * NULL. */
static const char *more_notes(Arena *a, const Diag *d)
{
    if (!d->notes_dropped)
        return NULL;
    return arena_printf(a, "%d more note%s not shown", d->notes_dropped,
                        d->notes_dropped == 1 ? "" : "s");
}

/* One diagnostic with its notes, formatted in memory and written with one
 * call: stderr is unbuffered, and a character at a time made a write call
 * each. */
static void print_diag(FILE *out, Arena *a, const Diag *d, bool color)
{
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    FILE *to = mem ? mem : out;
    print_one(to, d->loc, d->severity, d->msg, color);
    for (Note *nt = d->notes; nt; nt = nt->next)
        print_one(to, nt->loc, SEV_NOTE, nt->msg, color);
    const char *more = more_notes(a, d);
    if (more)
        print_one(to, (Loc){0}, SEV_NOTE, more, color);
    if (mem && fclose(mem) == 0)
        fwrite(text, 1, len, out);
    free(text);
}

/* ---- json and sarif -------------------------------------------------- */

static CfnNode *json_loc(Arena *a, CfnNode *obj, Loc loc)
{
    if (!loc.src)
        return obj;
    int line, col;
    loc_linecol(loc, &line, &col);
    cfn_put_str(a, obj, "file", loc.src->path);
    cfn_put_num(a, obj, "line", line);
    cfn_put_num(a, obj, "column", col);
    cfn_put_num(a, obj, "length", loc.len);
    return obj;
}

/* The dropped count's message, or NULL when none were dropped. */
static const char *more_message(Ctx *ctx)
{
    if (!ctx->ndropped)
        return NULL;
    return arena_printf(ctx->arena, "%d more diagnostic%s not shown; hitc "
                        "shows the first %d, so fix these and run it again",
                        ctx->ndropped, ctx->ndropped == 1 ? "" : "s",
                        MAX_DIAGS_SHOWN);
}

/* One array for every file's diagnostics, in the order of the files; each
 * file's N0008 entry follows its own. */
static CfnNode *diags_json(Arena *a, Ctx *const *ctxs, int n)
{
    CfnNode *arr = cfn_arr(a, (Loc){0});
    for (int k = 0; k < n; k++) {
        Ctx *ctx = ctxs[k];
        for (int i = 0; i < ctx->diags.len; i++) {
            Diag *d = ctx->diags.items[i];
            CfnNode *o = cfn_obj(a, (Loc){0});
            cfn_put_str(a, o, "code", diag_table[d->code].code);
            cfn_put_str(a, o, "name", diag_table[d->code].name);
            cfn_put_str(a, o, "severity", sev_name[d->severity]);
            cfn_put_str(a, o, "message", d->msg);
            json_loc(a, o, d->loc);
            if (d->accepted) {
                CfnNode *acc = cfn_put_obj(a, o, "accepted");
                cfn_put_str(a, acc, "reason", d->accepted->reason);
                json_loc(a, acc, d->accepted->at);
            }
            CfnNode *notes = cfn_put_arr(a, o, "notes");
            for (Note *nt = d->notes; nt; nt = nt->next) {
                CfnNode *no = cfn_obj(a, (Loc){0});
                cfn_put_str(a, no, "message", nt->msg);
                json_loc(a, no, nt->loc);
                cfn_arr_push(a, notes, no);
            }
            const char *more_n = more_notes(a, d);
            if (more_n) {
                CfnNode *no = cfn_obj(a, (Loc){0});
                cfn_put_str(a, no, "message", more_n);
                cfn_put_num(a, no, "count", d->notes_dropped);
                cfn_arr_push(a, notes, no);
            }
            cfn_arr_push(a, arr, o);
        }
        const char *more = more_message(ctx);
        if (more) {
            CfnNode *o = cfn_obj(a, (Loc){0});
            cfn_put_str(a, o, "code", diag_table[D_TOO_MANY].code);
            cfn_put_str(a, o, "name", diag_table[D_TOO_MANY].name);
            cfn_put_str(a, o, "severity", sev_name[SEV_NOTE]);
            cfn_put_str(a, o, "message", more);
            cfn_put_num(a, o, "count", ctx->ndropped);
            cfn_put_arr(a, o, "notes");
            cfn_arr_push(a, arr, o);
        }
    }
    return arr;
}

/* SARIF 2.1.0, as GitHub code scanning takes it.
 *
 * A file's URI is relative to %SRCROOT% (the directory hitc runs in) when
 * the path lies under it, else an absolute file:// URI.  Regions count
 * columns in code points (run.columnKind says so) and end where the Loc's
 * length ends.  partialFingerprints.primaryLocationLineHash is the value
 * GitHub's upload-sarif action would compute itself for the result's line
 * (its fingerprints.ts): a polynomial hash, base 37 modulo 2^64, of the 100
 * UTF-16 code units from the start of the line on, with spaces and tabs
 * left out, CR and CRLF read as LF, then a 0xFFFF and zeros past the end of
 * the file; ":N" counts the lines so far with the same hash.  Giving the
 * same value keeps the uploader quiet and alerts stable across runs. */

#define FP_BLOCK 100

typedef struct Fingerprints {
    uint32_t win[FP_BLOCK];     /* the last FP_BLOCK code units */
    int at[FP_BLOCK];           /* the line a code unit starts, or -1 */
    uint64_t h, top;            /* the hash; 37^FP_BLOCK */
    int idx, line;
    bool line_start, prev_cr;
    uint64_t *hash;             /* by line number, from 1 */
} Fingerprints;


static void fp_unit(Fingerprints *f, uint32_t c)
{
    if (f->at[f->idx] >= 0) {   /* a line start leaves the window: done */
        f->hash[f->at[f->idx]] = f->h;
        f->at[f->idx] = -1;
    }
    if (f->line_start && c) {
        f->line_start = false;
        f->at[f->idx] = ++f->line;
    }
    uint32_t old = f->win[f->idx];
    f->win[f->idx] = c;
    f->h = f->h * 37 + c - f->top * old;
    f->idx = (f->idx + 1) % FP_BLOCK;
}

static void fp_char(Fingerprints *f, uint32_t c)
{
    if (c == ' ' || c == '\t' || (f->prev_cr && c == '\n')) {
        f->prev_cr = false;
        return;
    }
    f->prev_cr = c == '\r';
    if (c == '\r')
        c = '\n';
    fp_unit(f, c);
    if (c == '\n')
        f->line_start = true;
}

static int cmp_fp(const void *pa, const void *pb)
{
    const uint64_t *a = pa, *b = pb;    /* {hash, line} pairs */
    if (a[0] != b[0])
        return a[0] < b[0] ? -1 : 1;
    return a[1] < b[1] ? -1 : a[1] > b[1];
}

/* "HASH:N" for every line of s, indexed from 1; NULL where there is none. */
static char **line_fingerprints(Arena *arena, const Source *s, int *nlines)
{
    size_t cap = 2;
    for (size_t i = 0; i < s->len; i++)
        cap += s->text[i] == '\n' || s->text[i] == '\r';
    Fingerprints *f = xcalloc(1, sizeof *f);
    f->hash = xcalloc(cap + 1, sizeof *f->hash);
    f->top = 1;
    for (int i = 0; i < FP_BLOCK; i++) {
        f->top *= 37;
        f->at[i] = -1;
    }
    f->line_start = true;
    const unsigned char *t = (const unsigned char *)s->text, *end = t + s->len;
    for (const unsigned char *p = t; p < end;) {
        int n = utf8_len(p, end);
        uint32_t cp;
        if (n == 0) {   /* not UTF-8: Node reads U+FFFD */
            cp = 0xFFFD;
            n = 1;
        } else if (n == 1) {
            cp = p[0];
        } else {
            cp = p[0] & (0x7F >> n);
            for (int k = 1; k < n; k++)
                cp = cp << 6 | (p[k] & 0x3F);
        }
        if (cp > 0xFFFF) {      /* a surrogate pair in UTF-16 */
            fp_char(f, 0xD800 + ((cp - 0x10000) >> 10));
            fp_char(f, 0xDC00 + ((cp - 0x10000) & 0x3FF));
        } else {
            fp_char(f, cp);
        }
        p += n;
    }
    fp_char(f, 0xFFFF);
    f->prev_cr = false;
    for (int i = 0; i < FP_BLOCK; i++)
        fp_unit(f, 0);
    int lines = f->line;
    uint64_t *pairs = xmalloc(sizeof(uint64_t) * 2 * (size_t)(lines + 1));
    for (int l = 1; l <= lines; l++) {
        pairs[2 * l - 2] = f->hash[l];
        pairs[2 * l - 1] = (uint64_t)l;
    }
    qsort(pairs, (size_t)lines, 2 * sizeof(uint64_t), cmp_fp);
    char **out = arena_alloc(arena, sizeof(char *) * (size_t)(lines + 1));
    for (int i = 0, n = 0; i < lines; i++) {
        n = i > 0 && pairs[2 * i] == pairs[2 * i - 2] ? n + 1 : 1;
        out[pairs[2 * i + 1]] = arena_printf(arena, "%llx:%d",
                                             (unsigned long long)pairs[2 * i], n);
    }
    out[0] = NULL;
    free(pairs);
    free(f->hash);
    free(f);
    *nlines = lines;
    return out;
}

/* The artifact URI of path: relative to cwd, the working directory ("" when
 * unknown), when it is under it, else file://; bytes outside RFC 3986's
 * unreserved set and '/' are percent-encoded. */
static CfnNode *sarif_artifact(Arena *a, const char *cwd, const char *path)
{
    const char *rel = path;
    bool absolute = path[0] == '/';
    size_t n = strlen(cwd);
    if (absolute && n && strncmp(path, cwd, n) == 0 &&
        (path[n] == '/' || (n == 1 && cwd[0] == '/'))) {
        rel = path + n + (path[n] == '/');
        absolute = false;
    }
    while (!absolute && rel[0] == '.' && rel[1] == '/')
        rel += 2;
    Buf b = {0};
    if (absolute)
        buf_puts(&b, "file://");
    for (const unsigned char *p = (const unsigned char *)rel; *p; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
            (*p >= '0' && *p <= '9') || strchr("-._~/", *p))
            buf_add(&b, (const char *)p, 1);
        else
            buf_printf(&b, "%%%02X", *p);
    }
    CfnNode *art = cfn_obj(a, (Loc){0});
    cfn_put_str(a, art, "uri", b.data ? b.data : "");
    if (!absolute)
        cfn_put_str(a, art, "uriBaseId", "%SRCROOT%");
    buf_free(&b);
    (void)a;
    return art;
}

static CfnNode *sarif_location(Arena *a, const char *cwd, Loc loc,
                               const char *msg, int id)
{
    CfnNode *l = cfn_obj(a, (Loc){0});
    if (id)
        cfn_put_num(a, l, "id", id);
    int line, col, eline, ecol;
    loc_linecol(loc, &line, &col);
    loc_linecol((Loc){loc.src, loc.off + loc.len, 0}, &eline, &ecol);
    CfnNode *phys = cfn_put_obj(a, l, "physicalLocation");
    cfn_put(a, phys, "artifactLocation",
                          sarif_artifact(a, cwd, loc.src->path));
    CfnNode *reg = cfn_put_obj(a, phys, "region");
    cfn_put_num(a, reg, "startLine", line);
    cfn_put_num(a, reg, "startColumn", col);
    cfn_put_num(a, reg, "endLine", eline);
    cfn_put_num(a, reg, "endColumn", ecol);
    if (msg) {
        CfnNode *m = cfn_put_obj(a, l, "message");
        cfn_put_str(a, m, "text", msg);
    }
    return l;
}

static const char *sev_effect[] = {
    "a note: it does not change the exit status",
    "a warning: hitc exits with status 1 only under --strict",
    "an error: hitc exits with status 1",
};

/* text with Markdown's punctuation escaped */
static void md_escape(Buf *b, const char *text)
{
    for (const char *p = text; *p; p++) {
        if (strchr("\\`*_[]<>|~", *p))
            buf_add(b, "\\", 1);
        buf_add(b, p, 1);
    }
}

static CfnNode *sarif_rule(Arena *a, int c)
{
    const DiagInfo *di = &diag_table[c];
    CfnNode *r = cfn_obj(a, (Loc){0});
    cfn_put_str(a, r, "id", di->code);
    cfn_put_str(a, r, "name", di->name);
    cfn_put_str(a, cfn_put_obj(a, r, "shortDescription"),
                            "text", di->summary);
    cfn_put_str(a, cfn_put_obj(a, r, "fullDescription"),
                            "text", arena_printf(a, "%s %s: %s; %s", di->code,
                                                 di->name, di->summary,
                                                 sev_effect[di->severity]));
    Buf md = {0};
    buf_printf(&md, "**%s** `%s`: ", di->code, di->name);
    md_escape(&md, di->summary);
    buf_printf(&md, "; %s.\n\nSee [%s in docs/diagnostics.md]"
               "(docs/diagnostics.md#%s).", sev_effect[di->severity],
               di->code, di->code);
    CfnNode *help = cfn_put_obj(a, r, "help");
    cfn_put_str(a, help, "text", arena_printf(
        a, "%s %s: %s; %s. See docs/diagnostics.md#%s in hitc's sources.",
        di->code, di->name, di->summary, sev_effect[di->severity], di->code));
    cfn_put_str(a, help, "markdown", md.data);
    buf_free(&md);
    cfn_put_str(a, cfn_put_obj(a, r, "defaultConfiguration"),
                            "level", sev_name[di->severity]);
    return r;
}

static CfnNode *sarif_result(Arena *a, DiagCode code, Severity sev, const char *msg)
{
    CfnNode *r = cfn_obj(a, (Loc){0});
    cfn_put_str(a, r, "ruleId", diag_table[code].code);
    cfn_put_num(a, r, "ruleIndex", code);
    cfn_put_str(a, r, "level", sev_name[sev]);
    cfn_put_str(a, cfn_put_obj(a, r, "message"), "text", msg);
    return r;
}

static CfnNode *sarif_notification(Arena *a, DiagCode code, Severity sev, const char *msg)
{
    CfnNode *n = cfn_obj(a, (Loc){0});
    cfn_put_str(a, cfn_put_obj(a, n, "message"), "text", msg);
    cfn_put_str(a, n, "level", sev_name[sev]);
    CfnNode *rule = cfn_put_obj(a, n, "associatedRule");
    cfn_put_str(a, rule, "id", diag_table[code].code);
    cfn_put_num(a, rule, "index", code);
    return n;
}

/* Diagnostics with a place are results; those without one (a file that
 * cannot be read, say) are the invocation's notifications, as they are about
 * the run, not the code.  N0008, the count of those not shown, is both: a
 * result of level note on the file the last one shown is in, and a note. */
static CfnNode *diags_sarif(Arena *a, Ctx *const *ctxs, int n)
{
    char cwd[4096];
    if (!getcwd(cwd, sizeof cwd))
        cwd[0] = '\0';
    CfnNode *root = cfn_obj(a, (Loc){0});
    cfn_put_str(a, root, "$schema",
                "https://json.schemastore.org/sarif-2.1.0.json");
    cfn_put_str(a, root, "version", "2.1.0");
    CfnNode *run = cfn_obj(a, (Loc){0});
    cfn_arr_push(a, cfn_put_arr(a, root, "runs"), run);
    CfnNode *driver = cfn_put_obj(a, cfn_put_obj(a, run, "tool"), "driver");
    cfn_put_str(a, driver, "name", "hitc");
    cfn_put_str(a, driver, "version", HITC_VERSION);
    cfn_put_str(a, driver, "semanticVersion", HITC_VERSION);
    CfnNode *rules = cfn_put_arr(a, driver, "rules");
    for (int c = 0; c < D_COUNT; c++)
        cfn_arr_push(a, rules, sarif_rule(a, c));
    CfnNode *inv = cfn_obj(a, (Loc){0});
    cfn_arr_push(a, cfn_put_arr(a, run, "invocations"), inv);
    CfnNode *notes = cfn_arr(a, (Loc){0});
    bool failed = false;
    cfn_put_str(a, run, "columnKind", "unicodeCodePoints");
    CfnNode *results = cfn_put_arr(a, run, "results");
    for (int k = 0; k < n; k++) {
        Ctx *ctx = ctxs[k];
        int nsrc = ctx->sources.len;
        char ***fps = xcalloc((size_t)nsrc + 1, sizeof *fps);
        int *fpn = xcalloc((size_t)nsrc + 1, sizeof *fpn);
        for (int i = 0; i < ctx->diags.len; i++) {
            Diag *d = ctx->diags.items[i];
            if (!d->loc.src) {
                cfn_arr_push(a, notes, sarif_notification(a, d->code,
                                                          d->severity, d->msg));
                failed |= d->severity == SEV_ERROR;
                continue;
            }
            CfnNode *r = sarif_result(a, d->code, d->severity, d->msg);
            CfnNode *locs = cfn_put_arr(a, r, "locations");
            cfn_arr_push(a, locs, sarif_location(a, cwd, d->loc, NULL, 0));
            int s = d->loc.src->index, line, col;
            if (!fps[s])
                fps[s] = line_fingerprints(a, d->loc.src, &fpn[s]);
            loc_linecol(d->loc, &line, &col);
            if (line >= 1 && line <= fpn[s] && fps[s][line])
                cfn_put_str(a, cfn_put_obj(a, r, "partialFingerprints"),
                            "primaryLocationLineHash", fps[s][line]);
            if (d->accepted) {
                CfnNode *sup = cfn_obj(a, (Loc){0});
                cfn_put_str(a, sup, "kind", "inSource");
                cfn_put_str(a, sup, "status", "accepted");
                cfn_put_str(a, sup, "justification", d->accepted->reason);
                cfn_put(a, sup, "location", sarif_location(
                    a, cwd, d->accepted->at, NULL, 0));
                cfn_arr_push(a, cfn_put_arr(a, r, "suppressions"), sup);
            }
            CfnNode *rel = cfn_put_arr(a, r, "relatedLocations");
            int id = 0;
            for (Note *nt = d->notes; nt; nt = nt->next)
                if (nt->loc.src)
                    cfn_arr_push(a, rel, sarif_location(a, cwd, nt->loc,
                                                        nt->msg, ++id));
            const char *more_n = more_notes(a, d);
            if (more_n) {               /* a location that is only a message */
                CfnNode *l = cfn_obj(a, (Loc){0});
                cfn_put_num(a, l, "id", ++id);
                cfn_put_str(a, cfn_put_obj(a, l, "message"), "text", more_n);
                cfn_arr_push(a, rel, l);
            }
            cfn_arr_push(a, results, r);
        }
        free(fps);
        free(fpn);
        const char *more = more_message(ctx);
        if (more) {
            CfnNode *r = sarif_result(a, D_TOO_MANY, SEV_NOTE, more);
            CfnNode *locs = cfn_put_arr(a, r, "locations");
            if (ctx->cutoff && ctx->cutoff->loc.src) {
                CfnNode *l = cfn_obj(a, (Loc){0});
                cfn_put(a, cfn_put_obj(a, l, "physicalLocation"),
                        "artifactLocation",
                        sarif_artifact(a, cwd, ctx->cutoff->loc.src->path));
                cfn_arr_push(a, locs, l);
            }
            cfn_arr_push(a, results, r);
            cfn_arr_push(a, notes, sarif_notification(a, D_TOO_MANY, SEV_NOTE,
                                                      more));
        }
    }
    cfn_put_bool(a, inv, "executionSuccessful", !failed);
    cfn_put(a, inv, "toolExecutionNotifications", notes);
    return root;
}

/* Every format shows the first MAX_DIAGS_SHOWN diagnostics of a file (in
 * order of place), then how many more there are: a line of text, or one
 * last entry (code N0008) in JSON and SARIF.  JSON and SARIF are one
 * document for all the files a command was given. */
void diag_print_many(Ctx *const *ctxs, int n, FILE *out, DiagFormat fmt,
                     bool color)
{
    for (int k = 0; k < n; k++)
        diag_trim(ctxs[k]);
    if (fmt != FMT_GCC) {
        Arena *a = arena_new();
        CfnNode *j = fmt == FMT_JSON ? diags_json(a, ctxs, n)
                                     : diags_sarif(a, ctxs, n);
        char *text = cfn_json(j);
        fputs(text, out);
        fputc('\n', out);
        free(text);
        arena_free(a);
        return;
    }
    for (int k = 0; k < n; k++) {
        Ctx *ctx = ctxs[k];
        for (int i = 0; i < ctx->diags.len; i++) {
            Diag *d = ctx->diags.items[i];
            if (d->accepted)
                continue;       /* JSON and SARIF show it, with its reason */
            print_diag(out, ctx->arena, d, color);
        }
        const char *more = more_message(ctx);
        if (more)
            fprintf(out, "hitc: %s\n", more);
        if (ctx->nerrors || ctx->nwarnings)
            fprintf(out, "%d error%s, %d warning%s\n", ctx->nerrors,
                    ctx->nerrors == 1 ? "" : "s", ctx->nwarnings,
                    ctx->nwarnings == 1 ? "" : "s");
    }
}

void diag_print_all(Ctx *ctx, FILE *out, DiagFormat fmt, bool color)
{
    diag_print_many(&ctx, 1, out, fmt, color);
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
               sev_name[diag_table[c].severity], diag_table[c].summary);
}
