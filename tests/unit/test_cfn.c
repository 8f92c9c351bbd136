/*
 * test_cfn.c: the CloudFormation tree (cfn.c), its printer (cfn_json.c)
 * and its reader (cfn_read.c).
 *
 * The golden round trip reads every golden NAME.expected.json through
 * the reader and prints it back: the bytes must equal the file, and cJSON
 * (an independent parser, used only here) must read the same tree.
 */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cfn.h"
#include "check.h"
#include "helpers.h"

/* The .hit line a node of hitc's own template stands at; 0 when none. */
static int line_of(const CfnNode *n)
{
    int line = 0, col = 0;
    if (n && n->loc.src)
        loc_linecol(n->loc, &line, &col);
    return line;
}

static const Loc noloc = {0};

/* Read text named path; the tree, or NULL. */
static CfnNode *read_text(Ctx *ctx, const char *path, const char *text)
{
    Source *src = source_from_text(ctx, path, text, strlen(text));
    return cfn_read(ctx, src);
}

/* The compact JSON of a text read, arena-owned; "(null)" on failure. */
static const char *compact(Ctx *ctx, const char *text)
{
    CfnNode *n = read_text(ctx, "t.yaml", text);
    if (!n)
        return "(null)";
    char *s = cfn_json_compact(n);
    char *r = arena_strdup(ctx->arena, s);
    free(s);
    return r;
}

static void linecol(Loc l, int *line, int *col)
{
    loc_linecol(l, line, col);
}

static void test_build_and_print(void)
{
    Ctx *ctx = ctx_new();
    Arena *a = ctx->arena;
    CfnNode *t = cfn_obj(a, noloc);
    cfn_obj_set(a, t, "AWSTemplateFormatVersion", noloc,
                cfn_str(a, noloc, "2010-09-09"));
    CfnNode *r = cfn_obj(a, noloc);
    cfn_obj_set(a, t, "Resources", noloc, r);
    CfnNode *fn = cfn_obj(a, noloc);
    cfn_obj_set(a, r, "Fn", noloc, fn);
    cfn_obj_set(a, fn, "Type", noloc, cfn_str(a, noloc, "AWS::Lambda::Function"));
    CfnNode *p = cfn_obj(a, noloc);
    cfn_obj_set(a, fn, "Properties", noloc, p);
    cfn_obj_set(a, p, "MemorySize", noloc, cfn_num(a, noloc, 128));
    cfn_obj_set(a, p, "Role", noloc, cfn_getatt(a, noloc, "Role", "Arn"));
    cfn_obj_set(a, p, "Name", noloc, cfn_sub(a, noloc, "${AWS::StackName}-fn"));
    cfn_obj_set(a, p, "Stage", noloc, cfn_ref(a, noloc, "Stage"));
    cfn_obj_set(a, p, "Quote", noloc, cfn_str(a, noloc, "a\"b\\c\n\x01é"));
    cfn_obj_set(a, p, "Empty", noloc, cfn_arr(a, noloc));
    CfnNode *list = cfn_arr(a, noloc);
    cfn_arr_push(a, list, cfn_bool(a, noloc, true));
    cfn_arr_push(a, list, cfn_null(a, noloc));
    cfn_obj_set(a, p, "List", noloc, list);
    char *s = cfn_json(t);
    CHECK_STR(s,
              "{\n"
              "  \"AWSTemplateFormatVersion\": \"2010-09-09\",\n"
              "  \"Resources\": {\n"
              "    \"Fn\": {\n"
              "      \"Type\": \"AWS::Lambda::Function\",\n"
              "      \"Properties\": {\n"
              "        \"MemorySize\": 128,\n"
              "        \"Role\": {\n"
              "          \"Fn::GetAtt\": [\"Role\", \"Arn\"]\n"
              "        },\n"
              "        \"Name\": { \"Fn::Sub\": \"${AWS::StackName}-fn\" },\n"
              "        \"Stage\": { \"Ref\": \"Stage\" },\n"
              "        \"Quote\": \"a\\\"b\\\\c\\n\\u0001é\",\n"
              "        \"Empty\": [],\n"
              "        \"List\": [true, null]\n"
              "      }\n"
              "    }\n"
              "  }\n"
              "}");
    free(s);
    s = cfn_json_compact(p);
    CHECK_STR(s, "{\"MemorySize\":128,\"Role\":{\"Fn::GetAtt\":[\"Role\","
                 "\"Arn\"]},\"Name\":{\"Fn::Sub\":\"${AWS::StackName}-fn\"},"
                 "\"Stage\":{\"Ref\":\"Stage\"},\"Quote\":\"a\\\"b\\\\c\\n"
                 "\\u0001é\",\"Empty\":[],\"List\":[true,null]}");
    free(s);
    CHECK_STR(cfn_intrinsic_name(cfn_obj_get(p, "Role")), "Fn::GetAtt");
    CHECK_STR(cfn_intrinsic_name(cfn_obj_get(p, "Stage")), "Ref");
    CHECK(cfn_intrinsic_name(p) == NULL);
    /* A long line of scalars breaks like json_render breaks it. */
    CfnNode *wide = cfn_arr(a, noloc);
    for (int i = 0; i < 12; i++)
        cfn_arr_push(a, wide, cfn_str(a, noloc, "abcdef"));
    CfnNode *top = cfn_obj(a, noloc);
    cfn_obj_set(a, top, "W", noloc, wide);
    s = cfn_json(top);
    CHECK(strstr(s, "\"W\": [\n    \"abcdef\",\n") != NULL);
    free(s);
    ctx_free(ctx);
}

