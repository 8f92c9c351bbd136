/*
 * hitc.h: the compiler's internal header, a section per source file.
 * Some parts have headers of their own: the CloudFormation tree (cfn.h),
 * bundles (bundle.h, zipout.h, sha256.h), lint (lint.h), the resource
 * schemas and IAM actions (schema.h, iam_table.h), runtimes (runtimes.h),
 * running locally (local.h), deploying (deploy.h), the command line
 * (options.h), and the API kinds (kinds/api.h) among others in kinds/.
 *
 * Data flows one way: source text -> tokens (lex.c) -> syntax tree (parse.c)
 * -> declarations with checked fields (kinds/) -> resolved references
 * (resolve.c) -> dependency graph (graph.c) -> CloudFormation tree (emit.c)
 * -> files (output.c).  compile.c runs the front end, up to the graph, for
 * every command; main.c's commands go on from there.
 *
 * Ownership: everything a compilation allocates (sources, tokens, tree,
 * strings, declarations, diagnostics) lives in the Ctx's arena and is freed
 * with it in one call, the CloudFormation tree (cfn.h) too.  The template's
 * text and the bytes of the bundles are the exceptions: the Emit struct
 * owns them and emit_free() frees them.
 */
#ifndef HITC_H
#define HITC_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define HITC_VERSION "0.1.0"

typedef struct Ctx Ctx;
typedef struct Decl Decl;
typedef struct Kind Kind;
typedef struct Emit Emit;
typedef struct CfnNode CfnNode;
struct BundleFile;                      /* bundle.h */
struct BundleExtra;                     /* bundle.h */

/* ---- arena.c --------------------------------------------------------- */

/* The one out-of-memory policy.  Every allocation hitc makes goes through
 * the arena, a Buf or these four; when one fails, hitc prints "hitc: out of
 * memory" and exits with status 2 at once.  Nothing half-written is left:
 * output goes to a temporary directory that is renamed only when complete,
 * and a dead build's temporary directory is removed by the next build. */
_Noreturn void out_of_memory(void);
void *xmalloc(size_t n);                /* n == 0 gives a valid pointer */
void *xcalloc(size_t n, size_t size);   /* zeroed; n == 0 gives one */
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);

/* A bump allocator: many small allocations, one free.  Memory is zeroed. */
typedef struct Arena Arena;

