/*
 * apigw.c: API Gateway's side of a request, on this machine, for `hitc
 * serve` and `hitc event`.
 *
 * In: the app's API as emitted (a REST API's Methods and gateway
 * responses, or an HTTP API's Routes and CorsConfiguration) and a request.
 * Out: the route it matches (literal segments before {param} before
 * {param+}, the method before ANY), the event API Gateway sends the
 * function (REST: the proxy event, payload 1.0, with multiValueHeaders and
 * multiValueQueryStringParameters; HTTP API: payload 2.0, with cookies,
 * rawPath and rawQueryString), and the function's answer mapped back to
 * HTTP as API Gateway maps it (statusCode, headers, multiValueHeaders,
 * cookies, base64 bodies).
 * Holds: API Gateway's own answers are its own: a REST API answers an
 * unknown route 403 {"message":"Missing Authentication Token"} and a
 * failed or malformed answer 502 {"message": "Internal server error"},
 * each with the app's DEFAULT_4XX / DEFAULT_5XX gateway response headers
 * (its CORS origin); an HTTP API answers 404 {"message":"Not Found"} and
 * 500 {"message":"Internal Server Error"}.  CORS is what the app configured
 * and nothing more: a REST API's preflight is its MOCK OPTIONS method, its
 * other answers are the function's; an HTTP API answers preflights itself
 * and puts its CorsConfiguration's headers, and only those, on the
 * function's answers.  A body that is not UTF-8 reaches the function in
 * base64 (isBase64Encoded).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "local.h"

#define NOWHERE ((Loc){0})
#define LOCAL_API_ID "hitclocal"

/* ---- matching ------------------------------------------------------------ */

static int hexval(int c)
{
    return isdigit(c) ? c - '0' : isxdigit(c) ? (tolower(c) - 'a' + 10) : -1;
}

/* Percent-decoding (and '+' as a space when plus). */
static char *decode(Arena *a, const char *s, size_t n, bool plus)
{
    char *out = arena_alloc(a, n + 1);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%' && i + 2 < n && hexval((unsigned char)s[i + 1]) >= 0 &&
            hexval((unsigned char)s[i + 2]) >= 0) {
            out[k++] = (char)(hexval((unsigned char)s[i + 1]) * 16 +
                              hexval((unsigned char)s[i + 2]));
            i += 2;
        } else {
            out[k++] = plus && s[i] == '+' ? ' ' : s[i];
        }
    }
    out[k] = '\0';
    return out;
}

/* The request path's segments, still encoded. */
static int split(Arena *a, const char *path, const char ***out)
{
    int cap = 1;
    for (const char *c = path; *c; c++)
        cap += *c == '/';
    *out = arena_alloc(a, sizeof(char *) * (size_t)cap);
    int n = 0;
    for (const char *s = path; *s;) {
        while (*s == '/')
            s++;
        size_t k = strcspn(s, "/");
        if (k)
            (*out)[n++] = arena_strndup(a, s, k);
        s += k;
    }
    return n;
}

static bool is_param(const char *seg)
{
    return seg[0] == '{';
}

static bool is_greedy(const char *seg)
{
    size_t n = strlen(seg);
    return seg[0] == '{' && n > 3 && seg[n - 2] == '+';
}

/* Does r take the segments?  Its rank (a string: '0' literal, '1' param,
 * '2' greedy per segment, then '0' the method or '1' ANY) in rank. */
static bool route_takes(const LocalRoute *r, const char *method, const char **segs,
                        int n, char *rank, size_t ranklen)
{
    if (strcmp(r->method, method) != 0 && strcmp(r->method, "ANY") != 0)
        return false;
    if ((size_t)r->nsegs + 2 > ranklen)
        return false;
    int i = 0;
    for (; i < r->nsegs; i++) {
        const char *p = r->segs[i];
        if (is_greedy(p)) {
            if (i >= n)
                return false;
            rank[i] = '2';
            i++;
            rank[i] = strcmp(r->method, "ANY") == 0 ? '1' : '0';
            rank[i + 1] = '\0';
            return true;
        }
        if (i >= n)
            return false;
        if (is_param(p)) {
            rank[i] = '1';
        } else if (strcmp(p, segs[i]) == 0) {
            rank[i] = '0';
        } else {
            return false;
        }
    }
    if (i != n)
        return false;
    rank[i] = strcmp(r->method, "ANY") == 0 ? '1' : '0';
    rank[i + 1] = '\0';
    return true;
}

