import Testing
@testable import HTTPServer

/// The connection limit against RLIMIT_NOFILE: the soft limit is raised toward the hard one as far as the
/// connections need (plus the eviction batch of 32 and the reserve), and a hard limit too low lowers the limit.
@Suite struct DescriptorLimitTests {
    @Test(arguments: [
        // soft, hard, maxConnections, reserved → raised soft limit, connections served
        (1_024, 524_288, 16_384, 256, 16_672, 16_384),  // systemd's defaults: raised to exactly what is needed
        (1_024, 4_096, 16_384, 256, 4_096, 3_808),  // an old hard limit: raised to it, fewer connections
        (20_000, 20_000, 16_384, 256, nil, 16_384),  // already enough: untouched
        (Int.max, Int.max, 16_384, 256, nil, 16_384),  // RLIM_INFINITY
        (1_024, 1_024, 256, 256, nil, 256),  // 256 + 32 + 256 fit in 1,024
        (256, 256, 16_384, 256, nil, 1),  // nothing fits but the reserve: one connection, never zero
        (1_024, Int.max, Int.max, Int.max, Int.max, 1),  // absurd flags saturate instead of trapping
    ] as [(Int, Int, Int, Int, Int?, Int)])
    func plan(soft: Int, hard: Int, maxConnections: Int, reserved: Int, raised: Int?, served: Int) {
        let plan = DescriptorLimit(soft: soft, hard: hard, maxConnections: maxConnections, reserved: reserved)
        #expect(plan.raisedSoftLimit == raised)
        #expect(plan.maxConnections == served)
    }
}
