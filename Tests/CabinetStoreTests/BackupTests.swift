@testable @_spi(Testing) import CabinetStore
import CSQLite
import CSealedVFS
import CSodium
import CabinetCore
import CabinetDemo
import Foundation
import GRDB
import Testing

/// Backups and restores on real sealed files (docs/BACKUP.md). The vaults
/// hold a few MB of fictitious demo data: copying or scanning a tiny vault
/// proves little.
@Suite("Backups")
struct BackupTests {
    /// A doctor's vault with demo data and a front-desk account.
    func practiceVault(_ dir: TempDir, patients: Int = 120) throws -> (vault: Vault, path: String, recovery: String) {
        let (v, recovery, path) = try makeVault(dir)
        _ = try v.fillDemo(patients: patients, years: 4, seed: 7, now: Date())
        try v.addSlot(login: "accueil", role: .secretary, passphrase: Passphrase(secretaryPass), mustChange: false,
                      kdf: .minimumForTests)
        return (v, path, recovery)
    }

    func count(_ v: Vault, _ table: String) throws -> Int {
        try v.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM \(table)") ?? -1 }
    }

    @Test func aBackupIsVerifiedByRestoreAndRestoresIntoANewVault() throws {
        let dir = TempDir()
        let (vault, _, _) = try practiceVault(dir)
        let patients = try count(vault, "patient"), entries = try count(vault, "clinical_entry")
        let out = TempDir() // another folder than the vault's
        let dest = out.path
        let record = try vault.practice().backup.run(to: dest)
        #expect(record.state == .verified)
        #expect(record.bytes > 2_000_000, "a backup worth the name: \(record.bytes) bytes")
        let files = try FileManager.default.contentsOfDirectory(atPath: dest)
        #expect(files == [record.fileName], "nothing beside the backup: \(files)")
        let history = try vault.practice().backup.history()
        #expect(history.map(\.state) == [.verified])
        // The vault itself is as trustworthy after its backup as before.
        #expect(try vault.verifyTrust().isEmpty)
        #expect(try vault.practice().audit.verify().isOK)
        #expect(try vault.practice().audit.entries().contains { $0.action == AuditAction.backupVerified.rawValue })
        vault.lock()

        let target = dir.file("rendu.vault")
        let restored = try Vault.restore(backup: record.path, to: target, login: "doc", passphrase: Passphrase(doctorPass))
        #expect(restored.rows == record.rows)
        let v = try Vault.signIn(at: target, login: "doc", passphrase: Passphrase(doctorPass))
        defer { v.lock() }
        #expect(try count(v, "patient") == patients && count(v, "clinical_entry") == entries)
        #expect(try v.verifyTrust().isEmpty)
        #expect(try v.practice().audit.entries().contains { $0.action == AuditAction.restore.rawValue })
        // Not a backup any more, and no manifest inside.
        #expect(try v.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM sqlite_master WHERE name = 'backup_manifest'") } == 0)
    }