/* cfn_obj_set keeps keys distinct and ordered, in small objects (scanned)
 * and big ones (indexed) alike. */
static void test_object_lookup(void)
{
    Ctx *ctx = ctx_new();
    Arena *a = ctx->arena;
    CfnNode *o = cfn_obj(a, noloc);
    for (int i = 0; i < 5000; i++) {
        char key[32];
        snprintf(key, sizeof key, "Key%d", i);
        CHECK(cfn_obj_set(a, o, key, noloc, cfn_num(a, noloc, i)) == NULL);
    }
    CHECK_INT(o->len, 5000);
    REQUIRE(o->index != NULL);
    CHECK_STR(cfn_obj_get(o, "Key0")->text, "0");
    CHECK_STR(cfn_obj_get(o, "Key4999")->text, "4999");
    CHECK_STR(cfn_obj_get(o, "Key8")->text, "8");
    CHECK(cfn_obj_get(o, "Key5000") == NULL);
    CfnPair *old = cfn_obj_set(a, o, "Key7", noloc, cfn_null(a, noloc));
    CHECK(old && strcmp(old->value->text, "7") == 0);
    REQUIRE_INT(o->len, 5000);
    CHECK_STR(o->pairs[4999].key, "Key4999");
    CfnNode *small = cfn_obj(a, noloc);
    cfn_obj_set(a, small, "b", noloc, cfn_num(a, noloc, 1));
    cfn_obj_set(a, small, "a", noloc, cfn_num(a, noloc, 2));
    CHECK(small->index == NULL);
    CHECK(cfn_obj_set(a, small, "b", noloc, cfn_null(a, noloc)) != NULL);
    CHECK_STR(small->pairs[0].key, "b");
    CHECK_STR(cfn_obj_get(small, "a")->text, "2");
    ctx_free(ctx);
}

/* Every golden template, read and printed back, byte for byte; and the
 * same bytes as emit.c's printer makes of it. */
static void test_golden_round_trip(void)
{
    DIR *d = opendir("tests/golden");
    REQUIRE(d != NULL);
    if (!d)
        return;
    int seen = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t n = strlen(e->d_name);
        if (n < 14 || strcmp(e->d_name + n - 14, ".expected.json") != 0)
            continue;
        Ctx *ctx = ctx_new();
        char *path = arena_printf(ctx->arena, "tests/golden/%s", e->d_name);
        Source *src = source_load(ctx, path, noloc);
        REQUIRE(src != NULL);
        CfnNode *t = src ? cfn_read(ctx, src) : NULL;
        REQUIRE(t != NULL);
        if (t) {
            char *s = cfn_json(t);
            char *want = arena_strndup(ctx->arena, src->text, src->len);
            size_t wl = strlen(want);
            if (wl && want[wl - 1] == '\n')
                want[wl - 1] = '\0';
            CHECK_STR(s, want);
            /* cJSON, a parser of its own, reads the same tree. */
            cJSON *j = cJSON_Parse(src->text);
            REQUIRE(j != NULL);
            char *r = j ? cJSON_PrintUnformatted(j) : NULL;
            char *c = cfn_json_compact(t);
            CHECK_STR(c, r ? r : "(null)");
            free(c);
            free(r);
            cJSON_Delete(j);
            free(s);
            seen++;
        }
        CHECK_INT(ctx->nerrors, 0);
        ctx_free(ctx);
    }
    closedir(d);
    CHECK(seen >= 4);
}

