/* test_resolve.c: names, kinds, attributes, suggestions and grants. */
#include "check.h"
#include "helpers.h"

#define FN(name, extra) \
    "function " name " {\n runtime python3.12\n handler index.handler\n code \"src\"\n" extra "}\n"

static void resolves_references(void)
{
    Ctx *ctx = compile_text("table counters { key name: string }\n"
                            FN("counter", " env { table = counters.name }\n")
                            "output o = counter.arn\n");
    CHECK_STR(diag_text(ctx), "");
    Decl *fn = lookup(ctx, "counter");
    CHECK(fn && fn->kind == &kind_function);
    CHECK_STR(fn->logical, "CounterFunction");
    /* env-mode stamp (the default): the function runs the code its stamp
     * writes, and the stamp reads the env's values. */
    REQUIRE_INT(fn->edges.len, 1);
    Edge *e = fn->edges.items[0];
    Decl *stamp = e->to;
    CHECK(stamp->kind == &kind_stamp && stamp->part_of == fn);
    CHECK_STR(stamp->display, "stamp of function 'counter'");
    CHECK_STR(e->why, "runs the code its stamp writes");
    REQUIRE_INT(stamp->edges.len, 2);
    e = stamp->edges.items[0];
    CHECK(e->to == ctx->prog.stamper);
    e = stamp->edges.items[1];
    CHECK_STR(e->to->name, "counters");
    CHECK_STR(e->why, "writes env 'table', which refers to 'counters.name'");
    ctx_free(ctx);

    /* env-mode native: no stamp, the function reads the values. */
    ctx = compile_text("table counters { key name: string }\n"
                       FN("counter", " env { table = counters.name }\n env-mode native\n"));
    CHECK_STR(diag_text(ctx), "");
    fn = lookup(ctx, "counter");
    CHECK(ctx->prog.stamper == NULL);
    REQUIRE_INT(fn->edges.len, 1);
    e = fn->edges.items[0];
    CHECK_STR(e->to->name, "counters");
    CHECK_STR(e->why, "env 'table' refers to 'counters.name'");
    ctx_free(ctx);

    /* env-mode both: the function and its stamp read them. */
    ctx = compile_text("table counters { key name: string }\n"
                       FN("counter", " env { table = counters.name }\n env-mode both\n"));
    CHECK_STR(diag_text(ctx), "");
    fn = lookup(ctx, "counter");
    REQUIRE_INT(fn->edges.len, 2);    /* its stamp, then the table */
    e = fn->edges.items[0];
    CHECK(e->to->kind == &kind_stamp);
    REQUIRE_INT(e->to->edges.len, 2);
    e = fn->edges.items[1];
    CHECK_STR(e->to->name, "counters");
    CHECK_STR(e->why, "env 'table' refers to 'counters.name'");
    ctx_free(ctx);
}

static void suggests_the_closest_name_of_any_kind(void)
{
    Ctx *ctx = compile_text("table counters { key name: string }\n"
                            FN("counter", " env { t = countres.name }\n"));
    CHECK(has(diag_text(ctx), "unknown table 'countres'; did you mean 'counters'?"));
    ctx_free(ctx);
}

static void no_suggestion_when_nothing_is_close(void)
{
    Ctx *ctx = compile_text("table counters { key name: string }\noutput o = zebra.name\n");
    CHECK(has(diag_text(ctx), "unknown name 'zebra'\n"));
    ctx_free(ctx);
}

static void attributes_are_checked(void)
{
    Ctx *ctx = compile_text("table t { key id: string }\noutput a = t.nmae\noutput b = t\noutput c = aws.region\n");
    const char *d = diag_text(ctx);
    CHECK(has(d, "table 't' has no attribute 'nmae'; did you mean 'name'?"));
    CHECK(has(d, "'t' is a table, not a value; use one of its attributes: t.arn, t.name, t.stream"));
    CHECK_INT(ctx->nerrors, 2);
    ctx_free(ctx);
}

static void names_collide_by_case_and_dash(void)
{
    Ctx *ctx = compile_text("table my-table { key id: string }\ntable My_Table { key id: string }\n");
    CHECK(has(diag_text(ctx), "'My_Table' and 'my-table' differ only in case"));
    ctx_free(ctx);
}

static void names_are_checked(void)
{
    Ctx *ctx = compile_text("table aws { key id: string }\n"
                            "table a2345678901234567890123456789012345678901234567890123456789012345 { key id: string }\n");
    const char *d = diag_text(ctx);
    CHECK(has(d, "'aws' is reserved"));
    CHECK(has(d, "longer than 64 characters"));
    ctx_free(ctx);
}