static void params_of(Arena *a, const LocalRoute *r, const char **segs, int n,
                      PtrVec *params)
{
    for (int i = 0; i < r->nsegs; i++) {
        const char *p = r->segs[i];
        if (!is_param(p))
            continue;
        size_t len = strlen(p);
        bool greedy = is_greedy(p);
        const char *name = arena_strndup(a, p + 1, len - 2 - greedy);
        Buf v = {0};
        buf_add(&v, "", 0);
        for (int k = i; k < (greedy ? n : i + 1); k++)
            buf_printf(&v, "%s%s", k > i ? "/" : "", segs[k]);
        vec_push(a, params, (void *)name);
        vec_push(a, params, decode(a, v.data, v.len, false));
        buf_free(&v);
        if (greedy)
            break;
    }
}

LocalRoute *apigw_match(Arena *a, const LocalApi *api, const char *method,
                        const char *raw_path, PtrVec *params)
{
    const char **segs;
    int n = split(a, raw_path, &segs);
    const char **dsegs = arena_alloc(a, sizeof(char *) * (size_t)(n + 1));
    for (int i = 0; i < n; i++)
        dsegs[i] = decode(a, segs[i], strlen(segs[i]), false);
    LocalRoute *best = NULL;
    char best_rank[300] = "", rank[300];
    for (int i = 0; i < api->routes.len; i++) {
        LocalRoute *r = api->routes.items[i];
        if (route_takes(r, method, dsegs, n, rank, sizeof rank) &&
            (!best || strcmp(rank, best_rank) < 0)) {
            best = r;
            snprintf(best_rank, sizeof best_rank, "%s", rank);
        }
    }
    if (best)
        params_of(a, best, segs, n, params);
    return best;
}

/* ---- events -------------------------------------------------------------- */

static CfnNode *str_node(Arena *a, const char *s)
{
    return s ? cfn_str(a, NOWHERE, s) : cfn_null(a, NOWHERE);
}

static const char *header(const HttpReq *req, const char *name)
{
    const char *v = NULL;
    for (int i = 0; i < req->nheaders; i++)
        if (strcasecmp(req->headers[2 * i], name) == 0)
            v = req->headers[2 * i + 1];
    return v;
}

static bool valid_utf8(const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n;) {
        if (p[i] == 0)
            return false;       /* hitc's JSON strings hold no NUL */
        int k = utf8_len(p + i, p + n);
        if (k == 0)
            return false;
        i += (size_t)k;
    }
    return true;
}

static char *base64(Arena *a, const unsigned char *p, size_t n)
{
    static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char *out = arena_alloc(a, 4 * (n / 3 + 1) + 1);
    size_t k = 0;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)p[i] << 16 | (i + 1 < n ? (unsigned)p[i + 1] << 8 : 0) |
                     (i + 2 < n ? p[i + 2] : 0);
        out[k++] = t[v >> 18 & 63];
        out[k++] = t[v >> 12 & 63];
        out[k++] = i + 1 < n ? t[v >> 6 & 63] : '=';
        out[k++] = i + 2 < n ? t[v & 63] : '=';
    }
    out[k] = '\0';
    return out;
}

/* The body as the event carries it, and whether it is base64. */
static CfnNode *body_node(Arena *a, const HttpReq *req, bool *b64, bool null_if_empty)
{
    *b64 = false;
    if (req->body_len == 0)
        return null_if_empty ? cfn_null(a, NOWHERE) : NULL;
    if (valid_utf8(req->body, req->body_len))
        return cfn_str(a, NOWHERE, arena_strndup(a, (const char *)req->body, req->body_len));
    *b64 = true;
    return cfn_str(a, NOWHERE, base64(a, req->body, req->body_len));
}

