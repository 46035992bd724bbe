#include "csha256.h"

#include <string.h>

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>
#endif

// The round constants: the first 32 bits of the fractional parts of the cube roots of
// the first 64 primes (FIPS 180-4, 4.2.2).
static const uint32_t round_constants[64] __attribute__((aligned(16))) = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
    0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
    0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
    0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
    0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
    0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
    0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
    0xc67178f2,
};

static inline uint32_t rotate_right(uint32_t value, int count) {
    return (value >> count) | (value << (32 - count));
}

static inline uint32_t load_big_endian(const uint8_t *bytes) {
    return (uint32_t)bytes[0] << 24 | (uint32_t)bytes[1] << 16 | (uint32_t)bytes[2] << 8
        | (uint32_t)bytes[3];
}

// The compression function over `count` 64-byte blocks, one round at a time (FIPS
// 180-4, 6.2.2).
static void compress_portable(uint32_t state[8], const uint8_t *blocks, size_t count) {
    for (; count > 0; count--, blocks += 64) {
        uint32_t schedule[64];
        for (int t = 0; t < 16; t++) {
            schedule[t] = load_big_endian(blocks + 4 * t);
        }
        for (int t = 16; t < 64; t++) {
            uint32_t w15 = schedule[t - 15], w2 = schedule[t - 2];
            uint32_t sigma0 = rotate_right(w15, 7) ^ rotate_right(w15, 18) ^ (w15 >> 3);
            uint32_t sigma1 = rotate_right(w2, 17) ^ rotate_right(w2, 19) ^ (w2 >> 10);
            schedule[t] = sigma1 + schedule[t - 7] + sigma0 + schedule[t - 16];
        }
        uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
        uint32_t e = state[4], f = state[5], g = state[6], h = state[7];
        for (int t = 0; t < 64; t++) {
            uint32_t sum1 = rotate_right(e, 6) ^ rotate_right(e, 11) ^ rotate_right(e, 25);
            uint32_t choice = (e & f) ^ (~e & g);
            uint32_t first = h + sum1 + choice + round_constants[t] + schedule[t];
            uint32_t sum0 = rotate_right(a, 2) ^ rotate_right(a, 13) ^ rotate_right(a, 22);
            uint32_t majority = (a & b) ^ (a & c) ^ (b & c);
            uint32_t second = sum0 + majority;
            h = g;
            g = f;
            f = e;
            e = d + first;
            d = c;
            c = b;
            b = a;
            a = first + second;
        }
        state[0] += a;
        state[1] += b;
        state[2] += c;
        state[3] += d;
        state[4] += e;
        state[5] += f;
        state[6] += g;
        state[7] += h;
    }
}

#if defined(__x86_64__)
// Two rounds per sha256rnds2: the extensions keep the eight working variables in two
// registers, ABEF and CDGH (most significant lane first), and take the message word
// plus round constant of the two rounds from the low half of the third operand.
#define FOUR_ROUNDS(words, group)                                                        \
    do {                                                                                 \
        __m128i input = _mm_add_epi32(                                                   \
            words, _mm_load_si128((const __m128i *)&round_constants[4 * (group)]));      \
        cdgh = _mm_sha256rnds2_epu32(cdgh, abef, input);                                 \
        abef = _mm_sha256rnds2_epu32(abef, cdgh, _mm_shuffle_epi32(input, 0x0e));        \
    } while (0)

// The next four words of the message schedule, in place of the oldest four:
//     W[t..t+3] = msg2(msg1(W[t-16..t-13], W[t-12..t-9]) + W[t-7..t-4], W[t-4..t-1])
#define NEXT_WORDS(oldest, second, third, newest)                                        \
    oldest = _mm_sha256msg2_epu32(                                                       \
        _mm_add_epi32(_mm_sha256msg1_epu32(oldest, second),                              \
                      _mm_alignr_epi8(newest, third, 4)),                                \
        newest)

