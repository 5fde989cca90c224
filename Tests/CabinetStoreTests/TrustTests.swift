@testable @_spi(Testing) import CabinetStore
import CabinetCore
import CabinetStoreTesting
import Foundation
import GRDB
import Testing

/// Format 2's list of accounts, signed trail and checkpoint, through the
/// production API (the insider's attacks with an independent tool are in
/// InsiderAttackTests).
@Suite struct TrustTests {
    /// The format-1 vault made by the previous release (Tests/Fixtures/format1/README.md).
    static func formatOneCopy(_ dir: TempDir) throws -> String {
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/format1/format1-vault.bin")
        let path = dir.file("old.vault")
        try FileManager.default.copyItem(atPath: fixture.path, toPath: path)
        return path
    }

    static let oldDoctorPass = "Lampe-Verte-Ocean-Piano-42"
    static let oldSecretaryPass = "Velo-Rouge-Nuage-Tasse-17"

    @Test func aNewVaultListsItsAccountsUnderTheClinicalKey() throws {
        let dir = TempDir()
        let (v, _, path) = try makeVault(dir)
        #expect(v.envelope.version == 2)
        _ = try v.createAccount(login: "accueil", role: .secretary, displayName: nil, passphrase: Passphrase(secretaryPass),
                                mustChange: false, kdf: .minimumForTests)
        let roster = try #require(v.roster)
        #expect(roster.accounts.map(\.login).sorted() == ["accueil", "doc", "recovery"])
        #expect(roster.entry(login: "accueil")?.role == .secretary)
        #expect(roster.accounts.allSatisfy { $0.sign.count == 1 && $0.slot != nil })
        v.signOut()

        let env = try Envelope.read(path: path).0
        #expect(env.databaseCreated && env.databasePages > 0, "the envelope records the database")
        #expect(env.slots.allSatisfy { $0.version == 2 })

        let sec = try Vault.signIn(at: path, login: "accueil", passphrase: Passphrase(secretaryPass))
        #expect(sec.role == .secretary && !sec.hasClinicalKey && !sec.rosterTrusted)
        sec.signOut()
        let doc = try Vault.signIn(at: path, login: "doc", passphrase: Passphrase(doctorPass))
        defer { doc.lock() }
        #expect(doc.rosterTrusted)
        // Every entry written since the list exists is signed by its account.
        let unsigned = try doc.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM audit WHERE sig IS NULL") }
        #expect(unsigned == 0)
        #expect(try doc.practice().audit.verify().isOK)
        #expect(try doc.verifyTrust().isEmpty)
    }

    @Test func accountChangesGoOnTheListAndAResetSlotReplacesTheOldOne() throws {
        let dir = TempDir()
        let (v, _, path) = try makeVault(dir)
        _ = try v.createAccount(login: "remplacant", role: .replacement, displayName: nil, passphrase: Passphrase(secretaryPass),
                                mustChange: false, kdf: .minimumForTests)
        let before = try #require(v.roster?.entry(login: "remplacant"))
        let once = try v.practice(kdf: .minimumForTests).accounts.reset(login: "remplacant", role: .secretary)
        let after = try #require(v.roster?.entry(login: "remplacant"))
        #expect(after.role == .secretary)
        #expect(after.slot != before.slot)
        #expect(after.sign.count == 2, "the old signing key still verifies the entries written with it")
        try v.practice().accounts.disable(login: "remplacant")
        #expect(v.roster?.entry(login: "remplacant")?.slot == nil)
        #expect(try v.verifyTrust().isEmpty)
        v.signOut()
        #expect(throws: CabinetError.session(.wrongPassphrase)) { try Vault.signIn(at: path, login: "remplacant", passphrase: Passphrase(once)) }
    }

