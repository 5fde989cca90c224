@testable @_spi(Testing) import CabinetStore
import CabinetCore
import CabinetDemo
import CabinetStoreTesting
import CabinetTOTP
import Foundation
import GRDB
import Testing

/// A vault with a holder, a replacement and a secretary whose one-time
/// passphrases were already changed.
func practice(_ dir: TempDir) throws -> (path: String, recovery: String) {
    let (vault, recovery, path) = try makeVault(dir)
    for (login, role) in [("remp", Role.replacement), ("accueil", Role.secretary)] {
        let once = try vault.practice(kdf: .minimumForTests).accounts.create(login: login, role: role, displayName: nil)
        let v = try Vault.unlock(at: path, login: login, passphrase: Passphrase(once))
        #expect(v.mustChangePassphrase)
        try v.practice(kdf: .minimumForTests).accounts.changeOwnPassphrase(new: Passphrase(secretaryPass))
        v.lock()
    }
    vault.lock()
    return (path, recovery)
}

@Suite struct AccessPolicyTests {
    /// The whole matrix, written out: a change to the policy must change this table.
    @Test func roleMatrix() {
        let doctorOnly: Set<Privilege> = [.manageAccounts, .listAccounts, .changeSettings, .restoreBackup]
        let doctors: Set<Privilege> = [.manageOwnSecondFactor, .readAudit, .readClinical, .writeClinical, .exportRecords, .forceBooking]
        for op in Privilege.allCases {
            #expect(AccessPolicy.allows(.doctor, op))
            #expect(AccessPolicy.allows(.replacement, op) == !doctorOnly.contains(op), "\(op)")
            #expect(AccessPolicy.allows(.secretary, op) == !(doctorOnly.contains(op) || doctors.contains(op)), "\(op)")
        }
        let s = Session(login: "accueil", role: .secretary)
        #expect(throws: CabinetError.permissionDenied(operation: "readClinical")) { try AccessPolicy.check(s, .readClinical) }
        #expect(CabinetError.permissionDenied(operation: "readClinical").exitCode == .permission)
    }

    @Test func attemptDelayGrows() {
        #expect((0..<3).allSatisfy { AttemptPolicy.delay(afterFailures: $0) == 0 })
        let delays = (3..<20).map { AttemptPolicy.delay(afterFailures: $0) }
        #expect(delays.first == 1)
        #expect(zip(delays, delays.dropFirst()).allSatisfy { $0 <= $1 })
        #expect(delays.last == AttemptPolicy.maximumDelay)
    }
}

