// The libcrypto functions contaird calls (SHA-256 in Sources/ImageSpec), forwarded to
// libcrypto.so.3.
#include <openssl/evp.h>

#include "lazy_internal.h"

// F: a function with a result; V: one without.
#define CRYPTO_FUNCTIONS(F, V)                                                           \
    F(EVP_MD_CTX *, EVP_MD_CTX_new, (void), ())                                         \
    V(EVP_MD_CTX_free, (EVP_MD_CTX *context), (context))                                \
    F(const EVP_MD *, EVP_sha256, (void), ())                                           \
    F(int, EVP_DigestInit_ex, (EVP_MD_CTX *context, const EVP_MD *type, ENGINE *engine), \
      (context, type, engine))                                                          \
    F(int, EVP_DigestUpdate, (EVP_MD_CTX *context, const void *data, size_t count),     \
      (context, data, count))                                                           \
    F(int, EVP_DigestFinal_ex,                                                          \
      (EVP_MD_CTX *context, unsigned char *digest, unsigned int *length),               \
      (context, digest, length))

enum { CRYPTO_FUNCTIONS(LAZY_INDEX, LAZY_INDEX_VOID) LAZY_CRYPTO_COUNT };
static const char *const names[] = { CRYPTO_FUNCTIONS(LAZY_NAME, LAZY_NAME_VOID) };
static void *addresses[LAZY_CRYPTO_COUNT];
const struct lazy_functions lazy_crypto_functions = { names, addresses, LAZY_CRYPTO_COUNT };

#define FORWARD(result, name, parameters, arguments) \
    LAZY_FORWARD(LAZY_LIBRARY_CRYPTO, result, name, parameters, arguments)
#define FORWARD_VOID(name, parameters, arguments) \
    LAZY_FORWARD_VOID(LAZY_LIBRARY_CRYPTO, name, parameters, arguments)
CRYPTO_FUNCTIONS(FORWARD, FORWARD_VOID)
