import Foundation
import Testing
import TensorEngine
@testable import TensorService

/// The tensor store's behaviour, the same with either backend.
struct TensorStoreTests {
    enum Backend: String, CaseIterable, CustomTestStringConvertible {
        case files, postgres
        var testDescription: String { rawValue }
    }

    /// Where a store keeps its tensors; `open` gives a new store on the same place, as a
    /// restarted server (or, for PostgreSQL, another node) would have.
    final class Place {
        let backend: Backend
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tensord-store-\(UUID().uuidString)")
        let pool: PostgresPool?

        init(_ backend: Backend) throws {
            self.backend = backend
            pool = backend == .postgres ? try PostgresTestServer.shared.migratedPool() : nil
        }

        func open(maxTotalBytes: Int) throws -> TensorStore {
            switch backend {
            case .files: try TensorStore(directory: directory, maxTotalBytes: maxTotalBytes)
            case .postgres:
                // A pool of its own: another node shares the database, not the connections.
                TensorStore(backend: PostgresTensorBackend(pool: try PostgresPool(url: pool!.url), cacheBytes: maxTotalBytes),
                            maxTotalBytes: maxTotalBytes)
            }
        }

        deinit { try? FileManager.default.removeItem(at: directory) }
    }

    @Test(arguments: Backend.allCases)
    func putGetListDeleteAndSurviveReopen(_ backend: Backend) throws {
        let place = try Place(backend)
        let store = try place.open(maxTotalBytes: 1 << 20)
        let a = Tensor([1.5, -2, .infinity, .nan] as [Float], shape: [2, 2])
        try store.put("a", a)
        try store.put("ids", Tensor([3, -1] as [Int64]))
        try store.put("flags", try Tensor([true, false, true] as [Bool]).reshaped([3, 1]))
        // A transposed view is stored by value.
        try store.put("t", try Tensor([1, 2, 3, 4, 5, 6] as [Double], shape: [2, 3]).transposed(0, 1))
        #expect(try store.list().map(\.name) == ["a", "flags", "ids", "t"])
        #expect(try store.list().first { $0.name == "flags" } == TensorStore.Entry(name: "flags", shape: [3, 1], dtype: .bool, bytes: 3))
        #expect(try store.usedBytes == 16 + 3 + 16 + 48)

        let reopened = try place.open(maxTotalBytes: 1 << 20)
        let back = try #require(try reopened.get("a"))
        #expect(back.shape == [2, 2] && back.dtype == .float32)
        #expect(back.scalars(as: Float.self).map(\.bitPattern) == a.scalars(as: Float.self).map(\.bitPattern))
        #expect(try reopened.get("t")?.doubles() == [1, 4, 2, 5, 3, 6])
        #expect(try reopened.get("flags")?.shape == [3, 1])
        #expect(try reopened.usedBytes == store.usedBytes)

        try reopened.delete("a")
        #expect(try reopened.get("a") == nil)
        #expect(throws: TensorStore.StoreError.notFound("a")) { try reopened.delete("a") }
        #expect(try place.open(maxTotalBytes: 1 << 20).get("a") == nil)
    }