/* Every short form becomes its long form. */
static void test_short_tags(void)
{
    Ctx *ctx = ctx_new();
    const char *yaml =
        "a: !Ref Stage\n"
        "b: !GetAtt Role.Arn\n"
        "c: !GetAtt [Role, Arn]\n"
        "d: !Sub '${AWS::StackName}-x'\n"
        "e: !Sub [\"${A}\", {A: !Ref Stage}]\n"
        "f: !If [IsProd, 1, 2]\n"
        "g: !Join [',', [a, b]]\n"
        "h: !Select [0, !GetAZs '']\n"
        "i: !Split [',', 'a,b']\n"
        "j: !FindInMap [M, K, V]\n"
        "k: !ImportValue Shared\n"
        "l: !Base64 text\n"
        "m: !Cidr [10.0.0.0/16, 4, 8]\n"
        "n: !Equals [a, b]\n"
        "o: !And [!Condition A, !Not [!Condition B]]\n"
        "p: !Or [!Condition A, !Condition B]\n"
        "q: !Transform {Name: AWS::Include, Parameters: {Location: s3://b/k}}\n"
        "r: !ToJsonString {a: 1}\n"
        "s: !Length [1, 2]\n"
        "t: !GetStackOutput {StackName: s, OutputName: o}\n"
        "u: !Contains [[a], !Ref P]\n"
        "v: !EachMemberEquals [!RefAll T, x]\n"
        "w: !EachMemberIn [!ValueOfAll [T, K], [x]]\n"
        "x: !ValueOf [P, K]\n"
        "y: !GetAtt Stack.Outputs.Name\n";
    CHECK_STR(compact(ctx, yaml),
              "{\"a\":{\"Ref\":\"Stage\"},"
              "\"b\":{\"Fn::GetAtt\":[\"Role\",\"Arn\"]},"
              "\"c\":{\"Fn::GetAtt\":[\"Role\",\"Arn\"]},"
              "\"d\":{\"Fn::Sub\":\"${AWS::StackName}-x\"},"
              "\"e\":{\"Fn::Sub\":[\"${A}\",{\"A\":{\"Ref\":\"Stage\"}}]},"
              "\"f\":{\"Fn::If\":[\"IsProd\",1,2]},"
              "\"g\":{\"Fn::Join\":[\",\",[\"a\",\"b\"]]},"
              "\"h\":{\"Fn::Select\":[0,{\"Fn::GetAZs\":\"\"}]},"
              "\"i\":{\"Fn::Split\":[\",\",\"a,b\"]},"
              "\"j\":{\"Fn::FindInMap\":[\"M\",\"K\",\"V\"]},"
              "\"k\":{\"Fn::ImportValue\":\"Shared\"},"
              "\"l\":{\"Fn::Base64\":\"text\"},"
              "\"m\":{\"Fn::Cidr\":[\"10.0.0.0/16\",4,8]},"
              "\"n\":{\"Fn::Equals\":[\"a\",\"b\"]},"
              "\"o\":{\"Fn::And\":[{\"Condition\":\"A\"},{\"Fn::Not\":"
              "[{\"Condition\":\"B\"}]}]},"
              "\"p\":{\"Fn::Or\":[{\"Condition\":\"A\"},{\"Condition\":\"B\"}]},"
              "\"q\":{\"Fn::Transform\":{\"Name\":\"AWS::Include\","
              "\"Parameters\":{\"Location\":\"s3://b/k\"}}},"
              "\"r\":{\"Fn::ToJsonString\":{\"a\":1}},"
              "\"s\":{\"Fn::Length\":[1,2]},"
              "\"t\":{\"Fn::GetStackOutput\":{\"StackName\":\"s\","
              "\"OutputName\":\"o\"}},"
              "\"u\":{\"Fn::Contains\":[[\"a\"],{\"Ref\":\"P\"}]},"
              "\"v\":{\"Fn::EachMemberEquals\":[{\"Fn::RefAll\":\"T\"},\"x\"]},"
              "\"w\":{\"Fn::EachMemberIn\":[{\"Fn::ValueOfAll\":[\"T\",\"K\"]},"
              "[\"x\"]]},"
              "\"x\":{\"Fn::ValueOf\":[\"P\",\"K\"]},"
              "\"y\":{\"Fn::GetAtt\":[\"Stack\",\"Outputs.Name\"]}}");
    CHECK_INT(ctx->nerrors, 0);
    CHECK_INT(ctx->nwarnings, 0);
    ctx_free(ctx);
}

/* Unknown tags, !ForEach and a GetAtt without a dot are errors at the
 * tag. */
