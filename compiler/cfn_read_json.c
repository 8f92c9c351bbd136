/*
 * cfn_read_json.c: a JSON template read strictly (RFC 8259) into the tree
 * builder of cfn_read.c (cfn_reader.h).
 *
 * In: a Source whose first non-blank character is '{' or '['.  Out: the
 * builder's events, or one error (E0601) at the byte where the text stops
 * being JSON, saying what was expected there.
 * Holds: no recursion (a state and the builder's stack); strings are
 * cooked here (escapes, surrogate pairs joined, UTF-8 checked); numbers
 * are kept as written.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cfn_reader.h"

/* ---- JSON ------------------------------------------------------------ */

typedef struct Json {
    Reader *R;
    const char *t;
    size_t i, n;
} Json;

__attribute__((format(printf, 3, 4)))
static void json_error(Json *J, size_t at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = arena_vprintf(J->R->ctx->arena, fmt, ap);
    va_end(ap);
    diag(J->R->ctx, D_CFN_SYNTAX, reader_loc(J->R->src, at, 1), "%s", msg);
    J->R->stop = true;
}

static int hex4(const char *s)
{
    int v = 0;
    for (int k = 0; k < 4; k++) {
        char c = s[k];
        int d = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
        if (d < 0)
            return -1;
        v = v * 16 + d;
    }
    return v;
}

/* The string at J->i (its opening quote), cooked into b; false after
 * reporting an error. */
static bool json_string(Json *J, Buf *b)
{
    size_t start = J->i++;
    const unsigned char *t = (const unsigned char *)J->t;
    buf_add(b, "", 0);
    while (J->i < J->n && t[J->i] != '"') {
        size_t at = J->i;
        unsigned char c = t[at];
        if (c < 0x20) {
            json_error(J, at, "%s", "a control character in a JSON string; "
                                    "write it as an escape (\\n, \\t, \\u0001)");
            return false;
        }
        if (c >= 0x80) {
            int k = utf8_len(t + at, t + J->n);
            if (!k) {
                json_error(J, at, "%s", "the template is not valid UTF-8");
                return false;
            }
            buf_add(b, J->t + at, (size_t)k);
            J->i += (size_t)k;
            continue;
        }
        if (c != '\\') {
            buf_add(b, J->t + at, 1);
            J->i++;
            continue;
        }
        if (at + 1 >= J->n)
            break;
        char ch = J->t[at + 1];
        const char *plain = strchr("\"\\/bfnrt", ch);
        if (ch && plain) {
            static const char cooked[] = "\"\\/\b\f\n\r\t";
            buf_add(b, &cooked[plain - "\"\\/bfnrt"], 1);
            J->i += 2;
            continue;
        }
        if (ch != 'u') {
            char esc[3] = {'\\', ch, 0};
            json_error(J, at, "unknown escape '%s' in a JSON string", esc);
            return false;
        }
        int cp = J->n - at >= 6 ? hex4(J->t + at + 2) : -1;
        if (cp < 0) {
            json_error(J, at, "%s", "'\\u' takes four hex digits");
            return false;
        }
        J->i += 6;
        if (cp >= 0xD800 && cp <= 0xDBFF) {
            int lo = J->n - J->i >= 6 && J->t[J->i] == '\\' &&
                             J->t[J->i + 1] == 'u'
                         ? hex4(J->t + J->i + 2)
                         : -1;
            if (lo < 0xDC00 || lo > 0xDFFF) {
                json_error(J, at, "%s", "a lone UTF-16 surrogate in a JSON "
                                        "string; a high one (\\uD800-\\uDBFF)"
                                        " needs a low one after it");
                return false;
            }
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            J->i += 6;
        } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            json_error(J, at, "%s", "a lone UTF-16 surrogate in a JSON string");
            return false;
        }
        buf_put_utf8(b, (unsigned)cp);
    }
    if (J->i >= J->n) {
        json_error(J, start, "%s", "a JSON string without its closing quote");
        return false;
    }
    J->i++;
    return true;
}

