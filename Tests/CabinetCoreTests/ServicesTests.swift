import CabinetCore
import CabinetCoreTesting
import Foundation
import Testing

// The services (rules and access policy) over the in-memory repositories of
// CabinetCoreTesting. All data is fictitious; every instant is fixed.

/// A local date of the practice; the tests only use valid ones.
private func servicesDay(_ y: Int, _ m: Int, _ d: Int) throws -> CivilDate {
    try #require(CivilDate(year: y, month: m, day: d))
}

/// The instant of local `hh:mm` on a date, in Europe/Paris.
private func servicesParis(_ date: CivilDate, _ h: Int, _ m: Int) throws -> Date {
    try #require(PracticeClock.instant(date, TimeOfDay(minutes: h * 60 + m)))
}

/// A fictitious identity.
private func fictitious(_ birthName: String = "Fictif", _ firstNames: String = "Camille", born: (Int, Int, Int) = (1980, 5, 14),
                        sex: Sex = .female) throws -> PatientIdentity {
    PatientIdentity(birthName: birthName, firstNames: firstNames, sex: sex, birthDate: try servicesDay(born.0, born.1, born.2))
}

/// `body` is refused with `permissionDenied` naming `privilege`, and
/// reaches no repository: no call received, nothing appended to the trail.
private func expectDenied<R>(_ privilege: Privilege, _ repos: InMemoryRepositories,
                             sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> R) {
    repos.clearCalls()
    let trail = repos.audit.trail.count
    #expect(throws: CabinetError.permissionDenied(operation: privilege.rawValue), sourceLocation: sourceLocation) {
        try body()
    }
    #expect(repos.calls.isEmpty, "\(repos.calls)", sourceLocation: sourceLocation)
    #expect(repos.audit.trail.count == trail, sourceLocation: sourceLocation)
}

/// Monday 2 March 2026, 08:00 in Paris.
private let servicesNow = InMemoryPractice.referenceNow

// MARK: - Access policy

@Suite("Services: access policy")
struct ServicesPolicyTests {
    let now = servicesNow

    @Test func theReferenceInstantIsAMondayMorningInParis() throws {
        let local = PracticeClock.local(now)
        #expect(local.date == (try servicesDay(2026, 3, 2)))
        #expect(local.date.isoWeekday == 1)
        #expect(local.time == TimeOfDay(minutes: 8 * 60))
    }

    @Test func theFrontDeskNeverReachesClinicalContent() throws {
        let (doctor, repos) = InMemoryPractice.make(role: .doctor)
        let id = try doctor.patients.add(try fictitious(), now: now)
        let day = try servicesDay(2026, 3, 2)
        _ = try doctor.patients.addEntry(patient: id, kind: .consultation, occurredOn: day, fields: ["reason": "Contrôle fictif"],
                                         now: now)
        repos.patients.files["/fictif/lettre.txt"] = Array("Lettre fictive".utf8)
        let document = try doctor.patients.importDocument(patient: id, path: "/fictif/lettre.txt", title: "Lettre", date: day, now: now)
        repos.patients.files["/fictif/autre.txt"] = Array("Autre lettre fictive".utf8)

        let desk = repos.desk(.secretary)
        expectDenied(.readClinical, repos) { try desk.patients.entries(patient: id) }
        expectDenied(.readClinical, repos) { try desk.patients.entries(patient: id, kind: .consultation, includeSuperseded: true) }
        expectDenied(.writeClinical, repos) {
            try desk.patients.addEntry(patient: id, kind: .consultation, occurredOn: day, fields: ["reason": "Essai"], now: now)
        }
        expectDenied(.readClinical, repos) { try desk.patients.readDocument(entry: document) }
        expectDenied(.writeClinical, repos) { try desk.patients.setFlags(id, PatientFlags(limited: true)) }
        expectDenied(.writeClinical, repos) {
            try desk.patients.importDocument(patient: id, path: "/fictif/autre.txt", title: "Autre", date: day, now: now)
        }
        expectDenied(.exportRecords, repos) { try desk.patients.exportDocument(entry: document, to: "/fictif/copie.txt") }
        expectDenied(.readAudit, repos) { try desk.audit.entries() }
        expectDenied(.manageAccounts, repos) { try desk.accounts.create(login: "dr.autre", role: .doctor) }

        // Nothing was written by the refused calls.
        #expect(repos.patients.clinical.count == 2)
        #expect(repos.patients.patients[id]?.flags == PatientFlags())
        #expect(repos.patients.exported.isEmpty)
        #expect(repos.accounts.accounts["dr.autre"] == nil)
        #expect(!desk.patients.seesClinical)
    }

