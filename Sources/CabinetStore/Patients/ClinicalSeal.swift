import CSodium
import CabinetCore
import Foundation

/// The sealing of clinical content under the clinical key (docs/SEALED-STORE.md
/// "Patient file"): each field of an entry sealed on its own, documents as
/// one box. Only doctors' sessions hold the key; the front desk's has none.
package enum ClinicalSeal {
    /// Largest document accepted (a scanned letter, a PDF of results).
    package static let documentMaxBytes = 20 * 1024 * 1024

    /// Each field sealed on its own (XChaCha20-Poly1305, AD = entry uid ‖
    /// field name): [field index: 1 byte][length: 4 bytes LE][nonce ‖ ciphertext].
    package static func sealFields(_ fields: [String: String], kind: ClinicalKind, uid: [UInt8], key: SecureBytes) -> [UInt8] {
        var out: [UInt8] = []
        for (i, name) in kind.fields.enumerated() {
            guard let value = fields[name] else { continue }
            let box = sealData(Array(value.utf8), key: key, ad: uid + Array(name.utf8))
            out.append(UInt8(i))
            out += le32(UInt32(box.count))
            out += box
        }
        return out
    }

    /// The fields of a row that did not open, said by name: the first
    /// field whose seal fails (or the row itself when its layout is broken).
    package static func unopenable(id: Int64, _ blob: [UInt8], kind: ClinicalKind, uid: [UInt8], key: SecureBytes) -> CabinetError {
        var i = 0
        while i + 5 <= blob.count {
            let index = Int(blob[i])
            let length = Int(readLE32(blob, i + 1))
            i += 5
            guard index < kind.fields.count, i + length <= blob.count else { break }
            let name = kind.fields[index]
            if openData(Array(blob[i..<(i + length)]), key: key, ad: uid + Array(name.utf8)) == nil {
                return .integrity(.tampered(.clinicalField(id: id, field: "entry.field.\(name)")))
            }
            i += length
        }
        return .integrity(.tampered(.clinicalEntry(id: id)))
    }

    package static func openFields(_ blob: [UInt8], kind: ClinicalKind, uid: [UInt8], key: SecureBytes) -> [String: String]? {
        var out: [String: String] = [:]
        var i = 0
        while i + 5 <= blob.count {
            let index = Int(blob[i])
            let length = Int(readLE32(blob, i + 1))
            i += 5
            guard index < kind.fields.count, i + length <= blob.count else { return nil }
            let name = kind.fields[index]
            guard let plain = openData(Array(blob[i..<(i + length)]), key: key, ad: uid + Array(name.utf8)) else { return nil }
            out[name] = String(decoding: plain, as: UTF8.self)
            i += length
        }
        return i == blob.count ? out : nil
    }

    /// Seals data (not a key: plain arrays, no guarded allocation).
    package static func sealData(_ plain: [UInt8], key: SecureBytes, ad: [UInt8]) -> [UInt8] {
        var nonce = [UInt8](repeating: 0, count: 24)
        randombytes_buf(&nonce, 24)
        var out = [UInt8](repeating: 0, count: plain.count + 16)
        var outLen: UInt64 = 0
        key.withBytes { k in
            _ = crypto_aead_xchacha20poly1305_ietf_encrypt(&out, &outLen, plain, UInt64(plain.count), ad, UInt64(ad.count),
                                                            nil, nonce, k)
        }
        return nonce + out
    }

    package static func openData(_ sealed: [UInt8], key: SecureBytes, ad: [UInt8]) -> [UInt8]? {
        guard sealed.count >= 40 else { return nil }
        var out = [UInt8](repeating: 0, count: sealed.count - 40)
        var outLen: UInt64 = 0
        let ok = sealed.withUnsafeBufferPointer { s -> Bool in
            guard let base = s.baseAddress else { return false }
            return key.withBytes { k in
                crypto_aead_xchacha20poly1305_ietf_decrypt(&out, &outLen, nil, base + 24, UInt64(sealed.count - 24),
                                                            ad, UInt64(ad.count), base, k) == 0
            }
        }
        return ok ? out : nil
    }

    package static func mime(_ data: Data, name: String) -> String {
        let head = [UInt8](data.prefix(8))
        if head.starts(with: Array("%PDF".utf8)) { return "application/pdf" }
        if head.starts(with: [0x89, 0x50, 0x4E, 0x47]) { return "image/png" }
        if head.starts(with: [0xFF, 0xD8, 0xFF]) { return "image/jpeg" }
        if name.lowercased().hasSuffix(".txt") { return "text/plain" }
        return "application/octet-stream"
    }
}
