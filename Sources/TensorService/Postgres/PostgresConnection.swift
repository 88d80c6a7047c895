import CPostgres
import Foundation

/// One libpq connection to PostgreSQL: parameterised queries, transactions, and a reconnect
/// after the server or the network dropped it. Every failure throws `PostgresError`; a NULL
/// or a value of an unexpected type in a row is a thrown error too, never a trap. One
/// connection is used by one thread at a time (`PostgresPool` hands them out).
///
/// libpq rather than PostgresNIO: it is PostgreSQL's own client, one Debian package
/// (`libpq-dev`), and compiles in no time, where PostgresNIO would pull SwiftNIO and a dozen
/// packages into a build that already takes minutes on two cores; Tensord's server has its
/// own event loops and no NIO, and its store calls are blocking like its SQLite ones.
///
/// Parameters and results travel in PostgreSQL's binary format, so an `Int64` or a `Double`
/// (NaN and the infinities included) comes back bit for bit and `bytea` needs no escaping.
///
/// ```swift
/// let pg = try PostgresConnection(url: "postgresql://tensord@127.0.0.1:5432/tensord")
/// try pg.transaction {
///     try pg.query("INSERT INTO t (k, v) VALUES ($1, $2)", [.text("a"), .real(1.5)])
/// }
/// let v = try pg.query("SELECT v FROM t WHERE k = $1", [.text("a")]).rows[0].double(0)
/// ```
final class PostgresConnection {
    /// A parameter or a column value.
    enum Value: Equatable, Sendable {
        case null
        case bool(Bool)
        case integer(Int64)
        case real(Double)
        case text(String)
        case bytes([UInt8])
    }

    /// The rows a statement returned (empty for one that returns none).
    struct Rows {
        var columns: [String]
        var rows: [Row]
    }

    /// One result row; the accessors throw `PostgresError` on a NULL or a type they do not read.
    struct Row {
        var values: [Value]

        func value(_ i: Int) throws -> Value {
            guard values.indices.contains(i) else { throw PostgresError(.badRow, "no column \(i) in a row of \(values.count)") }
            return values[i]
        }
        func isNull(_ i: Int) throws -> Bool { try value(i) == .null }
        func int(_ i: Int) throws -> Int64 {
            guard case .integer(let n) = try value(i) else { throw mismatch(i, "an integer") }
            return n
        }
        func optionalInt(_ i: Int) throws -> Int64? { try isNull(i) ? nil : int(i) }
        func double(_ i: Int) throws -> Double {
            switch try value(i) {
            case .real(let d): return d
            case .integer(let n): return Double(n)
            default: throw mismatch(i, "a number")
            }
        }
        func bool(_ i: Int) throws -> Bool {
            guard case .bool(let b) = try value(i) else { throw mismatch(i, "a boolean") }
            return b
        }
        func text(_ i: Int) throws -> String {
            guard case .text(let s) = try value(i) else { throw mismatch(i, "text") }
            return s
        }
        func optionalText(_ i: Int) throws -> String? { try isNull(i) ? nil : text(i) }
        func bytes(_ i: Int) throws -> [UInt8] {
            guard case .bytes(let b) = try value(i) else { throw mismatch(i, "bytea") }
            return b
        }
        func optionalBytes(_ i: Int) throws -> [UInt8]? { try isNull(i) ? nil : bytes(i) }

        private func mismatch(_ i: Int, _ expected: String) -> PostgresError {
            PostgresError(.badRow, "column \(i) holds \(values.indices.contains(i) ? "\(values[i])" : "nothing"), not \(expected)")
        }
    }

    /// The connection string as given (a `postgresql://` or `postgres://` URL, or `key=value` pairs).
    let url: String
    /// Statements that set up each session (`SET …`), run again after a reconnect.
    private let setup: [String]
    private var handle: OpaquePointer?

    /// Connects; libpq reads the user, password, host, port and database from the URL, and the
    /// password from `PGPASSWORD` (or `~/.pgpass`) when the URL has none.
    init(url: String, setup: [String] = []) throws {
        self.url = url
        self.setup = ["SET client_min_messages = warning"] + setup
        handle = PQconnectdb(url)
        guard let handle, PQstatus(handle) == CONNECTION_OK else {
            let message = handle.map { Self.message($0) } ?? "out of memory"
            PQfinish(handle)
            handle = nil
            throw PostgresError(.connection, "cannot connect to \(Self.redacted(url)): \(message)")
        }
        for statement in self.setup { try check(PQexec(handle, statement), sql: statement) }
    }

    deinit { PQfinish(handle) }

    /// The connection string with any password replaced by `***`, for messages and logs.
    static func redacted(_ url: String) -> String {
        guard let scheme = url.range(of: "://"), let at = url[scheme.upperBound...].firstIndex(of: "@") else { return url }
        let userinfo = url[scheme.upperBound..<at]
        guard let colon = userinfo.firstIndex(of: ":") else { return url }
        return String(url[..<colon]) + ":***" + String(url[at...])
    }

    /// Runs one or more statements without parameters (migrations, BEGIN/COMMIT).
    func execute(_ sql: String) throws {
        let conn = try connected()
        try check(PQexec(conn, sql), sql: sql)
    }

