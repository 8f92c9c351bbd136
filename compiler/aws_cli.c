/*
 * aws_cli.c: the AWS CLI as hitc deploy drives it.
 *
 * In: an Aws (where: region, profile, endpoint) and a call's arguments.
 * Out: the call's JSON answer read into the app's arena, or NULL with the
 * CLI's own error kept (or printed, naming what hitc was doing).
 * Holds: every call goes through local_aws() (fork/exec by posix_spawnp,
 * never a shell), which adds --output json and the global options; the
 * calls are counted, for `hitc deploy`'s summary and the benchmark.  Only
 * options and output both CLI versions share are used: v1 and v2 print
 * the same JSON for the calls hitc makes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "deploy.h"

const char *aws_str(const CfnNode *obj, const char *key)
{
    const CfnNode *n = obj && obj->kind == CFN_OBJECT ? cfn_obj_get(obj, key) : NULL;
    return n && (n->kind == CFN_STRING || n->kind == CFN_NUMBER) ? n->text : NULL;
}

/* Read text as JSON into ctx's arena: parsed in a scratch Ctx first, so
 * that an answer that is not JSON leaves no diagnostics in the app's. */
static CfnNode *read_json(Ctx *ctx, const char *text, size_t len)
{
    while (len && (text[len - 1] == '\n' || text[len - 1] == ' '))
        len--;
    if (len == 0)
        return cfn_obj(ctx->arena, (Loc){0});
    Ctx *scratch = ctx_new();
    CfnNode *t = cfn_read(scratch, source_from_text(scratch, "aws", text, len));
    CfnNode *tree = NULL;
    if (t && scratch->nerrors == 0) {
        char *compact = cfn_json_compact(t);
        tree = cfn_read(ctx, source_from_text(ctx, "aws", compact, strlen(compact)));
        free(compact);
    }
    ctx_free(scratch);
    return tree;
}

CfnNode *aws_call(Aws *aws, const char *what, const char *const *args, bool quiet)
{
    Buf out = {0};
    buf_free(&aws->err);
    aws->calls++;
    int rc = local_aws(&aws->w, args, &out, &aws->err);
    CfnNode *tree = NULL;
    if (rc < 0) {
        fprintf(stderr, "hitc: cannot run 'aws', the AWS CLI, to %s: it is not on "
                "PATH.  Install it (version 1 or 2): "
                "https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html"
                " (or 'pip install awscli'), then set up credentials with "
                "'aws configure'\n", what);
    } else if (rc != 0) {
        if (!quiet) {
            fprintf(stderr, "hitc: 'aws %s %s' failed (exit %d) trying to %s: %s",
                    args[0], args[1], rc, what, aws->err.data);
            if (aws->err.len == 0 || aws->err.data[aws->err.len - 1] != '\n')
                fputc('\n', stderr);
        }
    } else {
        tree = read_json(aws->ctx, out.data, out.len);
        if (!tree)
            fprintf(stderr, "hitc: 'aws %s %s' answered something that is not "
                    "JSON trying to %s\n", args[0], args[1], what);
    }
    buf_free(&out);
    return tree;
}

bool aws_no_such_stack(const Aws *aws)
{
    return aws->err.data && strstr(aws->err.data, "does not exist");
}

/* One word as sh reads it: bare when it is only safe characters, else in
 * single quotes (a quote inside as '\''). */
static void shell_word(Buf *out, const char *w)
{
    bool bare = *w != '\0';
    for (const char *p = w; *p && bare; p++)
        bare = strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                      "0123456789-_./:=,@%+", *p) != NULL;
    if (bare) {
        buf_puts(out, w);
        return;
    }
    buf_puts(out, "'");
    for (const char *p = w; *p; p++) {
        if (*p == '\'')
            buf_puts(out, "'\\''");
        else
            buf_add(out, p, 1);
    }
    buf_puts(out, "'");
}

void aws_shell_line(const Aws *aws, const char *const *args, Buf *out)
{
    buf_puts(out, "aws");
    for (int i = 0; args[i]; i++) {
        buf_puts(out, " ");
        shell_word(out, args[i]);
    }
    buf_puts(out, " --region ");
    shell_word(out, aws->w.region);
    if (aws->w.endpoint) {
        buf_puts(out, " --endpoint-url ");
        shell_word(out, aws->w.endpoint);
    }
    if (aws->w.profile) {
        buf_puts(out, " --profile ");
        shell_word(out, aws->w.profile);
    }
    buf_puts(out, "\n");
}
