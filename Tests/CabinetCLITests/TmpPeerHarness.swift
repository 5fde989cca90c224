import Foundation
import Testing
@testable import cabinet

@Test func tmpPeerHarness() throws {
    guard ProcessInfo.processInfo.environment["PEER_HARNESS"] != nil else { return }
    for phase in PeerBench.Phase.allCases {
        let s = PeerBench.script(phase: phase, quick: false)
        try Data(s.utf8).write(to: URL(fileURLWithPath: "/tmp/peers/\(phase.rawValue).sql"))
        try Data((PeerBench.sqlcipherSetup + s).utf8).write(to: URL(fileURLWithPath: "/tmp/peers/\(phase.rawValue)-sqlcipher.sql"))
    }
    let figs = try PeerBench.run(quick: false, rounds: 5, selfPath: "/work/main/.build-helper-e/release/cabinet")
    for f in figs { print("FIG", f.name, f.unit, String(format: "%.3f", f.median), f.p99.map { String(format: "%.3f", $0) } ?? "-", f.met.map { "\($0)" } ?? "-") }
}
