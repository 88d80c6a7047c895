import Foundation

/// One word of per-thread state (a pthread key; 0 until set). Modes that concurrent
/// training lanes and request threads must not share (grad recording, element limits)
/// live in one of these. Inlinable, with the modes' `with`: every op request runs under two of them, and
/// called across the module boundary unspecialised, their generic result went through value witnesses
/// and runtime metadata (issue 19).
@usableFromInline
struct ThreadWord: @unchecked Sendable {
    @usableFromInline let key: pthread_key_t

    init() {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        self.key = key
    }

    @inlinable
    var value: Int {
        get { pthread_getspecific(key).map { Int(bitPattern: $0) } ?? 0 }
        nonmutating set { pthread_setspecific(key, UnsafeRawPointer(bitPattern: newValue)) }
    }

    /// Runs `body` with the word set to `value`, then restores it.
    @inlinable
    func with<R>(_ value: Int, _ body: () throws -> R) rethrows -> R {
        let previous = self.value
        self.value = value
        defer { self.value = previous }
        return try body()
    }
}
