import CabinetCore
import Foundation
import Testing

// `cabinet agenda book | list | cancel | status | move | export`, driven
// through the real executable, detached from any terminal (`runDetached`,
// AccountCLITests.swift). Dates are next year's, on a Monday morning, inside
// the standard opening hours (08:30–12:30, 14:00–19:00). All identities are
// fictitious.

private let frontDeskPassphrase = "Accueil-Fictif-Agenda-2027!"

/// A practice: doctor `doc`, secretary `accueil`, three patients.
private struct AgendaDesk {
    let sb: Sandbox
    let vault: String
    let doctorPW: String
    let secretaryPW: String
    var lefevre = 0, dupont = 0, martin = 0

    init() throws {
        sb = try Sandbox()
        (vault, doctorPW, secretaryPW) = try sb.practiceWithFrontDesk(doctorName: doctorName, doctorPassphrase: passphrase,
                                                                      frontDeskPassphrase: frontDeskPassphrase)
        lefevre = try patient(["--last-name", "Lefèvre", "--first-name", "Hélène", "--birth-date", "1960-03-12", "--sex", "F"])
        dupont = try patient(["--last-name", "Dupont", "--first-name", "Jean", "--birth-date", "1948-11-30", "--sex", "M"])
        martin = try patient(["--last-name", "Martin", "--first-name", "Paul", "--birth-date", "1985-06-02", "--sex", "M"])
    }

    func remove() { sb.remove() }

    func asDoctor(_ args: [String], env: [String: String] = [:]) throws -> RunResult {
        try sb.runDetached(args + ["--vault", vault, "--user", "doc", "--password-file", doctorPW], env: env)
    }

    func asSecretary(_ args: [String]) throws -> RunResult {
        try sb.runDetached(args + ["--vault", vault, "--user", "accueil", "--password-file", secretaryPW])
    }

    private func patient(_ args: [String]) throws -> Int {
        let r = try asDoctor(["patient", "add"] + args)
        try #require(r.status == 0, "patient add: \(r.stderr)")
        return try #require(Int(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)), "not an id: \(r.stdout)")
    }

    /// `agenda book` that must succeed; returns the appointment's id (first
    /// field of the line printed).
    func book(_ args: [String], asSecretary: Bool = false, sourceLocation: SourceLocation = #_sourceLocation) throws -> Int {
        let r = asSecretary ? try self.asSecretary(["agenda", "book"] + args) : try asDoctor(["agenda", "book"] + args)
        try #require(r.status == 0, "agenda book: \(r.stderr)", sourceLocation: sourceLocation)
        let first = r.stdout.split(whereSeparator: \.isWhitespace).first.map(String.init) ?? ""
        return try #require(Int(first), "not an id: \(r.stdout)", sourceLocation: sourceLocation)
    }

    /// `agenda list --json` by the doctor.
    func listJSON(_ args: [String], sourceLocation: SourceLocation = #_sourceLocation) throws -> [[String: Any]] {
        let r = try asDoctor(["agenda", "list", "--json"] + args)
        try #require(r.status == 0, "agenda list: \(r.stderr)", sourceLocation: sourceLocation)
        return try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]],
                            "not an array: \(r.stdout)", sourceLocation: sourceLocation)
    }
}

/// The first Monday of June next year: a working day, always in the future.
private func nextYearMonday() throws -> CivilDate {
    let year = CivilDate(Date()).year + 1
    let june = try #require(CivilDate(year: year, month: 6, day: 1))
    return try #require(june.adding(days: (8 - june.isoWeekday) % 7))
}