    @Test func theRecoveryKeyRestoresAndTheFrontDeskBacksUpButCannotRestore() throws {
        let dir = TempDir()
        let (vault, path, recovery) = try practiceVault(dir, patients: 40)
        vault.lock()
        let desk = try Vault.signIn(at: path, login: "accueil", passphrase: Passphrase(secretaryPass))
        let out = TempDir() // another folder than the vault's
        let dest = out.path
        let record = try desk.practice().backup.run(to: dest)
        #expect(record.state == .verified && record.createdBy == "accueil")
        desk.lock()
        #expect(throws: CabinetError.permissionDenied(operation: Privilege.restoreBackup.rawValue)) {
            try Vault.restore(backup: record.path, to: dir.file("a.vault"), login: "accueil", passphrase: Passphrase(secretaryPass))
        }
        #expect(!FileManager.default.fileExists(atPath: dir.file("a.vault")))
        #expect(throws: CabinetError.session(.wrongPassphrase)) {
            try Vault.restore(backup: record.path, to: dir.file("b.vault"), login: "doc", passphrase: "Pas-Le-Bon-Motdepasse-1")
        }
        _ = try Vault.restore(backup: record.path, to: dir.file("c.vault"), recoveryKey: recovery)
        let v = try Vault.signIn(at: dir.file("c.vault"), recoveryKey: recovery)
        #expect(try v.verifyTrust().isEmpty)
        v.lock()
        // Never over an existing file.
        #expect(throws: CabinetError.backup(.targetExists(path: path))) {
            try Vault.restore(backup: record.path, to: path, recoveryKey: recovery)
        }
    }

    /// A flipped byte in each region of a backup: its check names the
    /// region, exits 3, and the file is set aside as failed.
    @Test func aFlippedByteInEachRegionIsNamed() throws {
        let dir = TempDir()
        let (vault, _, _) = try practiceVault(dir, patients: 60)
        defer { vault.lock() }
        let out = TempDir() // another folder than the vault's
        let dest = out.path
        let good = try vault.practice().backup.run(to: dest)
        let pages = Int(good.pages)
        let cases: [(String, Int, BackupRegion?)] = [
            ("envelope1", 100, .envelope(copy: 1)),
            ("envelope2", 8192 + 100, .envelope(copy: 2)),
            ("page1", pageOffset(1) + 200, .page(1)),
            ("middle", pageOffset(pages / 2) + 1000, .page(Int64(pages / 2))),
            ("last", pageOffset(pages) + 3000, .page(Int64(pages))),
        ]
        for (name, offset, region) in cases {
            let copy = PathNames.join(dest, "cabinet-2026010\(cases.firstIndex { $0.0 == name }!)-120000Z.cbak")
            try FileManager.default.copyItem(atPath: good.path, toPath: copy)
            try flip(copy, at: offset)
            do {
                _ = try vault.practice().backup.verify(file: copy)
                Issue.record("\(name): a flipped byte went unnoticed")
            } catch let error as CabinetError {
                #expect(error == .backup(.damaged(path: copy, region: region!)), "\(name)")
                #expect(error.exitCode == .integrity)
            }
            #expect(!FileManager.default.fileExists(atPath: copy) && FileManager.default.fileExists(atPath: copy + ".failed"), "\(name)")
        }
        // Cut short.
        let short = PathNames.join(dest, "cabinet-20260201-120000Z.cbak")
        try FileManager.default.copyItem(atPath: good.path, toPath: short)
        #expect(truncate(short, off_t(pageOffset(pages / 2))) == 0)
        #expect(throws: CabinetError.backup(.truncated(path: short))) { try vault.practice().backup.verify(file: short) }
        let failed = try vault.practice().backup.history().filter { $0.state == .failed }
        #expect(failed.count == cases.count + 1)
        #expect(try vault.practice().backup.history().contains { $0.path == good.path && $0.state == .verified })
    }

    @Test func anotherPracticesANewerOrAForeignFileIsRefused() throws {
        let dir = TempDir()
        let (vault, path, _) = try practiceVault(dir, patients: 20)
        defer { vault.lock() }
        let out = TempDir() // another folder than the vault's
        let dest = out.path
        let other = TempDir()
        let (b, _, _) = try makeVault(other)
        let theirs = try b.practice().backup.run(to: dest)
        b.lock()
        #expect(throws: CabinetError.backup(.otherCabinet(path: theirs.path))) { try vault.practice().backup.verify(file: theirs.path) }
        #expect(FileManager.default.fileExists(atPath: theirs.path), "another practice's file is not ours to set aside")

        let ours = try vault.practice().backup.run(to: dest)
        let newer = PathNames.join(dest, "cabinet-20260301-120000Z.cbak")
        try FileManager.default.copyItem(atPath: ours.path, toPath: newer)
        try setEnvelopeVersion(newer, 9)
        #expect(throws: CabinetError.backup(.futureFormat(path: newer, found: 9, supported: Int(Envelope.formatVersion)))) {
            try vault.practice().backup.verify(file: newer)
        }
        #expect(throws: CabinetError.backup(.notABackup(path: path))) { try vault.practice().backup.verify(file: path) }
        // A backup is restored, never opened as the vault.
        #expect(throws: CabinetError.backup(.isABackup(path: ours.path))) {
            try Vault.unlock(at: ours.path, login: "doc", passphrase: Passphrase(doctorPass))
        }
    }

    /// The front desk holds the data key, so she can rewrite any page of a
    /// backup: a manifest rewritten under the doctor's name is refused (the
    /// signature is not the doctor's), and content changed under the
    /// doctor's manifest does not match it.
    @Test func theInsiderCannotRewriteADoctorsBackup() throws {
        let dir = TempDir()
        let (vault, path, _) = try practiceVault(dir, patients: 30)
        let out = TempDir() // another folder than the vault's
        let dest = out.path
        let record = try vault.practice().backup.run(to: dest)
        vault.lock()
        let desk = try Vault.signIn(at: path, login: "accueil", passphrase: Passphrase(secretaryPass))
        defer { desk.lock() }
        let herKey = KeySlot.signingKey(sk: try #require(desk.slotSecretKey)).secretKey

        // 1. Content changed, the doctor's manifest kept.
        let changed = PathNames.join(dest, "cabinet-20260401-120000Z.cbak")
        try FileManager.default.copyItem(atPath: record.path, toPath: changed)
        try asInsider(changed, desk) { sql in try sql.exec("UPDATE patient SET deceased_on = '2026-01-01' WHERE id = 1") }
        #expect(throws: CabinetError.backup(.damaged(path: changed, region: .content))) { try desk.practice().backup.verify(file: changed) }

        // 2. The manifest rewritten to match, signed with her key in his name.
        let forged = PathNames.join(dest, "cabinet-20260402-120000Z.cbak")
        try FileManager.default.copyItem(atPath: record.path, toPath: forged)
        try asInsider(forged, desk) { sql in
            try sql.exec("UPDATE patient SET deceased_on = '2026-01-01' WHERE id = 1")
            let content = try ContentHash.compute(sql.handle, vfs: nil, skipping: ["backup_manifest"])
            let bodyHex = try #require(sql.exec("SELECT hex(body) FROM backup_manifest").first)
            let stored = try #require(AuditLog.hexBytes(bodyHex))
            var manifest = try #require(BackupManifest.decode(stored))
            manifest.contentHash = AuditLog.hex(content.digest)
            manifest.rowCounts = content.rowCounts
            let body = manifest.encoded()
            let sig = SQLBackupRepository.sign(body, with: herKey)
            try sql.exec("UPDATE backup_manifest SET body = x'\(AuditLog.hex(body))', signature = x'\(AuditLog.hex(sig))'")
        }
        #expect(throws: CabinetError.backup(.damaged(path: forged, region: .manifest))) { try desk.practice().backup.verify(file: forged) }
    }

    /// A backup taken while another process writes holds every commit
    /// acknowledged before it started, and no commit half-present.
    @Test func aBackupWhileTheOtherDeskWritesIsAConsistentSnapshot() throws {
        let dir = TempDir()
        let (vault, path, _) = try practiceVault(dir, patients: 40)
        try vault.write { db in
            try db.execute(sql: """
                CREATE TABLE counter(id INTEGER PRIMARY KEY, n INTEGER NOT NULL);
                INSERT INTO counter VALUES (1, 0);
                CREATE TABLE log(writer TEXT NOT NULL, seq INTEGER NOT NULL, filler BLOB, PRIMARY KEY (writer, seq));
                """)
        }
        let pass = dir.file("pass")
        _ = FileManager.default.createFile(atPath: pass, contents: Data(doctorPass.utf8))
        let writer = try Probe(["counter", path, "doc", pass, "A", "1000000", "2"])
        defer { writer.kill9() }
        #expect(writer.wait(until: { $0.acks.count >= 50 }, timeout: 120))
        let before = writer.acks.last ?? 0
        let out = TempDir()
        let record = try vault.practice().backup.run(to: out.path)
        let after = writer.acks.last ?? 0
        #expect(after > before, "the other desk kept writing during the backup")
        writer.kill9()
        vault.lock()
        let target = dir.file("rendu.vault")
        _ = try Vault.restore(backup: record.path, to: target, login: "doc", passphrase: Passphrase(doctorPass))
        let v = try Vault.signIn(at: target, login: "doc", passphrase: Passphrase(doctorPass))
        defer { v.lock() }
        let (n, rows, maxSeq) = try v.read { db in
            (try Int.fetchOne(db, sql: "SELECT n FROM counter") ?? -1, try Int.fetchOne(db, sql: "SELECT count(*) FROM log") ?? -1,
             try Int.fetchOne(db, sql: "SELECT coalesce(max(seq), 0) FROM log") ?? -1)
        }
        #expect(n == rows && rows == maxSeq, "a transaction half-present: counter \(n), rows \(rows), last \(maxSeq)")
        #expect(maxSeq >= before && maxSeq <= after, "snapshot \(maxSeq) outside [\(before), \(after)]")
    }

    // MARK: - Helpers

    func flip(_ path: String, at offset: Int) throws {
        let h = try #require(FileHandle(forUpdatingAtPath: path))
        defer { try? h.close() }
        try h.seek(toOffset: UInt64(offset))
        let b = try #require(h.readData(ofLength: 1).first)
        try h.seek(toOffset: UInt64(offset))
        h.write(Data([b ^ 0x20]))
    }

    /// Both envelope copies claim format `version`, checksums made again
    /// (what a newer Cabinet would write).
    func setEnvelopeVersion(_ path: String, _ version: UInt32) throws {
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        for copy in 0..<2 {
            let base = copy * Envelope.copySize
            for i in 0..<4 { bytes[base + 8 + i] = UInt8(truncatingIfNeeded: version >> (8 * UInt32(i))) }
            let sum = Envelope.checksum(Array(bytes[base..<(base + Envelope.copySize)]))
            bytes.replaceSubrange((base + Envelope.checksumOffset)..<(base + Envelope.copySize), with: sum)
        }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    /// What the front desk can do to a backup with her data key: open it
    /// through a VFS of her own and write any page.
    func asInsider(_ path: String, _ desk: Vault, _ body: (RawConnection) throws -> Void) throws {
        let env = try #require(Envelope.candidates(path: path).first?.envelope)
        let dataKey = try #require(desk.dataKeyForMaintenance)
        let vfs = try Vault.registerVFS(dataKey: dataKey, fileID: env.fileID)
        defer { csealed_unregister(vfs) }
        let conn = try RawConnection(uri: Vault.uri(path: path, vfs: String(cString: csealed_name(vfs))))
        defer { conn.close() }
        var reserve = Int32(CSEALED_RESERVE)
        _ = sqlite3_file_control(conn.handle, "main", SQLITE_FCNTL_RESERVE_BYTES, &reserve)
        try body(conn)
    }
}
