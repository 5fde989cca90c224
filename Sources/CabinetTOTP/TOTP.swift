import Crypto
import Foundation

/// The HMAC hash function behind a TOTP generator (RFC 6238 section 1.2).
///
/// The raw values are the spellings of the `algorithm` parameter in the
/// Google Authenticator key-URI format.
public enum TOTPAlgorithm: String, Sendable, CaseIterable {
    case sha1 = "SHA1"
    case sha256 = "SHA256"
    case sha512 = "SHA512"
}

/// A time-based one-time password generator and verifier (RFC 6238).
///
/// The HMAC comes from swift-crypto; this type only does the counter
/// arithmetic and the dynamic truncation of RFC 4226 section 5.3. It returns
/// data (codes, steps, URIs), never messages: wording belongs to the caller.
///
/// `description` and `debugDescription` leave the secret out, so that a
/// generator interpolated into a log line or an error does not leak it.
public struct TOTP: Sendable {
    /// The shared secret key (K in RFC 4226).
    public let secret: [UInt8]
    /// The number of decimal digits in a code (1 to 10).
    public let digits: Int
    /// The length of a time step in seconds (X in RFC 6238).
    public let period: Int
    /// The HMAC hash function.
    public let algorithm: TOTPAlgorithm

    /// Creates a generator for a secret.
    ///
    /// The defaults (6 digits, 30 seconds, SHA-1) are the only parameters every
    /// authenticator app supports; change them only if the user's app is known
    /// to honour them.
    ///
    /// - Precondition: `digits` is in 1...10 (truncation yields 31 bits, so
    ///   more digits would always start with zeros) and `period` is positive.
    public init(
        secret: [UInt8],
        digits: Int = 6,
        period: Int = 30,
        algorithm: TOTPAlgorithm = .sha1
    ) {
        precondition((1...10).contains(digits), "TOTP digits must be in 1...10")
        precondition(period > 0, "TOTP period must be positive")
        self.secret = secret
        self.digits = digits
        self.period = period
        self.algorithm = algorithm
    }

    /// The length of a generated secret: 160 bits, as RFC 4226 section 4 recommends.
    public static let secretByteCount = 20

    /// Returns a new random secret of 20 bytes from the operating system's CSPRNG.
    public static func generateSecret() -> [UInt8] {
        // SystemRandomNumberGenerator reads getrandom(2) on Linux: never a seeded PRNG.
        var generator = SystemRandomNumberGenerator()
        return (0..<secretByteCount).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
    }

    /// Returns the time step that contains `date`: floor(Unix time / period).
    ///
    /// Dates before 1970 give negative steps; dates too far away to count
    /// saturate at the ends of `Int64`.
    public func step(at date: Date) -> Int64 {
        let seconds = date.timeIntervalSince1970.rounded(.down)
        // Int64(Double) traps on NaN or out-of-range values: clamp first.
        guard seconds.isFinite else { return seconds < 0 ? .min : .max }
        guard seconds < 9.2e18 else { return .max }
        guard seconds > -9.2e18 else { return .min }
        let whole = Int64(seconds)
        let length = Int64(period)
        // Floor division, so that -1 s lies in step -1 rather than 0.
        let quotient = whole / length
        return (whole % length < 0) ? quotient - 1 : quotient
    }

    /// Returns the code for a time step (the HOTP value of RFC 4226 with the step as counter).
    ///
    /// The code is left-padded with zeros to `digits` characters.
    public func code(atStep step: Int64) -> String {
        // The counter is an unsigned 8-byte big-endian integer (RFC 4226 section 5.1).
        let counter = UInt64(bitPattern: step)
        let message = (0..<8).map { UInt8(truncatingIfNeeded: counter >> (56 - 8 * $0)) }
        let hash = mac(message)

        // Dynamic truncation (RFC 4226 section 5.3): the low nibble of the last
        // byte picks 4 bytes, whose top bit is dropped to avoid sign ambiguity.
        // Every supported hash is at least 20 bytes long, so offset + 3 < 20.
        let offset = Int(hash[hash.count - 1] & 0x0f)
        let binary = UInt64(hash[offset] & 0x7f) << 24
            | UInt64(hash[offset + 1]) << 16
            | UInt64(hash[offset + 2]) << 8
            | UInt64(hash[offset + 3])

        var modulus: UInt64 = 1
        for _ in 0..<digits { modulus *= 10 }
        let value = String(binary % modulus)
        return String(repeating: "0", count: digits - value.count) + value
    }

    /// Returns the code for the time step that contains `date`.
    public func code(at date: Date) -> String {
        code(atStep: step(at: date))
    }

