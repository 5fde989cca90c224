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

@Suite("Passphrase strength (zxcvbn)")
struct PassphraseStrengthTests {
    let french = Catalog.load(.french)

    @Test func repeatedLettersAreRefusedAsRepetition() {
        // Five "words" of 20+ characters: the shape alone accepted it.
        let problems = PassphrasePolicy().problems("aaa aaa aaa aaa aaaaa")
        #expect(problems.contains(.repetition))
        #expect(problems.allSatisfy { $0.isGuessability })
        let text = PassphrasePolicy.feedback(problems, french)
        #expect(text.hasPrefix("Trop facile à deviner : des répétitions"))
        #expect(text.contains("Allongez-le avec des mots pris au hasard"))
    }

    @Test func theTradesWordRepeatedIsRefusedAsPersonalAndRepeated() {
        let problems = PassphrasePolicy().problems("cabinet cabinet cabinet cabinet")
        #expect(problems.contains(.repetition))
        #expect(problems.contains(.personalWord))
        #expect(PassphrasePolicy.feedback(problems, french).contains("un mot lié à vous ou au cabinet"))
    }

    @Test func everyClassButRepeatedLettersIsRefused() {
        // 12 characters, upper, lower, digit, symbol: the classic rules pass.
        let problems = PassphrasePolicy().problems("Aaaaaaaaaa1!")
        #expect(problems == [.repetition])
    }

    @Test func theLoginAndTheDoctorsNameAreUserWords() {
        let policy = PassphrasePolicy.forAccount(login: "cmartin", doctorName: "Dr Camille Martin")
        let problems = policy.problems("Camille-Martin-Cmartin-1!")
        #expect(problems.contains(.personalWord))
        // The same shape without the personal words passes.
        #expect(policy.problems("Lilas-Orage-Tigre-Citron-1!") == [])
    }

    @Test func aWordSaidAgainAddsNothing() {
        // zxcvbn alone scores this above the threshold (a repeated run is
        // priced generously); judged by its distinct words, it is one word.
        let policy = PassphrasePolicy.forAccount(login: "neuf", doctorName: nil)
        #expect(policy.problems("neuf2 neuf2 neuf2 neuf2 neuf2").contains(.repetition))
        #expect(PassphrasePolicy().problems("Orage-Orage-Orage-Orage-1").contains(.repetition))
    }

    @Test func aBirthDateAndANameAreRefusedAsADate() {
        #expect(PassphrasePolicy().problems("Rousseau-12/03/1960!").contains(.date))
    }

    @Test func fourRandomWordsAndTheSuitesPassphrasesAreAccepted() {
        let policy = PassphrasePolicy.forAccount(login: "cmartin", doctorName: "Dr Camille Martin")
        for good in ["cheval agrafe batterie correcte", "tigre lampe orage citron", "pomme route lune sable",
                     "Tres-Bon-Motdepasse-42", "Kx7pQ-m3RtZ-9wHnE-a4Fy", "Remplacant-Solide-2024!"] {
            #expect(policy.problems(good) == [], "\(good)")
        }
        // The demonstration accounts' published passphrases, under their logins.
        let demoName = french.text("demo.doctor_name")
        #expect(PassphrasePolicy.forAccount(login: "demo", doctorName: demoName).problems("Demo-Medecin-Lilas-2026!") == [])
        #expect(PassphrasePolicy.forAccount(login: "accueil", doctorName: demoName).problems("Demo-Accueil-Orage-2026!") == [])
    }

    @Test func theReasonsAreInBothCatalogues() {
        let english = Catalog.load(.english)
        for p in PassphraseProblem.allCases {
            #expect(french.text(p.messageKey) != p.messageKey)
            #expect(english.text(p.messageKey) != french.text(p.messageKey), "\(p)")
        }
        #expect(PassphrasePolicy.feedback([.repetition], english).hasPrefix("Too easy to guess: repetition"))
    }
}
