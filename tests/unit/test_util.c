/*
 * test_util.c: names (logical IDs, collisions, suggestions) and the string
 * map behind symbol and logical-ID lookups.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "bundle.h"
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

/* An ID of at most 255 characters is kept; a longer one keeps its first 247
 * and ends in 8 hex digits of the SHA-256 of the whole ID.  Reproduction
 * (hitc 0.1): long route paths gave IDs past 255 (cfn-lint E3001). */
static void long_logical_ids_are_cut_with_a_hash(void)
{
    char id[301];
    memset(id, 'A', 300);
    id[300] = '\0';
    id[255] = '\0';
    CHECK_STR(logical_id_fit(A, id), id);             /* 255: as it is */
    id[255] = 'A';
    const char *cut = logical_id_fit(A, id);           /* 300 */
    CHECK_INT(strlen(cut), 255);
    CHECK(strncmp(cut, id, 247) == 0);
    /* ... then the first 8 hex digits of the whole ID's SHA-256 */
    char hash[65];
    sha256_hex(id, 300, hash);
    CHECK(strncmp(cut + 247, hash, 8) == 0);
    for (int i = 247; i < 255; i++)
        CHECK((cut[i] >= '0' && cut[i] <= '9') || (cut[i] >= 'a' && cut[i] <= 'f'));
    /* the same ID gives the same cut; IDs alike in their first 247 differ */
    CHECK_STR(logical_id_fit(A, id), cut);
    id[299] = 'B';
    CHECK(strcmp(logical_id_fit(A, id), cut) != 0);
    CHECK_STR(logical_id_fit(A, "Counters"), "Counters");
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
    CHECK_INT(edit_distance_within("ab", "ba", 3), 1);
    CHECK_INT(edit_distance_within("kitten", "sitting", 3), 3);
    CHECK_INT(edit_distance_within("kitten", "sitting", 2), 3);   /* past max */
    CHECK_INT(edit_distance_within("Counters", "cuonters", 3), 1);
    CHECK_INT(edit_distance_within("abc", "abcdefg", 3), 4);     /* lengths alone */
    CHECK_INT(edit_distance_within("", "abc", 3), 3);
    CHECK_INT(edit_distance_within("abcd", "", 3), 4);
    CHECK_INT(edit_distance_within("xabcdefgh", "abcdefghx", 3), 2);
}

/* The banded distance agrees with the full matrix wherever it answers. */
static int full_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    int d[16][16];
    for (size_t i = 0; i <= la; i++)
        for (size_t j = 0; j <= lb; j++) {
            if (!i || !j) {
                d[i][j] = (int)(i + j);
                continue;
            }
            int x = tolower((unsigned char)a[i - 1]), y = tolower((unsigned char)b[j - 1]);
            int best = d[i - 1][j - 1] + (x != y);
            if (d[i - 1][j] + 1 < best) best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best) best = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && x == tolower((unsigned char)b[j - 2]) &&
                y == tolower((unsigned char)a[i - 2]) && d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    return d[la][lb];
}

static void the_banded_distance_agrees_with_the_full_one(void)
{
    unsigned seed = 7;
    int disagree = 0;
    for (int k = 0; k < 20000; k++) {
        char a[16], b[16];
        int la = (int)((seed = seed * 1103515245u + 12345u) >> 16) % 9;
        int lb = (int)((seed = seed * 1103515245u + 12345u) >> 16) % 9;
        for (int i = 0; i < la; i++)
            a[i] = (char)('a' + ((seed = seed * 1103515245u + 12345u) >> 16) % 3);
        for (int i = 0; i < lb; i++)
            b[i] = (char)('a' + ((seed = seed * 1103515245u + 12345u) >> 16) % 3);
        a[la] = b[lb] = '\0';
        for (int max = 0; max <= 3; max++) {
            int full = full_distance(a, b), band = edit_distance_within(a, b, max);
            disagree += full <= max ? band != full : band != max + 1;
        }
    }
    CHECK_INT(disagree, 0);
    /* two 20 KB names: no answer, and no 1.6 GB matrix */
    char *x = malloc(20001), *y = malloc(20001);
    memset(x, 'A', 20000);
    memset(y, 'A', 20000);
    x[20000] = y[20000] = '\0';
    y[19999] = 'B';
    CHECK_INT(edit_distance_within(x, y, 3), 4);
    const char *cands[] = {x};
    CHECK(closest(y, cands, 1) == NULL);
    free(x);
    free(y);
}

/* did_you_mean() is the one suffix every suggestion is written with. */
static void did_you_mean_is_a_suffix_or_nothing(void)
{
    Ctx *ctx = ctx_new();
    const char *cands[] = {"counters", "settings"};
    const char *g = "x";
    CHECK_STR(did_you_mean(ctx, "countres", cands, 2, &g),
              "; did you mean 'counters'?");
    CHECK_STR(g, "counters");
    CHECK_STR(did_you_mean(ctx, "zebra", cands, 2, &g), "");
    CHECK(g == NULL);
    ctx_free(ctx);
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
    static char replaced[] = "replaced";
    strmap_put(A, &m, "k7", replaced);
    CHECK_STR(strmap_get(&m, "k7"), "replaced");
    CHECK_INT(m.len, 2000);
}

int main(void)
{
    A = arena_new();
    RUN(pascal_case_is_the_one_logical_id_rule);
    RUN(long_logical_ids_are_cut_with_a_hash);
    RUN(names_fold_to_their_collision_key);
    RUN(names_follow_the_language);
    RUN(suggestions_are_close_and_deterministic);
    RUN(the_banded_distance_agrees_with_the_full_one);
    RUN(did_you_mean_is_a_suffix_or_nothing);
    RUN(the_map_finds_what_was_put);
    arena_free(A);
    return check_summary();
}
