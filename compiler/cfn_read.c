/*
 * cfn_read.c: a YAML or JSON template to a located CloudFormation tree.
 *
 * In: a Source.  Out: a CfnNode whose every node and key has the Loc of
 * its text, or NULL with the errors reported.
 *
 * Two front ends feed one tree builder the same events (open a mapping or
 * a sequence, a scalar, close):
 *
 *   - A text whose first non-blank character is '{' or '[' is JSON, read
 *     strictly (RFC 8259) by a small scanner (cfn_read_json.c).  libyaml is a YAML 1.1
 *     parser (0.2.5 here), and JSON is not quite YAML 1.1: libyaml
 *     refuses the surrogate pairs of JSON strings ("\ud83d\ude00" is one
 *     character, U+1F600) and keys longer than 1024 characters (a YAML
 *     simple key), and it takes what JSON refuses: 'single quotes', plain
 *     words (yes, .inf), comments, trailing commas in flow collections.
 *     So JSON never goes through it; "\/" and tabs are fine either way.
 *   - Anything else is YAML, through libyaml's event API.
 *
 * Scalar typing, as CloudFormation (a YAML 1.1 reader) types a template:
 * a quoted or block scalar is a string; a plain one is null (empty, ~,
 * null, Null, NULL), a boolean (true/false in three cases, and the YAML
 * 1.1 words yes/no/on/off, which earn a warning because they look like
 * strings), a number when it is spelled as a JSON number (kept as
 * written: 1e3 stays 1e3), and a string otherwise (2010-09-09 included:
 * CloudFormation takes no timestamps).  A plain YAML 1.1 number that JSON
 * cannot spell (0777, which is 511 to YAML 1.1 and 777 to YAML 1.2;
 * 0x1F, 1_000, .5, +1, 1:30, .inf) is an error: write it in decimal or
 * quote it.  Keys are strings as written.
 *
 * Short tags become long forms: !Ref x -> {"Ref": "x"}, !Condition c ->
 * {"Condition": "c"}, !GetAtt a.b -> {"Fn::GetAtt": ["a", "b"]} (split at
 * the first dot), every other !X -> {"Fn::X": ...}.  An unknown tag is an
 * error.  Aliases are errors (CloudFormation refuses them: "YAML aliases
 * are not allowed"); anchors alone are harmless and ignored.
 *
 * Holds: no recursion (the builder keeps an explicit stack, and refuses
 * nesting past CFN_MAX_DEPTH); files past CFN_MAX_READ are refused before
 * parsing; a duplicate key is an error at the second with a note at the
 * first.  libyaml's marks count lines from 0 and columns in characters;
 * mark_off turns them into byte offsets of the Source, whose lines end at
 * '\n' (a file that breaks lines with a lone CR, NEL, LS or PS, which
 * YAML 1.1 also counts, gets places that are in the file but off).
 */
#include <string.h>

#include <yaml.h>

#include "cfn.h"
#include "cfn_reader.h"

/* ---- YAML, through libyaml ------------------------------------------- */

/* libyaml marks count lines from 0 and columns in characters. */
static size_t mark_off(Reader *R, yaml_mark_t m)
{
    const Source *s = R->src;
    if (m.line >= (size_t)s->nlines)
        return s->len;
    size_t off = s->line_starts[m.line], c = 0;
    if (m.line == 0 && s->len >= 3 && memcmp(s->text, "\xEF\xBB\xBF", 3) == 0)
        off = 3;
    if (m.line == R->mark_line && m.column >= R->mark_col && R->mark_off) {
        off = R->mark_off;
        c = R->mark_col;
    }
    for (; c < m.column && off < s->len && s->text[off] != '\n'; c++) {
        off++;
        while (off < s->len && ((unsigned char)s->text[off] & 0xC0) == 0x80)
            off++;
    }
    R->mark_line = m.line;
    R->mark_col = c;
    R->mark_off = off;
    return off;
}

static Loc mark_loc(Reader *R, yaml_mark_t start, yaml_mark_t end)
{
    size_t a = mark_off(R, start), b = mark_off(R, end);
    return reader_loc(R->src, a, b > a ? b - a : 1);
}

