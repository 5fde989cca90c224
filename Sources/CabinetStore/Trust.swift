import CSealedVFS
import CSodium
import CabinetCore
import Foundation
import GRDB

/// Format 2's defences against the holder of the data key (the front desk,
/// or anyone who kept her passphrase and a copy of the file): what her role
/// must not change is authenticated by keys she does not hold. The threat
/// model is in docs/SEALED-STORE.md ("Threat model").
extension Vault {
    /// Called once when a vault is about to be upgraded to the current
    /// format (the command line says so on its standard error).
    nonisolated(unsafe) public static var upgradeNotice: (() -> Void)?

    // MARK: - The list of accounts at sign-in

    /// Reads the list of accounts once the database is open and takes this
    /// session's role from it. A session holding the clinical key
    /// authenticates the list first (a substituted clinical key, a promoted
    /// slot, a removed second factor are refused here, before anything is
    /// written); a session without it (the front desk) reads it as is — she
    /// could rewrite it, but a doctor's next sign-in would refuse it.
    func establishTrust() throws {
        guard let database else { return }
        let ck = clinicalKeyForSealing
        let stored = try database.read { try Roster.load($0) }
        if stored == nil {
            if let pending = pendingRoster, let ck {
                // `create`: the list is the database's first content.
                try database.write { db in try pending.store(db, clinicalKey: ck) }
                pendingRoster = nil
                roster = pending
                rosterTrusted = true
                return
            }
            // A format-2 envelope, or a doctor's slot rewrapped by format 2,
            // proves that the list existed: it was removed.
            if envelope.version >= 2 || (ck != nil && slotVersion >= 2) { throw CabinetError.integrity(.tampered(.rosterMissing)) }
            // Format 1: the slot's role until a doctor's sign-in upgrades.
            guard let ck else { return }
            try upgradeToFormat2(clinicalKey: ck)
            return try establishTrust()
        }
        let current: Roster
        if let ck {
            guard let r = try database.read({ try Roster.loadVerified($0, vaultID: vaultID, clinicalKey: ck) }) else {
                throw CabinetError.integrity(.tampered(.rosterMissing))
            }
            current = r
            rosterTrusted = true
        } else {
            guard let stored, let r = Roster.decode(stored.body), r.vaultID == vaultID else {
                throw CabinetError.integrity(.tampered(.roster))
            }
            current = r
        }
        // The slot must be the one the list names for this login: a slot
        // appended without the list (a hidden one) opens nothing.
        guard let entry = current.entry(login: login), entry.slot == slotPublicKey else {
            throw CabinetError.integrity(.tampered(.unlistedSlot(login: login)))
        }
        if entry.role != role {
            // The slot claims more than the list gives, or less: the list wins.
            if entry.role.holdsClinicalKey && ck == nil { throw CabinetError.integrity(.tampered(.roster)) }
            role = entry.role
            if !entry.role.holdsClinicalKey {
                dropClinicalKey()
                rosterTrusted = false
            }
        }
        if let ck = clinicalKeyForSealing {
            try database.read { db in
                // The checkpoint must be under this clinical key: a key
                // substituted together with a forged list is refused here.
                if let cp = try Self.loadCheckpoint(db) {
                    guard cp.stamp.count == 32, sodium_memcmp(cp.stamp, checkpointStamp(cp.value, ck), 32) == 0 else {
                        throw CabinetError.integrity(.tampered(.checkpoint(seq: cp.seq)))
                    }
                    let first = try Int64.fetchOne(db, sql: "SELECT first_seq FROM audit_anchor WHERE id = 1") ?? 1
                    let stored = try Data.fetchOne(db, sql: "SELECT mac FROM audit WHERE seq = ?", arguments: [cp.seq])
                    // Entries before it removed or put back from an old copy:
                    // logged at this sign-in, reported by `verify`, and the
                    // checkpoint stays where it is.
                    if cp.seq >= first, stored.map({ [UInt8]($0) }) != cp.mac { trailFinding = .checkpoint(seq: cp.seq) }
                    if cp.seq < first, AuditLog.prunedTooYoung(checkpointAt: cp.at) { trailFinding = .checkpoint(seq: cp.seq) }
                    // What this desk saw last: a list or a trail older than
                    // that was put back from an old copy.
                    if let w = readWitness(ck) {
                        if current.generation < w.generation { throw CabinetError.integrity(.tampered(.roster)) }
                        let seen = try Data.fetchOne(db, sql: "SELECT mac FROM audit WHERE seq = ?", arguments: [w.seq])
                        if cp.seq < w.seq || (w.seq >= first && seen.map({ [UInt8]($0) }) != w.mac) {
                            trailFinding = .checkpoint(seq: w.seq)
                        }
                    }
                } else {
                    throw CabinetError.integrity(.tampered(.checkpoint(seq: 0)))
                }
                // The newest clinical row must open under this key (its
                // fields are sealed with it): a substituted key shows here.
                if let r = try Row.fetchOne(db, sql: "SELECT uid, kind, sealed FROM clinical_entry ORDER BY id DESC LIMIT 1") {
                    let kind = ClinicalKind(rawValue: r[1]) ?? .consultation
                    if ClinicalSeal.openFields([UInt8](r[2] as Data), kind: kind, uid: [UInt8](r[0] as Data), key: ck) == nil {
                        throw CabinetError.integrity(.tampered(.roster))
                    }
                }
            }
        }
        if clinicalKeyForSealing != nil, entry.secondFactor {
            let me = login
            let sealed = try database.read {
                try Data.fetchOne($0, sql: "SELECT totp_sealed FROM account WHERE login = ?", arguments: [me])
            }
            if sealed == nil { throw CabinetError.integrity(.tampered(.secondFactorRemoved(login: login))) }
        }
        roster = current
    }

