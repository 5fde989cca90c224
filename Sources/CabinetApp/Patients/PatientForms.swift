import CabinetCore
import Foundation
import TerminalUI

// The identity form: its fields and how it is read and checked.

// MARK: - Identity form

/// "yes" and "no" as typed into a form, in the interface's language.
func yesNo(_ value: Bool, _ language: Language?) -> String {
    Catalog.cached(language ?? Language.fromEnvironment()).text(value ? "form.yes" : "form.no")
}

/// A phone number as people write it (`06 12 34 56 78`); the stored form
/// has no spaces, so saving it untouched changes nothing.
func shownPhone(_ stored: String) -> String {
    (try? PhoneNumber(stored))?.formatted ?? stored
}

func identityForm(_ p: PatientIdentity? = nil, language: Language? = nil) -> Form {
    Form([
        FormField("birth_name", label: "patient.field.birth_name", maxLength: 80, required: true, value: p?.birthName ?? ""),
        FormField("used_name", label: "patient.field.used_name", maxLength: 80, value: p?.usedName ?? ""),
        FormField("first_names", label: "patient.field.first_names", maxLength: 120, required: true, value: p?.firstNames ?? ""),
        FormField("sex", label: "patients.field.sex", maxLength: 1, required: true, value: p?.sex.rawValue ?? ""),
        FormField("birth_date", label: "patients.field.birth_date", maxLength: 10, required: true, value: p?.birthDate.formatted ?? ""),
        FormField("birth_place", label: "patient.field.birth_place", maxLength: 80, value: p?.birthPlace ?? ""),
        FormField("address_line1", label: "patient.field.address_line1", maxLength: 120, value: p?.addressLine1 ?? ""),
        FormField("address_line2", label: "patient.field.address_line2", maxLength: 120, value: p?.addressLine2 ?? ""),
        FormField("postcode", label: "patient.field.postcode", maxLength: 10, value: p?.postcode ?? ""),
        FormField("city", label: "patient.field.city", maxLength: 80, value: p?.city ?? ""),
        FormField("phone", label: "patient.field.phone", maxLength: 20, value: p.map { shownPhone($0.phone) } ?? ""),
        FormField("mobile", label: "patient.field.mobile", maxLength: 20, value: p.map { shownPhone($0.mobile) } ?? ""),
        FormField("email", label: "patient.field.email", maxLength: 254, value: p?.email ?? ""),
        FormField("profession", label: "patient.field.profession", maxLength: 80, value: p?.profession ?? ""),
        FormField("nir", label: "patients.field.nir", maxLength: 21, value: p.map { $0.nir.isEmpty ? "" : (try? NIR($0.nir))?.formatted ?? $0.nir } ?? ""),
        FormField("ins", label: "patients.field.ins", maxLength: 15, value: p?.ins ?? ""),
        FormField("consent", label: "patients.field.consent", maxLength: 3, value: yesNo(p?.lifestyleConsent ?? false, language)),
    ])
}

/// Reads the identity form; on a problem, says which field and why.
func identity(from form: inout Form, today: CivilDate, keeping old: PatientIdentity?) -> PatientIdentity? {
    // The same list as the command line (`Sex.parse`).
    guard let sex = Sex.parse(form["sex"]) else {
        form.focus("sex")
        form.fail("patients.error.sex")
        return nil
    }
    let birth: CivilDate
    do { birth = try FrenchDate.parseBirthDate(form["birth_date"], today: today) } catch {
        form.focus("birth_date")
        form.fail(error.messageKey)
        return nil
    }
    let consent = form["consent"].lowercased()
    var p = old ?? PatientIdentity(birthName: "", firstNames: "", sex: sex, birthDate: birth)
    p.birthName = form["birth_name"]
    p.usedName = form["used_name"]
    p.firstNames = form["first_names"]
    p.sex = sex
    p.birthDate = birth
    p.birthPlace = form["birth_place"]
    p.addressLine1 = form["address_line1"]
    p.addressLine2 = form["address_line2"]
    p.postcode = form["postcode"]
    p.city = form["city"]
    p.phone = form["phone"]
    p.mobile = form["mobile"]
    p.email = form["email"]
    p.profession = form["profession"]
    p.nir = form["nir"]
    p.ins = form["ins"]
    p.lifestyleConsent = consent.hasPrefix("o") || consent.hasPrefix("y")
    p = p.sanitized()
    if let problem = p.problems(today: today).first {
        form.focus(problem.field == "address" ? "address_line1" : problem.field)
        form.fail(problem.key)
        return nil
    }
    // A birth long ago (1900 typed for 2000) is asked once: saved on a
    // second F9 only for the date the message named. A date already on
    // file is not asked again.
    if birth != old?.birthDate, FrenchDate.isUnusualBirthDate(birth, today: today),
       form.message != "patients.birth_unusual" || form.messageArgs["date"] != birth.iso {
        form.focus("birth_date")
        form.message = "patients.birth_unusual"
        form.messageArgs = ["age": String(birth.age(on: today)), "date": birth.iso]
        form.messageIsError = false
        return nil
    }
    return p
}
