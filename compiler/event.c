/*
 * event.c: `hitc event KIND ...`, a sample event of the exact shape AWS
 * sends, to give `hitc invoke` (or a test).
 *
 * In: the kind and what it needs:
 *   rest METHOD PATH, http METHOD PATH   an API Gateway request (payload 1.0
 *                     or 2.0), with --body, --header, --route or --app FILE
 *                     to find the route (and so the path parameters);
 *   schedule          EventBridge's Scheduled Event (--rule NAME);
 *   dynamodb INSERT|MODIFY|REMOVE --keys JSON [--new JSON] [--old JSON]
 *                     a stream record with its images in DynamoDB's JSON;
 *   sqs BODY...       a batch, one record per body (--queue NAME);
 *   sns MESSAGE       a notification (--subject, --topic NAME);
 *   eventbridge PATTERN  an event that the pattern matches (--detail JSON
 *                     lays values over its detail).
 * Out: the event as JSON on stdout.  Exit 0, or 2 for bad usage.
 * Holds: the API requests are made by the code that makes them for `hitc
 * serve` (apigw.c), so what invoke gets is what serve sends.  Ids and times
 * are fresh each time, as AWS's are.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* MD5(), not EVP: hitc links the parts of OpenSSL it uses statically
 * (Makefile), and EVP would bring its providers along (sha256.h). */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/md5.h>

#include "local.h"

#define NOWHERE ((Loc){0})

static const char usage[] =
    "usage: hitc event KIND ARGS... [options]\n"
    "\n"
    "Print a sample event of the exact shape AWS sends, for 'hitc invoke\n"
    "--event -' or a test.\n"
    "\n"
    "kinds:\n"
    "  rest METHOD PATH    an API Gateway REST API request (proxy, payload 1.0)\n"
    "  http METHOD PATH    an HTTP API request (payload 2.0); PATH may end in\n"
    "                      ?QUERY\n"
    "  schedule            EventBridge's Scheduled Event\n"
    "  dynamodb INSERT|MODIFY|REMOVE\n"
    "                      a DynamoDB stream record (--keys, --new, --old)\n"
    "  sqs BODY...         an SQS batch, one record per BODY\n"
    "  sns MESSAGE         an SNS notification\n"
    "  eventbridge PATTERN an EventBridge event that PATTERN (JSON) matches\n"
    "\n"
    "options:\n"
    "  --body TEXT         rest, http: the request's body\n"
    "  --header NAME:VALUE rest, http: a request header (repeatable)\n"
    "  --route PATH        rest, http: the route's path, such as /{name}, for\n"
    "                      resource and pathParameters\n"
    "  --app FILE          rest, http: take the route from the app in FILE\n"
    "  --stage S           rest, http: the stage (default dev)\n"
    "  --rule NAME         schedule: the rule's name\n"
    "  --keys JSON         dynamodb: the item's key, such as '{\"id\": \"n1\"}'\n"
    "  --new JSON          dynamodb: the item after (INSERT, MODIFY)\n"
    "  --old JSON          dynamodb: the item before (MODIFY, REMOVE)\n"
    "  --table NAME        dynamodb: the table's name\n"
    "  --queue NAME        sqs: the queue's name\n"
    "  --topic NAME        sns: the topic's name\n"
    "  --subject TEXT      sns: the subject\n"
    "  --detail JSON       eventbridge: values laid over the event's detail\n"
    "  -h, --help          print this help\n";

typedef struct EventOpts {
    Arena *a;
    Where w;
    const char *body, *route, *app, *rule, *keys, *new_image, *old_image;
    const char *table, *queue, *topic, *subject, *detail;
    PtrVec headers;
} EventOpts;

static int opt_header(void *arg, const char *v)
{
    EventOpts *o = arg;
    const char *colon = strchr(v, ':');
    if (!colon || colon == v)
        return usage_error("event", "--header takes NAME:VALUE, not '%s'", v);
    const char *value = colon + 1;
    while (*value == ' ')
        value++;
    vec_push(o->a, &o->headers, arena_strndup(o->a, v, (size_t)(colon - v)));
    vec_push(o->a, &o->headers, (void *)value);
    return 0;
}