    @Test func theFrontDeskOpensARecordWithoutItsClinicalEntries() throws {
        let (doctor, repos) = InMemoryPractice.make(role: .doctor)
        let id = try doctor.patients.add(try fictitious(), now: now)
        let entry = try doctor.patients.addEntry(patient: id, kind: .allergy, occurredOn: try servicesDay(2026, 3, 2),
                                                 fields: ["substance": "Pollen fictif"], now: now)
        repos.clearCalls()
        let opened = try doctor.patients.open(id, now: now)
        #expect(repos.patients.calls == ["open(clinical: true)"])
        #expect(opened.entries.map(\.id) == [entry])
        #expect(repos.audit.contains(.recordOpened, object: "patient:\(id)", detail: "clinical"))

        let desk = repos.desk(.secretary)
        repos.clearCalls()
        let seen = try desk.patients.open(id, now: now)
        // The service asked for no clinical content at all.
        #expect(repos.patients.calls == ["open(clinical: false)"])
        #expect(seen.entries.isEmpty)
        #expect(seen.superseded.isEmpty)
        #expect(seen.history.allSatisfy { $0.what == "identity" })
        #expect(seen.record.identity == opened.record.identity)
        #expect(repos.audit.trail.last?.actor == "accueil")
        #expect(repos.audit.trail.last?.detail == "identity")

        // Her history lists the identity's versions only.
        repos.clearCalls()
        let history = try desk.patients.history(id)
        #expect(repos.patients.calls == ["identityVersions"])
        #expect(history.map(\.what) == ["identity"])
        #expect(try doctor.patients.history(id).count == 2)
    }

    @Test func aReplacementReadsClinicalContentButManagesNoAccount() throws {
        let (replacement, repos) = InMemoryPractice.make(role: .replacement)
        repos.accounts.seed(login: "dr.titulaire", role: .doctor)
        repos.accounts.seed(login: "accueil", role: .secretary)
        let id = try replacement.patients.add(try fictitious(), now: now)
        let entry = try replacement.patients.addEntry(patient: id, kind: .allergy, occurredOn: try servicesDay(2026, 3, 2),
                                                      fields: ["substance": "Pollen fictif"], now: now)
        #expect(try replacement.patients.entries(patient: id).map(\.id) == [entry])
        repos.clearCalls()
        #expect(try replacement.patients.open(id, now: now).entries.map(\.id) == [entry])
        #expect(repos.patients.calls == ["open(clinical: true)"])
        #expect(replacement.patients.seesClinical)
        #expect(replacement.agenda.mayForce)

        expectDenied(.manageAccounts, repos) { try replacement.accounts.create(login: "accueil2", role: .secretary) }
        expectDenied(.manageAccounts, repos) { try replacement.accounts.disable(login: "accueil") }
        expectDenied(.manageAccounts, repos) { try replacement.accounts.reset(login: "accueil") }
        expectDenied(.manageAccounts, repos) { try replacement.accounts.recordReview() }
        expectDenied(.manageAccounts, repos) { try replacement.accounts.rekey() }
        expectDenied(.listAccounts, repos) { try replacement.accounts.list() }
        expectDenied(.changeSettings, repos) { try replacement.accounts.setLockAfterMinutes(10) }
        expectDenied(.changeSettings, repos) { try replacement.agenda.setOpeningHours(.standard) }
        #expect(repos.accounts.accounts["accueil2"] == nil)
        #expect(repos.accounts.accounts["accueil"]?.hasSlot == true)
    }

    @Test func theFrontDeskDoesHerOwnWork() throws {
        let (desk, repos) = InMemoryPractice.make(role: .secretary)
        let id = try desk.patients.add(try fictitious(), now: now)
        #expect(try desk.patients.record(id).identity.birthName == "Fictif")
        #expect(try desk.patients.search("fict").map(\.id) == [id])
        repos.agenda.enroll(id, name: "FICTIF Camille")
        let tuesday = try servicesDay(2026, 3, 3)
        _ = try desk.agenda.book(patient: id, start: try servicesParis(tuesday, 9, 0), minutes: 20, type: "consultation", now: now)
        #expect(try desk.audit.verify().isOK)
        // Her own settings and second factor are not hers to manage.
        expectDenied(.manageOwnSecondFactor, repos) { try desk.accounts.beginSecondFactor(issuer: "Cabinet fictif") }
        expectDenied(.changeSettings, repos) { try desk.agenda.addAbsence(from: now, to: now.addingTimeInterval(3600), label: "Congé") }
        // The privilege is checked before what was typed.
        expectDenied(.changeSettings, repos) { try desk.accounts.setLockAfterMinutes(99) }
    }
}

// MARK: - Patients

@Suite("Services: patients")
struct PatientsServiceTests {
    let now = servicesNow

