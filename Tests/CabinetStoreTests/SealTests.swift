@testable @_spi(Testing) import CabinetStore
import CSQLite
import CSodium
import CabinetCore
import CabinetStoreTesting
import Foundation
import GRDB
import Testing

/// Fictitious canaries: if any of them is found in a file, the seal leaks.
let canaries = ["CanaryTableZq", "CanaryColumnZq", "Canary-Patient-Zoé-Fictive", "CanaryIndexKeyZq",
                "CanaryBlobZq", "CanaryFtsZq", "SQLite format 3"]

@Suite struct SealTests {
    /// Writes canaries everywhere SQLite keeps text, snapshots every file of
    /// the vault in the middle of the transaction and after it, and greps.
    @Test(arguments: ["DELETE", "TRUNCATE", "PERSIST", "WAL"])
    func noClearTextInAnyFileInEveryJournalMode(mode: String) throws {
        let dir = TempDir()
        let (vault, _, path) = try makeVault(dir)
        vault.lock()
        let v = try Vault.unlock(at: path, login: "doc", passphrase: Passphrase(doctorPass), openDatabase: false)
        let sql = try v.openSQL()
        let got = try sql.exec("PRAGMA journal_mode = \(mode)")
        #expect(got.first?.uppercased() == mode)
        try sql.exec("PRAGMA cache_size = 10; PRAGMA wal_autocheckpoint = 0")
        try sql.exec("""
            CREATE TABLE IF NOT EXISTS CanaryTableZq(id INTEGER PRIMARY KEY, CanaryColumnZq TEXT, note TEXT, doc BLOB);
            CREATE INDEX IF NOT EXISTS CanaryIndex ON CanaryTableZq(note);
            CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5(body);
            """)
        var snapshots: [[String: [UInt8]]] = []
        let blob = String(repeating: "CanaryBlobZq-", count: 2000) // ~26 KB: spans pages (overflow chain)
        try sql.exec("BEGIN")
        for i in 0..<300 {
            try sql.run("INSERT INTO CanaryTableZq(CanaryColumnZq, note, doc) VALUES (?, ?, ?)",
                        [.text("Canary-Patient-Zoé-Fictive \(i)"), .text("CanaryIndexKeyZq-\(i)"),
                         .blob(Array(blob.utf8))])
            try sql.run("INSERT INTO fts(body) VALUES (?)", [.text("consultation CanaryFtsZq \(i)")])
        }
        snapshots.append(snapshot(dir)) // mid-transaction: pages spilled, journal or WAL written
        try sql.exec("COMMIT")
        snapshots.append(snapshot(dir))
        try sql.exec("UPDATE CanaryTableZq SET note = note || '-x' WHERE id % 3 = 0")
        snapshots.append(snapshot(dir))
        if mode == "WAL" { try sql.exec("PRAGMA wal_checkpoint(TRUNCATE)"); snapshots.append(snapshot(dir)) }
        // The data is there for whoever holds the key.
        #expect(try sql.exec("SELECT count(*) FROM fts WHERE fts MATCH 'CanaryFtsZq'") == ["300"])
        #expect(try sql.exec("SELECT CanaryColumnZq FROM CanaryTableZq WHERE id = 1") == ["Canary-Patient-Zoé-Fictive 0"])

        var sawJournal = false
        for snap in snapshots {
            #expect(snap.keys.contains("v.vault"))
            if snap.keys.contains(where: { $0.hasSuffix("-journal") || $0.hasSuffix("-wal") }) { sawJournal = true }
            for (name, content) in snap {
                for c in canaries {
                    #expect(!contains(content, c), "\(c) found in clear in \(name) (\(mode))")
                }
            }
        }
        #expect(sawJournal, "the test must catch a journal or WAL on disk")
        v.lock()
    }

