/*
 * kinds/function.c: `function NAME { runtime; handler; code; description;
 * env { KEY = EXPR }; env-mode; allow }`, and how it runs (memory,
 * timeout, arch, log-retention, ...: kinds/function_ops.c).
 *
 * Becomes, with L = PascalCase(NAME) + "Function":
 *   L + "LogGroup"  AWS::Logs::LogGroup, the function's own log group;
 *   L + "Role"      AWS::IAM::Role: logs on that group only, the table
 *                   grants and `allow` lines (kinds/function_iam.c), and
 *                   what its triggers grant it (contribute, Kind.grant);
 *   L + "Code"      Custom::HitcStamp, when env-mode is stamp or both and
 *                   env is not empty: the stamper writes .env into a copy
 *                   of the bundle at deploy time.  The stamp is a built-in
 *                   declaration of its own (kinds/stamper.c) that owns
 *                   the env's references; the function emits it here;
 *   L               AWS::Lambda::Function, its code from the stamp or
 *                   straight from the bundle.
 * Attributes: NAME.name (Ref), NAME.arn.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bundle.h"
#include "cfn.h"
#include "hitc.h"
#include "kinds/function_ops.h"
#include "kinds/function_iam.h"
#include "runtimes.h"

enum { MODE_STAMP, MODE_NATIVE, MODE_BOTH };

typedef struct EnvVar {
    const char *key;
    Loc loc;
    Expr *value;
} EnvVar;

typedef struct Function {
    const char *runtime, *handler, *code, *description;
    Loc code_loc, handler_loc;
    FunctionOps ops;        /* memory, timeout, logs, ...: function_ops.c */
    const char *stack;      /* `stack NAME`: its nested stack (split.c) */
    Loc stack_loc;
    int env_mode;
    PtrVec env;             /* EnvVar* */
    StrMap env_keys;        /* key -> EnvVar*: duplicates in constant time */
    Loc env_loc;            /* the env line */
    Decl *stamp;            /* its stamp (kinds/stamper.c), when stamped */
    BundleRef *bundle;      /* its code's, made before emit (function_bundle) */
    FunctionIam iam;        /* what its role is granted: function_iam.c */
} Function;

static const Attr function_attrs[] = {{"arn", VT_STRING, "lambda"},
                                      {"name", VT_STRING, ""}};

static Function *fn_of(Decl *d)
{
    return d->data;
}

static void field_runtime(Ctx *ctx, Decl *d, Stmt *s)
{
    if (!want_items(ctx, s, 2, 2, "runtime IDENTIFIER"))
        return;
    const char *id = want_word(ctx, s, 1, "a Lambda runtime identifier");
    if (!id)
        return;
    const Runtime *rt = runtime_find(id);
    if (!rt) {
        diag(ctx, D_UNKNOWN_RUNTIME, s->items[1]->loc,
             "unknown Lambda runtime '%s'%s", id, runtime_did_you_mean(ctx, id));
        return;
    }
    /* CloudFormation fails to create a function on a blocked runtime
     * (cfn-lint E2533), so that is an error; deprecated alone still
     * deploys, so that is a warning. */
    if (runtime_create_blocked(rt))
        diag(ctx, D_BLOCKED_RUNTIME, s->items[1]->loc,
             "Lambda runtime '%s' is deprecated since %s, and Lambda has "
             "refused new functions on it since %s; move to %s", id,
             rt->deprecated, rt->create_blocked, rt->successor);
    else if (runtime_is_deprecated(rt))
        diag(ctx, D_DEPRECATED_RUNTIME, s->items[1]->loc,
             "Lambda runtime '%s' is deprecated since %s, and Lambda refuses "
             "new functions on it from %s; move to %s", id, rt->deprecated,
             rt->create_blocked, rt->successor);
    fn_of(d)->runtime = id;
}

