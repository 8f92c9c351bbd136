/*
 * test_bundle.c: the bundler, read back byte by byte.
 *
 * The zip is parsed here by hand from its central directory and local
 * headers (not by libzip, which wrote it), so every promise of
 * docs/bundles.md is checked on the bytes: sorted names, DOS time
 * 1980-01-01 00:00, modes 0644/0755, no extra fields, no data descriptors,
 * and contents that inflate back to the files.
 */
#include <fcntl.h>
#include <stdbool.h>
#include <ftw.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <zip.h>
#include <zlib.h>

#include "bundle.h"
#include "check.h"
#include "stamper_zip.h"
#include "zipout.h"

/* ---- a scratch directory ---------------------------------------------- */

static char scratch[256];

static int rm_entry(const char *p, const struct stat *s, int f, struct FTW *w)
{
    (void)s, (void)f, (void)w;
    return remove(p);
}

static void fresh(void)
{
    if (scratch[0])
        nftw(scratch, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    snprintf(scratch, sizeof scratch, "/tmp/hitc-bundle-test.XXXXXX");
    if (!mkdtemp(scratch))
        abort();
}

static const char *at(const char *rel)
{
    static char path[4][512];
    static int k;
    k = (k + 1) % 4;
    snprintf(path[k], sizeof path[k], "%s/%s", scratch, rel);
    return path[k];
}

static void put(const char *rel, const char *text, mode_t mode)
{
    char dir[512];
    snprintf(dir, sizeof dir, "%s", at(rel));
    for (char *p = dir + strlen(scratch) + 1; (p = strchr(p, '/')); p++) {
        *p = '\0';
        mkdir(dir, 0755);
        *p = '/';
    }
    FILE *f = fopen(at(rel), "wb");
    fputs(text, f);
    fclose(f);
    chmod(at(rel), mode);
}

/* ---- reading a zip by hand -------------------------------------------- */

typedef struct ZipEntry {
    char name[256];
    unsigned dos_time, dos_date, flags, method, extra, made_by;
    uint32_t external;
    char data[4096];
    size_t len;
} ZipEntry;

static unsigned u16(const unsigned char *p) { return p[0] | p[1] << 8; }
static uint32_t u32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

static int inflate_raw(const unsigned char *in, size_t inlen, char *out,
                       size_t cap, size_t *outlen)
{
    z_stream z = {0};
    if (inflateInit2(&z, -15) != Z_OK)
        return -1;
    z.next_in = (unsigned char *)in;
    z.avail_in = (uInt)inlen;
    z.next_out = (unsigned char *)out;
    z.avail_out = (uInt)cap;
    int rc = inflate(&z, Z_FINISH);
    *outlen = z.total_out;
    inflateEnd(&z);
    return rc == Z_STREAM_END ? 0 : -1;
}

/* Parse every entry; returns the count, or -1 when the zip is malformed. */
static int read_zip(const Bundle *b, ZipEntry *out, int max)
{
    const unsigned char *z = b->data;
    size_t n = b->len;
    if (n < 22 || u32(z + n - 22) != 0x06054b50)
        return -1;                      /* no comment, so EOCD is last */
    int count = (int)u16(z + n - 22 + 10);
    size_t cd = u32(z + n - 22 + 16);
    if (count > max)
        return -1;
    for (int i = 0; i < count; i++) {
        if (cd + 46 > n || u32(z + cd) != 0x02014b50)
            return -1;
        ZipEntry *e = &out[i];
        memset(e, 0, sizeof *e);
        e->made_by = u16(z + cd + 4);
        e->flags = u16(z + cd + 8);
        e->method = u16(z + cd + 10);
        e->dos_time = u16(z + cd + 12);
        e->dos_date = u16(z + cd + 14);
        size_t csize = u32(z + cd + 20);
        unsigned namelen = u16(z + cd + 28), extra = u16(z + cd + 30),
                 comment = u16(z + cd + 32);
        e->external = u32(z + cd + 38);
        size_t local = u32(z + cd + 42);
        memcpy(e->name, z + cd + 46, namelen < 255 ? namelen : 255);
        e->extra = extra;
        /* the local header must agree and carry no extra field either */
        if (u32(z + local) != 0x04034b50 || u16(z + local + 6) != e->flags ||
            u16(z + local + 10) != e->dos_time ||
            u16(z + local + 12) != e->dos_date)
            return -1;
        e->extra += u16(z + local + 28);
        const unsigned char *data = z + local + 30 + u16(z + local + 26) +
                                    u16(z + local + 28);
        if (e->method == 8) {
            if (inflate_raw(data, csize, e->data, sizeof e->data, &e->len))
                return -1;
        } else {
            memcpy(e->data, data, csize);
            e->len = csize;
        }
        cd += 46 + namelen + extra + comment;
    }
    return count;
}

/* ---- cases -------------------------------------------------------------- */

static void sha256_of_abc_is_the_standard_vector(void)
{
    char hex[65];
    sha256_hex("abc", 3, hex);
    CHECK_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

/* The stamper's bundle, zipped at make time, is what zipping its files
 * now makes, and its hash is the hash of those bytes. */
static void the_stamper_zip_made_at_make_time_is_the_same_bytes(void)
{
    BundleFile files[STAMPER_NFILES];
    stamper_files(files);
    Bundle b;
    char err[256], hex[65];
    CHECK_INT(bundle_files(files, STAMPER_NFILES, &b, err, sizeof err), 0);
    CHECK_INT(b.len, hitc_stamper_zip_len);
    CHECK(b.len == hitc_stamper_zip_len &&
          memcmp(b.data, hitc_stamper_zip, b.len) == 0);
    CHECK_STR(b.sha256, hitc_stamper_zip_sha256);
    sha256_hex(hitc_stamper_zip, hitc_stamper_zip_len, hex);
    CHECK_STR(hex, hitc_stamper_zip_sha256);
    CHECK(b.len > 22 && u16(b.data + b.len - 22 + 10) == 2);   /* entries */
    free(b.data);
}

static void limits_are_lambdas(void)
{
    CHECK_INT(BUNDLE_MAX_ZIPPED, 52428800);
    CHECK_INT(BUNDLE_MAX_UNZIPPED, 262144000);
}

static void files_are_sorted_dated_and_moded(void)
{
    BundleFile files[] = {
        {"z.py", (const unsigned char *)"zed\n", 4, 0600},
        {"a/run.sh", (const unsigned char *)"#!/bin/sh\n", 10, 0700},
        {"a-b.txt", (const unsigned char *)"", 0, 0644},
        {"a/b.py", (const unsigned char *)"print(1)\n", 9, 0644},
    };
    Bundle b;
    char err[256];
    CHECK_INT(bundle_files(files, 4, &b, err, sizeof err), 0);
    ZipEntry e[8];
    int n = read_zip(&b, e, 8);
    CHECK_INT(n, 4);
    if (n != 4) {
        free(b.data);
        return;
    }
    CHECK_STR(e[0].name, "a-b.txt");    /* '-' (0x2d) sorts before '/' */
    CHECK_STR(e[1].name, "a/b.py");
    CHECK_STR(e[2].name, "a/run.sh");
    CHECK_STR(e[3].name, "z.py");
    for (int i = 0; i < n; i++) {
        CHECK_INT(e[i].dos_time, 0);
        CHECK_INT(e[i].dos_date, (1 << 5) | 1);
        CHECK_INT(e[i].extra, 0);
        CHECK_INT(e[i].flags & 8, 0);           /* no data descriptor */
        CHECK_INT(e[i].made_by >> 8, 3);        /* Unix */
    }
    CHECK_INT(e[0].external >> 16, 0100644);
    CHECK_INT(e[2].external >> 16, 0100755);
    CHECK_INT(e[3].external >> 16, 0100644);
    REQUIRE_INT(e[1].len, 9);
    CHECK(memcmp(e[1].data, "print(1)\n", 9) == 0);
    char hex[65];
    sha256_hex(b.data, b.len, hex);
    CHECK_STR(b.sha256, hex);
    free(b.data);
}

static void input_order_does_not_change_the_bytes(void)
{
    BundleFile one[] = {{"a", (const unsigned char *)"1", 1, 0644},
                        {"b", (const unsigned char *)"2", 1, 0640}};
    BundleFile two[] = {{"b", (const unsigned char *)"2", 1, 0600},
                        {"a", (const unsigned char *)"1", 1, 0444}};
    Bundle x, y;
    char err[256];
    CHECK_INT(bundle_files(one, 2, &x, err, sizeof err), 0);
    CHECK_INT(bundle_files(two, 2, &y, err, sizeof err), 0);
    CHECK(x.len == y.len && memcmp(x.data, y.data, x.len) == 0);
    CHECK_STR(x.sha256, y.sha256);
    free(x.data);
    free(y.data);
}

static void duplicate_names_are_refused(void)
{
    BundleFile f[] = {{"a", (const unsigned char *)"1", 1, 0644},
                      {"a", (const unsigned char *)"2", 1, 0644}};
    Bundle b;
    char err[256];
    CHECK_INT(bundle_files(f, 2, &b, err, sizeof err), -1);
    CHECK_STR(err, "'a' would be in the zip twice");
    CHECK(b.data == NULL);
}

static void a_directory_is_walked_in_name_order(void)
{
    fresh();
    put("src/index.py", "import lib.util\n", 0644);
    put("src/lib/util.py", "X = 1\n", 0664);
    put("src/lib-extra.py", "Y = 2\n", 0644);
    put("src/bin/tool", "#!/bin/sh\n", 0775);
    Bundle b;
    char err[256] = "";
    CHECK_INT(bundle_dir(at("src"), "src", &b, err, sizeof err), 0);
    CHECK_STR(err, "");
    ZipEntry e[8];
    int n = read_zip(&b, e, 8);
    CHECK_INT(n, 4);
    if (n == 4) {
        CHECK_STR(e[0].name, "bin/tool");
        CHECK_STR(e[1].name, "index.py");
        CHECK_STR(e[2].name, "lib-extra.py");
        CHECK_STR(e[3].name, "lib/util.py");
        CHECK_INT(e[0].external >> 16, 0100755);
        CHECK_INT(e[3].external >> 16, 0100644);
    }
    free(b.data);
}

static void times_and_umask_do_not_reach_the_zip(void)
{
    fresh();
    put("src/a.py", "a\n", 0644);
    put("src/b.py", "b\n", 0755);
    Bundle x, y;
    char err[256];
    CHECK_INT(bundle_dir(at("src"), "src", &x, err, sizeof err), 0);
    struct timeval tv[2] = {{86400 * 365, 0}, {86400 * 365, 0}};
    utimes(at("src/a.py"), tv);
    chmod(at("src/a.py"), 0600);
    chmod(at("src/b.py"), 0700);
    CHECK_INT(bundle_dir(at("src"), "src", &y, err, sizeof err), 0);
    CHECK(x.len == y.len && memcmp(x.data, y.data, x.len) == 0);
    free(x.data);
    free(y.data);
}

static void tool_folders_and_caches_are_left_out(void)
{
    fresh();
    put("src/index.py", "x\n", 0644);
    put("src/__pycache__/index.cpython-312.pyc", "junk", 0644);
    put("src/old.pyc", "junk", 0644);
    put("src/.git/HEAD", "ref\n", 0644);
    put("src/.DS_Store", "junk", 0644);
    put("src/.env", "A=1\n", 0644);
    Bundle b;
    char err[256];
    CHECK_INT(bundle_dir(at("src"), "src", &b, err, sizeof err), 0);
    ZipEntry e[8];
    int n = read_zip(&b, e, 8);
    CHECK_INT(n, 2);
    if (n == 2) {
        CHECK_STR(e[0].name, ".env");
        CHECK_STR(e[1].name, "index.py");
    }
    free(b.data);
}

static void links_inside_are_stored_as_what_they_point_to(void)
{
    fresh();
    put("src/real/data.txt", "payload\n", 0644);
    CHECK_INT(symlink("real/data.txt", at("src/alias.txt")), 0);
    CHECK_INT(symlink("real", at("src/also")), 0);
    Bundle b;
    char err[256];
    CHECK_INT(bundle_dir(at("src"), "src", &b, err, sizeof err), 0);
    ZipEntry e[8];
    int n = read_zip(&b, e, 8);
    CHECK_INT(n, 3);
    if (n == 3) {
        CHECK_STR(e[0].name, "alias.txt");
        CHECK_STR(e[1].name, "also/data.txt");
        CHECK_STR(e[2].name, "real/data.txt");
        CHECK_INT(e[0].external >> 16, 0100644);    /* a file, not a link */
        CHECK(e[0].len == 8 && memcmp(e[0].data, "payload\n", 8) == 0);
    }
    free(b.data);
}

static int expect_refusal(const char *want)
{
    Bundle b;
    char err[512] = "";
    int rc = bundle_dir(at("src"), "src", &b, err, sizeof err);
    CHECK_INT(rc, -1);
    CHECK(b.data == NULL);
    if (!strstr(err, want)) {
        fprintf(stderr, "  error was: %s\n  want it to contain: %s\n", err, want);
        check_case_failed = 1;
    }
    if (rc == 0)
        free(b.data);
    return rc;
}

static void a_link_out_of_the_directory_is_refused(void)
{
    fresh();
    put("src/index.py", "x\n", 0644);
    put("secret.txt", "s\n", 0644);
    CHECK_INT(symlink("../secret.txt", at("src/leak.txt")), 0);
    expect_refusal("symbolic link 'leak.txt' in code directory 'src' points "
                   "outside it");
}

static void a_broken_link_is_refused(void)
{
    fresh();
    put("src/index.py", "x\n", 0644);
    CHECK_INT(symlink("nowhere", at("src/dangling")), 0);
    expect_refusal("symbolic link 'dangling' in code directory 'src' is broken");
}

static void link_loops_are_refused(void)
{
    fresh();
    put("src/a/x.py", "x\n", 0644);
    put("src/b/y.py", "y\n", 0644);
    CHECK_INT(symlink("../b", at("src/a/to-b")), 0);
    CHECK_INT(symlink("../a", at("src/b/to-a")), 0);
    expect_refusal("makes a loop");
    fresh();
    put("src/x.py", "x\n", 0644);
    CHECK_INT(symlink(".", at("src/self")), 0);
    expect_refusal("symbolic link 'self' in code directory 'src' makes a loop");
}

static void special_files_are_refused(void)
{
    fresh();
    put("src/index.py", "x\n", 0644);
    CHECK_INT(mkfifo(at("src/pipe"), 0644), 0);
    expect_refusal("'pipe' in code directory 'src' is not a regular file");
}

static void names_that_unzip_differently_are_refused(void)
{
    fresh();
    put("src/back\\slash.py", "x\n", 0644);
    expect_refusal("the name of 'back\\slash.py' in code directory 'src' "
                   "holds a backslash");
    fresh();
    put("src/new\nline.py", "x\n", 0644);
    expect_refusal("holds a control character");
    fresh();
    put("src/bad\xff.py", "x\n", 0644);
    expect_refusal("is not valid UTF-8");
}

static void an_empty_directory_is_refused(void)
{
    fresh();
    mkdir(at("src"), 0755);
    put("src/__pycache__/x.pyc", "junk", 0644);
    expect_refusal("code directory 'src' holds no files");
}

/* A sparse file: past the limit by its size, without writing 250 MB. */
static void past_the_unzipped_limit_is_refused_before_reading(void)
{
    fresh();
    put("src/index.py", "x\n", 0644);
    int fd = open(at("src/huge.bin"), O_WRONLY | O_CREAT, 0644);
    CHECK(fd >= 0);
    CHECK_INT(ftruncate(fd, (off_t)BUNDLE_MAX_UNZIPPED), 0);
    close(fd);
    expect_refusal("code directory 'src' holds more than Lambda's limit of "
                   "262144000 bytes unzipped");
}

static void a_missing_directory_is_an_error(void)
{
    fresh();
    expect_refusal("cannot read code directory 'src'");
}

/* ---- deflate level ------------------------------------------------------ */

/* Text that level 6 and level 9 compress differently: words drawn by a
 * fixed linear congruential generator. */
static unsigned char *word_salad(size_t n)
{
    static const char *const words[] = {"alpha ", "beta ", "gamma ", "delta\n",
                                        "epsilon ", "zeta ", "eta, ", "theta; "};
    unsigned char *buf = malloc(n);
    unsigned x = 12345;
    for (size_t k = 0; buf && k < n;) {
        x = x * 1103515245u + 12345u;
        for (const char *w = words[(x >> 16) % 8]; *w && k < n; w++)
            buf[k++] = (unsigned char)*w;
    }
    return buf;
}

/* zlib's raw deflate of data at level, with the window and memory level
 * libzip uses (15 bits, MAX_MEM_LEVEL 9); returns the compressed size. */
static size_t zlib_deflate(const unsigned char *data, size_t n, int level,
                           unsigned char *out, size_t cap)
{
    z_stream z = {0};
    if (deflateInit2(&z, level, Z_DEFLATED, -15, 9, Z_DEFAULT_STRATEGY) != Z_OK)
        return 0;
    z.next_in = (unsigned char *)data;
    z.avail_in = (uInt)n;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    int rc = deflate(&z, Z_FINISH);
    size_t len = z.total_out;
    deflateEnd(&z);
    return rc == Z_STREAM_END ? len : 0;
}

/* Bundles deflate at level 6, on purpose: libzip's "default" (flags 0 to
 * zip_set_file_compression) is level 9, 2.4 times slower than `zip -X -r`
 * for zips 1% smaller.  Before the fix this failed: the entry's deflate
 * stream was byte for byte zlib's level 9 (10768 bytes for this text, not
 * level 6's 11544).  A change of level changes every bundle's hash. */
static void deflate_runs_at_level_6(void)
{
    size_t n = 100000, cap = n + n / 8 + 1024;
    unsigned char *text = word_salad(n), *six = malloc(cap), *nine = malloc(cap);
    CHECK(text && six && nine);
    size_t len6 = zlib_deflate(text, n, 6, six, cap);
    size_t len9 = zlib_deflate(text, n, 9, nine, cap);
    CHECK(len6 > 0 && len9 > 0 && len6 != len9);    /* the text tells them apart */
    BundleFile f = {"words.txt", text, n, 0644};
    Bundle b;
    char err[256];
    CHECK_INT(bundle_files(&f, 1, &b, err, sizeof err), 0);
    const unsigned char *z = b.data;
    CHECK(b.len > 30 && u32(z) == 0x04034b50);
    CHECK_INT(u16(z + 8), 8);                       /* deflate */
    size_t csize = u32(z + 18);
    const unsigned char *data = z + 30 + u16(z + 26) + u16(z + 28);
    CHECK_INT(csize, len6);
    CHECK(csize == len6 && memcmp(data, six, len6) == 0);
    free(b.data);
    free(text);
    free(six);
    free(nine);
}

/* ---- libzip, the reference -------------------------------------------- */
/* hitc writes its zips itself (zipout.c); these are the bytes it must
 * match, made by libzip as hitc 0.1 made them: entries added from memory
 * in name order, deflate at level 6, DOS date 1980-01-01 00:00, Unix
 * modes, no extra fields. */

static int libzip_entry(zip_t *za, const BundleFile *f)
{
    zip_source_t *s = zip_source_buffer(za, f->data, f->len, 0);
    zip_int64_t idx = s ? zip_file_add(za, f->name, s, ZIP_FL_ENC_UTF_8) : -1;
    if (idx < 0) {
        if (s)
            zip_source_free(s);
        return -1;
    }
    zip_uint64_t i = (zip_uint64_t)idx;
    zip_uint32_t perm = (f->mode & 0111) ? 0755 : 0644;
    if (zip_set_file_compression(za, i, ZIP_CM_DEFLATE, 6) != 0 ||
        zip_file_set_dostime(za, i, 0, (1 << 5) | 1, 0) != 0 ||
        zip_file_set_external_attributes(za, i, 0, ZIP_OPSYS_UNIX,
                                         (zip_uint32_t)(S_IFREG | perm) << 16) != 0)
        return -1;
    return 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const BundleFile *)a)->name, ((const BundleFile *)b)->name);
}