static void yaml_failed(Reader *R, yaml_parser_t *p)
{
    Loc at = p->error == YAML_READER_ERROR
                 ? reader_loc(R->src, p->problem_offset, 1)
                 : mark_loc(R, p->problem_mark, p->problem_mark);
    Diag *d = diag(R->ctx, D_CFN_SYNTAX, at, "bad YAML: %s",
                   p->problem ? p->problem : "cannot parse");
    if (p->context && p->error != YAML_READER_ERROR)
        note(R->ctx, d, mark_loc(R, p->context_mark, p->context_mark),
             "%s", p->context);
}

/* Where a tagged scalar's own text starts: after the tag and blanks. */
static Loc scalar_text_loc(const Source *s, Loc node)
{
    size_t end = node.off + node.len, p = node.off;
    if (p >= s->len || s->text[p] != '!')
        return node;
    while (p < end && s->text[p] != ' ' && s->text[p] != '\t' &&
           s->text[p] != '\n')
        p++;
    while (p < end && (s->text[p] == ' ' || s->text[p] == '\t' ||
                       s->text[p] == '\n' || s->text[p] == '\r'))
        p++;
    return p < end ? reader_loc(s, p, end - p) : reader_loc(s, node.off, node.len);
}

static void read_yaml(Reader *R)
{
    yaml_parser_t p;
    if (!yaml_parser_initialize(&p))
        out_of_memory();        /* libyaml's only reason to fail here */
    yaml_parser_set_encoding(&p, YAML_UTF8_ENCODING);
    yaml_parser_set_input_string(&p, (const unsigned char *)R->src->text,
                                 R->src->len);
    int docs = 0;
    for (bool done = false; !done && !R->stop;) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&p, &ev)) {
            yaml_failed(R, &p);
            break;
        }
        Loc at = mark_loc(R, ev.start_mark, ev.end_mark);
        switch (ev.type) {
        case YAML_STREAM_END_EVENT:
            done = true;
            break;
        case YAML_DOCUMENT_START_EVENT:
            if (++docs > 1) {
                diag(R->ctx, D_CFN_UNSUPPORTED, at,
                     "a second YAML document; a template is one document");
                R->stop = true;
            }
            break;
        case YAML_ALIAS_EVENT:
            diag(R->ctx, D_CFN_ALIAS, at,
                 "YAML alias '*%s'; CloudFormation does not take aliases, "
                 "so write the value out", (const char *)ev.data.alias.anchor);
            R->stop = true;
            break;
        case YAML_SCALAR_EVENT: {
            const char *tag = (const char *)ev.data.scalar.tag;
            reader_scalar(R, at, tag ? scalar_text_loc(R->src, at) : at, tag,
                      (const char *)ev.data.scalar.value,
                      ev.data.scalar.length,
                      ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE);
            break;
        }
        case YAML_SEQUENCE_START_EVENT:
            reader_open(R, at, (const char *)ev.data.sequence_start.tag, false);
            break;
        case YAML_MAPPING_START_EVENT:
            reader_open(R, at, (const char *)ev.data.mapping_start.tag, true);
            break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
            reader_close(R);
            break;
        default:
            break;
        }
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&p);
}

/* ---- the entry ------------------------------------------------------- */

static CfnNode *read_any(Ctx *ctx, const Source *src, bool keep)
{
    if (src->len > CFN_MAX_READ) {
        diag(ctx, D_CFN_TOO_LARGE, reader_loc(src, 0, 0),
             "the template is %zu bytes; hitc reads templates up to %u bytes",
             src->len, CFN_MAX_READ);
        return NULL;
    }
    Reader *R = arena_alloc(ctx->arena, sizeof *R);
    R->ctx = ctx;
    R->src = src;
    int errors = ctx->nerrors;
    size_t i = 0;
    if (src->len >= 3 && memcmp(src->text, "\xEF\xBB\xBF", 3) == 0)
        i = 3;
    i += strspn(src->text + i, " \t\n\r");
    if (i < src->len && (src->text[i] == '{' || src->text[i] == '['))
        reader_json(R, i);
    else
        read_yaml(R);
    if (!R->stop && !R->root && ctx->nerrors == errors)
        diag(ctx, D_CFN_SYNTAX, reader_loc(src, 0, 0), "the template is empty");
    if (ctx->nerrors > errors && (!keep || R->stop))
        return NULL;
    return R->root;
}

CfnNode *cfn_read(Ctx *ctx, const Source *src)
{
    return read_any(ctx, src, false);
}

CfnNode *cfn_read_recover(Ctx *ctx, const Source *src)
{
    return read_any(ctx, src, true);
}
