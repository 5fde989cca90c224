import ArgumentParser
import CabinetCore
import CabinetStore
import Foundation

// `cabinet patient add | find | show` and `cabinet encounter add` (CLI.md).
// The identity is open to every role; clinical content to doctors only,
// checked here for what is shown and again in the store (PRODUCT.md
// "Access and authentication"). Messages never repeat what was typed.

/// Input shared by the patient commands: dates, sexes, ids, field lengths.
enum PatientInput {
    /// A day typed as `YYYY-MM-DD` or as French users type it (`JJ/MM/AAAA`…).
    static func day(_ text: String) throws(DateProblem) -> CivilDate {
        let t = text.trimmingCharacters(in: .whitespaces)
        if isISOShaped(t) {
            guard let date = CivilDate(iso: t) else { throw .impossible }
            return date
        }
        return try FrenchDate.parse(t)
    }

    /// `NNNN-NN-NN`, valid or not.
    static func isISOShaped(_ t: String) -> Bool {
        let c = Array(t)
        guard c.count == 10, c[4] == "-", c[7] == "-" else { return false }
        return c.enumerated().allSatisfy { i, ch in i == 4 || i == 7 || (ch.isASCII && ch.isNumber) }
    }

    /// `F`, `M`, or `X` (indeterminate; `I`, the INS code, is accepted too).
    static func sex(_ text: String?) throws -> Sex {
        // The same list as the interface's form (`Sex.parse`).
        guard let sex = Sex.parse(text ?? "I") else { throw CabinetError.usage(key: "error.sex") }
        return sex
    }

    /// The letter the command line uses (`X` for indeterminate).
    static func letter(_ sex: Sex) -> String { sex == .indeterminate ? "X" : sex.rawValue }

    static func patientID(_ text: String) throws -> Int64 {
        guard let id = Int64(text.trimmingCharacters(in: .whitespaces)), id > 0 else {
            throw CabinetError.usage(key: "error.patient_id")
        }
        return id
    }

    /// A line "label : message" on standard error.
    static func fieldLine(_ labelKey: String, _ message: String) -> String {
        L.text("error.invalid_field", ["field": L.text(labelKey), "message": message])
    }

    /// Reports a text longer than its field (refused: nothing is cut
    /// silently) and controls removed (a warning). Returns false when too long.
    static func checkText(_ value: String, labelKey: String, multiline: Bool, maxLength: Int) -> Bool {
        let clean = FieldText.sanitize(value, multiline: multiline, maxLength: maxLength)
        if clean.truncated {
            Term.err(L.text("text.too_long", ["field": L.text(labelKey), "max": String(maxLength)]))
            return false
        }
        if clean.removedControls { Term.err(fieldLine(labelKey, FieldTextNotice.controlsRemoved.message(L))) }
        return true
    }

    static func printJSON(_ object: Any) throws {
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        Term.out(String(decoding: data, as: UTF8.self))
    }

    /// Pads to `width` characters without ever cutting.
    static func pad(_ s: String, _ width: Int) -> String {
        s.count >= width ? s : s + String(repeating: " ", count: width - s.count)
    }
}

