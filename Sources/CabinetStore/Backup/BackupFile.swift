import CSQLite
import CSealedVFS
import CSodium
import CabinetCore
import Foundation

/// Reading and checking a backup file, with whichever key opened it (a
/// session's slot, a passphrase or the recovery key at a restore).
enum BackupFile {
    struct Found {
        let path: String
        let envelope: Envelope
        let copies: [(envelope: Envelope, index: Int, macValid: (SecureBytes) -> Bool)]
        let size: Int64
    }

    struct Opened {
        let path: String
        let envelope: Envelope
        let dataKey: SecureBytes
        let size: Int64
    }

    /// The envelope's checks that need no key, in the order that names the
    /// most useful fault: not there, not ours, newer, not a backup.
    static func envelope(_ path: String) throws -> Found {
        var st = stat()
        guard stat(path, &st) == 0 else { throw CabinetError.backup(.notFound(path: path)) }
        if (st.st_mode & S_IFMT) == S_IFDIR { throw CabinetError.vault(.isDirectory(path: path)) }
        guard st.st_size >= off_t(Envelope.totalSize) else {
            // Something of ours cut inside its envelope is a truncated backup.
            let head = (try? Data(contentsOf: URL(fileURLWithPath: path)).prefix(8)) ?? Data()
            throw Array(head) == Envelope.magic ? CabinetError.backup(.truncated(path: path)) : CabinetError.backup(.notABackup(path: path))
        }
        let copies: [(envelope: Envelope, index: Int, macValid: (SecureBytes) -> Bool)]
        do {
            copies = try Envelope.candidates(path: path)
        } catch CabinetError.vault(.futureFormat(let found, let supported)) {
            throw CabinetError.backup(.futureFormat(path: path, found: found, supported: supported))
        } catch CabinetError.vault(.notAVault) {
            throw CabinetError.backup(.notABackup(path: path))
        } catch CabinetError.integrity(.envelopeDamaged) {
            throw CabinetError.backup(.damaged(path: path, region: .envelope(copy: 1)))
        }
        guard let newest = copies.first, newest.envelope.isBackup else { throw CabinetError.backup(.notABackup(path: path)) }
        return Found(path: path, envelope: newest.envelope, copies: copies, size: Int64(st.st_size))
    }

    /// With the backup's data key: both envelope copies genuine, the file
    /// as long as its envelope says.
    static func opened(_ found: Found, dataKey: SecureBytes) throws -> Opened {
        let headerKey = SubKey.headerMAC.derive(from: dataKey)
        for copy in 0..<2 {
            guard let c = found.copies.first(where: { $0.index == copy }), c.macValid(headerKey) else {
                throw CabinetError.backup(.damaged(path: found.path, region: .envelope(copy: copy + 1)))
            }
        }
        if found.size < Int64(Envelope.totalSize) + Int64(found.envelope.databasePages) * Int64(CSEALED_PAGE_SIZE) {
            throw CabinetError.backup(.truncated(path: found.path))
        }
        return Opened(path: found.path, envelope: found.envelope, dataKey: dataKey, size: found.size)
    }

    struct StoredManifest {
        let manifest: BackupManifest
        let body: [UInt8]
        let signer: String
        let publicKey: [UInt8]
        let signature: [UInt8]
    }

    static func readManifest(_ handle: OpaquePointer, path: String, vfs: OpaquePointer) throws -> StoredManifest {
        var stmt: OpaquePointer?
        let sql = "SELECT body, signer, public_key, signature FROM \(SQLBackupRepository.manifestTable) WHERE id = 1"
        guard sqlite3_prepare_v2(handle, sql, -1, &stmt, nil) == SQLITE_OK, let stmt else {
            if let region = StoreErrors.region(vfs), case .page(let n) = region {
                throw CabinetError.backup(.damaged(path: path, region: .page(n)))
            }
            throw CabinetError.backup(.damaged(path: path, region: .manifest))
        }
        defer { sqlite3_finalize(stmt) }
        if sqlite3_step(stmt) != SQLITE_ROW {
            if let region = StoreErrors.region(vfs), case .page(let n) = region {
                throw CabinetError.backup(.damaged(path: path, region: .page(n)))
            }
            throw CabinetError.backup(.damaged(path: path, region: .manifest))
        }
        func blob(_ i: Int32) -> [UInt8] {
            let n = Int(sqlite3_column_bytes(stmt, i))
            guard n > 0, let p = sqlite3_column_blob(stmt, i) else { return [] }
            return Array(UnsafeRawBufferPointer(start: p, count: n))
        }
        let body = blob(0)
        let signer = sqlite3_column_text(stmt, 1).map { String(cString: $0) } ?? ""
        // A manifest of a newer Cabinet: refused, never guessed at.
        if let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
           let format = object["format"] as? Int, format > BackupManifest.currentFormat {
            throw CabinetError.backup(.futureFormat(path: path, found: format, supported: BackupManifest.currentFormat))
        }
        guard let manifest = BackupManifest.decode(body) else { throw CabinetError.backup(.damaged(path: path, region: .manifest)) }
        return StoredManifest(manifest: manifest, body: body, signer: signer, publicKey: blob(2), signature: blob(3))
    }

