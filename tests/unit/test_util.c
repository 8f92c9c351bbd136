/*
 * test_util.c: names (logical IDs, collisions, suggestions) and the string
 * map behind symbol and logical-ID lookups.
 */
#include "check.h"
#include "hitc.h"

static Arena *A;

static void pascal_case_is_the_one_logical_id_rule(void)
{
    CHECK_STR(pascal_case(A, "counters"), "Counters");
    CHECK_STR(pascal_case(A, "hit-counter"), "HitCounter");
    CHECK_STR(pascal_case(A, "by_owner"), "ByOwner");
    CHECK_STR(pascal_case(A, "a--b"), "AB");
    CHECK_STR(pascal_case(A, "keepCase"), "KeepCase");
}

static void names_fold_to_their_collision_key(void)
{
    CHECK_STR(name_fold(A, "Hit-Counter"), "hit_counter");
    CHECK_STR(name_fold(A, "hit_counter"), "hit_counter");
}

static void names_follow_the_language(void)
{
    CHECK(is_name("a"));
    CHECK(is_name("a-b_c9"));
    CHECK(!is_name("9a"));
    CHECK(!is_name("_a"));
    CHECK(!is_name("a.b"));
    char long_name[66];
    memset(long_name, 'x', 65);
    long_name[65] = '\0';
    CHECK(!is_name(long_name));
    long_name[64] = '\0';
    CHECK(is_name(long_name));
}

static void suggestions_are_close_and_deterministic(void)
{
    const char *cands[] = {"counters", "counter", "settings"};
    CHECK_STR(closest("countres", cands, 3), "counters");
    CHECK_STR(closest("setings", cands, 3), "settings");
    CHECK(closest("zebra", cands, 3) == NULL);
    /* equally close: the one that starts like the word, then by name */
    const char *rt[] = {"nodejs", "nodejs22.x"};
    CHECK_STR(closest("nodejs22", rt, 2), "nodejs22.x");
    const char *ab[] = {"bx", "ax"};
    CHECK_STR(closest("cx", ab, 2), "ax");
    CHECK_INT(edit_distance("ab", "ba"), 1);
}

static void the_map_finds_what_was_put(void)
{
    StrMap m = {0};
    CHECK(strmap_get(&m, "missing") == NULL);
    char keys[2000][16];
    for (int i = 0; i < 2000; i++) {
        snprintf(keys[i], sizeof keys[i], "k%d", i);
        strmap_put(A, &m, keys[i], keys[i]);
    }
    CHECK_INT(m.len, 2000);
    CHECK(m.cap >= 4000);
    int found = 0;
    for (int i = 0; i < 2000; i++)
        found += strmap_get(&m, keys[i]) == keys[i];
    CHECK_INT(found, 2000);
    CHECK(strmap_get(&m, "k2000") == NULL);
    strmap_put(A, &m, "k7", "replaced");
    CHECK_STR(strmap_get(&m, "k7"), "replaced");
    CHECK_INT(m.len, 2000);
}

int main(void)
{
    A = arena_new();
    RUN(pascal_case_is_the_one_logical_id_rule);
    RUN(names_fold_to_their_collision_key);
    RUN(names_follow_the_language);
    RUN(suggestions_are_close_and_deterministic);
    RUN(the_map_finds_what_was_put);
    arena_free(A);
    return check_summary();
}
