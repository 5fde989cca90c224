import CabinetTOTP
import Foundation
import Testing

/// The RFC 6238 Appendix B secrets: ASCII digits repeated to the hash's block-ish length.
private let sha1Secret = Array("12345678901234567890".utf8)
private let sha256Secret = Array("12345678901234567890123456789012".utf8)
private let sha512Secret = Array("1234567890123456789012345678901234567890123456789012345678901234".utf8)

/// One row of RFC 6238 Appendix B.
struct RFC6238Vector: Sendable, CustomTestStringConvertible {
    let time: TimeInterval
    let algorithm: TOTPAlgorithm
    let code: String
    var testDescription: String { "\(algorithm.rawValue) T=\(Int64(time))" }
}

private let rfc6238Vectors: [RFC6238Vector] = {
    let times: [TimeInterval] = [59, 1_111_111_109, 1_111_111_111, 1_234_567_890, 2_000_000_000, 20_000_000_000]
    let codes: [TOTPAlgorithm: [String]] = [
        .sha1: ["94287082", "07081804", "14050471", "89005924", "69279037", "65353130"],
        .sha256: ["46119246", "68084774", "67062674", "91819424", "90698825", "77737706"],
        .sha512: ["90693936", "25091201", "99943326", "93441116", "38618901", "47863826"],
    ]
    return TOTPAlgorithm.allCases.flatMap { algorithm in
        zip(times, codes[algorithm] ?? []).map { RFC6238Vector(time: $0, algorithm: algorithm, code: $1) }
    }
}()

private func secret(for algorithm: TOTPAlgorithm) -> [UInt8] {
    switch algorithm {
    case .sha1: sha1Secret
    case .sha256: sha256Secret
    case .sha512: sha512Secret
    }
}

@Suite("TOTP codes")
struct TOTPCodeTests {
    @Test("RFC 6238 Appendix B vectors", arguments: rfc6238Vectors)
    func rfc6238(_ vector: RFC6238Vector) {
        let totp = TOTP(secret: secret(for: vector.algorithm), digits: 8, period: 30, algorithm: vector.algorithm)
        #expect(totp.code(at: Date(timeIntervalSince1970: vector.time)) == vector.code)
    }

    @Test("all 18 RFC 6238 vectors are present")
    func vectorCount() {
        #expect(rfc6238Vectors.count == 18)
    }

    @Test("RFC 4226 Appendix D HOTP values, counters 0 to 9")
    func rfc4226() {
        let expected = ["755224", "287082", "359152", "969429", "338314",
                        "254676", "287922", "162583", "399871", "520489"]
        let totp = TOTP(secret: sha1Secret)
        #expect((0..<10).map { totp.code(atStep: Int64($0)) } == expected)
    }

    @Test("step is floor(Unix time / period)")
    func step() {
        let totp = TOTP(secret: sha1Secret)
        #expect(totp.step(at: Date(timeIntervalSince1970: 0)) == 0)
        #expect(totp.step(at: Date(timeIntervalSince1970: 29.999)) == 0)
        #expect(totp.step(at: Date(timeIntervalSince1970: 30)) == 1)
        #expect(totp.step(at: Date(timeIntervalSince1970: 59)) == 1)
        #expect(totp.step(at: Date(timeIntervalSince1970: 1_111_111_109)) == 0x23523EC)
        #expect(totp.step(at: Date(timeIntervalSince1970: 20_000_000_000)) == 0x27BC86AA)
        #expect(totp.step(at: Date(timeIntervalSince1970: -1)) == -1)
        #expect(TOTP(secret: sha1Secret, period: 60).step(at: Date(timeIntervalSince1970: 119)) == 1)
    }

    @Test("codes are left-padded with zeros")
    func padding() {
        // RFC 6238: SHA1 at T = 1111111109 is 07081804 in 8 digits; its last 6 digits are 081804.
        let totp = TOTP(secret: sha1Secret)
        #expect(totp.code(at: Date(timeIntervalSince1970: 1_111_111_109)) == "081804")
    }

    @Test("defaults are 6 digits, 30 seconds, SHA-1")
    func defaults() {
        let totp = TOTP(secret: sha1Secret)
        #expect(totp.digits == 6)
        #expect(totp.period == 30)
        #expect(totp.algorithm == .sha1)
    }

    @Test("generated secrets are 20 bytes and differ")
    func generatedSecrets() {
        let first = TOTP.generateSecret()
        let second = TOTP.generateSecret()
        #expect(first.count == 20)
        #expect(second.count == 20)
        // 2^-160 chance of a false failure.
        #expect(first != second)
    }

    @Test("description and debugDescription never show the secret")
    func redactedDescription() {
        let totp = TOTP(secret: Array("SECRET-SECRET-SECRET".utf8))
        #expect(!String(describing: totp).contains("SECRET"))
        #expect(!String(reflecting: totp).contains("SECRET"))
        #expect(!"\(totp)".contains(Base32.encode(totp.secret)))
    }
}

@Suite("TOTP validation")
struct TOTPValidationTests {
    let totp = TOTP(secret: sha1Secret)
    /// Some time in the middle of a step.
    let now = Date(timeIntervalSince1970: 1_700_000_015)
    var current: Int64 { totp.step(at: now) }

    @Test("the current, previous and next steps are accepted")
    func window() {
        for offset: Int64 in [-1, 0, 1] {
            let code = totp.code(atStep: current + offset)
            #expect(totp.validate(code, at: now, lastUsedStep: nil) == current + offset)
        }
    }

