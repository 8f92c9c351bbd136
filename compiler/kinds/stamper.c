/*
 * kinds/stamper.c: the stamper, hitc's one custom-resource Lambda.
 *
 * Not declared in .hit files: emitted once when some function's code is
 * stamped (env-mode stamp or both, with env).  Its Python source
 * (runtime-support/stamper/index.py) is embedded in the hitc binary and
 * written out as a bundle of its own, index.py alone.
 *
 * Becomes HitcStamperLogGroup, HitcStamperRole (s3:GetObject on the
 * source bundles the stamps name and under CodePrefix + "stamped/" + the
 * stack's name, s3:ListBucket with exactly those bundles' keys as prefix
 * so a missing bundle reads as missing, s3:PutObject and s3:DeleteObject
 * only under CodePrefix + "stamped/" + the stack's name, where the stamper
 * puts this stack's copies) and HitcStamperFunction (python3.12, 120 s; every stamp sets
 * ServiceTimeout 300 so CloudFormation never waits longer on it).
 */
#include <stdlib.h>
#include <string.h>

#include "bundle.h"
#include "hitc.h"

extern const unsigned char hitc_stamper_py[];
extern const size_t hitc_stamper_py_len;

void stamper_bundle(Ctx *ctx, Emit *e, BundleRef **out)
{
    for (int i = 0; i < e->bundles.len; i++) {
        BundleRef *b = e->bundles.items[i];
        if (strcmp(b->source, "(stamper)") == 0) {
            *out = b;
            return;
        }
    }
    BundleRef *b = arena_alloc(ctx->arena, sizeof *b);
    b->source = "(stamper)";
    b->path = "(stamper)";
    BundleFile f = {"index.py", hitc_stamper_py, hitc_stamper_py_len, 0};
    Bundle zip = {0};
    char err[256];
    if (bundle_files(&f, 1, &zip, err, sizeof err) != 0) {
        diag(ctx, D_BUNDLE, (Loc){0}, "cannot make the stamper's bundle: %s",
             err);
    } else {
        memcpy(b->sha256, zip.sha256, sizeof b->sha256);
        b->data = zip.data;
        b->len = zip.len;
    }
    vec_push(ctx->arena, &e->bundles, b);
    *out = b;
}

static cJSON *s3_statement(const char *sid, cJSON *actions, cJSON *resource)
{
    cJSON *st = cJSON_CreateObject();
    cJSON_AddStringToObject(st, "Sid", sid);
    cJSON_AddStringToObject(st, "Effect", "Allow");
    cJSON_AddItemToObject(st, "Action", actions);
    cJSON_AddItemToObject(st, "Resource", resource);
    return st;
}

/* Past this many distinct source bundles the role names them by pattern
 * instead (CodePrefix, 64 single-character wildcards, ".zip": every bundle
 * hitc uploads, and no stamped copy, whose keys are longer), so the role's
 * inline policy stays far under IAM's 10,240 characters. */
#define STAMPER_MAX_LISTED 32
#define SHA256_QMARKS \
    "????????????????????????????????????????????????????????????????"

static int key_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The SourceKey (a Fn::Sub string) of every Custom::HitcStamp resource,
 * sorted, each once. */
static int stamp_source_keys(Ctx *ctx, Emit *e, const char ***out)
{
    int n = 0, cap = cJSON_GetArraySize(e->resources);
    const char **keys = arena_alloc(ctx->arena, (size_t)(cap + 1) * sizeof *keys);
    const cJSON *r;
    cJSON_ArrayForEach(r, e->resources) {
        const cJSON *type = cJSON_GetObjectItemCaseSensitive(r, "Type");
        if (!cJSON_IsString(type) || strcmp(type->valuestring, "Custom::HitcStamp") != 0)
            continue;
        const cJSON *props = cJSON_GetObjectItemCaseSensitive(r, "Properties");
        const cJSON *key = cJSON_GetObjectItemCaseSensitive(props, "SourceKey");
        const cJSON *sub = cJSON_GetObjectItemCaseSensitive(key, "Fn::Sub");
        if (cJSON_IsString(sub) && n < cap)
            keys[n++] = sub->valuestring;
    }
    qsort(keys, (size_t)n, sizeof *keys, key_cmp);
    int m = 0;
    for (int i = 0; i < n; i++)
        if (m == 0 || strcmp(keys[m - 1], keys[i]) != 0)
            keys[m++] = keys[i];
    *out = keys;
    return m;
}

