import Testing
@testable import CabinetCore

@Suite("Phone and e-mail")
struct ContactTests {
    @Test(arguments: [
        ("06 39 98 12 34", "0639981234"),
        ("06.39.98.12.34", "0639981234"),
        ("06-39-98-12-34", "0639981234"),
        ("0639981234", "0639981234"),
        ("+33 6 39 98 12 34", "0639981234"),
        ("+33 (0)6 39 98 12 34", "0639981234"),
        ("0033 6 39 98 12 34", "0639981234"),
        ("01 99 00 12 34", "0199001234"),
        ("+44 20 7946 0000", "+442079460000"),
        ("+1 (555) 010-0199", "+15550100199"),
    ])
    func acceptedNumbers(input: String, stored: String) throws {
        #expect(try PhoneNumber(input).value == stored)
    }

    @Test func frenchNumbersAreDisplayedInPairs() throws {
        #expect(try PhoneNumber("+33639981234").formatted == "06 39 98 12 34")
        #expect(try PhoneNumber("0639981234").isFrenchMobile)
        #expect(try !PhoneNumber("0199001234").isFrenchMobile)
        #expect(try PhoneNumber("+442079460000").formatted == "+442079460000")
    }

    @Test func rejectedNumbers() {
        #expect(PhoneNumber.problem(in: "06 39 98 12") == .format)          // 8 digits
        #expect(PhoneNumber.problem(in: "06 39 98 12 34 5") == .format)     // 11 digits
        #expect(PhoneNumber.problem(in: "6 39 98 12 34") == .format)        // no leading 0
        #expect(PhoneNumber.problem(in: "00 00 00 00 00") == .format)       // 00 prefix, then no country code
        #expect(PhoneNumber.problem(in: "+33 06 39 98 12 34") == .format)   // +33 then 0
        #expect(PhoneNumber.problem(in: "+12345") == .format)               // too short
        #expect(PhoneNumber.problem(in: "+1234567890123456") == .format)    // longer than E.164
        #expect(PhoneNumber.problem(in: "") == .format)
        #expect(PhoneNumber.problem(in: "06 39 98 12 3A") == .characters)
        #expect(PhoneNumber.problem(in: "06 39 98 +12 34") == .characters)  // + not at the start
        #expect(PhoneNumber.problem(in: "tél. 0639981234") == .characters)
    }

    @Test func acceptedAddresses() throws {
        #expect(try EmailAddress("jean.dupont@example.org").value == "jean.dupont@example.org")
        #expect(try EmailAddress("  Jean.Dupont@Example.ORG ").value == "Jean.Dupont@example.org")
        #expect(try EmailAddress("élise+cabinet@exemple.example.net").value == "élise+cabinet@exemple.example.net")
    }

    @Test func rejectedAddresses() {
        #expect(EmailAddress.problem(in: "jean.dupont.example.org") == .at)
        #expect(EmailAddress.problem(in: "jean@dupont@example.org") == .at)
        #expect(EmailAddress.problem(in: "@example.org") == .local)
        #expect(EmailAddress.problem(in: String(repeating: "a", count: 65) + "@example.org") == .local)
        #expect(EmailAddress.problem(in: "jean@example") == .domain)
        #expect(EmailAddress.problem(in: "jean@") == .domain)
        #expect(EmailAddress.problem(in: "jean@example..org") == .domain)
        #expect(EmailAddress.problem(in: "jean@.example.org") == .domain)
        #expect(EmailAddress.problem(in: "jean@example.org.") == .domain)
        #expect(EmailAddress.problem(in: "jean dupont@example.org") == .characters)
        #expect(EmailAddress.problem(in: "jean\u{7}@example.org") == .characters)
        #expect(EmailAddress.problem(in: "a@" + String(repeating: "b", count: 250) + ".org") == .length)
        #expect(EmailAddress.problem(in: "jean@example.org") == nil)
    }
}
