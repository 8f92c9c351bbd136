/* swap_race_shim.c: an LD_PRELOAD library for test_output.sh.
 *
 * After hitc swaps its new output in (renameat2 with RENAME_EXCHANGE), the
 * old output sits at hitc's temporary name, and hitc lists it to make sure
 * nothing foreign came in between.  Another build's clean-up may remove
 * that directory at the same moment.  This library makes that moment
 * certain: the first scandir of the swapped-out directory returns its
 * listing and then removes the whole tree (manifest.json last, as hitc's
 * own remove_tree does), so every name in the listing has vanished by the
 * time hitc looks at it. */
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char swapped[PATH_MAX];

int renameat2(int olddirfd, const char *oldpath, int newdirfd,
              const char *newpath, unsigned int flags)
{
    int (*real)(int, const char *, int, const char *, unsigned int) =
        (int (*)(int, const char *, int, const char *, unsigned int))
            dlsym(RTLD_NEXT, "renameat2");
    int rc = real(olddirfd, oldpath, newdirfd, newpath, flags);
    if (rc == 0 && (flags & RENAME_EXCHANGE) && !swapped[0])
        snprintf(swapped, sizeof swapped, "%s", oldpath);
    return rc;
}

static void remove_dir(const char *dir)
{
    char path[PATH_MAX];
    DIR *d = opendir(dir);
    struct dirent *ent;
    while (d && (ent = readdir(d))) {
        if (strcmp(ent->d_name, ".") == 0 || strcmp(ent->d_name, "..") == 0 ||
            strcmp(ent->d_name, "manifest.json") == 0)
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, ent->d_name);
        if (unlink(path) != 0)
            remove_dir(path);
    }
    if (d)
        closedir(d);
    snprintf(path, sizeof path, "%s/manifest.json", dir);
    unlink(path);
    rmdir(dir);
}

int scandir(const char *dir, struct dirent ***list,
            int (*filter)(const struct dirent *),
            int (*compar)(const struct dirent **, const struct dirent **))
{
    int (*real)(const char *, struct dirent ***, int (*)(const struct dirent *),
                int (*)(const struct dirent **, const struct dirent **)) =
        (int (*)(const char *, struct dirent ***, int (*)(const struct dirent *),
                 int (*)(const struct dirent **, const struct dirent **)))
            dlsym(RTLD_NEXT, "scandir");
    int n = real(dir, list, filter, compar);
    if (swapped[0] && strcmp(dir, swapped) == 0) {
        remove_dir(dir);
        swapped[0] = 1;         /* once; an empty name never matches */
        swapped[1] = 0;
    }
    return n;
}
