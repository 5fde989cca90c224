import Foundation
import Testing

// `cabinet patient add | find | show` and `cabinet encounter add`, driven
// through the real executable, detached from any terminal (`runDetached`,
// AccountCLITests.swift). Each test has its own sandbox, with the vault in a
// directory of its own. All identities and clinical texts are fictitious.

/// Text put in a consultation: it must reach a doctor's screen and nothing
/// else (not the secretary, not the bytes of any file).
private let canary = "Canari-Clinique-7Q4Z examen sans particularité"
private let secretaryPassphrase = "Accueil-Fictif-Guichet-2026!"

/// A practice: doctor `doc`, secretary `accueil` (passphrase changed), the
/// vault in `<sandbox>/coffre/`.
private struct Desk {
    let sb: Sandbox
    let vaultDir: String
    let vault: String
    let doctorPW: String
    let secretaryPW: String

    init() throws {
        sb = try Sandbox()
        (vault, doctorPW, secretaryPW) = try sb.practiceWithFrontDesk(doctorName: doctorName, doctorPassphrase: passphrase,
                                                                      frontDeskPassphrase: secretaryPassphrase)
        vaultDir = sb.path("coffre")
    }

    func remove() { sb.remove() }

    func asDoctor(_ args: [String], env: [String: String] = [:]) throws -> RunResult {
        try sb.runDetached(args + ["--vault", vault, "--user", "doc", "--password-file", doctorPW], env: env)
    }

    func asSecretary(_ args: [String]) throws -> RunResult {
        try sb.runDetached(args + ["--vault", vault, "--user", "accueil", "--password-file", secretaryPW])
    }

    /// `patient add` by `who`; returns the new id.
    func add(_ args: [String], asSecretary: Bool = false, sourceLocation: SourceLocation = #_sourceLocation) throws -> Int {
        let r = asSecretary ? try self.asSecretary(["patient", "add"] + args) : try asDoctor(["patient", "add"] + args)
        try #require(r.status == 0, "patient add: \(r.stderr)", sourceLocation: sourceLocation)
        return try #require(Int(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)), "not an id: \(r.stdout)",
                            sourceLocation: sourceLocation)
    }

    /// `patient find --json` by the doctor: the ids found.
    func find(_ words: [String], sourceLocation: SourceLocation = #_sourceLocation) throws -> [Int] {
        let r = try asDoctor(["patient", "find"] + words + ["--json"])
        try #require(r.status == 0, "find: \(r.stderr)", sourceLocation: sourceLocation)
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]],
                                "not an array: \(r.stdout)", sourceLocation: sourceLocation)
        return rows.compactMap { ($0["id"] as? NSNumber)?.intValue }
    }

    /// Every regular file under the vault's directory, raw bytes.
    func filesUnderVaultDirectory() -> [(String, [UInt8])] {
        var out: [(String, [UInt8])] = []
        let enumerator = FileManager.default.enumerator(atPath: vaultDir)
        while let name = enumerator?.nextObject() as? String {
            let p = vaultDir + "/" + name
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: p, isDirectory: &isDir), !isDir.boolValue {
                out.append((name, bytes(of: p)))
            }
        }
        return out
    }
}

/// A valid NIR: 13 characters and their key (97 − n mod 97).
private func nir(_ first13: String) -> String {
    let n = first13.reduce(0) { ($0 * 10 + (Int(String($1)) ?? 0)) % 97 }
    let key = 97 - n
    return first13 + (key < 10 ? "0" : "") + String(key)
}

