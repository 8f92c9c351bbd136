/*
 * test_crossing.c: the first deploy past the threshold (compiler/crossing.c)
 * without a cloud: which API parts of the deployed root move into a nested
 * stack of the new build, what refers to them, the first step's template,
 * and the routes the plan names.
 */
#include "check.h"
#include "deploy.h"

static CfnNode *json(Ctx *ctx, const char *text)
{
    return cfn_read(ctx, source_from_text(ctx, "t.json", text, strlen(text)));
}

/* An Emit whose root is root_json and whose one nested stack holds
 * nested_json's resources. */
static void build(Ctx *ctx, Emit *e, NestedStack *st, const char *root_json,
                  const char *nested_json)
{
    memset(e, 0, sizeof *e);
    memset(st, 0, sizeof *st);
    e->template = json(ctx, root_json);
    if (nested_json) {
        st->logical = "Shard07Stack";
        st->resources = json(ctx, nested_json);
        vec_push(ctx->arena, &e->stacks, st);
    }
}

static bool has(const CfnNode *t, const char *id)
{
    return cfn_obj_get(cfn_obj_get(t, "Resources"), id) != NULL;
}

#define API "\"Api\": {\"Type\": \"AWS::ApiGateway::RestApi\"}"
#define TABLE "\"T\": {\"Type\": \"AWS::DynamoDB::Table\"}"
#define FN "\"F1Function\": {\"Type\": \"AWS::Lambda::Function\"}"
#define PATH1 "\"ApiF1Resource\": {\"Type\": \"AWS::ApiGateway::Resource\", \"Properties\": " \
    "{\"ParentId\": {\"Fn::GetAtt\": [\"Api\", \"RootResourceId\"]}, \"PathPart\": \"f1\"}}"
#define PATH2 "\"ApiF1NameParamResource\": {\"Type\": \"AWS::ApiGateway::Resource\", " \
    "\"Properties\": {\"ParentId\": {\"Ref\": \"ApiF1Resource\"}, \"PathPart\": \"{name}\"}}"
#define GET "\"ApiF1NameParamGetMethod\": {\"Type\": \"AWS::ApiGateway::Method\", " \
    "\"Properties\": {\"HttpMethod\": \"GET\", \"ResourceId\": {\"Ref\": \"ApiF1NameParamResource\"}, " \
    "\"Integration\": {\"Uri\": {\"Fn::Sub\": \"arn:${F1Function.Arn}/invocations\"}}}}"
#define OPTIONS "\"ApiF1OptionsMethod\": {\"Type\": \"AWS::ApiGateway::Method\", " \
    "\"Properties\": {\"HttpMethod\": \"OPTIONS\", \"ResourceId\": {\"Ref\": \"ApiF1Resource\"}}}"
#define ROOTGET "\"ApiGetMethod\": {\"Type\": \"AWS::ApiGateway::Method\", " \
    "\"Properties\": {\"HttpMethod\": \"GET\", \"ResourceId\": {\"Fn::GetAtt\": \"Api.RootResourceId\"}}}"
#define PERM "\"ApiF1NameParamGetPermission\": {\"Type\": \"AWS::Lambda::Permission\", " \
    "\"Properties\": {\"SourceArn\": {\"Fn::Sub\": \"${Api}/${Stage}/GET/f1/*\"}}}"
#define DEPLOYMENT(id, deps) "\"" id "\": {\"Type\": \"AWS::ApiGateway::Deployment\", " \
    "\"DependsOn\": " deps ", \"Properties\": {\"RestApiId\": {\"Ref\": \"Api\"}}}"

/* A REST route whose function moves: its path resources and method go in
 * step 1, and so does the CORS method on a moved path, which stays in the
 * root but names one; the function, its permission, the table, the root's
 * own method and the deployment (its DependsOn pruned) stay as deployed. */
