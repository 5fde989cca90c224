import CSQLite
import CSodium
import CabinetCore
import Foundation

/// The logical content of a database: every row of every table, in a fixed
/// order (rowid, or the primary key of a table without rowid), each value
/// with its type, hashed with BLAKE2b-256; and the rows counted per table.
/// The same content gives the same hash whatever the pages look like, so a
/// backup is compared with the vault as it was, not with itself.
struct ContentHash: Equatable {
    var rowCounts: [String: Int64] = [:]
    var digest: [UInt8] = []

    var totalRows: Int64 { rowCounts.values.reduce(0, +) }

    /// Reads inside the connection's current transaction (the caller's
    /// snapshot). `skipping` names tables left out (the backup's own
    /// manifest); `progress` gets the rows read so far every 8192 rows.
    static func compute(_ handle: OpaquePointer, vfs: OpaquePointer?, skipping: Set<String> = [],
                        progress: (Int64) -> Void = { _ in }) throws -> ContentHash {
        // The state is opaque to Swift: memory of libsodium's size for it.
        let raw = UnsafeMutableRawPointer.allocate(byteCount: crypto_generichash_statebytes(), alignment: 64)
        defer { raw.deallocate() }
        let state = OpaquePointer(raw)
        crypto_generichash_init(state, nil, 0, 32)
        var result = ContentHash()
        var seen: Int64 = 0
        var header: [UInt8] = []
        header.reserveCapacity(16)
        func feed(_ bytes: [UInt8]) { bytes.withUnsafeBufferPointer { _ = crypto_generichash_update(state, $0.baseAddress, UInt64($0.count)) } }

        let tables = try query(handle, vfs: vfs, """
            SELECT name, coalesce(sql, '') FROM sqlite_master
            WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name
            """)
        for t in tables {
            let name = t[0], sql = t[1].uppercased()
            if skipping.contains(name) || sql.hasPrefix("CREATE VIRTUAL") { continue }
            let quoted = "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
            var order = "rowid"
            if sql.contains("WITHOUT ROWID") {
                let info = try query(handle, vfs: vfs, "SELECT name, pk FROM pragma_table_info('\(name.replacingOccurrences(of: "'", with: "''"))') WHERE pk > 0 ORDER BY pk")
                order = info.map { "\"" + $0[0].replacingOccurrences(of: "\"", with: "\"\"") + "\"" }.joined(separator: ", ")
            }
            feed(Array(name.utf8) + [0])
            var stmt: OpaquePointer?
            guard sqlite3_prepare_v2(handle, "SELECT * FROM \(quoted) ORDER BY \(order)", -1, &stmt, nil) == SQLITE_OK, let stmt else {
                throw StoreErrors.map(code: sqlite3_extended_errcode(handle), vfs: vfs)
            }
            defer { sqlite3_finalize(stmt) }
            let columns = sqlite3_column_count(stmt)
            var count: Int64 = 0
            while true {
                let rc = sqlite3_step(stmt)
                if rc == SQLITE_DONE { break }
                guard rc == SQLITE_ROW else { throw StoreErrors.map(code: sqlite3_extended_errcode(handle), vfs: vfs) }
                // Each value's type and length go through a small header;
                // its bytes are hashed where SQLite holds them, never copied
                // into memory of ours (rows hold identities, sealed fields).
                for i in 0..<columns {
                    header.removeAll(keepingCapacity: true)
                    switch sqlite3_column_type(stmt, i) {
                    case SQLITE_INTEGER:
                        header.append(1)
                        appendLE(&header, UInt64(bitPattern: sqlite3_column_int64(stmt, i)))
                        feed(header)
                    case SQLITE_FLOAT:
                        header.append(2)
                        appendLE(&header, sqlite3_column_double(stmt, i).bitPattern)
                        feed(header)
                    case SQLITE_TEXT:
                        let p = sqlite3_column_text(stmt, i)
                        let n = Int(sqlite3_column_bytes(stmt, i))
                        header.append(3)
                        appendLE(&header, UInt64(n))
                        feed(header)
                        if n > 0, let p { _ = crypto_generichash_update(state, p, UInt64(n)) }
                    case SQLITE_BLOB:
                        let p = sqlite3_column_blob(stmt, i)
                        let n = Int(sqlite3_column_bytes(stmt, i))
                        header.append(4)
                        appendLE(&header, UInt64(n))
                        feed(header)
                        if n > 0, let p { _ = crypto_generichash_update(state, p.assumingMemoryBound(to: UInt8.self), UInt64(n)) }
                    default:
                        header.append(5)
                        feed(header)
                    }
                }
                count += 1
                seen += 1
                if seen % 8192 == 0 { progress(seen) }
            }
            var tail: [UInt8] = [0xFF]
            appendLE(&tail, UInt64(count))
            feed(tail)
            result.rowCounts[name] = count
        }
        var out = [UInt8](repeating: 0, count: 32)
        crypto_generichash_final(state, &out, 32)
        result.digest = out
        progress(seen)
        return result
    }

    /// Rows of text columns (small queries: names, pragmas).
    static func query(_ handle: OpaquePointer, vfs: OpaquePointer?, _ sql: String) throws -> [[String]] {
        var stmt: OpaquePointer?
        guard sqlite3_prepare_v2(handle, sql, -1, &stmt, nil) == SQLITE_OK, let stmt else {
            throw StoreErrors.map(code: sqlite3_extended_errcode(handle), vfs: vfs)
        }
        defer { sqlite3_finalize(stmt) }
        var rows: [[String]] = []
        while true {
            let rc = sqlite3_step(stmt)
            if rc == SQLITE_DONE { break }
            guard rc == SQLITE_ROW else { throw StoreErrors.map(code: sqlite3_extended_errcode(handle), vfs: vfs) }
            rows.append((0..<sqlite3_column_count(stmt)).map { i in
                sqlite3_column_text(stmt, i).map { String(cString: $0) } ?? ""
            })
        }
        return rows
    }

    private static func appendLE(_ b: inout [UInt8], _ v: UInt64) {
        for i in 0..<8 { b.append(UInt8(truncatingIfNeeded: v >> (8 * UInt64(i)))) }
    }
}
