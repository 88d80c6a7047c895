import Testing
@testable import TensorEngine

struct CreationTests {
    @Test func zerosAndOnes() throws {
        expectValues(try Tensor.zeros([2, 3]), [0, 0, 0, 0, 0, 0], shape: [2, 3], dtype: .float32)
        expectValues(try Tensor.ones([3], dtype: .int64), [1, 1, 1], dtype: .int64)
        expectValues(try Tensor.ones([2], dtype: .bool), [1, 1], dtype: .bool)
        expectValues(try Tensor.zeros([]), [0], shape: [], dtype: .float32)
        expectValues(try Tensor.zeros([0, 3]), [], shape: [0, 3])
        #expect(try Tensor.zeros([2, 2]).isContiguous)
    }

    @Test func negativeSizesAreValueErrors() {
        expectError(.value) { try Tensor.zeros([2, -1]) }
        expectError(.value) { try Tensor.ones([-3]) }
        expectError(.value) { try Tensor.full([-1], fillValue: 1) }
        expectError(.value) { try Tensor.zeros([Int.max, 4]) }
    }

    @Test func fullInfersItsDtype() throws {
        expectValues(try Tensor.full([2, 2], fillValue: 7), [7, 7, 7, 7], shape: [2, 2], dtype: .int64)
        expectValues(try Tensor.full([2], fillValue: 0.5), [0.5, 0.5], dtype: .float32)
        expectValues(try Tensor.full([2], fillValue: true), [1, 1], dtype: .bool)
        expectValues(try Tensor.full([], fillValue: 2, dtype: .float64), [2], shape: [], dtype: .float64)
        expectValues(try Tensor.full([2], fillValue: .float(.nan)), [.nan, .nan])
        expectValues(try Tensor.full([1], fillValue: .float(-.infinity)), [-.infinity])
        // A float fill truncates into an explicit int dtype; a non-finite one cannot.
        expectValues(try Tensor.full([2], fillValue: 3.7, dtype: .int64), [3, 3], dtype: .int64)
        expectValues(try Tensor.full([2], fillValue: -3.7, dtype: .int64), [-3, -3], dtype: .int64)
        expectValues(try Tensor.full([2], fillValue: 2, dtype: .bool), [1, 1], dtype: .bool)
        expectValues(try Tensor.full([1], fillValue: .int(Int64.max)), [Double(Int64.max)], dtype: .int64)
        expectError(.value) { try Tensor.full([2], fillValue: .float(.nan), dtype: .int64) }
        expectError(.value) { try Tensor.full([2], fillValue: .float(.infinity), dtype: .int64) }
    }

    @Test func arangeIntegers() throws {
        expectValues(try Tensor.arange(end: 5), [0, 1, 2, 3, 4], dtype: .int64)
        expectValues(try Tensor.arange(start: 0, end: 6, step: 2), [0, 2, 4], dtype: .int64)
        expectValues(try Tensor.arange(start: 0, end: 7, step: 2), [0, 2, 4, 6], dtype: .int64)
        expectValues(try Tensor.arange(start: 0, end: -5, step: -2), [0, -2, -4], dtype: .int64)
        expectValues(try Tensor.arange(start: 3, end: 3), [], dtype: .int64)
        expectValues(try Tensor.arange(end: 3, dtype: .float64), [0, 1, 2], dtype: .float64)
    }

    @Test func arangeFloats() throws {
        expectValues(try Tensor.arange(start: 1, end: 2.5, step: 0.5), [1, 1.5, 2], dtype: .float32)
        // PyTorch: torch.arange(0, 1, 0.1) has 10 values, each start + i·step rounded to float32.
        expectValues(try Tensor.arange(start: 0, end: 1, step: 0.1),
                     [0.0, 0.10000000149011612, 0.20000000298023224, 0.30000001192092896, 0.4000000059604645, 0.5,
                      0.6000000238418579, 0.699999988079071, 0.800000011920929, 0.8999999761581421], dtype: .float32, tol: 0)
        expectValues(try Tensor.arange(start: 1, end: 0, step: -0.25), [1, 0.75, 0.5, 0.25], dtype: .float32)
        expectValues(try Tensor.arange(start: 0.5, end: 3, step: 1, dtype: .int64), [0, 1, 2], dtype: .int64)
        expectValues(try Tensor.arange(start: 0, end: 0.0), [], dtype: .float32)
    }

    @Test func arangeErrors() {
        expectError(.value) { try Tensor.arange(start: 0, end: 5, step: 0) }
        expectError(.value) { try Tensor.arange(start: 0, end: 5, step: 0.0) }
        expectError(.value) { try Tensor.arange(start: 0, end: 5, step: -1) }
        expectError(.value) { try Tensor.arange(start: 5, end: 0, step: 1) }
        expectError(.value) { try Tensor.arange(start: 0, end: .float(.infinity)) }
        expectError(.value) { try Tensor.arange(start: .float(.nan), end: 1) }
    }