/* files (sorted here) zipped by libzip into *out (malloc'd). */
static int libzip_files(BundleFile *files, int n, Bundle *out)
{
    qsort(files, (size_t)n, sizeof *files, by_name);
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *mem = zip_source_buffer_create(NULL, 0, 0, &ze);
    zip_t *za = mem ? zip_open_from_source(mem, ZIP_TRUNCATE, &ze) : NULL;
    zip_error_fini(&ze);
    if (!za)
        return -1;
    zip_source_keep(mem);
    int rc = 0;
    for (int i = 0; i < n && rc == 0; i++)
        rc = libzip_entry(za, &files[i]);
    if (rc != 0 || zip_close(za) != 0) {
        zip_discard(za);
        zip_source_free(mem);
        return -1;
    }
    zip_stat_t st;
    zip_stat_init(&st);
    rc = -1;
    if (zip_source_stat(mem, &st) == 0 && zip_source_open(mem) == 0) {
        out->data = malloc(st.size + 1);
        out->len = (size_t)zip_source_read(mem, out->data, st.size);
        zip_source_close(mem);
        sha256_hex(out->data, out->len, out->sha256);
        rc = out->len == st.size ? 0 : -1;
    }
    zip_source_free(mem);
    return rc;
}

/* What bundle_dir_with(src, the kit) zips, by libzip: the same walk
 * (bundle_list), each file read whole. */
