import Foundation

/// One word of per-thread state (a pthread key; 0 until set). Modes that concurrent
/// training lanes and request threads must not share (grad recording, element limits)
/// live in one of these.
struct ThreadWord: @unchecked Sendable {
    private let key: pthread_key_t

    init() {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        self.key = key
    }

    var value: Int {
        get { pthread_getspecific(key).map { Int(bitPattern: $0) } ?? 0 }
        nonmutating set { pthread_setspecific(key, UnsafeRawPointer(bitPattern: newValue)) }
    }

    /// Runs `body` with the word set to `value`, then restores it.
    func with<R>(_ value: Int, _ body: () throws -> R) rethrows -> R {
        let previous = self.value
        self.value = value
        defer { self.value = previous }
        return try body()
    }
}