/* The query's pairs, decoded, as name, value, name, value ... */
static int query_pairs(Arena *a, const char *q, const char ***out)
{
    int cap = 1;
    for (const char *c = q; *c; c++)
        cap += *c == '&';
    *out = arena_alloc(a, sizeof(char *) * 2 * (size_t)cap);
    int n = 0;
    for (const char *s = q; *s;) {
        size_t k = strcspn(s, "&");
        if (k) {
            const char *eq = memchr(s, '=', k);
            size_t kl = eq ? (size_t)(eq - s) : k;
            (*out)[2 * n] = decode(a, s, kl, true);
            (*out)[2 * n + 1] = eq ? decode(a, eq + 1, k - kl - 1, true) : "";
            n++;
        }
        s += k;
        if (*s)
            s++;
    }
    return n;
}

static void time_strings(Arena *a, char **clf, long long *epoch_ms)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    *epoch_ms = (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
    struct tm tm;
    gmtime_r(&t.tv_sec, &tm);
    char s[64];
    strftime(s, sizeof s, "%d/%b/%Y:%H:%M:%S +0000", &tm);
    *clf = arena_strdup(a, s);
}

static CfnNode *params_node(Arena *a, const PtrVec *params)
{
    if (!params || params->len == 0)
        return NULL;
    CfnNode *o = cfn_obj(a, NOWHERE);
    for (int i = 0; i + 1 < params->len; i += 2)
        if (!cfn_obj_get(o, params->items[i]))
            cfn_put_str(a, o, params->items[i], params->items[i + 1]);
    return o;
}

static const char *host_of(const HttpReq *req)
{
    const char *h = header(req, "Host");
    return h ? h : "127.0.0.1";
}

/* name, value pairs as payload 1.0 gives them: the last value of each name
 * in single (NULL when none), all of them in multi. */
static void single_and_multi(Arena *a, const char **pairs, int n, CfnNode **single,
                             CfnNode **multi)
{
    *single = cfn_obj(a, NOWHERE);
    *multi = cfn_obj(a, NOWHERE);
    for (int i = 0; i < n; i++) {
        const char *k = pairs[2 * i], *v = pairs[2 * i + 1];
        CfnPair *had = cfn_obj_pair(*single, k);
        if (had)
            had->value = cfn_str(a, NOWHERE, v);
        else
            cfn_put_str(a, *single, k, v);
        CfnNode *list = cfn_obj_get(*multi, k);
        if (!list)
            list = cfn_put_arr(a, *multi, k);
        cfn_arr_push(a, list, cfn_str(a, NOWHERE, v));
    }
    if (n == 0)
        *single = *multi = cfn_null(a, NOWHERE);
}

/* A REST API's requestContext: the route's resource, the stage, the
 * caller. */
static void rest_context(Arena *a, const Where *w, const LocalRoute *r,
                         const HttpReq *req, CfnNode *rc, CfnNode *authz)
{
    char *clf, id[40], ext[40], rid[16];
    long long epoch;
    time_strings(a, &clf, &epoch);
    local_uuid(id);
    local_uuid(ext);
    unsigned hash = 5381;
    for (const char *c = r->path; *c; c++)
        hash = hash * 33 + (unsigned char)*c;
    snprintf(rid, sizeof rid, "%06x", hash & 0xffffff);
    cfn_put_str(a, rc, "resourceId", strcmp(r->path, "/") == 0 ? "root" : rid);
    cfn_put_str(a, rc, "resourcePath", r->path);
    cfn_put_str(a, rc, "httpMethod", req->method);
    /* 16 characters of a UUID without its dashes, as API Gateway's are 16 */
    cfn_put_str(a, rc, "extendedRequestId", arena_printf(a, "%.8s%.4s%.4s", ext, ext + 9,
                                                         ext + 14));
    cfn_put_str(a, rc, "requestTime", clf);
    cfn_put_str(a, rc, "path", arena_printf(a, "/%s%s", w->stage, req->raw_path));
    cfn_put_str(a, rc, "accountId", w->account);
    cfn_put_str(a, rc, "protocol", req->protocol);
    cfn_put_str(a, rc, "stage", w->stage);
    cfn_put_str(a, rc, "domainPrefix", LOCAL_API_ID);
    cfn_put_num(a, rc, "requestTimeEpoch", epoch);
    cfn_put_str(a, rc, "requestId", id);
    CfnNode *ident = cfn_put_obj(a, rc, "identity");
    static const char *const nulls[] = {"cognitoIdentityPoolId", "accountId",
        "cognitoIdentityId", "caller", "principalOrgId", "accessKey",
        "cognitoAuthenticationType", "cognitoAuthenticationProvider", "userArn"};
    for (size_t i = 0; i < sizeof nulls / sizeof *nulls; i++)
        cfn_put(a, ident, nulls[i], cfn_null(a, NOWHERE));
    cfn_put_str(a, ident, "sourceIp", req->source_ip);
    cfn_put(a, ident, "userAgent", str_node(a, header(req, "User-Agent")));
    cfn_put(a, ident, "user", cfn_null(a, NOWHERE));
    cfn_put_str(a, rc, "domainName", host_of(req));
    cfn_put_str(a, rc, "deploymentId", "local");
    cfn_put_str(a, rc, "apiId", LOCAL_API_ID);
    if (authz)
        cfn_put(a, rc, "authorizer", authz);
}

