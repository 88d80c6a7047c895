// Where NaN stands among numbers for max, min, argmax, argmin, amax, amin, kthvalue and topk:
// above every number, as in PyTorch (semantics §5).

/// Orders with NaN above every number (semantics §5: kthvalue, topk, and max's NaN rule).
@inline(__always)
func nanAwareLess<T: Comparable>(_ a: T, _ b: T) -> Bool {
    if b != b { return a == a }
    return a < b
}

/// The first extreme element of `p[0..<n]` (n ≥ 1): the first NaN if there is one,
/// otherwise the first maximum (or minimum), as PyTorch's max/argmax pick ties.
@inline(__always)
func firstExtremeIndex<T: Comparable>(_ p: UnsafePointer<T>, _ n: Int, largest: Bool) -> Int {
    var best = 0
    var v = p[0]
    if v != v { return 0 }
    if largest {
        for i in 1..<n where p[i] > v || p[i] != p[i] {
            if p[i] != p[i] { return i }
            best = i; v = p[i]
        }
    } else {
        for i in 1..<n where p[i] < v || p[i] != p[i] {
            if p[i] != p[i] { return i }
            best = i; v = p[i]
        }
    }
    return best
}
