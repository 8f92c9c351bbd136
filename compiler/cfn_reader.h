/*
 * cfn_reader.h: what the reader's tree builder (cfn_reader.c) gives its
 * two front ends, libyaml's events (cfn_read.c) and the JSON scanner
 * (cfn_read_json.c).  Private to those three files.
 *
 * A front end reports what it reads, in order: reader_open (a mapping or
 * a sequence), reader_scalar (a key or a value), reader_close; the builder
 * keeps the stack, checks keys and nesting, and leaves the tree in
 * R->root.  After a fatal error R->stop is set and a front end reads no
 * further.
 */
#ifndef HITC_CFN_READER_H
#define HITC_CFN_READER_H

#include <stdbool.h>
#include <stddef.h>

#include "cfn.h"

/* A mapping or sequence being filled. */
typedef struct Frame {
    CfnNode *node;
    const char *fn;         /* long-form key to wrap it in when it closes */
    Loc tag_loc;
    const char *key;        /* OBJECT: a key read, waiting for its value */
    Loc key_loc;
} Frame;

typedef struct Reader {
    Ctx *ctx;
    const Source *src;
    Frame stack[CFN_MAX_DEPTH];
    int depth;
    CfnNode *root;
    bool stop;              /* a fatal error: read no further */
    /* The last libyaml mark turned into an offset: marks come in order,
     * so the next one on the same line starts from here (a long flow
     * line is then read in linear time, not quadratic). */
    size_t mark_line, mark_col, mark_off;
} Reader;

/* A place, kept inside the text (a place at its end has length 0). */
Loc reader_loc(const Source *s, size_t off, size_t len);
/* Is s spelled as a JSON number? */
bool reader_json_number(const char *s);
/* A scalar: its text (len bytes), where its tag was (at) and where it is
 * (loc), a tag (or NULL); plain: unquoted, so typed (null, bool, number). */
void reader_scalar(Reader *R, Loc at, Loc loc, const char *tag,
                   const char *text, size_t len, bool plain);
/* A mapping (map) or a sequence opens at at, with a tag (or NULL). */
void reader_open(Reader *R, Loc at, const char *tag, bool map);
/* The innermost open one closes. */
void reader_close(Reader *R);

/* cfn_read_json.c: R->src as strict JSON, from byte from on. */
void reader_json(Reader *R, size_t from);

#endif
