/*
 * kinds/trigger_values.c: the values of `on schedule` and `on event`, and
 * of a trigger's `filter`, checked as EventBridge and Lambda read them:
 * schedule expressions (rate's singular and plural units, cron's six
 * fields and its '?') and event patterns (JSON objects whose members are
 * objects or arrays), read by cfn_read, the one JSON reader hitc has.
 */
#include <stdlib.h>
#include <string.h>

#include "cfn.h"
#include "hitc.h"
#include "kinds/trigger.h"

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

bool trigger_schedule_ok(Ctx *ctx, const char *text, Loc loc)
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
    if (why)
        diag(ctx, D_BAD_SCHEDULE, loc, "bad schedule expression '%s': %s",
             text, why);
    return !why;
}

/* ---- event patterns: JSON into the template's tree --------------------
 * A pattern is read by the one JSON reader hitc has (cfn_read), in a
 * context of its own: its first complaint becomes the pattern's, placed
 * by character, and the tree it made is copied into this one, every node
 * at the pattern's place in the .hit file. */

static CfnNode *copy_tree(Arena *a, const CfnNode *n, Loc loc)
{
    switch (n->kind) {
    case CFN_NULL:
        return cfn_null(a, loc);
    case CFN_BOOL:
        return cfn_bool(a, loc, n->boolean);
    case CFN_NUMBER:
        return cfn_num_text(a, loc, arena_strdup(a, n->text));
    case CFN_STRING:
        return cfn_str(a, loc, n->text);
    case CFN_ARRAY: {
        CfnNode *arr = cfn_arr(a, loc);
        for (int i = 0; i < n->len; i++)
            cfn_arr_push(a, arr, copy_tree(a, n->items[i], loc));
        return arr;
    }
    case CFN_OBJECT: {
        CfnNode *obj = cfn_obj(a, loc);
        for (int i = 0; i < n->len; i++)
            cfn_obj_set(a, obj, arena_strdup(a, n->pairs[i].key), loc,
                        copy_tree(a, n->pairs[i].value, loc));
        return obj;
    }
    }
    return cfn_null(a, loc);
}

/* The pattern's JSON, or NULL with *err (in ctx's arena) saying why. */
static CfnNode *read_pattern(Ctx *ctx, const char *text, Loc loc, const char **err)
{
    *err = NULL;
    size_t lead = strspn(text, " \t\n\r");
    if (text[lead] != '{' && text[lead] != '[')
        return cfn_null(ctx->arena, loc);       /* JSON, but no object */
    Ctx *scratch = ctx_new();
    CfnNode *v = cfn_read(scratch, source_from_text(scratch, "pattern", text,
                                                    strlen(text)));
    if (!v && scratch->diags.len) {
        const Diag *dg = scratch->diags.items[0];
        *err = arena_printf(ctx->arena, "%s (character %u)", dg->msg,
                            (unsigned)dg->loc.off + 1);
    }
    CfnNode *copy = v ? copy_tree(ctx->arena, v, loc) : NULL;
    ctx_free(scratch);
    return copy;
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
    const char *err;
    CfnNode *v = read_pattern(ctx, text, loc, &err);
    if (!v) {
        diag(ctx, D_BAD_EVENT_PATTERN, loc, "the %s is not valid JSON: %s",
             what, err ? err : "it cannot be read");
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
