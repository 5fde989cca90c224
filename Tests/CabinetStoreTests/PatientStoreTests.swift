@testable @_spi(Testing) import CabinetStore
import CabinetCore
import CabinetDemo
import CabinetStoreTesting
import Foundation
import Testing

/// The patient file over a real sealed vault.
@Suite struct PatientStoreTests {
    static func identity(_ last: String = "Lefèvre", _ first: String = "Hélène", born: String = "1960-03-12",
                         sex: Sex = .female) -> PatientIdentity {
        PatientIdentity(birthName: last, firstNames: first, sex: sex, birthDate: CivilDate(iso: born) ?? CivilDate(Date()),
                        addressLine1: "3 rue des Fictifs", postcode: "75000", city: "Paris", phone: "01 99 00 12 34")
    }

    /// A vault with a doctor and a secretary (cheapest key derivation).
    static func vault(_ dir: TempDir) throws -> (Vault, String) {
        let (v, _, path) = try makeVault(dir)
        _ = try v.createAccount(login: "accueil", role: .secretary, displayName: nil, passphrase: Passphrase(secretaryPass),
                                mustChange: false, kdf: .minimumForTests)
        return (v, path)
    }

    @Test func theIndexUsesTheOneMatcherAndAnAdversarialNameEnds() throws {
        let dir = TempDir()
        let (v, _) = try Self.vault(dir)
        defer { v.lock() }
        // 30 distinct words started by "a" (the former backtracking matcher
        // ran for ages on 20 prefixes "a" and one that fits none).
        let first = "Ab Ac Ad Ae Af Ag Ah Ai Aj Ak Al Am An Ao Ap Aq Ar As At Au Av Aw Ax Ay Az"
        let id = try v.practice().patients.add(Self.identity("Aa-Aaa-Aaaa-Aaaaa-Aaaaaa", first))
        _ = try v.practice().patients.add(Self.identity("Martin", "Michel"))
        let twenty = Array(repeating: "a", count: 20).joined(separator: " ")
        #expect(try v.practice().patients.search(twenty + " z").isEmpty)
        #expect(try v.practice().patients.search(twenty).map(\.id) == [id])
        #expect(try v.practice().patients.search(twenty + " aaaaa az").map(\.id) == [id])
        // The answers the tests of the Core matcher expect, through the index.
        #expect(try v.practice().patients.search("m mar").count == 1)
        #expect(try v.practice().patients.search("mar mar").isEmpty)
    }

    /// An exact last name before a compound one; a year of birth alone
    /// finds (issue 13, minor).
    @Test func searchRanksAnExactNameFirstAndTakesAYearOfBirth() throws {
        let dir = TempDir()
        let (v, _) = try Self.vault(dir)
        defer { v.lock() }
        let compound = try v.practice().patients.add(Self.identity("Dupont-Martin", "Paul", born: "1950-01-01", sex: .male))
        let exact = try v.practice().patients.add(Self.identity("Martin", "Marie", born: "1960-05-05"))
        let found = try v.practice().patients.search("martin")
        #expect(found.map(\.id) == [exact, compound], "\(found.map(\.displayName))")
        #expect(try v.practice().patients.search("martin 1950").map(\.id) == [compound])
        #expect(try v.practice().patients.search("1960").map(\.id) == [exact])
    }

    @Test func aPatientIsCreatedFoundAndOpened() throws {
        let dir = TempDir()
        let (v, _) = try Self.vault(dir)
        defer { v.lock() }
        let id = try v.practice().patients.add(Self.identity())
        _ = try v.practice().patients.add(Self.identity("Dupont-Martin", "Jean-Pierre", born: "1984-12-01", sex: .male))
        _ = try v.practice().patients.add(Self.identity("Dupont", "Hélène", born: "1990-01-01"))
        #expect(try v.practice().patients.search("lefevre").map(\.id) == [id])
        #expect(try v.practice().patients.search("HEL dup").count == 1)
        #expect(try v.practice().patients.search("dupont").count == 2)
        #expect(try v.practice().patients.search("dupont").map(\.displayName) == ["DUPONT Hélène", "DUPONT-MARTIN Jean-Pierre"], "in name order")
        #expect(try v.practice().patients.search("jean pierre").count == 1)
        // Prefixes in any order, each on its own word, however they overlap.
        _ = try v.practice().patients.add(Self.identity("Martin", "Marie", born: "1970-07-07"))
        #expect(try v.practice().patients.search("ma mart").count == 1)
        #expect(try v.practice().patients.search("mar mar").count == 1)
        #expect(try v.practice().patients.search("mar mar mar").isEmpty)
        #expect(try v.practice().patients.search("hel 12/03/1960").map(\.id) == [id])
        #expect(try v.practice().patients.search("hel 13/03/1960").isEmpty)
        let record = try v.practice().patients.record(id)
        #expect(record.identity.birthName == "Lefèvre")
        #expect(record.identity.phone == "0199001234")
        let trail = try v.practice().audit.entries(object: "patient:\(id)")
        #expect(trail.contains { $0.action == "record.opened" && $0.detail == "identity" })
        #expect(trail.contains { $0.action == "record.written" })
        #expect(!trail.contains { ($0.detail ?? "").contains("Lef") }, "no content in the trail")
    }