@Suite("Patient commands")
struct PatientCLITests {
    @Test func addFindAndShowWithTheRoleRule() throws {
        let desk = try Desk()
        defer { desk.remove() }
        let herNIR = nir("2600375056123")
        let lefevre = try desk.add(["--last-name", "Lefèvre", "--first-name", "Hélène", "--first-name", "Marie",
                                    "--birth-date", "1960-03-12", "--sex", "F", "--nir", herNIR,
                                    "--phone", "01 45 67 89 10", "--address", "12 rue des Lilas", "--postcode", "75011",
                                    "--city", "Paris"])
        let dupuis = try desk.add(["--last-name", "Dupuis", "--first-name", "Hélène", "--birth-date", "01/07/1975",
                                   "--birth-name", "Martin", "--sex", "F"], asSecretary: true)
        let dupont = try desk.add(["--last-name", "Dupont", "--first-name", "Jean-Pierre", "--birth-date", "1948-11-30",
                                   "--sex", "M"])
        #expect(Set([lefevre, dupuis, dupont]).count == 3)

        // Accent-, case-insensitive; several prefixes; a date (ISO or French).
        #expect(try desk.find(["lefevre"]) == [lefevre])
        #expect(try desk.find(["LEFÈV"]) == [lefevre])
        #expect(try desk.find(["hel", "dup"]) == [dupuis])
        #expect(try desk.find(["hel dup"]) == [dupuis])
        #expect(try desk.find(["martin"]) == [dupuis])
        #expect(try desk.find(["hel", "1960-03-12"]) == [lefevre])
        #expect(try desk.find(["12/03/1960"]) == [lefevre])
        #expect(try desk.find(["dup"]).sorted() == [dupuis, dupont].sorted())

        // Text lines: id, name, date of birth, sex; no match → nothing, exit 0.
        let text = try desk.asSecretary(["patient", "find", "jean", "dupont"])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("DUPONT Jean-Pierre") && text.stdout.contains("30/11/1948")
                && text.stdout.contains("Homme"), "\(text.stdout)")
        let none = try desk.asDoctor(["patient", "find", "zzz"])
        #expect(none.status == 0)
        #expect(none.stdout.isEmpty)
        #expect(none.stderr.contains("Aucun patient ne correspond"), "\(none.stderr)")

        // A consultation, with the canary in it.
        let enc = try desk.asDoctor(["encounter", "add", String(lefevre), "--date", "2026-01-15", "--reason", "Toux",
                                     "--exam", canary, "--conclusion", "Bronchite aiguë",
                                     "--prescription", "Paracétamol 1 g, 3 fois par jour", "--prescription", "Repos"])
        #expect(enc.status == 0, "\(enc.stderr)")
        #expect(Int(enc.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) != nil, "\(enc.stdout)")

        // The doctor sees identity and clinical content.
        let doc = try desk.asDoctor(["patient", "show", String(lefevre)])
        #expect(doc.status == 0, "\(doc.stderr)")
        #expect(doc.stdout.contains("LEFÈVRE Hélène Marie"), "\(doc.stdout)")
        #expect(doc.stdout.contains("Date de naissance") && doc.stdout.contains("12/03/1960"), "\(doc.stdout)")
        #expect(doc.stdout.contains("2 60 03 75 056 123"), "\(doc.stdout)")
        #expect(doc.stdout.contains("Consultations") && doc.stdout.contains("15/01/2026"), "\(doc.stdout)")
        #expect(doc.stdout.contains(canary) && doc.stdout.contains("Toux") && doc.stdout.contains("Repos"), "\(doc.stdout)")
        let docJSON = try desk.asDoctor(["patient", "show", String(lefevre), "--json"])
        #expect(docJSON.status == 0)
        let docObject = try #require(try JSONSerialization.jsonObject(with: Data(docJSON.stdout.utf8)) as? [String: Any])
        let entries = try #require(docObject["clinical"] as? [[String: Any]])
        #expect(entries.count == 1)
        #expect((entries.first?["fields"] as? [String: String])?["examination"] == canary)

        // The secretary: identity only (NIR included, for billing), the
        // clinical part announced as reserved, no clinical word anywhere.
        let sec = try desk.asSecretary(["patient", "show", String(lefevre)])
        #expect(sec.status == 0, "\(sec.stderr)")
        #expect(sec.stdout.contains("LEFÈVRE Hélène Marie"), "\(sec.stdout)")
        #expect(sec.stdout.contains("2 60 03 75 056 123"), "\(sec.stdout)")
        #expect(sec.stderr.contains("réservé aux médecins"), "\(sec.stderr)")
        for word in [canary, "Toux", "Bronchite", "Paracétamol", "Consultations", "Dossier médical"] {
            #expect(!sec.stdout.contains(word) && !sec.stderr.contains(word), "\(word)")
        }
        let secJSON = try desk.asSecretary(["patient", "show", String(lefevre), "--json"])
        #expect(secJSON.status == 0)
        let secObject = try #require(try JSONSerialization.jsonObject(with: Data(secJSON.stdout.utf8)) as? [String: Any])
        #expect(secObject["clinical"] == nil)
        #expect((secObject["identity"] as? [String: Any])?["birthName"] as? String == "Lefèvre")
        for word in [canary, "Toux", "Bronchite", "Paracétamol", "clinical"] {
            #expect(!secJSON.stdout.contains(word) && !secJSON.stderr.contains(word), "\(word)")
        }

