/*
 * sha256.c: SHA-256 through OpenSSL's SHA256_* functions (see sha256.h
 * for why not EVP).
 *
 * In: bytes, in one piece or many.  Out: 64 lower-case hex digits.
 * Holds: Sha256 is big enough for a SHA256_CTX (checked at compile time).
 */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>

#include "sha256.h"

_Static_assert(sizeof(SHA256_CTX) <= sizeof(Sha256),
               "Sha256 must hold a SHA256_CTX");

void sha256_init(Sha256 *h)
{
    SHA256_Init((SHA256_CTX *)h->state);
}

void sha256_update(Sha256 *h, const void *data, size_t len)
{
    SHA256_Update((SHA256_CTX *)h->state, data, len);
}

void sha256_final_hex(Sha256 *h, char out[65])
{
    static const char digits[] = "0123456789abcdef";
    unsigned char md[SHA256_DIGEST_LENGTH];
    SHA256_Final(md, (SHA256_CTX *)h->state);
    for (int i = 0; i < SHA256_DIGEST_LENGTH; i++) {
        out[2 * i] = digits[md[i] >> 4];
        out[2 * i + 1] = digits[md[i] & 15];
    }
    out[64] = '\0';
}

void sha256_hex(const void *data, size_t len, char out[65])
{
    Sha256 h;
    sha256_init(&h);
    sha256_update(&h, data, len);
    sha256_final_hex(&h, out);
}
