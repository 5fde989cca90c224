import CSodium
import Foundation
import Testing

// Helpers for tests that drive the real `cabinet` executable.
// All data is fictitious.

let passphrase = "Tres-Bon-Motdepasse-42"
let doctorName = "Dr Fictif Dupont"
let doctorLogin = "dupont"

/// Geometry of format version 1 (docs/SEALED-STORE.md, csealed.h).
enum Layout {
    static let envelopeSize = 16384
    static let copySize = 8192
    static let checksumOffset = 8160
    static let pageSize = 4096

    /// Offset of page `n` (1-based) in the vault file.
    static func pageOffset(_ n: Int) -> Int { envelopeSize + (n - 1) * pageSize }
}

/// The `cabinet` executable SwiftPM built next to the test binary.
func cabinetExecutable() throws -> URL {
    let dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    let exe = dir.appendingPathComponent("cabinet")
    try #require(FileManager.default.isExecutableFile(atPath: exe.path), "no cabinet executable in \(dir.path)")
    return exe
}

struct RunResult {
    let status: Int32
    let stdout: String
    let stderr: String
}

/// Collects one pipe's bytes on its own thread, so that neither pipe can fill
/// up and block the child while we wait for the other.
private final class PipeDrain: @unchecked Sendable {
    private var data = Data()
    private let done = DispatchSemaphore(value: 0)

    init(_ handle: FileHandle) {
        let thread = Thread { [self] in
            data = handle.readDataToEndOfFile()
            done.signal()
        }
        thread.start()
    }

    func wait() -> Data {
        done.wait()
        return data
    }
}

/// A private temporary directory for one test; `HOME` and `XDG_DATA_HOME`
/// point into it so that nothing touches the real home. Each test removes it
/// with `defer { sandbox.remove() }`.
struct Sandbox {
    let dir: URL

