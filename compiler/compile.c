/*
 * compile.c: the front end's one pipeline, from a source to a graph.
 *
 * In: a Source (read from a file, or made from memory by a test or the
 * fuzzer), and the files it imports (import.c), all read before any name
 * is declared.  Out: ctx->prog, resolved, with its dependency graph built and its
 * logical IDs registered (ids.c), and every diagnostic found on the way in ctx->diags.
 * Holds: main.c, the unit tests (tests/unit/helpers.h) and the fuzzer
 * (tests/fuzz/fuzz_compile.c) all compile through here, so each runs
 * exactly the checks `hitc check` makes.  The project's root is the first
 * source's directory unless the caller set ctx->root; code paths are relative to the directory of the
 * source that declares them (decl_dir).
 */
#include "hitc.h"

bool compile(Ctx *ctx, Source *src)
{
    if (!src)
        return false;
    if (!ctx->root)
        ctx->root = src->dir;
    ctx->root_src = src;
    PtrVec files = {0};
    imports_read(ctx, src, &files);     /* every file, before any name */
    for (int i = 0; i < files.len; i++)
        declare(ctx, files.items[i]);
    check_decls(ctx);
    resolve(ctx);
    if (ctx->nerrors)
        return false;
    graph_build(ctx);
    if (ctx->nerrors)
        return false;
    ids_register(ctx);
    return ctx->nerrors == 0;
}

const char *decl_dir(const Ctx *ctx, const Decl *d)
{
    return d->loc.src ? d->loc.src->dir : ctx->root;
}