static char *rest_event(Arena *a, const LocalApp *app, const Where *w,
                        const LocalRoute *r, const PtrVec *params, const HttpReq *req,
                        CfnNode *authz)
{
    (void)app;
    CfnNode *e = cfn_obj(a, NOWHERE), *single, *multi;
    cfn_put_str(a, e, "resource", r->path);
    cfn_put_str(a, e, "path", req->raw_path);
    cfn_put_str(a, e, "httpMethod", req->method);
    single_and_multi(a, req->headers, req->nheaders, &single, &multi);
    cfn_put(a, e, "headers", single);
    cfn_put(a, e, "multiValueHeaders", multi);
    const char **q;
    int nq = query_pairs(a, req->query, &q);
    single_and_multi(a, q, nq, &single, &multi);
    cfn_put(a, e, "queryStringParameters", single);
    cfn_put(a, e, "multiValueQueryStringParameters", multi);
    CfnNode *pp = params_node(a, params);
    cfn_put(a, e, "pathParameters", pp ? pp : cfn_null(a, NOWHERE));
    cfn_put(a, e, "stageVariables", cfn_null(a, NOWHERE));
    rest_context(a, w, r, req, cfn_put_obj(a, e, "requestContext"), authz);
    bool b64;
    cfn_put(a, e, "body", body_node(a, req, &b64, true));
    cfn_put_bool(a, e, "isBase64Encoded", b64);
    char *text = cfn_json(e);
    char *out = arena_strdup(a, text);
    free(text);
    return out;
}

