/*
 * options.c: a command's options read by its table (options.h), as every
 * command but the bare `hitc --help` reads them.
 *
 * In: argv from the command's name on, the command's Option rows.
 * Out: each option's value stored where its row says (or given to its
 * set()), the other arguments in order; -h/--help prints the command's
 * usage; a usage error says what is wrong and where the help is.
 * Holds: "--" ends the options; "-" is an argument (stdin, stdout);
 * "--name=value" and "--name value" are the same.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "options.h"

int usage_error(const char *command, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("hitc: ", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nrun 'hitc %s --help' for usage\n", command);
    return 2;
}

int options_parse(int argc, char **argv, const Option *opts, int nopts,
                  void *arg, const char **pos, int maxpos, int *npos,
                  const char *usage)
{
    *npos = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(usage, stdout);
            return 0;
        }
        if (a[0] != '-' || strcmp(a, "-") == 0) {
            if (*npos >= maxpos)
                return usage_error(argv[0], "unexpected argument '%s'", a);
            pos[(*npos)++] = a;
            continue;
        }
        if (strcmp(a, "--") == 0) {
            while (++i < argc && *npos < maxpos)
                pos[(*npos)++] = argv[i];
            if (i < argc)
                return usage_error(argv[0], "unexpected argument '%s'",
                                         argv[i]);
            break;
        }
        const char *eq = strncmp(a, "--", 2) == 0 ? strchr(a, '=') : NULL;
        size_t n = eq ? (size_t)(eq - a) : strlen(a);
        const Option *o = NULL;
        for (int k = 0; k < nopts && !o; k++)
            if ((strlen(opts[k].name) == n && strncmp(opts[k].name, a, n) == 0) ||
                (opts[k].alias && strcmp(opts[k].alias, a) == 0))
                o = &opts[k];
        if (!o)
            return usage_error(argv[0], "unknown option '%s'", a);
        const char *value = NULL;
        if (!o->flag) {
            if (eq)
                value = eq + 1;
            else if (i + 1 < argc)
                value = argv[++i];
            else
                return usage_error(argv[0], "option '%s' needs a value",
                                         o->name);
        } else if (eq) {
            return usage_error(argv[0], "option '%s' takes no value",
                                     o->name);
        }
        int rc = 0;
        if (o->set)
            rc = o->set(arg, value);
        else if (o->flag)
            *(bool *)((char *)arg + o->offset) = true;
        else
            *(const char **)((char *)arg + o->offset) = value;
        if (rc != 0)
            return rc;
    }
    return -1;
}
