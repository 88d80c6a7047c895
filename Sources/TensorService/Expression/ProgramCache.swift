import Synchronization

/// Parsed programs by their exact source text, so a program sent again is not lexed and parsed
/// again (a third of a one-line `/v1/eval`'s own work, issue 19).
///
/// A parse reads nothing but the text and the parser's limits, which are fixed for the cache's
/// life, so a cached program is the one a parse would give and answers byte for byte the same;
/// inputs (names, shapes, dtypes) only matter when the program runs. Failures are not kept: a
/// program that does not parse is parsed again and fails again with the same error.
///
/// Bounded by the bytes of source it holds (`--program-cache-bytes`), since a program's syntax tree
/// grows with its text; a program larger than the whole bound is never kept, and the oldest
/// entries leave first. 0 turns the cache off.
final class ProgramCache: Sendable {
    let capacityBytes: Int
    let limits: ExpressionParser.Limits
    private let state = Mutex(State())

    private struct State {
        var programs: [String: Program] = [:]
        /// Sources in the order they were kept; `order[head...]` are cached.
        var order: [String] = []
        var head = 0
        var bytes = 0
    }

    init(capacityBytes: Int, limits: ExpressionParser.Limits) {
        self.capacityBytes = max(0, capacityBytes)
        self.limits = limits
    }

    /// The parsed program of `source`, from the cache or parsed now (and kept if it fits).
    func program(_ source: String) throws -> Program {
        let size = source.utf8.count
        guard size <= capacityBytes else { return try ExpressionParser.parse(source, limits: limits) }
        if let hit = state.withLock({ $0.programs[source] }) { return hit }
        let program = try ExpressionParser.parse(source, limits: limits)
        state.withLock { s in
            guard s.programs.updateValue(program, forKey: source) == nil else { return }
            s.order.append(source)
            s.bytes += size
            while s.bytes > capacityBytes {
                let oldest = s.order[s.head]
                s.head += 1
                s.programs[oldest] = nil
                s.bytes -= oldest.utf8.count
            }
            if s.head > 64 && s.head * 2 > s.order.count {
                s.order.removeFirst(s.head)
                s.head = 0
            }
        }
        return program
    }

    /// The sources held now, oldest first, and their bytes.
    var held: (sources: [String], bytes: Int) {
        state.withLock { (Array($0.order[$0.head...]), $0.bytes) }
    }
}
