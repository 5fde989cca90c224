/// Base32 with the RFC 4648 alphabet (A–Z, 2–7), as used by otpauth:// secrets.
public enum Base32 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".utf8)

    /// Encodes bytes as base32 without `=` padding (the key-URI format omits it).
    public static func encode(_ bytes: [UInt8]) -> String {
        var output: [UInt8] = []
        output.reserveCapacity((bytes.count * 8 + 4) / 5)
        var buffer: UInt32 = 0
        var bitCount = 0
        for byte in bytes {
            buffer = (buffer << 8) | UInt32(byte)
            bitCount += 8
            while bitCount >= 5 {
                bitCount -= 5
                output.append(alphabet[Int((buffer >> UInt32(bitCount)) & 0x1f)])
            }
        }
        if bitCount > 0 {
            // The last group is completed with zero bits on the right.
            output.append(alphabet[Int((buffer << UInt32(5 - bitCount)) & 0x1f)])
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Decodes base32 text, or returns nil if it is not base32.
    ///
    /// Letters may be in either case; spaces, dashes and `=` are ignored,
    /// because secrets are often shown in groups ("JBSW Y3DP") or padded.
    /// Returns nil on any other character, and on a length no encoder can
    /// produce (1, 3 or 6 characters modulo 8: leftover bits that cannot
    /// complete a byte mean a character was lost or added).
    public static func decode(_ text: String) -> [UInt8]? {
        var output: [UInt8] = []
        var buffer: UInt32 = 0
        var bitCount = 0
        var characterCount = 0
        for character in text.utf8 {
            let value: UInt8
            switch character {
            case UInt8(ascii: " "), UInt8(ascii: "-"), UInt8(ascii: "="):
                continue
            case UInt8(ascii: "A")...UInt8(ascii: "Z"):
                value = character - UInt8(ascii: "A")
            case UInt8(ascii: "a")...UInt8(ascii: "z"):
                value = character - UInt8(ascii: "a")
            case UInt8(ascii: "2")...UInt8(ascii: "7"):
                value = character - UInt8(ascii: "2") + 26
            default:
                return nil
            }
            characterCount += 1
            buffer = (buffer << 5) | UInt32(value)
            bitCount += 5
            if bitCount >= 8 {
                bitCount -= 8
                output.append(UInt8(truncatingIfNeeded: buffer >> UInt32(bitCount)))
            }
        }
        guard ![1, 3, 6].contains(characterCount % 8) else { return nil }
        return output
    }
}