    /// What the interface shows on opening, in one transaction: the same
    /// identity, entries in force and history as the separate reads, both
    /// openings traced; the front desk gets neither entries nor clinical
    /// history lines.
    @Test func openingARecordReadsAndTracesItAllAtOnce() throws {
        let dir = TempDir()
        let (v, path) = try Self.vault(dir)
        let id = try v.practice().patients.add(Self.identity())
        var changed = Self.identity()
        changed.phone = "01 99 00 56 78"
        try v.practice().patients.update(id, changed)
        let day = try #require(CivilDate(iso: "2026-11-02"))
        let first = try v.practice().patients.addEntry(patient: id, kind: .consultation, occurredOn: day, fields: ["reason": "Toux"])
        let fixed = try v.practice().patients.addEntry(patient: id, kind: .consultation, occurredOn: day, fields: ["reason": "Toux sèche"],
                                           supersedes: first)
        let allergy = try v.practice().patients.addEntry(patient: id, kind: .allergy, occurredOn: day, fields: ["substance": "Pénicilline"])
        let before = try v.practice().audit.entries(object: "patient:\(id)").count
        let opened = try v.practice().patients.open(id)
        let trail = try v.practice().audit.entries(object: "patient:\(id)").dropFirst(before).filter { $0.action == "record.opened" }
        #expect(trail.map(\.detail) == ["identity", "clinical"], "both openings traced")
        #expect(opened.record == (try v.practice().patients.record(id)))
        #expect(opened.record.identity.phone == "0199005678", "the current version")
        #expect(Set(opened.entries.map(\.id)) == [fixed, allergy], "the corrected entry is not shown")
        #expect(opened.entries == (try v.practice().patients.entries(patient: id)))
        #expect(opened.entries.first { $0.id == fixed }?.fields["reason"] == "Toux sèche")
        #expect(opened.history == (try v.practice().patients.history(id)))
        #expect(opened.history.map(\.what).filter { $0 == "identity" }.count == 2)
        #expect(opened.history.contains { $0.what == "consultation" && $0.detail == "correction" })
        #expect(throws: CabinetError.patients(.notFound(id: 999))) { try v.practice().patients.open(999) }
        v.lock()
        let s = try Vault.signIn(at: path, login: "accueil", passphrase: Passphrase(secretaryPass))
        defer { s.signOut() }
        let desk = try s.practice().patients.open(id)
        #expect(desk.record.identity.birthName == "Lefèvre")
        #expect(desk.entries.isEmpty)
        #expect(desk.history.allSatisfy { $0.what == "identity" })
    }

