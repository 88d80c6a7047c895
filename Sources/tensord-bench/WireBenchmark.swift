import Foundation
import TensorEngine
import TensorWire

/// `tensord-bench wire [--json] [--iterations N] [--docs DIR] [--clock wall|cpu]`: MB/s (bytes of JSON text per
/// second) to decode and encode a 10⁶-element float32 tensor of random normal values, as
/// `data` (shortest round-trip decimals) and as `data_b64`. Decoding is parse + tensor
/// construction; encoding is tensor → JSON bytes. `--docs` writes the two documents so
/// `scripts/bench_wire.py` can time orjson on exactly the same text. `--clock cpu` times with
/// the thread's CPU clock, which other processes on a shared machine disturb far less.
func runWireBenchmark(_ args: [String]) throws {
    var iterations = 15
    var docsDir: String?
    var asJSON = false
    var clock = clockid_t(CLOCK_MONOTONIC)
    var k = 0
    while k < args.count {
        switch args[k] {
        case "--json": asJSON = true
        case "--iterations": k += 1; iterations = Int(args[k]) ?? iterations
        case "--docs": k += 1; docsDir = args[k]
        case "--clock": k += 1; clock = clockid_t(args[k] == "cpu" ? CLOCK_THREAD_CPUTIME_ID : CLOCK_MONOTONIC)
        default: throw WireBenchmarkError.usage(args[k])
        }
        k += 1
    }

    let n = 1_000_000
    var rng = RandomGenerator(seed: 42)
    let tensor = Tensor.make([n], Float.self) { buf in
        for i in 0..<n { buf[i] = Float(rng.normal()) }
    }
    let codec = TensorCodec(maxElements: 100_000_000)
    var rows: [(String, Int, Double, Double)] = []
    for encoding in [TensorEncoding.json, .b64] {
        let doc = TensorCodec.encode(tensor, encoding: encoding)
        if let docsDir {
            try Data(doc).write(to: URL(fileURLWithPath: docsDir).appendingPathComponent("wire_\(encoding.rawValue).json"))
        }
        // Check the round trip before timing it.
        let back = try codec.decodeTensor(try JSONParser().parse(doc), at: "")
        guard back.scalars(as: Float.self).map(\.bitPattern) == tensor.scalars(as: Float.self).map(\.bitPattern) else {
            throw WireBenchmarkError.roundTrip(encoding.rawValue)
        }
        let decode = try best(iterations, clock) {
            _ = try codec.decodeTensor(try JSONParser().parse(doc), at: "")
        }
        let encode = try best(iterations, clock) {
            _ = TensorCodec.encode(tensor, encoding: encoding)
        }
        rows.append((encoding.rawValue, doc.count, Double(doc.count) / decode / 1e6, Double(doc.count) / encode / 1e6))
    }

    if asJSON {
        let items = rows.map { "{\"encoding\":\"\($0.0)\",\"bytes\":\($0.1),\"decode_mb_s\":\(rounded($0.2)),\"encode_mb_s\":\(rounded($0.3))}" }
        print("{\"elements\":\(n),\"dtype\":\"float32\",\"results\":[\(items.joined(separator: ","))]}")
    } else {
        print("wire codec, \(n) float32 (random normal), best of \(iterations)")
        print("encoding   bytes        decode MB/s   encode MB/s")
        for r in rows {
            print(r.0.padding(toLength: 11, withPad: " ", startingAt: 0) + String(r.1).padding(toLength: 13, withPad: " ", startingAt: 0)
                  + String(rounded(r.2)).padding(toLength: 14, withPad: " ", startingAt: 0) + String(rounded(r.3)))
        }
    }
}

private enum WireBenchmarkError: Error {
    case usage(String)
    case roundTrip(String)
}

private func rounded(_ x: Double) -> Double { (x * 10).rounded() / 10 }
