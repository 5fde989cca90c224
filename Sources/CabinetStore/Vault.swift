import CSQLite
import Glibc
import CSealedVFS
import CSodium
import CabinetCore
import Foundation
import GRDB

/// A sealed vault: one SQLite file whose every page is encrypted and
/// authenticated (docs/SEALED-STORE.md), opened with a key slot.
///
/// Life cycle: `create` or `unlock` (keys in `sodium_malloc`ed memory, a VFS
/// registered under a unique name), `openDatabase` (a GRDB pool in WAL mode
/// through that VFS), `lock` (pool closed, VFS unregistered, keys wiped).
public final class Vault: @unchecked Sendable {
    // Mutable state is only touched by the owning thread (the CLI, or the
    // app's effect runner); GRDB's pool is itself thread-safe.
    public let path: String
    public let login: String
    /// From the authenticated list of accounts once the database is open
    /// (Trust.swift), never from the slot's own say-so.
    public internal(set) var role: SlotRole
    public private(set) var mustChangePassphrase: Bool
    var envelope: Envelope
    private var dataKey: SecureBytes?
    private var clinicalKey: SecureBytes?
    /// The slot this session opened: its public key names it on the list of
    /// accounts; its version tells whether that list must exist.
    let slotPublicKey: [UInt8]
    let slotVersion: UInt8
    /// The list of accounts as read at sign-in (authenticated when this
    /// session holds the clinical key: `rosterTrusted`).
    var roster: Roster?
    var rosterTrusted = false
    /// The list written by `create` with the database's first transaction.
    var pendingRoster: Roster?
    /// This session's own slot rewrapped at the current version, written
    /// once the list of accounts exists (Trust.swift, `upgradeOwnSlot`).
    var pendingSlotRewrap: KeySlot?
    /// This session's slot as opened with a passphrase's decomposed (NFD)
    /// bytes, and the same slot rewrapped with the composed ones: written
    /// once the sign-in completes (`rewrapComposedPassphrase`).
    var pendingComposedRewrap: (opened: KeySlot, composed: KeySlot)?
    /// What a doctor's sign-in found in the trail (its checkpoint no longer
    /// matching): the checkpoint is then left where it is.
    var trailFinding: TamperFinding?
    var trailFindingLogged = false
    /// The slot's own secret key: unwraps what belongs to this account only
    /// (its second factor). Wiped with the other keys.
    private var slotSecret: SecureBytes?
    private var vfs: OpaquePointer?
    public internal(set) var database: DatabasePool?
    private var rawConnections: [WeakRaw] = []
    /// Patients' names in memory for search-as-you-type; emptied at lock.
    package let patientIndexStorage = PatientIndex()

    public static let busyTimeout: TimeInterval = 5
    /// Tests shorten the busy timeout of this vault's next `openDatabase`
    /// (instead of waiting 5 s for another connection's lock).
    @_spi(Testing) public var busyTimeoutForTests: TimeInterval?
    /// WAL size (frames) after which the writer checkpoints (RESTART mode).
    public static let checkpointFrames: Int32 = 1000

    private init(path: String, slot: KeySlot, envelope: Envelope,
                 dataKey: SecureBytes, clinicalKey: SecureBytes?, slotSecret: SecureBytes?) throws {
        self.slotSecret = slotSecret
        self.slotPublicKey = slot.publicKey
        self.slotVersion = slot.version
        let login = slot.login, role = slot.role, mustChange = slot.mustChange
        self.path = path
        self.login = login
        self.role = role
        self.mustChangePassphrase = mustChange
        self.envelope = envelope
        self.dataKey = dataKey
        self.clinicalKey = clinicalKey
        self.vfs = try Self.registerVFS(dataKey: dataKey, fileID: envelope.fileID)
    }

    deinit { lock() }

    /// True when this session holds the clinical key (doctors, recovery).
    public var hasClinicalKey: Bool { clinicalKey != nil }
    public var isLocked: Bool { dataKey == nil }
    /// The name of this vault's VFS registration (for tests and tools).
    public var vfsName: String? { vfs.map { String(cString: csealed_name($0)) } }
    public var vaultID: [UInt8] { envelope.vaultID }
    public var accounts: [(login: String, role: SlotRole)] {
        envelope.slots.filter { !$0.isRecovery }.map { ($0.login, $0.role) }
    }

    // MARK: - Paths

