import Testing
@testable import CabinetCore
@testable import CabinetDemo

@Suite("Demo identities")
struct DemoIdentitiesTests {
    let today = CivilDate(year: 2026, month: 5, day: 4)!

    @Test func splitMix64MatchesTheReferenceOutput() throws {
        // First outputs of Vigna's splitmix64.c for seeds 0 and 1234567.
        var zero = SplitMix64(seed: 0)
        #expect(zero.next() == 0xE220_A839_7B1D_CDAF)
        #expect(zero.next() == 0x6E78_9E6A_A1B9_65F4)
        var other = SplitMix64(seed: 1_234_567)
        #expect(other.next() == 0x599E_D017_FB08_FC85)
        var bounded = SplitMix64(seed: 3)
        for _ in 0..<1000 { #expect((0..<7).contains(bounded.below(7))) }
    }

    @Test func sameSeedSameIdentitiesDifferentSeedDifferentOnes() throws {
        let a = try DemoIdentities.generate(count: 300, seed: 42, today: today)
        let b = try DemoIdentities.generate(count: 300, seed: 42, today: today)
        let c = try DemoIdentities.generate(count: 300, seed: 43, today: today)
        #expect(a.count == 300)
        #expect(a == b)
        #expect(a != c)
        #expect(zip(a, c).filter { $0 == $1 }.count < 5)
        // A longer list starts with the shorter one.
        #expect(Array(try DemoIdentities.generate(count: 400, seed: 42, today: today).prefix(300)) == a)
        #expect(try DemoIdentities.generate(count: 0, seed: 1, today: today).isEmpty)
    }

    @Test func everyNIRIsValidAndConsistentWithTheIdentity() throws {
        for person in try DemoIdentities.generate(count: 5000, seed: 1, today: today) {
            let reread = try NIR(person.nir.formatted)
            #expect(reread == person.nir)
            #expect(person.nir.warnings(sex: person.sex, birthDate: person.birthDate) == [])
        }
    }

    @Test func anINSNumberExactlyWhenTheStatusSaysItWasRetrieved() throws {
        let people = try DemoIdentities.generate(count: 3000, seed: 6, today: today)
        for p in people {
            let retrieved = p.insStatus == .retrieved || p.insStatus == .qualified
            #expect((p.ins != nil) == retrieved, "\(p.insStatus) with INS \(p.ins ?? "none")")
            if let ins = p.ins {
                // The matricule INS is the person's own NIR: 15 characters, valid key.
                #expect(ins == p.nir.value && ins.count == 15)
                #expect(try NIR(ins) == p.nir)
                let identity = PatientIdentity(birthName: p.birthName, firstNames: p.firstNames.joined(separator: " "),
                                               sex: p.sex, birthDate: p.birthDate, ins: ins, insStatus: p.insStatus)
                #expect(identity.problems(today: today).isEmpty)
                #expect(identity.sanitized().ins == ins)
            }
        }
        // Every status occurs, with and without a number.
        #expect(Set(people.map(\.insStatus)) == Set(INSStatus.allCases))
    }

    @Test func datesOfBirthSpanALifeAndNeverTheFuture() throws {
        let people = try DemoIdentities.generate(count: 5000, seed: 2, today: today)
        let ages = people.map { $0.birthDate.age(on: today) }
        #expect(people.allSatisfy { $0.birthDate <= today && $0.birthDate >= FrenchDate.earliestBirthDate })
        #expect(ages.min() == 0)
        #expect((ages.max() ?? 0) >= 95 && (ages.max() ?? 0) <= 101)
        let children = ages.filter { $0 < 18 }.count, over80 = ages.filter { $0 >= 80 }.count
        #expect(children > 600 && children < 1500) // about a fifth
        #expect(over80 > 100 && over80 < 500)      // about 6 %
        let women = people.filter { $0.sex == .female }.count
        #expect(women > 2300 && women < 2800)
    }

    @Test func namesIncludeAccentsHyphensParticlesAndHomonyms() throws {
        let people = try DemoIdentities.generate(count: 3000, seed: 3, today: today)
        let allNames = people.flatMap { [$0.birthName] + [$0.usedName].compactMap { $0 } + $0.firstNames }
        #expect(allNames.contains { $0.contains("è") || $0.contains("é") || $0.contains("ë") || $0.contains("ç") })
        #expect(people.contains { $0.firstNames.contains { $0.contains("-") } })   // Jean-Pierre
        #expect(people.contains { $0.birthName.contains("-") })                     // Martin-Dubois
        #expect(people.contains { $0.birthName.hasPrefix("de ") || $0.birthName.hasPrefix("D'") || $0.birthName.hasPrefix("du ") })
        #expect(people.contains { $0.usedName != nil && $0.sex == .female })
        #expect(people.contains { $0.firstNames.count == 3 })
        #expect(people.allSatisfy { (1...3).contains($0.firstNames.count) })
        // Homonyms: same birth name and first name, different dates of birth.
        var byName: [String: Set<CivilDate>] = [:]
        for p in people { byName[p.birthName + "|" + p.firstNames[0], default: []].insert(p.birthDate) }
        let homonyms = byName.values.filter { $0.count >= 2 }.count
        #expect(homonyms >= 30, "only \(homonyms) homonym groups")
    }

    @Test func contactsUseFictionalRangesOnly() throws {
        let blocks = DemoPlaces.fictionLandlineBlocks + [DemoPlaces.fictionMobileBlock]
        for p in try DemoIdentities.generate(count: 3000, seed: 4, today: today) {
            #expect(p.phone != nil || p.mobile != nil)
            if let phone = p.phone {
                #expect(DemoPlaces.fictionLandlineBlocks.contains { phone.hasPrefix($0) })
                #expect(PhoneNumber.problem(in: phone) == nil)
            }
            if let mobile = p.mobile {
                #expect(mobile.hasPrefix("06 39 98 "))
                #expect(try PhoneNumber(mobile).isFrenchMobile)
            }
            if let email = p.email {
                #expect(EmailAddress.problem(in: email) == nil, "\(email)")
                let domain = email.split(separator: "@").last.map(String.init) ?? ""
                #expect(["example.org", "example.com", "example.net"].contains(domain))
            }
            #expect(p.address.postcode.count == 5)
            #expect(!blocks.isEmpty)
        }
    }

    @Test func generatedNamesFitTheirFields() throws {
        for p in try DemoIdentities.generate(count: 2000, seed: 5, today: today) {
            #expect(FieldText.sanitize(p.birthName, for: .birthName).text == p.birthName)
            #expect(p.firstNames.joined(separator: " ").count <= PatientField.firstNames.maxLength)
            #expect(p.address.line1.count <= PatientField.addressLine1.maxLength)
            #expect(!p.searchKey.value.isEmpty)
        }
    }
}