    @Test func rewritingTheSamePageGivesDifferentBytes() throws {
        let dir = TempDir()
        let (vault, _, path) = try makeVault(dir)
        vault.lock()
        let v = try Vault.unlock(at: path, login: "doc", passphrase: Passphrase(doctorPass), openDatabase: false)
        let sql = try v.openSQL()
        try sql.exec("PRAGMA journal_mode = DELETE")
        try sql.exec("CREATE TABLE t(v TEXT); INSERT INTO t VALUES ('meme valeur')")
        let root = Int(try sql.exec("SELECT rootpage FROM sqlite_master WHERE name = 't'").first ?? "") ?? 0
        #expect(root > 1)
        let at = pageOffset(root)
        let before = Array(bytes(path)[at..<(at + pageSize)])
        // Change the row, then put it back: the page's plaintext is the same
        // as before, its bytes on disk must not be.
        try sql.exec("UPDATE t SET v = 'autre valeur'")
        try sql.exec("UPDATE t SET v = 'meme valeur'")
        let after = Array(bytes(path)[at..<(at + pageSize)])
        #expect(before != after, "same plaintext page rewritten with the same bytes")
        let sameBytes = zip(before, after).filter { $0 == $1 }.count
        #expect(sameBytes < 100, "\(sameBytes) identical bytes: the ciphertext must change entirely")
        #expect(Array(before[4056..<4080]) != Array(after[4056..<4080]), "nonce reused")
        #expect(try sql.exec("SELECT v FROM t") == ["meme valeur"])
        v.lock()
    }

    /// A vault with rows on several pages, all in the main file.
    func rowsOnPages(_ dir: TempDir) throws -> String { try rowsAndRoot(dir).path }

    /// Same, with the root page of table t (its leaves follow it).
    func rowsAndRoot(_ dir: TempDir) throws -> (path: String, root: Int) {
        let (vault, _, path) = try makeVault(dir)
        try vault.database?.write { db in
            try db.execute(sql: """
                CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT);
                WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 400)
                INSERT INTO t(id, v) SELECT i, printf('ligne-%04d-%s', i, hex(zeroblob(40))) FROM c;
                """)
        }
        let root = try vault.database?.read { try Int.fetchOne($0, sql: "SELECT rootpage FROM sqlite_master WHERE name = 't'") } ?? 0
        vault.lock() // folds the WAL into the file
        #expect(!FileManager.default.fileExists(atPath: path + "-wal"))
        return (path, root)
    }

    func expectDamage(_ path: String, page: Int64) throws {
        let v = try Vault.unlock(at: path, login: "doc", passphrase: Passphrase(doctorPass), openDatabase: false)
        defer { v.lock() }
        let report = try v.verify()
        #expect(report.damaged.contains(.page(page)), "verify must name page \(page): \(report.damaged)")
        #expect(!report.isOK)
        // Reading through SQL fails with the same page named; never a wrong row.
        if page != 1 {
            do {
                try v.openDatabase()
                let rows: [String]? = try v.read { try String.fetchAll($0, sql: "SELECT v FROM t ORDER BY id") }
                Issue.record("read \(rows?.count ?? 0) rows from a damaged file")
            } catch let e as CabinetError {
                #expect(e == .integrity(.damaged(.page(page))))
                #expect(e.exitCode == .integrity)
            }
        } else {
            #expect(throws: CabinetError.integrity(.damaged(.page(1)))) { try v.openDatabase() }
        }
    }

    /// Page 1, then bytes of table t's pages: payload, nonce, tag.
    @Test(arguments: [(-1, 200), (0, 10), (1, 4056 + 5), (2, 4080 + 7), (3, 2000)])
    func tamperingAnyByteOfAPageIsDetected(pageAfterRoot: Int, offset: Int) throws {
        let dir = TempDir()
        let (path, root) = try rowsAndRoot(dir)
        let page = pageAfterRoot < 0 ? 1 : root + pageAfterRoot
        #expect((bytes(path).count - header) / pageSize >= page)
        try flipBit(path, at: pageOffset(page) + offset)
        try expectDamage(path, page: Int64(page))
    }

