/*
 * iam_check.c: an IAM action of a policy against the action table
 * (iam_table.h), for `allow ACTIONS on RESOURCES` (kinds/function_iam.c) and
 * hitc lint's IAM rule.
 *
 * In: an action as written: "service:Action", with IAM's wildcards '*' and
 * '?' in the action, or "*".  Out: how many actions it names and whether
 * any of them takes resource ARNs (what W0272 and W0715 need: an action
 * that takes only "*" is no reason to name resources), or why it names
 * none, with the closest spelling.  Holds: IAM compares names case-blind,
 * and so does this.
 */
#include <ctype.h>
#include <string.h>

#include "hitc.h"
#include "iam_table.h"

static const char *lower(Arena *a, const char *s, size_t n)
{
    char *t = arena_strndup(a, s, n);
    for (char *p = t; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return t;
}

static const char *unknown_service(Ctx *ctx, const char *svc,
                                   const char *action, bool suggest)
{
    if (!suggest)
        return arena_printf(ctx->arena, "unknown IAM service '%s' in '%s'",
                            svc, action);
    const char **names = arena_alloc(ctx->arena, sizeof *names * iam_nservices);
    for (uint32_t i = 0; i < iam_nservices; i++)
        names[i] = iam_services[i].name;
    return arena_printf(ctx->arena, "unknown IAM service '%s' in '%s'%s", svc,
                        action, did_you_mean(ctx, svc, names,
                                             (int)iam_nservices, NULL));
}

static const char *unknown_action(Ctx *ctx, const IamService *s,
                                  const char *name, const char *action,
                                  bool suggest)
{
    Arena *a = ctx->arena;
    if (!suggest)
        return arena_printf(a, "unknown IAM action '%s'", action);
    /* Only names that could be within closest()'s distance of 3. */
    const char **names = arena_alloc(a, sizeof *names * s->n);
    char buf[IAM_NAME_MAX];
    size_t len = strlen(name);
    int n = 0;
    for (uint32_t i = 0; i < s->n; i++) {
        iam_action(s, i, buf);
        size_t l = strlen(buf);
        if (l + 3 >= len && l <= len + 3)
            names[n++] = arena_printf(a, "%s:%s", s->name, buf);
    }
    const char *full = arena_printf(a, "%s:%s", s->name, name);
    return arena_printf(a, "unknown IAM action '%s'%s", action,
                        did_you_mean(ctx, full, names, n, NULL));
}

IamMatch iam_lookup(Ctx *ctx, const char *action, bool suggest,
                    const char **why)
{
    IamMatch m = {0, true, false};
    *why = NULL;
    if (strcmp(action, "*") == 0) {
        m.matches = 1;
        m.known = true;
        return m;
    }
    const char *colon = strchr(action, ':');
    if (!colon)
        return m;
    const char *svc = lower(ctx->arena, action, (size_t)(colon - action));
    const IamService *s = iam_service(svc, strlen(svc));
    if (!s) {
        *why = unknown_service(ctx, svc, action, suggest);
        return m;
    }
    m.known = true;
    m.takes_resources = false;
    const char *name = colon + 1;
    if (!strpbrk(name, "*?")) {
        int i = iam_find(s, name);
        if (i < 0) {
            *why = unknown_action(ctx, s, name, action, suggest);
            m.takes_resources = true;
            return m;
        }
        char buf[IAM_NAME_MAX];
        m.matches = 1;
        m.takes_resources = iam_action(s, (uint32_t)i, buf);
        return m;
    }
    char buf[IAM_NAME_MAX];
    for (uint32_t i = 0; i < s->n; i++) {
        bool res = iam_action(s, i, buf);
        if (iam_glob(name, buf)) {
            m.matches++;
            m.takes_resources |= res;
        }
    }
    if (m.matches == 0) {
        *why = arena_printf(ctx->arena, "'%s' matches no action of service "
                            "'%s'", action, s->name);
        m.takes_resources = true;
    }
    return m;
}

bool iam_action_is_wildcard(const char *action)
{
    size_t len = strlen(action);
    return strcmp(action, "*") == 0 ||
           (len > 2 && strcmp(action + len - 2, ":*") == 0);
}
