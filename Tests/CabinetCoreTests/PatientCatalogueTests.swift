import Testing
@testable import CabinetCore

/// Every message the patient-file rules can produce, once.
let everyPatientMessage: [any CatalogueMessage] =
    NIRProblem.allCases.map { $0 as any CatalogueMessage }
    + NIRWarning.allCases.map { $0 as any CatalogueMessage }
    + DateProblem.allCases.map { $0 as any CatalogueMessage }
    + PhoneProblem.allCases.map { $0 as any CatalogueMessage }
    + EmailProblem.allCases.map { $0 as any CatalogueMessage }
    + VitalSign.allCases.map { VitalProblem.outOfRange($0) as any CatalogueMessage }
    + [VitalProblem.format, VitalProblem.pressureOrder]
    + BMICategory.allCases.map { $0 as any CatalogueMessage }
    + INSStatus.allCases.map { $0 as any CatalogueMessage }
    + INSAttribute.allCases.map { $0 as any CatalogueMessage }
    + Sex.allCases.map { $0 as any CatalogueMessage }
    + [FieldTextNotice.truncated(maxLength: 80), FieldTextNotice.controlsRemoved]

@Suite("Patient file catalogue")
struct PatientCatalogueTests {
    @Test func everyMessageHasAFrenchAndAnEnglishText() {
        let fr = Catalog.loadEntries(.french)
        let en = Catalog.loadEntries(.english)
        #expect(everyPatientMessage.count >= 48)
        for message in everyPatientMessage {
            #expect(fr[message.messageKey] != nil, "fr: \(message.messageKey) missing")
            #expect(en[message.messageKey] != nil, "en: \(message.messageKey) missing")
        }
        for sign in VitalSign.allCases {
            #expect(fr[sign.labelKey] != nil && en[sign.labelKey] != nil, "\(sign.labelKey) missing")
        }
    }

    @Test func messagesHaveNoUnfilledPlaceholder() {
        for language in Language.allCases {
            let catalog = Catalog.load(language)
            for message in everyPatientMessage {
                let text = message.message(catalog)
                #expect(!text.contains("{"), "\(language.rawValue): \(message.messageKey) → \(text)")
            }
        }
    }

    @Test func insStatusFollowsWhatWasDone() {
        #expect(INSStatus.status(retrievedFromINSi: false, checkedAgainstDocument: false) == .provisional)
        #expect(INSStatus.status(retrievedFromINSi: true, checkedAgainstDocument: false) == .retrieved)
        #expect(INSStatus.status(retrievedFromINSi: false, checkedAgainstDocument: true) == .validated)
        #expect(INSStatus.status(retrievedFromINSi: true, checkedAgainstDocument: true) == .qualified)
        #expect(INSStatus.status(retrievedFromINSi: true, checkedAgainstDocument: true, attributes: [.doubtful]) == .provisional)
        #expect(INSStatus.status(retrievedFromINSi: true, checkedAgainstDocument: true, attributes: [.fictitious]) == .provisional)
        #expect(INSStatus.status(retrievedFromINSi: true, checkedAgainstDocument: true, attributes: [.homonym]) == .qualified)
        #expect(INSStatus.allCases.filter(\.mayShareINS) == [.qualified])
        let fr = Catalog.load(.french)
        #expect(INSStatus.qualified.message(fr) == "Identité qualifiée")
        #expect(INSStatus.provisional.message(fr) == "Identité provisoire")
    }
}
