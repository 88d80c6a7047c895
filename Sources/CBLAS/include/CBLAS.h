#ifndef TENSORD_CBLAS_H
#define TENSORD_CBLAS_H
// OpenBLAS, loaded at run time. Debian's OpenBLAS picks its kernel from
// OPENBLAS_CORETYPE when the library loads, and falls back to its slowest kernel on
// CPUs it does not recognise; loading it ourselves lets us set that variable first.

enum TDBlasTranspose { TDBlasNoTrans = 111, TDBlasTrans = 112 };

/// Loads OpenBLAS once (thread-safe) and sets it to one thread per call (callers split
/// large products across cores themselves). Returns 1 when BLAS is available.
int td_blas_available(void);
/// The core type OpenBLAS was told to use ("" if the user's setting was kept or none was needed).
const char *td_blas_coretype(void);
/// The kernel family OpenBLAS reports it is using (openblas_get_corename), "" if unknown.
const char *td_blas_corename(void);

void td_sgemm(int transA, int transB, int m, int n, int k, float alpha, const float *a, int lda,
              const float *b, int ldb, float beta, float *c, int ldc);
void td_dgemm(int transA, int transB, int m, int n, int k, double alpha, const double *a, int lda,
              const double *b, int ldb, double beta, double *c, int ldc);
#endif