static void stamper_finish(Ctx *ctx, Emit *e)
{
    if (!e->need_stamper)
        return;
    Decl *owner = arena_alloc(ctx->arena, sizeof *owner);
    owner->display = "hitc's stamper";
    owner->builtin = true;
    BundleRef *b;
    stamper_bundle(ctx, e, &b);

    lambda_log_group(ctx, e, owner, "HitcStamperLogGroup", "hitc-stamper");
    cJSON *stmts = lambda_role(ctx, e, owner, "HitcStamperRole",
                               "HitcStamperLogGroup");
    /* Read: the source bundles this template names, and this stack's own
     * copies; never CodePrefix*, which holds every other stack's copies
     * (and so their .env).  List: only with a source bundle's key as the
     * prefix, the one listing the stamper makes. */
    const char **keys;
    int nkeys = stamp_source_keys(ctx, e, &keys);
    cJSON *read = cJSON_CreateArray();
    cJSON *prefixes = cJSON_CreateArray();
    bool each = nkeys <= STAMPER_MAX_LISTED;
    for (int i = 0; i < (each ? nkeys : 1); i++) {
        const char *k = each ? keys[i] : "${CodePrefix}" SHA256_QMARKS ".zip";
        cJSON_AddItemToArray(read, cfn_sub(arena_printf(
            ctx->arena, "arn:${AWS::Partition}:s3:::${CodeBucket}/%s", k)));
        cJSON_AddItemToArray(prefixes, cfn_sub(k));
    }
    cJSON_AddItemToArray(read, cfn_sub("arn:${AWS::Partition}:s3:::${CodeBucket}/"
                                       "${CodePrefix}stamped/${AWS::StackName}/*"));
    cJSON_AddItemToArray(stmts, s3_statement("ReadBundles",
                                             cfn_strings(1, "s3:GetObject"), read));
    cJSON *list = s3_statement("ListBundles", cfn_strings(1, "s3:ListBucket"),
                               cfn_sub("arn:${AWS::Partition}:s3:::${CodeBucket}"));
    cJSON *cond = cJSON_AddObjectToObject(list, "Condition");
    cJSON_AddItemToObject(cJSON_AddObjectToObject(cond, each ? "StringEquals"
                                                             : "StringLike"),
                          "s3:prefix", prefixes);
    cJSON_AddItemToArray(stmts, list);
    cJSON_AddItemToArray(stmts, s3_statement(
        "WriteStamped", cfn_strings(2, "s3:DeleteObject", "s3:PutObject"),
        cfn_sub("arn:${AWS::Partition}:s3:::${CodeBucket}/${CodePrefix}stamped/"
               "${AWS::StackName}/*")));

    cJSON *fn = emit_resource(ctx, e, owner, "HitcStamperFunction",
                              "AWS::Lambda::Function");
    cJSON *p = cJSON_AddObjectToObject(fn, "Properties");
    cJSON *code = cJSON_AddObjectToObject(p, "Code");
    cJSON_AddItemToObject(code, "S3Bucket", cfn_ref("CodeBucket"));
    cJSON_AddItemToObject(code, "S3Key", cfn_sub(arena_printf(
        ctx->arena, "${CodePrefix}%s.zip", b->sha256)));
    cJSON_AddStringToObject(p, "Description",
                            "hitc stamper: writes each stage's .env into a "
                            "copy of the code at deploy time");
    cJSON_AddStringToObject(p, "Handler", "index.handler");
    cJSON_AddItemToObject(cJSON_AddObjectToObject(p, "LoggingConfig"),
                          "LogGroup", cfn_ref("HitcStamperLogGroup"));
    cJSON_AddNumberToObject(p, "MemorySize", 1024);
    cJSON_AddItemToObject(p, "Role", cfn_getatt("HitcStamperRole", "Arn"));
    cJSON_AddStringToObject(p, "Runtime", "python3.12");
    cJSON_AddItemToObject(p, "Tags", hitc_tags(ctx));
    cJSON_AddNumberToObject(p, "Timeout", 120);
}

const Kind kind_stamper = {
    .noun = "stamper",
    .finish = stamper_finish,
};
