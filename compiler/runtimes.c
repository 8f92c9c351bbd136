/*
 * runtimes.c: the table of Lambda runtime identifiers.
 *
 * Source: AWS Lambda's runtime pages (lambda-runtimes, runtime support
 * policy), as cfn-lint 1.51 records them in LmbdRuntimeLifecycle.json and
 * the AWS::Lambda::Function Runtime enum.  One row a runtime, sorted by id.
 * dotnet10 and ruby4.0 are in the enum with no lifecycle row there; their
 * deprecation dates are not announced in that data, so they have none here.
 */
#include <string.h>

#include "hitc.h"
#include "runtimes.h"

const Runtime runtimes[] = {
    {"dotnet10", NULL, NULL, NULL},
    {"dotnet6", "2024-12-20", "2026-06-01", "dotnet10"},
    {"dotnet8", "2026-11-10", "2026-12-10", "dotnet10"},
    {"dotnetcore1.0", "2019-06-27", "2019-06-30", "dotnet10"},
    {"dotnetcore2.0", "2019-05-30", "2019-04-30", "dotnet10"},
    {"dotnetcore2.1", "2022-01-05", "2022-01-05", "dotnet10"},
    {"dotnetcore3.1", "2023-04-03", "2023-04-03", "dotnet10"},
    {"go1.x", "2024-01-08", "2024-02-08", "provided.al2023"},
    {"java11", "2026-06-30", "2026-07-31", "java25"},
    {"java17", "2026-06-30", "2026-07-31", "java25"},
    {"java21", "2029-06-30", "2029-07-31", "java25"},
    {"java25", "2029-06-30", "2029-07-31", NULL},
    {"java8", "2024-01-08", "2024-02-08", "java25"},
    {"java8.al2", "2026-06-30", "2026-07-31", "java25"},
    {"nodejs", "2016-08-30", "2016-09-30", "nodejs24.x"},
    {"nodejs10.x", "2021-07-30", "2021-07-30", "nodejs24.x"},
    {"nodejs12.x", "2023-03-31", "2023-03-31", "nodejs24.x"},
    {"nodejs14.x", "2023-12-04", "2024-01-09", "nodejs24.x"},
    {"nodejs16.x", "2024-06-12", "2026-06-01", "nodejs24.x"},
    {"nodejs18.x", "2025-09-01", "2026-06-01", "nodejs24.x"},
    {"nodejs20.x", "2026-04-30", "2026-06-01", "nodejs24.x"},
    {"nodejs22.x", "2027-04-30", "2027-06-01", "nodejs24.x"},
    {"nodejs24.x", "2028-04-30", "2028-06-01", NULL},
    {"nodejs4.3", "2020-03-05", "2020-02-03", "nodejs24.x"},
    {"nodejs4.3-edge", "2020-03-05", "2019-03-31", "nodejs24.x"},
    {"nodejs6.10", "2019-08-12", "2019-07-12", "nodejs24.x"},
    {"nodejs8.10", "2020-03-06", "2020-02-04", "nodejs24.x"},
    {"provided", "2024-01-08", "2024-02-08", "provided.al2023"},
    {"provided.al2", "2026-06-30", "2026-07-31", "provided.al2023"},
    {"provided.al2023", "2029-06-30", "2029-07-31", NULL},
    {"python2.7", "2021-07-15", "2021-07-15", "python3.14"},
    {"python3.10", "2026-06-30", "2026-07-31", "python3.14"},
    {"python3.11", "2026-06-30", "2026-07-31", "python3.14"},
    {"python3.12", "2028-10-31", "2028-11-30", "python3.14"},
    {"python3.13", "2029-06-30", "2029-07-31", "python3.14"},
    {"python3.14", "2029-06-30", "2029-07-31", NULL},
    {"python3.6", "2022-07-18", "2022-07-18", "python3.14"},
    {"python3.7", "2023-12-04", "2024-01-09", "python3.14"},
    {"python3.8", "2024-10-14", "2026-06-01", "python3.14"},
    {"python3.9", "2025-12-15", "2026-06-01", "python3.14"},
    {"ruby2.5", "2021-07-30", "2021-07-30", "ruby3.4"},
    {"ruby2.7", "2023-12-07", "2024-01-09", "ruby3.4"},
    {"ruby3.2", "2026-03-31", "2026-06-01", "ruby3.4"},
    {"ruby3.3", "2027-03-31", "2027-04-30", "ruby3.4"},
    {"ruby3.4", "2028-03-31", "2028-04-30", NULL},
    {"ruby4.0", NULL, NULL, NULL},
};

enum { NRUNTIMES = sizeof runtimes / sizeof *runtimes };
const int nruntimes = NRUNTIMES;

const Runtime *runtime_find(const char *id)
{
    for (int i = 0; i < NRUNTIMES; i++)
        if (strcmp(runtimes[i].id, id) == 0)
            return &runtimes[i];
    return NULL;
}

/* ISO dates compare as strings. */
static bool on_or_before_as_of(const char *date)
{
    return date && strcmp(date, RUNTIMES_AS_OF) <= 0;
}

bool runtime_is_deprecated(const Runtime *rt)
{
    return on_or_before_as_of(rt->deprecated);
}

bool runtime_create_blocked(const Runtime *rt)
{
    return on_or_before_as_of(rt->create_blocked);
}

const char *runtime_closest(const char *id)
{
    const char *ids[NRUNTIMES];
    for (int i = 0; i < NRUNTIMES; i++)
        ids[i] = runtimes[i].id;
    return closest(id, ids, NRUNTIMES);
}

const char *runtime_did_you_mean(Ctx *ctx, const char *id)
{
    const char *ids[NRUNTIMES];
    for (int i = 0; i < NRUNTIMES; i++)
        ids[i] = runtimes[i].id;
    return did_you_mean(ctx, id, ids, NRUNTIMES, NULL);
}