    /// Checks a code typed by the user and returns the step it belongs to, or nil.
    ///
    /// - Parameters:
    ///   - code: what the user typed. Leading and trailing spaces and tabs are
    ///     ignored; the rest must be exactly `digits` ASCII digits.
    ///   - date: the current time.
    ///   - lastUsedStep: the step returned by the last successful validation
    ///     for this secret, or nil if there was none. Steps at or before it are
    ///     refused, so a code cannot be replayed, nor an older code used after
    ///     a newer one (RFC 6238 section 5.2).
    ///   - tolerance: how many steps either side of the current one are
    ///     accepted, for clock drift and typing time (negative counts as 0).
    /// - Returns: the matched step, which the caller stores as the new
    ///   `lastUsedStep`; nil if the code does not match an acceptable step.
    ///
    /// Every candidate of the window is compared in full, without an early
    /// exit, so the time taken does not tell how many leading digits were
    /// right. If a code happens to match two steps, the earliest acceptable
    /// one is returned, which keeps the later ones usable.
    public func validate(
        _ code: String,
        at date: Date,
        lastUsedStep: Int64?,
        tolerance: Int = 1
    ) -> Int64? {
        guard let typed = Self.normalised(code), typed.count == digits else { return nil }

        let current = step(at: date)
        let reach = Int64(max(0, tolerance))
        let (low, lowOverflow) = current.subtractingReportingOverflow(reach)
        let (high, highOverflow) = current.addingReportingOverflow(reach)
        let first = lowOverflow ? Int64.min : low
        let last = highOverflow ? Int64.max : high

        var matched: Int64?
        for candidate in first...last {
            let expected = Array(self.code(atStep: candidate).utf8)
            var difference: UInt8 = 0
            for index in 0..<digits {
                difference |= expected[index] ^ typed[index]
            }
            // The replay check comes after the comparison so that every
            // candidate costs the same work.
            let acceptable = lastUsedStep.map { candidate > $0 } ?? true
            if difference == 0, acceptable, matched == nil {
                matched = candidate
            }
        }
        return matched
    }

    /// Returns the key URI that authenticator apps read from a QR code.
    ///
    /// Follows the Google Authenticator key-URI format:
    /// `otpauth://totp/ISSUER:ACCOUNT?secret=BASE32&issuer=ISSUER&algorithm=SHA1&digits=6&period=30`.
    /// The issuer and account are percent-encoded (UTF-8, everything but the
    /// RFC 3986 unreserved characters, so a space is `%20` and a colon inside
    /// a name cannot be mistaken for the separator); the secret is base32
    /// without padding. All parameters are written even when they have their
    /// default values, so no app has to guess.
    public func otpauthURI(issuer: String, account: String) -> String {
        let encodedIssuer = Self.percentEncoded(issuer)
        let encodedAccount = Self.percentEncoded(account)
        return "otpauth://totp/\(encodedIssuer):\(encodedAccount)"
            + "?secret=\(Base32.encode(secret))"
            + "&issuer=\(encodedIssuer)"
            + "&algorithm=\(algorithm.rawValue)"
            + "&digits=\(digits)"
            + "&period=\(period)"
    }

    // MARK: - Private

    private func mac(_ message: [UInt8]) -> [UInt8] {
        let key = SymmetricKey(data: secret)
        switch algorithm {
        case .sha1:
            return Array(HMAC<Insecure.SHA1>.authenticationCode(for: message, using: key))
        case .sha256:
            return Array(HMAC<SHA256>.authenticationCode(for: message, using: key))
        case .sha512:
            return Array(HMAC<SHA512>.authenticationCode(for: message, using: key))
        }
    }

    /// The typed code's bytes without surrounding blanks, or nil if what is
    /// left is not all ASCII digits.
    private static func normalised(_ code: String) -> [UInt8]? {
        let isBlank: (UInt8) -> Bool = { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
        var bytes = Array(code.utf8)
        while let last = bytes.last, isBlank(last) { bytes.removeLast() }
        let trimmed = Array(bytes.drop(while: isBlank))
        // Checking bytes (not Character.isNumber) refuses other scripts' digits.
        guard trimmed.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else {
            return nil
        }
        return trimmed
    }

    private static func percentEncoded(_ text: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var output: [UInt8] = []
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                output.append(byte)
            default:
                output += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0x0f)]]
            }
        }
        return String(decoding: output, as: UTF8.self)
    }
}

extension TOTP: CustomStringConvertible, CustomDebugStringConvertible {
    /// A summary of the parameters that leaves the secret out.
    public var description: String {
        "TOTP(algorithm: \(algorithm.rawValue), digits: \(digits), period: \(period), secret: <\(secret.count) bytes>)"
    }

    /// Same as `description`: the secret is never printed.
    public var debugDescription: String { description }
}
