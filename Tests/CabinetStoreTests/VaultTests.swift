@testable @_spi(Testing) import CabinetStore
import CabinetCore
import CabinetStoreTesting
import Foundation
import GRDB
import Testing

@Suite struct VaultTests {
    @Test func everySlotKindOpensTheVault() throws {
        let dir = TempDir()
        let (vault, recovery, path) = try makeVault(dir)
        try vault.addSlot(login: "accueil", role: .secretary, passphrase: Passphrase(secretaryPass), mustChange: false, kdf: .minimumForTests)
        try vault.addSlot(login: "remplacant", role: .replacement, passphrase: Passphrase(secretaryPass), mustChange: false, kdf: .minimumForTests)
        try vault.database?.write { db in try db.execute(sql: "CREATE TABLE t(v TEXT); INSERT INTO t VALUES ('fictif')") }
        #expect(vault.hasClinicalKey)
        vault.lock()
        #expect(vault.isLocked)

        let byDoctor = try Vault.unlock(at: path, login: "doc", passphrase: Passphrase(doctorPass))
        #expect(byDoctor.role == .doctor && byDoctor.hasClinicalKey)
        #expect(try byDoctor.database?.read { try String.fetchOne($0, sql: "SELECT v FROM t") } == "fictif")
        byDoctor.lock()

        let byRecovery = try Vault.unlock(at: path, recoveryKey: recovery.lowercased().replacingOccurrences(of: "-", with: " "))
        #expect(byRecovery.role == .recovery && byRecovery.hasClinicalKey)
        #expect(try byRecovery.database?.read { try String.fetchOne($0, sql: "SELECT v FROM t") } == "fictif")
        byRecovery.lock()

        let bySecretary = try Vault.unlock(at: path, login: "accueil", passphrase: Passphrase(secretaryPass))
        #expect(bySecretary.role == .secretary)
        #expect(!bySecretary.hasClinicalKey, "a secretary's slot must not carry the clinical key")
        #expect(try bySecretary.database?.read { try String.fetchOne($0, sql: "SELECT v FROM t") } == "fictif")
        bySecretary.lock()

        let byReplacement = try Vault.unlock(at: path, login: "remplacant", passphrase: Passphrase(secretaryPass))
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
        #expect(throws: CabinetError.session(.wrongPassphrase)) {
            try Vault.unlock(at: path, login: "doc", passphrase: "Pas-Le-Bon-Mot-2024!")
        }
        #expect(throws: CabinetError.session(.wrongPassphrase)) {
            try Vault.unlock(at: path, login: "inconnu", passphrase: Passphrase(doctorPass))
        }
        #expect(snapshot(dir) == before, "a failed unlock must not create or change any file")
        // With the right passphrase the keys open, and only then does SQLite
        // meet the wiped pages.
        let v = try Vault.unlock(at: path, login: "doc", passphrase: Passphrase(doctorPass), openDatabase: false)
        #expect(v.mainOpens == 0)
        #expect(throws: CabinetError.integrity(.damaged(.page(1)))) { try v.openDatabase() }
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
        try vault.addSlot(login: "accueil", role: .secretary, passphrase: Passphrase(secretaryPass), mustChange: true, kdf: .minimumForTests)
        vault.lock()
        let sec = try Vault.unlock(at: path, login: "accueil", passphrase: Passphrase(secretaryPass))
        #expect(sec.mustChangePassphrase)
        try sec.changePassphrase(new: "Nouvelle-Phrase-Accueil-9", kdf: .minimumForTests)
        #expect(!sec.mustChangePassphrase)
        sec.lock()
        #expect(throws: CabinetError.session(.wrongPassphrase)) { try Vault.unlock(at: path, login: "accueil", passphrase: Passphrase(secretaryPass)) }
        let again = try Vault.unlock(at: path, login: "accueil", passphrase: "Nouvelle-Phrase-Accueil-9")
        #expect(!again.mustChangePassphrase)
        again.lock()
        try Vault.unlock(at: path, login: "doc", passphrase: Passphrase(doctorPass)).lock()
        try Vault.unlock(at: path, recoveryKey: recovery).lock()
    }

    @Test func weakPassphrasesAreRefusedWithWhatIsMissing() throws {
        let dir = TempDir()
        #expect(throws: CabinetError.session(.passphraseTooWeak(problems: [.tooShort, .noUppercase, .noDigit, .noSymbol]))) {
            try Vault.create(at: dir.file("v.vault"), doctorLogin: "doc", passphrase: "court", kdf: .minimumForTests)
        }
        #expect(!FileManager.default.fileExists(atPath: dir.file("v.vault")))
    }

    @Test func removingASlotLocksThatAccountOut() throws {
        let dir = TempDir()
        let (vault, _, path) = try makeVault(dir)
        try vault.addSlot(login: "accueil", role: .secretary, passphrase: Passphrase(secretaryPass), mustChange: false, kdf: .minimumForTests)
        #expect(throws: CabinetError.accounts(.exists(login: "accueil"))) {
            try vault.addSlot(login: "accueil", role: .secretary, passphrase: Passphrase(secretaryPass), mustChange: false, kdf: .minimumForTests)
        }
        try vault.removeSlot(login: "accueil")
        vault.lock()
        #expect(throws: CabinetError.session(.wrongPassphrase)) { try Vault.unlock(at: path, login: "accueil", passphrase: Passphrase(secretaryPass)) }
        try Vault.unlock(at: path, login: "doc", passphrase: Passphrase(doctorPass)).lock()
    }

    @Test func createRefusesBadPlaces() throws {
        let dir = TempDir()
        let (vault, _, path) = try makeVault(dir)
        vault.lock()
        let before = bytes(path)
        #expect(throws: CabinetError.vault(.exists(path: path))) {
            try Vault.create(at: path, doctorLogin: "doc", passphrase: Passphrase(doctorPass), kdf: .minimumForTests)
        }
        #expect(bytes(path) == before)
        #expect(throws: CabinetError.vault(.isDirectory(path: dir.path))) {
            try Vault.create(at: dir.path, doctorLogin: "doc", passphrase: Passphrase(doctorPass), kdf: .minimumForTests)
        }
        #expect(throws: CabinetError.vault(.missingParent(path: dir.file("absent")))) {
            try Vault.create(at: dir.file("absent/v.vault"), doctorLogin: "doc", passphrase: Passphrase(doctorPass), kdf: .minimumForTests)
        }
        #expect(throws: CabinetError.vault(.notFound(path: dir.file("none.vault")))) {
            try Vault.unlock(at: dir.file("none.vault"), login: "doc", passphrase: Passphrase(doctorPass))
        }
        _ = FileManager.default.createFile(atPath: dir.file("empty.vault"), contents: Data())
        #expect(throws: CabinetError.vault(.emptyFile(path: dir.file("empty.vault")))) {
            try Vault.unlock(at: dir.file("empty.vault"), login: "doc", passphrase: Passphrase(doctorPass))
        }
        _ = FileManager.default.createFile(atPath: dir.file("random.vault"), contents: Data((0..<40000).map { UInt8(truncatingIfNeeded: $0 &* 31) }))
        #expect(throws: CabinetError.vault(.notAVault(path: dir.file("random.vault")))) {
            try Vault.unlock(at: dir.file("random.vault"), login: "doc", passphrase: Passphrase(doctorPass))
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
        try vault.addSlot(login: "accueil", role: .secretary, passphrase: Passphrase(secretaryPass), mustChange: false, kdf: .minimumForTests)
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
        for unlock in [{ try Vault.unlock(at: path, login: "doc", passphrase: Passphrase(doctorPass)) },
                       { try Vault.unlock(at: path, recoveryKey: recovery) },
                       { try Vault.unlock(at: path, login: "accueil", passphrase: Passphrase(secretaryPass)) }] {
            let v = try unlock()
            #expect(try v.database?.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM t") } == 500)
            v.lock()
        }
        let v = try Vault.unlock(at: path, login: "doc", passphrase: Passphrase(doctorPass), openDatabase: false)
        #expect(try v.verify().isOK)
        v.lock()
    }

    @Test func rekeyMovesEverythingUnderANewKey() throws {
        let dir = TempDir()
        let (first, recovery, path) = try filled(dir)
        first.lock()
        let oldPage2 = Array(bytes(path)[pageOffset(2)..<pageOffset(3)])
        let vault = try Vault.unlock(at: path, login: "doc", passphrase: Passphrase(doctorPass))
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
        // Nothing of the attempt is left, even before the next unlock.
        #expect(Self.strayFiles(dir) == [], "step \(step)")
        vault.lock()
        try checkOpens(path, recovery: recovery)
        #expect(!FileManager.default.fileExists(atPath: path + ".rekey"))
    }

    /// Files of the directory other than the vault itself (and its WAL and
    /// shm while a connection is open).
    static func strayFiles(_ dir: TempDir) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? [])
            .filter { !["v.vault", "v.vault-wal", "v.vault-shm"].contains($0) }.sorted()
    }

    /// A vault of about 30 MB: far more than SQLite's page cache, so the copy
    /// spills pages before it writes page 1 (the failure the review found:
    /// "code 778" above about 2 MB).
    func large(_ dir: TempDir) throws -> (Vault, String, String, [String]) {
        let (vault, recovery, path) = try makeVault(dir)
        try vault.addSlot(login: "accueil", role: .secretary, passphrase: Passphrase(secretaryPass), mustChange: false, kdf: .minimumForTests)
        let sql = try vault.openSQL()
        try sql.exec("""
            CREATE TABLE big(id INTEGER PRIMARY KEY, label TEXT, v BLOB);
            CREATE INDEX big_label ON big(label);
            BEGIN;
            WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 30000)
            INSERT INTO big(id, label, v) SELECT i, printf('fictif-%06d', (i * 7919) % 30000), randomblob(1000) FROM c;
            COMMIT;
            """)
        let digest = try sql.exec("SELECT count(*) || ' ' || sum(length(v)) || ' ' || hex(v) FROM big WHERE id IN (1, 15000, 30000) GROUP BY id")
        #expect(digest.count == 3)
        vault.lock()
        let size = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        #expect(size > 25_000_000)
        return (try Vault.unlock(at: path, login: "doc", passphrase: Passphrase(doctorPass)), recovery, path, digest)
    }

    @Test func rekeyOfAVaultFarLargerThanTheCacheWorks() throws {
        let dir = TempDir()
        let (vault, recovery, path, digest) = try large(dir)
        let oldKey = try #require(vault.dataKeyForMaintenance)
        var seen: [(Int64, Int64)] = []
        try vault.rekey { done, total in seen.append((done, total)) }
        // Progress: several steps, never backwards, ending at the total.
        #expect(seen.count > 3)
        #expect(zip(seen, seen.dropFirst()).allSatisfy { $0.0 <= $1.0 })
        #expect(seen.last.map { $0.0 == $0.1 && $0.1 > 6000 } == true)
        #expect(try vault.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM big") } == 30000)
        let newFileID = vault.envelope.fileID
        vault.lock()
        #expect(Self.strayFiles(dir) == [])
        // Every slot opens the new file; rows intact, integrity ok.
        for unlock in [{ try Vault.unlock(at: path, login: "doc", passphrase: Passphrase(doctorPass)) },
                       { try Vault.unlock(at: path, recoveryKey: recovery) },
                       { try Vault.unlock(at: path, login: "accueil", passphrase: Passphrase(secretaryPass)) }] {
            let v = try unlock()
            let sql = try v.openSQL()
            #expect(try sql.exec("SELECT count(*) || ' ' || sum(length(v)) || ' ' || hex(v) FROM big WHERE id IN (1, 15000, 30000) GROUP BY id") == digest)
            #expect(try sql.exec("PRAGMA integrity_check") == ["ok"])
            v.lock()
        }
        let v = try Vault.unlock(at: path, login: "doc", passphrase: Passphrase(doctorPass), openDatabase: false)
        #expect(try v.verify().isOK)
        v.lock()
        // The old data key opens nothing of the new file.
        let oldVFS = try Vault.registerVFS(dataKey: oldKey, fileID: newFileID)
        defer { csealedUnregister(oldVFS) }
        do {
            // SQLite reads the header as it opens, or at the first query.
            let raw = try RawConnection(uri: Vault.uri(path: path, vfs: vfsName(oldVFS)), readOnly: true)
            defer { raw.close() }
            try raw.exec("PRAGMA temp_store = MEMORY; SELECT count(*) FROM sqlite_master", vfs: oldVFS)
            Issue.record("the old data key read the re-keyed vault")
        } catch let error as CabinetError {
            guard case .integrity(.damaged) = error else { Issue.record("\(error)"); return }
        }
        #expect(Self.strayFiles(dir) == [])
    }

    @Test func aRekeyThatFailsMidCopyLeavesNothingBehind() throws {
        let dir = TempDir()
        let (vault, recovery, path, digest) = try large(dir)
        vault.lock()
        // Damage a page near the end: the copy fails after many pages were
        // already written to the new file.
        let pages = (bytes(path).count - header) / pageSize
        let pristine = Array(bytes(path)[pageOffset(pages - 3)..<pageOffset(pages - 2)])
        try flipBit(path, at: pageOffset(pages - 3) + 100)
        let v = try Vault.unlock(at: path, login: "doc", passphrase: Passphrase(doctorPass), openDatabase: false)
        var copied: Int64 = 0
        #expect(throws: CabinetError.integrity(.damaged(.page(Int64(pages - 3))))) {
            try v.rekey { done, _ in copied = done }
        }
        #expect(copied > 1000, "the failure must come mid-copy (\(copied) pages copied)")
        #expect(Self.strayFiles(dir) == [])
        v.lock()
        #expect(Self.strayFiles(dir) == [])
        // Repaired, the vault is the old one and re-keys.
        try writeBytes(path, at: pageOffset(pages - 3), pristine)
        let again = try Vault.unlock(at: path, login: "doc", passphrase: Passphrase(doctorPass))
        try again.rekey()
        again.lock()
        let check = try Vault.unlock(at: path, recoveryKey: recovery)
        let sql = try check.openSQL()
        #expect(try sql.exec("SELECT count(*) || ' ' || sum(length(v)) || ' ' || hex(v) FROM big WHERE id IN (1, 15000, 30000) GROUP BY id") == digest)
        check.lock()
    }

    @Test func aFailedRekeyGivesAMessageADoctorCanActOn() {
        for failure in [CabinetError.vault(.databaseError(code: 778)), .vault(.io(path: "/x", errno: EIO)), .integrity(.integrityCheckFailed(count: 2))] {
            let mapped = Vault.rekeyFailure(failure) as? CabinetError
            #expect(mapped == .vault(.rekeyFailed))
            let fr = CabinetError.vault(.rekeyFailed).message(Catalog.load(.french))
            #expect(!fr.contains("code") && fr.contains("cabinet rekey"))
        }
        #expect(Vault.rekeyFailure(CabinetError.vault(.busy)) as? CabinetError == .vault(.inUse))
        #expect(Vault.rekeyFailure(CabinetError.vault(.diskFull)) as? CabinetError == .vault(.diskFull))
    }

    @Test func rekeyRefusesWhileAnotherConnectionIsOpen() throws {
        let dir = TempDir()
        let (vault, recovery, path) = try filled(dir)
        let other = try Vault.unlock(at: path, login: "accueil", passphrase: Passphrase(secretaryPass))
        _ = try other.database?.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM t") }
        #expect(throws: CabinetError.vault(.inUse)) { try vault.rekey() }
        other.lock()
        vault.lock()
        try checkOpens(path, recovery: recovery)
    }
}