static int libzip_dir(const BundleExtra *extra, Bundle *out)
{
    BundleList l;
    char err[512];
    if (bundle_list(at("src"), "src", extra, 1, &l, err, sizeof err, NULL) != 0)
        return -1;
    BundleFile *files = calloc((size_t)l.n + 1, sizeof *files);
    unsigned char **bufs = calloc((size_t)l.n + 1, sizeof *bufs);
    for (int i = 0; i < l.n; i++) {
        if (l.files[i].extra >= 0) {
            files[i] = extra->file;
            continue;
        }
        FILE *f = fopen(l.files[i].path, "rb");
        struct stat st;
        stat(l.files[i].path, &st);
        bufs[i] = malloc((size_t)st.st_size + 1);
        size_t got = f ? fread(bufs[i], 1, (size_t)st.st_size, f) : 0;
        if (f)
            fclose(f);
        files[i] = (BundleFile){l.files[i].name, bufs[i], got, l.files[i].mode};
    }
    int rc = libzip_files(files, l.n, out);
    for (int i = 0; i < l.n; i++)
        free(bufs[i]);
    free(bufs);
    free(files);
    bundle_list_free(&l);
    return rc;
}

/* ---- zips streamed into files, and the cache of them ------------------ */

static const BundleExtra kit_extra = {
    {"hitc_plugin.py", (const unsigned char *)"# the kit\n", 10, 0},
    "the plugin kit", "the kit", 0};

