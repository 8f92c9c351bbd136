/*
 * main.c: the command line, and the pipeline in one straight sequence.
 *
 *   source -> tokens -> tree -> declarations -> references -> graph
 *          -> CloudFormation tree -> files
 *
 * Exit status: 0 clean (warnings allowed unless --strict), 1 errors in the
 * input, 2 bad usage or an I/O failure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hitc.h"
#include "lint.h"

static const char usage[] =
    "usage: hitc build FILE -o DIR [options]\n"
    "       hitc check FILE... [options]\n"
    "       hitc graph FILE [options]\n"
    "       hitc lint TEMPLATE... [options]\n"
    "       hitc fmt [--check] FILE...\n"
    "\n"
    "commands:\n"
    "  build FILE -o DIR  compile FILE into DIR/template.json, DIR/manifest.json\n"
    "                     and DIR/bundles/SHA256.zip (the stamper's too); DIR is\n"
    "                     replaced whole, or left as it was when the build fails,\n"
    "                     and only when it is empty or an earlier build's output;\n"
    "                     -o - prints the template on stdout and writes nothing\n"
    "  check FILE...      parse, resolve and validate; write nothing\n"
    "  graph FILE         print the dependency graph as Graphviz DOT\n"
    "  lint TEMPLATE...   check CloudFormation templates (JSON or YAML): names,\n"
    "                     cycles, functions, quotas, IAM wildcards, deletion\n"
    "                     policies, runtimes, unused names (docs/lint.md)\n"
    "  fmt FILE...        rewrite .hit files in the canonical layout, in place\n"
    "                     (docs/fmt.md); 'hitc fmt -' formats stdin to stdout;\n"
    "                     --check changes nothing and lists the files that\n"
    "                     would change; exit 0 all formatted, 1 some would\n"
    "                     change (--check) or have syntax errors, 2 I/O\n"
    "\n"
    "options:\n"
    "  -o DIR             where build writes (required for build)\n"
    "  --format FORMAT    diagnostics as gcc (default), json or sarif, on stderr\n"
    "  --check            fmt: change nothing, list what would change\n"
    "  --strict           warnings make the exit status 1\n"
    "  -q, --quiet        build prints nothing when it succeeds\n"
    "  -h, --help         print this help\n"
    "  --version          print hitc's version\n"
    "  --list-diagnostics print every diagnostic code as a Markdown table\n"
    "\n"
    "exit status: 0 clean, 1 errors in the input (or warnings with --strict),\n"
    "2 bad usage or an I/O failure\n";

typedef struct Options {
    const char *command;
    const char *out;
    const char **files;
    int nfiles;
    DiagFormat format;
    bool strict, quiet, check;
} Options;

static int bad_usage(const char *fmt, const char *arg)
{
    fputs("hitc: ", stderr);
    fprintf(stderr, fmt, arg);
    fputs("\nrun 'hitc --help' for usage\n", stderr);
    return 2;
}

static int parse_args(int argc, char **argv, Options *o)
{
    o->files = calloc((size_t)argc, sizeof *o->files);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(usage, stdout);
            return 0;
        }
        if (strcmp(a, "--version") == 0) {
            printf("hitc %s\n", HITC_VERSION);
            return 0;
        }
        if (strcmp(a, "--list-diagnostics") == 0) {
            diag_list_markdown();
            return 0;
        }
        if (strcmp(a, "-o") == 0 || strcmp(a, "--format") == 0) {
            if (i + 1 >= argc)
                return bad_usage("option '%s' needs a value", a);
            const char *v = argv[++i];
            if (a[1] == 'o') {
                o->out = v;
            } else if (strcmp(v, "gcc") == 0) {
                o->format = FMT_GCC;
            } else if (strcmp(v, "json") == 0) {
                o->format = FMT_JSON;
            } else if (strcmp(v, "sarif") == 0) {
                o->format = FMT_SARIF;
            } else {
                return bad_usage("unknown format '%s'; use gcc, json or sarif", v);
            }
        } else if (strcmp(a, "--check") == 0) {
            o->check = true;
        } else if (strcmp(a, "--strict") == 0) {
            o->strict = true;
        } else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
            o->quiet = true;
        } else if (a[0] == '-' && a[1]) {
            return bad_usage("unknown option '%s'", a);
        } else if (!o->command) {
            o->command = a;
        } else {
            o->files[o->nfiles++] = a;
        }
    }
    if (!o->command)
        return bad_usage("%s", "no command given");
    bool build = strcmp(o->command, "build") == 0;
    bool check = strcmp(o->command, "check") == 0;
    bool graph = strcmp(o->command, "graph") == 0;
    bool lint = strcmp(o->command, "lint") == 0;
    bool fmt = strcmp(o->command, "fmt") == 0;
    if (!build && !check && !graph && !lint && !fmt)
        return bad_usage("unknown command '%s'; use build, check, graph, lint "
                         "or fmt", o->command);
    if (o->check && !fmt)
        return bad_usage("'--check' is for 'fmt', not '%s'", o->command);
    if (o->nfiles == 0)
        return bad_usage(lint ? "'%s' needs a template" : "'%s' needs a .hit file",
                         o->command);
    if ((build || graph) && o->nfiles > 1)
        return bad_usage("'%s' takes one .hit file", o->command);
    if (build && !o->out)
        return bad_usage("%s", "'build' needs '-o DIR' (or '-o -' for stdout)");
    if (!build && o->out)
        return bad_usage("'-o' is for 'build', not '%s'", o->command);
    return -1;
}

/* Source to dependency graph: every check hitc makes on a program. */
static bool compile(Ctx *ctx, const char *path)
{
    Source *src = source_load(ctx, path, (Loc){0});
    if (!src)
        return false;
    ctx->root = src->dir;
    File *file = parse(ctx, src);
    declare(ctx, file);
    check_decls(ctx);
    resolve(ctx);
    if (ctx->nerrors)
        return false;
    graph_build(ctx);
    return ctx->nerrors == 0;
}

