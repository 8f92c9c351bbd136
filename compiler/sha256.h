/*
 * sha256.h: SHA-256, whole or streamed, as lower-case hex.
 *
 * OpenSSL's SHA256_* functions, not EVP: EVP's first digest fetches an
 * implementation from a provider, which loads OpenSSL's configuration
 * and the default provider (about five million instructions, a quarter
 * of a small build); SHA256_* run the same code with no start-up at all.
 * They are deprecated in OpenSSL 3 (in favour of EVP) but kept, and
 * sha256.c alone uses them.
 */
#ifndef HITC_SHA256_H
#define HITC_SHA256_H

#include <stddef.h>

/* A hash being computed; opaque, fits OpenSSL's SHA256_CTX. */
typedef struct Sha256 {
    _Alignas(8) unsigned char state[128];
} Sha256;

void sha256_init(Sha256 *h);
void sha256_update(Sha256 *h, const void *data, size_t len);
/* out = lower-case hex of the hash of everything given to h. */
void sha256_final_hex(Sha256 *h, char out[65]);

/* out = lower-case hex SHA-256 of data. */
void sha256_hex(const void *data, size_t len, char out[65]);

#endif