    @Test func anInvalidIdentityIsRefusedBeforeTheRepository() throws {
        let (desk, repos) = InMemoryPractice.make(role: .secretary)
        var raw = try fictitious()
        // Nothing left once the escape sequence is stripped.
        raw.birthName = "\u{1B}[0m  "
        #expect(throws: CabinetError.patients(.invalidField(field: "birth_name", key: "patient.error.birth_name"))) {
            try desk.patients.add(raw, now: now)
        }
        raw = try fictitious("Fictif", "")
        #expect(throws: CabinetError.patients(.invalidField(field: "first_names", key: "patient.error.first_names"))) {
            try desk.patients.add(raw, now: now)
        }
        raw = try fictitious(born: (2027, 1, 1))
        #expect(throws: CabinetError.patients(.invalidField(field: "birth_date", key: DateProblem.future.messageKey))) {
            try desk.patients.add(raw, now: now)
        }
        #expect(throws: CabinetError.patients(.invalidField(field: "birth_date", key: DateProblem.future.messageKey))) {
            try desk.patients.update(1, raw, now: now)
        }
        #expect(repos.patients.calls.isEmpty)
        #expect(repos.patients.patients.isEmpty)
        #expect(repos.audit.trail.isEmpty)
    }

    @Test func aDuplicateIsRefusedUnlessAllowed() throws {
        let (desk, repos) = InMemoryPractice.make(role: .secretary)
        let first = try desk.patients.add(try fictitious(), now: now)
        #expect(first == 1)
        repos.clearCalls()
        // The same names typed otherwise, the same date of birth.
        let twin = try fictitious("FICTIF", "camille")
        #expect(throws: CabinetError.patients(.possibleDuplicate(id: first))) { try desk.patients.add(twin, now: now) }
        #expect(repos.patients.calls == ["duplicates"])
        #expect(try desk.patients.duplicates(of: twin) == [first])
        repos.clearCalls()
        let second = try desk.patients.add(twin, allowDuplicate: true, now: now)
        #expect(second != first)
        #expect(repos.patients.calls == ["insert"])
        #expect(try desk.patients.count() == 2)
        // Another date of birth is another person.
        let other = try desk.patients.add(try fictitious(born: (1981, 5, 14)), now: now)
        #expect(try desk.patients.duplicates(of: twin, excluding: first) == [second])
        #expect(!(try desk.patients.duplicates(of: twin).contains(other)))
        // `save` with no id creates, with the same duplicate rule.
        #expect(throws: CabinetError.patients(.possibleDuplicate(id: first))) {
            try desk.patients.save(nil, twin, allowDuplicate: false, now: now)
        }
    }

    @Test func theIdentityIsCleanedBeforeItReachesTheRepository() throws {
        let (desk, repos) = InMemoryPractice.make(role: .secretary)
        var raw = try fictitious()
        raw.birthName = "Fic\u{1B}[31mtif\u{07}"
        raw.firstNames = "  Camille\u{202E} "
        raw.city = "Ville\u{0}-Fictive"
        let id = try desk.patients.add(raw, now: now)
        let kept = try #require(repos.patients.identity(id))
        #expect(kept.birthName == "Fictif")
        #expect(kept.firstNames == "Camille")
        #expect(kept.city == "Ville-Fictive")
        #expect(kept == raw.sanitized())
        #expect(repos.audit.contains(.recordWritten, object: "patient:\(id)", detail: "identity.created"))

        // On update too; only the fields that changed make a version.
        raw.usedName = "Épouse\u{1B}]0;titre\u{07}Fictive"
        try desk.patients.update(id, raw, now: now)
        #expect(repos.patients.identity(id)?.usedName == "ÉpouseFictive")
        #expect(repos.patients.patients[id]?.version == 2)
        #expect(repos.audit.contains(.recordWritten, object: "patient:\(id)", detail: "identity:used_name"))
        try desk.patients.update(id, raw, now: now)
        #expect(repos.patients.patients[id]?.version == 2)
        #expect(try desk.patients.identityVersions(id).map(\.version) == [1, 2])
        #expect(try desk.patients.history(id).map(\.detail) == ["created", "used_name"])
        #expect(throws: CabinetError.patients(.notFound(id: 42))) { try desk.patients.update(42, raw, now: now) }
    }

    @Test func anExactLastNameComesBeforeACompoundOne() throws {
        let (desk, repos) = InMemoryPractice.make(role: .secretary)
        let compound = try desk.patients.add(try fictitious("Dubois-Martin", "Léa", born: (1975, 1, 2)), now: now)
        let exact = try desk.patients.add(try fictitious("Martin", "Camille"), now: now)
        let longer = try desk.patients.add(try fictitious("Martinez", "Paul", born: (1990, 9, 9), sex: .male), now: now)
        let firstName = try desk.patients.add(try fictitious("Fictif", "Martine", born: (1968, 11, 30)), now: now)
        _ = try desk.patients.add(try fictitious("Durand", "Léon", born: (1950, 6, 1), sex: .male), now: now)

        // The repository answers in name order, not ranked.
        let query = PatientQuery.parse("martin")
        #expect(try repos.patients.search(query, limit: 200).map(\.id) == [compound, firstName, exact, longer])
        #expect(query.rank(displayName: "MARTIN Camille") == 0)
        #expect(query.rank(displayName: "DUBOIS-MARTIN Léa") == 1)
        #expect(query.rank(displayName: "MARTINEZ Paul") == 2)

        // The service: the exact last name first, then the compound one,
        // then the rest in name order.
        repos.clearCalls()
        #expect(try desk.patients.search("martin").map(\.id) == [exact, compound, firstName, longer])
        #expect(repos.patients.calls == ["search"])
        #expect(try desk.patients.search("MARTIN").map(\.id) == [exact, compound, firstName, longer])
        // With a date of birth, a year, two prefixes, an impossible date.
        #expect(try desk.patients.search("martin 14/05/1980").map(\.id) == [exact])
        #expect(try desk.patients.search("martin 1990").map(\.id) == [longer])
        #expect(try desk.patients.search("lea mart").map(\.id) == [compound])
        #expect(try desk.patients.search("martin 31/02/1980").isEmpty)
        // Nothing typed: no search at all.
        repos.clearCalls()
        #expect(try desk.patients.search("   ").isEmpty)
        #expect(repos.patients.calls.isEmpty)
    }

    @Test func aCorrectionSupersedesAndABadOneIsRefused() throws {
        let (doctor, repos) = InMemoryPractice.make(role: .doctor)
        let id = try doctor.patients.add(try fictitious(), now: now)
        let day = try servicesDay(2026, 3, 2)
        let first = try doctor.patients.addEntry(patient: id, kind: .allergy, occurredOn: day, fields: ["substance": "Pollen fictif"],
                                                 now: now)
        let consultation = try doctor.patients.addEntry(patient: id, kind: .consultation, occurredOn: day,
                                                        fields: ["reason": "Contrôle fictif"], now: now)
        #expect(throws: CabinetError.patients(.entryNotFound(id: 999))) {
            try doctor.patients.addEntry(patient: id, kind: .allergy, occurredOn: day, fields: ["substance": "Pollen"],
                                         supersedes: 999, now: now)
        }
        // An entry of another kind is not corrected as an allergy.
        #expect(throws: CabinetError.patients(.entryNotFound(id: consultation))) {
            try doctor.patients.addEntry(patient: id, kind: .allergy, occurredOn: day, fields: ["substance": "Pollen"],
                                         supersedes: consultation, now: now)
        }
        #expect(throws: CabinetError.patients(.notFound(id: 42))) {
            try doctor.patients.addEntry(patient: 42, kind: .allergy, occurredOn: day, fields: ["substance": "Pollen"], now: now)
        }
        let fix = try doctor.patients.addEntry(patient: id, kind: .allergy, occurredOn: day,
                                               fields: ["substance": "Pollen de bouleau fictif", "reaction": "Rhinite"],
                                               supersedes: first, now: now)
        #expect(try doctor.patients.entries(patient: id, kind: .allergy).map(\.id) == [fix])
        #expect(Set(try doctor.patients.entries(patient: id, kind: .allergy, includeSuperseded: true).map(\.id)) == [first, fix])
        #expect(try doctor.patients.entries(patient: id).map(\.id) == [fix, consultation])
        let opened = try doctor.patients.open(id, now: now)
        #expect(opened.superseded.map(\.id) == [first])
        #expect(Set(opened.entries.map(\.id)) == [fix, consultation])
        #expect(repos.audit.contains(.recordWritten, object: "patient:\(id)", detail: "clinical:allergy:correction"))
        let history = try doctor.patients.history(id)
        #expect(history.count == 4)
        #expect(Set(history.map { "\($0.what) \($0.detail)" })
            == ["identity created", "allergy new", "consultation new", "allergy correction"])
        #expect(repos.patients.patients[id]?.lastCareOn == day)

        // The fields are checked by the service, before the repository.
        repos.clearCalls()
        #expect(throws: CabinetError.usage(key: "error.unknown_field")) {
            try doctor.patients.addEntry(patient: id, kind: .allergy, occurredOn: day, fields: ["diagnosis": "x"], now: now)
        }
        #expect(throws: CabinetError.usage(key: "error.empty_entry")) {
            try doctor.patients.addEntry(patient: id, kind: .allergy, occurredOn: day, fields: ["substance": "\u{1B}[0m "], now: now)
        }
        #expect(repos.patients.calls.isEmpty)
        // And reach it cleaned.
        let clean = try doctor.patients.addEntry(patient: id, kind: .allergy, occurredOn: day,
                                                 fields: ["substance": "Arachide\u{1B}[2J fictive"], now: now)
        #expect(repos.patients.clinical[clean]?.fields == ["substance": "Arachide fictive"])
    }

    @Test func aLimitedRecordIsReadOnly() throws {
        let (doctor, repos) = InMemoryPractice.make(role: .doctor)
        let id = try doctor.patients.add(try fictitious(), now: now)
        try doctor.patients.setFlags(id, PatientFlags(limited: true))
        #expect(repos.audit.contains(.recordWritten, object: "patient:\(id)", detail: "flags:deceased=false,hold=false,limited=true"))
        var changed = try fictitious()
        changed.city = "Ville-Fictive"
        #expect(throws: CabinetError.patients(.recordLimited)) { try doctor.patients.update(id, changed, now: now) }
        #expect(throws: CabinetError.patients(.recordLimited)) {
            try doctor.patients.addEntry(patient: id, kind: .allergy, occurredOn: try servicesDay(2026, 3, 2),
                                         fields: ["substance": "Pollen fictif"], now: now)
        }
        #expect(repos.patients.patients[id]?.version == 1)
        #expect(repos.patients.clinical.isEmpty)
        #expect(try doctor.patients.search("fictif").first?.flags.limited == true)
        // Lifting the limitation.
        try doctor.patients.setFlags(id, PatientFlags())
        try doctor.patients.update(id, changed, now: now)
        #expect(repos.patients.identity(id)?.city == "Ville-Fictive")
        #expect(throws: CabinetError.patients(.notFound(id: 42))) { try doctor.patients.setFlags(42, PatientFlags()) }
    }

    @Test func aDocumentIsReadBackAndEveryOpeningLogged() throws {
        let (doctor, repos) = InMemoryPractice.make(role: .doctor)
        let id = try doctor.patients.add(try fictitious(), now: now)
        let bytes = Array("Résultats fictifs".utf8)
        repos.patients.files["/fictif/resultats.txt"] = bytes
        let entry = try doctor.patients.importDocument(patient: id, path: "/fictif/resultats.txt", title: "Résultats",
                                                       date: try servicesDay(2026, 2, 27), now: now)
        let document = try doctor.patients.readDocument(entry: entry)
        #expect(document.title == "Résultats")
        #expect(document.mime == "text/plain")
        #expect(document.bytes == bytes)
        #expect(repos.audit.contains(.recordOpened, object: "patient:\(id)", detail: "document:\(entry)"))
        try doctor.patients.exportDocument(entry: entry, to: "/fictif/copie.txt")
        #expect(repos.patients.exported["/fictif/copie.txt"] == bytes)
        #expect(repos.audit.contains(.export, object: "patient:\(id)", detail: "document:\(entry)"))
        #expect(throws: CabinetError.patients(.entryNotFound(id: 77))) { try doctor.patients.readDocument(entry: 77) }
        #expect(throws: CabinetError.vault(.io(path: "/fictif/absent.pdf", errno: ENOENT))) {
            try doctor.patients.importDocument(patient: id, path: "/fictif/absent.pdf", title: "Absent",
                                               date: try servicesDay(2026, 2, 27), now: now)
        }
    }
}