#define AT(field) offsetof(EventOpts, field)
static const Option options[] = {
    {"--body", NULL, false, AT(body), NULL},
    {"--header", NULL, false, 0, opt_header},
    {"--route", NULL, false, AT(route), NULL},
    {"--app", NULL, false, AT(app), NULL},
    {"--stage", NULL, false, AT(w.stage), NULL},
    {"--rule", NULL, false, AT(rule), NULL},
    {"--keys", NULL, false, AT(keys), NULL},
    {"--new", NULL, false, AT(new_image), NULL},
    {"--old", NULL, false, AT(old_image), NULL},
    {"--table", NULL, false, AT(table), NULL},
    {"--queue", NULL, false, AT(queue), NULL},
    {"--topic", NULL, false, AT(topic), NULL},
    {"--subject", NULL, false, AT(subject), NULL},
    {"--detail", NULL, false, AT(detail), NULL},
};

/* ---- helpers ------------------------------------------------------------- */

static void print(CfnNode *event)
{
    char *text = cfn_json(event);
    puts(text);
    free(text);
}

/* JSON text to a tree in ctx; NULL after saying what is wrong. */
static CfnNode *json_arg(Ctx *ctx, const char *what, const char *text)
{
    size_t start = strspn(text, " \t\r\n");
    CfnNode *t = NULL;
    if (text[start] == '{' || text[start] == '[')
        t = cfn_read(ctx, source_from_text(ctx, what, text, strlen(text)));
    if (!t)
        fprintf(stderr, "hitc: %s is not a JSON object: %s\n", what, text);
    return t;
}

static char *iso_time(Arena *a, long long *epoch_ms)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    if (epoch_ms)
        *epoch_ms = (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
    struct tm tm;
    gmtime_r(&t.tv_sec, &tm);
    char s[64];
    strftime(s, sizeof s, "%Y-%m-%dT%H:%M:%S", &tm);
    return arena_printf(a, "%s.%03ldZ", s, t.tv_nsec / 1000000);
}

static char *uuid(Arena *a)
{
    char id[40];
    local_uuid(id);
    return arena_strdup(a, id);
}

/* ---- rest, http ------------------------------------------------------------ */

