@testable @_spi(Testing) import CabinetStore
import CabinetCore
import Foundation
import Testing

/// Fictitious passphrases used by the store tests.
let doctorPass = "Tres-Bon-Motdepasse-42"
let secretaryPass = "Accueil-Fictif-Secret-17"

/// A temporary directory removed when the value goes away.
final class TempDir {
    let url: URL
    init() {
        // Doctors' desks keep a witness of each vault (Trust.swift): the
        // tests' go to a temporary place, not the user's home.
        setenv("CABINET_STATE_DIR", FileManager.default.temporaryDirectory.appendingPathComponent("cabinet-test-state").path, 0)
        url = FileManager.default.temporaryDirectory.appendingPathComponent("cabinet-test-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    var path: String { url.path }
    func file(_ name: String) -> String { url.appendingPathComponent(name).path }
    deinit { try? FileManager.default.removeItem(at: url) }
}

/// A vault with the cheapest Argon2id (stored per slot), for tests that
/// unlock many times.
func makeVault(_ dir: TempDir, name: String = "v.vault") throws -> (Vault, recovery: String, path: String) {
    let path = dir.file(name)
    let (vault, key) = try Vault.create(at: path, doctorLogin: "doc", passphrase: Passphrase(doctorPass), kdf: .minimumForTests)
    return (vault, key, path)
}

func bytes(_ path: String) -> [UInt8] {
    (try? [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))) ?? []
}

/// Every file of `dir` whose name starts with `prefix`, with its bytes.
func snapshot(_ dir: TempDir, prefix: String = "v.vault") -> [String: [UInt8]] {
    var out: [String: [UInt8]] = [:]
    for name in (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? [] where name.hasPrefix(prefix) {
        out[name] = bytes(dir.file(name))
    }
    return out
}

func contains(_ haystack: [UInt8], _ needle: String) -> Bool {
    let n = Array(needle.utf8)
    guard !n.isEmpty, haystack.count >= n.count else { return false }
    let first = n[0]
    var i = 0
    let last = haystack.count - n.count
    while i <= last {
        if haystack[i] == first && Array(haystack[i..<(i + n.count)]) == n { return true }
        i += 1
    }
    return false
}

/// Flips one bit of the file at `offset`.
func flipBit(_ path: String, at offset: Int) throws {
    let h = try FileHandle(forUpdating: URL(fileURLWithPath: path))
    defer { try? h.close() }
    try h.seek(toOffset: UInt64(offset))
    guard var b = try h.read(upToCount: 1)?.first else { throw CabinetError.vault(.io(path: path, errno: EIO)) }
    b ^= 0x10
    try h.seek(toOffset: UInt64(offset))
    try h.write(contentsOf: [b])
}

func writeBytes(_ path: String, at offset: Int, _ data: [UInt8]) throws {
    let h = try FileHandle(forUpdating: URL(fileURLWithPath: path))
    defer { try? h.close() }
    try h.seek(toOffset: UInt64(offset))
    try h.write(contentsOf: data)
}

let header = 16384
let pageSize = 4096
func pageOffset(_ pgno: Int) -> Int { header + (pgno - 1) * pageSize }

/// The probe executable built beside the tests.
var probePath: String {
    URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        .appendingPathComponent("cabinet-store-probe").path
}

/// A running probe process whose stdout lines are collected as they come.
final class Probe: @unchecked Sendable {
    let process = Process()
    private let lock = NSLock()
    private var buffer = Data()
    private var lines: [String] = []
    private let done = DispatchSemaphore(value: 0)

    init(_ args: [String], env: [String: String] = [:]) throws {
        process.executableURL = URL(fileURLWithPath: probePath)
        process.arguments = args
        var e = ProcessInfo.processInfo.environment
        for (k, v) in env { e[k] = v }
        process.environment = e
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        out.fileHandleForReading.readabilityHandler = { [weak self] h in
            let d = h.availableData
            guard let self else { return }
            if d.isEmpty { h.readabilityHandler = nil; self.done.signal(); return }
            self.lock.lock()
            self.buffer.append(d)
            while let nl = self.buffer.firstIndex(of: 10) {
                self.lines.append(String(decoding: self.buffer[self.buffer.startIndex..<nl], as: UTF8.self))
                self.buffer.removeSubrange(self.buffer.startIndex...nl)
            }
            self.lock.unlock()
        }
        try process.run()
    }

    var output: [String] { lock.lock(); defer { lock.unlock() }; return lines }

    /// Acknowledged sequence numbers so far.
    var acks: [Int] { output.compactMap { $0.hasPrefix("ack ") ? Int($0.dropFirst(4)) : nil } }

    /// Waits (polling, no fixed sleep) until `condition` holds or the process ends.
    func wait(until condition: (Probe) -> Bool, timeout: TimeInterval = 60) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if condition(self) { return true }
            if !process.isRunning { return condition(self) }
            usleep(2000)
        }
        return false
    }

    func kill9() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        _ = done.wait(timeout: .now() + 10)
    }

    func finish() {
        process.waitUntilExit()
        _ = done.wait(timeout: .now() + 10)
    }
}
