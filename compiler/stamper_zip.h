/*
 * stamper_zip.h: the stamper's bundle, made at `make` time
 * (compiler/tools/stamper_zip.c writes build/stamper_zip.c).
 *
 * stamper_files lists what goes into it (kinds/stamper.c); the zip and
 * its SHA-256 are linked into hitc, the same bytes for every app.
 */
#ifndef HITC_STAMPER_ZIP_H
#define HITC_STAMPER_ZIP_H

#include <stddef.h>

#include "bundle.h"

#define STAMPER_NFILES 2

extern const unsigned char hitc_stamper_py[];
extern const size_t hitc_stamper_py_len;
extern const unsigned char hitc_kit_py[];
extern const size_t hitc_kit_py_len;

/* The files of the stamper's bundle: index.py imports the plugin kit's
 * protocol layer, hitc_plugin.py.  Inline, so the make-time tool needs
 * no more than bundle.c (with env_file.c) and the two embedded sources. */
static inline void stamper_files(BundleFile out[STAMPER_NFILES])
{
    out[0] = (BundleFile){"hitc_plugin.py", hitc_kit_py, hitc_kit_py_len, 0};
    out[1] = (BundleFile){"index.py", hitc_stamper_py, hitc_stamper_py_len, 0};
}

extern const unsigned char hitc_stamper_zip[];
extern const size_t hitc_stamper_zip_len;
extern const char hitc_stamper_zip_sha256[];

#endif