static int api_event(EventOpts *o, LocalApiKind kind, const char **pos, int npos)
{
    if (npos != 3)
        return usage_error("event", "'event %s' takes METHOD PATH", pos[0]);
    Arena *a = o->a;
    char *method = arena_strdup(a, pos[1]);
    for (char *c = method; *c; c++)
        *c = (char)(*c >= 'a' && *c <= 'z' ? *c - 32 : *c);
    const char *path = pos[2], *q = strchr(path, '?');
    if (path[0] != '/')
        return usage_error("event", "the path must start with '/', not '%s'", path);
    HttpReq req = {.method = method, .protocol = "HTTP/1.1", .source_ip = "127.0.0.1"};
    req.raw_path = q ? arena_strndup(a, path, (size_t)(q - path)) : path;
    req.query = q ? q + 1 : "";
    PtrVec h = {0};
    static const char *const defaults[] = {"Accept", "*/*", "Host",
        "hitclocal.execute-api.us-east-1.amazonaws.com", "User-Agent", "hitc-event",
        "X-Forwarded-For", "127.0.0.1", "X-Forwarded-Port", "443",
        "X-Forwarded-Proto", "https"};
    for (size_t i = 0; i < sizeof defaults / sizeof *defaults; i += 2) {
        bool given = false;
        for (int k = 0; k < o->headers.len; k += 2)
            given |= strcasecmp(o->headers.items[k], defaults[i]) == 0;
        if (!given) {
            vec_push(a, &h, (void *)defaults[i]);
            vec_push(a, &h, (void *)defaults[i + 1]);
        }
    }
    if (o->body && !o->headers.len) {
        vec_push(a, &h, (void *)"Content-Type");
        vec_push(a, &h, (void *)"application/json");
    }
    for (int k = 0; k < o->headers.len; k++)
        vec_push(a, &h, o->headers.items[k]);
    req.headers = (const char **)h.items;
    req.nheaders = h.len / 2;
    req.body = (const unsigned char *)(o->body ? o->body : "");
    req.body_len = o->body ? strlen(o->body) : 0;

    LocalApp shell = {0}, *app = &shell;
    LocalRoute own = {0}, *r = &own;
    PtrVec params = {0};
    if (o->app) {
        app = local_app_load(o->app);
        if (!app)
            return 2;
        r = apigw_match(a, &app->api, method, req.raw_path, &params);
        if (!r || !r->fn) {
            fprintf(stderr, "hitc: no route of %s takes %s %s\n", o->app, method,
                    req.raw_path);
            local_app_free(app);
            return 2;
        }
        if (app->api.kind != kind)
            fprintf(stderr, "hitc: warning: %s's API is %s, not %s\n", o->app,
                    app->api.kind == API_HTTP ? "an HTTP API" : "a REST API",
                    kind == API_HTTP ? "an HTTP API" : "a REST API");
    } else {
        own.method = method;
        own.path = o->route ? o->route : req.raw_path;
        LocalApi api = {0};
        LocalRoute *one = &own;
        api.routes.items = (void **)&one;
        api.routes.len = 1;
        /* the route's segments, so that its parameters can be read off */
        const char **segs = arena_alloc(a, sizeof(char *) * (strlen(own.path) + 1));
        for (const char *s = own.path; *s;) {
            while (*s == '/')
                s++;
            size_t k = strcspn(s, "/");
            if (k)
                segs[own.nsegs++] = arena_strndup(a, s, k);
            s += k;
        }
        own.segs = segs;
        if (!apigw_match(a, &api, method, req.raw_path, &params)) {
            fprintf(stderr, "hitc: route %s does not take the path %s\n", own.path,
                    req.raw_path);
            return 2;
        }
    }
    shell.api.kind = kind;
    LocalApiKind saved = app->api.kind;
    app->api.kind = kind;
    char *event = apigw_event(a, app, &o->w, r, &params, &req, NULL);
    app->api.kind = saved;
    puts(event);
    if (app != &shell)
        local_app_free(app);
    return 0;
}

/* ---- schedule, eventbridge ------------------------------------------------ */

static CfnNode *events_envelope(EventOpts *o, const char *detail_type, const char *source)
{
    Arena *a = o->a;
    CfnNode *ev = cfn_obj(a, NOWHERE);
    cfn_put_str(a, ev, "version", "0");
    cfn_put_str(a, ev, "id", uuid(a));
    cfn_put_str(a, ev, "detail-type", detail_type);
    cfn_put_str(a, ev, "source", source);
    cfn_put_str(a, ev, "account", o->w.account);
    cfn_put_str(a, ev, "time", arena_strndup(a, iso_time(a, NULL), 19));
    cfn_put_str(a, ev, "region", o->w.region);
    return ev;
}

static int schedule_event(EventOpts *o)
{
    Arena *a = o->a;
    CfnNode *ev = events_envelope(o, "Scheduled Event", "aws.events");
    /* EventBridge's time has no fraction: 2024-05-05T03:00:00Z */
    CfnPair *t = cfn_obj_pair(ev, "time");
    t->value = cfn_str(a, NOWHERE, arena_printf(a, "%sZ", t->value->text));
    CfnNode *res = cfn_put_arr(a, ev, "resources");
    cfn_arr_push(a, res, cfn_str(a, NOWHERE, arena_printf(
        a, "arn:aws:events:%s:%s:rule/%s", o->w.region, o->w.account,
        o->rule ? o->rule : "hitc-local-schedule")));
    cfn_put_obj(a, ev, "detail");
    print(ev);
    return 0;
}

