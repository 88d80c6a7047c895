/// Whether operations record autograd history on the current thread.
/// Training lanes run concurrently, so the flag is per thread, like PyTorch's.
public enum GradMode {
    /// Non-zero while grad is disabled on this thread.
    @usableFromInline static let disabled = ThreadWord()

    @inlinable
    public static var isEnabled: Bool { disabled.value == 0 }

    /// Runs `body` with history recording off (PyTorch's `torch.no_grad()`).
    @inlinable
    public static func withoutGrad<R>(_ body: () throws -> R) rethrows -> R {
        try disabled.with(1, body)
    }

    /// Runs `body` with history recording on (used for create-graph backward passes).
    @inlinable
    public static func withGrad<R>(_ body: () throws -> R) rethrows -> R {
        try disabled.with(0, body)
    }
}