/// Runs `python3 -c code args…` with its output in files (no pipe to fill up).
private func python(_ code: String, _ args: [String]) throws -> (status: Int32, out: String, err: String) {
    let dir = FileManager.default.temporaryDirectory
    let out = dir.appendingPathComponent("cabinet-agenda-py-\(UUID().uuidString).out")
    let err = dir.appendingPathComponent("cabinet-agenda-py-\(UUID().uuidString).err")
    try Data().write(to: out)
    try Data().write(to: err)
    defer {
        try? FileManager.default.removeItem(at: out)
        try? FileManager.default.removeItem(at: err)
    }
    let outHandle = try FileHandle(forWritingTo: out), errHandle = try FileHandle(forWritingTo: err)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", code] + args
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = outHandle
    process.standardError = errHandle
    var environment = ProcessInfo.processInfo.environment
    environment["PYTHONIOENCODING"] = "utf-8"
    process.environment = environment
    try process.run()
    process.waitUntilExit()
    try? outHandle.close()
    try? errHandle.close()
    return (process.terminationStatus, (try? String(contentsOf: out, encoding: .utf8)) ?? "",
            (try? String(contentsOf: err, encoding: .utf8)) ?? "")
}

/// One tab-separated line per event: UID, TZID, local start, SUMMARY,
/// DESCRIPTION, STATUS; then the calendar's name.
private let readICS = """
import sys, icalendar
cal = icalendar.Calendar.from_ical(open(sys.argv[1], 'rb').read())
for ev in cal.walk('VEVENT'):
    start = ev.decoded('DTSTART')
    fields = [str(ev['UID']), ev['DTSTART'].params.get('TZID', ''), start.strftime('%Y-%m-%dT%H:%M'),
              str(ev['SUMMARY']), str(ev.get('DESCRIPTION', '')), str(ev['STATUS'])]
    print('EVENT\\t' + '\\t'.join(fields))
print('CALNAME\\t' + str(cal.get('X-WR-CALNAME', '')))
"""

private struct ICSEvent {
    let uid, tzid, local, summary, description, status: String
}

/// The events of an .ics file as Python's icalendar reads them.
private func parseICS(_ path: String) throws -> (events: [ICSEvent], calendarName: String) {
    let probe = try python("import icalendar", [])
    try #require(probe.status == 0, "Python's icalendar package is missing (python3 -m pip install icalendar): \(probe.err)")
    let run = try python(readICS, [path])
    try #require(run.status == 0, "icalendar could not read the export: \(run.err)")
    var events: [ICSEvent] = []
    var name = ""
    for line in run.out.split(separator: "\n") {
        let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        if f.first == "EVENT", f.count == 7 {
            events.append(ICSEvent(uid: f[1], tzid: f[2], local: f[3], summary: f[4], description: f[5], status: f[6]))
        } else if f.first == "CALNAME", f.count == 2 {
            name = f[1]
        }
    }
    return (events, name)
}

@Suite("Agenda commands")
struct AgendaCLITests {
    @Test func bookListConflictsCancelStatusAndExport() throws {
        let desk = try AgendaDesk()
        defer { desk.remove() }
        let day = try nextYearMonday()
        let iso = day.iso, french = day.formatted

        // The secretary books, with a reason: the reminder on stderr.
        let r1 = try desk.asSecretary(["agenda", "book", "--patient", String(desk.lefevre), "--at", "\(iso) 09:00",
                                       "--reason", "À jeun, prise de sang"])
        #expect(r1.status == 0, "\(r1.stderr)")
        #expect(r1.stdout.contains("\(french) 09:00"), "\(r1.stdout)")
        #expect(r1.stderr.contains("préparation"), "\(r1.stderr)")
        let first = try #require(r1.stdout.split(separator: " ").first.flatMap { Int($0) }, "\(r1.stdout)")

        // Text list: a heading, then the line; JSON: the fields, the offset.
        let text = try desk.asDoctor(["agenda", "list", "--date", french])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains(french) && text.stdout.contains("1 rendez-vous"), "\(text.stdout)")
        #expect(text.stdout.contains("09:00  20 min   LEFÈVRE Hélène · Consultation · Réservé"), "\(text.stdout)")
        #expect(text.stdout.contains("Motif : À jeun, prise de sang"), "\(text.stdout)")
        let rows = try desk.listJSON(["--date", iso])
        #expect(rows.count == 1)
        let row = try #require(rows.first)
        #expect((row["id"] as? NSNumber)?.intValue == first)
        #expect((row["patientId"] as? NSNumber)?.intValue == desk.lefevre)
        #expect(row["patient"] as? String == "LEFÈVRE Hélène")
        #expect(row["start"] as? String == "\(iso)T09:00:00+02:00")
        #expect((row["minutes"] as? NSNumber)?.intValue == 20)
        #expect(row["type"] as? String == "consultation")
        #expect(row["status"] as? String == "booked")
        #expect(row["reason"] as? String == "À jeun, prise de sang")

