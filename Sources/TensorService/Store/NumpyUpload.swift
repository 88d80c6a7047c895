import HTTPServer
import TensorEngine
import TensorWire

/// A `.npy` upload read from the socket straight into the storage of the tensor it holds: the
/// header is parsed from the body's first bytes and checked against the body's length and the
/// element limit, the storage is made for it (the engine's recycled buffers, so a repeated
/// upload of one size touches no fresh pages), and the elements arrive in place. A file whose
/// header is wrong, or whose integers Tensord widens, is declined: the server then reads the
/// body as usual and `NumpyFormat.decode` refuses or converts it as for any other body.
///
/// Used by the connection that reads the body, then by the handler (`tensor()`), never both at once.
final class NumpyUpload: BodyReceiver, @unchecked Sendable {
    private let format: NumpyFormat
    private var placed: (layout: NumpyFormat.Layout, storage: Storage)?

    init(_ format: NumpyFormat) {
        self.format = format
    }

    func place(prefix: UnsafeRawBufferPointer, bodyLength: Int) -> BodyPlacement {
        let found: NumpyFormat.Layout?
        do { found = try format.layout(prefix, fileLength: bodyLength) } catch { return .decline }
        guard let layout = found else { return .needMore }
        guard layout.readsIntoStorage else { return .decline }
        let storage = layout.makeStorage()
        placed = (layout, storage)
        return .into(UnsafeMutableRawBufferPointer(start: storage.pointer, count: layout.dataBytes), from: layout.dataStart)
    }

    /// The tensor the body held, once the server has read it into the storage (nil before).
    func tensor() throws(WireError) -> Tensor? {
        guard let placed else { return nil }
        return try format.tensor(placed.layout, storage: placed.storage)
    }
}
