import Foundation
import Testing
@testable import CabinetCore

// All data is fictitious.

/// Runs `python3 -c code args…` with its output and errors in temporary
/// files (no pipe to fill up); returns the exit status and both texts.
func runPythonForICS(_ code: String, _ args: [String]) throws -> (status: Int32, out: String, err: String) {
    let dir = FileManager.default.temporaryDirectory
    let out = dir.appendingPathComponent("cabinet-py-out-\(UUID().uuidString)")
    let err = dir.appendingPathComponent("cabinet-py-err-\(UUID().uuidString)")
    try Data().write(to: out)
    try Data().write(to: err)
    defer {
        try? FileManager.default.removeItem(at: out)
        try? FileManager.default.removeItem(at: err)
    }
    let outHandle = try FileHandle(forWritingTo: out)
    let errHandle = try FileHandle(forWritingTo: err)
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
    return (process.terminationStatus,
            (try? String(contentsOf: out, encoding: .utf8)) ?? "",
            (try? String(contentsOf: err, encoding: .utf8)) ?? "")
}

/// Reads an .ics file with the Python `icalendar` package and prints one
/// tab-separated line per event, then checks on the VTIMEZONE itself.
let icalendarReaderScript = """
import datetime, sys, icalendar
cal = icalendar.Calendar.from_ical(open(sys.argv[1], 'rb').read())
utc = datetime.timezone.utc
def z(d): return d.astimezone(utc).strftime('%Y-%m-%dT%H:%M:%SZ')
with open(sys.argv[2], 'w', encoding='utf-8') as out:
    for ev in cal.walk('VEVENT'):
        start, end = ev.decoded('DTSTART'), ev.decoded('DTEND')
        fields = [str(ev['UID']), ev['DTSTART'].params.get('TZID', ''), start.strftime('%Y-%m-%dT%H:%M:%S'),
                  z(start), z(end), str(ev['SUMMARY']), str(ev.get('DESCRIPTION', '')), str(ev['STATUS'])]
        out.write('EVENT\\t' + '\\t'.join(f.replace('\\n', '\\\\n') for f in fields) + '\\n')
    for vtz in cal.walk('VTIMEZONE'):
        tz = vtz.to_tz()
        for when in ['2026-01-15T09:00', '2026-03-29T01:59', '2026-03-29T03:00', '2026-07-01T09:00',
                     '2026-10-25T01:59', '2026-10-25T03:00', '2027-03-28T03:00']:
            local = datetime.datetime.fromisoformat(when).replace(tzinfo=tz)
            out.write('TZ\\t' + str(vtz['TZID']) + '\\t' + when + '\\t' + z(local) + '\\n')
"""

struct ParsedICSEvent: Equatable {
    let uid, tzid, local, startUTC, endUTC, summary, description, status: String
}

@Suite("iCalendar export")
struct ICalendarTests {
    let now = Date(timeIntervalSince1970: 1_774_000_000)

    func sample() throws -> [Appointment] {
        [
            agendaAppointment(1, try agendaParis(agendaDay(2026, 3, 29), 9, 0), 20, name: "Élodie Fictive-Bérénger",
                        reason: "Vaccin; rappel, à jeun\nApporter le carnet"),
            agendaAppointment(2, try agendaParis(agendaDay(2026, 10, 25), 9, 0), 30, name: "Jean Dupont-Imaginaire"),
            agendaAppointment(3, try agendaParis(agendaDay(2026, 6, 15), 14, 0), 15, status: .cancelledByPatient, name: "Zoé Exemple"),
        ]
    }

    func export(_ list: [Appointment], minimal: Bool) -> String {
        ICalendar.export(list, minimal: minimal, typeName: { $0 == "consultation" ? "Consultation" : $0 },
                         practice: "Cabinet du Dr Fictif", now: now)
    }

    /// The lines of an export, folded as written.
    func rawLines(_ ics: String) -> [String] {
        var lines = ics.components(separatedBy: "\r\n")
        if lines.last == "" { lines.removeLast() }
        return lines
    }

