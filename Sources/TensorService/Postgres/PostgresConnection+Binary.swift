import CPostgres

// PostgreSQL's binary wire format for the types Tensord stores: integers and floats big-endian
// (float8 as its IEEE 754 bits), text as its UTF-8 bytes, bytea as is, bool as one byte.
// (The send/recv functions of src/backend/utils/adt: int8send, float8send, textsend, byteasend.)
extension PostgresConnection {
    /// Type OIDs from the catalogue (pg_type.dat); they are fixed for built-in types.
    enum TypeOID {
        static let bool: Oid = 16
        static let bytea: Oid = 17
        static let int8: Oid = 20
        static let int2: Oid = 21
        static let int4: Oid = 23
        static let text: Oid = 25
        static let float4: Oid = 700
        static let float8: Oid = 701
        static let bpchar: Oid = 1042
        static let varchar: Oid = 1043
        static let name: Oid = 19
        static let void: Oid = 2278
    }

    /// A parameter's type and bytes (nil bytes: SQL NULL, its type left for the server to infer).
    static func encode(_ value: Value) -> (Oid, [UInt8]?) {
        switch value {
        case .null: (0, nil)
        case .bool(let b): (TypeOID.bool, [b ? 1 : 0])
        case .integer(let n): (TypeOID.int8, bigEndian(UInt64(bitPattern: n)))
        case .real(let d): (TypeOID.float8, bigEndian(d.bitPattern))
        case .text(let s): (TypeOID.text, Array(s.utf8))
        case .bytes(let b): (TypeOID.bytea, b)
        }
    }

    /// A column value of type `type` in binary form; a type this wrapper does not read is an error.
    static func decode(_ raw: UnsafeRawBufferPointer, type: Oid, column: String) throws -> Value {
        func integer(_ width: Int) throws -> Int64 {
            guard raw.count == width else { throw PostgresError(.badRow, "column \(column): \(raw.count) bytes for a \(width)-byte integer") }
            let bits = raw.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            return switch width {
            case 2: Int64(Int16(truncatingIfNeeded: bits))
            case 4: Int64(Int32(truncatingIfNeeded: bits))
            default: Int64(bitPattern: bits)
            }
        }
        switch type {
        case TypeOID.bool:
            guard raw.count == 1 else { throw PostgresError(.badRow, "column \(column): \(raw.count) bytes for a boolean") }
            return .bool(raw[0] != 0)
        case TypeOID.int2: return .integer(try integer(2))
        case TypeOID.int4: return .integer(try integer(4))
        case TypeOID.int8: return .integer(try integer(8))
        case TypeOID.float4: return .real(Double(Float(bitPattern: UInt32(truncatingIfNeeded: try integer(4)))))
        case TypeOID.float8: return .real(Double(bitPattern: UInt64(bitPattern: try integer(8))))
        case TypeOID.text, TypeOID.varchar, TypeOID.bpchar, TypeOID.name: return .text(String(decoding: raw, as: UTF8.self))
        case TypeOID.bytea: return .bytes(Array(raw))
        case TypeOID.void: return .null
        default: throw PostgresError(.badRow, "column \(column) has type OID \(type), which Tensord does not read (cast it in the query)")
        }
    }

    private static func bigEndian(_ n: UInt64) -> [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: n >> (56 - 8 * $0)) }
    }
}