    /// `$CABINET_VAULT`, else `$XDG_DATA_HOME/cabinet/cabinet.vault`, else
    /// `~/.local/share/cabinet/cabinet.vault`.
    public static func defaultPath(environment env: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let v = env["CABINET_VAULT"], !v.isEmpty { return v }
        let base: String
        if let x = env["XDG_DATA_HOME"], x.hasPrefix("/") { base = x }
        else { base = (env["HOME"] ?? NSHomeDirectory()) + "/.local/share" }
        return base + "/cabinet/cabinet.vault"
    }

    package static func uri(path: String, vfs: String) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "?#%")
        let abs = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        return "file:\(abs.addingPercentEncoding(withAllowedCharacters: allowed) ?? abs)?vfs=\(vfs)"
    }

    // MARK: - Create

    /// Creates a vault at `path` with a doctor's slot and a recovery slot.
    /// Returns the open vault and the recovery key, to be shown once.
    /// Nothing is left behind when creation fails.
    public static func create(at path: String, doctorLogin: String, passphrase: Passphrase,
                              metadata: [String: String] = [:]) throws -> (Vault, recoveryKey: String) {
        try create(at: path, doctorLogin: doctorLogin, passphrase: passphrase, metadata: metadata, kdf: .moderate)
    }

    @_spi(Testing)
    public static func create(at path: String, doctorLogin: String, passphrase: Passphrase,
                              metadata: [String: String] = [:], kdf: KDFParameters) throws -> (Vault, recoveryKey: String) {
        ProcessHardening.apply()
        try validateLogin(doctorLogin)
        let problems = PassphrasePolicy.forAccount(login: doctorLogin, doctorName: metadata["doctor_name"]).problems(passphrase)
        if !problems.isEmpty { throw CabinetError.session(.passphraseTooWeak(problems: problems)) }
        try checkCreatable(path)

        let dataKey = SecureBytes.random(32), clinicalKey = SecureBytes.random(32)
        var recovery = RecoveryKey.generate()
        defer { recovery.wipe() }
        var secret = passphrase.withBytes { Array($0) }
        defer { secret.wipe() }
        let vaultID = randomBytes(16)
        let (doctor, doctorSecret) = try KeySlot.makeWithSecret(role: .doctor, login: doctorLogin, mustChange: false,
                                                                secret: secret, kdf: kdf, vaultID: vaultID,
                                                                dataKey: dataKey, clinicalKey: clinicalKey)
        let (rescue, rescueSecret) = try KeySlot.makeWithSecret(role: .recovery, login: "recovery", mustChange: false,
                                                                secret: recovery, kdf: kdf, vaultID: vaultID,
                                                                dataKey: dataKey, clinicalKey: clinicalKey)
        let envelope = Envelope(vaultID: vaultID, fileID: randomBytes(16), generation: 1, slots: [doctor, rescue])
        try writeNewFile(path: path, envelope: envelope, dataKey: dataKey, mode: 0o600)
        do {
            let vault = try Vault(path: path, slot: doctor, envelope: envelope, dataKey: dataKey,
                                  clinicalKey: clinicalKey, slotSecret: doctorSecret)
            // The list of accounts exists from the first transaction on: the
            // doctor and the recovery key, with their signing keys.
            vault.pendingRoster = Roster(
                vaultID: vaultID, check: Roster.checkValue(clinicalKey), generation: 1,
                accounts: [
                    .init(login: doctorLogin, role: .doctor, slot: doctor.publicKey,
                          sign: [KeySlot.signingKey(sk: doctorSecret).publicKey], secondFactor: false),
                    .init(login: "recovery", role: .recovery, slot: rescue.publicKey,
                          sign: [KeySlot.signingKey(sk: rescueSecret).publicKey], secondFactor: false),
                ])
            try vault.openDatabase()
            try vault.database?.write { db in
                let auditKey = try vault.auditKey(db)
                for (k, v) in metadata { try db.execute(sql: "INSERT OR REPLACE INTO cabinet_meta(key, value) VALUES (?, ?)", arguments: [k, v]) }
                // The holder's account carries the name typed at creation.
                try db.execute(sql: """
                    INSERT INTO account(login, role, display_name, created_at, created_by) VALUES (?, 'doctor', ?, ?, ?)
                    """, arguments: [doctorLogin, metadata["doctor_name"], AuditLog.timestamp(Date()), doctorLogin])
                try AuditLog.append(db, key: auditKey, actor: doctorLogin, action: .vaultCreated)
                try AuditLog.append(db, key: auditKey, actor: doctorLogin, action: .accountCreated, object: doctorLogin,
                                    detail: Role.doctor.rawValue)
                try vault.writeCheckpoint(db, signedFrom: 1)
                try vault.stampSettings(db)
            }
            try vault.recordDatabaseSize()
            return (vault, RecoveryKey.format(recovery))
        } catch {
            removeVaultFiles(path)
            throw StoreErrors.userError(error)
        }
    }

    static func validateLogin(_ login: String) throws {
        // Core's rule (the first run and the Administration use the same).
        if !Login.isValid(login) || login.utf8.count > KeySlot.maxLogin { throw CabinetError.accounts(.invalidLogin(login: login)) }
    }

    /// Refuses an existing file, a directory, a missing parent or a read-only place.
    static func checkCreatable(_ path: String) throws {
        var st = stat()
        if stat(path, &st) == 0 {
            if (st.st_mode & S_IFMT) == S_IFDIR { throw CabinetError.vault(.isDirectory(path: path)) }
            throw CabinetError.vault(.exists(path: path))
        }
        let parent = PathNames.parent(path)
        var pst = stat()
        guard stat(parent, &pst) == 0, (pst.st_mode & S_IFMT) == S_IFDIR else {
            throw CabinetError.vault(.missingParent(path: parent))
        }
        if access(parent, W_OK) != 0 { throw CabinetError.vault(.readOnlyLocation(path: parent)) }
    }

    /// Writes the envelope (both copies) into a new file, O_EXCL, then syncs
    /// the file and its directory.
    static func writeNewFile(path: String, envelope: Envelope, dataKey: SecureBytes, mode: mode_t) throws {
        let headerKey = SubKey.headerMAC.derive(from: dataKey)
        var second = envelope
        second.generation = envelope.generation - 1
        let bytes = envelope.encode(headerKey: headerKey) + second.encode(headerKey: headerKey)
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else {
            switch errno {
            case EEXIST: throw CabinetError.vault(.exists(path: path))
            case EACCES, EROFS, EPERM: throw CabinetError.vault(.readOnlyLocation(path: path))
            case ENOENT, ENOTDIR:
                // The parent was checked to be a directory: a place like /proc
                // that refuses new files.
                let parent = PathNames.parent(path)
                var pst = stat()
                if stat(parent.isEmpty ? "." : parent, &pst) == 0 && (pst.st_mode & S_IFMT) == S_IFDIR {
                    throw CabinetError.vault(.readOnlyLocation(path: parent))
                }
                throw CabinetError.vault(.missingParent(path: parent))
            case ENOSPC: throw CabinetError.vault(.diskFull)
            default: throw CabinetError.vault(.io(path: path, errno: errno))
            }
        }
        _ = fchmod(fd, mode) // umask must not widen nor narrow what we chose
        let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        let err = errno
        let synced = fsync(fd) == 0
        close(fd)
        guard written == bytes.count, synced else {
            unlink(path)
            throw err == ENOSPC ? CabinetError.vault(.diskFull) : CabinetError.vault(.io(path: path, errno: err))
        }
        syncDirectory(of: path)
    }

    static func syncDirectory(of path: String) {
        let dir = PathNames.parent(path)
        let dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dfd >= 0 { _ = fsync(dfd); close(dfd) }
    }

    static func removeVaultFiles(_ path: String) {
        for suffix in ["", "-wal", "-shm", "-journal"] { unlink(path + suffix) }
    }

    // MARK: - Unlock

    /// Unlocks with an account's passphrase. Fails at the slot, before SQLite
    /// reads anything, when the passphrase is wrong.
    public static func unlock(at path: String, login: String, passphrase: Passphrase, openDatabase: Bool = true) throws -> Vault {
        ProcessHardening.apply()
        try checkOpenable(path)
        var secret = passphrase.withBytes { Array($0) }
        defer { secret.wipe() }
        // Same answer for an unknown login and a wrong passphrase: no account
        // enumeration from the sign-in prompt.
        do {
            return try finishUnlock(path: path, secret: secret, wrong: .session(.wrongPassphrase),
                                    pick: { $0.slot(login: login) }, openDatabase: openDatabase)
        } catch CabinetError.session(.wrongPassphrase) {
            // Before Cabinet composed passphrases (Passphrase.swift), a slot
            // got the bytes as typed: one typed decomposed (a letter, then
            // its accent) holds NFD bytes. Tried once; the slot is then
            // rewrapped with the composed bytes at the end of the sign-in.
            guard let variant = passphrase.decomposedVariant else { throw CabinetError.session(.wrongPassphrase) }
            var old = variant.withBytes { Array($0) }
            defer { old.wipe() }
            let vault = try finishUnlock(path: path, secret: old, wrong: .session(.wrongPassphrase),
                                         pick: { $0.slot(login: login) }, openDatabase: openDatabase)
            if let sk = vault.slotSecret, var slot = vault.envelope.slots.first(where: { $0.publicKey == vault.slotPublicKey }) {
                let opened = slot
                try slot.wrapSecret(sk, secret: secret, vaultID: vault.vaultID)
                vault.pendingComposedRewrap = (opened, slot)
            }
            return vault
        }
    }

    /// Unlocks with the recovery key (the doctor's way back to everything).
    public static func unlock(at path: String, recoveryKey: String, openDatabase: Bool = true) throws -> Vault {
        ProcessHardening.apply()
        try checkOpenable(path)
        guard var secret = RecoveryKey.parse(recoveryKey) else { throw CabinetError.session(.invalidRecoveryKey) }
        defer { secret.wipe() }
        return try finishUnlock(path: path, secret: secret, wrong: .session(.wrongRecoveryKey),
                                pick: { $0.recoverySlot }, openDatabase: openDatabase)
    }

    /// Opens the slot `pick` chooses in the newest envelope copy whose MAC
    /// checks under the data key that slot yields (a copy is chosen after
    /// its MAC, never before: an altered newer copy cannot win over a
    /// genuine older one). The passphrase is derived once per distinct slot.
    static func finishUnlock(path: String, secret: [UInt8], wrong: CabinetError,
                                     pick: (Envelope) -> KeySlot?, openDatabase: Bool) throws -> Vault {
        let copies = try Envelope.candidates(path: path)
        // A backup is put back with `cabinet restore`, never worked in.
        if copies.first?.envelope.isBackup == true { throw CabinetError.backup(.isABackup(path: path)) }
        var opened: [(slot: [UInt8], keys: (sk: SecureBytes, kek: SecureBytes)?)] = []
        var sawSlotOpen = false
        for copy in copies {
            guard let slot = pick(copy.envelope) else { continue }
            let encoded = slot.encode()
            let keys: (sk: SecureBytes, kek: SecureBytes)?
            if let known = opened.first(where: { $0.slot == encoded }) { keys = known.keys } else {
                keys = try slot.openSecretAndKEK(secret: secret, vaultID: copy.envelope.vaultID)
                opened.append((encoded, keys))
            }
            guard let keys else { continue }
            sawSlotOpen = true
            guard let dataKey = slot.openDataKey(sk: keys.sk), copy.macValid(SubKey.headerMAC.derive(from: dataKey)) else { continue }
            let vault = try finishUnlock(path: path, env: copy.envelope, slot: slot, sk: keys.sk, dataKey: dataKey, openDatabase: false)
            // A doctor's (or the recovery key's) slot of format 1 is rewrapped
            // at the current version once the list of accounts exists.
            if slot.version < KeySlot.currentVersion && slot.role.holdsClinicalKey {
                vault.pendingSlotRewrap = slot.rewrappedAtCurrentVersion(sk: keys.sk, kek: keys.kek, vaultID: copy.envelope.vaultID)
            }
            if openDatabase {
                do { try vault.openDatabase() } catch { vault.lock(); throw error }
            }
            return vault
        }
        throw sawSlotOpen ? CabinetError.integrity(.envelopeAltered) : wrong
    }

    private static func finishUnlock(path: String, env: Envelope, slot: KeySlot, sk: SecureBytes, dataKey: SecureBytes,
                                     openDatabase: Bool) throws -> Vault {
        try checkNotTruncated(path, env)
        var clinical: SecureBytes?
        if slot.role.holdsClinicalKey {
            guard let ck = try slot.openClinical(sk: sk, vaultID: env.vaultID) else { throw CabinetError.integrity(.envelopeAltered) }
            clinical = ck
        }
        // A re-key interrupted before its swap leaves a stale copy: remove it.
        removeVaultFiles(path + ".rekey")
        let vault = try Vault(path: path, slot: slot, envelope: env, dataKey: dataKey, clinicalKey: clinical, slotSecret: sk)
        if openDatabase { try vault.openDatabase() }
        return vault
    }

    static func checkOpenable(_ path: String) throws {
        var st = stat()
        guard stat(path, &st) == 0 else {
            // Nothing is written when opening: a missing folder is simply "no vault here".
            if errno == ENOENT || errno == ENOTDIR { throw CabinetError.vault(.notFound(path: path)) }
            throw CabinetError.vault(.io(path: path, errno: errno))
        }
        if (st.st_mode & S_IFMT) == S_IFDIR { throw CabinetError.vault(.isDirectory(path: path)) }
        if st.st_size == 0 { throw CabinetError.vault(.emptyFile(path: path)) }
        if st.st_size < off_t(Envelope.totalSize) { throw CabinetError.vault(.notAVault(path: path)) }
        if access(path, R_OK) != 0 { throw CabinetError.vault(.io(path: path, errno: errno)) }
    }

    // MARK: - VFS and database

    private static let counter = Counter()

    static func registerVFS(dataKey: SecureBytes, fileID: [UInt8]) throws -> OpaquePointer {
        ProcessHardening.apply()
        let pageKey = SubKey.page.derive(from: dataKey), maskKey = SubKey.mask.derive(from: dataKey)
        let name = "cabinet-\(getpid())-\(counter.next())"
        let vfs = pageKey.withBytes { pk in maskKey.withBytes { mk in csealed_register(name, pk, mk, fileID) } }
        guard let vfs else { throw CabinetError.vault(.io(path: name, errno: ENOMEM)) }
        return vfs
    }

    /// Opens the GRDB pool through the vault's VFS and runs the migrations.
    public func openDatabase() throws {
        guard database == nil else { return }
        guard let vfs else { throw CabinetError.session(.notSignedIn) }
        var config = Configuration()
        config.busyMode = .timeout(busyTimeoutForTests ?? Self.busyTimeout)
        config.prepareDatabase { db in try Self.prepare(db) }
        do {
            csealed_clear_failure(vfs)
            let pool = try DatabasePool(path: Self.uri(path: path, vfs: String(cString: csealed_name(vfs))),
                                        configuration: config)
            try Schema.migrator.migrate(pool)
            if try pool.read({ db in try String.fetchOne(db, sql: "SELECT value FROM cabinet_meta WHERE key = 'retired'") }) != nil {
                try pool.close()
                throw CabinetError.vault(.retired)
            }
            database = pool
            do {
                try establishTrust()
                try upgradeOwnSlot()
            } catch {
                try? pool.close()
                database = nil
                throw error
            }
        } catch let error as DatabaseError {
            throw map(error)
        }
    }

    /// Per-connection setup, in the order SEALED-STORE.md asks for: reserve
    /// bytes, page size, temp_store, (journal mode: WAL, set by GRDB's pool),
    /// busy timeout (set by GRDB from `busyMode`), then the checkpoint policy.
    static func prepare(_ db: Database) throws {
        guard let conn = db.sqliteConnection else { return }
        var reserve = Int32(CSEALED_RESERVE)
        _ = sqlite3_file_control(conn, "main", SQLITE_FCNTL_RESERVE_BYTES, &reserve)
        try db.execute(sql: "PRAGMA page_size = \(CSEALED_PAGE_SIZE)")
        try db.execute(sql: "PRAGMA temp_store = MEMORY")
        try db.execute(sql: "PRAGMA mmap_size = 0")
        try db.execute(sql: "PRAGMA cache_size = -16000")
        // One checkpointer at a time (SQLite 3.40.1's WAL-reset race): no
        // automatic PASSIVE checkpoints; the committing writer runs a RESTART
        // checkpoint, which holds the WAL write lock for its whole duration,
        // so no other writer can reset the WAL under it.
        try db.execute(sql: "PRAGMA wal_autocheckpoint = 0")
        // The checkpoint never waits for readers: a backup holds one read
        // transaction for its whole copy, and waiting for it (the busy
        // timeout, 5 s) at every commit would freeze the other desk. What
        // cannot be checkpointed now is at the next commit.
        var waitMs = 0
        if case .timeout(let t) = db.configuration.busyMode { waitMs = Int(t * 1000) }
        sqlite3_wal_hook(conn, { context, db, name, frames in
            if frames >= Vault.checkpointFrames {
                sqlite3_busy_timeout(db, 0)
                _ = sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_RESTART, nil, nil)
                sqlite3_busy_timeout(db, Int32(Int(bitPattern: context)))
            }
            return SQLITE_OK
        }, UnsafeMutableRawPointer(bitPattern: waitMs))
    }

    /// Translates a GRDB error into one a doctor can act on.
    public func map(_ error: DatabaseError) -> CabinetError {
        StoreErrors.map(code: error.extendedResultCode.rawValue, vfs: vfs)
    }

    // MARK: - Slots

    /// Adds an account's slot. The doctor's session gives the clinical key to
    /// doctors and replacements; a secretary's slot never carries it.
    public func addSlot(login: String, role: SlotRole, passphrase: Passphrase, mustChange: Bool = false) throws {
        try addSlot(login: login, role: role, passphrase: passphrase, mustChange: mustChange, kdf: .moderate)
    }

    @_spi(Testing)
    public func addSlot(login: String, role: SlotRole, passphrase: Passphrase, mustChange: Bool, kdf: KDFParameters) throws {
        guard role != .recovery else { throw CabinetError.accounts(.invalidLogin(login: login)) }
        try Self.validateLogin(login)
        guard let dataKey else { throw CabinetError.session(.notSignedIn) }
        var secret = passphrase.withBytes { Array($0) }
        defer { secret.wipe() }
        let clinical: SecureBytes? = role.holdsClinicalKey ? clinicalKey : nil
        if role.holdsClinicalKey && clinical == nil { throw CabinetError.permissionDenied(operation: Privilege.manageAccounts.rawValue) }
        if envelope.slot(login: login) != nil { throw CabinetError.accounts(.exists(login: login)) }
        if envelope.slots.count >= Envelope.maxSlots { throw CabinetError.vault(.tooManySlots) }
        let (slot, sk) = try KeySlot.makeWithSecret(role: role, login: login, mustChange: mustChange, secret: secret, kdf: kdf,
                                                    vaultID: vaultID, dataKey: dataKey, clinicalKey: clinical)
        try list(slot, sk: sk, secondFactor: false)
        try updateEnvelope { env in
            if env.slot(login: login) != nil { throw CabinetError.accounts(.exists(login: login)) }
            if env.slots.count >= Envelope.maxSlots { throw CabinetError.vault(.tooManySlots) }
            env.slots.append(slot)
        }
    }

    /// Puts a new slot on the list of accounts before it enters the
    /// envelope (a crash in between leaves a listed account without a slot,
    /// never a slot the list does not name). Format 1: nothing to list.
    func list(_ slot: KeySlot, sk: SecureBytes, secondFactor: Bool, role listedRole: SlotRole? = nil) throws {
        guard roster != nil || rosterTrusted else { return }
        let signKey = KeySlot.signingKey(sk: sk).publicKey
        _ = try write { db in
            try updateRoster(db) { r in
                if let i = r.accounts.firstIndex(where: { $0.login == slot.login }) {
                    r.accounts[i].slot = slot.publicKey
                    r.accounts[i].role = listedRole ?? slot.role
                    r.accounts[i].sign.append(signKey)
                    r.accounts[i].secondFactor = secondFactor
                } else {
                    r.accounts.append(.init(login: slot.login, role: listedRole ?? slot.role, slot: slot.publicKey,
                                            sign: [signKey], secondFactor: secondFactor))
                }
            }
        }
    }

    /// The policy for this session's new passphrase: its login and the
    /// practice doctor's name (no database open: no name), the same words as
    /// the interface's feedback, whose session knows both.
    public func passphrasePolicy() -> PassphrasePolicy {
        let doctorName = try? read { db in
            try String.fetchOne(db, sql: "SELECT value FROM cabinet_meta WHERE key = 'doctor_name'")
        }
        return PassphrasePolicy.forAccount(login: login, doctorName: doctorName ?? nil)
    }

    /// Changes this session's passphrase with the slot's secret key already
    /// in memory (opened at sign-in): the current passphrase is neither
    /// asked again nor kept anywhere until then (the forced change after a
    /// reset used to keep the one-time passphrase in the interface). Only
    /// this session's own slot is rewrapped; refused as `accountDisabled`
    /// when the envelope no longer holds the slot this session opened (reset
    /// or disabled from another desk meanwhile).
    func changePassphrase(new: Passphrase, kdf: KDFParameters) throws {
        let problems = passphrasePolicy().problems(new)
        if !problems.isEmpty { throw CabinetError.session(.passphraseTooWeak(problems: problems)) }
        guard let sk = slotSecret, role != .recovery else { throw CabinetError.session(.notSignedIn) }
        var fresh = new.withBytes { Array($0) }
        defer { fresh.wipe() }
        let me = login, mine = slotPublicKey
        try updateEnvelope { env in
            guard let i = env.slots.firstIndex(where: { !$0.isRecovery && $0.login == me }), env.slots[i].publicKey == mine else {
                throw CabinetError.session(.accountDisabled(login: me))
            }
            var slot = env.slots[i]
            slot.kdf = kdf
            slot.salt = randomBytes(16)
            slot.mustChange = false
            try slot.wrapSecret(sk, secret: fresh, vaultID: env.vaultID)
            env.slots[i] = slot
        }
        mustChangePassphrase = false
    }

    /// Writes this session's slot rewrapped with the composed (NFC) bytes
    /// of its passphrase when the sign-in opened it with the decomposed
    /// ones: from then on the passphrase opens at the first try, whatever
    /// the keyboard sends. Only if the slot is still the one opened.
    func rewrapComposedPassphrase() throws {
        guard let pending = pendingComposedRewrap else { return }
        pendingComposedRewrap = nil
        try updateEnvelope { env in
            guard let i = env.slots.firstIndex(where: { $0 == pending.opened }) else { return }
            env.slots[i] = pending.composed
        }
    }

    /// Removes an account's slot (the recovery slot cannot be removed),
    /// then takes it off the list of accounts.
    public func removeSlot(login: String) throws {
        try updateEnvelope { env in
            guard let i = env.slots.firstIndex(where: { !$0.isRecovery && $0.login == login }) else {
                throw CabinetError.session(.unknownAccount(login: login))
            }
            env.slots.remove(at: i)
        }
        if rosterTrusted {
            _ = try write { db in
                try updateRoster(db) { r in
                    if let i = r.accounts.firstIndex(where: { $0.login == login }) {
                        r.accounts[i].slot = nil
                        r.accounts[i].secondFactor = false
                    }
                }
            }
        }
    }

    /// Reads, changes and writes the envelope inside an IMMEDIATE transaction,
    /// so that two processes changing slots are serialized by SQLite's write
    /// lock. The older copy is overwritten; the newer one stays intact until
    /// the new one is synced.
    func updateEnvelope(_ change: (inout Envelope) throws -> Void) throws {
        guard let dataKey else { throw CabinetError.session(.notSignedIn) }
        let path = self.path
        func body() throws {
            let (current, index) = try Envelope.read(path: path, headerKey: SubKey.headerMAC.derive(from: dataKey))
            var env = current
            try change(&env)
            env.generation = current.generation + 1
            let bytes = env.encode(headerKey: SubKey.headerMAC.derive(from: dataKey))
            // The older copy first (synced), then the other one: both end up
            // current, so damaging one byte of the newer copy can never bring
            // back a previous slot (an old passphrase, a removed account). A
            // crash between the two writes leaves one new and one old copy.
            for target in [1 - index, index] {
                let rc = bytes.withUnsafeBufferPointer {
                    csealed_envelope_write(path, $0.baseAddress, Int32(bytes.count), Int64(target * Envelope.copySize))
                }
                guard rc == SQLITE_OK else { throw StoreErrors.map(code: rc, vfs: nil) }
            }
            self.envelope = env
        }
        if let database {
            do {
                try database.writeWithoutTransaction { db in
                    try db.inTransaction(.immediate) { try body(); return .commit }
                }
            } catch let e as DatabaseError { throw map(e) }
        } else {
            try body()
        }
    }

    // MARK: - Lock

    /// Closes the database, unregisters the VFS and wipes the keys.
    public func lock() {
        writeWitness()
        for w in rawConnections { w.value?.close() }
        rawConnections = []
        if let database {
            try? database.close()
            // GRDB closes its read-only readers last, and a read-only
            // connection cannot checkpoint: one short read-write connection
            // folds the WAL back into the vault and removes it when no other
            // process has the vault open (one file to copy, nothing left over).
            if let vfs {
                let uri = Self.uri(path: path, vfs: String(cString: csealed_name(vfs)))
                if let raw = try? RawConnection(uri: uri) {
                    _ = try? raw.exec("PRAGMA temp_store = MEMORY; SELECT count(*) FROM sqlite_master")
                }
            }
        }
        database = nil
        if let vfs { csealed_unregister(vfs) }
        vfs = nil
        dataKey = nil
        clinicalKey = nil
        slotSecret = nil
        roster = nil
        rosterTrusted = false
        trailFinding = nil
        trailFindingLogged = false
        pendingSlotRewrap = nil
        patientIndexStorage.clear()
    }

    // MARK: - Internal access for the store

    package var vfsPointer: OpaquePointer? { vfs }
    var dataKeyForMaintenance: SecureBytes? { dataKey }
    package var clinicalKeyForSealing: SecureBytes? { clinicalKey }
    var slotSecretKey: SecureBytes? { slotSecret }
    /// A slot whose list entry does not hold the clinical key loses it.
    func dropClinicalKey() { clinicalKey = nil }

    func replaceAfterRekey(envelope: Envelope, dataKey: SecureBytes) throws {
        if let vfs { csealed_unregister(vfs) }
        vfs = nil
        self.envelope = envelope
        self.dataKey = dataKey
        vfs = try Self.registerVFS(dataKey: dataKey, fileID: envelope.fileID)
    }
}

