/*
 * main.c: the command line, and the pipeline in one straight sequence.
 *
 *   source -> tokens -> tree -> declarations -> references -> graph
 *          -> CloudFormation tree -> files
 *
 * Exit status: 0 clean (warnings allowed unless --strict), 1 errors in the
 * input, 2 bad usage or an I/O failure.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bundle.h"
#include "hitc.h"
#include "lint.h"
#include "local.h"
#include "deploy.h"

/* The commands: one row each.  Most read .hit files and run on each file's
 * compiled program (the Ctx after compile()): their run() reports through
 * diag() and may print on stdout, and the exit status comes from the
 * diagnostics.  A command that reads its files its own way (lint reads
 * CloudFormation templates, fmt rewrites .hit text) has whole() instead,
 * which takes every file and returns the exit status.  To add a command:
 * write its run() or whole() and add a row (and its lines to usage below). */
typedef struct Options Options;
typedef struct Command {
    const char *name;
    const char *takes;      /* what FILE is, for messages: "a .hit file" */
    bool many_files;        /* FILE... rather than FILE */
    bool needs_out;         /* -o DIR is required (and allowed) */
    bool takes_check;       /* --check is allowed */
    void (*run)(Ctx *ctx, const Options *o, Emit *e);
    int (*whole)(const Options *o);
} Command;

static void cmd_build(Ctx *ctx, const Options *o, Emit *e);
static void cmd_check(Ctx *ctx, const Options *o, Emit *e);
static void cmd_graph(Ctx *ctx, const Options *o, Emit *e);
static int cmd_lint(const Options *o);
static int cmd_fmt(const Options *o);

static const Command commands[] = {
    {"build", "a .hit file", false, true, false, cmd_build, NULL},
    {"check", "a .hit file", true, false, false, cmd_check, NULL},
    {"graph", "a .hit file", false, false, false, cmd_graph, NULL},
    {"lint", "a template", true, false, false, NULL, cmd_lint},
    {"fmt", "a .hit file", true, false, true, NULL, cmd_fmt},
};
#define NCOMMANDS ((int)(sizeof commands / sizeof *commands))

/* Commands that parse their own options (each its own file). */
static const struct {
    const char *name;
    int (*main)(int argc, char **argv);
} own_commands[] = {
    {"invoke", invoke_main},
    {"event", event_main},
    {"serve", serve_main},
    {"deploy", deploy_main},
    {"outputs", outputs_main},
    {"destroy", destroy_main},
};

static const char usage[] =
    "usage: hitc build FILE -o DIR [options]\n"
    "       hitc check [--apps] FILE... [options]\n"
    "       hitc graph FILE [options]\n"
    "       hitc lint TEMPLATE... [options]\n"
    "       hitc fmt [--check] FILE...\n"
    "       hitc invoke FILE FUNCTION [options]\n"
    "       hitc event KIND ARGS... [options]\n"
    "       hitc serve FILE [options]\n"
    "       hitc deploy FILE [--stage STAGE] [options]\n"
    "       hitc outputs FILE [--stage STAGE] [options]\n"
    "       hitc destroy FILE [--stage STAGE] [options]\n"
    "\n"
    "commands:\n"
    "  build FILE -o DIR  compile FILE into DIR/template.json, DIR/manifest.json\n"
    "                     and DIR/bundles/SHA256.zip (the stamper's too); DIR is\n"
    "                     replaced whole, or left as it was when the build fails,\n"
    "                     and only when it is empty or an earlier build's output;\n"
    "                     -o - prints the template on stdout and writes nothing;\n"
    "                     a code directory's requirements.txt or package.json\n"
    "                     (with its lock) is installed into its bundle (pip,\n"
    "                     npm ci; cached in $XDG_CACHE_HOME/hitc; more pip\n"
    "                     options in $HITC_PIP_ARGS)\n"
    "                     a code directory's zip is reused from the bundle cache\n"
    "                     when it did not change (HITC_NO_CACHE=1: no cache);\n"
    "                     past 500 resources, a root stack and nested stacks,\n"
    "                     DIR/bundles/SHA256.json (docs/scaling.md)\n"
    "  check FILE...      parse, resolve and validate, and lint the template\n"
    "                     as build does (docs/lint.md); write nothing; with\n"
    "                     --apps, check each FILE as part of every app that\n"
    "                     imports it (an app: a .hit file under the current\n"
    "                     directory that no other imports), each app once\n"
    "  graph FILE         print the dependency graph as Graphviz DOT (nested\n"
    "                     stacks as clusters)\n"
    "                     (build, check and graph read FILE's imports and\n"
    "                     includes too)\n"
    "  lint TEMPLATE...   check CloudFormation templates (JSON or YAML): names,\n"
    "                     cycles, functions, quotas, IAM wildcards, deletion\n"
    "                     policies, runtimes, unused names (docs/lint.md)\n"
    "  fmt FILE...        rewrite .hit files in the canonical layout, in place\n"
    "                     (docs/fmt.md); 'hitc fmt -' formats stdin to stdout;\n"
    "                     --check changes nothing and lists the files that\n"
    "                     would change; exit 0 all formatted, 1 some would\n"
    "                     change (--check) or have syntax errors, 2 I/O\n"
    "  invoke FILE FN     run function FN's handler once on this machine\n"
    "  event KIND ...     print a sample event as AWS sends it: rest, http,\n"
    "                     schedule, dynamodb, sqs, sns, eventbridge\n"
    "  serve FILE         serve the app's routes on 127.0.0.1, each function\n"
    "                     in warm workers, reloaded on change (docs/local.md);\n"
    "                     'hitc invoke|event|serve --help' lists their options\n"
    "  deploy FILE        build, upload, plan and deploy one stage (the stack\n"
    "                     APP-STAGE) through the AWS CLI, then print its\n"
    "                     outputs (docs/deploying.md)\n"
    "  outputs FILE       print a deployed stage's outputs\n"
    "  destroy FILE       delete a deployed stage, keeping retained tables;\n"
    "                     'hitc deploy|outputs|destroy --help' lists their\n"
    "                     options\n"
    "\n"
    "options:\n"
    "  -o DIR             where build writes (required for build)\n"
    "  --format FORMAT    diagnostics as gcc (default), json or sarif, on stderr\n"
    "  --check            fmt: change nothing, list what would change\n"
    "  --apps             check: through the apps that import each FILE\n"
    "  --strict           warnings make the exit status 1\n"
    "  -q, --quiet        build prints nothing when it succeeds\n"
    "  -h, --help         print this help\n"
    "  --version          print hitc's version\n"
    "  --list-diagnostics print every diagnostic code as a Markdown table\n"
    "  --                 the end of the options: what follows is a command\n"
    "                     or a file, even when it starts with '-'\n"
    "\n"
    "exit status: 0 clean, 1 errors in the input (or warnings with --strict),\n"
    "2 bad usage or an I/O failure\n";

