// Memory-bound inner loops of ZooTensor, written in C so that each is compiled for AVX-512,
// AVX2 and baseline x86-64 and the best one is picked at load time (clang's target_clones).
// Swift compiles for baseline x86-64 only, where a 16-float vector is four SSE instructions.
#ifndef ZOO_CKERNELS_H
#define ZOO_CKERNELS_H

#include <stddef.h>

/// Winograd F(4x4,3x3) input transform of one tile: the 6x6 window of image `x` (h x w x c,
/// NHWC) whose top-left input pixel is (iy0, ix0), outside pixels zero, times Bᵀ on the left
/// and B on the right; element ξ of the 36 goes to v[ξ * plane_stride + channel].
void zoo_winograd_input(const float *x, int h, int w, int c, int iy0, int ix0, float *v, ptrdiff_t plane_stride);

/// Winograd F(4x4,3x3) output transform: y = Aᵀ M A + bias (ReLU if asked) for one tile, M
/// element ξ at m[ξ * plane_stride + channel]; writes rows x cols (at most 4 x 4) pixels of
/// `c` channels at out, consecutive output pixels `pixel_stride` floats apart along a row and
/// rows `row_stride` apart.
void zoo_winograd_output(const float *m, ptrdiff_t plane_stride, int c, const float *bias, int relu, int rows,
                         int cols, float *out, ptrdiff_t row_stride);

/// Max or average pooling of one output pixel over channels: the window's `count` input pixels
/// are at x + offsets[i] (in floats); average divides by `count`, as TensorFlow's does for
/// windows clipped by padding.
void zoo_pool_pixel(const float *x, const ptrdiff_t *offsets, int count, int c, int average, float *out);

/// Direct convolution for few input channels (the RGB first layer), where im2col rows are too
/// short for a GEMM: output rows [oy0, oy1) of one image, x [h][w][cin], kernel [kh][kw][cin]
/// [cout] (HWIO), cout a multiple of 16; taps on padding are skipped.
void zoo_conv_direct(const float *x, int h, int w, int cin, const float *kernel, int kh, int kw, int cout,
                     const float *bias, int relu, int stride_y, int stride_x, int pad_top, int pad_left, int ow,
                     int oy0, int oy1, float *out);

/// The GEMM epilogue: c[r][o] += bias[o] + residual[r][o] (each when not NULL), then max(c, 0)
/// when relu.
void zoo_epilogue(float *c, ptrdiff_t rows, int cols, const float *bias, const float *residual, int relu);

// Elementwise passes (elementwise.c). y may be x (in place); n counts floats.

/// y = exp(x), within 2 ulp of expf (16 lanes at a time).
void zoo_exp(const float *x, float *y, ptrdiff_t n);

/// y = 1 / (1 + exp(-x)); times x when swish.
void zoo_sigmoid(const float *x, float *y, ptrdiff_t n, int swish);

/// y = min(max(x + 3, 0), 6) / 6 (Keras 3's hard_sigmoid); times x when swish (hard_swish).
void zoo_hard_sigmoid(const float *x, float *y, ptrdiff_t n, int swish);

/// y = x < 0 ? 0 : x (NaN and -0 pass through, as the Swift loop it replaces).
void zoo_relu(const float *x, float *y, ptrdiff_t n);

/// Keras's ReLU: x >= top -> top; threshold <= x < top -> x; else slope * (x - threshold).
void zoo_relu_general(const float *x, float *y, ptrdiff_t n, float top, float slope, float threshold);

/// y[r][k] = x[r][k] * scale[k] + shift[k] for rows of c channels, then max(y, 0) when relu.
void zoo_scale_shift(const float *x, float *y, ptrdiff_t rows, int c, const float *scale, const float *shift, int relu);

/// y[r][k] = x[r][k] * gate[k] for rows of c channels.
void zoo_mul_rows(const float *x, const float *gate, float *y, ptrdiff_t rows, int c);

/// acc[k] += x[r][k] in double, rows in order.
void zoo_sum_rows_double(const float *x, ptrdiff_t rows, int c, double *acc);

/// best[k] = max(best[k], x[r][k]), rows in order (strict >: NaN rows are skipped).
void zoo_max_rows(const float *x, ptrdiff_t rows, int c, float *best);

/// The packed GEMM's register tile and depth block, the one definition C and Swift both read: a
/// micro-kernel call computes ZOO_GEMM_MR rows x ZOO_GEMM_NR columns of C (24 AVX-512 registers),
/// B is packed in panels of ZOO_GEMM_NR columns and blocks of ZOO_GEMM_KC rows (a 12 x 256 slice
/// of A and a 256 x 32 panel fit L1 together).
enum { ZOO_GEMM_MR = 12, ZOO_GEMM_NR = 32, ZOO_GEMM_KC = 256 };

