@testable @_spi(Testing) import CabinetStore
import Foundation
import Testing

/// The trail's timestamps, written and read by hand, agree with Foundation's
/// ISO 8601 formatter (which the first vaults were written with).
@Suite struct TimestampTests {
    @Test func sameAsFoundation() {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        f.timeZone = TimeZone(identifier: "UTC")
        var x: UInt64 = 42
        for _ in 0..<500 {
            x = x &* 6364136223846793005 &+ 1442695040888963407
            let ms = Double(x >> 24 % 4_102_444_800_000) // up to 2100
            let d = Date(timeIntervalSince1970: (ms / 1000).rounded(.down) + Double(Int(ms) % 1000) / 1000)
            let mine = AuditLog.timestamp(d)
            #expect(mine == f.string(from: d), "\(d.timeIntervalSince1970)")
            #expect(abs(AuditLog.date(mine).timeIntervalSince1970 - (f.date(from: mine)?.timeIntervalSince1970 ?? -1)) < 0.0005)
        }
        #expect(AuditLog.date("2026-11-22T13:15:51Z") == Date(timeIntervalSince1970: 1_795_353_351))
        #expect(AuditLog.date("garbage") == Date(timeIntervalSince1970: 0))
    }
}