static void test_bad_tags(void)
{
    Ctx *ctx = ctx_new();
    CHECK(read_text(ctx, "t.yaml", "a: b\nc: !GetAt Role.Arn\n") == NULL);
    CHECK(has(diag_text(ctx), "2:4: unknown tag '!GetAt'; did you mean "
                              "'!GetAtt'?"));
    ctx_free(ctx);
    ctx = ctx_new();
    CHECK(read_text(ctx, "t.yaml", "a: !ForEach [x, [a], {}]\n") == NULL);
    CHECK(has(diag_text(ctx), "1:4: 'Fn::ForEach' has no short form"));
    ctx_free(ctx);
    ctx = ctx_new();
    CHECK(read_text(ctx, "t.yaml", "a: !!binary aGk=\n") == NULL);
    CHECK(has(diag_text(ctx), "the YAML tag 'tag:yaml.org,2002:binary' is "
                              "not one CloudFormation takes"));
    ctx_free(ctx);
    ctx = ctx_new();
    CHECK(read_text(ctx, "t.yaml", "a: !GetAtt Role\n") == NULL);
    CHECK(has(diag_text(ctx), "1:12: '!GetAtt Role' names no attribute"));
    ctx_free(ctx);
    ctx = ctx_new();
    CHECK(read_text(ctx, "t.yaml", "a: !Frobnicate x\n") == NULL);
    CHECK(has(diag_text(ctx), "1:4: unknown tag '!Frobnicate'\n"));
    CHECK(diag_table[D_CFN_BAD_TAG].code[1] == '0');
    ctx_free(ctx);
    /* !!str keeps a plain scalar a string. */
    ctx = ctx_new();
    CHECK_STR(compact(ctx, "a: !!str 10\nb: ! true\n"),
              "{\"a\":\"10\",\"b\":\"true\"}");
    ctx_free(ctx);
}

/* Nodes and keys carry line:col, through tags and in JSON. */
static void test_locations(void)
{
    Ctx *ctx = ctx_new();
    CfnNode *t = read_text(ctx, "t.yaml",
                           "Resources:\n"
                           "  Fn:\n"
                           "    Type: 'AWS::Lambda::Function'\n"
                           "    Role: !GetAtt Role.Arn\n"
                           "    List:\n"
                           "      - é\n"
                           "      - x: 1\n");
    REQUIRE(t != NULL);
    if (!t)
        goto out;
    int line, col;
    CfnPair *res = cfn_obj_pair(t, "Resources");
    linecol(res->key_loc, &line, &col);
    CHECK_INT(line, 1);
    CHECK_INT(col, 1);
    CHECK_INT(res->key_loc.len, 9);
    CfnNode *fn = cfn_obj_get(res->value, "Fn");
    CfnPair *type = cfn_obj_pair(fn, "Type");
    linecol(type->key_loc, &line, &col);
    CHECK_INT(line, 3);
    CHECK_INT(col, 5);
    linecol(type->value->loc, &line, &col);
    CHECK_INT(line, 3);
    CHECK_INT(col, 11);
    CHECK_INT(type->value->loc.len, 23);      /* with its quotes */
    CfnNode *role = cfn_obj_get(fn, "Role");
    linecol(role->loc, &line, &col);
    CHECK_INT(line, 4);
    CHECK_INT(col, 11);
    linecol(role->pairs[0].key_loc, &line, &col);   /* the tag */
    CHECK_INT(col, 11);
    CHECK_INT(role->pairs[0].key_loc.len, 7);
    CfnNode *parts = role->pairs[0].value;
    linecol(parts->items[0]->loc, &line, &col);
    CHECK_INT(col, 19);
    CHECK_INT(parts->items[0]->loc.len, 4);
    linecol(parts->items[1]->loc, &line, &col);
    CHECK_INT(col, 24);
    CHECK_INT(parts->items[1]->loc.len, 3);
    CfnNode *list = cfn_obj_get(fn, "List");
    linecol(list->items[0]->loc, &line, &col);
    CHECK_INT(line, 6);
    CHECK_INT(col, 9);
    CHECK_INT(list->items[0]->loc.len, 2);     /* é is two bytes */
    CfnPair *x = cfn_obj_pair(list->items[1], "x");
    linecol(x->value->loc, &line, &col);
    CHECK_INT(line, 7);
    CHECK_INT(col, 12);
    /* JSON */
    t = read_text(ctx, "t.json", "{\n  \"a\": [1,\n    \"é\", {\"b\": null}]\n}");
    REQUIRE(t != NULL);
    if (!t)
        goto out;
    CfnPair *a = cfn_obj_pair(t, "a");
    linecol(a->key_loc, &line, &col);
    CHECK_INT(line, 2);
    CHECK_INT(col, 3);
    CHECK_INT(a->key_loc.len, 3);
    linecol(a->value->items[1]->loc, &line, &col);
    CHECK_INT(line, 3);
    CHECK_INT(col, 5);
    CfnPair *b = cfn_obj_pair(a->value->items[2], "b");
    linecol(b->value->loc, &line, &col);
    CHECK_INT(col, 16);
out:
    CHECK_INT(ctx->nerrors, 0);
    ctx_free(ctx);
}

