#define _GNU_SOURCE
#include "CBLAS.h"
#include <dlfcn.h>
#include <pthread.h>
#include <stdlib.h>

typedef void (*sgemm_fn)(int, int, int, int, int, int, float, const float *, int, const float *, int, float, float *, int);
typedef void (*dgemm_fn)(int, int, int, int, int, int, double, const double *, int, const double *, int, double, double *, int);

static pthread_once_t once = PTHREAD_ONCE_INIT;
static sgemm_fn sgemm_ptr;
static dgemm_fn dgemm_ptr;
static const char *coretype = "";
static char *(*corename_ptr)(void);

enum { CblasRowMajor = 101 };

// Picks the best kernel family the CPU supports, unless the user chose one.
static void choose_coretype(void) {
    if (getenv("OPENBLAS_CORETYPE")) return;
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bw"))
        coretype = "SkylakeX";
    else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        coretype = "Haswell";
    if (*coretype) setenv("OPENBLAS_CORETYPE", coretype, 0);
#endif
}

// OpenBLAS reads its environment when it loads (at the first product). It is set here, before main, while
// the process has one thread: `setenv` is not safe beside threads that read the environment.
__attribute__((constructor)) static void configure_openblas(void) {
    choose_coretype();
    // One thread per call (below), so OpenBLAS's pool would only idle: told before it loads, it starts
    // none. Told after, its worker (started by the loading thread, and named after it) spun in
    // sched_yield for its first 0.1 s, on the core beside a job's first steps.
    setenv("OPENBLAS_NUM_THREADS", "1", 1);
}

static void load(void) {
    const char *names[] = {"libopenblas.so.0", "libopenblas.so", "libblas.so.3", NULL};
    for (int i = 0; names[i]; i++) {
        void *h = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
        if (!h) continue;
        sgemm_ptr = (sgemm_fn)dlsym(h, "cblas_sgemm");
        dgemm_ptr = (dgemm_fn)dlsym(h, "cblas_dgemm");
        corename_ptr = (char *(*)(void))dlsym(h, "openblas_get_corename");
        if (sgemm_ptr && dgemm_ptr) {
            // Tensord splits products across cores itself (Kernels.gemm): Debian's 0.3.21
            // scales poorly from 1 to 2 threads on sgemm (~100 → ~120 GFLOPS where two
            // single-threaded halves reach ~190), and one BLAS thread per call lets
            // concurrent requests run side by side.
            void (*set_threads)(int) = (void (*)(int))dlsym(h, "openblas_set_num_threads");
            if (set_threads) set_threads(1);
            return;
        }
        corename_ptr = NULL;
        sgemm_ptr = NULL; dgemm_ptr = NULL;
        dlclose(h);
    }
}

int td_blas_available(void) {
    pthread_once(&once, load);
    return sgemm_ptr != NULL;
}

const char *td_blas_coretype(void) {
    pthread_once(&once, load);
    return coretype;
}

const char *td_blas_corename(void) {
    pthread_once(&once, load);
    return corename_ptr ? corename_ptr() : "";
}

void td_sgemm(int transA, int transB, int m, int n, int k, float alpha, const float *a, int lda,
              const float *b, int ldb, float beta, float *c, int ldc) {
    pthread_once(&once, load);
    sgemm_ptr(CblasRowMajor, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

void td_dgemm(int transA, int transB, int m, int n, int k, double alpha, const double *a, int lda,
              const double *b, int ldb, double beta, double *c, int ldc) {
    pthread_once(&once, load);
    dgemm_ptr(CblasRowMajor, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
