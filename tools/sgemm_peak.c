/* Peak single-precision GEMM throughput of the system OpenBLAS: the ceiling zoo's convolutions
 * (im2col + cblas_sgemm) work against. Built and run by tools/benchmarks.py:
 *
 *   gcc -O2 tools/sgemm_peak.c $(pkg-config --cflags --libs openblas) -o sgemm_peak
 *   ./sgemm_peak THREADS[,THREADS...] SIZE[,SIZE...] REPS
 *
 * For every thread count and square size N: C = A B with A, B, C N x N row-major float, one
 * untimed call, then REPS timed calls; the best gives 2 N^3 / t. Prints one JSON object:
 * {"config": openblas_get_config(), "core": openblas_get_corename(), "results": [{"threads",
 * "size", "gflops"}, ...], "peak": {"THREADS": best GFLOP/s over the sizes, ...}}.
 * OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE change which kernel and blocking OpenBLAS picks: the
 * caller decides whether they are set (the benchmark unsets them, as for zoo).
 */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

extern char *openblas_get_config(void);
extern char *openblas_get_corename(void);

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Parses "a,b,c" into at most `max` positive integers; returns the count, 0 on any error. */
static int parse_list(const char *text, int *out, int max) {
    int n = 0;
    char *copy = strdup(text), *save = NULL;
    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        char *end;
        long v = strtol(tok, &end, 10);
        if (*end || v <= 0 || v > 65536 || n == max) { n = 0; break; }
        out[n++] = (int)v;
    }
    free(copy);
    return n;
}

int main(int argc, char **argv) {
    int threads[8], sizes[16];
    int nt = argc == 4 ? parse_list(argv[1], threads, 8) : 0;
    int ns = argc == 4 ? parse_list(argv[2], sizes, 16) : 0;
    int reps = argc == 4 ? atoi(argv[3]) : 0;
    if (!nt || !ns || reps <= 0) {
        fprintf(stderr, "usage: %s THREADS[,THREADS...] SIZE[,SIZE...] REPS\n", argv[0]);
        return 64;
    }
    int largest = 0;
    for (int i = 0; i < ns; i++) if (sizes[i] > largest) largest = sizes[i];
    size_t count = (size_t)largest * (size_t)largest;
    float *a = malloc(count * sizeof(float)), *b = malloc(count * sizeof(float)), *c = malloc(count * sizeof(float));
    if (!a || !b || !c) { fprintf(stderr, "sgemm_peak: out of memory for N = %d\n", largest); return 1; }
    srand(1);
    for (size_t i = 0; i < count; i++) {
        a[i] = (float)rand() / RAND_MAX - 0.5f;
        b[i] = (float)rand() / RAND_MAX - 0.5f;
        c[i] = 0;
    }
    printf("{\"config\": \"%s\", \"core\": \"%s\", \"reps\": %d, \"results\": [", openblas_get_config(),
           openblas_get_corename(), reps);
    double peak[8] = {0};
    for (int t = 0; t < nt; t++) {
        openblas_set_num_threads(threads[t]);
        for (int s = 0; s < ns; s++) {
            int n = sizes[s];
            double best = 1e30;
            for (int r = 0; r <= reps; r++) {  /* r == 0: warm-up (thread start, page faults) */
                double t0 = now();
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, a, n, b, n, 0.0f, c, n);
                double dt = now() - t0;
                if (r > 0 && dt < best) best = dt;
            }
            double gflops = 2.0 * n * n * (double)n / best / 1e9;
            if (gflops > peak[t]) peak[t] = gflops;
            printf("%s{\"threads\": %d, \"size\": %d, \"seconds\": %.6f, \"gflops\": %.2f}",
                   t == 0 && s == 0 ? "" : ", ", threads[t], n, best, gflops);
            fflush(stdout);
        }
    }
    printf("], \"peak\": {");
    for (int t = 0; t < nt; t++) printf("%s\"%d\": %.2f", t ? ", " : "", threads[t], peak[t]);
    printf("}}\n");
    free(a); free(b); free(c);
    return 0;
}