/// Whether this CPU runs `zoo_packed_gemm` (AVX-512); elsewhere ZooTensor uses OpenBLAS.
int zoo_packed_gemm_available(void);

/// Floats that `zoo_pack_b` writes for a k x n matrix: n rounded up to whole panels of ZOO_GEMM_NR.
size_t zoo_packed_size(int k, int n);

/// Packs row-major b (k x n) in the order `zoo_packed_gemm` reads it: blocks of ZOO_GEMM_KC rows,
/// each a run of panels of ZOO_GEMM_NR columns ([rows][NR], the last panel zero-padded).
void zoo_pack_b(const float *b, int k, int n, float *packed);

/// c[m, n] = a[m, k] * B[k, panel0*NR ..< panel0*NR + n] (+ c when accumulate), B (k x
/// packed_n) packed by `zoo_pack_b`, then + bias[n] and + residual[m, n] (rows ldr apart) when
/// not NULL, then ReLU when asked (NaN stays NaN). Rows of a are lda apart, of c ldc.
/// Single-threaded; AVX-512 only.
void zoo_packed_gemm(int m, int n, int k, const float *a, ptrdiff_t lda, const float *packed, int packed_n,
                     int panel0, float *c, ptrdiff_t ldc, const float *bias, const float *residual, ptrdiff_t ldr,
                     int relu, int accumulate);

/// Whether the calling thread is running a part of one of ZooTensor's parallel loops: work
/// started there stays on its thread. A C thread-local, so each thread has its own and setting it
/// allocates nothing (Swift has no thread-locals of its own; a task-local binding would allocate
/// on every part).
int zoo_in_parallel_region(void);
void zoo_set_in_parallel_region(int inside);

/// Depthwise convolution (Keras `DepthwiseConv2D`), NHWC: output rows [row0, row1) of the batch
/// flattened as n * oh + oy, x [n][h][w][c], kernel [kh][kw][c][m] (output channel c * m + j),
/// bias [c * m] or NULL; taps on padding are skipped. Vectorised over channels.
void zoo_depthwise_forward(const float *x, int h, int w, int c, int m, const float *kernel, int kh, int kw,
                           const float *bias, int stride_y, int stride_x, int pad_top, int pad_left, int oh, int ow,
                           ptrdiff_t row0, ptrdiff_t row1, float *out);

/// dL/dx of `zoo_depthwise_forward` for input rows [row0, row1) of the batch (n * h + iy),
/// overwritten; dy [n][oh][ow][c * m].
void zoo_depthwise_input_grad(const float *dy, int h, int w, int c, int m, const float *kernel, int kh, int kw,
                              int stride_y, int stride_x, int pad_top, int pad_left, int oh, int ow, ptrdiff_t row0,
                              ptrdiff_t row1, float *dx);

/// Adds the output rows [row0, row1)'s share of dL/dkernel [kh][kw][c][m] and (when not NULL)
/// dL/dbias [c * m] into `dkernel` and `dbias`.
void zoo_depthwise_filter_grad(const float *x, int h, int w, int c, int m, const float *dy, int kh, int kw,
                               int stride_y, int stride_x, int pad_top, int pad_left, int oh, int ow, ptrdiff_t row0,
                               ptrdiff_t row1, float *dkernel, float *dbias);

/// The activations `zoo_depthwise_forward_act` and `zoo_activation_inplace` apply (inference
/// only): ReLU capped at `cap` (INFINITY for Keras's plain relu, 6 for relu6), x * sigmoid(x)
/// (swish / silu), x * relu6(x + 3) / 6 (hard_swish / hard_silu) and sigmoid.
enum { ZOO_ACT_LINEAR = 0, ZOO_ACT_RELU = 1, ZOO_ACT_SWISH = 2, ZOO_ACT_HARD_SWISH = 3, ZOO_ACT_SIGMOID = 4 };

/// p[0..<n] = act(p[0..<n]), vectorised (exp to about 2 ulp).
void zoo_activation_inplace(float *p, ptrdiff_t n, int act, float cap);

/// `zoo_depthwise_forward` for depth_multiplier 1, its input through a ReLU when `in_relu`, with
/// the activation `act` (ZOO_ACT_*) applied before each sum is stored; at stride 1, pixels whose
/// taps are all inside the image columns are computed 4 at a time, sharing each kernel tap's load.
void zoo_depthwise_forward_act(const float *x, int h, int w, int c, const float *kernel, int kh, int kw,
                               const float *bias, int stride_y, int stride_x, int pad_top, int pad_left, int oh, int ow,
                               int in_relu, int act, float cap, ptrdiff_t row0, ptrdiff_t row1, float *out);

#endif