    init() throws {
        dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("cabinet-cli-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    func remove() { try? FileManager.default.removeItem(at: dir) }

    func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

    /// Writes `text` followed by a newline to `name`; returns its path.
    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        let p = path(name)
        try Data((text + "\n").utf8).write(to: URL(fileURLWithPath: p))
        return p
    }

    /// Runs `cabinet args` with a clean environment: French unless `env` says
    /// otherwise, `HOME` and `XDG_DATA_HOME` inside the sandbox, no terminal
    /// input (standard input is `stdin` or /dev/null).
    func run(_ args: [String], env: [String: String] = [:], stdin: String? = nil) throws -> RunResult {
        let process = Process()
        process.executableURL = try cabinetExecutable()
        process.arguments = args
        process.currentDirectoryURL = dir
        var environment = [
            "LANG": "fr_FR.UTF-8",
            "HOME": dir.path,
            "XDG_DATA_HOME": dir.path,
            "PATH": "/usr/bin:/bin",
        ]
        environment.merge(env) { _, new in new }
        process.environment = environment

        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let input: Pipe?
        if stdin != nil {
            input = Pipe()
            process.standardInput = input
        } else {
            input = nil
            process.standardInput = FileHandle.nullDevice
        }
        try process.run()
        // Our copies of the write ends must go, or the reads never see EOF.
        try? out.fileHandleForWriting.close()
        try? err.fileHandleForWriting.close()
        let outDrain = PipeDrain(out.fileHandleForReading)
        let errDrain = PipeDrain(err.fileHandleForReading)
        if let stdin, let input {
            try? input.fileHandleForReading.close()
            try? input.fileHandleForWriting.write(contentsOf: Data(stdin.utf8))
            try? input.fileHandleForWriting.close()
        }
        let outData = outDrain.wait()
        let errData = errDrain.wait()
        process.waitUntilExit()
        return RunResult(status: process.terminationStatus,
                         stdout: String(decoding: outData, as: UTF8.self),
                         stderr: String(decoding: errData, as: UTF8.self))
    }

    /// Creates a vault with the test passphrase; returns its path and the
    /// password file's path.
    func initVault(_ name: String = "cabinet.vault", recoveryKeyOut: String? = nil) throws
        -> (vault: String, passwordFile: String)
    {
        let pw = try write("pass-\(name).txt", passphrase)
        let vault = path(name)
        var args = ["init", "--vault", vault, "--doctor-name", doctorName, "--login", doctorLogin,
                    "--password-file", pw]
        if let recoveryKeyOut { args += ["--recovery-key-out", recoveryKeyOut] }
        let r = try run(args)
        try #require(r.status == 0, "init failed: \(r.stderr)")
        return (vault, pw)
    }

    /// `verify` with the doctor's login and the passphrase in `passwordFile`.
    func verify(_ vault: String, passwordFile: String, login: String = doctorLogin,
                extra: [String] = [], env: [String: String] = [:]) throws -> RunResult {
        try run(["verify", "--vault", vault, "--user", login, "--password-file", passwordFile] + extra, env: env)
    }
}

// MARK: - Files

func bytes(of path: String) -> [UInt8] {
    guard let d = FileManager.default.contents(atPath: path) else { return [] }
    return [UInt8](d)
}

func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

func posixMode(_ path: String) throws -> Int {
    let attrs = try FileManager.default.attributesOfItem(atPath: path)
    return try #require(attrs[.posixPermissions] as? Int) & 0o777
}

func fileSize(_ path: String) throws -> Int {
    let attrs = try FileManager.default.attributesOfItem(atPath: path)
    return try #require((attrs[.size] as? NSNumber)?.intValue)
}

/// Inverts the lowest bit of the byte at `offset`, in place.
func flipByte(_ path: String, at offset: Int) throws {
    let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
    defer { try? handle.close() }
    try handle.seek(toOffset: UInt64(offset))
    let old = try #require(try handle.read(upToCount: 1)?.first, "offset \(offset) past the end of \(path)")
    try handle.seek(toOffset: UInt64(offset))
    try handle.write(contentsOf: Data([old ^ 0x01]))
}

/// Replaces `count` bytes at `offset` with `replacement`.
func overwrite(_ path: String, at offset: Int, with replacement: [UInt8]) throws {
    let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
    defer { try? handle.close() }
    try handle.seek(toOffset: UInt64(offset))
    try handle.write(contentsOf: Data(replacement))
}

extension Array where Element == UInt8 {
    func contains(_ needle: String) -> Bool {
        let n = Array(needle.utf8)
        guard !n.isEmpty, n.count <= count else { return false }
        for i in 0...(count - n.count) where self[i] == n[0] && Array(self[i..<(i + n.count)]) == n {
            return true
        }
        return false
    }
}

// MARK: - BLAKE2b, unkeyed, for rewriting an envelope's checksum (libsodium)

enum Blake2b {
    static func hash(_ input: [UInt8], outputLength: Int = 32) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: outputLength)
        _ = crypto_generichash(&out, outputLength, input, UInt64(input.count), nil, 0)
        return out
    }
}

func hex(_ b: [UInt8]) -> String { b.map { String(format: "%02x", $0) }.joined() }

extension Sandbox {
    /// A vault in a 0700 folder `coffre`, its doctor `doc`, and a front-desk
    /// account `accueil` whose one-time passphrase is already changed; the
    /// passphrase files of both.
    func practiceWithFrontDesk(doctorName: String, doctorPassphrase: String,
                               frontDeskPassphrase: String) throws -> (vault: String, doctorPW: String, secretaryPW: String) {
        let dir = path("coffre")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        let vault = dir + "/cabinet.vault"
        let doctorPW = try write("doc.pw", doctorPassphrase)
        let r = try runDetached(["init", "--vault", vault, "--doctor-name", doctorName, "--login", "doc",
                                 "--password-file", doctorPW])
        try #require(r.status == 0, "init failed: \(r.stderr)")
        let onetime = path("accueil.onetime")
        let add = try runDetached(["user", "add", "--login", "accueil", "--role", "secretary", "--password-out", onetime,
                                   "--vault", vault, "--user", "doc", "--password-file", doctorPW])
        try #require(add.status == 0, "user add: \(add.stderr)")
        let secretaryPW = try write("accueil.pw", frontDeskPassphrase)
        let change = try runDetached(["passwd", "--new-password-file", secretaryPW, "--vault", vault,
                                      "--user", "accueil", "--password-file", onetime])
        try #require(change.status == 0, "passwd: \(change.stderr)")
        return (vault, doctorPW, secretaryPW)
    }
}
