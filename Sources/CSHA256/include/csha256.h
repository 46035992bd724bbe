// SHA-256 (FIPS 180-4) for content digests, without libcrypto: with the CPU's SHA
// extensions where it has them (x86-64 SHA-NI, as fast as OpenSSL's), portable C
// otherwise. Digests name public content, so nothing here needs to be constant-time.
#ifndef CSHA256_H
#define CSHA256_H

#include <stddef.h>
#include <stdint.h>

/// A hash in progress. Plain data: copy it to fork a computation.
typedef struct {
    uint32_t state[8];
    uint64_t length;
    uint8_t block[64];
    size_t used;
    int portable;
} csha256_context;

/// Starts a new hash.
void csha256_init(csha256_context *context);

/// Starts a new hash that uses the portable code even where the CPU has SHA extensions
/// (both give the same digests; the tests compare them).
void csha256_init_portable(csha256_context *context);

/// Feeds `size` bytes at `data`.
void csha256_update(csha256_context *context, const void *data, size_t size);

/// Writes the 32-byte digest of everything fed to `digest`; the context is spent.
void csha256_final(csha256_context *context, uint8_t digest[32]);

/// Whether the SHA extensions are in use on this CPU (for tests and benchmarks).
int csha256_uses_cpu_extensions(void);

#endif