@Suite struct AccountsTests {
    @Test func servicesRefuseWhatARoleMayNotDo() throws {
        let dir = TempDir()
        let (path, _) = try practice(dir)
        for login in ["remp", "accueil"] {
            let v = try Vault.signIn(at: path, login: login, passphrase: Passphrase(secretaryPass))
            #expect(throws: CabinetError.permissionDenied(operation: "manageAccounts")) {
                _ = try v.practice(kdf: .minimumForTests).accounts.create(login: "x\(login)", role: .secretary, displayName: nil)
            }
            #expect(throws: CabinetError.permissionDenied(operation: "listAccounts")) { _ = try v.practice().accounts.list() }
            #expect(throws: CabinetError.permissionDenied(operation: "manageAccounts")) { try v.practice().accounts.disable(login: "doc") }
            #expect(throws: CabinetError.permissionDenied(operation: "manageAccounts")) {
                _ = try v.practice(kdf: .minimumForTests).accounts.reset(login: "doc", role: nil)
            }
            if login == "accueil" {
                #expect(throws: CabinetError.permissionDenied(operation: "readAudit")) { _ = try v.practice().audit.entries() }
                #expect(throws: CabinetError.permissionDenied(operation: "manageOwnSecondFactor")) {
                    _ = try v.practice().accounts.beginSecondFactor(issuer: "Cabinet")
                }
            } else {
                #expect(try !v.practice().audit.entries().isEmpty)
            }
            v.lock()
        }
    }

    /// Around the services: the secretary's session holds no key that opens
    /// a value sealed with the clinical key.
    @Test func aSecretaryCannotDecryptClinicalDataAtTheCryptoLevel() throws {
        let dir = TempDir()
        let (path, _) = try practice(dir)
        let doctor = try Vault.unlock(at: path, login: "doc", passphrase: Passphrase(doctorPass))
        guard let clinical = doctor.clinicalKeyForSealing else { Issue.record("doctor without clinical key"); return }
        let sealed = aeadSeal(SecureBytes.copy(Array("Antécédent fictif : asthme".utf8) + [UInt8](repeating: 0, count: 6)),
                              key: clinical, ad: Array("clinical".utf8))
        doctor.lock()

        let sec = try Vault.unlock(at: path, login: "accueil", passphrase: Passphrase(secretaryPass))
        #expect(sec.clinicalKeyForSealing == nil)
        for key in [sec.dataKeyForMaintenance, sec.slotSecretKey].compactMap({ $0 }) {
            #expect(aeadOpen(sealed, key: key, ad: Array("clinical".utf8)) == nil)
        }
        // Her slot's secret key does not open a doctor's wrapped clinical key.
        let doctorSlot = try #require(sec.envelope.slot(login: "doc"))
        let sk = try #require(sec.slotSecretKey)
        #expect(try doctorSlot.openClinical(sk: sk, vaultID: sec.vaultID) == nil)
        #expect(try #require(sec.envelope.slot(login: "accueil")).wrappedClinical == nil)
        sec.lock()
    }

    @Test func theOneTimePassphraseIsNeverTooEasyToGuess() {
        // Each raw draw: at most a missing character class (drawn again),
        // never a guessability reason; each returned one accepted outright,
        // also under an account's own words.
        let policy = PassphrasePolicy.forAccount(login: "accueil", doctorName: "Dr Camille Martin")
        for _ in 0..<200 {
            let draw = Vault.oneTimeCandidate()
            #expect(!PassphrasePolicy().problems(draw).contains(where: { $0.isGuessability }), "\(draw)")
            let once = Vault.oneTimePassphrase()
            #expect(policy.problems(once).isEmpty, "\(once)")
        }
    }

    @Test func resetForcesAChangeAtNextSignIn() throws {
        let dir = TempDir()
        let (path, _) = try practice(dir)
        let doctor = try Vault.signIn(at: path, login: "doc", passphrase: Passphrase(doctorPass))
        let once = try doctor.practice(kdf: .minimumForTests).accounts.reset(login: "accueil", role: nil)
        #expect(PassphrasePolicy().problems(once).isEmpty)
        doctor.lock()
        #expect(throws: CabinetError.session(.wrongPassphrase)) { try Vault.unlock(at: path, login: "accueil", passphrase: Passphrase(secretaryPass)) }
        let v = try Vault.signIn(at: path, login: "accueil", passphrase: Passphrase(once))
        #expect(v.mustChangePassphrase)
        try v.practice(kdf: .minimumForTests).accounts.changeOwnPassphrase(new: "Nouvelle-Phrase-Accueil-9")
        v.lock()
        #expect(throws: CabinetError.session(.wrongPassphrase)) { try Vault.unlock(at: path, login: "accueil", passphrase: Passphrase(once)) }
        let after = try Vault.unlock(at: path, login: "accueil", passphrase: "Nouvelle-Phrase-Accueil-9")
        #expect(!after.mustChangePassphrase)
        after.lock()
    }

    /// The forced change rewraps the slot with the secret key the sign-in
    /// opened: nothing keeps the one-time passphrase meanwhile. A slot
    /// replaced from another desk (a second reset) is not overwritten.
    @Test func aChangeRewrapsWithTheSecretAlreadyOpenedAndNeverAStaleSlot() throws {
        let dir = TempDir()
        let (path, _) = try practice(dir)
        let doctor = try Vault.signIn(at: path, login: "doc", passphrase: Passphrase(doctorPass))
        let once = try doctor.practice(kdf: .minimumForTests).accounts.reset(login: "accueil", role: nil)
        let desk = try Vault.signIn(at: path, login: "accueil", passphrase: Passphrase(once))
        #expect(desk.mustChangePassphrase)
        // Reset again from the doctor's desk while the front desk is open.
        let again = try doctor.practice(kdf: .minimumForTests).accounts.reset(login: "accueil", role: nil)
        #expect(throws: CabinetError.session(.accountDisabled(login: "accueil"))) {
            try desk.changePassphrase(new: "Nouvelle-Phrase-Accueil-9", kdf: .minimumForTests)
        }
        desk.lock()
        doctor.lock()
        // The second reset's passphrase still opens; then the change holds.
        let fresh = try Vault.signIn(at: path, login: "accueil", passphrase: Passphrase(again))
        try fresh.changePassphrase(new: "Nouvelle-Phrase-Accueil-9", kdf: .minimumForTests)
        #expect(!fresh.mustChangePassphrase)
        fresh.lock()
        #expect(throws: CabinetError.session(.wrongPassphrase)) { try Vault.unlock(at: path, login: "accueil", passphrase: Passphrase(again)) }
        let after = try Vault.unlock(at: path, login: "accueil", passphrase: "Nouvelle-Phrase-Accueil-9")
        #expect(!after.mustChangePassphrase)
        after.lock()
    }

    @Test func disablingRemovesTheSlotButKeepsTheRecord() throws {
        let dir = TempDir()
        let (path, _) = try practice(dir)
        let doctor = try Vault.signIn(at: path, login: "doc", passphrase: Passphrase(doctorPass))
        #expect(throws: CabinetError.accounts(.cannotDisableSelf)) { try doctor.practice().accounts.disable(login: "doc") }
        try doctor.practice().accounts.disable(login: "accueil")
        let list = try doctor.practice().accounts.list()
        let accueil = try #require(list.first { $0.login == "accueil" })
        #expect(accueil.disabledAt != nil && !accueil.hasSlot)
        #expect(throws: CabinetError.accounts(.notFound(login: "accueil"))) { try doctor.practice().accounts.disable(login: "accueil") }
        doctor.lock()
        #expect(throws: CabinetError.session(.wrongPassphrase)) { try Vault.unlock(at: path, login: "accueil", passphrase: Passphrase(secretaryPass)) }
    }

    @Test func demoAccountsOnlyInADemoVault() throws {
        let dir = TempDir()
        let (vault, _, _) = try makeVault(dir)
        #expect(throws: CabinetError.permissionDenied(operation: "manageAccounts")) {
            try vault.createDemoAccount(login: "accueil", role: .secretary, passphrase: "Demo-Accueil-Orage-2026!")
        }
        vault.lock()
    }

    @Test func theLockDelayIsASettingOfTheHolderBetweenOneAndThirtyMinutes() throws {
        let dir = TempDir()
        let (path, _) = try practice(dir)
        let doctor = try Vault.signIn(at: path, login: "doc", passphrase: Passphrase(doctorPass))
        #expect(try doctor.practice().accounts.lockAfterMinutes() == 10)
        try doctor.practice().accounts.setLockAfterMinutes(5)
        #expect(try doctor.practice().accounts.lockAfterMinutes() == 5)
        #expect(throws: CabinetError.usage(key: "error.lock_after")) { try doctor.practice().accounts.setLockAfterMinutes(31) }
        #expect(throws: CabinetError.usage(key: "error.lock_after")) { try doctor.practice().accounts.setLockAfterMinutes(0) }
        #expect(try doctor.practice().audit.entries().contains { $0.action == "settings.changed" && $0.detail == "lock_after_minutes=5" })
        doctor.lock()
        let sec = try Vault.signIn(at: path, login: "accueil", passphrase: Passphrase(secretaryPass))
        #expect(try sec.practice().accounts.lockAfterMinutes() == 5)
        #expect(throws: CabinetError.permissionDenied(operation: "changeSettings")) { try sec.practice().accounts.setLockAfterMinutes(20) }
        sec.lock()
    }

    @Test func theAttemptDelayGrowsAndSurvivesARestart() throws {
        let dir = TempDir()
        let (path, _) = try practice(dir)
        let t0 = Date() // real time: sign-in also prunes traces older than 6 months before `now`
        for i in 0..<4 {
            #expect(throws: CabinetError.session(.wrongPassphrase)) {
                try Vault.signIn(at: path, login: "remp", passphrase: "Mauvais-Mot-2026!", totp: nil, now: t0.addingTimeInterval(Double(i) * 10))
            }
        }
        // Four failures: 2 s to wait after the last one (counted from the
        // moment it failed, after its key derivation), even with the right
        // passphrase.
        let recorded = try #require(try AttemptsFile(vaultPath: path).update { $0.last["remp"] })
        #expect(recorded >= t0.addingTimeInterval(30).timeIntervalSince1970)
        let last = Date(timeIntervalSince1970: recorded)
        #expect(throws: CabinetError.session(.tooManyAttempts(seconds: 2))) {
            try Vault.signIn(at: path, login: "remp", passphrase: Passphrase(secretaryPass), totp: nil, now: last.addingTimeInterval(0.5))
        }
        // A new process reads the same file (the delay is not in memory).
        #expect(try AttemptsFile(vaultPath: path).wait(for: "remp", now: last.addingTimeInterval(1)) == 1)
        // Other accounts are not held back.
        try Vault.signIn(at: path, login: "accueil", passphrase: Passphrase(secretaryPass), totp: nil, now: last).lock()
        let v = try Vault.signIn(at: path, login: "remp", passphrase: Passphrase(secretaryPass), totp: nil, now: last.addingTimeInterval(2.5))
        #expect(try AttemptsFile(vaultPath: path).wait(for: "remp", now: last.addingTimeInterval(3)) == 0)
        // The failures reached the sealed trail at the next sign-in.
        let failures = try v.practice().audit.entries().filter { $0.action == "signin.failed" && $0.actor == "remp" }
        #expect(failures.count == 4)
        v.lock()
    }

    @Test func secondFactorEnrolmentUseReuseAndRecoveryBypass() throws {
        let dir = TempDir()
        let (path, recovery) = try practice(dir)
        let t = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 / 30).rounded(.down) * 30 + 15)
        let doctor = try Vault.signIn(at: path, login: "doc", passphrase: Passphrase(doctorPass))
        let e = try doctor.practice().accounts.beginSecondFactor(issuer: "Cabinet")
        #expect(e.uri.hasPrefix("otpauth://totp/Cabinet:doc?secret=\(e.secretBase32)"))
        let totp = TOTP(secret: try #require(Base32.decode(e.secretBase32)))
        #expect(!doctor.hasSecondFactor, "not active before a code is confirmed")
        let wrong = totp.code(at: t) == "000000" ? "111111" : "000000"
        #expect(throws: CabinetError.session(.wrongSecondFactor)) { try doctor.practice().accounts.confirmSecondFactor(code: wrong, now: t) }
        try doctor.practice().accounts.confirmSecondFactor(code: totp.code(at: t), now: t)
        #expect(doctor.hasSecondFactor)
        doctor.lock()

        let t2 = t.addingTimeInterval(60)
        #expect(throws: CabinetError.session(.secondFactorRequired)) {
            try Vault.signIn(at: path, login: "doc", passphrase: Passphrase(doctorPass), totp: nil, now: t2)
        }
        let code = totp.code(at: t2)
        try Vault.signIn(at: path, login: "doc", passphrase: Passphrase(doctorPass), totp: code, now: t2).lock()
        #expect(throws: CabinetError.session(.wrongSecondFactor)) {
            try Vault.signIn(at: path, login: "doc", passphrase: Passphrase(doctorPass), totp: code, now: t2.addingTimeInterval(5))
        }
        // One step of tolerance, forward only past the last used step.
        try Vault.signIn(at: path, login: "doc", passphrase: Passphrase(doctorPass), totp: totp.code(at: t2.addingTimeInterval(30)),
                         now: t2.addingTimeInterval(10)).lock()
        // The recovery key bypasses it, and that is logged.
        let rescue = try Vault.signIn(at: path, recoveryKey: recovery)
        let actions = try rescue.practice().audit.entries().map(\.action)
        #expect(actions.contains("totp.bypassed") && actions.contains("totp.used") && actions.contains("totp.enrolled"))
        rescue.lock()
        // The secret is sealed for its owner: another doctor's slot cannot read it.
        let remp = try Vault.unlock(at: path, login: "remp", passphrase: Passphrase(secretaryPass))
        #expect(throws: CabinetError.integrity(.envelopeAltered)) { _ = try remp.secondFactorSecret(login: "doc") }
        remp.lock()
    }
}

