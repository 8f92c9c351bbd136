/*
 * zipout.h: a zip written entry by entry into a file, in constant memory.
 *
 * The same bytes libzip writes for bundle_files (bundle.h) from the same
 * entries: deflate at BUNDLE_DEFLATE_LEVEL with zlib's largest memory
 * level and a raw stream, every date 1980-01-01 00:00, no extra fields,
 * the UTF-8 flag only on names that are not ASCII, "made by" Unix 6.3,
 * modes 0644 or 0755.  tests/unit/test_bundle.c holds the two writers to
 * the same bytes.  An entry's data is either deflated from a file read in
 * chunks (zipout_deflate) or copied as it is from another zip of this
 * writer's (zipout_copy: the bundle cache's unchanged files), so neither
 * path holds a file, or the zip, in memory.
 *
 * Ownership: zipout_open's ZipOut is the caller's until zipout_close; the
 * fd stays the caller's.
 */
#ifndef HITC_ZIPOUT_H
#define HITC_ZIPOUT_H

#include <stddef.h>
#include <stdint.h>

#include "sha256.h"

typedef struct ZipOut ZipOut;

/* What the zip says of an entry's data, and where that data lies. */
typedef struct ZipData {
    uint32_t crc;
    uint64_t csize, usize;  /* compressed and real bytes */
    uint64_t offset;        /* of the compressed bytes in the zip */
    char sha256[65];        /* of the real bytes (zipout_deflate fills it) */
} ZipData;

/* A zip written into fd, from its current start (offset 0). */
ZipOut *zipout_open(int fd, char *err, size_t errlen);

/* Deflate what src_fd holds from where it stands to its end, as an entry
 * named name (mode: any x bit gives 0755).  0, or -1 with err filled. */
int zipout_deflate(ZipOut *z, const char *name, unsigned mode, int src_fd,
                   ZipData *out);

/* Deflate len bytes from memory, likewise. */
int zipout_deflate_mem(ZipOut *z, const char *name, unsigned mode,
                       const void *data, size_t len, ZipData *out);

/* An entry whose compressed bytes are copied from another zip this writer
 * made (src_fd at d->offset); d as that zip's writer reported it. */
int zipout_copy(ZipOut *z, const char *name, unsigned mode, int src_fd,
                const ZipData *d, ZipData *out);

/* The central directory and its end; *len is the zip's size.  Frees z
 * whatever happens.  0, or -1 with err filled. */
int zipout_close(ZipOut *z, uint64_t *len);

/* Free z without finishing the zip. */
void zipout_discard(ZipOut *z);

/* zipread.c: the entry named name of the zip z (len bytes), inflated into
 * *out (malloc'd, NUL-terminated, *outlen bytes): 0, or -1 when there is
 * no such entry or the zip is not one this reader takes. */
int zip_read_entry(const unsigned char *z, size_t len, const char *name,
                   unsigned char **out, size_t *outlen);

/* out = the hex SHA-256 of the first len bytes of fd, read in chunks. */
int sha256_fd(int fd, uint64_t len, char out[65]);

#endif