/* bundle_dir_zip of src (with the kit) into *z; 0 or its result. */
static int zip_of(const char *cache, BundleZip *z)
{
    char err[512] = "";
    int rc = bundle_dir_zip(at("src"), "src", NULL, NULL, &kit_extra, 1, cache, z, err,
                            sizeof err, NULL);
    if (rc != 0)
        fprintf(stderr, "  bundle_dir_zip: %s\n", err);
    return rc;
}

/* Does z hold the bytes libzip makes of src now (the reference), named
 * by their hash?  Closes z. */
static bool is_reference(BundleZip *z)
{
    Bundle b;
    bool same = false;
    if (libzip_dir(&kit_extra, &b) == 0) {
        unsigned char *got = malloc(z->len + 1);
        same = got && z->len == b.len &&
               pread(z->fd, got, z->len, 0) == (ssize_t)z->len &&
               memcmp(got, b.data, b.len) == 0 && strcmp(z->sha256, b.sha256) == 0;
        free(got);
        free(b.data);
    }
    close(z->fd);
    return same;
}

static void put_bytes(const char *rel, const unsigned char *data, size_t n)
{
    put(rel, "", 0644);
    FILE *f = fopen(at(rel), "wb");
    fwrite(data, 1, n, f);
    fclose(f);
}

