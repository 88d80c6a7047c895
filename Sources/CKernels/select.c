// where's select on raw element bits, compiled per x86-64 level (see unary.c).
#include "CKernels.h"

#if defined(__x86_64__) && defined(__clang__) && !defined(TD_NO_CLONES)
#define TD_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define TD_CLONES
#endif

// Both sides are loaded and combined through an all-ones or all-zeros mask, which the
// compiler vectorises as plain loads and logic: no branch on the condition (a random mask
// costs no mispredictions) and no gathers (`c[i] ? a[i] : b[i]` became a gather of
// pointers, since it loads only one side).
#define SELECT(name, T)                                                                             \
    TD_CLONES void name(const _Bool *restrict c, const T *restrict a, const T *restrict b,          \
                        T *restrict out, size_t n) {                                                \
        for (size_t i = 0; i < n; i++) {                                                            \
            const T m = (T)0 - (T)c[i];                                                             \
            out[i] = (a[i] & m) | (b[i] & (T)~m);                                                   \
        }                                                                                           \
    }

SELECT(td_where_8, uint8_t)
SELECT(td_where_32, uint32_t)
SELECT(td_where_64, uint64_t)
