/*
 * zipout.c: the streaming zip writer (see zipout.h for what it holds).
 *
 * In: entries in the order they go into the zip.  Out: the zip in a file.
 * Each entry is its local header, then its data; the header's sizes and
 * CRC are known only after the data, so it is written again in place
 * (pwrite) once they are, as libzip does into its own temporary file.
 * The central directory grows in memory by 46 bytes and a name per
 * entry: in proportion to the number of files, never their size.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

#include "bundle.h"
#include "hitc.h"
#include "zipout.h"

#define CHUNK (64 * 1024)
#define LOCAL_HEADER 30
#define CENTRAL_HEADER 46
#define VERSION_NEEDED 20           /* deflate */
#define MADE_BY (3 << 8 | 63)       /* Unix, spec 6.3, as libzip says */
#define FLAG_UTF8 0x0800
#define DOS_DATE_1980 ((0u << 9) | (1u << 5) | 1u)

struct ZipOut {
    int fd;
    uint64_t end;               /* where the next entry goes */
    Buf central;
    int count;
    unsigned char *in, *out;    /* CHUNK bytes each */
    char *err;
    size_t errlen;
};

static int fail(ZipOut *z, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int fail(ZipOut *z, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(z->err, z->errlen, fmt, ap);
    va_end(ap);
    return -1;
}

static void put16(unsigned char *p, unsigned v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
}

static void put32(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static int write_at(ZipOut *z, const void *data, size_t len, uint64_t at)
{
    const unsigned char *p = data;
    while (len > 0) {
        ssize_t n = pwrite(z->fd, p, len, (off_t)at);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return fail(z, "cannot write the zip: %s", strerror(errno));
        p += n;
        at += (uint64_t)n;
        len -= (size_t)n;
    }
    return 0;
}

ZipOut *zipout_open(int fd, char *err, size_t errlen)
{
    ZipOut *z = xcalloc(1, sizeof *z);
    z->fd = fd;
    z->in = xmalloc(CHUNK);
    z->out = xmalloc(CHUNK);
    z->err = err;
    z->errlen = errlen;
    return z;
}

void zipout_discard(ZipOut *z)
{
    if (!z)
        return;
    buf_free(&z->central);
    free(z->in);
    free(z->out);
    free(z);
}

static bool is_ascii(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s >= 0x80)
            return false;
    return true;
}

/* The fields a local and a central header share, from "version needed"
 * on (26 bytes). */
static void common_fields(unsigned char *p, const char *name, const ZipData *d)
{
    put16(p, VERSION_NEEDED);
    put16(p + 2, is_ascii(name) ? 0 : FLAG_UTF8);
    put16(p + 4, Z_DEFLATED);
    put16(p + 6, 0);                    /* 00:00 */
    put16(p + 8, DOS_DATE_1980);
    put32(p + 10, d->crc);
    put32(p + 14, d->csize);
    put32(p + 18, d->usize);
    put16(p + 22, (unsigned)strlen(name));
    put16(p + 24, 0);                   /* no extra field */
}

static int local_header(ZipOut *z, uint64_t at, const char *name,
                        const ZipData *d)
{
    unsigned char h[LOCAL_HEADER];
    put32(h, 0x04034b50);
    common_fields(h + 4, name, d);
    if (write_at(z, h, sizeof h, at) != 0)
        return -1;
    return write_at(z, name, strlen(name), at + LOCAL_HEADER);
}

/* The entry's central record, and the zip's end moved past its data. */
static void central_record(ZipOut *z, uint64_t at, const char *name,
                           unsigned mode, const ZipData *d)
{
    unsigned char h[CENTRAL_HEADER];
    put32(h, 0x02014b50);
    put16(h + 4, MADE_BY);
    common_fields(h + 6, name, d);
    put16(h + 32, 0);                   /* no comment */
    put16(h + 34, 0);                   /* disk 0 */
    put16(h + 36, 0);                   /* internal attributes */
    uint32_t perm = (mode & 0111) ? 0755 : 0644;
    put32(h + 38, (uint64_t)(S_IFREG | perm) << 16);
    put32(h + 42, at);
    buf_add(&z->central, (const char *)h, sizeof h);
    buf_add(&z->central, name, strlen(name));
    z->count++;
    z->end = d->offset + d->csize;
}

static int start_entry(ZipOut *z, const char *name, ZipData *d, uint64_t *at)
{
    if (z->count >= BUNDLE_MAX_FILES)
        return fail(z, "more than %d files", BUNDLE_MAX_FILES);
    *d = (ZipData){0};
    *at = z->end;
    d->offset = z->end + LOCAL_HEADER + strlen(name);
    return 0;
}

/* Feed len bytes (flush: Z_FINISH at the end) and write what comes out. */
static int pump(ZipOut *z, z_stream *s, const unsigned char *in, size_t len,
                int flush, ZipData *d)
{
    s->next_in = (unsigned char *)in;
    s->avail_in = (uInt)len;
    int rc;
    do {
        s->next_out = z->out;
        s->avail_out = CHUNK;
        rc = deflate(s, flush);
        if (rc == Z_STREAM_ERROR)
            return fail(z, "deflate failed");
        size_t n = CHUNK - s->avail_out;
        if (n && write_at(z, z->out, n, d->offset + d->csize) != 0)
            return -1;
        d->csize += n;
    } while (s->avail_out == 0 || (flush == Z_FINISH && rc != Z_STREAM_END));
    return 0;
}

/* The deflate stream libzip 1.7 makes: a raw stream, memory level 9. */
static int deflate_start(ZipOut *z, z_stream *s)
{
    *s = (z_stream){0};
    if (deflateInit2(s, BUNDLE_DEFLATE_LEVEL, Z_DEFLATED, -MAX_WBITS, 9,
                     Z_DEFAULT_STRATEGY) != Z_OK)
        return fail(z, "cannot start deflate");
    return 0;
}

static void account(ZipData *d, Sha256 *h, const unsigned char *p, size_t n)
{
    d->crc = (uint32_t)crc32(d->crc, p, (uInt)n);
    d->usize += n;
    sha256_update(h, p, n);
}

static int finish_entry(ZipOut *z, z_stream *s, uint64_t at, const char *name,
                        unsigned mode, Sha256 *h, ZipData *d, ZipData *out)
{
    int rc = pump(z, s, NULL, 0, Z_FINISH, d);
    deflateEnd(s);
    sha256_final_hex(h, d->sha256);
    if (rc == 0 && d->usize > BUNDLE_MAX_UNZIPPED)
        rc = fail(z, "'%s' holds more than Lambda's limit of %llu bytes "
                  "unzipped", name, BUNDLE_MAX_UNZIPPED);
    if (rc == 0)
        rc = local_header(z, at, name, d);
    if (rc == 0) {
        central_record(z, at, name, mode, d);
        if (out)
            *out = *d;
    }
    return rc;
}

int zipout_deflate(ZipOut *z, const char *name, unsigned mode, int src_fd,
                   ZipData *out)
{
    ZipData d;
    uint64_t at = 0;
    z_stream s;
    if (start_entry(z, name, &d, &at) != 0 || deflate_start(z, &s) != 0)
        return -1;
    Sha256 h;
    sha256_init(&h);
    for (;;) {
        ssize_t n = read(src_fd, z->in, CHUNK);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            deflateEnd(&s);
            return fail(z, "cannot read '%s': %s", name, strerror(errno));
        }
        if (n == 0)
            break;
        account(&d, &h, z->in, (size_t)n);
        if (d.usize > BUNDLE_MAX_UNZIPPED)
            break;              /* finish_entry says so */
        if (pump(z, &s, z->in, (size_t)n, Z_NO_FLUSH, &d) != 0) {
            deflateEnd(&s);
            return -1;
        }
    }
    return finish_entry(z, &s, at, name, mode, &h, &d, out);
}

