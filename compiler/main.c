/*
 * main.c: the command line.  Its table of commands (one row each) names
 * them all; this file runs the ones on .hit files and templates (build,
 * check, graph, lint, fmt): each file through compile() (compile.c's one
 * front-end pipeline), then the command's run on the compiled program,
 * then its diagnostics.
 *
 * Exit status: 0 clean (warnings allowed unless --strict), 1 errors in the
 * input, 2 bad usage or an I/O failure.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bundle.h"
#include "hitc.h"
#include "lint.h"
#include "local.h"
#include "deploy.h"

/* What build, check, graph, lint and fmt read from the command line: the
 * options they share, and their files.  run() is the command's work on one
 * compiled file (NULL for lint and fmt, which read files their own way). */
typedef struct Options {
    const char *name;           /* the command: "build" */
    void (*run)(Ctx *ctx, const struct Options *o, Emit *e);
    const char *out;            /* -o DIR (build) */
    const char *format_name;    /* --format, until it is read into format */
    DiagFormat format;
    const char **files;
    int nfiles;
    bool strict, quiet, check, apps;
} Options;

static void cmd_build(Ctx *ctx, const Options *o, Emit *e);
static void cmd_check(Ctx *ctx, const Options *o, Emit *e);
static void cmd_graph(Ctx *ctx, const Options *o, Emit *e);
static int build_main(int argc, char **argv);
static int check_main(int argc, char **argv);
static int graph_main(int argc, char **argv);
static int lint_main(int argc, char **argv);
static int fmt_main(int argc, char **argv);

/* The commands, one row each, in the order `hitc --help` lists them: this
 * table is the one list of them (the usage lines and the list of commands
 * in `hitc --help`, "unknown command" and its "did you mean", `hitc
 * --list-commands`).  A command reads its own options with a table of its
 * own (options.h) and prints its own usage on `hitc NAME --help`.  To add
 * one: write its main (here for a command on .hit files, or in a file of
 * its own), add its row, and its place in docs/hitc.1 and the README's
 * table of commands (tests/cli/test_cli.sh checks every row's). */
static const Command commands[] = {
    {"build", "FILE -o DIR [options]", "FILE -o DIR",
     "compile FILE into DIR/template.json, DIR/manifest.json\n"
     "and DIR/bundles/SHA256.zip (the stamper's too); DIR is\n"
     "replaced whole, or left as it was when the build fails;\n"
     "-o - prints the template on stdout", build_main},
    {"check", "[--apps] FILE... [options]", "FILE...",
     "parse, resolve and validate, and lint the template\n"
     "as build does (docs/lint.md); write nothing; with\n"
     "--apps, check each FILE as part of every app that\n"
     "imports it", check_main},
    {"graph", "FILE [options]", "FILE",
     "print the dependency graph as Graphviz DOT (nested\n"
     "stacks as clusters)", graph_main},
    {"lint", "TEMPLATE... [options]", "TEMPLATE...",
     "check CloudFormation templates (JSON or YAML): names,\n"
     "cycles, functions, quotas, IAM wildcards, deletion\n"
     "policies, runtimes, unused names (docs/lint.md)", lint_main},
    {"fmt", "[--check] FILE...", "FILE...",
     "rewrite .hit files in the canonical layout, in place\n"
     "(docs/fmt.md); 'hitc fmt -' formats stdin to stdout;\n"
     "--check changes nothing and lists what would change", fmt_main},
    {"invoke", "FILE FUNCTION [options]", "FILE FN",
     "run function FN's handler once on this machine", invoke_main},
    {"event", "KIND ARGS... [options]", "KIND ...",
     "print a sample event as AWS sends it: rest, http,\n"
     "schedule, dynamodb, sqs, sns, eventbridge", event_main},
    {"serve", "FILE [options]", "FILE",
     "serve the app's routes on 127.0.0.1, each function\n"
     "in warm workers, reloaded on change (docs/local.md)", serve_main},
    {"deploy", "FILE [--stage STAGE] [options]", "FILE",
     "build, upload, plan and deploy one stage (the stack\n"
     "APP-STAGE) through the AWS CLI, then print its\n"
     "outputs (docs/deploying.md)", deploy_main},
    {"outputs", "FILE [--stage STAGE] [options]", "FILE",
     "print a deployed stage's outputs", outputs_main},
    {"destroy", "FILE [--stage STAGE] [options]", "FILE",
     "delete a deployed stage, keeping retained tables", destroy_main},
};
#define NCOMMANDS ((int)(sizeof commands / sizeof *commands))

