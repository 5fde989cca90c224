import CSodium
import Foundation

/// Key material in `sodium_malloc`ed memory: guard pages around it, never
/// swapped when the system allows, wiped by `sodium_free` on deinit.
public final class SecureBytes: @unchecked Sendable {
    // Immutable after init (the bytes are written once, before sharing).
    private let pointer: UnsafeMutableRawPointer
    public let count: Int

    private init(count: Int) {
        Sodium.ensureInitialized()
        guard let p = sodium_malloc(count) else {
            // sodium_malloc fails only when memory is exhausted; nothing a
            // doctor can act on, and continuing without key memory is worse.
            fatalError("sodium_malloc(\(count)) failed")
        }
        pointer = p
        self.count = count
    }

    /// Fresh random bytes.
    public static func random(_ count: Int) -> SecureBytes {
        let s = SecureBytes(count: count)
        randombytes_buf(s.pointer, count)
        return s
    }

    /// A copy of `bytes` (the caller wipes its own copy).
    public static func copy(_ bytes: UnsafeRawBufferPointer) -> SecureBytes {
        let s = SecureBytes(count: bytes.count)
        if let base = bytes.baseAddress, bytes.count > 0 { s.pointer.copyMemory(from: base, byteCount: bytes.count) }
        return s
    }

    public static func copy(_ bytes: [UInt8]) -> SecureBytes {
        bytes.withUnsafeBytes { copy($0) }
    }

    /// Fills new secure memory through `body`.
    static func make(_ count: Int, _ body: (UnsafeMutablePointer<UInt8>) throws -> Void) rethrows -> SecureBytes {
        let s = SecureBytes(count: count)
        try body(s.pointer.assumingMemoryBound(to: UInt8.self))
        return s
    }

    public func withBytes<R>(_ body: (UnsafePointer<UInt8>) throws -> R) rethrows -> R {
        try body(UnsafePointer(pointer.assumingMemoryBound(to: UInt8.self)))
    }

    deinit { sodium_free(pointer) }
}

enum Sodium {
    private static let initialized: Bool = sodium_init() >= 0
    static func ensureInitialized() { _ = initialized }
}

extension Array where Element == UInt8 {
    /// Best-effort wipe of a Swift byte array that held a secret.
    mutating func wipe() {
        let n = count
        withUnsafeMutableBytes { if let b = $0.baseAddress { sodium_memzero(b, n) } }
    }
}
