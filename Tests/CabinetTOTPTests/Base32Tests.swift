import CabinetTOTP
import Testing

@Suite("Base32")
struct Base32Tests {
    /// RFC 4648 section 10, with the padding removed.
    static let vectors: [(String, String)] = [
        ("", ""), ("f", "MY"), ("fo", "MZXQ"), ("foo", "MZXW6"),
        ("foob", "MZXW6YQ"), ("fooba", "MZXW6YTB"), ("foobar", "MZXW6YTBOI"),
    ]

    @Test("RFC 4648 vectors encode without padding")
    func encode() {
        for (plain, encoded) in Self.vectors {
            #expect(Base32.encode(Array(plain.utf8)) == encoded, "\(plain)")
        }
    }

    @Test("RFC 4648 vectors decode")
    func decode() {
        for (plain, encoded) in Self.vectors {
            #expect(Base32.decode(encoded) == Array(plain.utf8), "\(encoded)")
        }
    }

    @Test("random bytes of every length up to 64 round-trip")
    func roundTrip() {
        var generator = SystemRandomNumberGenerator()
        for length in 0...64 {
            let bytes = (0..<length).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
            let encoded = Base32.encode(bytes)
            #expect(encoded.count == (length * 8 + 4) / 5)
            #expect(Base32.decode(encoded) == bytes, "length \(length)")
        }
    }

    @Test("lower case, padding, spaces and dashes are accepted")
    func lenientInput() {
        let foobar = Array("foobar".utf8)
        #expect(Base32.decode("mzxw6ytboi") == foobar)
        #expect(Base32.decode("MzXw6YtBoI") == foobar)
        #expect(Base32.decode("MZXW6YTBOI======") == foobar)
        #expect(Base32.decode("MZXW 6YTB OI") == foobar)
        #expect(Base32.decode("mzxw-6ytb-oi") == foobar)
        #expect(Base32.decode("MY======") == Array("f".utf8))
        #expect(Base32.decode("MZXW6===") == Array("foo".utf8))
    }

    @Test("invalid characters give nil", arguments: ["MZXW1", "MZXW0", "MZXW8", "MZ!W6", "MZXW6\n", "MZXÉ6", "MZ_W6", "MZ+/"])
    func invalidCharacters(_ text: String) {
        #expect(Base32.decode(text) == nil)
    }

    @Test("lengths no encoder produces give nil", arguments: ["M", "MZX", "MZXW6Y", "MZXW6YTBO"])
    func impossibleLengths(_ text: String) {
        #expect(Base32.decode(text) == nil)
    }
}