Arena *arena_new(void);
void arena_free(Arena *a);
void *arena_alloc(Arena *a, size_t size);
char *arena_strndup(Arena *a, const char *s, size_t n);
char *arena_strdup(Arena *a, const char *s);
char *arena_printf(Arena *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
char *arena_vprintf(Arena *a, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

/* A growable array of pointers kept in the arena (old blocks are simply
 * left behind when it grows; the arena frees them). */
typedef struct PtrVec {
    void **items;
    int len, cap;
} PtrVec;

void vec_push(Arena *a, PtrVec *v, void *item);

/* A map from strings to pointers, kept in the arena, for lookups only:
 * there is no way to iterate it, so its order can never reach an output.
 * Keys are not copied; they must live as long as the map. */
typedef struct StrMap {
    const char **keys;
    void **values;
    size_t cap, len;        /* cap is 0 or a power of two */
    uint64_t key[2];        /* the hash's key, random, drawn when cap leaves 0 */
} StrMap;

void *strmap_get(const StrMap *m, const char *key);
void strmap_put(Arena *a, StrMap *m, const char *key, void *value);

/* A growable byte string, malloc-owned (used for output text). */
typedef struct Buf {
    char *data;
    size_t len, cap;
} Buf;

void buf_add(Buf *b, const char *s, size_t n);
void buf_puts(Buf *b, const char *s);
void buf_printf(Buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void buf_free(Buf *b);

/* ---- util.c ---------------------------------------------------------- */

/* The one function that turns .hit names into CloudFormation logical IDs:
 * split at '-' and '_', upper-case the first letter of each part, keep the
 * rest, join.  "counters" -> "Counters", "hit-counter" -> "HitCounter".
 * Any other character is dropped.  See docs/logical-ids.md. */
char *pascal_case(Arena *a, const char *name);
/* CloudFormation takes logical IDs of at most 255 characters.  An ID that
 * fits is returned as it is; a longer one becomes its first 247 characters
 * and the first 8 hex digits of the SHA-256 of the whole ID. */
#define CFN_MAX_LOGICAL_ID 255
const char *logical_id_fit(Arena *a, const char *id);
/* Key under which two names collide: lower case, '-' as '_'. */
char *name_fold(Arena *a, const char *name);
bool is_name(const char *s);          /* [A-Za-z][A-Za-z0-9_-]*, <= 64 */
/* The edit distance of a and b (case-blind; a swap of neighbours costs
 * one) when it is at most max, else max + 1; words past 256 bytes are
 * past max of everything. */
int edit_distance_within(const char *a, const char *b, int max);
/* Length of the valid UTF-8 sequence at p (no overlong forms, surrogates or
 * code points past U+10FFFF), or 0 when p does not start one. */
int utf8_len(const unsigned char *p, const unsigned char *end);
/* Append code point cp to b as UTF-8: the one encoder. */
void buf_put_utf8(Buf *b, unsigned cp);
/* Write an error message into err (errlen bytes, cut to fit) and return -1:
 * how the bundle and package code reports what went wrong. */
int err_fill(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The directory part of path ("." when it has none, "/" for the root). */
char *path_dir(Arena *a, const char *path);
/* The candidate closest to word, or NULL when none is close enough to be a
 * plausible typo. */
const char *closest(const char *word, const char *const *cands, int n);
/* Every "did you mean" of hitc's messages: "; did you mean 'x'?" for the
 * closest candidate, or "" when none is close (arena-owned).  guess, when
 * not NULL, receives the candidate (or NULL). */
const char *did_you_mean(Ctx *ctx, const char *word, const char *const *cands,
                         int n, const char **guess);

/* ---- source.c, diag.c, diag_text.c, diag_sarif.c -------------------- */

/* A source file, read whole.  line_starts[i] is the offset of line i+1. */
typedef struct Source {
    const char *path;       /* as the user named it (or as imported) */
    const char *dir;        /* directory of path, for relative paths */
    const char *text;
    size_t len;
    size_t *line_starts;
    int nlines;
    size_t *char_marks;     /* characters before each SOURCE_MARK bytes */
    int index;              /* in ctx->sources, for sorting diagnostics */
    PtrVec comments;        /* Comment *, in source order (lex.c fills it) */
    PtrVec accepts;         /* accept.c: the ranges its acceptances cover,
                               sorted */
} Source;

/* char_marks[k] counts the characters before byte k * SOURCE_MARK, so a
 * column costs a binary search and at most SOURCE_MARK bytes of scan. */
#define SOURCE_MARK 4096

/* A place in a source: byte offset and length.  Line and column are
 * computed only when printing. */
typedef struct Loc {
    const Source *src;
    uint32_t off, len;
} Loc;

typedef enum { SEV_NOTE, SEV_WARNING, SEV_ERROR } Severity;

/* Every diagnostic has one entry in diag.c's table (code, severity, name,
 * summary): the table feeds the printers, --format json|sarif and
 * docs/diagnostics.md (`hitc --list-diagnostics`). */
typedef enum {
    /* lexical and syntax */
    D_BAD_CHAR, D_BAD_UTF8, D_UNTERMINATED_STRING, D_BAD_ESCAPE,
    D_BAD_NUMBER, D_BAD_INTERP, D_FILE_TOO_LARGE, D_EXPECTED, D_BRACE_LINE,
    D_UNCLOSED, D_TOO_DEEP,
    /* import (import.c) */
    D_IMPORT_FORM, D_IMPORT_MISSING, D_IMPORT_CYCLE, D_IMPORT_OUTSIDE,
    D_IMPORT_LIMIT, D_APPS_LIMIT,
    /* acceptances of warnings (accept.c) */
    D_ACCEPT_BAD, D_ACCEPT_UNUSED,
    /* declarations and fields */
    D_UNKNOWN_DECL, D_BAD_NAME, D_DUPLICATE_NAME, D_NAME_COLLISION,
    D_RESERVED_NAME, D_UNKNOWN_FIELD, D_DUPLICATE_FIELD, D_MISSING_FIELD,
    D_BAD_VALUE, D_OUT_OF_RANGE, D_UNKNOWN_RUNTIME, D_DEPRECATED_RUNTIME,
    D_BAD_ENV_KEY, D_BAD_PATTERN, D_PATTERN_MISMATCH,
    D_BLOCKED_RUNTIME, D_SECRET_PLAIN, D_HANDLER_MISSING,
    /* routes */
    D_BAD_PATH, D_DUPLICATE_ROUTE, D_PARAM_CONFLICT, D_NO_ROUTES,
    D_HTTP_CORS_OPTIONS, D_API_TIMEOUT,
    D_UNKNOWN_AUTHORIZER, D_AUTHORIZER_API, D_AUTHORIZER_FIELDS,
    D_CORS_ORIGIN, D_UNUSED_AUTHORIZER,
    /* references and graph */
    D_UNKNOWN_REF, D_UNKNOWN_ATTR, D_BARE_REF, D_WRONG_KIND, D_NO_STREAM,
    D_CYCLE, D_LOGICAL_ID_CLASH, D_UNUSED_PARAM,
    /* code and output */
    D_CODE_DIR, D_BUNDLE, D_IO, D_EMPTY_APP, D_TEMPLATE_LIMIT, D_TEMPLATE_SIZE,
    D_OUTPUT_FOREIGN, D_OUTPUT_OVERLAP, D_CODE_HOLDS_OUTPUT,
    /* the stamper's .env */
    D_ENV_UNWRITABLE, D_ENV_READER_CLASH,
    /* reading YAML and JSON templates (cfn_read.c) */
    D_CFN_SYNTAX, D_CFN_DUPLICATE_KEY, D_CFN_BAD_TAG, D_CFN_TOO_DEEP,
    D_CFN_ALIAS, D_CFN_AMBIGUOUS_NUMBER, D_CFN_YAML_BOOL, D_CFN_TOO_LARGE,
    D_CFN_UNSUPPORTED,
    /* code bundles */
    D_BAD_ENV_FILE,
    /* plugins and resources (kinds/plugin.c, kinds/resource.c) */
    D_PLUGIN_MISSING_INPUT, D_PLUGIN_UNKNOWN_INPUT, D_PLUGIN_INPUT_TYPE,
    D_PLUGIN_DEFAULT_TYPE, D_PLUGIN_UNKNOWN_OUTPUT, D_UNKNOWN_PLUGIN,
    D_PLUGIN_TIMEOUT, D_PLUGIN_KIT_CLASH, D_PLUGIN_RESERVED_INPUT,
    D_PLUGIN_SERVICE,
    /* the one entry --format json|sarif ends with when some were left out */
    D_TOO_MANY,
    /* hitc lint: rules on CloudFormation templates (lint.c, lint_rules.c) */
    D_LINT_STRUCTURE, D_LINT_UNKNOWN_FN, D_LINT_FN_SHAPE, D_LINT_UNKNOWN_REF,
    D_LINT_UNKNOWN_GETATT, D_LINT_UNKNOWN_SUB_VAR, D_LINT_UNKNOWN_DEPENDSON,
    D_LINT_UNKNOWN_CONDITION, D_LINT_UNKNOWN_MAPPING, D_LINT_CYCLE,
    D_LINT_CONDITIONAL_DEPENDSON, D_LINT_QUOTA, D_LINT_BAD_ID,
    D_LINT_NAME_CLASH, D_LINT_IAM_RESOURCE, D_LINT_IAM_ACTION,
    D_LINT_NO_DELETION_POLICY, D_LINT_BLOCKED_RUNTIME,
    D_LINT_DEPRECATED_RUNTIME, D_LINT_UNUSED_PARAM, D_LINT_UNUSED_CONDITION,
    D_LINT_UNUSED_MAPPING,
    /* hitc lint and include: the resource schemas (schema_check.c) */
    D_LINT_UNKNOWN_TYPE, D_LINT_UNKNOWN_PROPERTY, D_LINT_MISSING_PROPERTY,
    D_LINT_PROPERTY_TYPE, D_LINT_UNKNOWN_ATTRIBUTE, D_LINT_THIRD_PARTY_TYPE,
    D_LINT_UNKNOWN_ACTION, D_LINT_ENUM,
    D_LINT_CONDITION_CYCLE,
    /* triggers (kinds/trigger.c) */
    D_BAD_SCHEDULE, D_BAD_EVENT_PATTERN, D_TRIGGER_NO_STREAM,
    D_UNKNOWN_TRIGGER, D_TRIGGER_OPTION,
    D_TWO_INVOKE_CONFIGS,   /* kinds/trigger_failure.c */
    /* allow ACTIONS on RESOURCES (kinds/function_iam.c) */
    D_BAD_ACTION, D_ALLOW_EMPTY, D_WILDCARD_GRANT, D_UNKNOWN_ACTION,
    /* include "FILE" (kinds/include.c) */
    D_INCLUDE_FILE, D_INCLUDE_SECTION, D_INCLUDE_UNKNOWN_SECTION,
    D_INCLUDE_UNKNOWN,
    D_INCLUDE_OUTSIDE,
    /* nested stacks (split.c) */
    D_STACK_NAME, D_STACK_CYCLE, D_STACKS_STDOUT,
    /* hitc deploy (deploy.c, plan.c) */
    D_DEPLOY_REPLACE, D_DEPLOY_FAILED, D_DEPLOY_PARAM,
    D_COUNT
} DiagCode;

typedef struct DiagInfo {
    const char *code;       /* stable: "E0201" */
    Severity severity;
    const char *name;       /* "unknown-reference" */
    const char *summary;
} DiagInfo;

extern const DiagInfo diag_table[D_COUNT];

/* A warning accepted at one place, with a reason (accept.c): a
 * `# hitc: accept CODE "REASON"` comment, or an entry of a template's
 * `Metadata: hitc: accept`. */
typedef struct Accept {
    DiagCode code;
    const char *reason;
    Loc at;                 /* the code as written in the acceptance */
    bool used;              /* it accepted a warning */
    bool reported;          /* accept_report_unused said it matched nothing */
} Accept;

typedef struct Note {
    Loc loc;
    char *msg;
    struct Note *next;
} Note;

typedef struct Diag {
    DiagCode code;
    Severity severity;
    Loc loc;                /* loc.src == NULL: no place (command line) */
    char *msg;
    Note *notes, *last_note;
    int nnotes;             /* notes kept: at most MAX_NOTES_SHOWN */
    int notes_dropped;      /* notes past that, counted only */
    int seq;                /* order of creation, for stable sorting */
    Accept *accepted;       /* a warning accepted in the source: kept for
                               JSON and SARIF, not counted, not printed as
                               text */
} Diag;

typedef enum { FMT_GCC, FMT_JSON, FMT_SARIF } DiagFormat;

/* Limits on what hitc reads (docs/language.md, "Limits"). */
#define MAX_SOURCE_BYTES (16u << 20)  /* a file hitc reads: 16 MB */
#define MAX_DIAGS_SHOWN 100           /* diagnostics printed, in every format */
#define MAX_NOTES_SHOWN 20            /* notes of one diagnostic, likewise */

Source *source_load(Ctx *ctx, const char *path, Loc from);
/* A source from memory (tests, fuzzing); text need not be terminated. */
Source *source_from_text(Ctx *ctx, const char *path, const char *text,
                         size_t len);
void loc_linecol(Loc loc, int *line, int *col);

/* Report a diagnostic; notes attach to the one returned. */
Diag *diag(Ctx *ctx, DiagCode code, Loc loc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void note(Ctx *ctx, Diag *d, Loc loc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Print every diagnostic to out (hitc uses stderr), sorted by place
 * (diag_print.c). */
void diag_print_all(Ctx *ctx, FILE *out, DiagFormat fmt, bool color);
/* JSON and SARIF: one document for the diagnostics of several files. */
void diag_print_many(Ctx *const *ctxs, int n, FILE *out, DiagFormat fmt,
                     bool color);
/* Would a diagnostic at loc, reported now, be kept?  Work done only for a
 * message (a "did you mean" search) is skipped when it would not. */
bool diag_wanted(const Ctx *ctx, Loc loc);
void diag_list_markdown(void);
/* "note", "warning", "error". */
const char *severity_name(Severity sev);
/* Sort ctx's diagnostics by place and keep the first MAX_DIAGS_SHOWN
 * (diag_print.c, before it prints them). */
void diag_trim(Ctx *ctx);
/* "N more diagnostics not shown; ...", or NULL when none were dropped. */
const char *diag_more_message(Ctx *ctx);
/* The index of the line of offset off (source.c). */
int source_line_index(const Source *s, size_t off);
/* One diagnostic and its notes as gcc prints them (diag_text.c), and the
 * last note of one some of whose notes were left out, or NULL. */
void diag_print_gcc(FILE *out, Arena *a, const Diag *d, bool color);
const char *diag_more_notes(Arena *a, const Diag *d);
/* The documents of --format json and --format sarif (diag_sarif.c). */
CfnNode *diags_json(Arena *a, Ctx *const *ctxs, int n);
CfnNode *diags_sarif(Arena *a, Ctx *const *ctxs, int n);

/* ---- accept.c --------------------------------------------------------- */

/* The acceptance of a warning of code code at loc, or NULL; marks it used.
 * diag() asks, for every warning it is given (accept_ranges.c). */
Accept *accept_find(DiagCode code, Loc loc);
/* accept_ranges.c: [from, to) of src is covered by a; once all are added,
 * sort them (accept_find searches them). */
void accept_range_add(Ctx *ctx, Source *src, uint32_t from, uint32_t to,
                      Accept *a);
void accept_ranges_sort(Source *src);
/* The acceptance that the k-th of src's ranges covers. */
Accept *accept_range_acc(const Source *src, int k);
/* The `# hitc: accept` comments of a parsed .hit file (bad ones reported). */
struct File;
void accept_read_hit(Ctx *ctx, struct File *f);
/* The `Metadata: hitc: accept` lists of a template read from src (a
 * resource's cover the resource, the template's what lies outside the
 * resources); warnings already reported in src are looked at again. */
void accept_read_template(Ctx *ctx, Source *src, const CfnNode *root);
/* A warning (W0021) for each acceptance that accepted nothing; not when
 * there are errors, since some checks may not have run. */
void accept_report_unused(Ctx *ctx);
/* The same for the acceptances of one source. */
void accept_report_unused_in(Ctx *ctx, const Source *src);

/* ---- lex.c ----------------------------------------------------------- */

typedef enum {
    T_EOF, T_NEWLINE, T_WORD, T_STRING, T_NUMBER, T_PATH,
    T_LBRACE, T_RBRACE, T_LBRACKET, T_RBRACKET, T_COLON, T_COMMA,
    T_EQUAL, T_ARROW
} TokKind;

/* One piece of a string literal: literal text, or a ${reference}. */
typedef struct StrPart {
    bool is_ref;
    const char *text;       /* cooked literal text, or the reference */
    Loc loc;
    struct StrPart *next;
} StrPart;

typedef struct Token {
    TokKind kind;
    Loc loc;
    const char *text;       /* WORD, PATH, NUMBER: the source text */
    StrPart *parts;         /* STRING: cooked pieces */
    long long num;          /* NUMBER: the value */
    const char *unit;       /* NUMBER: the unit written after it, or "" */
    struct Token *next;
} Token;

/* A comment, from '#' to the end of its line (the newline not included).
 * own_line: nothing but blanks (or ';') stands before it on its line;
 * otherwise it trails the code of that line.  The lexer keeps them on
 * the Source, so that `hitc fmt` can put them back. */
typedef struct Comment {
    Loc loc;
    bool own_line;
} Comment;

Token *lex(Ctx *ctx, Source *src);
const char *tok_kind_name(TokKind k);

/* ---- parse.c --------------------------------------------------------- */

/*
 * The syntax tree is generic and small: a file is a list of statements; a
 * statement is a line of items with an optional block of statements.  What
 * the items of a `table` or `route` mean is for its kind to say (kinds/).
 */
typedef enum { I_WORD, I_STRING, I_NUMBER, I_PATH, I_PUNCT, I_LIST } ItemKind;

typedef struct Item {
    ItemKind kind;
    Loc loc;
    const char *text;       /* WORD, PATH, NUMBER text; PUNCT spelling */
    TokKind punct;          /* PUNCT */
    StrPart *parts;         /* STRING */
    long long num;          /* NUMBER */
    const char *unit;       /* NUMBER */
    struct Item **elems;    /* LIST */
    int nelems;
} Item;

typedef struct Stmt {
    Loc loc;                /* the first item */
    Loc end;                /* its last token: the last item, or the '}' */
    Item **items;           /* at least one */
    int nitems;
    bool bad;               /* a syntax error cut it short (already reported):
                               its name is declared, nothing else is read */
    bool has_block;
    Loc block_loc;          /* the '{' */
    Loc close_loc;          /* the '}' that closes the block */
    struct Stmt **block;
    int nblock;
} Stmt;

typedef struct File File;
struct File {
    Source *src;
    Token *tokens;          /* what the parser read, ending in T_EOF */
    Stmt **stmts;
    int nstmts;
};

/* '{' and '[' nest at most this deep. */
#define MAX_NESTING 64

File *parse(Ctx *ctx, Source *src);
bool item_is_word(const Item *it, const char *word);
bool item_is_punct(const Item *it, TokKind k);
const char *item_describe(Arena *a, const Item *it);

/* ---- fmt.c ---------------------------------------------------------- */

/* `hitc fmt` on one file ("-": stdin to stdout): rewrite it in place when
 * it changes (atomically, keeping its mode), or with check only say so
 * in *changed.  Returns 0, 1 (syntax errors) or 2 (I/O failure). */
int fmt_file(Ctx *ctx, const char *path, bool check, bool *changed);

/* ---- resolve.c (types of the resolved program) ------------------------ */

typedef enum { E_STRING, E_NUMBER, E_REF, E_INTERP } ExprKind;

/* The type of a value: of an expression, an attribute, a parameter.
 * VT_NONE: not known (an expression that did not resolve). */
typedef enum { VT_NONE, VT_STRING, VT_NUMBER, VT_BOOL, VT_LIST } ValueType;

/* "a string", "a number", ...: for messages such as "expected a number,
 * found a string". */
const char *value_type_name(ValueType t);

/* An attribute a reference may name (`counters.arn`), and its type. */
typedef struct Attr {
    const char *name;
    ValueType type;
    /* The AWS service whose ARN the value is ("dynamodb", "lambda"), ""
     * when it is no ARN (a name, a URL), NULL when hitc cannot tell (a
     * plugin's output): what `on queue`, `on topic` and `service` check. */
    const char *arn;
} Attr;

/* A value.  E_REF names a declaration (or a built-in) and maybe one of its
 * attributes; the resolver fills target.  E_INTERP is a string with
 * ${reference} parts: each ref part is an E_REF in parts[i]. */
typedef struct Expr {
    ExprKind kind;
    Loc loc;
    const char *text;       /* E_STRING: cooked text */
    long long num;          /* E_NUMBER */
    const char *name;       /* E_REF: "counters" */
    const char *attr;       /* E_REF: "name", or NULL for a bare name */
    Loc attr_loc;
    Decl *target;           /* E_REF, after resolve */
    ValueType type;         /* after resolve: literals and interpolations
                               by their form, a reference by what it names */
    const char **lits;      /* E_INTERP: nparts+1 literal pieces around refs */
    struct Expr **refs;     /* E_INTERP: nrefs reference parts */
    int nrefs;
} Expr;

/* A dependency: `from` needs `to`, because of what stands at loc. */
typedef struct Edge {
    Decl *from, *to;
    Loc loc;
    const char *why;        /* "env 'table' refers to 'counters.name'" */
} Edge;

/* One declaration of the program.  data is the kind's own struct. */
struct Decl {
    const Kind *kind;
    const char *name;       /* NULL for unnamed kinds (route, api block) */
    const char *display;    /* "function 'counter'", "route GET /{name}" */
    const char *logical;    /* PascalCase(name), or a kind-chosen ID */
    Loc loc;                /* where the declaration starts */
    Loc name_loc;
    Stmt *stmt;
    void *data;
    bool builtin;           /* stage, api, aws: made by hitc */
    bool used;              /* referenced by something */
    /* The attributes a reference may name: the kind's by default
     * (decl_new); a check() may replace them (decl_set_attrs), as a
     * plugin resource carries its plugin's outputs. */
    const Attr *attrs;
    int nattrs;
    /* graph.c */
    PtrVec edges;           /* Edge*, outgoing */
    int index, order;
    /* Where a built-in stands in the order among declarations that are
     * ready together (which otherwise go by name): one made for another
     * declaration (a function's stamp) just before it, part_of; one that
     * needs nothing (hitc's stamper), first.  So adding built-ins leaves
     * the order of the others, and so the template, as it was. */
    Decl *part_of;
    bool sorts_first;
    /* Declarations that contribute to this one (contribute()), such as a
     * stream trigger's grant to its function's role: its kind asks each
     * one's kind (Kind.grant), sorted by logical ID. */
    PtrVec contributors;
};

/* Attribute of a kind, and how it reads in CloudFormation. */
typedef enum { CFN_REF, CFN_GETATT, CFN_SUB } CfnForm;

typedef struct CfnRef {
    CfnForm form;
    const char *logical;    /* REF, GETATT */
    const char *attr;       /* GETATT */
    const char *sub;        /* SUB: a Fn::Sub string */
} CfnRef;

/* What a kind is: one file in kinds/, one line in kinds/registry.c. */
struct Kind {
    const char *keyword;    /* what starts the declaration: "table" */
    const char *noun;       /* for messages: "table" */
    bool named;             /* keyword NAME ... */
    bool single;            /* at most one in a program (app, api) */
    bool is_value;          /* a bare NAME is a value (param) */
    /* What follows PascalCase(NAME) in a declaration's logical ID
     * ("Table": CountersTable); NULL for none (param, output). */
    const char *suffix;
    const Attr *attrs;      /* each declaration's default attributes */
    int nattrs;
    /* Read the declaration's items and fields into d->data; report errors.
     * Expressions are registered with use_expr() for the resolver. */
    void (*check)(Ctx *ctx, Decl *d);
    /* After every name is known and every expression resolved: checks
     * across declarations (route conflicts, grants).  Optional. */
    void (*link)(Ctx *ctx, Decl *d);
    /* Is attr (one of d's attributes) usable on this declaration?
     * Optional; returns NULL, or an error message with its code in *code
     * (a table without a stream: D_NO_STREAM).  A resource's is also
     * asked about a name that is none of them (an unknown output). */
    const char *(*attr_error)(Ctx *ctx, Decl *d, const char *attr,
                              DiagCode *code);
    /* How a reference to d (attr NULL for a bare value) reads. */
    CfnRef (*ref)(Ctx *ctx, Decl *d, const char *attr);
    /* Register every logical ID the declaration will make (id_claim,
     * logical_id), before emit.  Optional. */
    void (*ids)(Ctx *ctx, Decl *d);
    /* Make the declaration's code bundles (bundle_for_code), before emit:
     * the zips, or with Emit.dry_run (`hitc check`) only their checks.
     * Optional. */
    void (*bundle)(Ctx *ctx, Decl *d, Emit *e);
    /* Add the declaration's resources to the template, in dependency
     * order; a built-in made for another declaration (part_of) is emitted
     * by that one, through its kind's emit.  Optional. */
    void (*emit)(Ctx *ctx, Decl *d, Emit *e);

    /* What the phases ask a kind instead of naming it; each optional. */
    /* Its declarations are named in a namespace of their own and never
     * referred to; no name is reserved for them (output). */
    bool own_namespace;
    /* A block of this keyword takes over the built-in declaration of the
     * same name, once (the api block). */
    bool takes_builtin;
    /* Its declarations' display names their logical ID already (an
     * included entry: "included resource 'Jobs'"). */
    bool names_its_id;
    /* Its declarations are template parameters, not resources: they share
     * the resources' logical IDs (ids.c) but make none (param). */
    bool is_parameter;
    /* A declaration nobody refers to is a warning, D_UNUSED_PARAM (param). */
    bool warn_unused;
    /* A name none of d's attributes is asked of attr_error too, before
     * "has no attribute" (a resource's are its plugin's outputs). */
    bool attr_error_unknown;
    /* The type a bare reference to d (is_value) has; VT_STRING without. */
    ValueType (*value_type)(const Decl *d);
    /* d is a namespace (a built-in, such as `cfn`): resolve the reference
     * NAME.REST (e->attr is REST) for owner, setting e->target, e->attr
     * and e->type and adding the edge with why, or report why not. */
    void (*member)(Ctx *ctx, Decl *d, Decl *owner, const char *why, Expr *x);
    /* The AWS service whose ARN attr of d (NULL: its Ref) is, as Attr.arn,
     * when d's attributes cannot say (an included resource: its type). */
    const char *(*arn)(const Decl *d, const char *attr);
    /* Is d's value secret, never to be written in plain text (param)? */
    bool (*secret)(const Decl *d);
    /* What d, which contribute() gave to another declaration, adds to that
     * declaration's role: IAM statements pushed onto statements (a
     * trigger's grant to its function). */
    void (*grant)(Ctx *ctx, Decl *d, CfnNode *statements);
    /* After every logical ID is registered: checks that need them all. */
    void (*after_ids)(Ctx *ctx, Decl *d);
    /* `hitc graph`: edges to draw besides the graph's own (DOT lines). */
    void (*dot_edges)(Ctx *ctx, Decl *d, Buf *out);
    /* A file d (given by contribute()) adds at the root of the bundle of
     * the declaration it contributes to, for that one's runtime: the
     * plugin kit of a plugin's service.  False: none. */
    bool (*bundle_extra)(Ctx *ctx, const Decl *d, const char *runtime,
                         struct BundleExtra *out);
    /* What d contributes to stays in the root stack of a split app (a
     * plugin's service: the root needs it). */
    bool pins_to_root;
    /* split.c: the declaration whose nested stack d's resources go with
     * (a function's own, its routes', triggers' and stamp's: the
     * function), or NULL for the root. */
    Decl *(*unit)(const Decl *d);
    /* split.c: the stack a unit asks for (`stack NAME`) and where, or
     * NULL to be dealt to a shard by its name. */
    const char *(*stack)(const Decl *d, Loc *loc);
    /* split.c: the first segment of the path a route's API path resources
     * are made for ("users"), which keeps them together; NULL for none. */
    const char *(*path_first)(const Decl *d);
};

/* A resolved program: every declaration, in file order. */
typedef struct Program {
    PtrVec decls;           /* Decl* */
    Decl *app;              /* or NULL */
    Decl *stage;            /* the built-in parameter */
    Decl *api;              /* the built-in api (made when routes exist) */
    Decl *aws;              /* the built-in aws.* namespace */
    Decl *stamper;          /* hitc's stamper, made with the first stamp */
    PtrVec uses;            /* Use*: every expression, for the resolver */
    PtrVec order;           /* Decl* in dependency order, after graph */
    StrMap ids;             /* ids.c: logical ID -> the Decl that makes it:
                               resources and parameters, one namespace */
    StrMap output_ids;      /* ids.c: output logical ID -> its output */
    StrMap included;        /* kinds/include.c: an included resource's or
                               parameter's logical ID -> its Decl */
    StrMap hitc_logicals;   /* kinds/include.c: hitc's declarations by
                               their logical ID, made at the first lookup */
    bool hitc_logicals_made;
    int includes_unread;    /* kinds/include.c: include lines whose fragment
                               could not be read (already reported): an
                               unknown cfn.ID may be one of theirs */
} Program;

/* An expression as some declaration uses it. */
typedef struct Use {
    Decl *owner;
    Expr *expr;
    const char *why;        /* "env 'table'" */
} Use;

/* ---- declare.c -------------------------------------------------------- */

Decl *decl_new(Ctx *ctx, const Kind *k, const char *name, Loc loc);
/* Replace d's attributes (the kind's by default) with attrs[0..n). */
void decl_set_attrs(Decl *d, const Attr *attrs, int n);
Decl *lookup(Ctx *ctx, const char *name);
/* The output named name, if any (outputs are a namespace apart). */
Decl *output_named(Ctx *ctx, const char *name);
void declare(Ctx *ctx, File *f);        /* collect names */
void check_decls(Ctx *ctx);             /* kinds' check() */

/* ---- resolve.c -------------------------------------------------------- */

void use_expr(Ctx *ctx, Decl *owner, Expr *x, const char *why);
void add_edge(Ctx *ctx, Decl *from, Decl *to, Loc loc, const char *why);
/* The edge from -> what the resolved reference r names (none for aws.*),
 * located at r: "WHY refers to 'NAME.ATTR'". */
void add_ref_edge(Ctx *ctx, Decl *from, const Expr *r, const char *why);
Expr *expr_from_item(Ctx *ctx, const Item *it);
/* Resolve a bare name that must be a declaration of kind k (allow TABLE,
 * route -> FUNCTION); reports and returns NULL on failure. */
Decl *resolve_name_of_kind(Ctx *ctx, const Item *it, const Kind *k);
/* A resolved expression that must be an ARN of service ("sqs", "sns",
 * "lambda"): false, after an error with code at the expression, when it is
 * known to be something else; what names what is wanted ("'on queue' takes
 * an SQS queue's ARN").  An ARN hitc cannot tell (a parameter) passes. */
bool want_arn(Ctx *ctx, const Expr *x, const char *service, DiagCode code,
              const char *what);

void resolve(Ctx *ctx);                 /* references, link() */
/* from contributes to `to` (a grant to its role, Kind.grant): one
 * mechanism for one declaration adding to another, so that neither kind
 * names the other. */
void contribute(Ctx *ctx, Decl *to, Decl *from);
/* Is d's value secret (Kind.secret)? */
bool decl_is_secret(const Decl *d);
/* E0218 "HEAD secret parameter 'NAME' TAIL" at each secret value x refers
 * to (itself, or inside "${...}"), with a note where it is declared: for
 * every place that would hold its value in plain text. */
void refuse_secret(Ctx *ctx, const Expr *x, const char *head,
                   const char *tail);

/* ---- fields.c --------------------------------------------------------- */

/* Field dispatch for block-shaped declarations (table, function, ...). */
typedef struct Field {
    const char *name;
    bool repeatable;
    void (*fn)(Ctx *ctx, Decl *d, Stmt *s);
} Field;

void check_fields(Ctx *ctx, Decl *d, const Stmt *block_owner,
                  const Field *fields, int nfields);
/* Small readers for items; each reports its own error. */
bool want_items(Ctx *ctx, const Stmt *s, int min, int max, const char *usage);
const char *want_word(Ctx *ctx, const Stmt *s, int i, const char *what);
const char *want_string(Ctx *ctx, const Stmt *s, int i, const char *what);
bool want_number(Ctx *ctx, const Stmt *s, int i, const char *what,
                 long long *out);
int want_choice(Ctx *ctx, const Stmt *s, int i, const char *what,
                const char *const *choices, int n);
char *string_literal(Ctx *ctx, const Item *it, const char *what);

/* ---- import.c ------------------------------------------------------- */

/* Files one program reads: the root and everything it imports. */
#define MAX_HIT_FILES 256
/* The keyword, handled here rather than by a kind (tests/grammar reads
 * every *_KEYWORD define as a keyword hitc builds). */
#define IMPORT_KEYWORD "import"

/* Parse root and every file it imports, directly or not, each once: into
 * files (File *), the root first, then in the order they are first read.
 * Import errors (a missing file, a cycle, ...) are reported. */
void imports_read(Ctx *ctx, Source *root, PtrVec *files);
/* rel, a path written in src, as a path from the project's directory
 * ("people" in lib/people.hit is "lib/people"), for the manifest. */
const char *project_path(Ctx *ctx, const Source *src, const char *rel);
/* Is s an `import` statement (which declare() leaves to import.c)? */
bool is_import(const Stmt *s);
/* The real path of the file that import statement s of src names, into
 * real (PATH_MAX bytes); false, saying nothing, when it names none that
 * exists (the check of the app that reads src reports why). */
bool import_target(const Source *src, const Stmt *s, char *real);

/* ---- apps.c ----------------------------------------------------------- */

/* `hitc check --apps FILE...`: every .hit file under the current
 * directory is parsed once into ctx; each FILE is checked as part of every
 * app (a file that no other imports) whose imports reach it, each such app
 * once, with run() (the command's) after a successful compile; the
 * diagnostics of all of them are ctx's, each reported once. */
struct Options;
void apps_check(Ctx *ctx, const char *const *files, int nfiles,
                void (*run)(Ctx *ctx, const struct Options *o, Emit *e),
                const struct Options *o);
/* With ctx->project: the file at real path real, parsed once; its parse
 * diagnostics go to ctx the first time an app reads it.  NULL when it is
 * not one of the project's. */
File *project_file(Ctx *ctx, const char *real);
/* import.c asks ctx->project_file (apps.c's project_file when a project
 * was read) for a file before it reads one. */

/* ---- compile.c ------------------------------------------------------ */

/* Parse, declare, check, resolve and build the graph of src (the first
 * source given is the project's root).  True when no error was found. */
bool compile(Ctx *ctx, Source *src);
/* The directory that paths written in d (a function's code) are relative
 * to: that of the source declaring d; the root's for a built-in. */
const char *decl_dir(const Ctx *ctx, const Decl *d);

/* ---- scc.c ----------------------------------------------------------- */

/* The strongly connected components of the graph of n vertices whose
 * vertex v has the edges to[first[v]] .. to[first[v + 1] - 1]: comp[v]
 * (n of them, the caller's) gets v's component, numbered as they complete
 * (no recursion: a long chain costs no C stack).  Returns their number. */
int scc_find(int n, const int *first, const int *to, int *comp);

/* ---- graph.c --------------------------------------------------------- */

void graph_build(Ctx *ctx);     /* cycle check, fills prog.order */
void graph_print_dot(Ctx *ctx, Buf *out);
/* The same with e emitted: a split app's nested stacks as clusters, each
 * holding the declarations whose resources went there (split.c). */
void graph_print_dot_stacks(Ctx *ctx, const Emit *e, Buf *out);

/* ---- ids.c ----------------------------------------------------------- */

/* Every logical ID each kind will make, registered (Kind.ids) in
 * dependency order after "Stage"; clashes reported.  Run before emit. */
void ids_register(Ctx *ctx);
/* The one way to name a declaration's sub-resource: d->logical (PascalCase
 * of its name, or a kind-chosen ID) + suffix, kept within CloudFormation's
 * 255 characters (logical_id_fit). */
const char *logical_id(Ctx *ctx, const Decl *d, const char *suffix);
/* Take a logical ID among the template's resources and parameters (one
 * namespace in CloudFormation) for owner; when another declaration has it,
 * report the clash, naming both, and return false. */
bool id_claim(Ctx *ctx, Decl *owner, const char *logical);
/* The same among the outputs, a namespace of their own. */
bool id_claim_output(Ctx *ctx, Decl *owner, const char *logical);
Decl *id_owner(Ctx *ctx, const char *logical);          /* or NULL */
/* hitc's own fixed logical IDs, the one table of them (ids.c): a
 * sub-resource of one is logical_id(ctx, d, suffix) of its declaration. */
typedef enum {
    HID_STAGE,              /* the built-in parameter `stage` */
    HID_CODE_BUCKET,        /* the parameters the bundles' place is given in */
    HID_CODE_PREFIX,
    HID_API,                /* the built-in `api` */
    HID_API_DEPLOYMENT,     /* the API's deployment (+ the routes' hash) */
    HID_STAMPER,            /* hitc's stamper (+ LogGroup, Role, Function) */
    HID_COUNT
} HitcId;
extern const char *const hitc_ids[HID_COUNT];
Decl *id_output_owner(Ctx *ctx, const char *logical);   /* or NULL */

/* ---- emit.c ---------------------------------------------------------- */

/* A code bundle that the template names (filled by main before emit). */
typedef struct BundleRef {
    const char *source;     /* code directory as written, or "(stamper)" */
    const char *path;       /* resolved path on disk */
    char sha256[65];
    const unsigned char *data;  /* zip bytes (in_file: NULL) */
    size_t len;
    bool owned;             /* data is malloc'd, freed by emit_free (the
                               stamper's is linked in: not) */
    bool in_file;           /* the zip is in the file fd (a code
                               directory's, streamed), closed by emit_free */
    int fd;
} BundleRef;

/* CloudFormation's quotas, as cfn-lint 1.51 knows them (docs/language.md). */
#define CFN_MAX_RESOURCES 500
#define CFN_MAX_PARAMETERS 200
#define CFN_MAX_OUTPUTS 200
#define CFN_MAX_MAPPINGS 200
#define CFN_MAX_BODY 1000000            /* bytes, from S3 */
#define CFN_MAX_INLINE_BODY 51200       /* bytes, in the request itself */
#define CFN_MAX_DESCRIPTION 1024        /* bytes */

/* A nested stack of a split app (split.c): its template and where its
 * resources came from.  Made in the Ctx's arena but text, which the Emit
 * frees. */
typedef struct NestedStack {
    const char *group;      /* "shard-07", "paths-03", or a `stack NAME` */
    const char *logical;    /* PascalCase(group) + "Stack", in the root */
    Decl *first;            /* the declaration that first put a resource
                               there, for messages */
    CfnNode *resources, *outputs;
    CfnNode *param_values;  /* parameter name -> its value in the root */
    CfnNode *root_deps;     /* the stack's DependsOn in the root */
    CfnNode *template;
    char *text;             /* the template as written, malloc-owned */
    char sha256[65];        /* of text and a final newline: its file name */
    int index;
} NestedStack;

struct Emit {
    CfnNode *template;
    char *text;             /* the template as written, malloc-owned */
    CfnNode *parameters, *resources, *outputs;
    PtrVec bundles;         /* BundleRef* */
    bool need_code_params;  /* CodeBucket/CodePrefix are used */
    StrMap made;            /* logical IDs emitted so far -> their Decl */
    int nclaimed;           /* how many: resources and parameters */
    bool dry_run;           /* hitc check: no zips are made */
    PtrVec stacks;          /* NestedStack*, by logical ID: none unless the
                               app is past a stack's quotas (split.c) */
    bool split_refused;     /* split_stacks reported why it could not
                               split, its rewrite half done: the build
                               fails, and lint_emitted adds nothing */
    char *cache;            /* the bundle cache's directory, or NULL for
                               none (malloc'd, freed by emit_free) */
    PtrVec appendix;        /* emit.c's Appendix*: emit_appendix */
    CfnNode *own_resources; /* e->resources while emit_after_begin has
                               pointed it at an appendix, else NULL */
};

CfnNode *emit_template(Ctx *ctx, Emit *e);
void emit_free(Emit *e);
/* Helpers for kinds.  Every node a kind makes for a declaration carries
 * that declaration's Loc (cfn_put and friends pass a parent's on). */
/* Add a resource {"Type": type}, located at owner's Loc, and return it;
 * the kind adds policies, DependsOn and Properties in that order.  A
 * logical ID made twice is an error naming both declarations, and the
 * resource is then left out of the template. */
CfnNode *emit_resource(Ctx *ctx, Emit *e, Decl *owner, const char *logical,
                       const char *type);
/* Where an appendix stands: after every declaration's own entries, in
 * this order, and within one place in the order of the declarations in
 * the files.  Stated here, so that neither the order of the kinds in
 * kinds/registry.c nor the order declarations are emitted in moves it. */
typedef enum EmitPlace {
    /* What waits for every other declaration's resources (the API's
     * CORS preflights, its deployment and its stage). */
    EMIT_AFTER_ALL,
    /* hitc's built-ins (the stamper). */
    EMIT_AFTER_HITC,
    /* The user's fragments (an include's). */
    EMIT_AFTER_FILES,
} EmitPlace;
/* Entries owner adds to the template's section ("Parameters",
 * "Mappings", "Conditions", "Resources", "Outputs") after the section's
 * own, at place: an include's fragment.  The same object for the same
 * owner, section and place. */
CfnNode *emit_appendix(Ctx *ctx, Emit *e, Decl *owner, const char *section,
                       EmitPlace place);
/* Between these two, emit_resource puts the resources of whoever emits
 * into owner's "Resources" appendix at place. */
void emit_after_begin(Ctx *ctx, Emit *e, Decl *owner, EmitPlace place);
void emit_after_end(Emit *e);
/* The template's bytes as written (its text and the final newline). */
size_t emit_template_size(const Emit *e);
/* Is the template past what CloudFormation takes inline (it must then be
 * deployed through S3)? */
bool emit_needs_s3(const Emit *e);
/* May owner make logical now?  True once for an ID owner registered
 * (ids.c); an ID nobody registered is claimed (id_claim) here. */
bool emit_claim(Ctx *ctx, Emit *e, Decl *owner, const char *logical);
/* The same among the outputs, a namespace of their own. */
bool emit_claim_output(Ctx *ctx, Emit *e, Decl *owner, const char *logical);
/* How many resources the template has (0: an app of nothing). */
int emit_nresources(const Emit *e);
/* Has some declaration made the resource with this logical ID? */
bool emit_has_resource(Ctx *ctx, const char *logical);
/* A value, as a string, located at loc. */
CfnNode *expr_cfn(Ctx *ctx, Loc loc, const Expr *x);
/* The bundle of a code directory (one per real directory); reports a
 * failure at loc and returns a bundle with an empty sha256. */
BundleRef *bundle_for(Ctx *ctx, Emit *e, const char *source, Loc loc);
/* The same with n more files at the bundle's root, a bundle of its own:
 * a plugin's service with the kit, a stamped function with the .env
 * reader (bundle.h).  A clash is reported with the extra's tag, a
 * DiagCode. */
BundleRef *bundle_for_with(Ctx *ctx, Emit *e, const char *source, Loc loc,
                           const struct BundleExtra *extras, int n);
/* The same for a function: with its runtime and architecture, the code
 * directory's packages (requirements.txt, package.json) installed into
 * the bundle (deps.c); not by `hitc check`, which installs nothing. */
BundleRef *bundle_for_code(Ctx *ctx, Emit *e, const char *source, Loc loc,
                           const struct BundleExtra *extras, int n,
                           const char *runtime, const char *arch);
/* kinds/function.c: a function's runtime and architecture (NULL if none) */
void function_platform(const Decl *d, const char **runtime, const char **arch);

/* split.c: is the template past the quotas splitting can help with (500
 * resources, 1,000,000 bytes)?  Then split_stacks moves what may move into
 * nested stacks (e->stacks) and rewrites e->template and e->text as the
 * root; errors (a cycle across stacks, a stack's name taken) are
 * reported, and the template is then left whole. */
bool split_needed(const Emit *e);
void split_stacks(Ctx *ctx, Emit *e);

/* bulk.c: end d's message (a quota of the template's size, or of its
 * resources) with the resource types that weigh most, and note the
 * declarations that make the most, in bytes (bytes) or resources. */
void bulk_explain(Ctx *ctx, Emit *e, Diag *d, bool bytes);
/* kinds/common.c: the hitc:app and hitc:stage tags */
CfnNode *hitc_tags(Ctx *ctx, Loc loc);
/* kinds/common.c: a Lambda function's role (returns its Statement array
 * for more grants) and log group, for functions and the stamper. */
CfnNode *lambda_role(Ctx *ctx, Emit *e, Decl *owner, const char *logical,
                     const char *log_group);
void lambda_log_group(Ctx *ctx, Emit *e, Decl *owner, const char *logical,
                      const char *name);
/* kinds/common.c: let principal invoke the function fn_logical, from
 * source_arn only (a route's, an authorizer's or a trigger's). */
void lambda_permission(Ctx *ctx, Emit *e, Decl *owner, const char *logical,
                       const char *fn_logical, const char *principal,
                       CfnNode *source_arn);
/* kinds/handler.c: report (E0219, at `at`) a Python or Node handler whose
 * module file is not in the code directory at code_path ("code" as
 * written, for the message) */
void handler_check_file(Ctx *ctx, const char *runtime, const char *handler,
                        Loc at, const char *code_path, const char *code);
/* kinds/function.c: a function's timeout in seconds, and where it is
 * written (an empty Loc for the default) */
long long function_timeout(const Decl *d, Loc *loc);
/* kinds/function.c: a function's code directory (NULL if none) */
const char *function_code_dir(const Decl *d, Loc *loc);
/* kinds/function.c: the files a function's bundle gets besides its code
 * directory's (the plugin kit, the .env reader), into out; how many */
int function_bundle_extras(Ctx *ctx, const Decl *d,
                           struct BundleExtra *out);
/* kinds/stamper.c: the stamp of function fn (a built-in declaration, its
 * logical ID fn's + "Code"), with the edges fn -> stamp -> the stamper,
 * located at at; the stamper is made with the first stamp.  The caller
 * registers the env's values as the stamp's uses (use_expr). */
Decl *stamp_new(Ctx *ctx, Decl *fn, Loc at);
/* kinds/stamper.c: the env the stamp writes (each value is also the
 * stamp's use), and the key of the source bundle it copies (a Fn::Sub
 * string, set when the function's bundle is made). */
void stamp_env(Ctx *ctx, Decl *stamp, const char *key, Expr *value);
void stamp_source(Decl *stamp, const char *key);

/* ---- output.c -------------------------------------------------------- */

#define MANIFEST_FORMAT 1     /* manifest.json's "format" */

/* Before bundling: refuse a DIR that is, or contains, the project or a
 * code directory, lies inside a code directory, or holds files hitc did
 * not write.  0 ok. */
int output_dir_check(Ctx *ctx, const char *dir);
int output_write(Ctx *ctx, Emit *e, const char *dir);   /* 0 ok */
/* output_owned.c: whether dir holds only what hitc wrote (with any, any
 * name hitc writes, manifest or not): 0 when it does or dir is missing; 1
 * with *foreign (relative to dir, the first in byte order) and *manifest
 * (hitc's manifest was there) when it does not; -1 with errno when dir
 * cannot be read. */
int output_find_foreign(Arena *a, const char *dir, bool any, char **foreign,
                        bool *manifest);

/* ---- arena.c: the context ------------------------------------------- */

struct Ctx {
    Arena *arena;
    PtrVec diags;           /* Diag*: at most 2 * MAX_DIAGS_SHOWN are kept,
                               those first by place (see diag.c) */
    int ndropped;           /* reported, counted, but not kept */
    Diag *cutoff;           /* once some were dropped: the last kept */
    Diag dropped;           /* what diag() returns for a dropped one */
    int nerrors, nwarnings;
    int naccepted;          /* warnings accepted in the source (not counted
                               in nwarnings) */
    int seq;
    PtrVec sources;         /* Source* */
    const char *root;       /* the project: directory of the main .hit file
                               (set by compile() unless set before) */
    Source *root_src;       /* the main .hit file (set by compile()) */
    struct Project *project;/* apps.c, with `check --apps`: the .hit files
                               under the current directory, each parsed
                               once for every app that reads it; else NULL */
    /* With a project: the file at real path real, parsed once (apps.c's
     * project_file, set with project), for import.c; NULL: none. */
    File *(*project_file)(Ctx *ctx, const char *real);
    Program prog;
    PtrVec symbols;         /* Decl* with names, in order, for suggestions */
    StrMap names;           /* name -> Decl, for lookup */
    StrMap folds;           /* name_fold(name) -> Decl, for collisions */
    StrMap output_folds;    /* the same for outputs, a namespace apart */
    StrMap singles;         /* keyword -> the first of a single kind (app) */
};

Ctx *ctx_new(void);
void ctx_free(Ctx *ctx);
/* Forget the program compiled in ctx (its declarations, names, graph and
 * root), keeping the arena, the sources, the diagnostics and the project,
 * so that ctx can compile another program that shares those files. */
void ctx_next_program(Ctx *ctx);

/* kinds/registry.c */
extern const Kind *const kinds[];
extern const int nkinds;
/* The built-in declarations every program has, made first in this order:
 * name, kind, its logical ID (a HitcId, or -1 for PascalCase(name)) and
 * display (NULL for the default). */
typedef struct Builtin {
    const char *name;
    const Kind *kind;
    int id;
    const char *display;
} Builtin;
extern const Builtin builtins[];
extern const int nbuiltins;
const Kind *kind_find(const char *keyword);
extern const Kind kind_include, kind_cfn_entry, kind_cfn;
extern const Kind kind_app, kind_param, kind_table, kind_function,
    kind_route, kind_api, kind_api_deployment, kind_output, kind_builtin_aws,
    kind_stamp, kind_stamper;
extern const Kind kind_plugin, kind_resource;
/* kinds/trigger.c: `on SOURCE -> FUNCTION` (its grant goes on the
 * function's role through contribute and Kind.grant) */
extern const Kind kind_trigger;
/* kinds/function_ops.c: `defaults { ... }`, every function's settings */
extern const Kind kind_defaults;
/* kinds/table.c: has the table a stream (`stream` field), for `on
 * TABLE.stream`? */
bool table_has_stream(const Decl *table);

#endif
