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

    init(vaultPath: String) {
        path = vaultPath + ".attempts"
        var st = stat()
        mode = stat(vaultPath, &st) == 0 ? (st.st_mode & 0o666) : 0o600
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

    /// Runs `body` on the file's content under an exclusive lock (flock), and
    /// writes the result back when `body` changed it.
    @discardableResult
    func update<T>(_ body: (inout Content) throws -> T) throws -> T {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, mode)
        guard fd >= 0 else { throw CabinetError.io(path: path, errno: errno) }
        defer { close(fd) }
        _ = fchmod(fd, mode)
        guard flock(fd, LOCK_EX) == 0 else { throw CabinetError.io(path: path, errno: errno) }
        var data = Data()
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = read(fd, &buf, buf.count)
            if n <= 0 { break }
            data.append(contentsOf: buf[0..<n])
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

    /// Seconds left before `login` may try again (0 when free to try).
    func wait(for login: String, now: Date) throws -> Int {
        try update { c in
            let failures = c.failures[login] ?? 0
            let last = c.last[login] ?? 0
            let remaining = last + AttemptPolicy.delay(afterFailures: failures) - now.timeIntervalSince1970
            return remaining > 0 ? Int(remaining.rounded(.up)) : 0
        }
    }

    func recordFailure(_ login: String, reason: String, now: Date) throws {
        try update { c in
            c.failures[login, default: 0] += 1
            c.last[login] = now.timeIntervalSince1970
            c.pending.append(Failure(login: login, at: now.timeIntervalSince1970, reason: reason))
            if c.pending.count > 500 { c.pending.removeFirst(c.pending.count - 500) }
        }
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