    @Test func arangeThroughTheCatalogue() throws {
        expectValues(try Ops.call("arange", positional: [.int(3)])[0], [0, 1, 2], dtype: .int64)
        expectValues(try Ops.call("arange", positional: [.int(1), .int(4)])[0], [1, 2, 3], dtype: .int64)
        expectValues(try Ops.call("arange", positional: [.int(0), .int(1), .float(0.5)])[0], [0, 0.5], dtype: .float32)
        expectValues(try Ops.call("arange", positional: [.int(2)], keywords: ["dtype": .string("float64")])[0], [0, 1], dtype: .float64)
        expectValues(try Ops.call("arange", keywords: ["end": .int(2)])[0], [0, 1], dtype: .int64)
        expectValues(try Ops.call("arange", keywords: ["start": .int(1), "end": .float(2), "step": .float(0.5)])[0], [1, 1.5], dtype: .float32)
        expectError(.value) { try Ops.call("arange", keywords: ["step": .int(2)]) }
    }

    @Test func linspace() throws {
        // PyTorch's values: the second half counts down from end.
        expectValues(try Tensor.linspace(start: -1, end: 1, steps: 7),
                     [-1.0, -0.6666666269302368, -0.3333333134651184, -2.9802322387695312e-08, 0.3333333134651184, 0.6666666269302368, 1.0],
                     dtype: .float32, tol: 0)
        expectValues(try Tensor.linspace(start: 0, end: 1, steps: 7),
                     [0.0, 0.1666666716337204, 0.3333333432674408, 0.5, 0.6666666269302368, 0.8333333134651184, 1.0], tol: 0)
        expectValues(try Tensor.linspace(start: -3, end: 10, steps: 11),
                     [-3.0, -1.7000000476837158, -0.40000009536743164, 0.8999998569488525, 2.1999998092651367, 3.500000238418579,
                      4.800000190734863, 6.100000381469727, 7.400000095367432, 8.699999809265137, 10.0], tol: 0)
        expectValues(try Tensor.linspace(start: -3, end: 10, steps: 11, dtype: .float64),
                     [-3.0, -1.7, -0.3999999999999999, 0.9000000000000001, 2.2, 3.5, 4.8, 6.1, 7.4, 8.7, 10.0], dtype: .float64, tol: 0)
        expectValues(try Tensor.linspace(start: 0, end: 1, steps: 5), [0, 0.25, 0.5, 0.75, 1], dtype: .float32)
        expectValues(try Tensor.linspace(start: 2, end: 9, steps: 1), [2])
        expectValues(try Tensor.linspace(start: 2, end: 9, steps: 0), [])
        expectValues(try Tensor.linspace(start: 3, end: 1, steps: 3, dtype: .float64), [3, 2, 1], dtype: .float64)
        expectValues(try Tensor.linspace(start: 0.5, end: 3.5, steps: 4, dtype: .int64), [0, 1, 2, 3], dtype: .int64)
        expectError(.value) { try Tensor.linspace(start: 0, end: 1, steps: -1) }
        expectValues(try Ops.call("linspace", positional: [.int(0), .int(10), .int(3)])[0], [0, 5, 10], dtype: .float32)
    }

    @Test func eye() throws {
        expectValues(try Tensor.eye(3), [1, 0, 0, 0, 1, 0, 0, 0, 1], shape: [3, 3], dtype: .float32)
        expectValues(try Tensor.eye(2, 3), [1, 0, 0, 0, 1, 0], shape: [2, 3])
        expectValues(try Tensor.eye(3, 2), [1, 0, 0, 1, 0, 0], shape: [3, 2])
        expectValues(try Tensor.eye(2, dtype: .bool), [1, 0, 0, 1], shape: [2, 2], dtype: .bool)
        expectValues(try Tensor.eye(2, dtype: .int64), [1, 0, 0, 1], shape: [2, 2], dtype: .int64)
        expectValues(try Tensor.eye(0), [], shape: [0, 0])
        expectValues(try Tensor.eye(2, 0), [], shape: [2, 0])
        expectError(.value) { try Tensor.eye(-1) }
        expectError(.value) { try Tensor.eye(2, -1) }
        expectValues(try Ops.call("eye", positional: [.int(1)], keywords: ["m": .int(2)])[0], [1, 0], shape: [1, 2])
    }

    @Test func creationOpsHaveNoTensorInputs() throws {
        for name in ["zeros", "ones", "full", "arange", "linspace", "eye"] {
            let spec = try #require(Ops.spec(name))
            #expect(spec.tensorInputs.isEmpty)
            #expect(!spec.isDifferentiable)
        }
        expectError(.dtype) { try Ops.call("zeros", positional: [.intList([2])], keywords: ["dtype": .string("complex64")]) }
    }

    /// Every declared example of a non-differentiable op runs (the differentiable ones run in
    /// the gradient check).
    @Test(arguments: Ops.all.filter { !$0.examples.isEmpty }.map(\.name))
    func declaredExamplesRun(op: String) throws {
        let spec = try #require(Ops.spec(op))
        for (n, example) in spec.examples.enumerated() {
            var rng = RandomGenerator(seed: UInt64(n + 1))
            let bound = try BoundExample(example, rng: &rng)
            let outputs = try Ops.call(op, positional: bound.positional, keywords: bound.keywords)
            #expect(outputs.count == spec.outputs.count || spec.outputs.last?.hasSuffix("*") == true)
        }
    }
}