/* What `hitc --help` says after its list of commands. */
static const char usage_end[] =
    "\n"
    "build, check and graph read FILE's imports and includes too.\n"
    "'hitc COMMAND --help' prints a command's usage and all its options.\n"
    "\n"
    "options of build, check, graph, lint and fmt:\n"
    "  --format FORMAT    diagnostics as gcc (default), json or sarif, on stderr\n"
    "  --strict           warnings make the exit status 1\n"
    "  --                 the end of the options: what follows is a file, even\n"
    "                     when it starts with '-'\n"
    "\n"
    "options of hitc itself (instead of a command):\n"
    "  -h, --help         print this help\n"
    "  --version          print hitc's version\n"
    "  --list-diagnostics print every diagnostic code as a Markdown table\n"
    "  --list-commands    print every command's name, one a line\n"
    "\n"
    "exit status: 0 clean, 1 errors in the input (or warnings with --strict),\n"
    "2 bad usage or an I/O failure\n";

/* `hitc --help`: every row's usage line, then its lines in the list of
 * commands, the name and args in a column of their own. */
static void print_usage(void)
{
    for (int i = 0; i < NCOMMANDS; i++)
        printf("%s hitc %s %s\n", i ? "      " : "usage:", commands[i].name,
               commands[i].synopsis);
    puts("\ncommands:");
    for (int i = 0; i < NCOMMANDS; i++) {
        char head[64];
        snprintf(head, sizeof head, "%s %s", commands[i].name, commands[i].args);
        printf("  %-19s", head);
        for (const char *line = commands[i].summary; *line;) {
            size_t n = strcspn(line, "\n");
            printf("%s%.*s\n", line == commands[i].summary ? "" : "                     ",
                   (int)n, line);
            line += n + (line[n] == '\n');
        }
    }
    fputs(usage_end, stdout);
}

/* "unknown command 'biuld'; did you mean 'build'?", or every name. */
static int unknown_command(const char *name)
{
    const char *names[NCOMMANDS];
    for (int i = 0; i < NCOMMANDS; i++)
        names[i] = commands[i].name;
    Ctx *ctx = ctx_new();
    const char *hint = did_you_mean(ctx, name, names, NCOMMANDS, NULL);
    Buf list = {0};
    buf_add(&list, "", 0);
    for (int i = 0; !*hint && i < NCOMMANDS; i++)
        buf_printf(&list, "%s%s", i == 0 ? "; use " : i == NCOMMANDS - 1 ? " or " : ", ",
                   names[i]);
    fprintf(stderr, "hitc: unknown command '%s'%s%s\nrun 'hitc --help' for usage\n",
            name, hint, list.data);
    buf_free(&list);
    ctx_free(ctx);
    return 2;
}

/* ---- build, check, graph, lint, fmt: their options ---------------------- */

#define AT(field) offsetof(Options, field)
#define DIAG_OPTIONS                                                       \
    {"--format", NULL, false, AT(format_name), NULL},                      \
    {"--strict", NULL, true, AT(strict), NULL}
static const Option build_options[] = {
    DIAG_OPTIONS,
    {"-o", NULL, false, AT(out), NULL},
    {"--quiet", "-q", true, AT(quiet), NULL},
};
static const Option check_options[] = {
    DIAG_OPTIONS,
    {"--apps", NULL, true, AT(apps), NULL},
};
static const Option diag_options[] = {DIAG_OPTIONS};   /* graph, lint */
static const Option fmt_options[] = {
    DIAG_OPTIONS,
    {"--check", NULL, true, AT(check), NULL},
};
#define NOPTS(t) ((int)(sizeof t / sizeof *t))

#define DIAG_USAGE                                                          \
    "  --format FORMAT    diagnostics as gcc (default), json or sarif, on\n"  \
    "                     stderr\n"                                            \
    "  --strict           warnings make the exit status 1\n"                  \
    "  -h, --help         print this help\n"

