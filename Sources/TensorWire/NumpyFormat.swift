import TensorEngine

/// One tensor as `numpy.save` writes it: the `.npy` format (`numpy.lib.format`, versions
/// 1.0, 2.0 and 3.0).
///
/// A file is the magic `\x93NUMPY`, two version bytes, the header length (`uint16` in 1.0,
/// `uint32` after), a header that is a Python dict literal
/// (`{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }`, space-padded and ending
/// in a newline) and the raw elements. Reading checks every number of the header with
/// checked arithmetic and against the limits before allocating; the data must be exactly
/// as long as the header says.
///
/// ```swift
/// let npy = NumpyFormat(maxElements: 10_000_000)
/// let x = try bytes.withUnsafeBytes { try npy.decode($0) }
/// let file = NumpyFormat.encode(x)          // what numpy.save(f, x.numpy()) writes
/// ```
public struct NumpyFormat: Sendable {
    /// Most elements the tensor may have (413 `too_many_elements` beyond).
    public var maxElements: Int
    /// Longest header accepted: `numpy.load`'s own default `max_header_size`.
    public var maxHeaderBytes: Int

    public static let mediaType = "application/x-npy"
    static let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)
    /// numpy aligns the data to 64 bytes and leaves room for a shape to grow in place.
    static let alignment = 64
    static let growthDigits = 21

    public init(maxElements: Int, maxHeaderBytes: Int = 10_000) {
        self.maxElements = maxElements
        self.maxHeaderBytes = maxHeaderBytes
    }

    /// The tensor a `.npy` file holds. Framing errors (magic, version, a header that is cut
    /// short or not a dict) are 400; a header that contradicts the data is 422; an element
    /// type Tensord cannot hold is 422 `unsupported_dtype`; too many elements is 413.
    public func decode(_ bytes: UnsafeRawBufferPointer) throws(WireError) -> Tensor {
        // The whole file is there, so the layout is known or the file refused: nil cannot come back.
        guard let layout = try layout(bytes, fileLength: bytes.count) else {
            throw .structure("the .npy file ends inside its header", at: "")
        }
        let data = UnsafeRawBufferPointer(rebasing: bytes[layout.dataStart...])
        let header = layout.header
        return try Self.arranged(header.element.tensor(layout.storedShape, from: data, bigEndian: header.bigEndian), header)
    }

    /// Where a `.npy` file's elements start and the tensor they make, read from its header and
    /// checked against the file's length and the limits.
    public struct Layout: Sendable {
        /// The bytes before the elements: magic, version, header length and header.
        public let dataStart: Int
        /// The tensor's elements.
        public let count: Int
        let header: Header

        /// The bytes of the elements in the file (checked to be `fileLength - dataStart`).
        public var dataBytes: Int { count * header.element.byteSize }
        /// The dtype of the tensor the file makes.
        public var dtype: DType { header.element.dtype }
        /// Whether the file's element bytes can be read as they are into the tensor's storage
        /// (then fixed in place by `tensor(_:storage:)`): every element type but the integers
        /// Tensord widens to int64.
        public var readsIntoStorage: Bool { header.element.byteSize == header.element.dtype.byteSize }
        /// The shape of the elements as they lie in the file: a Fortran-order array's are the
        /// row-major elements of the reversed shape.
        /// Storage for the tensor, for the file's element bytes to be read into as they are
        /// (when `readsIntoStorage`) and handed to `tensor(_:storage:)`.
        public func makeStorage() -> Storage { Storage(count: count, dtype: dtype) }
        var storedShape: [Int] { header.fortranOrder && header.shape.count > 1 ? header.shape.reversed() : header.shape }
    }

    /// The layout of a `.npy` file of `fileLength` bytes from its first bytes (`prefix`, at
    /// most the whole file), or nil while `prefix` does not hold the whole header yet. Every
    /// check `decode` makes on the header and on the file's length is made here, so a server
    /// that knows the length of a body from its first bytes can refuse it, or size the
    /// tensor's storage, before the data arrives.
    public func layout(_ prefix: UnsafeRawBufferPointer, fileLength: Int) throws(WireError) -> Layout? {
        let whole = prefix.count >= fileLength
        if prefix.count < 10, !whole { return nil }
        guard prefix.count >= 10, Array(prefix[0..<6]) == Self.magic else {
            throw .structure("not a .npy file: it must start with \\x93NUMPY and a version", at: "")
        }
        let major = prefix[6], minor = prefix[7]
        guard minor == 0, (1...3).contains(major) else {
            throw .structure("unsupported .npy format version \(major).\(minor); numpy writes 1.0, 2.0 and 3.0", at: "")
        }
        let lengthBytes = major == 1 ? 2 : 4
        if prefix.count < 8 + lengthBytes, !whole { return nil }
        guard prefix.count >= 8 + lengthBytes else { throw .structure("the .npy file ends inside its header length", at: "") }
        var headerLength = 0
        for k in 0..<lengthBytes { headerLength |= Int(prefix[8 + k]) << (8 * k) }
        guard headerLength <= maxHeaderBytes else {
            throw .structure("the .npy header is \(headerLength) bytes; the limit is \(maxHeaderBytes)", at: "")
        }
        let dataStart = 8 + lengthBytes + headerLength
        guard dataStart <= fileLength else {
            throw .structure("the .npy file ends inside its header: it promises \(headerLength) header bytes, \(fileLength - 8 - lengthBytes) follow", at: "")
        }
        guard prefix.count >= dataStart else { return nil }
        let headerBytes = Array(prefix[(8 + lengthBytes)..<dataStart])
        // Versions 1.0 and 2.0 are latin-1; numpy writes ASCII there, so anything else is refused.
        if major < 3, headerBytes.contains(where: { $0 >= 0x80 }) {
            throw .structure("a version \(major).0 .npy header must be ASCII", at: "")
        }
        let header = try Header(headerBytes)
        let count = try TensorCodec(maxElements: maxElements).elementCount(header.shape, at: "/shape")
        let (expected, overflow) = count.multipliedReportingOverflow(by: header.element.byteSize)
        let available = fileLength - dataStart
        guard !overflow, expected == available else {
            let what = available < expected ? "is truncated" : "has bytes after the data"
            throw .tensor("the .npy file \(what): shape \(header.shape) of \(header.descr) needs \(expected) bytes of data, the body holds \(available)", at: "/shape")
        }
        return Layout(dataStart: dataStart, count: count, header: header)
    }

    /// The tensor of a file whose element bytes were read as they are (`layout.readsIntoStorage`)
    /// into `storage` (from `layout.makeStorage()`): byte order and bools are fixed in place, and
    /// a Fortran-order array is reordered.
    public func tensor(_ layout: Layout, storage: Storage) throws(WireError) -> Tensor {
        guard layout.readsIntoStorage && storage.count == layout.count && storage.dtype == layout.dtype else {
            throw .tensor("the .npy elements were not read into storage of their layout (\(layout.count) \(layout.dtype))", at: "")
        }
        let header = layout.header
        header.element.fixInPlace(UnsafeMutableRawBufferPointer(start: storage.pointer, count: layout.dataBytes), bigEndian: header.bigEndian)
        let shape = layout.storedShape
        return try Self.arranged(Tensor(storage: storage, shape: shape, strides: Tensor.contiguousStrides(shape)), header)
    }

    /// The row-major tensor of the file's elements (`flat`, laid out as they lie in the file).
    private static func arranged(_ flat: Tensor, _ header: Header) throws(WireError) -> Tensor {
        guard header.fortranOrder, header.shape.count > 1 else { return flat }
        // Column-major data is the row-major array of the reversed shape, transposed.
        do {
            return try flat.permuted(Array((0..<header.shape.count).reversed())).contiguous()
        } catch {
            throw WireError(.invalidTensor, status: 422, "a Fortran-order array could not be reordered: \(error)", pointer: "")
        }
    }

    /// The `.npy` file of `tensor`, byte for byte what `numpy.save` writes for the same array
    /// (version 1.0 unless the header needs 2.0; little-endian; C order).
    public static func encode(_ tensor: Tensor) -> [UInt8] {
        var out = header(of: tensor)
        out.reserveCapacity(out.count + tensor.count * tensor.dtype.byteSize)
        StoredElement.appendBytes(of: tensor, to: &out)
        return out
    }

    /// The bytes of `tensor`'s `.npy` file before its elements (magic, version, header), so the
    /// elements can follow from where the tensor keeps them: its row-major bytes as they lie
    /// in a contiguous tensor's storage, which are what `encode` appends.
    public static func header(of tensor: Tensor) -> [UInt8] {
        let descr = switch tensor.dtype {
        case .float32: "<f4"
        case .float64: "<f8"
        case .int64: "<i8"
        case .bool: "|b1"
        }
        let shape = tensor.shape.count == 1 ? "(\(tensor.shape[0]),)" : "(" + tensor.shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shape), }"
        if let first = tensor.shape.first { header += String(repeating: " ", count: max(0, growthDigits - String(first).count)) }
        let bodyLength = header.utf8.count + 1
        // Version 1.0 when its 16-bit length can hold the padded header, as numpy decides.
        let lengthBytes = bodyLength + alignment - (10 + bodyLength) % alignment <= 0xFFFF ? 2 : 4
        let padding = alignment - (8 + lengthBytes + bodyLength) % alignment
        let headerLength = bodyLength + padding
        var out: [UInt8] = []
        out.reserveCapacity(8 + lengthBytes + headerLength)
        out += magic
        out += [lengthBytes == 2 ? 1 : 2, 0]
        for k in 0..<lengthBytes { out.append(UInt8(truncatingIfNeeded: headerLength >> (8 * k))) }
        out += Array(header.utf8)
        out += [UInt8](repeating: 0x20, count: padding)
        out.append(0x0A)
        return out
    }

    /// The three keys numpy writes, checked as `numpy.lib.format` checks them.
    struct Header {
        var descr: String
        var element: StoredElement
        var bigEndian: Bool
        var fortranOrder: Bool
        var shape: [Int]

        init(_ bytes: [UInt8]) throws(WireError) {
            let literal: PythonLiteral
            do { literal = try PythonLiteral.parse(bytes) } catch {
                throw .structure("the .npy header is not a Python dict literal: \(error.message)", at: "")
            }
            guard case .dict(let items) = literal else { throw .structure("the .npy header must be a dict", at: "") }
            let keys = items.map(\.0).sorted()
            guard keys == ["descr", "fortran_order", "shape"] else {
                throw .structure("the .npy header must have exactly the keys 'descr', 'fortran_order' and 'shape', got \(keys)", at: "")
            }
            let value = { (key: String) in items.first { $0.0 == key }!.1 }
            guard case .bool(let fortran) = value("fortran_order") else {
                throw .structure("'fortran_order' must be True or False", at: "/fortran_order")
            }
            guard case .sequence(let dims) = value("shape") else { throw .structure("'shape' must be a tuple of integers", at: "/shape") }
            guard dims.count <= TensorCodec.maxDims else {
                throw .tensor("a tensor has at most \(TensorCodec.maxDims) dimensions, got \(dims.count)", at: "/shape")
            }
            shape = try dims.enumerated().map { (k, d) throws(WireError) in
                guard case .int(let n) = d else { throw .structure("'shape' must be a tuple of integers", at: "/shape/\(k)") }
                guard n >= 0 else { throw .tensor("dimension sizes cannot be negative, got \(n)", at: "/shape/\(k)") }
                return n
            }
            fortranOrder = fortran
            guard case .string(let d) = value("descr") else {
                throw WireError(.unsupportedDType, status: 422, "structured arrays (a list 'descr') are not supported; save one plain array per file", pointer: "/descr")
            }
            descr = d
            (element, bigEndian) = try Self.element(d)
        }

        /// `'<f4'`, `'>i8'`, `'|b1'`…: byte order, kind and width.
        static func element(_ descr: String) throws(WireError) -> (StoredElement, Bool) {
            let order = descr.first
            let type = ["<", ">", "|", "="].contains(order) ? String(descr.dropFirst()) : descr
            let element: StoredElement? = switch type {
            case "f4": .float32
            case "f8": .float64
            case "i8": .int64
            case "i4": .int32
            case "i2": .int16
            case "i1": .int8
            case "u1": .uint8
            case "b1": .bool
            default: nil
            }
            guard let element else {
                let what = switch type.first {
                case "f": type == "f2" ? "float16" : "this float width"
                case "c": "complex numbers"
                case "O": "Python objects"
                case "U", "S": "strings"
                case "V": "structured records"
                case "M", "m": "dates and times"
                case "u": "unsigned integers wider than 8 bits"
                default: "this element type"
                }
                throw WireError(.unsupportedDType, status: 422,
                                "dtype '\(descr)' (\(what)) is not supported: use float32, float64, int64, int32, int16, int8, uint8 or bool", pointer: "/descr")
            }
            // '>' is big-endian; a one-byte type's order ('|') does not matter.
            return (element, order == ">" && element.byteSize > 1)
        }
    }
}
