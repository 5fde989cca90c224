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
    /// What a doctor's session found changed by the holder of the data key
    /// (docs/SEALED-STORE.md "Threat model"); checked when the database is
    /// open and the session holds the clinical key.
    public var tampered: [TamperFinding] = []
    public var isOK: Bool { damaged.isEmpty && integrityErrors.isEmpty && !envelopeCopyDamaged && tampered.isEmpty }
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
        guard let vfs = vfsPointer else { throw CabinetError.session(.notSignedIn) }
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
        if bad < 0 { throw CabinetError.vault(.io(path: path, errno: EIO)) }
        report.pagesChecked = pages
        var frames: Int64 = 0
        var torn: Int32 = 0
        if csealed_verify_wal(vfs, path + "-wal", cb, ctx, &frames, &torn) < 0 {
            throw CabinetError.vault(.io(path: path + "-wal", errno: EIO))
        }
        report.walFrames = frames
        report.tornWALTail = torn != 0
        report.damaged = list.items
        // Both copies intact (checksum) and genuine (MAC under the data key):
        // a copy rewritten without the key is set aside at unlock, and
        // reported here.
        if let dataKey = dataKeyForMaintenance, let copies = try? Envelope.candidates(path: path) {
            let headerKey = SubKey.headerMAC.derive(from: dataKey)
            report.envelopeCopyDamaged = copies.filter { $0.macValid(headerKey) }.count != 2
        } else {
            report.envelopeCopyDamaged = (try? Envelope.readBoth(path: path).intactCopies) != 2
        }
        guard report.damaged.isEmpty else { return report }
        // A read-only connection: verifying never writes to the vault.
        do {
            let check = try RawConnection(uri: Vault.uri(path: path, vfs: String(cString: csealed_name(vfs))), readOnly: true)
            defer { check.close() }
            try check.exec("PRAGMA temp_store = MEMORY; PRAGMA mmap_size = 0", vfs: vfs)
            let rows = try check.exec("PRAGMA integrity_check", vfs: vfs)
            report.integrityErrors = rows == ["ok"] ? [] : rows
        } catch CabinetError.integrity(.damaged(let region)) {
            report.damaged.append(region)
        }
        if report.damaged.isEmpty && database != nil { report.tampered = try verifyTrust() }
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
        case CabinetError.vault(.busy): return CabinetError.vault(.inUse)
        case CabinetError.vault(.databaseError), CabinetError.vault(.io), CabinetError.integrity(.integrityCheckFailed), CabinetError.vault(.notAVault),
             CabinetError.vault(.readOnlyLocation):
            return CabinetError.vault(.rekeyFailed)
        case is CabinetError: return error
        default: return CabinetError.vault(.rekeyFailed)
        }
    }

    private func performRekey(interruptAfter: RekeyStep?, progress: ((Int64, Int64) -> Void)?) throws {
        guard let oldVFS = vfsPointer else { throw CabinetError.session(.notSignedIn) }
        func step(_ s: RekeyStep) throws { if interruptAfter == s { throw CabinetError.cancelled } }
        let oldName = String(cString: csealed_name(oldVFS))
        let temp = path + ".rekey"
        Vault.removeVaultFiles(temp)
        // The slots to keep come from the authenticated list of accounts:
        // read it (a vault unlocked without its database has not yet).
        if roster == nil && database == nil { try openDatabase() }

        // 1. Exclusive access: leaving WAL mode fails while any other
        //    connection (another desk) has the vault open.
        if let database { try database.close() }
        database = nil
        let source = try RawConnection(uri: Vault.uri(path: path, vfs: oldName))
        sqlite3_busy_timeout(source.handle, 1000)
        try source.exec("PRAGMA temp_store = MEMORY; PRAGMA mmap_size = 0", vfs: oldVFS)
        do {
            let mode = try source.exec("PRAGMA journal_mode = DELETE", vfs: oldVFS)
            guard mode.first == "delete" else { throw CabinetError.vault(.inUse) }
            try source.exec("PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE; COMMIT", vfs: oldVFS)
        } catch CabinetError.vault(.busy) {
            throw CabinetError.vault(.inUse)
        }
        try step(.exclusiveAccess)

        // 2. The new file: same vault id, new file id, the new data key
        //    sealed to every slot the authenticated list of accounts names
        //    (a slot appended without it — a hidden one — is left behind).
        let newKey = SecureBytes.random(32)
        var env = envelope
        env.fileID = randomBytes(16)
        env.generation = 1
        if let roster, rosterTrusted {
            env.slots.removeAll { roster.entry(login: $0.login)?.slot != $0.publicKey }
        } else if envelope.version >= 2 {
            throw CabinetError.permissionDenied(operation: Privilege.manageAccounts.rawValue)
        }
        // Recorded again once the copy is in place (`recordDatabaseSize`).
        env.databaseCreated = false
        env.databasePages = 0
        for i in env.slots.indices { env.slots[i].sealDataKey(newKey) }
        var st = stat()
        let mode: mode_t = stat(path, &st) == 0 ? (st.st_mode & 0o777) : 0o600
        try Vault.writeNewFile(path: temp, envelope: env, dataKey: newKey, mode: mode)
        try step(.newFileWritten)

        // 3. Copy every page through both seals with SQLite's online backup:
        //    each page read (authenticated and opened under the old key) is
        //    written as is into the new file (sealed under the new key), in
        //    page order; no b-tree is rebuilt, so the copy costs about the
        //    crypto of each page each way (VACUUM INTO rebuilt every table
        //    and index, several times slower). Free pages are copied too,
        //    sealed under the new key like the others.
        let newVFS = try Vault.registerVFS(dataKey: newKey, fileID: env.fileID)
        defer { csealed_unregister(newVFS) }
        let newURI = Vault.uri(path: temp, vfs: String(cString: csealed_name(newVFS)))
        let total = Int64(try source.exec("PRAGMA page_count", vfs: oldVFS).first ?? "") ?? 0
        csealed_clear_failure(oldVFS)
        do {
            let dest = try RawConnection(uri: newURI)
            defer { dest.close() }
            var reserve = Int32(CSEALED_RESERVE)
            _ = sqlite3_file_control(dest.handle, "main", SQLITE_FCNTL_RESERVE_BYTES, &reserve)
            // No journal for a file that is not the vault yet (a crash leaves
            // a partial copy, removed at the next unlock); step 5 syncs it.
            try dest.exec("""
                PRAGMA page_size = \(CSEALED_PAGE_SIZE); PRAGMA temp_store = MEMORY; PRAGMA mmap_size = 0;
                PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -16000
                """, vfs: newVFS)
            guard let backup = sqlite3_backup_init(dest.handle, "main", source.handle, "main") else {
                throw StoreErrors.map(code: sqlite3_extended_errcode(dest.handle), vfs: newVFS)
            }
            var rc: Int32
            repeat {
                rc = sqlite3_backup_step(backup, 1024)
                if rc == SQLITE_OK || rc == SQLITE_DONE {
                    let count = Int64(sqlite3_backup_pagecount(backup))
                    progress?(count - Int64(sqlite3_backup_remaining(backup)), count)
                }
            } while rc == SQLITE_OK
            let finished = sqlite3_backup_finish(backup)
            guard rc == SQLITE_DONE, finished == SQLITE_OK else {
                // A page of the vault that failed authentication is named
                // (the old VFS recorded it); otherwise the copy failed.
                let code = rc != SQLITE_DONE ? rc : sqlite3_extended_errcode(dest.handle)
                let sourceFailed = csealed_last_failure(oldVFS, nil) != CSEALED_REGION_NONE
                throw StoreErrors.map(code: code, vfs: sourceFailed ? oldVFS : newVFS)
            }
        }
        try step(.copied)

        // 4. Check the copy before trusting it: every page opens under the
        //    new key (page 1 with its geometry), it has the vault's page
        //    count, and SQLite reads its schema as the vault's. The pages'
        //    plaintext is the vault's, byte for byte (the backup copies it
        //    unchanged), so SQLite's structural check of it would check the
        //    vault itself: that is `verify`'s job, not the re-key's.
        do {
            var pages: Int64 = 0
            let bad = csealed_verify_main(newVFS, temp, nil, nil, &pages)
            guard bad == 0, pages == total else { throw CabinetError.integrity(.integrityCheckFailed(count: max(1, Int(bad)))) }
            let check = try RawConnection(uri: newURI, readOnly: true)
            defer { check.close() }
            try check.exec("PRAGMA temp_store = MEMORY; PRAGMA mmap_size = 0", vfs: newVFS)
            // (The backup sets the copy's schema cookie anew: not compared.)
            let schema = "SELECT group_concat(type || ' ' || name || ' ' || rootpage || ' ' || coalesce(sql, ''), char(10)) FROM sqlite_master"
            let copied = try check.exec(schema, vfs: newVFS), original = try source.exec(schema, vfs: oldVFS)
            guard copied == original, try check.exec("PRAGMA page_count", vfs: newVFS) == [String(total)] else {
                throw CabinetError.integrity(.integrityCheckFailed(count: 1))
            }
        }
        try step(.verified)

        // 5. Durable before the swap.
        let fd = open(temp, O_RDONLY | O_CLOEXEC)
        guard fd >= 0, fsync(fd) == 0 else {
            if fd >= 0 { close(fd) }
            throw CabinetError.vault(.io(path: temp, errno: errno))
        }
        close(fd)
        try step(.synced)

        // 6. The atomic swap, then the old inode is marked retired for any
        //    process that slipped in before our exclusive lock.
        guard rename(temp, path) == 0 else { throw CabinetError.vault(.io(path: path, errno: errno)) }
        Vault.syncDirectory(of: path)
        _ = try? source.exec("INSERT OR REPLACE INTO cabinet_meta(key, value) VALUES ('retired', '1')", vfs: oldVFS)
        try step(.swapped)

        // 7. Continue on the new file.
        try replaceAfterRekey(envelope: env, dataKey: newKey)
        try openDatabase()
        try recordDatabaseSize()
    }
}