@Suite struct AuditTrailTests {
    /// A trail of a dozen entries, and a bare connection without the
    /// append-only triggers (an attacker editing the database with SQL).
    func trail(_ dir: TempDir) throws -> (String, Vault) {
        let (path, v, _) = try trailWithRecovery(dir)
        return (path, v)
    }

    func trailWithRecovery(_ dir: TempDir) throws -> (String, Vault, String) {
        let (path, recovery) = try practice(dir)
        let v = try Vault.signIn(at: path, login: "doc", passphrase: Passphrase(doctorPass))
        for i in 1...8 { try v.audit(.recordOpened, object: "P\(i)", detail: "identity") }
        #expect(try v.practice().audit.verify().isOK)
        return (path, v, recovery)
    }

    func attack(_ v: Vault, _ sql: String) throws {
        let raw = try v.openSQL()
        try raw.exec("DROP TRIGGER audit_append_only_update; DROP TRIGGER audit_append_only_delete")
        try raw.exec(sql)
    }

    @Test func theTrailIsAppendOnly() throws {
        let dir = TempDir()
        let (_, v) = try trail(dir)
        let raw = try v.openSQL()
        #expect(throws: (any Error).self) { try raw.exec("UPDATE audit SET detail = 'x' WHERE seq = 3") }
        #expect(throws: (any Error).self) { try raw.exec("DELETE FROM audit WHERE seq = 3") }
        #expect(try v.practice().audit.verify().isOK)
        v.lock()
    }