struct Options {
    const Command *command;
    const char *out;
    const char **files;
    int nfiles;
    DiagFormat format;
    bool strict, quiet, check, apps;
};

__attribute__((format(printf, 1, 2)))
static int bad_usage(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("hitc: ", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs("\nrun 'hitc --help' for usage\n", stderr);
    return 2;
}

static int parse_args(int argc, char **argv, Options *o)
{
    const char *command = NULL;
    bool operands = false;          /* after "--": no more options */
    o->files = xcalloc((size_t)argc, sizeof *o->files);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (operands) {
            if (!command)
                command = a;
            else
                o->files[o->nfiles++] = a;
            continue;
        }
        if (strcmp(a, "--") == 0) {
            operands = true;
            continue;
        }
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
        } else if (strcmp(a, "--apps") == 0) {
            o->apps = true;
        } else if (strcmp(a, "--strict") == 0) {
            o->strict = true;
        } else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
            o->quiet = true;
        } else if (a[0] == '-' && a[1]) {
            return bad_usage("unknown option '%s'", a);
        } else if (!command) {
            command = a;
        } else {
            o->files[o->nfiles++] = a;
        }
    }
    if (!command)
        return bad_usage("%s", "no command given");
    for (int i = 0; i < NCOMMANDS; i++)
        if (strcmp(command, commands[i].name) == 0)
            o->command = &commands[i];
    if (!o->command)
        return bad_usage("unknown command '%s'; use build, check, graph, lint, "
                         "fmt, invoke, event, serve, deploy, outputs or destroy", command);
    const Command *c = o->command;
    if (o->nfiles == 0)
        return bad_usage("'%s' needs %s", c->name, c->takes);
    if (!c->many_files && o->nfiles > 1)
        return bad_usage("'%s' takes one .hit file", c->name);
    if (c->needs_out && !o->out)
        return bad_usage("'%s' needs '-o DIR' (or '-o -' for stdout)", c->name);
    if (o->check && !c->takes_check)
        return bad_usage("'--check' is for 'fmt', not '%s'", c->name);
    if (o->apps && c->run != cmd_check)
        return bad_usage("'--apps' is for 'check', not '%s'", c->name);
    if (!c->needs_out && o->out)
        return bad_usage("'-o' is for 'build', not '%s'", c->name);
    return -1;
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
    if (e->stacks.len)
        printf("wrote %s/template.json (the root stack), %s/manifest.json, "
               "%d bundle%s and %d nested stack template%s in %s/bundles\n\n",
               out, out, e->bundles.len, e->bundles.len == 1 ? "" : "s",
               e->stacks.len, e->stacks.len == 1 ? "" : "s", out);
    else
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

static void cmd_build(Ctx *ctx, const Options *o, Emit *e)
{
    if (output_dir_check(ctx, o->out) != 0)     /* before bundling */
        return;
    e->cache = bundle_cache_dir();
    emit_checked(ctx, e);
    if (ctx->nerrors == 0)
        output_write(ctx, e, o->out);
}