static void rest_parts_move(void)
{
    Ctx *ctx = ctx_new();
    CfnNode *deployed = json(ctx, "{\"Parameters\": {\"Stage\": {\"Type\": \"String\"}}, "
        "\"Resources\": {" API "," TABLE "," FN "," PATH1 "," PATH2 "," GET "," OPTIONS ","
        ROOTGET "," PERM "," DEPLOYMENT("ApiDeploymentA", "[\"ApiF1NameParamGetMethod\", "
        "\"ApiF1OptionsMethod\", \"ApiGetMethod\"]") "}, \"Outputs\": {\"Url\": {\"Value\": "
        "{\"Ref\": \"Api\"}}, \"Path\": {\"Value\": {\"Ref\": \"ApiF1Resource\"}}}}");
    Emit e;
    NestedStack st;
    build(ctx, &e, &st, "{\"Resources\": {" API "," TABLE "," OPTIONS "," ROOTGET ","
          DEPLOYMENT("ApiDeploymentB", "[\"Shard07Stack\"]") "}}",
          "{" FN "," PATH1 "," PATH2 "," GET "," PERM "}");
    Crossing c;
    REQUIRE(crossing_find(ctx->arena, deployed, &e, &c));
    CHECK_INT(c.parts, 4);
    CHECK(!c.http);
    REQUIRE_INT(c.routes.len, 2);
    CHECK_STR(c.routes.items[0], "GET /f1/{name}");
    CHECK_STR(c.routes.items[1], "OPTIONS /f1");
    CHECK(!has(c.template, "ApiF1Resource") && !has(c.template, "ApiF1NameParamResource"));
    CHECK(!has(c.template, "ApiF1NameParamGetMethod") && !has(c.template, "ApiF1OptionsMethod"));
    CHECK(has(c.template, "F1Function") && has(c.template, "ApiF1NameParamGetPermission"));
    CHECK(has(c.template, "T") && has(c.template, "Api") && has(c.template, "ApiGetMethod"));
    const CfnNode *dep = cfn_obj_get(cfn_obj_get(c.template, "Resources"), "ApiDeploymentA");
    const CfnNode *deps = cfn_obj_get(dep, "DependsOn");
    REQUIRE(deps && deps->len == 1);
    CHECK_STR(deps->items[0]->text, "ApiGetMethod");
    CHECK(cfn_obj_get(dep, "Properties") != NULL);
    const CfnNode *outs = cfn_obj_get(c.template, "Outputs");
    CHECK(cfn_obj_get(outs, "Url") && !cfn_obj_get(outs, "Path"));
    CHECK(cfn_obj_get(c.template, "Parameters") != NULL);
    /* the deployed template itself is left alone */
    CHECK(has(deployed, "ApiF1Resource"));
    Buf text = {0};
    crossing_print(&c, &e, "app-prod", &text);
    CHECK(text.data && strstr(text.data, "no route answers 404"));
    CHECK(text.data && strstr(text.data, "\n    GET /f1/{name}\n"));
    buf_free(&text);
    ctx_free(ctx);
}

/* An HTTP API route key that moves: its routes answer 404 between the
 * steps, and the plan says so; the integration (no unique key) stays. */
static void http_routes_move(void)
{
    Ctx *ctx = ctx_new();
    const char *route = "\"ApiF1GetRoute\": {\"Type\": \"AWS::ApiGatewayV2::Route\", "
        "\"Properties\": {\"RouteKey\": \"GET /f1/{name}\", \"Target\": "
        "{\"Fn::Sub\": \"integrations/${ApiF1Integration}\"}}}";
    const char *integ = "\"ApiF1Integration\": {\"Type\": \"AWS::ApiGatewayV2::Integration\"}";
    char deployed_text[1024], nested[1024];
    snprintf(deployed_text, sizeof deployed_text, "{\"Resources\": {%s, %s, %s}}", FN, integ,
             route);
    snprintf(nested, sizeof nested, "{%s, %s, %s}", FN, integ, route);
    Emit e;
    NestedStack st;
    build(ctx, &e, &st, "{\"Resources\": {\"Api\": {\"Type\": \"AWS::ApiGatewayV2::Api\"}}}",
          nested);
    Crossing c;
    REQUIRE(crossing_find(ctx->arena, json(ctx, deployed_text), &e, &c));
    CHECK(c.http);
    CHECK_INT(c.parts, 1);
    REQUIRE_INT(c.routes.len, 1);
    CHECK_STR(c.routes.items[0], "GET /f1/{name}");
    CHECK(has(c.template, "ApiF1Integration") && !has(c.template, "ApiF1GetRoute"));
    Buf text = {0};
    crossing_print(&c, &e, "app-prod", &text);
    CHECK(text.data && strstr(text.data, "this 1 route answers 404 from the end of step 1"));
    buf_free(&text);
    ctx_free(ctx);
}

/* No crossing: an app under the threshold (no nested stacks), one past it
 * already (its API parts are not in the deployed root), or one whose API
 * parts stay in the root. */
static void no_crossing(void)
{
    Ctx *ctx = ctx_new();
    Emit e;
    NestedStack st;
    Crossing c;
    CfnNode *small = json(ctx, "{\"Resources\": {" API "," FN "," PATH1 "}}");
    build(ctx, &e, &st, "{\"Resources\": {" API "," FN "," PATH1 "}}", NULL);
    CHECK(!crossing_find(ctx->arena, small, &e, &c));
    build(ctx, &e, &st, "{\"Resources\": {" API "}}", "{" FN "," PATH1 "}");
    CHECK(!crossing_find(ctx->arena, json(ctx, "{\"Resources\": {" API ", \"Shard07Stack\": "
                                               "{\"Type\": \"AWS::CloudFormation::Stack\"}}}"),
                         &e, &c));
    build(ctx, &e, &st, "{\"Resources\": {" API "," PATH1 "}}", "{" FN "}");
    CHECK(!crossing_find(ctx->arena, small, &e, &c));
    ctx_free(ctx);
}

int main(void)
{
    RUN(rest_parts_move);
    RUN(http_routes_move);
    RUN(no_crossing);
    return check_summary();
}