    /// Her account row edited to "doctor" (the row is under the data key):
    /// the list of accounts still says secretary, and a reset of her
    /// passphrase gives her a secretary's slot, not a doctor's.
    @Test func anAccountRowEditedToDoctorEarnsNothing() throws {
        let dir = TempDir()
        let (v, _, path) = try makeVault(dir)
        _ = try v.createAccount(login: "accueil", role: .secretary, displayName: nil, passphrase: Passphrase(secretaryPass),
                                mustChange: false, kdf: .minimumForTests)
        v.signOut()
        let sec = try Vault.signIn(at: path, login: "accueil", passphrase: Passphrase(secretaryPass))
        try sec.openSQL().exec("UPDATE account SET role = 'doctor' WHERE login = 'accueil'")
        sec.signOut()
        let doc = try Vault.signIn(at: path, login: "doc", passphrase: Passphrase(doctorPass))
        #expect(try doc.practice().accounts.list().first { $0.login == "accueil" }?.role == .secretary)
        let once = try doc.practice(kdf: .minimumForTests).accounts.reset(login: "accueil", role: nil)
        doc.signOut()
        let again = try Vault.unlock(at: path, login: "accueil", passphrase: Passphrase(once))
        defer { again.lock() }
        #expect(again.role == .secretary && !again.hasClinicalKey)
    }

