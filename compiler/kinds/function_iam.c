/*
 * kinds/function_iam.c: what a function's role is granted, from its
 * `allow` lines and its env.
 *
 * In: `allow TABLE read|write|readwrite` (a grant on the table and its
 * indexes, never a wildcard), `allow ACTIONS on RESOURCES` (one statement
 * as written: each action checked against IAM's table, iam_lookup, a
 * wildcard a warning, W0272), and every table the env refers to
 * (readwrite unless an allow line said otherwise).  Out: the role's
 * statements, table grants by table name and then the allow lines in
 * source order (function_iam_statements), and the acceptances of W0272
 * carried onto the role for hitc lint (W0715, W0716).
 */
#include <stdlib.h>
#include <string.h>

#include "cfn.h"
#include "hitc.h"
#include "iam_table.h"
#include "kinds/function_iam.h"

enum { GRANT_READ = 1, GRANT_WRITE = 2 };

typedef struct Grant {
    Decl *table;
    int mode;
    Loc loc;
    bool explicit_;
} Grant;

/* `allow ACTIONS on RESOURCES`: one statement of the role's policy. */
typedef struct Policy {
    Loc loc;                /* the `allow` word */
    const char **actions;
    int nactions;
    Expr **resources;
    int nresources;
} Policy;

enum { WILD_RESOURCE, WILD_ACTION };

/* ---- allow lines ------------------------------------------------------ */

/* An IAM action as IAM spells it: "service:Action", the service in
 * lower-case letters, digits and '-', the action in letters, digits and the
 * wildcards '*' and '?'; or "*" alone. */
static bool action_ok(const char *a)
{
    if (strcmp(a, "*") == 0)
        return true;
    const char *colon = strchr(a, ':');
    if (!colon || colon == a || !colon[1])
        return false;
    for (const char *p = a; p < colon; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-'))
            return false;
    for (const char *p = colon + 1; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
              (*p >= '0' && *p <= '9') || *p == '*' || *p == '?'))
            return false;
    return true;
}

/* The statement as the user wrote it, for warnings: allow "s3:*" on ... */
static const char *policy_text(Ctx *ctx, const Stmt *s)
{
    const Item *first = s->items[0], *last = s->items[s->nitems - 1];
    size_t n = last->loc.off + last->loc.len - first->loc.off;
    const char *text = first->loc.src->text + first->loc.off;
    if (n > 80)
        return arena_printf(ctx->arena, "%.*s...", 77, text);
    return arena_strndup(ctx->arena, text, n);
}

/* One item, or the elements of a list item, for ACTIONS and RESOURCES. */
static const Item *const *allow_items(Ctx *ctx, const Item *it,
                                      const char *what, int *n)
{
    if (it->kind == I_LIST) {
        if (it->nelems == 0) {
            diag(ctx, D_ALLOW_EMPTY, it->loc, "the list of %s is empty; an "
                 "'allow ... on ...' line needs at least one", what);
            return NULL;
        }
        *n = it->nelems;
        return (const Item *const *)it->elems;
    }
    const Item **one = arena_alloc(ctx->arena, sizeof *one);
    one[0] = it;
    *n = 1;
    return one;
}

/* A W0272 of kind k, and whether the source accepted it. */
static void count_wild(FunctionIam *f, int k, const Diag *w)
{
    f->wild[k]++;
    if (w->accepted) {
        f->wild_accepted[k]++;
        f->wild_reason[k] = w->accepted->reason;
    }
}

/* When every W0272 of a kind was accepted in the .hit file, the role says
 * so to `hitc lint` (the same warning there is W0715 or W0716), so that
 * the template lints as clean as the .hit file checks. */
