import Testing
@testable import TensorEngine

/// Python indexing: values and views (hand-computed), gradients against finite differences
/// (including repeated advanced indices, whose gradients accumulate), hostile integers.
struct IndexingTests {
    // x = [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]]
    let x = Tensor((0..<12).map(Double.init), shape: [3, 4])
    let all = TensorIndex.slice(start: nil, stop: nil, step: nil)
    func ints(_ v: [Int64]) -> TensorIndex { .tensor(Tensor(v)) }

    @Test func basicIndexingIsAViewOfTheSameStorage() throws {
        let v = try x.indexed([.slice(start: 1, stop: nil, step: nil), .slice(start: nil, stop: nil, step: 2)])
        #expect(v.shape == [2, 2] && v.strides == [4, 2] && v.offset == 4)
        #expect(v.storage === x.storage)
        #expect(v.doubles() == [4, 6, 8, 10])
        let e = try x.indexed([.newAxis, .ellipsis, .int(-1)])
        #expect(e.shape == [1, 3] && e.doubles() == [3, 7, 11])
        #expect(try x.indexed([.int(1), .int(-1)]).shape == [])
        #expect(try x.indexed([.slice(start: -100, stop: 100, step: 3)]).doubles() == [0, 1, 2, 3])
        #expect(try x.indexed([.slice(start: 5, stop: nil, step: nil)]).shape == [0, 4])
    }

    @Test func advancedIndexingCopiesAndFollowsNumpyPlacement() throws {
        let a = try x.indexed([ints([2, 0, 2])])
        #expect(a.shape == [3, 4] && a.storage !== x.storage)
        #expect(a.doubles() == [8, 9, 10, 11, 0, 1, 2, 3, 8, 9, 10, 11])
        #expect(try x.indexed([ints([0, 1, 2]), ints([3, 2, 1])]).doubles() == [3, 6, 9])
        // Separated advanced indices move to the front: y[[0, 1], :, [1, 0]] has shape [2, 3].
        let y = try x.reshaped([2, 3, 2])
        let s = try y.indexed([ints([0, 1]), all, ints([1, 0])])
        #expect(s.shape == [2, 3] && s.doubles() == [1, 3, 5, 6, 8, 10])
        let mask = Tensor([true, false, true])
        #expect(try x.indexed([.tensor(mask), .int(0)]).doubles() == [0, 8])
        #expect(try x.indexed([.tensor(Tensor(scalar: true))]).shape == [1, 3, 4])
    }

    @Test func hostileIntegersAreErrorsNotTraps() {
        for items: [TensorIndex] in [[.int(Int.max)], [.int(Int.min)], [.int(3)], [.int(-4)], [.int(0), .int(0), .int(0)],
                                     [.slice(start: nil, stop: nil, step: 0)], [.slice(start: nil, stop: nil, step: Int.min)],
                                     [ints([Int64.max])], [ints([Int64.min])], [.ellipsis, .ellipsis],
                                     [.tensor(Tensor([1.0]))], [.tensor(Tensor([true, false]))]] {
            #expect(throws: TensorError.self, "\(items)") { try x.indexed(items) }
        }
        // Huge but valid slice bounds and steps clamp as Python's do.
        #expect((try? x.indexed([.slice(start: Int.min, stop: Int.max, step: Int.max)]))?.shape == [1, 4])
        #expect((try? x.indexed([all, .slice(start: Int.max, stop: Int.min, step: 1)]))?.shape == [3, 0])
    }

    @Test func assignmentWritesThroughViews() throws {
        let t = x.copied()
        let row = try t.indexed([.int(1)])
        try row.assignIndexed([.slice(start: nil, stop: 2, step: nil)], Tensor([-1.0]))
        #expect(t.doubles()[4...7] == [-1, -1, 6, 7])
        try t.assignIndexed([ints([0, 2]), ints([3, 0])], Tensor([50.0, 80.0]))
        #expect(t.doubles()[3] == 50 && t.doubles()[8] == 80)
        #expect(throws: TensorError.self) { try t.assignIndexed([.int(0)], Tensor([1.0, 2.0])) }
        // Overlapping source and destination read the old values (x[1:] = x[:-1]).
        let u = Tensor([1.0, 2, 3, 4])
        try u.assignIndexed([.slice(start: 1, stop: nil, step: nil)], try u.indexed([.slice(start: nil, stop: -1, step: nil)]))
        #expect(u.doubles() == [1, 1, 2, 3])
    }

