// torch.einsum over letter subscripts (no ellipsis): diagonals of repeated labels, labels
// summed where nothing else needs them, then operands contracted left to right with one
// batched matmul each, and the result permuted to the output's order. Every step is a
// differentiable op (mul, sum, permute, reshape, expand, matmul), so the gradient follows.

extension Tensor {
    /// `torch.einsum(equation, operands)`: `"ij,jk->ik"` (matrix product), `"bij,bjk->bik"`
    /// (batch), `"ij->ji"` (transpose), `"ii->"` (trace), `"ii->i"` (diagonal), `"i,j->ij"`
    /// (outer). Without `->`, the output holds the labels that appear once, in alphabetical
    /// order (upper case first). Size-1 dims broadcast against the same label's other sizes.
    ///
    /// ```swift
    /// let c = try Tensor.einsum("ij,jk->ik", [a, b])   // a.matmul(b)
    /// ```
    public static func einsum(_ equation: String, _ operands: [Tensor]) throws -> Tensor {
        let spec = try EinsumEquation(equation, operands: operands)
        var terms: [(Tensor, [Character])] = []
        for (k, (t, labels)) in zip(operands, spec.inputs).enumerated() {
            terms.append(try diagonals(t, labels, operand: k))
        }
        guard let firstDtype = operands.first?.dtype, operands.allSatisfy({ $0.dtype == firstDtype }) else {
            throw TensorError(.dtype, "einsum: operands must have the same dtype, got \(operands.map(\.dtype))", argument: "operands")
        }
        // Sizes per label: equal, or 1 where it broadcasts.
        var sizes: [Character: Int] = [:]
        for (t, labels) in terms {
            for (label, n) in zip(labels, t.shape) {
                let known = sizes[label] ?? 1
                guard known == n || known == 1 || n == 1 else {
                    throw TensorError(.shape, "einsum: subscript \(label) has size \(n) in one operand and \(known) in another", argument: "operands")
                }
                sizes[label] = Swift.max(known, n)
            }
        }
        var (result, labels) = terms[0]
        for k in 0..<terms.count {
            // Labels still needed: the output's and those of the operands not yet contracted.
            let needed = Set(spec.output + terms[(k + 1)...].flatMap(\.1))
            (result, labels) = k == 0 ? try summedOut(result, labels, keeping: needed)
                : try contract(result, labels, terms[k].0, terms[k].1, keeping: needed, sizes: sizes)
        }
        let order = try spec.output.map { try require(labels.firstIndex(of: $0)) }
        return order.isEmpty ? result : try result.permuted(order)
    }

    /// Takes the diagonal of every repeated label (`ii` → `i`) as `sum(x · eye)` along the
    /// second occurrence, so the gradient is a scatter onto the diagonal.
    private static func diagonals(_ x: Tensor, _ labels: [Character], operand: Int) throws -> (Tensor, [Character]) {
        var t = x, ls = labels
        while let q = ls.indices.first(where: { i in ls[..<i].contains(ls[i]) }) {
            let p = try require(ls.firstIndex(of: ls[q]))
            guard t.shape[p] == t.shape[q] else {
                throw TensorError(.shape, "einsum: subscript \(ls[q]) is repeated for operand \(operand) but the sizes don't match, \(t.shape[p]) != \(t.shape[q])", argument: "operands")
            }
            var maskShape = [Int](repeating: 1, count: t.ndim)
            maskShape[p] = t.shape[p]
            maskShape[q] = t.shape[q]
            let mask = try Tensor.eye(t.shape[p], dtype: t.dtype == .bool ? .int64 : t.dtype).reshaped(maskShape)
            t = try (t * mask).sum(dims: [q])
            ls.remove(at: q)
        }
        return (t, ls)
    }

    private static func require<T>(_ v: T?) throws -> T {
        guard let v else { throw TensorError.value("einsum: internal label bookkeeping failed") }
        return v
    }

