/*
 * test_plan.c: hitc deploy's plan (compiler/plan.c) without a cloud: the
 * deployed and the new template compared through the resource schemas'
 * create-only properties, the change set's word folded in, the text, and
 * the refusal to lose data unless --allow-replace names it.
 */
#include "check.h"
#include "deploy.h"

static CfnNode *json(Ctx *ctx, const char *text)
{
    return cfn_read(ctx, source_from_text(ctx, "t.json", text, strlen(text)));
}

static const PlanChange *change(const Plan *p, const char *logical)
{
    for (int i = 0; i < p->changes.len; i++) {
        const PlanChange *c = p->changes.items[i];
        if (strcmp(c->logical, logical) == 0)
            return c;
    }
    return NULL;
}

#define TABLE(key) \
    "\"T\": {\"Type\": \"AWS::DynamoDB::Table\", \"DeletionPolicy\": \"Retain\", " \
    "\"UpdateReplacePolicy\": \"Retain\", \"Properties\": {\"KeySchema\": " \
    "[{\"AttributeName\": \"" key "\", \"KeyType\": \"HASH\"}]}}"
#define QUEUE(name, vt) \
    "\"Q\": {\"Type\": \"AWS::SQS::Queue\", \"Properties\": {\"QueueName\": \"" name \
    "\", \"VisibilityTimeout\": " vt "}}"
#define FN(mem) \
    "\"F\": {\"Type\": \"AWS::Lambda::Function\", \"Properties\": {\"MemorySize\": " mem "}}"

/* Unchanged resources are not in the plan; key order does not matter. */
static void unchanged_is_no_change(void)
{
    Ctx *ctx = ctx_new();
    CfnNode *old = json(ctx, "{\"Resources\": {" FN("128") "," QUEUE("q", "30") "}}");
    CfnNode *new_ = json(ctx, "{\"Resources\": {\"Q\": {\"Properties\": "
                              "{\"VisibilityTimeout\": 30, \"QueueName\": \"q\"}, "
                              "\"Type\": \"AWS::SQS::Queue\"}," FN("128") "}}");
    Plan p = {0};
    plan_make(ctx->arena, &p, old, new_, NULL, NULL);
    CHECK_INT(p.changes.len, 0);
    ctx_free(ctx);
}

/* A changed property that may change in place is a modify; a create-only
 * one (QueueName) a replace, naming it; added and removed are so. */
static void create_only_means_replace(void)
{
    Ctx *ctx = ctx_new();
    CfnNode *old = json(ctx, "{\"Resources\": {" FN("128") "," QUEUE("q", "30")
                             ", \"Gone\": {\"Type\": \"AWS::SNS::Topic\"}}}");
    CfnNode *new_ = json(ctx, "{\"Resources\": {" FN("256") "," QUEUE("q2", "30")
                              ", \"New\": {\"Type\": \"AWS::SNS::Topic\"}}}");
    Plan p = {0};
    plan_make(ctx->arena, &p, old, new_, NULL, NULL);
    CHECK_INT(p.changes.len, 4);
    const PlanChange *f = change(&p, "F"), *q = change(&p, "Q");
    CHECK(f && f->action == CH_MODIFY && !f->why);
    CHECK(q && q->action == CH_REPLACE);
    CHECK(q && q->why && strstr(q->why, "QueueName"));
    CHECK(q && q->holds_data);          /* a queue is stateful */
    CHECK(change(&p, "New") && change(&p, "New")->action == CH_ADD);
    CHECK(change(&p, "Gone") && change(&p, "Gone")->action == CH_REMOVE);
    /* only VisibilityTimeout: in place */
    Plan p2 = {0};
    plan_make(ctx->arena, &p2, json(ctx, "{\"Resources\": {" QUEUE("q", "30") "}}"),
              json(ctx, "{\"Resources\": {" QUEUE("q", "60") "}}"), NULL, NULL);
    CHECK(p2.changes.len == 1 && ((PlanChange *)p2.changes.items[0])->action == CH_MODIFY);
    ctx_free(ctx);
}