        // A correction keeps the original: --history and --json show it
        // (issue 13, item 5).
        let firstEntry = try #require((entries.first?["id"] as? NSNumber)?.int64Value)
        let fix = try desk.asDoctor(["encounter", "add", String(lefevre), "--date", "2026-01-15", "--reason", "Toux grasse",
                                     "--corrects", String(firstEntry)])
        #expect(fix.status == 0, "\(fix.stderr)")
        let withHistory = try desk.asDoctor(["patient", "show", String(lefevre), "--history"])
        #expect(withHistory.status == 0, "\(withHistory.stderr)")
        #expect(withHistory.stdout.contains("Toux grasse") && withHistory.stdout.contains("Entrées corrigées depuis"), "\(withHistory.stdout)")
        #expect(withHistory.stdout.contains("Identité, version 1"), "\(withHistory.stdout)")
        let afterFix = try desk.asDoctor(["patient", "show", String(lefevre), "--json"])
        let afterObject = try #require(try JSONSerialization.jsonObject(with: Data(afterFix.stdout.utf8)) as? [String: Any])
        let superseded = try #require(afterObject["superseded"] as? [[String: Any]])
        #expect(superseded.count == 1 && (superseded.first?["id"] as? NSNumber)?.int64Value == firstEntry)
        #expect((superseded.first?["fields"] as? [String: String])?["examination"] == canary, "the original, whole")
        #expect((afterObject["clinical"] as? [[String: Any]])?.first?["supersedes"] as? NSNumber == NSNumber(value: firstEntry))

        // The trail of that record, by its number (issue 13, item 6): both
        // openings found, with a header naming the practice's time zone.
        let trail = try desk.asDoctor(["audit", "list", "--patient", String(lefevre), "--json"])
        #expect(trail.status == 0, "\(trail.stderr)")
        let trailObject = try #require(try JSONSerialization.jsonObject(with: Data(trail.stdout.utf8)) as? [String: Any])
        let opened = (trailObject["entries"] as? [[String: Any]] ?? []).filter { $0["action"] as? String == "record.opened" }
        #expect(opened.count >= 2 && opened.allSatisfy { $0["object"] as? String == "patient:\(lefevre)" }, "\(trail.stdout)")
        let human = try desk.asDoctor(["audit", "list", "--patient", String(lefevre), "--since", "01/01/2000"])
        #expect(human.status == 0, "\(human.stderr)")
        #expect(human.stdout.contains("Date et heure (") && human.stdout.contains("dossier ouvert"), "\(human.stdout)")
        // The details in French, never the stored words.
        #expect(human.stdout.contains("identité") && human.stdout.contains("clinique"), "\(human.stdout)")
        #expect(!human.stdout.contains("  identity") && !human.stdout.contains("  clinical"), "\(human.stdout)")

