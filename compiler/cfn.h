/*
 * cfn.h: hitc's own CloudFormation tree, its JSON printer and its reader.
 *
 * A template is a tree of CfnNode: null, booleans, numbers, strings,
 * arrays and objects, as in JSON.  Every node and every object key carries
 * the Loc it came from: a place in a YAML or JSON template the reader read
 * (cfn_read.c), or the .hit line that made it (the emitter), so a rule that
 * fires on a template can point at a line a person wrote.
 *
 * Ownership: nodes, keys and strings live in the arena given to the
 * constructors (the Ctx's), and go with it; nothing here is freed
 * piecemeal.  The printers return malloc'd text that the caller frees.
 */
#ifndef HITC_CFN_H
#define HITC_CFN_H

#include "hitc.h"

/* Nesting deeper than this is refused by the reader (and never made by
 * the emitter), which is what lets the printer recurse. */
#define CFN_MAX_DEPTH 128
/* A template file larger than this is refused before it is parsed: a bound
 * on memory, well past the 1,000,000 bytes CloudFormation takes. */
#define CFN_MAX_READ (8u * 1024 * 1024)

typedef enum {
    CFN_NULL, CFN_BOOL, CFN_NUMBER, CFN_STRING, CFN_ARRAY, CFN_OBJECT
} CfnKind;

typedef struct CfnNode CfnNode;

/* One member of an object.  key is never NULL and holds no NUL byte. */
typedef struct CfnPair {
    const char *key;
    Loc key_loc;
    CfnNode *value;
} CfnPair;

/*
 * Invariants: an OBJECT's keys are distinct (cfn_obj_set refuses a second
 * one) and keep the order they were set in, which is the order printed.
 * A NUMBER keeps its JSON spelling ("128", "1e3", "-0.5"), so a template
 * read and printed again keeps its numbers byte for byte.  STRING text is
 * valid UTF-8 without NUL bytes.
 */
struct CfnNode {
    CfnKind kind;
    Loc loc;
    bool boolean;           /* BOOL */
    const char *text;       /* STRING: the value; NUMBER: its JSON spelling */
    CfnNode **items;        /* ARRAY */
    CfnPair *pairs;         /* OBJECT, in order */
    int len, cap;           /* ARRAY: items; OBJECT: pairs */
    /* OBJECT: key -> index + 1 into pairs, made once an object has more
     * than CFN_SCAN_MAX pairs, so lookups stay O(1) in big objects (a
     * Resources section) and cost nothing in the many small ones. */
    StrMap *index;
};

#define CFN_SCAN_MAX 8

/* ---- cfn.c: building and looking up --------------------------------- */

CfnNode *cfn_null(Arena *a, Loc loc);
CfnNode *cfn_bool(Arena *a, Loc loc, bool b);
CfnNode *cfn_num(Arena *a, Loc loc, long long n);
/* A number by its spelling; text must be a JSON number (not checked). */
CfnNode *cfn_num_text(Arena *a, Loc loc, const char *text);
CfnNode *cfn_str(Arena *a, Loc loc, const char *s);    /* copies s */
CfnNode *cfn_arr(Arena *a, Loc loc);
CfnNode *cfn_obj(Arena *a, Loc loc);

void cfn_arr_push(Arena *a, CfnNode *arr, CfnNode *item);
/* Append key (copied) with value.  When the object already has the key,
 * nothing changes and the existing pair is returned (the reader reports
 * it as a duplicate; the emitter never sets a key twice); else NULL. */
CfnPair *cfn_obj_set(Arena *a, CfnNode *obj, const char *key, Loc key_loc,
                     CfnNode *value);
CfnPair *cfn_obj_pair(const CfnNode *obj, const char *key);
CfnNode *cfn_obj_get(const CfnNode *obj, const char *key);

/* For the emitter: set key on obj to a new node and return that node.
 * The new node and its key carry obj's Loc, so a resource made at a
 * declaration's Loc passes it to everything inside it. */
CfnNode *cfn_put(Arena *a, CfnNode *obj, const char *key, CfnNode *value);
CfnNode *cfn_put_str(Arena *a, CfnNode *obj, const char *key, const char *s);
CfnNode *cfn_put_num(Arena *a, CfnNode *obj, const char *key, long long n);
CfnNode *cfn_put_bool(Arena *a, CfnNode *obj, const char *key, bool b);
CfnNode *cfn_put_obj(Arena *a, CfnNode *obj, const char *key);
CfnNode *cfn_put_arr(Arena *a, CfnNode *obj, const char *key);
/* An array of n strings, located at loc. */
CfnNode *cfn_strings(Arena *a, Loc loc, int n, ...);

/* Intrinsic functions, in their long (JSON) form, located at loc. */
CfnNode *cfn_ref(Arena *a, Loc loc, const char *logical);
CfnNode *cfn_getatt(Arena *a, Loc loc, const char *logical, const char *attr);
CfnNode *cfn_sub(Arena *a, Loc loc, const char *fmt);
/* Is n an object of one key that is "Ref", "Condition" or "Fn::..."?
 * Returns that key, or NULL. */
const char *cfn_intrinsic_name(const CfnNode *n);

/* ---- cfn_json.c: the printer ----------------------------------------- */

/* The template as hitc writes it: two-space indents; an array or object of
 * scalars only that fits in 72 columns stands on one line (below the top);
 * no trailing newline. */
char *cfn_json(const CfnNode *n);
/* One line, no spaces: for messages and hashing. */
char *cfn_json_compact(const CfnNode *n);

/* ---- cfn_read.c: the reader ------------------------------------------ */

/*
 * A YAML or JSON template to a tree; NULL (with errors reported) when it
 * cannot be read.  A text whose first non-blank character is '{' or '['
 * is read as strict JSON (RFC 8259); anything else as YAML 1.1 through
 * libyaml, typed as CloudFormation types it (see cfn_read.c), with the
 * short tags (!Ref, !GetAtt a.b, !Sub, ...) turned into their long forms.
 */
CfnNode *cfn_read(Ctx *ctx, const Source *src);
/* The same, but when the text was read to its end despite errors that
 * spoil no more than one node (an unknown tag, which is then ignored; a
 * duplicate key, whose second value is dropped; an ambiguous number), the
 * tree is returned too, so that `hitc lint` can go on to report the rest. */
CfnNode *cfn_read_recover(Ctx *ctx, const Source *src);

#endif
