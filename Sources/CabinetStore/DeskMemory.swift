import CSodium
import CabinetCore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What a desk keeps between runs, in the signed-in user's own state
/// directory (`$CABINET_STATE_DIR`, else `$XDG_STATE_HOME/cabinet`, else
/// `~/.local/state/cabinet`), never beside the vault: the vault's
/// directory is shared with the front desk's Unix account.
public enum DeskMemory {
    /// The directory, or nil when the user has no usable home.
    static func directory(_ env: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        if let d = env["CABINET_STATE_DIR"], !d.isEmpty { return d }
        if let x = env["XDG_STATE_HOME"], x.hasPrefix("/") { return x + "/cabinet" }
        if let h = env["HOME"], h.hasPrefix("/") { return h + "/.local/state/cabinet" }
        return nil
    }

    /// A short hash of the vault's absolute path: one file per place (a
    /// copy elsewhere, a backup being checked, is another vault here).
    static func placeTag(_ vaultPath: String) -> String {
        let absolute = vaultPath.hasPrefix("/") ? vaultPath : FileManager.default.currentDirectoryPath + "/" + vaultPath
        let bytes = Array(absolute.utf8)
        var h = [UInt8](repeating: 0, count: 8)
        _ = crypto_generichash(&h, 8, bytes, UInt64(bytes.count), nil, 0)
        return AuditLog.hex(h)
    }

    static func lastLoginPath(_ vaultPath: String, _ env: [String: String]) -> String? {
        directory(env).map { $0 + "/last-login-" + placeTag(vaultPath) }
    }

    /// The last account that signed in on this vault from this desk, so
    /// that the sign-in screen starts on the passphrase. A file that is
    /// not a plain file of ours, or that holds anything but a login, is
    /// ignored.
    public static func lastLogin(vaultPath: String,
                                 environment env: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        guard let path = lastLoginPath(vaultPath, env) else { return nil }
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, st.st_uid == getuid() else { return nil }
        var buf = [UInt8](repeating: 0, count: 64)
        let n = read(fd, &buf, buf.count)
        guard n > 0 else { return nil }
        let login = String(decoding: buf[0..<n], as: UTF8.self).trimmingCharacters(in: .newlines)
        guard (try? Vault.validateLogin(login)) != nil else { return nil }
        return login
    }

    /// Remembers `login` for the next run on this desk (best effort: a desk
    /// without a writable home simply starts on the login).
    public static func remember(login: String, vaultPath: String,
                                environment env: [String: String] = ProcessInfo.processInfo.environment) {
        guard (try? Vault.validateLogin(login)) != nil, let path = lastLoginPath(vaultPath, env) else { return }
        try? FileManager.default.createDirectory(atPath: PathNames.parent(path), withIntermediateDirectories: true,
                                                 attributes: [.posixPermissions: 0o700])
        let temp = path + ".new"
        unlink(temp)
        let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return }
        let text = login + "\n"
        let ok = text.withCString { write(fd, $0, strlen($0)) } == text.utf8.count
        close(fd)
        if ok { rename(temp, path) } else { unlink(temp) }
    }
}

extension Vault {
    /// The logins the envelope's slots name, read without any key: a hint
    /// for the sign-in screen (a login typed in the passphrase field), never
    /// a basis for access. Empty when the file cannot be read.
    public static func envelopeLogins(at path: String) -> Set<String> {
        guard let envelope = try? Envelope.read(path: path).0 else { return [] }
        return Set(envelope.slots.filter { !$0.isRecovery }.map(\.login))
    }
}
