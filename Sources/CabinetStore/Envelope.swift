import CSodium
import CSealedVFS
import CabinetCore
import Foundation

/// The fixed envelope at the start of a vault file.
///
/// Two 8 KiB copies written alternately, each carrying a generation counter,
/// an unkeyed BLAKE2b checksum (tells an accidentally damaged copy apart from
/// a wrong passphrase) and a BLAKE2b MAC keyed by the data key (tells an
/// altered envelope, checked once unlocked). The SQLite image follows at
/// `CSEALED_HEADER_SIZE`.
///
/// Copy layout (little-endian):
/// ```
///    0  magic "CABVAULT"           8
///    8  format version u32         4
///   12  page size u32              4
///   16  reserve u8, cipher u8, 2 pad
///   20  vault id                  16   stable across re-keys and backups
///   36  file id                   16   this physical file (page AD)
///   52  generation u64             8
///   60  slot count u8, 3 pad
///   64  slots                     20 × 360
/// 8128  MAC (keyed BLAKE2b)       32   over [0, 8128)
/// 8160  checksum (BLAKE2b)        32   over [0, 8160)
/// ```
struct Envelope: Equatable {
    static let copySize = Int(CSEALED_HEADER_SIZE) / 2
    static let totalSize = Int(CSEALED_HEADER_SIZE)
    static let magic = Array("CABVAULT".utf8)
    static let formatVersion: UInt32 = 1
    static let cipherXChaCha20Poly1305: UInt8 = 1
    static let maxSlots = 20
    static let slotsOffset = 64
    static let macOffset = copySize - 64
    static let checksumOffset = copySize - 32

    var vaultID: [UInt8]
    var fileID: [UInt8]
    var generation: UInt64
    var slots: [KeySlot]

    func slot(login: String) -> KeySlot? { slots.first { !$0.isRecovery && $0.login == login } }
    var recoverySlot: KeySlot? { slots.first { $0.isRecovery } }

    /// One copy, MAC'd with `headerKey`.
    func encode(headerKey: SecureBytes) -> [UInt8] {
        var b = Self.magic
        b += le32(Self.formatVersion) + le32(UInt32(CSEALED_PAGE_SIZE))
        b += [UInt8(CSEALED_RESERVE), Self.cipherXChaCha20Poly1305, 0, 0]
        b += vaultID + fileID + le(generation)
        b += [UInt8(slots.count), 0, 0, 0]
        for s in slots { b += s.encode() }
        b += [UInt8](repeating: 0, count: Self.macOffset - b.count)
        b += Self.mac(Array(b[0..<Self.macOffset]), key: headerKey)
        b += Self.checksum(b)
        return b
    }

