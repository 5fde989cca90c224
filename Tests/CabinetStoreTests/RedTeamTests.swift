@testable @_spi(Testing) import CabinetStore
import CabinetCore
import Foundation
import Testing

/// Red team against format 2 (docs/SEALED-STORE.md "Threat model"): what
/// the insider — the front desk, holding the data key but never the
/// clinical key — still gets through. Every attack on the file is made with
/// the independent tool (Tests/Adversary/adversary.py, sub-commands `sql`,
/// `set-format`, `plant-sign-key`, `forge-entry`, `put-back`); the outcome is
/// checked through the production API.
///
/// These tests FAIL while the hole they describe is open (run them with
/// `swift test --filter RedTeam`). All data is fictitious.
@Suite("RedTeam") struct RedTeamTests {
    // MARK: - 1. `account.role` trusted by a reset

    /// She sets her own account row's role to `doctor` (the account table is
    /// only under the data key), then asks the doctor to reset her
    /// passphrase ("I forgot it"). `resetAccount(role: nil)` keeps the role
    /// *of the row*: it makes her a doctor's slot carrying the clinical key
    /// and lists it as a doctor on the authenticated roster. The trail says
    /// `account.reset` only (no `account.role`, the row's role "did not change").
    @Test func resetTakesTheRoleFromTheAccountRow() throws {
        let p = try InsiderAttackTests.practice()
        try attack("sql", p.path, "--passphrase", secretaryPass,
                   "--exec", "UPDATE account SET role = 'doctor' WHERE login = 'sec'")
        let doc = try Vault.signIn(at: p.path, login: "doc", passphrase: Passphrase(doctorPass))
        let once = try doc.practice(kdf: .minimumForTests).accounts.reset(login: "sec", role: nil)
        doc.signOut()
        expectFolded(p.path)

        let s = try Vault.signIn(at: p.path, login: "sec", passphrase: Passphrase(once))
        defer { s.lock() }
        #expect(s.role == .secretary, "a reset must not grant the role her own row claims")
        #expect(!s.hasClinicalKey, "the front desk must never hold the clinical key")
        if s.hasClinicalKey, let record = try? s.practice().patients.open(p.patient) {
            #expect(!record.entries.contains { $0.fields["substance"] == "Pénicilline" },
                    "the front desk reads the allergy")
        }
    }

    // MARK: - 2. Revocation read from rows she writes

    enum RowEdit: String, CaseIterable, Sendable, CustomTestStringConvertible {
        /// Her row deleted: `disableAccount` and `resetAccount` say "not found", `user list` no longer shows her.
        case deleted = "DELETE FROM account WHERE login = 'sec'"
        /// Her row says doctor: the practice's only holder, so `lastHolder`.
        case claimsDoctor = "UPDATE account SET role = 'doctor' WHERE login = 'sec'"
        /// Her row already says disabled: "not found", and `user list` shows her disabled while her slot works.
        case looksDisabled = "UPDATE account SET disabled_at = '2026-01-01T00:00:00.000Z', disabled_by = 'doc' WHERE login = 'sec'"
        var testDescription: String { String(describing: self) }
    }

    /// The doctor revokes her (disable, then re-key, as the docs advise):
    /// the slot must be gone and the new data key out of her reach.
    @Test(arguments: RowEdit.allCases)
    func revocationSurvivesAnEditedAccountRow(_ edit: RowEdit) throws {
        let p = try InsiderAttackTests.practice()
        try attack("sql", p.path, "--passphrase", secretaryPass, "--exec", edit.rawValue)
        let doc = try Vault.signIn(at: p.path, login: "doc", passphrase: Passphrase(doctorPass))
        var refusal = "none"
        do { try doc.practice().accounts.disable(login: "sec") } catch { refusal = "\(error)" }
        try doc.rekey()
        doc.signOut()
        expectFolded(p.path)
        #expect(try adversary("can-open", p.path, "--login", "sec", "--passphrase", secretaryPass).status == 1,
                "her slot survived the doctor's disable (refused with \(refusal)) and the re-key")
    }

    // MARK: - 3. The list of accounts put back from an older copy

    /// She keeps a copy of the file. The doctor disables her (without an
    /// immediate re-key). She puts back the older list of accounts — a
    /// genuine one, its MAC valid under the clinical key — and her old slot
    /// (the data key has not changed). Nothing binds the list's generation:
    /// the doctor's sign-in accepts it, `verify` names nothing, and the next
    /// re-key seals the new data key to her slot.
    @Test func olderListOfAccountsBringsBackARevokedSlot() throws {
        let p = try InsiderAttackTests.practice()
        let old = p.dir.file("kept-by-her.vault")
        try FileManager.default.copyItem(atPath: p.path, toPath: old)
        let doc = try Vault.signIn(at: p.path, login: "doc", passphrase: Passphrase(doctorPass))
        try doc.practice().accounts.disable(login: "sec")
        doc.signOut()
        expectFolded(p.path)
        try attack("put-back", p.path, "--passphrase", secretaryPass, "--old", old, "--tables", "roster", "--slot", "sec",
                   "--meta", "")
        try attack("sql", p.path, "--passphrase", secretaryPass,
                   "--exec", "UPDATE account SET disabled_at = NULL, disabled_by = NULL WHERE login = 'sec'")
        do {
            let d = try Vault.signIn(at: p.path, login: "doc", passphrase: Passphrase(doctorPass))
            let report = try d.verify()
            #expect(!report.isOK, "verify after the revoked slot came back: \(report)")
            try d.rekey()
            d.signOut()
            expectFolded(p.path)
            #expect(try adversary("can-open", p.path, "--login", "sec", "--passphrase", secretaryPass).status == 1,
                    "the revoked secretary opens the vault re-keyed after her revocation")
        } catch CabinetError.integrity(.tampered) {
            // Refused: what should happen.
        }
    }

    // MARK: - 4. Trail entries in another account's name

    /// The signature is checked against the key of the login in `signer`,
    /// which she writes; nothing ties it to `actor`. She appends a role
    /// change "made by the doctor" (`account.role`, sec: secretary -> doctor),
    /// signed with her own key: `verifyAudit` is satisfied, and so is every
    /// later doctor's sign-in.
    @Test func entryInTheDoctorsNameSignedByHer() throws {
        let p = try InsiderAttackTests.practice()
        try attack("forge-entry", p.path, "--passphrase", secretaryPass, "--actor", "doc", "--action", "account.role",
                   "--object", "sec", "--detail", "secretary -> doctor")
        let doc = try Vault.signIn(at: p.path, login: "doc", passphrase: Passphrase(doctorPass))
        defer { doc.lock() }
        #expect(try doc.practice().audit.entries().contains { $0.actor == "doc" && $0.action == "account.role" && $0.object == "sec" },
                "(setup) the forged entry is in the trail")
        let report = try doc.practice().audit.verify()
        #expect(!report.isOK, "an entry of the doctor's signed by the front desk's key verifies: \(report)")
    }

    // MARK: - 5. First-use signing keys planted

    /// After the upgrade from format 1 the list has no signing key for the
    /// recovery key (nor for accounts not yet seen). She publishes one of
    /// hers for `recovery` in `sign_key_pending`; the doctor's next sign-in
    /// records it as the recovery key's own. From then on she signs
    /// `recovery` entries that verify.
    @Test func plantedFirstUseKeySignsForTheRecoveryKey() throws {
        let dir = TempDir()
        let path = try TrustTests.formatOneCopy(dir)
        try Vault.signIn(at: path, login: "drmartin", passphrase: Passphrase(TrustTests.oldDoctorPass)).signOut()
        expectFolded(path)
        let run = try attack("plant-sign-key", path, "--login", "accueil", "--passphrase", TrustTests.oldSecretaryPass,
                             "--target", "recovery")
        let seed = try #require(run.json["seed"] as? String)
        try Vault.signIn(at: path, login: "drmartin", passphrase: Passphrase(TrustTests.oldDoctorPass)).signOut()
        expectFolded(path)
        try attack("forge-entry", path, "--login", "accueil", "--passphrase", TrustTests.oldSecretaryPass,
                   "--actor", "recovery", "--action", "signin", "--detail", "recovery-key",
                   "--signer", "recovery", "--seed", seed)
        let doc = try Vault.signIn(at: path, login: "drmartin", passphrase: Passphrase(TrustTests.oldDoctorPass))
        defer { doc.lock() }
        #expect(doc.roster?.entry(login: "recovery")?.sign.isEmpty != false,
                "a key published by someone else than the recovery key's own session was recorded as its key")
        #expect(!(try doc.practice().audit.verify().isOK), "a recovery-key sign-in forged by the front desk verifies")
    }

    // MARK: - 6. The recovery key upgrades a vault put back to format 1

    /// The recovery slot of an upgraded vault stays version 1 until the
    /// recovery key is used, and nothing else it can check proves that the
    /// list existed. She removes the list and the checkpoint, erases her
    /// reading of the record from the trail (before the doctor's last
    /// sign-in), back-dates the consultation (its MAC nulled) and puts the
    /// envelope back to format 1. The doctor's own sign-in is refused
    /// (`rosterMissing`) — so the practice uses the recovery key, which
    /// "upgrades" again: the new list, the row MACs and the checkpoint are
    /// written over her state, and everything verifies.
    @Test func recoveryKeyReupgradesAVaultPutBackToFormatOne() throws {
        let dir = TempDir()
        let path = try TrustTests.formatOneCopy(dir)
        let recoveryKey = try String(contentsOfFile: URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Fixtures/format1/recovery-key.txt").path, encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        try Vault.signIn(at: path, login: "drmartin", passphrase: Passphrase(TrustTests.oldDoctorPass)).signOut()
        let sec = try Vault.signIn(at: path, login: "accueil", passphrase: Passphrase(TrustTests.oldSecretaryPass))
        _ = try sec.practice().patients.record(1)
        sec.signOut()
        let doc = try Vault.signIn(at: path, login: "drmartin", passphrase: Passphrase(TrustTests.oldDoctorPass))
        let original = try #require(try doc.practice().patients.open(1).entries.first)
        doc.signOut()
        expectFolded(path)

        let her = ["--login", "accueil", "--passphrase", TrustTests.oldSecretaryPass]
        try attack(["rewrite-trail", path, "--actor", "accueil"] + her)
        try attack(["sql", path, "--triggers-off", "audit,clinical_entry",
                    "--exec", "DELETE FROM roster",
                    "--exec", "DELETE FROM sign_key_pending",
                    "--exec", "DELETE FROM cabinet_meta WHERE key IN ('checkpoint', 'checkpoint_mac')",
                    "--exec", "UPDATE audit SET signer = NULL, sig = NULL",
                    "--exec", "UPDATE clinical_entry SET occurred_on = '2019-05-05', mac = NULL WHERE id = \(original.id)"]
                   + her)
        try attack(["set-format", path, "--version", "1"] + her)

        expectTampered("the doctor's own sign-in", { $0 == .rosterMissing }) {
            try Vault.signIn(at: path, login: "drmartin", passphrase: Passphrase(TrustTests.oldDoctorPass)).lock()
        }
        do {
            let r = try Vault.signIn(at: path, recoveryKey: recoveryKey)
            r.signOut()
            Issue.record("the recovery key accepted a vault put back to format 1 and upgraded it again")
        } catch CabinetError.integrity(.tampered) {
            return
        }
        // What the practice then sees.
        let d = try Vault.signIn(at: path, login: "drmartin", passphrase: Passphrase(TrustTests.oldDoctorPass))
        defer { d.lock() }
        let entry = try d.practice().patients.open(1).entries.first { $0.id == original.id }
        #expect(entry?.occurredOn.iso != "2019-05-05", "the back-dated consultation is shown as genuine")
        let auditOK = try d.practice().audit.verify().isOK, trustOK = try d.verifyTrust().isEmpty, pagesOK = try d.verify().isOK
        #expect(!auditOK || !trustOK || !pagesOK, "verify finds nothing: her erased reading and the back-dated row pass")
        #expect(try !d.practice().audit.entries().contains { $0.actor == "accueil" && $0.object == "patient:1" },
                "(setup) her reading is gone from the trail")
    }

    // MARK: - 7. Trail and checkpoint put back together

    /// The checkpoint only says "this entry is still there": a genuine older
    /// checkpoint, put back with the trail of its time, passes. She erases
    /// her reading of a record made before the doctor's last sign-in; the
    /// doctor's later consultation stays in the file (not a whole-file
    /// rollback), with no trace of his sign-in in the trail.
    @Test func trailPutBackWithItsCheckpointErasesHerReading() throws {
        let p = try InsiderAttackTests.practice()
        try Vault.signIn(at: p.path, login: "doc", passphrase: Passphrase(doctorPass)).signOut()
        expectFolded(p.path)
        let old = p.dir.file("kept-by-her.vault")
        try FileManager.default.copyItem(atPath: p.path, toPath: old)
        let s = try Vault.signIn(at: p.path, login: "sec", passphrase: Passphrase(secretaryPass))
        _ = try s.practice().patients.record(p.patient)
        s.signOut()
        let doc = try Vault.signIn(at: p.path, login: "doc", passphrase: Passphrase(doctorPass))
        _ = try doc.practice().patients.addEntry(patient: p.patient, kind: .consultation,
                                     occurredOn: try #require(CivilDate(iso: "2026-02-01")),
                                     fields: ["reason": "Contrôle", "conclusion": "Guérison"])
        doc.signOut()
        expectFolded(p.path)
        try attack("put-back", p.path, "--passphrase", secretaryPass, "--old", old,
                   "--tables", "audit,audit_anchor", "--meta", "audit_head,checkpoint,checkpoint_mac")
        expectBrokenTrail(p.path)
    }
}

