/*
 * bundle_files.c: a deterministic zip of files held in memory (the
 * stamper's bundle at make time, and what bundle.c zips from a walk).
 *
 * In: files (name, bytes, mode).  Out: the zip's bytes and their SHA-256.
 * Holds: entries sorted bytewise by name, written by zipout.c as every
 * bundle is (fixed dates, modes 0644 or 0755, no extra fields), so the
 * same files give the same bytes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bundle.h"
#include "hitc.h"
#include "zipout.h"

/* ---- zipping files from memory --------------------------------------- */

static int file_cmp(const void *pa, const void *pb)
{
    const BundleFile *a = pa, *b = pb;
    return strcmp(a->name, b->name);
}

/* The finished zip, read back out of fd into memory. */
static int take_bytes(int fd, uint64_t len, Bundle *out, char *err,
                      size_t errlen)
{
    unsigned char *data = xmalloc((size_t)len + 1);
    size_t done = 0;
    while (done < len) {
        ssize_t n = pread(fd, data + done, (size_t)len - done, (off_t)done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            free(data);
            return err_fill(err, errlen, "cannot read the zip back from memory");
        }
        done += (size_t)n;
    }
    out->data = data;
    out->len = (size_t)len;
    sha256_hex(data, out->len, out->sha256);
    return 0;
}

/* The sorted files through zipout.c, into a file that lives in memory. */
static int zip_sorted(const BundleFile *sorted, int n, Bundle *out, char *err,
                      size_t errlen)
{
    int fd = memfd_create("hitc-zip", MFD_CLOEXEC);
    if (fd < 0)
        return err_fill(err, errlen, "cannot start a zip: %s", strerror(errno));
    ZipOut *z = zipout_open(fd, err, errlen);
    int rc = 0;
    for (int i = 0; i < n && rc == 0; i++)
        rc = zipout_deflate_mem(z, sorted[i].name, sorted[i].mode,
                                sorted[i].data, sorted[i].len, NULL);
    uint64_t len = 0;
    if (rc != 0)
        zipout_discard(z);
    else
        rc = zipout_close(z, &len);
    if (rc == 0)
        rc = take_bytes(fd, len, out, err, errlen);
    close(fd);
    return rc;
}

int bundle_files(const BundleFile *files, int n, Bundle *out, char *err,
                 size_t errlen)
{
    *out = (Bundle){0};
    if (n <= 0)
        return err_fill(err, errlen, "there are no files to bundle");
    BundleFile *sorted = xmalloc(sizeof *sorted * (size_t)n);
    memcpy(sorted, files, sizeof *sorted * (size_t)n);
    qsort(sorted, (size_t)n, sizeof *sorted, file_cmp);
    unsigned long long total = 0;
    for (int i = 0; i < n; i++) {
        total += sorted[i].len;
        if (i > 0 && strcmp(sorted[i].name, sorted[i - 1].name) == 0) {
            err_fill(err, errlen, "'%s' would be in the zip twice", sorted[i].name);
            free(sorted);
            return -1;
        }
    }
    if (total > BUNDLE_MAX_UNZIPPED) {
        free(sorted);
        return err_fill(err, errlen, "the files come to %llu bytes, over Lambda's "
                    "limit of %llu bytes unzipped", total, BUNDLE_MAX_UNZIPPED);
    }
    int rc = zip_sorted(sorted, n, out, err, errlen);
    free(sorted);
    if (rc == 0 && out->len > BUNDLE_MAX_ZIPPED) {
        unsigned long long zipped = out->len;     /* before *out is cleared */
        free(out->data);
        *out = (Bundle){0};
        return err_fill(err, errlen, "the zip is %llu bytes, over Lambda's limit "
                    "of %llu bytes zipped", zipped, BUNDLE_MAX_ZIPPED);
    }
    return rc;
}
