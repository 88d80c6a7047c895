import Foundation
import Testing
import TensorEngine
@testable import TensorService

struct TensorStoreTests {
    func tempDir() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("tensord-store-\(UUID().uuidString)")
    }

    @Test func putGetListDeleteAndSurviveReopen() throws {
        let dir = tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try TensorStore(directory: dir, maxTotalBytes: 1 << 20)
        let a = Tensor([1.5, -2, .infinity, .nan] as [Float], shape: [2, 2])
        try store.put("a", a)
        try store.put("ids", Tensor([3, -1] as [Int64]))
        try store.put("flags", try Tensor([true, false, true] as [Bool]).reshaped([3, 1]))
        // A transposed view is stored by value.
        try store.put("t", try Tensor([1, 2, 3, 4, 5, 6] as [Double], shape: [2, 3]).transposed(0, 1))
        #expect(store.list().map(\.name) == ["a", "flags", "ids", "t"])
        #expect(store.usedBytes == 16 + 3 + 16 + 48)

        let reopened = try TensorStore(directory: dir, maxTotalBytes: 1 << 20)
        let back = try #require(reopened.get("a"))
        #expect(back.shape == [2, 2] && back.dtype == .float32)
        #expect(back.scalars(as: Float.self).map(\.bitPattern) == a.scalars(as: Float.self).map(\.bitPattern))
        #expect(reopened.get("t")?.doubles() == [1, 4, 2, 5, 3, 6])
        #expect(reopened.get("flags")?.shape == [3, 1])
        #expect(reopened.usedBytes == store.usedBytes)

        try reopened.delete("a")
        #expect(reopened.get("a") == nil)
        #expect(throws: TensorStore.StoreError.notFound("a")) { try reopened.delete("a") }
        #expect(try TensorStore(directory: dir, maxTotalBytes: 1 << 20).get("a") == nil)
    }

    @Test func totalBytesAreBounded() throws {
        let dir = tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try TensorStore(directory: dir, maxTotalBytes: 100)
        try store.put("x", Tensor.filled([20], with: 1, dtype: .float32))   // 80 bytes
        #expect(throws: TensorStore.StoreError.self) { try store.put("y", Tensor.filled([6], with: 1, dtype: .float32)) }
        // Replacing a tensor counts only the difference.
        try store.put("x", Tensor.filled([25], with: 1, dtype: .float32))
        #expect(store.usedBytes == 100)
    }

    @Test("names are safe file names", arguments: ["", ".hidden", "a/b", "../x", "a b", String(repeating: "x", count: 129), "é"])
    func invalidNames(name: String) throws {
        let dir = tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try TensorStore(directory: dir, maxTotalBytes: 100)
        #expect(throws: TensorStore.StoreError.invalidName(name)) { try store.put(name, Tensor(scalar: Float(1))) }
    }
}
