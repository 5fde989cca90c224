import ArgumentParser
import CabinetCore
import CabinetStore
import Foundation

// `cabinet agenda book | list | cancel | status | move | export` (CLI.md).
// Every role manages the agenda. Local times are the practice's
// (Europe/Paris) whatever the machine's zone. The store checks each booking
// inside its write transaction (overlaps, hours, absences, the past); this
// file reads what was typed, prints, and writes the iCalendar file.

/// Input and output shared by the agenda commands.
enum AgendaInput {
    /// The longest reason for a visit (the store's limit).
    static let reasonMaxLength = 120

    static func appointmentID(_ text: String) throws -> Int64 {
        guard let id = Int64(text.trimmingCharacters(in: .whitespaces)), id > 0 else {
            throw CabinetError.usage(key: "agenda.error.id")
        }
        return id
    }

    /// A day: `YYYY-MM-DD` or `DD/MM/YYYY` (and the other French shapes).
    static func day(_ text: String) throws -> CivilDate {
        do throws(DateProblem) {
            return try PatientInput.day(text)
        } catch {
            throw CabinetError.usage(key: error == .impossible ? "date.impossible" : "agenda.error.date")
        }
    }

    /// A day and, when given, a time: "YYYY-MM-DD HH:MM", "DD/MM/YYYY HH:MM",
    /// "…HHhMM", "YYYY-MM-DDTHH:MM"; the time is nil when only a day is typed.
    static func when(_ text: String) throws -> (date: CivilDate, time: TimeOfDay?) {
        let t = text.trimmingCharacters(in: .whitespaces)
        var datePart = t
        var timePart: String?
        if let space = t.firstIndex(where: \.isWhitespace) {
            datePart = String(t[..<space])
            timePart = String(t[space...]).trimmingCharacters(in: .whitespaces)
        } else if t.count > 11, PatientInput.isISOShaped(String(t.prefix(10))),
                  let sep = t.dropFirst(10).first, sep == "T" || sep == "t" {
            datePart = String(t.prefix(10))
            timePart = String(t.dropFirst(11))
        }
        let date: CivilDate
        do throws(DateProblem) {
            date = try PatientInput.day(datePart)
        } catch {
            throw CabinetError.usage(key: error == .impossible ? "date.impossible" : "agenda.error.at")
        }
        guard let timePart else { return (date, nil) }
        guard let time = TimeOfDay(parsing: timePart) else { throw CabinetError.usage(key: "agenda.error.at") }
        return (date, time)
    }

    static func type(_ text: String) throws -> AppointmentType {
        let id = text.trimmingCharacters(in: .whitespaces).lowercased()
        guard let type = AppointmentType.standard.first(where: { $0.id == id }) else {
            throw CabinetError.usage(key: "agenda.error.type")
        }
        return type
    }

    /// The states `agenda status` may set (cancelling is `agenda cancel`).
    static func status(_ text: String) throws -> AppointmentStatus {
        switch text.trimmingCharacters(in: .whitespaces).lowercased().replacingOccurrences(of: "-", with: "_") {
        case "booked": return .booked
        case "arrived": return .arrived
        case "in_consultation": return .inConsultation
        case "seen": return .seen
        case "no_show": return .noShow
        default: throw CabinetError.usage(key: "agenda.error.status")
        }
    }

    /// Refuses a length outside 1 minute … 8 hours (exit 1), before signing in.
    static func checkMinutes(_ minutes: Int) throws {
        guard minutes > 0, minutes <= AgendaRules.maxMinutes else {
            throw CabinetError.agenda(.bookingRefused(key: BookingProblem.duration.messageKey, args: BookingProblem.duration.messageArgs))
        }
    }

    /// The instant of a day and time typed; nil for a time skipped in spring
    /// (the store refuses it with its own message).
    static func instant(_ when: (date: CivilDate, time: TimeOfDay?)) throws -> Date? {
        guard let time = when.time else { throw CabinetError.usage(key: "agenda.error.at_time") }
        return PracticeClock.instant(when.date, time)
    }