static const char build_usage[] =
    "usage: hitc build FILE -o DIR [options]\n"
    "\n"
    "Compile FILE (and every file it imports and includes) into\n"
    "DIR/template.json, DIR/manifest.json and DIR/bundles/SHA256.zip (the\n"
    "stamper's too).  DIR is replaced whole, or left as it was when the build\n"
    "fails, and only when it is empty or an earlier build's output.  A code\n"
    "directory's requirements.txt or package.json (with its lock) is installed\n"
    "into its bundle (pip, npm ci; cached in $XDG_CACHE_HOME/hitc; more pip\n"
    "options in $HITC_PIP_ARGS); a code directory's zip is reused from the\n"
    "bundle cache when it did not change (HITC_NO_CACHE=1: no cache).  Past\n"
    "500 resources, a root stack and nested stacks, DIR/bundles/SHA256.json\n"
    "(docs/scaling.md).  The template passes lint's template rules first.\n"
    "\n"
    "options:\n"
    "  -o DIR             where to write (required); '-o -' prints the\n"
    "                     template on stdout and writes nothing\n"
    "  -q, --quiet        print nothing when the build succeeds\n"
    DIAG_USAGE;

static const char check_usage[] =
    "usage: hitc check [--apps] FILE... [options]\n"
    "\n"
    "Parse, resolve and validate each FILE (and every file it imports and\n"
    "includes), and lint the template as build does (docs/lint.md); zip no\n"
    "code and write nothing.\n"
    "\n"
    "options:\n"
    "  --apps             check each FILE as part of every app that imports\n"
    "                     it (an app: a .hit file under the current directory\n"
    "                     that no other imports), each app once\n"
    DIAG_USAGE;

static const char graph_usage[] =
    "usage: hitc graph FILE [options]\n"
    "\n"
    "Print the dependency graph of FILE (and every file it imports and\n"
    "includes) as Graphviz DOT on stdout, nested stacks as clusters.\n"
    "\n"
    "options:\n"
    DIAG_USAGE;

static const char lint_usage[] =
    "usage: hitc lint TEMPLATE... [options]\n"
    "\n"
    "Check CloudFormation templates (JSON or YAML) of any origin: names,\n"
    "cycles, intrinsic functions, resource types and properties, quotas, IAM\n"
    "wildcards, deletion policies, runtimes, unused names (docs/lint.md).\n"
    "\n"
    "options:\n"
    DIAG_USAGE;

static const char fmt_usage[] =
    "usage: hitc fmt [--check] FILE...\n"
    "\n"
    "Rewrite .hit files in the canonical layout, in place (docs/fmt.md);\n"
    "'hitc fmt -' formats stdin to stdout.\n"
    "\n"
    "options:\n"
    "  --check            change nothing; list the files that would change\n"
    DIAG_USAGE
    "\n"
    "exit status: 0 all formatted, 1 some would change (--check) or have\n"
    "syntax errors, 2 I/O\n";

/* Which of the five takes each option, for "'--apps' is for 'check', not
 * 'build'" rather than a bare "unknown option". */
static const struct {
    const char *command;
    const Option *opts;
    int nopts;
} option_tables[] = {
    {"build", build_options, NOPTS(build_options)},
    {"check", check_options, NOPTS(check_options)},
    {"fmt", fmt_options, NOPTS(fmt_options)},
};

static const char *option_of(const Option *opts, int nopts, const char *a)
{
    size_t n = strncmp(a, "--", 2) == 0 ? strcspn(a, "=") : strlen(a);
    for (int k = 0; k < nopts; k++)
        if ((strlen(opts[k].name) == n && strncmp(opts[k].name, a, n) == 0) ||
            (opts[k].alias && strcmp(opts[k].alias, a) == 0))
            return opts[k].name;
    return NULL;
}

/* An option of another of these commands given to this one: 2 after
 * saying whose it is, else -1. */
static int misplaced_option(int argc, char **argv, const Option *opts, int nopts)
{
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
        if (argv[i][0] != '-' || option_of(opts, nopts, argv[i]))
            continue;
        for (size_t t = 0; t < sizeof option_tables / sizeof *option_tables; t++) {
            const char *name = option_of(option_tables[t].opts, option_tables[t].nopts,
                                         argv[i]);
            if (name)
                return usage_error(argv[0], "'%.*s' is for '%s', not '%s'",
                                   (int)strcspn(argv[i], "="), argv[i],
                                   option_tables[t].command, argv[0]);
        }
    }
    return -1;
}

/* Read a command's options and files; -1 to go on, else the exit status.
 * takes: what a file is, for the message when there is none. */