    @Test func swappedPagesAreDetected() throws {
        let dir = TempDir()
        let path = try rowsOnPages(dir)
        let all = bytes(path)
        try writeBytes(path, at: pageOffset(2), Array(all[pageOffset(3)..<pageOffset(4)]))
        try writeBytes(path, at: pageOffset(3), Array(all[pageOffset(2)..<pageOffset(3)]))
        let v = try Vault.unlock(at: path, login: "doc", passphrase: Passphrase(doctorPass), openDatabase: false)
        let report = try v.verify()
        #expect(report.damaged.contains(.page(2)) && report.damaged.contains(.page(3)))
        v.lock()
    }

    @Test func aPageFromAnotherFileUnderTheSameKeyIsDetected() throws {
        let dir = TempDir()
        let path = try rowsOnPages(dir)
        // A sealed copy under the same data key but its own file id (as a
        // backup would be), made with VACUUM INTO through a second VFS.
        let v = try Vault.unlock(at: path, login: "doc", passphrase: Passphrase(doctorPass), openDatabase: false)
        guard let dataKey = v.dataKeyForMaintenance else { Issue.record("no key"); return }
        var env = v.envelope
        env.fileID = randomBytes(16)
        let copy = dir.file("copy.vault")
        try Vault.writeNewFile(path: copy, envelope: env, dataKey: dataKey, mode: 0o600)
        let copyVFS = try Vault.registerVFS(dataKey: dataKey, fileID: env.fileID)
        defer { csealedUnregister(copyVFS) }
        let sql = try v.openSQL()
        try sql.exec("VACUUM INTO '\(Vault.uri(path: copy, vfs: vfsName(copyVFS)))'")
        // The copy is a working sealed vault...
        let copyDB = try Vault.unlock(at: copy, login: "doc", passphrase: Passphrase(doctorPass))
        #expect(try copyDB.database?.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM t") } == 400)
        #expect(try copyDB.verify().isOK)
        copyDB.lock()
        // ...but its page 2 moved into the original is refused.
        let other = bytes(copy)
        try writeBytes(path, at: pageOffset(2), Array(other[pageOffset(2)..<pageOffset(3)]))
        v.lock()
        try expectDamage(path, page: 2)
    }

    /// A vault and its WAL with 20 committed transactions, copied as a crash
    /// would leave them (nothing checkpointed), into `into`.
    func walWithCommits(_ dir: TempDir, into copyDir: TempDir) throws -> String {
        let (vault, _, path) = try makeVault(dir)
        vault.lock()
        let v = try Vault.unlock(at: path, login: "doc", passphrase: Passphrase(doctorPass), openDatabase: false)
        let sql = try v.openSQL()
        try sql.exec("PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0")
        try sql.exec("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)")
        for i in 1...20 { try sql.exec("INSERT INTO t(v) VALUES ('ligne \(i)')") }
        let copy = copyDir.file("v.vault")
        try FileManager.default.copyItem(atPath: path, toPath: copy)
        try FileManager.default.copyItem(atPath: path + "-wal", toPath: copy + "-wal")
        v.lock()
        return copy
    }

    /// A damaged frame followed by valid frames of the same log is damage,
    /// not a torn write: recovery refuses and names it, instead of ending
    /// the log there and silently dropping the commits after it.
    @Test func aDamagedWALFrameFollowedByValidFramesIsRefusedAndNamed() throws {
        let dir = TempDir(), copyDir = TempDir()
        let copy = try walWithCommits(dir, into: copyDir)
        let frames = (bytes(copy + "-wal").count - 32) / (24 + 4096)
        #expect(frames > 10)
        // Frame 5's page bytes (WAL header 32, frames of 24 + 4096).
        try flipBit(copy + "-wal", at: 32 + 4 * (24 + 4096) + 24 + 100)
        let wal = bytes(copy + "-wal")
        let c = try Vault.unlock(at: copy, login: "doc", passphrase: Passphrase(doctorPass), openDatabase: false)
        let report = try c.verify()
        #expect(report.damaged.contains(.walFrame(5)), "\(report.damaged)")
        #expect(!report.isOK)
        #expect(throws: CabinetError.integrity(.damaged(.walFrame(5)))) { try c.openDatabase() }
        #expect(CabinetError.integrity(.damaged(.walFrame(5))).exitCode == .integrity)
        c.lock()
        // Nothing was dropped nor folded into the vault: the WAL is intact
        // (a repaired frame would bring every commit back), and a second
        // attempt says the same.
        #expect(bytes(copy + "-wal") == wal)
        let again = try Vault.unlock(at: copy, login: "doc", passphrase: Passphrase(doctorPass), openDatabase: false)
        #expect(throws: CabinetError.integrity(.damaged(.walFrame(5)))) { try again.openDatabase() }
        #expect(try again.verify().damaged.contains(.walFrame(5)))
        again.lock()
        // Repaired (the bit flipped back), every commit is there.
        try flipBit(copy + "-wal", at: 32 + 4 * (24 + 4096) + 24 + 100)
        let fixed = try Vault.unlock(at: copy, login: "doc", passphrase: Passphrase(doctorPass))
        #expect(try fixed.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM t") } == 20)
        fixed.lock()
    }