    @Test("codes two steps away are refused")
    func outsideWindow() {
        let window = Set((-1...1).map { totp.code(atStep: current + Int64($0)) })
        for offset: Int64 in [-2, 2] {
            let code = totp.code(atStep: current + offset)
            // Guards against a chance collision making the test meaningless.
            #expect(!window.contains(code))
            #expect(totp.validate(code, at: now, lastUsedStep: nil) == nil)
        }
    }

    @Test("a wider tolerance accepts two steps away; zero tolerance only the current step")
    func tolerance() {
        let twoAhead = totp.code(atStep: current + 2)
        #expect(totp.validate(twoAhead, at: now, lastUsedStep: nil, tolerance: 2) == current + 2)
        let next = totp.code(atStep: current + 1)
        #expect(totp.validate(next, at: now, lastUsedStep: nil, tolerance: 0) == nil)
        #expect(totp.validate(totp.code(atStep: current), at: now, lastUsedStep: nil, tolerance: 0) == current)
    }

    @Test("the same code is refused the second time")
    func replay() {
        let code = totp.code(at: now)
        let used = totp.validate(code, at: now, lastUsedStep: nil)
        #expect(used == current)
        #expect(totp.validate(code, at: now, lastUsedStep: used) == nil)
        // Still refused a few seconds later, within the same step or the next.
        #expect(totp.validate(code, at: now.addingTimeInterval(20), lastUsedStep: used) == nil)
    }

    @Test("an older step is refused after a newer one was used")
    func olderAfterNewer() {
        let newer = totp.validate(totp.code(atStep: current + 1), at: now, lastUsedStep: nil)
        #expect(newer == current + 1)
        #expect(totp.validate(totp.code(atStep: current), at: now, lastUsedStep: newer) == nil)
        #expect(totp.validate(totp.code(atStep: current - 1), at: now, lastUsedStep: newer) == nil)
    }

    @Test("a newer step is accepted after an older one was used")
    func newerAfterOlder() {
        let older = totp.validate(totp.code(atStep: current - 1), at: now, lastUsedStep: nil)
        #expect(older == current - 1)
        #expect(totp.validate(totp.code(atStep: current), at: now, lastUsedStep: older) == current)
    }

    @Test("malformed codes are refused", arguments: [
        "12345", "1234567", "12a456", "", " ", "12 345", "+12345", "-12345",
        "１２３４５６",  // full-width digits
        "١٢٣٤٥٦",  // Arabic-Indic digits
    ])
    func malformed(_ code: String) {
        #expect(totp.validate(code, at: now, lastUsedStep: nil) == nil)
    }

    @Test("a right code with a wrong length is refused")
    func rightCodeWrongLength() {
        let code = totp.code(at: now)
        #expect(totp.validate(String(code.dropLast()), at: now, lastUsedStep: nil) == nil)
        #expect(totp.validate(code + "0", at: now, lastUsedStep: nil) == nil)
    }

    @Test("a wrong code of the right form is refused")
    func wrongCode() {
        let window = Set((-1...1).map { totp.code(atStep: current + Int64($0)) })
        let wrong = ["000000", "123456", "999999"].first { !window.contains($0) }
        #expect(wrong != nil)
        #expect(totp.validate(wrong ?? "", at: now, lastUsedStep: nil) == nil)
    }

    @Test("leading and trailing spaces are accepted")
    func spaces() {
        let code = totp.code(at: now)
        #expect(totp.validate("  \(code) ", at: now, lastUsedStep: nil) == current)
        #expect(totp.validate("\t\(code)\t", at: now, lastUsedStep: nil) == current)
    }

    @Test("8-digit codes validate with an 8-digit generator only")
    func eightDigits() {
        let eight = TOTP(secret: sha1Secret, digits: 8)
        #expect(eight.validate("94287082", at: Date(timeIntervalSince1970: 59), lastUsedStep: nil) == 1)
        #expect(totp.validate("94287082", at: Date(timeIntervalSince1970: 59), lastUsedStep: nil) == nil)
    }
}

@Suite("otpauth URI")
struct OTPAuthURITests {
    @Test("exact URI for a fixed secret")
    func exact() {
        let totp = TOTP(secret: sha1Secret)
        #expect(totp.otpauthURI(issuer: "Cabinet Dr Fictif", account: "cmartin") ==
            "otpauth://totp/Cabinet%20Dr%20Fictif:cmartin"
            + "?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
            + "&issuer=Cabinet%20Dr%20Fictif&algorithm=SHA1&digits=6&period=30")
    }

    @Test("reserved and non-ASCII characters are percent-encoded")
    func reservedCharacters() {
        let totp = TOTP(secret: Array("foobar".utf8), digits: 8, period: 60, algorithm: .sha256)
        #expect(totp.otpauthURI(issuer: "Cabinet & Fils: Élise", account: "c.martin@exemple.fr") ==
            "otpauth://totp/Cabinet%20%26%20Fils%3A%20%C3%89lise:c.martin%40exemple.fr"
            + "?secret=MZXW6YTBOI"
            + "&issuer=Cabinet%20%26%20Fils%3A%20%C3%89lise&algorithm=SHA256&digits=8&period=60")
    }

    @Test("the secret in the URI decodes back to the secret")
    func secretRoundTrip() throws {
        let totp = TOTP(secret: TOTP.generateSecret())
        let uri = totp.otpauthURI(issuer: "Cabinet", account: "a")
        let components = try #require(URLComponents(string: uri))
        let secret = try #require(components.queryItems?.first { $0.name == "secret" }?.value)
        #expect(!secret.contains("="))
        #expect(Base32.decode(secret) == totp.secret)
        #expect(components.scheme == "otpauth")
        #expect(components.host == "totp")
    }
}
