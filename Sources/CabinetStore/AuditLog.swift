import CSodium
import CabinetCore
import Foundation
import GRDB

/// What an entry is appended with: the chain key (readable by every
/// session) and the acting session's signing key (its own: the data-key
/// holder cannot sign for another account).
struct AuditKey {
    let chain: SecureBytes
    let signer: String?
    let signingKey: SecureBytes?
    /// A doctor's session moves the checkpoint with every entry it appends
    /// (seq, MAC), so that the window the front desk has to rewrite her own
    /// newest entries ends at the doctor's last action.
    let checkpoint: ((Database, Int64, [UInt8]) throws -> Void)?

    init(chain: SecureBytes, signer: String? = nil, signingKey: SecureBytes? = nil,
         checkpoint: ((Database, Int64, [UInt8]) throws -> Void)? = nil) {
        self.chain = chain
        self.signer = signer
        self.signingKey = signingKey
        self.checkpoint = checkpoint
    }
}

/// What the trail's verification needs beyond the chain: the signing keys
/// by login (from the list of accounts), the first seq that must be signed,
/// and the checkpoint a doctor's sign-in recorded.
struct AuditTrust {
    var keys: [String: [[UInt8]]] = [:]
    var signedFrom: Int64?
    var checkpoint: (seq: Int64, mac: [UInt8], at: Int64)?
}