    /// Runs one statement with `$1…$n` bound to `parameters`, all in binary.
    @discardableResult
    func query(_ sql: String, _ parameters: [Value] = []) throws -> Rows {
        let conn = try connected()
        guard parameters.count <= 65_535 else { throw PostgresError(.query, "\(parameters.count) parameters; PostgreSQL takes at most 65,535") }
        var types: [Oid] = [], lengths: [Int32] = [], formats: [Int32] = []
        var buffers: [UnsafeMutableRawBufferPointer?] = []
        defer { buffers.forEach { $0?.deallocate() } }
        for p in parameters {
            let (oid, bytes) = Self.encode(p)
            types.append(oid)
            formats.append(1)
            guard let bytes else { buffers.append(nil); lengths.append(0); continue }
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, 1), alignment: 1)
            buffer.copyBytes(from: bytes)
            buffers.append(buffer)
            lengths.append(Int32(bytes.count))
        }
        let values: [UnsafePointer<CChar>?] = buffers.map { $0.map { UnsafePointer($0.baseAddress!.assumingMemoryBound(to: CChar.self)) } }
        let result = PQexecParams(conn, sql, Int32(parameters.count), types, values, lengths, formats, 1)
        return try check(result, sql: sql)
    }

    /// The statement that names the session `name` in `pg_stat_activity` (a node's sessions are
    /// "tensord NODE"), quoted as a string literal so that any name is safe.
    static func naming(_ name: String) -> String {
        "SET application_name = '\(name.replacingOccurrences(of: "'", with: "''"))'"
    }

    /// `$from, $from+1, …` for `count` parameters of a statement built at run time.
    static func placeholders(from: Int, count: Int) -> String {
        (from..<(from + count)).map { "$\($0)" }.joined(separator: ", ")
    }

    /// Runs `body` in one transaction: committed if it returns, rolled back if it throws.
    func transaction<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            if let handle, PQstatus(handle) == CONNECTION_OK { try? execute("ROLLBACK") }
            throw error
        }
    }

    /// The handle, reconnected first if the connection was lost since the last call.
    func connected() throws -> OpaquePointer {
        guard let handle else { throw PostgresError(.connection, "no connection") }
        if PQstatus(handle) != CONNECTION_OK {
            PQreset(handle)
            guard PQstatus(handle) == CONNECTION_OK else {
                throw PostgresError(.connection, "cannot reconnect to \(Self.redacted(url)): \(Self.message(handle))")
            }
            for statement in setup { try check(PQexec(handle, statement), sql: statement) }
        }
        return handle
    }

    /// Reads a result into rows, or throws its error (a lost connection as `.connectionLost`).
    @discardableResult
    private func check(_ result: OpaquePointer?, sql: String) throws -> Rows {
        defer { PQclear(result) }
        let status = result.map(PQresultStatus) ?? PGRES_FATAL_ERROR
        switch status {
        case PGRES_COMMAND_OK, PGRES_EMPTY_QUERY: return Rows(columns: [], rows: [])
        case PGRES_TUPLES_OK: return try rows(result!)
        default:
            let lost = handle.map { PQstatus($0) != CONNECTION_OK } ?? true
            let message = result.flatMap { PQresultErrorMessage($0) }.map { String(cString: $0) } ?? ""
            let state = result.flatMap { PQresultErrorField($0, cpostgres_diag_sqlstate()) }.map { String(cString: $0) }
            let text = (message.isEmpty ? handle.map(Self.message) ?? "" : message).trimmingCharacters(in: .whitespacesAndNewlines)
            throw PostgresError(lost ? .connectionLost : .query, "\(text) (in: \(sql.prefix(200)))", sqlState: state)
        }
    }

    private func rows(_ result: OpaquePointer) throws -> Rows {
        let n = Int(PQntuples(result)), m = Int(PQnfields(result))
        let columns = (0..<m).map { String(cString: PQfname(result, Int32($0))) }
        let types = (0..<m).map { PQftype(result, Int32($0)) }
        var out: [Row] = []
        out.reserveCapacity(n)
        for r in 0..<Int32(n) {
            var values: [Value] = []
            values.reserveCapacity(m)
            for c in 0..<Int32(m) {
                if PQgetisnull(result, r, c) == 1 { values.append(.null); continue }
                let length = Int(PQgetlength(result, r, c))
                let raw = UnsafeRawBufferPointer(start: PQgetvalue(result, r, c), count: length)
                values.append(try Self.decode(raw, type: types[Int(c)], column: columns[Int(c)]))
            }
            out.append(Row(values: values))
        }
        return Rows(columns: columns, rows: out)
    }

    private static func message(_ handle: OpaquePointer) -> String {
        String(cString: PQerrorMessage(handle)).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// A failed PostgreSQL call: what kind of failure, the server's message and its SQLSTATE.
struct PostgresError: Error, CustomStringConvertible, Equatable {
    enum Kind: Sendable, Equatable {
        /// Could not connect (or reconnect).
        case connection
        /// The connection broke during the call; the next call reconnects.
        case connectionLost
        /// The server refused the statement (`sqlState` says why).
        case query
        /// A row did not hold what the caller read from it.
        case badRow
    }

    /// SQLSTATE of a unique constraint violation.
    static let uniqueViolation = "23505"

    let kind: Kind
    let message: String
    let sqlState: String?

    init(_ kind: Kind, _ message: String, sqlState: String? = nil) {
        self.kind = kind
        self.message = message
        self.sqlState = sqlState
    }

    var description: String { "PostgreSQL error\(sqlState.map { " \($0)" } ?? ""): \(message)" }
}