/* A duplicate key: an error at the second, a note at the first. */
static void test_duplicate_keys(void)
{
    Ctx *ctx = ctx_new();
    CHECK(read_text(ctx, "t.yaml", "a: 1\nb:\n  c: 1\n  c: 2\n") == NULL);
    CHECK_STR(diag_text(ctx), "4:3: duplicate key 'c'; a mapping takes each "
                              "key once\n3:3: note: 'c' was first given here\n");
    ctx_free(ctx);
    ctx = ctx_new();
    CHECK(read_text(ctx, "t.json", "{\"a\": 1,\n \"a\": 2}") == NULL);
    CHECK_STR(diag_text(ctx), "2:2: duplicate key 'a'; a mapping takes each "
                              "key once\n1:2: note: 'a' was first given here\n");
    ctx_free(ctx);
    /* In a big object too (the indexed path). */
    ctx = ctx_new();
    Buf b = {0};
    for (int i = 0; i < 40; i++)
        buf_printf(&b, "k%d: %d\n", i, i);
    buf_puts(&b, "k3: again\n");
    CHECK(read_text(ctx, "t.yaml", b.data) == NULL);
    CHECK(has(diag_text(ctx), "41:1: duplicate key 'k3'"));
    CHECK(has(diag_text(ctx), "4:1: note: 'k3' was first given here"));
    buf_free(&b);
    ctx_free(ctx);
}

/* libyaml's complaints come with their place. */
static void test_bad_syntax(void)
{
    Ctx *ctx = ctx_new();
    CHECK(read_text(ctx, "t.yaml", "a: 1\nb: [1, 2\nc: 3\n") == NULL);
    const char *d = diag_text(ctx);
    CHECK(has(d, "bad YAML: did not find expected ',' or ']'"));
    CHECK(has(d, "note: while parsing a flow sequence"));
    CHECK(has(d, "2:4: note"));
    ctx_free(ctx);
    ctx = ctx_new();
    CHECK(read_text(ctx, "t.yaml", "a: 1\n  b: 2\n") == NULL);
    CHECK(has(diag_text(ctx), "2:4: bad YAML: mapping values are not allowed"));
    ctx_free(ctx);
    /* A tab may separate, never indent, in YAML; JSON takes it anywhere
     * between tokens. */
    ctx = ctx_new();
    CHECK(read_text(ctx, "t.yaml", "a:\n\tb: 1\n") == NULL);
    CHECK(has(diag_text(ctx), "2:1: bad YAML: found character that cannot "
                              "start any token"));
    ctx_free(ctx);
    ctx = ctx_new();
    CHECK_STR(compact(ctx, "a: [1,\t2]\n"), "{\"a\":[1,2]}");
    CHECK_STR(compact(ctx, "{\n\t\"a\":\t[1,\t2]\n}"), "{\"a\":[1,2]}");
    ctx_free(ctx);
    ctx = ctx_new();
    CHECK(read_text(ctx, "t.yaml", "a: \"\xff\"\n") == NULL);
    CHECK(has(diag_text(ctx), "1:5: bad YAML: invalid leading UTF-8 octet"));
    ctx_free(ctx);
    ctx = ctx_new();
    CHECK(read_text(ctx, "t.json", "{\"a\": [1, 2,]}") == NULL);
    CHECK_STR(diag_text(ctx), "1:13: bad JSON: expected a value, not ']'\n");
    ctx_free(ctx);
    ctx = ctx_new();
    CHECK(read_text(ctx, "t.json", "{\"a\": 1} x") == NULL);
    CHECK_STR(diag_text(ctx), "1:10: bad JSON: expected the end of the file, "
                              "not 'x'\n");
    ctx_free(ctx);
    ctx = ctx_new();
    CHECK(read_text(ctx, "t.json", "{\"a\": 1 // no\n}") == NULL);
    CHECK(has(diag_text(ctx), "1:9: bad JSON: expected ',' or '}', not '/'"));
    ctx_free(ctx);
    ctx = ctx_new();
    CHECK_STR(compact(ctx, "[1}"), "(null)");
    CHECK(has(diag_text(ctx), "1:3: bad JSON: expected ',' or ']', not '}'"));
    ctx_free(ctx);
    ctx = ctx_new();
    CHECK(read_text(ctx, "t.json", "[1, \"abc") == NULL);
    CHECK_STR(diag_text(ctx), "1:5: a JSON string without its closing quote\n");
    ctx_free(ctx);
    ctx = ctx_new();
    CHECK(read_text(ctx, "t.json", "{\"a\": ") == NULL);
    CHECK(has(diag_text(ctx), "the JSON ends early; expected a value"));
    ctx_free(ctx);
    ctx = ctx_new();
    CHECK(read_text(ctx, "t.yaml", "  \n# only a comment\n") == NULL);
    CHECK(has(diag_text(ctx), "the template is empty"));
    ctx_free(ctx);
}

/* Nesting past CFN_MAX_DEPTH is refused, in both front ends, without
 * recursion; at the limit it is read. */