    /// An interrupted last frame is not tampering: it is ignored, the
    /// commits before it are there.
    @Test func aTornLastWALFrameIsIgnored() throws {
        let dir = TempDir(), copyDir = TempDir()
        let copy = try walWithCommits(dir, into: copyDir)
        var wal = bytes(copy + "-wal")
        let frames = (wal.count - 32) / (24 + 4096)
        wal = Array(wal[0..<(32 + frames * (24 + 4096))])
        wal[wal.count - 100] ^= 0x55
        _ = FileManager.default.createFile(atPath: copy + "-wal", contents: Data(wal))
        let t = try Vault.unlock(at: copy, login: "doc", passphrase: Passphrase(doctorPass), openDatabase: false)
        let r = try t.verify()
        #expect(r.damaged.isEmpty && r.tornWALTail, "\(r)")
        try t.openDatabase()
        // The last insert (its one frame) is lost with its torn frame; the 19 before it are there.
        #expect(try t.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM t") } == 19)
        t.lock()
        let after = try Vault.unlock(at: copy, login: "doc", passphrase: Passphrase(doctorPass), openDatabase: false)
        #expect(try after.verify().isOK)
        after.lock()
    }

    /// Frames after the last commit are an unfinished transaction (spilled
    /// pages, which SQLite may rewrite in place: a crash can tear one of them
    /// with valid frames after it). Recovery drops them anyway: a damaged one
    /// there is no lost commit, and the vault opens.
    @Test func aDamagedFrameOfAnUnfinishedTransactionIsDroppedWithIt() throws {
        let dir = TempDir(), copyDir = TempDir()
        let (vault, _, path) = try makeVault(dir)
        vault.lock()
        let v = try Vault.unlock(at: path, login: "doc", passphrase: Passphrase(doctorPass), openDatabase: false)
        let sql = try v.openSQL()
        try sql.exec("PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0; PRAGMA cache_size = 10")
        try sql.exec("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)")
        for i in 1...20 { try sql.exec("INSERT INTO t(v) VALUES ('ligne \(i)')") }
        let committed = (bytes(path + "-wal").count - 32) / (24 + 4096)
        try sql.exec("""
            BEGIN;
            WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 300)
            INSERT INTO t(v) SELECT hex(randomblob(1000)) FROM c;
            """)
        let copy = copyDir.file("v.vault")
        try FileManager.default.copyItem(atPath: path, toPath: copy)
        try FileManager.default.copyItem(atPath: path + "-wal", toPath: copy + "-wal")
        try sql.exec("ROLLBACK")
        v.lock()
        let frames = (bytes(copy + "-wal").count - 32) / (24 + 4096)
        #expect(frames > committed + 5, "the open transaction must have spilled frames")
        try flipBit(copy + "-wal", at: 32 + committed * (24 + 4096) + 24 + 100) // its first frame
        let c = try Vault.unlock(at: copy, login: "doc", passphrase: Passphrase(doctorPass))
        #expect(try c.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM t") } == 20)
        c.lock()
    }

