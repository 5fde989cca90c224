import CabinetCore
import Foundation

/// Line-based terminal I/O for the command line: prompts on /dev/tty with
/// echo off for secrets, messages on stderr.
enum Term {
    static func err(_ s: String) {
        put(s + "\n", to: STDERR_FILENO)
    }

    static func out(_ s: String) {
        put(s + "\n", to: STDOUT_FILENO)
    }

    /// A progress line rewritten in place on a terminal (carriage return),
    /// one line per update otherwise (logs of a script).
    static func errInline(_ s: String) {
        put(isatty(STDERR_FILENO) != 0 ? "\r\u{1B}[K" + s : s + "\n", to: STDERR_FILENO)
    }

    /// POSIX write, errors ignored: a terminal that went away (a dropped ssh
    /// connection) must not turn a message into a crash.
    private static func put(_ s: String, to fd: Int32) {
        let bytes = Array(s.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { buf -> Int in
                guard let base = buf.baseAddress else { return 0 }
                return write(fd, base + offset, buf.count - offset)
            }
            if n <= 0 { if errno == EINTR { continue }; return }
            offset += n
        }
    }

    /// True when a terminal is there to ask questions on.
    static var hasTerminal: Bool {
        let fd = open("/dev/tty", O_RDWR | O_CLOEXEC)
        if fd >= 0 { close(fd); return true }
        return false
    }

    /// Reads the first line of `path` (`-` = standard input), without its newline.
    static func firstLine(ofFile path: String) throws -> String {
        let data = try contents(ofFile: path)
        let text = String(decoding: data, as: UTF8.self)
        return String(text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
            .trimmingCharacters(in: CharacterSet(charactersIn: "\r"))
    }

    private static func contents(ofFile path: String) throws -> Data {
        if path == "-" { return FileHandle.standardInput.readDataToEndOfFile() }
        guard let d = FileManager.default.contents(atPath: path) else {
            throw CabinetError.vault(.io(path: path, errno: FileManager.default.fileExists(atPath: path) ? EACCES : ENOENT))
        }
        return d
    }

    /// Asks on the terminal (echo on).
    static func ask(_ prompt: String) throws -> String {
        var bytes = try readLine(prompt, secret: false)
        defer { for i in bytes.indices { bytes[i] = 0 } }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Asks for a passphrase, echo off: the bytes go straight into a
    /// `Passphrase` (NFC) and are zeroed here; no `String` keeps them.
    static func askSecret(_ prompt: String) throws -> Passphrase {
        var bytes = try readLine(prompt, secret: true)
        defer { for i in bytes.indices { bytes[i] = 0 } }
        return bytes.withUnsafeBytes { Passphrase(utf8: $0) }
    }

    /// The first line of a password file (or of standard input for `-`),
    /// as a `Passphrase`; the file's bytes read are zeroed.
    static func secretFirstLine(ofFile path: String) throws -> Passphrase {
        var data = try contents(ofFile: path)
        defer { data.withUnsafeMutableBytes { p in if let b = p.baseAddress { memset(b, 0, p.count) } } }
        return data.withUnsafeBytes { (all: UnsafeRawBufferPointer) -> Passphrase in
            var n = all.firstIndex(of: 10) ?? all.count
            if n > 0 && all[n - 1] == 13 { n -= 1 }
            return Passphrase(utf8: UnsafeRawBufferPointer(rebasing: all[0..<n]))
        }
    }

    private static func readLine(_ prompt: String, secret: Bool) throws -> [UInt8] {
        let fd = open("/dev/tty", O_RDWR | O_CLOEXEC)
        guard fd >= 0 else { throw CabinetError.terminalRequired }
        defer { close(fd) }
        _ = prompt.withCString { write(fd, $0, strlen($0)) }
        var saved = termios()
        let hasAttr = tcgetattr(fd, &saved) == 0
        if secret && hasAttr {
            var quiet = saved
            quiet.c_lflag &= ~tcflag_t(ECHO)
            _ = tcsetattr(fd, TCSAFLUSH, &quiet)
        }
        defer {
            if secret && hasAttr {
                _ = tcsetattr(fd, TCSAFLUSH, &saved)
                _ = "\n".withCString { write(fd, $0, 1) }
            }
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(1024)
        var c: UInt8 = 0
        while read(fd, &c, 1) == 1 {
            if c == 10 { break }
            bytes.append(c)
        }
        return bytes
    }
}
