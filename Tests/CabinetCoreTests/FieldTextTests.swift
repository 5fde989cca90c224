import Testing
@testable import CabinetCore

@Suite("Field text")
struct FieldTextTests {
    func line(_ s: String, max: Int = 80) -> SanitizedText {
        FieldText.sanitize(s, multiline: false, maxLength: max)
    }

    func block(_ s: String, max: Int = 4000) -> SanitizedText {
        FieldText.sanitize(s, multiline: true, maxLength: max)
    }

    @Test func plainTextIsUntouched() {
        let r = line("Lefèvre-Dupont")
        #expect(r.text == "Lefèvre-Dupont")
        #expect(!r.truncated && !r.removedControls)
        #expect(r.notices == [])
    }

    @Test func csiSequencesAreRemovedWhole() {
        let r = line("\u{1B}[31mDupont\u{1B}[0m")
        #expect(r.text == "Dupont")
        #expect(r.removedControls)
        #expect(line("\u{1B}[1;38;5;196mRouge\u{1B}[m").text == "Rouge")
        #expect(line("a\u{1B}[2Jb").text == "ab") // clear screen
        #expect(line("x\u{1B}[?1049hy").text == "xy") // private mode
        // 8-bit CSI.
        #expect(line("a\u{9B}31mb").text == "ab")
    }

    @Test func oscSequencesAreRemovedWithTheirText() {
        #expect(line("a\u{1B}]0;titre piégé\u{07}b").text == "ab")           // ended by BEL
        #expect(line("a\u{1B}]2;titre\u{1B}\\b").text == "ab")               // ended by ST
        #expect(line("a\u{1B}]8;;http://example.org\u{1B}\\lien\u{1B}]8;;\u{1B}\\b").text == "alienb")
        #expect(line("a\u{9D}0;titre\u{9C}b").text == "ab")                   // 8-bit OSC and ST
        // Unterminated: everything after is dropped.
        let r = line("début\u{1B}]0;sans fin")
        #expect(r.text == "début")
        #expect(r.removedControls)
    }

    @Test func otherEscapesAndControlsAreRemoved() {
        #expect(line("a\u{1B}cb").text == "ab")       // RIS, ESC x
        #expect(line("a\u{1B}(Bb").text == "ab")      // charset, with intermediate
        #expect(line("a\u{1B}P1$r\u{1B}\\b").text == "ab") // DCS
        #expect(line("a\u{07}b\u{08}c\u{00}d\u{7F}e").text == "abcde") // BEL, BS, NUL, DEL
        #expect(line("a\u{85}b\u{8D}c\u{9C}").text == "abc") // C1: NEL, RI, a stray ST
        #expect(line("a\u{9F}application\u{9C}b").text == "ab") // 8-bit APC string
        #expect(line("a\u{202E}b\u{2066}c\u{FEFF}").text == "abc") // bidi override, isolate, BOM
        #expect(line("a\u{1B}\u{1B}[31mb").text == "ab")   // doubled ESC
        #expect(line("a\u{1B}[31\u{18}b").text == "ab")     // CAN cancels the sequence
        #expect(line("a\u{1B}]0;t\u{1A}b").text == "ab")    // SUB cancels the string
    }

    @Test func newlinesAndTabsDependOnTheField() {
        #expect(line("Jean\tPierre").text == "Jean Pierre")
        #expect(line("12 rue\r\ndes Lilas").text == "12 rue des Lilas")
        let b = block("Abdomen souple\r\n\tpas de défense\rBHA normaux\u{2028}fin")
        #expect(b.text == "Abdomen souple\n\tpas de défense\nBHA normaux\nfin")
        #expect(!b.removedControls)
    }

    @Test func singleLineIsTrimmedAndNormalisedToNFC() {
        let r = line("  He\u{0301}le\u{0300}ne \n")
        #expect(r.text == "Hélène")
        #expect(r.text.unicodeScalars.count == 6) // precomposed
        #expect(block("  retrait  ").text == "  retrait  ")
    }

    @Test func lengthIsCountedInCharactersAndCut() {
        let r = line(String(repeating: "é", count: 81))
        #expect(r.text.count == 80)
        #expect(r.truncated)
        #expect(r.notices == [.truncated(maxLength: 80)])
        // Exactly the maximum: not truncated. Decomposed é counts as one.
        #expect(!line(String(repeating: "e\u{0301}", count: 80)).truncated)
        // A flag is one character.
        #expect(line("🇫🇷🇫🇷", max: 2).text == "🇫🇷🇫🇷")
    }

    @Test func aPasteOfOneHundredThousandCharactersIsTruncated() {
        let paste = String(repeating: "Lorem ipsum \u{1B}[31mdolor\u{1B}[0m sit amet. ", count: 3000)
        #expect(paste.count > 100_000)
        let r = FieldText.sanitize(paste, for: .examination)
        #expect(r.text.count == 4000)
        #expect(r.truncated && r.removedControls)
        #expect(!r.text.contains("\u{1B}"))
        #expect(r.text.hasPrefix("Lorem ipsum dolor sit amet. Lorem"))
    }

    @Test func fieldsHaveAPurposeAndALength() {
        #expect(PatientField.birthName.maxLength == 80)
        #expect(PatientField.usedName.maxLength == 80)
        #expect(PatientField.firstNames.maxLength == 120)
        #expect(PatientField.addressLine1.maxLength == 120)
        #expect(PatientField.phone.maxLength == 20)
        #expect(PatientField.email.maxLength == 254)
        #expect(PatientField.consultationReason.maxLength == 200)
        #expect(PatientField.examination.maxLength == 4000)
        #expect(PatientField.conclusion.maxLength == 4000)
        #expect(PatientField.prescriptionLine.maxLength == 200)
        #expect(PatientField.allCases.filter(\.isMultiline) == [.examination, .conclusion])
        // No catch-all comment field (002 l.293).
        #expect(!PatientField.allCases.contains { $0.rawValue.contains("comment") || $0.rawValue.contains("note") })
        #expect(PatientField.examination.isClinical && !PatientField.birthName.isClinical)
        let fr = Catalog.load(.french)
        for field in PatientField.allCases {
            #expect(fr.text(field.labelKey) != field.labelKey, "\(field.labelKey) has no label")
            #expect(field.maxLength > 0 && field.maxLength <= 4000)
        }
    }

    @Test func noticesNameTheMaximum() {
        let fr = Catalog.load(.french)
        let en = Catalog.load(.english)
        #expect(FieldTextNotice.truncated(maxLength: 80).message(fr).contains("80"))
        #expect(FieldTextNotice.truncated(maxLength: 4000).message(en).contains("4000"))
        #expect(FieldTextNotice.controlsRemoved.message(fr) != "text.controls_removed")
    }
}
