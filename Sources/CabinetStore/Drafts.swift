import CabinetCore
import Foundation
import GRDB

/// Unsaved input kept across a lock, and each account's preferences.
///
/// A draft is sealed (XChaCha20-Poly1305) under a key derived from the
/// account's own slot secret, bound to the vault and the login: only that
/// account, signed in with its passphrase, can read it back. It lives in the
/// sealed database, so it survives a crash or a dropped connection too.
extension Vault {
    /// The purpose string of the key that seals drafts.
    static let draftPurpose = "draft"

    /// Replaces this account's draft (an empty one removes it).
    public func saveDraft(_ plain: [UInt8]) throws {
        guard !plain.isEmpty else { return try discardDraft() }
        guard let sk = slotSecretKey else { return }
        let sealed = aeadSeal(SecureBytes.copy(plain), key: KeySlot.ownKey(sk: sk, purpose: Self.draftPurpose),
                              ad: Array(login.utf8) + vaultID)
        let who = login
        try write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO draft(login, sealed, saved_at) VALUES (?, ?, ?)",
                           arguments: [who, Data(sealed), AuditLog.timestamp(Date())])
        }
    }

    /// This account's draft, if any (nil when signed in without a slot of
    /// one's own, with the recovery key).
    public func loadDraft() throws -> [UInt8]? {
        guard let sk = slotSecretKey else { return nil }
        let who = login
        guard let sealed = try read({ db in
            try Data.fetchOne(db, sql: "SELECT sealed FROM draft WHERE login = ?", arguments: [who])
        }) else { return nil }
        guard let plain = aeadOpen([UInt8](sealed), key: KeySlot.ownKey(sk: sk, purpose: Self.draftPurpose),
                                   ad: Array(login.utf8) + vaultID)
        else { return nil }
        return plain.withBytes { Array(UnsafeBufferPointer(start: $0, count: plain.count)) }
    }

    public func discardDraft() throws {
        let who = login
        try write { db in try db.execute(sql: "DELETE FROM draft WHERE login = ?", arguments: [who]) }
    }

    // MARK: - Preferences

    public func preference(_ key: String) throws -> String? {
        let who = login
        return try read { db in
            try String.fetchOne(db, sql: "SELECT value FROM preference WHERE login = ? AND key = ?", arguments: [who, key])
        }
    }

    public func setPreference(_ key: String, _ value: String?) throws {
        let who = login
        try write { db in
            if let value {
                try db.execute(sql: "INSERT OR REPLACE INTO preference(login, key, value) VALUES (?, ?, ?)",
                               arguments: [who, key, value])
            } else {
                try db.execute(sql: "DELETE FROM preference WHERE login = ? AND key = ?", arguments: [who, key])
            }
        }
    }

    // MARK: - The practice

    /// Keys of the practice's identity in `cabinet_meta` (entered at the
    /// first run; used by the title bar and, later, the compliance
    /// documents). Never health data.
    public static let practiceKeys = ["doctor_name", "doctor_rpps", "practice_address", "practice_phone", "practice_email"]

    public func practiceIdentity() throws -> [String: String] {
        try read { db in
            var out: [String: String] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT key, value FROM cabinet_meta") {
                let k: String = row["key"]
                if Self.practiceKeys.contains(k) { out[k] = row["value"] }
            }
            return out
        }
    }
}
