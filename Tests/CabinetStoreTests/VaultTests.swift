@testable @_spi(Testing) import CabinetStore
import CabinetCore
import Foundation
import GRDB
import Testing

@Suite struct VaultTests {
    @Test func everySlotKindOpensTheVault() throws {
        let dir = TempDir()
        let (vault, recovery, path) = try makeVault(dir)
        try vault.addSlot(login: "accueil", role: .secretary, passphrase: secretaryPass, mustChange: false, kdf: .minimumForTests)
        try vault.addSlot(login: "remplacant", role: .replacement, passphrase: secretaryPass, mustChange: false, kdf: .minimumForTests)
        try vault.database?.write { db in try db.execute(sql: "CREATE TABLE t(v TEXT); INSERT INTO t VALUES ('fictif')") }
        #expect(vault.hasClinicalKey)
        vault.lock()
        #expect(vault.isLocked)

        let byDoctor = try Vault.unlock(at: path, login: "doc", passphrase: doctorPass)
        #expect(byDoctor.role == .doctor && byDoctor.hasClinicalKey)
        #expect(try byDoctor.database?.read { try String.fetchOne($0, sql: "SELECT v FROM t") } == "fictif")
        byDoctor.lock()

        let byRecovery = try Vault.unlock(at: path, recoveryKey: recovery.lowercased().replacingOccurrences(of: "-", with: " "))
        #expect(byRecovery.role == .recovery && byRecovery.hasClinicalKey)
        #expect(try byRecovery.database?.read { try String.fetchOne($0, sql: "SELECT v FROM t") } == "fictif")
        byRecovery.lock()

        let bySecretary = try Vault.unlock(at: path, login: "accueil", passphrase: secretaryPass)
        #expect(bySecretary.role == .secretary)
        #expect(!bySecretary.hasClinicalKey, "a secretary's slot must not carry the clinical key")
        #expect(try bySecretary.database?.read { try String.fetchOne($0, sql: "SELECT v FROM t") } == "fictif")
        bySecretary.lock()

        let byReplacement = try Vault.unlock(at: path, login: "remplacant", passphrase: secretaryPass)
        #expect(byReplacement.hasClinicalKey)
        byReplacement.lock()
    }