    /// ISO 8601 with the practice's offset: `2027-03-15T09:00:00+01:00`.
    static func iso(_ d: Date) -> String {
        let f = ISO8601DateFormatter()
        f.timeZone = PracticeClock.timeZone
        f.formatOptions = [.withInternetDateTime]
        return f.string(from: d)
    }

    /// "DD/MM/YYYY HH:MM", local time.
    static func localText(_ d: Date) -> String {
        let local = PracticeClock.local(d)
        return local.date.formatted + " " + local.time.formatted
    }

    static func typeName(_ id: String) -> String {
        let key = "agenda.type.\(id)"
        let name = L.text(key)
        return name == key ? id : name
    }

    static func weekdayName(_ date: CivilDate) -> String {
        let names = L.text("agenda.weekdays_long").split(separator: ",").map(String.init)
        let index = date.isoWeekday - 1
        return names.indices.contains(index) ? names[index] : ""
    }

    static func json(_ a: Appointment) -> [String: Any] {
        ["id": a.id, "patientId": a.patientID, "patient": a.patientName, "start": iso(a.start), "minutes": a.minutes,
         "type": a.type, "status": a.status.rawValue, "reason": a.reason]
    }

    /// "09:00  20 min  DUPONT Jean · Consultation · Réservé  (n° 3)".
    static func line(_ a: Appointment) -> String {
        let time = PracticeClock.local(a.start).time.formatted
        let length = PatientInput.pad(L.text("agenda.minutes", ["n": String(a.minutes)]), 7)
        let what = [a.patientName, typeName(a.type), L.text(a.status.labelKey)].joined(separator: " · ")
        return time + "  " + length + "  " + what + "  " + L.text("agenda.list.id", ["id": String(a.id)])
    }

    /// The line printed once an appointment is booked or moved.
    static func printBooked(_ a: Appointment, json: Bool) throws {
        if json {
            try PatientInput.printJSON(self.json(a))
        } else {
            Term.out(String(a.id) + "  " + localText(a.start))
        }
    }

    /// An appointment cancelled earlier holds no slot: changing it would put
    /// it back without the overlap check. Exit 6.
    static func refuseCancelled(_ a: Appointment) throws {
        if a.status.isCancelled {
            Term.err(L.text("agenda.error.cancelled", ["id": String(a.id)]))
            throw ArgumentParser.ExitCode(CabinetCore.ExitCode.conflict.rawValue)
        }
    }
}