// The same as `compress_portable` with the SHA extensions, four rounds at a time. The
// four groups of schedule words stay in named registers: the compilers keep an array
// of them in memory, at a fifth of the speed.
__attribute__((target("sha,sse4.1")))
static void compress_extensions(uint32_t state[8], const uint8_t *blocks, size_t count) {
    // Swaps the bytes of each 32-bit lane: the message words are big-endian.
    const __m128i byte_swap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);

    __m128i abcd = _mm_loadu_si128((const __m128i *)&state[0]);
    __m128i efgh = _mm_loadu_si128((const __m128i *)&state[4]);
    __m128i badc = _mm_shuffle_epi32(abcd, 0xb1);
    __m128i hgfe = _mm_shuffle_epi32(efgh, 0x1b);
    __m128i abef = _mm_alignr_epi8(badc, hgfe, 8);
    __m128i cdgh = _mm_blend_epi16(hgfe, badc, 0xf0);

    for (; count > 0; count--, blocks += 64) {
        __m128i saved_abef = abef, saved_cdgh = cdgh;
        __m128i w0 = _mm_loadu_si128((const __m128i *)blocks);
        __m128i w1 = _mm_loadu_si128((const __m128i *)(blocks + 16));
        __m128i w2 = _mm_loadu_si128((const __m128i *)(blocks + 32));
        __m128i w3 = _mm_loadu_si128((const __m128i *)(blocks + 48));
        w0 = _mm_shuffle_epi8(w0, byte_swap);
        w1 = _mm_shuffle_epi8(w1, byte_swap);
        w2 = _mm_shuffle_epi8(w2, byte_swap);
        w3 = _mm_shuffle_epi8(w3, byte_swap);
        FOUR_ROUNDS(w0, 0);
        FOUR_ROUNDS(w1, 1);
        FOUR_ROUNDS(w2, 2);
        FOUR_ROUNDS(w3, 3);
        for (int group = 4; group < 16; group += 4) {
            NEXT_WORDS(w0, w1, w2, w3);
            FOUR_ROUNDS(w0, group);
            NEXT_WORDS(w1, w2, w3, w0);
            FOUR_ROUNDS(w1, group + 1);
            NEXT_WORDS(w2, w3, w0, w1);
            FOUR_ROUNDS(w2, group + 2);
            NEXT_WORDS(w3, w0, w1, w2);
            FOUR_ROUNDS(w3, group + 3);
        }
        abef = _mm_add_epi32(abef, saved_abef);
        cdgh = _mm_add_epi32(cdgh, saved_cdgh);
    }

    __m128i feba = _mm_shuffle_epi32(abef, 0x1b);
    __m128i dchg = _mm_shuffle_epi32(cdgh, 0xb1);
    _mm_storeu_si128((__m128i *)&state[0], _mm_blend_epi16(feba, dchg, 0xf0));
    _mm_storeu_si128((__m128i *)&state[4], _mm_alignr_epi8(dchg, feba, 8));
}

static int cpu_has_extensions(void) {
    unsigned int eax, ebx, ecx, edx;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) {
        return 0;
    }
    int sse41 = (ecx & bit_SSE4_1) != 0;
    if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) {
        return 0;
    }
    return sse41 && (ebx & bit_SHA) != 0;
}
#endif

typedef void (*compress_function)(uint32_t state[8], const uint8_t *blocks, size_t count);

// Chosen at the first use; a race only makes two threads choose the same.
static compress_function chosen;

static compress_function compressor(void) {
    compress_function function = __atomic_load_n(&chosen, __ATOMIC_RELAXED);
    if (function == NULL) {
        function = compress_portable;
#if defined(__x86_64__)
        if (cpu_has_extensions()) {
            function = compress_extensions;
        }
#endif
        __atomic_store_n(&chosen, function, __ATOMIC_RELAXED);
    }
    return function;
}

int csha256_uses_cpu_extensions(void) {
#if defined(__x86_64__)
    return compressor() == compress_extensions;
#else
    return 0;
#endif
}

void csha256_init(csha256_context *context) {
    // The first 32 bits of the fractional parts of the square roots of the first eight
    // primes (FIPS 180-4, 5.3.3).
    static const uint32_t initial[8] = {
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
        0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
    };
    memcpy(context->state, initial, sizeof(initial));
    context->length = 0;
    context->used = 0;
    context->portable = 0;
}

void csha256_init_portable(csha256_context *context) {
    csha256_init(context);
    context->portable = 1;
}

void csha256_update(csha256_context *context, const void *data, size_t size) {
    const uint8_t *bytes = data;
    compress_function compress = context->portable ? compress_portable : compressor();
    context->length += size;
    if (context->used > 0) {
        size_t taken = 64 - context->used < size ? 64 - context->used : size;
        memcpy(context->block + context->used, bytes, taken);
        context->used += taken;
        bytes += taken;
        size -= taken;
        if (context->used < 64) {
            return;
        }
        compress(context->state, context->block, 1);
        context->used = 0;
    }
    if (size >= 64) {
        compress(context->state, bytes, size / 64);
        bytes += size - size % 64;
        size %= 64;
    }
    memcpy(context->block, bytes, size);
    context->used = size;
}

void csha256_final(csha256_context *context, uint8_t digest[32]) {
    // Padding (FIPS 180-4, 5.1.1): a one bit, zeros, and the length in bits as a
    // big-endian 64-bit number, ending on a block boundary.
    uint64_t bits = context->length * 8;
    uint8_t padding[72] = { 0x80 };
    size_t zeros = (context->used < 56 ? 56 : 120) - context->used;
    for (int index = 0; index < 8; index++) {
        padding[zeros + index] = (uint8_t)(bits >> (56 - 8 * index));
    }
    csha256_update(context, padding, zeros + 8);
    for (int index = 0; index < 8; index++) {
        uint32_t word = context->state[index];
        digest[4 * index] = (uint8_t)(word >> 24);
        digest[4 * index + 1] = (uint8_t)(word >> 16);
        digest[4 * index + 2] = (uint8_t)(word >> 8);
        digest[4 * index + 3] = (uint8_t)word;
    }
}
