import Testing
@testable import CabinetCore

@Suite("Language from the environment")
struct LanguageTests {
    @Test func lcAllBeatsLang() {
        #expect(Language.fromEnvironment(["LC_ALL": "en_US.UTF-8", "LANG": "fr_FR.UTF-8"]) == .english)
        #expect(Language.fromEnvironment(["LC_ALL": "fr_FR.UTF-8", "LANG": "en_GB.UTF-8"]) == .french)
    }

    @Test func lcMessagesBeatsLang() {
        #expect(Language.fromEnvironment(["LC_MESSAGES": "en_GB.UTF-8", "LANG": "fr_FR.UTF-8"]) == .english)
    }

    @Test func emptyLcAllIsIgnored() {
        #expect(Language.fromEnvironment(["LC_ALL": "", "LANG": "en_GB.UTF-8"]) == .english)
    }

    @Test func englishLocale() {
        #expect(Language.fromEnvironment(["LANG": "en_GB.UTF-8"]) == .english)
    }

    @Test func frenchLocale() {
        #expect(Language.fromEnvironment(["LANG": "fr_FR.UTF-8"]) == .french)
    }

    @Test func emptyEnvironmentIsFrench() {
        #expect(Language.fromEnvironment([:]) == .french)
    }
}