static char *http_event(Arena *a, const LocalApp *app, const Where *w,
                        const LocalRoute *r, const PtrVec *params, const HttpReq *req,
                        CfnNode *authz)
{
    (void)app;
    CfnNode *e = cfn_obj(a, NOWHERE);
    const char *raw_path = arena_printf(a, "/%s%s", w->stage, req->raw_path);
    cfn_put_str(a, e, "version", "2.0");
    cfn_put_str(a, e, "routeKey", r->route_key ? r->route_key
                                               : arena_printf(a, "%s %s", r->method, r->path));
    cfn_put_str(a, e, "rawPath", raw_path);
    cfn_put_str(a, e, "rawQueryString", req->query);
    CfnNode *cookies = cfn_arr(a, NOWHERE), *h = cfn_obj(a, NOWHERE);
    for (int i = 0; i < req->nheaders; i++) {
        const char *v = req->headers[2 * i + 1];
        char *k = arena_strdup(a, req->headers[2 * i]);
        for (char *c = k; *c; c++)
            *c = (char)tolower((unsigned char)*c);
        if (strcmp(k, "cookie") == 0) {
            for (const char *s = v; *s;) {
                while (*s == ' ' || *s == ';')
                    s++;
                size_t n = strcspn(s, ";");
                size_t m = n;
                while (m && s[m - 1] == ' ')
                    m--;
                if (m)
                    cfn_arr_push(a, cookies, cfn_str(a, NOWHERE, arena_strndup(a, s, m)));
                s += n;
            }
            continue;
        }
        CfnPair *had = cfn_obj_pair(h, k);
        if (had)
            had->value = cfn_str(a, NOWHERE, arena_printf(a, "%s,%s", had->value->text, v));
        else
            cfn_put_str(a, h, k, v);
    }
    if (cookies->len)
        cfn_put(a, e, "cookies", cookies);
    cfn_put(a, e, "headers", h);
    const char **q;
    int nq = query_pairs(a, req->query, &q);
    if (nq) {
        CfnNode *qs = cfn_put_obj(a, e, "queryStringParameters");
        for (int i = 0; i < nq; i++) {
            CfnPair *had = cfn_obj_pair(qs, q[2 * i]);
            if (had)
                had->value = cfn_str(a, NOWHERE, arena_printf(a, "%s,%s", had->value->text,
                                                              q[2 * i + 1]));
            else
                cfn_put_str(a, qs, q[2 * i], q[2 * i + 1]);
        }
    }
    char *clf, id[40];
    long long epoch;
    time_strings(a, &clf, &epoch);
    local_uuid(id);
    CfnNode *rc = cfn_put_obj(a, e, "requestContext");
    cfn_put_str(a, rc, "accountId", w->account);
    cfn_put_str(a, rc, "apiId", LOCAL_API_ID);
    cfn_put_str(a, rc, "domainName", host_of(req));
    cfn_put_str(a, rc, "domainPrefix", LOCAL_API_ID);
    if (authz)
        cfn_put(a, rc, "authorizer", authz);
    CfnNode *http = cfn_put_obj(a, rc, "http");
    cfn_put_str(a, http, "method", req->method);
    cfn_put_str(a, http, "path", raw_path);
    cfn_put_str(a, http, "protocol", req->protocol);
    cfn_put_str(a, http, "sourceIp", req->source_ip);
    const char *ua = header(req, "User-Agent");
    cfn_put_str(a, http, "userAgent", ua ? ua : "");
    id[8] = '\0';
    cfn_put_str(a, rc, "requestId", arena_printf(a, "%s%s", id, id + 9));
    cfn_put_str(a, rc, "routeKey", r->route_key ? r->route_key
                                                 : arena_printf(a, "%s %s", r->method, r->path));
    cfn_put_str(a, rc, "stage", w->stage);
    cfn_put_str(a, rc, "time", clf);
    cfn_put_num(a, rc, "timeEpoch", epoch);
    CfnNode *pp = params_node(a, params);
    if (pp)
        cfn_put(a, e, "pathParameters", pp);
    bool b64;
    CfnNode *body = body_node(a, req, &b64, false);
    if (body)
        cfn_put(a, e, "body", body);
    cfn_put_bool(a, e, "isBase64Encoded", b64);
    char *text = cfn_json(e);
    char *out = arena_strdup(a, text);
    free(text);
    return out;
}

char *apigw_event(Arena *a, const LocalApp *app, const Where *w,
                  const LocalRoute *r, const PtrVec *params, const HttpReq *req)
{
    return app->api.kind == API_HTTP ? http_event(a, app, w, r, params, req, NULL)
                                     : rest_event(a, app, w, r, params, req, NULL);
}

/* ---- answers ------------------------------------------------------------- */

static void add_header(HttpResp *resp, const char *name, const char *value)
{
    buf_printf(&resp->headers, "%s: %s\n", name, value);
}

static void add_pairs(HttpResp *resp, const char **pairs, int n)
{
    for (int i = 0; i < n; i++)
        add_header(resp, pairs[2 * i], pairs[2 * i + 1]);
}

/* API Gateway's own answer: {"message": ...} */
void apigw_gateway(const LocalApp *app, HttpResp *resp, int status,
                   const char *body, const char *error_type)
{
    resp->status = status;
    resp->headers.len = resp->body.len = 0;
    buf_add(&resp->headers, "", 0);
    buf_add(&resp->body, "", 0);
    add_header(resp, "Content-Type", "application/json");
    if (app->api.kind == API_REST) {
        add_header(resp, "x-amzn-ErrorType", error_type);
        if (status < 500)
            add_pairs(resp, app->api.headers_4xx, app->api.n4xx);
        else
            add_pairs(resp, app->api.headers_5xx, app->api.n5xx);
    }
    buf_puts(&resp->body, body);
}