    /// The slot's role says doctor, the list says secretary: the list wins.
    @Test func theRoleComesFromTheListNotFromTheSlot() throws {
        let dir = TempDir()
        let (v, _, path) = try makeVault(dir)
        _ = try v.createAccount(login: "accueil", role: .secretary, displayName: nil, passphrase: Passphrase(secretaryPass),
                                mustChange: false, kdf: .minimumForTests)
        v.signOut()
        // In-process version of the attack: her own slot rewrapped as a
        // doctor's with a clinical key of hers, the envelope re-MAC'd with
        // the data key she holds.
        let sec = try Vault.signIn(at: path, login: "accueil", passphrase: Passphrase(secretaryPass))
        let sk = try #require(sec.slotSecretKey)
        let mine = SecureBytes.random(32)
        try sec.updateEnvelope { env in
            let i = try #require(env.slots.firstIndex { $0.login == "accueil" })
            var slot = env.slots[i]
            slot.role = .doctor
            slot.wrappedClinical = try KeySlot.wrapClinical(mine, sk: sk, login: "accueil", vaultID: env.vaultID)
            try slot.wrapSecret(sk, secret: Array(secretaryPass.utf8), vaultID: env.vaultID)
            env.slots[i] = slot
        }
        sec.lock()
        #expect(throws: CabinetError.integrity(.tampered(.roster))) {
            try Vault.signIn(at: path, login: "accueil", passphrase: Passphrase(secretaryPass))
        }
    }

    /// A newer envelope copy forged without the data key (its checksum is
    /// unkeyed): the copy is chosen after its MAC, so the genuine older copy
    /// opens the vault, and `verify` reports the forged one.
    @Test func aForgedNewerEnvelopeCopyIsSetAside() throws {
        let dir = TempDir()
        let (v, _, path) = try makeVault(dir)
        v.lock()
        var file = bytes(path)
        let newest = try Envelope.read(path: path).index
        let base = newest * Envelope.copySize
        var copy = Array(file[base..<(base + Envelope.copySize)])
        // A higher generation, and the doctor's login changed by one letter.
        copy[52] &+= 5
        let login = Envelope.slotsOffset + 4
        copy[login] ^= 0x01
        copy.replaceSubrange(Envelope.checksumOffset..<Envelope.copySize, with: Envelope.checksum(copy))
        let other = (1 - newest) * Envelope.copySize
        file.replaceSubrange(other..<(other + Envelope.copySize), with: copy)
        try Data(file).write(to: URL(fileURLWithPath: path))
        let again = try Vault.unlock(at: path, login: "doc", passphrase: Passphrase(doctorPass))
        defer { again.lock() }
        #expect(again.login == "doc")
        let report = try again.verify()
        #expect(report.envelopeCopyDamaged)
    }

    @Test func theListRemovedIsRefusedNotRebuilt() throws {
        let dir = TempDir()
        let (v, _, path) = try makeVault(dir)
        try v.openSQL().exec("DELETE FROM roster")
        v.lock()
        #expect(throws: CabinetError.integrity(.tampered(.rosterMissing))) {
            try Vault.signIn(at: path, login: "doc", passphrase: Passphrase(doctorPass))
        }
    }

    @Test func aTrailCheckpointMovesAtEachDoctorSignIn() throws {
        let dir = TempDir()
        let (v, _, path) = try makeVault(dir)
        v.signOut()
        let first = try Vault.signIn(at: path, login: "doc", passphrase: Passphrase(doctorPass))
        let cp1 = try #require(try first.read { try Vault.loadCheckpoint($0) })
        first.signOut()
        let second = try Vault.signIn(at: path, login: "doc", passphrase: Passphrase(doctorPass))
        defer { second.lock() }
        let cp2 = try #require(try second.read { try Vault.loadCheckpoint($0) })
        #expect(cp2.seq > cp1.seq)
        #expect(cp2.signedFrom == cp1.signedFrom)
        // Entries up to the checkpoint removed and the chain recomputed with
        // the chain key (which every session can read): the checkpoint says so.
        let raw = try second.openSQL()
        try raw.exec("DROP TRIGGER audit_append_only_update; DROP TRIGGER audit_append_only_delete")
        try raw.exec("DELETE FROM audit WHERE seq > \(cp2.seq - 2)")
        try rechain(second)
        let report = try second.practice().audit.verify()
        #expect(!report.isOK)
        #expect(report.finding == .checkpoint(seq: cp2.seq) || report.finding == .signature(seq: cp2.seq - 1), "\(report)")
    }

    /// A pruning faked past the checkpoint (entries younger than the
    /// shortest retention deleted, the anchor moved and re-MAC'd with the
    /// chain key every session can read): the checkpoint's age shows it.
    @Test func aPruningFakedPastTheCheckpointIsReported() throws {
        let dir = TempDir()
        let (v, _, path) = try makeVault(dir)
        for i in 1...5 { try v.audit(.recordOpened, object: "P\(i)", detail: "identity") }
        v.signOut()
        let doc = try Vault.signIn(at: path, login: "doc", passphrase: Passphrase(doctorPass))
        defer { doc.lock() }
        let cp = try #require(try doc.read { try Vault.loadCheckpoint($0) })
        let raw = try doc.openSQL()
        try raw.exec("DROP TRIGGER audit_append_only_update; DROP TRIGGER audit_append_only_delete")
        let (lastSeq, lastMac) = try doc.read { db -> (Int64, [UInt8]) in
            let r = try #require(try Row.fetchOne(db, sql: "SELECT seq, mac FROM audit ORDER BY seq DESC LIMIT 1"))
            return (r[0], [UInt8](r[1] as Data))
        }
        #expect(lastSeq >= cp.seq)
        _ = try doc.write { db in
            let key = try AuditLog.key(db)
            try db.execute(sql: "DELETE FROM audit")
            try db.execute(sql: "UPDATE audit_anchor SET first_seq = ?, prev_mac = ?, mac = ? WHERE id = 1",
                           arguments: [lastSeq + 1, Data(lastMac),
                                       Data(AuditLog.anchorMAC(key: key, firstSeq: lastSeq + 1, prev: lastMac))])
        }
        let report = try doc.practice().audit.verify()
        #expect(!report.isOK, "\(report)")
        #expect(report.finding == .checkpoint(seq: cp.seq))
    }

    /// Recomputes every MAC of the chain and the head with the chain key, as
    /// the data-key holder can (she cannot re-sign others' entries).
    func rechain(_ v: Vault) throws {
        _ = try v.write { db in
            let key = try AuditLog.key(db)
            var prev = AuditLog.zeroMAC
            var last: Int64 = 0
            for r in try Row.fetchAll(db, sql: "SELECT seq, at, actor, action, object, detail FROM audit ORDER BY seq") {
                let m = AuditLog.mac(key: key, prev: prev, seq: r[0], at: r[1], actor: r[2], action: r[3], object: r[4], detail: r[5])
                try db.execute(sql: "UPDATE audit SET mac = ? WHERE seq = ?", arguments: [Data(m), r[0] as Int64])
                prev = m
                last = r[0]
            }
            try db.execute(sql: "UPDATE cabinet_meta SET value = ? WHERE key = 'audit_head'",
                           arguments: ["\(last):" + AuditLog.hex(AuditLog.headMAC(key: key, seq: last, last: prev))])
        }
    }

    // MARK: - Upgrade from format 1

    @Test func aFormatOneVaultIsUpgradedAtTheFirstDoctorSignIn() throws {
        let dir = TempDir()
        let path = try Self.formatOneCopy(dir)
        #expect(try Envelope.read(path: path).0.version == 1)

        // The front desk first: format 1 still works for her, nothing upgraded.
        let sec = try Vault.signIn(at: path, login: "accueil", passphrase: Passphrase(Self.oldSecretaryPass))
        #expect(sec.role == .secretary && sec.roster == nil)
        #expect(try sec.practice().patients.search("hel").count == 1)
        sec.signOut()
        #expect(try Envelope.read(path: path).0.version == 1)

        // The doctor: upgraded, the record readable, the trail intact.
        let doc = try Vault.signIn(at: path, login: "drmartin", passphrase: Passphrase(Self.oldDoctorPass))
        #expect(doc.envelope.version == 2 && doc.rosterTrusted)
        let roster = try #require(doc.roster)
        #expect(roster.entry(login: "drmartin")?.role == .doctor)
        #expect(roster.entry(login: "accueil")?.role == .secretary)
        #expect(roster.entry(login: "recovery")?.role == .recovery)
        let record = try doc.practice().patients.open(1)
        #expect(record.entries.contains { $0.fields["conclusion"] == "Bronchite fictive" })
        let audit = try doc.practice().audit.verify(), trust = try doc.verifyTrust()
        #expect(audit.isOK, "\(audit)")
        #expect(trust.isEmpty, "\(trust)")
        #expect(try doc.practice().audit.entries().contains { $0.action == AuditAction.vaultUpgraded.rawValue })
        doc.signOut()
        let env = try Envelope.read(path: path).0
        #expect(env.slot(login: "drmartin")?.version == 2, "the doctor's slot now proves the list exists")
        #expect(env.databaseCreated)

        // The front desk again (publishes her signing key), then the doctor
        // (records it): every entry verifies.
        let sec2 = try Vault.signIn(at: path, login: "accueil", passphrase: Passphrase(Self.oldSecretaryPass))
        #expect(sec2.role == .secretary)
        _ = try sec2.practice().patients.search("hel")
        sec2.signOut()
        let doc2 = try Vault.signIn(at: path, login: "drmartin", passphrase: Passphrase(Self.oldDoctorPass))
        defer { doc2.lock() }
        #expect(doc2.roster?.entry(login: "accueil")?.sign.count == 1)
        #expect(try doc2.practice().audit.verify().isOK)

        // Downgrade: the list removed and the envelope put back to format 1
        // (the data key allows both); the doctor's v2 slot refuses it.
        try doc2.openSQL().exec("DELETE FROM roster")
        try doc2.updateEnvelope { $0.version = 1 }
        doc2.lock()
        #expect(throws: CabinetError.integrity(.tampered(.rosterMissing))) {
            try Vault.signIn(at: path, login: "drmartin", passphrase: Passphrase(Self.oldDoctorPass))
        }
    }
}