struct PatientCommand: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: "patient", abstract: L.text("help.patient"),
                             subcommands: [Add.self, Find.self, Show.self])
    }

    struct Add: ParsableCommand {
        static var configuration: CommandConfiguration { CommandConfiguration(abstract: L.text("help.patient.add")) }
        @OptionGroup var global: GlobalOptions
        @Option(name: .customLong("last-name"), help: ArgumentHelp(L.text("help.opt.last_name"), valueName: "name"))
        var lastName: String
        @Option(name: .customLong("first-name"), help: ArgumentHelp(L.text("help.opt.first_name"), valueName: "name"))
        var firstNames: [String]
        @Option(name: .customLong("birth-date"), help: ArgumentHelp(L.text("help.opt.birth_date"), valueName: "YYYY-MM-DD"))
        var birthDate: String
        @Option(name: .customLong("sex"), help: ArgumentHelp(L.text("help.opt.sex"), valueName: "F|M|X"))
        var sex: String?
        @Option(name: .customLong("birth-name"), help: ArgumentHelp(L.text("help.opt.birth_name"), valueName: "name"))
        var birthName: String?
        @Option(name: .customLong("nir"), help: ArgumentHelp(L.text("help.opt.nir"), valueName: "number"))
        var nir: String?
        @Option(name: .customLong("phone"), help: ArgumentHelp(L.text("help.opt.phone"), valueName: "number"))
        var phone: String?
        @Option(name: .customLong("mobile"), help: ArgumentHelp(L.text("help.opt.mobile"), valueName: "number"))
        var mobile: String?
        @Option(name: .customLong("email"), help: ArgumentHelp(L.text("help.opt.email"), valueName: "address"))
        var email: String?
        @Option(name: .customLong("address"), help: ArgumentHelp(L.text("help.opt.address"), valueName: "line"))
        var address: String?
        @Option(name: .customLong("postcode"), help: ArgumentHelp(L.text("help.opt.postcode"), valueName: "code"))
        var postcode: String?
        @Option(name: .customLong("city"), help: ArgumentHelp(L.text("help.opt.city"), valueName: "city"))
        var city: String?
        @Flag(name: .customLong("force"), help: ArgumentHelp(L.text("help.opt.force")))
        var force = false

        /// The identity typed, checked before anyone signs in; every problem
        /// is reported, then nothing is saved (exit 1).
        func identity(today: CivilDate) throws -> PatientIdentity {
            let sex = try PatientInput.sex(self.sex)
            let day: CivilDate
            do throws(DateProblem) {
                day = try PatientInput.day(birthDate)
            } catch {
                throw CabinetError.patients(.invalidField(field: "birth_date", key: error.messageKey))
            }
            let last = lastName.trimmingCharacters(in: .whitespaces)
            let birth = (birthName ?? "").trimmingCharacters(in: .whitespaces)
            let identity = PatientIdentity(
                birthName: birth.isEmpty ? last : birth,
                usedName: birth.isEmpty || birth == last ? "" : last,
                firstNames: firstNames.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
                    .joined(separator: " "),
                sex: sex, birthDate: day, addressLine1: address ?? "", postcode: postcode ?? "", city: city ?? "",
                phone: phone ?? "", mobile: mobile ?? "", email: email ?? "", nir: nir ?? "")
            let texts: [(PatientField, String)] = [
                (.birthName, identity.birthName), (.usedName, identity.usedName), (.firstNames, identity.firstNames),
                (.addressLine1, identity.addressLine1), (.postcode, identity.postcode), (.city, identity.city),
                (.phone, identity.phone), (.mobile, identity.mobile), (.email, identity.email),
            ]
            var ok = true
            for (field, value) in texts where !value.isEmpty {
                ok = PatientInput.checkText(value, labelKey: field.labelKey, multiline: false,
                                            maxLength: field.maxLength) && ok
            }
            let clean = identity.sanitized()
            let problems = clean.problems(today: today)
            if problems.count == 1 && ok { throw CabinetError.patients(.invalidField(field: problems[0].field, key: problems[0].key)) }
            for p in problems { Term.err(CabinetError.patients(.invalidField(field: p.field, key: p.key)).message(L)) }
            if !problems.isEmpty || !ok { throw CabinetError.usage(key: "error.nothing_saved") }
            return clean
        }

        func run() throws {
            let identity = try identity(today: CivilDate(Date()))
            let vault = try global.signIn().vault
            defer { vault.signOut() }
            let id = try vault.practice().patients.add(identity, allowDuplicate: force)
            // Saved; the NIR disagreeing with the sex or the date of birth
            // is worth a second look, not a refusal.
            for key in identity.warnings { Term.err(L.text(key)) }
            let today = CivilDate(Date())
            if FrenchDate.isUnusualBirthDate(identity.birthDate, today: today) {
                Term.err(L.text("cli.warning.birth_unusual", ["age": String(identity.birthDate.age(on: today))]))
            }
            if global.json {
                try PatientInput.printJSON(["id": id])
            } else {
                Term.out(String(id))
            }
        }
    }

    struct Find: ParsableCommand {
        static var configuration: CommandConfiguration { CommandConfiguration(abstract: L.text("help.patient.find")) }
        @OptionGroup var global: GlobalOptions
        @Argument(help: ArgumentHelp(L.text("help.arg.search"), valueName: "text"))
        var words: [String]

        func run() throws {
            // The finder reads French dates: `YYYY-MM-DD` is rewritten
            // `DD/MM/YYYY` (valid or not, so that 31/02 is still reported).
            let text = words.joined(separator: " ").split(whereSeparator: \.isWhitespace).map { token -> String in
                let c = Array(token)
                guard PatientInput.isISOShaped(String(token)) else { return String(token) }
                return String(c[8..<10]) + "/" + String(c[5..<7]) + "/" + String(c[0..<4])
            }.joined(separator: " ")
            if let problem = PatientQuery.parse(text).dateProblem { Term.err(problem.message(L)) }
            let vault = try global.signIn().vault
            defer { vault.signOut() }
            let hits = try vault.practice().patients.search(text)
            if global.json {
                try PatientInput.printJSON(hits.map { p -> [String: Any] in
                    ["id": p.id, "name": p.displayName, "birthDate": p.birthDate.iso, "sex": PatientInput.letter(p.sex),
                     "deceased": p.flags.deceasedOn != nil, "limited": p.flags.limited, "legalHold": p.flags.legalHold]
                })
            } else {
                for p in hits {
                    Term.out([PatientInput.pad(String(p.id), 6), PatientInput.pad(p.displayName, 36),
                              p.birthDate.formatted, L.text(p.sex.messageKey)].joined(separator: "  "))
                }
            }
            if hits.isEmpty { Term.err(L.text("patient.none")) }
        }
    }

    struct Show: ParsableCommand {
        static var configuration: CommandConfiguration { CommandConfiguration(abstract: L.text("help.patient.show")) }
        @OptionGroup var global: GlobalOptions
        @Argument(help: ArgumentHelp(L.text("help.arg.patient_id"), valueName: "id"))
        var patientID: String
        @Flag(name: .customLong("history"), help: ArgumentHelp(L.text("help.opt.history")))
        var history = false

        func run() throws {
            let id = try PatientInput.patientID(patientID)
            let vault = try global.signIn().vault
            defer { vault.signOut() }
            let record = try vault.practice().patients.record(id)
            // Clinical content only for a role that may read it; the
            // secretary's session could not decrypt it anyway. A correction
            // never erases the original: the corrected entries come too.
            let all: [ClinicalEntry]? = vault.practice().patients.seesClinical
                ? try vault.practice().patients.entries(patient: id, includeSuperseded: true) : nil
            let correctedIDs = Set((all ?? []).compactMap(\.supersedes))
            let clinical = all?.filter { !correctedIDs.contains($0.id) }
            let corrected = all?.filter { correctedIDs.contains($0.id) }
            let versions = history || global.json ? try vault.practice().patients.identityVersions(id) : []
            if global.json {
                var object = PatientView.json(record, clinical: clinical)
                if let corrected { object["superseded"] = corrected.map(PatientView.entryJSON) }
                object["versions"] = versions.map { v -> [String: Any] in
                    ["version": v.version, "at": AuditFormat.iso(v.at), "author": v.author,
                     "identity": PatientView.identityJSON(v.identity)]
                }
                try PatientInput.printJSON(object)
            } else {
                for line in PatientView.identityLines(record, today: CivilDate(Date())) { Term.out(line) }
                if let clinical {
                    Term.out("")
                    for line in PatientView.clinicalLines(clinical) { Term.out(line) }
                }
                if history {
                    Term.out("")
                    Term.out(L.text("patient.history_title"))
                    for v in versions {
                        Term.out("  " + L.text("patient.history_version", ["n": String(v.version), "date": PracticeClock.stamp(v.at),
                                                                          "author": v.author]))
                        for line in PatientView.identityLines(PatientRecord(id: record.id, identity: v.identity, flags: PatientFlags(),
                                                                             version: v.version, createdAt: v.at, createdBy: v.author),
                                                              today: CivilDate(Date())).dropFirst().dropLast() {
                            Term.out("  " + line)
                        }
                    }
                    if let corrected {
                        Term.out(L.text("patient.history_corrected"))
                        if corrected.isEmpty { Term.out("  " + L.text("clinical.none")) }
                        for line in PatientView.clinicalLines(corrected).dropFirst() { Term.out(line) }
                    }
                }
            }
            if clinical == nil { Term.err(L.text("patient.clinical_reserved")) }
        }
    }
}