static void not_found(const LocalApp *app, HttpResp *resp)
{
    if (app->api.kind == API_HTTP)
        apigw_gateway(app, resp, 404, "{\"message\":\"Not Found\"}", "NotFoundException");
    else
        apigw_gateway(app, resp, 403, "{\"message\":\"Missing Authentication Token\"}",
                "MissingAuthenticationTokenException");
}

static void failed(const LocalApp *app, HttpResp *resp)
{
    if (app->api.kind == API_HTTP)
        apigw_gateway(app, resp, 500, "{\"message\":\"Internal Server Error\"}",
                "InternalServerErrorException");
    else
        apigw_gateway(app, resp, 502, "{\"message\": \"Internal server error\"}",
                "InternalServerErrorException");
}

static bool listed(const char **list, int n, const char *s)
{
    for (int i = 0; i < n; i++)
        if (strcmp(list[i], "*") == 0 || strcasecmp(list[i], s) == 0)
            return true;
    return false;
}

static void joined(Buf *b, const char **list, int n, bool lower)
{
    for (int i = 0; i < n; i++) {
        if (i)
            buf_add(b, ",", 1);
        for (const char *c = list[i]; *c; c++) {
            char ch = lower ? (char)tolower((unsigned char)*c) : *c;
            buf_add(b, &ch, 1);
        }
    }
}

/* An HTTP API's CORS headers for origin (none for one it does not allow). */
static bool http_cors(const LocalCors *c, const HttpReq *req, HttpResp *resp,
                      bool preflight)
{
    const char *origin = header(req, "Origin");
    if (!c || !origin || !listed(c->origins, c->norigins, origin))
        return false;
    if (preflight) {
        const char *want = header(req, "Access-Control-Request-Method");
        if (!want || !listed(c->methods, c->nmethods, want))
            return false;
    }
    bool any = listed(c->origins, c->norigins, "*") && strcmp(c->origins[0], "*") == 0;
    add_header(resp, "Access-Control-Allow-Origin",
               any && !c->credentials ? "*" : origin);
    if (c->credentials)
        add_header(resp, "Access-Control-Allow-Credentials", "true");
    Buf b = {0};
    buf_add(&b, "", 0);
    if (preflight) {
        joined(&b, c->methods, c->nmethods, false);
        add_header(resp, "Access-Control-Allow-Methods", b.data);
        if (c->nheaders) {
            b.len = 0;
            joined(&b, c->headers, c->nheaders, true);
            b.data[b.len] = '\0';
            add_header(resp, "Access-Control-Allow-Headers", b.data);
        }
        if (c->max_age >= 0) {
            char age[32];
            snprintf(age, sizeof age, "%lld", c->max_age);
            add_header(resp, "Access-Control-Max-Age", age);
        }
    } else if (c->nexpose) {
        joined(&b, c->expose, c->nexpose, true);
        add_header(resp, "Access-Control-Expose-Headers", b.data);
    }
    buf_free(&b);
    return true;
}

static const char *scalar(const CfnNode *n)
{
    if (!n)
        return NULL;
    if (n->kind == CFN_STRING || n->kind == CFN_NUMBER)
        return n->text;
    if (n->kind == CFN_BOOL)
        return n->boolean ? "true" : "false";
    return NULL;
}

static int b64val(int c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    return c == '+' || c == '-' ? 62 : c == '/' || c == '_' ? 63 : -1;
}

bool apigw_unbase64(const char *s, Buf *out)
{
    unsigned acc = 0;
    int bits = 0;
    for (; *s; s++) {
        if (*s == '=' || *s == '\n' || *s == '\r')
            continue;
        int v = b64val((unsigned char)*s);
        if (v < 0)
            return false;
        acc = acc << 6 | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            char c = (char)(acc >> bits & 0xff);
            buf_add(out, &c, 1);
        }
    }
    return true;
}