    @Test func anEditedEntryIsNamed() throws {
        let dir = TempDir()
        let (_, v) = try trail(dir)
        try attack(v, "UPDATE audit SET object = 'P999' WHERE seq = 9")
        #expect(try v.practice().audit.verify().firstBad == 9)
        v.lock()
    }

    @Test func aDeletedEntryIsNamed() throws {
        let dir = TempDir()
        let (_, v) = try trail(dir)
        try attack(v, "DELETE FROM audit WHERE seq = 7")
        #expect(try v.practice().audit.verify().firstBad == 7)
        v.lock()
    }

    @Test func swappedEntriesAreNamed() throws {
        let dir = TempDir()
        let (_, v) = try trail(dir)
        try attack(v, "UPDATE audit SET seq = -1 WHERE seq = 6; UPDATE audit SET seq = 6 WHERE seq = 7; UPDATE audit SET seq = 7 WHERE seq = -1")
        #expect(try v.practice().audit.verify().firstBad == 6)
        v.lock()
    }

    @Test func removingTheNewestEntriesIsDetected() throws {
        let dir = TempDir()
        let (_, v) = try trail(dir)
        let last = try #require(try v.read { try Int64.fetchOne($0, sql: "SELECT max(seq) FROM audit") })
        try attack(v, "DELETE FROM audit WHERE seq >= \(last - 1)")
        #expect(try v.practice().audit.verify().firstBad == last - 1)
        v.lock()
    }

