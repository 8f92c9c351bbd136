/*
 * apigw_answer.c: API Gateway's own answers, on this machine, and the
 * headers of any answer.
 *
 * In: the app's API as emitted (its kind; a REST API's DEFAULT_4XX and
 * DEFAULT_5XX gateway response headers).  Out: an answer {"message": ...}
 * with the headers API Gateway puts on it.  Holds: apigw.c (an unknown
 * route, a failed function) and authorize.c (a refused caller) both answer
 * through here, so neither uses the other's code for it.
 */
#include "local.h"

void apigw_add_header(HttpResp *resp, const char *name, const char *value)
{
    buf_printf(&resp->headers, "%s: %s\n", name, value);
}

void apigw_add_pairs(HttpResp *resp, const char **pairs, int n)
{
    for (int i = 0; i < n; i++)
        apigw_add_header(resp, pairs[2 * i], pairs[2 * i + 1]);
}

/* API Gateway's own answer: {"message": ...} */
void apigw_gateway(const LocalApp *app, HttpResp *resp, int status,
                   const char *body, const char *error_type)
{
    resp->status = status;
    resp->headers.len = resp->body.len = 0;
    buf_add(&resp->headers, "", 0);
    buf_add(&resp->body, "", 0);
    apigw_add_header(resp, "Content-Type", "application/json");
    if (app->api.kind == API_REST) {
        apigw_add_header(resp, "x-amzn-ErrorType", error_type);
        if (status < 500)
            apigw_add_pairs(resp, app->api.headers_4xx, app->api.n4xx);
        else
            apigw_add_pairs(resp, app->api.headers_5xx, app->api.n5xx);
    }
    buf_puts(&resp->body, body);
}
