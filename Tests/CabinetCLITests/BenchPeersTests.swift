import Foundation
import Testing
@testable import cabinet_bench

// `cabinet bench --peers`: the workload's SQL is deterministic and runs as
// is through plain sqlite3 and through the sealed store. Nothing is timed.

/// Runs `/path/to/sqlite3 -bail db` with `stdin` as standard input; returns
/// its exit status, standard output and standard error.
private func sqlite3(_ db: String, stdin: String? = nil, sql: String? = nil) throws -> RunResult {
    let tool = try #require(PeerBench.findTool("sqlite3"), "sqlite3 is not installed: run ./scripts/deps --test")
    let process = Process()
    process.executableURL = URL(fileURLWithPath: tool)
    process.arguments = ["-bail", db] + (sql.map { [$0] } ?? [])
    let out = Pipe(), err = Pipe()
    process.standardOutput = stdin == nil ? out : FileHandle.nullDevice
    process.standardError = err
    process.standardInput = try stdin.map { try FileHandle(forReadingFrom: URL(fileURLWithPath: $0)) }
        ?? FileHandle.nullDevice
    try process.run()
    try? out.fileHandleForWriting.close()
    try? err.fileHandleForWriting.close()
    // Small outputs (counts, error messages): read after exit is enough.
    process.waitUntilExit()
    let outData = stdin == nil ? out.fileHandleForReading.readDataToEndOfFile() : Data()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    return RunResult(status: process.terminationStatus,
                     stdout: String(decoding: outData, as: UTF8.self),
                     stderr: String(decoding: errData, as: UTF8.self))
}

private let countSQL = "SELECT count(*) FROM bench_patient; SELECT count(*) FROM bench_consultation;"

@Test func peerScriptsAreDeterministicAndRunThroughSQLite3AndTheSealedStore() throws {
    let sandbox = try Sandbox()
    defer { sandbox.remove() }
    let size = PeerBench.size(quick: true)
    let bulk = try PeerBench.script(phase: .bulk, quick: true)
    let mixed = try PeerBench.script(phase: .mixed, quick: true)
    #expect(bulk == (try PeerBench.script(phase: .bulk, quick: true)))
    #expect(mixed == (try PeerBench.script(phase: .mixed, quick: true)))
    #expect(bulk.hasPrefix("PRAGMA journal_mode=WAL;\nPRAGMA synchronous=NORMAL;\n"))
    #expect(mixed.hasPrefix("PRAGMA journal_mode=WAL;\nPRAGMA synchronous=NORMAL;\n"))
    let rows = size.patients + size.consultations
    #expect(bulk.components(separatedBy: "BEGIN;").count - 1 == (rows + size.batch - 1) / size.batch)
    #expect(mixed.components(separatedBy: "BEGIN;").count - 1 == size.transactions)

    let bulkPath = try sandbox.write("bulk.sql", bulk)
    let mixedPath = try sandbox.write("mixed.sql", mixed)
    let countPath = try sandbox.write("count.sql", countSQL)
    let afterBulk = "\(size.patients)\n\(size.consultations)\n"
    let afterMixed = "\(size.patients)\n\(size.consultations + size.transactions)\n"

    // Plain sqlite3, as `cabinet bench --peers` runs it.
    let db = sandbox.path("plain.db")
    let b = try sqlite3(db, stdin: bulkPath)
    try #require(b.status == 0, "bulk script failed in sqlite3: \(b.stderr)")
    #expect(try sqlite3(db, sql: countSQL).stdout == afterBulk)
    #expect(try sqlite3(db, sql: "PRAGMA journal_mode").stdout == "wal\n")
    let m = try sqlite3(db, stdin: mixedPath)
    try #require(m.status == 0, "mixed script failed in sqlite3: \(m.stderr)")
    #expect(try sqlite3(db, sql: countSQL).stdout == afterMixed)

    // The sealed store: created on the first run, unlocked on the next ones.
    let vault = sandbox.path("peers.vault")
    try PeerBench.runSQL(vault: vault, script: bulkPath)
    #expect(try PeerBench.runSQL(vault: vault, script: countPath, rows: true) == afterBulk.split(separator: "\n").map(String.init))
    try PeerBench.runSQL(vault: vault, script: mixedPath)
    #expect(try PeerBench.runSQL(vault: vault, script: countPath, rows: true) == afterMixed.split(separator: "\n").map(String.init))
}

/// Statements are cut where SQLite says they end: semicolons inside quotes
/// and comments do not cut them, a trailing comment is no statement.
@Test func peerScriptsAreCutWhereSQLiteSays() throws {
    let sandbox = try Sandbox()
    defer { sandbox.remove() }
    let script = try sandbox.write("quotes.sql", """
        PRAGMA journal_mode=WAL; -- a comment; still a comment
        CREATE TABLE t(a, b, c); INSERT INTO t VALUES ('a;b', 'l''apostrophe;', "x;y"); /* ; */ SELECT a FROM t;
          ; SELECT b FROM t; -- only a comment at the end
        """)
    let rows = try PeerBench.runSQL(vault: sandbox.path("quotes.vault"), script: script, rows: true)
    #expect(rows == ["wal", "a;b", "l'apostrophe;"])
}

/// `cabinet bench --json` prints the figures as JSON and nothing else on
/// standard output (one short measure, `CABINET_BENCH_ONLY=week`, on a
/// small demo vault; the figures are not judged).
@Suite struct BenchJSONTests {
    @Test func jsonGivesTheFiguresAndNothingElse() throws {
        let sb = try Sandbox()
        defer { sb.remove() }
        let r = try sb.run(["bench", "--quick", "--json", "--data", sb.dir.appendingPathComponent("bench").path],
                           env: ["CABINET_BENCH_ONLY": "week"])
        #expect(r.status == 0, "\(r.stderr)")
        let figures = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]], "\(r.stdout)")
        let names = figures.compactMap { $0["name"] as? String }
        #expect(names.contains("week view: load") && names.contains("week view: render"), "\(names)")
        #expect(figures.allSatisfy { $0["median"] is Double && $0["target"] is String })
    }
}

/// `verify` and `rekey` beside `cp` (`CABINET_BENCH_ONLY=copies`, quick
/// size): the figures are there, and the kept demo vault is not changed by
/// the re-key (it runs on a copy, deleted after).
@Suite struct BenchCopiesTests {
    @Test func verifyAndRekeyAreMeasuredBesideCpOnACopy() throws {
        let sb = try Sandbox()
        defer { sb.remove() }
        let data = sb.dir.appendingPathComponent("bench").path
        func run() throws -> [String] {
            let r = try sb.run(["bench", "--quick", "--json", "--data", data], env: ["CABINET_BENCH_ONLY": "copies"])
            #expect(r.status == 0, "\(r.stderr)")
            let figures = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]], "\(r.stdout)")
            return figures.compactMap { $0["name"] as? String }
        }
        let names = try run()
        for name in ["verify ÷ cp", "rekey ÷ cp", "cp of the vault file", "verify, ", "rekey (page copy"] {
            #expect(names.contains { $0.hasPrefix(name) }, "\(name) missing: \(names)")
        }
        let vault = data + "/demo-1000-5.vault"
        let before = try Data(contentsOf: URL(fileURLWithPath: vault))
        _ = try run()
        #expect(try Data(contentsOf: URL(fileURLWithPath: vault)) == before, "the kept demo vault was changed")
        let left = try FileManager.default.contentsOfDirectory(atPath: data).filter { $0.hasPrefix("rekey-") }
        #expect(left.isEmpty, "\(left)")
    }
}
