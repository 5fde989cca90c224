import CSodium
import CabinetCore
import Foundation

/// Argon2id cost parameters, stored per slot so that they can be raised later.
public struct KDFParameters: Equatable, Sendable {
    public var opsLimit: UInt64
    public var memLimit: UInt64
    /// Always Argon2id 1.3, named explicitly: libsodium's default may change.
    public static let algorithm = Int32(crypto_pwhash_ALG_ARGON2ID13)

    /// What the product uses for every person's passphrase and the recovery key.
    public static let moderate = KDFParameters(
        opsLimit: UInt64(crypto_pwhash_opslimit_moderate()),
        memLimit: UInt64(crypto_pwhash_memlimit_moderate()))

    /// The cheapest Argon2id libsodium accepts: only for tests that open
    /// vaults hundreds of times (SEALED-STORE.md "Keys").
    @_spi(Testing) public static let minimumForTests = KDFParameters(
        opsLimit: UInt64(crypto_pwhash_opslimit_min()),
        memLimit: UInt64(crypto_pwhash_memlimit_min()))

    /// Derives a 32-byte key-encryption key from `secret`.
    func deriveKey(secret: [UInt8], salt: [UInt8]) throws -> SecureBytes {
        try SecureBytes.make(32) { out in
            // An empty passphrase still needs a valid pointer.
            let input = secret.isEmpty ? [UInt8(0)] : secret
            let rc = input.withUnsafeBufferPointer { s in
                s.withMemoryRebound(to: CChar.self) { sc -> Int32 in
                    guard let base = sc.baseAddress else { return -1 }
                    return crypto_pwhash(out, 32, base, UInt64(secret.count), salt,
                                         opsLimit, Int(memLimit), Self.algorithm)
                }
            }
            // Fails only when the memory limit cannot be allocated.
            if rc != 0 { throw CabinetError.vault(.io(path: "argon2id", errno: ENOMEM)) }
        }
    }
}

/// Who a slot belongs to.
public enum SlotRole: UInt8, Sendable, CaseIterable {
    case recovery = 0
    case doctor = 1
    case replacement = 2
    case secretary = 3

    /// Doctors' slots and the recovery slot carry the clinical key.
    public var holdsClinicalKey: Bool { self != .secretary }
}

/// One key slot of the envelope.
///
/// A slot owns an X25519 key pair. Its secret key is wrapped under a key
/// derived from the passphrase (Argon2id); the vault's data key is sealed to
/// its public key (`crypto_box_seal`), so a re-key can re-seal the new data
/// key for every account without knowing their passphrases. Doctors' slots
/// (and the recovery slot) also carry the clinical key, wrapped under a key
/// derived from the slot's own secret key: somebody who only knows the data
/// key (a secretary) can neither read nor forge it.
struct KeySlot: Equatable {
    static let size = 360
    static let maxLogin = 32
    /// Version 2 slots bind their version in the wrap's associated data:
    /// a doctor's v2 slot proves that the vault has an authenticated list of
    /// accounts (docs/SEALED-STORE.md "Threat model"), so removing the list
    /// to fall back to format 1 is refused. Only the slot's own passphrase
    /// can rewrap it, so the data-key holder cannot downgrade it.
    static let currentVersion: UInt8 = 2

    var version: UInt8 = KeySlot.currentVersion
    var role: SlotRole
    var mustChange: Bool
    var login: String
    var kdf: KDFParameters
    var salt: [UInt8]              // 16
    var publicKey: [UInt8]         // 32
    var wrappedSecret: [UInt8]     // nonce 24 + ciphertext 32 + tag 16
    var sealedDataKey: [UInt8]     // crypto_box_seal of 32 bytes: 80
    var wrappedClinical: [UInt8]?  // nonce 24 + ciphertext 32 + tag 16

    var isRecovery: Bool { role == .recovery }

    /// The fields bound as associated data of the wrapped secret key.
    func boundFields(vaultID: [UInt8]) -> [UInt8] {
        var b: [UInt8] = Array((version >= 2 ? "cabinet-slot-v2" : "cabinet-slot-v1").utf8) + vaultID
        b.append(role.rawValue)
        b.append(mustChange ? 1 : 0)
        let l = Array(login.utf8)
        b.append(UInt8(l.count)); b += l
        b += le(UInt64(KDFParameters.algorithm)) + le(kdf.opsLimit) + le(kdf.memLimit)
        b += salt + publicKey
        return b
    }

    // MARK: creation and opening

    /// A new slot for `secret`, holding `dataKey` (and `clinicalKey` when given).
    static func make(role: SlotRole, login: String, mustChange: Bool, secret: [UInt8], kdf: KDFParameters,
                     vaultID: [UInt8], dataKey: SecureBytes, clinicalKey: SecureBytes?) throws -> KeySlot {
        try makeWithSecret(role: role, login: login, mustChange: mustChange, secret: secret, kdf: kdf,
                           vaultID: vaultID, dataKey: dataKey, clinicalKey: clinicalKey).0
    }