    /// Once the index is prepared (warm-up or a first search), patients
    /// added or renamed take their place in it: every search gives what a
    /// freshly built index gives, in the same order.
    @Test func theSearchIndexKeepsItsOrderAcrossChanges() throws {
        let dir = TempDir()
        let (v, path) = try Self.vault(dir)
        var ids: [Int64] = []
        for (i, (last, first)) in [("Dupont", "Marie"), ("Durand", "Luc"), ("Dupond", "Anne"), ("Martin", "Marie")].enumerated() {
            ids.append(try v.practice().patients.add(Self.identity(last, first, born: "198\(i)-01-0\(i + 1)")))
        }
        try v.practice().patients.warmUp()
        #expect(v.searchIndexIsReady)
        #expect(try v.practice().patients.search("du").map(\.displayName) == ["DUPOND Anne", "DUPONT Marie", "DURAND Luc"])
        // Added before and after the others, a homonym born later, a rename.
        _ = try v.practice().patients.add(Self.identity("Duchêne", "Paul", born: "1970-05-05"))
        _ = try v.practice().patients.add(Self.identity("Dupont", "Marie", born: "1999-09-09"), allowDuplicate: true)
        _ = try v.practice().patients.add(Self.identity("Dutertre", "Zoé", born: "1960-06-06"))
        var renamed = Self.identity("Martin", "Marie", born: "1983-01-04")
        renamed.usedName = "Dubois"
        try v.practice().patients.update(ids[3], renamed)
        let queries = ["du", "dup", "ma", "marie", "d", "dupont marie", "zo", "dub"]
        let incremental = try queries.map { try v.practice().patients.search($0).map(\.id) }
        v.lock()
        let fresh = try Vault.unlock(at: path, login: "doc", passphrase: Passphrase(doctorPass))
        defer { fresh.lock() }
        #expect(try queries.map { try fresh.practice().patients.search($0).map(\.id) } == incremental)
        #expect(incremental[0].count == 7, "\(incremental[0])")
        #expect(incremental[0].first == ids[3], "DUBOIS Marie, renamed, moved to the top")
    }

    @Test func aDuplicateIsRaisedAndMayBeForced() throws {
        let dir = TempDir()
        let (v, _) = try Self.vault(dir)
        defer { v.lock() }
        let id = try v.practice().patients.add(Self.identity())
        #expect(throws: CabinetError.patients(.possibleDuplicate(id: id))) { try v.practice().patients.add(Self.identity("LEFEVRE", "hélène")) }
        let twin = try v.practice().patients.add(Self.identity(), allowDuplicate: true)
        #expect(twin != id)
    }

    @Test func badIdentitiesAreRefusedWithTheirReason() throws {
        let dir = TempDir()
        let (v, _) = try Self.vault(dir)
        defer { v.lock() }
        var p = Self.identity()
        p.nir = "2 60 03 75 123 456 00"
        #expect(throws: CabinetError.patients(.invalidField(field: "nir", key: "nir.key"))) { try v.practice().patients.add(p) }
        p = Self.identity(born: "2999-01-01")
        #expect(throws: CabinetError.patients(.invalidField(field: "birth_date", key: "date.future"))) { try v.practice().patients.add(p) }
        p = Self.identity(" ", "Hélène")
        #expect(throws: CabinetError.patients(.invalidField(field: "birth_name", key: "patient.error.birth_name"))) { try v.practice().patients.add(p) }
        // Escape sequences pasted into a name never reach the vault.
        p = Self.identity("Mar\u{1B}[31mtin\u{07}", "Paul")
        let id = try v.practice().patients.add(p)
        #expect(try v.practice().patients.record(id).identity.birthName == "Martin")
        #expect(try v.practice().patients.search("martin").count == 1)
    }

    @Test func everyChangeIsANewVersionAndTheHistorySaysWhoAndWhat() throws {
        let dir = TempDir()
        let (v, path) = try Self.vault(dir)
        let id = try v.practice().patients.add(Self.identity())
        v.lock()
        // The secretary corrects the address.
        let s = try Vault.signIn(at: path, login: "accueil", passphrase: Passphrase(secretaryPass))
        var p = try s.practice().patients.record(id).identity
        p.addressLine1 = "5 avenue des Exemples"
        try s.practice().patients.update(id, p)
        #expect(try s.practice().patients.record(id).version == 2)
        let versions = try s.practice().patients.identityVersions(id)
        #expect(versions.map(\.identity.addressLine1) == ["3 rue des Fictifs", "5 avenue des Exemples"])
        #expect(versions.map(\.author) == ["doc", "accueil"])
        let history = try s.practice().patients.history(id)
        #expect(history.last?.detail == "address" && history.last?.author == "accueil")
        // The trail names the field, never its value.
        let written = try read(path) { try $0.practice().audit.entries(object: "patient:\(id)") }
        #expect(written.contains { $0.detail == "identity:address" })
        #expect(!written.contains { ($0.detail ?? "").contains("avenue") })
        s.signOut()
    }