static void field_handler(Ctx *ctx, Decl *d, Stmt *s)
{
    if (!want_items(ctx, s, 2, 2, "handler FILE.FUNCTION"))
        return;
    Item *it = s->items[1];
    const char *h = it->kind == I_STRING ? string_literal(ctx, it, "the handler")
                                         : want_word(ctx, s, 1, "the handler");
    if (!h)
        return;
    if (!h[0] || strlen(h) > 128 || strpbrk(h, " \t\n")) {
        diag(ctx, D_BAD_VALUE, it->loc,
             "a handler is 1 to 128 characters without spaces");
        return;
    }
    fn_of(d)->handler = h;
    fn_of(d)->handler_loc = it->loc;
}

static void field_code(Ctx *ctx, Decl *d, Stmt *s)
{
    if (!want_items(ctx, s, 2, 2, "code \"DIRECTORY\""))
        return;
    const char *code = want_string(ctx, s, 1, "the code directory");
    if (!code)
        return;
    Loc loc = s->items[1]->loc;
    fn_of(d)->code_loc = loc;
    if (!code[0] || code[0] == '/') {
        diag(ctx, D_CODE_DIR, loc, "the code directory must be a path "
             "relative to the .hit file's directory");
        return;
    }
    char *path = arena_printf(ctx->arena, "%s/%s", decl_dir(ctx, d), code);
    char real[PATH_MAX], root[PATH_MAX];
    struct stat st;
    if (!realpath(path, real) || stat(real, &st) != 0) {
        diag(ctx, D_CODE_DIR, loc, "code directory '%s' does not exist", code);
        return;
    }
    if (!S_ISDIR(st.st_mode)) {
        diag(ctx, D_CODE_DIR, loc, "code '%s' is not a directory", code);
        return;
    }
    if (!realpath(ctx->root, root) || !path_inside(real, root)) {
        diag(ctx, D_CODE_DIR, loc, "code directory '%s' is outside the "
             "project (the .hit file's directory), through '..' or a "
             "symlink", code);
        return;
    }
    fn_of(d)->code = code;
}

static void field_description(Ctx *ctx, Decl *d, Stmt *s)
{
    if (!want_items(ctx, s, 2, 2, "description \"TEXT\""))
        return;
    const char *text = want_string(ctx, s, 1, "the description");
    if (text && strlen(text) > 256) {
        diag(ctx, D_OUT_OF_RANGE, s->items[1]->loc,
             "a Lambda description is at most 256 characters");
        return;
    }
    fn_of(d)->description = text;
}

