import CabinetCore
import Foundation

/// Failed sign-ins, kept next to the vault in `<vault>.attempts`.
///
/// It must be read before anything is unlocked, so it lives outside the seal
/// (PRODUCT.md: a growing delay, persisted across restarts). What someone who
/// can write this file gains: deleting it resets the delay of the sign-in
/// prompt, nothing more; guessing offline is slowed by Argon2id MODERATE on
/// every try whatever this file says. What they learn: logins (already in the
/// envelope) and the times of failed attempts. The failures are copied into
/// the sealed audit trail at the next successful sign-in.
struct AttemptsFile {
    let path: String
    let mode: mode_t
    /// The vault file's owner and group (nil: no vault there).
    let vaultOwner: (uid: uid_t, gid: gid_t, groupWritable: Bool)?

    init(vaultPath: String) {
        path = vaultPath + ".attempts"
        var st = stat()
        if stat(vaultPath, &st) == 0 {
            mode = st.st_mode & 0o666
            vaultOwner = (st.st_uid, st.st_gid, st.st_mode & 0o020 != 0)
        } else {
            mode = 0o600
            vaultOwner = nil
        }
    }

    struct Failure: Codable, Equatable {
        var login: String
        var at: Double
        var reason: String
    }

    struct Content: Codable {
        var failures: [String: Int] = [:]
        var last: [String: Double] = [:]
        var pending: [Failure] = []
    }

    /// The open, exclusively locked file; `update` reads and rewrites it.
    /// Everything done inside one `locked` call is one turn: no other
    /// sign-in of this vault (thread or process) reads the file meanwhile.
    struct Locked {
        fileprivate let fd: Int32

        /// Runs `body` on the content, and writes the result back when
        /// `body` changed it.
        @discardableResult
        func update<T>(_ body: (inout Content) throws -> T) throws -> T {
            var data = Data()
            var buf = [UInt8](repeating: 0, count: 65536)
            var offset: off_t = 0
            while true {
                let n = pread(fd, &buf, buf.count, offset)
                if n <= 0 { break }
                data.append(contentsOf: buf[0..<n])
                offset += off_t(n)
            }
            var content = (try? JSONDecoder().decode(Content.self, from: data)) ?? Content()
            let before = try? JSONEncoder().encode(content)
            let result = try body(&content)
            let after = try JSONEncoder().encode(content)
            if after != before {
                _ = ftruncate(fd, 0)
                _ = after.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
                _ = fsync(fd)
            }
            return result
        }
    }

    /// Opens the file (creating it when missing) and runs `body` under an
    /// exclusive `flock`, held until `body` returns.
    ///
    /// The file sits in a directory that, in the shared set-up (README,
    /// "Sharing with the front desk": `/srv/cabinet`, mode 2770, group
    /// `cabinet`), the front desk's Unix account can write. She could plant
    /// a symbolic link or a hard link there, pointing at a file of the
    /// doctor's, for the doctor's process to chmod and overwrite. So:
    /// never followed (`O_NOFOLLOW`), never a hard link (one name only),
    /// only a regular file, and `fchmod` only on a file this call created
    /// (`O_EXCL`). Its owner must be the current user or the vault's owner,
    /// or, in the shared set-up, it must be in the vault's group with the
    /// vault itself group-writable: whoever of the two desks signed in first
    /// created it, and either may write the vault anyway. Anything else is
    /// refused (`unsafeAttemptsFile`): signing in without the counter would
    /// drop the delay, so the sign-in stops and says which file to remove.
    func locked<T>(_ body: (Locked) throws -> T) throws -> T {
        let fd = try openChecked()
        defer { close(fd) }
        while flock(fd, LOCK_EX) != 0 {
            guard errno == EINTR else { throw CabinetError.vault(.io(path: path, errno: errno)) }
        }
        return try body(Locked(fd: fd))
    }

    private func openChecked() throws -> Int32 {
        let flags = O_RDWR | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK
        for _ in 0..<3 {
            let created = open(path, flags | O_CREAT | O_EXCL, mode)
            if created >= 0 {
                // Ours, just made: the vault's mode, whatever the umask.
                _ = fchmod(created, mode)
                return created
            }
            guard errno == EEXIST else {
                // ELOOP: a symbolic link at the path (O_NOFOLLOW).
                if errno == ELOOP { throw CabinetError.vault(.unsafeAttemptsFile(path: path)) }
                throw CabinetError.vault(.io(path: path, errno: errno))
            }
            let fd = open(path, flags)
            if fd < 0 {
                if errno == ENOENT { continue }  // removed in between: create it
                if errno == ELOOP { throw CabinetError.vault(.unsafeAttemptsFile(path: path)) }
                throw CabinetError.vault(.io(path: path, errno: errno))
            }
            var st = stat()
            guard fstat(fd, &st) == 0, acceptable(st) else {
                close(fd)
                throw CabinetError.vault(.unsafeAttemptsFile(path: path))
            }
            return fd
        }
        throw CabinetError.vault(.io(path: path, errno: EEXIST))
    }

    private func acceptable(_ st: stat) -> Bool {
        guard st.st_mode & S_IFMT == S_IFREG, st.st_nlink == 1 else { return false }
        if st.st_uid == geteuid() { return true }
        guard let vault = vaultOwner else { return false }
        return st.st_uid == vault.uid || (vault.groupWritable && st.st_gid == vault.gid)
    }

    /// Runs `body` on the file's content under the lock (one short turn).
    @discardableResult
    func update<T>(_ body: (inout Content) throws -> T) throws -> T {
        try locked { try $0.update(body) }
    }

    /// Seconds left before `login` may try again (0 when free to try).
    func wait(for login: String, now: Date) throws -> Int {
        try update { $0.wait(for: login, now: now) }
    }

    func recordFailure(_ login: String, reason: String, now: Date) throws {
        try update { $0.recordFailure(login, reason: reason, now: now) }
    }

    /// Clears `login`'s counter and hands back every failure not yet in the
    /// audit trail (of any account), removing them from the file.
    func recordSuccess(_ login: String) throws -> [Failure] {
        try update { c in
            c.failures[login] = nil
            c.last[login] = nil
            let pending = c.pending
            c.pending = []
            return pending
        }
    }
}

extension AttemptsFile.Content {
    /// Seconds left before `login` may try again (0 when free to try).
    func wait(for login: String, now: Date) -> Int {
        let failures = failures[login] ?? 0
        let last = last[login] ?? 0
        let remaining = last + AttemptPolicy.delay(afterFailures: failures) - now.timeIntervalSince1970
        return remaining > 0 ? Int(remaining.rounded(.up)) : 0
    }

    mutating func recordFailure(_ login: String, reason: String, now: Date) {
        failures[login, default: 0] += 1
        last[login] = now.timeIntervalSince1970
        pending.append(AttemptsFile.Failure(login: login, at: now.timeIntervalSince1970, reason: reason))
        if pending.count > 500 { pending.removeFirst(pending.count - 500) }
    }
}
