/*
 * fields.c: readers for the fields and items of a declaration, shared by
 * the kinds' check() functions.
 *
 * In: statements of the syntax tree.  Out: the values they hold, or NULL
 * (or -1, or false) after reporting what was wrong.  Holds: each reader
 * reports its own error, so a kind only says what it expected.
 */
#include <stdio.h>
#include <string.h>

#include "hitc.h"

void check_fields(Ctx *ctx, Decl *d, const Stmt *owner, const Field *fields,
                  int nfields)
{
    if (!owner->has_block) {
        diag(ctx, D_MISSING_FIELD, owner->loc,
             "%s needs a block: '{' at the end of this line, its fields, "
             "then '}'", d->display);
        return;
    }
    const Stmt **seen = arena_alloc(ctx->arena,
                                    sizeof(Stmt *) * (size_t)nfields);
    const char **names = arena_alloc(ctx->arena,
                                     sizeof(char *) * (size_t)nfields);
    for (int i = 0; i < nfields; i++)
        names[i] = fields[i].name;
    for (int i = 0; i < owner->nblock; i++) {
        Stmt *s = owner->block[i];
        Item *first = s->items[0];
        if (s->bad) {
            /* Reported already; a field cut short still counts as given. */
            for (int j = 0; j < nfields; j++)
                if (item_is_word(first, fields[j].name) && !seen[j])
                    seen[j] = s;
            continue;
        }
        if (!first || first->kind != I_WORD) {
            diag(ctx, D_EXPECTED, s->loc, "expected a field name, found %s",
                 first ? item_describe(ctx->arena, first) : "a block");
            continue;
        }
        int f = -1;
        for (int j = 0; j < nfields; j++)
            if (strcmp(fields[j].name, first->text) == 0)
                f = j;
        if (f < 0) {
            diag(ctx, D_UNKNOWN_FIELD, first->loc, "%s has no field '%s'%s",
                 d->kind->noun, first->text,
                 did_you_mean(ctx, first->text, names, nfields, NULL));
            continue;
        }
        if (seen[f] && !fields[f].repeatable) {
            Diag *dg = diag(ctx, D_DUPLICATE_FIELD, first->loc,
                            "'%s' is given twice in %s", first->text,
                            d->display);
            note(ctx, dg, seen[f]->loc, "first given here");
            continue;
        }
        seen[f] = s;
        fields[f].fn(ctx, d, s);
    }
}

bool want_items(Ctx *ctx, const Stmt *s, int min, int max, const char *usage)
{
    if (s->nitems > max) {
        diag(ctx, D_EXPECTED, s->items[max]->loc,
             "unexpected %s; expected '%s'",
             item_describe(ctx->arena, s->items[max]), usage);
        return false;
    }
    if (s->nitems < min) {
        diag(ctx, D_EXPECTED, s->items[s->nitems - 1]->loc,
             "missing value; expected '%s'", usage);
        return false;
    }
    return true;
}

const char *want_word(Ctx *ctx, const Stmt *s, int i, const char *what)
{
    if (i >= s->nitems) {
        diag(ctx, D_EXPECTED, s->items[s->nitems - 1]->loc,
             "expected %s after this", what);
        return NULL;
    }
    if (s->items[i]->kind != I_WORD) {
        diag(ctx, D_EXPECTED, s->items[i]->loc, "expected %s, found %s", what,
             item_describe(ctx->arena, s->items[i]));
        return NULL;
    }
    return s->items[i]->text;
}

char *string_literal(Ctx *ctx, const Item *it, const char *what)
{
    if (it->kind != I_STRING) {
        diag(ctx, D_EXPECTED, it->loc, "expected %s (a string), found %s",
             what, item_describe(ctx->arena, it));
        return NULL;
    }
    for (StrPart *p = it->parts; p; p = p->next) {
        if (p->is_ref) {
            diag(ctx, D_BAD_INTERP, p->loc,
                 "%s cannot hold '${...}': it is read by hitc, not by "
                 "CloudFormation", what);
            return NULL;
        }
    }
    return (char *)(it->parts ? it->parts->text : "");
}

const char *want_string(Ctx *ctx, const Stmt *s, int i, const char *what)
{
    if (i >= s->nitems) {
        diag(ctx, D_EXPECTED, s->items[s->nitems - 1]->loc,
             "expected %s after this", what);
        return NULL;
    }
    return string_literal(ctx, s->items[i], what);
}

bool want_number(Ctx *ctx, const Stmt *s, int i, const char *what,
                 long long *out)
{
    if (i >= s->nitems || s->items[i]->kind != I_NUMBER) {
        diag(ctx, D_EXPECTED, i < s->nitems ? s->items[i]->loc : s->loc,
             "expected %s (a number)", what);
        return false;
    }
    *out = s->items[i]->num;
    return true;
}

int want_choice(Ctx *ctx, const Stmt *s, int i, const char *what,
                const char *const *choices, int n)
{
    const char *w = want_word(ctx, s, i, what);
    if (!w)
        return -1;
    for (int j = 0; j < n; j++)
        if (strcmp(w, choices[j]) == 0)
            return j;
    Buf b = {0};
    for (int j = 0; j < n; j++)
        buf_printf(&b, "%s'%s'", j == 0 ? "" : j == n - 1 ? " or " : ", ",
                   choices[j]);
    const char *dym = did_you_mean(ctx, w, choices, n, NULL);
    if (dym[0])
        diag(ctx, D_BAD_VALUE, s->items[i]->loc, "unknown %s '%s'%s", what, w,
             dym);
    else
        diag(ctx, D_BAD_VALUE, s->items[i]->loc, "unknown %s '%s'; expected %s",
             what, w, b.data);
    buf_free(&b);
    return -1;
}