extension Vault {
    /// Remembers a bare connection so that `lock` closes it before the VFS goes.
    package func track(_ raw: RawConnection) {
        rawConnections.removeAll { $0.value == nil }
        rawConnections.append(WeakRaw(raw))
    }
}

final class WeakRaw {
    weak var value: RawConnection?
    init(_ v: RawConnection) { value = v }
}

/// A process-wide counter for unique VFS names.
final class Counter: @unchecked Sendable {
    private var value = 0
    private let lock = NSLock()
    func next() -> Int { lock.lock(); defer { lock.unlock() }; value += 1; return value }
}

extension Vault {
    /// The checks `unlock` makes before touching the file: not found, a
    /// directory, empty, too short to be a vault, unreadable.
    /// The directory of a vault at a default location is ours to create,
    /// private to the user (0700); nothing when it exists.
    public static func makePrivateDirectory(for path: String) {
        let dir = PathNames.parent(path)
        if !dir.isEmpty && !FileManager.default.fileExists(atPath: dir) {
            try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true,
                                                     attributes: [.posixPermissions: 0o700])
        }
    }

    public static func preflight(_ path: String) throws { try checkOpenable(path) }

    /// The checks `create` makes: existing file, directory, missing parent,
    /// read-only place.
    public static func preflightCreate(_ path: String) throws { try checkCreatable(path) }
}