    /// Opens the backup's database read-only through a VFS of its own.
    static func withDatabase<T>(_ b: Opened, _ body: (RawConnection, OpaquePointer) throws -> T) throws -> T {
        let vfs = try Vault.registerVFS(dataKey: b.dataKey, fileID: b.envelope.fileID)
        defer { csealed_unregister(vfs) }
        let conn: RawConnection
        do { conn = try RawConnection(uri: Vault.uri(path: b.path, vfs: String(cString: csealed_name(vfs))), readOnly: true) } catch {
            throw CabinetError.backup(.damaged(path: b.path, region: .page(1)))
        }
        defer { conn.close() }
        do {
            return try body(conn, vfs)
        } catch CabinetError.integrity(.damaged(.page(let n))) {
            throw CabinetError.backup(.damaged(path: b.path, region: .page(n)))
        } catch CabinetError.integrity(.integrityCheckFailed(let count)) {
            throw CabinetError.backup(.damaged(path: b.path, region: .structure(count: count)))
        }
    }

    /// What the backup says of itself, unchecked.
    static func inspect(_ b: Opened) throws -> BackupRecord {
        let stored = try withDatabase(b) { conn, vfs in try readManifest(conn.handle, path: b.path, vfs: vfs) }
        return BackupRecord(path: b.path, createdAt: stored.manifest.createdAt, createdBy: stored.manifest.createdBy,
                            bytes: b.size, pages: Int64(b.envelope.databasePages), rows: stored.manifest.totalRows,
                            state: .unverified)
    }

    /// The check by restore: every page authenticated under the backup's
    /// key and file id, SQLite's integrity check, the manifest's signature,
    /// every row hashed again and compared with the manifest. The pages and
    /// the structure are checked on one thread while the rows are hashed on
    /// another (two connections, each with a VFS of its own); a page that
    /// fails is named first, then the structure, then the manifest and the
    /// content.
    static func verify(_ b: Opened, cabinetID: String, signerTrusted: (String, [UInt8]) -> Bool,
                       progress: @escaping (BackupProgress) -> Void) throws -> BackupRecord {
        let pages = Int64(b.envelope.databasePages)
        let meter = CheckMeter(progress)
        let side = SideResults()
        let group = DispatchGroup()
        nonisolated(unsafe) let opened = b
        DispatchQueue.global(qos: .userInitiated).async(group: group) {
            do {
                try authenticatePages(opened, pages: pages, meter: meter)
                side.pages = nil
            } catch { side.pages = error }
            do {
                try withDatabase(opened) { conn, vfs in
                    try conn.exec("PRAGMA temp_store = MEMORY; PRAGMA mmap_size = 0", vfs: vfs)
                    let problems = try conn.exec("PRAGMA integrity_check", vfs: vfs)
                    if problems != ["ok"] {
                        throw CabinetError.backup(.damaged(path: opened.path, region: .structure(count: problems.count)))
                    }
                }
                side.structure = nil
            } catch { side.structure = error }
            meter.structureDone()
        }
        let rows: Result<BackupRecord, any Error> = Result {
            try withDatabase(b) { conn, vfs in
                try conn.exec("PRAGMA temp_store = MEMORY; PRAGMA mmap_size = 0; BEGIN", vfs: vfs)
                defer { _ = try? conn.exec("COMMIT", vfs: vfs) }
                let stored = try readManifest(conn.handle, path: b.path, vfs: vfs)
                guard stored.manifest.cabinetID == cabinetID,
                      SQLBackupRepository.signatureValid(stored.signature, body: stored.body, publicKey: stored.publicKey),
                      signerTrusted(stored.signer, stored.publicKey) else {
                    throw CabinetError.backup(.damaged(path: b.path, region: .manifest))
                }
                let total = max(stored.manifest.totalRows, 1)
                let content = try ContentHash.compute(conn.handle, vfs: vfs, skipping: [SQLBackupRepository.manifestTable]) { n in
                    meter.rows(n, of: total)
                }
                guard AuditLog.hex(content.digest) == stored.manifest.contentHash, content.rowCounts == stored.manifest.rowCounts else {
                    throw CabinetError.backup(.damaged(path: b.path, region: .content))
                }
                return BackupRecord(path: b.path, createdAt: stored.manifest.createdAt, createdBy: stored.manifest.createdBy,
                                    bytes: b.size, pages: pages, rows: content.totalRows, state: .verified)
            }
        }
        group.wait()
        if let e = side.pages { throw e }
        if let e = side.structure { throw e }
        let record = try rows.get()
        meter.finish()
        return record
    }

