import TensorEngine

/// A value during evaluation.
public enum EvalValue {
    case tensor(Tensor)
    case scalar(Scalar)
    case string(String)
    case none
    case list([EvalValue])
    /// A Python tuple; `x.shape` (a `torch.Size`) is a tuple of ints.
    case tuple([EvalValue])
    case dtype(DType)
    /// The results of a multi-output op, with PyTorch's names (`values`, `indices`).
    case results([Tensor], names: [String])

    var kind: String {
        switch self {
        case .tensor: "tensor"
        case .scalar: "number"
        case .string: "string"
        case .none: "None"
        case .list: "list"
        case .tuple: "tuple"
        case .dtype: "dtype"
        case .results: "tuple of tensors"
        }
    }

    /// The items of a list, tuple or multi-output result (what Python can unpack or index).
    var items: [EvalValue]? {
        switch self {
        case .list(let l), .tuple(let l): l
        case .results(let ts, _): ts.map { .tensor($0) }
        default: nil
        }
    }

    /// The ints of a tuple or list of ints (a shape), or nil.
    var ints: [Int]? {
        guard let items else { return nil }
        var out: [Int] = []
        for item in items {
            guard case .scalar(.int(let i)) = item else { return nil }
            out.append(Int(i))
        }
        return out
    }
}
