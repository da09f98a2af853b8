// Processor facts that Swift cannot read by itself: CPUID and XGETBV on x86-64, the auxiliary
// vector's hardware capabilities on AArch64, and a fused multiply-add throughput probe per
// instruction set. Used by TensorCore's `Processor` and `ComputeBackend`.
#ifndef LOOM_PROCESSOR_H
#define LOOM_PROCESSOR_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Whether this is an x86-64 build (CPUID and XGETBV are available).
int loom_is_x86_64(void);

/// Runs CPUID for `leaf` and `subleaf`; writes EAX, EBX, ECX, EDX into `registers`.
/// Returns 0 (and zeros) where the leaf is above the processor's highest leaf or not x86-64.
int loom_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t registers[4]);

/// XCR0, the register of the state components the operating system saves (bit 1 SSE, 2 AVX,
/// 5-7 AVX-512). 0 where XGETBV is not available.
uint64_t loom_xgetbv0(void);

/// AArch64: `getauxval(AT_HWCAP)`; 0 elsewhere.
uint64_t loom_hwcap(void);

/// The number of processors in this thread's CPU affinity mask (sched_getaffinity), or 0 where
/// it cannot be read.
int loom_affinity_count(void);

/// Instruction sets of the FMA throughput probe.
enum {
    LOOM_PROBE_AVX512 = 1,
    LOOM_PROBE_AVX2 = 2,
    LOOM_PROBE_PORTABLE = 3,
};

/// Runs `iterations` rounds of independent single-precision fused multiply-adds with the
/// given instruction set (one of LOOM_PROBE_*), on the calling thread. Returns the number of
/// floating-point operations done (2 per lane per FMA), or 0 if the set is not compiled in.
/// `seed` keeps the compiler from folding the loop away; the result is written to `sink`.
double loom_fma_probe(int instruction_set, long iterations, float seed, float *sink);

#ifdef __cplusplus
}
#endif

#endif