    /// Every page authenticated (the lock-byte page skipped), the count
    /// checked against the envelope's.
    private static func authenticatePages(_ b: Opened, pages: Int64, meter: CheckMeter) throws {
        let vfs = try Vault.registerVFS(dataKey: b.dataKey, fileID: b.envelope.fileID)
        defer { csealed_unregister(vfs) }
        final class Sink {
            var first: Int64?
            let meter: CheckMeter
            init(_ m: CheckMeter) { meter = m }
        }
        let sink = Sink(meter)
        let ctx = Unmanaged.passUnretained(sink).toOpaque()
        var examined: Int64 = 0
        let bad = csealed_verify_main_progress(vfs, b.path, { ctx, _, index in
            guard let ctx else { return }
            let s = Unmanaged<Sink>.fromOpaque(ctx).takeUnretainedValue()
            if s.first == nil { s.first = index }
        }, ctx, &examined, { ctx, done, total in
            guard let ctx else { return }
            Unmanaged<Sink>.fromOpaque(ctx).takeUnretainedValue().meter.pages(done, of: total)
        }, ctx)
        if bad < 0 { throw CabinetError.vault(.io(path: b.path, errno: EIO)) }
        if let first = sink.first { throw CabinetError.backup(.damaged(path: b.path, region: .page(first))) }
        if examined < pages { throw CabinetError.backup(.truncated(path: b.path)) }
    }
}

/// The results of the check's second thread.
private final class SideResults: @unchecked Sendable {
    private let lock = NSLock()
    private var _pages: (any Error)?
    private var _structure: (any Error)?
    var pages: (any Error)? {
        get { lock.lock(); defer { lock.unlock() }; return _pages }
        set { lock.lock(); _pages = newValue; lock.unlock() }
    }
    var structure: (any Error)? {
        get { lock.lock(); defer { lock.unlock() }; return _structure }
        set { lock.lock(); _structure = newValue; lock.unlock() }
    }
}

/// One progress figure for a check run on two threads, in per mille: the
/// pages 30 %, the structure 30 %, the rows 40 %. Reports one at a time.
final class CheckMeter: @unchecked Sendable {
    private let lock = NSLock()
    private let report: (BackupProgress) -> Void
    private var pageShare = 0.0, structure = false, rowShare = 0.0
    private var shown: Int64 = -1

    init(_ report: @escaping (BackupProgress) -> Void) { self.report = report }

    func pages(_ done: Int64, of total: Int64) { update { $0.pageShare = total > 0 ? Double(done) / Double(total) : 1 } }
    func structureDone() { update { $0.structure = true } }
    func rows(_ done: Int64, of total: Int64) { update { $0.rowShare = min(1, Double(done) / Double(max(total, 1))) } }
    func finish() { update { m in m.pageShare = 1; m.structure = true; m.rowShare = 1 } }

    private func update(_ change: (CheckMeter) -> Void) {
        lock.lock()
        defer { lock.unlock() }
        change(self)
        let permille = Int64(300 * pageShare + (structure ? 300 : 0) + 400 * rowShare)
        guard permille != shown else { return }
        shown = permille
        report(BackupProgress(step: .verify, done: permille, total: 1000))
    }
}
