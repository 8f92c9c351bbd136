/*
 * kinds/handler.c: does a function's `handler` name a file of its code?
 *
 * In: a function's runtime, its handler as written and its code directory
 * (already checked: it exists, inside the project).  Out: an error at the
 * handler (E0219) when the runtime would not find the handler's file in
 * the bundle, so that every call would fail with Runtime.ImportModuleError.
 * Holds: only Python and Node are judged, by the rules of their runtimes:
 *   python*  "a.b/c.fn": the module is what comes before the last '.',
 *            its '.' and '/' are directories: a/b/c.py, a/b/c/__init__.py,
 *            a/b/c.pyc or an extension module a/b/c.so, a/b/c.*.so;
 *   nodejs*  "lib/app.fn.x": the module is what comes before the first
 *            '.' after the last '/': lib/app.js, .mjs or .cjs.
 * Files that hitc adds to a bundle itself (hitc_env, the plugin kit) are
 * never a handler's module, so they are not looked for.  Other runtimes
 * (Java, .NET, Go, Ruby, custom) are not judged.
 */
#include <dirent.h>
#include <string.h>
#include <sys/stat.h>

#include "hitc.h"

static bool is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* An extension module: NAME.so, or NAME.TAG.so in the same directory. */
static bool has_extension_module(Ctx *ctx, const char *module_path)
{
    const char *slash = strrchr(module_path, '/');
    const char *dir = arena_strndup(ctx->arena, module_path,
                                    (size_t)(slash - module_path));
    const char *base = slash + 1;
    size_t n = strlen(base);
    DIR *d = opendir(dir);
    if (!d)
        return false;
    bool found = false;
    struct dirent *ent;
    while (!found && (ent = readdir(d))) {
        size_t k = strlen(ent->d_name);
        found = k > n + 3 && strncmp(ent->d_name, base, n) == 0 &&
                ent->d_name[n] == '.' && strcmp(ent->d_name + k - 3, ".so") == 0;
    }
    closedir(d);
    return found;
}

/* The module part of a Python handler as a path: '.' and '/' both
 * separate directories.  NULL when the handler has no '.'. */
static char *python_module(Ctx *ctx, const char *handler)
{
    const char *dot = strrchr(handler, '.');
    if (!dot || dot == handler)
        return NULL;
    char *m = arena_strndup(ctx->arena, handler, (size_t)(dot - handler));
    for (char *p = m; *p; p++)
        if (*p == '.')
            *p = '/';
    return m;
}

static char *node_module(Ctx *ctx, const char *handler)
{
    const char *slash = strrchr(handler, '/');
    const char *dot = strchr(slash ? slash + 1 : handler, '.');
    if (!dot || dot == handler || dot[-1] == '/')
        return NULL;
    return arena_strndup(ctx->arena, handler, (size_t)(dot - handler));
}

void handler_check_file(Ctx *ctx, const char *runtime, const char *handler,
                        Loc at, const char *code_path, const char *code)
{
    bool python = strncmp(runtime, "python", 6) == 0;
    bool node = strncmp(runtime, "nodejs", 6) == 0;
    if (!python && !node)
        return;
    char *module = python ? python_module(ctx, handler) : node_module(ctx, handler);
    if (!module)
        return;                 /* no FILE.FUNCTION: not a file to look for */
    char *base = arena_printf(ctx->arena, "%s/%s", code_path, module);
    if (python) {
        if (is_file(arena_printf(ctx->arena, "%s.py", base)) ||
            is_file(arena_printf(ctx->arena, "%s/__init__.py", base)) ||
            is_file(arena_printf(ctx->arena, "%s.pyc", base)) ||
            has_extension_module(ctx, base))
            return;
        diag(ctx, D_HANDLER_MISSING, at, "handler '%s' is in module '%.*s', "
             "but code directory '%s' has no '%s.py' (nor '%s/__init__.py'), "
             "so every call would fail with Runtime.ImportModuleError; add "
             "the file or correct the handler", handler,
             (int)(strrchr(handler, '.') - handler), handler, code, module,
             module);
        return;
    }
    static const char *const exts[] = {".js", ".mjs", ".cjs"};
    for (int i = 0; i < 3; i++)
        if (is_file(arena_printf(ctx->arena, "%s%s", base, exts[i])))
            return;
    diag(ctx, D_HANDLER_MISSING, at, "handler '%s' is in file '%s', but code "
         "directory '%s' has no '%s.js', '%s.mjs' or '%s.cjs', so every call "
         "would fail with Runtime.ImportModuleError; add the file or correct "
         "the handler", handler, module, code, module, module, module);
}