    /// Role order for the upgrade: the lesser of two claims wins.
    private static func lesser(_ a: SlotRole, _ b: SlotRole) -> SlotRole {
        func rank(_ r: SlotRole) -> Int {
            switch r {
            case .secretary: return 0
            case .replacement: return 1
            case .doctor, .recovery: return 2
            }
        }
        return rank(a) <= rank(b) ? a : b
    }

    /// Format 1 → 2, at the first sign-in of a session holding the clinical
    /// key: the list of accounts is built from the accounts as they are (the
    /// upgrade trusts the state it finds: a slot whose role disagrees with
    /// its account row gets the lesser of the two), every clinical row gets
    /// its MAC, the trail is signed from here on and checkpointed, and the
    /// envelope becomes format 2.
    func upgradeToFormat2(clinicalKey ck: SecureBytes) throws {
        guard let database, let sk = slotSecretKey else { return }
        // Every clinical row gets its MAC: a large vault takes a while (about
        // 20 s at a million rows); the caller may say so.
        Vault.upgradeNotice?()
        let signPK = KeySlot.signingKey(sk: sk).publicKey
        let env = envelope, mine = slotPublicKey
        do {
            try database.writeWithoutTransaction { db in
                try db.inTransaction(.immediate) {
                    // Another desk may have upgraded meanwhile.
                    if try Roster.load(db) != nil { return .commit }
                    // A vault that was format 2 once and was put back to look
                    // like format 1 (the list removed, the envelope version
                    // lowered — the data key allows both) is not upgraded
                    // again over what the front desk left: a doctor's version-2
                    // slot, the upgrade's own entry, a signed entry or a MAC'd
                    // clinical row prove it (the recovery slot, rewrapped only
                    // when used, cannot).
                    let doctorsV2 = env.slots.contains { $0.version >= 2 && $0.role.holdsClinicalKey && !$0.isRecovery && $0.publicKey != mine }
                    let seen = try doctorsV2 || (Bool.fetchOne(db, sql: """
                            SELECT EXISTS (SELECT 1 FROM audit WHERE action = 'vault.upgraded' OR sig IS NOT NULL)
                                OR EXISTS (SELECT 1 FROM clinical_entry WHERE mac IS NOT NULL)
                            """) ?? false)
                    if seen { throw CabinetError.integrity(.tampered(.rosterMissing)) }
                    var rows: [String: (role: String, totp: Bool)] = [:]
                    for r in try Row.fetchAll(db, sql: "SELECT login, role, totp_sealed IS NOT NULL FROM account") {
                        rows[r[0]] = (r[1], r[2])
                    }
                    var entries: [Roster.Entry] = []
                    for slot in env.slots {
                        var role = slot.role
                        if !slot.isRecovery, let row = rows[slot.login], let r = Role(rawValue: row.role) {
                            role = Self.lesser(role, SlotRole(r))
                        }
                        entries.append(.init(login: slot.login, role: role, slot: slot.publicKey,
                                             sign: slot.publicKey == mine ? [signPK] : [],
                                             secondFactor: slot.isRecovery ? false : rows[slot.login]?.totp ?? false))
                    }
                    for (login, row) in rows where !entries.contains(where: { $0.login == login }) {
                        entries.append(.init(login: login, role: Role(rawValue: row.role).map(SlotRole.init) ?? .secretary,
                                             slot: nil, sign: [], secondFactor: false))
                    }
                    let roster = Roster(vaultID: env.vaultID, check: Roster.checkValue(ck), generation: 1,
                                        accounts: entries.sorted { $0.login < $1.login })
                    try roster.store(db, clinicalKey: ck)
                    self.roster = roster
                    self.rosterTrusted = true
                    try stampSettings(db)
                    try Self.macUnsealedRows(db, clinicalKey: ck)
                    try AuditLog.append(db, key: try auditKey(db), actor: session.actor, action: .vaultUpgraded,
                                        detail: "format \(Envelope.formatVersion)")
                    let seq = try Int64.fetchOne(db, sql: "SELECT max(seq) FROM audit") ?? 1
                    try writeCheckpoint(db, signedFrom: seq)
                    return .commit
                }
            }
        } catch let e as DatabaseError { throw map(e) }
        try updateEnvelope { $0.version = Envelope.formatVersion }
        try recordDatabaseSize()
    }