static void env_tables_get_readwrite_unless_allowed(void)
{
    Ctx *ctx = compile_text("table a { key id: string }\ntable b { key id: string }\n"
                            FN("f", " env { A = a.name; B = \"${b.arn}\" }\n allow b read\n"));
    CHECK_STR(diag_text(ctx), "");
    Decl *f = lookup(ctx, "f");
    /* allow b, and its stamp, whose env A -> a, env B -> b. */
    REQUIRE_INT(f->edges.len, 2);
    CHECK_INT(((Edge *)f->edges.items[1])->to->edges.len, 3);
    ctx_free(ctx);
}

static void allow_needs_a_table(void)
{
    Ctx *ctx = compile_text(FN("f", " allow g read\n") FN("g", ""));
    CHECK(has(diag_text(ctx), "'g' is a function, not a table"));
    ctx_free(ctx);
}

static void stage_and_params_are_values(void)
{
    Ctx *ctx = compile_text("param p: string = \"x\"\ntable t { key id: string }\noutput o = \"${stage}-${p}\"\n");
    CHECK_STR(diag_text(ctx), "");
    ctx_free(ctx);
}

static void unused_param_warns(void)
{
    Ctx *ctx = compile_text("param p: string = \"x\"\ntable t { key id: string }\n");
    CHECK_INT(ctx->nerrors, 0);
    CHECK_INT(ctx->nwarnings, 1);
    CHECK(has(diag_text(ctx), "parameter 'p' is never used"));
    ctx_free(ctx);
}

static void every_error_in_one_run(void)
{
    Ctx *ctx = compile_text("table t { key id: strin }\n" FN("f", " memory 1\n timeout 901\n")
                            "route GET /{a} -> f\nroute GET /{b}/x -> f\n");
    CHECK_INT(ctx->nerrors, 4);
    ctx_free(ctx);
}

/* Logical IDs are known before emit (ids.c, run by compile()): every ID
 * a function will make is registered to it, and a clash is found without
 * emitting, so `hitc check` reports it. */
static void logical_ids_are_registered_before_emit(void)
{
    Ctx *ctx = compile_text("table counters { key name: string }\n"
                            FN("counter", " env { table = counters.name }\n"));
    CHECK_STR(diag_text(ctx), "");
    Decl *fn = lookup(ctx, "counter");
    CHECK_STR(logical_id(ctx, fn, "Role"), "CounterFunctionRole");
    CHECK(id_owner(ctx, "CounterFunctionRole") == fn);
    CHECK(id_owner(ctx, "CounterFunctionLogGroup") == fn);
    Decl *stamp = id_owner(ctx, "CounterFunctionCode");
    CHECK(stamp && stamp->kind == &kind_stamp && stamp->part_of == fn);
    CHECK(id_owner(ctx, "HitcStamperFunction") == ctx->prog.stamper);
    CHECK(ctx->prog.stamper && ctx->prog.stamper->kind == &kind_stamper);
    CHECK(id_owner(ctx, "CountersTable") == lookup(ctx, "counters"));
    CHECK(id_owner(ctx, "Stage") == ctx->prog.stage);
    CHECK_INT(ctx->nerrors, 0);
    ctx_free(ctx);

    ctx = compile_text("param counter_function: string\n"
                       FN("counter", "") "output o = counter_function\n");
    CHECK(has(diag_text(ctx), "would both be 'CounterFunction' in the template"));
    ctx_free(ctx);
}

/* A function's code is relative to the source that declares it, not to the
 * project's root.  The project here is "." (the repository) and the source
 * lives in examples/hits, which has src/: before compile.c's decl_dir the
 * path was "./src", and this failed with "code directory 'src' does not
 * exist". */
static void code_is_relative_to_the_declaring_source(void)
{
    const char *text = "function f {\n  runtime python3.12\n"
                       "  handler index.handler\n  code \"src\"\n}\n"
                       "route GET / -> f\n";
    Ctx *ctx = ctx_new();
    ctx->root = ".";
    Source *src = source_from_text(ctx, "examples/hits/other.hit", text,
                                   strlen(text));
    CHECK(compile(ctx, src));
    CHECK_STR(diag_text(ctx), "");
    Decl *f = lookup(ctx, "f");
    REQUIRE(f != NULL);
    CHECK_STR(decl_dir(ctx, f), "examples/hits");
    CHECK_STR(ctx->root, ".");
    ctx_free(ctx);
}

/* The expression a declaration named owner uses (its first). */
static Expr *expr_of(Ctx *ctx, const char *owner)
{
    for (int i = 0; i < ctx->prog.uses.len; i++) {
        Use *u = ctx->prog.uses.items[i];
        if (u->owner->name && strcmp(u->owner->name, owner) == 0)
            return u->expr;
    }
    return NULL;
}

/* Every expression carries a type once resolved: literals and
 * interpolations by their form, a reference by the attribute's type, a bare
 * parameter by its declared type, stage a string.  Before Expr.type there
 * was no type to read. */