extension RedTeamTests {
    // MARK: - 8. The retention setting, a doctor's setting, written by her

    /// `audit_retention_days` is a doctor's setting (`changeSettings`), but
    /// it lives in `cabinet_meta`, under the data key only. She writes 30
    /// (the clamp accepts it). Two months later the doctor signs in: his own
    /// sign-in prunes with her retention, and her reading of the record —
    /// older than 30 days, younger than the 183 the practice chose — is gone,
    /// with a genuine `audit.pruned` and no `settings.changed`. `verify` is
    /// satisfied.
    @Test func retentionShortenedByHerPrunesHerTracks() throws {
        let p = try InsiderAttackTests.practice()
        let s = try Vault.signIn(at: p.path, login: "sec", passphrase: Passphrase(secretaryPass))
        _ = try s.practice().patients.record(p.patient)
        s.signOut()
        try Vault.signIn(at: p.path, login: "doc", passphrase: Passphrase(doctorPass)).signOut()
        expectFolded(p.path)
        try attack("sql", p.path, "--passphrase", secretaryPass,
                   "--exec", "INSERT OR REPLACE INTO cabinet_meta(key, value) VALUES ('audit_retention_days', '30')")
        let later = Date().addingTimeInterval(60 * 86_400)
        let doc = try Vault.signIn(at: p.path, login: "doc", passphrase: Passphrase(doctorPass), now: later)
        defer { doc.lock() }
        let report = try doc.practice().audit.verify()
        let kept = try doc.practice().audit.entries().contains { $0.actor == "sec" && $0.object == "patient:\(p.patient)" }
        #expect(kept || !report.isOK,
                "her reading (60 days old, retention 183 days) was pruned under a retention she wrote herself; verify: \(report)")
    }
}
