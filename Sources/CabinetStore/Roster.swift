import CSodium
import CabinetCore
import Foundation
import GRDB

/// Keys derived from the clinical key, which only doctors' slots and the
/// recovery slot unwrap (`crypto_kdf_derive_from_key`, context "CabClini").
/// Whoever holds only the data key (the front desk) cannot compute them:
/// they authenticate what her role must not change (docs/SEALED-STORE.md
/// "Threat model").
package enum ClinicalSubKey: UInt64 {
    /// MAC of the list of accounts.
    case roster = 1
    /// MAC of every clinical row with all its columns.
    case row = 2
    /// MAC of the trail's checkpoint.
    case checkpoint = 3
    /// The check value of the clinical key, recorded in the list of accounts.
    case check = 4
    /// MAC of the doctors' settings (retention of traces, lock delay).
    case settings = 5

    package func derive(from clinicalKey: SecureBytes) -> SecureBytes {
        SecureBytes.make(32) { out in
            clinicalKey.withBytes { ck in _ = crypto_kdf_derive_from_key(out, 32, rawValue, "CabClini", ck) }
        }
    }

    static func mac(_ key: SecureBytes, _ message: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        key.withBytes { k in _ = crypto_generichash(&out, 32, message, UInt64(message.count), k, 32) }
        return out
    }
}

/// The authenticated list of accounts (format 2): who may hold a slot, in
/// which role, with which slot and signing public keys, and whether their
/// second factor is required. It lives in the sealed database (table
/// `roster`, one row) with a MAC keyed from the clinical key, so the front
/// desk can read it (her session needs her own role) but cannot change it:
/// a doctor's sign-in and `verify` check it, and the access policy takes
/// the role from it, never from a slot's own say-so.
struct Roster: Equatable {
    struct Entry: Equatable {
        var login: String
        var role: SlotRole
        /// The X25519 public key of the account's slot; nil once disabled.
        var slot: [UInt8]?
        /// The account's Ed25519 signing keys, oldest first (a reset adds
        /// one; the old ones still verify the entries written with them).
        var sign: [[UInt8]]
        /// A second factor is required at sign-in.
        var secondFactor: Bool
    }

    var vaultID: [UInt8]
    /// `ClinicalSubKey.check` of the clinical key the list was written with.
    var check: [UInt8]
    var generation: Int64
    var accounts: [Entry]

    func entry(login: String) -> Entry? { accounts.first { $0.login == login } }

    mutating func setSecondFactor(_ login: String, _ on: Bool) {
        if let i = accounts.firstIndex(where: { $0.login == login }) { accounts[i].secondFactor = on }
    }
    func entry(slotKey: [UInt8]) -> Entry? { accounts.first { $0.slot == slotKey } }

    static let macContext = Array("cabinet-roster-v1".utf8)

    /// The stored form: JSON, MAC'd as bytes (no canonical form needed).
    func encode() -> [UInt8] {
        let list: [[String: Any]] = accounts.map { e in
            ["login": e.login, "role": Self.roleName(e.role), "slot": e.slot.map(AuditLog.hex) ?? NSNull(),
             "sign": e.sign.map(AuditLog.hex), "totp": e.secondFactor]
        }
        let object: [String: Any] = ["v": 1, "vault": AuditLog.hex(vaultID), "check": AuditLog.hex(check),
                                     "generation": generation, "accounts": list]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return [UInt8](data)
    }

    static func decode(_ body: [UInt8]) -> Roster? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
              object["v"] as? Int == 1,
              let vault = (object["vault"] as? String).flatMap(AuditLog.hexBytes),
              let check = (object["check"] as? String).flatMap(AuditLog.hexBytes),
              let generation = object["generation"] as? Int64 ?? (object["generation"] as? Int).map(Int64.init),
              let list = object["accounts"] as? [[String: Any]] else { return nil }
        var accounts: [Entry] = []
        for e in list {
            guard let login = e["login"] as? String, let role = (e["role"] as? String).flatMap(roleValue),
                  let sign = e["sign"] as? [String] else { return nil }
            let slot = (e["slot"] as? String).flatMap(AuditLog.hexBytes)
            let keys = sign.compactMap(AuditLog.hexBytes)
            guard keys.count == sign.count else { return nil }
            accounts.append(Entry(login: login, role: role, slot: slot, sign: keys, secondFactor: e["totp"] as? Bool ?? true))
        }
        return Roster(vaultID: vault, check: check, generation: generation, accounts: accounts)
    }

    static func roleName(_ r: SlotRole) -> String {
        switch r {
        case .recovery: return "recovery"
        case .doctor: return "doctor"
        case .replacement: return "replacement"
        case .secretary: return "secretary"
        }
    }

    static func roleValue(_ s: String) -> SlotRole? { SlotRole.allCases.first { roleName($0) == s } }

    static func mac(body: [UInt8], vaultID: [UInt8], clinicalKey: SecureBytes) -> [UInt8] {
        ClinicalSubKey.mac(ClinicalSubKey.roster.derive(from: clinicalKey), macContext + vaultID + body)
    }

    static func checkValue(_ clinicalKey: SecureBytes) -> [UInt8] {
        let k = ClinicalSubKey.check.derive(from: clinicalKey)
        return k.withBytes { Array(UnsafeBufferPointer(start: $0, count: 32)) }
    }

    // MARK: storage

    /// The stored list, unauthenticated (body and MAC), or nil on a vault
    /// that has none yet (format 1).
    static func load(_ db: Database) throws -> (body: [UInt8], mac: [UInt8])? {
        guard try db.tableExists("roster"),
              let row = try Row.fetchOne(db, sql: "SELECT body, mac FROM roster WHERE id = 1") else { return nil }
        return ([UInt8](row[0] as Data), [UInt8](row[1] as Data))
    }

    /// The stored list, authenticated under `clinicalKey`; throws
    /// `tampered(.roster)` when it does not authenticate or was written
    /// with another clinical key (a substituted key is refused here, before
    /// anything is written under it).
    static func loadVerified(_ db: Database, vaultID: [UInt8], clinicalKey: SecureBytes) throws -> Roster? {
        guard let (body, mac) = try load(db) else { return nil }
        guard mac.count == 32,
              sodium_memcmp(mac, Self.mac(body: body, vaultID: vaultID, clinicalKey: clinicalKey), 32) == 0,
              let roster = decode(body), roster.vaultID == vaultID, roster.check == checkValue(clinicalKey)
        else { throw CabinetError.integrity(.tampered(.roster)) }
        return roster
    }

    func store(_ db: Database, clinicalKey: SecureBytes) throws {
        let body = encode()
        try db.execute(sql: "INSERT OR REPLACE INTO roster(id, body, mac) VALUES (1, ?, ?)",
                       arguments: [Data(body), Data(Self.mac(body: body, vaultID: vaultID, clinicalKey: clinicalKey))])
    }
}
