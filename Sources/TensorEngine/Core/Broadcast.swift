/// Broadcasting and dim arguments (semantics §0).
public enum Shapes {
    /// Aligns shapes at the trailing end; sizes must match or be 1 (1 against 0 gives 0).
    public static func broadcast(_ a: [Int], _ b: [Int]) throws -> [Int] {
        // Equal shapes (most elementwise calls) and a 0-d operand (a number) give the other shape
        // as it is: no new array.
        if a == b || b.isEmpty { return a }
        if a.isEmpty { return b }
        let n = max(a.count, b.count)
        var out = [Int](repeating: 1, count: n)
        for i in 0..<n {
            let x = i < n - a.count ? 1 : a[i - (n - a.count)]
            let y = i < n - b.count ? 1 : b[i - (n - b.count)]
            guard x == y || x == 1 || y == 1 else {
                throw TensorError.shape("shapes \(a) and \(b) cannot be broadcast: size \(x) vs \(y) at dim \(i - n)")
            }
            out[i] = x == 1 ? y : x
        }
        if out != a && out != b { try ElementLimit.check(out, op: "broadcast") }
        return out
    }

    /// The product of `sizes`, or nil if it overflows `Int` (a size of 0 makes it 0 whatever
    /// the others: `[2^62, 4, 0]` has no elements). Every product of user-given sizes goes here,
    /// because an overflow trap would take the whole server down.
    public static func product(_ sizes: some Sequence<Int>) -> Int? {
        var total = 1, overflowed = false
        for s in sizes {
            if s == 0 { return 0 }
            let (p, o) = total.multipliedReportingOverflow(by: s)
            total = p
            overflowed = overflowed || o
        }
        return overflowed ? nil : total
    }

    /// The sum of `values`, or nil if it overflows `Int`.
    public static func sum(_ values: some Sequence<Int>) -> Int? {
        var total = 0
        for v in values {
            let (s, o) = total.addingReportingOverflow(v)
            if o { return nil }
            total = s
        }
        return total
    }

    public static func broadcast(_ shapes: [[Int]]) throws -> [Int] {
        try shapes.reduce([]) { try broadcast($0, $1) }
    }

    /// Wraps a dim that names an existing dimension into `0..<max(ndim, 1)` (a 0-d tensor counts as 1-d).
    public static func normalize(_ dim: Int, ndim: Int, op: String = "", argument: String = "dim") throws -> Int {
        let n = max(ndim, 1)
        guard dim >= -n && dim < n else {
            throw TensorError(.dim, "\(op.isEmpty ? "" : op + ": ")dimension \(dim) is out of range for a \(ndim)-d tensor (expected in [\(-n), \(n - 1)])", argument: argument)
        }
        return dim < 0 ? dim + n : dim
    }

    /// Wraps dims for a reduction, rejecting repeats.
    public static func normalize(_ dims: [Int], ndim: Int, op: String = "", argument: String = "dim") throws -> [Int] {
        var seen = Set<Int>()
        return try dims.map { d in
            let w = try normalize(d, ndim: ndim, op: op, argument: argument)
            guard seen.insert(w).inserted else {
                throw TensorError(.dim, "\(op.isEmpty ? "" : op + ": ")dim \(d) appears more than once in \(dims)", argument: argument)
            }
            return w
        }
    }
}

extension Tensor {
    /// A stride-0 view of `self` broadcast to `shape` (no copy).
    func broadcastView(to target: [Int]) -> Tensor {
        if target == shape { return self }
        let lead = target.count - ndim
        var s = [Int](repeating: 0, count: target.count)
        for i in 0..<ndim where shape[i] != 1 || target[lead + i] == 1 { s[lead + i] = strides[i] }
        return restrided(shape: target, strides: s, offset: offset)
    }

    /// Sums a gradient of a broadcast shape back to `target` (the inverse of broadcasting).
    public func summed(toShape target: [Int]) throws -> Tensor {
        if shape == target { return self }
        let lead = ndim - target.count
        var dims = Array(0..<lead)
        for i in 0..<target.count where target[i] == 1 && shape[lead + i] != 1 { dims.append(lead + i) }
        var out = try sum(dims: dims, keepdim: true)
        if lead > 0 { out = try out.reshaped(target) }
        return out
    }
}
