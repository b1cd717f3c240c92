// exp for 16 float lanes, shared by elementwise.c (the standalone sigmoid/swish passes) and
// depthwise.c (the activations fused into convolutions), so a fused and an unfused model compute
// the same function. A macro, not a function: a 64-byte vector argument has no stable ABI across
// the target clones, and clang refuses it.
#ifndef ZOO_VECTOR_EXP_H
#define ZOO_VECTOR_EXP_H

#include <stdint.h>

typedef int32_t zoo_vi16 __attribute__((vector_size(64), aligned(4)));

#define ZOO_SPLAT16(T, v) ((T){0} + (float)(v))
#define ZOO_SELECT16(T, mask, a, b) ((T)(((zoo_vi16)(mask) & (zoo_vi16)(a)) | (~(zoo_vi16)(mask) & (zoo_vi16)(b))))

// out = exp(z) for 16 lanes, within 2 ulp of expf over its whole range: z = n ln2 + r,
// |r| <= ln2 / 2, exp(r) by Cephes's degree-6 polynomial, 2^n applied as two factors so that
// gradual underflow (n down to -150) and overflow to infinity come out as libm's. NaN propagates.
#define ZOO_EXP16(out, z_)                                                                         \
    do {                                                                                           \
        typedef __typeof__(z_) T_x;                                                                \
        T_x z_x = (z_);                                                                            \
        T_x zc_x = ZOO_SELECT16(T_x, z_x > ZOO_SPLAT16(T_x, 88.8f), ZOO_SPLAT16(T_x, 88.8f),       \
                                ZOO_SELECT16(T_x, z_x < ZOO_SPLAT16(T_x, -104.0f),                 \
                                             ZOO_SPLAT16(T_x, -104.0f), z_x));                     \
        /* adding 1.5 * 2^23 rounds to an integer */                                               \
        T_x n_x = (zc_x * ZOO_SPLAT16(T_x, 1.44269504088896341f) + ZOO_SPLAT16(T_x, 12582912.0f))  \
                  - ZOO_SPLAT16(T_x, 12582912.0f);                                                 \
        T_x r_x = zc_x - n_x * ZOO_SPLAT16(T_x, 0.693359375f);                                     \
        r_x = r_x - n_x * ZOO_SPLAT16(T_x, -2.12194440e-4f);                                       \
        T_x p_x = ZOO_SPLAT16(T_x, 1.9875691500e-4f);                                              \
        p_x = p_x * r_x + ZOO_SPLAT16(T_x, 1.3981999507e-3f);                                      \
        p_x = p_x * r_x + ZOO_SPLAT16(T_x, 8.3334519073e-3f);                                      \
        p_x = p_x * r_x + ZOO_SPLAT16(T_x, 4.1665795894e-2f);                                      \
        p_x = p_x * r_x + ZOO_SPLAT16(T_x, 1.6666665459e-1f);                                      \
        p_x = p_x * r_x + ZOO_SPLAT16(T_x, 5.0000001201e-1f);                                      \
        p_x = p_x * r_x * r_x + r_x + ZOO_SPLAT16(T_x, 1.0f);                                      \
        zoo_vi16 ni_x = __builtin_convertvector(n_x, zoo_vi16);                                    \
        zoo_vi16 n1_x = ni_x >> 1, n2_x = ni_x - n1_x;                                             \
        T_x e_x = p_x * (T_x)((n1_x + 127) << 23) * (T_x)((n2_x + 127) << 23);                     \
        (out) = ZOO_SELECT16(T_x, z_x != z_x, z_x, e_x);                                           \
    } while (0)

#endif
