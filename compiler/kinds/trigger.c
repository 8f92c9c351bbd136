/*
 * kinds/trigger.c: `on SOURCE -> FUNCTION [{ OPTIONS }]`, what invokes a
 * function besides a route.
 *
 *   on schedule "rate(5 minutes)" -> F     or "cron(0 12 * * ? *)"
 *   on event "{\"source\": [\"aws.ec2\"]}" -> F
 *   on TABLE.stream -> F [{ batch N; start latest|trim-horizon; retries N }]
 *   on queue EXPR -> F [{ batch N }]
 *   on topic EXPR -> F
 *
 * Becomes, with T = PascalCase(F) + "On" + what (TABLE "Stream" for a
 * stream; "Schedule", "Event", "Queue" or "Topic" and the first 8 hex
 * digits of the SHA-256 of the expression or text as written, so an ID
 * depends on the trigger alone):
 *   schedule, event  T+"Rule" AWS::Events::Rule on the default bus, the
 *                    function its one target; T+"Permission" lets
 *                    events.amazonaws.com invoke it for that rule only;
 *   stream, queue    T+"Mapping" AWS::Lambda::EventSourceMapping, DependsOn
 *                    the function's role, which gets one statement (Sid T)
 *                    with exactly the actions the mapping needs on that
 *                    stream or queue (contribute, Kind.grant);
 *   topic            T+"Subscription" AWS::SNS::Subscription (lambda), and
 *                    T+"Permission" for sns.amazonaws.com from that topic.
 * What happens when the function fails (on-failure, bisect, max-age,
 * partial-batch, filter; retries of an asynchronous trigger): the same
 * mapping's properties, or T+"InvokeConfig": kinds/trigger_failure.c.
 * Edges: the trigger -> its function and what it reads; the function ->
 * the table or queue its role names.  Checks: schedule expressions as
 * EventBridge reads them (rate's singular and plural units, cron's six
 * fields and its '?'), patterns (JSON objects whose members are objects
 * or arrays), a stream of a table that has none, option values.
 */
#include <stdlib.h>
#include <string.h>

#include "bundle.h"
#include "cfn.h"
#include "hitc.h"
#include "kinds/trigger.h"

static const char *const sources[] = {"schedule", "event", "stream", "queue",
                                      "topic"};

/* ---- schedule expressions -------------------------------------------- */

