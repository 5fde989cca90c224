@testable @_spi(Testing) import CabinetStore
import CabinetCore
import CabinetTOTP
import Foundation
import Testing

/// The insider: the secretary holds the data key (her passphrase opens her
/// slot, which holds it) but never the clinical key. Each test builds a
/// practice with the production API, locks it, runs ONE attack with the
/// adversary's own reader and writer of the format (Tests/Adversary/
/// adversary.py: Python, libsodium through ctypes, sqlite3, written from the
/// documentation and sharing no code with Cabinet), then checks through the
/// production API that Cabinet notices (format 2, `CabinetError.integrity(.tampered)`).
///
/// Against format 1 every attack here succeeds silently, so these tests fail
/// until format 2 lands; that is what they are for.
@Suite struct InsiderAttackTests {
    static let ghostPass = "Fantome-Cache-Slot-93"

    /// A locked practice: doctor "doc", secretary "sec" (`secretaryPass`),
    /// Lefèvre (an allergy and a consultation) and Martin (an allergy), all
    /// written by the doctor.
    struct Practice {
        let dir: TempDir
        let path: String
        let patient: Int64
        let other: Int64
        let allergy: Int64
        let consultation: Int64
        let otherAllergy: Int64
    }

    static func practice() throws -> Practice {
        let dir = TempDir()
        let (v, _, path) = try makeVault(dir)
        try v.createAccount(login: "sec", role: .secretary, displayName: nil, passphrase: Passphrase(secretaryPass), mustChange: false, kdf: .minimumForTests)
        let day = try #require(CivilDate(iso: "2026-01-15"))
        let patient = try v.practice().patients.add(PatientStoreTests.identity())
        let other = try v.practice().patients.add(PatientStoreTests.identity("Martin", "Marie", born: "1970-07-07"))
        let allergy = try v.practice().patients.addEntry(patient: patient, kind: .allergy, occurredOn: day,
                                             fields: ["substance": "Pénicilline", "reaction": "Œdème de Quincke"])
        let consultation = try v.practice().patients.addEntry(patient: patient, kind: .consultation, occurredOn: day,
                                                  fields: ["reason": "Toux", "conclusion": "Bronchite"])
        let otherAllergy = try v.practice().patients.addEntry(patient: other, kind: .allergy, occurredOn: day, fields: ["substance": "Pollen"])
        v.signOut()
        expectFolded(path)
        return Practice(dir: dir, path: path, patient: patient, other: other, allergy: allergy, consultation: consultation,
                        otherAllergy: otherAllergy)
    }

    // MARK: - 1. Self-promotion and clinical key substitution

    /// Her slot rewrapped as a doctor's with a clinical key of her own: she
    /// must not get a doctor's session from it.
    @Test func promotedSlotGivesNoDoctorSession() throws {
        let p = try Self.practice()
        try attack("promote", p.path, "--passphrase", secretaryPass)
        do {
            let v = try Vault.signIn(at: p.path, login: "sec", passphrase: Passphrase(secretaryPass))
            defer { v.lock() }
            #expect(v.role == .secretary, "the slot says doctor; the authenticated roster says secretary")
            #expect(!v.hasClinicalKey, "her own key X must not pass for the clinical key")
        } catch let error as CabinetError {
            #expect(error == .integrity(.tampered(.roster)))
            #expect(error.exitCode == .integrity)
        }
    }

    /// The roster forged too (her role, the check value and the MAC under
    /// her key X): whatever her own sign-in gives, the genuine doctor's next
    /// sign-in sees that the roster is not under the practice's clinical key.
    @Test func forgedRosterIsCaughtAtTheDoctorsSignIn() throws {
        let p = try Self.practice()
        try attack("promote", p.path, "--passphrase", secretaryPass, "--forge-roster")
        (try? Vault.signIn(at: p.path, login: "sec", passphrase: Passphrase(secretaryPass)))?.lock()
        expectTampered("doctor's sign-in after the forged roster", { $0 == .roster }) {
            try Vault.signIn(at: p.path, login: "doc", passphrase: Passphrase(doctorPass)).lock()
        }
    }

