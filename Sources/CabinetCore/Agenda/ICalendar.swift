import Foundation

/// iCalendar export of appointments (RFC 5545), for `--ics FILE`.
///
/// Times are the practice's local times (`TZID=Europe/Paris`) with the
/// VTIMEZONE that defines them, so that any calendar shows them right on
/// both sides of a daylight-saving change.
///
/// Appointment data is personal data, sometimes health data
/// (../shared/seeds/000_8e655f28ba827d0f.txt l.540-560: even knowing that
/// someone consults may say something about their health). The minimal form,
/// for calendars outside the practice, carries times and "RDV" only: no
/// name, no type, no reason, no practice name; its UIDs are internal
/// appointment numbers, meaningless outside.
public enum ICalendar {
    /// Folding limit of a content line, in octets (RFC 5545 §3.1).
    static let lineLimit = 75

    /// The calendar of `appointments`. `typeName` gives the displayed name of
    /// an appointment type id; `practice` names the calendar (full form
    /// only); `now` is the DTSTAMP.
    public static func export(_ appointments: [Appointment], minimal: Bool, typeName: (String) -> String, practice: String,
                              now: Date) -> String {
        var lines: [String] = [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "PRODID:-//Cabinet//Agenda//FR",
            "CALSCALE:GREGORIAN",
            "METHOD:PUBLISH",
        ]
        if !minimal, !practice.isEmpty {
            lines.append("X-WR-CALNAME:" + escape(practice))
        }
        lines.append("X-WR-TIMEZONE:Europe/Paris")
        lines += timeZoneComponent
        let stamp = utcStamp(now)
        for a in appointments.sorted(by: { ($0.start, $0.id) < ($1.start, $1.id) }) {
            lines.append("BEGIN:VEVENT")
            lines.append("UID:appointment-\(a.id)@cabinet.local")
            lines.append("DTSTAMP:" + stamp)
            lines.append(dateTime("DTSTART", a.start))
            lines.append(dateTime("DTEND", a.end))
            if minimal {
                lines.append("SUMMARY:RDV")
            } else {
                let type = typeName(a.type)
                lines.append("SUMMARY:" + escape(type.isEmpty ? a.patientName : "\(a.patientName) — \(type)"))
                let reason = a.reason.trimmingCharacters(in: .whitespacesAndNewlines)
                if !reason.isEmpty { lines.append("DESCRIPTION:" + escape(reason)) }
                lines.append("CLASS:CONFIDENTIAL")
            }
            lines.append("STATUS:" + (a.status.isCancelled ? "CANCELLED" : "CONFIRMED"))
            lines.append("TRANSP:" + (a.status.isCancelled ? "TRANSPARENT" : "OPAQUE"))
            lines.append("END:VEVENT")
        }
        lines.append("END:VCALENDAR")
        return lines.map { fold($0) + "\r\n" }.joined()
    }

    /// Europe/Paris since 1996 (EU rules): summer time from the last Sunday
    /// of March at 02:00 (+0100 → +0200) to the last Sunday of October at
    /// 03:00 (+0200 → +0100). The DTSTARTs are the first such Sundays of
    /// 1970, as the recurrence requires.
    static let timeZoneComponent: [String] = [
        "BEGIN:VTIMEZONE",
        "TZID:Europe/Paris",
        "X-LIC-LOCATION:Europe/Paris",
        "BEGIN:DAYLIGHT",
        "TZOFFSETFROM:+0100",
        "TZOFFSETTO:+0200",
        "TZNAME:CEST",
        "DTSTART:19700329T020000",
        "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
        "END:DAYLIGHT",
        "BEGIN:STANDARD",
        "TZOFFSETFROM:+0200",
        "TZOFFSETTO:+0100",
        "TZNAME:CET",
        "DTSTART:19701025T030000",
        "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
        "END:STANDARD",
        "END:VTIMEZONE",
    ]

    // MARK: Values

    /// `NAME;TZID=Europe/Paris:20260329T090000`, or the UTC form
    /// `NAME:20261025T013000Z` for the second pass of the repeated autumn
    /// hour, which a local time would name ambiguously (RFC 5545 §3.3.5
    /// reads it as the first).
    static func dateTime(_ name: String, _ instant: Date) -> String {
        let c = PracticeClock.calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: instant)
        let local = stamp(c)
        if let date = CivilDate(year: c.year ?? 0, month: c.month ?? 0, day: c.day ?? 0),
           let first = PracticeClock.instant(date, TimeOfDay(minutes: (c.hour ?? 0) * 60 + (c.minute ?? 0))),
           abs(first.addingTimeInterval(TimeInterval(c.second ?? 0)).timeIntervalSince(instant)) < 1 {
            return "\(name);TZID=Europe/Paris:\(local)"
        }
        return "\(name):" + utcStamp(instant)
    }

    static let utcCalendar: Calendar = {
        var c = Calendar(identifier: .gregorian)
        c.timeZone = TimeZone(identifier: "UTC") ?? TimeZone(secondsFromGMT: 0) ?? .current
        return c
    }()

    /// `20260329T070000Z`.
    static func utcStamp(_ instant: Date) -> String {
        stamp(utcCalendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: instant)) + "Z"
    }

    static func stamp(_ c: DateComponents) -> String {
        pad(c.year ?? 0, 4) + pad(c.month ?? 0, 2) + pad(c.day ?? 0, 2) + "T"
            + pad(c.hour ?? 0, 2) + pad(c.minute ?? 0, 2) + pad(c.second ?? 0, 2)
    }

    // MARK: Text

    /// TEXT escaping (RFC 5545 §3.3.11): backslash, semicolon, comma, and
    /// newlines (CR LF, CR, LF → `\n`). Other control characters, which TEXT
    /// does not allow, are dropped (a tab becomes a space).
    static func escape(_ text: String) -> String {
        var out = ""
        var previousCR = false
        for scalar in text.unicodeScalars {
            defer { previousCR = scalar == "\r" }
            switch scalar {
            case "\\": out += "\\\\"
            case ";": out += "\\;"
            case ",": out += "\\,"
            case "\r", "\u{2028}", "\u{2029}": out += "\\n"
            case "\n": if !previousCR { out += "\\n" }
            case "\t": out += " "
            default:
                if scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) { continue }
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// Folds a content line so that no line exceeds 75 octets: a
    /// continuation starts with one space, which counts. Breaks fall between
    /// Unicode scalars, never inside a multi-byte UTF-8 sequence.
    static func fold(_ line: String) -> String {
        guard line.utf8.count > lineLimit else { return line }
        var out = ""
        var used = 0
        for scalar in line.unicodeScalars {
            let size = UTF8.width(scalar)
            if used + size > lineLimit {
                out += "\r\n "
                used = 1
            }
            out.unicodeScalars.append(scalar)
            used += size
        }
        return out
    }
}
