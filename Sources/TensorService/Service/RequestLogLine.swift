/// The request log's line: `METHOD path status milliseconds ms`, milliseconds to the microsecond.
enum RequestLogLine {
    /// The line, written into one string of its final size: interpolating it grew the string piece by piece
    /// and formatted each number through generic code, most of the log's cost per request (perf, issue 19).
    static func make(method: String, path: String, status: Int, micros: Int) -> String {
        var method = method, path = path
        return method.withUTF8 { method in
            path.withUTF8 { path in
                // Two decimals of at most 20 characters each, 3 fraction digits, 3 spaces, "." and "ms".
                String(unsafeUninitializedCapacity: method.count + path.count + 49) { line in
                    var at = 0
                    func put(_ bytes: UnsafeBufferPointer<UInt8>) {
                        for byte in bytes { line[at] = byte; at += 1 }
                    }
                    func put(_ byte: UInt8) { line[at] = byte; at += 1 }
                    func put(decimal value: Int, digits minimum: Int = 1) {
                        if value < 0 { put(UInt8(ascii: "-")) }
                        var count = 0, rest = value.magnitude
                        repeat { count += 1; rest /= 10 } while rest > 0
                        count = max(count, minimum)
                        rest = value.magnitude
                        for index in (at..<at + count).reversed() {
                            line[index] = UInt8(ascii: "0") + UInt8(rest % 10)
                            rest /= 10
                        }
                        at += count
                    }
                    put(method)
                    put(UInt8(ascii: " "))
                    put(path)
                    put(UInt8(ascii: " "))
                    put(decimal: status)
                    put(UInt8(ascii: " "))
                    put(decimal: micros / 1000)
                    put(UInt8(ascii: "."))
                    put(decimal: abs(micros % 1000), digits: 3)
                    put(UInt8(ascii: " "))
                    put(UInt8(ascii: "m"))
                    put(UInt8(ascii: "s"))
                    return at
                }
            }
        }
    }
}