    /// What she could do as a "doctor" (a doctor account of hers, the real
    /// doctor's account reset with a slot carrying X) must not fool the real
    /// doctor: his sign-in, with whatever passphrase he is given, is refused.
    @Test func falseDoctorsAccountWorkDoesNotFoolTheRealDoctor() throws {
        let p = try Self.practice()
        try attack("promote", p.path, "--passphrase", secretaryPass, "--forge-roster")
        var doctorPassphrase = doctorPass
        var accomplice: String?
        if let v = try? Vault.signIn(at: p.path, login: "sec", passphrase: Passphrase(secretaryPass)) {
            if v.role == .doctor && v.hasClinicalKey {
                accomplice = try? v.practice(kdf: .minimumForTests).accounts.create(login: "doc2", role: .doctor, displayName: nil)
                if let once = try? v.practice(kdf: .minimumForTests).accounts.reset(login: "doc", role: nil) { doctorPassphrase = once }
            }
            v.signOut()
        }
        expectTampered("the real doctor's sign-in") {
            try Vault.signIn(at: p.path, login: "doc", passphrase: Passphrase(doctorPassphrase)).lock()
        }
        if let accomplice {
            expectTampered("the doctor account she created") {
                try Vault.signIn(at: p.path, login: "doc2", passphrase: Passphrase(accomplice)).lock()
            }
        }
    }

    // MARK: - 2. Hidden slot

