/*
 * jwks.c: a JWT's signature, checked for `hitc serve` as an HTTP API's JWT
 * authorizer checks it: against the issuer's published keys.
 *
 * In: a JWT authorizer's issuer (or serve's --jwks FILE|URL) and a token.
 * Out: once per build, the issuer's key set (JWKS): its
 * ISSUER/.well-known/openid-configuration read for jwks_uri, then that
 * document, or the --jwks file or URL instead; per request, whether the
 * token's signature is one of those keys' (RS256, RS384 or RS512: API
 * Gateway takes RSA keys only).
 * Holds: URLs are read with curl (http and https), files directly; a key
 * set that cannot be read is said once on stderr and every token is then
 * refused, never let through.  A token's header must name a key (kid) of
 * the set, unless the set holds one key.  Keys are built per request from
 * the JWK's n and e (OpenSSL's EVP interface), so requests on several
 * threads share nothing but the read-only key set.
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include "local.h"

extern char **environ;

/* ---- reading the key set ----------------------------------------------------- */

/* The body at URL, through curl (no shell); false with *why when it fails. */
static bool fetch_url(Arena *a, const char *url, Buf *out, const char **why)
{
    int pipefd[2];
    if (pipe(pipefd) != 0) {
        *why = arena_printf(a, "cannot make a pipe: %s", strerror(errno));
        return false;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1);
    posix_spawn_file_actions_addclose(&fa, pipefd[0]);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    const char *argv[] = {"curl", "-fsSL", "--max-time", "10", "--", url, NULL};
    pid_t pid;
    /* posix_spawnp does not write to argv; its prototype predates const */
    int rc = posix_spawnp(&pid, "curl", &fa, NULL, (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(pipefd[1]);
    if (rc != 0) {
        close(pipefd[0]);
        *why = arena_printf(a, "cannot run curl to read %s: %s", url, strerror(rc));
        return false;
    }
    char chunk[8192];
    ssize_t n;
    while ((n = read(pipefd[0], chunk, sizeof chunk)) > 0 || (n < 0 && errno == EINTR))
        if (n > 0)
            buf_add(out, chunk, (size_t)n);
    close(pipefd[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        *why = arena_printf(a, "curl could not read %s (exit %d)", url,
                            WIFEXITED(status) ? WEXITSTATUS(status) : -1);
        return false;
    }
    return true;
}

static bool fetch_file(Arena *a, const char *path, Buf *out, const char **why)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        *why = arena_printf(a, "cannot read %s: %s", path, strerror(errno));
        return false;
    }
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        buf_add(out, chunk, n);
    fclose(f);
    return true;
}

/* WHERE (a URL or a file) read as a JSON object, or NULL with *why. */
static CfnNode *fetch_json(Ctx *ctx, const char *where, const char **why)
{
    Buf text = {0};
    bool url = strncmp(where, "http://", 7) == 0 || strncmp(where, "https://", 8) == 0;
    bool ok = url ? fetch_url(ctx->arena, where, &text, why)
                  : fetch_file(ctx->arena, where, &text, why);
    CfnNode *doc = NULL;
    if (ok) {
        buf_add(&text, "", 1);
        doc = cfn_read(ctx, source_from_text(ctx, where, text.data, text.len - 1));
        if (!doc || doc->kind != CFN_OBJECT) {
            *why = arena_printf(ctx->arena, "%s is not a JSON object", where);
            doc = NULL;
        }
    }
    buf_free(&text);
    return doc;
}

/* The key set of AU: from OPTION, else through the issuer's discovery document. */
static CfnNode *key_set(Ctx *ctx, const LocalAuth *au, const char *option,
                        const char **from, const char **why)
{
    const char *where = option;
    if (!where) {
        size_t n = strlen(au->issuer);
        while (n > 0 && au->issuer[n - 1] == '/')
            n--;
        const char *disc = arena_printf(ctx->arena, "%.*s/.well-known/openid-configuration",
                                        (int)n, au->issuer);
        CfnNode *config = fetch_json(ctx, disc, why);
        if (!config)
            return NULL;
        const CfnNode *uri = cfn_obj_get(config, "jwks_uri");
        if (!uri || uri->kind != CFN_STRING) {
            *why = arena_printf(ctx->arena, "%s has no jwks_uri", disc);
            return NULL;
        }
        where = uri->text;
    }
    *from = arena_strdup(ctx->arena, where);
    CfnNode *set = fetch_json(ctx, where, why);
    CfnNode *keys = set ? cfn_obj_get(set, "keys") : NULL;
    if (set && (!keys || keys->kind != CFN_ARRAY)) {
        *why = arena_printf(ctx->arena, "%s has no \"keys\" list", where);
        return NULL;
    }
    return keys;
}

int local_jwks_prepare(LocalApp *app, LocalAuth *au, const char *option)
{
    const char *why = "it is not known", *from = option;
    /* the key set lives in the app's context, read-only from here on */
    au->keys = key_set(app->ctx, au, option, &from, &why);
    au->keys_from = from;
    if (!au->keys)
        fprintf(stderr, "hitc: authorizer '%s': cannot read the issuer's keys: %s; "
                "every token will be refused (401)\n", au->name, why);
    return 0;
}

/* ---- checking a signature ------------------------------------------------------ */

/* base64url (no padding, as JWTs write it) through OpenSSL's decoder, which
 * wants the standard alphabet padded to a multiple of 4. */
static bool unbase64url(Arena *a, const char *s, size_t n, Buf *out)
{
    size_t padded = (n + 3) / 4 * 4;
    char *std = arena_alloc(a, padded + 1);
    for (size_t i = 0; i < padded; i++) {
        char c = i < n ? s[i] : '=';
        if (c == '+' || c == '/')
            return false;       /* base64, not base64url */
        std[i] = c == '-' ? '+' : c == '_' ? '/' : c;
    }
    std[padded] = '\0';
    unsigned char *bytes = arena_alloc(a, padded / 4 * 3 + 1);
    int len = EVP_DecodeBlock(bytes, (const unsigned char *)std, (int)padded);
    if (n % 4 == 1 || len < (int)(padded - n))
        return false;           /* no base64 text is 4k+1 characters long */
    len -= (int)(padded - n);   /* the padding decodes to zero bytes */
    buf_add(out, (const char *)bytes, (size_t)len);
    return true;
}

static const EVP_MD *digest_of(const char *alg)
{
    if (strcmp(alg, "RS256") == 0)
        return EVP_sha256();
    if (strcmp(alg, "RS384") == 0)
        return EVP_sha384();
    if (strcmp(alg, "RS512") == 0)
        return EVP_sha512();
    return NULL;
}

/* The key of the set that KID names (any key when the set has one and no kid). */
static const CfnNode *key_named(const CfnNode *keys, const CfnNode *kid)
{
    if (!kid && keys->len == 1)
        return keys->items[0];
    for (int i = 0; kid && kid->kind == CFN_STRING && i < keys->len; i++) {
        const CfnNode *k = cfn_obj_get(keys->items[i], "kid");
        if (k && k->kind == CFN_STRING && strcmp(k->text, kid->text) == 0)
            return keys->items[i];
    }
    return NULL;
}

/* An RSA public key from a JWK's n and e, or NULL. */
static EVP_PKEY *rsa_key(Arena *a, const CfnNode *jwk)
{
    const CfnNode *kty = cfn_obj_get(jwk, "kty"), *n = cfn_obj_get(jwk, "n"),
                  *e = cfn_obj_get(jwk, "e");
    if (!kty || kty->kind != CFN_STRING || strcmp(kty->text, "RSA") != 0 ||
        !n || n->kind != CFN_STRING || !e || e->kind != CFN_STRING)
        return NULL;
    Buf nb = {0}, eb = {0};
    EVP_PKEY *key = NULL;
    BIGNUM *bn = NULL, *be = NULL;
    OSSL_PARAM_BLD *bld = NULL;
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *pctx = NULL;
    if (unbase64url(a, n->text, strlen(n->text), &nb) && nb.len &&
        unbase64url(a, e->text, strlen(e->text), &eb) && eb.len &&
        (bn = BN_bin2bn((const unsigned char *)nb.data, (int)nb.len, NULL)) &&
        (be = BN_bin2bn((const unsigned char *)eb.data, (int)eb.len, NULL)) &&
        (bld = OSSL_PARAM_BLD_new()) &&
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn) &&
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, be) &&
        (params = OSSL_PARAM_BLD_to_param(bld)) &&
        (pctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL)) &&
        EVP_PKEY_fromdata_init(pctx) == 1)
        EVP_PKEY_fromdata(pctx, &key, EVP_PKEY_PUBLIC_KEY, params);
    EVP_PKEY_CTX_free(pctx);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    BN_free(bn);
    BN_free(be);
    buf_free(&nb);
    buf_free(&eb);
    return key;
}

