// where's select on raw element bits, compiled per x86-64 level (see unary.c).
#include "CKernels.h"

#if defined(__x86_64__) && defined(__clang__) && !defined(TD_NO_CLONES)
#define TD_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define TD_CLONES
#endif

// A blend the compiler vectorises: no branch on the condition, so a random mask costs no
// mispredictions (the Swift loop branched on every element).
#define SELECT(name, T)                                                                             \
    TD_CLONES void name(const _Bool *restrict c, const T *restrict a, const T *restrict b,          \
                        T *restrict out, size_t n) {                                                \
        for (size_t i = 0; i < n; i++) out[i] = c[i] ? a[i] : b[i];                                 \
    }

SELECT(td_where_8, uint8_t)
SELECT(td_where_32, uint32_t)
SELECT(td_where_64, uint64_t)