struct AgendaCommand: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: "agenda", abstract: L.text("help.agenda"),
                             subcommands: [Book.self, List.self, Cancel.self, Status.self, Move.self, Export.self, Hours.self,
                                           AbsenceCommand.self])
    }

    struct Book: ParsableCommand {
        static var configuration: CommandConfiguration { CommandConfiguration(abstract: L.text("help.agenda.book")) }
        @OptionGroup var global: GlobalOptions
        @Option(name: .customLong("patient"), help: ArgumentHelp(L.text("help.opt.agenda_patient"), valueName: "id"))
        var patientID: String
        @Option(name: .customLong("at"), help: ArgumentHelp(L.text("help.opt.at"), valueName: "YYYY-MM-DD HH:MM"))
        var at: String?
        @Option(name: .customLong("minutes"), help: ArgumentHelp(L.text("help.opt.minutes"), valueName: "n"))
        var minutes: Int?
        @Option(name: .customLong("type"),
                help: ArgumentHelp(L.text("help.opt.appointment_type"), valueName: "consultation|first|home|tele|emergency"))
        var type = "consultation"
        @Option(name: .customLong("reason"), help: ArgumentHelp(L.text("help.opt.appointment_reason"), valueName: "text"))
        var reason: String?
        @Flag(name: .customLong("force"), help: ArgumentHelp(L.text("help.opt.agenda_force")))
        var force = false
        @Flag(name: .customLong("next-free"), help: ArgumentHelp(L.text("help.opt.next_free")))
        var nextFree = false

        func run() throws {
            let patient = try PatientInput.patientID(patientID)
            let kind = try AgendaInput.type(type)
            let length = minutes ?? kind.minutes
            try AgendaInput.checkMinutes(length)
            let when = try at.map(AgendaInput.when)
            if !nextFree && when?.time == nil { throw CabinetError.usage(key: "agenda.error.at_time") }
            let reasonText = (reason ?? "").trimmingCharacters(in: .whitespaces)
            if !reasonText.isEmpty, !PatientInput.checkText(reasonText, labelKey: "agenda.label.reason", multiline: false,
                                                            maxLength: AgendaInput.reasonMaxLength) {
                throw CabinetError.usage(key: "error.nothing_saved")
            }

            let vault = try global.signIn().vault
            defer { vault.signOut() }
            let now = Date()
            var start: Date?
            var from = now
            if nextFree, let when {
                if when.time != nil {
                    guard let s = try AgendaInput.instant(when) else {
                        throw CabinetError.agenda(.bookingRefused(key: BookingProblem.nonexistentTime.messageKey, args: [:]))
                    }
                    from = max(s, now)
                } else {
                    from = max(PracticeClock.dayBounds(when.date).0, now)
                }
            } else if let when {
                start = try AgendaInput.instant(when)
            } else if !nextFree {
                throw CabinetError.usage(key: "agenda.error.at_time")
            }
            let id: Int64
            do {
                if nextFree {
                    // Found and booked in one write transaction: two desks
                    // asking at once get two different slots.
                    guard let booked = try vault.practice().agenda.bookNextFree(patient: patient, from: from, minutes: length, type: kind.id,
                                                              reason: reasonText, force: force, now: now) else {
                        Term.err(L.text("agenda.no_free_slot"))
                        throw ArgumentParser.ExitCode(CabinetCore.ExitCode.conflict.rawValue)
                    }
                    id = booked.id
                } else {
                    id = try vault.practice().agenda.book(patient: patient, start: start, minutes: length, type: kind.id, reason: reasonText,
                                        force: force, now: now)
                }
            } catch CabinetError.agenda(.bookingNeedsForce(let key, let args)) where force && !vault.practice().agenda.mayForce {
                Term.err(L.text("agenda.error.force_doctor"))
                throw CabinetError.agenda(.bookingNeedsForce(key: key, args: args))
            }
            try AgendaInput.printBooked(try vault.practice().agenda.appointment(id), json: global.json)
            // Personal data, sometimes health data: only when preparation is needed.
            if !reasonText.isEmpty { Term.err(L.text("agenda.reason_hint")) }
        }
    }

    struct List: ParsableCommand {
        static var configuration: CommandConfiguration { CommandConfiguration(abstract: L.text("help.agenda.list")) }
        @OptionGroup var global: GlobalOptions
        @Option(name: .customLong("date"), help: ArgumentHelp(L.text("help.opt.agenda_date"), valueName: "YYYY-MM-DD"))
        var date: String?
        @Flag(name: .customLong("week"), help: ArgumentHelp(L.text("help.opt.week")))
        var week = false
        @Flag(name: .customLong("all"), help: ArgumentHelp(L.text("help.opt.agenda_all")))
        var all = false

        func run() throws {
            let day = try date.map(AgendaInput.day) ?? CivilDate(Date())
            let days: [CivilDate] = week ? (0..<7).compactMap { day.monday.adding(days: $0) } : [day]
            let first = days.first ?? day, last = days.last ?? day
            let vault = try global.signIn().vault
            defer { vault.signOut() }
            let list = try vault.practice().agenda.appointments(from: PracticeClock.dayBounds(first).0, to: PracticeClock.dayBounds(last).1,
                                              includeCancelled: all)
            if global.json {
                try PatientInput.printJSON(list.map(AgendaInput.json))
                return
            }
            let hours = try vault.practice().agenda.openingHours()
            var printed = 0
            for d in days {
                let ofDay = AgendaRules.day(d, appointments: list)
                let closed = hours.ranges(on: d).isEmpty
                // The week skips closed days with nothing booked (Sunday).
                if week && ofDay.isEmpty && closed { continue }
                if printed > 0 { Term.out("") }
                printed += 1
                Term.out(L.text("agenda.list.heading", ["weekday": AgendaInput.weekdayName(d), "date": d.formatted,
                                                        "n": String(ofDay.count)]))
                if ofDay.isEmpty {
                    Term.out("  " + L.text(closed ? "agenda.closed" : "agenda.list.empty"))
                }
                for a in ofDay {
                    Term.out("  " + AgendaInput.line(a))
                    if !a.reason.isEmpty {
                        Term.out("         " + L.text("agenda.list.reason", ["reason": a.reason]))
                    }
                }
            }
        }
    }

    struct Cancel: ParsableCommand {
        static var configuration: CommandConfiguration { CommandConfiguration(abstract: L.text("help.agenda.cancel")) }
        @OptionGroup var global: GlobalOptions
        @Argument(help: ArgumentHelp(L.text("help.arg.appointment_id"), valueName: "id"))
        var appointmentID: String
        @Option(name: .customLong("by"), help: ArgumentHelp(L.text("help.opt.cancel_by"), valueName: "patient|practice"))
        var by = "practice"
        @Option(name: .customLong("reason-category"),
                help: ArgumentHelp(L.text("help.opt.reason_category"), valueName: "text"))
        var reasonCategory: String?

        func run() throws {
            let id = try AgendaInput.appointmentID(appointmentID)
            let byPatient: Bool
            switch by.trimmingCharacters(in: .whitespaces).lowercased() {
            case "patient": byPatient = true
            case "practice", "cabinet": byPatient = false
            default: throw CabinetError.usage(key: "agenda.error.by")
            }
            let vault = try global.signIn().vault
            defer { vault.signOut() }
            try vault.practice().agenda.cancel(id, byPatient: byPatient, category: reasonCategory ?? "")
            let a = try vault.practice().agenda.appointment(id)
            if global.json {
                try PatientInput.printJSON(AgendaInput.json(a))
            } else {
                Term.out(L.text("agenda.cancelled_line", ["id": String(id), "start": AgendaInput.localText(a.start),
                                                          "status": L.text(a.status.labelKey)]))
            }
        }
    }

    struct Status: ParsableCommand {
        static var configuration: CommandConfiguration { CommandConfiguration(abstract: L.text("help.agenda.status")) }
        @OptionGroup var global: GlobalOptions
        @Argument(help: ArgumentHelp(L.text("help.arg.appointment_id"), valueName: "id"))
        var appointmentID: String
        @Argument(help: ArgumentHelp(L.text("help.arg.appointment_status"),
                                     valueName: "arrived|in-consultation|seen|no-show|booked"))
        var status: String

        func run() throws {
            let id = try AgendaInput.appointmentID(appointmentID)
            let status = try AgendaInput.status(status)
            let vault = try global.signIn().vault
            defer { vault.signOut() }
            try AgendaInput.refuseCancelled(try vault.practice().agenda.appointment(id))
            try vault.practice().agenda.setStatus(id, status)
            let a = try vault.practice().agenda.appointment(id)
            if global.json {
                try PatientInput.printJSON(AgendaInput.json(a))
            } else {
                Term.out(L.text("agenda.status_line", ["id": String(id), "status": L.text(a.status.labelKey)]))
            }
        }
    }

    struct Move: ParsableCommand {
        static var configuration: CommandConfiguration { CommandConfiguration(abstract: L.text("help.agenda.move")) }
        @OptionGroup var global: GlobalOptions
        @Argument(help: ArgumentHelp(L.text("help.arg.appointment_id"), valueName: "id"))
        var appointmentID: String
        @Option(name: .customLong("at"), help: ArgumentHelp(L.text("help.opt.move_at"), valueName: "YYYY-MM-DD HH:MM"))
        var at: String
        @Option(name: .customLong("minutes"), help: ArgumentHelp(L.text("help.opt.move_minutes"), valueName: "n"))
        var minutes: Int?
        @Flag(name: .customLong("force"), help: ArgumentHelp(L.text("help.opt.agenda_force")))
        var force = false

        func run() throws {
            let id = try AgendaInput.appointmentID(appointmentID)
            let when = try AgendaInput.when(at)
            if let minutes { try AgendaInput.checkMinutes(minutes) }
            let start = try AgendaInput.instant(when)
            let vault = try global.signIn().vault
            defer { vault.signOut() }
            try AgendaInput.refuseCancelled(try vault.practice().agenda.appointment(id))
            do {
                try vault.practice().agenda.move(id, to: start, minutes: minutes, force: force)
            } catch CabinetError.agenda(.bookingNeedsForce(let key, let args)) where force && !vault.practice().agenda.mayForce {
                Term.err(L.text("agenda.error.force_doctor"))
                throw CabinetError.agenda(.bookingNeedsForce(key: key, args: args))
            }
            try AgendaInput.printBooked(try vault.practice().agenda.appointment(id), json: global.json)
        }
    }

    struct Export: ParsableCommand {
        static var configuration: CommandConfiguration { CommandConfiguration(abstract: L.text("help.agenda.export")) }
        @OptionGroup var global: GlobalOptions
        @Option(name: .customLong("ics"), help: ArgumentHelp(L.text("help.opt.ics"), valueName: "file"))
        var ics: String
        @Option(name: .customLong("date"), help: ArgumentHelp(L.text("help.opt.export_date"), valueName: "YYYY-MM-DD"))
        var date: String?
        @Option(name: .customLong("from"), help: ArgumentHelp(L.text("help.opt.export_from"), valueName: "YYYY-MM-DD"))
        var from: String?
        @Option(name: .customLong("to"), help: ArgumentHelp(L.text("help.opt.export_to"), valueName: "YYYY-MM-DD"))
        var to: String?
        @Flag(name: .customLong("minimal"), help: ArgumentHelp(L.text("help.opt.minimal")))
        var minimal = false

        /// The first and last days exported.
        func range(today: CivilDate) throws -> (CivilDate, CivilDate) {
            if date != nil && (from != nil || to != nil) { throw CabinetError.usage(key: "agenda.error.export_range") }
            if let date {
                let d = try AgendaInput.day(date)
                return (d, d)
            }
            guard let from else {
                if to != nil { throw CabinetError.usage(key: "agenda.error.export_range") }
                return (today, today)
            }
            let first = try AgendaInput.day(from)
            let last = try to.map(AgendaInput.day) ?? first
            if last < first { throw CabinetError.usage(key: "agenda.error.export_order") }
            return (first, last)
        }

        func run() throws {
            let (first, last) = try range(today: CivilDate(Date()))
            let path = ics
            // Before signing in: an existing file is never overwritten.
            if FileManager.default.fileExists(atPath: path) || (try? FileManager.default.destinationOfSymbolicLink(atPath: path)) != nil {
                throw Self.exists(path)
            }
            let vault = try global.signIn().vault
            defer { vault.signOut() }
            let list = try vault.practice().agenda.appointments(from: PracticeClock.dayBounds(first).0, to: PracticeClock.dayBounds(last).1,
                                              includeCancelled: true)
            let practice = minimal ? "" : (try vault.practice().accounts.practiceIdentity()?.doctorName ?? "")
            let text = ICalendar.export(list, minimal: minimal, typeName: AgendaInput.typeName, practice: practice, now: Date())
            try Self.writeNew(path, Data(text.utf8))
            do {
                try vault.practice().audit.record(.export, object: "agenda", detail: "ics,minimal=\(minimal),count=\(list.count)")
            } catch {
                // An export the trail does not know of must not stay behind.
                unlink(path)
                throw error
            }
            if global.json {
                try PatientInput.printJSON(["file": path, "count": list.count, "minimal": minimal])
            } else {
                Term.out(L.text("agenda.exported", ["count": String(list.count), "path": path]))
            }
            if !minimal && !list.isEmpty { Term.err(L.text("agenda.export_names_warning")) }
        }

        /// The message and exit 6 of a file that exists already.
        static func exists(_ path: String) -> ArgumentParser.ExitCode {
            Term.err(L.text("agenda.error.file_exists", ["path": path]))
            return ArgumentParser.ExitCode(CabinetCore.ExitCode.conflict.rawValue)
        }

        /// Creates `path` (mode 0600, never over an existing file or through a
        /// link) and writes `data`; a failed write leaves no partial file.
        static func writeNew(_ path: String, _ data: Data) throws {
            let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600)
            guard fd >= 0 else {
                let code = errno
                if code == EEXIST { throw exists(path) }
                if code == ENOENT {
                    // Split by hand: Foundation's path helpers trap on some short relative names.
                    let parent = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? "."
                    throw CabinetError.vault(.missingParent(path: parent.isEmpty ? "/" : parent))
                }
                throw CabinetError.vault(.io(path: path, errno: code))
            }
            var failure: Int32 = 0
            if fchmod(fd, 0o600) != 0 { failure = errno }
            let bytes = [UInt8](data)
            var offset = 0
            while failure == 0 && offset < bytes.count {
                let n = bytes.withUnsafeBytes { buf -> Int in
                    guard let base = buf.baseAddress else { return 0 }
                    return write(fd, base + offset, buf.count - offset)
                }
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                } else if n == 0 {
                    failure = EIO
                } else {
                    offset += n
                }
            }
            if failure == 0 && fsync(fd) != 0 { failure = errno }
            if close(fd) != 0 && failure == 0 { failure = errno }
            guard failure == 0 else {
                unlink(path)
                if failure == ENOSPC { throw CabinetError.vault(.diskFull) }
                throw CabinetError.vault(.io(path: path, errno: failure))
            }
        }
    }
}

