/*
 * kinds/aws.c: the built-in `aws.*` values, CloudFormation's pseudo
 * parameters under friendlier names.  Never declared, never emitted.
 */
#include <string.h>

#include "hitc.h"

static const Attr aws_attrs[] = {{"account", VT_STRING, ""},
                                 {"partition", VT_STRING, ""},
                                 {"region", VT_STRING, ""},
                                 {"stack", VT_STRING, ""},
                                 {"url-suffix", VT_STRING, ""}};
static const char *const aws_pseudo[] = {"AWS::AccountId", "AWS::Partition",
                                         "AWS::Region", "AWS::StackName",
                                         "AWS::URLSuffix"};

static CfnRef aws_ref(Ctx *ctx, Decl *d, const char *attr)
{
    (void)ctx, (void)d;
    for (size_t i = 0; i < sizeof aws_attrs / sizeof *aws_attrs; i++)
        if (strcmp(attr, aws_attrs[i].name) == 0)
            return (CfnRef){.form = CFN_REF, .logical = aws_pseudo[i]};
    return (CfnRef){.form = CFN_REF, .logical = "AWS::NoValue"};
}

const Kind kind_builtin_aws = {
    .noun = "built-in",
    .attrs = aws_attrs,
    .nattrs = sizeof aws_attrs / sizeof *aws_attrs,
    .ref = aws_ref,
};
