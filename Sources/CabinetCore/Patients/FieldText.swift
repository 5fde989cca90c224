import Foundation

/// Text after sanitising, with what the UI may need to tell the user.
public struct SanitizedText: Sendable, Equatable {
    public let text: String
    /// The text was longer than the field allows and its end was cut.
    public let truncated: Bool
    /// Control characters or terminal escape sequences were removed.
    public let removedControls: Bool
    /// The field's maximum, in characters.
    public let maxLength: Int

    /// What to tell the user, if anything.
    public var notices: [FieldTextNotice] {
        (truncated ? [.truncated(maxLength: maxLength)] : []) + (removedControls ? [.controlsRemoved] : [])
    }
}

/// What the UI says after sanitising.
public enum FieldTextNotice: Sendable, Equatable, CatalogueMessage {
    /// Cut to the field's length; the message names the maximum.
    case truncated(maxLength: Int)
    /// Control characters or escape sequences removed.
    case controlsRemoved

    public var messageKey: String {
        switch self {
        case .truncated: return "text.truncated"
        case .controlsRemoved: return "text.controls_removed"
        }
    }

    public func message(_ catalog: Catalog) -> String {
        switch self {
        case .truncated(let max): return catalog.text(messageKey, ["max": String(max)])
        case .controlsRemoved: return catalog.text(messageKey)
        }
    }
}

/// Cleans text typed or pasted into a field before it is kept.
///
/// A terminal application receives pasted bytes as they are: escape
/// sequences that would recolour or retitle the screen when the record is
/// displayed again, C1 controls, bidirectional overrides that would reorder
/// what the doctor reads. Rules:
/// - whole escape sequences are removed, not just the ESC: CSI
///   (`ESC [` parameters, intermediates, final byte 0x40–0x7E), OSC
///   (`ESC ]` … BEL or ST), the other string sequences DCS/SOS/PM/APC
///   (`ESC P`, `ESC X`, `ESC ^`, `ESC _` … ST), and two-character `ESC x`
///   (with its intermediates), after ECMA-48; their 8-bit C1 forms too;
///   CAN and SUB cancel a sequence, as terminals do;
/// - every other C0 and C1 control and DEL is removed, as are the
///   bidirectional embedding, override and isolate controls and the BOM;
/// - newlines (CR LF, CR, LF, U+2028, U+2029 → LF) and tabs are kept in
///   multi-line fields; in single-line fields a newline or a tab becomes a
///   space;
/// - the result is in Unicode NFC, single-line text is trimmed;
/// - the length is counted in characters (grapheme clusters) and cut at
///   the field's maximum, which `truncated` reports.
public enum FieldText {
    public static func sanitize(_ raw: String, multiline: Bool, maxLength: Int) -> SanitizedText {
        var (cleaned, removed) = stripControls(raw, multiline: multiline)
        cleaned = cleaned.precomposedStringWithCanonicalMapping
        if !multiline { cleaned = cleaned.trimmingWhitespace() }
        var truncated = false
        if cleaned.count > maxLength {
            cleaned = String(cleaned.prefix(max(0, maxLength)))
            if !multiline { cleaned = cleaned.trimmingWhitespace() }
            truncated = true
        }
        return SanitizedText(text: cleaned, truncated: truncated, removedControls: removed, maxLength: maxLength)
    }

    /// Sanitises for one of the patient file's fields.
    public static func sanitize(_ raw: String, for field: PatientField) -> SanitizedText {
        sanitize(raw, multiline: field.isMultiline, maxLength: field.maxLength)
    }

    private enum State {
        case text
        case escape            // after ESC
        case escapeIntermediate // ESC followed by 0x20–0x2F
        case csi               // control sequence body
        case string            // OSC/DCS/SOS/PM/APC body, until BEL or ST
        case stringEscape      // ESC inside a string: `\` ends it
        case carriageReturn    // CR seen, LF may follow
    }

