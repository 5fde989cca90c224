@testable @_spi(Testing) import CabinetStore
import CabinetCore
import CabinetStoreTesting
import Foundation
import GRDB
import Testing

/// How many kill -9 rounds per journal mode: 200 in CI (scripts/test sets
/// CABINET_CRASH_ITERATIONS), fewer by default for a quick local run.
let crashIterations: Int = {
    let env = ProcessInfo.processInfo.environment
    if let n = env["CABINET_CRASH_ITERATIONS"].flatMap(Int.init) { return n }
    return env["CI"] == "true" ? 200 : 40
}()

@Suite(.serialized) struct CrashTests {
    /// Kills a writer at random moments, hundreds of times; after each kill
    /// the vault opens, every acknowledged commit is there, and SQLite's
    /// integrity check passes.
    @Test(arguments: ["wal", "delete"])
    func killNineLoopLosesNoAcknowledgedCommit(mode: String) throws {
        let dir = TempDir()
        let (vault, _, path) = try makeVault(dir)
        vault.lock()
        let pass = dir.file("pass")
        _ = FileManager.default.createFile(atPath: pass, contents: Data(doctorPass.utf8))
        var rng = SystemRandomNumberGenerator()
        var lastAck = 0
        var killedMidway = 0
        for round in 0..<crashIterations {
            let probe = try Probe(["writer", path, "doc", pass, mode])
            let target = lastAck + Int.random(in: 1...12, using: &rng)
            #expect(probe.wait(until: { $0.acks.last ?? 0 >= target || !$0.process.isRunning }), "round \(round): writer stalled")
            // Let it run a little further, into the next commit, then kill.
            usleep(UInt32.random(in: 0...3000, using: &rng))
            probe.kill9()
            let acks = probe.acks
            if let a = acks.last { lastAck = max(lastAck, a) }
            if probe.output.count > acks.count + 1 { killedMidway += 1 }

            let v = try Vault.unlock(at: path, login: "doc", passphrase: Passphrase(doctorPass), openDatabase: false)
            let sql = try v.openSQL()
            let present = Int(try sql.exec("SELECT count(*) FROM acked WHERE id <= \(lastAck)").first ?? "") ?? -1
            #expect(present == lastAck, "round \(round) (\(mode)): \(present) of \(lastAck) acknowledged commits present")
            #expect(try sql.exec("PRAGMA integrity_check") == ["ok"], "round \(round) (\(mode))")
            v.lock()
            if present != lastAck { break }
        }
        #expect(lastAck >= crashIterations)
        let v = try Vault.unlock(at: path, login: "doc", passphrase: Passphrase(doctorPass), openDatabase: false)
        #expect(try v.verify().damaged.isEmpty)
        v.lock()
    }

    /// Two processes write at once through the application's pool (WAL,
    /// busy timeout, the writer's checkpoints); one is killed in the middle.
    /// No update is lost: the shared counter equals the rows logged, and
    /// every acknowledged row of both is there.
    @Test func twoWritersOneKilledNoLostUpdate() throws {
        let dir = TempDir()
        let (vault, _, path) = try makeVault(dir)
        try vault.write { db in
            try db.execute(sql: """
                CREATE TABLE counter(id INTEGER PRIMARY KEY, n INTEGER NOT NULL);
                INSERT INTO counter VALUES (1, 0);
                CREATE TABLE log(writer TEXT NOT NULL, seq INTEGER NOT NULL, filler BLOB, PRIMARY KEY (writer, seq));
                """)
        }
        vault.lock()
        let pass = dir.file("pass")
        _ = FileManager.default.createFile(atPath: pass, contents: Data(doctorPass.utf8))
        let a = try Probe(["counter", path, "doc", pass, "A", "100000"])
        let b = try Probe(["counter", path, "doc", pass, "B", "1500"])
        // Kill A once both have written enough for checkpoints to have run.
        #expect(a.wait(until: { $0.acks.count >= 700 }, timeout: 300))
        #expect(b.wait(until: { $0.acks.count >= 100 }, timeout: 300))
        a.kill9()
        b.finish()
        #expect(b.process.terminationStatus == 0)
        #expect(b.output.last == "done")
        let aAcks = a.acks, bAcks = b.acks
        #expect(bAcks.count == 1500)

        let v = try Vault.unlock(at: path, login: "doc", passphrase: Passphrase(doctorPass))
        let (n, rows, aRows, bRows) = try v.read { db in
            (try Int.fetchOne(db, sql: "SELECT n FROM counter") ?? -1,
             try Int.fetchOne(db, sql: "SELECT count(*) FROM log") ?? -1,
             try Set(Int.fetchAll(db, sql: "SELECT seq FROM log WHERE writer = 'A'")),
             try Set(Int.fetchAll(db, sql: "SELECT seq FROM log WHERE writer = 'B'")))
        }
        #expect(n == rows, "counter \(n) but \(rows) rows: an update was lost")
        #expect(Set(aAcks).isSubset(of: aRows))
        #expect(Set(bAcks).isSubset(of: bRows))
        #expect(try v.read { try String.fetchAll($0, sql: "PRAGMA integrity_check") } == ["ok"])
        v.lock()
        let again = try Vault.unlock(at: path, login: "doc", passphrase: Passphrase(doctorPass), openDatabase: false)
        #expect(try again.verify().isOK)
        again.lock()
    }

    /// Past 1 GiB SQLite skips the lock-byte page; the seal must follow.
    @Test func aVaultOverOneGiBWorks() throws {
        let dir = TempDir()
        let (vault, _, path) = try makeVault(dir)
        vault.lock()
        let v = try Vault.unlock(at: path, login: "doc", passphrase: Passphrase(doctorPass), openDatabase: false)
        let sql = try v.openSQL()
        try sql.exec("PRAGMA journal_mode = DELETE; PRAGMA synchronous = OFF; PRAGMA cache_size = -20000")
        try sql.exec("CREATE TABLE big(id INTEGER PRIMARY KEY, v BLOB)")
        for batch in 0..<22 {
            try sql.exec("""
                BEGIN;
                WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 50)
                INSERT INTO big(id, v) SELECT \(batch * 50) + i, zeroblob(1048576) FROM c;
                COMMIT;
                """)
        }
        try sql.exec("INSERT INTO big(id, v) VALUES (-1, 'après le premier gibioctet')")
        let size = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        #expect(size > (1 << 30) + header)
        #expect(try sql.exec("SELECT count(*), sum(length(v)) FROM big").first == "1101")
        #expect(try sql.exec("SELECT v FROM big WHERE id = -1") == ["après le premier gibioctet"])
        #expect(try sql.exec("PRAGMA quick_check") == ["ok"])
        v.lock()
        let again = try Vault.unlock(at: path, login: "doc", passphrase: Passphrase(doctorPass), openDatabase: false)
        let report = try again.verify()
        #expect(report.isOK, "\(report.damaged) \(report.integrityErrors.prefix(3))")
        #expect(report.pagesChecked > 262_144)
        again.lock()
    }
}