// MARK: - Practice settings of the agenda

extension AgendaCommand {
    /// `agenda hours [--set DAY=RANGES]...`: shows the opening hours, or
    /// changes some days ("mon=08:30-12:30,14:00-19:00", "sun=closed").
    struct Hours: ParsableCommand {
        static var configuration: CommandConfiguration { CommandConfiguration(abstract: L.text("help.agenda.hours")) }
        @OptionGroup var global: GlobalOptions
        @Option(name: .customLong("set"), help: ArgumentHelp(L.text("help.opt.hours_set"), valueName: "day=ranges"))
        var set: [String] = []


        static func parse(_ text: String) throws -> (Int, [TimeRange]) {
            let parts = text.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            guard parts.count == 2 else { throw CabinetError.usage(key: "agenda.error.hours") }
            let key = String(parts[0].prefix(3))
            // The short day names of both catalogues (lun… or mon…).
            guard let i = (0..<7).first(where: { Catalog.listWords("agenda.weekdays", at: $0).contains(key) }) else {
                throw CabinetError.usage(key: "agenda.error.hours_day")
            }
            if Catalog.inputWords("input.closed").contains(parts[1]) { return (i + 1, []) }
            do {
                return (i + 1, try OpeningHours.parseDay(parts[1]))
            } catch CabinetError.usage(key: "agenda.error.hours_range") {
                // The command line's own shape in the message (day=ranges).
                throw CabinetError.usage(key: "agenda.error.hours")
            }
        }

