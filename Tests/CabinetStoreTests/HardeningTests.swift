@testable @_spi(Testing) import CabinetStore
import CabinetCore
import CabinetStoreTesting
import Foundation
import GRDB
import Testing

/// Core dumps off, SQLite's heap wiped, the search index overwritten at lock.
@Suite struct HardeningTests {
    @Test func theProcessIsNotDumpableAndHasNoCoreLimit() throws {
        let dir = TempDir()
        let (vault, _, _) = try makeVault(dir) // the store's safety net applies it
        vault.lock()
        #expect(ProcessHardening.apply())
        #expect(HardeningProbe.isDumpable == 0)
        #expect(HardeningProbe.coreLimit(hard: false) == 0)
        #expect(HardeningProbe.coreLimit(hard: true) == 0)
    }

    @Test func sqliteFreesEveryBlockZeroed() throws {
        #expect(ProcessHardening.wipingAllocatorInstalled)
        #expect(HardeningProbe.freedBlockIsWiped(moveByRealloc: false) == 1)
        #expect(HardeningProbe.freedBlockIsWiped(moveByRealloc: true) == 1)
        // And SQLite still works on top of it.
        let dir = TempDir()
        let (vault, _, _) = try makeVault(dir)
        try vault.write { db in
            try db.execute(sql: """
                CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT);
                WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 2000)
                INSERT INTO t(v) SELECT printf('ligne %d', i) FROM c;
                """)
        }
        #expect(try vault.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM t") } == 2000)
        vault.lock()
    }

    @Test func theSearchIndexBytesAreOverwrittenAtLock() throws {
        let dir = TempDir()
        let (vault, _, _) = try makeVault(dir)
        let index = vault.patientIndexStorage
        index.upsert(id: 1, key: "lefevre helene", birth: nil, name: "LEFÈVRE Hélène", sex: .female,
                     flags: PatientFlags(deceasedOn: nil, legalHold: false, limited: false), archived: false)
        index.upsert(id: 2, key: "martin marie", birth: nil, name: "MARTIN Marie", sex: .female,
                     flags: PatientFlags(deceasedOn: nil, legalHold: false, limited: false), archived: false)
        var seen: [[UInt8]] = []
        index.beforeRelease = { seen.append($0) }
        vault.lock()
        #expect(seen.count == 2)
        #expect(seen.map(\.count) == [14, 12])
        #expect(seen.allSatisfy { $0.allSatisfy { $0 == 0 } }, "\(seen)")
        #expect(index.count == 0)
    }
}

/// A second desk waiting past the busy timeout gets a message it can act on.
@Suite struct BusyTests {
    @Test func aWriterWaitingPastTheTimeoutIsToldAnotherDeskIsWriting() throws {
        let dir = TempDir()
        let (first, _, path) = try makeVault(dir)
        try first.write { db in try db.execute(sql: "CREATE TABLE t(v TEXT)") }
        // Desk B, with a short busy timeout.
        let second = try Vault.unlock(at: path, login: "doc", passphrase: Passphrase(doctorPass), openDatabase: false)
        second.busyTimeoutForTests = 0.05
        try second.openDatabase()
        // Desk A holds a write transaction open.
        let holder = try first.openSQL()
        try holder.exec("BEGIN IMMEDIATE; INSERT INTO t VALUES ('poste A')")
        do {
            try second.write { db in try db.execute(sql: "INSERT INTO t VALUES ('poste B')") }
            Issue.record("the write went through while another desk held the lock")
        } catch let error as CabinetError {
            #expect(error == .vault(.busy))
            #expect(error.exitCode == .conflict)
            let fr = error.message(Catalog.load(.french))
            #expect(!fr.contains("code"), "\(fr)")
            #expect(fr.contains("autre poste"))
            #expect(!error.message(Catalog.load(.english)).contains("code"))
        }
        // Readers are not blocked (WAL), and once A commits B can write.
        #expect(try second.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM t") } == 0)
        try holder.exec("COMMIT")
        try second.write { db in try db.execute(sql: "INSERT INTO t VALUES ('poste B')") }
        #expect(try second.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM t") } == 2)
        second.lock()
        first.lock()
    }

    /// SQLITE_BUSY and BUSY_RECOVERY, BUSY_SNAPSHOT, BUSY_TIMEOUT; SQLITE_LOCKED
    /// and LOCKED_SHAREDCACHE, LOCKED_VTAB.
    static let busyCodes: [Int32] = [5, 261, 517, 773, 6, 262, 518]

    @Test(arguments: busyCodes)
    func everyBusyAndLockedCodeIsMapped(code: Int32) {
        #expect(StoreErrors.map(code: code, vfs: nil) == .vault(.busy))
        // Also a GRDB error that escaped the store (the command line's net).
        let escaped = DatabaseError(resultCode: ResultCode(rawValue: code))
        #expect(StoreErrors.userError(escaped) as? CabinetError == .vault(.busy))
    }
}