/// Passphrases reach the key derivation composed (NFC); a slot made before
/// that with decomposed bytes still opens, once, and is rewrapped.
@Suite("Composed passphrases")
struct ComposedPassphraseTests {
    let text = "Hélène-Fictive-Été-42"

    @Test func aDecomposedPassphraseOpensAComposedSlot() throws {
        let dir = TempDir()
        let path = dir.file("v.vault")
        let (vault, _) = try Vault.create(at: path, doctorLogin: "doc", passphrase: Passphrase(text), kdf: .minimumForTests)
        vault.lock()
        let opened = try Vault.signIn(at: path, login: "doc", passphrase: Passphrase(text.decomposedStringWithCanonicalMapping))
        opened.lock()
    }

    @Test func anOldDecomposedSlotOpensOnceThenIsRewrapped() throws {
        let dir = TempDir()
        let path = dir.file("v.vault")
        // A slot as Cabinet made it before composing: the NFD bytes as typed.
        let nfd = try #require(Passphrase(text).decomposedVariant)
        let (vault, _) = try Vault.create(at: path, doctorLogin: "doc", passphrase: nfd, kdf: .minimumForTests)
        vault.lock()
        #expect(throws: CabinetError.session(.wrongPassphrase)) {
            try Vault.unlock(at: path, login: "doc", passphrase: Passphrase("Hélène-Fausse-Été-42"), openDatabase: false)
        }
        let first = try Vault.signIn(at: path, login: "doc", passphrase: Passphrase(text))
        first.lock()
        // Rewrapped with the composed bytes: the old decomposed bytes no
        // longer open it, the composed ones do.
        #expect(throws: CabinetError.session(.wrongPassphrase)) {
            try Vault.unlock(at: path, login: "doc", passphrase: nfd, openDatabase: false)
        }
        let again = try Vault.signIn(at: path, login: "doc", passphrase: Passphrase(text))
        #expect(again.pendingComposedRewrap == nil)
        again.lock()
    }
}

@Suite("A locked vault says so")
struct LockedVaultErrorTests {
    /// Work asked of a vault whose keys are gone is `notSignedIn`, never a
    /// wrong passphrase the user did not type.
    @Test func workOnALockedVaultIsNotSignedIn() throws {
        let dir = TempDir()
        let (vault, _, _) = try makeVault(dir)
        vault.lock()
        #expect(throws: CabinetError.session(.notSignedIn)) {
            try vault.addSlot(login: "accueil", role: .secretary, passphrase: Passphrase(secretaryPass), mustChange: false,
                              kdf: .minimumForTests)
        }
        #expect(throws: CabinetError.session(.notSignedIn)) { _ = try vault.verify() }
    }
}