/* A year ago: far from the second a cache index is written in. */
static void age(const char *rel)
{
    struct timeval tv[2] = {{time(NULL) - 86400 * 365, 0},
                            {time(NULL) - 86400 * 365, 0}};
    utimes(at(rel), tv);
}

static void streamed_zips_are_libzips_bytes(void)
{
    fresh();
    unsigned char *words = word_salad(300000), *noise = malloc(200000);
    for (size_t i = 0; i < 200000; i++)
        noise[i] = (unsigned char)(i * 2654435761u >> 13);
    put_bytes("src/words.txt", words, 300000);     /* past one 64 KB chunk */
    put_bytes("src/noise.bin", noise, 200000);     /* deflate makes it bigger */
    put("src/empty.py", "", 0644);
    put("src/caf\xc3\xa9.txt", "non-ASCII name\n", 0644);
    put("src/bin/run", "#!/bin/sh\n", 0755);
    put("src/a-b/c.py", "c\n", 0644);
    BundleZip z;
    CHECK_INT(zip_of(NULL, &z), 0);
    CHECK(!z.reused);
    CHECK(is_reference(&z));
    Bundle mine, theirs;                /* bundle_files, from memory */
    char err[256];
    BundleFile files[] = {{"words.txt", words, 300000, 0644},
                          {"noise.bin", noise, 200000, 0600},
                          {"caf\xc3\xa9/run", (const unsigned char *)"", 0, 0700}};
    CHECK_INT(bundle_files(files, 3, &mine, err, sizeof err), 0);
    CHECK_INT(libzip_files(files, 3, &theirs), 0);
    CHECK(mine.len == theirs.len && memcmp(mine.data, theirs.data, mine.len) == 0);
    CHECK_STR(mine.sha256, theirs.sha256);
    free(mine.data);
    free(theirs.data);
    free(words);
    free(noise);
}

static void the_cache_gives_cold_bytes_warm_changed_and_restored(void)
{
    fresh();
    unsigned char *words = word_salad(150000);
    put_bytes("src/words.txt", words, 150000);
    put("src/a.py", "print('a')\n", 0644);
    put("src/b.py", "print('b')\n", 0644);
    age("src/words.txt"), age("src/a.py"), age("src/b.py");
    char cache[512];                    /* at()'s buffers are reused */
    snprintf(cache, sizeof cache, "%s", at("cache"));
    BundleZip cold, warm, changed, restored;
    CHECK_INT(zip_of(cache, &cold), 0);
    CHECK(!cold.reused);
    char cold_hash[65];
    memcpy(cold_hash, cold.sha256, sizeof cold_hash);
    CHECK(is_reference(&cold));

    CHECK_INT(zip_of(cache, &warm), 0);
    CHECK(warm.reused);                     /* nothing changed */
    CHECK_STR(warm.sha256, cold_hash);
    CHECK(is_reference(&warm));

    struct stat before;
    stat(at("src/b.py"), &before);
    put("src/b.py", "print('B!')\n", 0644);
    age("src/b.py");
    CHECK_INT(zip_of(cache, &changed), 0);
    CHECK(!changed.reused);
    CHECK(strcmp(changed.sha256, cold_hash) != 0);
    CHECK(is_reference(&changed));

    put("src/b.py", "print('b')\n", 0644);    /* as it was, mtime too */
    struct timespec ts[2] = {before.st_atim, before.st_mtim};
    utimensat(AT_FDCWD, at("src/b.py"), ts, 0);
    CHECK_INT(zip_of(cache, &restored), 0);
    CHECK_STR(restored.sha256, cold_hash);
    CHECK(is_reference(&restored));
    free(words);
}

