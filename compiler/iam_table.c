/*
 * iam_table.c: lookups in the IAM action table (iam_table.h).
 *
 * In: a service prefix, an action name or pattern.  Out: rows of
 * iam_data.c.  Holds: no state, no allocation; a service by binary search
 * on its prefix, an action by binary search on its case-blind name (the
 * order the generator sorted them in), spelling each name back from its
 * words as it compares.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "iam_table.h"

const IamService *iam_service(const char *name, size_t n)
{
    uint32_t lo = 0, hi = iam_nservices;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        const char *s = iam_services[mid].name;
        int c = strncmp(name, s, n);
        if (c == 0 && s[n] == '\0')
            return &iam_services[mid];
        if (c == 0)
            c = -1;             /* name is a prefix of s: it sorts first */
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

bool iam_action(const IamService *s, uint32_t i, char *buf)
{
    const uint16_t *run = iam_stream + s->base + iam_index[s->first + i];
    unsigned nwords = run[0] & ~IAM_TAKES_RESOURCES;
    size_t len = 0;
    for (unsigned k = 1; k <= nwords; k++) {
        const char *w = iam_words + iam_word_offsets[run[k]];
        size_t wl = strlen(w);
        if (len + wl >= IAM_NAME_MAX)
            break;
        memcpy(buf + len, w, wl);
        len += wl;
    }
    buf[len] = '\0';
    return run[0] & IAM_TAKES_RESOURCES;
}

int iam_find(const IamService *s, const char *name)
{
    char buf[IAM_NAME_MAX];
    uint32_t lo = 0, hi = s->n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        iam_action(s, mid, buf);
        int c = strcasecmp(name, buf);
        if (c == 0)
            return (int)mid;
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return -1;
}

bool iam_glob(const char *p, const char *s)
{
    const char *star = NULL, *retry = NULL;
    while (*s) {
        if (*p == '*') {
            star = ++p;
            retry = s;
        } else if (*p && (*p == '?' ||
                          tolower((unsigned char)*p) == tolower((unsigned char)*s))) {
            p++;
            s++;
        } else if (star) {
            p = star;
            s = ++retry;
        } else {
            return false;
        }
    }
    while (*p == '*')
        p++;
    return !*p;
}
