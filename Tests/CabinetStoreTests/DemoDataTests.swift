@testable @_spi(Testing) import CabinetStore
import CabinetCore
@testable import CabinetDemo
import Foundation
import GRDB
import Testing

/// A demo vault made once for the checks below (fictitious data only).
final class DemoFixture: @unchecked Sendable {
    let dir = TempDir()
    let vault: Vault
    let now: Date
    let today: CivilDate
    let clinic: DemoClinic
    /// Every clinical row, fields opened.
    let rows: [Row]
    let patients: [Int64: PatientRecord]
    /// Per patient: its clinical rows.
    let byPatient: [Int64: [Row]]

    struct Row {
        let id: Int64
        let patient: Int64
        let kind: ClinicalKind
        let day: CivilDate
        let at: String
        let fields: [String: String]
    }

    init(count: Int, years: Int, seed: UInt64, now: Date) throws {
        let (v, _, _) = try makeVault(dir)
        vault = v
        self.now = now
        today = CivilDate(now)
        clinic = try DemoClinic.load()
        _ = try v.fillDemo(patients: count, years: years, seed: seed, now: now)
        let key = try #require(v.clinicalKeyForSealing)
        rows = try v.read { db in
            try GRDB.Row.fetchAll(db, sql: "SELECT id, uid, patient_id, kind, occurred_on, at, sealed FROM clinical_entry ORDER BY id")
                .map { r in
                    let kind = ClinicalKind(rawValue: r["kind"]) ?? .consultation
                    let fields = ClinicalSeal.openFields([UInt8](r["sealed"] as Data), kind: kind, uid: [UInt8](r["uid"] as Data), key: key)
                    return Row(id: r["id"], patient: r["patient_id"], kind: kind, day: CivilDate(iso: r["occurred_on"]) ?? CivilDate(year: 1970, month: 1, day: 1)!,
                               at: r["at"], fields: fields ?? [:])
                }
        }
        let ids = try v.read { db in try Int64.fetchAll(db, sql: "SELECT id FROM patient ORDER BY id") }
        var records: [Int64: PatientRecord] = [:]
        for id in ids { records[id] = try v.practice().patients.record(id) }
        patients = records
        byPatient = Dictionary(grouping: rows, by: \.patient)
    }

    deinit { vault.lock() }

    /// The Unix seconds of an `at` column.
    static func seconds(_ at: String) -> Int64 { Int64(AuditLog.date(at).timeIntervalSince1970.rounded(.down)) }

    /// Ten years of a small practice, the day's afternoon under way
    /// (Wednesday 25 November 2026, 15:10 in Paris).
    static let tenYears: Result<DemoFixture, any Error> = Result {
        let day = CivilDate(year: 2026, month: 11, day: 25)!
        return try DemoFixture(count: 300, years: 10, seed: 11,
                               now: PracticeClock.instant(day, TimeOfDay(minutes: 15 * 60 + 10))!)
    }
}

@Suite("Demo data", .serialized)
struct DemoDataTests {
    var fixture: DemoFixture { get throws { try DemoFixture.tenYears.get() } }

