/*
 * mhd.c: libmicrohttpd, loaded when `hitc serve` starts rather than when
 * any hitc starts.
 *
 * In: serve.c's calls to the nine MHD_* functions it uses.  Out: the same
 * calls, made through pointers mhd_load fills with dlopen and dlsym.
 * Why: libmicrohttpd brings GnuTLS and seven more libraries with it;
 * linked in, the dynamic loader bound their symbols and ran their
 * constructors before every `hitc build` and `hitc check`, most of the
 * instructions of a small build.  Now only `hitc serve` pays for them.
 * Holds: the functions here have microhttpd.h's own prototypes (the
 * compiler checks them against the header); each is called only after
 * mhd_load succeeded.  The two info getters are variadic in the header,
 * but the info types serve.c asks for (a client's address, the bound
 * port) take no further argument, so none is passed on.
 */
#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>

#include <microhttpd.h>

#include "local.h"

#ifndef MHD_SONAME
#define MHD_SONAME "libmicrohttpd.so.12"
#endif

static struct {
    struct MHD_Daemon *(*start_daemon_va)(unsigned, uint16_t,
                                          MHD_AcceptPolicyCallback, void *,
                                          MHD_AccessHandlerCallback, void *,
                                          va_list);
    void (*stop_daemon)(struct MHD_Daemon *);
    const union MHD_DaemonInfo *(*get_daemon_info)(struct MHD_Daemon *,
                                                   enum MHD_DaemonInfoType, ...);
    const union MHD_ConnectionInfo *(*get_connection_info)(
        struct MHD_Connection *, enum MHD_ConnectionInfoType, ...);
    int (*get_connection_values)(struct MHD_Connection *, enum MHD_ValueKind,
                                 MHD_KeyValueIterator, void *);
    struct MHD_Response *(*create_response_from_buffer)(
        size_t, void *, enum MHD_ResponseMemoryMode);
    enum MHD_Result (*add_response_header)(struct MHD_Response *,
                                           const char *, const char *);
    enum MHD_Result (*queue_response)(struct MHD_Connection *, unsigned,
                                      struct MHD_Response *);
    void (*destroy_response)(struct MHD_Response *);
} mhd;

int mhd_load(char *err, size_t errlen)
{
    static void *lib;
    if (lib)
        return 0;
    void *h = dlopen(MHD_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        snprintf(err, errlen, "cannot load %s, which hitc serve needs: %s; "
                 "install libmicrohttpd", MHD_SONAME, dlerror());
        return -1;
    }
    struct { void **slot; const char *name; } syms[] = {
        {(void **)&mhd.start_daemon_va, "MHD_start_daemon_va"},
        {(void **)&mhd.stop_daemon, "MHD_stop_daemon"},
        {(void **)&mhd.get_daemon_info, "MHD_get_daemon_info"},
        {(void **)&mhd.get_connection_info, "MHD_get_connection_info"},
        {(void **)&mhd.get_connection_values, "MHD_get_connection_values"},
        {(void **)&mhd.create_response_from_buffer,
         "MHD_create_response_from_buffer"},
        {(void **)&mhd.add_response_header, "MHD_add_response_header"},
        {(void **)&mhd.queue_response, "MHD_queue_response"},
        {(void **)&mhd.destroy_response, "MHD_destroy_response"},
    };
    for (size_t i = 0; i < sizeof syms / sizeof *syms; i++) {
        if (!(*syms[i].slot = dlsym(h, syms[i].name))) {
            snprintf(err, errlen, "%s has no %s: %s", MHD_SONAME,
                     syms[i].name, dlerror());
            dlclose(h);
            return -1;
        }
    }
    lib = h;
    return 0;
}

struct MHD_Daemon *MHD_start_daemon(unsigned int flags, uint16_t port,
                                    MHD_AcceptPolicyCallback apc, void *apc_cls,
                                    MHD_AccessHandlerCallback dh, void *dh_cls,
                                    ...)
{
    va_list ap;
    va_start(ap, dh_cls);
    struct MHD_Daemon *d = mhd.start_daemon_va(flags, port, apc, apc_cls, dh,
                                               dh_cls, ap);
    va_end(ap);
    return d;
}

void MHD_stop_daemon(struct MHD_Daemon *daemon)
{
    mhd.stop_daemon(daemon);
}

const union MHD_DaemonInfo *MHD_get_daemon_info(struct MHD_Daemon *daemon,
                                                enum MHD_DaemonInfoType type,
                                                ...)
{
    return mhd.get_daemon_info(daemon, type);
}

const union MHD_ConnectionInfo *
MHD_get_connection_info(struct MHD_Connection *connection,
                        enum MHD_ConnectionInfoType type, ...)
{
    return mhd.get_connection_info(connection, type);
}

int MHD_get_connection_values(struct MHD_Connection *connection,
                              enum MHD_ValueKind kind,
                              MHD_KeyValueIterator iterator, void *cls)
{
    return mhd.get_connection_values(connection, kind, iterator, cls);
}

struct MHD_Response *MHD_create_response_from_buffer(
    size_t size, void *buffer, enum MHD_ResponseMemoryMode mode)
{
    return mhd.create_response_from_buffer(size, buffer, mode);
}

enum MHD_Result MHD_add_response_header(struct MHD_Response *response,
                                        const char *header,
                                        const char *content)
{
    return mhd.add_response_header(response, header, content);
}

enum MHD_Result MHD_queue_response(struct MHD_Connection *connection,
                                   unsigned int status_code,
                                   struct MHD_Response *response)
{
    return mhd.queue_response(connection, status_code, response);
}

void MHD_destroy_response(struct MHD_Response *response)
{
    mhd.destroy_response(response);
}