// MARK: - Agenda

@Suite("Services: agenda")
struct AgendaServiceTests {
    /// Monday 2 March 2026, 08:00; the bookings are on Tuesday 3 March.
    let now = servicesNow
    let name = "FICTIF Camille"

    func tuesday() throws -> CivilDate { try servicesDay(2026, 3, 3) }
    func at(_ h: Int, _ m: Int) throws -> Date { try servicesParis(try tuesday(), h, m) }

    /// A session of `role` whose agenda knows patient 1, patient 2
    /// (archived) and patient 3 (deceased).
    func practice(_ role: Role) -> (Practice, InMemoryRepositories) {
        let (practice, repos) = InMemoryPractice.make(role: role)
        repos.agenda.enroll(1, name: name)
        repos.agenda.enroll(2, name: "ARCHIVE Paul", archived: true)
        repos.agenda.enroll(3, name: "DEFUNT Jean", deceased: true)
        return (practice, repos)
    }

    @Test func aBookingInThePastIsRefusedEvenForced() throws {
        for role in [Role.secretary, .doctor] {
            let (p, repos) = practice(role)
            let past = try servicesParis(try servicesDay(2026, 3, 2), 7, 0)
            #expect(throws: CabinetError.agenda(.bookingRefused(key: "booking.past", args: [:]))) {
                try p.agenda.book(patient: 1, start: past, minutes: 20, type: "consultation", force: true, now: now)
            }
            #expect(throws: CabinetError.agenda(.bookingRefused(key: "booking.duration", args: ["max": "8"]))) {
                try p.agenda.book(patient: 1, start: try at(9, 0), minutes: 0, type: "consultation", force: true, now: now)
            }
            #expect(throws: CabinetError.agenda(.bookingRefused(key: "booking.nonexistent_time", args: [:]))) {
                try p.agenda.book(patient: 1, start: nil, minutes: 20, type: "consultation", force: true, now: now)
            }
            #expect(!repos.agenda.calls.contains("insert"))
            #expect(repos.agenda.stored.isEmpty)
            #expect(repos.agenda.changes == 0)
            #expect(!repos.audit.contains(.appointmentBooked))
        }
    }

    @Test func outsideHoursOnlyADoctorMayForce() throws {
        let (desk, repos) = practice(.secretary)
        #expect(!desk.agenda.mayForce)
        for force in [false, true] {
            #expect(throws: CabinetError.agenda(.bookingNeedsForce(key: "booking.outside_hours", args: [:]))) {
                try desk.agenda.book(patient: 1, start: try at(13, 0), minutes: 20, type: "consultation", force: force, now: now)
            }
        }
        #expect(repos.agenda.stored.isEmpty)
        #expect(!repos.agenda.calls.contains("insert"))
        // Within the hours she books, not forced.
        let usual = try desk.agenda.book(patient: 1, start: try at(9, 0), minutes: 20, type: "consultation", now: now)
        #expect(repos.agenda.stored[usual]?.forced == false)
        #expect(repos.agenda.stored[usual]?.bookedBy == "accueil")

        let (doctor, doctorRepos) = practice(.doctor)
        #expect(throws: CabinetError.agenda(.bookingNeedsForce(key: "booking.outside_hours", args: [:]))) {
            try doctor.agenda.book(patient: 1, start: try at(13, 0), minutes: 20, type: "consultation", now: now)
        }
        let id = try doctor.agenda.book(patient: 1, start: try at(13, 0), minutes: 20, type: "consultation", force: true, now: now)
        #expect(id == 1)
        #expect(doctorRepos.agenda.stored[id]?.forced == true)
        #expect(doctorRepos.audit.contains(.appointmentBooked, object: "patient:1", detail: "appointment:1,forced"))
    }

    @Test func aDeceasedPatientOrAnAbsenceNeedsForce() throws {
        let (doctor, repos) = practice(.doctor)
        _ = try doctor.agenda.addAbsence(from: try at(10, 0), to: try at(11, 0), label: "Formation fictive")
        let desk = repos.desk(.secretary)
        #expect(throws: CabinetError.agenda(.bookingNeedsForce(key: "booking.patient_deceased", args: [:]))) {
            try desk.agenda.book(patient: 3, start: try at(9, 0), minutes: 20, type: "consultation", force: true, now: now)
        }
        #expect(throws: CabinetError.agenda(.bookingNeedsForce(key: "booking.in_absence", args: ["label": "Formation fictive"]))) {
            try desk.agenda.book(patient: 1, start: try at(10, 30), minutes: 20, type: "consultation", force: true, now: now)
        }
        #expect(repos.agenda.stored.isEmpty)
        // The next free slot steps over the absence.
        _ = try desk.agenda.book(patient: 1, start: try at(9, 40), minutes: 20, type: "consultation", now: now)
        #expect(try desk.agenda.nextFreeSlot(from: try at(9, 40), minutes: 20) == (try at(11, 0)))
    }

    @Test func anOverlapIsAConflictUnlessADoctorForces() throws {
        let (desk, repos) = practice(.secretary)
        let nine = try at(9, 0)
        let first = try desk.agenda.book(patient: 1, start: nine, minutes: 20, type: "consultation", now: now)
        #expect(first == 1)
        let changes = repos.agenda.changes
        let trail = repos.audit.trail.count
        for force in [false, true] {
            #expect(throws: CabinetError.agenda(.conflict(id: first, patient: name, start: nine))) {
                try desk.agenda.book(patient: 1, start: try at(9, 10), minutes: 20, type: "consultation", force: force, now: now)
            }
        }
        // Touching ends do not overlap.
        let after = try desk.agenda.book(patient: 1, start: try at(9, 20), minutes: 20, type: "consultation", now: now)
        #expect(after == 2)
        #expect(repos.agenda.changes == changes + 1)
        #expect(repos.audit.trail.count == trail + 1)

        let doctor = repos.desk(.doctor)
        let forced = try doctor.agenda.book(patient: 1, start: try at(9, 10), minutes: 20, type: "consultation", force: true, now: now)
        #expect(repos.agenda.stored[forced]?.forced == true)
        #expect(try doctor.agenda.appointments(from: try at(0, 0), to: try at(23, 0)).map(\.id) == [first, forced, after])
    }

    @Test func aCancelledAppointmentFreesItsSlot() throws {
        let (desk, repos) = practice(.secretary)
        let nine = try at(9, 0)
        let first = try desk.agenda.book(patient: 1, start: nine, minutes: 20, type: "consultation", now: now)
        let token = try desk.agenda.changeToken()
        try desk.agenda.cancel(first, byPatient: true, category: "Imprévu\u{07}", now: now)
        #expect(try desk.agenda.changeToken() != token)
        #expect(repos.agenda.stored[first]?.status == .cancelledByPatient)
        #expect(repos.agenda.stored[first]?.cancelCategory == "Imprévu")
        #expect(repos.audit.contains(.appointmentCancelled, object: "patient:1", detail: "appointment:\(first),cancelled_patient"))
        let again = try desk.agenda.book(patient: 1, start: nine, minutes: 20, type: "consultation", now: now)
        #expect(again == 2)
        let all = try desk.agenda.appointments(from: try at(0, 0), to: try at(23, 0))
        #expect(all.map(\.id) == [first, again])
        #expect(try desk.agenda.appointments(from: try at(0, 0), to: try at(23, 0), includeCancelled: false).map(\.id) == [again])
        // Arrival.
        try desk.agenda.setStatus(again, .arrived, now: now)
        #expect(try desk.agenda.appointment(again).arrivedAt == now)
        #expect(throws: CabinetError.agenda(.notFound(id: 9))) { try desk.agenda.appointment(9) }
        #expect(throws: CabinetError.agenda(.notFound(id: 9))) { try desk.agenda.cancel(9, byPatient: false, now: now) }
    }

    @Test func aMovedAppointmentDoesNotConflictWithItself() throws {
        let (desk, repos) = practice(.secretary)
        let first = try desk.agenda.book(patient: 1, start: try at(9, 0), minutes: 20, type: "consultation", now: now)
        let second = try desk.agenda.book(patient: 1, start: try at(9, 30), minutes: 20, type: "consultation", now: now)
        // Overlaps its own old place only.
        try desk.agenda.move(first, to: try at(9, 10), now: now)
        #expect(repos.agenda.stored[first]?.start == (try at(9, 10)))
        #expect(repos.audit.contains(.appointmentMoved, object: "patient:1", detail: "appointment:\(first)"))
        // Longer, it reaches the next one.
        #expect(throws: CabinetError.agenda(.conflict(id: second, patient: name, start: try at(9, 30)))) {
            try desk.agenda.move(first, to: try at(9, 10), minutes: 30, now: now)
        }
        #expect(throws: CabinetError.agenda(.bookingNeedsForce(key: "booking.outside_hours", args: [:]))) {
            try desk.agenda.move(first, to: try at(12, 20), minutes: 20, force: true, now: now)
        }
        #expect(throws: CabinetError.agenda(.notFound(id: 9))) { try desk.agenda.move(9, to: try at(10, 0), now: now) }
        #expect(repos.agenda.stored[first]?.start == (try at(9, 10)))
        #expect(repos.agenda.stored[first]?.minutes == 20)
    }

    @Test func anArchivedOrUnknownPatientIsNotBooked() throws {
        let (desk, repos) = practice(.secretary)
        #expect(throws: CabinetError.patients(.archived(id: 2))) {
            try desk.agenda.book(patient: 2, start: try at(9, 0), minutes: 20, type: "consultation", now: now)
        }
        #expect(throws: CabinetError.patients(.archived(id: 2))) {
            try desk.agenda.bookNextFree(patient: 2, from: try at(9, 0), minutes: 20, type: "consultation", now: now)
        }
        #expect(throws: CabinetError.patients(.notFound(id: 99))) {
            try desk.agenda.book(patient: 99, start: try at(9, 0), minutes: 20, type: "consultation", now: now)
        }
        #expect(repos.agenda.stored.isEmpty)
    }

    @Test func bookNextFreeTakesTheFirstFreeSlot() throws {
        let (desk, repos) = practice(.secretary)
        let from = try at(8, 30)
        _ = try desk.agenda.book(patient: 1, start: from, minutes: 30, type: "first", now: now)
        _ = try desk.agenda.book(patient: 1, start: try at(9, 0), minutes: 20, type: "consultation", now: now)
        // The rules over the same data.
        let span = try desk.agenda.span(from: from.addingTimeInterval(-86_400), to: from.addingTimeInterval(7 * 86_400))
        let expected = AgendaRules.nextFreeSlot(from: from, minutes: 20, hours: span.hours, appointments: span.appointments,
                                                absences: span.absences, searchDays: 7)
        #expect(expected == (try at(9, 20)))
        #expect(try desk.agenda.nextFreeSlot(from: from, minutes: 20) == expected)

        let booked = try #require(try desk.agenda.bookNextFree(patient: 1, from: from, minutes: 20, type: "consultation",
                                                               reason: "Vaccin\u{1B}[1m fictif", now: now))
        #expect(booked.start == expected)
        #expect(booked.id == 3)
        #expect(repos.agenda.stored[3]?.start == expected)
        #expect(repos.agenda.stored[3]?.reason == "Vaccin fictif")
        let next = try #require(try desk.agenda.bookNextFree(patient: 1, from: from, minutes: 20, type: "consultation", now: now))
        #expect(next.start == (try at(9, 40)))

        // No opening hours at all: no slot, nothing booked.
        repos.agenda.hours = OpeningHours(days: [:])
        #expect(try desk.agenda.bookNextFree(patient: 1, from: from, minutes: 20, type: "consultation", now: now)?.id == nil)
        #expect(repos.agenda.stored.count == 4)
    }

    @Test func theChangeTokenFollowsTheAgenda() throws {
        let (desk, repos) = practice(.secretary)
        let before = try desk.agenda.changeToken()
        _ = try desk.agenda.book(patient: 1, start: try at(9, 0), minutes: 20, type: "consultation", now: now)
        #expect(try desk.agenda.changeToken() != before)
        repos.agenda.accountDisabled = true
        #expect(throws: CabinetError.session(.accountDisabled(login: "accueil"))) { try desk.agenda.changeToken() }
    }
}