/// What `patient show` prints.
enum PatientView {
    static func identityLines(_ r: PatientRecord, today: CivilDate) -> [String] {
        let p = r.identity
        let ageOn = r.flags.deceasedOn ?? today
        var rows: [(String, String)] = [
            ("patient.field.birth_name", p.birthName), ("patient.field.used_name", p.usedName),
            ("patient.field.first_names", p.firstNames), ("patient.field.sex", L.text(p.sex.messageKey)),
            ("patient.field.birth_date", L.text("patient.birth_with_age",
                                               ["date": p.birthDate.formatted, "age": String(p.birthDate.age(on: ageOn))])),
            ("patient.field.birth_place", p.birthPlace), ("patient.field.address_line1", p.addressLine1),
            ("patient.field.address_line2", p.addressLine2), ("patient.field.postcode", p.postcode),
            ("patient.field.city", p.city),
            ("patient.field.phone", (try? PhoneNumber(p.phone))?.formatted ?? p.phone),
            ("patient.field.mobile", (try? PhoneNumber(p.mobile))?.formatted ?? p.mobile),
            ("patient.field.email", p.email), ("patient.field.profession", p.profession),
        ]
        if !p.ins.isEmpty { rows.append(("patient.field.ins", p.ins + " (" + L.text(p.insStatus.messageKey) + ")")) }
        // The secretary sees the NIR too: billing is part of her missions.
        rows.append(("patient.field.nir", (try? NIR(p.nir))?.formatted ?? p.nir))
        let shown = rows.filter { !$0.1.isEmpty }.map { (L.text($0.0), $0.1) }
        let width = shown.map(\.0.count).max() ?? 0
        var lines = [L.text("patient.title", ["id": String(r.id), "name": p.displayName])]
        lines += shown.map { "  " + PatientInput.pad($0.0, width) + " : " + $0.1 }
        if let d = r.flags.deceasedOn { lines.append("  " + L.text("patient.flag.deceased", ["date": d.formatted])) }
        if r.flags.limited { lines.append("  " + L.text("patient.flag.limited")) }
        if r.flags.legalHold { lines.append("  " + L.text("patient.flag.legal_hold")) }
        lines.append("  " + L.text("patient.created", ["date": CivilDate(r.createdAt).formatted, "author": r.createdBy,
                                                      "version": String(r.version)]))
        return lines
    }