static bool env_key_ok(const char *k)
{
    if (!(k[0] == '_' || (k[0] >= 'A' && k[0] <= 'Z') ||
          (k[0] >= 'a' && k[0] <= 'z')))
        return false;
    for (const char *p = k; *p; p++)
        if (!(*p == '_' || (*p >= 'A' && *p <= 'Z') ||
              (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')))
            return false;
    return true;
}

static void field_env(Ctx *ctx, Decl *d, Stmt *s)
{
    Function *f = fn_of(d);
    if (!want_items(ctx, s, 1, 1, "env { KEY = VALUE ... }"))
        return;
    f->env_loc = s->items[0]->loc;
    if (!s->has_block) {
        diag(ctx, D_EXPECTED, s->items[0]->loc,
             "expected a block: 'env { KEY = VALUE }'");
        return;
    }
    for (int i = 0; i < s->nblock; i++) {
        Stmt *line = s->block[i];
        if (line->bad)
            continue;       /* reported by the parser */
        if (line->nitems != 3 || !item_is_punct(line->items[1], T_EQUAL) ||
            line->has_block) {
            diag(ctx, D_EXPECTED, line->loc, "expected 'KEY = VALUE'");
            continue;
        }
        Item *key = line->items[0];
        if (key->kind != I_WORD || !env_key_ok(key->text)) {
            diag(ctx, D_BAD_ENV_KEY, key->loc,
                 "env key '%s' must be letters, digits and '_', not starting "
                 "with a digit", key->text);
            continue;
        }
        EnvVar *o = strmap_get(&f->env_keys, key->text);
        if (o) {
            Diag *dg = diag(ctx, D_DUPLICATE_FIELD, key->loc,
                            "env key '%s' is given twice", key->text);
            note(ctx, dg, o->loc, "first given here");
            continue;
        }
        EnvVar *v = arena_alloc(ctx->arena, sizeof *v);
        v->key = key->text;
        v->loc = key->loc;
        v->value = expr_from_item(ctx, line->items[2]);
        vec_push(ctx->arena, &f->env, v);
        strmap_put(ctx->arena, &f->env_keys, v->key, v);
    }
}

static void field_env_mode(Ctx *ctx, Decl *d, Stmt *s)
{
    static const char *const modes[] = {"stamp", "native", "both"};
    if (!want_items(ctx, s, 2, 2, "env-mode stamp|native|both"))
        return;
    int m = want_choice(ctx, s, 1, "env-mode", modes, 3);
    if (m >= 0)
        fn_of(d)->env_mode = m;
}

/* `allow TABLE MODE` and `allow ACTIONS on RESOURCES` (function_iam.c). */
static void field_allow(Ctx *ctx, Decl *d, Stmt *s)
{
    function_iam_allow(ctx, d, &fn_of(d)->iam, s);
}

/* `stack NAME`: the nested stack the function goes to once the app is
 * split (split.c, docs/scaling.md), instead of the one its name hashes to. */
static void field_stack(Ctx *ctx, Decl *d, Stmt *s)
{
    if (!want_items(ctx, s, 2, 2, "stack NAME"))
        return;
    const char *name = want_word(ctx, s, 1, "a stack name");
    if (!name)
        return;
    if (!is_name(name) || strlen(name) > 32) {
        diag(ctx, D_BAD_NAME, s->items[1]->loc,
             "a stack name is a letter, then letters, digits, '-' or '_', "
             "at most 32 in all, not '%s'", name);
        return;
    }
    fn_of(d)->stack = name;
    fn_of(d)->stack_loc = s->items[1]->loc;
}

static const Field function_fields[] = {
    {"runtime", false, field_runtime},
    {"handler", false, field_handler},
    {"code", false, field_code},
    {"description", false, field_description},
    {"env", false, field_env},
    {"env-mode", false, field_env_mode},
    {"allow", true, field_allow},
    {"stack", false, field_stack},
};

/* A function's fields: its own, then how it runs (function_ops.c). */
static int nall_fields(void)
{
    return (int)(sizeof function_fields / sizeof *function_fields) +
           function_ops_nfields;
}

static const Field *all_fields(Ctx *ctx)
{
    size_t own = sizeof function_fields / sizeof *function_fields;
    Field *all = arena_alloc(ctx->arena, sizeof *all * (size_t)nall_fields());
    memcpy(all, function_fields, sizeof function_fields);
    memcpy(all + own, function_ops_fields,
           sizeof *all * (size_t)function_ops_nfields);
    return all;
}

FunctionOps *function_ops_of(Decl *d)
{
    return &fn_of(d)->ops;
}

/* Lambda's own rule for environment variable names, and its reserved
 * names: both apply when env-mode is native or both. */
static const char *const lambda_reserved[] = {
    "_HANDLER", "_X_AMZN_TRACE_ID", "AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID",
    "AWS_DEFAULT_REGION", "AWS_EXECUTION_ENV", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME",
    "AWS_LAMBDA_LOG_STREAM_NAME", "AWS_LAMBDA_RUNTIME_API", "AWS_REGION",
    "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "LAMBDA_RUNTIME_DIR",
    "LAMBDA_TASK_ROOT",
};

static void check_native_keys(Ctx *ctx, Function *f)
{
    for (int i = 0; i < f->env.len; i++) {
        EnvVar *v = f->env.items[i];
        bool letter = (v->key[0] >= 'A' && v->key[0] <= 'Z') ||
                      (v->key[0] >= 'a' && v->key[0] <= 'z');
        if (!letter || strlen(v->key) < 2) {
            diag(ctx, D_BAD_ENV_KEY, v->loc,
                 "with env-mode native or both, env key '%s' must start "
                 "with a letter and be at least two characters (Lambda's "
                 "rule for environment variables)", v->key);
            continue;
        }
        for (size_t j = 0; j < sizeof lambda_reserved / sizeof *lambda_reserved; j++)
            if (strcmp(v->key, lambda_reserved[j]) == 0)
                diag(ctx, D_BAD_ENV_KEY, v->loc,
                     "env key '%s' is reserved by Lambda; with env-mode "
                     "native or both, choose another key", v->key);
    }
}

/* Python's str.isspace(), which python-dotenv's parsing relies on. */
static bool py_space(unsigned cp)
{
    return (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x20) ||
           cp == 0x85 || cp == 0xA0 || cp == 0x1680 ||
           (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 ||
           cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

/* Why a literal value ending in '\' has no .env form that python-dotenv
 * reads back, or NULL: in quotes the final '\' escapes the closing quote,
 * so the stamper writes such a value raw, which this rules out.  The same
 * rule as raw_problem() in runtime-support/stamper/index.py. */
static const char *trailing_backslash_problem(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || s[n - 1] != '\\')
        return NULL;
    if (strpbrk(s, "\r\n"))
        return "holds a line break";
    if (s[0] == '\'' || s[0] == '"')
        return "starts with a quote";
    const unsigned char *p = (const unsigned char *)s, *end = p + n;
    bool space = false;
    while (p < end) {
        int len = utf8_len(p, end);
        unsigned cp = len > 1 ? p[0] & (0x7F >> len) : p[0];
        for (int i = 1; i < len; i++)
            cp = cp << 6 | (p[i] & 0x3F);
        if (p == (const unsigned char *)s && py_space(cp))
            return "starts with whitespace";
        if (cp == '#' && space)
            return "holds whitespace before a '#'";
        space = py_space(cp);
        p += len > 0 ? len : 1;
    }
    return NULL;
}

static void check_stamped_values(Ctx *ctx, Function *f)
{
    for (int i = 0; i < f->env.len; i++) {
        EnvVar *v = f->env.items[i];
        if (!v->value || v->value->kind != E_STRING)
            continue;
        const char *why = trailing_backslash_problem(v->value->text);
        if (why)
            diag(ctx, D_ENV_UNWRITABLE, v->value->loc,
                 "env value for '%s' ends with '\\' and %s, so no .env form "
                 "reads back as it is (in quotes the final '\\' escapes the "
                 "closing quote); drop the final '\\', or use env-mode native",
                 v->key, why);
    }
}

static bool function_stamped(const Function *f)
{
    return f->env_mode != MODE_NATIVE && f->env.len > 0;
}

/* The env's values, once env-mode is known: a stamped function's stamp
 * reads them (into the .env it writes), and with env-mode native or both
 * the function itself (into Lambda's environment).  With both, the
 * function's edges are added by function_link, once they are resolved. */
static void use_env(Ctx *ctx, Decl *d, Function *f)
{
    if (function_stamped(f))
        f->stamp = stamp_new(ctx, d, f->env_loc);
    for (int i = 0; i < f->env.len; i++) {
        EnvVar *v = f->env.items[i];
        if (f->stamp) {
            stamp_env(ctx, f->stamp, v->key, v->value);
            use_expr(ctx, f->stamp, v->value, arena_printf(
                ctx->arena, "writes env '%s', which", v->key));
        }
        else
            use_expr(ctx, d, v->value,
                     arena_printf(ctx->arena, "env '%s'", v->key));
    }
}

static void function_check(Ctx *ctx, Decl *d)
{
    Function *f = arena_alloc(ctx->arena, sizeof *f);
    f->ops = function_ops_start(ctx);
    d->data = f;
    if (!want_items(ctx, d->stmt, 2, 2, "function NAME { ... }"))
        return;
    check_fields(ctx, d, d->stmt, all_fields(ctx), nall_fields());
    if (!d->stmt->has_block)
        return;
    static const char *const required[] = {"runtime", "handler", "code"};
    const char *have[] = {f->runtime, f->handler, f->code};
    for (int i = 0; i < 3; i++) {
        bool written = false;
        for (int j = 0; j < d->stmt->nblock; j++)
            written |= item_is_word(d->stmt->block[j]->items[0], required[i]);
        if (!have[i] && !written)
            diag(ctx, D_MISSING_FIELD, d->name_loc,
                 "function '%s' needs a '%s' line", d->name, required[i]);
    }
    if (f->runtime && f->handler && f->code)
        handler_check_file(ctx, f->runtime, f->handler, f->handler_loc,
                           arena_printf(ctx->arena, "%s/%s", decl_dir(ctx, d),
                                        f->code), f->code);
    if (f->env_mode != MODE_STAMP)
        check_native_keys(ctx, f);
    if (f->env_mode != MODE_NATIVE)
        check_stamped_values(ctx, f);
    use_env(ctx, d, f);
}

/* An env value is stored in plain text: in the stamped .env in S3, or in
 * the function's configuration with env-mode native.  A secret param's
 * value must never get there (NoEcho hides it from the console only). */
static void refuse_secret_env(Ctx *ctx, const EnvVar *v, const Expr *r)
{
    if (!r->target || !decl_is_secret(r->target))
        return;
    Diag *dg = diag(ctx, D_SECRET_PLAIN, r->loc,
                    "env '%s' would store secret parameter '%s' in plain text "
                    "(in the .env stamped into the code bundle, or in "
                    "Lambda's environment); keep the secret in AWS Secrets "
                    "Manager or SSM Parameter Store, pass its name or ARN in "
                    "env, and read the value at run time", v->key,
                    r->target->name);
    note(ctx, dg, r->target->name_loc, "secret parameter '%s' declared here",
         r->target->name);
}

static void function_link(Ctx *ctx, Decl *d)
{
    Function *f = d->data;
    function_ops_link(ctx, d, &f->ops);
    function_iam_link(ctx, &f->iam);
    for (int i = 0; i < f->env.len; i++) {
        EnvVar *v = f->env.items[i];
        Expr *x = v->value;
        if (!x)
            continue;
        const char *why = f->env_mode == MODE_BOTH
            ? arena_printf(ctx->arena, "env '%s'", v->key) : NULL;
        if (x->kind == E_REF) {
            function_iam_env_table(ctx, &f->iam, x);
            refuse_secret_env(ctx, v, x);
            if (why)
                add_ref_edge(ctx, d, x, why);
        }
        for (int k = 0; x->kind == E_INTERP && k < x->nrefs; k++) {
            function_iam_env_table(ctx, &f->iam, x->refs[k]);
            refuse_secret_env(ctx, v, x->refs[k]);
            if (why)
                add_ref_edge(ctx, d, x->refs[k], why);
        }
    }
}

static CfnRef function_ref(Ctx *ctx, Decl *d, const char *attr)
{
    (void)ctx;
    if (strcmp(attr, "arn") == 0)
        return (CfnRef){.form = CFN_GETATT, .logical = d->logical, .attr = "Arn"};
    return (CfnRef){.form = CFN_REF, .logical = d->logical};
}

/* ---- emit ------------------------------------------------------------ */

static int contributor_cmp(const void *pa, const void *pb)
{
    const Decl *a = *(Decl *const *)pa, *b = *(Decl *const *)pb;
    return strcmp(a->logical, b->logical);
}

static CfnNode *env_map(Ctx *ctx, Function *f, Loc at)
{
    CfnNode *m = cfn_obj(ctx->arena, at);
    for (int i = 0; i < f->env.len; i++) {
        EnvVar *v = f->env.items[i];
        cfn_put(ctx->arena, m, v->key, expr_cfn(ctx, at, v->value));
    }
    return m;
}

/* The .env readers, embedded by compiler/tools/embed.c (Makefile). */
extern const unsigned char hitc_env_py[], hitc_env_js[];
extern const size_t hitc_env_py_len, hitc_env_js_len;

/* The .env reader a stamped function's bundle gets at its root, on a
 * python* or nodejs* runtime (runtime-support/, embedded in hitc), so
 * that nobody copies it into a code directory (docs/env-format.md). */
static bool env_reader(const char *runtime, BundleExtra *out)
{
    BundleFile f;
    if (strncmp(runtime, "python", 6) == 0)
        f = (BundleFile){"hitc_env.py", hitc_env_py, hitc_env_py_len, 0};
    else if (strncmp(runtime, "nodejs", 6) == 0)
        f = (BundleFile){"hitc_env.js", hitc_env_js, hitc_env_js_len, 0};
    else
        return false;
    *out = (BundleExtra){f, "the .env reader that hitc adds to a stamped "
                         "function's bundle", "the reader", D_ENV_READER_CLASH};
    return true;
}

/* A plugin's service gets the plugin kit (from the plugins that
 * contribute to it, Kind.bundle_extra, once), a stamped function the .env
 * reader: the files its bundle has besides its code directory's. */
int function_bundle_extras(Ctx *ctx, const Decl *d, BundleExtra *out)
{
    const Function *f = d->kind == &kind_function ? d->data : NULL;
    int n = 0;
    if (!f || !f->runtime)
        return 0;
    for (int i = 0; i < d->contributors.len && n == 0; i++) {
        const Decl *c = d->contributors.items[i];
        if (c->kind->bundle_extra &&
            c->kind->bundle_extra(ctx, c, f->runtime, &out[n]))
            n++;
    }
    if (f->stamp && env_reader(f->runtime, &out[n]))
        n++;
    return n;
}

static bool function_emits(const Function *f)
{
    return f && f->runtime && f->handler && f->code;
}

/* A function becomes its log group, its role, its stamp (when its code
 * is stamped) and itself, in that order.  The stamp is a declaration of
 * its own (kinds/stamper.c) that registers its ID. */
static void function_ids(Ctx *ctx, Decl *d)
{
    Function *f = d->data;
    if (!function_emits(f))
        return;
    id_claim(ctx, d, logical_id(ctx, d, "LogGroup"));
    id_claim(ctx, d, logical_id(ctx, d, "Role"));
    id_claim(ctx, d, d->logical);
}

/* The bundle phase: the code directory zipped with its packages and the
 * files others add (the kit, the .env reader); its stamp copies it. */
static void function_bundle(Ctx *ctx, Decl *d, Emit *e)
{
    Function *f = d->data;
    if (!function_emits(f))
        return;
    BundleExtra extras[2];
    int nextra = function_bundle_extras(ctx, d, extras);
    f->bundle = bundle_for_code(ctx, e, f->code, f->code_loc, extras, nextra,
                                f->runtime, f->ops.arch);
    e->need_code_params = true;
    if (f->stamp)
        stamp_source(f->stamp, arena_printf(ctx->arena, "${CodePrefix}%s.zip",
                                            f->bundle->sha256));
}

static void function_emit(Ctx *ctx, Decl *d, Emit *e)
{
    Function *f = d->data;
    if (!function_emits(f))
        return;
    BundleRef *b = f->bundle;
    const char *L = d->logical;
    const char *log_group = logical_id(ctx, d, "LogGroup");
    const char *role = logical_id(ctx, d, "Role");
    char *key = arena_printf(ctx->arena, "${CodePrefix}%s.zip", b->sha256);

    lambda_log_group(ctx, e, d, log_group, d->name);
    function_ops_log_group(ctx, e, &f->ops, log_group);
    CfnNode *stmts = lambda_role(ctx, e, d, role, log_group);
    function_iam_statements(ctx, d, &f->iam, stmts);
    function_ops_role(ctx, e, d, &f->ops, role, stmts);
    function_iam_carry_acceptances(ctx, e, d, &f->iam, role);
    /* What others grant the role (a stream or queue trigger, a failure
     * destination): Kind.grant, by their logical IDs. */
    PtrVec *by = &d->contributors;
    if (by->len > 1)
        qsort(by->items, (size_t)by->len, sizeof(void *), contributor_cmp);
    for (int i = 0; i < by->len; i++) {
        Decl *c = by->items[i];
        if (c->kind->grant)
            c->kind->grant(ctx, c, stmts);
    }

    /* Its stamp (a declaration of its own, part_of it) writes its
     * resource here, between the role and the function. */
    const char *stamp = f->stamp ? f->stamp->logical : NULL;
    if (stamp)
        f->stamp->kind->emit(ctx, f->stamp, e);

    CfnNode *fn = emit_resource(ctx, e, d, L, "AWS::Lambda::Function");
    CfnNode *p = cfn_put_obj(ctx->arena, fn, "Properties");
    cfn_put(ctx->arena, p, "Architectures", cfn_strings(ctx->arena, d->loc, 1, f->ops.arch));
    CfnNode *code = cfn_put_obj(ctx->arena, p, "Code");
    if (stamp) {
        cfn_put(ctx->arena, code, "S3Bucket", cfn_getatt(ctx->arena, d->loc, stamp, "Bucket"));
        cfn_put(ctx->arena, code, "S3Key", cfn_getatt(ctx->arena, d->loc, stamp, "Key"));
    } else {
        cfn_put(ctx->arena, code, "S3Bucket", cfn_ref(ctx->arena, d->loc, hitc_ids[HID_CODE_BUCKET]));
        cfn_put(ctx->arena, code, "S3Key", cfn_sub(ctx->arena, d->loc, key));
    }
    if (f->description)
        cfn_put_str(ctx->arena, p, "Description", f->description);
    if (f->env_mode != MODE_STAMP && f->env.len > 0)
        cfn_put(ctx->arena, cfn_put_obj(ctx->arena, p, "Environment"),
                              "Variables", env_map(ctx, f, d->loc));
    function_ops_props(ctx, &f->ops, p, d->loc, OPS_BEFORE_HANDLER);
    cfn_put_str(ctx->arena, p, "Handler", f->handler);
    function_ops_props(ctx, &f->ops, p, d->loc, OPS_AFTER_HANDLER);
    cfn_put(ctx->arena, cfn_put_obj(ctx->arena, p, "LoggingConfig"),
                          "LogGroup", cfn_ref(ctx->arena, d->loc, log_group));
    cfn_put_num(ctx->arena, p, "MemorySize", f->ops.memory);
    function_ops_props(ctx, &f->ops, p, d->loc, OPS_BEFORE_ROLE);
    cfn_put(ctx->arena, p, "Role", cfn_getatt(ctx->arena, d->loc, role, "Arn"));
    cfn_put_str(ctx->arena, p, "Runtime", f->runtime);
    cfn_put(ctx->arena, p, "Tags", hitc_tags(ctx, d->loc));
    cfn_put_num(ctx->arena, p, "Timeout", f->ops.timeout);
    function_ops_props(ctx, &f->ops, p, d->loc, OPS_AFTER_TIMEOUT);
}

/* For output.c: the function's code directory as written (relative to
 * the .hit file's directory) and where, or NULL when it has none. */
const char *function_code_dir(const Decl *d, Loc *loc)
{
    const Function *f = d->kind == &kind_function ? d->data : NULL;
    if (!f || !f->code)
        return NULL;
    *loc = f->code_loc;
    return f->code;
}

/* For split.c: a function's resources go with it (Kind.unit), to the
 * stack its `stack NAME` asks for (Kind.stack). */
static Decl *function_unit(const Decl *d)
{
    return (Decl *)d;
}

static const char *function_stack(const Decl *d, Loc *loc)
{
    const Function *f = d->kind == &kind_function ? d->data : NULL;
    if (!f || !f->stack)
        return NULL;
    *loc = f->stack_loc;
    return f->stack;
}

void function_platform(const Decl *d, const char **runtime, const char **arch)
{
    const Function *f = d->kind == &kind_function ? d->data : NULL;
    *runtime = f ? f->runtime : NULL;
    *arch = f ? f->ops.arch : NULL;
}

/* For the API back ends: the function's timeout in seconds, and where it
 * is written (*loc is empty for the default). */
long long function_timeout(const Decl *d, Loc *loc)
{
    const Function *f = d->kind == &kind_function ? d->data : NULL;
    *loc = f ? f->ops.timeout_loc : (Loc){0};
    return f ? f->ops.timeout : 0;
}

const Kind kind_function = {
    .keyword = "function",
    .noun = "function",
    .named = true,
    .suffix = "Function",
    .attrs = function_attrs,
    .nattrs = sizeof function_attrs / sizeof *function_attrs,
    .check = function_check,
    .link = function_link,
    .ref = function_ref,
    .ids = function_ids,
    .bundle = function_bundle,
    .emit = function_emit,
    .unit = function_unit,
    .stack = function_stack,
};