static void test_deep_nesting(void)
{
    for (int json = 0; json < 2; json++) {
        Ctx *ctx = ctx_new();
        Buf b = {0};
        if (!json)
            buf_puts(&b, "a: ");
        for (int i = 0; i < 100000; i++)
            buf_puts(&b, "[");
        CHECK(read_text(ctx, json ? "t.json" : "t.yaml", b.data) == NULL);
        CHECK(has(diag_text(ctx), "the template nests deeper than 128 levels"));
        CHECK_INT(ctx->nerrors, 1);
        buf_free(&b);
        ctx_free(ctx);
    }
    Ctx *ctx = ctx_new();
    Buf b = {0};
    for (int i = 0; i < CFN_MAX_DEPTH; i++)
        buf_puts(&b, "[");
    for (int i = 0; i < CFN_MAX_DEPTH; i++)
        buf_puts(&b, "]");
    CfnNode *n = read_text(ctx, "t.json", b.data);
    REQUIRE(n != NULL);
    if (n) {
        char *s = cfn_json_compact(n);
        CHECK_STR(s, b.data);
        free(s);
    }
    buf_free(&b);
    ctx_free(ctx);
}

/* How scalars are typed: YAML plain scalars as CloudFormation (YAML 1.1)
 * reads them, JSON strictly. */
static void test_scalar_typing(void)
{
    Ctx *ctx = ctx_new();
    CHECK_STR(compact(ctx, "a: 1\nb: -0.5\nc: 1e3\nd: 2010-09-09\n"
                           "e: true\nf: False\ng: ~\nh:\ni: null\n"
                           "j: '1'\nk: \"true\"\nl: 1.2.3\nm: |\n  x\n"),
              "{\"a\":1,\"b\":-0.5,\"c\":1e3,\"d\":\"2010-09-09\","
              "\"e\":true,\"f\":false,\"g\":null,\"h\":null,\"i\":null,"
              "\"j\":\"1\",\"k\":\"true\",\"l\":\"1.2.3\",\"m\":\"x\\n\"}");
    CHECK_INT(ctx->nerrors + ctx->nwarnings, 0);
    ctx_free(ctx);
    /* yes/no/on/off: booleans to CloudFormation, with a warning. */
    ctx = ctx_new();
    CHECK_STR(compact(ctx, "a: yes\nb: Off\nc: 'yes'\n"),
              "{\"a\":true,\"b\":false,\"c\":\"yes\"}");
    CHECK_INT(ctx->nwarnings, 2);
    CHECK(has(diag_text(ctx), "1:4: plain 'yes' is the boolean true to "
                              "CloudFormation (YAML 1.1); quote it"));
    ctx_free(ctx);
    /* YAML 1.1 numbers JSON cannot spell. */
    const char *ambiguous[] = {"0777", "0x1F", "0b101", "1_000", ".5", "+1",
                               "1:30", ".inf", "-.Inf", ".NaN", "1."};
    for (size_t i = 0; i < sizeof ambiguous / sizeof *ambiguous; i++) {
        ctx = ctx_new();
        char *text = arena_printf(ctx->arena, "a: %s\n", ambiguous[i]);
        CHECK(read_text(ctx, "t.yaml", text) == NULL);
        if (!has(diag_text(ctx), "is a number to YAML 1.1 that JSON cannot "
                                 "spell"))
            fprintf(stderr, "  not ambiguous: %s\n", ambiguous[i]);
        CHECK(has(diag_text(ctx), "is a number to YAML 1.1 that JSON cannot "
                                  "spell"));
        ctx_free(ctx);
    }
    /* Quoted, they are strings. */
    ctx = ctx_new();
    CHECK_STR(compact(ctx, "a: '0777'\nb: \"0x1F\"\nc: abc_1\n"),
              "{\"a\":\"0777\",\"b\":\"0x1F\",\"c\":\"abc_1\"}");
    ctx_free(ctx);
}

/* What a JSON template may hold that YAML 1.1 (libyaml) would read
 * differently or refuse, and what JSON refuses that YAML takes. */