    @Test func everyConsultationFollowsOneScenarioThatFitsThePatient() throws {
        let f = try fixture
        let chronicByID = Dictionary(uniqueKeysWithValues: f.clinic.chronic.map { ($0.id, $0) })
        var checked = 0, followUps = 0
        for (patient, rows) in f.byPatient {
            let record = try #require(f.patients[patient])
            let antecedents = rows.filter { $0.kind == .antecedent }
            let allergies = rows.filter { $0.kind == .allergy }.compactMap { $0.fields["substance"] }
            // The patient's chronic treatments, as prescription lines.
            let chronicLines = Set(f.clinic.chronic.filter { c in antecedents.contains { $0.fields["label"] == c.label } }
                .flatMap { $0.regimens.flatMap { $0.map(\.prescription) } })
            for c in rows where c.kind == .consultation {
                let lines = c.fields["prescriptions"].map { $0.split(separator: "\n").map(String.init) } ?? []
                let age = record.identity.birthDate.age(on: c.day)
                let matches = f.clinic.scenarios.filter { s in
                    s.reasons.contains(c.fields["reason"] ?? "") && s.examinations.contains(c.fields["examination"] ?? "")
                        && (s.conclusions + (s.conclusionsHighPressure ?? [])).contains(c.fields["conclusion"] ?? "")
                        && lines.allSatisfy { line in
                            (s.prescriptions ?? []).contains { $0.contains(line) } || (s.chronic != nil && chronicLines.contains(line))
                        }
                        && s.fits(age: age, sex: record.identity.sex) && s.allows(allergies)
                }
                #expect(!matches.isEmpty, "consultation \(c.id) fits no scenario: \(c.fields)")
                // A follow-up is of a disease recorded by then, and renews its treatment.
                if let s = matches.first, let disease = s.chronic {
                    let c2 = try #require(chronicByID[disease])
                    #expect(antecedents.contains { $0.fields["label"] == c2.label && $0.day <= c.day },
                            "follow-up of \(c2.label) before it was recorded")
                    #expect(lines.contains { line in c2.regimens.contains { $0.contains { $0.prescription == line } } })
                    followUps += 1
                }
                checked += 1
            }
        }
        #expect(checked > 1000 && followUps > 100, "\(checked) consultations, \(followUps) follow-ups")
    }

    @Test func everyChronicDiseaseComesWithItsTreatmentAndNoTreatmentWithoutOne() throws {
        let f = try fixture
        var chronicPatients = 0
        for (patient, rows) in f.byPatient {
            let record = try #require(f.patients[patient])
            let treatments = rows.filter { $0.kind == .treatment }
            var explained = Set<Int64>()
            for a in rows where a.kind == .antecedent {
                let label = a.fields["label"] ?? ""
                let age = record.identity.birthDate.age(on: a.day)
                if let c = f.clinic.chronic.first(where: { $0.label == label }) {
                    // A whole regimen of its usual treatment, written the same day.
                    let sameDay = treatments.filter { $0.day == a.day }
                    let regimen = c.regimens.first { r in
                        r.allSatisfy { t in sameDay.contains { $0.fields["drug"] == t.drug && $0.fields["dosage"] == t.dosage } }
                    }
                    #expect(regimen != nil, "\(label) without its treatment")
                    // That day's consultation prescribed it.
                    let prescribed = rows.filter { $0.kind == .consultation && $0.day == a.day }
                        .flatMap { ($0.fields["prescriptions"] ?? "").split(separator: "\n").map(String.init) }
                    #expect(regimen.map { r in r.allSatisfy { prescribed.contains($0.prescription) } } == true,
                            "\(label) written without a prescription that day")
                    let drugs = Set(c.regimens.flatMap { $0.map(\.drug) })
                    for t in sameDay where drugs.contains(t.fields["drug"] ?? "") { explained.insert(t.id) }
                    #expect(age >= c.minAge)
                    chronicPatients += 1
                } else {
                    let other = try #require(f.clinic.antecedents.first { $0.label == label }, "unknown antecedent \(label)")
                    #expect(age >= other.minAge ?? 0 && (other.sex == nil || other.sex == record.identity.sex), "\(label) at \(age)")
                }
            }
            #expect(treatments.allSatisfy { explained.contains($0.id) }, "a treatment without its disease")
        }
        #expect(chronicPatients > 30)
    }

    @Test func anINSNumberExactlyWhenTheStatusSaysItWasRetrieved() throws {
        let f = try fixture
        var withNumber = 0
        for record in f.patients.values {
            let p = record.identity
            let retrieved = p.insStatus == .retrieved || p.insStatus == .qualified
            #expect(p.ins.isEmpty != retrieved, "\(p.insStatus) with INS '\(p.ins)'")
            if retrieved {
                #expect(p.ins == p.nir && p.ins.count == 15)
                withNumber += 1
            }
        }
        #expect(withNumber > 0 && withNumber < f.patients.count)
    }

    @Test func rowsAreDatedWhenTheCareHappenedNotWhenTheDemoWasMade() throws {
        let f = try fixture
        let generated = AuditLog.timestamp(f.now)
        let nowSeconds = Int64(f.now.timeIntervalSince1970)
        var years = Set<Int>()
        for r in f.rows {
            let at = AuditLog.date(r.at)
            let local = PracticeClock.local(at)
            // On the day of the care, during opening hours, never in the future.
            #expect(local.date == r.day, "entry \(r.id) written \(r.at) for \(r.day.iso)")
            #expect(OpeningHours.standard.isOpen(on: local.date, from: local.time.minutes, to: local.time.minutes),
                    "entry \(r.id) written at \(local.time.formatted)")
            #expect(at <= f.now)
            years.insert(local.date.year)
        }
        #expect(!f.rows.contains { $0.at == generated })
        #expect(Set(f.rows.map(\.at)).count > f.rows.count * 9 / 10)
        #expect(years.count >= 10, "history over \(years.sorted())")
        // A record is made at the first contact: before anything written in
        // it, and its first version says so.
        let versions: [(Int64, String)] = try f.vault.read { db in
            try GRDB.Row.fetchAll(db, sql: "SELECT patient_id, at FROM patient_version WHERE version = 1").map { r in
                let patient: Int64 = r["patient_id"], at: String = r["at"]
                return (patient, at)
            }
        }
        for (patient, at) in versions {
            let record = try #require(f.patients[patient])
            #expect(AuditLog.timestamp(record.createdAt) == at)
            if let first = f.byPatient[patient]?.map({ DemoFixture.seconds($0.at) }).min() {
                #expect(DemoFixture.seconds(at) <= first)
                #expect(at != generated)
            }
        }
        // Each consultation was written during a visit seen that day.
        let seen: [(patient: Int64, start: Int64)] = try f.vault.read { db in
            try GRDB.Row.fetchAll(db, sql: "SELECT patient_id, start_at FROM appointment WHERE status = 'seen'").map { r in
                let patient: Int64 = r["patient_id"], start: Int64 = r["start_at"]
                return (patient, start)
            }
        }
        var visits: [Int64: [Int64]] = [:]
        for v in seen { visits[v.patient, default: []].append(v.start) }
        for c in f.rows where c.kind == .consultation || c.kind == .vitals {
            let at = DemoFixture.seconds(c.at)
            #expect(visits[c.patient]?.contains { $0 <= at && at < $0 + 1200 } == true, "entry \(c.id) outside a visit")
            #expect(at <= nowSeconds)
        }
    }

    @Test func vitalsAreWrittenAsTheApplicationWritesThem() throws {
        let f = try fixture
        var count = 0
        for r in f.rows where r.kind == .vitals {
            #expect(r.fields["weight"] != nil && r.fields["height"] != nil)
            for (name, text) in r.fields {
                let sign = try #require(VitalSign(rawValue: name))
                #expect(!text.contains("."), "\(name) '\(text)'")
                let value = try Vitals.parse(text, as: sign)
                #expect(Vitals.format(value, language: .french) == text)
            }
            if let s = r.fields["systolic"].flatMap(Vitals.parseDecimal), let d = r.fields["diastolic"].flatMap(Vitals.parseDecimal) {
                try Vitals.checkPressure(systolic: s, diastolic: d)
            }
            if let w = r.fields["weight"].flatMap(Vitals.parseDecimal), let h = r.fields["height"].flatMap(Vitals.parseDecimal) {
                let bmi = try #require(Vitals.bmi(weightKg: w, heightCm: h))
                #expect(bmi > 10 && bmi < 45, "BMI \(bmi)")
            }
            count += 1
        }
        #expect(count > 500)
        // An adult's weight moves little from one visit to the next.
        for rows in f.byPatient.values {
            let weights = rows.filter { $0.kind == .vitals }.sorted { $0.day < $1.day }
                .filter { r in f.patients[r.patient].map { $0.identity.birthDate.age(on: r.day) >= 30 } ?? false }
                .compactMap { $0.fields["weight"].flatMap(Vitals.parseDecimal) }
            for (a, b) in zip(weights, weights.dropFirst()) { #expect(abs(a - b) / a < 0.1, "\(a) kg then \(b) kg") }
        }
    }

    @Test func pastDaysAreAsBusyAsTodayAndTheComingDays() throws {
        // A first-run sized practice over two years.
        let day = CivilDate(year: 2026, month: 11, day: 25)!  // a Wednesday
        let f = try DemoFixture(count: 800, years: 2, seed: 5, now: PracticeClock.instant(day, TimeOfDay(minutes: 11 * 60))!)
        let rows: [(day: String, start: Int64, status: String)] = try f.vault.read { db in
            try GRDB.Row.fetchAll(db, sql: "SELECT local_day, start_at, status FROM appointment").map { r in
                let day: String = r["local_day"], start: Int64 = r["start_at"], status: String = r["status"]
                return (day, start, status)
            }
        }
        var perDay: [Int: Int] = [:]
        for (iso, start, _) in rows {
            let d = try #require(CivilDate(iso: iso))
            perDay[d.dayNumber, default: 0] += 1
            let local = PracticeClock.local(Date(timeIntervalSince1970: TimeInterval(start)))
            #expect(local.date == d)
            #expect(OpeningHours.standard.isOpen(on: d, from: local.time.minutes, to: local.time.minutes + 20),
                    "appointment at \(local.time.formatted) on \(iso)")
        }
        func weekdays(_ range: Range<Int>) -> [Int] {
            range.filter { (CivilDate(dayNumber: day.dayNumber + $0)?.isoWeekday ?? 7) <= 5 }.map { perDay[day.dayNumber + $0] ?? 0 }
        }
        let past = weekdays(-28..<0), coming = weekdays(1..<8)
        let today = perDay[day.dayNumber] ?? 0
        let mean = Double(past.reduce(0, +)) / Double(past.count)
        #expect(mean >= 12, "a past weekday holds \(mean) appointments")
        #expect(Double(today) >= mean * 0.6 && Double(today) <= mean * 1.6, "today \(today), past weekdays \(mean)")
        let comingMean = Double(coming.reduce(0, +)) / Double(coming.count)
        #expect(comingMean >= mean * 0.6 && comingMean <= mean * 1.4, "coming weekdays \(comingMean), past \(mean)")
        // The oldest weeks are not emptier than the last ones (±50 %).
        let old = weekdays(-700..<(-672))
        let oldMean = Double(old.reduce(0, +)) / Double(old.count)
        #expect(oldMean >= mean * 0.5 && oldMean <= mean * 1.5, "two years ago \(oldMean), lately \(mean)")
        #expect(perDay.keys.allSatisfy { (CivilDate(dayNumber: $0)?.isoWeekday ?? 7) < 7 }, "a Sunday appointment")
        // Today: seen this morning, someone in consultation, the afternoon booked.
        let statuses = Set(rows.filter { $0.day == day.iso }.map(\.status))
        #expect(statuses.isSuperset(of: ["seen", "booked"]), "\(statuses)")
    }

    @Test func aDemoVaultPassesVerify() throws {
        let f = try fixture
        let report = try f.vault.verify()
        #expect(report.isOK, "\(report)")
        #expect(try f.vault.verifyTrust().isEmpty)
        #expect(try f.vault.verifyAudit().isOK)
    }
}

@Suite("Demo stamps")
struct DemoStampsTests {
    @Test func theyAreAuditLogTimestampsOfWholeSeconds() {
        var stamps = DemoStamps()
        // Before 1970, around midnight, across a day and a leap day.
        for seconds: Int64 in [-86_401, -1, 0, 59, 86_399, 86_400, 951_782_399, 951_868_800, 1_795_000_000, 1_795_043_999] {
            #expect(stamps.text(seconds) == AuditLog.timestamp(Date(timeIntervalSince1970: TimeInterval(seconds))))
        }
    }
}
