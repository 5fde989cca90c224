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

// MARK: - BLAKE2b (RFC 7693), unkeyed, for rewriting an envelope's checksum

enum Blake2b {
    private static let iv: [UInt64] = [
        0x6a09e667f3bcc908, 0xbb67ae8584caa73b, 0x3c6ef372fe94f82b, 0xa54ff53a5f1d36f1,
        0x510e527fade682d1, 0x9b05688c2b3e6c1f, 0x1f83d9abfb41bd6b, 0x5be0cd19137e2179,
    ]
    private static let sigma: [[Int]] = [
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
        [14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3],
        [11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4],
        [7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8],
        [9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13],
        [2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9],
        [12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11],
        [13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10],
        [6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5],
        [10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0],
    ]

    static func hash(_ input: [UInt8], outputLength: Int = 32) -> [UInt8] {
        var h = iv
        h[0] ^= 0x0101_0000 ^ UInt64(outputLength)
        var counter: UInt64 = 0
        var offset = 0
        repeat {
            let remaining = input.count - offset
            let isLast = remaining <= 128
            let take = isLast ? remaining : 128
            var block = [UInt8](repeating: 0, count: 128)
            if take > 0 { block.replaceSubrange(0..<take, with: input[offset..<(offset + take)]) }
            counter += UInt64(take)
            compress(&h, block, counter, isLast)
            offset += take
        } while offset < input.count
        var out: [UInt8] = []
        for word in h { for i in 0..<8 { out.append(UInt8((word >> (8 * UInt64(i))) & 0xFF)) } }
        return Array(out.prefix(outputLength))
    }

    private static func compress(_ h: inout [UInt64], _ block: [UInt8], _ t: UInt64, _ last: Bool) {
        var m = [UInt64](repeating: 0, count: 16)
        for i in 0..<16 {
            var w: UInt64 = 0
            for j in 0..<8 { w |= UInt64(block[i * 8 + j]) << (8 * UInt64(j)) }
            m[i] = w
        }
        var v = h + iv
        v[12] ^= t
        if last { v[14] = ~v[14] }
        func rotr(_ x: UInt64, _ n: UInt64) -> UInt64 { (x >> n) | (x << (64 - n)) }
        func g(_ a: Int, _ b: Int, _ c: Int, _ d: Int, _ x: UInt64, _ y: UInt64) {
            v[a] = v[a] &+ v[b] &+ x; v[d] = rotr(v[d] ^ v[a], 32)
            v[c] = v[c] &+ v[d]; v[b] = rotr(v[b] ^ v[c], 24)
            v[a] = v[a] &+ v[b] &+ y; v[d] = rotr(v[d] ^ v[a], 16)
            v[c] = v[c] &+ v[d]; v[b] = rotr(v[b] ^ v[c], 63)
        }
        for r in 0..<12 {
            let s = sigma[r % 10]
            g(0, 4, 8, 12, m[s[0]], m[s[1]])
            g(1, 5, 9, 13, m[s[2]], m[s[3]])
            g(2, 6, 10, 14, m[s[4]], m[s[5]])
            g(3, 7, 11, 15, m[s[6]], m[s[7]])
            g(0, 5, 10, 15, m[s[8]], m[s[9]])
            g(1, 6, 11, 12, m[s[10]], m[s[11]])
            g(2, 7, 8, 13, m[s[12]], m[s[13]])
            g(3, 4, 9, 14, m[s[14]], m[s[15]])
        }
        for i in 0..<8 { h[i] ^= v[i] ^ v[i + 8] }
    }
}

func hex(_ b: [UInt8]) -> String { b.map { String(format: "%02x", $0) }.joined() }
