import CabinetCore
import CabinetResources
import CabinetStore
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

/// The demo's appointment book: the standard opening hours cut into
/// 20-minute slots (27 a weekday, 9 on Saturday morning), spread so that
/// one day rarely holds two appointments at the same time, and how many
/// each day holds.
struct DemoSlots {
    /// Slot starts (minutes) by ISO weekday; index 0 unused, Sunday closed.
    static let starts: [[Int]] = (0...7).map { weekday in
        (OpeningHours.standard.days[weekday] ?? []).flatMap { range in
            Array(stride(from: range.start.minutes, through: range.end.minutes - 20, by: 20))
        }
    }
    private var used: [Int: UInt32] = [:]
    /// Appointments by day number.
    private(set) var count: [Int: Int] = [:]
    private var noon: [Int: Int64] = [:]

    /// A free slot of `day` (any slot when the day is full), taken.
    mutating func take(_ day: CivilDate, _ rng: inout SplitMix64) -> Int {
        let starts = Self.starts[day.isoWeekday]
        guard !starts.isEmpty else { return 12 * 60 }
        let mask = used[day.dayNumber] ?? 0
        var slot = rng.below(starts.count)
        if mask.nonzeroBitCount < starts.count {
            while mask & (1 << UInt32(slot)) != 0 { slot = (slot + 1) % starts.count }
        }
        used[day.dayNumber] = mask | (1 << UInt32(slot))
        count[day.dayNumber, default: 0] += 1
        return starts[slot]
    }

    /// The instant (Unix seconds) of `minute` on `day` in the practice's
    /// time: the zone's offset at noon holds through office hours (the
    /// clocks change at night), and is asked once a day.
    mutating func instant(_ day: CivilDate, _ minute: Int) -> Int64 {
        let utcNoon = Int64(day.dayNumber) * 86_400 + 43_200
        let localNoon: Int64
        if let known = noon[day.dayNumber] {
            localNoon = known
        } else {
            let offset = PracticeClock.timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(utcNoon)))
            localNoon = utcNoon - Int64(offset)
            noon[day.dayNumber] = localNoon
        }
        return localNoon + Int64(minute - 12 * 60) * 60
    }

    /// A day the practice is open in `from...to` (day numbers), each
    /// weekday alike and Saturday (a morning) a third as often; nil when the
    /// span holds no open day.
    static func openDay(from: Int, to: Int, _ rng: inout SplitMix64) -> CivilDate? {
        guard from <= to else { return nil }
        for _ in 0..<32 {
            guard let day = CivilDate(dayNumber: from + rng.below(to - from + 1)) else { return nil }
            let weekday = day.isoWeekday
            if weekday <= 5 || (weekday == 6 && rng.chance(1.0 / 3)) { return day }
        }
        return (from...min(to, from + 7)).lazy.compactMap { CivilDate(dayNumber: $0) }.first { $0.isoWeekday < 7 }
    }
}

/// `AuditLog.timestamp` of whole seconds, for the hundreds of thousands of
/// rows of a large demo: the date part is made once a day.
struct DemoStamps {
    private var days: [Int64: [UInt8]] = [:]

