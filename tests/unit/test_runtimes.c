/*
 * test_runtimes.c: the runtime table and the verdicts drawn from it.
 */
#include "check.h"
#include "hitc.h"
#include "runtimes.h"

static void the_table_is_sorted_and_unique(void)
{
    for (int i = 1; i < nruntimes; i++)
        CHECK(strcmp(runtimes[i - 1].id, runtimes[i].id) < 0);
}

static void dates_are_iso_and_blocking_follows_deprecation_or_is_given(void)
{
    for (int i = 0; i < nruntimes; i++) {
        const Runtime *r = &runtimes[i];
        CHECK((r->deprecated == NULL) == (r->create_blocked == NULL));
        if (r->deprecated) {
            CHECK_INT(strlen(r->deprecated), 10);
            CHECK_INT(strlen(r->create_blocked), 10);
            CHECK(r->deprecated[4] == '-' && r->deprecated[7] == '-');
        }
    }
}

static void every_successor_is_known_and_current(void)
{
    for (int i = 0; i < nruntimes; i++) {
        const Runtime *r = &runtimes[i];
        if (!runtime_is_deprecated(r))
            continue;
        const Runtime *s = r->successor ? runtime_find(r->successor) : NULL;
        REQUIRE(s != NULL);
        if (s && runtime_is_deprecated(s))
            fprintf(stderr, "  %s moves to %s, which is deprecated too\n",
                    r->id, s->id), check_case_failed = 1;
    }
}

static void verdicts_as_of_the_tables_date(void)
{
    CHECK(!runtime_is_deprecated(runtime_find("python3.12")));
    CHECK(!runtime_is_deprecated(runtime_find("nodejs22.x")));
    CHECK(!runtime_is_deprecated(runtime_find("provided.al2023")));
    CHECK(!runtime_is_deprecated(runtime_find("ruby4.0")));
    const Runtime *old = runtime_find("python3.8");
    CHECK(runtime_is_deprecated(old) && runtime_create_blocked(old));
    CHECK_STR(old->deprecated, "2024-10-14");
    CHECK_STR(old->successor, "python3.14");
    /* deprecated on 2026-11-10, creation refused only from 2026-12-10 */
    const Runtime *dotnet8 = runtime_find("dotnet8");
    CHECK(runtime_is_deprecated(dotnet8) && !runtime_create_blocked(dotnet8));
}

/* The runtimes issue 6 names: Lambda refuses new functions on them as of
 * the table's date, so hitc refuses them (E0217) rather than warning. */
static void creation_refused_as_of_the_tables_date(void)
{
    static const char *const blocked[] = {"python2.7", "nodejs6.10",
                                          "nodejs20.x", "python3.9"};
    for (size_t i = 0; i < sizeof blocked / sizeof *blocked; i++) {
        const Runtime *r = runtime_find(blocked[i]);
        REQUIRE(r != NULL);
        if (r)
            CHECK(runtime_is_deprecated(r) && runtime_create_blocked(r));
    }
    CHECK_STR(runtime_find("nodejs20.x")->create_blocked, "2026-06-01");
    CHECK(!runtime_create_blocked(runtime_find("nodejs22.x")));
    CHECK(!runtime_create_blocked(runtime_find("dotnet8")));
    CHECK(!runtime_create_blocked(runtime_find("ruby4.0")));
}

static void unknown_ids_and_suggestions(void)
{
    CHECK(runtime_find("python3.99") == NULL);
    CHECK(runtime_find("Python3.12") == NULL);
    CHECK(runtime_find("") == NULL);
    CHECK_STR(runtime_closest("pyhton3.12"), "python3.12");
    CHECK_STR(runtime_closest("nodejs22x"), "nodejs22.x");
    CHECK_STR(runtime_closest("nodejs22"), "nodejs22.x");  /* not "nodejs" */
    CHECK(runtime_closest("cobol") == NULL);
}

int main(void)
{
    RUN(the_table_is_sorted_and_unique);
    RUN(dates_are_iso_and_blocking_follows_deprecation_or_is_given);
    RUN(every_successor_is_known_and_current);
    RUN(verdicts_as_of_the_tables_date);
    RUN(creation_refused_as_of_the_tables_date);
    RUN(unknown_ids_and_suggestions);
    return check_summary();
}
