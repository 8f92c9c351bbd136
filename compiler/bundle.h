/*
 * bundle.h: deterministic zips of code, named by the SHA-256 of their bytes.
 *
 * A bundle is built from memory: entries sorted by name (bytewise), every
 * timestamp 1980-01-01 00:00, modes 0644 or 0755, no extra fields, deflate
 * through libzip.  The same files give the same bytes on every run, in
 * every directory, under every umask and time zone.  Deflate runs at level
 * 6, chosen on purpose (libzip's "default" is 9: 2.4 times the time for 1%
 * smaller zips); the level is part of every bundle's hash.  See
 * docs/bundles.md.
 *
 * Ownership: Bundle.data is malloc-owned by the caller after a successful
 * call (free it); on failure nothing is left allocated and err holds one
 * line that says what is wrong and what to do.
 */
#ifndef HITC_BUNDLE_H
#define HITC_BUNDLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "sha256.h"

/* Lambda's limits for a .zip deployment package. */
#define BUNDLE_MAX_ZIPPED   (50ull * 1024 * 1024)     /* 52428800 bytes */
#define BUNDLE_MAX_UNZIPPED (250ull * 1024 * 1024)    /* 262144000 bytes */

/* hitc's own limits on walking a code directory, counting every path
 * through symbolic links: the most files a zip holds without the Zip64
 * extension, and as many directory visits.  They stop a fan-out of links
 * (each level linking twice to the next) long before memory or time runs
 * out. */
#define BUNDLE_MAX_FILES 65535
#define BUNDLE_MAX_DIR_VISITS 65535

/* The deflate level of every entry: zlib's own default, set on purpose. */
#define BUNDLE_DEFLATE_LEVEL 6

/* bundle_dir's result when the code directory's .env is one the stamper
 * would refuse at deploy time (any other failure is -1). */
#define BUNDLE_BAD_ENV (-2)

typedef struct BundleFile {
    const char *name;               /* path inside the zip, '/'-separated */
    const unsigned char *data;      /* not owned */
    size_t len;
    unsigned mode;                  /* source mode: any x bit gives 0755 */
} BundleFile;

typedef struct Bundle {
    unsigned char *data;            /* the zip, malloc-owned */
    size_t len;
    char sha256[65];                /* lower-case hex of data's SHA-256 */
} Bundle;

/* bundle_files.c: zip n files (in any order; a sorted copy is zipped).
 * Names must be unique.  0 on success, -1 with err filled. */
int bundle_files(const BundleFile *files, int n, Bundle *out, char *err,
                 size_t errlen);

/* Zip every regular file under dir.  Symbolic links that stay inside dir
 * are stored as what they point to; links out of dir, broken links, link
 * loops, special files, unsafe names and trees past Lambda's limits or
 * BUNDLE_MAX_FILES / BUNDLE_MAX_DIR_VISITS are errors (-1).  A '.env' at
 * the root must be a file the stamper reads (env_file_check); otherwise
 * the result is BUNDLE_BAD_ENV.  Version-control folders, __pycache__,
 * *.pyc and .DS_Store are left out.  shown is dir as the user wrote it, for
 * messages. */
int bundle_dir(const char *dir, const char *shown, Bundle *out, char *err,
               size_t errlen);

/* bundle_dir_with's result when an extra file clashes with a different
 * file of dir. */
#define BUNDLE_CLASH (-3)

/* A file hitc adds at the root of a bundle (the plugin kit of a plugin's
 * service, the .env reader of a stamped function), and what it is, for
 * the error when the code directory holds its own, different file of that
 * name: "... which differs from WHAT; delete it (hitc writes NOUN into the
 * bundle itself)". */
typedef struct BundleExtra {
    BundleFile file;
    const char *what;   /* "the plugin kit that hitc adds to ..." */
    const char *noun;   /* "the kit" */
    int tag;            /* the caller's own (emit.c: its diagnostic) */
} BundleExtra;

/* bundle_dir, and n more files at the root (extras, names distinct).  A
 * file of such a name in dir that holds the same bytes is the same file;
 * one that differs is an error, BUNDLE_CLASH, with *clashed (unless NULL)
 * the index of that extra. */
int bundle_dir_with(const char *dir, const char *shown,
                    const BundleExtra *extras, int n, Bundle *out, char *err,
                    size_t errlen, int *clashed);
/* The same clash check alone, without zipping (`hitc check`): 0, or
 * BUNDLE_CLASH with err and *clashed (unless NULL) filled. */
int bundle_extra_check(const char *dir, const char *shown,
                       const BundleExtra *extras, int n, char *err,
                       size_t errlen, int *clashed);

/* What a bundle of a code directory holds, listed rather than zipped
 * (`hitc invoke` and `hitc serve` lay out a directory like the bundle):
 * each file's name in the zip and either the path it is read from or
 * the index of the extra it is.  malloc-owned: bundle_list_free. */
