/*
 * cfn_reader.c: the tree builder of the template reader (cfn_reader.h),
 * fed by its two front ends, libyaml's events (cfn_read.c) and the JSON
 * scanner (cfn_read_json.c).
 *
 * In: open, scalar, close, in order, each with its place and tag.  Out:
 * R->root, every node and key located; errors at the place (a duplicate
 * key with a note at the first, nesting past CFN_MAX_DEPTH, an unknown
 * tag, a plain scalar YAML 1.1 and JSON read differently).
 * Holds: no recursion (an explicit stack of Frames); a plain scalar is
 * typed as CloudFormation types it, and a short tag becomes its long form
 * (cfn_read.c's opening says how).
 */
#include <string.h>

#include "cfn.h"
#include "cfn_reader.h"

/* The short forms: every intrinsic and condition function with one, and
 * the Rules section's functions.  Fn::ForEach has none (its key carries
 * the loop's name). */
static const char *const short_tags[][2] = {
    {"!Ref", "Ref"},
    {"!Condition", "Condition"},
    {"!And", "Fn::And"},
    {"!Base64", "Fn::Base64"},
    {"!Cidr", "Fn::Cidr"},
    {"!Contains", "Fn::Contains"},
    {"!EachMemberEquals", "Fn::EachMemberEquals"},
    {"!EachMemberIn", "Fn::EachMemberIn"},
    {"!Equals", "Fn::Equals"},
    {"!FindInMap", "Fn::FindInMap"},
    {"!GetAtt", "Fn::GetAtt"},
    {"!GetAZs", "Fn::GetAZs"},
    {"!GetStackOutput", "Fn::GetStackOutput"},
    {"!If", "Fn::If"},
    {"!ImportValue", "Fn::ImportValue"},
    {"!Join", "Fn::Join"},
    {"!Length", "Fn::Length"},
    {"!Not", "Fn::Not"},
    {"!Or", "Fn::Or"},
    {"!RefAll", "Fn::RefAll"},
    {"!Select", "Fn::Select"},
    {"!Split", "Fn::Split"},
    {"!Sub", "Fn::Sub"},
    {"!ToJsonString", "Fn::ToJsonString"},
    {"!Transform", "Fn::Transform"},
    {"!ValueOf", "Fn::ValueOf"},
    {"!ValueOfAll", "Fn::ValueOfAll"},
};
#define NSHORT ((int)(sizeof short_tags / sizeof short_tags[0]))

#define TAG_STR "tag:yaml.org,2002:str"
#define TAG_MAP "tag:yaml.org,2002:map"
#define TAG_SEQ "tag:yaml.org,2002:seq"


/* ---- the tree builder ------------------------------------------------ */

/* A place, kept inside the text (a place at its end has length 0). */
Loc reader_loc(const Source *s, size_t off, size_t len)
{
    if (off > s->len)
        off = s->len;
    if (len > s->len - off)
        len = s->len - off;
    Loc l = {s, (uint32_t)off, (uint32_t)len};
    return l;
}

/* The source token at loc (a tag as written: "!GetAtt"). */
static Loc token_at(Loc at)
{
    const char *t = at.src->text;
    size_t end = at.off;
    while (end < at.src->len && t[end] != ' ' && t[end] != '\t' && t[end] != '\n' &&
           t[end] != '\r')
        end++;
    return reader_loc(at.src, at.off, end > at.off ? end - at.off : 1);
}

bool reader_json_number(const char *s)
{
    if (*s == '-')
        s++;
    if (*s == '0')
        s++;
    else if (*s >= '1' && *s <= '9')
        s += strspn(s, "0123456789");
    else
        return false;
    if (*s == '.') {
        s++;
        size_t n = strspn(s, "0123456789");
        if (!n)
            return false;
        s += n;
    }
    if (*s == 'e' || *s == 'E') {
        s++;
        if (*s == '+' || *s == '-')
            s++;
        size_t n = strspn(s, "0123456789");
        if (!n)
            return false;
        s += n;
    }
    return *s == '\0';
}

/* A number to YAML 1.1 that is not a JSON number: +1, 0777, 0x1F, 0b101,
 * 1_000, 1:30, .5, 1., .inf, .nan. */
static bool yaml11_number(const char *s)
{
    if (*s == '+' || *s == '-')
        s++;
    static const char *const specials[] = {".inf", ".Inf", ".INF", ".nan",
                                           ".NaN", ".NAN"};
    for (int i = 0; i < 6; i++)
        if (strcmp(s, specials[i]) == 0)
            return true;
    if (s[0] == '0' && (s[1] == 'b' || s[1] == 'x')) {
        const char *digits = s[1] == 'b' ? "01_" : "0123456789abcdefABCDEF_";
        return s[2] && strspn(s + 2, digits) == strlen(s + 2);
    }
    /* 0 then digits with an 8 or 9 is neither octal nor decimal to YAML
     * 1.1, so a string (an AWS account ID such as 054676820928). */
    size_t nd = strspn(s, "0123456789_");
    if (s[0] == '0' && nd > 1 && s[nd] == '\0' && strpbrk(s, "89"))
        return false;
    bool lead = s[0] >= '0' && s[0] <= '9';
    if (!lead && !(s[0] == '.' && s[1] >= '0' && s[1] <= '9'))
        return false;
    const char *p = s + strspn(s, "0123456789_:");
    if (*p == '.')
        p += 1 + strspn(p + 1, "0123456789_");
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-')
            p++;
        if (!(*p >= '0' && *p <= '9'))
            return false;
        p += strspn(p, "0123456789");
    }
    return *p == '\0';
}