    @Test func pruningKeepsTheChainVerifiable() throws {
        let dir = TempDir()
        let (_, v) = try trail(dir)
        let key = try v.auditKey()
        let old = Date().addingTimeInterval(-400 * 86_400)
        _ = try v.write { db in
            for i in 1...5 { try AuditLog.append(db, key: key, actor: "doc", action: .recordOpened, object: "P\(i)", at: old) }
        }
        let before = try v.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM audit") } ?? 0
        let pruned = try v.practice().audit.prune()
        #expect(pruned > 0)
        let after = try v.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM audit") } ?? 0
        #expect(after == before - pruned + 1) // + the "pruned" entry itself
        let report = try v.practice().audit.verify()
        #expect(report.isOK && report.firstSeq > 1, "\(report)")
        #expect(try v.practice().audit.entries().contains { $0.action == "audit.pruned" })
        // A forged anchor (moving it further to hide entries) is detected.
        try attack(v, "UPDATE audit_anchor SET first_seq = first_seq + 1")
        #expect(try !v.practice().audit.verify().isOK)
        v.lock()
    }

    @Test func signInPrunesTracesOlderThanTheRetention() throws {
        let dir = TempDir()
        let (path, v) = try trail(dir)
        let key = try v.auditKey()
        _ = try v.write { db in
            for i in 1...3 {
                try AuditLog.append(db, key: key, actor: "doc", action: .recordOpened, object: "P\(i)",
                                    at: Date().addingTimeInterval(-200 * 86_400))
            }
        }
        v.lock()
        let again = try Vault.signIn(at: path, login: "doc", passphrase: Passphrase(doctorPass))
        let old = try again.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM audit WHERE at < ?",
                                                   arguments: [AuditLog.timestamp(Date().addingTimeInterval(-183 * 86_400))]) }
        #expect(old == 0)
        #expect(try again.practice().audit.verify().isOK)
        #expect(throws: CabinetError.usage(key: "error.retention")) { try again.practice().audit.prune(keepDays: 5) }
        again.lock()
    }

    @Test func theChainSurvivesARekey() throws {
        let dir = TempDir()
        let (_, v) = try trail(dir)
        try v.rekey()
        try v.audit(.vaultRekeyed)
        #expect(try v.practice().audit.verify().isOK)
        v.lock()
    }

    @Test func theLastHolderCannotBeDemotedEvenWithTheRecoveryKey() throws {
        let dir = TempDir()
        let (path, recovery) = try practice(dir)
        let rescue = try Vault.signIn(at: path, recoveryKey: recovery)
        #expect(throws: CabinetError.accounts(.lastHolder)) { _ = try rescue.practice(kdf: .minimumForTests).accounts.reset(login: "doc", role: .secretary) }
        #expect(throws: CabinetError.accounts(.secondFactorNotForRole)) { try rescue.practice().accounts.disableSecondFactor() }
        rescue.lock()
    }

    @Test func anUnknownLoginIsNotWrittenAsTyped() throws {
        let dir = TempDir()
        let (path, _) = try practice(dir)
        #expect(throws: CabinetError.session(.wrongPassphrase)) {
            try Vault.signIn(at: path, login: "Tres-Bon-Motdepasse-42", passphrase: "x")
        }
        let file = String(decoding: bytes(path + ".attempts"), as: UTF8.self)
        #expect(!file.contains("Tres-Bon"))
        let v = try Vault.signIn(at: path, login: "doc", passphrase: Passphrase(doctorPass))
        let failed = try v.practice().audit.entries().filter { $0.action == "signin.failed" }
        #expect(failed.count == 1 && failed.first?.actor == "?" && failed.first?.detail == "unknown-login")
        v.lock()
    }

    @Test func theTrailHoldsNoSecretNorHealthContent() throws {
        let dir = TempDir()
        let (path, v, recovery) = try trailWithRecovery(dir)
        let once = try v.practice(kdf: .minimumForTests).accounts.reset(login: "accueil", role: nil)
        try v.audit(.recordWritten, object: "P1", detail: "consultation")
        v.lock()
        let r = try Vault.signIn(at: path, recoveryKey: recovery)
        r.lock()
        let again = try Vault.unlock(at: path, login: "doc", passphrase: Passphrase(doctorPass))
        let text = try again.read { db in try String.fetchAll(db, sql: "SELECT coalesce(actor,'') || ' ' || action || ' ' || coalesce(object,'') || ' ' || coalesce(detail,'') FROM audit") }
        for line in text {
            for secret in [doctorPass, secretaryPass, once] { #expect(!line.contains(secret)) }
            // Short, structured words only: no free text can slip in.
            #expect(line.count < 80, "\(line)")
        }
        again.lock()
    }
}

