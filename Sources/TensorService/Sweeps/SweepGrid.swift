import TensorWire

/// The grid of a sweep (`{"optimizer.lr": [0.01, 0.1], "optimizer.type": ["sgd", "adam"]}`):
/// dotted paths into the base job spec, each with the values it takes. The sweep runs one
/// job per combination, the last path varying fastest (as nested `for` loops in the order
/// the grid lists them).
struct SweepGrid {
    struct Axis {
        /// The path as the grid spells it (`optimizer.lr`).
        var path: String
        /// Object keys, or array indices where the spec holds an array (`model.layers.0.linear.out`).
        var segments: [String]
        var values: [JSONValue]
        /// Where the path points inside a job spec, as a JSON pointer (`/optimizer/lr`).
        var specPointer: String { segments.reduce("") { JSONPointer.appending($0, $1) } }
    }

    var axes: [Axis]
    /// Jobs the grid makes: the product of the axes' lengths.
    let count: Int

    /// The deepest path a grid may name.
    static let maxSegments = 32

    /// Parses `grid`, refusing more than `maxJobs` combinations before any is built.
    static func parse(_ grid: RequestBody, maxJobs: Int) throws -> SweepGrid {
        guard grid.object.count > 0 else { throw invalid("the grid needs at least one path", grid.pointer) }
        var axes: [Axis] = []
        var count = 1
        for (path, value) in zip(grid.object.keys, grid.object.values) {
            let pointer = grid.at(path)
            let segments = path.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            guard !path.isEmpty, segments.allSatisfy({ !$0.isEmpty }) else {
                throw invalid("'\(path)' is not a dotted path such as 'optimizer.lr'", pointer)
            }
            guard segments.count <= maxSegments else { throw invalid("a grid path has at most \(maxSegments) parts", pointer) }
            guard let values = value.arrayElements, !values.isEmpty else {
                throw Problem.badRequest("grid values must be a non-empty array, got \(value.typeName)", pointer: pointer)
            }
            let (product, overflow) = count.multipliedReportingOverflow(by: values.count)
            guard !overflow, product <= maxJobs else {
                throw invalid("the grid makes more than \(maxJobs) jobs (the sweep job limit)", grid.pointer)
            }
            count = product
            axes.append(Axis(path: path, segments: segments, values: values))
        }
        return SweepGrid(axes: axes, count: count)
    }

    /// Combination `i` as one value index per axis, the last axis varying fastest.
    func combination(_ i: Int) -> [Int] {
        var rest = i
        var out = [Int](repeating: 0, count: axes.count)
        for a in axes.indices.reversed() {
            out[a] = rest % axes[a].values.count
            rest /= axes[a].values.count
        }
        return out
    }

    /// The base spec with one combination's values written at their paths. A path that runs
    /// through something other than an object (or an array with that index) is a 422 at the
    /// grid's path.
    func apply(_ combination: [Int], to base: JSONObject, gridPointer: String) throws -> JSONObject {
        var spec = base
        for (a, axis) in axes.enumerated() {
            var root = JSONValue.object(spec)
            try Self.set(axis.values[combination[a]], at: axis.segments[...], in: &root,
                         path: axis.path, pointer: JSONPointer.appending(gridPointer, axis.path))
            guard case .object(let o) = root else { throw Problem.invalidArgument("grid path '\(axis.path)' replaced the whole spec", pointer: JSONPointer.appending(gridPointer, axis.path)) }
            spec = o
        }
        return spec
    }

    /// `{"optimizer.lr": 0.1, …}`: the JSON object of one combination's values.
    func values(_ combination: [Int]) -> [UInt8] {
        var w = JSONWriter(capacity: 64 * axes.count)
        w.beginObject()
        for (a, axis) in axes.enumerated() {
            w.key(axis.path)
            w.value(axis.values[combination[a]])
        }
        w.endObject()
        return w.take()
    }

    private static func set(_ value: JSONValue, at segments: ArraySlice<String>, in node: inout JSONValue, path: String, pointer: String) throws {
        guard let key = segments.first else { node = value; return }
        let rest = segments.dropFirst()
        switch node {
        case .object(var o):
            if let i = o.keys.firstIndex(of: key) {
                try set(value, at: rest, in: &o.values[i], path: path, pointer: pointer)
            } else {
                // A missing member is added; an intermediate one starts as an empty object.
                var child = JSONValue.object(JSONObject())
                try set(value, at: rest, in: &child, path: path, pointer: pointer)
                o.keys.append(key)
                o.values.append(child)
            }
            node = .object(o)
        case .array, .numbers:
            var elements = node.arrayElements ?? []
            guard let i = Int(key), String(i) == key, elements.indices.contains(i) else {
                throw invalid("'\(path)': '\(key)' is not an index of the array there (\(elements.count) elements)", pointer)
            }
            try set(value, at: rest, in: &elements[i], path: path, pointer: pointer)
            node = .array(elements)
        default:
            throw invalid("'\(path)': the spec holds \(node.typeName) where '\(key)' should be a member", pointer)
        }
    }

    static func invalid(_ detail: String, _ pointer: String) -> Problem {
        Problem(status: 422, code: "invalid_grid", title: "Invalid sweep grid", detail: detail,
                errors: [.init(pointer: pointer, detail: detail)])
    }
}