// MARK: - Accounts

@Suite("Services: accounts")
struct AccountsServiceTests {
    @Test func aLoginFollowsTheRule() throws {
        let (doctor, repos) = InMemoryPractice.make(role: .doctor)
        #expect(throws: CabinetError.accounts(.invalidLogin(login: "Marie Durand"))) {
            try doctor.accounts.create(login: "Marie Durand", role: .secretary)
        }
        #expect(throws: CabinetError.accounts(.invalidLogin(login: ""))) { try doctor.accounts.create(login: "", role: .secretary) }
        #expect(throws: CabinetError.accounts(.exists(login: "recovery"))) {
            try doctor.accounts.create(login: "recovery", role: .doctor)
        }
        #expect(repos.accounts.calls.isEmpty)

        let oneTime = try doctor.accounts.create(login: "accueil", role: .secretary, displayName: " Accueil\u{07} fictif ")
        #expect(!oneTime.isEmpty)
        #expect(repos.accounts.calls == ["exists", "create"])
        #expect(repos.accounts.accounts["accueil"]?.displayName == "Accueil fictif")
        #expect(repos.accounts.accounts["accueil"]?.mustChangePassphrase == true)
        #expect(repos.audit.contains(.accountCreated, object: "accueil", detail: "secretary"))
        repos.clearCalls()
        #expect(throws: CabinetError.accounts(.exists(login: "accueil"))) { try doctor.accounts.create(login: "accueil", role: .secretary) }
        #expect(repos.accounts.calls == ["exists"])
        _ = try doctor.accounts.create(login: "remplacant", role: .replacement, displayName: "\u{07}")
        #expect(repos.accounts.accounts["remplacant"]?.displayName == nil)
        #expect(try doctor.accounts.list().map(\.login) == ["accueil", "dr.titulaire", "remplacant"])
    }

    @Test func nobodyDisablesThemselves() throws {
        let (doctor, repos) = InMemoryPractice.make(role: .doctor)
        repos.accounts.seed(login: "dr.associe", role: .doctor)
        #expect(throws: CabinetError.accounts(.cannotDisableSelf)) { try doctor.accounts.disable(login: "dr.titulaire") }
        #expect(repos.accounts.calls.isEmpty)
        try doctor.accounts.disable(login: "dr.associe")
        #expect(repos.accounts.accounts["dr.associe"]?.hasSlot == false)
        #expect(repos.audit.contains(.accountDisabled, object: "dr.associe"))
        #expect(throws: CabinetError.accounts(.notFound(login: "dr.associe"))) { try doctor.accounts.disable(login: "dr.associe") }
        // The repository keeps a holder: she cannot demote herself, the last one.
        #expect(throws: CabinetError.accounts(.lastHolder)) { try doctor.accounts.reset(login: "dr.titulaire", role: .secretary) }
    }

    @Test func theLockDelayStaysWithinItsBounds() throws {
        let (doctor, repos) = InMemoryPractice.make(role: .doctor)
        for minutes in [0, 31, -5] {
            #expect(throws: CabinetError.usage(key: "error.lock_after")) { try doctor.accounts.setLockAfterMinutes(minutes) }
        }
        #expect(repos.accounts.calls.isEmpty)
        for minutes in [AccountsService.lockAfterRange.lowerBound, AccountsService.lockAfterRange.upperBound] {
            try doctor.accounts.setLockAfterMinutes(minutes)
            #expect(try doctor.accounts.lockAfterMinutes() == minutes)
        }
        #expect(repos.audit.contains(.settingsChanged, detail: "lock_after_minutes=30"))
    }

    @Test func aSecondFactorIsEnrolledWithOneCode() throws {
        let (replacement, repos) = InMemoryPractice.make(role: .replacement)
        #expect(!replacement.accounts.hasSecondFactor)
        #expect(throws: CabinetError.accounts(.secondFactorNotPending)) { try replacement.accounts.confirmSecondFactor(code: "123456", now: servicesNow) }
        let enrollment = try replacement.accounts.beginSecondFactor(issuer: "Cabinet fictif")
        #expect(!enrollment.secretBase32.isEmpty)
        #expect(throws: CabinetError.session(.wrongSecondFactor)) { try replacement.accounts.confirmSecondFactor(code: "000000", now: servicesNow) }
        try replacement.accounts.confirmSecondFactor(code: repos.accounts.acceptedCode, now: servicesNow)
        #expect(replacement.accounts.hasSecondFactor)
        #expect(repos.audit.contains(.totpEnrolled))
    }
}