static void test_json_vs_yaml(void)
{
    Ctx *ctx = ctx_new();
    /* Surrogate pairs (libyaml 0.2.5 refuses them: "found invalid Unicode
     * character escape code"), \/, tabs, 1e3 and a quoted "yes". */
    CHECK_STR(compact(ctx, "{\"a\": \"s3:\\/\\/b\", \"e\": \"\\ud83d\\ude00\","
                           "\t\"t\":\t\"\\u00e9\\t\", \"n\": 1e3, \"y\": \"yes\"}"),
              "{\"a\":\"s3://b\",\"e\":\"\xF0\x9F\x98\x80\",\"t\":\"é\\t\","
              "\"n\":1e3,\"y\":\"yes\"}");
    CHECK_INT(ctx->nerrors + ctx->nwarnings, 0);
    ctx_free(ctx);
    /* A key longer than libyaml's 1024-character simple keys (libyaml:
     * "did not find expected ',' or '}'"). */
    ctx = ctx_new();
    Buf b = {0};
    buf_puts(&b, "{\"");
    for (int i = 0; i < 2000; i++)
        buf_puts(&b, "k");
    buf_puts(&b, "\": 1}");
    CfnNode *n = read_text(ctx, "t.json", b.data);
    CHECK(n && n->len == 1 && strlen(n->pairs[0].key) == 2000);
    buf_free(&b);
    ctx_free(ctx);
    const char *bad[][2] = {
        {"[yes]", "1:2: bad JSON: 'yes' is not a JSON value"},
        {"[0777]", "1:2: bad JSON: '0777' is not a JSON value"},
        {"[.5]", "1:2: bad JSON: '.5' is not a JSON value"},
        {"[NaN]", "1:2: bad JSON: 'NaN' is not a JSON value"},
        {"['a']", "1:2: bad JSON: ''' is not a JSON value"},
        {"{a: 1}", "1:2: bad JSON: expected a string key or '}', not 'a'"},
        {"[\"\\ud83d\"]", "1:3: a lone UTF-16 surrogate"},
        {"[\"\\ude00\"]", "1:3: a lone UTF-16 surrogate"},
        {"[\"a\tb\"]", "1:4: a control character in a JSON string"},
        {"[\"\\x\"]", "1:3: unknown escape '\\x'"},
        {"[\"\\u00\"]", "1:3: '\\u' takes four hex digits"},
        {"[\"\\u0000\"]", "1:2: a NUL character in a string"},
        {"[\"\xc3\"]", "1:3: the template is not valid UTF-8"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        ctx = ctx_new();
        CHECK(read_text(ctx, "t.json", bad[i][0]) == NULL);
        if (!has(diag_text(ctx), bad[i][1]))
            fprintf(stderr, "  %s: %s", bad[i][0], diag_text(ctx));
        CHECK(has(diag_text(ctx), bad[i][1]));
        ctx_free(ctx);
    }
    /* The same scalars in YAML: yes is a boolean, 'a' a string. */
    ctx = ctx_new();
    CHECK_STR(compact(ctx, "- 'a'\n- \"s3:\\/\\/b\"\n- 1e3\n"),
              "[\"a\",\"s3://b\",1e3]");
    ctx_free(ctx);
}

/* What CloudFormation refuses in YAML, hitc refuses too. */
static void test_yaml_refusals(void)
{
    Ctx *ctx = ctx_new();
    CHECK(read_text(ctx, "t.yaml", "a: &x {b: 1}\nc: *x\n") == NULL);
    CHECK(has(diag_text(ctx), "2:4: YAML alias '*x'; CloudFormation does not "
                              "take aliases"));
    ctx_free(ctx);
    ctx = ctx_new();
    CHECK_STR(compact(ctx, "a: &x {b: 1}\n"), "{\"a\":{\"b\":1}}");
    ctx_free(ctx);
    ctx = ctx_new();
    CHECK(read_text(ctx, "t.yaml", "a: 1\n---\nb: 2\n") == NULL);
    CHECK(has(diag_text(ctx), "2:1: a second YAML document"));
    ctx_free(ctx);
    ctx = ctx_new();
    CHECK(read_text(ctx, "t.yaml", "? [a, b]\n: 1\n") == NULL);
    CHECK(has(diag_text(ctx), "1:3: a sequence as a mapping key"));
    ctx_free(ctx);
    ctx = ctx_new();
    CHECK(read_text(ctx, "t.yaml", "a: \"x\\0y\"\n") == NULL);
    CHECK(has(diag_text(ctx), "a NUL character in a string"));
    ctx_free(ctx);
    ctx = ctx_new();
    CHECK(read_text(ctx, "t.yaml", "a:\n  <<: {b: 1}\n") == NULL);
    CHECK(has(diag_text(ctx), "2:3: a YAML merge key '<<'"));
    ctx_free(ctx);
    ctx = ctx_new();
    CHECK_STR(compact(ctx, "'<<': 1\n"), "{\"<<\":1}");
    ctx_free(ctx);
    ctx = ctx_new();
    CHECK(read_text(ctx, "t.yaml", "!Ref a: 1\n") == NULL);
    CHECK(has(diag_text(ctx), "1:1: a tag on a mapping key"));
    ctx_free(ctx);
}

/* A long flow line keeps its places (marks on one line are found from
 * the last one, not from the line's start). */
static void test_long_line(void)
{
    Ctx *ctx = ctx_new();
    Buf b = {0};
    buf_puts(&b, "a: [");
    for (int i = 0; i < 200000; i++)
        buf_puts(&b, "é1, ");
    buf_puts(&b, "x]\n");
    CfnNode *t = read_text(ctx, "t.yaml", b.data);
    REQUIRE(t != NULL);
    if (t) {
        CfnNode *arr = cfn_obj_get(t, "a");
        REQUIRE_INT(arr->len, 200001);
        CfnNode *last = arr->items[200000];
        CHECK_STR(last->text, "x");
        CHECK_INT(last->loc.off, 4 + 200000 * 5);
        CHECK_INT(arr->items[7]->loc.off, 4 + 7 * 5);
    }
    buf_free(&b);
    ctx_free(ctx);
}

/* Files past CFN_MAX_READ are refused before parsing. */
static void test_too_large(void)
{
    Ctx *ctx = ctx_new();
    size_t n = CFN_MAX_READ + 1;
    char *big = malloc(n + 1);
    memset(big, ' ', n);
    big[n] = '\0';
    CHECK(read_text(ctx, "t.yaml", big) == NULL);
    CHECK(has(diag_text(ctx), "hitc reads templates up to 8388608 bytes"));
    free(big);
    ctx_free(ctx);
}

/* The diagnostic printer shows a template's line and caret. */
static void test_caret(void)
{
    Ctx *ctx = ctx_new();
    CHECK(read_text(ctx, "tpl.yaml", "Resources:\n  A: !Reff X\n") == NULL);
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    diag_print_all(ctx, f, FMT_GCC, false);
    fclose(f);
    CHECK(has(out, "tpl.yaml:2:6: error: unknown tag '!Reff'; did you mean "
                   "'!Ref'?\n"));
    CHECK(has(out, "    2 |   A: !Reff X\n"));
    CHECK(has(out, "      |      ^~~~~\n"));
    free(out);
    ctx_free(ctx);
}

/* The template hitc emits is located: each resource, what is inside it,
 * a parameter and an output stand at the .hit declaration that made them,
 * so a rule that fires on hitc's own output can point at the line. */
static void test_emitted_locations(void)
{
    Ctx *ctx = compile_text(
        "app demo\n"                                              /* 1 */
        "table counters { key name: string }\n"                   /* 2 */
        "param region_name: string = \"eu\"\n"                    /* 3 */
        "function counter {\n"                                    /* 4 */
        " runtime python3.12\n handler index.handler\n code \"src\"\n"
        " env { table = counters.name\n r = region_name }\n"
        "}\n"                                                     /* 10 */
        "route GET /count -> counter\n"                           /* 11 */
        "output table_name = counters.name\n");                   /* 12 */
    CHECK_INT(ctx->nerrors, 0);
    Emit e = {0};
    e.dry_run = true;
    CfnNode *t = emit_template(ctx, &e);
    CHECK_INT(ctx->nerrors, 0);
    CfnNode *res = cfn_obj_get(t, "Resources");
    REQUIRE(res != NULL);
    if (res) {
        CfnNode *table = cfn_obj_get(res, "CountersTable");
        CHECK_INT(line_of(table), 2);
        CfnNode *props = table ? cfn_obj_get(table, "Properties") : NULL;
        CHECK_INT(line_of(props ? cfn_obj_get(props, "KeySchema") : NULL), 2);
        CHECK_INT(line_of(cfn_obj_get(res, "CounterFunction")), 4);
        CHECK_INT(line_of(cfn_obj_get(res, "CounterFunctionRole")), 4);
        CHECK_INT(line_of(cfn_obj_get(res, "CounterFunctionLogGroup")), 4);
        CHECK_INT(line_of(cfn_obj_get(res, "ApiCountGetMethod")), 11);
        CHECK_INT(line_of(cfn_obj_get(res, "CounterFunctionCode")), 4);
    }
    CfnNode *params = cfn_obj_get(t, "Parameters");
    CHECK_INT(line_of(params ? cfn_obj_get(params, "RegionName") : NULL), 3);
    CfnNode *outs = cfn_obj_get(t, "Outputs");
    CfnNode *o = outs ? cfn_obj_get(outs, "TableName") : NULL;
    CHECK_INT(line_of(o), 12);
    CHECK_INT(line_of(o ? cfn_obj_get(o, "Value") : NULL), 12);
    emit_free(&e);
    ctx_free(ctx);
}

int main(void)
{
    RUN(test_build_and_print);
    RUN(test_object_lookup);
    RUN(test_golden_round_trip);
    RUN(test_short_tags);
    RUN(test_bad_tags);
    RUN(test_locations);
    RUN(test_duplicate_keys);
    RUN(test_bad_syntax);
    RUN(test_deep_nesting);
    RUN(test_scalar_typing);
    RUN(test_json_vs_yaml);
    RUN(test_yaml_refusals);
    RUN(test_long_line);
    RUN(test_too_large);
    RUN(test_caret);
    RUN(test_emitted_locations);
    return check_summary();
}