static bool all_digits(const char *s, size_t n)
{
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

/* rate(VALUE UNIT): a positive whole number, then minute, hour or day,
 * singular for 1 and plural otherwise. */
static const char *rate_problem(Ctx *ctx, const char *body)
{
    const char *sp = strchr(body, ' ');
    if (!sp || strchr(sp + 1, ' '))
        return "a rate is 'rate(VALUE UNIT)', such as 'rate(5 minutes)'";
    size_t n = (size_t)(sp - body);
    if (!all_digits(body, n) || n > 9 || atol(body) < 1)
        return arena_printf(ctx->arena, "the rate's value '%.*s' is not a "
                            "positive whole number", (int)n, body);
    long v = atol(body);
    const char *unit = sp + 1;
    static const char *const units[] = {"minute", "hour", "day"};
    for (int i = 0; i < 3; i++) {
        size_t ul = strlen(units[i]);
        if (strncmp(unit, units[i], ul) != 0)
            continue;
        bool plural = strcmp(unit + ul, "s") == 0;
        if (!plural && unit[ul])
            break;
        if (v == 1 && plural)
            return arena_printf(ctx->arena, "a rate of 1 takes the singular "
                                "unit: 'rate(1 %s)'", units[i]);
        if (v != 1 && !plural)
            return arena_printf(ctx->arena, "a rate of %ld takes the plural "
                                "unit: 'rate(%ld %ss)'", v, v, units[i]);
        return NULL;
    }
    return arena_printf(ctx->arena, "unknown rate unit '%s'; use minute(s), "
                        "hour(s) or day(s)", unit);
}

static const char *const month_names[] = {"JAN", "FEB", "MAR", "APR", "MAY",
                                          "JUN", "JUL", "AUG", "SEP", "OCT",
                                          "NOV", "DEC"};
static const char *const day_names[] = {"SUN", "MON", "TUE", "WED", "THU",
                                        "FRI", "SAT"};

typedef struct CronField {
    const char *name;
    int lo, hi;
    const char *const *names;   /* month or day names, lo-based */
    int nnames;
} CronField;

static const CronField cron_fields[] = {
    {"minutes", 0, 59, NULL, 0},
    {"hours", 0, 23, NULL, 0},
    {"day-of-month", 1, 31, NULL, 0},
    {"month", 1, 12, month_names, 12},
    {"day-of-week", 1, 7, day_names, 7},
    {"year", 1970, 2199, NULL, 0},
};

/* One value of a field: a number in range, or a name (month, day). */
static bool cron_value(const CronField *f, const char *s, size_t n)
{
    if (all_digits(s, n) && n <= 4) {
        int v = atoi(s);
        return v >= f->lo && v <= f->hi;
    }
    for (int i = 0; i < f->nnames; i++)
        if (n == 3 && strncmp(s, f->names[i], 3) == 0)
            return true;
    return false;
}

/* One element between commas: a star, V, V-V, a star or V then /N, and
 * for the day fields the L, W and # forms. */
static bool cron_element(int field, const char *s, size_t n)
{
    const CronField *f = &cron_fields[field];
    const char *slash = memchr(s, '/', n);
    if (slash) {
        size_t left = (size_t)(slash - s), right = n - left - 1;
        if (!all_digits(slash + 1, right) || right > 4 || atoi(slash + 1) < 1)
            return false;
        return (left == 1 && s[0] == '*') || cron_value(f, s, left);
    }
    if (n == 1 && s[0] == '*')
        return true;
    if (field == 2) {   /* day-of-month: L, LW, NW */
        if ((n == 1 && s[0] == 'L') || (n == 2 && strncmp(s, "LW", 2) == 0))
            return true;
        if (n >= 2 && s[n - 1] == 'W')
            return cron_value(f, s, n - 1);
    }
    if (field == 4) {   /* day-of-week: L, NL, N#K */
        if (n == 1 && s[0] == 'L')
            return true;
        if (n >= 2 && s[n - 1] == 'L')
            return cron_value(f, s, n - 1);
        const char *hash = memchr(s, '#', n);
        if (hash)
            return cron_value(f, s, (size_t)(hash - s)) &&
                   n - (size_t)(hash - s) == 2 && hash[1] >= '1' &&
                   hash[1] <= '5';
    }
    const char *dash = memchr(s, '-', n);
    if (dash)
        return cron_value(f, s, (size_t)(dash - s)) &&
               cron_value(f, dash + 1, n - (size_t)(dash - s) - 1);
    return cron_value(f, s, n);
}

/* cron(MIN HOUR DOM MONTH DOW YEAR): six fields, and exactly one of the
 * day fields is '?'. */
static const char *cron_problem(Ctx *ctx, const char *body)
{
    const char *fields[8];
    size_t lens[8];
    int nf = 0;
    for (const char *p = body; *p;) {
        while (*p == ' ')
            p++;
        if (!*p)
            break;
        const char *start = p;
        while (*p && *p != ' ')
            p++;
        if (nf < 8) {
            fields[nf] = start;
            lens[nf] = (size_t)(p - start);
        }
        nf++;
    }
    if (nf != 6)
        return arena_printf(ctx->arena, "a cron expression has six fields "
                            "(minutes hours day-of-month month day-of-week "
                            "year), not %d", nf);
    bool dom_q = lens[2] == 1 && fields[2][0] == '?';
    bool dow_q = lens[4] == 1 && fields[4][0] == '?';
    if (dom_q == dow_q)
        return dom_q ? "day-of-month and day-of-week cannot both be '?'"
                     : "one of day-of-month and day-of-week must be '?' "
                       "(EventBridge takes only one of them), as in "
                       "'cron(0 12 * * ? *)'";
    for (int i = 0; i < 6; i++) {
        if ((i == 2 && dom_q) || (i == 4 && dow_q))
            continue;
        const char *s = fields[i];
        size_t n = lens[i];
        while (n > 0) {
            const char *comma = memchr(s, ',', n);
            size_t el = comma ? (size_t)(comma - s) : n;
            if (!cron_element(i, s, el)) {
                const CronField *f = &cron_fields[i];
                return arena_printf(ctx->arena, "'%.*s' is not a valid %s "
                                    "field (%d-%d%s, with , - * /%s)",
                                    (int)lens[i], fields[i], f->name, f->lo,
                                    f->hi, f->nnames == 12 ? " or JAN-DEC"
                                    : f->nnames == 7 ? " or SUN-SAT" : "",
                                    i == 2 ? " ? L W" : i == 4 ? " ? L #" : "");
            }
            if (!comma)
                break;
            n -= el + 1;
            s = comma + 1;
            if (n == 0)
                return arena_printf(ctx->arena, "the %s field ends in ','",
                                    cron_fields[i].name);
        }
    }
    return NULL;
}

static void check_schedule(Ctx *ctx, Trigger *t, const char *text, Loc loc)
{
    size_t n = strlen(text);
    const char *why;
    if (n > 6 && strncmp(text, "rate(", 5) == 0 && text[n - 1] == ')')
        why = rate_problem(ctx, arena_strndup(ctx->arena, text + 5, n - 6));
    else if (n > 6 && strncmp(text, "cron(", 5) == 0 && text[n - 1] == ')')
        why = cron_problem(ctx, arena_strndup(ctx->arena, text + 5, n - 6));
    else
        why = "a schedule is 'rate(VALUE UNIT)' or 'cron(MIN HOUR DOM MONTH "
              "DOW YEAR)'";
    if (why) {
        diag(ctx, D_BAD_SCHEDULE, loc, "bad schedule expression '%s': %s",
             text, why);
        return;
    }
    t->text = text;
}

/* ---- event patterns: JSON into the template's tree -------------------- */

typedef struct Json {
    Ctx *ctx;
    const char *s, *p;
    Loc loc;
    const char *err;
    int depth;
} Json;

static void json_ws(Json *j)
{
    while (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r')
        j->p++;
}

static CfnNode *json_fail(Json *j, const char *what)
{
    if (!j->err)
        j->err = arena_printf(j->ctx->arena, "%s at character %d", what,
                              (int)(j->p - j->s) + 1);
    return NULL;
}

static char *json_string(Json *j)
{
    Buf b = {0};
    buf_add(&b, "", 0);
    j->p++;
    for (;;) {
        unsigned char c = (unsigned char)*j->p;
        if (c == '"')
            break;
        if (c < 0x20) {
            buf_free(&b);
            json_fail(j, c ? "a control character in a string"
                           : "an unterminated string");
            return NULL;
        }
        if (c != '\\') {
            buf_add(&b, j->p++, 1);
            continue;
        }
        char e = j->p[1];
        const char *map = strchr("\"\\/bfnrt", e);
        if (e && map) {
            static const char out[] = "\"\\/\b\f\n\r\t";
            buf_add(&b, &out[map - "\"\\/bfnrt"], 1);
            j->p += 2;
            continue;
        }
        unsigned cp = 0;
        for (int i = 0; e == 'u' && i < 4; i++) {
            char h = j->p[2 + i];
            int v = h >= '0' && h <= '9' ? h - '0'
                  : h >= 'a' && h <= 'f' ? h - 'a' + 10
                  : h >= 'A' && h <= 'F' ? h - 'A' + 10 : -1;
            if (v < 0) {
                e = 0;
                break;
            }
            cp = cp << 4 | (unsigned)v;
        }
        if (e != 'u' || (cp >= 0xD800 && cp <= 0xDFFF)) {
            buf_free(&b);
            json_fail(j, "a bad escape in a string");
            return NULL;
        }
        if (cp == 0) {      /* it would cut the string short where it stands */
            buf_free(&b);
            json_fail(j, "'\\u0000' in a string: a pattern cannot match a "
                         "NUL character");
            return NULL;
        }
        buf_put_utf8(&b, cp);
        j->p += 6;
    }
    j->p++;
    char *s = arena_strdup(j->ctx->arena, b.data);
    buf_free(&b);
    return s;
}

static CfnNode *json_value(Json *j)
{
    Arena *a = j->ctx->arena;
    json_ws(j);
    if (++j->depth > MAX_NESTING)
        return json_fail(j, "nesting too deep");
    CfnNode *v = NULL;
    char c = *j->p;
    if (c == '{') {
        v = cfn_obj(a, j->loc);
        j->p++;
        json_ws(j);
        if (*j->p == '}')
            j->p++;
        else
            for (;;) {
                json_ws(j);
                if (*j->p != '"')
                    return json_fail(j, "expected a member name in quotes");
                char *key = json_string(j);
                if (!key)
                    return NULL;
                json_ws(j);
                if (*j->p != ':')
                    return json_fail(j, "expected ':'");
                j->p++;
                CfnNode *m = json_value(j);
                if (!m)
                    return NULL;
                if (cfn_obj_set(a, v, key, j->loc, m))
                    return json_fail(j, arena_printf(a, "member '%s' given "
                                                     "twice", key));
                json_ws(j);
                if (*j->p == ',') {
                    j->p++;
                    continue;
                }
                if (*j->p != '}')
                    return json_fail(j, "expected ',' or '}'");
                j->p++;
                break;
            }
    } else if (c == '[') {
        v = cfn_arr(a, j->loc);
        j->p++;
        json_ws(j);
        if (*j->p == ']')
            j->p++;
        else
            for (;;) {
                CfnNode *m = json_value(j);
                if (!m)
                    return NULL;
                cfn_arr_push(a, v, m);
                json_ws(j);
                if (*j->p == ',') {
                    j->p++;
                    continue;
                }
                if (*j->p != ']')
                    return json_fail(j, "expected ',' or ']'");
                j->p++;
                break;
            }
    } else if (c == '"') {
        char *s = json_string(j);
        if (!s)
            return NULL;
        v = cfn_str(a, j->loc, s);
    } else if (strncmp(j->p, "true", 4) == 0 || strncmp(j->p, "false", 5) == 0) {
        v = cfn_bool(a, j->loc, c == 't');
        j->p += c == 't' ? 4 : 5;
    } else if (strncmp(j->p, "null", 4) == 0) {
        v = cfn_null(a, j->loc);
        j->p += 4;
    } else if (c == '-' || (c >= '0' && c <= '9')) {
        const char *start = j->p;
        if (*j->p == '-')
            j->p++;
        if (*j->p == '0')
            j->p++;
        else if (*j->p >= '1' && *j->p <= '9')
            while (*j->p >= '0' && *j->p <= '9')
                j->p++;
        else
            return json_fail(j, "a bad number");
        if (*j->p == '.') {
            j->p++;
            if (!(*j->p >= '0' && *j->p <= '9'))
                return json_fail(j, "a bad number");
            while (*j->p >= '0' && *j->p <= '9')
                j->p++;
        }
        if (*j->p == 'e' || *j->p == 'E') {
            j->p++;
            if (*j->p == '+' || *j->p == '-')
                j->p++;
            if (!(*j->p >= '0' && *j->p <= '9'))
                return json_fail(j, "a bad number");
            while (*j->p >= '0' && *j->p <= '9')
                j->p++;
        }
        v = cfn_num_text(a, j->loc,
                         arena_strndup(a, start, (size_t)(j->p - start)));
    } else {
        return json_fail(j, c ? "expected a JSON value" : "unexpected end");
    }
    j->depth--;
    return v;
}

/* EventBridge's rule: every member of a pattern is an object (a nested
 * field) or an array (the values it matches). */
static const char *pattern_shape(Ctx *ctx, const CfnNode *o, const char *path)
{
    for (int i = 0; i < o->len; i++) {
        const CfnPair *p = &o->pairs[i];
        const char *at = arena_printf(ctx->arena, "%s%s%s", path,
                                      path[0] ? "." : "", p->key);
        if (p->value->kind == CFN_OBJECT) {
            const char *why = pattern_shape(ctx, p->value, at);
            if (why)
                return why;
        } else if (p->value->kind != CFN_ARRAY) {
            return arena_printf(ctx->arena, "'%s' must be an array of the "
                                "values to match (or an object), as in "
                                "{\"source\": [\"aws.ec2\"]}", at);
        }
    }
    return NULL;
}

CfnNode *trigger_pattern(Ctx *ctx, const char *text, Loc loc,
                         const char *what)
{
    Json j = {ctx, text, text, loc, NULL, 0};
    CfnNode *v = json_value(&j);
    if (v) {
        json_ws(&j);
        if (*j.p)
            json_fail(&j, "text after the JSON value");
    }
    if (j.err) {
        diag(ctx, D_BAD_EVENT_PATTERN, loc, "the %s is not valid JSON: %s",
             what, j.err);
        return NULL;
    }
    const char *why = v->kind != CFN_OBJECT
                          ? "it must be a JSON object, as in "
                            "{\"source\": [\"aws.ec2\"]}"
                      : v->len == 0 ? "it is empty, and would match nothing"
                                        : pattern_shape(ctx, v, "");
    if (why) {
        diag(ctx, D_BAD_EVENT_PATTERN, loc, "bad %s: %s", what, why);
        return NULL;
    }
    return v;
}

/* ---- options --------------------------------------------------------- */

static Trigger *trigger_of(Decl *d)
{
    return d->data;
}

bool trigger_option_number(Ctx *ctx, Decl *d, Stmt *s, const char *usage,
                           long long lo, long long hi, long long *out)
{
    long long v;
    if (!want_items(ctx, s, 2, 2, usage) || !want_number(ctx, s, 1, usage, &v))
        return false;
    if (s->items[1]->unit[0] || v < lo || v > hi) {
        diag(ctx, D_TRIGGER_OPTION, s->items[1]->loc, "'%s' of an 'on %s' "
             "trigger must be a whole number from %lld to %lld",
             s->items[0]->text, trigger_of(d)->what == T_STREAM
             ? "TABLE.stream" : sources[trigger_of(d)->what], lo, hi);
        return false;
    }
    *out = v;
    return true;
}

static void opt_batch(Ctx *ctx, Decl *d, Stmt *s)
{
    Trigger *t = trigger_of(d);
    /* Lambda's limits: 10,000 records from a stream; 10 messages from a
     * queue without a batching window. */
    long long hi = t->what == T_STREAM ? 10000 : 10;
    trigger_option_number(ctx, d, s, "batch N", 1, hi, &t->batch);
}

static void opt_start(Ctx *ctx, Decl *d, Stmt *s)
{
    static const char *const starts[] = {"latest", "trim-horizon"};
    if (!want_items(ctx, s, 2, 2, "start latest|trim-horizon"))
        return;
    if (s->items[1]->kind != I_WORD) {
        want_word(ctx, s, 1, "'latest' or 'trim-horizon'");
        return;
    }
    for (int i = 0; i < 2; i++)
        if (strcmp(s->items[1]->text, starts[i]) == 0) {
            trigger_of(d)->trim_horizon = i == 1;
            return;
        }
    diag(ctx, D_TRIGGER_OPTION, s->items[1]->loc, "unknown start '%s'%s; a "
         "stream is read from 'latest' or 'trim-horizon'", s->items[1]->text,
         did_you_mean(ctx, s->items[1]->text, starts, 2, NULL));
}

static const Field stream_options[] = {
    {"batch", false, opt_batch},
    {"start", false, opt_start},
};
static const Field queue_options[] = {
    {"batch", false, opt_batch},
};

/* A form's own options, then those of failures (trigger_failure.c), which
 * each form takes or refuses with the reason. */
static void check_options(Ctx *ctx, Decl *d, const Field *own, int nown)
{
    int n = nown + trigger_failure_nfields;
    Field *all = arena_alloc(ctx->arena, sizeof *all * (size_t)n);
    for (int i = 0; i < nown; i++)
        all[i] = own[i];
    for (int i = 0; i < trigger_failure_nfields; i++)
        all[nown + i] = trigger_failure_fields[i];
    check_fields(ctx, d, d->stmt, all, n);
}

/* ---- check ----------------------------------------------------------- */

/* The source text of an item, as written: what a trigger's ID hashes. */
static const char *written(Ctx *ctx, const Item *it)
{
    return arena_strndup(ctx->arena, it->loc.src->text + it->loc.off,
                         it->loc.len);
}

static const char *short_hash(Ctx *ctx, const char *s)
{
    char hash[65];
    sha256_hex(s, strlen(s), hash);
    hash[8] = '\0';
    return arena_strdup(ctx->arena, hash);
}

static void trigger_check(Ctx *ctx, Decl *d)
{
    Stmt *s = d->stmt;
    Trigger *t = arena_alloc(ctx->arena, sizeof *t);
    t->batch = t->retries = t->max_age = -1;
    if (s->nitems < 2) {
        diag(ctx, D_EXPECTED, s->items[0]->loc, "expected what triggers the "
             "function: 'on schedule', 'on event', 'on TABLE.stream', "
             "'on queue' or 'on topic'");
        return;
    }
    Item *src = s->items[1];
    int what = -1;
    if (src->kind == I_WORD) {
        const char *dot = strchr(src->text, '.');
        if (dot && strcmp(dot, ".stream") == 0)
            what = T_STREAM;
        for (int i = 0; !dot && i < 5; i++)
            if (i != T_STREAM && strcmp(src->text, sources[i]) == 0)
                what = i;
    }
    if (what < 0) {
        static const char *const words[] = {"schedule", "event", "queue",
                                            "topic"};
        const char *dym = src->kind == I_WORD && !strchr(src->text, '.')
            ? did_you_mean(ctx, src->text, words, 4, NULL) : "";
        if (dym[0])
            diag(ctx, D_UNKNOWN_TRIGGER, src->loc, "unknown trigger '%s'%s",
                 src->text, dym);
        else
            diag(ctx, D_UNKNOWN_TRIGGER, src->loc, "unknown trigger %s; "
                 "expected 'schedule', 'event', 'TABLE.stream', 'queue' or "
                 "'topic'", item_describe(ctx->arena, src));
        return;
    }
    t->what = what;
    bool has_value = what != T_STREAM;
    int arrow = has_value ? 3 : 2;
    const char *usage[] = {
        "on schedule \"rate(...)|cron(...)\" -> FUNCTION",
        "on event \"PATTERN\" -> FUNCTION",
        "on TABLE.stream -> FUNCTION",
        "on queue ARN -> FUNCTION",
        "on topic ARN -> FUNCTION",
    };
    if (!want_items(ctx, s, arrow + 2, arrow + 2, usage[what]))
        return;
    if (!item_is_punct(s->items[arrow], T_ARROW)) {
        diag(ctx, D_EXPECTED, s->items[arrow]->loc, "expected '->' in '%s'",
             usage[what]);
        return;
    }
    Item *val = s->items[2];
    const char *fn_name = s->items[arrow + 1]->kind == I_WORD
                              ? s->items[arrow + 1]->text : "";
    /* A schedule or pattern is shown as its text, a long one cut short. */
    const char *shown = has_value ? written(ctx, val) : "";
    if ((what == T_SCHEDULE || what == T_EVENT) && val->kind == I_STRING &&
        val->parts && !val->parts->next) {
        const char *text = val->parts->text;
        int cut = 36;
        /* only a text past 40 bytes is cut: a shorter one may end before
         * byte 36 */
        while (strlen(text) > 40 && cut > 0 && (text[cut] & 0xC0) == 0x80)
            cut--;          /* not inside a UTF-8 sequence */
        shown = strlen(text) > 40
                    ? arena_printf(ctx->arena, "%.*s ...", cut, text)
                    : text;
    }
    d->display = arena_printf(ctx->arena, "trigger 'on %s%s%s -> %s'",
                              written(ctx, src), has_value ? " " : "",
                              shown, fn_name);
    const char *base = pascal_case(ctx->arena, fn_name);
    switch (what) {
    case T_SCHEDULE:
    case T_EVENT: {
        const char *text = string_literal(ctx, val, what == T_SCHEDULE
                                          ? "a schedule expression"
                                          : "an event pattern");
        if (!text)
            return;
        if (what == T_SCHEDULE)
            check_schedule(ctx, t, text, val->loc);
        else
            t->pattern = trigger_pattern(ctx, text, val->loc,
                                         "event pattern");
        d->logical = arena_printf(ctx->arena, "%sOn%s%s", base,
                                  what == T_SCHEDULE ? "Schedule" : "Event",
                                  short_hash(ctx, text));
        break;
    }
    case T_STREAM: {
        Item name = *src;
        size_t n = (size_t)(strchr(src->text, '.') - src->text);
        name.text = arena_strndup(ctx->arena, src->text, n);
        name.loc.len = (uint32_t)n;
        t->table_loc = src->loc;
        t->table = resolve_name_of_kind(ctx, &name, &kind_table);
        if (t->table)
            add_edge(ctx, d, t->table, src->loc, arena_printf(
                ctx->arena, "reads '%s'", src->text));
        d->logical = arena_printf(ctx->arena, "%sOn%sStream", base,
                                  pascal_case(ctx->arena, name.text));
        break;
    }
    default:
        t->arn = expr_from_item(ctx, val);
        use_expr(ctx, d, t->arn, what == T_QUEUE ? "its queue" : "its topic");
        d->logical = arena_printf(ctx->arena, "%sOn%s%s", base,
                                  what == T_QUEUE ? "Queue" : "Topic",
                                  short_hash(ctx, written(ctx, val)));
        break;
    }
    d->logical = logical_id_fit(ctx->arena, d->logical);
    t->fn = resolve_name_of_kind(ctx, s->items[arrow + 1], &kind_function);
    t->fn_loc = s->items[arrow + 1]->loc;
    if (t->fn)
        add_edge(ctx, d, t->fn, t->fn_loc,
                 arena_printf(ctx->arena, "calls '%s'", t->fn->name));
    d->data = t;
    if (s->has_block) {
        if (what == T_STREAM)
            check_options(ctx, d, stream_options, 2);
        else if (what == T_QUEUE)
            check_options(ctx, d, queue_options, 1);
        else
            check_options(ctx, d, NULL, 0);
    }
}

/* ---- link: streams, grants, the function's edges ---------------------- */

/* The function's role names what the trigger reads: an edge from the
 * function to each declaration that the ARN refers to. */
void trigger_edge_to_refs(Ctx *ctx, Decl *fn, const Expr *x, const char *why)
{
    if (!x)
        return;
    if (x->kind == E_REF && x->target && x->target != ctx->prog.aws)
        add_edge(ctx, fn, x->target, x->loc, why);
    for (int i = 0; x->kind == E_INTERP && i < x->nrefs; i++)
        trigger_edge_to_refs(ctx, fn, x->refs[i], why);
}

/* For split.c: a trigger's resources go with its function. */
static Decl *trigger_unit(const Decl *d)
{
    const Trigger *t = d->data;
    return t ? t->fn : NULL;
}

static void trigger_link(Ctx *ctx, Decl *d)
{
    Trigger *t = d->data;
    if (!t)
        return;
    if (t->arn && t->arn->type != VT_STRING && t->arn->type != VT_NONE)
        diag(ctx, D_TRIGGER_OPTION, t->arn->loc, "the %s of 'on %s' must be "
             "a string (an ARN), not %s", t->what == T_QUEUE ? "queue" :
             "topic", sources[t->what], value_type_name(t->arn->type));
    else if (t->arn && t->what == T_QUEUE)
        want_arn(ctx, t->arn, "sqs", D_TRIGGER_OPTION,
                 "'on queue' takes an SQS queue's ARN");
    else if (t->arn && t->what == T_TOPIC)
        want_arn(ctx, t->arn, "sns", D_TRIGGER_OPTION,
                 "'on topic' takes an SNS topic's ARN");
    refuse_secret(ctx, t->arn, t->what == T_QUEUE
                        ? "the ARN of 'on queue' would write"
                        : "the ARN of 'on topic' would write",
                        "in plain text into the template's trigger, which "
                        "anyone who may describe the stack sees; an ARN is "
                        "not a secret");
    trigger_failure_link(ctx, d);
    if (t->table && !table_has_stream(t->table)) {
        Diag *e = diag(ctx, D_TRIGGER_NO_STREAM, t->table_loc,
                       "table '%s' has no stream, so 'on %s.stream' has "
                       "nothing to read; add 'stream new-and-old' (or "
                       "keys-only, new, old) to its block", t->table->name,
                       t->table->name);
        note(ctx, e, t->table->name_loc, "table '%s' declared here",
             t->table->name);
        return;
    }
    if (!t->fn || (t->what != T_STREAM && t->what != T_QUEUE))
        return;
    contribute(ctx, t->fn, d);
    const char *why = arena_printf(ctx->arena, "grants its role the %s of "
                                   "%s", t->what == T_STREAM ? "stream"
                                   : "queue", d->display);
    if (t->table)
        add_edge(ctx, t->fn, t->table, t->table_loc, why);
    trigger_edge_to_refs(ctx, t->fn, t->arn, why);
}

/* ---- ids and emit ---------------------------------------------------- */

static bool trigger_emits(const Trigger *t)
{
    if (!t || !t->fn)
        return false;
    switch (t->what) {
    case T_SCHEDULE: return t->text != NULL;
    case T_EVENT: return t->pattern != NULL;
    case T_STREAM: return t->table != NULL;
    default: return t->arn != NULL;
    }
}

static void trigger_ids(Ctx *ctx, Decl *d)
{
    Trigger *t = d->data;
    if (!trigger_emits(t))
        return;
    if (t->what == T_SCHEDULE || t->what == T_EVENT) {
        id_claim(ctx, d, logical_id(ctx, d, "Rule"));
        id_claim(ctx, d, logical_id(ctx, d, "Permission"));
    } else if (t->what == T_TOPIC) {
        id_claim(ctx, d, logical_id(ctx, d, "Subscription"));
        id_claim(ctx, d, logical_id(ctx, d, "Permission"));
    } else {
        id_claim(ctx, d, logical_id(ctx, d, "Mapping"));
    }
    trigger_failure_ids(ctx, d);
}

/* The statement the function's role gets for a stream or queue trigger:
 * exactly what Lambda's poller calls, on that stream or queue. */
static CfnNode *trigger_grant(Ctx *ctx, Decl *d)
{
    Trigger *t = d->data;
    if (!trigger_emits(t) || (t->what != T_STREAM && t->what != T_QUEUE))
        return NULL;
    Arena *a = ctx->arena;
    CfnNode *st = cfn_obj(a, d->loc);
    cfn_put_str(a, st, "Sid", d->logical);
    cfn_put_str(a, st, "Effect", "Allow");
    if (t->what == T_STREAM) {
        cfn_put(a, st, "Action", cfn_strings(a, d->loc, 4,
            "dynamodb:DescribeStream", "dynamodb:GetRecords",
            "dynamodb:GetShardIterator", "dynamodb:ListStreams"));
        cfn_put(a, st, "Resource",
                cfn_getatt(a, d->loc, t->table->logical, "StreamArn"));
    } else {
        cfn_put(a, st, "Action", cfn_strings(a, d->loc, 3,
            "sqs:DeleteMessage", "sqs:GetQueueAttributes",
            "sqs:ReceiveMessage"));
        cfn_put(a, st, "Resource", expr_cfn(ctx, d->loc, t->arn));
    }
    return st;
}

/* What the trigger grants its function's role (contribute): the stream
 * or queue's statement, then the failure destination's. */
static void trigger_role(Ctx *ctx, Decl *d, CfnNode *statements)
{
    CfnNode *st = trigger_grant(ctx, d);
    if (st)
        cfn_arr_push(ctx->arena, statements, st);
    st = trigger_failure_grant(ctx, d);
    if (st)
        cfn_arr_push(ctx->arena, statements, st);
}

static void permission(Ctx *ctx, Emit *e, Decl *d, const char *principal,
                       CfnNode *source)
{
    Trigger *t = d->data;
    Arena *a = ctx->arena;
    CfnNode *perm = emit_resource(ctx, e, d, logical_id(ctx, d, "Permission"),
                                  "AWS::Lambda::Permission");
    CfnNode *p = cfn_put_obj(a, perm, "Properties");
    cfn_put_str(a, p, "Action", "lambda:InvokeFunction");
    cfn_put(a, p, "FunctionName", cfn_getatt(a, d->loc, t->fn->logical, "Arn"));
    cfn_put_str(a, p, "Principal", principal);
    cfn_put(a, p, "SourceArn", source);
}

static void trigger_emit(Ctx *ctx, Decl *d, Emit *e)
{
    Trigger *t = d->data;
    if (!trigger_emits(t))
        return;
    Arena *a = ctx->arena;
    Loc at = d->loc;
    CfnNode *fn_arn = cfn_getatt(a, at, t->fn->logical, "Arn");
    if (t->what == T_SCHEDULE || t->what == T_EVENT) {
        const char *rule_id = logical_id(ctx, d, "Rule");
        CfnNode *rule = emit_resource(ctx, e, d, rule_id, "AWS::Events::Rule");
        CfnNode *p = cfn_put_obj(a, rule, "Properties");
        if (t->pattern)
            cfn_put(a, p, "EventPattern", t->pattern);
        else
            cfn_put_str(a, p, "ScheduleExpression", t->text);
        cfn_put_str(a, p, "State", "ENABLED");
        CfnNode *target = cfn_obj(a, at);
        cfn_put(a, target, "Arn", fn_arn);
        cfn_put_str(a, target, "Id", "Function");
        cfn_arr_push(a, cfn_put_arr(a, p, "Targets"), target);
        permission(ctx, e, d, "events.amazonaws.com",
                   cfn_getatt(a, at, rule_id, "Arn"));
        trigger_failure_emit(ctx, d, e);
        return;
    }
    if (t->what == T_TOPIC) {
        CfnNode *sub = emit_resource(ctx, e, d,
                                     logical_id(ctx, d, "Subscription"),
                                     "AWS::SNS::Subscription");
        CfnNode *p = cfn_put_obj(a, sub, "Properties");
        cfn_put(a, p, "Endpoint", fn_arn);
        cfn_put_str(a, p, "Protocol", "lambda");
        cfn_put(a, p, "TopicArn", expr_cfn(ctx, at, t->arn));
        permission(ctx, e, d, "sns.amazonaws.com", expr_cfn(ctx, at, t->arn));
        trigger_failure_emit(ctx, d, e);
        return;
    }
    /* A mapping is refused unless the role already grants what it reads:
     * it waits for the role that holds that statement. */
    CfnNode *m = emit_resource(ctx, e, d, logical_id(ctx, d, "Mapping"),
                               "AWS::Lambda::EventSourceMapping");
    cfn_put(a, m, "DependsOn", cfn_strings(a, at, 1,
                                           logical_id(ctx, t->fn, "Role")));
    CfnNode *p = cfn_put_obj(a, m, "Properties");
    cfn_put_num(a, p, "BatchSize", t->batch >= 0 ? t->batch
                                   : t->what == T_STREAM ? 100 : 10);
    trigger_failure_mapping(ctx, d, p, FAIL_BEFORE_EVENT_SOURCE);
    if (t->what == T_STREAM)
        cfn_put(a, p, "EventSourceArn",
                cfn_getatt(a, at, t->table->logical, "StreamArn"));
    else
        cfn_put(a, p, "EventSourceArn", expr_cfn(ctx, at, t->arn));
    trigger_failure_mapping(ctx, d, p, FAIL_BEFORE_FUNCTION);
    cfn_put(a, p, "FunctionName", fn_arn);
    trigger_failure_mapping(ctx, d, p, FAIL_AFTER_FUNCTION);
    if (t->what == T_STREAM)
        cfn_put_str(a, p, "StartingPosition",
                    t->trim_horizon ? "TRIM_HORIZON" : "LATEST");
    trigger_failure_emit(ctx, d, e);
}

const Kind kind_trigger = {
    .keyword = "on",
    .noun = "trigger",
    .check = trigger_check,
    .link = trigger_link,
    .ids = trigger_ids,
    .emit = trigger_emit,
    .grant = trigger_role,
    .unit = trigger_unit,
};
