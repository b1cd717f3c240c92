// A GEMM for frozen weights: the right-hand matrix is packed once into column panels of 32, so
// no call repacks it (OpenBLAS repacks B on every call, a fifth of the time of the small 1x1
// convolutions of ResNet50 at 48 px), and the epilogue (bias, residual, ReLU) is applied to the
// output tile while it is still in registers. The micro-kernel keeps a 12 x 32 block of C in 24
// AVX-512 registers and reads the left-hand rows in place (no packing of the activations).
#include "CKernels.h"

#include <immintrin.h>
#include <string.h>

// The tile (CKernels.h): rows of C per micro-kernel call, columns per panel (two AVX-512
// registers), depth per pass (a 12 x 256 slice of A, 12 KiB, and a 256 x 32 panel, 32 KiB, fit L1).
#define MR ZOO_GEMM_MR
#define NR ZOO_GEMM_NR
#define KC ZOO_GEMM_KC
_Static_assert(MR == 12 && NR == 32, "micro() spells out 12 rows and two 16-float halves of a panel");
#define NC 512  // columns per pass: a 256 x 512 block of packed B (512 KiB) stays in L2

int zoo_packed_gemm_available(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f");
}

size_t zoo_packed_size(int k, int n) { return (size_t)k * ((n + NR - 1) / NR) * NR; }

void zoo_pack_b(const float *b, int k, int n, float *packed) {
    int panels = (n + NR - 1) / NR;
    for (int p0 = 0; p0 < k; p0 += KC) {
        int kc = p0 + KC < k ? KC : k - p0;
        for (int p = 0; p < panels; p++) {
            int cols = n - p * NR < NR ? n - p * NR : NR;
            for (int kk = 0; kk < kc; kk++) {
                float *dst = packed + (size_t)p0 * panels * NR + ((size_t)p * kc + kk) * NR;
                memcpy(dst, b + (size_t)(p0 + kk) * n + p * NR, cols * sizeof(float));
                memset(dst + cols, 0, (NR - cols) * sizeof(float));
            }
        }
    }
}

// C[0:mr, 0:32] (masked to the panel's columns) = A[0:12, 0:kc] * B[0:kc, 0:32], plus what C
// held unless `first`; on the `last` pass the epilogue is applied. A's rows are lda apart.
__attribute__((target("avx512f"))) static inline void micro(int kc, const float *a, ptrdiff_t lda, const float *b,
                                                           float *c, ptrdiff_t ldc, int mr, __mmask16 m0,
                                                           __mmask16 m1, int first, int last, const float *bias,
                                                           const float *res, ptrdiff_t ldr, int relu,
                                                           const float *pf, int pf_lines) {
    __m512 acc[MR][2];
#pragma GCC unroll 12
    for (int r = 0; r < MR; r++) {
        acc[r][0] = first ? _mm512_setzero_ps() : _mm512_maskz_loadu_ps(r < mr ? m0 : 0, c + r * ldc);
        acc[r][1] = first ? _mm512_setzero_ps() : _mm512_maskz_loadu_ps(r < mr ? m1 : 0, c + r * ldc + 16);
    }
    // Four row pointers with offsets 0, lda, 2 lda keep the twelve addresses in few registers.
    const float *a0 = a, *a3 = a + 3 * lda, *a6 = a + 6 * lda, *a9 = a + 9 * lda;
    ptrdiff_t l2 = 2 * lda;
    for (int k = 0; k < kc; k++) {
        // This tile's share of the next block of B, a line or two per step, into L2.
        if (2 * k < pf_lines) {
            _mm_prefetch((const char *)(pf + 32 * k), _MM_HINT_T1);
            if (2 * k + 1 < pf_lines) _mm_prefetch((const char *)(pf + 32 * k + 16), _MM_HINT_T1);
        }
        __m512 b0 = _mm512_loadu_ps(b + k * NR), b1 = _mm512_loadu_ps(b + k * NR + 16), av;
#define ROW(r, base, off)                                  \
    av = _mm512_set1_ps(base[off + k]);                    \
    acc[r][0] = _mm512_fmadd_ps(av, b0, acc[r][0]);        \
    acc[r][1] = _mm512_fmadd_ps(av, b1, acc[r][1]);
        ROW(0, a0, 0) ROW(1, a0, lda) ROW(2, a0, l2)
        ROW(3, a3, 0) ROW(4, a3, lda) ROW(5, a3, l2)
        ROW(6, a6, 0) ROW(7, a6, lda) ROW(8, a6, l2)
        ROW(9, a9, 0) ROW(10, a9, lda) ROW(11, a9, l2)
#undef ROW
    }
    __m512 bias0 = _mm512_setzero_ps(), bias1 = _mm512_setzero_ps(), zero = _mm512_setzero_ps();
    if (last && bias) {
        bias0 = _mm512_maskz_loadu_ps(m0, bias);
        bias1 = _mm512_maskz_loadu_ps(m1, bias + 16);
    }
#pragma GCC unroll 12
    for (int r = 0; r < MR; r++) {
        if (r >= mr) break;
        __m512 x0 = acc[r][0], x1 = acc[r][1];
        if (last) {
            // Keras's order: the product, then the bias, then the residual Add, then ReLU.
            x0 = _mm512_add_ps(x0, bias0);
            x1 = _mm512_add_ps(x1, bias1);
            if (res) {
                x0 = _mm512_add_ps(x0, _mm512_maskz_loadu_ps(m0, res + r * ldr));
                x1 = _mm512_add_ps(x1, _mm512_maskz_loadu_ps(m1, res + r * ldr + 16));
            }
            if (relu) {
                // x < 0 ? 0 : x, which keeps NaN as TensorFlow's ReLU does.
                x0 = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(x0, zero, _CMP_LT_OQ), x0, zero);
                x1 = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(x1, zero, _CMP_LT_OQ), x1, zero);
            }
        }
        _mm512_mask_storeu_ps(c + r * ldc, m0, x0);
        _mm512_mask_storeu_ps(c + r * ldc + 16, m1, x1);
    }
}