/* A file rewritten in the second the index was written, with its size
 * and mtime put back: only its contents tell, and they are read. */
static void a_file_changed_in_the_cache_entrys_second_is_read_again(void)
{
    fresh();
    put("src/a.py", "print('a')\n", 0644);
    put("src/b.py", "print('b')\n", 0644);    /* mtime: now */
    char cache[512];                    /* at()'s buffers are reused */
    snprintf(cache, sizeof cache, "%s", at("cache"));
    BundleZip first, second;
    CHECK_INT(zip_of(cache, &first), 0);
    close(first.fd);
    struct stat st;
    stat(at("src/b.py"), &st);
    FILE *f = fopen(at("src/b.py"), "r+b");     /* same inode, same size */
    fputs("print('c')\n", f);
    fclose(f);
    struct timespec ts[2] = {st.st_atim, st.st_mtim};
    utimensat(AT_FDCWD, at("src/b.py"), ts, 0);
    CHECK_INT(zip_of(cache, &second), 0);
    CHECK(!second.reused);
    CHECK(strcmp(second.sha256, first.sha256) != 0);
    CHECK(is_reference(&second));
}

/* Another build may evict the zip an index names: a miss, not an error. */
static void a_cache_zip_gone_is_a_miss(void)
{
    fresh();
    put("src/a.py", "print('a')\n", 0644);
    age("src/a.py");
    char cache[512];                    /* at()'s buffers are reused */
    snprintf(cache, sizeof cache, "%s", at("cache"));
    BundleZip first, second;
    CHECK_INT(zip_of(cache, &first), 0);
    char zip[600];
    snprintf(zip, sizeof zip, "%s/%s.zip", cache, first.sha256);
    close(first.fd);
    CHECK_INT(unlink(zip), 0);
    CHECK_INT(zip_of(cache, &second), 0);
    CHECK(!second.reused);
    CHECK(is_reference(&second));
    CHECK_INT(access(zip, F_OK), 0);            /* and it is there again */
}

/* zipread.c, as `hitc invoke --stack` reads a deployed bundle's .env. */
static void one_entry_is_read_back_out_of_a_zip(void)
{
    unsigned char *words = word_salad(100000);
    BundleFile files[] = {{".env", (const unsigned char *)"A=1\n", 4, 0644},
                          {"words.txt", words, 100000, 0644}};
    Bundle b;
    char err[256];
    CHECK_INT(bundle_files(files, 2, &b, err, sizeof err), 0);
    unsigned char *got = NULL;
    size_t len = 0;
    CHECK_INT(zip_read_entry(b.data, b.len, "words.txt", &got, &len), 0);
    CHECK(len == 100000 && got && memcmp(got, words, len) == 0);
    free(got);
    CHECK_INT(zip_read_entry(b.data, b.len, ".env", &got, &len), 0);
    CHECK_STR((char *)got, "A=1\n");
    free(got);
    CHECK_INT(zip_read_entry(b.data, b.len, "nope", &got, &len), -1);
    CHECK_INT(zip_read_entry(b.data, b.len / 2, ".env", &got, &len), -1);
    b.data[b.len - 22 + 16] ^= 0x40;        /* the directory's offset, wrong */
    CHECK_INT(zip_read_entry(b.data, b.len, ".env", &got, &len), -1);
    free(b.data);
    free(words);
}

/* ---- the .env the stamper reads --------------------------------------- */

/* Each text as runtime-support/stamper/index.py's parse_env + check_env
 * judge it; line 0 means accepted.  tests/cli/test_bundles.sh compares
 * thousands of random texts with the stamper itself. */
