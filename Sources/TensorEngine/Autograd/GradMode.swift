import Foundation

/// Whether operations record autograd history on the current thread.
/// Training lanes run concurrently, so the flag is per thread, like PyTorch's.
public enum GradMode {
    /// A pthread key holding a non-nil value while grad is disabled on that thread.
    private nonisolated(unsafe) static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()

    public static var isEnabled: Bool { pthread_getspecific(key) == nil }

    static func set(enabled: Bool) {
        pthread_setspecific(key, enabled ? nil : UnsafeRawPointer(bitPattern: 1))
    }

    /// Runs `body` with history recording off (PyTorch's `torch.no_grad()`).
    public static func withoutGrad<R>(_ body: () throws -> R) rethrows -> R {
        let was = isEnabled
        set(enabled: false)
        defer { set(enabled: was) }
        return try body()
    }

    /// Runs `body` with history recording on (used for create-graph backward passes).
    public static func withGrad<R>(_ body: () throws -> R) rethrows -> R {
        let was = isEnabled
        set(enabled: true)
        defer { set(enabled: was) }
        return try body()
    }
}
