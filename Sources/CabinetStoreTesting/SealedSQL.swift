import CSQLite
import CSealedVFS
import CabinetCore
import CabinetStore
import Foundation

// The store's testing and benchmarking helpers, out of the product: the
// application never links this module (only the tests, the crash probe and
// cabinet-bench do). It reaches the store's internals through `package`
// access.

/// A bare SQL connection through a vault's VFS, for the store's tests, the
/// crash probe and the benchmarks (any journal mode, no GRDB pool).
public final class SealedSQL {
    package let raw: RawConnection
    let vfs: OpaquePointer?

    init(raw: RawConnection, vfs: OpaquePointer?) {
        self.raw = raw
        self.vfs = vfs
    }

    /// A plain (unsealed) SQLite database, for side-by-side measurements.
    public static func plain(path: String) throws -> SealedSQL {
        let conn = try RawConnection(uri: "file:\(path)")
        return SealedSQL(raw: conn, vfs: nil)
    }

    /// Runs `sql` (several statements allowed); returns the first column of
    /// every row as text. Errors are mapped as for users (CabinetError).
    @discardableResult
    public func exec(_ sql: String) throws -> [String] { try raw.exec(sql, vfs: vfs) }

    /// Runs a whole SQL script the way the sqlite3 shell does: each
    /// statement prepared straight from the script's bytes (SQLite says
    /// where the next one starts), stepped to the end and finalized; no copy
    /// of the text, so megabytes of script cost nothing beyond SQLite's own
    /// work. With `collect`, returns the first column of every row as text.
    @discardableResult
    public func runScript(_ script: [UInt8], collect: Bool = false) throws -> [String] {
        guard raw.isOpen else { throw CabinetError.session(.notSignedIn) }
        var rows: [String] = []
        var text = script
        text.append(0)
        try text.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            try base.withMemoryRebound(to: CChar.self, capacity: buffer.count) { start in
                var next: UnsafePointer<CChar>? = start
                let end = start + buffer.count - 1
                while let at = next, at < end {
                    var stmt: OpaquePointer?
                    var tail: UnsafePointer<CChar>?
                    // Length -1: up to the NUL. A length that stops short of
                    // the NUL makes SQLite copy the rest of the script for
                    // every statement (quadratic on megabytes).
                    guard sqlite3_prepare_v2(raw.handle, at, -1, &stmt, &tail) == SQLITE_OK else {
                        throw StoreErrors.map(code: sqlite3_extended_errcode(raw.handle), vfs: vfs)
                    }
                    defer { sqlite3_finalize(stmt) }
                    // Nothing left but blanks or comments: no statement.
                    guard let tail, tail > at else { break }
                    next = tail
                    guard stmt != nil else { continue }
                    while true {
                        let rc = sqlite3_step(stmt)
                        if rc == SQLITE_DONE { break }
                        guard rc == SQLITE_ROW else { throw StoreErrors.map(code: sqlite3_extended_errcode(raw.handle), vfs: vfs) }
                        if collect { rows.append(sqlite3_column_text(stmt, 0).map { String(cString: $0) } ?? "") }
                    }
                }
            }
        }
        return rows
    }

    /// Runs one statement with bound text/int/blob parameters.
    public func run(_ sql: String, _ params: [SQLParam]) throws {
        guard raw.isOpen else { throw CabinetError.session(.notSignedIn) } // the vault was locked
        var stmt: OpaquePointer?
        guard sqlite3_prepare_v2(raw.handle, sql, -1, &stmt, nil) == SQLITE_OK else {
            throw StoreErrors.map(code: sqlite3_extended_errcode(raw.handle), vfs: vfs)
        }
        defer { sqlite3_finalize(stmt) }
        let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
        for (i, p) in params.enumerated() {
            let idx = Int32(i + 1)
            switch p {
            case .int(let v): sqlite3_bind_int64(stmt, idx, v)
            case .text(let s): sqlite3_bind_text(stmt, idx, s, -1, transient)
            case .blob(let b): _ = b.withUnsafeBytes { sqlite3_bind_blob(stmt, idx, $0.baseAddress, Int32(b.count), transient) }
            }
        }
        while true {
            let rc = sqlite3_step(stmt)
            if rc == SQLITE_DONE { return }
            if rc != SQLITE_ROW { throw StoreErrors.map(code: sqlite3_extended_errcode(raw.handle), vfs: vfs) }
        }
    }
}

public enum SQLParam {
    case int(Int64)
    case text(String)
    case blob([UInt8])
}

extension Vault {
    /// A new bare connection to this vault (temp_store=MEMORY, no mmap).
    public func openSQL() throws -> SealedSQL {
        guard let vfs = vfsPointer else { throw CabinetError.session(.notSignedIn) }
        let raw = try RawConnection(uri: Self.uri(path: path, vfs: String(cString: csealed_name(vfs))))
        var reserve = Int32(CSEALED_RESERVE)
        _ = sqlite3_file_control(raw.handle, "main", SQLITE_FCNTL_RESERVE_BYTES, &reserve)
        try raw.exec("PRAGMA page_size = 4096; PRAGMA temp_store = MEMORY; PRAGMA mmap_size = 0", vfs: vfs)
        track(raw)
        return SealedSQL(raw: raw, vfs: vfs)
    }

    /// The search index is loaded and in display order (see `warmUp`).
    public var searchIndexIsReady: Bool { patientIndexStorage.isPrepared }

    /// Main-database opens seen by this vault's VFS.
    public var mainOpens: Int64 { vfsPointer.map { csealed_main_opens($0) } ?? 0 }
    /// Temporary files SQLite tried to open through this vault (all refused).
    public var refusedTempFiles: Int64 { vfsPointer.map { csealed_refused_temp_files($0) } ?? 0 }
}

public func csealedUnregister(_ vfs: OpaquePointer) { csealed_unregister(vfs) }
public func csealedName(_ vfs: OpaquePointer) -> UnsafePointer<CChar> { csealed_name(vfs) }

/// The process hardening, seen from the tests.
public enum HardeningProbe {
    /// A block filled and freed (or moved by realloc) through SQLite's
    /// allocator was all zeros when handed back: 1; otherwise 0 or -1.
    public static func freedBlockIsWiped(moveByRealloc: Bool) -> Int32 { csealed_test_free_wipes(moveByRealloc ? 1 : 0) }
    public static var isDumpable: Int32 { csealed_is_dumpable() }
    public static func coreLimit(hard: Bool) -> Int64 { csealed_core_limit(hard ? 1 : 0) }
}

public func csealedPagesWritten(_ vfs: OpaquePointer) -> Int64 { csealed_pages_written(vfs) }
