import Foundation
import Testing
@testable import cabinet
import CabinetCore

/// Opening hours and absences from the command line: they block bookings.
@Suite struct AgendaSettingsCLITests {
    @Test func hoursAndAbsencesBlockBookingsUnlessADoctorForces() throws {
        let sb = try Sandbox()
        defer { sb.remove() }
        let (vault, pw) = try sb.initVault()
        func doc(_ args: [String]) throws -> RunResult {
            try sb.run(args + ["--vault", vault, "--user", doctorLogin, "--password-file", pw])
        }
        let p = try doc(["patient", "add", "--last-name", "Horaire", "--first-name", "Fictif", "--birth-date", "1960-01-01", "--sex", "M"])
        try #require(p.status == 0, "\(p.stderr)")
        let shown = try doc(["agenda", "hours", "--set", "sat=closed", "--set", "wed=09:00-12:00"])
        #expect(shown.status == 0, "\(shown.stderr)")
        #expect(shown.stdout.contains("09:00–12:00") && shown.stdout.contains("fermé"))
        #expect(try doc(["agenda", "hours", "--set", "wed=12:00-09:00"]).status == 1)
        #expect(try doc(["agenda", "hours", "--set", "xyz=09:00-10:00"]).status == 1)
        // 2027-06-09 is a Wednesday: open 09:00–12:00 only now.
        #expect(try doc(["agenda", "book", "--patient", "1", "--at", "2027-06-09 14:00"]).status == 6)
        #expect(try doc(["agenda", "book", "--patient", "1", "--at", "2027-06-09 10:00"]).status == 0)
        // Saturday closed.
        #expect(try doc(["agenda", "book", "--patient", "1", "--at", "2027-06-12 10:00"]).status == 6)
        // A holiday on Monday 2027-06-07 blocks it; a doctor may force.
        let add = try doc(["agenda", "absence", "add", "--from", "2027-06-07", "--to", "2027-06-07", "--label", "Congés"])
        #expect(add.status == 0, "\(add.stderr)")
        let blocked = try doc(["agenda", "book", "--patient", "1", "--at", "2027-06-07 10:00"])
        #expect(blocked.status == 6)
        #expect(blocked.stderr.contains("Congés"), "\(blocked.stderr)")
        #expect(try doc(["agenda", "book", "--patient", "1", "--at", "2027-06-07 10:00", "--force"]).status == 0)
        let list = try doc(["agenda", "absence", "list"])
        #expect(list.stdout.contains("Congés") && list.stdout.contains("n° 1"), "\(list.stdout)")
        // Removed (typed by mistake): Monday opens again; the id is gone.
        let removed = try doc(["agenda", "absence", "remove", "1"])
        #expect(removed.status == 0 && removed.stdout.contains("n° 1"), "\(removed.stderr)")
        #expect(try doc(["agenda", "book", "--patient", "1", "--at", "2027-06-07 11:00"]).status == 0)
        #expect(try doc(["agenda", "absence", "remove", "1"]).status == 1)
        #expect(!(try doc(["agenda", "absence", "list"])).stdout.contains("Congés"))
    }
}

/// The words the command line accepts come from both catalogues: French or
/// English, with or without accents.
@Suite struct InputWordsTests {
    @Test func rolesAndDaysInEitherLanguage() throws {
        #expect(try parseRole("Médecin") == .doctor)
        #expect(try parseRole("medecin") == .doctor)
        #expect(try parseRole("remplaçant") == .replacement)
        #expect(try parseRole("secretaire") == .secretary)
        #expect(try parseRole("secretary") == .secretary)
        #expect(throws: CabinetError.usage(key: "error.role")) { try parseRole("docteur") }
        #expect(try AgendaCommand.Hours.parse("dim=fermé").0 == 7)
        #expect(try AgendaCommand.Hours.parse("dim=fermé").1.isEmpty)
        #expect(try AgendaCommand.Hours.parse("Sun=closed").0 == 7)
        #expect(try AgendaCommand.Hours.parse("lun=08:00-12:00").0 == 1)
        #expect(try AgendaCommand.Hours.parse("wed=9h-12h").1.count == 1)
        #expect(throws: CabinetError.usage(key: "agenda.error.hours_day")) { try AgendaCommand.Hours.parse("xyz=09:00-10:00") }
    }
}