    /// Writes this session's own slot rewrapped at the current slot version
    /// (prepared at unlock, where the passphrase's key was at hand): from
    /// then on the slot itself proves that the list of accounts exists.
    func upgradeOwnSlot() throws {
        guard let rewrapped = pendingSlotRewrap, rosterTrusted else { return }
        pendingSlotRewrap = nil
        let mine = slotPublicKey
        try updateEnvelope { env in
            guard let i = env.slots.firstIndex(where: { $0.publicKey == mine }) else { return }
            // Only if the slot is still the one opened (its passphrase not
            // changed meanwhile on another desk): the rest stays as it is.
            var opened = rewrapped
            opened.version = env.slots[i].version
            opened.wrappedSecret = env.slots[i].wrappedSecret
            guard opened == env.slots[i], env.slots[i].version < rewrapped.version else { return }
            env.slots[i] = rewrapped
        }
    }

    // MARK: - Changing the list (doctors)

    /// Changes the list in the caller's transaction: authenticated first,
    /// re-MAC'd after. Only a session holding the clinical key can.
    func updateRoster(_ db: Database, _ change: (inout Roster) throws -> Void) throws {
        guard let ck = clinicalKeyForSealing else {
            throw CabinetError.permissionDenied(operation: Privilege.manageAccounts.rawValue)
        }
        guard var r = try Roster.loadVerified(db, vaultID: vaultID, clinicalKey: ck) else {
            throw CabinetError.integrity(.tampered(.rosterMissing))
        }
        try change(&r)
        r.generation += 1
        try r.store(db, clinicalKey: ck)
        roster = r
    }

    /// The role the list gives `login` (nil when it has no entry).
    func listedRole(_ login: String) -> SlotRole? { roster?.entry(login: login)?.role }

    // MARK: - Audit keys and the checkpoint

