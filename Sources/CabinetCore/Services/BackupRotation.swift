import Foundation

/// How many backups are kept, by the calendar (../shared/seeds/000_8e655f28ba827d0f.txt
/// l.371-373: monthly copies kept for 12 rolling months; the practice's
/// rhythm is the end of the day).
public struct RotationPolicy: Equatable, Sendable {
    /// The newest verified backup of each of the last `days` days…
    public var days: Int
    /// …of each of the last `weeks` weeks (Monday to Sunday)…
    public var weeks: Int
    /// …and of each of the last `months` months.
    public var months: Int

    public init(days: Int = 7, weeks: Int = 5, months: Int = 12) {
        self.days = days
        self.weeks = weeks
        self.months = months
    }

    public static let standard = RotationPolicy()
}

/// Which backups a rotation keeps and which it removes. Pure: the files are
/// the store's, the decision is here.
public enum BackupRotation {
    public struct Plan: Equatable, Sendable {
        public var keep: [BackupRecord]
        public var remove: [BackupRecord]
        /// Nothing is removed: the newest verified backup is older than the
        /// policy's shortest period (a stalled backup must not eat its
        /// history), or there is none.
        public var held: Bool
    }

    /// - every verified backup that is the newest of its day within the last
    ///   `days` days, of its week within the last `weeks` weeks, or of its
    ///   month within the last `months` months (today counting as the first);
    /// - the newest verified backup, always;
    /// - a backup not yet checked, when it is newer than the newest verified
    ///   one (its check is still to come);
    /// - a failed one (set aside as evidence) while it is within the last
    ///   `days` days.
    /// Nothing at all is removed while the newest verified backup is older
    /// than `days` days.
    public static func plan(_ backups: [BackupRecord], policy: RotationPolicy = .standard, now: Date) -> Plan {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = PracticeClock.timeZone
        calendar.firstWeekday = 2 // Monday
        calendar.minimumDaysInFirstWeek = 4 // ISO 8601 weeks
        let sorted = backups.sorted { $0.createdAt > $1.createdAt }
        let verified = sorted.filter { $0.state == .verified }
        let today = calendar.startOfDay(for: now)
        func daysAgo(_ d: Date) -> Int { calendar.dateComponents([.day], from: calendar.startOfDay(for: d), to: today).day ?? 0 }
        guard let newest = verified.first, daysAgo(newest.createdAt) < policy.days else {
            return Plan(keep: sorted, remove: [], held: true)
        }
        var kept = Set<String>([newest.path])
        func keepNewestPer(_ component: Calendar.Component, within count: Int) {
            guard count > 0 else { return }
            // The periods that count: this one and the `count - 1` before it.
            guard let oldest = calendar.date(byAdding: component, value: -(count - 1), to: now),
                  let start = calendar.dateInterval(of: component, for: oldest)?.start else { return }
            var seen = Set<Date>()
            for b in verified where b.createdAt >= start {
                guard let period = calendar.dateInterval(of: component, for: b.createdAt)?.start else { continue }
                if seen.insert(period).inserted { kept.insert(b.path) }
            }
        }
        keepNewestPer(.day, within: policy.days)
        keepNewestPer(.weekOfYear, within: policy.weeks)
        keepNewestPer(.month, within: policy.months)
        for b in sorted where b.state == .unverified && b.createdAt > newest.createdAt { kept.insert(b.path) }
        for b in sorted where b.state == .failed && daysAgo(b.createdAt) < policy.days { kept.insert(b.path) }
        return Plan(keep: sorted.filter { kept.contains($0.path) }, remove: sorted.filter { !kept.contains($0.path) }, held: false)
    }
}
