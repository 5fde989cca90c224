import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A passphrase as the bytes the key derivation reads: UTF-8 in Unicode NFC,
/// held in memory of its own that is zeroed when the last copy goes (and
/// when it grows, and at `wipe()`), from the keystroke or the terminal read
/// to the key derivation. Never a Swift `String` kept in the interface's
/// state or in an effect: a `String`'s buffer is copied, shared and freed
/// without being cleared.
///
/// NFC: a letter and its combining accent typed or pasted apart (NFD, as
/// Mac documents and many e-mails send them) give the same bytes as the
/// precomposed letter, so one passphrase opens one slot whatever the
/// keyboard or the paste did. Text becomes bytes one character at a time:
/// only the last character and what arrives are ever held as a transient
/// `String` to be composed (a combining mark joins the letter before it).
///
/// A value type (copy on write): the interface's state is compared and
/// copied; a copy shares the bytes until one of them changes.
public struct Passphrase: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible,
    ExpressibleByStringLiteral {
    private var storage: Storage

    public init() { storage = Storage(capacity: 64) }

    /// From text (a test, the demo's fixed passphrases, a file's first line):
    /// composed to NFC as typing does.
    public init(_ text: String) {
        self.init()
        append(text)
    }

    public init(stringLiteral value: String) { self.init(value) }

    /// From bytes read off a terminal or a file (invalid UTF-8 is repaired
    /// as `String(decoding:)` does), composed to NFC.
    public init(utf8 bytes: UnsafeRawBufferPointer) {
        self.init()
        append(String(decoding: bytes, as: UTF8.self))
    }

    /// Characters (grapheme clusters) typed.
    public var count: Int { storage.lengths.count }
    public var isEmpty: Bool { storage.lengths.isEmpty }
    public var byteCount: Int { storage.count }

    /// Appends text, composed with the character before it (NFC).
    /// `maxCharacters` bounds the result; returns false when text had to be cut.
    @discardableResult
    public mutating func append(_ text: String, maxCharacters: Int = .max) -> Bool {
        guard !text.isEmpty else { return true }
        unshare()
        let lastLength = storage.lengths.last ?? 0
        let tail = storage.string(suffix: lastLength)
        if lastLength > 0 { storage.removeLast(bytes: lastLength); storage.lengths.removeLast() }
        var cut = false
        for ch in (tail + text).precomposedStringWithCanonicalMapping {
            if storage.lengths.count >= maxCharacters { cut = true; break }
            let bytes = Array(String(ch).utf8)
            storage.append(bytes)
            storage.lengths.append(bytes.count)
        }
        return !cut
    }

    /// Removes the last character (Backspace).
    public mutating func removeLast() {
        guard let last = storage.lengths.last else { return }
        unshare()
        storage.removeLast(bytes: last)
        storage.lengths.removeLast()
    }

    /// Zeroes and empties (a lock, after use, Ctrl-U).
    public mutating func wipe() {
        if isKnownUniquelyReferenced(&storage) { storage.clear() } else { storage = Storage(capacity: 64) }
    }

    /// The bytes, for the key derivation: valid only inside `body`.
    public func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(start: storage.pointer, count: storage.count))
    }

    /// The same passphrase as its NFD bytes when they differ from the NFC
    /// ones: what a slot made before Cabinet composed passphrases holds when
    /// its passphrase was typed decomposed (tried once after the NFC bytes
    /// fail, then the slot is rewrapped with the NFC bytes).
    public var decomposedVariant: Passphrase? {
        let text = withText { $0.decomposedStringWithCanonicalMapping }
        var bytes = Array(text.utf8)
        defer { for i in bytes.indices { bytes[i] = 0 } }
        guard bytes.count != byteCount || !withBytes({ $0.elementsEqual(bytes) }) else { return nil }
        var variant = Passphrase()
        variant.storage.append(bytes)
        variant.storage.lengths = [bytes.count]
        return variant
    }

    /// A transient `String` of the passphrase for `body` (the policy's
    /// checks and the strength estimator read text): not to be kept.
    public func withText<R>(_ body: (String) throws -> R) rethrows -> R {
        try body(storage.string(suffix: storage.count))
    }

    public static func == (a: Passphrase, b: Passphrase) -> Bool {
        a.storage === b.storage || a.withBytes { x in b.withBytes { y in x.elementsEqual(y) } }
    }

    /// Never printed: a log line or a test's failure message shows nothing
    /// of it. Not `Codable` either: nothing can write it to a draft.
    public var description: String { "Passphrase(•••)" }
    public var debugDescription: String { description }

    private mutating func unshare() {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
    }

    private final class Storage: @unchecked Sendable {
        var pointer: UnsafeMutableRawPointer
        var capacity: Int
        var count = 0
        /// Byte length of each character, for Backspace and composition.
        var lengths: [Int] = []

        init(capacity: Int) {
            self.capacity = capacity
            pointer = .allocate(byteCount: capacity, alignment: 1)
        }

        deinit {
            zero(pointer, capacity)
            pointer.deallocate()
        }

        func copy() -> Storage {
            let s = Storage(capacity: capacity)
            s.pointer.copyMemory(from: pointer, byteCount: count)
            s.count = count
            s.lengths = lengths
            return s
        }

        func append(_ bytes: [UInt8]) {
            if count + bytes.count > capacity {
                var grown = capacity * 2
                while grown < count + bytes.count { grown *= 2 }
                let fresh = UnsafeMutableRawPointer.allocate(byteCount: grown, alignment: 1)
                fresh.copyMemory(from: pointer, byteCount: count)
                zero(pointer, capacity)
                pointer.deallocate()
                pointer = fresh
                capacity = grown
            }
            bytes.withUnsafeBytes { (pointer + count).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
            count += bytes.count
        }

        func removeLast(bytes n: Int) {
            count -= n
            zero(pointer + count, n)
        }

        func clear() {
            zero(pointer, capacity)
            count = 0
            lengths = []
        }

        func string(suffix n: Int) -> String {
            String(decoding: UnsafeRawBufferPointer(start: pointer + (count - n), count: n), as: UTF8.self)
        }
    }
}

/// Zeroes memory in a way the optimiser does not remove.
private func zero(_ p: UnsafeMutableRawPointer, _ n: Int) {
    guard n > 0 else { return }
    #if canImport(Glibc)
    explicit_bzero(p, n)
    #else
    memset(p, 0, n)
    #endif
}

extension PassphrasePolicy {
    /// The policy's problems for a passphrase held as bytes (read as a
    /// transient `String`).
    public func problems(_ candidate: Passphrase) -> [PassphraseProblem] {
        candidate.withText { problems($0) }
    }
}
