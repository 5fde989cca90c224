import CSQLite
import CSealedVFS
import CSodium
import CabinetCore
import Foundation
import GRDB

/// Backups of a vault (docs/BACKUP.md).
///
/// A backup is a vault file of its own: the envelope (the same slots, so the
/// same passphrases and the recovery key open it; a new file id; marked as a
/// backup, which unlock refuses) and the vault's pages copied from one read
/// transaction with SQLite's online backup, sealed to sealed (each page
/// opened in memory under the data key and sealed again for the new file;
/// nothing in clear touches a disk). Inside, a `backup_manifest` row: what
/// the snapshot held (rows per table, a hash of every row, the trail's
/// head), signed with the signing key of the account that made it.
final class SQLBackupRepository: BackupRepository {
    let vault: Vault

    init(vault: Vault) { self.vault = vault }

    var vaultPath: String { vault.path }

    static let manifestTable = "backup_manifest"
    static let signatureContext = Array("cabinet-backup-manifest-v1".utf8)

    // MARK: - One at a time

    private final class Hold: BackupHold {
        let fd: Int32
        init(fd: Int32) { self.fd = fd }
        func release() { flock(fd, LOCK_UN); close(fd) }
    }

    /// `flock` on `<vault>.backup-lock`, beside the vault that both desks
    /// share: a second backup, from this desk or the other, is refused.
    func exclusive() throws -> any BackupHold {
        let lockPath = vault.path + ".backup-lock"
        let fd = Glibc.open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o660)
        guard fd >= 0 else { throw CabinetError.vault(.io(path: lockPath, errno: errno)) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            throw CabinetError.backup(.alreadyRunning)
        }
        return Hold(fd: fd)
    }

    func space(in directory: String) throws -> (needed: Int64, free: Int64) {
        var st = stat()
        var needed: Int64 = 0
        if stat(vault.path, &st) == 0 { needed += Int64(st.st_size) }
        if stat(vault.path + "-wal", &st) == 0 { needed += Int64(st.st_size) }
        var fs = statvfs()
        guard statvfs(directory, &fs) == 0 else { throw CabinetError.backup(.destinationMissing(path: directory)) }
        return (needed, Int64(fs.f_bavail) * Int64(fs.f_frsize))
    }

    // MARK: - Snapshot

    func snapshot(into directory: String, name: String,
                  progress: @escaping (BackupProgress) -> Void) throws -> BackupRecord {
        guard let vfs = vault.vfsPointer, let dataKey = vault.dataKeyForMaintenance, let sk = vault.slotSecretKey else {
            throw CabinetError.session(.notSignedIn)
        }
        let final = PathNames.join(directory, name)
        let temp = PathNames.join(directory, BackupRules.partialName(name))
        if access(final, F_OK) == 0 { throw CabinetError.backup(.targetExists(path: final)) }
        Self.removeStalePartials(in: directory)
        do {
            return try write(temp: temp, final: final, vfs: vfs, dataKey: dataKey, sk: sk, directory: directory, progress: progress)
        } catch {
            Vault.removeVaultFiles(temp)
            // A write that failed in the destination (full, refused, a
            // file-size limit): nothing left there, the vault untouched.
            switch error {
            case CabinetError.vault(.diskFull), CabinetError.vault(.io), CabinetError.vault(.databaseError),
                 CabinetError.vault(.readOnlyLocation):
                let space = (try? self.space(in: directory)) ?? (needed: 0, free: 0)
                throw CabinetError.backup(.writeFailed(path: directory, needed: space.needed, free: space.free))
            default:
                throw error
            }
        }
    }

    private func write(temp: String, final: String, vfs: OpaquePointer, dataKey: SecureBytes, sk: SecureBytes,
                       directory: String, progress: @escaping (BackupProgress) -> Void) throws -> BackupRecord {
        // 1. The snapshot: one read transaction on a connection of our own,
        //    held until the copy ends; the other desk keeps writing (WAL).
        let source = try RawConnection(uri: Vault.uri(path: vault.path, vfs: String(cString: csealed_name(vfs))), readOnly: true)
        defer { source.close() }
        try source.exec("PRAGMA temp_store = MEMORY; PRAGMA mmap_size = 0", vfs: vfs)
        try source.exec("BEGIN", vfs: vfs)
        defer { _ = try? source.exec("COMMIT", vfs: vfs) }
        let pages = Int64(try source.exec("PRAGMA page_count", vfs: vfs).first ?? "") ?? 0
        // The rows to read, estimated for the progress bar (the largest
        // rowid of each table: one b-tree descent each).
        var estimate: Int64 = 0
        let rowidTables = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            + "AND coalesce(sql, '') NOT LIKE '%WITHOUT ROWID%' AND coalesce(sql, '') NOT LIKE 'CREATE VIRTUAL%'"
        for t in try ContentHash.query(source.handle, vfs: vfs, rowidTables) {
            let quoted = "\"" + t[0].replacingOccurrences(of: "\"", with: "\"\"") + "\""
            estimate += Int64(try ContentHash.query(source.handle, vfs: vfs, "SELECT coalesce(max(rowid), 0) FROM \(quoted)").first?.first ?? "0") ?? 0
        }
        progress(BackupProgress(step: .snapshot, done: 0, total: estimate))
        let content = try ContentHash.compute(source.handle, vfs: vfs) { rows in
            progress(BackupProgress(step: .snapshot, done: min(rows, estimate), total: estimate))
        }
        let head = try ContentHash.query(source.handle, vfs: vfs, "SELECT seq, hex(mac) FROM audit ORDER BY seq DESC LIMIT 1").first
        let now = Date()
        let manifest = BackupManifest(cabinetID: AuditLog.hex(vault.vaultID), createdAt: now, createdBy: vault.session.actor,
                                      vaultFormat: Int(vault.envelope.version), pageCount: pages,
                                      rowCounts: content.rowCounts, contentHash: AuditLog.hex(content.digest),
                                      auditHead: head.flatMap { Int64($0[0]) }, auditHeadMAC: head?[1].lowercased())

        // 2. The new file: the vault's envelope as it is on disk now (the
        //    other desk may have changed a slot), a new file id, marked.
        let headerKey = SubKey.headerMAC.derive(from: dataKey)
        var env = try Envelope.read(path: vault.path, headerKey: headerKey).0
        env.fileID = randomBytes(16)
        env.generation = 1
        env.databaseCreated = true
        env.databasePages = UInt64(pages)
        env.isBackup = true
        try Vault.writeNewFile(path: temp, envelope: env, dataKey: dataKey, mode: 0o600)

        // 3. The pages, through both seals, in page order.
        let destVFS = try Vault.registerVFS(dataKey: dataKey, fileID: env.fileID)
        defer { csealed_unregister(destVFS) }
        let destURI = Vault.uri(path: temp, vfs: String(cString: csealed_name(destVFS)))
        do {
            let dest = try RawConnection(uri: destURI)
            defer { dest.close() }
            var reserve = Int32(CSEALED_RESERVE)
            _ = sqlite3_file_control(dest.handle, "main", SQLITE_FCNTL_RESERVE_BYTES, &reserve)
            try dest.exec("""
                PRAGMA page_size = \(CSEALED_PAGE_SIZE); PRAGMA temp_store = MEMORY; PRAGMA mmap_size = 0;
                PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -16000
                """, vfs: destVFS)
            guard let copy = sqlite3_backup_init(dest.handle, "main", source.handle, "main") else {
                throw StoreErrors.map(code: sqlite3_extended_errcode(dest.handle), vfs: destVFS)
            }
            var rc: Int32
            repeat {
                rc = sqlite3_backup_step(copy, 2048)
                if rc == SQLITE_OK || rc == SQLITE_DONE {
                    let count = Int64(sqlite3_backup_pagecount(copy))
                    progress(BackupProgress(step: .copy, done: count - Int64(sqlite3_backup_remaining(copy)), total: count))
                }
            } while rc == SQLITE_OK
            let finished = sqlite3_backup_finish(copy)
            guard rc == SQLITE_DONE, finished == SQLITE_OK else {
                let code = rc != SQLITE_DONE ? rc : sqlite3_extended_errcode(dest.handle)
                let sourceFailed = csealed_last_failure(vfs, nil) != CSEALED_REGION_NONE
                throw StoreErrors.map(code: code, vfs: sourceFailed ? vfs : destVFS)
            }
            // The copy took the vault's header, WAL mode included: a backup
            // is a rollback-journal file (opened read-only, it then needs
            // no -wal or -shm beside it; a restored vault goes back to WAL
            // when it is opened as the vault).
            try dest.exec("PRAGMA journal_mode = DELETE; PRAGMA journal_mode = OFF", vfs: destVFS)
            // 4. The manifest, signed by this session's account.
            let body = manifest.encoded()
            let signing = KeySlot.signingKey(sk: sk)
            let signature = Self.sign(body, with: signing.secretKey)
            try dest.exec("""
                CREATE TABLE \(Self.manifestTable) (
                    id         INTEGER PRIMARY KEY CHECK (id = 1),
                    body       BLOB NOT NULL,
                    signer     TEXT NOT NULL,
                    public_key BLOB NOT NULL,
                    signature  BLOB NOT NULL)
                """, vfs: destVFS)
            try Self.insertManifest(dest.handle, body: body, signer: vault.session.actor, publicKey: signing.publicKey,
                                    signature: signature, vfs: destVFS)
        }
        // 5. The envelope records the final size (a shorter file is then a
        //    truncated backup); the file is synced, renamed, its folder synced.
        var st = stat()
        guard stat(temp, &st) == 0 else { throw CabinetError.vault(.io(path: temp, errno: errno)) }
        env.databasePages = UInt64((Int64(st.st_size) - Int64(CSEALED_HEADER_SIZE) + Int64(CSEALED_PAGE_SIZE) - 1) / Int64(CSEALED_PAGE_SIZE))
        try Self.rewriteEnvelope(temp, env, headerKey: headerKey)
        let fd = Glibc.open(temp, O_RDONLY | O_CLOEXEC)
        guard fd >= 0, fsync(fd) == 0 else {
            let e = errno
            if fd >= 0 { close(fd) }
            throw e == ENOSPC ? CabinetError.vault(.diskFull) : CabinetError.vault(.io(path: temp, errno: e))
        }
        close(fd)
        guard rename(temp, final) == 0 else { throw CabinetError.vault(.io(path: final, errno: errno)) }
        Vault.syncDirectory(of: final)
        return BackupRecord(path: final, createdAt: now, createdBy: manifest.createdBy, bytes: Int64(st.st_size),
                            pages: Int64(env.databasePages), rows: content.totalRows, state: .unverified)
    }

    /// Partial files an interrupted run left (a kill, a power cut): ours by
    /// their name, removed while this run holds the backup lock.
    static func removeStalePartials(in directory: String) {
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] {
            guard name.hasPrefix(".cabinet-"), name.hasSuffix(".\(BackupRules.fileExtension).partial") else { continue }
            Vault.removeVaultFiles(PathNames.join(directory, name))
        }
    }

    static func sign(_ body: [UInt8], with key: SecureBytes) -> [UInt8] {
        let msg = signatureContext + body
        var sig = [UInt8](repeating: 0, count: 64)
        key.withBytes { k in _ = crypto_sign_detached(&sig, nil, msg, UInt64(msg.count), k) }
        return sig
    }

    static func signatureValid(_ sig: [UInt8], body: [UInt8], publicKey: [UInt8]) -> Bool {
        guard sig.count == 64, publicKey.count == 32 else { return false }
        let msg = signatureContext + body
        return crypto_sign_verify_detached(sig, msg, UInt64(msg.count), publicKey) == 0
    }

    private static func insertManifest(_ handle: OpaquePointer, body: [UInt8], signer: String, publicKey: [UInt8],
                                       signature: [UInt8], vfs: OpaquePointer) throws {
        var stmt: OpaquePointer?
        let sql = "INSERT INTO \(manifestTable)(id, body, signer, public_key, signature) VALUES (1, ?, ?, ?, ?)"
        guard sqlite3_prepare_v2(handle, sql, -1, &stmt, nil) == SQLITE_OK, let stmt else {
            throw StoreErrors.map(code: sqlite3_extended_errcode(handle), vfs: vfs)
        }
        defer { sqlite3_finalize(stmt) }
        let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
        _ = body.withUnsafeBytes { sqlite3_bind_blob(stmt, 1, $0.baseAddress, Int32($0.count), transient) }
        _ = sqlite3_bind_text(stmt, 2, signer, -1, transient)
        _ = publicKey.withUnsafeBytes { sqlite3_bind_blob(stmt, 3, $0.baseAddress, Int32($0.count), transient) }
        _ = signature.withUnsafeBytes { sqlite3_bind_blob(stmt, 4, $0.baseAddress, Int32($0.count), transient) }
        guard sqlite3_step(stmt) == SQLITE_DONE else { throw StoreErrors.map(code: sqlite3_extended_errcode(handle), vfs: vfs) }
    }

    /// Both copies of the envelope, written over the file's first 16 KiB.
    static func rewriteEnvelope(_ path: String, _ env: Envelope, headerKey: SecureBytes) throws {
        var second = env
        second.generation = env.generation - 1
        let bytes = env.encode(headerKey: headerKey) + second.encode(headerKey: headerKey)
        let rc = bytes.withUnsafeBufferPointer { csealed_envelope_write(path, $0.baseAddress, Int32($0.count), 0) }
        guard rc == SQLITE_OK else {
            throw (rc & 0xFF) == SQLITE_FULL ? CabinetError.vault(.diskFull) : CabinetError.vault(.io(path: path, errno: EIO))
        }
    }

    // MARK: - Opening a backup

    /// A backup opened with this session's key: this account's slot in the
    /// backup (the same key pair unless the account was reset since) gives
    /// the backup's data key, whatever re-keys happened after it.
    func open(_ path: String) throws -> BackupFile.Opened {
        let found = try BackupFile.envelope(path)
        guard found.envelope.vaultID == vault.vaultID else { throw CabinetError.backup(.otherCabinet(path: path)) }
        guard let sk = vault.slotSecretKey,
              let slot = found.envelope.slots.first(where: { $0.publicKey == vault.slotPublicKey }),
              let dataKey = slot.openDataKey(sk: sk) else {
            throw CabinetError.backup(.noKeyForBackup(path: path))
        }
        return try BackupFile.opened(found, dataKey: dataKey)
    }

    /// The signature holds, under a key the list of accounts gives that
    /// account (the one who made the backup; the front desk's own key
    /// included): a manifest the data key's holder rewrote in another's
    /// name does not.
    private func signerTrusted(_ signer: String, _ publicKey: [UInt8]) -> Bool {
        guard vault.roster != nil else { return true } // format 1: nothing lists the keys
        let keys = (try? vault.read { db in try self.vault.auditTrust(db).keys[signer] }) ?? nil
        return keys?.contains(publicKey) ?? false
    }

    func inspect(_ path: String) throws -> BackupRecord {
        try BackupFile.inspect(open(path))
    }

    func verify(_ path: String, progress: @escaping (BackupProgress) -> Void) throws -> BackupRecord {
        try BackupFile.verify(open(path), cabinetID: AuditLog.hex(vault.vaultID), signerTrusted: signerTrusted, progress: progress)
    }

    // MARK: - History

    func setAside(_ path: String) throws -> String {
        var target = path + BackupRules.failedSuffix
        var n = 2
        while access(target, F_OK) == 0 { target = path + BackupRules.failedSuffix + "-\(n)"; n += 1 }
        guard rename(path, target) == 0 else { throw CabinetError.vault(.io(path: path, errno: errno)) }
        Vault.syncDirectory(of: target)
        _ = try? vault.write { db in
            try db.execute(sql: "UPDATE backup_history SET path = ? WHERE path = ?", arguments: [target, path])
        }
        return target
    }

    func record(_ backup: BackupRecord, action: AuditAction, detail: String) throws {
        let appender = try vault.auditAppender()
        _ = try vault.write { db in
            try db.execute(sql: """
                INSERT INTO backup_history(path, created_at, created_by, bytes, pages, rows, state, checked_at, failure)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(path) DO UPDATE SET bytes = excluded.bytes, pages = excluded.pages, rows = excluded.rows,
                    state = excluded.state, checked_at = excluded.checked_at, failure = excluded.failure
                """, arguments: [backup.path, AuditLog.timestamp(backup.createdAt), backup.createdBy, backup.bytes,
                                 backup.pages, backup.rows, backup.state.rawValue,
                                 backup.checkedAt.map(AuditLog.timestamp), backup.failure.flatMap(Self.failureCode)])
            try appender.append(db, action, object: nil, detail: detail)
        }
    }

    func history() throws -> [BackupRecord] {
        try vault.read { db in
            try Row.fetchAll(db, sql: """
                SELECT path, created_at, created_by, bytes, pages, rows, state, checked_at, failure
                FROM backup_history ORDER BY created_at DESC, path DESC
                """).map { r in
                let path: String = r[0]
                return BackupRecord(path: path, createdAt: AuditLog.date(r[1]), createdBy: r[2], bytes: r[3], pages: r[4], rows: r[5],
                                    state: BackupRecord.State(rawValue: r[6]) ?? .unverified,
                                    checkedAt: (r[7] as String?).map(AuditLog.date),
                                    failure: (r[8] as String?).flatMap { Self.failure(code: $0, path: path) })
            }
        }
    }

    func destination() throws -> String? {
        try vault.read { db in try String.fetchOne(db, sql: "SELECT value FROM cabinet_meta WHERE key = 'backup_destination'") }
    }

    func setDestination(_ directory: String) throws {
        let appender = try vault.auditAppender()
        _ = try vault.write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO cabinet_meta(key, value) VALUES ('backup_destination', ?)", arguments: [directory])
            try appender.append(db, .settingsChanged, object: nil, detail: "backup.destination")
        }
    }

    /// How a failure is kept in the history: the region, never a message.
    static func failureCode(_ error: CabinetError) -> String? {
        guard case .backup(let e) = error else { return nil }
        switch e {
        case .truncated: return "truncated"
        case .damaged(_, let region):
            switch region {
            case .envelope(let copy): return "envelope:\(copy)"
            case .page(let n): return "page:\(n)"
            case .manifest: return "manifest"
            case .content: return "content"
            case .structure(let n): return "structure:\(n)"
            }
        default: return nil
        }
    }

    static func failure(code: String, path: String) -> CabinetError? {
        let parts = code.split(separator: ":").map(String.init)
        let n = parts.count > 1 ? Int64(parts[1]) ?? 0 : 0
        switch parts.first {
        case "truncated": return .backup(.truncated(path: path))
        case "envelope": return .backup(.damaged(path: path, region: .envelope(copy: Int(n))))
        case "page": return .backup(.damaged(path: path, region: .page(n)))
        case "manifest": return .backup(.damaged(path: path, region: .manifest))
        case "content": return .backup(.damaged(path: path, region: .content))
        case "structure": return .backup(.damaged(path: path, region: .structure(count: Int(n))))
        default: return nil
        }
    }
}