static void env_files_are_judged_as_the_stamper_judges_them(void)
{
    static const struct {
        const char *text;
        size_t len;             /* 0: strlen */
        int line;
        const char *why;
    } cases[] = {
        {"", 0, 0, NULL},
        {"A=1\n", 0, 0, NULL},
        {"# a comment\n\n  \t\nA = 1 # note\r\nexport B=\"two\\nlines\"\n", 0, 0, NULL},
        {"A='single \\' quote'\nB=\"multi\nline\"\nC=\n", 0, 0, NULL},
        {"export=1\nexport\t\tX=3", 0, 0, NULL},
        {"A=C:\\dir\\\n", 0, 0, NULL},                 /* raw, all safe */
        {"A=\"C:\\\\dir\\\\\"\n", 0, 0, NULL},         /* decodes to C:\dir\ */
        {"A=x y\\ # cut here\nA=fine\n", 0, 0, NULL},
        {"A=\"nul\0inside\"\n", 15, 0, NULL},
        /* since the stamper reads as python-dotenv does, in one pass */
        {"'A'=1\n'B' = \"2\"\n", 0, 0, NULL},           /* quoted keys */
        {"\x0b\xc2\x85" "A=1\n\xe2\x80\xa8\n\x0c" "B=\"2\"\x0c\r\nC=3", 0, 0, NULL},
        {"export\x0b" "A=1\nexport\xc2\xa0" "B=2\nexport #c\n", 0, 0, NULL},
        {"A=1\xe2\x80\xa8" "B\n", 0, 0, NULL},         /* U+2028 ends no raw value */
        {"A='open\\'\n", 0, 0, NULL},   /* closes at the last quote: open\ */
        {"A=\"x\\\\\"\nB=1\n", 0, 0, NULL},            /* the same: x\ */
        {"A=x y\\\n", 0, 0, NULL},      /* ends with '\', written raw */
        {"A='it\\'s\\\\'\n", 0, 0, NULL},
        {"A=x\xc2\xa0\\ \xc2\xa0#c\n", 0, 0, NULL},
        {"A=\" x\\\\\"\nA=1\n", 0, 0, NULL},          /* only the last value counts */
        {"A=1\n1B=2\n", 0, 2, "has the key '1B', which is not a valid key"},
        {"A=1\n'1B'=2\n", 0, 2, "has the key '1B'"},
        {"A-B=1\n", 0, 1, "has the key 'A-B'"},
        {"'A\nB'=1\n", 0, 1, "has the key 'A?B'"},
        {"''=1\n", 0, 1, "is not KEY=VALUE"},
        {"A B=1\n", 0, 1, "is not KEY=VALUE"},
        {"export A B=1\n", 0, 1, "is not KEY=VALUE"},
        {"export=1\nexport  =2\n", 0, 2, "is not KEY=VALUE"},
        {"A=1\nexport\t=1\n", 0, 2, "is not KEY=VALUE"},
        {"just text\n", 0, 1, "is not KEY=VALUE"},
        {"A=1\rB=2\rC\r", 0, 3, "is not KEY=VALUE"},   /* CR ends a line */
        {"\xe2\x80\xa8\n\nA B=1", 0, 3, "is not KEY=VALUE"},  /* U+2028 does not */
        {"A=1\n\nB=\"open\n", 0, 3, "opens a quote it never closes"},
        {"A=\"ends in \\", 0, 1, "opens a quote it never closes"},
        {"A=\"1\" x\n", 0, 1, "has text after its closing quote; remove it"},
        {"A=\"1\"#ok\nB='2' x", 0, 2, "has text after its closing quote"},
        {"A=\"x\\\\\"\nB=\"y\"\n", 0, 1, "has text after its closing quote; "
         "remove it, or start a comment with '#' (python-dotenv reads a quote"},
        {"B=ok\nA=\"x\\\\\"\nA=\"x y\\\\\"\n", 0, 2, "has text after"},
        {"\xef\xbb\xbf" "A=1\n", 0, 1, "starts with a byte order mark"},
        {"A=1\nB=\xff\n", 0, 2, "is not UTF-8 text"},
        {"A=1\rB=\xff\n", 0, 2, "is not UTF-8 text"},
        {"A=\xed\xa0\x80\n", 0, 1, "is not UTF-8 text"},      /* a surrogate */
        {"A=\" x\\\\\"\n", 0, 1, "gives 'A' a value that ends with a backslash"},
        {"A=\"\\nx\\\\\"\n", 0, 1, "gives 'A' a value"},     /* a line break */
        {"A=\"a #b\\\\\"\n", 0, 1, "gives 'A' a value"},     /* space before '#' */
        {"A=\"\\\"q\\\\\"\n", 0, 1, "gives 'A' a value"},    /* a leading quote */
        {"B=ok\nA=1\nA=\" x\\\\\"\n", 0, 3, "gives 'A' a value"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        size_t len = cases[i].len ? cases[i].len : strlen(cases[i].text);
        int line = -1;
        char why[512] = "";
        int rc = env_file_check((const unsigned char *)cases[i].text, len,
                                &line, why, sizeof why);
        bool ok = cases[i].line == 0
                      ? rc == 0
                      : rc == -1 && line == cases[i].line &&
                            strstr(why, cases[i].why) == why;
        if (!ok) {
            fprintf(stderr, "  case %zu: rc %d line %d why '%s'; want line %d '%s'\n",
                    i, rc, line, why, cases[i].line,
                    cases[i].why ? cases[i].why : "(accepted)");
            check_case_failed = 1;
        }
    }
}

/* Reproduction: mkdir src/.env (or put a .env with an open quote in src)
 * and build: exit 0 before the fix, then every deploy FAILED in the
 * stamper ("has '.env/x', which clashes with the .env file"). */
static void a_dotenv_the_stamper_refuses_is_refused_here(void)
{
    Bundle b;
    char err[512] = "";
    fresh();
    put("src/index.py", "x\n", 0644);
    put("src/.env/x", "A=1\n", 0644);
    CHECK_INT(bundle_dir(at("src"), "src", &b, err, sizeof err), BUNDLE_BAD_ENV);
    CHECK_STR(err, "the stamper would refuse '.env' in code directory 'src' at "
                   "deploy time: it is a directory, and the stamper writes a "
                   "file of that name; rename the directory");
    fresh();
    put("src/index.py", "x\n", 0644);
    put("src/.env", "A=1\nB=\"open\n", 0644);
    CHECK_INT(bundle_dir(at("src"), "src", &b, err, sizeof err), BUNDLE_BAD_ENV);
    CHECK_STR(err, "the stamper would refuse '.env' in code directory 'src' at "
                   "deploy time: line 2 opens a quote it never closes; close it");
    CHECK(b.data == NULL);
    /* through a link, the file it points to is what goes in and is read */
    fresh();
    put("src/index.py", "x\n", 0644);
    put("src/conf/env", "\xef\xbb\xbf" "A=1\n", 0644);
    CHECK_INT(symlink("conf/env", at("src/.env")), 0);
    CHECK_INT(bundle_dir(at("src"), "src", &b, err, sizeof err), BUNDLE_BAD_ENV);
    /* a .env below the root is an ordinary file: the stamper reads only the root's */
    fresh();
    put("src/index.py", "x\n", 0644);
    put("src/lib/.env", "not an env file\n", 0644);
    put("src/lib/.env2/.env/x", "y\n", 0644);
    CHECK_INT(bundle_dir(at("src"), "src", &b, err, sizeof err), 0);
    free(b.data);
}

/* A plugin's service gets the kit (bundle_dir_with): the file joins the
 * directory's at the root, in name order; the same bytes already there are
 * the same file; other bytes of that name are BUNDLE_CLASH, for the zip
 * and for the check alone (`hitc check`). */
static void an_extra_file_joins_the_bundle_unless_it_clashes(void)
{
    static const unsigned char kit[] = "# the kit\n";
    BundleExtra extra = {{"hitc_plugin.py", kit, sizeof kit - 1, 0},
                         "the plugin kit", "the kit", 0};
    fresh();
    put("src/service.py", "x\n", 0644);
    put("src/a.py", "a\n", 0644);
    Bundle b, same;
    char err[512] = "";
    CHECK_INT(bundle_dir_with(at("src"), "src", &extra, 1, &b, err, sizeof err, NULL), 0);
    ZipEntry e[8];
    int n = read_zip(&b, e, 8);
    CHECK_INT(n, 3);
    if (n == 3) {
        CHECK_STR(e[0].name, "a.py");
        CHECK_STR(e[1].name, "hitc_plugin.py");
        CHECK_STR(e[2].name, "service.py");
        CHECK_INT(e[1].external >> 16, 0100644);
    }
    CHECK_INT(bundle_extra_check(at("src"), "src", &extra, 1, err, sizeof err, NULL), 0);
    put("src/hitc_plugin.py", "# the kit\n", 0644);
    CHECK_INT(bundle_dir_with(at("src"), "src", &extra, 1, &same, err, sizeof err, NULL), 0);
    CHECK(b.len == same.len && memcmp(b.data, same.data, b.len) == 0);
    free(b.data);
    free(same.data);
    put("src/hitc_plugin.py", "# an old kit\n", 0644);
    CHECK_INT(bundle_dir_with(at("src"), "src", &extra, 1, &b, err, sizeof err, NULL),
              BUNDLE_CLASH);
    CHECK(b.data == NULL);
    CHECK(strstr(err, "code directory 'src' has its own 'hitc_plugin.py'") != NULL);
    err[0] = '\0';
    CHECK_INT(bundle_extra_check(at("src"), "src", &extra, 1, err, sizeof err, NULL),
              BUNDLE_CLASH);
    CHECK(strstr(err, "'hitc_plugin.py'") != NULL);
}

/* Two extras (a stamped plugin service: the kit and the .env reader) join
 * in name order; a clash with the second names it, in err and *clashed. */
static void two_extras_join_and_the_clashing_one_is_named(void)
{
    static const unsigned char kit[] = "# the kit\n", env[] = "# the reader\n";
    BundleExtra extras[2] = {
        {{"hitc_plugin.py", kit, sizeof kit - 1, 0}, "the plugin kit", "the kit", 7},
        {{"hitc_env.py", env, sizeof env - 1, 0}, "the .env reader", "the reader", 8},
    };
    fresh();
    put("src/service.py", "x\n", 0644);
    Bundle b;
    char err[512] = "";
    int clashed = -1;
    CHECK_INT(bundle_dir_with(at("src"), "src", extras, 2, &b, err, sizeof err, &clashed), 0);
    ZipEntry e[8];
    int n = read_zip(&b, e, 8);
    CHECK_INT(n, 3);
    if (n == 3) {
        CHECK_STR(e[0].name, "hitc_env.py");
        CHECK_STR(e[1].name, "hitc_plugin.py");
        CHECK_STR(e[2].name, "service.py");
    }
    free(b.data);
    put("src/hitc_env.py", "# an old reader\n", 0644);
    CHECK_INT(bundle_dir_with(at("src"), "src", extras, 2, &b, err, sizeof err, &clashed),
              BUNDLE_CLASH);
    CHECK_INT(clashed, 1);
    CHECK(strstr(err, "has its own 'hitc_env.py', which differs from the .env reader; "
                      "delete it (hitc writes the reader into the bundle itself)") != NULL);
    clashed = -1;
    CHECK_INT(bundle_extra_check(at("src"), "src", extras, 2, err, sizeof err, &clashed),
              BUNDLE_CLASH);
    CHECK_INT(clashed, 1);
}

int main(void)
{
    RUN(sha256_of_abc_is_the_standard_vector);
    RUN(the_stamper_zip_made_at_make_time_is_the_same_bytes);
    RUN(limits_are_lambdas);
    RUN(files_are_sorted_dated_and_moded);
    RUN(input_order_does_not_change_the_bytes);
    RUN(duplicate_names_are_refused);
    RUN(a_directory_is_walked_in_name_order);
    RUN(times_and_umask_do_not_reach_the_zip);
    RUN(tool_folders_and_caches_are_left_out);
    RUN(links_inside_are_stored_as_what_they_point_to);
    RUN(a_link_out_of_the_directory_is_refused);
    RUN(a_broken_link_is_refused);
    RUN(link_loops_are_refused);
    RUN(special_files_are_refused);
    RUN(names_that_unzip_differently_are_refused);
    RUN(an_empty_directory_is_refused);
    RUN(past_the_unzipped_limit_is_refused_before_reading);
    RUN(a_missing_directory_is_an_error);
    RUN(deflate_runs_at_level_6);
    RUN(streamed_zips_are_libzips_bytes);
    RUN(the_cache_gives_cold_bytes_warm_changed_and_restored);
    RUN(a_file_changed_in_the_cache_entrys_second_is_read_again);
    RUN(a_cache_zip_gone_is_a_miss);
    RUN(one_entry_is_read_back_out_of_a_zip);
    RUN(env_files_are_judged_as_the_stamper_judges_them);
    RUN(a_dotenv_the_stamper_refuses_is_refused_here);
    RUN(an_extra_file_joins_the_bundle_unless_it_clashes);
    RUN(two_extras_join_and_the_clashing_one_is_named);
    nftw(scratch, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    return check_summary();
}