    mutating func text(_ seconds: Int64) -> String {
        let day = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        var bytes: [UInt8]
        if let known = days[day] {
            bytes = known
        } else {
            // "2026-11-25T"
            bytes = Array(AuditLog.timestamp(Date(timeIntervalSince1970: TimeInterval(day * 86_400))).utf8.prefix(11))
            days[day] = bytes
        }
        let t = Int(seconds - day * 86_400)
        bytes.reserveCapacity(24)
        for (value, end) in [(t / 3600, UInt8(ascii: ":")), (t / 60 % 60, UInt8(ascii: ":")), (t % 60, UInt8(ascii: "."))] {
            bytes.append(UInt8(ascii: "0") + UInt8(value / 10))
            bytes.append(UInt8(ascii: "0") + UInt8(value % 10))
            bytes.append(end)
        }
        bytes += Array("000Z".utf8)
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// One appointment of the demo.
struct DemoAppointment {
    let day: CivilDate
    /// Unix seconds.
    let start: Int64
    let status: AppointmentStatus
    let arrivedAt: Int64?
    let bookedAt: Int64
    let type: String
}

/// One clinical entry of the demo and the instant it was written.
struct DemoEntry {
    let kind: ClinicalKind
    let day: CivilDate
    /// Unix seconds.
    let at: Int64
    /// Empty for a document (the letter, made when it is written).
    let fields: [String: String]
}

/// One patient's care over the period: the appointments, and what was
/// written at each visit, in the order it was written.
struct DemoCare {
    var appointments: [DemoAppointment] = []
    var entries: [DemoEntry] = []
    var lastCare: CivilDate?
    /// When the record was made: the booking of the first appointment.
    var created: Int64
}

/// Fictitious but realistic records for the demonstration cabinet and the
/// benchmarks: identities from `DemoIdentities` (an INS number exactly when
/// the status says it was retrieved), then years of care that hold
/// together (`DemoClinic`): visits in the appointment book on opening days,
/// at the pace of a general practice, each with its consultation, and
/// vitals and what was learnt that day written during it; chronic diseases
/// with their treatment and follow-ups; a few letters. Every row is dated
/// when the care happened, not when the demo was made. Deterministic for a
/// seed. Only fictitious data.
extension Vault {
    public func fillDemo(patients count: Int, years: Int, seed: UInt64 = 2026, now: Date = Date(),
                         progress: (Int, Int) -> Void = { _, _ in }) throws -> DemoSummary {
        try AccessPolicy.check(session, .writeClinical)
        guard let ck = clinicalKeyForSealing else { throw CabinetError.permissionDenied(operation: Privilege.writeClinical.rawValue) }
        let today = CivilDate(now)
        let nowSeconds = Int64(now.timeIntervalSince1970.rounded(.down))
        let table = DemoScenarioTable(try DemoClinic.load())
        let identities = try DemoIdentities.generate(count: count, seed: seed, today: today)
        var rng = SplitMix64(seed: seed ^ 0xC0FF_EE00_D15E_A5E5)
        var summary = DemoSummary()
        var stamps = DemoStamps()
        func stamp(_ seconds: Int64) -> String { stamps.text(seconds) }
        let rowKey = ClinicalSubKey.row.derive(from: ck)
        let actor = session.actor
        let firstDay = today.dayNumber - 365 * max(1, min(years, 30))
        let busy = Self.demoPace(identities, today: today)
        let batch = 250
        var done = 0
        var slots = DemoSlots()
        var ids: [Int64] = []
        var created: [Int64] = []
        progress(0, count)
        for start in stride(from: 0, to: identities.count, by: batch) {
            let slice = identities[start..<min(start + batch, identities.count)]
            try write { db in
                let seq = try ChangeNumbers.nextPatient(db)
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
                let insertAppointment = try db.cachedStatement(sql: """
                    INSERT INTO appointment(patient_id, start_at, end_at, local_day, minutes, type, reason, status, arrived_at,
                                            booked_by, booked_at)
                    VALUES (?, ?, ?, ?, 20, ?, '', ?, ?, ?, ?)
                    """)
                // Ids chosen here so that each row's MAC covers its id (Trust.swift).
                var nextEntry = (try Int64.fetchOne(db, sql: "SELECT max(id) FROM clinical_entry") ?? 0) + 1
                for d in slice {
                    let care = Self.demoCare(d, table: table, firstDay: firstDay, today: today, now: nowSeconds, pace: busy,
                                             slots: &slots, rng: &rng)
                    let identity = PatientIdentity(
                        birthName: d.birthName, usedName: d.usedName ?? "", firstNames: d.firstNames.joined(separator: " "),
                        sex: d.sex, birthDate: d.birthDate, birthPlace: d.birthPlace, addressLine1: d.address.line1,
                        addressLine2: d.address.line2 ?? "", postcode: d.address.postcode, city: d.address.city,
                        phone: d.phone ?? "", mobile: d.mobile ?? "", email: d.email ?? "", ins: d.ins ?? "",
                        insStatus: d.insStatus, nir: d.nir.value, lifestyleConsent: rng.chance(0.3))
                    let createdAt = stamp(care.created)
                    try insertPatient.execute(arguments: [identity.searchKey.value, identity.birthDate.iso, identity.displayName,
                                                          identity.sex.rawValue, createdAt, actor, seq, care.lastCare?.iso])
                    let id = db.lastInsertedRowID
                    try insertVersion.execute(arguments: [id, createdAt, actor, try StoredIdentity.encode(identity)])
                    ids.append(id)
                    created.append(care.created)
                    for a in care.appointments {
                        try insertAppointment.execute(arguments: [id, a.start, a.start + 1200, a.day.iso, a.type, a.status.rawValue,
                                                                  a.arrivedAt, actor, stamp(a.bookedAt)])
                        summary.appointments += 1
                    }
                    for e in care.entries {
                        let uid = randomBytes(16)
                        var fields = e.fields
                        var letter = ""
                        if e.kind == .document {
                            // A letter from a specialist (a short text).
                            letter = table.clinic.letter(patient: identity.displayName)
                            fields = ["title": table.clinic.letterTitle, "filename": table.clinic.letterFilename,
                                      "mime": "text/plain", "size": String(letter.utf8.count)]
                        }
                        let sealed = ClinicalSeal.sealFields(fields, kind: e.kind, uid: uid, key: ck)
                        let entry = nextEntry
                        nextEntry += 1
                        // The MAC covers the very `at` written.
                        let at = stamp(e.at)
                        let mac = Self.clinicalRowMAC(rowKey, id: entry, uid: uid, patient: id, kind: e.kind.rawValue,
                                                      occurredOn: e.day.iso, supersedes: nil, at: at, author: actor, sealed: sealed)
                        try insertEntry.execute(arguments: [entry, Data(uid), id, e.kind.rawValue, e.day.iso, at, actor,
                                                            Data(sealed), Data(mac)])
                        switch e.kind {
                        case .consultation: summary.consultations += 1
                        case .vitals: summary.vitals += 1
                        case .document:
                            try insertBlob.execute(arguments: [entry, Data(ClinicalSeal.sealData(Array(letter.utf8), key: ck,
                                                                                         ad: Array("cabinet-document-v1".utf8) + uid))])
                            summary.documents += 1
                        default: summary.otherEntries += 1
                        }
                    }
                    summary.patients += 1
                }
            }
            done += slice.count
            progress(done, count)
        }
        // The coming two weeks, booked as the last weeks were filled (a
        // little less further out), Saturday mornings apart.
        if !ids.isEmpty {
            var booked = [0.0, 0.0], open = [0, 0]
            for n in (today.dayNumber - 56)..<today.dayNumber {
                guard let day = CivilDate(dayNumber: n), day.isoWeekday < 7 else { continue }
                let k = day.isoWeekday == 6 ? 1 : 0
                booked[k] += Double(slots.count[n] ?? 0)
                open[k] += 1
            }
            try write { db in
                let insert = try db.cachedStatement(sql: """
                    INSERT INTO appointment(patient_id, start_at, end_at, local_day, minutes, type, reason, status, booked_by, booked_at)
                    VALUES (?, ?, ?, ?, 20, 'consultation', '', 'booked', ?, ?)
                    """)
                for offset in 1..<14 {
                    guard let day = today.adding(days: offset), day.isoWeekday < 7 else { continue }
                    let k = day.isoWeekday == 6 ? 1 : 0
                    let expected = booked[k] / Double(max(1, open[k])) * max(0.6, 1 - 0.03 * Double(offset))
                    let n = Int(expected) + (rng.chance(expected - expected.rounded(.down)) ? 1 : 0)
                    for _ in 0..<n {
                        let s = slots.instant(day, slots.take(day, &rng))
                        let who = rng.below(ids.count)
                        let at = min(nowSeconds, max(created[who], nowSeconds - Int64(rng.below(14 * 86_400))))
                        try insert.execute(arguments: [ids[who], s, s + 1200, day.iso, actor, stamp(at)])
                        summary.appointments += 1
                    }
                }
                try ChangeNumbers.bumpAgenda(db)
            }
        }
        try audit(.recordWritten, object: "demo", detail: "patients=\(summary.patients),years=\(years),seed=\(seed)")
        return summary
    }

    /// How much busier than its natural pace (about a visit a year, more
    /// for the very young and the old) the practice's patients come: a
    /// small practice's doctor still fills about two thirds of the week's
    /// slots (up to five times the natural pace); a large one is left as is.
    static func demoPace(_ identities: [DemoIdentity], today: CivilDate) -> Double {
        var natural = 0.0
        for d in identities {
            let age = d.birthDate.age(on: today)
            natural += age < 3 || age > 70 ? 2.5 : 1.0
        }
        let weekSlots = DemoSlots.starts.reduce(0) { $0 + $1.count }
        let target = 0.65 * Double(weekSlots) * 365.25 / 7
        return natural > 0 ? min(5, max(1, target / natural)) : 1
    }

    /// One patient's appointments and clinical entries.
    static func demoCare(_ d: DemoIdentity, table: DemoScenarioTable, firstDay: Int, today: CivilDate, now: Int64,
                         pace: Double, slots: inout DemoSlots, rng: inout SplitMix64) -> DemoCare {
        let clinic = table.clinic
        let age = d.birthDate.age(on: today)
        // Care from the later of the start of the period and the first week
        // of life (the maternity sees the newborn first).
        let from = max(firstDay, d.birthDate.dayNumber + 7)
        let born = Int64(d.birthDate.dayNumber) * 86_400 + 43_200
        let span = today.dayNumber - from
        let perYear = (age < 3 || age > 70 ? 2.5 : 1.0) * pace
        let wanted = max(1, Int(Double(span + 1) / 365.0 * perYear * (0.5 + Double(rng.below(100)) / 100.0)))
        var days = Set<Int>()
        for _ in 0..<wanted {
            if let day = DemoSlots.openDay(from: from, to: today.dayNumber, &rng) { days.insert(day.dayNumber) }
        }
        var care = DemoCare(created: now)
        /// Booked an hour to eight days before (online, at any hour).
        func bookedAt(_ start: Int64) -> Int64 {
            min(now, start - 600, max(born, start - 3600 * Int64(1 + rng.below(24 * 8))))
        }
        var seen: [(day: CivilDate, start: Int64)] = []
        for n in days.sorted() {
            guard let day = CivilDate(dayNumber: n) else { continue }
            let type = care.appointments.isEmpty && from > firstDay ? "first" : "consultation"
            let start = slots.instant(day, slots.take(day, &rng))
            var arrived: Int64?
            let status: AppointmentStatus
            if start + 1200 <= now {
                status = .seen
                arrived = start - 60 * Int64(rng.below(25))
                // Now and then missed or cancelled first, and rebooked.
                let roll = rng.below(100)
                if roll < 7, let missed = DemoSlots.openDay(from: max(from, n - 10), to: n - 1, &rng) {
                    let s = slots.instant(missed, slots.take(missed, &rng))
                    care.appointments.append(DemoAppointment(day: missed, start: s, status: roll < 3 ? .noShow : .cancelledByPatient,
                                                             arrivedAt: nil, bookedAt: bookedAt(s), type: type))
                }
                seen.append((day, start))
            } else if start <= now {
                status = .inConsultation
                arrived = start - 60 * Int64(rng.below(15))
            } else if start - now <= 1200 && rng.chance(0.7) {
                status = .arrived
                arrived = now - 60 * Int64(rng.below(10))
            } else {
                status = .booked
            }
            care.appointments.append(DemoAppointment(day: day, start: start, status: status, arrivedAt: arrived,
                                                     bookedAt: bookedAt(start), type: type))
        }
        care.created = care.appointments.lazy.map(\.bookedAt).min() ?? now
        guard !seen.isEmpty else { return care }
        let ages = seen.map { d.birthDate.age(on: $0.day) }
        /// The visit where something was first written: often the first one
        /// the patient was old enough for, else a later one.
        func visit(from age: Int) -> Int? {
            guard let first = ages.firstIndex(where: { $0 >= age }) else { return nil }
            return rng.chance(0.5) ? first : first + rng.below(seen.count - first)
        }

        // Chronic diseases, each written with its treatment at a visit.
        var diagnoses: [(disease: DemoClinic.Chronic, visit: Int, regimen: [DemoClinic.Treatment])] = []
        for c in clinic.chronic where rng.chance(c.probability(age: age, sex: d.sex)) {
            guard let v = visit(from: c.minAge) else { continue }
            diagnoses.append((c, v, c.regimens[rng.below(c.regimens.count)]))
        }
        var written: [[(ClinicalKind, [String: String])]] = Array(repeating: [], count: seen.count)
        var allergies: [String] = []
        if rng.chance(0.15) {
            let pair = rng.pick(clinic.allergies)
            allergies.append(pair[0])
            written[0].append((.allergy, ["substance": pair[0], "reaction": pair[1]]))
        }
        for a in clinic.antecedents where (a.sex == nil || a.sex == d.sex) && age >= (a.minAge ?? 0) && rng.chance(a.chance) {
            guard let v = visit(from: a.minAge ?? 0) else { continue }
            written[v].append((.antecedent, ["category": a.category, "label": a.label]))
        }
        for (c, v, regimen) in diagnoses {
            written[v].append((.antecedent, ["category": "medical", "label": c.label]))
            for t in regimen { written[v].append((.treatment, ["drug": t.drug, "dosage": t.dosage])) }
        }
        let body = DemoBody(&rng, sex: d.sex, birth: d.birthDate,
                            extraBMI: diagnoses.reduce(0) { $0 + ($1.disease.bmi ?? 0) },
                            hypertensive: diagnoses.contains { $0.disease.pressure == true })
        // Now and then a letter from the cardiologist.
        let letterAt = (body.hypertensive || age >= 50) && rng.chance(0.08) ? ages.lastIndex { $0 >= 40 } : nil

        for (i, v) in seen.enumerated() {
            // The visit where a chronic disease is written is about it (the
            // treatment prescribed); later ones are often its follow-up,
            // else an acute reason fitting the patient's age and sex.
            let known = diagnoses.filter { $0.visit <= i }
            let new = known.filter { $0.visit == i }
            var followUp: DemoClinic.Scenario?
            if !new.isEmpty {
                followUp = table.followUp(&rng, disease: rng.pick(new).disease.id, age: ages[i], sex: d.sex)
            } else if !known.isEmpty && rng.chance(0.55) {
                followUp = table.followUp(&rng, disease: rng.pick(known).disease.id, age: ages[i], sex: d.sex)
            }
            let s = followUp ?? table.acute(&rng, age: ages[i], sex: d.sex, allergies: allergies)
            let measured = rng.chance(s.vitals ?? 0.4) ? body.vitals(&rng, on: v.day, fever: s.fever ?? false) : nil
            let vitals = measured?.fields, high = measured?.highPressure ?? false
            var fields = ["reason": rng.pick(s.reasons), "examination": rng.pick(s.examinations),
                          "conclusion": rng.pick(high ? s.conclusionsHighPressure ?? s.conclusions : s.conclusions)]
            // A follow-up renews every chronic treatment known by then.
            var lines: [String] = []
            if s.chronic != nil {
                for k in known { for t in k.regimen where !lines.contains(t.prescription) { lines.append(t.prescription) } }
            }
            if let sets = s.prescriptions, !sets.isEmpty { lines += rng.pick(sets) }
            if !lines.isEmpty { fields["prescriptions"] = lines.joined(separator: "\n") }
            // Written during the visit: the vitals, what was learnt, then
            // the consultation; a letter received is filed at the end.
            if let vitals {
                care.entries.append(DemoEntry(kind: .vitals, day: v.day, at: v.start + 180 + Int64(rng.below(300)), fields: vitals))
            }
            var at = v.start + 480
            for (kind, f) in written[i] {
                at += 5 + Int64(rng.below(15))
                care.entries.append(DemoEntry(kind: kind, day: v.day, at: at, fields: f))
            }
            at = max(at + 30, v.start + 840 + Int64(rng.below(300)))
            care.entries.append(DemoEntry(kind: .consultation, day: v.day, at: at, fields: fields))
            if i == letterAt {
                care.entries.append(DemoEntry(kind: .document, day: v.day, at: max(at + 20, v.start + 1170), fields: [:]))
            }
        }
        care.lastCare = seen.last?.day
        return care
    }
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