// MARK: - Audit

@Suite("Services: audit")
struct AuditServiceTests {
    let now = servicesNow

    @Test func pruningIsTheHoldersAndTheRetentionStaysInItsRange() throws {
        // The command line's rule, now the service's: pruning the trail is
        // the holder's (a replacement doctor reads it, does not prune it).
        let (replacement, repos) = InMemoryPractice.make(role: .replacement)
        expectDenied(.manageAccounts, repos) { try replacement.audit.prune(now: now) }
        expectDenied(.manageAccounts, repos) { try replacement.audit.prune(now: now, keepDays: 90) }
        #expect(repos.audit.retentionDays == 183)

        let desk = repos.desk(.secretary)
        expectDenied(.manageAccounts, repos) { try desk.audit.prune(now: now) }

        // 30 days to 10 years; refused before the store is asked.
        let (doctor, mine) = InMemoryPractice.make(role: .doctor)
        for days in [29, 3651] {
            #expect(throws: CabinetError.usage(key: "error.retention")) { try doctor.audit.prune(now: now, keepDays: days) }
        }
        #expect(mine.audit.calls.isEmpty)
        #expect(try doctor.audit.prune(now: now) == 0)
        #expect(mine.audit.calls == ["prune"])
    }

    @Test func pruningDropsWhatIsOlderThanTheRetention() throws {
        let (doctor, repos) = InMemoryPractice.make(role: .doctor)
        repos.audit.log(.signIn, at: now.addingTimeInterval(-40 * 86_400))
        repos.audit.log(.signIn, at: now.addingTimeInterval(-20 * 86_400))
        #expect(try doctor.audit.prune(now: now, keepDays: 30) == 1)
        #expect(repos.audit.retentionDays == 30)
        #expect(repos.audit.contains(.settingsChanged, detail: "audit_retention_days=30"))
        #expect(repos.audit.contains(.auditPruned))
        #expect(repos.audit.trail.first?.at == now.addingTimeInterval(-20 * 86_400))
    }

    @Test func theTrailIsReadByDoctorsOnly() throws {
        let (doctor, repos) = InMemoryPractice.make(role: .doctor)
        try doctor.audit.record(.lock)
        try doctor.audit.record(.unlock)
        #expect(try doctor.audit.entries().map(\.action) == [AuditAction.unlock.rawValue, AuditAction.lock.rawValue])
        #expect(repos.audit.trail.last?.action == AuditAction.auditViewed.rawValue)
        #expect(try doctor.audit.entries(limit: 1).count == 1)
        #expect(try doctor.audit.verify().isOK)

        let desk = repos.desk(.secretary)
        expectDenied(.readAudit, repos) { try desk.audit.entries() }
        // Her own events are recorded, and she may verify the vault.
        try desk.audit.record(.signOut)
        #expect(repos.audit.trail.last?.actor == "accueil")
        #expect(try desk.audit.verify().isOK)
    }
}