// One MR x NR tile of C over one depth block; the last rows, when fewer than MR, come from `tail`.
__attribute__((target("avx512f"))) static inline void tile(const float *a, ptrdiff_t lda, const float *block,
                                                          int panel0, int kc, int p0, int i, int j, int j1, int m,
                                                          float *c, ptrdiff_t ldc, int first, int last,
                                                          const float *bias, const float *residual, ptrdiff_t ldr,
                                                          int relu, float *tail, const float *pf,
                                                          int pf_lines) {
    int mr = m - i < MR ? m - i : MR;
    const float *ap = mr < MR ? tail : a + (size_t)i * lda + p0;
    ptrdiff_t la = mr < MR ? kc : lda;
    int nr = j1 - j < NR ? j1 - j : NR;
    __mmask16 m0 = nr >= 16 ? 0xFFFF : (__mmask16)((1u << nr) - 1);
    __mmask16 m1 = nr >= 32 ? 0xFFFF : nr <= 16 ? 0 : (__mmask16)((1u << (nr - 16)) - 1);
    micro(kc, ap, la, block + (size_t)(panel0 + j / NR) * kc * NR, c + (size_t)i * ldc + j, ldc, mr, m0, m1, first,
          last, bias ? bias + j : NULL, residual ? residual + (size_t)i * ldr + j : NULL, ldr, relu, pf, pf_lines);
}

__attribute__((target("avx512f"))) void zoo_packed_gemm(int m, int n, int k, const float *a, ptrdiff_t lda,
                                                       const float *packed, int packed_n, int panel0, float *c,
                                                       ptrdiff_t ldc, const float *bias, const float *residual,
                                                       ptrdiff_t ldr, int relu, int accumulate) {
    if (m <= 0 || n <= 0 || k <= 0) return;
    float tail[MR * KC];  // the last m % MR rows of A's depth block, zero-padded to MR
    size_t panels = (packed_n + NR - 1) / NR;
    // B is streamed once: each KC x NC block of it stays in L2 while every row passes over it.
    for (int j0 = 0; j0 < n; j0 += NC) {
        int j1 = j0 + NC < n ? j0 + NC : n;
        for (int p0 = 0; p0 < k; p0 += KC) {
            int kc = p0 + KC < k ? KC : k - p0;
            int first = p0 == 0 && !accumulate, last = p0 + kc == k;
            const float *block = packed + (size_t)p0 * panels * NR;
            if (m % MR) {
                const float *last_rows = a + (size_t)(m - m % MR) * lda + p0;
                for (int r = 0; r < m % MR; r++) memcpy(tail + r * kc, last_rows + r * lda, kc * sizeof(float));
                memset(tail + m % MR * kc, 0, (MR - m % MR) * kc * sizeof(float));
            }
            // The next block of B (the next depth block, else the next columns) is prefetched
            // while this one is multiplied, each tile taking an equal share: B then arrives as a
            // steady stream instead of in bursts at the start of each block.
            int np0 = last ? 0 : p0 + kc, nj0 = last ? j1 : j0;
            int nj1 = nj0 + NC < n ? nj0 + NC : n, nkc = np0 + KC < k ? KC : k - np0;
            const float *next = nj0 < n ? packed + (size_t)np0 * panels * NR + (size_t)(panel0 + nj0 / NR) * nkc * NR
                                        : NULL;
            int next_lines = next ? nkc * ((nj1 - nj0 + NR - 1) / NR) * NR / 16 : 0;
            int tiles = (m + MR - 1) / MR * ((j1 - j0 + NR - 1) / NR);
            int share = (next_lines + tiles - 1) / tiles, t = 0;
            for (int i = 0; i < m; i += MR)
                for (int j = j0; j < j1; j += NR, t++) {
                    int from = t * share < next_lines ? t * share : next_lines;
                    int lines = next_lines - from < share ? next_lines - from : share;
                    tile(a, lda, block, panel0, kc, p0, i, j, j1, m, c, ldc, first, last, bias, residual, ldr, relu,
                         tail, next ? next + (size_t)from * 16 : NULL, lines < 2 * kc ? lines : 2 * kc);
                }
        }
    }
}
