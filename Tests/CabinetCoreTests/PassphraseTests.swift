import Foundation
import Testing
@testable import CabinetCore

/// The passphrase as wipeable bytes (Passphrase.swift).
@Suite("Passphrase bytes")
struct PassphraseTests {
    func bytes(_ p: Passphrase) -> [UInt8] { p.withBytes { Array($0) } }

    @Test func composedAndDecomposedGiveTheSameBytes() {
        let composed = Passphrase("Hélène-Fictive-Été-42")
        // Typed key by key, the accents arriving alone after their letters.
        var typed = Passphrase()
        for key in ["H", "e", "\u{301}", "l", "e", "\u{300}", "n", "e", "-", "F", "i", "c", "t", "i", "v", "e", "-",
                    "E", "\u{301}", "t", "e", "\u{301}", "-", "4", "2"] {
            typed.append(key)
        }
        #expect(bytes(typed) == Array("Hélène-Fictive-Été-42".precomposedStringWithCanonicalMapping.utf8))
        #expect(typed == composed)
        #expect(typed.count == 21)
        // Pasted whole in NFD.
        let pasted = Passphrase("Hélène-Fictive-Été-42".decomposedStringWithCanonicalMapping)
        #expect(pasted == composed)
    }

    @Test func backspaceRemovesOneCharacterWithItsAccent() {
        var p = Passphrase("abé")
        p.append("\u{301}")  // a second mark joins the last character
        #expect(p.count == 3)
        p.removeLast()
        #expect(bytes(p) == Array("ab".utf8))
        p.removeLast(); p.removeLast(); p.removeLast()
        #expect(p.isEmpty && p.byteCount == 0)
    }

    @Test func aCopyIsIndependentAndWipeEmpties() {
        var a = Passphrase("Secret-Fictif-1")
        let b = a
        a.append("2")
        #expect(bytes(b) == Array("Secret-Fictif-1".utf8))
        #expect(bytes(a) == Array("Secret-Fictif-12".utf8))
        a.wipe()
        #expect(a.isEmpty)
        #expect(bytes(b) == Array("Secret-Fictif-1".utf8))
    }

    @Test func neverPrinted() throws {
        let p = Passphrase("Secret-Fictif-Unique-93")
        #expect(!"\(p)".contains("Fictif"))
        #expect(!String(reflecting: p).contains("Fictif"))
        struct Holder { var p: Passphrase }
        #expect(!String(reflecting: Holder(p: p)).contains("Fictif"))
    }

    @Test func theDecomposedVariantExistsOnlyWhenItDiffers() {
        #expect(Passphrase("Ascii-Seulement-42").decomposedVariant == nil)
        let v = try! #require(Passphrase("Été-Fictif-42").decomposedVariant)
        #expect(v.withBytes { Array($0) } == Array("Été-Fictif-42".decomposedStringWithCanonicalMapping.utf8))
    }

    @Test func aCutIsReported() {
        var p = Passphrase()
        #expect(p.append("abcdef", maxCharacters: 4) == false)
        #expect(p.count == 4)
    }

    @Test func thePolicyReadsTheBytes() {
        let policy = PassphrasePolicy.forAccount(login: "dupont", doctorName: nil)
        #expect(policy.problems(Passphrase("court")) == policy.problems("court"))
    }
}
