import CSQLite
import CSealedVFS
import CabinetCore
import Foundation
import GRDB

/// What `verify` found.
public struct VerifyReport: Sendable, Equatable {
    public var pagesChecked: Int64 = 0
    public var walFrames: Int64 = 0
    public var damaged: [DamagedRegion] = []
    public var tornWALTail = false
    public var integrityErrors: [String] = []
    /// One of the two envelope copies fails its checksum (the other one
    /// opened the vault). Not fatal, but a sign of damage worth a backup.
    public var envelopeCopyDamaged = false
    public var isOK: Bool { damaged.isEmpty && integrityErrors.isEmpty && !envelopeCopyDamaged }
}

/// Steps of a re-key, for tests that interrupt it at each one.
@_spi(Testing)
public enum RekeyStep: Int, CaseIterable, Sendable {
    case exclusiveAccess, newFileWritten, copied, verified, synced, swapped
}

private final class FailureList {
    var items: [DamagedRegion] = []
}

extension Vault {
    // MARK: - Verify

    /// Authenticates every page of the file and every frame of its WAL, then
    /// runs SQLite's `integrity_check` when no page failed. Works on a vault
    /// unlocked without opening its database.
    public func verify() throws -> VerifyReport {
        guard let vfs = vfsPointer else { throw CabinetError.wrongPassphrase }
        var report = VerifyReport()
        let list = FailureList()
        let ctx = Unmanaged.passUnretained(list).toOpaque()
        let cb: csealed_failure_cb = { ctx, region, index in
            guard let ctx else { return }
            let l = Unmanaged<FailureList>.fromOpaque(ctx).takeUnretainedValue()
            l.items.append(region == CSEALED_REGION_WAL ? .walFrame(index) : .page(index))
        }
        var pages: Int64 = 0
        let bad = csealed_verify_main(vfs, path, cb, ctx, &pages)
        if bad < 0 { throw CabinetError.io(path: path, errno: EIO) }
        report.pagesChecked = pages
        var frames: Int64 = 0
        var torn: Int32 = 0
        if csealed_verify_wal(vfs, path + "-wal", cb, ctx, &frames, &torn) < 0 {
            throw CabinetError.io(path: path + "-wal", errno: EIO)
        }
        report.walFrames = frames
        report.tornWALTail = torn != 0
        report.damaged = list.items
        report.envelopeCopyDamaged = (try? Envelope.readBoth(path: path).intactCopies) != 2
        guard report.damaged.isEmpty else { return report }
        // A read-only connection: verifying never writes to the vault.
        do {
            let check = try RawConnection(uri: Vault.uri(path: path, vfs: String(cString: csealed_name(vfs))), readOnly: true)
            defer { check.close() }
            try check.exec("PRAGMA temp_store = MEMORY; PRAGMA mmap_size = 0", vfs: vfs)
            let rows = try check.exec("PRAGMA integrity_check", vfs: vfs)
            report.integrityErrors = rows == ["ok"] ? [] : rows
        } catch CabinetError.damaged(let region) {
            report.damaged.append(region)
        }
        return report
    }

    // MARK: - Re-key

    /// Re-encrypts the whole vault under a fresh data key, into a new file
    /// swapped in atomically. Every slot keeps working (the new key is sealed
    /// to each slot's public key); whoever only knew the old data key cannot
    /// read the new file. Requires that no other process has the vault open.
    /// Interrupted at any point, the vault at `path` still opens; a failure
    /// leaves no file of the attempt behind (`<vault>.rekey` and its journal
    /// are removed).
    ///
    /// `progress` receives (pages copied, pages in the vault) while the
    /// pages are copied, on the calling thread.
    public func rekey(progress: ((Int64, Int64) -> Void)? = nil) throws {
        try rekey(interruptAfter: nil, progress: progress)
    }

    @_spi(Testing)
    public func rekey(interruptAfter: RekeyStep?, progress: ((Int64, Int64) -> Void)? = nil) throws {
        do {
            try performRekey(interruptAfter: interruptAfter, progress: progress)
        } catch {
            // Nothing of the attempt stays behind (the copy, its journal, a
            // WAL or shm SQLite may have made beside it), whatever failed.
            Vault.removeVaultFiles(path + ".rekey")
            // Whatever happened, carry on with whichever file is in place.
            if database == nil && !isLocked { try? openDatabase() }
            throw Self.rekeyFailure(error)
        }
    }

    /// Errors a doctor can act on: the ones that already say what to do are
    /// kept; an internal failure of the copy becomes "the re-key did not
    /// complete, the vault is unchanged" with what to check.
    static func rekeyFailure(_ error: any Error) -> any Error {
        switch error {
        case CabinetError.busy: return CabinetError.vaultInUse
        case CabinetError.databaseError, CabinetError.io, CabinetError.integrityCheckFailed, CabinetError.notAVault,
             CabinetError.readOnlyLocation:
            return CabinetError.rekeyFailed
        case is CabinetError: return error
        default: return CabinetError.rekeyFailed
        }
    }