extension Vault {
    /// The session's own key slot is still in the envelope (read under the
    /// write lock): an account disabled from another desk, its slot
    /// removed, writes no more. A recovery-key session checks the recovery
    /// slot. An unreadable envelope is left to the checks that report it.
    func checkStillListed() throws {
        guard let envelope = try? Envelope.read(path: path).0 else { return }
        let listed = session.viaRecoveryKey ? envelope.recoverySlot != nil : envelope.slot(login: session.login) != nil
        if !listed { throw CabinetError.session(.accountDisabled(login: session.login)) }
    }

    /// Reads through the pool; SQLite errors come back as `CabinetError`
    /// (a page that fails authentication is named).
    public func read<T>(_ body: (Database) throws -> T) throws -> T {
        guard let database else { throw CabinetError.session(.notSignedIn) }
        do { return try database.read(body) } catch let e as DatabaseError { throw map(e) }
    }

    /// Writes in one transaction; refuses on a vault retired by a re-key made
    /// from another desk.
    public func write<T>(_ body: (Database) throws -> T) throws -> T {
        guard let database else { throw CabinetError.session(.notSignedIn) }
        do {
            return try database.write { db in
                if try String.fetchOne(db, sql: "SELECT value FROM cabinet_meta WHERE key = 'retired'") != nil {
                    throw CabinetError.vault(.retired)
                }
                try checkStillListed()
                return try body(db)
            }
        } catch let e as DatabaseError { throw map(e) }
    }

    /// Writes in one IMMEDIATE transaction: the write lock is taken before
    /// the first read, so a check and the write that depends on it cannot be
    /// separated by another process's commit (two desks booking one slot).
    public func writeImmediate<T>(_ body: (Database) throws -> T) throws -> T {
        guard let database else { throw CabinetError.session(.notSignedIn) }
        do {
            return try database.writeWithoutTransaction { db in
                var result: Result<T, any Error> = .failure(CabinetError.cancelled)
                try db.inTransaction(.immediate) {
                    if try String.fetchOne(db, sql: "SELECT value FROM cabinet_meta WHERE key = 'retired'") != nil {
                        throw CabinetError.vault(.retired)
                    }
                    try checkStillListed()
                    result = .success(try body(db))
                    return .commit
                }
                return try result.get()
            }
        } catch let e as DatabaseError { throw map(e) }
    }
}