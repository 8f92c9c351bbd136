/*
 * test_local.c: the pieces of `hitc invoke` and `hitc serve` that need no
 * process: schedules' next run times, values written as the stamper writes
 * them, a .env read as python-dotenv reads it, and routes matched as API
 * Gateway matches them.
 */
#include "bundle.h"
#include "check.h"
#include "hitc.h"
#include "local.h"

static Arena *A;

/* 2024-05-05 02:59:30 UTC, a Sunday */
#define SUNDAY_0259 1714877970LL

static void cron_finds_the_next_minute_in_utc(void)
{
    long long period = -1;
    CHECK_INT(schedule_next("cron(0 3 * * ? *)", SUNDAY_0259, &period), 1714878000LL);
    CHECK_INT(period, 0);
    /* exactly at a run: the next one, a day later */
    CHECK_INT(schedule_next("cron(0 3 * * ? *)", 1714878000LL, &period), 1714964400LL);
    /* weekdays only: from Saturday 10:00 to Monday 12:00 */
    CHECK_INT(schedule_next("cron(0 12 ? * MON-FRI *)", 1714816800LL, &period), 1714996800LL);
    /* the last day of a leap February */
    CHECK_INT(schedule_next("cron(0 0 L * ? *)", 1707523200LL, &period), 1709164800LL);
    /* the third Friday of May 2024, the 17th */
    CHECK_INT(schedule_next("cron(0 9 ? * 6#3 *)", 1714521600LL, &period), 1715936400LL);
    /* the weekday nearest the 15th of June 2024 (a Saturday): Friday the 14th */
    CHECK_INT(schedule_next("cron(0 9 15W * ? *)", 1717200000LL, &period), 1718355600LL);
    /* the last Friday of May 2024, the 31st */
    CHECK_INT(schedule_next("cron(30 6 ? * 6L *)", 1714521600LL, &period), 1717137000LL);
    /* a year that has passed never fires again */
    CHECK_INT(schedule_next("cron(0 0 1 1 ? 2020)", SUNDAY_0259, &period), -1);
}

static void rate_gives_its_period(void)
{
    long long period = 0;
    CHECK_INT(schedule_next("rate(5 minutes)", SUNDAY_0259, &period), -1);
    CHECK_INT(period, 300);
    schedule_next("rate(1 hour)", SUNDAY_0259, &period);
    CHECK_INT(period, 3600);
    schedule_next("rate(2 days)", SUNDAY_0259, &period);
    CHECK_INT(period, 2 * 86400);
}

static const char *formatted(const char *v)
{
    Buf b = {0};
    buf_add(&b, "", 0);
    env_format_value(&b, v);
    char *s = arena_strdup(A, b.data);
    buf_free(&b);
    return s;
}

/* runtime-support/stamper/index.py's format_value, case by case
 * (docs/env-format.md). */
static void values_are_written_as_the_stamper_writes_them(void)
{
    CHECK_STR(formatted("hits-dev-CountersTable-1ABC"), "hits-dev-CountersTable-1ABC");
    CHECK_STR(formatted("arn:aws:dynamodb:us-east-1:1:table/t"), "arn:aws:dynamodb:us-east-1:1:table/t");
    CHECK_STR(formatted(""), "\"\"");
    CHECK_STR(formatted("hello, world"), "\"hello, world\"");
    CHECK_STR(formatted("a \"b\" #c"), "\"a \\\"b\\\" #c\"");
    CHECK_STR(formatted("line\nbreak\ttab"), "\"line\\nbreak\\ttab\"");
    CHECK_STR(formatted("$HOME"), "\"$HOME\"");
    CHECK_STR(formatted("caf\xc3\xa9"), "\"caf\xc3\xa9\"");
    /* a final backslash stays raw where raw reads back */
    CHECK_STR(formatted("C:\\Program Files\\"), "C:\\Program Files\\");
    CHECK_STR(formatted("C:\\dir\\"), "C:\\dir\\");
    CHECK_STR(formatted(" lead\\"), "\" lead\\\\\"");
}

typedef struct Seen {
    char text[512];
} Seen;

static void collect(void *arg, const char *key, const char *value)
{
    Seen *s = arg;
    size_t n = strlen(s->text);
    snprintf(s->text + n, sizeof s->text - n, "%s=[%s];", key, value);
}

static void a_dotenv_reads_as_python_dotenv_reads_it(void)
{
    const char *text = "# a comment\nexport A = raw value # comment\n'B'=\"x\\ny \\\"q\\\"\"\n"
                       "C='single \\' \\\\ \\n'\nA=again\n";
    Seen s = {{0}};
    CHECK_INT(env_file_each((const unsigned char *)text, strlen(text), collect, &s), 0);
    CHECK_STR(s.text, "A=[raw value];B=[x\ny \"q\"];C=[single ' \\ \\n];A=[again];");
    Seen none = {{0}};
    CHECK_INT(env_file_each((const unsigned char *)"A B=1\n", 6, collect, &none), -1);
    CHECK_STR(none.text, "");
}

static LocalRoute *route(const char *method, const char *path)
{
    LocalRoute *r = arena_alloc(A, sizeof *r);
    r->method = method;
    r->path = path;
    r->segs = arena_alloc(A, sizeof(char *) * 8);
    for (const char *s = path; *s;) {
        while (*s == '/')
            s++;
        size_t k = strcspn(s, "/");
        if (k)
            r->segs[r->nsegs++] = arena_strndup(A, s, k);
        s += k;
    }
    return r;
}

static void routes_match_literal_then_parameter_then_greedy(void)
{
    LocalApi api = {0};
    LocalRoute *greedy = route("ANY", "/files/{path+}");
    LocalRoute *param = route("GET", "/files/{name}");
    LocalRoute *literal = route("GET", "/files/list");
    LocalRoute *any = route("ANY", "/files/{name}");
    LocalRoute *root = route("GET", "/");
    LocalRoute *all[] = {greedy, param, literal, any, root};
    for (int i = 0; i < 5; i++)
        vec_push(A, &api.routes, all[i]);
    PtrVec params = {0};
    CHECK(apigw_match(A, &api, "GET", "/files/list", &params) == literal);
    CHECK_INT(params.len, 0);
    CHECK(apigw_match(A, &api, "GET", "/files/a%20b", &params) == param);
    CHECK_STR(params.items[0], "name");
    CHECK_STR(params.items[1], "a b");
    CHECK(apigw_match(A, &api, "POST", "/files/x", &params) == any);
    params = (PtrVec){0};
    CHECK(apigw_match(A, &api, "GET", "/files/a/b/c", &params) == greedy);
    CHECK_STR(params.items[0], "path");
    CHECK_STR(params.items[1], "a/b/c");
    CHECK(apigw_match(A, &api, "GET", "/", &params) == root);
    CHECK(apigw_match(A, &api, "GET", "/nowhere", &params) == NULL);
    CHECK(apigw_match(A, &api, "GET", "/files", &params) == NULL);
}

int main(void)
{
    A = arena_new();
    RUN(cron_finds_the_next_minute_in_utc);
    RUN(rate_gives_its_period);
    RUN(values_are_written_as_the_stamper_writes_them);
    RUN(a_dotenv_reads_as_python_dotenv_reads_it);
    RUN(routes_match_literal_then_parameter_then_greedy);
    arena_free(A);
    return check_summary();
}
