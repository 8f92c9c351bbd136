/*
 * runtimes.h: the Lambda runtime identifiers hitc knows, with their
 * lifecycle as AWS published it on RUNTIMES_AS_OF.
 *
 * A runtime is current or deprecated as of that date, not as of the day
 * hitc runs, so the same hitc gives the same verdict on every day; the
 * table is refreshed with each release (tests/runtimes checks it against
 * cfn-lint's copy of AWS's lifecycle data).
 */
#ifndef HITC_RUNTIMES_H
#define HITC_RUNTIMES_H

#include <stdbool.h>

typedef struct Ctx Ctx;

#define RUNTIMES_AS_OF "2026-11-23"

typedef struct Runtime {
    const char *id;             /* "python3.12" */
    const char *deprecated;     /* "YYYY-MM-DD" or NULL: none announced */
    const char *create_blocked; /* from when Lambda refuses new functions */
    const char *successor;      /* what to move to */
} Runtime;

/* Every runtime hitc knows, sorted by id. */
extern const Runtime runtimes[];
extern const int nruntimes;

const Runtime *runtime_find(const char *id);
/* Deprecated on or before RUNTIMES_AS_OF. */
bool runtime_is_deprecated(const Runtime *rt);
/* Creating functions refused on or before RUNTIMES_AS_OF. */
bool runtime_create_blocked(const Runtime *rt);
/* The known id closest to id, or NULL when none is a plausible typo. */
const char *runtime_closest(const char *id);
/* did_you_mean() over the runtime IDs: "; did you mean 'x'?" or "". */
const char *runtime_did_you_mean(Ctx *ctx, const char *id);

#endif