/* A value the pattern's matchers (an array) accept; NULL to leave it out. */
static CfnNode *matching(Arena *a, const CfnNode *m)
{
    if (!m || m->kind != CFN_ARRAY || m->len == 0)
        return cfn_str(a, NOWHERE, "example");
    const CfnNode *x = m->items[0];
    if (x->kind != CFN_OBJECT || x->len == 0)
        return (CfnNode *)x;
    const char *op = x->pairs[0].key;
    const CfnNode *arg = x->pairs[0].value;
    if (strcmp(op, "exists") == 0)
        return arg->kind == CFN_BOOL && !arg->boolean ? NULL
                                                      : cfn_str(a, NOWHERE, "example");
    if ((strcmp(op, "prefix") == 0 || strcmp(op, "suffix") == 0 ||
         strcmp(op, "equals-ignore-case") == 0) && arg->kind == CFN_STRING)
        return cfn_str(a, NOWHERE, arg->text);
    if (strcmp(op, "wildcard") == 0 && arg->kind == CFN_STRING) {
        char *s = arena_strdup(a, arg->text);
        for (char *c = s; *c; c++)
            if (*c == '*')
                *c = 'x';
        return cfn_str(a, NOWHERE, s);
    }
    if (strcmp(op, "anything-but") == 0) {
        const CfnNode *v = arg->kind == CFN_ARRAY && arg->len ? arg->items[0] : arg;
        if (v->kind == CFN_NUMBER)
            return cfn_num_text(a, NOWHERE, arena_printf(a, "%lld", atoll(v->text) + 1));
        return cfn_str(a, NOWHERE, v->kind == CFN_STRING
                                       ? arena_printf(a, "not-%s", v->text) : "example");
    }
    if (strcmp(op, "numeric") == 0 && arg->kind == CFN_ARRAY) {
        double lo = -1e18, hi = 1e18, eq = 0;
        bool has_eq = false;
        for (int i = 0; i + 1 < arg->len; i += 2) {
            const char *o = arg->items[i]->text;
            double v = atof(arg->items[i + 1]->text ? arg->items[i + 1]->text : "0");
            if (!o)
                continue;
            if (strcmp(o, "=") == 0)
                eq = v, has_eq = true;
            else if (o[0] == '>')
                lo = o[1] ? v : v + 1;
            else if (o[0] == '<')
                hi = o[1] ? v : v - 1;
        }
        double v = has_eq ? eq : lo > -1e18 ? lo : hi < 1e18 ? hi : 0;
        return cfn_num_text(a, NOWHERE, arena_printf(a, "%.15g", v));
    }
    if (strcmp(op, "cidr") == 0 && arg->kind == CFN_STRING)
        return cfn_str(a, NOWHERE, arena_strndup(a, arg->text, strcspn(arg->text, "/")));
    return cfn_str(a, NOWHERE, "example");
}

/* The object a pattern object matches, field by field. */
static CfnNode *matching_object(Arena *a, const CfnNode *pattern, int depth)
{
    CfnNode *o = cfn_obj(a, NOWHERE);
    for (int i = 0; pattern && pattern->kind == CFN_OBJECT && i < pattern->len && depth < 32; i++) {
        const CfnNode *v = pattern->pairs[i].value;
        CfnNode *x = v->kind == CFN_OBJECT ? matching_object(a, v, depth + 1) : matching(a, v);
        if (x)
            cfn_put(a, o, pattern->pairs[i].key, x);
    }
    return o;
}

