/*
 * schedule.c: when an EventBridge schedule fires next, for `hitc serve`'s
 * list of schedules.
 *
 * In: an expression as kinds/trigger.c accepted it: "rate(5 minutes)" or
 * "cron(MIN HOUR DAY-OF-MONTH MONTH DAY-OF-WEEK YEAR)" with EventBridge's
 * forms (* , - / ? and the day fields' L, W and #), always in UTC.
 * Out: the next minute after now when a cron fires, or for a rate its
 * period (a rate fires first one period after its rule is made).
 * Holds: days are walked one by one, at most SCAN_DAYS of them, and only a
 * matching day has its hours and minutes looked at.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "local.h"

#define SCAN_DAYS (366 * 5)

static const char *const months[] = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                     "JUL", "AUG", "SEP", "OCT", "NOV", "DEC", NULL};
static const char *const days[] = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT",
                                   NULL};

/* A number or a name (names[i] is lo + i); -1 when neither. */
static int value(const char *s, size_t n, const char *const *names, int lo)
{
    if (n == 3 && names)
        for (int i = 0; names[i]; i++)
            if (strncasecmp(s, names[i], 3) == 0)
                return lo + i;
    if (n == 0 || n > 4)
        return -1;
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

/* One comma-separated element of a plain field into set[lo..hi]. */
static bool element(const char *s, size_t n, int lo, int hi,
                    const char *const *names, bool *set)
{
    int step = 1, a = lo, b = hi;
    const char *slash = memchr(s, '/', n);
    size_t head = slash ? (size_t)(slash - s) : n;
    if (slash && (step = value(slash + 1, n - head - 1, NULL, 0)) < 1)
        return false;
    if (!(head == 1 && (s[0] == '*' || s[0] == '?'))) {
        const char *dash = memchr(s, '-', head);
        a = value(s, dash ? (size_t)(dash - s) : head, names, lo);
        b = dash ? value(dash + 1, head - (size_t)(dash - s) - 1, names, lo)
                 : (slash ? hi : a);
        if (a < lo || b > hi || a < 0 || b < 0)
            return false;
    }
    if (a <= b) {
        for (int v = a; v <= b; v += step)
            set[v] = true;
    } else {                    /* a wrapping range: FRI-MON */
        for (int v = a, k = 0; k <= hi - lo; k++, v = v == hi ? lo : v + 1)
            if ((k % step) == 0 && (set[v] = true, v == b))
                break;
    }
    return true;
}

static bool field(const char *s, size_t n, int lo, int hi,
                  const char *const *names, bool *set)
{
    for (size_t i = 0; i < n;) {
        size_t k = i;
        while (k < n && s[k] != ',')
            k++;
        if (!element(s + i, k - i, lo, hi, names, set))
            return false;
        i = k + 1;
    }
    return true;
}

static int days_in(int year, int month)
{
    static const int len[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return month == 2 && leap ? 29 : len[month - 1];
}

/* 0 Sunday ... 6 Saturday */
static int weekday(int year, int month, int day)
{
    struct tm t = {.tm_year = year - 1900, .tm_mon = month - 1, .tm_mday = day,
                   .tm_hour = 12};
    time_t x = timegm(&t);
    struct tm u;
    gmtime_r(&x, &u);
    return u.tm_wday;
}

/* The day-of-month field: '?', L, LW, NW, or a plain field. */
static bool dom_matches(const char *s, size_t n, int y, int m, int d)
{
    if (n == 1 && (s[0] == '?' || s[0] == '*'))
        return true;
    int last = days_in(y, m);
    if (n == 1 && s[0] == 'L')
        return d == last;
    if (n >= 2 && s[n - 1] == 'W') {
        int want = n == 2 && s[0] == 'L' ? last : value(s, n - 1, NULL, 0);
        if (want < 1 || want > last)
            return false;
        int wd = weekday(y, m, want), at = want;
        if (wd == 6)
            at = want == 1 ? 3 : want - 1;          /* Saturday */
        else if (wd == 0)
            at = want == last ? want - 2 : want + 1;   /* Sunday */
        return d == at;
    }
    bool set[32] = {0};
    return field(s, n, 1, 31, NULL, set) && set[d];
}

/* The day-of-week field: '?', L, dL, d#k, or a plain field (1 = SUN). */
static bool dow_matches(const char *s, size_t n, int y, int m, int d)
{
    if (n == 1 && (s[0] == '?' || s[0] == '*'))
        return true;
    int wd = weekday(y, m, d) + 1;
    if (n == 1 && s[0] == 'L')
        return wd == 7;
    const char *hash = memchr(s, '#', n);
    if (hash) {
        int want = value(s, (size_t)(hash - s), days, 1);
        int k = value(hash + 1, n - (size_t)(hash - s) - 1, NULL, 0);
        return wd == want && (d - 1) / 7 + 1 == k;
    }
    if (n >= 2 && s[n - 1] == 'L') {
        int want = value(s, n - 1, days, 1);
        return wd == want && d + 7 > days_in(y, m);
    }
    bool set[8] = {0};
    return field(s, n, 1, 7, days, set) && set[wd];
}

static long long next_cron(const char *body, long long now)
{
    const char *f[6];
    size_t len[6];
    int k = 0;
    for (const char *p = body; *p && *p != ')' && k < 6;) {
        while (*p == ' ')
            p++;
        f[k] = p;
        len[k] = strcspn(p, " )");
        p += len[k];
        k++;
    }
    bool mins[60] = {0}, hours[24] = {0}, mons[13] = {0}, years[2200] = {0};
    if (k != 6 || !field(f[0], len[0], 0, 59, NULL, mins) ||
        !field(f[1], len[1], 0, 23, NULL, hours) ||
        !field(f[3], len[3], 1, 12, months, mons) ||
        !field(f[5], len[5], 1970, 2199, NULL, years))
        return -1;
    time_t t = (time_t)(now - now % 60 + 60);
    struct tm start;
    gmtime_r(&t, &start);
    for (int i = 0; i < SCAN_DAYS; i++) {
        struct tm day = {.tm_year = start.tm_year, .tm_mon = start.tm_mon,
                         .tm_mday = start.tm_mday + i};
        time_t midnight = timegm(&day);
        struct tm u;
        gmtime_r(&midnight, &u);
        int y = u.tm_year + 1900, m = u.tm_mon + 1, d = u.tm_mday;
        if (y > 2199 || !years[y] || !mons[m] || !dom_matches(f[2], len[2], y, m, d) ||
            !dow_matches(f[4], len[4], y, m, d))
            continue;
        for (int h = 0; h < 24; h++)
            for (int mi = 0; hours[h] && mi < 60; mi++)
                if (mins[mi] && (long long)midnight + h * 3600 + mi * 60 >= (long long)t)
                    return (long long)midnight + h * 3600 + mi * 60;
    }
    return -1;
}

long long schedule_next(const char *expr, long long now, long long *period)
{
    *period = 0;
    if (strncmp(expr, "cron(", 5) == 0)
        return next_cron(expr + 5, now);
    if (strncmp(expr, "rate(", 5) == 0) {
        long long v = atoll(expr + 5);
        const char *unit = strchr(expr, ' ');
        if (unit && strncmp(unit + 1, "minute", 6) == 0)
            *period = v * 60;
        else if (unit && strncmp(unit + 1, "hour", 4) == 0)
            *period = v * 3600;
        else if (unit && strncmp(unit + 1, "day", 3) == 0)
            *period = v * 86400;
    }
    return -1;
}
