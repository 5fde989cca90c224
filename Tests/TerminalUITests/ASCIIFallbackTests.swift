import Testing
import TerminalUI

@Suite("ASCII fallback")
struct ASCIIFallbackTests {
    @Test func frenchTextLosesOnlyItsAccents() {
        #expect(ASCIIFallback.transliterate("Élève à l'hôpital — « test » …")
                == "Eleve a l'hopital - \" test \" ...")
        // Precomposed and decomposed accents alike; French spacing before
        // punctuation is a no-break space.
        #expect(ASCIIFallback.transliterate("Ça va\u{00A0}? e\u{301}te\u{301}") == "Ca va ? ete")
        #expect(ASCIIFallback.transliterate("«\u{202F}cœur\u{202F}» Æsop l’été – ﬁn") == "\" coeur \" AEsop l'ete - fin")
        #expect(ASCIIFallback.transliterate("ÀÂÄÇÉÈÊËÎÏÔÖÙÛÜŸàâäçéèêëîïôöùûüÿ")
                == "AAACEEEEIIOOUUUYaaaceeeeiioouuuy")
    }

    @Test func boxDrawingBecomesPlusMinusBar() {
        #expect(ASCIIFallback.transliterate("┌─┐│└┘├┤┬┴┼") == "+-+|+++++++")
        #expect(ASCIIFallback.transliterate("╔═╗║╚╝━┃╭╮╰╯╾╿") == "+-+|++-|++++-|")
        #expect(ASCIIFallback.transliterate("▀▄█▌░") == "#####")
    }

    @Test func anythingElseIsAQuestionMark() {
        #expect(ASCIIFallback.transliterate("漢🩺") == "??")
        #expect(ASCIIFallback.transliterate("👨\u{200D}👩\u{200D}👧!") == "?!")
        #expect(ASCIIFallback.transliterate("plain ASCII ~ 123") == "plain ASCII ~ 123")
    }

    @Test func cellsKeepTheirWidth() {
        #expect(ASCIIFallback.text(for: Cell("é")) == "e")
        #expect(ASCIIFallback.text(for: Cell("œ")) == "o")
        #expect(ASCIIFallback.text(for: Cell("漢")) == "? ")
        #expect(ASCIIFallback.text(for: Cell(text: "", width: 0)) == "")
        var canvas = Canvas(columns: 8, rows: 1)
        canvas.put("┌漢é…┐", x: 0, y: 0)
        var row = ""
        for x in 0..<canvas.columns { row += ASCIIFallback.text(for: canvas[x, 0]) }
        #expect(row == "+? e.+  ")
    }

    @Test func utf8Codesets() {
        #expect(ASCIIFallback.isUTF8(codeset: "UTF-8"))
        #expect(ASCIIFallback.isUTF8(codeset: "utf8"))
        #expect(!ASCIIFallback.isUTF8(codeset: "ISO-8859-15"))
        #expect(!ASCIIFallback.isUTF8(codeset: "ANSI_X3.4-1968"))
    }
}