    /// The content lines, unfolded (RFC 5545 §3.1).
    func unfolded(_ ics: String) -> [String] {
        ics.replacingOccurrences(of: "\r\n ", with: "").components(separatedBy: "\r\n").filter { !$0.isEmpty }
    }

    // MARK: Format

    @Test func linesEndWithCRLFEverywhere() throws {
        let ics = export(try sample(), minimal: false)
        #expect(ics.hasSuffix("END:VCALENDAR\r\n"))
        let bytes = Array(ics.utf8)
        for (i, b) in bytes.enumerated() {
            if b == 0x0A { #expect(i > 0 && bytes[i - 1] == 0x0D, "bare LF at \(i)") }
            if b == 0x0D { #expect(i + 1 < bytes.count && bytes[i + 1] == 0x0A, "bare CR at \(i)") }
        }
        #expect(ics.hasPrefix("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:"))
    }

    @Test func longLinesAreFoldedAt75OctetsWithoutSplittingCharacters() throws {
        let name = "Éléonore-Bénédicte Àçèéêëîïôœùûüÿ Fictive-Lefèvre-Château-Quémérais"
        let reason = String(repeating: "é", count: 100) + " — ½ 😀 " + String(repeating: "ß", count: 50)
        let list = [agendaAppointment(7, try agendaParis(agendaDay(2026, 5, 4), 9, 0), 20, name: name, reason: reason)]
        let ics = export(list, minimal: false)
        let raw = Data(ics.utf8)
        // Split the bytes at CRLF and look at each line's octets.
        var lines: [[UInt8]] = [[]]
        var bytes = Array(raw)
        var i = 0
        while i < bytes.count {
            if bytes[i] == 0x0D, i + 1 < bytes.count, bytes[i + 1] == 0x0A {
                lines.append([])
                i += 2
            } else {
                lines[lines.count - 1].append(bytes[i])
                i += 1
            }
        }
        bytes = []
        var continuations = 0
        for line in lines {
            #expect(line.count <= 75, "line of \(line.count) octets")
            // Each physical line is valid UTF-8 on its own: no character was cut.
            #expect(String(bytes: line, encoding: .utf8) != nil, "a fold split a character")
            if line.first == 0x20 { continuations += 1 }
        }
        #expect(continuations >= 4)
        let content = unfolded(ics)
        #expect(content.contains("SUMMARY:\(name) — Consultation"))
        #expect(content.contains("DESCRIPTION:\(reason)"))
    }

    @Test func foldingCountsOctetsNotCharacters() {
        let line = "SUMMARY:" + String(repeating: "é", count: 80)   // 8 + 160 octets
        let folded = ICalendar.fold(line)
        let parts = folded.components(separatedBy: "\r\n")
        #expect(parts.allSatisfy { $0.utf8.count <= 75 })
        #expect(parts[0].utf8.count == 75 || parts[0].utf8.count == 74)
        #expect(parts.dropFirst().allSatisfy { $0.hasPrefix(" ") })
        #expect(folded.replacingOccurrences(of: "\r\n ", with: "") == line)
        #expect(ICalendar.fold("SUMMARY:RDV") == "SUMMARY:RDV")
        let exact = "X:" + String(repeating: "a", count: 73)
        #expect(ICalendar.fold(exact) == exact)
        #expect(ICalendar.fold(exact + "b") == exact + "\r\n b")
    }

    @Test func textIsEscaped() {
        #expect(ICalendar.escape("a\\b;c,d\ne") == "a\\\\b\\;c\\,d\\ne")
        #expect(ICalendar.escape("l1\r\nl2\rl3") == "l1\\nl2\\nl3")
        #expect(ICalendar.escape("tab\there\u{07}\u{1B}[31m") == "tab here[31m")
        #expect(ICalendar.escape("Œdème: \"x\"") == "Œdème: \"x\"")
    }

    @Test func eventsCarryTheirFields() throws {
        let content = unfolded(export(try sample(), minimal: false))
        #expect(content.filter { $0 == "BEGIN:VEVENT" }.count == 3)
        #expect(content.contains("UID:appointment-1@cabinet.local"))
        #expect(content.contains("DTSTART;TZID=Europe/Paris:20260329T090000"))
        #expect(content.contains("DTEND;TZID=Europe/Paris:20260329T092000"))
        #expect(content.contains("DTSTART;TZID=Europe/Paris:20261025T090000"))
        #expect(content.contains("DTSTAMP:20260320T094640Z"))
        #expect(content.contains("SUMMARY:Élodie Fictive-Bérénger — Consultation"))
        #expect(content.contains("DESCRIPTION:Vaccin\\; rappel\\, à jeun\\nApporter le carnet"))
        #expect(content.filter { $0.hasPrefix("DESCRIPTION:") }.count == 1)
        #expect(content.filter { $0 == "STATUS:CONFIRMED" }.count == 2)
        #expect(content.filter { $0 == "STATUS:CANCELLED" }.count == 1)
        #expect(content.contains("BEGIN:VTIMEZONE"))
        #expect(content.contains("TZID:Europe/Paris"))
        #expect(content.contains("RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU"))
        #expect(content.contains("RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU"))
        // The UID is stable from one export to the next.
        let again = unfolded(ICalendar.export(try sample(), minimal: false, typeName: { $0 }, practice: "",
                                              now: now.addingTimeInterval(3600)))
        #expect(again.filter { $0.hasPrefix("UID:") } == content.filter { $0.hasPrefix("UID:") })
    }

    @Test func theSecondPassOfTheRepeatedHourIsWrittenInUTC() throws {
        // 02:30 CET on 2026-10-25 (the second 02:30) is 01:30Z.
        let second = try agendaUTC("2026-10-25T01:30:00Z")
        let content = unfolded(export([agendaAppointment(9, second, 20)], minimal: true))
        #expect(content.contains("DTSTART:20261025T013000Z"))
        #expect(content.contains("DTEND;TZID=Europe/Paris:20261025T025000") == false)
        #expect(content.contains("DTEND:20261025T015000Z"))
        // The first pass keeps its local form.
        let first = unfolded(export([agendaAppointment(9, try agendaUTC("2026-10-25T00:30:00Z"), 20)], minimal: true))
        #expect(first.contains("DTSTART;TZID=Europe/Paris:20261025T023000"))
    }

    // MARK: Minimal form

    @Test func theMinimalFormLeaksNothingPersonal() throws {
        let list = try sample()
        let ics = export(list, minimal: true)
        let content = unfolded(ics)
        for a in list {
            for word in a.patientName.split(separator: " ") + a.patientName.split(separator: "-") {
                #expect(!ics.contains(word), "name part \(word) leaked")
            }
        }
        for secret in ["Vaccin", "jeun", "carnet", "Consultation", "consultation", "Fictif", "Cabinet du", "DESCRIPTION",
                       "patient", "secretariat"] {
            #expect(!ics.contains(secret), "\(secret) leaked")
        }
        #expect(content.filter { $0.hasPrefix("SUMMARY:") }.allSatisfy { $0 == "SUMMARY:RDV" })
        #expect(content.filter { $0.hasPrefix("SUMMARY:") }.count == 3)
        // Only these properties appear inside an event.
        let allowed: Set<String> = ["BEGIN", "END", "UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY", "STATUS", "TRANSP"]
        var inEvent = false
        for line in content {
            if line == "BEGIN:VEVENT" { inEvent = true }
            if inEvent {
                let name = String(line.prefix { $0 != ":" && $0 != ";" })
                #expect(allowed.contains(name), "\(line)")
            }
            if line == "END:VEVENT" { inEvent = false }
        }
    }

    // MARK: A real parser

    /// Writes `ics` to a file, reads it with Python's icalendar; fails (not
    /// skips) when the package is missing.
    func parse(_ ics: String) throws -> (events: [ParsedICSEvent], zone: [String: String]) {
        let probe = try runPythonForICS("import icalendar", [])
        try #require(probe.status == 0,
                     "Python's icalendar package is missing: run scripts/deps (or python3 -m pip install icalendar). \(probe.err)")
        let dir = FileManager.default.temporaryDirectory
        let file = dir.appendingPathComponent("cabinet-\(UUID().uuidString).ics")
        let result = dir.appendingPathComponent("cabinet-\(UUID().uuidString).txt")
        defer {
            try? FileManager.default.removeItem(at: file)
            try? FileManager.default.removeItem(at: result)
        }
        try Data(ics.utf8).write(to: file)
        let run = try runPythonForICS(icalendarReaderScript, [file.path, result.path])
        try #require(run.status == 0, "icalendar could not read the export: \(run.err)")
        let text = try String(contentsOf: result, encoding: .utf8)
        var events: [ParsedICSEvent] = []
        var zone: [String: String] = [:]
        for line in text.split(separator: "\n") {
            let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            if f.first == "EVENT", f.count == 9 {
                events.append(ParsedICSEvent(uid: f[1], tzid: f[2], local: f[3], startUTC: f[4], endUTC: f[5], summary: f[6],
                                          description: f[7], status: f[8]))
            } else if f.first == "TZ", f.count == 4, f[1] == "Europe/Paris" {
                zone[f[2]] = f[3]
            }
        }
        return (events, zone)
    }

    @Test func aRealParserReadsTheFullExport() throws {
        let (events, zone) = try parse(export(try sample(), minimal: false))
        try #require(events.count == 3)
        let byUID = Dictionary(uniqueKeysWithValues: events.map { ($0.uid, $0) })
        let spring = try #require(byUID["appointment-1@cabinet.local"])
        #expect(spring.tzid == "Europe/Paris")
        #expect(spring.local == "2026-03-29T09:00:00")
        #expect(spring.startUTC == "2026-03-29T07:00:00Z")
        #expect(spring.endUTC == "2026-03-29T07:20:00Z")
        #expect(spring.summary == "Élodie Fictive-Bérénger — Consultation")
        #expect(spring.description == "Vaccin; rappel, à jeun\\nApporter le carnet")
        #expect(spring.status == "CONFIRMED")
        let autumn = try #require(byUID["appointment-2@cabinet.local"])
        #expect(autumn.tzid == "Europe/Paris")
        #expect(autumn.startUTC == "2026-10-25T08:00:00Z")
        #expect(autumn.endUTC == "2026-10-25T08:30:00Z")
        #expect(autumn.description == "")
        #expect(byUID["appointment-3@cabinet.local"]?.status == "CANCELLED")
        #expect(byUID["appointment-3@cabinet.local"]?.startUTC == "2026-06-15T12:00:00Z")
        // Our VTIMEZONE, read on its own, gives Paris's offsets.
        #expect(zone["2026-01-15T09:00"] == "2026-01-15T08:00:00Z")
        #expect(zone["2026-03-29T01:59"] == "2026-03-29T00:59:00Z")
        #expect(zone["2026-03-29T03:00"] == "2026-03-29T01:00:00Z")
        #expect(zone["2026-07-01T09:00"] == "2026-07-01T07:00:00Z")
        #expect(zone["2026-10-25T01:59"] == "2026-10-24T23:59:00Z")
        #expect(zone["2026-10-25T03:00"] == "2026-10-25T02:00:00Z")
        #expect(zone["2027-03-28T03:00"] == "2027-03-28T01:00:00Z")
    }

    @Test func aRealParserReadsTheMinimalExport() throws {
        let long = (0..<40).map { agendaAppointment(Int64(100 + $0), Date(timeIntervalSince1970: 1_780_000_000 + Double($0) * 1800), 20) }
        let (events, _) = try parse(export(try sample() + long, minimal: true))
        #expect(events.count == 43)
        #expect(events.allSatisfy { $0.summary == "RDV" && $0.description == "" })
        #expect(events.first { $0.uid == "appointment-2@cabinet.local" }?.startUTC == "2026-10-25T08:00:00Z")
        #expect(events.first { $0.uid == "appointment-2@cabinet.local" }?.tzid == "Europe/Paris")
    }

    @Test func anEmptyAgendaIsAValidCalendar() throws {
        let ics = export([], minimal: true)
        #expect(!ics.contains("BEGIN:VEVENT"))
        let (events, zone) = try parse(ics)
        #expect(events.isEmpty)
        #expect(zone.count == 7)
    }
}
