import Testing
@testable import TerminalUI

@Suite("Display width")
struct DisplayWidthTests {
    @Test("One character", arguments: [
        ("a", 1), ("~", 1), (" ", 1),
        ("\u{E9}", 1),           // é precomposed
        ("e\u{301}", 1),         // e + combining acute: one cluster, one column
        ("ß", 1), ("œ", 1),
        ("漢", 2), ("か", 2), ("한", 2), ("Ａ", 2),  // CJK, kana, Hangul, fullwidth
        ("🩺", 2), ("👍🏽", 2),                        // emoji presentation, with skin tone
        ("👨\u{200D}👩\u{200D}👧", 2),                 // ZWJ family: one cluster
        ("🇫🇷", 2),                                   // flag
        ("\u{200D}", 0), ("\u{FE0F}", 0), ("\u{FE0E}", 0), ("\u{200B}", 0),
        ("\t", 0), ("\n", 0), ("\r\n", 0), ("\u{7}", 0), ("\u{7F}", 0), ("\u{85}", 0),
    ] as [(Character, Int)])
    func character(_ c: Character, _ width: Int) {
        #expect(DisplayWidth.of(c) == width)
    }

    @Test func strings() {
        #expect(DisplayWidth.of("") == 0)
        #expect(DisplayWidth.of("Bonjour") == 7)
        #expect(DisplayWidth.of("Élève à l'hôpital") == 17)
        #expect(DisplayWidth.of("e\u{301}cole") == 5)
        #expect(DisplayWidth.of("漢字") == 4)
        #expect(DisplayWidth.of("a\tb") == 2)
        #expect(DisplayWidth.of("Dr 🩺 Martin") == 12)
    }

    @Test func truncateKeepsWhatFits() {
        #expect(DisplayWidth.truncate("Bonjour", to: 7) == "Bonjour")
        #expect(DisplayWidth.truncate("Bonjour", to: 10) == "Bonjour")
        #expect(DisplayWidth.truncate("Bonjour", to: 5) == "Bonj…")
        #expect(DisplayWidth.truncate("Bonjour", to: 5, ellipsis: false) == "Bonjo")
        #expect(DisplayWidth.truncate("Bonjour", to: 1) == "…")
        #expect(DisplayWidth.truncate("Bonjour", to: 0) == "")
        #expect(DisplayWidth.truncate("Bonjour", to: -3) == "")
    }

    @Test func truncateKeepsAccentsWhole() {
        #expect(DisplayWidth.truncate("Élève infirmière", to: 6) == "Élève…")
        // The combining accent stays with its letter.
        let cut = DisplayWidth.truncate("e\u{301}cole", to: 3)
        #expect(cut == "e\u{301}c…")
        #expect(DisplayWidth.of(cut) == 3)
    }

    @Test func truncateNeverSplitsAWideCharacter() {
        #expect(DisplayWidth.truncate("漢字かな", to: 5) == "漢字…")
        // Only one column left for 字: it goes, the result is one short.
        #expect(DisplayWidth.truncate("漢字かな", to: 4) == "漢…")
        #expect(DisplayWidth.truncate("漢字", to: 3, ellipsis: false) == "漢")
        #expect(DisplayWidth.truncate("漢字", to: 1, ellipsis: false) == "")
        #expect(DisplayWidth.truncate("a🩺", to: 2, ellipsis: false) == "a")
    }

    @Test func padGivesExactWidth() {
        #expect(DisplayWidth.pad("é", to: 3) == "é  ")
        #expect(DisplayWidth.pad("Bonjour", to: 4) == "Bon…")
        #expect(DisplayWidth.pad("漢字", to: 3) == "漢…")
        #expect(DisplayWidth.pad("漢字", to: 3, ellipsis: false) == "漢 ")
        #expect(DisplayWidth.pad("abc", to: 0) == "")
        for s in ["", "Élève", "e\u{301}cole", "漢字かな", "a🩺b", "Ｄｒ"] {
            for width in 0...10 {
                #expect(DisplayWidth.of(DisplayWidth.pad(s, to: width)) == width, "\(s) to \(width)")
            }
        }
    }

    @Test func wideTableIsSortedAndDisjoint() {
        let ranges = DisplayWidth.wideRanges
        for (first, last) in ranges { #expect(first <= last) }
        for i in 1..<ranges.count { #expect(ranges[i - 1].1 < ranges[i].0) }
    }
}