static bool any_io_error(Ctx *ctx)
{
    for (int i = 0; i < ctx->diags.len; i++)
        switch (((Diag *)ctx->diags.items[i])->code) {
        case D_IO: case D_OUTPUT_FOREIGN: case D_OUTPUT_OVERLAP:
        case D_CODE_HOLDS_OUTPUT:
            return true;
        default:
            break;
        }
    return false;
}

static void print_next_steps(Ctx *ctx, Emit *e, const char *out)
{
    const char *app = ctx->prog.app ? ctx->prog.app->name : "app";
    bool code = e->need_code_params;
    bool via_s3 = emit_needs_s3(e);
    printf("wrote %s/template.json, %s/manifest.json and %d bundle%s in "
           "%s/bundles\n\n", out, out, e->bundles.len,
           e->bundles.len == 1 ? "" : "s", out);
    printf("%sdeploy one stack per stage:\n", code ? "upload the bundles, then " : "");
    if (code)
        printf("  aws s3 sync %s/bundles s3://$BUCKET/hitc/\n", out);
    printf("  aws cloudformation deploy --template-file %s/template.json "
           "--stack-name %s-dev \\\n      --parameter-overrides Stage=dev%s%s\n",
           out, app, code ? " CodeBucket=$BUCKET --capabilities CAPABILITY_IAM" : "",
           via_s3 ? " \\\n      --s3-bucket $BUCKET --s3-prefix hitc/templates" : "");
}

static int run_one(const Options *o, const char *path)
{
    Ctx *ctx = ctx_new();
    Emit e = {0};
    e.dry_run = strcmp(o->command, "build") != 0;
    bool ok = compile(ctx, path);
    if (ok && strcmp(o->command, "build") == 0)
        ok = output_dir_check(ctx, o->out) == 0;    /* before bundling */
    if (ok && strcmp(o->command, "graph") != 0) {
        emit_template(ctx, &e);
        if (emit_nresources(&e) == 0)
            diag(ctx, D_EMPTY_APP, (Loc){ctx->sources.items[0], 0, 0},
                 "this file declares nothing that becomes a resource (a "
                 "table, function or route)");
        ok = ctx->nerrors == 0;
    }
    if (ok && strcmp(o->command, "build") == 0)
        ok = output_write(ctx, &e, o->out) == 0;
    if (ok && strcmp(o->command, "graph") == 0) {
        Buf dot = {0};
        graph_print_dot(ctx, &dot);
        fputs(dot.data, stdout);
        buf_free(&dot);
    }
    diag_print_all(ctx, stderr, o->format, o->format == FMT_GCC && isatty(2) &&
                                       !getenv("NO_COLOR"));
    int status = 0;
    if (any_io_error(ctx))
        status = 2;
    else if (ctx->nerrors || (o->strict && ctx->nwarnings))
        status = 1;
    if (status == 0 && strcmp(o->command, "build") == 0 && !o->quiet &&
        strcmp(o->out, "-") != 0)
        print_next_steps(ctx, &e, o->out);
    emit_free(&e);
    ctx_free(ctx);
    return status;
}

/* hitc fmt [--check] FILE...: each file in a context of its own.  Exit
 * status: 0 every file is (now) formatted, 1 some file would change
 * (--check) or has syntax errors, 2 bad usage or an I/O failure; the
 * worst of them. */
static int cmd_fmt(const Options *o)
{
    int rc = 0;
    for (int i = 0; i < o->nfiles; i++) {
        Ctx *ctx = ctx_new();
        bool changed = false;
        int status = fmt_file(ctx, o->files[i], o->check, &changed);
        if (status == 0 && changed && o->check) {
            printf("%s\n", o->files[i]);
            status = 1;
        }
        diag_print_all(ctx, stderr, o->format,
                       o->format == FMT_GCC && isatty(2) && !getenv("NO_COLOR"));
        if (status > rc)
            rc = status;
        ctx_free(ctx);
    }
    if (fflush(stdout) != 0 && rc < 2)
        rc = 2;
    return rc;
}

/* hitc lint TEMPLATE...: each template in a context of its own; the exit
 * status is the worst of them, as for check. */
static int cmd_lint(const Options *o)
{
    int rc = 0;
    for (int i = 0; i < o->nfiles; i++) {
        Ctx *ctx = ctx_new();
        lint_template(ctx, o->files[i]);
        diag_print_all(ctx, stderr, o->format,
                       o->format == FMT_GCC && isatty(2) && !getenv("NO_COLOR"));
        int status = any_io_error(ctx) ? 2
                     : ctx->nerrors || (o->strict && ctx->nwarnings) ? 1 : 0;
        if (status > rc)
            rc = status;
        ctx_free(ctx);
    }
    return rc;
}

int main(int argc, char **argv)
{
    Options o = {0};
    int rc = parse_args(argc, argv, &o);
    if (rc < 0 && strcmp(o.command, "fmt") == 0) {
        rc = cmd_fmt(&o);
    } else if (rc < 0 && strcmp(o.command, "lint") == 0) {
        rc = cmd_lint(&o);
    } else if (rc < 0) {
        rc = 0;
        for (int i = 0; i < o.nfiles; i++) {
            int r = run_one(&o, o.files[i]);
            if (r > rc)
                rc = r;
        }
    }
    free(o.files);
    return rc;
}