static void cmd_check(Ctx *ctx, const Options *o, Emit *e)
{
    (void)o;
    e->dry_run = true;
    emit_checked(ctx, e);
}

static void cmd_graph(Ctx *ctx, const Options *o, Emit *e)
{
    (void)o;
    /* Emitted (no zips) to know where a split app puts each declaration. */
    e->dry_run = true;
    emit_template(ctx, e);
    Buf dot = {0};
    graph_print_dot_stacks(ctx, e, &dot);
    fputs(dot.data, stdout);
    buf_free(&dot);
}

/* What a command found in each of its files.  Text is printed file by file
 * as soon as a file is done; JSON and SARIF wait for the last file, so that
 * all the files' diagnostics make one document. */
typedef struct {
    const Options *o;
    Ctx **kept;
    int nkept;
    int status;             /* the worst status so far */
} Report;

static int file_status(const Options *o, Ctx *ctx)
{
    if (any_io_error(ctx))
        return 2;
    if (ctx->nerrors || (o->strict && ctx->nwarnings))
        return 1;
    return 0;
}

static void report_file(Report *r, Ctx *ctx, int status)
{
    if (status > r->status)
        r->status = status;
    if (r->o->format != FMT_GCC) {
        r->kept[r->nkept++] = ctx;
        return;
    }
    diag_print_all(ctx, stderr, FMT_GCC, isatty(2) && !getenv("NO_COLOR"));
    ctx_free(ctx);
}

static int report_end(Report *r)
{
    if (r->nkept)
        diag_print_many(r->kept, r->nkept, stderr, r->o->format, false);
    for (int i = 0; i < r->nkept; i++)
        ctx_free(r->kept[i]);
    free(r->kept);
    return r->status;
}

static Report report_new(const Options *o)
{
    Report r = {o, xcalloc((size_t)o->nfiles + 1, sizeof(Ctx *)), 0, 0};
    return r;
}

static int run_one(const Options *o, const char *path, Report *r)
{
    Ctx *ctx = ctx_new();
    Emit e = {0};
    if (compile(ctx, source_load(ctx, path, (Loc){0})))
        o->command->run(ctx, o, &e);
    if (o->command->run != cmd_graph)
        accept_report_unused(ctx);
    int status = file_status(o, ctx);
    if (status == 0 && o->command->run == cmd_build && !o->quiet &&
        strcmp(o->out, "-") != 0) {
        /* the diagnostics (warnings only) come first, as before */
        diag_print_all(ctx, stderr, o->format,
                       o->format == FMT_GCC && isatty(2) && !getenv("NO_COLOR"));
        print_next_steps(ctx, &e, o->out);
        emit_free(&e);
        ctx_free(ctx);
        return status;
    }
    emit_free(&e);
    report_file(r, ctx, status);
    return status;
}

/* lint and fmt read their files their own way: templates, and .hit text
 * that is formatted, not compiled. */
static int cmd_lint(const Options *o)
{
    Report r = report_new(o);
    for (int i = 0; i < o->nfiles; i++) {
        Ctx *ctx = ctx_new();
        lint_template(ctx, o->files[i]);
        accept_report_unused(ctx);
        report_file(&r, ctx, file_status(o, ctx));
    }
    return report_end(&r);
}

static int cmd_fmt(const Options *o)
{
    Report r = report_new(o);
    for (int i = 0; i < o->nfiles; i++) {
        Ctx *ctx = ctx_new();
        bool changed = false;
        int status = fmt_file(ctx, o->files[i], o->check, &changed);
        if (status == 0 && changed && o->check) {
            printf("%s\n", o->files[i]);
            status = 1;
        }
        report_file(&r, ctx, status);
    }
    int rc = report_end(&r);
    if (fflush(stdout) != 0 && rc < 2)
        rc = 2;
    return rc;
}

/* check --apps: every file through the apps that import it, in one Ctx
 * (apps.c). */
static int run_apps(const Options *o)
{
    Report r = report_new(o);
    Ctx *ctx = ctx_new();
    apps_check(ctx, o->files, o->nfiles, o->command->run, o);
    report_file(&r, ctx, file_status(o, ctx));
    return report_end(&r);
}

int main(int argc, char **argv)
{
    for (size_t i = 0; argc > 1 && i < sizeof own_commands / sizeof *own_commands; i++)
        if (strcmp(argv[1], own_commands[i].name) == 0)
            return own_commands[i].main(argc - 1, argv + 1);
    Options o = {0};
    int rc = parse_args(argc, argv, &o);
    if (rc < 0 && o.apps) {
        rc = run_apps(&o);
    } else if (rc < 0 && o.command->whole) {
        rc = o.command->whole(&o);
    } else if (rc < 0) {
        Report r = report_new(&o);
        for (int i = 0; i < o.nfiles; i++)
            run_one(&o, o.files[i], &r);
        rc = report_end(&r);
    }
    free(o.files);
    return rc;
}