    /// The fields shown per kind (a document's title, not its file details).
    static func shownFields(_ kind: ClinicalKind) -> [String] {
        kind == .document ? ["title"] : kind.fields
    }

    static func clinicalLines(_ entries: [ClinicalEntry]) -> [String] {
        var lines = [L.text("clinical.title")]
        if entries.isEmpty { return lines + ["  " + L.text("clinical.none")] }
        for kind in ClinicalKind.allCases {
            let ofKind = entries.filter { $0.kind == kind }
            guard !ofKind.isEmpty else { continue }
            lines.append(L.text("clinical.kind.\(kind.rawValue)"))
            for e in ofKind {
                let head = L.text(e.supersedes == nil ? "clinical.entry" : "clinical.entry_corrected",
                                  ["date": e.occurredOn.formatted, "author": e.author])
                lines.append("  " + head)
                for name in shownFields(kind) {
                    guard let value = e.fields[name], !value.isEmpty else { continue }
                    let label = L.text("clinical.field.\(name)")
                    let indent = String(repeating: " ", count: 4 + label.count + 3)
                    let parts = value.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
                    lines.append("    " + label + " : " + (parts.first ?? ""))
                    lines += parts.dropFirst().map { indent + $0 }
                }
            }
        }
        return lines
    }

    static func entryJSON(_ e: ClinicalEntry) -> [String: Any] {
        ["id": e.id, "kind": e.kind.rawValue, "date": e.occurredOn.iso, "author": e.author,
         "at": AuditFormat.iso(e.at), "supersedes": e.supersedes ?? NSNull(), "fields": e.fields]
    }

    static func identityJSON(_ p: PatientIdentity) -> [String: Any] {
        [
            "birthName": p.birthName, "usedName": p.usedName, "firstNames": p.firstNames,
            "displayName": p.displayName, "sex": PatientInput.letter(p.sex), "birthDate": p.birthDate.iso,
            "birthPlace": p.birthPlace, "addressLine1": p.addressLine1, "addressLine2": p.addressLine2,
            "postcode": p.postcode, "city": p.city, "phone": p.phone, "mobile": p.mobile, "email": p.email,
            "profession": p.profession, "ins": p.ins, "insStatus": p.insStatus.rawValue, "nir": p.nir,
        ]
    }

    static func json(_ r: PatientRecord, clinical: [ClinicalEntry]?) -> [String: Any] {
        let p = r.identity
        let identity: [String: Any] = [
            "birthName": p.birthName, "usedName": p.usedName, "firstNames": p.firstNames,
            "displayName": p.displayName, "sex": PatientInput.letter(p.sex), "birthDate": p.birthDate.iso,
            "birthPlace": p.birthPlace, "addressLine1": p.addressLine1, "addressLine2": p.addressLine2,
            "postcode": p.postcode, "city": p.city, "phone": p.phone, "mobile": p.mobile, "email": p.email,
            "profession": p.profession, "ins": p.ins, "insStatus": p.insStatus.rawValue, "nir": p.nir,
        ]
        var object: [String: Any] = [
            "id": r.id, "identity": identity, "version": r.version, "createdBy": r.createdBy,
            "createdAt": AuditFormat.iso(r.createdAt),
            "flags": ["deceasedOn": r.flags.deceasedOn?.iso ?? NSNull(), "limited": r.flags.limited,
                      "legalHold": r.flags.legalHold] as [String: Any],
        ]
        if let clinical {
            object["clinical"] = clinical.map { e -> [String: Any] in
                ["id": e.id, "kind": e.kind.rawValue, "date": e.occurredOn.iso, "author": e.author,
                 "at": AuditFormat.iso(e.at), "supersedes": e.supersedes ?? NSNull(), "fields": e.fields]
            }
        }
        return object
    }
}