    /// A fresh sealed file may receive pages before page 1 (a copy larger
    /// than the cache spills them first); page 1's geometry is still checked
    /// when it comes, and a wrong one fails the whole copy.
    @Test(arguments: [40, 0])
    func aCopyIntoAFreshFileChecksPageOneWhenItComes(reserve: Int32) throws {
        let dir = TempDir()
        let (vault, _, path) = try makeVault(dir)
        guard let dataKey = vault.dataKeyForMaintenance else { Issue.record("no key"); return }
        var env = vault.envelope
        vault.lock()
        // A plain source of about 6 MB with the given reserve.
        let plain = try SealedSQL.plain(path: dir.file("plain.db"))
        var r = reserve
        _ = sqlite3_file_control(plain.raw.handle, "main", SQLITE_FCNTL_RESERVE_BYTES, &r)
        try plain.exec("""
            PRAGMA page_size = 4096; PRAGMA cache_size = 100;
            CREATE TABLE t(id INTEGER PRIMARY KEY, v BLOB);
            WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 6000)
            INSERT INTO t SELECT i, randomblob(1000) FROM c;
            """)
        env.fileID = randomBytes(16)
        let copy = dir.file("copy.vault")
        try Vault.writeNewFile(path: copy, envelope: env, dataKey: dataKey, mode: 0o600)
        let copyVFS = try Vault.registerVFS(dataKey: dataKey, fileID: env.fileID)
        defer { csealedUnregister(copyVFS) }
        let before = csealedPagesWritten(copyVFS)
        let into = "VACUUM INTO '\(Vault.uri(path: copy, vfs: vfsName(copyVFS)))'"
        if reserve == 40 {
            try plain.exec(into)
            let opened = try Vault.unlock(at: copy, login: "doc", passphrase: Passphrase(doctorPass), openDatabase: false)
            let sql = try opened.openSQL()
            #expect(try sql.exec("SELECT count(*) FROM t") == ["6000"])
            #expect(try sql.exec("PRAGMA integrity_check") == ["ok"])
            opened.lock()
        } else {
            #expect(throws: (any Error).self) { try plain.exec(into) }
            // Pages were written before page 1 was refused: the copy was
            // spilling, and stopped there.
            #expect(csealedPagesWritten(copyVFS) - before > 100)
        }
        _ = path
    }

    /// A checkpoint stores each WAL frame's sealed bytes as the database
    /// page (same associated data), so the copy costs no crypto; the result
    /// authenticates and reads back.
    @Test func checkpointCopiesSealedFramesVerbatim() throws {
        let dir = TempDir()
        let (vault, _, path) = try makeVault(dir)
        vault.lock()
        let v = try Vault.unlock(at: path, login: "doc", passphrase: Passphrase(doctorPass), openDatabase: false)
        let sql = try v.openSQL()
        try sql.exec("PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0")
        try sql.exec("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)")
        for i in 1...50 { try sql.exec("INSERT INTO t(v) VALUES ('ligne fictive \(i)')") }
        let wal = bytes(path + "-wal")
        let root = Int(try sql.exec("SELECT rootpage FROM sqlite_master WHERE name = 't'").first ?? "") ?? 0
        // The last frame of page `root` in the WAL.
        var frame: [UInt8] = []
        var off = 32
        while off + 24 + pageSize <= wal.count {
            let pgno = Int(wal[off]) << 24 | Int(wal[off + 1]) << 16 | Int(wal[off + 2]) << 8 | Int(wal[off + 3])
            if pgno == root { frame = Array(wal[(off + 24)..<(off + 24 + pageSize)]) }
            off += 24 + pageSize
        }
        #expect(!frame.isEmpty)
        #expect(try sql.exec("PRAGMA wal_checkpoint(TRUNCATE)").first == "0")
        let page = Array(bytes(path)[pageOffset(root)..<(pageOffset(root) + pageSize)])
        #expect(page == frame, "the checkpoint re-sealed the page instead of copying the sealed frame")
        #expect(try sql.exec("SELECT count(*) FROM t") == ["50"])
        v.lock()
        let again = try Vault.unlock(at: path, login: "doc", passphrase: Passphrase(doctorPass), openDatabase: false)
        #expect(try again.verify().isOK)
        again.lock()
    }

