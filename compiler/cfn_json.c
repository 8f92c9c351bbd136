/*
 * cfn_json.c: the CloudFormation tree as JSON text.
 *
 * In: a CfnNode.  Out: malloc'd text, the same bytes for the same tree.
 * Holds: cfn_json prints exactly what emit.c's json_render prints for the
 * same template (tests/unit/test_cfn.c reads every golden template and
 * prints it back byte for byte): two-space indents, ": " after keys, an
 * array or object of scalars only that fits in 72 columns on one line
 * below the top level, strings escaped only where JSON must (", \ and
 * control characters; UTF-8 passes through, a byte that is not UTF-8
 * becomes U+FFFD).  The printer recurses, once
 * per level: trees are at most CFN_MAX_DEPTH deep (the reader refuses
 * deeper ones; the emitter makes shallow ones).
 */
#include <stdlib.h>
#include <string.h>

#include "cfn.h"

/* A string as JSON; a byte that is not UTF-8 (a file name, say, in a
 * diagnostic) becomes U+FFFD, so the text is always valid JSON. */
static void put_string(Buf *b, const char *s)
{
    buf_puts(b, "\"");
    const unsigned char *end = (const unsigned char *)s + strlen(s);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        int n = *p < 0x80 ? 1 : utf8_len(p, end);
        if (n == 0) {
            buf_puts(b, "\\ufffd");
            continue;
        }
        if (n > 1) {
            buf_add(b, (const char *)p, (size_t)n);
            p += n - 1;
            continue;
        }
        switch (*p) {
        case '"': buf_puts(b, "\\\""); break;
        case '\\': buf_puts(b, "\\\\"); break;
        case '\n': buf_puts(b, "\\n"); break;
        case '\r': buf_puts(b, "\\r"); break;
        case '\t': buf_puts(b, "\\t"); break;
        case '\b': buf_puts(b, "\\b"); break;
        case '\f': buf_puts(b, "\\f"); break;
        default:
            if (*p < 0x20)
                buf_printf(b, "\\u%04x", *p);
            else
                buf_add(b, (const char *)p, 1);
        }
    }
    buf_puts(b, "\"");
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
        for (int d = 0; d <= depth; d++)
            buf_puts(b, "  ");
        if (key) {
            put_string(b, key);
            buf_puts(b, ": ");
        }
        put_pretty(b, c, depth + 1);
        buf_puts(b, i + 1 < n->len ? ",\n" : "\n");
    }
    for (int d = 0; d < depth; d++)
        buf_puts(b, "  ");
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
