/*
 * kinds/app.c: `app NAME ["description"]`, at most once.
 *
 * The name and description go into the template's Description; they
 * change no logical ID.
 */
#include "hitc.h"

static void app_check(Ctx *ctx, Decl *d)
{
    Stmt *s = d->stmt;
    if (!want_items(ctx, s, 2, 3, "app NAME [\"description\"]"))
        return;
    const char *name = want_word(ctx, s, 1, "the app's name");
    if (!name)
        return;
    if (!is_name(name)) {
        diag(ctx, D_BAD_NAME, s->items[1]->loc,
             "'%s' is not a name: names are letters, digits, '_' and '-', "
             "starting with a letter", name);
        return;
    }
    if (s->has_block)
        diag(ctx, D_EXPECTED, s->block_loc, "'app' takes no block");
    d->name = name;
    d->name_loc = s->items[1]->loc;
    d->display = arena_printf(ctx->arena, "app '%s'", name);
    if (s->nitems == 3)
        d->data = string_literal(ctx, s->items[2], "the app's description");
    ctx->prog.app = d;
}

const Kind kind_app = {
    .keyword = "app",
    .noun = "app",
    .single = true,
    .check = app_check,
};
