import CabinetCore
import CabinetResources
import Foundation
import GRDB

/// What `fillDemo` made.
public struct DemoSummary: Sendable, Equatable {
    public var patients = 0
    public var consultations = 0
    public var vitals = 0
    public var otherEntries = 0
    public var documents = 0
    public var appointments = 0
}

/// The demo's appointment slots: 20 minutes, 08:30–12:30 and 14:00–19:00
/// (27 a day), spread so that one day rarely holds two at the same time.
struct DemoSlots {
    static let starts: [Int] = Array(stride(from: 8 * 60 + 30, to: 12 * 60 + 30, by: 20)) + Array(stride(from: 14 * 60, to: 19 * 60, by: 20))
    var used: [Int: UInt32] = [:]

    mutating func take(_ day: CivilDate, _ rng: inout SplitMix64) -> Int {
        let mask = used[day.dayNumber] ?? 0
        var slot = rng.below(Self.starts.count)
        if mask.nonzeroBitCount < Self.starts.count {
            while mask & (1 << UInt32(slot)) != 0 { slot = (slot + 1) % Self.starts.count }
        }
        used[day.dayNumber] = mask | (1 << UInt32(slot))
        return Self.starts[slot]
    }
}

/// Fictitious but realistic records for the demonstration cabinet and the
/// benchmarks: identities from `DemoIdentities`, then antecedents,
/// allergies, treatments, consultations with vitals and a few letters over
/// up to `years` years. Deterministic for a seed. Only fictitious data.
extension Vault {
    public func fillDemo(patients count: Int, years: Int, seed: UInt64 = 2026, now: Date = Date(),
                         progress: (Int, Int) -> Void = { _, _ in }) throws -> DemoSummary {
        try AccessPolicy.check(session, .writeClinical)
        guard let ck = clinicalKeyForSealing else { throw CabinetError.permissionDenied(operation: Privilege.writeClinical.rawValue) }
        let today = CivilDate(now)
        let clinic = try DemoClinic.load()
        let identities = try DemoIdentities.generate(count: count, seed: seed, today: today)
        var rng = SplitMix64(seed: seed ^ 0xC0FF_EE00_D15E_A5E5)
        var summary = DemoSummary()
        let stamp = AuditLog.timestamp(now)
        let rowKey = ClinicalSubKey.row.derive(from: ck)
        let actor = session.actor
        let firstDay = today.dayNumber - 365 * max(1, min(years, 30))
        let batch = 250
        var done = 0
        var slots = DemoSlots()
        var ids: [Int64] = []
        progress(0, count)
        for start in stride(from: 0, to: identities.count, by: batch) {
            let slice = identities[start..<min(start + batch, identities.count)]
            try write { db in
                let seq = try Self.nextChangeSeq(db)
                let insertPatient = try db.cachedStatement(sql: """
                    INSERT INTO patient(version, search_key, birth_date, display_name, sex, created_at, created_by, change_seq, last_care_on)
                    VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
                let insertVersion = try db.cachedStatement(sql: """
                    INSERT INTO patient_version(patient_id, version, at, author, identity) VALUES (?, 1, ?, ?, ?)
                    """)
                let insertEntry = try db.cachedStatement(sql: """
                    INSERT INTO clinical_entry(id, uid, patient_id, kind, occurred_on, at, author, sealed, mac)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
                let insertBlob = try db.cachedStatement(sql: "INSERT INTO document_blob(entry_id, sealed) VALUES (?, ?)")
                // Ids chosen here so that each row's MAC covers its id (Trust.swift).
                var nextEntry = (try Int64.fetchOne(db, sql: "SELECT max(id) FROM clinical_entry") ?? 0) + 1
                func insertClinical(patient: Int64, kind: ClinicalKind, day: CivilDate, uid: [UInt8], sealed: [UInt8]) throws -> Int64 {
                    let entry = nextEntry
                    nextEntry += 1
                    let mac = Self.clinicalRowMAC(rowKey, id: entry, uid: uid, patient: patient, kind: kind.rawValue,
                                                  occurredOn: day.iso, supersedes: nil, at: stamp, author: actor, sealed: sealed)
                    try insertEntry.execute(arguments: [entry, Data(uid), patient, kind.rawValue, day.iso, stamp, actor,
                                                        Data(sealed), Data(mac)])
                    return entry
                }
                let insertAppointment = try db.cachedStatement(sql: """
                    INSERT INTO appointment(patient_id, start_at, end_at, local_day, minutes, type, reason, status, arrived_at,
                                            booked_by, booked_at)
                    VALUES (?, ?, ?, ?, 20, ?, '', ?, ?, ?, ?)
                    """)
                for d in slice {
                    let identity = PatientIdentity(
                        birthName: d.birthName, usedName: d.usedName ?? "", firstNames: d.firstNames.joined(separator: " "),
                        sex: d.sex, birthDate: d.birthDate, birthPlace: d.birthPlace, addressLine1: d.address.line1,
                        addressLine2: d.address.line2 ?? "", postcode: d.address.postcode, city: d.address.city,
                        phone: d.phone ?? "", mobile: d.mobile ?? "", email: d.email ?? "", ins: d.ins ?? "",
                        insStatus: d.insStatus,
                        nir: d.nir.value, lifestyleConsent: rng.chance(0.3))
                    // Care from the later of birth and the start of the period.
                    let from = max(firstDay, d.birthDate.dayNumber)
                    var entries: [(ClinicalKind, CivilDate, [String: String])] = []
                    let age = d.birthDate.age(on: today)
                    for _ in 0..<rng.below(age > 40 ? 4 : 2) {
                        entries.append((.antecedent, CivilDate(dayNumber: from + rng.below(max(1, today.dayNumber - from))) ?? today,
                                        clinic.antecedent(&rng)))
                    }
                    if rng.chance(0.15) { entries.append((.allergy, CivilDate(dayNumber: from) ?? today, clinic.allergy(&rng))) }
                    if age > 30 {
                        for _ in 0..<rng.below(3) { entries.append((.treatment, today.adding(days: -rng.below(900)) ?? today, clinic.treatment(&rng))) }
                    }
                    // About one consultation a year (more for the very young
                    // and the old), vitals at half of them.
                    let span = today.dayNumber - from
                    let perYear = age < 3 || age > 70 ? 2.5 : 1.0
                    let visits = max(1, Int(Double(span) / 365.0 * perYear * (0.5 + Double(rng.below(100)) / 100.0)))
                    var lastCare: CivilDate?
                    for _ in 0..<visits {
                        let day = CivilDate(dayNumber: from + rng.below(max(1, span))) ?? today
                        entries.append((.consultation, day, clinic.consultation(&rng)))
                        if rng.chance(0.5) {
                            let ageThen = d.birthDate.age(on: day)
                            entries.append((.vitals, day, DemoClinic.vitals(&rng, age: ageThen, sex: d.sex)))
                        }
                        if lastCare.map({ $0 < day }) ?? true { lastCare = day }
                    }
                    try insertPatient.execute(arguments: [identity.searchKey.value, identity.birthDate.iso, identity.displayName,
                                                          identity.sex.rawValue, stamp, actor, seq, lastCare?.iso])
                    let id = db.lastInsertedRowID
                    try insertVersion.execute(arguments: [id, stamp, actor, try Self.encode(identity)])
                    ids.append(id)
                    for (kind, day, fields) in entries {
                        if kind == .consultation, day.isoWeekday < 7 {
                            // The appointment that led to it (a few were
                            // cancelled or missed: then rebooked, the same day).
                            let minute = slots.take(day, &rng)
                            if let start = PracticeClock.instant(day, TimeOfDay(minutes: minute)) {
                                let roll = rng.below(100)
                                let status: AppointmentStatus = roll < 4 ? .noShow : roll < 10 ? .cancelledByPatient : .seen
                                let s = Int64(start.timeIntervalSince1970)
                                try insertAppointment.execute(arguments: [id, s, s + 1200, day.iso, rng.chance(0.1) ? "first" : "consultation",
                                                                          status.rawValue, status == .seen ? s - 60 * Int64(rng.below(25)) : nil,
                                                                          actor, stamp])
                                summary.appointments += 1
                            }
                        }
                        let uid = randomBytes(16)
                        _ = try insertClinical(patient: id, kind: kind, day: day, uid: uid,
                                               sealed: Self.sealFields(fields, kind: kind, uid: uid, key: ck))
                        switch kind {
                        case .consultation: summary.consultations += 1
                        case .vitals: summary.vitals += 1
                        default: summary.otherEntries += 1
                        }
                    }
                    // Now and then a letter from a specialist (a short text).
                    if rng.chance(0.05), let day = lastCare {
                        let letter = clinic.letter(patient: identity.displayName)
                        let uid = randomBytes(16)
                        let fields = ["title": clinic.letterTitle, "filename": clinic.letterFilename, "mime": "text/plain",
                                      "size": String(letter.utf8.count)]
                        let entry = try insertClinical(patient: id, kind: .document, day: day, uid: uid,
                                                       sealed: Self.sealFields(fields, kind: .document, uid: uid, key: ck))
                        try insertBlob.execute(arguments: [entry,
                                                           Data(Self.sealData(Array(letter.utf8), key: ck,
                                                                              ad: Array("cabinet-document-v1".utf8) + uid))])
                        summary.documents += 1
                    }
                    summary.patients += 1
                }
            }
            done += slice.count
            progress(done, count)
        }
        // The coming two weeks, about two thirds booked.
        if !ids.isEmpty {
            try write { db in
                let insert = try db.cachedStatement(sql: """
                    INSERT INTO appointment(patient_id, start_at, end_at, local_day, minutes, type, reason, status, booked_by, booked_at)
                    VALUES (?, ?, ?, ?, 20, 'consultation', '', 'booked', ?, ?)
                    """)
                for offset in 0..<14 {
                    guard let day = today.adding(days: offset), day.isoWeekday < 6 else { continue }
                    for minute in DemoSlots.starts where rng.chance(0.65) {
                        guard let start = PracticeClock.instant(day, TimeOfDay(minutes: minute)), start > now else { continue }
                        let s = Int64(start.timeIntervalSince1970)
                        try insert.execute(arguments: [ids[rng.below(ids.count)], s, s + 1200, day.iso, actor, stamp])
                        summary.appointments += 1
                    }
                }
                try Self.bumpAgenda(db)
            }
        }
        try audit(.recordWritten, object: "demo", detail: "patients=\(summary.patients),years=\(years),seed=\(seed)")
        return summary
    }
}

/// Fictitious clinical content: common reasons, examinations, conclusions
/// and prescriptions of a general practice, combined at random.
/// Fictitious clinical content of a general practice, combined at random.
/// The phrases live in `Resources/demo/clinic.fr.json` (French: the demo
/// cabinet is a French practice); none of them is about a real person.
struct DemoClinic: Decodable, Sendable {
    let reasons: [String]
    let examinations: [String]
    let conclusions: [String]
    let prescriptions: [String]
    let antecedents: [String: [String]]
    let allergies: [[String]]
    let treatments: [[String]]
    let letterTitle: String
    let letter: String
    let letterFilename: String