static int eventbridge_event(EventOpts *o, const char *pattern_text)
{
    Arena *a = o->a;
    Ctx *ctx = ctx_new();
    CfnNode *pattern = json_arg(ctx, "the pattern", pattern_text);
    CfnNode *over = pattern && o->detail ? json_arg(ctx, "--detail", o->detail) : NULL;
    if (!pattern || (o->detail && !over)) {
        ctx_free(ctx);
        return 2;
    }
    CfnNode *want = matching_object(a, pattern, 0);
    const CfnNode *dt = cfn_obj_get(want, "detail-type"), *src = cfn_obj_get(want, "source");
    CfnNode *ev = events_envelope(o, dt && dt->kind == CFN_STRING ? dt->text : "hitc test event",
                                  src && src->kind == CFN_STRING ? src->text : "hitc.local");
    CfnPair *t = cfn_obj_pair(ev, "time");
    t->value = cfn_str(a, NOWHERE, arena_printf(a, "%sZ", t->value->text));
    for (int i = 0; i < want->len; i++) {
        const char *k = want->pairs[i].key;
        if (strcmp(k, "detail-type") == 0 || strcmp(k, "source") == 0 ||
            strcmp(k, "detail") == 0)
            continue;
        CfnNode *v = want->pairs[i].value;
        if (strcmp(k, "resources") == 0) {
            CfnNode *list = cfn_arr(a, NOWHERE);
            cfn_arr_push(a, list, v);
            v = list;
        }
        CfnPair *p = cfn_obj_pair(ev, k);
        if (p)
            p->value = v;
        else
            cfn_put(a, ev, k, v);
    }
    if (!cfn_obj_get(ev, "resources"))
        cfn_put_arr(a, ev, "resources");
    CfnNode *detail = cfn_obj_get(want, "detail");
    if (!detail)
        detail = cfn_obj(a, NOWHERE);
    for (int i = 0; over && over->kind == CFN_OBJECT && i < over->len; i++) {
        CfnPair *p = cfn_obj_pair(detail, over->pairs[i].key);
        if (p)
            p->value = over->pairs[i].value;
        else
            cfn_put(a, detail, over->pairs[i].key, over->pairs[i].value);
    }
    cfn_put(a, ev, "detail", detail);
    print(ev);
    ctx_free(ctx);
    return 0;
}

/* ---- dynamodb, sqs, sns ------------------------------------------------------ */

/* A plain JSON value in DynamoDB's JSON: {"S": ...}, {"N": ...}, ... */
static CfnNode *typed(Arena *a, const CfnNode *v, int depth)
{
    CfnNode *o = cfn_obj(a, NOWHERE);
    switch (depth > 32 ? CFN_NULL : v->kind) {
    case CFN_STRING:
        cfn_put_str(a, o, "S", v->text);
        break;
    case CFN_NUMBER:
        cfn_put_str(a, o, "N", v->text);
        break;
    case CFN_BOOL:
        cfn_put_bool(a, o, "BOOL", v->boolean);
        break;
    case CFN_NULL:
        cfn_put_bool(a, o, "NULL", true);
        break;
    case CFN_ARRAY: {
        CfnNode *l = cfn_put_arr(a, o, "L");
        for (int i = 0; i < v->len; i++)
            cfn_arr_push(a, l, typed(a, v->items[i], depth + 1));
        break;
    }
    case CFN_OBJECT: {
        CfnNode *m = cfn_put_obj(a, o, "M");
        for (int i = 0; i < v->len; i++)
            cfn_put(a, m, v->pairs[i].key, typed(a, v->pairs[i].value, depth + 1));
        break;
    }
    }
    return o;
}

static CfnNode *image(Arena *a, const CfnNode *item)
{
    CfnNode *o = cfn_obj(a, NOWHERE);
    for (int i = 0; item && i < item->len; i++)
        cfn_put(a, o, item->pairs[i].key, typed(a, item->pairs[i].value, 0));
    return o;
}