    /// Σ f(x)·w by finite differences against autograd, in float64.
    func gradcheck(_ input: Tensor, _ f: (Tensor) throws -> Tensor) throws {
        let out = try f(input)
        var rng = RandomGenerator(seed: 3)
        let w = Tensor.make(out.shape, Double.self) { b in for i in b.indices { b[i] = rng.uniform() - 0.5 } }
        let leaf = input.requiringGrad()
        let analytic = try Autograd.gradients(of: try (try f(leaf) * w).sum(), wrt: [leaf])[0].doubles()
        var values = input.doubles()
        for j in values.indices {
            let saved = values[j]
            values[j] = saved + 1e-6
            let up = try (try f(Tensor(values, shape: input.shape)) * w).sum().item()
            values[j] = saved - 1e-6
            let down = try (try f(Tensor(values, shape: input.shape)) * w).sum().item()
            values[j] = saved
            let numeric = (up - down) / 2e-6
            #expect(abs(analytic[j] - numeric) <= 1e-6 + 1e-5 * abs(numeric), "element \(j): \(analytic[j]) vs \(numeric)")
        }
    }

    @Test func gradientsMatchFiniteDifferences() throws {
        let s = try x * 0.1 + 0.3
        try gradcheck(s) { try $0.indexed([.slice(start: 1, stop: nil, step: nil), .slice(start: nil, stop: nil, step: 2)]) }
        try gradcheck(s) { try $0.indexed([.newAxis, .ellipsis, .int(-1)]) }
        // Repeated rows: their gradients accumulate.
        try gradcheck(s) { try $0.indexed([self.ints([0, 0, 2, 0]), .slice(start: 1, stop: 3, step: nil)]) }
        try gradcheck(s) { try $0.indexed([self.ints([1, 1]), self.ints([3, 3])]) }
        try gradcheck(s) { try $0.reshaped([2, 3, 2]).indexed([self.ints([0, 1]), self.all, self.ints([1, 0])]) }
        try gradcheck(s) { try $0.transposed(0, 1).indexed([.tensor(Tensor([true, false, true, true]))]) }
        // index_put: gradient to the kept elements of self and to the written values.
        try gradcheck(s) { try $0.indexPut([self.ints([2, 0])], try $0.indexed([.int(1)]) * (try $0.indexed([.int(1)]))) }
    }

    @Test func repeatedIndicesAccumulateAndCreateGraphWorks() throws {
        let leaf = Tensor([1.0, 2, 3]).requiringGrad()
        // y = Σ x[[0, 0, 2]]³: dy/dx = [2·3·1², 0, 3·3²]; d(Σ dy/dx)/dx = [2·6·1, 0, 6·3].
        let y = try GradMode.withGrad { try leaf.indexed([ints([0, 0, 2])]).pow(.scalar(3)).sum() }
        let g = try Autograd.gradients(of: y, wrt: [leaf], createGraph: true)[0]
        #expect(g.doubles() == [6, 0, 27])
        #expect(try Autograd.gradients(of: try g.sum(), wrt: [leaf])[0].doubles() == [12, 0, 18])
    }

    @Test func inPlaceChangesFollowAutogradRules() throws {
        let w = Tensor([1.0, 2]).requiringGrad()
        #expect(throws: TensorError.self) { try w.updated(with: Tensor([0.0, 0])) }
        _ = try GradMode.withoutGrad { try w.updated(with: Tensor([5.0, 6])) }
        #expect(w.doubles() == [5, 6] && w.node?.isLeaf == true)
        // A recorded op that read the old values refuses to differentiate after the change.
        let y = try w * 1
        let z = try y * y
        _ = try y.updated(with: try y.cloned() + 1)
        #expect(throws: TensorError.self) { try z.sum().backward() }
    }
}
