/*
 * kinds/function_iam.h: what a function's role is granted (function_iam.c),
 * for kinds/function.c.
 */
#ifndef HITC_FUNCTION_IAM_H
#define HITC_FUNCTION_IAM_H

#include "hitc.h"

/* A function's grants, in its Function (kinds/function.c); zeroed is
 * empty.  Everything in it lives in the Ctx's arena. */
typedef struct FunctionIam {
    PtrVec grants;          /* Grant*, explicit first, then from env */
    StrMap granted;         /* table name -> Grant* */
    PtrVec policies;        /* Policy*, in source order */
    /* W0272 on the allow lines, by what it becomes in the role: a '*'
     * resource (hitc lint's W0715) or an action wildcard (W0716); how
     * many were accepted, and why. */
    int wild[2], wild_accepted[2];
    const char *wild_reason[2];
} FunctionIam;

/* `allow TABLE read|write|readwrite` or `allow ACTIONS on RESOURCES`, a
 * field of function d. */
void function_iam_allow(Ctx *ctx, Decl *d, FunctionIam *iam, Stmt *s);
/* A table an env value refers to (r resolved): readwrite, unless an allow
 * line gave it. */
void function_iam_env_table(Ctx *ctx, FunctionIam *iam, const Expr *r);
/* After resolve: each `allow ... on` resource a string, and no secret. */
void function_iam_link(Ctx *ctx, const FunctionIam *iam);
/* The role's statements, pushed onto stmts: the table grants by table
 * name, then the allow lines as written. */
void function_iam_statements(Ctx *ctx, Decl *d, FunctionIam *iam,
                             CfnNode *stmts);
/* When every W0272 of a kind was accepted in the .hit file, the role (its
 * logical ID role) says so to hitc lint. */
void function_iam_carry_acceptances(Ctx *ctx, Emit *e, Decl *d,
                                    const FunctionIam *iam, const char *role);

#endif