    @Test func wrongPassphraseStopsAtTheSlotBeforeSQLiteReadsAnything() throws {
        let dir = TempDir()
        let (vault, _, path) = try makeVault(dir)
        vault.lock()
        // Wipe the whole SQLite region: if SQLite read anything, the error
        // would be about damaged pages, not about the passphrase.
        let size = bytes(path).count
        try writeBytes(path, at: header, [UInt8](repeating: 0, count: size - header))
        let before = snapshot(dir)
        #expect(throws: CabinetError.wrongPassphrase) {
            try Vault.unlock(at: path, login: "doc", passphrase: "Pas-Le-Bon-Mot-2024!")
        }
        #expect(throws: CabinetError.wrongPassphrase) {
            try Vault.unlock(at: path, login: "inconnu", passphrase: doctorPass)
        }
        #expect(snapshot(dir) == before, "a failed unlock must not create or change any file")
        // With the right passphrase the keys open, and only then does SQLite
        // meet the wiped pages.
        let v = try Vault.unlock(at: path, login: "doc", passphrase: doctorPass, openDatabase: false)
        #expect(v.mainOpens == 0)
        #expect(throws: CabinetError.damaged(.page(1))) { try v.openDatabase() }
        v.lock()
    }

    @Test func recoveryKeyFormat() throws {
        let raw = RecoveryKey.generate()
        let text = RecoveryKey.format(raw)
        #expect(text.split(separator: "-").count == 8)
        #expect(text.split(separator: "-").allSatisfy { $0.count == 4 })
        #expect(RecoveryKey.parse(text) == raw)
        #expect(RecoveryKey.parse(text.lowercased().replacingOccurrences(of: "-", with: "  ")) == raw)
        #expect(RecoveryKey.parse(String(text.dropLast())) == nil)
        #expect(RecoveryKey.parse(text + "A") == nil)
        #expect(RecoveryKey.parse("UUUU-UUUU-UUUU-UUUU-UUUU-UUUU-UUUU-UUUU") == nil) // U is not Crockford
    }

    @Test func changingAPassphraseRewrapsOnlyThatSlot() throws {
        let dir = TempDir()
        let (vault, recovery, path) = try makeVault(dir)
        try vault.addSlot(login: "accueil", role: .secretary, passphrase: secretaryPass, mustChange: true, kdf: .minimumForTests)
        vault.lock()
        let sec = try Vault.unlock(at: path, login: "accueil", passphrase: secretaryPass)
        #expect(sec.mustChangePassphrase)
        try sec.changePassphrase(current: secretaryPass, new: "Nouvelle-Phrase-Accueil-9", kdf: .minimumForTests)
        #expect(!sec.mustChangePassphrase)
        sec.lock()
        #expect(throws: CabinetError.wrongPassphrase) { try Vault.unlock(at: path, login: "accueil", passphrase: secretaryPass) }
        let again = try Vault.unlock(at: path, login: "accueil", passphrase: "Nouvelle-Phrase-Accueil-9")
        #expect(!again.mustChangePassphrase)
        again.lock()
        try Vault.unlock(at: path, login: "doc", passphrase: doctorPass).lock()
        try Vault.unlock(at: path, recoveryKey: recovery).lock()
    }

    @Test func weakPassphrasesAreRefusedWithWhatIsMissing() throws {
        let dir = TempDir()
        #expect(throws: CabinetError.passphraseTooWeak(problems: [.tooShort, .noUppercase, .noDigit, .noSymbol])) {
            try Vault.create(at: dir.file("v.vault"), doctorLogin: "doc", passphrase: "court", kdf: .minimumForTests)
        }
        #expect(!FileManager.default.fileExists(atPath: dir.file("v.vault")))
    }

    @Test func removingASlotLocksThatAccountOut() throws {
        let dir = TempDir()
        let (vault, _, path) = try makeVault(dir)
        try vault.addSlot(login: "accueil", role: .secretary, passphrase: secretaryPass, mustChange: false, kdf: .minimumForTests)
        #expect(throws: CabinetError.accountExists(login: "accueil")) {
            try vault.addSlot(login: "accueil", role: .secretary, passphrase: secretaryPass, mustChange: false, kdf: .minimumForTests)
        }
        try vault.removeSlot(login: "accueil")
        vault.lock()
        #expect(throws: CabinetError.wrongPassphrase) { try Vault.unlock(at: path, login: "accueil", passphrase: secretaryPass) }
        try Vault.unlock(at: path, login: "doc", passphrase: doctorPass).lock()
    }

    @Test func createRefusesBadPlaces() throws {
        let dir = TempDir()
        let (vault, _, path) = try makeVault(dir)
        vault.lock()
        let before = bytes(path)
        #expect(throws: CabinetError.vaultExists(path: path)) {
            try Vault.create(at: path, doctorLogin: "doc", passphrase: doctorPass, kdf: .minimumForTests)
        }
        #expect(bytes(path) == before)
        #expect(throws: CabinetError.isDirectory(path: dir.path)) {
            try Vault.create(at: dir.path, doctorLogin: "doc", passphrase: doctorPass, kdf: .minimumForTests)
        }
        #expect(throws: CabinetError.missingParent(path: dir.file("absent"))) {
            try Vault.create(at: dir.file("absent/v.vault"), doctorLogin: "doc", passphrase: doctorPass, kdf: .minimumForTests)
        }
        #expect(throws: CabinetError.vaultNotFound(path: dir.file("none.vault"))) {
            try Vault.unlock(at: dir.file("none.vault"), login: "doc", passphrase: doctorPass)
        }
        _ = FileManager.default.createFile(atPath: dir.file("empty.vault"), contents: Data())
        #expect(throws: CabinetError.emptyFile(path: dir.file("empty.vault"))) {
            try Vault.unlock(at: dir.file("empty.vault"), login: "doc", passphrase: doctorPass)
        }
        _ = FileManager.default.createFile(atPath: dir.file("random.vault"), contents: Data((0..<40000).map { UInt8(truncatingIfNeeded: $0 &* 31) }))
        #expect(throws: CabinetError.notAVault(path: dir.file("random.vault"))) {
            try Vault.unlock(at: dir.file("random.vault"), login: "doc", passphrase: doctorPass)
        }
    }

    @Test func vaultFileIsPrivate() throws {
        let dir = TempDir()
        let (vault, _, path) = try makeVault(dir)
        vault.lock()
        let attrs = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attrs[.posixPermissions] as? Int) == 0o600)
    }
}