    /// Sums the dims whose labels are not in `keeping`.
    private static func summedOut(_ t: Tensor, _ labels: [Character], keeping: Set<Character>) throws -> (Tensor, [Character]) {
        let drop = labels.indices.filter { !keeping.contains(labels[$0]) }
        guard !drop.isEmpty else { return (t, labels) }
        return (try t.sum(dims: drop), labels.enumerated().filter { !drop.contains($0.offset) }.map(\.element))
    }

    /// Contracts two labelled operands with one batched matmul: shared labels that are still
    /// needed are batch dims, shared labels that are not are summed by the product, and each
    /// side's own labels become the rows and columns.
    private static func contract(_ a: Tensor, _ la: [Character], _ b: Tensor, _ lb: [Character],
                                 keeping needed: Set<Character>, sizes: [Character: Int]) throws -> (Tensor, [Character]) {
        let (a, la) = try summedOut(a, la, keeping: needed.union(lb))
        let (b, lb) = try summedOut(b, lb, keeping: needed.union(la))
        let batch = la.filter { lb.contains($0) && needed.contains($0) }
        let summed = la.filter { lb.contains($0) && !needed.contains($0) }
        let rows = la.filter { !lb.contains($0) }, cols = lb.filter { !la.contains($0) }
        func arranged(_ t: Tensor, _ ls: [Character], _ groups: [[Character]]) throws -> Tensor {
            let order = try groups.joined().map { try require(ls.firstIndex(of: $0)) }
            let full = groups.joined().map { label in sizes[label] ?? 1 }
            // Shared labels broadcast: expand size-1 dims to the label's size before reshaping.
            let wanted = zip(order, full).map { i, n in t.shape[i] == 1 ? n : t.shape[i] }
            try ElementLimit.check(wanted, op: "einsum")
            let permuted = try t.permuted(order).expanded(wanted)
            return try permuted.reshaped(groups.map { g in g.reduce(1) { $0 * (sizes[$1] ?? 1) } })
        }
        let left = try arranged(a, la, [batch, rows, summed])
        let right = try arranged(b, lb, [batch, summed, cols])
        let product = try left.matmul(right)
        let labels = batch + rows + cols
        return (try product.reshaped(labels.map { sizes[$0] ?? 1 }), labels)
    }
}

/// A parsed einsum equation: each operand's labels and the output's.
struct EinsumEquation {
    let inputs: [[Character]]
    let output: [Character]

    init(_ equation: String, operands: [Tensor]) throws {
        let text = equation.filter { $0 != " " }
        guard !text.contains(".") else {
            throw TensorError(.value, "einsum: ellipsis ('...') is not supported; write every dim's subscript", argument: "equation")
        }
        let sides = text.components(separatedBy: "->")
        guard sides.count <= 2 else { throw TensorError(.value, "einsum: the equation has more than one '->'", argument: "equation") }
        inputs = sides[0].split(separator: ",", omittingEmptySubsequences: false).map(Array.init)
        for label in sides.joined() where !(label.isASCII && label.isLetter) && label != "," {
            throw TensorError(.value, "einsum: subscripts must be letters a–z or A–Z, got '\(label)'", argument: "equation")
        }
        guard inputs.count == operands.count else {
            throw TensorError(.value, "einsum: the equation has \(inputs.count) operand(s) but \(operands.count) were given", argument: "operands")
        }
        for (k, (labels, t)) in zip(inputs, operands).enumerated() where labels.count != t.ndim {
            throw TensorError(.shape, "einsum: the number of subscripts in the equation (\(labels.count)) does not match the number of dimensions (\(t.ndim)) for operand \(k)", argument: "operands")
        }
        let all = inputs.joined()
        if sides.count == 2 {
            output = Array(sides[1])
            for label in output {
                guard output.filter({ $0 == label }).count == 1 else {
                    throw TensorError(.value, "einsum: output subscript \(label) appears more than once in the output", argument: "equation")
                }
                guard all.contains(label) else {
                    throw TensorError(.value, "einsum: output subscript \(label) does not appear in the equation for any input operand", argument: "equation")
                }
            }
        } else {
            // Implicit output: the labels used once, in alphabetical order (ASCII: upper case first).
            output = Set(all).filter { label in all.filter { $0 == label }.count == 1 }.sorted()
        }
    }
}