void function_iam_carry_acceptances(Ctx *ctx, Emit *e, Decl *d,
                                    const FunctionIam *f, const char *role)
{
    static const char *const codes[2] = {"W0715", "W0716"};
    CfnNode *list = NULL;
    for (int k = 0; k < 2; k++) {
        if (!f->wild[k] || f->wild_accepted[k] < f->wild[k])
            continue;
        CfnNode *r = cfn_obj_get(e->resources, role);
        if (!r)
            return;
        if (!list)
            list = cfn_put_arr(ctx->arena, cfn_put_obj(ctx->arena, cfn_put_obj(
                ctx->arena, r, "Metadata"), "hitc"), "accept");
        CfnNode *one = cfn_obj(ctx->arena, d->loc);
        cfn_put_str(ctx->arena, one, "code", codes[k]);
        cfn_put_str(ctx->arena, one, "reason", f->wild_reason[k]);
        cfn_arr_push(ctx->arena, list, one);
    }
}

static void allow_on(Ctx *ctx, Decl *d, FunctionIam *f, Stmt *s)
{
    if (s->nitems != 4) {
        diag(ctx, D_EXPECTED, s->items[s->nitems > 3 ? 4 : 0]->loc,
             "expected 'allow ACTIONS on RESOURCES'");
        return;
    }
    int na = 0, nr = 0;
    const Item *const *acts = allow_items(ctx, s->items[1], "actions", &na);
    const Item *const *ress = allow_items(ctx, s->items[3], "resources", &nr);
    if (!acts || !ress)
        return;
    Policy *p = arena_alloc(ctx->arena, sizeof *p);
    p->loc = s->items[0]->loc;
    p->actions = arena_alloc(ctx->arena, sizeof(char *) * (size_t)na);
    p->resources = arena_alloc(ctx->arena, sizeof(Expr *) * (size_t)nr);
    bool ok = true;
    const char *scoped = NULL;  /* an action that takes resource ARNs */
    for (int i = 0; i < na; i++) {
        const Item *it = acts[i];
        if (it->kind != I_STRING) {
            diag(ctx, D_BAD_ACTION, it->loc, "expected an IAM action in a "
                 "string, such as \"s3:GetObject\", found %s",
                 item_describe(ctx->arena, it));
            ok = false;
            continue;
        }
        const char *a = string_literal(ctx, it, "an IAM action");
        if (!a) {
            ok = false;
            continue;
        }
        if (!action_ok(a)) {
            diag(ctx, D_BAD_ACTION, it->loc, "'%s' is not an IAM action; "
                 "write 'service:Action', such as 's3:GetObject' (the "
                 "service in lower case; '*' and '?' may stand in the "
                 "action)", a);
            ok = false;
            continue;
        }
        const char *why;
        IamMatch m = iam_lookup(ctx, a, diag_wanted(ctx, it->loc), &why);
        if (why) {
            diag(ctx, D_UNKNOWN_ACTION, it->loc, "%s", why);
            ok = false;
            continue;
        }
        if (m.takes_resources && !scoped)
            scoped = a;
        for (int k = 0; k < p->nactions; k++)
            if (strcmp(p->actions[k], a) == 0) {
                diag(ctx, D_DUPLICATE_FIELD, it->loc,
                     "action '%s' is given twice in one 'allow' line", a);
                ok = false;
            }
        const char *colon = strchr(a, ':');
        if (iam_action_is_wildcard(a))
            count_wild(f, WILD_ACTION, diag(
                ctx, D_WILDCARD_GRANT, it->loc, "function '%s' statement "
                "'%s' grants %s; name the actions the function needs",
                d->name, policy_text(ctx, s),
                strcmp(a, "*") == 0 ? "every action of every service"
                : arena_printf(ctx->arena, "every action of '%.*s'",
                               (int)(colon - a), a)));
        p->actions[p->nactions++] = a;
    }
    for (int i = 0; i < nr; i++) {
        const Item *it = ress[i];
        if (it->kind != I_STRING && it->kind != I_WORD) {
            diag(ctx, D_BAD_VALUE, it->loc, "expected a resource ARN (a string "
                 "or a reference such as 'counters.arn'), found %s",
                 item_describe(ctx->arena, it));
            ok = false;
            continue;
        }
        Expr *x = expr_from_item(ctx, it);
        if (!x) {
            ok = false;
            continue;
        }
        /* An action that takes only "*" (ec2:DescribeInstances) has no
         * resources to name. */
        if (x->kind == E_STRING && strcmp(x->text, "*") == 0 && scoped)
            count_wild(f, WILD_RESOURCE, diag(
                ctx, D_WILDCARD_GRANT, it->loc, "function '%s' statement "
                "'%s' grants on every resource ('*'); name the resources the "
                "function needs%s", d->name, policy_text(ctx, s),
                na > 1 && !strpbrk(scoped, "*?")
                    ? arena_printf(ctx->arena, " ('%s' takes resource ARNs; "
                                   "an action that takes only '*' may stand "
                                   "on a line of its own)", scoped)
                    : ""));
        use_expr(ctx, d, x, "allow line");
        p->resources[p->nresources++] = x;
    }
    if (ok)
        vec_push(ctx->arena, &f->policies, p);
}