static bool integral(const CfnNode *n)
{
    if (!n || n->kind != CFN_NUMBER)
        return false;
    for (const char *c = n->text; *c; c++)
        if (!isdigit((unsigned char)*c) && *c != '-')
            return false;
    return true;
}

static bool kind_in(const CfnNode *n, CfnKind a, CfnKind b)
{
    return !n || n->kind == a || n->kind == b;
}

/* A proxy response API Gateway takes: an object with an integer
 * statusCode; headers, multiValueHeaders an object (or null); body a
 * string (or null); isBase64Encoded a boolean; for payload 2.0 also
 * cookies, an array, and any other key ignored; for a REST API no other
 * key at all. */
static bool answer_shape_ok(const CfnNode *ans, bool http)
{
    static const char *const known[] = {"statusCode", "headers", "multiValueHeaders",
                                        "body", "isBase64Encoded", "cookies"};
    if (ans->kind != CFN_OBJECT || !integral(cfn_obj_get(ans, "statusCode")))
        return false;
    for (int i = 0; i < ans->len && !http; i++) {
        bool is_known = false;
        for (size_t k = 0; k + 1 < sizeof known / sizeof *known; k++)
            is_known |= strcmp(ans->pairs[i].key, known[k]) == 0;
        if (!is_known)
            return false;
    }
    int status = atoi(cfn_obj_get(ans, "statusCode")->text);
    return status >= 100 && status <= 599 &&
           kind_in(cfn_obj_get(ans, "headers"), CFN_OBJECT, CFN_NULL) &&
           kind_in(cfn_obj_get(ans, "multiValueHeaders"), CFN_OBJECT, CFN_NULL) &&
           kind_in(cfn_obj_get(ans, "body"), CFN_STRING, CFN_NULL) &&
           kind_in(cfn_obj_get(ans, "isBase64Encoded"), CFN_BOOL, CFN_NULL) &&
           (!http || kind_in(cfn_obj_get(ans, "cookies"), CFN_ARRAY, CFN_NULL));
}

/* Is a header the function set one API Gateway leaves out?  Its own
 * Content-Length, and with an HTTP API's CORS the function's CORS. */
static bool dropped(const LocalApp *app, const char *name)
{
    return strcasecmp(name, "Content-Length") == 0 ||
           (app->api.kind == API_HTTP && app->api.cors &&
            strncasecmp(name, "Access-Control-", 15) == 0);
}

/* headers, then multiValueHeaders for the names headers does not give
 * (REST), then cookies (HTTP); false when a value is not a scalar. */
static bool answer_headers(const LocalApp *app, const CfnNode *ans, HttpResp *resp,
                           bool *has_type)
{
    bool http = app->api.kind == API_HTTP;
    const CfnNode *headers = cfn_obj_get(ans, "headers");
    const CfnNode *multi = http ? NULL : cfn_obj_get(ans, "multiValueHeaders");
    const CfnNode *cookies = http ? cfn_obj_get(ans, "cookies") : NULL;
    for (int i = 0; headers && headers->kind == CFN_OBJECT && i < headers->len; i++) {
        const char *k = headers->pairs[i].key, *v = scalar(headers->pairs[i].value);
        if (!v)
            return false;
        if (dropped(app, k))
            continue;
        *has_type |= strcasecmp(k, "Content-Type") == 0;
        add_header(resp, k, v);
    }
    for (int i = 0; multi && multi->kind == CFN_OBJECT && i < multi->len; i++) {
        const CfnNode *vs = multi->pairs[i].value;
        const char *k = multi->pairs[i].key;
        if (vs->kind != CFN_ARRAY)
            return false;
        if (headers && headers->kind == CFN_OBJECT && cfn_obj_get(headers, k))
            continue;   /* headers wins for a name both give */
        for (int j = 0; j < vs->len; j++) {
            const char *v = scalar(vs->items[j]);
            if (!v)
                return false;
            if (dropped(app, k))
                continue;
            *has_type |= strcasecmp(k, "Content-Type") == 0;
            add_header(resp, k, v);
        }
    }
    for (int i = 0; cookies && cookies->kind == CFN_ARRAY && i < cookies->len; i++)
        if (scalar(cookies->items[i]))
            add_header(resp, "Set-Cookie", scalar(cookies->items[i]));
    return true;
}