        // The canary is in no file of the vault's directory, in clear.
        let files = desk.filesUnderVaultDirectory()
        #expect(!files.isEmpty)
        for (name, content) in files {
            #expect(!content.contains(canary) && !content.contains("Canari-Clinique"), "\(name)")
            #expect(!content.contains("Bronchite"), "\(name)")
        }
    }

    @Test func duplicatesNeedForce() throws {
        let desk = try Desk()
        defer { desk.remove() }
        let args = ["--last-name", "Bernard", "--first-name", "Lucie", "--birth-date", "1982-05-04", "--sex", "F"]
        let first = try desk.add(args)
        let again = try desk.asSecretary(["patient", "add"] + args.map { $0 == "Bernard" ? "BERNARD" : $0 })
        #expect(again.status == 6, "\(again.stderr)")
        #expect(again.stderr.contains("n° \(first)") && again.stderr.contains("--force"), "\(again.stderr)")
        #expect(again.stdout.isEmpty)
        #expect(try desk.find(["bernard", "lucie"]) == [first])
        let forced = try desk.asSecretary(["patient", "add"] + args + ["--force", "--json"])
        #expect(forced.status == 0, "\(forced.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(forced.stdout.utf8)) as? [String: Any]
        let second = try #require((object?["id"] as? NSNumber)?.intValue, "\(forced.stdout)")
        #expect(second != first)
        #expect(try desk.find(["bernard", "lucie"]).sorted() == [first, second].sorted())
    }

    @Test func invalidInputSavesNothing() throws {
        let desk = try Desk()
        defer { desk.remove() }
        var wrongKey = nir("1481169123045")
        wrongKey = String(wrongKey.dropLast(2)) + (wrongKey.hasSuffix("11") ? "12" : "11")
        let badNIR = try desk.asDoctor(["patient", "add", "--last-name", "Petit", "--first-name", "Paul",
                                        "--birth-date", "1948-11-02", "--sex", "M", "--nir", wrongKey])
        #expect(badNIR.status == 1, "\(badNIR.stderr)")
        #expect(badNIR.stderr.contains("NIR") && badNIR.stderr.contains("La clé (les 2 derniers chiffres)"),
                "\(badNIR.stderr)")
        #expect(!badNIR.stderr.contains(wrongKey))
        #expect(badNIR.stdout.isEmpty)

        for date in ["1980-02-31", "31/02/1980"] {
            let r = try desk.asDoctor(["patient", "add", "--last-name", "Petit", "--first-name", "Paul",
                                       "--birth-date", date])
            #expect(r.status == 1, "\(date): \(r.stderr)")
            #expect(r.stderr.contains("Date de naissance") && r.stderr.contains("n'existe pas"), "\(r.stderr)")
        }
        let future = try desk.asDoctor(["patient", "add", "--last-name", "Petit", "--first-name", "Paul",
                                        "--birth-date", "2999-01-01"])
        #expect(future.status == 1)
        #expect(future.stderr.contains("postérieure à aujourd'hui"), "\(future.stderr)")
        let sex = try desk.asDoctor(["patient", "add", "--last-name", "Petit", "--first-name", "Paul",
                                     "--birth-date", "1948-11-02", "--sex", "Z"])
        #expect(sex.status == 1, "\(sex.stderr)")
        #expect(try desk.find(["petit"]).isEmpty)

        // Several problems at once are all reported.
        let many = try desk.asDoctor(["patient", "add", "--last-name", "Petit", "--first-name", "Paul",
                                      "--birth-date", "1948-11-02", "--nir", wrongKey, "--email", "pas-une-adresse"])
        #expect(many.status == 1)
        #expect(many.stderr.contains("NIR") && many.stderr.contains("Adresse électronique")
                && many.stderr.contains("Rien n'a été enregistré"), "\(many.stderr)")
        #expect(try desk.find(["petit"]).isEmpty)

        // A valid NIR that disagrees with the sex: saved, with a warning.
        let warned = try desk.asDoctor(["patient", "add", "--last-name", "Petit", "--first-name", "Paul",
                                        "--birth-date", "1948-11-02", "--sex", "F", "--nir", nir("1481169123045")])
        #expect(warned.status == 0, "\(warned.stderr)")
        #expect(warned.stderr.contains("ne correspond pas au sexe"), "\(warned.stderr)")
        #expect(try desk.find(["petit"]).count == 1)
    }

    @Test func encountersAreForDoctorsOnly() throws {
        let desk = try Desk()
        defer { desk.remove() }
        let id = try desk.add(["--last-name", "Moreau", "--first-name", "Claire", "--birth-date", "1990-09-09",
                               "--sex", "F"])
        let sec = try desk.asSecretary(["encounter", "add", String(id), "--reason", "Fièvre"])
        #expect(sec.status == 4, "\(sec.stderr)")
        #expect(sec.stderr.contains("Action non autorisée pour votre rôle"), "\(sec.stderr)")
        #expect(sec.stdout.isEmpty)

        let unknown = try desk.asDoctor(["encounter", "add", "9999", "--reason", "Fièvre"])
        #expect(unknown.status == 5, "\(unknown.stderr)")
        #expect(unknown.stderr.contains("Aucun patient n° 9999"), "\(unknown.stderr)")

        let future = try desk.asDoctor(["encounter", "add", String(id), "--reason", "Fièvre", "--date", "2999-01-01"])
        #expect(future.status == 1, "\(future.stderr)")
        #expect(future.stderr.contains("postérieure à aujourd'hui"), "\(future.stderr)")

        let today = try desk.asDoctor(["encounter", "add", String(id), "--reason", "Fièvre", "--json"])
        #expect(today.status == 0, "\(today.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(today.stdout.utf8)) as? [String: Any]
        #expect((object?["id"] as? NSNumber) != nil, "\(today.stdout)")

        let shown = try desk.asDoctor(["patient", "show", String(id)])
        #expect(shown.stdout.contains("Fièvre"), "\(shown.stdout)")
        let missing = try desk.asSecretary(["patient", "show", "9999"])
        #expect(missing.status == 5, "\(missing.stderr)")
    }
}