    @Test func hiddenSlotIsRefusedAndDoesNotSurviveARekey() throws {
        let p = try Self.practice()
        try attack("hidden-slot", p.path, "--passphrase", secretaryPass, "--new-login", "ghost",
                   "--new-passphrase", Self.ghostPass)
        #expect(try adversary("can-open", p.path, "--login", "ghost", "--passphrase", Self.ghostPass).status == 0,
                "the tool's own slot opens the current data key")
        expectTampered("sign-in with the hidden slot", { $0 == .unlistedSlot(login: "ghost") }) {
            try Vault.signIn(at: p.path, login: "ghost", passphrase: Passphrase(Self.ghostPass)).lock()
        }
        let doctor = try Vault.signIn(at: p.path, login: "doc", passphrase: Passphrase(doctorPass))
        try doctor.practice().accounts.disable(login: "sec")
        try doctor.rekey()
        doctor.signOut()
        expectFolded(p.path)
        #expect(try adversary("can-open", p.path, "--login", "sec", "--passphrase", secretaryPass).status == 1,
                "the disabled account's slot is gone")
        #expect(try adversary("can-open", p.path, "--login", "ghost", "--passphrase", Self.ghostPass).status == 1,
                "the hidden slot must not yield the new data key")
    }

    // MARK: - 3. Clinical entries moved or hidden with the data key only

    enum Move: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case patient, occurredOn, author, supersede
        var testDescription: String { rawValue }
    }

    @Test(arguments: Move.allCases)
    func alteredClinicalRowIsNeverShownAsGenuine(_ move: Move) throws {
        let p = try Self.practice()
        let forgedDay = "2019-05-05"
        let args: [String], readOn: Int64
        switch move {
        case .patient: args = ["--entry", "\(p.allergy)", "--patient", "\(p.other)"]; readOn = p.other
        case .occurredOn: args = ["--entry", "\(p.consultation)", "--occurred-on", forgedDay]; readOn = p.patient
        case .author: args = ["--entry", "\(p.allergy)", "--author", "sec"]; readOn = p.patient
        case .supersede: args = ["--entry", "\(p.otherAllergy)", "--supersede", "\(p.allergy)"]; readOn = p.patient
        }
        let run = try attack(["move-entry", p.path, "--passphrase", secretaryPass] + args)
        let altered = Int64(try #require(run.json["entry"] as? Int))
        /// The entries as shown, if they show the attack's result as genuine.
        func silentlyWrong(_ entries: [ClinicalEntry]) -> Bool {
            switch move {
            case .patient: return entries.contains { $0.id == altered }
            case .occurredOn: return entries.contains { $0.id == altered && $0.occurredOn.iso == forgedDay }
            case .author: return entries.contains { $0.id == altered && $0.author == "sec" }
            case .supersede:
                return entries.contains { $0.id == altered }
                    || !entries.contains { $0.id == p.allergy && $0.fields["substance"] == "Pénicilline" }
            }
        }
        let v = try Vault.signIn(at: p.path, login: "doc", passphrase: Passphrase(doctorPass))
        defer { v.lock() }
        let reads: [(String, () throws -> [ClinicalEntry])] = [
            ("openRecord", { try v.practice().patients.open(readOn).entries }),
            ("clinicalEntries", { try v.practice().patients.entries(patient: readOn) }),
        ]
        for (name, read) in reads {
            do {
                let entries = try read()
                #expect(!silentlyWrong(entries), "\(name) shows entry \(altered) as genuine after '\(move)'")
            } catch let CabinetError.integrity(.tampered(finding)) {
                #expect(finding == .clinicalEntry(id: altered), "\(name)")
            }
        }
        do {
            let report = try v.verify()
            #expect(!report.isOK, "verify must report the altered clinical row \(altered)")
        } catch let CabinetError.integrity(.tampered(finding)) {
            #expect(finding == .clinicalEntry(id: altered))
        }
    }

    // MARK: - 4. Truncation

    @Test(arguments: [false, true])
    func truncatedVaultIsRefusedAndNotReinitialised(forgeEnvelope: Bool) throws {
        let p = try Self.practice()
        try attack(["truncate", p.path] + (forgeEnvelope ? ["--forge-envelope", "--passphrase", secretaryPass] : []))
        #expect(fileSize(p.path) == header)
        expectTampered("unlock", { $0 == .truncated }) {
            try Vault.unlock(at: p.path, login: "doc", passphrase: Passphrase(doctorPass)).lock()
        }
        #expect(fileSize(p.path) == header, "nothing re-initialised by the unlock")
        expectTampered("the doctor's sign-in", { $0 == .truncated }) {
            try Vault.signIn(at: p.path, login: "doc", passphrase: Passphrase(doctorPass)).lock()
        }
        expectTampered("her own sign-in", { $0 == .truncated }) {
            try Vault.signIn(at: p.path, login: "sec", passphrase: Passphrase(secretaryPass)).lock()
        }
        #expect(fileSize(p.path) == header, "nothing re-initialised by a sign-in")
    }

    // MARK: - 5. The trail rewritten or rolled back

    /// Her opening of a record removed from the trail, the chain and head
    /// recomputed with the chain key; nobody else's signature can be redone.
    /// The doctor signed in after her reading: what she erases is before
    /// his last action. (Her own entries after the doctor's last action are
    /// hers to rewrite: no key of the doctor's witnessed them — the window
    /// docs/SEALED-STORE.md "Threat model" writes down.)
    @Test func rewrittenTrailIsReportedBroken() throws {
        let p = try Self.practice()
        let s = try Vault.signIn(at: p.path, login: "sec", passphrase: Passphrase(secretaryPass))
        _ = try s.practice().patients.record(p.patient)
        s.signOut()
        try Vault.signIn(at: p.path, login: "doc", passphrase: Passphrase(doctorPass)).signOut()
        expectFolded(p.path)
        let run = try attack("rewrite-trail", p.path, "--passphrase", secretaryPass, "--actor", "sec",
                             "--object", "patient:\(p.patient)")
        #expect((run.json["deleted"] as? [Any])?.isEmpty == false)
        expectBrokenTrail(p.path)
    }

    /// The trail put back as it was in an older copy (before a later doctor
    /// sign-in and reading): the checkpoint of that sign-in shows it.
    @Test func rolledBackTrailIsCaughtByTheCheckpoint() throws {
        let p = try Self.practice()
        try Vault.signIn(at: p.path, login: "doc", passphrase: Passphrase(doctorPass)).signOut()
        expectFolded(p.path)
        let old = p.dir.file("old-copy.vault")
        try FileManager.default.copyItem(atPath: p.path, toPath: old)
        let v = try Vault.signIn(at: p.path, login: "doc", passphrase: Passphrase(doctorPass))
        _ = try v.practice().patients.open(p.patient)
        v.signOut()
        try attack("rollback-trail", p.path, "--passphrase", secretaryPass, "--old", old)
        expectBrokenTrail(p.path)
    }

    // MARK: - 6. Second factor switched off

    @Test func removedSecondFactorStillRequired() throws {
        let p = try Self.practice()
        let t = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 / 30).rounded(.down) * 30 + 15)
        let doctor = try Vault.signIn(at: p.path, login: "doc", passphrase: Passphrase(doctorPass))
        let e = try doctor.practice().accounts.beginSecondFactor(issuer: "Cabinet")
        let totp = TOTP(secret: try #require(Base32.decode(e.secretBase32)))
        try doctor.practice().accounts.confirmSecondFactor(code: totp.code(at: t), now: t)
        doctor.lock()
        try attack("drop-totp", p.path, "--passphrase", secretaryPass, "--target", "doc")
        do {
            try Vault.signIn(at: p.path, login: "doc", passphrase: Passphrase(doctorPass), totp: nil, now: t.addingTimeInterval(60)).lock()
            Issue.record("the doctor signed in without his second factor")
        } catch let error as CabinetError {
            #expect(error == .integrity(.tampered(.secondFactorRemoved(login: "doc"))) || error == .session(.secondFactorRequired), "\(error)")
        }
    }
}