/* The function's answer as API Gateway maps it back; false when it is
 * malformed (API Gateway then answers its own error). */
static bool map_answer(const LocalApp *app, const char *json, HttpResp *resp,
                       const HttpReq *req)
{
    bool http = app->api.kind == API_HTTP;
    Ctx *ctx = ctx_new();
    CfnNode *ans = cfn_read(ctx, source_from_text(ctx, "answer", json, strlen(json)));
    resp->headers.len = resp->body.len = 0;
    buf_add(&resp->headers, "", 0);
    buf_add(&resp->body, "", 0);
    bool ok = ans != NULL, has_type = false;
    if (ok && http && !(ans->kind == CFN_OBJECT && cfn_obj_get(ans, "statusCode"))) {
        /* payload 2.0 without statusCode: a 200 with the answer as JSON */
        resp->status = 200;
        add_header(resp, "Content-Type", "application/json");
        buf_puts(&resp->body, ans->kind == CFN_STRING ? ans->text : json);
        http_cors(app->api.cors, req, resp, false);
        ctx_free(ctx);
        return true;
    }
    ok = ok && answer_shape_ok(ans, http) && answer_headers(app, ans, resp, &has_type);
    if (ok) {
        resp->status = atoi(cfn_obj_get(ans, "statusCode")->text);
        const CfnNode *body = cfn_obj_get(ans, "body");
        const CfnNode *b64 = cfn_obj_get(ans, "isBase64Encoded");
        if (body && body->kind == CFN_STRING && b64 && b64->kind == CFN_BOOL && b64->boolean)
            ok = apigw_unbase64(body->text, &resp->body);
        else if (body && body->kind == CFN_STRING)
            buf_puts(&resp->body, body->text);
    }
    if (ok && !has_type)
        add_header(resp, "Content-Type", "application/json");
    if (ok && http)
        http_cors(app->api.cors, req, resp, false);
    ctx_free(ctx);
    return ok;
}

static void mock(const LocalRoute *r, HttpResp *resp)
{
    resp->status = r->mock_status;
    add_pairs(resp, r->mock_headers, r->nmock);
    add_header(resp, "Content-Type", "application/json");
}

void apigw_handle(LocalApp *app, const Where *w, const HttpReq *req,
                  ApigwInvoke invoke, void *arg, HttpResp *resp,
                  const char **fn_name)
{
    *fn_name = NULL;
    buf_add(&resp->headers, "", 0);
    buf_add(&resp->body, "", 0);
    if (app->api.kind == API_NONE) {
        apigw_gateway(app, resp, 404, "{\"message\":\"this app has no routes\"}", "");
        return;
    }
    if (app->api.kind == API_HTTP && app->api.cors && strcmp(req->method, "OPTIONS") == 0 &&
        header(req, "Origin") && header(req, "Access-Control-Request-Method")) {
        resp->status = 204;
        http_cors(app->api.cors, req, resp, true);
        return;
    }
    Arena *a = arena_new();
    PtrVec params = {0};
    LocalRoute *r = apigw_match(a, &app->api, req->method, req->raw_path, &params);
    if (!r) {
        not_found(app, resp);
    } else if (!r->fn) {
        mock(r, resp);
    } else {
        CfnNode *authz = NULL;
        if (r->auth && !apigw_authorize(a, app, w, r, &params, req, invoke, arg,
                                        &authz, resp)) {
            arena_free(a);
            return;
        }
        *fn_name = r->fn->name;
        char *event = app->api.kind == API_HTTP
            ? http_event(a, app, w, r, &params, req, authz)
            : rest_event(a, app, w, r, &params, req, authz);
        Buf out = {0};
        RunResult rr = invoke(arg, r->fn, event, &out);
        if (rr != RUN_OK || !map_answer(app, out.data ? out.data : "", resp, req))
            failed(app, resp);
        buf_free(&out);
    }
    arena_free(a);
}

void http_resp_free(HttpResp *r)
{
    buf_free(&r->headers);
    buf_free(&r->body);
}