typedef struct BundleListed {
    char *name;                     /* '/'-separated, as in the zip */
    char *path;                     /* a real path, or NULL for an extra */
    unsigned mode;
    struct stat st;                 /* as the walk found it (not an extra) */
    int extra;                      /* index into extras, or -1 */
} BundleListed;

typedef struct BundleList {
    BundleListed *files;
    int n;
} BundleList;

/* The files bundle_dir_with would zip, after the same walk and checks (its
 * results and errors, BUNDLE_BAD_ENV and BUNDLE_CLASH included); nothing
 * but a root .env and the files an extra might clash with is read. */
int bundle_list(const char *dir, const char *shown, const BundleExtra *extras,
                int n, BundleList *out, char *err, size_t errlen, int *clashed);
/* The same with installed packages, as bundle_dir_zip adds them. */
int bundle_list_deps(const char *dir, const char *shown, const char *deps,
                     const char *prefix, const BundleExtra *extras, int n,
                     BundleList *out, char *err, size_t errlen, int *clashed);
void bundle_list_free(BundleList *l);

/* ---- bundle_cache.c: zips in files, and the cache of them ------------ */

/* A zip in a file: read it from offset 0 of fd (the caller's to close). */
typedef struct BundleZip {
    int fd;
    uint64_t len;
    char sha256[65];
    bool reused;            /* the cache's zip, as it was */
} BundleZip;

/* What bundle_dir_with zips, streamed into a file a chunk at a time, so
 * memory does not grow with the files' sizes; the same bytes.  With cache
 * (a directory, made if missing; NULL for none), the zip of the
 * directory's last build is reused: whole when no file changed, and each
 * unchanged file's compressed bytes when some did (docs/bundles.md says
 * when a file counts as unchanged).  deps and prefix: installed packages,
 * as bundle_list_deps takes them (NULL: none).  Results and errors as
 * bundle_dir_with's. */
int bundle_dir_zip(const char *dir, const char *shown, const char *deps,
                   const char *prefix, const BundleExtra *extras, int n,
                   const char *cache, BundleZip *out, char *err, size_t errlen,
                   int *clashed);

/* The cache directory builds use: $HITC_CACHE_DIR, else
 * $XDG_CACHE_HOME/hitc/bundles, else $HOME/.cache/hitc/bundles; NULL when
 * HITC_NO_CACHE is set (to anything but "") or no such place is known.
 * malloc'd. */
char *bundle_cache_dir(void);

/* ---- env_file.c: the .env the stamper reads ---------------------------- */

/* Would the stamper read this .env (the one a source bundle holds)?  It
 * accepts exactly what runtime-support/stamper/index.py's parse_env and
 * check_env accept, reading as python-dotenv 1.x reads, in one pass:
 * UTF-8; blank and '#' lines; [export] KEY = value with KEY bare or
 * 'quoted' and in [A-Za-z_][A-Za-z0-9_]*; raw, "double" or 'single'
 * quoted values, quotes closed, only blanks or a comment after them; no
 * key whose last value ends in a backslash and has no form python-dotenv
 * reads back.  White space is Python's str.isspace().  0 when it would;
 * -1 with *line (1-based, counting CRLF, LF and CR as the stamper does)
 * and why (a phrase that completes "line N ...": what is wrong; the fix)
 * when it would not.  Time in proportion to len (but for sorting keys
 * when a value is refused). */
int env_file_check(const unsigned char *text, size_t len, int *line,
                   char *why, size_t whylen);

/* Every binding of a .env that env_file_check accepts, in file order, as
 * python-dotenv reads it (quotes removed, escapes decoded): each(arg, KEY,
 * VALUE), both NUL-terminated and valid only during the call.  0, or -1
 * (nothing called) when env_file_check refuses the text. */
int env_file_each(const unsigned char *text, size_t len,
                  void (*each)(void *arg, const char *key, const char *value),
                  void *arg);

/* deps.c: what a code directory installs for its runtime: nothing, a
 * python* runtime's requirements.txt (pip), a nodejs* runtime's
 * package.json (npm, with its package-lock.json). */
enum { DEPS_NONE, DEPS_PIP, DEPS_NPM };
int deps_kind(const char *code, const char *runtime);
/* deps.c: install code's packages for runtime and arch ("x86_64" or
 * "arm64"; NULL is x86_64) into hitc's cache, or find them there: dir is
 * then the installed tree (pip's --target; for npm the directory that
 * holds node_modules), or "" when code has nothing to install.  0, or -1
 * with err naming the file and, when the installer failed, its last
 * lines. */
int deps_install(const char *code, const char *shown, const char *runtime,
                 const char *arch, char *dir, size_t dirlen, char *err,
                 size_t errlen);


/* Is the real path path the real path root or below it?  Both must be
 * canonical (realpath): no "..", no links, no trailing '/'. */
bool path_inside(const char *path, const char *root);


#endif