/* Where the JSON scanner is: what may come next. */
typedef enum {
    J_VALUE,        /* a value */
    J_FIRST,        /* after '[': a value or ']' */
    J_KEY_FIRST,    /* after '{': a key or '}' */
    J_KEY,          /* after ',' in an object: a key */
    J_COLON,        /* after a key */
    J_NEXT,         /* after a member: ',' or the closing bracket */
    J_END           /* after the top value: nothing */
} JState;

static const char *const jstate_want[] = {
    "a value", "a value or ']'", "a string key or '}'", "a string key",
    "':'", "',' or a closing bracket", "the end of the file"};

void reader_json(Reader *R, size_t from)
{
    Json J = {R, R->src->text, from, R->src->len};
    JState st = J_VALUE;
    while (!R->stop) {
        J.i += strspn(J.t + J.i, " \t\n\r");
        if (J.i >= J.n) {
            if (st != J_END)
                json_error(&J, J.n, "the JSON ends early; expected %s",
                           jstate_want[st]);
            return;
        }
        char c = J.t[J.i];
        size_t at = J.i;
        bool in_obj = R->depth &&
                      R->stack[R->depth - 1].node->kind == CFN_OBJECT;
        if ((c == '}' && (st == J_KEY_FIRST || (st == J_NEXT && in_obj))) ||
            (c == ']' && (st == J_FIRST || (st == J_NEXT && !in_obj)))) {
            J.i++;
            reader_close(R);
            st = R->depth ? J_NEXT : J_END;
            continue;
        }
        if (st == J_NEXT && c == ',') {
            J.i++;
            st = in_obj ? J_KEY : J_VALUE;
            continue;
        }
        if (st == J_COLON && c == ':') {
            J.i++;
            st = J_VALUE;
            continue;
        }
        bool want_key = st == J_KEY || st == J_KEY_FIRST;
        if (st == J_NEXT || st == J_COLON || st == J_END ||
            (want_key && c != '"') || strchr("]},:", c)) {
            char got[2] = {c, 0};
            const char *want = st != J_NEXT ? jstate_want[st]
                               : in_obj     ? "',' or '}'"
                                            : "',' or ']'";
            diag(R->ctx, D_CFN_SYNTAX, reader_loc(R->src, at, 1),
                 "bad JSON: expected %s, not '%s'", want, got);
            R->stop = true;
            return;
        }
        if (c == '{' || c == '[') {
            J.i++;
            reader_open(R, reader_loc(R->src, at, 1), NULL, c == '{');
            st = c == '{' ? J_KEY_FIRST : J_FIRST;
            continue;
        }
        if (c == '"') {
            Buf b = {0};
            if (json_string(&J, &b)) {
                Loc l = reader_loc(R->src, at, J.i - at);
                reader_scalar(R, l, l, NULL, b.data, b.len, false);
            }
            buf_free(&b);
            st = want_key ? J_COLON : R->depth ? J_NEXT : J_END;
            continue;
        }
        size_t len = strspn(J.t + at, "abcdefghijklmnopqrstuvwxyz"
                                      "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                      "0123456789+-._");
        char *word = arena_strndup(R->ctx->arena, J.t + at, len ? len : 1);
        if (!reader_json_number(word) && strcmp(word, "true") != 0 &&
            strcmp(word, "false") != 0 && strcmp(word, "null") != 0) {
            diag(R->ctx, D_CFN_SYNTAX, reader_loc(R->src, at, len ? len : 1),
                 "bad JSON: '%s' is not a JSON value (a string needs "
                 "double quotes)", word);
            R->stop = true;
            return;
        }
        J.i += len;
        Loc l = reader_loc(R->src, at, len);
        reader_scalar(R, l, l, NULL, word, len, true);
        st = R->depth ? J_NEXT : J_END;
    }
}