    enum CodingKeys: String, CodingKey {
        case reasons, examinations, conclusions, prescriptions, antecedents, allergies, treatments, letter
        case letterTitle = "letter_title", letterFilename = "letter_filename"
    }

    static func load() throws -> DemoClinic {
        guard let url = CabinetResources.demoFile("clinic.fr.json"), let data = try? Data(contentsOf: url),
              let clinic = try? JSONDecoder().decode(DemoClinic.self, from: data),
              !clinic.reasons.isEmpty, !clinic.examinations.isEmpty, !clinic.conclusions.isEmpty,
              !clinic.prescriptions.isEmpty, !clinic.antecedents.isEmpty, clinic.allergies.allSatisfy({ $0.count == 2 }),
              !clinic.allergies.isEmpty, clinic.treatments.allSatisfy({ $0.count == 2 }), !clinic.treatments.isEmpty
        else { throw CabinetError.usage(key: "error.resources_missing") }
        return clinic
    }

    func consultation(_ rng: inout SplitMix64) -> [String: String] {
        var f = ["reason": reasons[rng.below(reasons.count)], "examination": examinations[rng.below(examinations.count)],
                 "conclusion": conclusions[rng.below(conclusions.count)]]
        let lines = (0..<rng.below(3)).map { _ in prescriptions[rng.below(prescriptions.count)] }
        if !lines.isEmpty { f["prescriptions"] = lines.joined(separator: "\n") }
        return f
    }