    /// A new slot and its secret key (kept by the session that created it).
    static func makeWithSecret(role: SlotRole, login: String, mustChange: Bool, secret: [UInt8], kdf: KDFParameters,
                               vaultID: [UInt8], dataKey: SecureBytes,
                               clinicalKey: SecureBytes?) throws -> (KeySlot, SecureBytes) {
        var pk = [UInt8](repeating: 0, count: 32)
        let sk = SecureBytes.make(32) { sk in _ = crypto_box_keypair(&pk, sk) }
        var slot = KeySlot(version: currentVersion, role: role, mustChange: mustChange, login: login, kdf: kdf,
                           salt: randomBytes(16), publicKey: pk, wrappedSecret: [],
                           sealedDataKey: [], wrappedClinical: nil)
        try slot.wrapSecret(sk, secret: secret, vaultID: vaultID)
        slot.sealDataKey(dataKey)
        if let clinicalKey {
            slot.wrappedClinical = try wrapClinical(clinicalKey, sk: sk, login: login, vaultID: vaultID)
        }
        return (slot, sk)
    }

    /// A key derived from a slot's secret key for `purpose`: what only that
    /// account can open (its second factor's secret).
    static func ownKey(sk: SecureBytes, purpose: String) -> SecureBytes {
        SecureBytes.make(32) { out in
            let ctx = Array("cabinet-own-\(purpose)-v1".utf8)
            sk.withBytes { k in _ = crypto_generichash(out, 32, ctx, UInt64(ctx.count), k, 32) }
        }
    }

    /// The account's Ed25519 signing key pair, derived from the slot's own
    /// secret key (it signs the account's trail entries): (public 32, secret 64).
    static func signingKey(sk: SecureBytes) -> (publicKey: [UInt8], secretKey: SecureBytes) {
        let seed = ownKey(sk: sk, purpose: "sign")
        var pk = [UInt8](repeating: 0, count: 32)
        let signing = SecureBytes.make(64) { out in
            seed.withBytes { s in _ = crypto_sign_seed_keypair(&pk, out, s) }
        }
        return (pk, signing)
    }

    /// Wraps the slot's secret key under a key derived from `secret` (the
    /// slot becomes the current version).
    mutating func wrapSecret(_ sk: SecureBytes, secret: [UInt8], vaultID: [UInt8]) throws {
        version = Self.currentVersion
        let kek = try kdf.deriveKey(secret: secret, salt: salt)
        wrappedSecret = aeadSeal(sk, key: kek, ad: boundFields(vaultID: vaultID))
    }

    mutating func sealDataKey(_ dataKey: SecureBytes) {
        var out = [UInt8](repeating: 0, count: 32 + Int(crypto_box_sealbytes()))
        dataKey.withBytes { dk in _ = crypto_box_seal(&out, dk, 32, publicKey) }
        sealedDataKey = out
    }

    /// Unwraps the secret key; nil when `secret` is wrong (or the slot altered).
    func openSecret(secret: [UInt8], vaultID: [UInt8]) throws -> SecureBytes? {
        try openSecretAndKEK(secret: secret, vaultID: vaultID)?.sk
    }

    /// The secret key and the key-encryption key it was unwrapped with (to
    /// rewrap the slot at the current version without deriving again).
    func openSecretAndKEK(secret: [UInt8], vaultID: [UInt8]) throws -> (sk: SecureBytes, kek: SecureBytes)? {
        let kek = try kdf.deriveKey(secret: secret, salt: salt)
        guard let sk = aeadOpen(wrappedSecret, key: kek, ad: boundFields(vaultID: vaultID)) else { return nil }
        return (sk, kek)
    }

    /// This slot at the current version, the same secret key wrapped under
    /// the same key-encryption key (same passphrase, salt and cost).
    func rewrappedAtCurrentVersion(sk: SecureBytes, kek: SecureBytes, vaultID: [UInt8]) -> KeySlot {
        var slot = self
        slot.version = Self.currentVersion
        slot.wrappedSecret = aeadSeal(sk, key: kek, ad: slot.boundFields(vaultID: vaultID))
        return slot
    }

    func openDataKey(sk: SecureBytes) -> SecureBytes? {
        guard sealedDataKey.count == 32 + Int(crypto_box_sealbytes()) else { return nil }
        var ok = false
        let dk = SecureBytes.make(32) { out in
            sk.withBytes { skp in
                ok = crypto_box_seal_open(out, sealedDataKey, UInt64(sealedDataKey.count), publicKey, skp) == 0
            }
        }
        return ok ? dk : nil
    }

    func openClinical(sk: SecureBytes, vaultID: [UInt8]) throws -> SecureBytes? {
        guard let wrappedClinical else { return nil }
        let key = Self.clinicalWrapKey(sk: sk)
        return aeadOpen(wrappedClinical, key: key, ad: Self.clinicalAD(login: login, vaultID: vaultID))
    }