// MARK: - Running the adversary

/// What one run of the adversary's tool answered.
struct AdversaryRun {
    let status: Int32
    /// Its one line of JSON on stdout (empty when it printed none).
    let json: [String: Any]
    let stderr: String
}

/// Tests/Adversary/adversary.py, found from this file.
let adversaryScript = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Adversary/adversary.py").path

/// `python3` on `PATH`.
func python3() throws -> String {
    let dirs = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
    for d in dirs {
        let candidate = "\(d)/python3"
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    throw CabinetError.vault(.io(path: "python3", errno: ENOENT))
}

@discardableResult
func adversary(_ args: String...) throws -> AdversaryRun { try adversary(args) }

@discardableResult
func adversary(_ args: [String]) throws -> AdversaryRun {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: try python3())
    process.arguments = [adversaryScript] + args
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    let stderr = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let line = String(decoding: stdout, as: UTF8.self).split(separator: "\n").last.map(String.init) ?? ""
    let json = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] ?? [:]
    return AdversaryRun(status: process.terminationStatus, json: json, stderr: String(decoding: stderr, as: UTF8.self))
}

/// Runs an attack that must go through at the format level (else the test
/// would prove nothing).
@discardableResult
func attack(_ args: String..., sourceLocation: SourceLocation = #_sourceLocation) throws -> AdversaryRun {
    try attack(args, sourceLocation: sourceLocation)
}

@discardableResult
func attack(_ args: [String], sourceLocation: SourceLocation = #_sourceLocation) throws -> AdversaryRun {
    let run = try adversary(args)
    try #require(run.status == 0, "adversary \(args.first ?? ""): \(run.stderr)", sourceLocation: sourceLocation)
    return run
}

// MARK: - Expectations

/// The production code folded the WAL into the file when it locked.
func expectFolded(_ path: String, sourceLocation: SourceLocation = #_sourceLocation) {
    let wal = path + "-wal"
    #expect(!FileManager.default.fileExists(atPath: wal) || fileSize(wal) == 0, "WAL left behind",
            sourceLocation: sourceLocation)
}

func fileSize(_ path: String) -> Int {
    ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue ?? -1
}

/// `body` must throw `CabinetError.integrity(.tampered)` (exit 3) with a finding that
/// `accepts` takes.
func expectTampered(_ what: String, _ accepts: (TamperFinding) -> Bool = { _ in true },
                    sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void) {
    do {
        try body()
        Issue.record("\(what): accepted; expected CabinetError.integrity(.tampered)", sourceLocation: sourceLocation)
    } catch let CabinetError.integrity(.tampered(finding)) {
        #expect(accepts(finding), "\(what): \(finding)", sourceLocation: sourceLocation)
        #expect(CabinetError.integrity(.tampered(finding)).exitCode == .integrity, sourceLocation: sourceLocation)
    } catch {
        Issue.record("\(what): \(error); expected CabinetError.integrity(.tampered)", sourceLocation: sourceLocation)
    }
}

/// The genuine doctor finds the trail broken: at sign-in, or by `verifyAudit`
/// (a bad signature, a trail short of the checkpoint, a broken chain).
func expectBrokenTrail(_ path: String, sourceLocation: SourceLocation = #_sourceLocation) {
    func trailFinding(_ f: TamperFinding) -> Bool {
        switch f {
        case .signature, .checkpoint: return true
        default: return false
        }
    }
    do {
        let v = try Vault.signIn(at: path, login: "doc", passphrase: Passphrase(doctorPass))
        defer { v.lock() }
        let report = try v.practice().audit.verify()
        #expect(!report.isOK, "verifyAudit says the rewritten trail is intact", sourceLocation: sourceLocation)
    } catch let CabinetError.integrity(.tampered(finding)) {
        #expect(trailFinding(finding), "\(finding)", sourceLocation: sourceLocation)
    } catch CabinetError.integrity(.auditChainBroken) {
    } catch {
        Issue.record("\(error)", sourceLocation: sourceLocation)
    }
}