void function_iam_allow(Ctx *ctx, Decl *d, FunctionIam *f, Stmt *s)
{
    static const char *const modes[] = {"read", "write", "readwrite"};
    static const int bits[] = {GRANT_READ, GRANT_WRITE,
                               GRANT_READ | GRANT_WRITE};
    if (s->nitems >= 3 && item_is_word(s->items[2], "on")) {
        allow_on(ctx, d, f, s);
        return;
    }
    if (!want_items(ctx, s, 3, 3, "allow TABLE read|write|readwrite or "
                    "allow ACTIONS on RESOURCES"))
        return;
    Decl *t = resolve_name_of_kind(ctx, s->items[1], &kind_table);
    int m = want_choice(ctx, s, 2, "access", modes, 3);
    if (!t || m < 0)
        return;
    Grant *g = strmap_get(&f->granted, t->name);
    if (g) {
        Diag *dg = diag(ctx, D_DUPLICATE_FIELD, s->items[1]->loc,
                        "access to table '%s' is given twice", t->name);
        note(ctx, dg, g->loc, "first given here");
        return;
    }
    g = arena_alloc(ctx->arena, sizeof *g);
    *g = (Grant){t, bits[m], s->items[1]->loc, true};
    vec_push(ctx->arena, &f->grants, g);
    strmap_put(ctx->arena, &f->granted, t->name, g);
    add_edge(ctx, d, t, s->items[1]->loc,
             arena_printf(ctx->arena, "allow '%s'", t->name));
}

/* Tables the env refers to get readwrite unless an allow line said
 * otherwise. */
void function_iam_env_table(Ctx *ctx, FunctionIam *f, const Expr *r)
{
    if (!r->target || r->target->kind != &kind_table)
        return;
    if (strmap_get(&f->granted, r->target->name))
        return;
    Grant *g = arena_alloc(ctx->arena, sizeof *g);
    *g = (Grant){r->target, GRANT_READ | GRANT_WRITE, r->loc, false};
    vec_push(ctx->arena, &f->grants, g);
    strmap_put(ctx->arena, &f->granted, r->target->name, g);
}

void function_iam_link(Ctx *ctx, const FunctionIam *f)
{
    for (int i = 0; i < f->policies.len; i++) {
        Policy *p = f->policies.items[i];
        for (int k = 0; k < p->nresources; k++) {
            Expr *x = p->resources[k];
            bool resolved = x->kind != E_REF || x->target;
            for (int j = 0; x->kind == E_INTERP && j < x->nrefs; j++)
                resolved &= x->refs[j]->target != NULL;
            if (resolved && x->type != VT_STRING)
                diag(ctx, D_BAD_VALUE, x->loc, "a resource of 'allow ... on' "
                     "is an ARN, a string; this is %s",
                     value_type_name(x->type));
            refuse_secret(ctx, x, "'allow ... on' would write",
                          "in plain text into the function's IAM policy, "
                          "which anyone who may read IAM sees; a resource "
                          "is an ARN, not a secret");
        }
    }
}

