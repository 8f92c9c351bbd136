/*
 * options.h: the command line, as git's builtins read it: every command is
 * one row of main.c's commands[] (its name, its usage line, its lines in
 * `hitc --help`, its main) and reads its own options from a table of its
 * own (options.c), so `hitc --help`, `hitc CMD --help`, "unknown command"
 * and its "did you mean" all come from the same rows.
 */
#ifndef HITC_OPTIONS_H
#define HITC_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>

/* A command's own options, one row each: "--port" takes a value unless
 * flag.  Without set, the value (a string; true for a flag, a bool) is
 * stored in the command's struct at offset; with set, set(arg, value)
 * takes it and returns 0, or 2 after printing what is wrong. */
typedef struct Option {
    const char *name;           /* "--port" */
    const char *alias;          /* "-p", or NULL */
    bool flag;                  /* takes no value */
    size_t offset;              /* where a plain value goes */
    int (*set)(void *arg, const char *value);
} Option;

/* Parse argv[1..] (argv[0] is the command's name): options by table,
 * the rest into pos (at most maxpos).  -h/--help prints usage to stdout
 * and returns 0; else -1 to go on, or 2 after a usage error. */
int options_parse(int argc, char **argv, const Option *opts, int nopts,
                  void *arg, const char **pos, int maxpos, int *npos,
                  const char *usage);
/* "hitc: WHAT" and "run 'hitc COMMAND --help' for usage" on stderr; 2. */
int usage_error(const char *command, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* A command: one row of main.c's commands[].  main gets argv from the
 * command's name on (argv[0] is "build") and returns the exit status. */
typedef struct Command {
    const char *name;
    const char *synopsis;   /* its usage line after "hitc NAME ": "FILE -o DIR [options]" */
    const char *args;       /* what follows NAME in the list of commands: "FILE -o DIR" */
    const char *summary;    /* its lines in that list, '\n' between */
    int (*main)(int argc, char **argv);
} Command;

#endif
