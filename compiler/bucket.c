/*
 * bucket.c: the managed deployment bucket, when `hitc deploy` is given no
 * --bucket: one per account and region, hitc-deploy-ACCOUNT-REGION, found
 * or made (as SAM's managed bucket and the CDK's bootstrap bucket are).
 *
 * In: an Aws (credentials and region are the CLI's).
 * Out: the bucket's name; made when missing: private (every public access
 * blocked), encrypted at rest (SSE-S3, AES256), and with a lifecycle rule
 * that expires uploaded templates (hitc/templates/) after 7 days and
 * aborts unfinished uploads after a day.
 * Holds: bundles and stamped copies are never expired by a rule: a
 * rollback may need an old stamped copy again, and the stamper deletes
 * its own old copies when a stack moves on or goes.
 */
#include <stdio.h>
#include <string.h>

#include "deploy.h"

static const char lifecycle[] =
    "{\"Rules\":["
    "{\"ID\":\"hitc-old-templates\",\"Filter\":{\"Prefix\":\"hitc/templates/\"},"
    "\"Status\":\"Enabled\",\"Expiration\":{\"Days\":7}},"
    "{\"ID\":\"hitc-unfinished-uploads\",\"Filter\":{\"Prefix\":\"\"},"
    "\"Status\":\"Enabled\",\"AbortIncompleteMultipartUpload\":{\"DaysAfterInitiation\":1}}"
    "]}";

static const char encryption[] =
    "{\"Rules\":[{\"ApplyServerSideEncryptionByDefault\":{\"SSEAlgorithm\":\"AES256\"}}]}";

static int make(Aws *aws, const char *name)
{
    Arena *a = aws->ctx->arena;
    const char *where = strcmp(aws->w.region, "us-east-1") == 0 ? NULL :
        arena_printf(a, "LocationConstraint=%s", aws->w.region);
    const char *create[] = {"s3api", "create-bucket", "--bucket", name,
                            where ? "--create-bucket-configuration" : NULL, where, NULL};
    const char *block[] = {"s3api", "put-public-access-block", "--bucket", name,
                           "--public-access-block-configuration",
                           "BlockPublicAcls=true,IgnorePublicAcls=true,"
                           "BlockPublicPolicy=true,RestrictPublicBuckets=true", NULL};
    const char *encrypt[] = {"s3api", "put-bucket-encryption", "--bucket", name,
                             "--server-side-encryption-configuration", encryption, NULL};
    const char *rules[] = {"s3api", "put-bucket-lifecycle-configuration", "--bucket", name,
                           "--lifecycle-configuration", lifecycle, NULL};
    const char *const *steps[] = {create, block, encrypt, rules};
    for (size_t i = 0; i < sizeof steps / sizeof *steps; i++)
        if (!aws_call(aws, "make the deployment bucket", steps[i], false))
            return 2;
    fprintf(stderr, "hitc: made the deployment bucket %s (private, encrypted; "
            "uploaded templates expire after 7 days)\n", name);
    return 0;
}

int bucket_managed(Aws *aws, const char **bucket)
{
    const char *who[] = {"sts", "get-caller-identity", NULL};
    const char *account = aws_str(aws_call(aws, "learn the account, to name the "
                                           "deployment bucket", who, false), "Account");
    if (!account)
        return 2;
    const char *name = arena_printf(aws->ctx->arena, "hitc-deploy-%s-%s", account,
                                    aws->w.region);
    *bucket = name;
    const char *head[] = {"s3api", "head-bucket", "--bucket", name, NULL};
    if (aws_call(aws, "look for the deployment bucket", head, true))
        return 0;
    return make(aws, name);
}