/* ---- the role's statements ------------------------------------------- */

static const char *const read_actions[] = {
    "dynamodb:BatchGetItem", "dynamodb:ConditionCheckItem",
    "dynamodb:DescribeTable", "dynamodb:GetItem", "dynamodb:Query",
    "dynamodb:Scan",
};
static const char *const write_actions[] = {
    "dynamodb:BatchWriteItem", "dynamodb:DeleteItem", "dynamodb:PutItem",
    "dynamodb:UpdateItem",
};

static int str_cmp(const void *pa, const void *pb)
{
    return strcmp(*(const char *const *)pa, *(const char *const *)pb);
}

static int grant_cmp(const void *pa, const void *pb)
{
    const Grant *a = *(Grant *const *)pa, *b = *(Grant *const *)pb;
    return strcmp(a->table->name, b->table->name);
}

static CfnNode *grant_statement(Ctx *ctx, const Grant *g, Loc at)
{
    static const char *const sid[] = {"", "Read", "Write", "ReadWrite"};
    CfnNode *st = cfn_obj(ctx->arena, at);
    cfn_put_str(ctx->arena, st, "Sid", arena_printf(ctx->arena, "%s%s",
                                                    g->table->logical,
                                                    sid[g->mode]));
    cfn_put_str(ctx->arena, st, "Effect", "Allow");
    /* Read and write actions are each sorted; together they are too. */
    const char *all[16];
    int n = 0;
    for (size_t i = 0; i < sizeof read_actions / sizeof *read_actions; i++)
        if (g->mode & GRANT_READ)
            all[n++] = read_actions[i];
    for (size_t i = 0; i < sizeof write_actions / sizeof *write_actions; i++)
        if (g->mode & GRANT_WRITE)
            all[n++] = write_actions[i];
    qsort(all, (size_t)n, sizeof *all, str_cmp);
    CfnNode *actions = cfn_put_arr(ctx->arena, st, "Action");
    for (int i = 0; i < n; i++)
        cfn_arr_push(ctx->arena, actions, cfn_str(ctx->arena, at, all[i]));
    CfnNode *res = cfn_put_arr(ctx->arena, st, "Resource");
    cfn_arr_push(ctx->arena, res, cfn_getatt(ctx->arena, at, g->table->logical, "Arn"));
    cfn_arr_push(ctx->arena, res, cfn_sub(ctx->arena, at, arena_printf(ctx->arena, "${%s.Arn}/index/*",
                                                   g->table->logical)));
    return st;
}

/* `allow ACTIONS on RESOURCES`: its actions and resources as written. */
static CfnNode *policy_statement(Ctx *ctx, const Policy *p)
{
    CfnNode *st = cfn_obj(ctx->arena, p->loc);
    cfn_put_str(ctx->arena, st, "Effect", "Allow");
    CfnNode *actions = cfn_put_arr(ctx->arena, st, "Action");
    for (int i = 0; i < p->nactions; i++)
        cfn_arr_push(ctx->arena, actions, cfn_str(ctx->arena, p->loc, p->actions[i]));
    CfnNode *res = cfn_put_arr(ctx->arena, st, "Resource");
    for (int i = 0; i < p->nresources; i++)
        cfn_arr_push(ctx->arena, res, expr_cfn(ctx, p->loc, p->resources[i]));
    return st;
}

void function_iam_statements(Ctx *ctx, Decl *d, FunctionIam *f,
                             CfnNode *stmts)
{
    if (f->grants.len > 1)
        qsort(f->grants.items, (size_t)f->grants.len, sizeof(void *), grant_cmp);
    for (int i = 0; i < f->grants.len; i++)
        cfn_arr_push(ctx->arena, stmts, grant_statement(ctx, f->grants.items[i], d->loc));
    for (int i = 0; i < f->policies.len; i++)
        cfn_arr_push(ctx->arena, stmts, policy_statement(ctx, f->policies.items[i]));
}
