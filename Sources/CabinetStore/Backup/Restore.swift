import CSQLite
import CSealedVFS
import CabinetCore
import Foundation

/// Putting a backup back, with no session open: on a new machine there is
/// only the backup and a doctor's passphrase or the recovery key.
extension Vault {
    /// Restores `backup` into a new vault file at `target` (never over an
    /// existing file), with a doctor's passphrase of the backup's time.
    /// The backup is checked first (as `backup verify` does), the copy is
    /// checked again once in place (every page, the structure, every row
    /// against the manifest), and only then is it left at `target`; the
    /// restore is written in the restored vault's trail.
    public static func restore(backup path: String, to target: String, login: String, passphrase: Passphrase,
                               progress: @escaping (BackupProgress) -> Void = { _ in }) throws -> BackupRecord {
        var secret = passphrase.withBytes { Array($0) }
        defer { secret.wipe() }
        return try restore(path, to: target, secret: secret, wrong: .session(.wrongPassphrase),
                           pick: { $0.slot(login: login) }, progress: progress)
    }

    /// The same with the recovery key (the holder's way back).
    public static func restore(backup path: String, to target: String, recoveryKey: String,
                               progress: @escaping (BackupProgress) -> Void = { _ in }) throws -> BackupRecord {
        guard var secret = RecoveryKey.parse(recoveryKey) else { throw CabinetError.session(.invalidRecoveryKey) }
        defer { secret.wipe() }
        return try restore(path, to: target, secret: secret, wrong: .session(.wrongRecoveryKey),
                           pick: { $0.recoverySlot }, progress: progress)
    }

    private static func restore(_ path: String, to target: String, secret: [UInt8], wrong: CabinetError,
                                pick: (Envelope) -> KeySlot?, progress: @escaping (BackupProgress) -> Void) throws -> BackupRecord {
        ProcessHardening.apply()
        let found = try BackupFile.envelope(path)
        do { try checkCreatable(target) } catch CabinetError.vault(.exists) {
            throw CabinetError.backup(.targetExists(path: target))
        }
        // The slot of the backup's time: the passphrase (or key) then.
        guard let slot = pick(found.envelope),
              let keys = try slot.openSecretAndKEK(secret: secret, vaultID: found.envelope.vaultID) else { throw wrong }
        guard let dataKey = slot.openDataKey(sk: keys.sk) else {
            throw CabinetError.backup(.damaged(path: path, region: .envelope(copy: 1)))
        }
        // Restoring is the holder's (or the recovery key's).
        let role: Role = slot.role == .recovery || slot.role == .doctor ? .doctor : (slot.role == .replacement ? .replacement : .secretary)
        try AccessPolicy.check(Session(login: slot.login, role: role, viaRecoveryKey: slot.role == .recovery), .restoreBackup)

        let opened = try BackupFile.opened(found, dataKey: dataKey)
        let cabinetID = AuditLog.hex(found.envelope.vaultID)
        // The signer is checked against the restored vault's authenticated
        // list of accounts below (nothing is authenticated yet here).
        let checked = try BackupFile.verify(opened, cabinetID: cabinetID, signerTrusted: { _, _ in true },
                                            progress: { p in progress(BackupProgress(step: .verify, done: p.done / 2, total: 1000)) })
        let manifest = try BackupFile.withDatabase(opened) { conn, vfs in try BackupFile.readManifest(conn.handle, path: path, vfs: vfs) }

        // The copy, under a name no one takes for a vault, then in place.
        let temp = PathNames.join(PathNames.parent(target), "." + PathNames.name(target) + ".restoring")
        removeVaultFiles(temp)
        do {
            try copyFile(path, to: temp)
            var env = found.envelope
            env.isBackup = false
            try SQLBackupRepository.rewriteEnvelope(temp, env, headerKey: SubKey.headerMAC.derive(from: dataKey))
            let vfs = try registerVFS(dataKey: dataKey, fileID: env.fileID)
            defer { csealed_unregister(vfs) }
            do {
                let conn = try RawConnection(uri: uri(path: temp, vfs: String(cString: csealed_name(vfs))))
                defer { conn.close() }
                try conn.exec("PRAGMA temp_store = MEMORY; PRAGMA mmap_size = 0; DROP TABLE \(SQLBackupRepository.manifestTable)", vfs: vfs)
                // The restored content is the snapshot's, row for row.
                try conn.exec("BEGIN", vfs: vfs)
                let content = try ContentHash.compute(conn.handle, vfs: vfs) { rows in
                    let total = max(manifest.manifest.totalRows, 1)
                    progress(BackupProgress(step: .verify, done: 500 + 250 * min(rows, total) / total, total: 1000))
                }
                try conn.exec("COMMIT", vfs: vfs)
                guard AuditLog.hex(content.digest) == manifest.manifest.contentHash else {
                    throw CabinetError.backup(.damaged(path: path, region: .content))
                }
            }
            try syncFile(temp)
            guard rename(temp, target) == 0 else { throw CabinetError.vault(.io(path: target, errno: errno)) }
            syncDirectory(of: target)
        } catch {
            removeVaultFiles(temp)
            throw error
        }
        // Opened as the vault it now is: every page and the structure
        // checked, the list of accounts and the trail authenticated by the
        // sign-in, the manifest's signer found on that list; the restore
        // written in its trail.
        do {
            let vault = try finishUnlock(path: target, secret: secret, wrong: wrong, pick: pick, openDatabase: false)
            defer { vault.lock() }
            let report = try vault.verify()
            guard report.damaged.isEmpty, report.integrityErrors.isEmpty else {
                throw CabinetError.backup(.damaged(path: path, region: .structure(count: max(1, report.integrityErrors.count))))
            }
            try vault.openDatabase()
            if vault.roster != nil {
                let keys = try vault.read { db in try vault.auditTrust(db).keys[manifest.signer] }
                guard keys?.contains(manifest.publicKey) ?? false else {
                    throw CabinetError.backup(.damaged(path: path, region: .manifest))
                }
            }
            try vault.audit(.restore, object: nil, detail: "\(PathNames.name(path)) pages=\(checked.pages) rows=\(checked.rows)")
            progress(BackupProgress(step: .verify, done: 1000, total: 1000))
        } catch {
            removeVaultFiles(target)
            throw error
        }
        return checked
    }

    /// A plain copy in 1 MiB blocks (sealed bytes: nothing in clear).
    static func copyFile(_ from: String, to: String) throws {
        let src = Glibc.open(from, O_RDONLY | O_CLOEXEC)
        guard src >= 0 else { throw CabinetError.vault(.io(path: from, errno: errno)) }
        defer { close(src) }
        let dst = Glibc.open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard dst >= 0 else {
            throw errno == EACCES || errno == EROFS ? CabinetError.vault(.readOnlyLocation(path: PathNames.parent(to)))
                : CabinetError.vault(.io(path: to, errno: errno))
        }
        defer { close(dst) }
        let size = 1 << 20
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let n = Glibc.read(src, buffer, size)
            if n == 0 { break }
            guard n > 0 else { throw CabinetError.vault(.io(path: from, errno: errno)) }
            var off = 0
            while off < n {
                let w = Glibc.write(dst, buffer + off, n - off)
                guard w > 0 else { throw errno == ENOSPC ? CabinetError.vault(.diskFull) : CabinetError.vault(.io(path: to, errno: errno)) }
                off += w
            }
        }
    }

    static func syncFile(_ path: String) throws {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0, fsync(fd) == 0 else {
            let e = errno
            if fd >= 0 { close(fd) }
            throw CabinetError.vault(.io(path: path, errno: e))
        }
        close(fd)
    }
}