static bool one_of(const char *s, const char *const *words, int n)
{
    for (int i = 0; i < n; i++)
        if (strcmp(s, words[i]) == 0)
            return true;
    return false;
}

static const char *const null_words[] = {"", "~", "null", "Null", "NULL"};
static const char *const true_words[] = {"true", "True", "TRUE"};
static const char *const false_words[] = {"false", "False", "FALSE"};
static const char *const yes_words[] = {"yes", "Yes", "YES", "on", "On", "ON"};
static const char *const no_words[] = {"no", "No", "NO", "off", "Off", "OFF"};

/* A scalar's node, typed as the file comment says. */
static CfnNode *scalar_node(Reader *R, Loc loc, const char *text, bool plain)
{
    Arena *a = R->ctx->arena;
    if (!plain)
        return cfn_str(a, loc, text);
    if (one_of(text, null_words, 5))
        return cfn_null(a, loc);
    if (one_of(text, true_words, 3))
        return cfn_bool(a, loc, true);
    if (one_of(text, false_words, 3))
        return cfn_bool(a, loc, false);
    bool yes = one_of(text, yes_words, 6);
    if (yes || one_of(text, no_words, 6)) {
        diag(R->ctx, D_CFN_YAML_BOOL, loc,
             "plain '%s' is the boolean %s to CloudFormation (YAML 1.1); "
             "quote it if you mean the string, or write %s",
             text, yes ? "true" : "false", yes ? "true" : "false");
        return cfn_bool(a, loc, yes);
    }
    if (reader_json_number(text))
        return cfn_num_text(a, loc, text);
    if (yaml11_number(text))
        diag(R->ctx, D_CFN_AMBIGUOUS_NUMBER, loc,
             "'%s' is a number to YAML 1.1 that JSON cannot spell; write it "
             "in decimal, or quote it to keep the string", text);
    return cfn_str(a, loc, text);
}

/* Which long form a tag stands for: *fn is its key (NULL for no wrapping:
 * the YAML core tags); *as_str when a scalar must stay a string.  Reports
 * and returns false for a tag CloudFormation does not take. */
static bool resolve_tag(Reader *R, const char *tag, Loc at, bool scalar,
                        bool map, const char **fn, bool *as_str)
{
    *fn = NULL;
    *as_str = false;
    if (!tag)
        return true;
    if (strcmp(tag, "!") == 0 || strcmp(tag, TAG_STR) == 0) {
        *as_str = true;
        if (scalar)
            return true;
    } else if (strcmp(tag, TAG_MAP) == 0 || strcmp(tag, TAG_SEQ) == 0) {
        if (!scalar && map == (strcmp(tag, TAG_MAP) == 0))
            return true;
    } else {
        for (int i = 0; i < NSHORT; i++)
            if (strcmp(tag, short_tags[i][0]) == 0) {
                *fn = short_tags[i][1];
                return true;
            }
    }
    Loc tl = token_at(at);
    if (strcmp(tag, "!ForEach") == 0) {
        diag(R->ctx, D_CFN_BAD_TAG, tl,
             "'Fn::ForEach' has no short form; write the key "
             "'Fn::ForEach::NAME'");
        return false;
    }
    if (tag[0] == '!') {
        const char *cands[NSHORT];
        for (int i = 0; i < NSHORT; i++)
            cands[i] = short_tags[i][0];
        const char *dym = did_you_mean(R->ctx, tag, cands, NSHORT, NULL);
        Diag *d = diag(R->ctx, D_CFN_BAD_TAG, tl, "unknown tag '%s'%s", tag,
                       dym);
        if (!dym[0])
            note(R->ctx, d, tl, "CloudFormation's short forms are !Ref, "
                 "!GetAtt, !Sub, !If, ... (one per intrinsic function)");
        return false;
    }
    diag(R->ctx, D_CFN_BAD_TAG, tl,
         "the YAML tag '%s' is not one CloudFormation takes here", tag);
    return false;
}

