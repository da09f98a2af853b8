#define _GNU_SOURCE
#include "loom_processor.h"

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>
#endif
#if defined(__aarch64__) && defined(__linux__)
#include <sys/auxv.h>
#endif
#if defined(__linux__)
#include <sched.h>
#endif

int loom_is_x86_64(void) {
#if defined(__x86_64__)
    return 1;
#else
    return 0;
#endif
}

int loom_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t registers[4]) {
    registers[0] = registers[1] = registers[2] = registers[3] = 0;
#if defined(__x86_64__)
    unsigned int highest = __get_cpuid_max(leaf & 0x80000000u, 0);
    if (highest == 0 || leaf > highest) return 0;
    unsigned int a, b, c, d;
    __cpuid_count(leaf, subleaf, a, b, c, d);
    registers[0] = a; registers[1] = b; registers[2] = c; registers[3] = d;
    return 1;
#else
    (void)leaf; (void)subleaf;
    return 0;
#endif
}

uint64_t loom_xgetbv0(void) {
#if defined(__x86_64__)
    uint32_t r[4];
    if (!loom_cpuid(1, 0, r) || !(r[2] & (1u << 27))) return 0;   // OSXSAVE
    uint32_t eax, edx;
    __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
    return ((uint64_t)edx << 32) | eax;
#else
    return 0;
#endif
}

uint64_t loom_hwcap(void) {
#if defined(__aarch64__) && defined(__linux__)
    return (uint64_t)getauxval(AT_HWCAP);
#else
    return 0;
#endif
}

int loom_affinity_count(void) {
#if defined(__linux__)
    cpu_set_t mask;
    CPU_ZERO(&mask);
    if (sched_getaffinity(0, sizeof mask, &mask) != 0) return 0;
    return CPU_COUNT(&mask);
#else
    return 0;
#endif
}

// Twelve independent accumulators hide the FMA latency (4-5 cycles) on two FMA ports.
#define LOOM_PROBE_CHAINS 12

#if defined(__x86_64__)
__attribute__((target("avx512f")))
static double probe_avx512(long iterations, float seed, float *sink) {
    __m512 acc[LOOM_PROBE_CHAINS];
    for (int i = 0; i < LOOM_PROBE_CHAINS; i++) acc[i] = _mm512_set1_ps(seed + (float)i);
    const __m512 a = _mm512_set1_ps(0.999999f), b = _mm512_set1_ps(1e-7f);
    for (long n = 0; n < iterations; n++) {
        for (int i = 0; i < LOOM_PROBE_CHAINS; i++) acc[i] = _mm512_fmadd_ps(acc[i], a, b);
    }
    __m512 total = acc[0];
    for (int i = 1; i < LOOM_PROBE_CHAINS; i++) total = _mm512_add_ps(total, acc[i]);
    *sink = _mm512_reduce_add_ps(total);
    return 2.0 * 16.0 * LOOM_PROBE_CHAINS * (double)iterations;
}

__attribute__((target("avx2,fma")))
static double probe_avx2(long iterations, float seed, float *sink) {
    __m256 acc[LOOM_PROBE_CHAINS];
    for (int i = 0; i < LOOM_PROBE_CHAINS; i++) acc[i] = _mm256_set1_ps(seed + (float)i);
    const __m256 a = _mm256_set1_ps(0.999999f), b = _mm256_set1_ps(1e-7f);
    for (long n = 0; n < iterations; n++) {
        for (int i = 0; i < LOOM_PROBE_CHAINS; i++) acc[i] = _mm256_fmadd_ps(acc[i], a, b);
    }
    __m256 total = acc[0];
    for (int i = 1; i < LOOM_PROBE_CHAINS; i++) total = _mm256_add_ps(total, acc[i]);
    float lanes[8];
    _mm256_storeu_ps(lanes, total);
    float s = 0;
    for (int i = 0; i < 8; i++) s += lanes[i];
    *sink = s;
    return 2.0 * 8.0 * LOOM_PROBE_CHAINS * (double)iterations;
}
#endif

static double probe_portable(long iterations, float seed, float *sink) {
    float acc[LOOM_PROBE_CHAINS][4];
    for (int i = 0; i < LOOM_PROBE_CHAINS; i++)
        for (int l = 0; l < 4; l++) acc[i][l] = seed + (float)(i + l);
    for (long n = 0; n < iterations; n++) {
        for (int i = 0; i < LOOM_PROBE_CHAINS; i++)
            for (int l = 0; l < 4; l++) acc[i][l] = acc[i][l] * 0.999999f + 1e-7f;
    }
    float s = 0;
    for (int i = 0; i < LOOM_PROBE_CHAINS; i++)
        for (int l = 0; l < 4; l++) s += acc[i][l];
    *sink = s;
    return 2.0 * 4.0 * LOOM_PROBE_CHAINS * (double)iterations;
}

double loom_fma_probe(int instruction_set, long iterations, float seed, float *sink) {
    switch (instruction_set) {
#if defined(__x86_64__)
    case LOOM_PROBE_AVX512: return probe_avx512(iterations, seed, sink);
    case LOOM_PROBE_AVX2: return probe_avx2(iterations, seed, sink);
#endif
    case LOOM_PROBE_PORTABLE: return probe_portable(iterations, seed, sink);
    default: return 0;
    }
}