static int dynamodb_event(EventOpts *o, const char *kind)
{
    Arena *a = o->a;
    bool insert = strcmp(kind, "INSERT") == 0, modify = strcmp(kind, "MODIFY") == 0,
         remove = strcmp(kind, "REMOVE") == 0;
    if (!insert && !modify && !remove)
        return usage_error("event", "a DynamoDB record is INSERT, MODIFY or "
                           "REMOVE, not '%s'", kind);
    if (!o->keys)
        return usage_error("event", "give the item's key with --keys, such "
                           "as --keys '{\"id\": \"n1\"}'");
    if ((insert || modify) && !o->new_image)
        return usage_error("event", "%s needs the new item: --new JSON", kind);
    if ((modify || remove) && !o->old_image)
        return usage_error("event", "%s needs the old item: --old JSON", kind);
    Ctx *ctx = ctx_new();
    CfnNode *keys = json_arg(ctx, "--keys", o->keys);
    CfnNode *nw = o->new_image && !remove ? json_arg(ctx, "--new", o->new_image) : NULL;
    CfnNode *old = o->old_image && !insert ? json_arg(ctx, "--old", o->old_image) : NULL;
    if (!keys || ((insert || modify) && !nw) || ((modify || remove) && !old)) {
        ctx_free(ctx);
        return 2;
    }
    long long ms;
    iso_time(a, &ms);
    const char *table = o->table ? o->table : "hitc-local-table";
    CfnNode *r = cfn_obj(a, NOWHERE);
    char id[40];
    local_uuid(id);
    id[8] = id[13] = id[18] = id[23] = 'a';
    cfn_put_str(a, r, "eventID", arena_strndup(a, id, 32));
    cfn_put_str(a, r, "eventName", kind);
    cfn_put_str(a, r, "eventVersion", "1.1");
    cfn_put_str(a, r, "eventSource", "aws:dynamodb");
    cfn_put_str(a, r, "awsRegion", o->w.region);
    CfnNode *d = cfn_put_obj(a, r, "dynamodb");
    cfn_put_num(a, d, "ApproximateCreationDateTime", ms / 1000);
    cfn_put(a, d, "Keys", image(a, keys));
    if (nw)
        cfn_put(a, d, "NewImage", image(a, nw));
    if (old)
        cfn_put(a, d, "OldImage", image(a, old));
    cfn_put_str(a, d, "SequenceNumber", arena_printf(a, "%lld00000000000%d", ms, 1));
    char *size = cfn_json_compact(d);
    cfn_put_num(a, d, "SizeBytes", (long long)strlen(size));
    free(size);
    cfn_put_str(a, d, "StreamViewType", "NEW_AND_OLD_IMAGES");
    char *when = iso_time(a, NULL);
    when[23] = '\0';
    cfn_put_str(a, r, "eventSourceARN", arena_printf(
        a, "arn:aws:dynamodb:%s:%s:table/%s/stream/%s", o->w.region, o->w.account,
        table, when));
    CfnNode *ev = cfn_obj(a, NOWHERE);
    cfn_arr_push(a, cfn_put_arr(a, ev, "Records"), r);
    print(ev);
    ctx_free(ctx);
    return 0;
}