static int read_options(Options *o, int argc, char **argv, const Option *opts,
                        int nopts, const char *usage, const char *takes,
                        bool many_files)
{
    o->name = argv[0];
    o->files = xcalloc((size_t)argc, sizeof *o->files);
    int rc = misplaced_option(argc, argv, opts, nopts);
    if (rc >= 0)
        return rc;
    rc = options_parse(argc, argv, opts, nopts, o, o->files, argc, &o->nfiles, usage);
    if (rc >= 0)
        return rc;
    if (o->nfiles == 0)
        return usage_error(o->name, "'%s' needs %s", o->name, takes);
    if (!many_files && o->nfiles > 1)
        return usage_error(o->name, "'%s' takes one .hit file", o->name);
    const char *f = o->format_name;
    if (!f || strcmp(f, "gcc") == 0)
        o->format = FMT_GCC;
    else if (strcmp(f, "json") == 0)
        o->format = FMT_JSON;
    else if (strcmp(f, "sarif") == 0)
        o->format = FMT_SARIF;
    else
        return usage_error(o->name, "unknown format '%s'; use gcc, json or sarif", f);
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
        o->run(ctx, o, &e);
    if (o->run != cmd_graph)
        accept_report_unused(ctx);
    int status = file_status(o, ctx);
    if (status == 0 && o->run == cmd_build && !o->quiet &&
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
    apps_check(ctx, o->files, o->nfiles, o->run, o);
    report_file(&r, ctx, file_status(o, ctx));
    return report_end(&r);
}

/* build, check and graph: each file compiled, then run. */
static int run_each(const Options *o)
{
    Report r = report_new(o);
    for (int i = 0; i < o->nfiles; i++)
        run_one(o, o->files[i], &r);
    return report_end(&r);
}

static int build_main(int argc, char **argv)
{
    Options o = {.run = cmd_build};
    int rc = read_options(&o, argc, argv, build_options, NOPTS(build_options),
                          build_usage, "a .hit file", false);
    if (rc < 0 && !o.out)
        rc = usage_error("build", "'build' needs '-o DIR' (or '-o -' for stdout)");
    if (rc < 0)
        rc = run_each(&o);
    free(o.files);
    return rc;
}

static int check_main(int argc, char **argv)
{
    Options o = {.run = cmd_check};
    int rc = read_options(&o, argc, argv, check_options, NOPTS(check_options),
                          check_usage, "a .hit file", true);
    if (rc < 0)
        rc = o.apps ? run_apps(&o) : run_each(&o);
    free(o.files);
    return rc;
}

static int graph_main(int argc, char **argv)
{
    Options o = {.run = cmd_graph};
    int rc = read_options(&o, argc, argv, diag_options, NOPTS(diag_options),
                          graph_usage, "a .hit file", false);
    if (rc < 0)
        rc = run_each(&o);
    free(o.files);
    return rc;
}

static int lint_main(int argc, char **argv)
{
    Options o = {0};
    int rc = read_options(&o, argc, argv, diag_options, NOPTS(diag_options),
                          lint_usage, "a template", true);
    if (rc < 0)
        rc = cmd_lint(&o);
    free(o.files);
    return rc;
}

static int fmt_main(int argc, char **argv)
{
    Options o = {0};
    int rc = read_options(&o, argc, argv, fmt_options, NOPTS(fmt_options),
                          fmt_usage, "a .hit file", true);
    if (rc < 0)
        rc = cmd_fmt(&o);
    free(o.files);
    return rc;
}

/* hitc [--] COMMAND ARGS...: the command's row runs the rest; or one of
 * hitc's own options. */
int main(int argc, char **argv)
{
    int first = argc > 1 && strcmp(argv[1], "--") == 0 ? 2 : 1;
    if (first >= argc) {
        fputs("hitc: no command given\nrun 'hitc --help' for usage\n", stderr);
        return 2;
    }
    const char *a = argv[first];
    for (int i = 0; i < NCOMMANDS; i++)
        if (strcmp(a, commands[i].name) == 0)
            return commands[i].main(argc - first, argv + first);
    if (first == 1 && (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0)) {
        print_usage();
        return 0;
    }
    if (first == 1 && strcmp(a, "--version") == 0) {
        printf("hitc %s\n", HITC_VERSION);
        return 0;
    }
    if (first == 1 && strcmp(a, "--list-diagnostics") == 0) {
        diag_list_markdown();
        return 0;
    }
    if (first == 1 && strcmp(a, "--list-commands") == 0) {
        for (int i = 0; i < NCOMMANDS; i++)
            puts(commands[i].name);
        return 0;
    }
    if (first == 1 && a[0] == '-') {
        fprintf(stderr, "hitc: unknown option '%s'; a command comes first, its "
                "options after it\nrun 'hitc --help' for usage\n", a);
        return 2;
    }
    return unknown_command(a);
}