    @Test func envelopeDamageAndAlterationAreToldApart() throws {
        let dir = TempDir()
        let path = try rowsOnPages(dir)
        let pristine = bytes(path)
        // One damaged copy: the other one opens the vault.
        try flipBit(path, at: 3000)
        try Vault.unlock(at: path, login: "doc", passphrase: Passphrase(doctorPass)).lock()
        // Both copies damaged: a clear "header damaged".
        try flipBit(path, at: 8192 + 3000)
        #expect(throws: CabinetError.integrity(.envelopeDamaged)) { try Vault.unlock(at: path, login: "doc", passphrase: Passphrase(doctorPass)) }
        // Altered with a recomputed checksum (an attacker): the MAC catches it.
        try writeBytes(path, at: 0, pristine)
        for copy in 0..<2 {
            let base = copy * 8192
            var c = Array(bytes(path)[base..<(base + 8192)])
            c[7800] ^= 1 // padding inside the MAC'd region
            var sum = [UInt8](repeating: 0, count: 32)
            _ = crypto_generichash(&sum, 32, Array(c[0..<8160]), 8160, nil, 0)
            c.replaceSubrange(8160..<8192, with: sum)
            try writeBytes(path, at: base, c)
        }
        #expect(throws: CabinetError.integrity(.envelopeAltered)) { try Vault.unlock(at: path, login: "doc", passphrase: Passphrase(doctorPass)) }
        // A future format version is named as such.
        try writeBytes(path, at: 0, pristine)
        for copy in 0..<2 {
            let base = copy * 8192
            var c = Array(bytes(path)[base..<(base + 8192)])
            c[8] = 9
            var sum = [UInt8](repeating: 0, count: 32)
            _ = crypto_generichash(&sum, 32, Array(c[0..<8160]), 8160, nil, 0)
            c.replaceSubrange(8160..<8192, with: sum)
            try writeBytes(path, at: base, c)
        }
        #expect(throws: CabinetError.vault(.futureFormat(found: 9, supported: Int(Envelope.formatVersion)))) {
            try Vault.unlock(at: path, login: "doc", passphrase: Passphrase(doctorPass))
        }
    }

    @Test func temporaryFilesAreRefusedNotWritten() throws {
        let dir = TempDir()
        let (vault, _, path) = try makeVault(dir)
        vault.lock()
        let v = try Vault.unlock(at: path, login: "doc", passphrase: Passphrase(doctorPass), openDatabase: false)
        let sql = try v.openSQL()
        try sql.exec("CREATE TABLE t(v); INSERT INTO t VALUES (1)")
        // Someone forcing temp files to disk gets an error, not a clear file.
        try sql.exec("PRAGMA temp_store = FILE; PRAGMA cache_size = 5")
        do {
            try sql.exec("""
                WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 30000)
                SELECT count(*) FROM (SELECT hex(randomblob(64)) AS k FROM c ORDER BY k)
                """)
        } catch {}
        _ = try? sql.exec("CREATE TEMP TABLE scratch(x)")
        #expect(v.refusedTempFiles > 0)
        v.lock()
    }

    @Test func noTempFileReachesTMPDIRDuringSortsIndexBuildsAndVacuum() throws {
        let dir = TempDir()
        let (vault, _, path) = try makeVault(dir)
        vault.lock()
        let tmp = TempDir()
        _ = FileManager.default.createFile(atPath: dir.file("pass"), contents: Data(doctorPass.utf8))
        let probe = try Probe(["tempwork", path, "doc", dir.file("pass")],
                              env: ["TMPDIR": tmp.path, "SQLITE_TMPDIR": tmp.path])
        probe.finish()
        #expect(probe.process.terminationStatus == 0)
        #expect(probe.output.last == "sorted 20000 distinct 20000 refused 0", "\(probe.output)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: tmp.path).isEmpty)
    }
}

func vfsName(_ vfs: OpaquePointer) -> String { String(cString: csealedName(vfs)) }