static void expressions_carry_a_type(void)
{
    Ctx *ctx = compile_text("param n: number = 3\nparam s: string = \"x\"\n"
                            "table t { key id: string }\n"
                            "output a = \"lit\"\noutput b = 42\n"
                            "output c = \"${t.name}-x\"\noutput d = t.arn\n"
                            "output e = n\noutput f = s\noutput g = stage\n"
                            "output h = aws.region\n");
    CHECK_STR(diag_text(ctx), "");
    const char *names[] = {"a", "b", "c", "d", "e", "f", "g", "h"};
    ValueType want[] = {VT_STRING, VT_NUMBER, VT_STRING, VT_STRING,
                        VT_NUMBER, VT_STRING, VT_STRING, VT_STRING};
    for (int i = 0; i < 8; i++) {
        Expr *x = expr_of(ctx, names[i]);
        REQUIRE(x != NULL);
        if (x)
            CHECK_STR(value_type_name(x->type), value_type_name(want[i]));
    }
    Expr *c = expr_of(ctx, "c");
    CHECK(c && c->kind == E_INTERP && c->refs[0]->type == VT_STRING);
    CHECK_STR(value_type_name(VT_NUMBER), "a number");
    CHECK_STR(value_type_name(VT_STRING), "a string");
    ctx_free(ctx);
}

/* A declaration's attributes are its own: replaced after check (as a
 * plugin resource will carry its plugin's outputs), references, suggestions
 * and the "use one of its attributes" list follow the declaration, not its
 * kind.  Before Decl.attrs the lookup read the Kind's static table, so
 * 't.size' was "no attribute" and 't.name' resolved. */
static void a_declarations_own_attributes_are_resolved_against(void)
{
    const char *text = "table t { key id: string }\n"
                       "output a = t.size\noutput b = t.nmae\noutput c = t\n"
                       "output d = t.sise\ntable u { key id: string }\n"
                       "output e = u.name\n";
    Ctx *ctx = ctx_new();
    Source *src = source_from_text(ctx, "t.hit", text, strlen(text));
    File *f = parse(ctx, src);
    declare(ctx, f);
    check_decls(ctx);
    static const Attr own[] = {{"size", VT_NUMBER, ""}, {"label", VT_STRING, ""}};
    Decl *t = lookup(ctx, "t");
    decl_set_attrs(t, own, 2);
    resolve(ctx);
    const char *d = diag_text(ctx);
    CHECK(has(d, "table 't' has no attribute 'nmae'; it has t.size, t.label"));
    CHECK(has(d, "'t' is a table, not a value; use one of its attributes: t.size, t.label"));
    CHECK(has(d, "table 't' has no attribute 'sise'; did you mean 'size'?"));
    CHECK_INT(ctx->nerrors, 3);
    Expr *a = expr_of(ctx, "a");
    CHECK(a && a->target == t && a->type == VT_NUMBER);
    /* another table keeps its kind's attributes */
    Decl *u = lookup(ctx, "u");
    CHECK(u && u->attrs == kind_table.attrs && u->nattrs == 3);
    Expr *e = expr_of(ctx, "e");
    CHECK(e && e->target == u && e->type == VT_STRING);
    ctx_free(ctx);
}

static bool has_code(Ctx *ctx, DiagCode code)
{
    for (int i = 0; i < ctx->diags.len; i++)
        if (((Diag *)ctx->diags.items[i])->code == code)
            return true;
    return false;
}

/* An attribute that cannot be used here is reported with the code its
 * kind gives; resolve.c used to guess it by comparing kinds
 * (table ? D_NO_STREAM : D_NO_ROUTES). */
static void attribute_errors_carry_their_own_codes(void)
{
    Ctx *ctx = compile_text("table t { key id: string }\noutput o = t.stream\n");
    CHECK(has(diag_text(ctx), "table 't' has no stream"));
    CHECK(has_code(ctx, D_NO_STREAM));
    CHECK(!has_code(ctx, D_NO_ROUTES));
    ctx_free(ctx);

    ctx = compile_text("table t { key id: string }\noutput o = api.url\n");
    CHECK(has(diag_text(ctx), "'api.url' needs at least one route"));
    CHECK(has_code(ctx, D_NO_ROUTES));
    CHECK(!has_code(ctx, D_NO_STREAM));
    ctx_free(ctx);
}

int main(void)
{
    RUN(logical_ids_are_registered_before_emit);
    RUN(resolves_references);
    RUN(suggests_the_closest_name_of_any_kind);
    RUN(no_suggestion_when_nothing_is_close);
    RUN(attributes_are_checked);
    RUN(names_collide_by_case_and_dash);
    RUN(names_are_checked);
    RUN(env_tables_get_readwrite_unless_allowed);
    RUN(allow_needs_a_table);
    RUN(stage_and_params_are_values);
    RUN(unused_param_warns);
    RUN(every_error_in_one_run);
    RUN(code_is_relative_to_the_declaring_source);
    RUN(expressions_carry_a_type);
    RUN(a_declarations_own_attributes_are_resolved_against);
    RUN(attribute_errors_carry_their_own_codes);
    return check_summary();
}
