/*
 * ship.c: what `hitc deploy`, `hitc outputs` and `hitc destroy` share: the
 * common options, the compiled app, the stack's name.
 *
 * In: a Ship whose option fields the command's table has set.
 * Out: the app compiled in s->aws.ctx (its diagnostics printed), the stage
 * checked, the stack named (--stack, else APP-STAGE), the region set.
 * Holds: nothing here calls AWS.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "deploy.h"

void ship_init(Ship *s)
{
    memset(s, 0, sizeof *s);
    local_where_init(&s->aws.w);
    s->a = arena_new();
    s->say = stdout;
}

/* The stage as the template's Stage parameter takes it:
 * ^[a-z][a-z0-9-]{0,31}$. */
static bool stage_ok(const char *st)
{
    size_t n = strlen(st);
    if (n == 0 || n > 32 || st[0] < 'a' || st[0] > 'z')
        return false;
    for (size_t i = 1; i < n; i++)
        if (!((st[i] >= 'a' && st[i] <= 'z') || (st[i] >= '0' && st[i] <= '9') ||
              st[i] == '-'))
            return false;
    return true;
}

/* The app's name: its `app` declaration, else the file's base name. */
static const char *app_name(Ctx *ctx, const char *file)
{
    if (ctx->prog.app && ctx->prog.app->name)
        return ctx->prog.app->name;
    const char *base = strrchr(file, '/');
    base = base ? base + 1 : file;
    size_t n = strlen(base);
    if (n > 4 && strcmp(base + n - 4, ".hit") == 0)
        n -= 4;
    return arena_strndup(ctx->arena, base, n);
}

int ship_start(Ship *s, const char *command)
{
    if (!s->file)
        return usage_error(command, "'%s' needs a .hit file", command);
    if (!s->stage)
        s->stage = "dev";
    if (!stage_ok(s->stage))
        return usage_error(command, "stage '%s' is not a stage name: a "
                           "lower-case letter, then up to 31 lower-case "
                           "letters, digits and '-'", s->stage);
    if (s->format && strcmp(s->format, "json") != 0 && strcmp(s->format, "text") != 0)
        return usage_error(command, "unknown format '%s'; use text or json",
                           s->format);
    s->json = s->format && strcmp(s->format, "json") == 0;
    if (s->json)
        s->say = stderr;
    s->aws.w.stage = s->stage;
    s->aws.ctx = ctx_new();
    Ctx *ctx = s->aws.ctx;
    if (!compile(ctx, source_load(ctx, s->file, (Loc){0}))) {
        ship_flush(s);
        return 1;
    }
    if (!s->stack)
        s->stack = arena_printf(ctx->arena, "%s-%s", app_name(ctx, s->file), s->stage);
    return 0;
}

void ship_flush(Ship *s)
{
    Ctx *ctx = s->aws.ctx;
    if (!ctx || ctx->diags.len == 0)
        return;
    fflush(s->say);
    diag_print_all(ctx, stderr, FMT_GCC, isatty(2) && !getenv("NO_COLOR"));
    ctx->diags.len = 0;
}

void ship_free(Ship *s)
{
    emit_free(&s->emit);
    buf_free(&s->aws.err);
    if (s->aws.ctx)
        ctx_free(s->aws.ctx);
    arena_free(s->a);
}
