/// In-place changes with PyTorch's autograd rules: a leaf that requires grad cannot be
/// changed in place while grad mode is on; any other tensor takes the new values and, when
/// they carry history, continues with that history. Recorded ops that read the old values
/// fail at backward instead of giving a wrong gradient (the storage's version counter).
extension Tensor {
    /// Throws PyTorch's error for an in-place change of a leaf that requires grad.
    public func checkInPlaceAllowed() throws {
        if GradMode.isEnabled, let node, node.isLeaf {
            throw TensorError.value("a leaf tensor that requires grad is being used in an in-place operation; change it under torch.no_grad(), or change a clone")
        }
    }

    /// Writes `result` (broadcast to this shape, converted to this dtype) into this tensor's
    /// elements, and returns this tensor (same storage and layout) carrying `result`'s history
    /// when it has one. A result computed from this tensor's own values must be computed from
    /// a `cloned()` copy, so that its gradient does not read the overwritten data.
    public func updated(with result: Tensor) throws -> Tensor {
        try checkInPlaceAllowed()
        let history = result.node != nil && GradMode.isEnabled && dtype.isFloating
            ? try result.cast(to: dtype).expanded(shape) : nil
        try assignIndexed([], result)
        guard let history else { return self }
        var out = detached()
        out.node = history.node
        return out
    }
}