    private func performRekey(interruptAfter: RekeyStep?, progress: ((Int64, Int64) -> Void)?) throws {
        guard let oldVFS = vfsPointer else { throw CabinetError.wrongPassphrase }
        func step(_ s: RekeyStep) throws { if interruptAfter == s { throw CabinetError.cancelled } }
        let oldName = String(cString: csealed_name(oldVFS))
        let temp = path + ".rekey"
        Vault.removeVaultFiles(temp)

        // 1. Exclusive access: leaving WAL mode fails while any other
        //    connection (another desk) has the vault open.
        if let database { try database.close() }
        database = nil
        let source = try RawConnection(uri: Vault.uri(path: path, vfs: oldName))
        sqlite3_busy_timeout(source.handle, 1000)
        try source.exec("PRAGMA temp_store = MEMORY; PRAGMA mmap_size = 0", vfs: oldVFS)
        do {
            let mode = try source.exec("PRAGMA journal_mode = DELETE", vfs: oldVFS)
            guard mode.first == "delete" else { throw CabinetError.vaultInUse }
            try source.exec("PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE; COMMIT", vfs: oldVFS)
        } catch CabinetError.busy {
            throw CabinetError.vaultInUse
        }
        try step(.exclusiveAccess)

        // 2. The new file: same vault id and slots, new file id, the new data
        //    key sealed to every slot.
        let newKey = SecureBytes.random(32)
        var env = envelope
        env.fileID = randomBytes(16)
        env.generation = 1
        for i in env.slots.indices { env.slots[i].sealDataKey(newKey) }
        var st = stat()
        let mode: mode_t = stat(path, &st) == 0 ? (st.st_mode & 0o777) : 0o600
        try Vault.writeNewFile(path: temp, envelope: env, dataKey: newKey, mode: mode)
        try step(.newFileWritten)

        // 3. Copy every row, page by page through both seals.
        let newVFS = try Vault.registerVFS(dataKey: newKey, fileID: env.fileID)
        defer { csealed_unregister(newVFS) }
        let escaped = Vault.uri(path: temp, vfs: String(cString: csealed_name(newVFS))).replacingOccurrences(of: "'", with: "''")
        let total = Int64(try source.exec("PRAGMA page_count", vfs: oldVFS).first ?? "") ?? 0
        let watcher = progress.map { RekeyProgress(vfs: newVFS, total: total, report: $0) }
        if let watcher {
            // Pages sealed into the copy so far, read from the new VFS's
            // counter every few thousand SQLite instructions.
            sqlite3_progress_handler(source.handle, 4000, { ctx in
                guard let ctx else { return 0 }
                Unmanaged<RekeyProgress>.fromOpaque(ctx).takeUnretainedValue().tick()
                return 0
            }, Unmanaged.passUnretained(watcher).toOpaque())
        }
        defer { sqlite3_progress_handler(source.handle, 0, nil, nil) }
        try withExtendedLifetime(watcher) {
            _ = try source.exec("VACUUM INTO '\(escaped)'", vfs: oldVFS)
        }
        progress?(total, total)
        try step(.copied)

        // 4. Check the copy before trusting it.
        do {
            let check = try RawConnection(uri: Vault.uri(path: temp, vfs: String(cString: csealed_name(newVFS))), readOnly: true)
            try check.exec("PRAGMA temp_store = MEMORY", vfs: newVFS)
            let rows = try check.exec("PRAGMA integrity_check", vfs: newVFS)
            guard rows == ["ok"] else { throw CabinetError.integrityCheckFailed(count: rows.count) }
        }
        try step(.verified)

        // 5. Durable before the swap.
        let fd = open(temp, O_RDONLY | O_CLOEXEC)
        guard fd >= 0, fsync(fd) == 0 else {
            if fd >= 0 { close(fd) }
            throw CabinetError.io(path: temp, errno: errno)
        }
        close(fd)
        try step(.synced)

        // 6. The atomic swap, then the old inode is marked retired for any
        //    process that slipped in before our exclusive lock.
        guard rename(temp, path) == 0 else { throw CabinetError.io(path: path, errno: errno) }
        Vault.syncDirectory(of: path)
        _ = try? source.exec("INSERT OR REPLACE INTO cabinet_meta(key, value) VALUES ('retired', '1')", vfs: oldVFS)
        try step(.swapped)

        // 7. Continue on the new file.
        try replaceAfterRekey(envelope: env, dataKey: newKey)
        try openDatabase()
    }
}

/// Feeds a re-key's progress callback from the new VFS's page counter.
private final class RekeyProgress {
    let vfs: OpaquePointer
    let total: Int64
    let report: (Int64, Int64) -> Void
    private var last: Int64 = -1

    init(vfs: OpaquePointer, total: Int64, report: @escaping (Int64, Int64) -> Void) {
        self.vfs = vfs
        self.total = total
        self.report = report
    }

    func tick() {
        let done = min(csealed_pages_written(vfs), total)
        guard done != last else { return }
        last = done
        report(done, total)
    }
}