/// `<vault>.attempts` in a directory another Unix account can write (the
/// shared set-up), and attempts fired in parallel.
@Suite struct AttemptsFileSafetyTests {
    /// The mode and content of a file, to prove it untouched.
    func state(_ path: String) -> (mode: mode_t, bytes: [UInt8]) {
        var st = stat()
        _ = lstat(path, &st)
        return (st.st_mode & 0o7777, bytes(path))
    }

    @Test func aSymbolicLinkIsNeitherFollowedNorChmodded() throws {
        let dir = TempDir()
        let (path, _) = try practice(dir)
        unlink(path + ".attempts")
        // A file of the doctor's elsewhere, which the link points at.
        let victim = dir.file("authorized_keys")
        try Data("ssh-ed25519 AAAA doctor\n".utf8).write(to: URL(fileURLWithPath: victim))
        chmod(victim, 0o644)
        let before = state(victim)
        #expect(symlink(victim, path + ".attempts") == 0)

        for pass in [secretaryPass, "Mauvais-Mot-2026!"] {
            #expect(throws: CabinetError.vault(.unsafeAttemptsFile(path: path + ".attempts"))) {
                try Vault.signIn(at: path, login: "accueil", passphrase: Passphrase(pass))
            }
        }
        let after = state(victim)
        #expect(after.mode == before.mode)
        #expect(after.bytes == before.bytes)
        // Said in French, with the way out.
        let message = CabinetError.vault(.unsafeAttemptsFile(path: path + ".attempts")).message(Catalog.load(.french))
        #expect(message.contains("lien symbolique") && message.contains("supprimez-le"))
        #expect(CabinetError.vault(.unsafeAttemptsFile(path: path)).exitCode == .integrity)

