import Testing
@testable import CabinetCore

@Suite("Passphrase policy")
struct PassphrasePolicyTests {
    let policy = PassphrasePolicy()

    @Test func strongMixedPasswordIsAccepted() {
        #expect(policy.problems("Tres-Bon-Motdepasse-42") == [])
    }

    @Test func shortPasswordIsTooShort() {
        #expect(policy.problems("court1!A") == [.tooShort])
    }

    @Test func missingUppercaseIsReported() {
        #expect(policy.problems("alllowercase123!") == [.noUppercase])
    }

    @Test func missingLowercaseIsReported() {
        #expect(policy.problems("ALLUPPER123456!") == [.noLowercase])
    }

    @Test func missingDigitIsReported() {
        #expect(policy.problems("NoDigitsHere!!!") == [.noDigit])
    }

    @Test func missingSymbolIsReported() {
        #expect(policy.problems("NoSymbols12345") == [.noSymbol])
    }

    @Test func everyMissingClassIsListed() {
        // Each missing class is listed, not only the first one found.
        #expect(Set(policy.problems("court")) == [.tooShort, .noUppercase, .noDigit, .noSymbol])
    }

    @Test func fourWordPassphraseOfTwentyCharactersIsAccepted() {
        #expect(policy.problems("cheval agrafe batterie correcte") == [])
    }

    @Test func threeWordPhraseMustStillMixClasses() {
        // 20+ characters but only three words: the classic rules apply.
        #expect(policy.problems("chevalier agrafeuse batteries").contains(.noUppercase))
    }

    @Test func commonPasswordIsRefusedWhateverItsShape() {
        // "Motdepasse123!" has every class and 14 characters, yet is on the list.
        let problems = policy.problems("Motdepasse123!")
        #expect(problems.contains(.tooCommon))
        #expect(policy.problems("AZERTY123456!").contains(.tooCommon))
    }
}

@Suite struct CommonPasswordListTests {
    @Test func theShippedListIsLoaded() {
        #expect(PassphrasePolicy.common.count > 200, "Resources/passwords/common.txt was not found")
    }

    @Test func aCommonWordDressedWithDigitsAndSymbolsIsRefused() {
        let policy = PassphrasePolicy()
        for weak in ["Motdepasse2026!", "Médecin-1234!", "MARSEILLE-13013!", "Doctolib2026#", "Soleil-2026!!"] {
            #expect(policy.problems(weak).contains(.tooCommon), "\(weak)")
        }
        #expect(policy.problems("Tres-Bon-Motdepasse-42").isEmpty)
        #expect(policy.problems("cheval agrafe batterie correcte").isEmpty)
    }
}