        // An overlap: exit 6, the other appointment named (number, patient, time).
        let clash = try desk.asSecretary(["agenda", "book", "--patient", String(desk.dupont), "--at", "\(french) 09h10"])
        #expect(clash.status == 6, "\(clash.stderr)")
        #expect(clash.stderr.contains("n° \(first)") && clash.stderr.contains("LEFÈVRE Hélène")
                && clash.stderr.contains("\(french) 09:00"), "\(clash.stderr)")
        let english = try desk.asDoctor(["agenda", "book", "--patient", String(desk.dupont), "--at", "\(iso) 09:10"],
                                        env: ["LANG": "en_US.UTF-8"])
        #expect(english.status == 6 && english.stderr.contains("already taken"), "\(english.stderr)")

        // --force: the secretary cannot (exit 6), the doctor can.
        let secretaryForce = try desk.asSecretary(["agenda", "book", "--patient", String(desk.dupont), "--at", "\(iso) 09:10",
                                                   "--force"])
        #expect(secretaryForce.status == 6, "\(secretaryForce.stderr)")
        let forced = try desk.book(["--patient", String(desk.dupont), "--at", "\(iso) 09:10", "--force"])

        // Outside hours (the lunch break): exit 6, forced by the doctor only.
        let lunch = try desk.asDoctor(["agenda", "book", "--patient", String(desk.martin), "--at", "\(iso) 13:00"])
        #expect(lunch.status == 6 && lunch.stderr.contains("heures d'ouverture"), "\(lunch.stderr)")
        let lunchSecretary = try desk.asSecretary(["agenda", "book", "--patient", String(desk.martin), "--at", "\(iso) 13:00",
                                                   "--force"])
        #expect(lunchSecretary.status == 6 && lunchSecretary.stderr.contains("Seul un médecin"), "\(lunchSecretary.stderr)")

        // Refusals: exit 1.
        let past = try desk.asDoctor(["agenda", "book", "--patient", String(desk.martin), "--at", "2020-01-06 09:00"])
        #expect(past.status == 1 && past.stderr.contains("déjà passé"), "\(past.stderr)")
        let spring = try desk.asDoctor(["agenda", "book", "--patient", String(desk.martin), "--at", "2027-03-28 02:30",
                                        "--force"])
        #expect(spring.status == 1 && spring.stderr.contains("n'existe pas"), "\(spring.stderr)")
        let garbled = try desk.asDoctor(["agenda", "book", "--patient", String(desk.martin), "--at", "demain 9h"])
        #expect(garbled.status == 1, "\(garbled.stderr)")
        let tooLong = try desk.asDoctor(["agenda", "book", "--patient", String(desk.martin), "--at", "\(iso) 09:00",
                                         "--minutes", "600"])
        #expect(tooLong.status == 1, "\(tooLong.stderr)")
        let noTime = try desk.asDoctor(["agenda", "book", "--patient", String(desk.martin), "--at", iso])
        #expect(noTime.status == 1, "\(noTime.stderr)")

        // Cancelled: the slot books again; the cancelled one stays out of
        // the list unless --all, and its state can no longer change.
        let cancel = try desk.asSecretary(["agenda", "cancel", String(first), "--by", "patient",
                                           "--reason-category", "empêchement"])
        #expect(cancel.status == 0 && cancel.stdout.contains("Annulé (patient)"), "\(cancel.stderr)")
        let again = try desk.book(["--patient", String(desk.martin), "--at", "\(iso) 09:00", "--minutes", "10",
                                   "--type", "tele"], asSecretary: true)
        let revive = try desk.asSecretary(["agenda", "status", String(first), "booked"])
        #expect(revive.status == 6, "\(revive.stderr)")

        // The next free slot after those two: 09:30.
        let next = try desk.asSecretary(["agenda", "book", "--patient", String(desk.lefevre), "--at", "\(iso) 09:00",
                                         "--next-free"])
        #expect(next.status == 0 && next.stdout.contains("\(french) 09:30"), "\(next.stdout) \(next.stderr)")
        #expect(!next.stderr.contains("préparation"), "no reason, no reminder: \(next.stderr)")
        let nextID = try #require(next.stdout.split(separator: " ").first.flatMap { Int($0) })

        // Moves: onto another appointment (exit 6), then to 10:00.
        let moveClash = try desk.asSecretary(["agenda", "move", String(nextID), "--at", "\(iso) 09:05"])
        #expect(moveClash.status == 6, "\(moveClash.stderr)")
        let move = try desk.asSecretary(["agenda", "move", String(nextID), "--at", "\(french) 10:00"])
        #expect(move.status == 0 && move.stdout.contains("\(french) 10:00"), "\(move.stderr)")

        // States show in the list.
        #expect(try desk.asSecretary(["agenda", "status", String(again), "arrived"]).status == 0)
        #expect(try desk.asDoctor(["agenda", "status", String(forced), "in-consultation"]).status == 0)
        #expect(try desk.asDoctor(["agenda", "status", String(forced), "waiting"]).status == 1)
        let states = try desk.asDoctor(["agenda", "list", "--date", iso])
        #expect(states.stdout.contains("3 rendez-vous"), "\(states.stdout)")
        #expect(states.stdout.contains("09:00  10 min   MARTIN Paul · Téléconsultation · Arrivé"), "\(states.stdout)")
        #expect(states.stdout.contains("09:10  20 min   DUPONT Jean · Consultation · En consultation"), "\(states.stdout)")
        #expect(states.stdout.contains("10:00  20 min   LEFÈVRE Hélène · Consultation · Réservé"), "\(states.stdout)")
        #expect(!states.stdout.contains("Annulé"), "\(states.stdout)")
        let all = try desk.asDoctor(["agenda", "list", "--date", iso, "--all"])
        #expect(all.stdout.contains("4 rendez-vous") && all.stdout.contains("Annulé (patient)"), "\(all.stdout)")
        let week = try desk.listJSON(["--date", try #require(day.adding(days: 3)).iso, "--week", "--all"])
        #expect(week.count == 4)
        #expect(week.compactMap { $0["status"] as? String }.sorted()
                == ["arrived", "booked", "cancelled_patient", "in_consultation"])

        // Export: every appointment of the day, the cancelled one too; 0600.
        let ics = desk.sb.path("jour.ics")
        let export = try desk.asSecretary(["agenda", "export", "--ics", ics, "--date", french])
        #expect(export.status == 0, "\(export.stderr)")
        #expect(export.stdout.contains("4 rendez-vous"), "\(export.stdout)")
        #expect(try posixMode(ics) == 0o600)
        let full = try parseICS(ics)
        #expect(full.events.count == 4)
        #expect(full.calendarName == doctorName)
        #expect(Set(full.events.map(\.tzid)) == ["Europe/Paris"])
        let byUID = Dictionary(full.events.map { ($0.uid, $0) }, uniquingKeysWith: { a, _ in a })
        let cancelledEvent = try #require(byUID["appointment-\(first)@cabinet.local"])
        #expect(cancelledEvent.status == "CANCELLED")
        #expect(cancelledEvent.summary == "LEFÈVRE Hélène — Consultation")
        #expect(cancelledEvent.description == "À jeun, prise de sang")
        #expect(cancelledEvent.local == "\(iso)T09:00")
        let movedEvent = try #require(byUID["appointment-\(nextID)@cabinet.local"])
        #expect(movedEvent.status == "CONFIRMED" && movedEvent.local == "\(iso)T10:00")
        #expect(byUID["appointment-\(again)@cabinet.local"]?.summary == "MARTIN Paul — Téléconsultation")

        // Minimal: times and "RDV" only; no name, no reason, no practice.
        let minimalPath = desk.sb.path("minimal.ics")
        let minimal = try desk.asDoctor(["agenda", "export", "--ics", minimalPath, "--from", iso,
                                         "--to", try #require(day.adding(days: 6)).iso, "--minimal"])
        #expect(minimal.status == 0, "\(minimal.stderr)")
        let lean = try parseICS(minimalPath)
        #expect(lean.events.count == 4)
        #expect(Set(lean.events.map(\.summary)) == ["RDV"])
        #expect(lean.events.allSatisfy { $0.description.isEmpty })
        #expect(lean.calendarName.isEmpty)
        let raw = bytes(of: minimalPath)
        for secret in ["LEFÈVRE", "Lefèvre", "DUPONT", "MARTIN", "Hélène", "jeun", "Consultation", "Fictif"] {
            #expect(!raw.contains(secret), "\(secret) in the minimal export")
        }

        // An existing file is never overwritten: exit 6, unchanged.
        let before = bytes(of: ics)
        let again2 = try desk.asDoctor(["agenda", "export", "--ics", ics, "--date", iso, "--minimal"])
        #expect(again2.status == 6 && again2.stderr.contains("existe déjà"), "\(again2.stderr)")
        #expect(bytes(of: ics) == before)
        let badRange = try desk.asDoctor(["agenda", "export", "--ics", desk.sb.path("x.ics"), "--date", iso, "--from", iso])
        #expect(badRange.status == 1 && !exists(desk.sb.path("x.ics")), "\(badRange.stderr)")

        // The trail has both exports, with their form and count.
        let audit = try desk.asDoctor(["audit", "list", "--json"])
        #expect(audit.status == 0, "\(audit.stderr)")
        let trail = try #require(try JSONSerialization.jsonObject(with: Data(audit.stdout.utf8)) as? [String: Any])
        let entries = try #require(trail["entries"] as? [[String: Any]])
        let exports = entries.filter { $0["action"] as? String == "export" && $0["object"] as? String == "agenda" }
        #expect(exports.compactMap { $0["detail"] as? String } == ["ics,minimal=false,count=4", "ics,minimal=true,count=4"])
        #expect(exports.first?["actor"] as? String == "accueil")
    }

    @Test func notFoundAndHelp() throws {
        let desk = try AgendaDesk()
        defer { desk.remove() }
        let missing = try desk.asDoctor(["agenda", "cancel", "999"])
        #expect(missing.status == 5, "\(missing.stderr)")
        let badID = try desk.asDoctor(["agenda", "status", "abc", "seen"])
        #expect(badID.status == 1, "\(badID.stderr)")
        let nobody = try desk.asDoctor(["agenda", "book", "--patient", "999", "--at", "\(try nextYearMonday().iso) 09:00"])
        #expect(nobody.status == 5, "\(nobody.stderr)")
        let empty = try desk.asDoctor(["agenda", "list", "--date", try nextYearMonday().iso])
        #expect(empty.status == 0 && empty.stdout.contains("Aucun rendez-vous"), "\(empty.stdout)")
        let help = try desk.sb.runDetached(["agenda", "book", "--help"])
        #expect(help.status == 0 && help.stdout.contains("--next-free") && help.stdout.contains("--minutes"), "\(help.stdout)")
        let top = try desk.sb.runDetached(["agenda", "--help"])
        #expect(top.status == 0 && top.stdout.contains("export") && top.stdout.contains("status"), "\(top.stdout)")
    }
}