        // Once the link is removed, the file is made again and sign-in works.
        unlink(path + ".attempts")
        try Vault.signIn(at: path, login: "accueil", passphrase: Passphrase(secretaryPass)).lock()
        var st = stat()
        #expect(lstat(path + ".attempts", &st) == 0 && st.st_mode & S_IFMT == S_IFREG)
    }

    @Test func aHardLinkOrAFifoIsRefusedAndLeftAlone() throws {
        let dir = TempDir()
        let (path, _) = try practice(dir)
        unlink(path + ".attempts")
        let victim = dir.file("notes")
        try Data("keep me".utf8).write(to: URL(fileURLWithPath: victim))
        chmod(victim, 0o640)
        let before = state(victim)
        #expect(link(victim, path + ".attempts") == 0)
        #expect(throws: CabinetError.vault(.unsafeAttemptsFile(path: path + ".attempts"))) {
            try Vault.signIn(at: path, login: "accueil", passphrase: "Mauvais-Mot-2026!")
        }
        #expect(state(victim).mode == before.mode && state(victim).bytes == before.bytes)
        unlink(path + ".attempts")
        #expect(mkfifo(path + ".attempts", 0o600) == 0)
        #expect(throws: CabinetError.vault(.unsafeAttemptsFile(path: path + ".attempts"))) {
            try Vault.signIn(at: path, login: "accueil", passphrase: Passphrase(secretaryPass))
        }
    }

    @Test func theOtherDesksFileIsAcceptedOnlyInTheSharedSetUp() throws {
        // Needs root to give the file to another user (CI runs as root).
        guard geteuid() == 0 else { return }
        let dir = TempDir()
        let (path, _) = try practice(dir)
        try Vault.signIn(at: path, login: "accueil", passphrase: Passphrase(secretaryPass)).lock()
        let attempts = path + ".attempts"
        // Another user's file next to a private vault (0600): refused.
        #expect(chown(attempts, 4242, 4242) == 0)
        #expect(throws: CabinetError.vault(.unsafeAttemptsFile(path: attempts))) {
            try Vault.signIn(at: path, login: "accueil", passphrase: Passphrase(secretaryPass))
        }
        // The shared set-up: the vault group-writable in the desks' group,
        // the file made by the other desk in that group: accepted, its mode
        // not changed.
        #expect(chown(path, 0, 4242) == 0 && chmod(path, 0o660) == 0)
        #expect(chmod(attempts, 0o640) == 0)
        try Vault.signIn(at: path, login: "accueil", passphrase: Passphrase(secretaryPass)).lock()
        #expect(state(attempts).mode == 0o640)
    }

    @Test func parallelWrongAttemptsAreEvaluatedOneAtATime() throws {
        let dir = TempDir()
        let (path, _) = try practice(dir)
        let t0 = Date()
        for i in 0..<3 {
            #expect(throws: CabinetError.session(.wrongPassphrase)) {
                try Vault.signIn(at: path, login: "remp", passphrase: "Mauvais-Mot-2026!", totp: nil,
                                 now: t0.addingTimeInterval(Double(i)))
            }
        }
        // Three failures: the next attempt may come 1 s after the last; four
        // wrong ones come at once, 5 s later.
        let last = try #require(try AttemptsFile(vaultPath: path).update { $0.last["remp"] })
        let at = Date(timeIntervalSince1970: last + 5)
        final class Outcomes: @unchecked Sendable {
            let lock = NSLock()
            var errors: [CabinetError] = []
            func add(_ e: CabinetError) { lock.lock(); errors.append(e); lock.unlock() }
        }
        let outcomes = Outcomes()
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            do {
                try Vault.signIn(at: path, login: "remp", passphrase: "Mauvais-Mot-2026!", totp: nil, now: at).lock()
            } catch let e as CabinetError {
                outcomes.add(e)
            } catch {}
        }
        // One was evaluated (and failed); the others waited for its turn to
        // end, saw its failure and were refused with the new delay (2 s after
        // four failures), without deriving a key.
        let errors = outcomes.errors
        #expect(errors.count == 4)
        #expect(errors.filter { $0 == .session(.wrongPassphrase) }.count == 1)
        let refused = errors.filter { if case .session(.tooManyAttempts) = $0 { true } else { false } }
        #expect(refused.count == 3)
        #expect(try AttemptsFile(vaultPath: path).update { $0.failures["remp"] } == 4)
    }
}
