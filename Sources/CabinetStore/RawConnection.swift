import CSQLite
import CSealedVFS
import CabinetCore
import Foundation
import GRDB

/// A bare SQLite connection for the store's own maintenance work (re-key,
/// integrity check, benchmarks), where GRDB's pool would get in the way.
package final class RawConnection {
    private var open = true
    package let handle: OpaquePointer
    package var isOpen: Bool { open }

    /// Closes now (idempotent): the vault closes its connections before it
    /// unregisters its VFS and wipes the keys.
    func close() {
        if open { sqlite3_close_v2(handle); open = false }
    }

    package init(uri: String, readOnly: Bool = false) throws {
        ProcessHardening.apply()
        var db: OpaquePointer?
        let flags = (readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE))
            | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX | 0x0200_0000 /* SQLITE_OPEN_EXRESCODE */
        let rc = sqlite3_open_v2(uri, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            if let db { sqlite3_close_v2(db) }
            throw StoreErrors.map(code: rc, vfs: nil)
        }
        handle = db
        sqlite3_busy_timeout(db, 5000)
    }

    deinit { close() }

    /// Runs `sql`; returns the first column of every row as text.
    @discardableResult
    package func exec(_ sql: String, vfs: OpaquePointer? = nil) throws -> [String] {
        guard open else { throw CabinetError.session(.notSignedIn) }
        var stmt: OpaquePointer?
        var rows: [String] = []
        var tail: UnsafePointer<CChar>?
        var rest = sql
        while !rest.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            let next: String = try rest.withCString { cs in
                let rc = sqlite3_prepare_v2(handle, cs, -1, &stmt, &tail)
                guard rc == SQLITE_OK else { throw StoreErrors.map(code: sqlite3_extended_errcode(handle), vfs: vfs) }
                let consumed = tail.map { String(cString: $0) } ?? ""
                defer { sqlite3_finalize(stmt); stmt = nil }
                guard stmt != nil else { return consumed }
                while true {
                    let s = sqlite3_step(stmt)
                    if s == SQLITE_ROW {
                        if let t = sqlite3_column_text(stmt, 0) { rows.append(String(cString: t)) }
                        else { rows.append("") }
                    } else if s == SQLITE_DONE {
                        break
                    } else {
                        throw StoreErrors.map(code: sqlite3_extended_errcode(handle), vfs: vfs)
                    }
                }
                return consumed
            }
            rest = next
        }
        return rows
    }
}

/// Turns SQLite result codes into errors a doctor can act on.
public enum StoreErrors {
    /// A GRDB error that escaped the store's own mapping (a safety net for
    /// the command line and the interface) as a `CabinetError`; any other
    /// error unchanged.
    public static func userError(_ error: any Error) -> any Error {
        if let e = error as? DatabaseError { return map(code: e.extendedResultCode.rawValue, vfs: nil) }
        return error
    }


    package static func map(code: Int32, vfs: OpaquePointer?) -> CabinetError {
        let primary = code & 0xFF
        if code == 522 /* SQLITE_IOERR_SHORT_READ */ { return .integrity(.damaged(.page(0))) }
        if code == (10 | (32 << 8)) { // SQLITE_IOERR_DATA: a page failed authentication
            return .integrity(.damaged(region(vfs) ?? .page(0)))
        }
        switch primary {
        // Another connection (another desk) holds the lock past the busy
        // timeout: SQLITE_BUSY, SQLITE_LOCKED and every extended code of
        // theirs (BUSY_RECOVERY, BUSY_SNAPSHOT, BUSY_TIMEOUT, LOCKED_…).
        case SQLITE_BUSY, SQLITE_LOCKED: return .vault(.busy)
        case SQLITE_CORRUPT: return .integrity(.integrityCheckFailed(count: 1))
        case SQLITE_NOTADB: return .vault(.notAVault(path: ""))
        case SQLITE_FULL: return .vault(.diskFull)
        case SQLITE_READONLY: return .vault(.readOnlyLocation(path: ""))
        case SQLITE_CANTOPEN: return .vault(.io(path: "", errno: ENOENT))
        default: return .vault(.databaseError(code: code))
        }
    }

    static func region(_ vfs: OpaquePointer?) -> DamagedRegion? {
        guard let vfs else { return nil }
        var index: Int64 = 0
        switch csealed_last_failure(vfs, &index) {
        case 1: return .page(index)
        case 2: return .journalPage(index)
        case 3: return .walFrame(index)
        default: return nil
        }
    }
}
