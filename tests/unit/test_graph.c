/* test_graph.c: order, ties by name, and whole cycles. */
#include "check.h"
#include "helpers.h"

#define FN(name, extra) \
    "function " name " {\n runtime python3.12\n handler index.handler\n code \"src\"\n" extra "}\n"

static int position(Ctx *ctx, const char *name)
{
    for (int i = 0; i < ctx->prog.order.len; i++) {
        Decl *d = ctx->prog.order.items[i];
        if (d->name && strcmp(d->name, name) == 0)
            return i;
    }
    return -1;
}

static void dependencies_come_first(void)
{
    Ctx *ctx = compile_text(FN("a", " env { T = zz.name; B = b.arn }\n") FN("b", "")
                            "table zz { key id: string }\n");
    CHECK_STR(diag_text(ctx), "");
    CHECK(position(ctx, "zz") >= 0 && position(ctx, "zz") < position(ctx, "a"));
    CHECK(position(ctx, "b") < position(ctx, "a"));
    ctx_free(ctx);
}

static void order_does_not_depend_on_file_order(void)
{
    Ctx *one = compile_text("table b { key id: string }\ntable a { key id: string }\n"
                            "table c { key id: string }\n");
    Ctx *two = compile_text("table c { key id: string }\ntable a { key id: string }\n"
                            "table b { key id: string }\n");
    CHECK_INT(position(one, "a"), position(two, "a"));
    CHECK_INT(position(one, "b"), position(two, "b"));
    CHECK(position(one, "a") < position(one, "b"));
    CHECK(position(one, "b") < position(one, "c"));
    ctx_free(one);
    ctx_free(two);
}

static void a_cycle_prints_every_step(void)
{
    Ctx *ctx = compile_text(FN("a", " env { X = b.arn }\n") FN("b", " env { Y = c.name }\n")
                            FN("c", " env { Z = a.arn }\n"));
    const char *d = diag_text(ctx);
    CHECK_INT(ctx->nerrors, 1);
    CHECK(has(d, "dependency cycle: function 'a' -> function 'b' -> function 'c' -> function 'a'"));
    CHECK(has(d, "5:12: note: function 'a' env 'X' refers to 'b.arn'"));
    CHECK(has(d, "11:12: note: function 'b' env 'Y' refers to 'c.name'"));
    CHECK(has(d, "17:12: note: function 'c' env 'Z' refers to 'a.arn'"));
    CHECK(ctx->prog.order.len == 0);
    ctx_free(ctx);
}

static void two_separate_cycles_are_two_errors(void)
{
    Ctx *ctx = compile_text(FN("a", " env { X = b.arn }\n") FN("b", " env { Y = a.arn }\n")
                            FN("c", " env { Z = c.arn }\n"));
    CHECK_INT(ctx->nerrors, 2);
    ctx_free(ctx);
}

static void api_url_in_its_own_function_is_no_cycle(void)
{
    Ctx *ctx = compile_text(FN("counter", " env { URL = api.url }\n")
                            "route GET /{name} -> counter\n");
    CHECK_STR(diag_text(ctx), "");
    CHECK_INT(ctx->nerrors, 0);
    ctx_free(ctx);
}

static void dot_output_names_every_edge(void)
{
    Ctx *ctx = compile_text("table t { key id: string }\n" FN("f", " env { T = t.name }\n")
                            "route GET / -> f\n");
    Buf b = {0};
    graph_print_dot(ctx, &b);
    CHECK(has(b.data, "digraph hitc {"));
    CHECK(has(b.data, "[label=\"env 'T' refers to 't.name'\"]"));
    CHECK(has(b.data, "[label=\"calls 'f'\"]"));
    buf_free(&b);
    ctx_free(ctx);
}

/* The REST deployment is a built-in declaration with an edge to every
 * route (issue 7 item 5).  Reproduction: before, `hitc graph` of this
 * file showed no deployment (its logical ID was hard-coded in the API's
 * finish, outside the graph) and no node for the api. */
static void the_deployment_is_in_the_graph_after_every_route(void)
{
    Ctx *ctx = compile_text(FN("f", "") "route GET / -> f\nroute POST /x/{id} -> f\n");
    CHECK_STR(diag_text(ctx), "");
    Buf b = {0};
    graph_print_dot(ctx, &b);
    CHECK(has(b.data, "[label=\"the api deployment\"]"));
    CHECK(has(b.data, "[label=\"the api\"]"));
    CHECK(has(b.data, "[label=\"deploys route GET /\"]"));
    CHECK(has(b.data, "[label=\"deploys route POST /x/{id}\"]"));
    int dep = -1, last_route = -1;
    for (int i = 0; i < ctx->prog.order.len; i++) {
        Decl *d = ctx->prog.order.items[i];
        if (strcmp(d->display, "the api deployment") == 0)
            dep = i;
        if (d->kind == &kind_route)
            last_route = i;
    }
    CHECK(dep > last_route && last_route >= 0);
    buf_free(&b);
    ctx_free(ctx);
}

/* kind http: api.url in env of a function behind a route is no cycle
 * either (it reads the API's id and the Stage parameter), and there is no
 * deployment declaration: the stage deploys itself. */
static void http_api_url_is_no_cycle_and_has_no_deployment(void)
{
    Ctx *ctx = compile_text(FN("counter", " env { URL = api.url }\n")
                            "api { kind http }\nroute GET /{name} -> counter\n");
    CHECK_STR(diag_text(ctx), "");
    for (int i = 0; i < ctx->prog.order.len; i++)
        CHECK(strcmp(((Decl *)ctx->prog.order.items[i])->display,
                     "the api deployment") != 0);
    ctx_free(ctx);
}

int main(void)
{
    RUN(dependencies_come_first);
    RUN(order_does_not_depend_on_file_order);
    RUN(a_cycle_prints_every_step);
    RUN(two_separate_cycles_are_two_errors);
    RUN(api_url_in_its_own_function_is_no_cycle);
    RUN(dot_output_names_every_edge);
    RUN(the_deployment_is_in_the_graph_after_every_route);
    RUN(http_api_url_is_no_cycle_and_has_no_deployment);
    return check_summary();
}