        func run() throws {
            let changes = try set.map(Self.parse)
            let vault = try global.signIn().vault
            defer { vault.signOut() }
            var hours = try vault.practice().agenda.openingHours()
            if !changes.isEmpty {
                for (day, ranges) in changes { hours.days[day] = ranges.isEmpty ? nil : ranges }
                try vault.practice().agenda.setOpeningHours(hours)
            }
            let names = L.text("agenda.weekdays_long").split(separator: ",").map(String.init)
            for d in 1...7 {
                let ranges = hours.days[d] ?? []
                let text = ranges.isEmpty ? L.text("agenda.hours_closed")
                    : ranges.map { $0.start.formatted + "–" + $0.end.formatted }.joined(separator: ", ")
                Term.out((names.indices.contains(d - 1) ? names[d - 1] : String(d)).padding(toLength: 10, withPad: " ", startingAt: 0) + text)
            }
        }
    }

    /// `agenda absence add --from … --to … --label …` · `agenda absence list`.
    struct AbsenceCommand: ParsableCommand {
        static var configuration: CommandConfiguration {
            CommandConfiguration(commandName: "absence", abstract: L.text("help.agenda.absence"),
                                 subcommands: [Add.self, ListAbsences.self, Remove.self])
        }

        struct Add: ParsableCommand {
            static var configuration: CommandConfiguration { CommandConfiguration(commandName: "add", abstract: L.text("help.agenda.absence.add")) }
            @OptionGroup var global: GlobalOptions
            @Option(name: .customLong("from"), help: ArgumentHelp(L.text("help.opt.absence_from"), valueName: "date [time]"))
            var from: String
            @Option(name: .customLong("to"), help: ArgumentHelp(L.text("help.opt.absence_to"), valueName: "date [time]"))
            var to: String
            @Option(name: .customLong("label"), help: ArgumentHelp(L.text("help.opt.absence_label"), valueName: "text"))
            var label = ""