/* {"Fn::X": v}; !GetAtt "a.b" becomes ["a", "b"]. */
static CfnNode *wrap(Reader *R, const char *fn, Loc tag_loc, Loc node_loc,
                     CfnNode *v)
{
    Arena *a = R->ctx->arena;
    if (strcmp(fn, "Fn::GetAtt") == 0 && v->kind == CFN_STRING) {
        const char *dot = strchr(v->text, '.');
        if (!dot || dot == v->text || !dot[1]) {
            diag(R->ctx, D_CFN_BAD_TAG, v->loc,
                 "'!GetAtt %s' names no attribute; write !GetAtt "
                 "RESOURCE.ATTRIBUTE", v->text);
        } else {
            CfnNode *arr = cfn_arr(a, v->loc);
            size_t n = (size_t)(dot - v->text);
            Loc l1 = v->loc, l2 = v->loc;
            if (v->loc.len == strlen(v->text)) {   /* plain: spans match */
                l1.len = (uint32_t)n;
                l2.off += (uint32_t)n + 1;
                l2.len -= (uint32_t)n + 1;
            }
            CfnNode *res = cfn_str(a, l1, "");
            res->text = arena_strndup(a, v->text, n);
            cfn_arr_push(a, arr, res);
            cfn_arr_push(a, arr, cfn_str(a, l2, dot + 1));
            v = arr;
        }
    }
    CfnNode *o = cfn_obj(a, node_loc);
    cfn_obj_set(a, o, fn, tag_loc, v);
    return o;
}

/* A finished value goes to its parent (or becomes the root). */
static void add_value(Reader *R, CfnNode *v)
{
    if (!R->depth) {
        R->root = v;
        return;
    }
    Frame *f = &R->stack[R->depth - 1];
    if (f->node->kind == CFN_ARRAY) {
        cfn_arr_push(R->ctx->arena, f->node, v);
        return;
    }
    CfnPair *old = cfn_obj_set(R->ctx->arena, f->node, f->key, f->key_loc, v);
    if (old) {
        Diag *d = diag(R->ctx, D_CFN_DUPLICATE_KEY, f->key_loc,
                       "duplicate key '%s'; a mapping takes each key once",
                       f->key);
        note(R->ctx, d, old->key_loc, "'%s' was first given here", f->key);
    }
    f->key = NULL;
}

static bool wants_key(const Reader *R)
{
    return R->depth && R->stack[R->depth - 1].node->kind == CFN_OBJECT &&
           !R->stack[R->depth - 1].key;
}

/* A scalar of len bytes at loc; for a tagged one, at is where its tag
 * starts and loc the value's own text. */
void reader_scalar(Reader *R, Loc at, Loc loc, const char *tag,
                      const char *text, size_t len, bool plain)
{
    if (memchr(text, '\0', len)) {
        diag(R->ctx, D_CFN_UNSUPPORTED, loc,
             "a NUL character in a string, which CloudFormation cannot take");
        text = "";
        len = 0;
    }
    bool key = wants_key(R);
    const char *fn;
    bool as_str;
    if (!resolve_tag(R, tag, at, true, false, &fn, &as_str))
        fn = NULL;
    if (key) {
        if (fn)
            diag(R->ctx, D_CFN_UNSUPPORTED, token_at(at),
                 "a tag on a mapping key; a key is a plain string");
        if (plain && strcmp(text, "<<") == 0)
            diag(R->ctx, D_CFN_UNSUPPORTED, loc,
                 "a YAML merge key '<<', which CloudFormation does not take; "
                 "write the keys out");
        Frame *f = &R->stack[R->depth - 1];
        f->key = arena_strndup(R->ctx->arena, text, len);
        f->key_loc = loc;
        return;
    }
    char *s = arena_strndup(R->ctx->arena, text, len);
    CfnNode *v = scalar_node(R, loc, s, plain && !as_str);
    if (fn) {
        Loc node_loc = reader_loc(R->src, at.off, loc.off + loc.len - at.off);
        v = wrap(R, fn, token_at(at), node_loc, v);
    }
    add_value(R, v);
}

void reader_open(Reader *R, Loc at, const char *tag, bool map)
{
    if (wants_key(R)) {
        diag(R->ctx, D_CFN_UNSUPPORTED, at,
             "a %s as a mapping key; a key is a plain string",
             map ? "mapping" : "sequence");
        R->stop = true;
        return;
    }
    if (R->depth == CFN_MAX_DEPTH) {
        diag(R->ctx, D_CFN_TOO_DEEP, at,
             "the template nests deeper than %d levels", CFN_MAX_DEPTH);
        R->stop = true;
        return;
    }
    const char *fn;
    bool as_str;
    if (!resolve_tag(R, tag, at, false, map, &fn, &as_str))
        fn = NULL;
    Frame *f = &R->stack[R->depth++];
    memset(f, 0, sizeof *f);
    f->node = map ? cfn_obj(R->ctx->arena, at) : cfn_arr(R->ctx->arena, at);
    f->fn = fn;
    f->tag_loc = fn ? token_at(at) : at;
}

void reader_close(Reader *R)
{
    Frame *f = &R->stack[--R->depth];
    CfnNode *v = f->node;
    if (f->fn)
        v = wrap(R, f->fn, f->tag_loc, v->loc, v);
    add_value(R, v);
}