    /// The chain key and this session's signing key; for a doctor's
    /// session whose trail still matches its checkpoint, the checkpoint's
    /// writer too.
    func auditKey(_ db: Database) throws -> AuditKey {
        let chain = try AuditLog.key(db)
        // Format 1 (no list yet): entries are not signed; a signature is
        // one of the marks that the vault was format 2 once.
        guard let sk = slotSecretKey, roster != nil else { return AuditKey(chain: chain) }
        var checkpoint: ((Database, Int64, [UInt8]) throws -> Void)?
        if rosterTrusted, trailFinding == nil, let ck = clinicalKeyForSealing {
            let vaultID = self.vaultID
            checkpoint = { db, seq, mac in try Self.storeCheckpoint(db, seq: seq, mac: mac, signedFrom: nil, vaultID: vaultID, ck: ck) }
        }
        return AuditKey(chain: chain, signer: login, signingKey: KeySlot.signingKey(sk: sk).secretKey, checkpoint: checkpoint)
    }

    struct Checkpoint {
        var seq: Int64
        var mac: [UInt8]
        var signedFrom: Int64
        /// When it was written (Unix seconds).
        var at: Int64
        var value: String
        var stamp: [UInt8]
    }

    static func loadCheckpoint(_ db: Database) throws -> Checkpoint? {
        guard let value = try String.fetchOne(db, sql: "SELECT value FROM cabinet_meta WHERE key = 'checkpoint'"),
              let stamp = try String.fetchOne(db, sql: "SELECT value FROM cabinet_meta WHERE key = 'checkpoint_mac'")
        else { return nil }
        let parts = value.split(separator: ":").map(String.init)
        guard parts.count == 4, let seq = Int64(parts[0]), let mac = AuditLog.hexBytes(parts[1]), let from = Int64(parts[2]),
              let at = Int64(parts[3]), let stampBytes = AuditLog.hexBytes(stamp) else { return nil }
        return Checkpoint(seq: seq, mac: mac, signedFrom: from, at: at, value: value, stamp: stampBytes)
    }

    private static func checkpointStamp(_ value: String, vaultID: [UInt8], _ ck: SecureBytes) -> [UInt8] {
        ClinicalSubKey.mac(ClinicalSubKey.checkpoint.derive(from: ck),
                           Array("cabinet-checkpoint-v1".utf8) + vaultID + Array(value.utf8))
    }

    private func checkpointStamp(_ value: String, _ ck: SecureBytes) -> [UInt8] {
        Self.checkpointStamp(value, vaultID: vaultID, ck)
    }

    static func storeCheckpoint(_ db: Database, seq: Int64, mac: [UInt8], signedFrom: Int64?, vaultID: [UInt8],
                                ck: SecureBytes) throws {
        let from = try signedFrom ?? loadCheckpoint(db)?.signedFrom ?? seq
        let value = "\(seq):\(AuditLog.hex(mac)):\(from):\(Int64(Date().timeIntervalSince1970))"
        try db.execute(sql: "INSERT OR REPLACE INTO cabinet_meta(key, value) VALUES ('checkpoint', ?)", arguments: [value])
        try db.execute(sql: "INSERT OR REPLACE INTO cabinet_meta(key, value) VALUES ('checkpoint_mac', ?)",
                       arguments: [AuditLog.hex(checkpointStamp(value, vaultID: vaultID, ck))])
    }

    /// Records the trail's head under the doctors' key: entries before it
    /// cannot be removed, changed or put back from an old copy without
    /// `verify` saying so.
    func writeCheckpoint(_ db: Database, signedFrom: Int64? = nil) throws {
        guard let ck = clinicalKeyForSealing else { return }
        guard let last = try Row.fetchOne(db, sql: "SELECT seq, mac FROM audit ORDER BY seq DESC LIMIT 1") else { return }
        try Self.storeCheckpoint(db, seq: last[0], mac: [UInt8](last[1] as Data), signedFrom: signedFrom, vaultID: vaultID, ck: ck)
    }