bool local_jwt_signed(Ctx *ctx, const LocalAuth *au, const char *token)
{
    if (!au->keys)
        return false;
    if (strncasecmp(token, "Bearer ", 7) == 0)
        token += 7;
    const char *dot1 = strchr(token, '.');
    const char *dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
    if (!dot2 || strchr(dot2 + 1, '.'))
        return false;
    Buf head = {0}, sig = {0};
    bool ok = false;
    EVP_PKEY *key = NULL;
    EVP_MD_CTX *md = NULL;
    if (unbase64url(ctx->arena, token, (size_t)(dot1 - token), &head) && head.len &&
        unbase64url(ctx->arena, dot2 + 1, strlen(dot2 + 1), &sig) && sig.len) {
        CfnNode *h = cfn_read(ctx, source_from_text(ctx, "token header", head.data, head.len));
        const CfnNode *alg = h && h->kind == CFN_OBJECT ? cfn_obj_get(h, "alg") : NULL;
        const EVP_MD *digest = alg && alg->kind == CFN_STRING ? digest_of(alg->text) : NULL;
        const CfnNode *jwk = digest ? key_named(au->keys, cfn_obj_get(h, "kid")) : NULL;
        if (jwk && (key = rsa_key(ctx->arena, jwk)) && (md = EVP_MD_CTX_new()) &&
            EVP_DigestVerifyInit(md, NULL, digest, NULL, key) == 1)
            ok = EVP_DigestVerify(md, (const unsigned char *)sig.data, sig.len,
                                  (const unsigned char *)token, (size_t)(dot2 - token)) == 1;
    }
    EVP_MD_CTX_free(md);
    EVP_PKEY_free(key);
    buf_free(&head);
    buf_free(&sig);
    return ok;
}