/* A local CloudFormation says only "Modify"; the schema still knows a
 * table's new key replaces it; and the change set's own Replacement True
 * is believed where the templates show no create-only change. */
static void change_set_and_schema_agree(void)
{
    Ctx *ctx = ctx_new();
    CfnNode *old = json(ctx, "{\"Resources\": {" TABLE("name") "," FN("128") "}}");
    CfnNode *new_ = json(ctx, "{\"Resources\": {" TABLE("id") "," FN("256") "}}");
    CfnNode *cs = json(ctx, "[{\"Type\": \"Resource\", \"ResourceChange\": {\"Action\": "
                            "\"Modify\", \"LogicalResourceId\": \"T\", \"ResourceType\": "
                            "\"AWS::DynamoDB::Table\"}}, {\"Type\": \"Resource\", "
                            "\"ResourceChange\": {\"Action\": \"Modify\", "
                            "\"LogicalResourceId\": \"F\", \"Replacement\": \"True\"}}]");
    Plan p = {0};
    plan_make(ctx->arena, &p, old, new_, cs, NULL);
    const PlanChange *t = change(&p, "T"), *f = change(&p, "F");
    CHECK(t && (t->action == CH_REPLACE || t->action == CH_MAYBE_REPLACE));
    CHECK(t && t->why && strstr(t->why, "KeySchema"));
    CHECK(t && t->holds_data && t->retained);
    CHECK(f && f->action == CH_REPLACE && !f->holds_data);
    ctx_free(ctx);
}

/* The text names each change's action and resource; a data holder that
 * would be lost is refused (E0800) until --allow-replace names it. */
static void printed_and_refused_until_allowed(void)
{
    Ctx *ctx = ctx_new();
    CfnNode *old = json(ctx, "{\"Resources\": {" TABLE("name") "}}");
    CfnNode *new_ = json(ctx, "{\"Resources\": {" TABLE("id") "}}");
    Plan p = {0};
    plan_make(ctx->arena, &p, old, new_, NULL, NULL);
    Buf text = {0};
    buf_add(&text, "", 0);
    plan_print(&p, &text);
    CHECK(strstr(text.data, "CountersTable") == NULL);
    CHECK(strstr(text.data, "T (AWS::DynamoDB::Table)") != NULL);
    CHECK(strstr(text.data, "KeySchema changes") != NULL);
    CHECK(strstr(text.data, "[holds data]") != NULL);
    buf_free(&text);
    CHECK_INT(plan_refuse(ctx, &p, "app-dev"), 1);
    CHECK_INT(ctx->nerrors, 1);
    CHECK(ctx->diags.len == 1 && ((Diag *)ctx->diags.items[0])->code == D_DEPLOY_REPLACE);
    const char *names[] = {"T"};
    plan_allow(&p, names, 1);
    CHECK_INT(plan_refuse(ctx, &p, "app-dev"), 0);
    /* removing a retained table is refused too; a new stack refuses nothing */
    Plan gone = {0};
    plan_make(ctx->arena, &gone, old, json(ctx, "{\"Resources\": {}}"), NULL, NULL);
    CHECK(gone.changes.len == 1 && ((PlanChange *)gone.changes.items[0])->action == CH_REMOVE);
    CHECK_INT(plan_refuse(ctx, &gone, "app-dev"), 1);
    Plan fresh = {0};
    plan_make(ctx->arena, &fresh, NULL, new_, NULL, NULL);
    CHECK_INT(plan_refuse(ctx, &fresh, "app-dev"), 0);
    ctx_free(ctx);
}

int main(void)
{
    RUN(unchanged_is_no_change);
    RUN(create_only_means_replace);
    RUN(change_set_and_schema_agree);
    RUN(printed_and_refused_until_allowed);
    return check_summary();
}