    /// The checkpoint still holds: its MAC is the doctors', and the entry it
    /// names is there with the same MAC (or was pruned). Nil when there is
    /// nothing to check (format 1, or a session without the clinical key).
    func checkpointFinding(_ db: Database) throws -> TamperFinding? {
        guard let ck = clinicalKeyForSealing, rosterTrusted else { return nil }
        guard let cp = try Self.loadCheckpoint(db) else { return .checkpoint(seq: 0) }
        guard cp.stamp.count == 32, sodium_memcmp(cp.stamp, checkpointStamp(cp.value, ck), 32) == 0 else {
            return .checkpoint(seq: cp.seq)
        }
        let first = try Int64.fetchOne(db, sql: "SELECT first_seq FROM audit_anchor WHERE id = 1") ?? 1
        if cp.seq < first { return AuditLog.prunedTooYoung(checkpointAt: cp.at) ? .checkpoint(seq: cp.seq) : nil }
        let stored = try Data.fetchOne(db, sql: "SELECT mac FROM audit WHERE seq = ?", arguments: [cp.seq])
        return stored.map({ [UInt8]($0) }) == cp.mac ? nil : .checkpoint(seq: cp.seq)
    }

    /// What the trail's verification needs: signing keys from the list (and,
    /// for accounts the list has none for yet, the key their own session
    /// published), the first signed entry and the checkpoint.
    func auditTrust(_ db: Database) throws -> AuditTrust {
        var trust = AuditTrust()
        guard let roster, let cp = try Self.loadCheckpoint(db) else { return trust }
        for e in roster.accounts { trust.keys[e.login] = e.sign }
        for r in try Row.fetchAll(db, sql: "SELECT login, key FROM sign_key_pending") {
            let login: String = r[0]
            // Only for the front desk's accounts (see `checkpointAtSignIn`).
            guard let e = roster.entry(login: login), !e.role.holdsClinicalKey, e.sign.isEmpty else { continue }
            trust.keys[login] = [[UInt8](r[1] as Data)]
        }
        trust.signedFrom = cp.signedFrom
        if rosterTrusted { trust.checkpoint = (cp.seq, cp.mac, cp.at) }
        return trust
    }

    /// At each sign-in, after the sign-in is logged: a doctor's session
    /// records the signing keys accounts published (first use) and its own,
    /// then a new checkpoint — unless the previous one no longer holds, which
    /// is logged and left in place for `verify` to report. Another session
    /// publishes its own signing key when the list has none for it.
    func checkpointAtSignIn(_ db: Database) throws {
        guard let sk = slotSecretKey, let roster else { return }
        let myKey = KeySlot.signingKey(sk: sk).publicKey
        guard rosterTrusted else {
            if roster.entry(login: login)?.sign.contains(myKey) != true {
                try db.execute(sql: "INSERT OR REPLACE INTO sign_key_pending(login, key) VALUES (?, ?)",
                               arguments: [login, Data(myKey)])
            }
            return
        }
        if case .checkpoint(let seq)? = trailFinding {
            if !trailFindingLogged {
                try AuditLog.append(db, key: try auditKey(db), actor: session.actor, action: .auditTampered,
                                    detail: "checkpoint \(seq)")
                trailFindingLogged = true
            }
            return
        }
        var pending: [String: [UInt8]] = [:]
        for r in try Row.fetchAll(db, sql: "SELECT login, key FROM sign_key_pending") { pending[r[0]] = [UInt8](r[1] as Data) }
        let me = login
        // First use is only for accounts without the clinical key (the front
        // desk): a doctor, a replacement or the recovery key records its own
        // key from its own session, so a key planted in their name is never
        // adopted.
        func adoptable(_ e: Roster.Entry) -> Bool { e.sign.isEmpty && !e.role.holdsClinicalKey && pending[e.login] != nil }
        let needsUpdate = roster.accounts.contains { e in (e.login == me && !e.sign.contains(myKey)) || adoptable(e) }
        if needsUpdate {
            try updateRoster(db) { r in
                for i in r.accounts.indices {
                    if r.accounts[i].login == me, !r.accounts[i].sign.contains(myKey) { r.accounts[i].sign.append(myKey) }
                    else if adoptable(r.accounts[i]), let k = pending[r.accounts[i].login] { r.accounts[i].sign = [k] }
                }
            }
        }
        try db.execute(sql: "DELETE FROM sign_key_pending")
        try writeCheckpoint(db)
    }