struct EncounterCommand: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: "encounter", abstract: L.text("help.encounter"), subcommands: [Add.self])
    }

    struct Add: ParsableCommand {
        static var configuration: CommandConfiguration { CommandConfiguration(abstract: L.text("help.encounter.add")) }
        @OptionGroup var global: GlobalOptions
        @Argument(help: ArgumentHelp(L.text("help.arg.patient_id"), valueName: "patient-id"))
        var patientID: String
        @Option(name: .customLong("date"), help: ArgumentHelp(L.text("help.opt.encounter_date"), valueName: "YYYY-MM-DD"))
        var date: String?
        @Option(name: .customLong("reason"), help: ArgumentHelp(L.text("help.opt.reason"), valueName: "text"))
        var reason: String
        @Option(name: .customLong("exam"), help: ArgumentHelp(L.text("help.opt.exam"), valueName: "text"))
        var exam: String?
        @Option(name: .customLong("conclusion"), help: ArgumentHelp(L.text("help.opt.conclusion"), valueName: "text"))
        var conclusion: String?
        @Option(name: .customLong("prescription"), help: ArgumentHelp(L.text("help.opt.prescription"), valueName: "line"))
        var prescriptions: [String] = []
        @Option(name: .customLong("corrects"), help: ArgumentHelp(L.text("help.opt.corrects"), valueName: "entry-id"))
        var corrects: String?

        /// The day of the consultation: today by default, never in the future.
        func day(today: CivilDate) throws -> CivilDate {
            guard let date else { return today }
            let day: CivilDate
            do throws(DateProblem) {
                day = try PatientInput.day(date)
            } catch {
                throw CabinetError.usage(key: error == .impossible ? "date.impossible" : "error.encounter_date")
            }
            if day > today { throw CabinetError.usage(key: "error.encounter_future") }
            if day < FrenchDate.earliestBirthDate { throw CabinetError.usage(key: "error.encounter_date") }
            return day
        }

        /// The consultation's fields, checked; every problem is reported.
        func fields() throws -> [String: String] {
            let kind = ClinicalKind.consultation
            var ok = true
            for line in prescriptions {
                ok = PatientInput.checkText(line, labelKey: "clinical.field.prescriptions", multiline: false,
                                            maxLength: PatientField.prescriptionLine.maxLength) && ok
            }
            let linesOK = ok
            let lines = prescriptions.map { FieldText.sanitize($0, for: .prescriptionLine).text }.filter { !$0.isEmpty }
            var fields: [String: String] = ["reason": reason]
            if let exam { fields["examination"] = exam }
            if let conclusion { fields["conclusion"] = conclusion }
            if !lines.isEmpty { fields["prescriptions"] = lines.joined(separator: "\n") }
            for name in kind.fields where name != "prescriptions" || linesOK {
                guard let value = fields[name] else { continue }
                ok = PatientInput.checkText(value, labelKey: "clinical.field.\(name)", multiline: kind.isMultiline(name),
                                            maxLength: kind.maxLength(name)) && ok
            }
            if FieldText.sanitize(reason, multiline: false, maxLength: kind.maxLength("reason")).text.isEmpty {
                Term.err(L.text("encounter.error.reason"))
                ok = false
            }
            if !ok { throw CabinetError.usage(key: "error.nothing_saved") }
            return fields
        }

        func run() throws {
            let id = try PatientInput.patientID(patientID)
            let day = try day(today: CivilDate(Date()))
            let fields = try fields()
            let vault = try global.signIn().vault
            defer { vault.signOut() }
            // A correction is a new entry that supersedes the original, which
            // is kept (`patient show --history`).
            let supersedes = try corrects.map { try PatientInput.patientID($0) }
            let entry = try vault.practice().patients.addEntry(patient: id, kind: .consultation, occurredOn: day, fields: fields,
                                                   supersedes: supersedes)
            if global.json {
                try PatientInput.printJSON(["id": entry])
            } else {
                Term.out(String(entry))
            }
        }
    }
}
