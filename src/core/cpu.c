/* Run-time CPU feature detection for the accelerated SHA-256 paths: an instruction is usable only when the
 * CPU has it AND the operating system saves the registers it touches (XCR0 via xgetbv on x86). */
#include "sha256_paths.h"

#if defined(__x86_64__) || defined(_M_X64)
#include <cpuid.h>

/* XCR0 tells which register files the OS context-switches; read it only once OSXSAVE says we may. */
static uint64_t cj_cpu_xcr0(void)
{
    uint32_t eax, edx;
    __asm__ __volatile__("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
    return (uint64_t)edx << 32 | eax;
}

/* cpuid leaf 1 and leaf 7.0 give SSSE3/SSE4.1/OSXSAVE/AVX and SHA/AVX2/AVX-512F/VL. */
unsigned cj_cpu_features(void)
{
    unsigned a, b, c, d, f = 0;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    int ssse3 = (c >> 9) & 1, sse41 = (c >> 19) & 1, osxsave = (c >> 27) & 1, avx = (c >> 28) & 1;
    if (__get_cpuid_max(0, 0) < 7) return 0;
    __cpuid_count(7, 0, a, b, c, d);
    int sha = (b >> 29) & 1, avx2 = (b >> 5) & 1, avx512f = (b >> 16) & 1, avx512vl = (b >> 31) & 1;
    if (sha && ssse3 && sse41) f |= CJ_CPU_SHANI;
    if (osxsave && avx) {
        uint64_t xcr0 = cj_cpu_xcr0();
        int ymm = (xcr0 & 0x6) == 0x6;          /* SSE + AVX state */
        int zmm = ymm && (xcr0 & 0xe0) == 0xe0; /* opmask + ZMM_Hi256 + Hi16_ZMM state */
        if (ymm && avx2) f |= CJ_CPU_AVX2;
        if (zmm && avx2 && avx512f && avx512vl) f |= CJ_CPU_AVX512;
    }
    return f;
}

#elif defined(__aarch64__)
#if defined(__linux__)
#include <sys/auxv.h>
#ifndef HWCAP_SHA2
#define HWCAP_SHA2 (1 << 6)
#endif
#endif

/* Linux reports the SHA-256 instructions in AT_HWCAP; Apple arm64 always has them. */
unsigned cj_cpu_features(void)
{
#if defined(__linux__)
    return (getauxval(AT_HWCAP) & HWCAP_SHA2) ? CJ_CPU_ARMSHA2 : 0;
#elif defined(__APPLE__)
    return CJ_CPU_ARMSHA2;
#else
    return 0;
#endif
}

#else
/* No accelerated path for this architecture. */
unsigned cj_cpu_features(void)
{
    return 0;
}
#endif