    // MARK: - The desk's witness

    /// Where this desk keeps its witness of the vault: in the signed-in
    /// user's own state directory (`$CABINET_STATE_DIR`, else
    /// `$XDG_STATE_HOME/cabinet`, else `~/.local/state/cabinet`), outside
    /// the vault's directory, which the front desk's Unix account shares.
    /// One witness per vault and place: the vault's id and a hash of its
    /// absolute path (a copy elsewhere — a backup being checked — is
    /// another file).
    static func witnessPath(vaultID: [UInt8], vaultPath: String,
                            environment env: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        DeskMemory.directory(env).map { $0 + "/witness-" + AuditLog.hex(vaultID) + "-" + DeskMemory.placeTag(vaultPath) }
    }

    private func witnessStamp(_ value: String, _ ck: SecureBytes) -> [UInt8] {
        ClinicalSubKey.mac(ClinicalSubKey.checkpoint.derive(from: ck),
                           Array("cabinet-witness-v1".utf8) + vaultID + Array(value.utf8))
    }

    /// What this desk saw last (a doctor's session): the trail's checkpoint
    /// and the list's generation, MAC'd under the doctors' key, in a file of
    /// the doctor's own. A list or a trail put back from an older copy of
    /// the vault (each genuine, so the MACs inside the file hold) is older
    /// than what this desk saw: the next sign-in here says so. Best effort:
    /// a desk without a writable home keeps no witness.
    func writeWitness() {
        guard rosterTrusted, let ck = clinicalKeyForSealing, let roster, let database,
              let path = Self.witnessPath(vaultID: vaultID, vaultPath: self.path),
              let cp = try? database.read({ try Self.loadCheckpoint($0) }) else { return }
        let value = "\(cp.seq):\(AuditLog.hex(cp.mac)):\(roster.generation)"
        let text = value + "\n" + AuditLog.hex(witnessStamp(value, ck)) + "\n"
        let dir = PathNames.parent(path)
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true,
                                                 attributes: [.posixPermissions: 0o700])
        let temp = path + ".new"
        unlink(temp)
        let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return }
        let ok = text.withCString { Glibc.write(fd, $0, strlen($0)) } == text.utf8.count
        close(fd)
        if ok { rename(temp, path) } else { unlink(temp) }
    }

    /// The witness of this desk, if it authenticates under `ck`.
    func readWitness(_ ck: SecureBytes) -> (seq: Int64, mac: [UInt8], generation: Int64)? {
        guard let path = Self.witnessPath(vaultID: vaultID, vaultPath: self.path) else { return nil }
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        var buf = [UInt8](repeating: 0, count: 512)
        let n = Glibc.read(fd, &buf, buf.count)
        close(fd)
        guard n > 0 else { return nil }
        let lines = String(decoding: buf[0..<n], as: UTF8.self).split(separator: "\n").map(String.init)
        guard lines.count == 2, let stamp = AuditLog.hexBytes(lines[1]), stamp.count == 32,
              sodium_memcmp(stamp, witnessStamp(lines[0], ck), 32) == 0 else { return nil }
        let parts = lines[0].split(separator: ":").map(String.init)
        guard parts.count == 3, let seq = Int64(parts[0]), let mac = AuditLog.hexBytes(parts[1]),
              let generation = Int64(parts[2]) else { return nil }
        return (seq, mac, generation)
    }

    // MARK: - The doctors' settings

    /// Settings only doctors may change, kept in `cabinet_meta` under the
    /// data key: their values are MAC'd under a key derived from the
    /// clinical key (`settings_mac`), so a value the front desk wrote there
    /// is ignored (the default applies) and reported by `verify`.
    static let doctorSettings = ["audit_retention_days", "lock_after_minutes"]

    private func settingsMessage(_ db: Database) throws -> [UInt8] {
        var m = Array("cabinet-settings-v1".utf8) + vaultID
        for key in Self.doctorSettings {
            let v = try String.fetchOne(db, sql: "SELECT value FROM cabinet_meta WHERE key = ?", arguments: [key])
            m += AuditLog.field(key) + AuditLog.field(v)
        }
        return m
    }

    /// Records the MAC of the doctors' settings (a session holding the
    /// clinical key, after changing one of them).
    func stampSettings(_ db: Database) throws {
        guard let ck = clinicalKeyForSealing else { return }
        let mac = ClinicalSubKey.mac(ClinicalSubKey.settings.derive(from: ck), try settingsMessage(db))
        try db.execute(sql: "INSERT OR REPLACE INTO cabinet_meta(key, value) VALUES ('settings_mac', ?)",
                       arguments: [AuditLog.hex(mac)])
    }

    /// The doctors' settings can be used as stored: they authenticate under
    /// this session's clinical key, or the vault is format 1. A session
    /// without the clinical key on a format-2 vault cannot tell: false.
    func settingsHold(_ db: Database) throws -> Bool {
        guard roster != nil else { return true }
        guard let ck = clinicalKeyForSealing, rosterTrusted else { return false }
        guard let stored = try String.fetchOne(db, sql: "SELECT value FROM cabinet_meta WHERE key = 'settings_mac'")
            .flatMap(AuditLog.hexBytes), stored.count == 32 else { return false }
        let mac = ClinicalSubKey.mac(ClinicalSubKey.settings.derive(from: ck), try settingsMessage(db))
        return sodium_memcmp(stored, mac, 32) == 0
    }

    // MARK: - The database's size in the envelope

    static func mainFilePages(_ path: String) -> UInt64 {
        var st = stat()
        guard stat(path, &st) == 0 else { return 0 }
        return UInt64(max(0, Int64(st.st_size) - Int64(CSEALED_HEADER_SIZE))) / UInt64(CSEALED_PAGE_SIZE)
    }

    /// Records in the envelope that the database exists, and its size.
    func recordDatabaseSize() throws {
        guard envelope.version >= 2 else { return }
        let pages = Self.mainFilePages(path)
        if envelope.databaseCreated && envelope.databasePages == pages { return }
        try updateEnvelope { env in
            env.databaseCreated = true
            env.databasePages = pages
        }
    }

    /// A vault whose file holds no database after its envelope (and no WAL
    /// frame that could hold it) is refused: only `create` opens an empty
    /// database, so an unlock never re-initialises one, whatever the
    /// envelope says (its "database created" flag is under the data key,
    /// which the front desk holds). A format-2 envelope also records the
    /// pages at the last doctor sign-in: a shorter file is truncated (a
    /// thief or an accident; the data-key holder could lower the figure).
    static func checkNotTruncated(_ path: String, _ env: Envelope) throws {
        let pages = mainFilePages(path)
        var wst = stat()
        let walHasFrames = stat(path + "-wal", &wst) == 0 && wst.st_size >= 32 + 24 + Int(CSEALED_PAGE_SIZE)
        if pages == 0 && !walHasFrames { throw CabinetError.integrity(.tampered(.truncated)) }
        if env.version >= 2, env.databaseCreated, pages < env.databasePages { throw CabinetError.integrity(.tampered(.truncated)) }
    }

    // MARK: - Clinical rows

    /// The MAC of a clinical row over every column: moving it to another
    /// patient, changing its kind, dates or author, or its correction link
    /// all show. The fields themselves are sealed (AD = uid ‖ field name).
    package static func clinicalRowMAC(_ key: SecureBytes, id: Int64, uid: [UInt8], patient: Int64, kind: String,
                               occurredOn: String, supersedes: Int64?, at: String, author: String,
                               sealed: [UInt8]) -> [UInt8] {
        func bytes(_ b: [UInt8]) -> [UInt8] { le32(UInt32(b.count)) + b }
        var m = Array("cabinet-clinical-row-v1".utf8)
        m += le(UInt64(bitPattern: id)) + bytes(uid) + le(UInt64(bitPattern: patient))
        m += AuditLog.field(kind) + AuditLog.field(occurredOn)
        m += supersedes.map { [1] + le(UInt64(bitPattern: $0)) } ?? [0]
        m += AuditLog.field(at) + AuditLog.field(author) + bytes(sealed)
        return ClinicalSubKey.mac(key, m)
    }

    /// Checks a row read with the columns `id, uid, patient_id, kind,
    /// occurred_on, supersedes, at, author, sealed, mac` (in that order from
    /// `offset`).
    static func checkClinicalRow(_ row: Row, key: SecureBytes, offset: Int = 0) throws {
        let id: Int64 = row[offset]
        let mac: Data? = row[offset + 9]
        let expected = clinicalRowMAC(key, id: id, uid: [UInt8](row[offset + 1] as Data), patient: row[offset + 2],
                                      kind: row[offset + 3], occurredOn: row[offset + 4], supersedes: row[offset + 5],
                                      at: row[offset + 6], author: row[offset + 7], sealed: [UInt8](row[offset + 8] as Data))
        guard let mac, mac.count == 32, sodium_memcmp([UInt8](mac), expected, 32) == 0 else {
            throw CabinetError.integrity(.tampered(.clinicalEntry(id: id)))
        }
    }

    static let clinicalColumns = "id, uid, patient_id, kind, occurred_on, supersedes, at, author, sealed, mac"

    /// The format-1 rows get their MAC (the upgrade trusts them as they are).
    private static func macUnsealedRows(_ db: Database, clinicalKey ck: SecureBytes) throws {
        let key = ClinicalSubKey.row.derive(from: ck)
        var macs: [(Int64, [UInt8])] = []
        let rows = try Row.fetchCursor(db, sql: "SELECT \(clinicalColumns) FROM clinical_entry WHERE mac IS NULL")
        while let r = try rows.next() {
            macs.append((r[0], clinicalRowMAC(key, id: r[0], uid: [UInt8](r[1] as Data), patient: r[2], kind: r[3],
                                              occurredOn: r[4], supersedes: r[5], at: r[6], author: r[7],
                                              sealed: [UInt8](r[8] as Data))))
        }
        guard !macs.isEmpty else { return }
        try db.execute(sql: "DROP TRIGGER IF EXISTS clinical_no_update")
        let update = try db.makeStatement(sql: "UPDATE clinical_entry SET mac = ? WHERE id = ?")
        for (id, mac) in macs { try update.execute(arguments: [Data(mac), id]) }
        try db.execute(sql: """
            CREATE TRIGGER clinical_no_update BEFORE UPDATE ON clinical_entry
            BEGIN SELECT RAISE(ABORT, 'clinical entries are never changed'); END;
            """)
    }

    /// Every finding a doctor's `verify` adds to the pages' check: slots the
    /// list does not name, clinical rows that do not authenticate, the
    /// checkpoint. Empty for a session without the clinical key (it cannot
    /// check these) and on a vault not yet upgraded.
    public func verifyTrust() throws -> [TamperFinding] {
        guard let ck = clinicalKeyForSealing, rosterTrusted, let roster else { return [] }
        var findings: [TamperFinding] = []
        for slot in envelope.slots where roster.entry(login: slot.login)?.slot != slot.publicKey {
            findings.append(.unlistedSlot(login: slot.login))
        }
        let key = ClinicalSubKey.row.derive(from: ck)
        try read { db in
            let rows = try Row.fetchCursor(db, sql: "SELECT \(Self.clinicalColumns) FROM clinical_entry ORDER BY id")
            while let r = try rows.next() {
                do { try Self.checkClinicalRow(r, key: key) } catch CabinetError.integrity(.tampered(let f)) { findings.append(f) }
            }
            if let f = try checkpointFinding(db) ?? trailFinding { findings.append(f) }
            if try !settingsHold(db) { findings.append(.settings) }
        }
        return findings
    }
}
