import Testing
@testable import CabinetCore

/// One list of what may be typed for the sex, shared by the interface's
/// form and the command line (issue 13).
@Suite struct SexTests {
    @Test func theAcceptedLettersInEitherCase() {
        #expect(Sex.parse("f") == .female && Sex.parse(" F ") == .female)
        #expect(Sex.parse("M") == .male && Sex.parse("h") == .male)
        #expect(Sex.parse("I") == .indeterminate && Sex.parse("x") == .indeterminate)
        #expect(Sex.parse("") == nil && Sex.parse("Z") == nil && Sex.parse("FM") == nil)
    }

    @Test func theMessagesNameTheSameLetters() {
        for language in [Language.french, .english] {
            let c = Catalog.load(language)
            for key in ["error.sex", "patients.error.sex", "patients.field.sex"] {
                let text = c.text(key)
                #expect(text.contains("F") && text.contains("M") && text.contains("I"), "\(key): \(text)")
            }
        }
    }
}
