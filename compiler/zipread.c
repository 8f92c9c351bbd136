/*
 * zipread.c: one file out of a zip in memory (`hitc invoke --stack` reads
 * the .env of a function's deployed, stamped bundle).
 *
 * In: a zip's bytes, as the stamper (Python's zipfile) or hitc wrote them.
 * Out: the named entry's bytes, inflated.  Holds: every offset and size
 * is checked against the buffer before it is read; the central directory
 * is trusted for sizes (a local header may defer them to a data
 * descriptor); stored and deflated entries only, no Zip64 (a bundle is
 * far smaller than 4 GB), which are errors, not guesses.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "hitc.h"
#include "zipout.h"

static unsigned u16(const unsigned char *p) { return p[0] | p[1] << 8; }

static uint32_t u32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

/* The end of central directory record: the last one, within the 64 KB a
 * comment may take. */
static const unsigned char *find_end(const unsigned char *z, size_t len)
{
    if (len < 22)
        return NULL;
    size_t stop = len > 22 + 65535 ? len - 22 - 65535 : 0;
    for (size_t i = len - 22 + 1; i-- > stop;)
        if (u32(z + i) == 0x06054b50)
            return z + i;
    return NULL;
}

static int inflate_to(const unsigned char *in, size_t inlen, unsigned char *out,
                      size_t outlen)
{
    z_stream s = {0};
    if (inflateInit2(&s, -MAX_WBITS) != Z_OK)
        return -1;
    s.next_in = (unsigned char *)in;
    s.avail_in = (uInt)inlen;
    s.next_out = out;
    s.avail_out = (uInt)outlen;
    int rc = inflate(&s, Z_FINISH);
    size_t got = s.total_out;
    inflateEnd(&s);
    return rc == Z_STREAM_END && got == outlen ? 0 : -1;
}

int zip_read_entry(const unsigned char *z, size_t len, const char *name,
                   unsigned char **out, size_t *outlen)
{
    const unsigned char *end = find_end(z, len);
    if (!end)
        return -1;
    size_t count = u16(end + 10), cd = u32(end + 16), namelen = strlen(name);
    for (size_t i = 0; i < count; i++) {
        if (cd > len || len - cd < 46 || u32(z + cd) != 0x02014b50)
            return -1;
        const unsigned char *h = z + cd;
        size_t n = u16(h + 28), extra = u16(h + 30), comment = u16(h + 32);
        if (len - cd - 46 < n)
            return -1;
        if (n == namelen && memcmp(h + 46, name, n) == 0) {
            unsigned method = u16(h + 10);
            size_t csize = u32(h + 20), usize = u32(h + 24), local = u32(h + 42);
            if (local > len || len - local < 30 || u32(z + local) != 0x04034b50)
                return -1;
            size_t data = local + 30 + u16(z + local + 26) + u16(z + local + 28);
            if (data > len || len - data < csize || (method != 0 && method != 8))
                return -1;
            unsigned char *buf = xmalloc(usize + 1);
            if (method == 0 ? csize != usize : inflate_to(z + data, csize, buf, usize) != 0) {
                free(buf);
                return -1;
            }
            if (method == 0)
                memcpy(buf, z + data, usize);
            buf[usize] = '\0';
            *out = buf;
            *outlen = usize;
            return 0;
        }
        cd += 46 + n + extra + comment;
    }
    return -1;
}
