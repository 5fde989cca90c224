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
/// format 2 only:
/// 7264  database state u8          1   1 once the database exists
/// 7265  pad                        7
/// 7272  database pages u64         8   main-file pages at the last doctor sign-in
/// 7280  kind u8                    1   0 a vault, 1 a backup (restored, never opened)
/// 8128  MAC (keyed BLAKE2b)       32   over [0, 8128)
/// 8160  checksum (BLAKE2b)        32   over [0, 8160)
/// ```
struct Envelope: Equatable {
    static let copySize = Int(CSEALED_HEADER_SIZE) / 2
    static let totalSize = Int(CSEALED_HEADER_SIZE)
    static let magic = Array("CABVAULT".utf8)
    /// 2: key slots v2, the database's presence and size recorded, an
    /// authenticated list of accounts inside the database (Roster.swift).
    static let formatVersion: UInt32 = 2
    static let dbStateOffset = 7264
    static let dbPagesOffset = 7272
    static let kindOffset = 7280
    static let cipherXChaCha20Poly1305: UInt8 = 1
    static let maxSlots = 20
    static let slotsOffset = 64
    static let macOffset = copySize - 64
    static let checksumOffset = copySize - 32

    var vaultID: [UInt8]
    var fileID: [UInt8]
    var generation: UInt64
    var slots: [KeySlot]
    /// The envelope's own format (1 for a vault not yet upgraded).
    var version: UInt32 = Envelope.formatVersion
    /// The database has been created behind this envelope: a file holding
    /// nothing after the envelope is then a truncated vault, never a new one.
    var databaseCreated = false
    /// Main-file pages at the last doctor sign-in (it never shrinks); in a
    /// backup, its pages.
    var databasePages: UInt64 = 0
    /// A backup (Backup/): `cabinet restore` puts it back; unlock refuses it.
    var isBackup = false

    func slot(login: String) -> KeySlot? { slots.first { !$0.isRecovery && $0.login == login } }
    var recoverySlot: KeySlot? { slots.first { $0.isRecovery } }

    /// One copy, MAC'd with `headerKey`.
    func encode(headerKey: SecureBytes) -> [UInt8] {
        var b = Self.magic
        b += le32(version) + le32(UInt32(CSEALED_PAGE_SIZE))
        b += [UInt8(CSEALED_RESERVE), Self.cipherXChaCha20Poly1305, 0, 0]
        b += vaultID + fileID + le(generation)
        b += [UInt8(slots.count), 0, 0, 0]
        for s in slots { b += s.encode() }
        if version >= 2 {
            b += [UInt8](repeating: 0, count: Self.dbStateOffset - b.count)
            b += [databaseCreated ? 1 : 0, 0, 0, 0, 0, 0, 0, 0] + le(databasePages)
            b += [isBackup ? 1 : 0]
        }
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
        guard version == 1 || version == 2, readLE32(b, 12) == UInt32(CSEALED_PAGE_SIZE),
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
        var env = Envelope(vaultID: Array(b[20..<36]), fileID: Array(b[36..<52]),
                           generation: readLE(b, 52), slots: slots)
        env.version = version
        if version >= 2 {
            env.databaseCreated = b[dbStateOffset] == 1
            env.databasePages = readLE(b, dbPagesOffset)
            env.isBackup = b[kindOffset] == 1
        }
        let macRegion = Array(b[0..<macOffset]), stored = Array(b[macOffset..<checksumOffset])
        return .ok(env, macValid: { key in mac(macRegion, key: key) == stored })
    }

    /// Every intact copy (checksum valid), newest first, with its index. A
    /// copy is trusted only once its MAC checks under the data key: the
    /// caller tries them in this order (an altered newer copy must not win
    /// over a genuine older one).
    static func candidates(path: String) throws -> [(envelope: Envelope, index: Int, macValid: (SecureBytes) -> Bool)] {
        var buf = [UInt8](repeating: 0, count: totalSize)
        let rc = csealed_envelope_read(path, &buf, Int32(totalSize), 0)
        guard rc == 0 else {
            if rc == 522 { throw CabinetError.vault(.notAVault(path: path)) }
            throw CabinetError.vault(.io(path: path, errno: errno == 0 ? EIO : errno))
        }
        var out: [(Envelope, Int, (SecureBytes) -> Bool)] = []
        var sawDamage = false, future: Int?
        for i in 0..<2 {
            switch decode(copy: Array(buf[(i * copySize)..<((i + 1) * copySize)])) {
            case .ok(let env, let macValid): out.append((env, i, macValid))
            case .damaged: sawDamage = true
            case .futureVersion(let v): future = v
            case .noMagic: break
            }
        }
        if let future { throw CabinetError.vault(.futureFormat(found: future, supported: Int(formatVersion))) }
        if out.isEmpty { throw sawDamage ? CabinetError.integrity(.envelopeDamaged) : CabinetError.vault(.notAVault(path: path)) }
        return out.sorted { $0.0.generation > $1.0.generation }.map { (envelope: $0.0, index: $0.1, macValid: $0.2) }
    }

    /// The newest copy whose MAC checks under `headerKey`.
    static func read(path: String, headerKey: SecureBytes) throws -> (Envelope, index: Int) {
        for c in try candidates(path: path) where c.macValid(headerKey) { return (c.envelope, c.index) }
        throw CabinetError.integrity(.envelopeAltered)
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
            if rc == 522 { throw CabinetError.vault(.notAVault(path: path)) }
            throw CabinetError.vault(.io(path: path, errno: errno == 0 ? EIO : errno))
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
        if let future { throw CabinetError.vault(.futureFormat(found: future, supported: Int(formatVersion))) }
        guard let best else {
            throw sawDamage ? CabinetError.integrity(.envelopeDamaged) : CabinetError.vault(.notAVault(path: path))
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
