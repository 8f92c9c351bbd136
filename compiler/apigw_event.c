/*
 * apigw_event.c: the event API Gateway sends a function for a request, on
 * this machine (`hitc serve`, `hitc event`, an authorizer's request).
 *
 * In: the app, the route apigw.c matched with its path parameters, the
 * request, what an authorizer answered (or NULL).  Out: the event as JSON
 * text: REST, the proxy event (payload 1.0, with multiValueHeaders and
 * multiValueQueryStringParameters); HTTP API, payload 2.0 (cookies,
 * rawPath, rawQueryString); each with its requestContext.
 * Also the readers of a request that apigw.c and authorize.c share: a
 * header by name, percent-decoding.
 * Holds: a body that is not UTF-8 travels base64-encoded, as API Gateway
 * sends it.
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

/* ---- reading the request -------------------------------------------- */

static int hexval(int c)
{
    return isdigit(c) ? c - '0' : isxdigit(c) ? (tolower(c) - 'a' + 10) : -1;
}

/* Percent-decoding (and '+' as a space when plus). */
char *apigw_decode(Arena *a, const char *s, size_t n, bool plus)
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

/* ---- events -------------------------------------------------------------- */

static CfnNode *str_node(Arena *a, const char *s)
{
    return s ? cfn_str(a, NOWHERE, s) : cfn_null(a, NOWHERE);
}

const char *apigw_header(const HttpReq *req, const char *name)
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
            (*out)[2 * n] = apigw_decode(a, s, kl, true);
            (*out)[2 * n + 1] = eq ? apigw_decode(a, eq + 1, k - kl - 1, true) : "";
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
    const char *h = apigw_header(req, "Host");
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
    cfn_put(a, ident, "userAgent", str_node(a, apigw_header(req, "User-Agent")));
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
    CfnNode *ev = cfn_obj(a, NOWHERE), *single, *multi;
    cfn_put_str(a, ev, "resource", r->path);
    cfn_put_str(a, ev, "path", req->raw_path);
    cfn_put_str(a, ev, "httpMethod", req->method);
    single_and_multi(a, req->headers, req->nheaders, &single, &multi);
    cfn_put(a, ev, "headers", single);
    cfn_put(a, ev, "multiValueHeaders", multi);
    const char **q;
    int nq = query_pairs(a, req->query, &q);
    single_and_multi(a, q, nq, &single, &multi);
    cfn_put(a, ev, "queryStringParameters", single);
    cfn_put(a, ev, "multiValueQueryStringParameters", multi);
    CfnNode *pp = params_node(a, params);
    cfn_put(a, ev, "pathParameters", pp ? pp : cfn_null(a, NOWHERE));
    cfn_put(a, ev, "stageVariables", cfn_null(a, NOWHERE));
    rest_context(a, w, r, req, cfn_put_obj(a, ev, "requestContext"), authz);
    bool b64;
    cfn_put(a, ev, "body", body_node(a, req, &b64, true));
    cfn_put_bool(a, ev, "isBase64Encoded", b64);
    char *text = cfn_json(ev);
    char *out = arena_strdup(a, text);
    free(text);
    return out;
}

static char *http_event(Arena *a, const LocalApp *app, const Where *w,
                        const LocalRoute *r, const PtrVec *params, const HttpReq *req,
                        CfnNode *authz)
{
    (void)app;
    CfnNode *ev = cfn_obj(a, NOWHERE);
    const char *raw_path = arena_printf(a, "/%s%s", w->stage, req->raw_path);
    cfn_put_str(a, ev, "version", "2.0");
    cfn_put_str(a, ev, "routeKey", r->route_key ? r->route_key
                                               : arena_printf(a, "%s %s", r->method, r->path));
    cfn_put_str(a, ev, "rawPath", raw_path);
    cfn_put_str(a, ev, "rawQueryString", req->query);
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
        cfn_put(a, ev, "cookies", cookies);
    cfn_put(a, ev, "headers", h);
    const char **q;
    int nq = query_pairs(a, req->query, &q);
    if (nq) {
        CfnNode *qs = cfn_put_obj(a, ev, "queryStringParameters");
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
    CfnNode *rc = cfn_put_obj(a, ev, "requestContext");
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
    const char *ua = apigw_header(req, "User-Agent");
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
        cfn_put(a, ev, "pathParameters", pp);
    bool b64;
    CfnNode *body = body_node(a, req, &b64, false);
    if (body)
        cfn_put(a, ev, "body", body);
    cfn_put_bool(a, ev, "isBase64Encoded", b64);
    char *text = cfn_json(ev);
    char *out = arena_strdup(a, text);
    free(text);
    return out;
}

char *apigw_event(Arena *a, const LocalApp *app, const Where *w,
                  const LocalRoute *r, const PtrVec *params, const HttpReq *req,
                  CfnNode *authz)
{
    return app->api.kind == API_HTTP ? http_event(a, app, w, r, params, req, authz)
                                     : rest_event(a, app, w, r, params, req, authz);
}
