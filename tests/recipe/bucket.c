/*
 * tests/recipe/bucket.c: the toy kind that tests/recipe/run.sh adds to a
 * scratch copy of hitc by following docs/architecture.md's kind recipe, so
 * the recipe cannot rot.  Not part of hitc.
 *
 * `bucket NAME` becomes an AWS::S3::Bucket; `NAME.name` reads its name and
 * `NAME.arn` its ARN.
 */
#include <string.h>

#include "cfn.h"
#include "hitc.h"

static const Attr bucket_attrs[] = {
    {"name", VT_STRING, ""},
    {"arn", VT_STRING, "s3"},
};

static void bucket_check(Ctx *ctx, Decl *d)
{
    if (!want_items(ctx, d->stmt, 2, 2, "bucket NAME"))
        return;
    if (d->stmt->has_block)
        diag(ctx, D_EXPECTED, d->stmt->block_loc, "'bucket' takes no block");
}

static CfnRef bucket_ref(Ctx *ctx, Decl *d, const char *attr)
{
    (void)ctx;
    if (attr && strcmp(attr, "arn") == 0)
        return (CfnRef){.form = CFN_GETATT, .logical = d->logical, .attr = "Arn"};
    return (CfnRef){.form = CFN_REF, .logical = d->logical};
}

static void bucket_ids(Ctx *ctx, Decl *d)
{
    id_claim(ctx, d, d->logical);
}

static void bucket_emit(Ctx *ctx, Decl *d, Emit *e)
{
    emit_resource(ctx, e, d, d->logical, "AWS::S3::Bucket");
}

const Kind kind_bucket = {
    .keyword = "bucket",
    .noun = "bucket",
    .named = true,
    .suffix = "Bucket",
    .attrs = bucket_attrs,
    .nattrs = sizeof bucket_attrs / sizeof *bucket_attrs,
    .check = bucket_check,
    .ref = bucket_ref,
    .ids = bucket_ids,
    .emit = bucket_emit,
};