    static func stripControls(_ raw: String, multiline: Bool) -> (String, Bool) {
        var out = String.UnicodeScalarView()
        var removed = false
        var state = State.text
        let newline: Unicode.Scalar = multiline ? "\n" : " "

        for s in raw.unicodeScalars {
            let v = s.value
            switch state {
            case .escape:
                switch v {
                case 0x1B: break                                     // ESC ESC: still escaping
                case 0x18, 0x1A: state = .text                       // CAN, SUB: cancelled
                case 0x5B: state = .csi                              // [
                case 0x5D, 0x50, 0x58, 0x5E, 0x5F: state = .string   // ] P X ^ _
                case 0x20...0x2F: state = .escapeIntermediate
                default: state = .text                               // ESC x: x dropped
                }
                continue
            case .escapeIntermediate:
                if !(0x20...0x2F).contains(v) { state = .text }
                continue
            case .csi:
                if (0x40...0x7E).contains(v) || v == 0x18 || v == 0x1A { state = .text; continue }
                if (0x20...0x3F).contains(v) { continue }
                state = .text // malformed: the sequence ends, this scalar is read anew
            case .string:
                if v == 0x07 || v == 0x9C || v == 0x18 || v == 0x1A {
                    state = .text
                } else if v == 0x1B {
                    state = .stringEscape
                }
                continue
            case .stringEscape:
                state = v == 0x5C ? .text : .string
                continue
            case .carriageReturn:
                state = .text
                if v == 0x0A { continue } // CR LF: one newline, already written
            case .text:
                break
            }

            switch v {
            case 0x1B:
                removed = true
                state = .escape
            case 0x9B:
                removed = true
                state = .csi
            case 0x9D, 0x90, 0x98, 0x9E, 0x9F:
                removed = true
                state = .string
            case 0x0A, 0x2028, 0x2029:
                out.append(newline)
            case 0x0D:
                out.append(newline)
                state = .carriageReturn
            case 0x09:
                out.append(multiline ? "\t" : " ")
            case 0x00...0x1F, 0x7F...0x9F, 0x202A...0x202E, 0x2066...0x2069, 0xFEFF:
                removed = true
            default:
                out.append(s)
            }
        }
        if state != .text && state != .carriageReturn { removed = true }
        return (String(out), removed)
    }
}

/// The free-text fields of the patient file, each with a purpose (its
/// label) and a length: free text is framed (002 l.293: avoid free comment
/// zones or frame them strictly); there is no catch-all comment field.
/// Family situation (marital status, number of children) is structured,
/// not text, and so is absent here.
public enum PatientField: String, Sendable, CaseIterable {
    // Identity and contact (002 §5 a, l.94)
    case birthName = "birth_name"
    case usedName = "used_name"
    case firstNames = "first_names"
    case birthPlace = "birth_place"
    case addressLine1 = "address_line1"
    case addressLine2 = "address_line2"
    case postcode
    case city
    case country
    case phone
    case mobile
    case email
    // Professional situation (002 §5 e, l.98)
    case profession
    // Health (002 §5 f, l.99)
    case antecedent
    case allergy
    case treatment
    case consultationReason = "consultation_reason"
    case examination
    case conclusion
    case prescriptionLine = "prescription_line"
    case documentTitle = "document_title"

    /// The catalogue key of the field's label.
    public var labelKey: String { "patient.field.\(rawValue)" }

    /// The longest text accepted, in characters.
    public var maxLength: Int {
        switch self {
        case .birthName, .usedName: return 80
        case .firstNames: return 120
        case .birthPlace, .city, .profession: return 80
        case .addressLine1, .addressLine2, .documentTitle: return 120
        case .postcode: return 10
        case .country: return 60
        case .phone, .mobile: return 20
        case .email: return 254
        case .antecedent, .allergy, .treatment: return 200
        case .consultationReason, .prescriptionLine: return 200
        case .examination, .conclusion: return 4000
        }
    }

    /// Whether newlines (and tabs) are kept.
    public var isMultiline: Bool { self == .examination || self == .conclusion }

    /// Whether the field is clinical (doctors only; PRODUCT.md "Access").
    public var isClinical: Bool {
        switch self {
        case .antecedent, .allergy, .treatment, .consultationReason, .examination,
             .conclusion, .prescriptionLine, .documentTitle:
            return true
        default:
            return false
        }
    }
}