    static func mac(_ bytes: [UInt8], key: SecureBytes) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        key.withBytes { k in _ = crypto_generichash(&out, 32, bytes, UInt64(bytes.count), k, 32) }
        return out
    }

    static func checksum(_ bytes: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        let region = Array(bytes[0..<checksumOffset])
        _ = crypto_generichash(&out, 32, region, UInt64(region.count), nil, 0)
        return out
    }

    enum Decoded {
        case ok(Envelope, macValid: (SecureBytes) -> Bool)
        case noMagic
        case damaged
        case futureVersion(Int)
    }

    static func decode(copy b: [UInt8]) -> Decoded {
        guard b.count == copySize, Array(b[0..<8]) == magic else { return .noMagic }
        guard Array(b[checksumOffset...]) == checksum(b) else { return .damaged }
        let version = readLE32(b, 8)
        if version > formatVersion { return .futureVersion(Int(version)) }
        guard version == formatVersion, readLE32(b, 12) == UInt32(CSEALED_PAGE_SIZE),
              b[16] == UInt8(CSEALED_RESERVE), b[17] == cipherXChaCha20Poly1305
        else { return .damaged }
        let count = Int(b[60])
        guard count <= maxSlots else { return .damaged }
        var slots: [KeySlot] = []
        for i in 0..<count {
            let start = slotsOffset + i * KeySlot.size
            guard let s = KeySlot.decode(b[start..<(start + KeySlot.size)]) else { return .damaged }
            slots.append(s)
        }
        let env = Envelope(vaultID: Array(b[20..<36]), fileID: Array(b[36..<52]),
                           generation: readLE(b, 52), slots: slots)
        let macRegion = Array(b[0..<macOffset]), stored = Array(b[macOffset..<checksumOffset])
        return .ok(env, macValid: { key in mac(macRegion, key: key) == stored })
    }

    /// Reads both copies of the file at `path` and returns the newest intact
    /// one with its index, or the error that describes the file.
    static func read(path: String) throws -> (Envelope, index: Int, macValid: (SecureBytes) -> Bool) {
        let r = try readBoth(path: path)
        return (r.envelope, r.index, r.macValid)
    }

    /// The newest intact copy, and how many copies are intact (2 normally).
    static func readBoth(path: String) throws -> (envelope: Envelope, index: Int, macValid: (SecureBytes) -> Bool, intactCopies: Int) {
        var buf = [UInt8](repeating: 0, count: totalSize)
        let rc = csealed_envelope_read(path, &buf, Int32(totalSize), 0)
        guard rc == 0 else {
            // SQLITE_IOERR_SHORT_READ: the file is shorter than an envelope.
            if rc == 522 { throw CabinetError.notAVault(path: path) }
            throw CabinetError.io(path: path, errno: errno == 0 ? EIO : errno)
        }
        var best: (Envelope, Int, (SecureBytes) -> Bool)?
        var sawDamage = false, future: Int?
        var intact = 0
        for i in 0..<2 {
            switch decode(copy: Array(buf[(i * copySize)..<((i + 1) * copySize)])) {
            case .ok(let env, let macValid):
                intact += 1
                if env.generation > (best?.0.generation ?? 0) || best == nil { best = (env, i, macValid) }
            case .damaged: sawDamage = true
            case .futureVersion(let v): future = v
            case .noMagic: break
            }
        }
        if let future { throw CabinetError.futureFormat(found: future, supported: Int(formatVersion)) }
        guard let best else {
            throw sawDamage ? CabinetError.envelopeDamaged : CabinetError.notAVault(path: path)
        }
        return (best.0, best.1, best.2, intact)
    }
}

/// Sub-keys of the data key (`crypto_kdf_derive_from_key`, context "CabVault").
enum SubKey: UInt64 {
    case page = 1
    case headerMAC = 2
    case mask = 3

    func derive(from dataKey: SecureBytes) -> SecureBytes {
        SecureBytes.make(32) { out in
            dataKey.withBytes { dk in
                _ = crypto_kdf_derive_from_key(out, 32, rawValue, "CabVault", dk)
            }
        }
    }
}

/// The recovery key: 160 random bits shown once as 8 groups of 4 Crockford
/// base32 characters. Typing is case-insensitive; dashes and spaces are ignored,
/// and the look-alikes I, L and O read as 1, 1 and 0.
public enum RecoveryKey {
    static let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ")
    static let byteCount = 20

    static func generate() -> [UInt8] { randomBytes(byteCount) }

    public static func format(_ bytes: [UInt8]) -> String {
        var bits = 0, value = 0
        var chars: [Character] = []
        for b in bytes {
            value = (value << 8) | Int(b); bits += 8
            while bits >= 5 {
                chars.append(alphabet[(value >> (bits - 5)) & 31]); bits -= 5
            }
            value &= (1 << bits) - 1
        }
        return stride(from: 0, to: chars.count, by: 4).map { String(chars[$0..<min($0 + 4, chars.count)]) }
            .joined(separator: "-")
    }

    /// The key's bytes, or nil when the text is not 32 base32 characters.
    public static func parse(_ text: String) -> [UInt8]? {
        var bits = 0, value = 0
        var out: [UInt8] = []
        var n = 0
        for ch in text.uppercased() {
            if ch == "-" || ch == " " || ch == "\n" || ch == "\t" { continue }
            let c: Character = ch == "I" || ch == "L" ? "1" : (ch == "O" ? "0" : ch)
            guard let idx = alphabet.firstIndex(of: c) else { return nil }
            value = (value << 5) | idx; bits += 5; n += 1
            if bits >= 8 { out.append(UInt8((value >> (bits - 8)) & 0xFF)); bits -= 8; value &= (1 << bits) - 1 }
        }
        return n == 32 && out.count == byteCount ? out : nil
    }
}
