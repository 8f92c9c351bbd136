/*
 * lint.h: `hitc lint`, rules on raw CloudFormation templates; the
 * template-level checks live here once, and build and check run them on
 * the template they make (lint_emitted).
 *
 * lint.c reads a template into the located tree (cfn_read), walks it once
 * to collect every reference (Ref, Fn::GetAtt, Fn::Sub variables,
 * DependsOn, condition names, Fn::FindInMap map names) with its place and
 * owner, checking the shape of each intrinsic function on the way, and then
 * runs the rules of lint_rules.c in the order of its table.  A rule is one
 * function `void rule(Lint *l)` and one row in that table; it reports
 * through diag() like every other phase, so --format and --strict work.
 *
 * Transforms: a template with a Transform other than a lone
 * AWS::LanguageExtensions (without Fn::ForEach) is "opaque": a macro or
 * SAM may create resources, parameters and conditions, or consume names,
 * that lint cannot see.  Rules that need the whole name set (unknown
 * names, unused names, cycles, conditional DependsOn, quotas on counts)
 * then stay silent; rules on what is written (shapes, IAM, runtimes,
 * policies, IDs) still run.  See docs/lint.md.
 */
#ifndef HITC_LINT_H
#define HITC_LINT_H

#include "cfn.h"

typedef enum {
    LU_REF, LU_GETATT, LU_SUB, LU_DEPENDSON, LU_CONDITION, LU_FINDINMAP
} LintUseKind;

/* Where a use stands: only uses in these sections are checked against
 * the names the template defines (Rules, Metadata and Globals only mark
 * names used). */
typedef enum { LS_RESOURCES, LS_OUTPUTS, LS_CONDITIONS, LS_OTHER } LintSection;

/* One reference the walk found. */
typedef struct LintUse {
    LintUseKind kind;
    const char *name;       /* the logical ID, variable or condition named */
    const char *attr;       /* GETATT, SUB "A.B": the attribute, else NULL */
    Loc loc;                /* the name as written (or its string) */
    LintSection section;
    const char *owner;      /* RESOURCES, OUTPUTS: the logical ID it is in */
    Loc fn_loc;             /* SUB: the Fn::Sub it is in */
} LintUse;

typedef struct Lint {
    Ctx *ctx;
    Emit *emit;             /* build and check: the template hitc made,
                               else NULL (hitc lint) */
    const NestedStack *stack;   /* with emit: the nested stack whose
                               template this is, or NULL for the root */
    size_t size;            /* the template's bytes, as written */
    const CfnNode *root;
    /* The sections, or NULL when absent or not an object. */
    const CfnNode *params, *resources, *outputs, *conditions, *mappings;
    bool opaque;            /* a Transform may define what lint cannot see */
    bool lang_ext;          /* AWS::LanguageExtensions is declared */
    bool findinmap_dynamic; /* some Fn::FindInMap names its map by Ref */
    PtrVec uses;            /* LintUse* in the order of the text */
    Loc fn_at;              /* the key of the function being checked
                               ("Fn::Join", or the !Join tag): where a wrong
                               argument as a whole is reported, as cfn-lint
                               does */
} Lint;

/* The rules (lint_rules.c, and files of their own where marked), run by
 * lint.c in the order of its table. */
void lint_rule_structure(Lint *l);
void lint_rule_references(Lint *l);
void lint_rule_cycles(Lint *l);              /* lint_cycles.c */
void lint_rule_condition_cycles(Lint *l);    /* lint_cycles.c */
void lint_rule_conditional_dependson(Lint *l);
void lint_rule_quotas(Lint *l);
void lint_rule_logical_ids(Lint *l);
void lint_rule_name_clash(Lint *l);
void lint_rule_iam(Lint *l);                /* lint_iam.c */
void lint_rule_stateful(Lint *l);
void lint_rule_runtimes(Lint *l);
void lint_rule_unused(Lint *l);
void lint_rule_schema(Lint *l);     /* schema_check.c */

/* Is s a logical ID CloudFormation takes: 1 to 255 letters and digits?
 * (the logical-ids rule, E0713, and include's E0202 for a fragment's) */
bool lint_id_ok(const char *s);
/* In a template hitc made, is this entry hitc's own (located in a .hit
 * file, or nowhere) rather than an included fragment's?  The compiler
 * checked those on the .hit source. */
bool lint_checked_in_hit(const Lint *l, Loc loc);

/* AWS::Region and the other pseudo parameters, valid Ref targets
 * (lint_rules.c, as lint_id_ok and lint_checked_in_hit). */
bool lint_is_pseudo(const char *name);

/* Read and lint one template; diagnostics go to ctx. */
void lint_template(Ctx *ctx, const char *path);

/* The same rules on the template build and check made (e->template),
 * before anything is written: every node carries the .hit line or the
 * fragment line it came from, so each finding points there.  What the
 * compiler checked on the .hit source already (IAM grants, runtimes,
 * hitc's parameters) is left to its own diagnostics; quotas are reported
 * as E0505/W0506, with where the bulk comes from (bulk.c).  An app split
 * into nested stacks (split.c) has each template linted: the root and
 * every nested stack, each against every quota. */
void lint_emitted(Ctx *ctx, Emit *e);
/* Emit the template (no zips when dry_run) and check it as build, check and
 * deploy all do: an empty app is an error, anything else gets lint_emitted. */
void emit_checked(Ctx *ctx, Emit *e);

/* The next ${variable} of an Fn::Sub string at or after p: its name is
 * *b .. *end, blanks around it trimmed (CloudFormation ignores them);
 * ${!Literal} and ${} are skipped.  Returns where to go on, or NULL when
 * there is none.  lint and include read Fn::Sub through this one. */
const char *sub_next_var(const char *p, const char **b, const char **end);

/* ---- schema_check.c: resources against the resource schemas ---------- */

/* The Type and Properties of one resource (its pair in Resources):
 * E0723-E0726, E0730, W0728.  sam: the template has the SAM transform, whose
 * AWS::Serverless:: types are its own. */
void schema_check_resource(Ctx *ctx, const CfnPair *resource, bool sam);

/* ---- schema_attrs.c: attributes against the resource schemas --------- */

/* Does resource id of the given type take Fn::GetAtt's attr?  When it does
 * not, report under code (E0727 in a template, E0402 for cfn.ID.ATTR in a
 * .hit file) at loc and return false. */
bool schema_attr_known(Ctx *ctx, DiagCode code, const char *id,
                       const char *type, const char *attr, Loc loc);
/* Every Fn::GetAtt and ${ID.ATTR} under n whose resource type_of knows
 * (type_of returns the resource's Type, or NULL to leave it alone). */
typedef const char *(*SchemaTypeOf)(void *arg, const char *logical);
void schema_check_getatts(Ctx *ctx, const CfnNode *n, SchemaTypeOf type_of,
                          void *arg);

#endif