    func antecedent(_ rng: inout SplitMix64) -> [String: String] {
        let categories = antecedents.keys.sorted()
        let category = categories[rng.below(categories.count)]
        let labels = antecedents[category] ?? []
        return ["category": category, "label": labels.isEmpty ? "" : labels[rng.below(labels.count)]]
    }

    func allergy(_ rng: inout SplitMix64) -> [String: String] {
        let pair = allergies[rng.below(allergies.count)]
        return ["substance": pair[0], "reaction": pair[1]]
    }

    func treatment(_ rng: inout SplitMix64) -> [String: String] {
        let pair = treatments[rng.below(treatments.count)]
        return ["drug": pair[0], "dosage": pair[1]]
    }

    static func vitals(_ rng: inout SplitMix64, age: Int, sex: Sex) -> [String: String] {
        let height: Double
        if age < 18 { height = min(50 + Double(age) * 6.2, 175) + Double(rng.below(10)) - 5 } else {
            height = (sex == .female ? 163 : 176) + Double(rng.below(20)) - 10
        }
        let bmi = age < 18 ? 16 + Double(rng.below(40)) / 10 : 19 + Double(rng.below(140)) / 10
        let weight = (bmi * height * height / 10_000 * 10).rounded() / 10
        // Written as the application writes them: French decimal comma.
        var f = ["weight": Vitals.format(weight, language: .french), "height": Vitals.format(height.rounded(), language: .french)]
        if age >= 18 {
            let sys = 105 + rng.below(50) + max(0, age - 50) / 2
            f["systolic"] = String(sys)
            f["diastolic"] = String(min(sys - 30, 60 + rng.below(35)))
        }
        f["pulse"] = String(55 + rng.below(45))
        if rng.chance(0.4) { f["temperature"] = Vitals.format(36.4 + Double(rng.below(30)) / 10, language: .french) }
        return f
    }


    func letter(patient: String) -> String { letter.replacingOccurrences(of: "{patient}", with: patient) }
}

extension Vault {
    /// A demonstration vault: fictitious data only, marked DÉMO on screen.
    public func isDemo() throws -> Bool {
        try read { db in try String.fetchOne(db, sql: "SELECT value FROM cabinet_meta WHERE key = 'demo'") } == "1"
    }

    /// Fictitious patients go only into a demo vault, or into an empty one
    /// which then becomes a demo vault: never mixed with real records.
    public func prepareForDemo() throws {
        try AccessPolicy.check(session, .writeClinical)
        if try isDemo() { return }
        let patients = try read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM patient") } ?? 0
        guard patients == 0 else { throw CabinetError.usage(key: "error.demo_real_vault") }
        try write { db in try db.execute(sql: "INSERT OR REPLACE INTO cabinet_meta(key, value) VALUES ('demo', '1')") }
    }
}
