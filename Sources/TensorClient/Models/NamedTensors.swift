import TensorEngine

/// Tensors by name, in the order the server sent them (parameters, gradients, outputs).
///
/// ```swift
/// let step = try client.optimizerStep("sgd", params: ["w": w], grads: ["w": g], options: ["lr": 0.1])
/// let w1 = step.params["w"]!
/// for (name, t) in step.params { print(name, t.shape) }
/// ```
public struct NamedTensors: Sendable, Sequence, ExpressibleByDictionaryLiteral {
    public private(set) var names: [String] = []
    public private(set) var tensors: [Tensor] = []

    public init() {}

    public init(dictionaryLiteral elements: (String, Tensor)...) {
        for (k, v) in elements { self[k] = v }
    }

    public init(_ pairs: [(String, Tensor)]) {
        for (k, v) in pairs { self[k] = v }
    }

    public var count: Int { names.count }

    /// The tensor named `name`; setting a new name appends it, setting nil removes it.
    public subscript(name: String) -> Tensor? {
        get { names.firstIndex(of: name).map { tensors[$0] } }
        set {
            if let i = names.firstIndex(of: name) {
                if let newValue { tensors[i] = newValue } else { names.remove(at: i); tensors.remove(at: i) }
            } else if let newValue {
                names.append(name)
                tensors.append(newValue)
            }
        }
    }

    public func makeIterator() -> Zip2Sequence<[String], [Tensor]>.Iterator { zip(names, tensors).makeIterator() }
}
