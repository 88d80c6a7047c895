import CSQLite
import Foundation

/// A small wrapper over one SQLite connection: prepared statements, transactions, WAL mode
/// and a busy timeout. Every failure throws `SQLiteError` with SQLite's message; nothing
/// traps. One connection is used by one thread at a time (callers serialise with a lock).
///
/// ```swift
/// let db = try SQLiteDatabase(path: "/tmp/x.sqlite")
/// try db.execute("CREATE TABLE t (k TEXT, v REAL)")
/// try db.transaction {
///     let insert = try db.prepare("INSERT INTO t VALUES (?, ?)")
///     try insert.run(.text("a"), .real(1.5))
/// }
/// ```
final class SQLiteDatabase {
    /// A value bound to a `?` or read from a column.
    enum Value: Equatable {
        case null
        case integer(Int64)
        case real(Double)
        case text(String)
        case blob([UInt8])
    }

    private let handle: OpaquePointer
    private var statements: [String: Statement] = [:]

    /// Opens (creating) the database at `path`, in WAL mode with `synchronous=NORMAL`: a
    /// commit is atomic and survives a process crash; only a power loss may lose the last
    /// commits (never corrupt the file).
    init(path: String, busyTimeoutMilliseconds: Int32 = 5000) throws {
        var db: OpaquePointer?
        let rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close(db)
            throw SQLiteError(code: rc, message: "cannot open \(path): \(message)")
        }
        handle = db
        sqlite3_busy_timeout(db, busyTimeoutMilliseconds)
        try execute("PRAGMA journal_mode=WAL")
        try execute("PRAGMA synchronous=NORMAL")
        try execute("PRAGMA foreign_keys=ON")
    }

    deinit {
        statements.values.forEach { $0.finalize() }
        sqlite3_close(handle)
    }

    /// Runs one or more statements without parameters.
    func execute(_ sql: String) throws {
        var error: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &error)
        if rc != SQLITE_OK {
            let message = error.map { String(cString: $0) } ?? lastMessage
            sqlite3_free(error)
            throw SQLiteError(code: rc, message: message)
        }
    }

    /// A prepared statement, cached by its text so repeated use costs no parse.
    func prepare(_ sql: String) throws -> Statement {
        if let s = statements[sql] { return s }
        var stmt: OpaquePointer?
        let rc = sqlite3_prepare_v2(handle, sql, -1, &stmt, nil)
        guard rc == SQLITE_OK, let stmt else { throw SQLiteError(code: rc, message: "\(lastMessage) in: \(sql)") }
        let s = Statement(stmt, database: self)
        statements[sql] = s
        return s
    }

    /// Runs `body` in one transaction: committed if it returns, rolled back if it throws.
    func transaction<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    /// Rows changed by the last INSERT, UPDATE or DELETE.
    var changes: Int { Int(sqlite3_changes(handle)) }

    fileprivate var lastMessage: String { String(cString: sqlite3_errmsg(handle)) }

    /// A compiled statement; `run` and `query` reset it and bind fresh values each time.
    final class Statement {
        private let stmt: OpaquePointer
        private unowned let database: SQLiteDatabase

        fileprivate init(_ stmt: OpaquePointer, database: SQLiteDatabase) {
            self.stmt = stmt
            self.database = database
        }

        fileprivate func finalize() { sqlite3_finalize(stmt) }

        /// Executes with `values` bound to the `?`s, ignoring any rows.
        func run(_ values: Value...) throws {
            try query(values) { _ in }
        }

        /// Executes with `values` bound and calls `row` for each result row.
        func query(_ values: [Value], _ row: (Row) throws -> Void) throws {
            try bind(values)
            defer { sqlite3_reset(stmt) }
            while true {
                let rc = sqlite3_step(stmt)
                if rc == SQLITE_DONE { return }
                guard rc == SQLITE_ROW else { throw SQLiteError(code: rc, message: database.lastMessage) }
                try row(Row(stmt: stmt))
            }
        }

        private func bind(_ values: [Value]) throws {
            sqlite3_reset(stmt)
            sqlite3_clear_bindings(stmt)
            for (i, v) in values.enumerated() {
                let at = Int32(i + 1)
                let rc: Int32 = switch v {
                case .null: sqlite3_bind_null(stmt, at)
                case .integer(let n): sqlite3_bind_int64(stmt, at, n)
                case .real(let d): sqlite3_bind_double(stmt, at, d)
                case .text(let s): sqlite3_bind_text(stmt, at, s, -1, csqlite_transient())
                case .blob(let b): b.withUnsafeBytes { sqlite3_bind_blob(stmt, at, $0.baseAddress, Int32($0.count), csqlite_transient()) }
                }
                guard rc == SQLITE_OK else { throw SQLiteError(code: rc, message: database.lastMessage) }
            }
        }
    }

    /// The current row of a query (valid only inside the row callback).
    struct Row {
        fileprivate let stmt: OpaquePointer

        func value(_ i: Int32) -> Value {
            switch sqlite3_column_type(stmt, i) {
            case SQLITE_INTEGER: .integer(sqlite3_column_int64(stmt, i))
            case SQLITE_FLOAT: .real(sqlite3_column_double(stmt, i))
            case SQLITE_TEXT: .text(String(cString: sqlite3_column_text(stmt, i)))
            case SQLITE_BLOB: .blob(blob(i))
            default: .null
            }
        }

        func int(_ i: Int32) -> Int { Int(sqlite3_column_int64(stmt, i)) }
        func optionalInt(_ i: Int32) -> Int? { sqlite3_column_type(stmt, i) == SQLITE_NULL ? nil : int(i) }
        func double(_ i: Int32) -> Double { sqlite3_column_double(stmt, i) }
        func text(_ i: Int32) -> String? {
            sqlite3_column_type(stmt, i) == SQLITE_NULL ? nil : sqlite3_column_text(stmt, i).map { String(cString: $0) }
        }
        func blob(_ i: Int32) -> [UInt8] {
            let n = Int(sqlite3_column_bytes(stmt, i))
            guard n > 0, let p = sqlite3_column_blob(stmt, i) else { return [] }
            return Array(UnsafeRawBufferPointer(start: p, count: n))
        }
    }
}

/// A failed SQLite call: its result code and message.
struct SQLiteError: Error, CustomStringConvertible {
    let code: Int32
    let message: String
    var description: String { "SQLite error \(code): \(message)" }
}