    @Test(arguments: Backend.allCases)
    func totalBytesAreBounded(_ backend: Backend) throws {
        let place = try Place(backend)
        let store = try place.open(maxTotalBytes: 100)
        #expect(try store.put("x", Tensor.filled([20], with: 1, dtype: .float32)))   // 80 bytes, new
        #expect(throws: TensorStore.StoreError.full(needed: 24, limit: 20)) { try store.put("y", Tensor.filled([6], with: 1, dtype: .float32)) }
        // Replacing a tensor counts only the difference.
        #expect(try !store.put("x", Tensor.filled([25], with: 1, dtype: .float32)))
        #expect(try store.usedBytes == 100)
        // All or none: the first would fit, the pair does not.
        try store.delete("x")
        #expect(throws: TensorStore.StoreError.self) {
            try store.put([("p", Tensor.filled([20], with: 1, dtype: .float32)), ("q", Tensor.filled([20], with: 1, dtype: .float32))])
        }
        #expect(try store.list().isEmpty)
        #expect(try store.put([("p", Tensor.filled([2], with: 1, dtype: .float32)), ("p", Tensor.filled([3], with: 2, dtype: .float32))]) == [true, false])
        #expect(try store.get("p")?.doubles() == [2, 2, 2])
    }

    /// Another node's replacement or deletion is what this node reads next, though it has
    /// the old tensor cached.
    @Test func postgresCacheNeverServesAnotherNodesOldTensor() throws {
        let place = try Place(.postgres)
        let a = try place.open(maxTotalBytes: 1 << 20), b = try place.open(maxTotalBytes: 1 << 20)
        try a.put("w", Tensor([1, 2] as [Float]))
        #expect(try b.get("w")?.doubles() == [1, 2])
        try a.put("w", Tensor([3, 4, 5] as [Float]))
        #expect(try b.get("w")?.doubles() == [3, 4, 5])
        try a.delete("w")
        #expect(try b.get("w") == nil)
        try a.put("w", Tensor([6] as [Float]))
        #expect(try b.get("w")?.doubles() == [6])
        // The limit holds across nodes: b sees a's bytes.
        let small = try place.open(maxTotalBytes: 8)
        #expect(throws: TensorStore.StoreError.full(needed: 8, limit: 4)) { try small.put("v", Tensor([1, 2] as [Float])) }
    }

    /// Files are written outside the lock and renamed in under it: racing writers of one name
    /// leave the file and the map agreeing, and no temporary file behind.
    @Test func concurrentReplacementsLeaveFileAndMapAgreeing() throws {
        let place = try Place(.files)
        let dir = place.directory
        let store = try place.open(maxTotalBytes: 1 << 24)
        DispatchQueue.concurrentPerform(iterations: 16) { k in
            _ = try? store.put("x", Tensor.filled([50_000], with: Double(k), dtype: .float32))
            _ = try? store.put("y\(k % 4)", Tensor.filled([10], with: Double(k), dtype: .int64))
        }
        let reopened = try place.open(maxTotalBytes: 1 << 24)
        for name in ["x", "y0", "y1", "y2", "y3"] {
            #expect(try reopened.get(name)?.doubles() == store.get(name)?.doubles(), "\(name)")
        }
        #expect(try reopened.usedBytes == 200_000 + 4 * 80)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == ["x.tensor", "y0.tensor", "y1.tensor", "y2.tensor", "y3.tensor"])
    }

    /// A refused put leaves no file, and a temporary file a crash left behind is removed at
    /// the next start.
    @Test func refusedPutsAndCrashesLeaveNoTemporaryFiles() throws {
        let place = try Place(.files)
        let dir = place.directory
        let store = try place.open(maxTotalBytes: 100)
        try store.put("a", Tensor.filled([20], with: 1, dtype: .float32))
        #expect(throws: TensorStore.StoreError.self) { try store.put([("b", Tensor.filled([2], with: 1, dtype: .float32)), ("c", Tensor.filled([4], with: 1, dtype: .float32))]) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["a.tensor"])
        _ = FileManager.default.createFile(atPath: dir.appendingPathComponent(".a.7.partial").path, contents: Data([1, 2, 3]))
        let reopened = try place.open(maxTotalBytes: 100)
        #expect(try reopened.list().map(\.name) == ["a"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["a.tensor"])
    }

    /// A replaced file of a megabyte or more is kept under a temporary name (swapped with its
    /// replacement, where the file system can) and written over by the next file of about its
    /// size, cut to length: the files hold the right tensors, as a restart reads them; at most
    /// two such spares stay beside them, and the next start removes them.
    @Test func replacedFilesAreWrittenOver() throws {
        let place = try Place(.files)
        let dir = place.directory
        let store = try place.open(maxTotalBytes: 1 << 26)
        func spares() throws -> Int { try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".partial") }.count }
        let swaps = Self.swapsFiles(in: dir)
        let steps: [(name: String, count: Int, value: Double, spares: Int)] = [
            ("big", 300_000, 1, 0),
            ("big", 300_000, 2, 1),  // the first file is the spare
            ("big", 299_000, 3, 1),  // written over it, 4 KB shorter; the second is the spare
            ("other", 400_000, 4, 1),  // too large for that spare: a new file
            ("other", 400_000, 5, 2),
            ("small", 1_000, 6, 2),
            ("small", 1_000, 7, 2),  // 4 KB: not kept
            ("third", 500_000, 8, 2),
            ("third", 500_000, 9, 2),  // no room for a third spare
        ]
        for step in steps {
            try store.put(step.name, Tensor.filled([step.count], with: step.value, dtype: .float32))
            #expect(try spares() == (swaps ? step.spares : 0), "\(step)")
        }
        let reopened = try place.open(maxTotalBytes: 1 << 26)
        for (name, count, value) in [("big", 299_000, 3.0), ("other", 400_000, 5), ("small", 1_000, 7), ("third", 500_000, 9)] {
            #expect(try reopened.get(name)?.doubles() == [Double](repeating: value, count: count), "\(name)")
        }
        #expect(try spares() == 0)
        #expect(try reopened.usedBytes == 4 * (299_000 + 400_000 + 1_000 + 500_000))
    }

    /// Whether the file system of `directory` (created if need be) swaps two files' names
    /// (`RenameExchange`): where it cannot, the store keeps no spares.
    static func swapsFiles(in directory: URL) -> Bool {
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let probe = (directory.appendingPathComponent("a").path, directory.appendingPathComponent("b").path)
        _ = FileManager.default.createFile(atPath: probe.0, contents: Data([1]))
        _ = FileManager.default.createFile(atPath: probe.1, contents: Data([2]))
        defer { unlink(probe.0); unlink(probe.1) }
        let swaps = RenameExchange.swap(probe.0, probe.1)
        #expect(!swaps || FileManager.default.contents(atPath: probe.0) == Data([2]))
        return swaps
    }

    /// The spares' bounds are the store's to be given: with room for one 1.2 MB file in bytes
    /// (however many files are allowed), one is kept; with no files allowed, none, and the
    /// store still replaces its tensors.
    @Test func sparesStayWithinTheGivenLimits() throws {
        for (files, bytes, kept) in [(5, 2 << 20, 1), (0, 1 << 30, 0)] {
            let place = try Place(.files)
            let dir = place.directory
            let swaps = Self.swapsFiles(in: dir)
            var limits = TensorStore.SpareLimits()
            limits.files = files
            limits.bytes = bytes
            let store = try TensorStore(directory: dir, maxTotalBytes: 1 << 26, spareLimits: limits)
            for round in 0..<2 {
                for (name, count) in [("a", 300_000), ("b", 400_000), ("c", 500_000)] {
                    try store.put(name, Tensor.filled([count], with: Double(round), dtype: .float32))
                }
            }
            let partial = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".partial") }
            #expect(partial.count == (swaps ? kept : 0), "files \(files), bytes \(bytes): \(partial)")
            #expect(try store.get("c")?.doubles() == [Double](repeating: 1, count: 500_000))
            try? FileManager.default.removeItem(at: dir)
        }
    }

    @Test("names are safe file names", arguments: ["", ".hidden", "a/b", "../x", "a b", String(repeating: "x", count: 129), "é"])
    func invalidNames(name: String) throws {
        let place = try Place(.files)
        let store = try place.open(maxTotalBytes: 100)
        #expect(throws: TensorStore.StoreError.invalidName(name)) { try store.put(name, Tensor(scalar: Float(1))) }
    }
}