@Suite struct RekeyTests {
    func filled(_ dir: TempDir) throws -> (Vault, String, String) {
        let (vault, recovery, path) = try makeVault(dir)
        try vault.addSlot(login: "accueil", role: .secretary, passphrase: secretaryPass, mustChange: false, kdf: .minimumForTests)
        try vault.database?.write { db in
            try db.execute(sql: """
                CREATE TABLE t(id INTEGER PRIMARY KEY, v BLOB);
                WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 500)
                INSERT INTO t(id, v) SELECT i, zeroblob(300) FROM c;
                """)
        }
        return (vault, recovery, path)
    }

    func checkOpens(_ path: String, recovery: String) throws {
        for unlock in [{ try Vault.unlock(at: path, login: "doc", passphrase: doctorPass) },
                       { try Vault.unlock(at: path, recoveryKey: recovery) },
                       { try Vault.unlock(at: path, login: "accueil", passphrase: secretaryPass) }] {
            let v = try unlock()
            #expect(try v.database?.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM t") } == 500)
            v.lock()
        }
        let v = try Vault.unlock(at: path, login: "doc", passphrase: doctorPass, openDatabase: false)
        #expect(try v.verify().isOK)
        v.lock()
    }

    @Test func rekeyMovesEverythingUnderANewKey() throws {
        let dir = TempDir()
        let (first, recovery, path) = try filled(dir)
        first.lock()
        let oldPage2 = Array(bytes(path)[pageOffset(2)..<pageOffset(3)])
        let vault = try Vault.unlock(at: path, login: "doc", passphrase: doctorPass)
        let oldFileID = vault.envelope.fileID
        try vault.rekey()
        #expect(try vault.database?.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM t") } == 500)
        #expect(vault.envelope.fileID != oldFileID)
        vault.lock()
        #expect(Array(bytes(path)[pageOffset(2)..<pageOffset(3)]) != oldPage2)
        #expect(!FileManager.default.fileExists(atPath: path + ".rekey"))
        try checkOpens(path, recovery: recovery)
    }

    @Test(arguments: RekeyStep.allCases)
    func rekeyInterruptedAtAnyStepLeavesAVaultThatOpens(step: RekeyStep) throws {
        let dir = TempDir()
        let (vault, recovery, path) = try filled(dir)
        #expect(throws: CabinetError.cancelled) { try vault.rekey(interruptAfter: step) }
        vault.lock()
        try checkOpens(path, recovery: recovery)
        #expect(!FileManager.default.fileExists(atPath: path + ".rekey"))
    }

    @Test func rekeyRefusesWhileAnotherConnectionIsOpen() throws {
        let dir = TempDir()
        let (vault, recovery, path) = try filled(dir)
        let other = try Vault.unlock(at: path, login: "accueil", passphrase: secretaryPass)
        _ = try other.database?.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM t") }
        #expect(throws: CabinetError.vaultInUse) { try vault.rekey() }
        other.lock()
        vault.lock()
        try checkOpens(path, recovery: recovery)
    }
}
