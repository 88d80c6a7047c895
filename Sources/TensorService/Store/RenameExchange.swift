import Foundation

/// `renameat2(…, RENAME_EXCHANGE)`: swaps two names atomically, so a file can replace another while
/// the replaced one keeps a name. Glibc declares it only under `_GNU_SOURCE`, which Swift's Glibc
/// module does not set, so it is looked up at run time.
enum RenameExchange {
    private typealias Function = @convention(c) (Int32, UnsafePointer<CChar>, Int32, UnsafePointer<CChar>, UInt32) -> Int32
    /// RTLD_DEFAULT (a null handle): the symbol wherever the process has it.
    private static let function: Function? = dlsym(nil, "renameat2").map { unsafeBitCast($0, to: Function.self) }
    private static let exchange: UInt32 = 1 << 1  // RENAME_EXCHANGE

    /// Swaps the files at paths `a` and `b`; false when either is missing, or when libc or the file
    /// system cannot (the caller then renames).
    static func swap(_ a: String, _ b: String) -> Bool {
        guard let function else { return false }
        return function(AT_FDCWD, a, AT_FDCWD, b, exchange) == 0
    }
}