static char *md5_hex(Arena *a, const char *s)
{
    unsigned char md[MD5_DIGEST_LENGTH];
    MD5((const unsigned char *)s, strlen(s), md);
    char *out = arena_alloc(a, 2 * MD5_DIGEST_LENGTH + 1);
    for (int i = 0; i < MD5_DIGEST_LENGTH; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
    return out;
}

static int sqs_event(EventOpts *o, const char **bodies, int n)
{
    Arena *a = o->a;
    if (n == 0)
        return usage_error("event", "'event sqs' takes one BODY or more");
    const char *queue = o->queue ? o->queue : "hitc-local-queue";
    CfnNode *ev = cfn_obj(a, NOWHERE);
    CfnNode *records = cfn_put_arr(a, ev, "Records");
    for (int i = 0; i < n; i++) {
        long long ms;
        iso_time(a, &ms);
        CfnNode *r = cfn_obj(a, NOWHERE);
        cfn_put_str(a, r, "messageId", uuid(a));
        cfn_put_str(a, r, "receiptHandle", arena_printf(a, "AQEB%s", md5_hex(a, uuid(a))));
        cfn_put_str(a, r, "body", bodies[i]);
        CfnNode *at = cfn_put_obj(a, r, "attributes");
        cfn_put_str(a, at, "ApproximateReceiveCount", "1");
        cfn_put_str(a, at, "SentTimestamp", arena_printf(a, "%lld", ms));
        cfn_put_str(a, at, "SenderId", "AIDAIENQZJOLO23YVJ4VO");
        cfn_put_str(a, at, "ApproximateFirstReceiveTimestamp", arena_printf(a, "%lld", ms));
        cfn_put_obj(a, r, "messageAttributes");
        cfn_put_str(a, r, "md5OfBody", md5_hex(a, bodies[i]));
        cfn_put_str(a, r, "eventSource", "aws:sqs");
        cfn_put_str(a, r, "eventSourceARN", arena_printf(a, "arn:aws:sqs:%s:%s:%s",
                                                         o->w.region, o->w.account, queue));
        cfn_put_str(a, r, "awsRegion", o->w.region);
        cfn_arr_push(a, records, r);
    }
    print(ev);
    return 0;
}

static int sns_event(EventOpts *o, const char *message)
{
    Arena *a = o->a;
    const char *topic = arena_printf(a, "arn:aws:sns:%s:%s:%s", o->w.region, o->w.account,
                                     o->topic ? o->topic : "hitc-local-topic");
    const char *sub = arena_printf(a, "%s:%s", topic, uuid(a));
    CfnNode *r = cfn_obj(a, NOWHERE);
    cfn_put_str(a, r, "EventSource", "aws:sns");
    cfn_put_str(a, r, "EventVersion", "1.0");
    cfn_put_str(a, r, "EventSubscriptionArn", sub);
    CfnNode *s = cfn_put_obj(a, r, "Sns");
    cfn_put_str(a, s, "Type", "Notification");
    cfn_put_str(a, s, "MessageId", uuid(a));
    cfn_put_str(a, s, "TopicArn", topic);
    cfn_put(a, s, "Subject", o->subject ? cfn_str(a, NOWHERE, o->subject) : cfn_null(a, NOWHERE));
    cfn_put_str(a, s, "Message", message);
    cfn_put_str(a, s, "Timestamp", iso_time(a, NULL));
    cfn_put_str(a, s, "SignatureVersion", "1");
    cfn_put_str(a, s, "Signature", "EXAMPLE");
    cfn_put_str(a, s, "SigningCertUrl", arena_printf(
        a, "https://sns.%s.amazonaws.com/SimpleNotificationService-local.pem", o->w.region));
    cfn_put_str(a, s, "UnsubscribeUrl", arena_printf(
        a, "https://sns.%s.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=%s",
        o->w.region, sub));
    cfn_put_obj(a, s, "MessageAttributes");
    CfnNode *ev = cfn_obj(a, NOWHERE);
    cfn_arr_push(a, cfn_put_arr(a, ev, "Records"), r);
    print(ev);
    return 0;
}

int event_main(int argc, char **argv)
{
    EventOpts o = {0};
    o.a = arena_new();
    local_where_init(&o.w);
    const char *pos[64];
    int npos;
    int rc = options_parse(argc, argv, options, sizeof options / sizeof *options, &o,
                           pos, 64, &npos, usage);
    if (rc < 0 && npos == 0)
        rc = usage_error("event", "'event' needs a kind: rest, http, schedule, "
                         "dynamodb, sqs, sns or eventbridge");
    if (rc >= 0) {
        arena_free(o.a);
        return rc;
    }
    const char *k = pos[0];
    if (strcmp(k, "rest") == 0 || strcmp(k, "http") == 0)
        rc = api_event(&o, k[0] == 'r' ? API_REST : API_HTTP, pos, npos);
    else if (strcmp(k, "schedule") == 0)
        rc = npos == 1 ? schedule_event(&o)
                       : usage_error("event", "'event schedule' takes no arguments");
    else if (strcmp(k, "dynamodb") == 0)
        rc = npos == 2 ? dynamodb_event(&o, pos[1])
                       : usage_error("event", "'event dynamodb' takes INSERT, MODIFY or REMOVE");
    else if (strcmp(k, "sqs") == 0)
        rc = sqs_event(&o, pos + 1, npos - 1);
    else if (strcmp(k, "sns") == 0)
        rc = npos == 2 ? sns_event(&o, pos[1])
                       : usage_error("event", "'event sns' takes one MESSAGE");
    else if (strcmp(k, "eventbridge") == 0)
        rc = npos == 2 ? eventbridge_event(&o, pos[1])
                       : usage_error("event", "'event eventbridge' takes one PATTERN (JSON)");
    else
        rc = usage_error("event", "unknown kind '%s'; use rest, http, schedule, "
                         "dynamodb, sqs, sns or eventbridge", k);
    if (fflush(stdout) != 0 && rc == 0)
        rc = 2;
    arena_free(o.a);
    return rc;
}