    @Test func clinicalEntriesAreSealedAndOnlyDoctorsSeeThem() throws {
        let dir = TempDir()
        let (v, path) = try Self.vault(dir)
        let id = try v.practice().patients.add(Self.identity())
        let canary = "Canari-Clinique-Zéphyr"
        let day = try #require(CivilDate(iso: "2026-11-02"))
        let first = try v.practice().patients.addEntry(patient: id, kind: .consultation, occurredOn: day,
                                           fields: ["reason": "Toux", "examination": "Auscultation : \(canary)",
                                                    "prescriptions": "Paracétamol 1 g\nSirop"])
        _ = try v.practice().patients.addEntry(patient: id, kind: .vitals, occurredOn: day, fields: ["weight": "72,5", "height": "170"])
        // A correction supersedes, never erases.
        let fixed = try v.practice().patients.addEntry(patient: id, kind: .consultation, occurredOn: day,
                                           fields: ["reason": "Toux sèche", "examination": "Auscultation normale"], supersedes: first)
        let current = try v.practice().patients.entries(patient: id, kind: .consultation)
        #expect(current.map(\.id) == [fixed])
        let all = try v.practice().patients.entries(patient: id, kind: .consultation, includeSuperseded: true)
        #expect(all.count == 2)
        #expect(all.first { $0.id == first }?.fields["examination"]?.contains(canary) == true)
        #expect(all.first { $0.id == first }?.fields["prescriptions"] == "Paracétamol 1 g\nSirop")
        #expect(throws: CabinetError.usage(key: "error.unknown_field")) {
            try v.practice().patients.addEntry(patient: id, kind: .consultation, occurredOn: day, fields: ["commentaire": "libre"])
        }
        #expect(throws: CabinetError.patients(.notFound(id: 999))) {
            try v.practice().patients.addEntry(patient: 999, kind: .allergy, occurredOn: day, fields: ["substance": "x"])
        }
        v.lock()
        // The secretary: refused by the policy, and her slot has no key anyway.
        let s = try Vault.signIn(at: path, login: "accueil", passphrase: Passphrase(secretaryPass))
        #expect(throws: CabinetError.permissionDenied(operation: "readClinical")) { try s.practice().patients.entries(patient: id) }
        #expect(throws: CabinetError.permissionDenied(operation: "writeClinical")) {
            try s.practice().patients.addEntry(patient: id, kind: .allergy, occurredOn: day, fields: ["substance": "x"])
        }
        #expect(!s.hasClinicalKey)
        #expect(!(try s.practice().patients.history(id)).contains { $0.what == "consultation" }, "no clinical lines in her history")
        s.signOut()
        // Nowhere on disk in clear.
        for name in try FileManager.default.contentsOfDirectory(atPath: dir.path) {
            #expect(!containsBytes(bytes(dir.file(name)), Array(canary.utf8)), "\(name)")
            #expect(!containsBytes(bytes(dir.file(name)), Array("Lefèvre".utf8)), "\(name)")
        }
    }

    @Test func aLimitedRecordIsReadOnly() throws {
        let dir = TempDir()
        let (v, _) = try Self.vault(dir)
        defer { v.lock() }
        let id = try v.practice().patients.add(Self.identity())
        try v.practice().patients.setFlags(id, PatientFlags(limited: true))
        var p = try v.practice().patients.record(id).identity
        #expect(try v.practice().patients.record(id).flags.limited)
        p.city = "Lyon"
        #expect(throws: CabinetError.patients(.recordLimited)) { try v.practice().patients.update(id, p) }
        #expect(throws: CabinetError.patients(.recordLimited)) {
            try v.practice().patients.addEntry(patient: id, kind: .allergy, occurredOn: CivilDate(Date()), fields: ["substance": "x"])
        }
        try v.practice().patients.setFlags(id, PatientFlags(limited: false))
        try v.practice().patients.update(id, p)
    }

    @Test func documentsAreSealedAndExportedByADoctorOnly() throws {
        let dir = TempDir()
        let (v, path) = try Self.vault(dir)
        let id = try v.practice().patients.add(Self.identity())
        let outside = TempDir()
        let letter = outside.file("lettre.txt")
        try "Compte rendu fictif : Canari-Document-Ultramarine".write(toFile: letter, atomically: true, encoding: .utf8)
        let entry = try v.practice().patients.importDocument(patient: id, path: letter, title: "Compte rendu", date: CivilDate(Date()))
        #expect(throws: CabinetError.self) { try v.practice().patients.importDocument(patient: id, path: outside.file("absent.pdf"), title: "x", date: CivilDate(Date())) }
        #expect(throws: CabinetError.vault(.isDirectory(path: outside.path))) {
            try v.practice().patients.importDocument(patient: id, path: outside.path, title: "x", date: CivilDate(Date()))
        }
        let big = outside.file("gros.pdf")
        #expect(FileManager.default.createFile(atPath: big, contents: Data(count: ClinicalSeal.documentMaxBytes + 1)))
        #expect(throws: CabinetError.patients(.documentTooLarge(maxMegabytes: 20))) {
            try v.practice().patients.importDocument(patient: id, path: big, title: "x", date: CivilDate(Date()))
        }
        let out = outside.file("export.txt")
        try v.practice().patients.exportDocument(entry: entry, to: out)
        #expect(try String(contentsOfFile: out, encoding: .utf8).contains("Canari-Document-Ultramarine"))
        var st = stat()
        #expect(stat(out, &st) == 0 && (st.st_mode & 0o777) == 0o600)
        #expect(try v.practice().audit.entries(object: "patient:\(id)").contains { $0.action == "export" })
        v.lock()
        for name in try FileManager.default.contentsOfDirectory(atPath: dir.path) {
            #expect(!containsBytes(bytes(dir.file(name)), Array("Canari-Document".utf8)), "\(name)")
        }
        let s = try Vault.signIn(at: path, login: "accueil", passphrase: Passphrase(secretaryPass))
        #expect(throws: CabinetError.permissionDenied(operation: "exportRecords")) {
            try s.practice().patients.exportDocument(entry: entry, to: outside.file("s.txt"))
        }
        s.signOut()
    }

    @Test func aSecondDeskSeesNewPatientsInItsSearch() throws {
        let dir = TempDir()
        let (v, path) = try Self.vault(dir)
        defer { v.lock() }
        _ = try v.practice().patients.add(Self.identity())
        let s = try Vault.signIn(at: path, login: "accueil", passphrase: Passphrase(secretaryPass))
        defer { s.signOut() }
        #expect(try s.practice().patients.search("lef").count == 1)
        _ = try v.practice().patients.add(Self.identity("Lefort", "Noël", born: "2001-05-05", sex: .male))
        #expect(try s.practice().patients.search("lef").count == 2, "the index catches up with the other desk")
        var p = try v.practice().patients.record(1).identity
        p.usedName = "Martin"
        try v.practice().patients.update(1, p)
        #expect(try s.practice().patients.search("martin hel").count == 1)
    }

    @Test func theDemoIsDeterministicAndRealistic() throws {
        let dir = TempDir()
        let (v, _) = try Self.vault(dir)
        defer { v.lock() }
        let now = Date(timeIntervalSince1970: 1_795_000_000)
        var ticks: [Int] = []
        let summary = try v.fillDemo(patients: 120, years: 10, seed: 7, now: now) { done, _ in ticks.append(done) }
        #expect(summary.patients == 120)
        #expect(summary.consultations > 120)
        #expect(ticks.first == 0 && ticks.last == 120, "progress shown")
        let anyone = try #require(try v.practice().patients.search("a").first)
        let entries = try v.practice().patients.entries(patient: anyone.id)
        #expect(!entries.isEmpty)
        // Vitals as the application writes them: a decimal comma, never a dot.
        var vitals = 0
        for p in try v.practice().patients.search("a").prefix(40) {
            for e in try v.practice().patients.entries(patient: p.id, kind: .vitals) {
                for (name, text) in e.fields {
                    #expect(!text.contains("."), "\(name) '\(text)'")
                    #expect(Vitals.parseDecimal(text) != nil && VitalSign(rawValue: name) != nil)
                }
                vitals += 1
            }
        }
        #expect(vitals > 0)
        // Same seed, same people.
        let dir2 = TempDir()
        let (w, _) = try Self.vault(dir2)
        defer { w.lock() }
        _ = try w.fillDemo(patients: 120, years: 10, seed: 7, now: now)
        #expect(try w.practice().patients.search("a").map(\.displayName) == v.practice().patients.search("a").map(\.displayName))
    }
}

/// Opens the vault at `path` as the doctor for one read.
func read<T>(_ path: String, _ body: (Vault) throws -> T) throws -> T {
    let v = try Vault.signIn(at: path, login: "doc", passphrase: Passphrase(doctorPass))
    defer { v.signOut() }
    return try body(v)
}

func containsBytes(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
    guard !needle.isEmpty, haystack.count >= needle.count else { return false }
    let first = needle[0]
    var i = 0
    while i <= haystack.count - needle.count {
        if haystack[i] == first && Array(haystack[i..<(i + needle.count)]) == needle { return true }
        i += 1
    }
    return false
}
