/*
 * deploy_upload.c: what `hitc deploy` uploads before its change set.
 *
 * In: a Deploy whose app is built into d->dir.  Out: every bundle, nested
 * stack template and (past 51,200 bytes) root template that the bucket
 * lacks, put under the prefix; d->template_url when the template goes
 * through S3; a line saying how many were sent.
 * Holds: bundles and nested templates are named by their SHA-256, so one
 * listing of the prefix says what is missing, and what is there is what
 * is wanted.
 */
#include <stdio.h>
#include <string.h>

#include "bundle.h"
#include "deploy.h"

/* ---- upload ---------------------------------------------------------------- */

static StrMap *listing(Deploy *d)
{
    Aws *aws = &d->s.aws;
    const char *args[] = {"s3api", "list-objects-v2", "--bucket", d->bucket, "--prefix",
                          d->prefix, "--delimiter", "/", NULL};
    char what[300];
    snprintf(what, sizeof what, "list s3://%s/%s", d->bucket, d->prefix);
    CfnNode *r = aws_call(aws, what, args, false);
    if (!r)
        return NULL;
    StrMap *have = arena_alloc(aws->ctx->arena, sizeof *have);
    CfnNode *contents = cfn_obj_get(r, "Contents");
    for (int i = 0; contents && contents->kind == CFN_ARRAY && i < contents->len; i++) {
        const char *key = aws_str(contents->items[i], "Key");
        if (key)
            strmap_put(aws->ctx->arena, have, key, (void *)key);
    }
    return have;
}

int deploy_put(Deploy *d, const char *key, const char *path, size_t len)
{
    const char *args[] = {"s3api", "put-object", "--bucket", d->bucket, "--key", key,
                          "--body", path, NULL};
    char what[600];
    snprintf(what, sizeof what, "upload %s to s3://%s/%s", path, d->bucket, key);
    if (!aws_call(&d->s.aws, what, args, false))
        return 2;
    d->s.aws.uploaded += (long long)len;
    return 0;
}

/* DIR/bundles/SHA.EXT to PREFIX/SHA.EXT unless the listing has it;
 * *sent counts the uploads.  0 or 2. */
static int put_missing(Deploy *d, StrMap *have, const char *sha, const char *ext,
                       size_t len, int *sent)
{
    Arena *a = d->s.aws.ctx->arena;
    const char *key = arena_printf(a, "%s%s.%s", d->prefix, sha, ext);
    if (strmap_get(have, key))
        return 0;
    if (deploy_put(d, key, arena_printf(a, "%s/bundles/%s.%s", d->dir, sha, ext), len))
        return 2;
    ++*sent;
    return 0;
}

/* Upload every bundle (and a template past 51,200 bytes) that the bucket
 * lacks: their names are their SHA-256, so what is there is what is
 * wanted. */
int deploy_upload(Deploy *d)
{
    Arena *a = d->s.aws.ctx->arena;
    Emit *e = &d->s.emit;
    bool s3_template = emit_needs_s3(e);
    if (!e->need_code_params && !s3_template)
        return 0;
    StrMap *have = listing(d);
    if (!have)
        return 2;
    int sent = 0;
    for (int i = 0; i < e->bundles.len; i++) {
        BundleRef *b = e->bundles.items[i];
        if (put_missing(d, have, b->sha256, "zip", b->len, &sent))
            return 2;
    }
    /* a split app's nested templates, beside the bundles (split.c) */
    for (int i = 0; i < e->stacks.len; i++) {
        NestedStack *st = e->stacks.items[i];
        if (put_missing(d, have, st->sha256, "json", strlen(st->text) + 1, &sent))
            return 2;
    }
    if (s3_template) {
        char sha[65];
        sha256_hex(e->text, strlen(e->text), sha);
        const char *key = arena_printf(a, "%stemplates/%s.json", d->prefix, sha);
        const char *head[] = {"s3api", "head-object", "--bucket", d->bucket, "--key",
                              key, NULL};
        if (!aws_call(&d->s.aws, "look for the template", head, true) &&
            deploy_put(d, key, arena_printf(a, "%s/template.json", d->dir), strlen(e->text)))
            return 2;
        d->template_url = arena_printf(a, "https://%s.s3.%s.amazonaws.com/%s", d->bucket,
                                       d->s.aws.w.region, key);
    }
    fprintf(d->s.say, "bundles: %d of %d uploaded (%lld bytes) to s3://%s/%s\n", sent,
            e->bundles.len + e->stacks.len, d->s.aws.uploaded, d->bucket, d->prefix);
    return 0;
}