int zipout_deflate_mem(ZipOut *z, const char *name, unsigned mode,
                       const void *data, size_t len, ZipData *out)
{
    ZipData d;
    uint64_t at = 0;
    z_stream s;
    if (start_entry(z, name, &d, &at) != 0 || deflate_start(z, &s) != 0)
        return -1;
    Sha256 h;
    sha256_init(&h);
    const unsigned char *p = data;
    int rc = 0;
    for (size_t done = 0; rc == 0 && done < len; done += CHUNK) {
        size_t n = len - done < CHUNK ? len - done : CHUNK;
        account(&d, &h, p + done, n);
        rc = pump(z, &s, p + done, n, Z_NO_FLUSH, &d);
    }
    if (rc != 0) {
        deflateEnd(&s);
        return -1;
    }
    return finish_entry(z, &s, at, name, mode, &h, &d, out);
}

int zipout_copy(ZipOut *z, const char *name, unsigned mode, int src_fd,
                const ZipData *from, ZipData *out)
{
    ZipData d;
    uint64_t at = 0;
    if (start_entry(z, name, &d, &at) != 0)
        return -1;
    uint64_t done = 0;
    while (done < from->csize) {
        size_t want = from->csize - done < CHUNK ? (size_t)(from->csize - done)
                                                 : CHUNK;
        ssize_t n = pread(src_fd, z->in, want, (off_t)(from->offset + done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return fail(z, "cannot read the cached zip: %s",
                        n < 0 ? strerror(errno) : "it is cut short");
        if (write_at(z, z->in, (size_t)n, d.offset + done) != 0)
            return -1;
        done += (uint64_t)n;
    }
    d.crc = from->crc;
    d.csize = from->csize;
    d.usize = from->usize;
    memcpy(d.sha256, from->sha256, sizeof d.sha256);
    if (local_header(z, at, name, &d) != 0)
        return -1;
    central_record(z, at, name, mode, &d);
    if (out)
        *out = d;
    return 0;
}

int zipout_close(ZipOut *z, uint64_t *len)
{
    unsigned char eocd[22];
    put32(eocd, 0x06054b50);
    put16(eocd + 4, 0);
    put16(eocd + 6, 0);
    put16(eocd + 8, (unsigned)z->count);
    put16(eocd + 10, (unsigned)z->count);
    put32(eocd + 12, z->central.len);
    put32(eocd + 16, z->end);
    put16(eocd + 20, 0);                   /* no comment */
    int rc = 0;
    if (z->central.len)
        rc = write_at(z, z->central.data, z->central.len, z->end);
    if (rc == 0)
        rc = write_at(z, eocd, sizeof eocd, z->end + z->central.len);
    if (rc == 0)
        *len = z->end + z->central.len + sizeof eocd;
    zipout_discard(z);
    return rc;
}

int sha256_fd(int fd, uint64_t len, char out[65])
{
    unsigned char *buf = xmalloc(CHUNK);
    Sha256 h;
    sha256_init(&h);
    uint64_t done = 0;
    int rc = 0;
    while (done < len) {
        size_t want = len - done < CHUNK ? (size_t)(len - done) : CHUNK;
        ssize_t n = pread(fd, buf, want, (off_t)done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            rc = -1;
            break;
        }
        sha256_update(&h, buf, (size_t)n);
        done += (uint64_t)n;
    }
    free(buf);
    sha256_final_hex(&h, out);
    return rc;
}