/// The tamper-evident audit trail (PRODUCT.md "Traceability";
/// ../shared/seeds/002_d4f97852d99ed6fe.txt §5 h and §10;
/// ../shared/seeds/004_2de9afd8ccfe8a26.txt on tracing every read and write).
///
/// Append-only inside the sealed database (triggers refuse UPDATE and DELETE
/// outside pruning). Each entry carries a BLAKE2b MAC keyed by a sub-key of
/// the data key over the previous entry's MAC and its own fields, so a
/// removed, altered or reordered entry breaks the chain at that place. Pruning
/// old access traces moves an anchor (first kept entry, previous MAC), itself
/// MAC'd, and is recorded in the trail. The report of a check (`AuditReport`)
/// is Core's; every repository appends through `AuditAppender`.
package enum AuditLog {
    static let zeroMAC = [UInt8](repeating: 0, count: 32)
    static let signatureContext = Array("cabinet-audit-sig-v1".utf8)

    static func sign(_ mac: [UInt8], with key: SecureBytes) -> [UInt8] {
        let msg = signatureContext + mac
        var sig = [UInt8](repeating: 0, count: 64)
        key.withBytes { k in _ = crypto_sign_detached(&sig, nil, msg, UInt64(msg.count), k) }
        return sig
    }

    static func signatureValid(_ sig: [UInt8], mac: [UInt8], keys: [[UInt8]]) -> Bool {
        guard sig.count == 64 else { return false }
        let msg = signatureContext + mac
        return keys.contains { pk in pk.count == 32 && crypto_sign_verify_detached(sig, msg, UInt64(msg.count), pk) == 0 }
    }

    /// The chain's key: random, created with the trail, kept inside the
    /// sealed database so that a re-key (new data key) leaves the chain
    /// verifiable. Whoever can read the database can read it: see the
    /// limits in docs/SEALED-STORE.md.
    static func key(_ db: Database) throws -> SecureBytes {
        guard let hex = try String.fetchOne(db, sql: "SELECT value FROM cabinet_meta WHERE key = 'audit_key'"),
              let bytes = hexBytes(hex), bytes.count == 32 else {
            throw CabinetError.integrity(.auditChainBroken(seq: 0))
        }
        return SecureBytes.copy(bytes)
    }

    static func hexBytes(_ s: String) -> [UInt8]? {
        let chars = Array(s.utf8)
        guard chars.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(chars.count / 2)
        var i = 0
        while i < chars.count {
            guard let hi = hexValue(chars[i]), let lo = hexValue(chars[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }

    private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case 48...57: return c - 48
        case 97...102: return c - 87
        case 65...70: return c - 55
        default: return nil
        }
    }

    static func hex(_ b: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(b.count * 2)
        for byte in b {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func headMAC(key: SecureBytes, seq: Int64, last: [UInt8]) -> [UInt8] {
        let msg = Array("cabinet-audit-head-v1".utf8) + le(UInt64(bitPattern: seq)) + last
        var out = [UInt8](repeating: 0, count: 32)
        key.withBytes { k in _ = crypto_generichash(&out, 32, msg, UInt64(msg.count), k, 32) }
        return out
    }

    /// "2026-11-22T13:15:51.123Z" (UTC, milliseconds). Written by hand:
    /// ISO8601DateFormatter costs tens of microseconds per call, and a
    /// record's opening reads hundreds of these.
    package static func timestamp(_ d: Date) -> String {
        let ms = Int64((d.timeIntervalSince1970 * 1000).rounded())
        var t = time_t(ms >= 0 ? ms / 1000 : (ms - 999) / 1000)
        let milli = Int((ms % 1000 + 1000) % 1000)
        var tm = tm()
        gmtime_r(&t, &tm)
        func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : String(v) }
        let year = String(tm.tm_year + 1900)
        let frac = milli < 10 ? "00\(milli)" : milli < 100 ? "0\(milli)" : String(milli)
        return year + "-" + two(tm.tm_mon + 1) + "-" + two(tm.tm_mday) + "T" + two(tm.tm_hour) + ":" + two(tm.tm_min)
            + ":" + two(tm.tm_sec) + "." + frac + "Z"
    }

    /// Reads what `timestamp` writes (fractional seconds optional).
    package static func date(_ s: String) -> Date {
        let b = Array(s.utf8)
        func num(_ from: Int, _ len: Int) -> Int? {
            guard from + len <= b.count else { return nil }
            var v = 0
            for c in b[from..<(from + len)] {
                guard c >= 48 && c <= 57 else { return nil }
                v = v * 10 + Int(c - 48)
            }
            return v
        }
        guard b.count >= 20, let y = num(0, 4), let mo = num(5, 2), let d = num(8, 2), let h = num(11, 2),
              let mi = num(14, 2), let se = num(17, 2) else { return Date(timeIntervalSince1970: 0) }
        var ms = 0
        if b.count > 20, b[19] == UInt8(ascii: "."), let f = num(20, 3) { ms = f }
        var tm = tm()
        tm.tm_year = Int32(y - 1900)
        tm.tm_mon = Int32(mo - 1)
        tm.tm_mday = Int32(d)
        tm.tm_hour = Int32(h)
        tm.tm_min = Int32(mi)
        tm.tm_sec = Int32(se)
        let t = timegm(&tm)
        return Date(timeIntervalSince1970: TimeInterval(t) + TimeInterval(ms) / 1000)
    }

    static func field(_ s: String?) -> [UInt8] {
        guard let s else { return [0] }
        let b = Array(s.utf8)
        return [1] + le32(UInt32(b.count)) + b
    }

    static func mac(key: SecureBytes, prev: [UInt8], seq: Int64, at: String, actor: String, action: String,
                    object: String?, detail: String?) -> [UInt8] {
        let msg = Array("cabinet-audit-v1".utf8) + prev + le(UInt64(bitPattern: seq)) + field(at) + field(actor)
            + field(action) + field(object) + field(detail)
        var out = [UInt8](repeating: 0, count: 32)
        key.withBytes { k in _ = crypto_generichash(&out, 32, msg, UInt64(msg.count), k, 32) }
        return out
    }

    static func anchorMAC(key: SecureBytes, firstSeq: Int64, prev: [UInt8]) -> [UInt8] {
        let msg = Array("cabinet-audit-anchor-v1".utf8) + le(UInt64(bitPattern: firstSeq)) + prev
        var out = [UInt8](repeating: 0, count: 32)
        key.withBytes { k in _ = crypto_generichash(&out, 32, msg, UInt64(msg.count), k, 32) }
        return out
    }

    /// Appends one entry in the caller's transaction.
    static func append(_ db: Database, key: AuditKey, actor: String, action: AuditAction, object: String? = nil,
                       detail: String? = nil, at: Date = Date()) throws {
        try append(db, key: key, actor: actor, action: action.rawValue, object: object, detail: detail, at: at)
    }

    static func append(_ db: Database, key: AuditKey, actor: String, action: String, object: String?,
                       detail: String?, at: Date) throws {
        let last = try Row.fetchOne(db, sql: "SELECT seq, mac FROM audit ORDER BY seq DESC LIMIT 1")
        let prev: [UInt8]
        let seq: Int64
        if let last {
            seq = (last["seq"] as Int64) + 1
            prev = [UInt8](last["mac"] as Data)
        } else {
            let anchor = try Row.fetchOne(db, sql: "SELECT first_seq, prev_mac FROM audit_anchor WHERE id = 1")
            seq = anchor?["first_seq"] ?? 1
            prev = anchor.map { [UInt8]($0["prev_mac"] as Data) } ?? zeroMAC
        }
        let ts = timestamp(at)
        let m = mac(key: key.chain, prev: prev, seq: seq, at: ts, actor: actor, action: action, object: object, detail: detail)
        let sig = key.signingKey.map { Data(sign(m, with: $0)) }
        try db.execute(sql: "INSERT INTO audit(seq, at, actor, action, object, detail, mac, signer, sig) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       arguments: [seq, ts, actor, action, object, detail, Data(m), sig == nil ? nil : key.signer, sig])
        // The head (newest seq, MAC'd): removing the newest entries shows.
        try db.execute(sql: "INSERT OR REPLACE INTO cabinet_meta(key, value) VALUES ('audit_head', ?)",
                       arguments: ["\(seq):" + hex(headMAC(key: key.chain, seq: seq, last: m))])
        try key.checkpoint?(db, seq, m)
    }

    /// Walks the chain from the anchor; names the first entry that fails.
    static func verify(_ db: Database, key: SecureBytes, trust: AuditTrust = AuditTrust()) throws -> AuditReport {
        var report = AuditReport()
        guard let anchor = try Row.fetchOne(db, sql: "SELECT first_seq, prev_mac, mac FROM audit_anchor WHERE id = 1") else {
            report.firstBad = 1
            return report
        }
        var expectedSeq: Int64 = anchor["first_seq"]
        var prev = [UInt8](anchor["prev_mac"] as Data)
        report.firstSeq = expectedSeq
        let anchorMac: Data? = anchor["mac"]
        if expectedSeq != 1 || prev != zeroMAC {
            guard let anchorMac, [UInt8](anchorMac) == anchorMAC(key: key, firstSeq: expectedSeq, prev: prev) else {
                report.firstBad = expectedSeq
                return report
            }
        }
        let rows = try Row.fetchCursor(db, sql: "SELECT seq, at, actor, action, object, detail, mac, signer, sig FROM audit ORDER BY seq")
        while let row = try rows.next() {
            let seq: Int64 = row["seq"]
            let m = mac(key: key, prev: prev, seq: expectedSeq, at: row["at"], actor: row["actor"], action: row["action"],
                        object: row["object"], detail: row["detail"])
            guard seq == expectedSeq, [UInt8](row["mac"] as Data) == m else {
                report.firstBad = min(seq, expectedSeq)
                return report
            }
            // Signed by a listed account since the list exists: the data-key
            // holder can recompute the chain, not another account's signature.
            if let from = trust.signedFrom, seq >= from {
                let signer: String? = row["signer"]
                let sig: Data? = row["sig"]
                // Signed by the account it names (a failed sign-in is written by
                // the next session that signs in, in the failing login's name).
                let actor: String = row["actor"], action: String = row["action"]
                guard let signer, let sig, signer == actor || action == AuditAction.signInFailed.rawValue,
                      signatureValid([UInt8](sig), mac: m, keys: trust.keys[signer] ?? []) else {
                    report.firstBad = seq
                    report.finding = .signature(seq: seq)
                    return report
                }
            }
            prev = m
            expectedSeq += 1
            report.entries += 1
        }
        // The newest entries removed: the recorded head is further on, or
        // no longer matches the last entry.
        if let head = try String.fetchOne(db, sql: "SELECT value FROM cabinet_meta WHERE key = 'audit_head'") {
            let parts = head.split(separator: ":")
            let seq = parts.first.flatMap { Int64($0) } ?? -1
            let mac = parts.count == 2 ? hexBytes(String(parts[1])) : nil
            if seq >= expectedSeq || seq != expectedSeq - 1 || mac != headMAC(key: key, seq: seq, last: prev) {
                report.firstBad = min(max(seq, 1), expectedSeq)
            }
        }
        // The chain holds; the checkpoint of the last doctor's sign-in: the entry it names
        // must still be there with the same MAC (entries removed or put back
        // from an old copy before it show here), unless pruning passed it.
        if report.firstBad == nil, let cp = trust.checkpoint {
            if cp.seq >= report.firstSeq {
                let stored = try Data.fetchOne(db, sql: "SELECT mac FROM audit WHERE seq = ?", arguments: [cp.seq])
                if stored.map({ [UInt8]($0) }) != cp.mac {
                    report.firstBad = cp.seq
                    report.finding = .checkpoint(seq: cp.seq)
                }
            } else if prunedTooYoung(checkpointAt: cp.at) {
                // Pruning passed the checkpoint although it is younger than
                // the shortest retention the settings allow: a fake pruning.
                report.firstBad = report.firstSeq
                report.finding = .checkpoint(seq: cp.seq)
            }
        }
        return report
    }

    /// The shortest retention of access traces the settings accept (days).
    static let minimumRetentionDays = 30

    /// A checkpoint written at `checkpointAt` (Unix seconds) cannot have been
    /// pruned by a genuine pruning yet.
    static func prunedTooYoung(checkpointAt: Int64, now: Date = Date()) -> Bool {
        Double(checkpointAt) > now.timeIntervalSince1970 - Double(minimumRetentionDays) * 86_400
    }

    /// Deletes access traces older than `cutoff`, keeping the chain
    /// verifiable: the anchor moves to the first kept entry. Returns the count.
    static func prune(_ db: Database, key: AuditKey, actor: String, before cutoff: Date) throws -> Int {
        let ts = timestamp(cutoff)
        guard let lastOld = try Row.fetchOne(db, sql: "SELECT seq, mac FROM audit WHERE at < ? ORDER BY seq DESC LIMIT 1",
                                             arguments: [ts]) else { return 0 }
        let lastSeq: Int64 = lastOld["seq"]
        let prev = [UInt8](lastOld["mac"] as Data)
        try db.execute(sql: "INSERT OR REPLACE INTO cabinet_meta(key, value) VALUES ('audit_pruning', '1')")
        try db.execute(sql: "DELETE FROM audit WHERE seq <= ?", arguments: [lastSeq])
        let count = db.changesCount
        try db.execute(sql: "DELETE FROM cabinet_meta WHERE key = 'audit_pruning'")
        try db.execute(sql: """
            UPDATE audit_anchor SET first_seq = ?, prev_mac = ?, mac = ?, pruned_at = ?, pruned_count = pruned_count + ?
            WHERE id = 1
            """, arguments: [lastSeq + 1, Data(prev), Data(anchorMAC(key: key.chain, firstSeq: lastSeq + 1, prev: prev)),
                             timestamp(Date()), count])
        try append(db, key: key, actor: actor, action: .auditPruned, detail: "\(count) < \(ts)")
        return count
    }

    static func list(_ db: Database, object: String?, since: Date?, limit: Int) throws -> [AuditEntry] {
        var sql = "SELECT seq, at, actor, action, object, detail FROM audit WHERE 1"
        var args: [(any DatabaseValueConvertible)?] = []
        if let object { sql += " AND object = ?"; args.append(object) }
        if let since { sql += " AND at >= ?"; args.append(timestamp(since)) }
        sql += " ORDER BY seq DESC LIMIT ?"
        args.append(limit)
        return try Row.fetchAll(db, sql: sql, arguments: StatementArguments(args)).map {
            AuditEntry(seq: $0["seq"], at: date($0["at"]), actor: $0["actor"], action: $0["action"],
                       object: $0["object"], detail: $0["detail"])
        }.reversed()
    }
}