            func run() throws {
                // A day alone: from its start, or to its end.
                let a = try AgendaInput.when(from), b = try AgendaInput.when(to)
                guard let start = a.time.map({ PracticeClock.instant(a.date, $0) }) ?? PracticeClock.dayBounds(a.date).0,
                      let end = b.time.map({ PracticeClock.instant(b.date, $0) }) ?? PracticeClock.dayBounds(b.date).1
                else { throw CabinetError.agenda(.bookingRefused(key: "booking.nonexistent_time", args: [:])) }
                let vault = try global.signIn().vault
                defer { vault.signOut() }
                let id = try vault.practice().agenda.addAbsence(from: start, to: end, label: label)
                Term.out(L.text("agenda.absence_added", ["id": String(id), "from": AgendaInput.localText(start),
                                                          "to": AgendaInput.localText(end)]))
            }
        }

        struct ListAbsences: ParsableCommand {
            static var configuration: CommandConfiguration { CommandConfiguration(commandName: "list", abstract: L.text("help.agenda.absence.list")) }
            @OptionGroup var global: GlobalOptions

            func run() throws {
                let vault = try global.signIn().vault
                defer { vault.signOut() }
                let now = Date()
                for a in try vault.practice().agenda.absences(from: now.addingTimeInterval(-86_400), to: now.addingTimeInterval(400 * 86_400)) {
                    Term.out(L.text("agenda.absence_line", ["id": String(a.id), "from": AgendaInput.localText(a.start),
                                                            "to": AgendaInput.localText(a.end), "label": a.label]))
                }
            }
        }

        /// `agenda absence remove ID`: an absence typed by mistake (logged).
        struct Remove: ParsableCommand {
            static var configuration: CommandConfiguration {
                CommandConfiguration(commandName: "remove", abstract: L.text("help.agenda.absence.remove"))
            }
            @OptionGroup var global: GlobalOptions
            @Argument(help: ArgumentHelp(L.text("help.arg.absence_id"), valueName: "id")) var id: String

            func run() throws {
                guard let number = Int64(id.trimmingCharacters(in: .whitespaces)), number > 0 else {
                    throw CabinetError.usage(key: "error.absence_not_found")
                }
                let vault = try global.signIn().vault
                defer { vault.signOut() }
                try vault.practice().agenda.removeAbsence(number)
                Term.out(L.text("agenda.absence_removed", ["id": String(number)]))
            }
        }
    }
}
