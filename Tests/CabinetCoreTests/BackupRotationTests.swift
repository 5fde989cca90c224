import Foundation
import Testing
@testable import CabinetCore

/// Rotation by the calendar over two simulated years of backups.
@Suite("Backup rotation")
struct BackupRotationTests {
    var calendar: Calendar = {
        var c = Calendar(identifier: .gregorian)
        c.timeZone = PracticeClock.timeZone
        c.firstWeekday = 2
        c.minimumDaysInFirstWeek = 4
        return c
    }()

    /// A backup at 19:30 (Paris) on the given day.
    func evening(_ y: Int, _ m: Int, _ d: Int, state: BackupRecord.State = .verified) -> BackupRecord {
        let date = calendar.date(from: DateComponents(year: y, month: m, day: d, hour: 19, minute: 30))!
        return BackupRecord(path: "/media/usb/" + BackupRules.fileName(at: date) + (state == .failed ? ".failed" : ""),
                            createdAt: date, createdBy: "doc", bytes: 1, pages: 1, rows: 1, state: state)
    }

    /// Every day from `from` for `count` days, one backup each evening.
    func daily(from start: DateComponents, count: Int) -> [BackupRecord] {
        let first = calendar.date(from: start)!
        return (0..<count).map { i in
            let d = calendar.dateComponents([.year, .month, .day], from: calendar.date(byAdding: .day, value: i, to: first)!)
            return evening(d.year!, d.month!, d.day!)
        }
    }

    @Test func twoYearsOfDailyRunsKeepExactlyThePolicy() {
        // 1 December 2024 to 30 November 2026, every evening; now: Tuesday
        // 1 December 2026 at 08:00.
        let all = daily(from: DateComponents(year: 2024, month: 12, day: 1), count: 730)
        let now = calendar.date(from: DateComponents(year: 2026, month: 12, day: 1, hour: 8))!
        let plan = BackupRotation.plan(all, now: now)
        #expect(!plan.held)
        let kept = Set(plan.keep.map { calendar.dateComponents([.year, .month, .day], from: $0.createdAt) }
            .map { String(format: "%04d-%02d-%02d", $0.year!, $0.month!, $0.day!) })
        // Days: the last 7 days counting today (1 Dec has none yet): 25–30 Nov.
        var expected: Set<String> = ["2026-11-25", "2026-11-26", "2026-11-27", "2026-11-28", "2026-11-29", "2026-11-30"]
        // Weeks (Monday to Sunday), the newest of each of the last 5 weeks:
        // this week (none yet), weeks ending 29 Nov, 22 Nov, 15 Nov, 8 Nov.
        expected.formUnion(["2026-11-29", "2026-11-22", "2026-11-15", "2026-11-08"])
        // Months: the newest of each of the last 12 months (December has none yet).
        expected.formUnion(["2026-11-30", "2026-10-31", "2026-09-30", "2026-08-31", "2026-07-31", "2026-06-30", "2026-05-31",
                            "2026-04-30", "2026-03-31", "2026-02-28", "2026-01-31"])
        #expect(kept == expected, "kept \(kept.sorted()) expected \(expected.sorted())")
        #expect(plan.keep.count + plan.remove.count == all.count)
    }

    @Test func aStalledBackupDoesNotEatItsHistory() {
        // The last verified backup is 10 days old: nothing goes.
        let old = daily(from: DateComponents(year: 2026, month: 9, day: 1), count: 81)
        let now = calendar.date(from: DateComponents(year: 2026, month: 12, day: 1, hour: 8))!
        let plan = BackupRotation.plan(old, now: now)
        #expect(plan.held && plan.remove.isEmpty && plan.keep.count == old.count)
        #expect(BackupRotation.plan([], now: now).held)
    }

    @Test func theNewestVerifiedFailedAndPendingOnesStay() {
        let now = calendar.date(from: DateComponents(year: 2026, month: 12, day: 1, hour: 8))!
        let good = evening(2026, 11, 30)
        let failed = evening(2026, 11, 29, state: .failed)
        let oldFailed = evening(2026, 10, 2, state: .failed)
        var pending = evening(2026, 11, 30)
        pending.createdAt = pending.createdAt.addingTimeInterval(600)
        pending.path += "-2"
        pending.state = .unverified
        let plan = BackupRotation.plan([good, failed, oldFailed, pending], now: now)
        #expect(Set(plan.keep.map(\.path)) == [good.path, failed.path, pending.path])
        #expect(plan.remove.map(\.path) == [oldFailed.path])
    }
}
