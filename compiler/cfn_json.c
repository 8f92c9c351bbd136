/*
 * cfn_json.c: the CloudFormation tree as JSON text.
 *
 * In: a CfnNode.  Out: malloc'd text, the same bytes for the same tree.
 * Holds: cfn_json prints every golden template byte for byte as its file
 * holds it (tests/unit/test_cfn.c reads each and prints it back):
 * two-space indents, ": " after keys, an
 * array or object of scalars only that fits in 72 columns on one line
 * below the top level, strings escaped only where JSON must (", \ and
 * control characters; UTF-8 passes through, a byte that is not UTF-8
 * becomes U+FFFD).  The printer recurses, once
 * per level: trees are at most CFN_MAX_DEPTH deep (the reader refuses
 * deeper ones; the emitter makes shallow ones).  Text goes into the
 * buffer in runs (a string's plain bytes, an indent), never a byte a call.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfn.h"

/* The escape of a byte below 0x80 that JSON must escape, or NULL. */
static const char *ascii_escape(unsigned char c, char tmp[8])
{
    switch (c) {
    case '"': return "\\\"";
    case '\\': return "\\\\";
    case '\n': return "\\n";
    case '\r': return "\\r";
    case '\t': return "\\t";
    case '\b': return "\\b";
    case '\f': return "\\f";
    default:
        if (c >= 0x20)
            return NULL;
        snprintf(tmp, 8, "\\u%04x", c);
        return tmp;
    }
}

/* A string as JSON; a byte that is not UTF-8 (a file name, say, in a
 * diagnostic) becomes U+FFFD, so the text is always valid JSON.  Bytes
 * that pass through go out in runs, one buf_add per run: the printer is
 * most of the time of a large build. */
static void put_string(Buf *b, const char *s)
{
    buf_add(b, "\"", 1);
    const unsigned char *p = (const unsigned char *)s;
    const unsigned char *end = p + strlen(s), *run = p;
    char tmp[8];
    while (p < end) {
        int n = *p < 0x80 ? 1 : utf8_len(p, end);
        const char *esc = n == 0 ? "\\ufffd" : n == 1 ? ascii_escape(*p, tmp) : NULL;
        if (!esc) {
            p += n;
            continue;
        }
        buf_add(b, (const char *)run, (size_t)(p - run));
        buf_puts(b, esc);
        run = ++p;
    }
    buf_add(b, (const char *)run, (size_t)(p - run));
    buf_add(b, "\"", 1);
}

/* depth levels of two-space indent, in one call. */
static void put_indent(Buf *b, int depth)
{
    static const char spaces[] = "                                ";
    size_t n = 2 * (size_t)depth;
    for (; n > sizeof spaces - 1; n -= sizeof spaces - 1)
        buf_add(b, spaces, sizeof spaces - 1);
    buf_add(b, spaces, n);
}

static bool is_container(const CfnNode *n)
{
    return n->kind == CFN_ARRAY || n->kind == CFN_OBJECT;
}

/* The i-th member of a container, and its key (NULL in an array). */
static const CfnNode *member(const CfnNode *n, int i, const char **key)
{
    if (n->kind == CFN_OBJECT) {
        *key = n->pairs[i].key;
        return n->pairs[i].value;
    }
    *key = NULL;
    return n->items[i];
}

static void put_scalar(Buf *b, const CfnNode *n)
{
    switch (n->kind) {
    case CFN_NULL: buf_puts(b, "null"); break;
    case CFN_BOOL: buf_puts(b, n->boolean ? "true" : "false"); break;
    case CFN_NUMBER: buf_puts(b, n->text); break;
    case CFN_STRING: put_string(b, n->text); break;
    case CFN_ARRAY: case CFN_OBJECT: break;
    }
}

/* One line: ["REGIONAL"], { "Ref": "Stage" }; false when a member is a
 * container or the line is longer than 72 bytes. */
static bool put_inline(Buf *b, const CfnNode *n)
{
    bool obj = n->kind == CFN_OBJECT;
    for (int i = 0; i < n->len; i++) {
        const char *key;
        if (is_container(member(n, i, &key)))
            return false;
    }
    Buf line = {0};
    buf_puts(&line, obj ? "{ " : "[");
    for (int i = 0; i < n->len; i++) {
        const char *key;
        const CfnNode *c = member(n, i, &key);
        if (key) {
            put_string(&line, key);
            buf_puts(&line, ": ");
        }
        put_scalar(&line, c);
        if (i + 1 < n->len)
            buf_puts(&line, ", ");
    }
    buf_puts(&line, obj ? " }" : "]");
    bool fits = line.len <= 72;
    if (fits)
        buf_add(b, line.data, line.len);
    buf_free(&line);
    return fits;
}

static void put_pretty(Buf *b, const CfnNode *n, int depth)
{
    if (!is_container(n)) {
        put_scalar(b, n);
        return;
    }
    bool obj = n->kind == CFN_OBJECT;
    if (n->len == 0) {
        buf_puts(b, obj ? "{}" : "[]");
        return;
    }
    if (depth > 0 && put_inline(b, n))
        return;
    buf_puts(b, obj ? "{\n" : "[\n");
    for (int i = 0; i < n->len; i++) {
        const char *key;
        const CfnNode *c = member(n, i, &key);
        put_indent(b, depth + 1);
        if (key) {
            put_string(b, key);
            buf_puts(b, ": ");
        }
        put_pretty(b, c, depth + 1);
        buf_puts(b, i + 1 < n->len ? ",\n" : "\n");
    }
    put_indent(b, depth);
    buf_puts(b, obj ? "}" : "]");
}

static void put_compact(Buf *b, const CfnNode *n)
{
    if (!is_container(n)) {
        put_scalar(b, n);
        return;
    }
    bool obj = n->kind == CFN_OBJECT;
    buf_puts(b, obj ? "{" : "[");
    for (int i = 0; i < n->len; i++) {
        const char *key;
        const CfnNode *c = member(n, i, &key);
        if (key) {
            put_string(b, key);
            buf_puts(b, ":");
        }
        put_compact(b, c);
        if (i + 1 < n->len)
            buf_puts(b, ",");
    }
    buf_puts(b, obj ? "}" : "]");
}

char *cfn_json(const CfnNode *n)
{
    Buf b = {0};
    buf_add(&b, "", 0);
    put_pretty(&b, n, 0);
    return b.data;
}

char *cfn_json_compact(const CfnNode *n)
{
    Buf b = {0};
    buf_add(&b, "", 0);
    put_compact(&b, n);
    return b.data;
}
