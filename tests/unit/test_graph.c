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
    CHECK(has(d, "dependency cycle: function 'a' -> stamp of function 'a' -> function 'b' -> "
                 "stamp of function 'b' -> function 'c' -> stamp of function 'c' -> function 'a'"));
    CHECK(has(d, "5:2: note: function 'a' runs the code its stamp writes"));
    CHECK(has(d, "5:12: note: stamp of function 'a' writes env 'X', which refers to 'b.arn'"));
    CHECK(has(d, "11:2: note: function 'b' runs the code its stamp writes"));
    CHECK(has(d, "11:12: note: stamp of function 'b' writes env 'Y', which refers to 'c.name'"));
    CHECK(has(d, "17:2: note: function 'c' runs the code its stamp writes"));
    CHECK(has(d, "17:12: note: stamp of function 'c' writes env 'Z', which refers to 'a.arn'"));
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
    CHECK(has(b.data, "[label=\"writes env 'T', which refers to 't.name'\"]"));
    CHECK(has(b.data, "[label=\"calls 'f'\"]"));
    buf_free(&b);
    ctx_free(ctx);
}

/* The DOT name ("n4") of the node labelled label, or "" when none is. */
static const char *dot_node(const char *dot, const char *label)
{
    static char name[32];
    char want[256];
    snprintf(want, sizeof want, " [label=\"%s\"];\n", label);
    const char *at = strstr(dot, want);
    name[0] = '\0';
    if (!at)
        return name;
    const char *start = at;
    while (start > dot && start[-1] != ' ')
        start--;
    snprintf(name, sizeof name, "%.*s", (int)(at - start), start);
    return name;
}

static bool dot_edge(const char *dot, const char *from, const char *to,
                     const char *why)
{
    char want[512];
    snprintf(want, sizeof want, "  %s -> %s [label=\"%s\"];\n", from, to, why);
    return from[0] && to[0] && strstr(dot, want) != NULL;
}

/* A stamped function's stamp and hitc's stamper are nodes of the graph,
 * with edges function -> its stamp -> what its env reads, and stamp ->
 * the stamper.  Reproduction: before, `hitc graph` of a stamped function
 * drew the function's env edges straight to the table, and no stamp or
 * stamper at all. */
static void stamps_and_the_stamper_are_nodes(void)
{
    Ctx *ctx = compile_text("table t { key id: string }\n"
                            FN("f", " env { T = t.name }\n")
                            FN("g", " env { F = f.arn }\n")
                            FN("h", " env { TT = t.arn }\n env-mode native\n"));
    CHECK_STR(diag_text(ctx), "");
    Buf b = {0};
    graph_print_dot(ctx, &b);
    char f[32], sf[32], g[32], sg[32], t[32], stamper[32];
    snprintf(f, sizeof f, "%s", dot_node(b.data, "function 'f'"));
    snprintf(sf, sizeof sf, "%s", dot_node(b.data, "stamp of function 'f'"));
    snprintf(g, sizeof g, "%s", dot_node(b.data, "function 'g'"));
    snprintf(sg, sizeof sg, "%s", dot_node(b.data, "stamp of function 'g'"));
    snprintf(t, sizeof t, "%s", dot_node(b.data, "table 't'"));
    snprintf(stamper, sizeof stamper, "%s", dot_node(b.data, "hitc's stamper"));
    CHECK(f[0] && sf[0] && g[0] && sg[0] && t[0] && stamper[0]);
    CHECK(dot_edge(b.data, f, sf, "runs the code its stamp writes"));
    CHECK(dot_edge(b.data, sf, t, "writes env 'T', which refers to 't.name'"));
    CHECK(dot_edge(b.data, sf, stamper, "is made by hitc's stamper"));
    CHECK(dot_edge(b.data, g, sg, "runs the code its stamp writes"));
    CHECK(dot_edge(b.data, sg, f, "writes env 'F', which refers to 'f.arn'"));
    CHECK(dot_edge(b.data, sg, stamper, "is made by hitc's stamper"));
    /* h's env is native: no stamp, its own edge to the table */
    CHECK_STR(dot_node(b.data, "stamp of function 'h'"), "");
    char h[32];
    snprintf(h, sizeof h, "%s", dot_node(b.data, "function 'h'"));
    CHECK(dot_edge(b.data, h, t, "env 'TT' refers to 't.arn'"));
    buf_free(&b);
    ctx_free(ctx);

    /* No stamped function: no stamper. */
    ctx = compile_text("table t { key id: string }\n" FN("f", ""));
    graph_print_dot(ctx, &b);
    CHECK(!has(b.data, "stamp"));
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

/* The stamps leave the order of everything else as it was: a stamp goes
 * just before its function, the stamper first. */
static void a_stamp_goes_just_before_its_function(void)
{
    Ctx *ctx = compile_text(FN("b", " env { X = \"x\" }\n") FN("a", " env { Y = b.arn }\n"));
    CHECK_STR(diag_text(ctx), "");
    Decl *first = ctx->prog.order.items[0];
    CHECK(first == ctx->prog.stamper);
    int pa = position(ctx, "a"), pb = position(ctx, "b");
    CHECK(pb >= 0 && pb < pa);
    Decl *before_a = ctx->prog.order.items[pa - 1];
    Decl *before_b = ctx->prog.order.items[pb - 1];
    CHECK(before_a->kind == &kind_stamp && before_a->part_of == lookup(ctx, "a"));
    CHECK(before_b->kind == &kind_stamp && before_b->part_of == lookup(ctx, "b"));
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
    RUN(stamps_and_the_stamper_are_nodes);
    RUN(a_stamp_goes_just_before_its_function);
    RUN(the_deployment_is_in_the_graph_after_every_route);
    RUN(http_api_url_is_no_cycle_and_has_no_deployment);
    return check_summary();
}
