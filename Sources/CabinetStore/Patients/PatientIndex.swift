import CSodium
import CabinetCore
import Foundation
import GRDB

/// The in-memory search index of a vault's patients (names folded and split
/// into words once, dates of birth as day numbers), kept in name order so a
/// search stops at its limit without sorting. Never written anywhere.
package final class PatientIndex: @unchecked Sendable {
    // Touched under the vault's owning thread only (like Vault itself).
    struct Row {
        let id: Int64
        /// The stored search key's bytes: folded words, single spaces.
        /// Mutable only so that `clear` can overwrite the bytes in place.
        var key: [UInt8]
        let birthDay: Int?
        let birth: CivilDate?
        let name: String
        let sex: Sex
        let flags: PatientFlags
        let archived: Bool
    }
    var rows: [Row] = []
    var position: [Int64: Int] = [:]
    /// Row indices in display order (name, then date of birth).
    private var order: [Int] = []
    private var orderIsStale = true
    private var buckets: [UInt16: [Int32]] = [:]
    var seenSeq: Int64 = 0
    var count: Int { rows.count }

    /// The names by patient id, for ids below its length (rowids are dense;
    /// "" where none): the week view resolves hundreds of names a frame, and
    /// a plain array of names beats hashing into the rows. `position`
    /// still answers every id.
    private var namesByID: [String] = []

    func name(of id: Int64) -> String? {
        if id >= 0 && id < namesByID.count {
            let name = namesByID[Int(id)]
            if !name.isEmpty { return name }
        }
        return position[id].map { rows[$0].name }
    }

    /// Testing hook: sees every row's key bytes after they were
    /// overwritten, just before they are released.
    var beforeRelease: (([UInt8]) -> Void)?

    /// Empties the index (at lock). The normalised names' bytes (`key`)
    /// are overwritten in place before their buffers are released (each
    /// buffer is referenced by its row only, so no copy is made). The
    /// display names are Swift `String`s: they cannot be overwritten, only
    /// released (a documented limit, docs/SEALED-STORE.md).
    func clear() {
        for i in rows.indices {
            rows[i].key.withUnsafeMutableBufferPointer { b in
                if let base = b.baseAddress, b.count > 0 { sodium_memzero(base, b.count) }
            }
            beforeRelease?(rows[i].key)
        }
        rows = []
        position = [:]
        namesByID = []
        order = []
        buckets = [:]
        orderIsStale = true
        seenSeq = 0
    }

    func upsert(id: Int64, key: String, birth: CivilDate?, name: String, sex: Sex, flags: PatientFlags, archived: Bool) {
        let row = Row(id: id, key: Array(key.utf8), birthDay: birth?.dayNumber, birth: birth, name: name, sex: sex, flags: flags,
                      archived: archived)
        let index: Int
        if let i = position[id] {
            // Out of the display order and the buckets under its old name.
            if !orderIsStale {
                if let at = order.firstIndex(of: i) { order.remove(at: at) }
                for k in Self.bucketKeys(rows[i].key) { buckets[k]?.removeAll { $0 == Int32(i) } }
            }
            rows[i] = row
            index = i
        } else {
            position[id] = rows.count
            rows.append(row)
            index = rows.count - 1
        }
        if id >= 0 && id < 4 * Int64(rows.count) + 4096 {
            if Int(id) >= namesByID.count { namesByID.append(contentsOf: repeatElement("", count: Int(id) + 1 - namesByID.count)) }
            namesByID[Int(id)] = name
        }
        // Once the order is built, a patient added or renamed (here or on
        // another desk) takes its place in it: the next search does not sort
        // 50 000 names again.
        if !orderIsStale { place(index) }
    }

    /// Display order: name, then date of birth, then the order of arrival.
    private func precedes(_ a: Int, _ b: Int) -> Bool {
        let na = rows[a].name, nb = rows[b].name
        if na != nb { return na < nb }
        let da = rows[a].birthDay ?? 0, db = rows[b].birthDay ?? 0
        return da != db ? da < db : a < b
    }

    /// The two-letter starts of a name's words (bucket keys).
    private static func bucketKeys(_ key: [UInt8]) -> Set<UInt16> {
        var keys: Set<UInt16> = []
        for w in key.split(separator: 0x20) where w.count >= 2 {
            keys.insert(UInt16(w[w.startIndex]) << 8 | UInt16(w[w.startIndex + 1]))
        }
        return keys
    }

    /// Puts row `i` at its place in the display order and in its buckets.
    private func place(_ i: Int) {
        func insertionPoint<C: RandomAccessCollection>(_ list: C, _ index: (C.Element) -> Int) -> C.Index {
            var low = list.startIndex, high = list.endIndex
            while low < high {
                let mid = list.index(low, offsetBy: list.distance(from: low, to: high) / 2)
                if precedes(index(list[mid]), i) { low = list.index(after: mid) } else { high = mid }
            }
            return low
        }
        order.insert(i, at: insertionPoint(order) { $0 })
        for k in Self.bucketKeys(rows[i].key) {
            var list = buckets[k] ?? []
            list.insert(Int32(i), at: insertionPoint(list) { Int($0) })
            buckets[k] = list
        }
    }

    /// Builds the display order and the buckets if they are not built (at
    /// the first search, or ahead of it: `Vault.warmUp`).
    func prepare() {
        guard orderIsStale else { return }
        order = rows.indices.sorted(by: precedes)
        // For each two-letter start of a word, the rows that have such a
        // word, in display order: a query with a two-letter prefix visits
        // only those.
        buckets = [:]
        for i in order {
            for k in Self.bucketKeys(rows[i].key) { buckets[k, default: []].append(Int32(i)) }
        }
        orderIsStale = false
    }

    package var isPrepared: Bool { !orderIsStale }

    func search(_ query: PatientQuery, limit: Int) -> [PatientSummary] {
        if query.dateProblem != nil { return [] }
        prepare()
        let prefixes = query.prefixes.map { Array($0.utf8) }.filter { !$0.isEmpty }
        let day = query.birthDate?.dayNumber
        var out: [PatientSummary] = []
        // The smallest bucket among the prefixes' two-letter starts, else all.
        var candidates: [Int32]?
        for p in prefixes where p.count >= 2 {
            let list = buckets[UInt16(p[0]) << 8 | UInt16(p[1])] ?? []
            if candidates.map({ list.count < $0.count }) ?? true { candidates = list }
        }
        let visit: AnySequence<Int> = candidates.map { AnySequence($0.lazy.map { Int($0) }) } ?? AnySequence(order)
        for i in visit {
            let r = rows[i]
            if r.archived { continue }
            if let day, r.birthDay != day { continue }
            if let year = query.birthYear, r.birth?.year != year { continue }
            // The one name matcher (CabinetCore), on the row's bytes.
            if !prefixes.isEmpty && !r.key.withUnsafeBufferPointer({ query.matchesName($0) }) { continue }
            out.append(PatientSummary(id: r.id, displayName: r.name, birthDate: r.birth ?? CivilDate(Date()), sex: r.sex,
                                      flags: r.flags))
            if out.count >= limit { break }
        }
        return out
    }

    /// Brings the index up to date inside a read already open.
    func catchUp(_ db: Database) throws {
        let last = try String.fetchOne(db.cachedStatement(sql: "SELECT value FROM cabinet_meta WHERE key = 'patient_change_seq'"))
            .flatMap(Int64.init) ?? 0
        guard last > seenSeq else { return }
        let rows = try GRDB.Row.fetchCursor(db, sql: """
            SELECT id, search_key, birth_date, display_name, sex, deceased_on, legal_hold, limited, archived_at, change_seq
            FROM patient WHERE change_seq > ?
            """, arguments: [seenSeq])
        // Columns by position: a lookup by name folds the name's case on
        // every call, for every column of 50 000 rows at the first search.
        while let r = try rows.next() {
            let flags = PatientFlags(deceasedOn: (r[5] as String?).flatMap(CivilDate.init(iso:)), legalHold: (r[6] as Int) != 0,
                                     limited: (r[7] as Int) != 0)
            upsert(id: r[0], key: r[1], birth: CivilDate(iso: r[2]), name: r[3], sex: Sex(rawValue: r[4]) ?? .indeterminate,
                   flags: flags, archived: (r[8] as String?) != nil)
        }
        seenSeq = last
    }
}