    static func wrapClinical(_ ck: SecureBytes, sk: SecureBytes, login: String, vaultID: [UInt8]) throws -> [UInt8] {
        aeadSeal(ck, key: clinicalWrapKey(sk: sk), ad: clinicalAD(login: login, vaultID: vaultID))
    }

    private static func clinicalWrapKey(sk: SecureBytes) -> SecureBytes {
        SecureBytes.make(32) { out in
            let ctx = Array("cabinet-clinical-wrap-v1".utf8)
            sk.withBytes { k in _ = crypto_generichash(out, 32, ctx, UInt64(ctx.count), k, 32) }
        }
    }

    private static func clinicalAD(login: String, vaultID: [UInt8]) -> [UInt8] {
        Array("cabinet-clinical-v1".utf8) + vaultID + Array(login.utf8)
    }

    // MARK: encoding (fixed size)

    func encode() -> [UInt8] {
        var b: [UInt8] = [version, role.rawValue, mustChange ? 1 : 0]
        let l = Array(login.utf8)
        b.append(UInt8(l.count))
        b += l + [UInt8](repeating: 0, count: Self.maxLogin - l.count)
        b.append(UInt8(KDFParameters.algorithm))
        b += le(kdf.opsLimit) + le(kdf.memLimit) + salt + publicKey + wrappedSecret + sealedDataKey
        if let wrappedClinical { b.append(1); b += wrappedClinical } else { b += [UInt8](repeating: 0, count: 73) }
        b += [UInt8](repeating: 0, count: Self.size - b.count)
        return b
    }

    /// Decodes a slot; nil for an empty or malformed one.
    static func decode(_ b: ArraySlice<UInt8>) -> KeySlot? {
        let b = Array(b)
        guard b.count == size, b[0] == 1 || b[0] == 2, let role = SlotRole(rawValue: b[1]) else { return nil }
        let n = Int(b[3])
        guard n > 0, n <= maxLogin, let login = String(bytes: b[4..<(4 + n)], encoding: .utf8) else { return nil }
        var i = 4 + maxLogin
        guard Int32(b[i]) == KDFParameters.algorithm else { return nil }
        i += 1
        let ops = readLE(b, i); i += 8
        let mem = readLE(b, i); i += 8
        func take(_ k: Int) -> [UInt8] { defer { i += k }; return Array(b[i..<(i + k)]) }
        let salt = take(16), pk = take(32), ws = take(72), sd = take(80)
        let hasClinical = b[i] == 1; i += 1
        let wc = take(72)
        return KeySlot(version: b[0], role: role, mustChange: b[2] == 1, login: login,
                       kdf: KDFParameters(opsLimit: ops, memLimit: mem), salt: salt, publicKey: pk,
                       wrappedSecret: ws, sealedDataKey: sd, wrappedClinical: hasClinical ? wc : nil)
    }
}

// MARK: small helpers

package func randomBytes(_ n: Int) -> [UInt8] {
    Sodium.ensureInitialized()
    var b = [UInt8](repeating: 0, count: n)
    randombytes_buf(&b, n)
    return b
}

func le(_ v: UInt64) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: v >> (8 * UInt64($0))) } }
func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * UInt32($0))) } }
func readLE(_ b: [UInt8], _ at: Int) -> UInt64 {
    (0..<8).reduce(UInt64(0)) { $0 | UInt64(b[at + $1]) << (8 * UInt64($1)) }
}
func readLE32(_ b: [UInt8], _ at: Int) -> UInt32 {
    (0..<4).reduce(UInt32(0)) { $0 | UInt32(b[at + $1]) << (8 * UInt32($1)) }
}

/// XChaCha20-Poly1305 over a 32-byte secret: nonce ‖ ciphertext ‖ tag.
func aeadSeal(_ secret: SecureBytes, key: SecureBytes, ad: [UInt8]) -> [UInt8] {
    let nonce = randomBytes(24)
    var out = [UInt8](repeating: 0, count: secret.count + 16)
    var outLen: UInt64 = 0
    secret.withBytes { m in
        key.withBytes { k in
            _ = crypto_aead_xchacha20poly1305_ietf_encrypt(&out, &outLen, m, UInt64(secret.count), ad,
                                                            UInt64(ad.count), nil, nonce, k)
        }
    }
    return nonce + out
}

func aeadOpen(_ sealed: [UInt8], key: SecureBytes, ad: [UInt8]) -> SecureBytes? {
    guard sealed.count > 40 else { return nil }
    let nonce = Array(sealed[0..<24]), c = Array(sealed[24...])
    var ok = false
    let out = SecureBytes.make(c.count - 16) { m in
        key.withBytes { k in
            var mlen: UInt64 = 0
            ok = crypto_aead_xchacha20poly1305_ietf_decrypt(m, &mlen, nil, c, UInt64(c.count), ad,
                                                             UInt64(ad.count), nonce, k) == 0
        }
    }
    return ok ? out : nil
}
