import CabinetCore
import Foundation
import TerminalUI

/// One entry of a form: a single-line editor with a cursor, a purpose (its
/// label's catalogue key) and a length.
public struct FormField: Codable, Equatable, Sendable {
    public let id: String
    /// Catalogue key of the label.
    public let label: String
    /// Always in Unicode NFC: a letter and its combining accent typed or
    /// pasted apart (NFD, as Mac documents and many e-mails send them) are
    /// one character here, as they are on screen and in the vault.
    public private(set) var value: String = ""
    /// Cursor position, in characters (grapheme clusters) of `value`:
    /// between 0 and `value.count`, whatever arrives.
    public private(set) var cursor: Int = 0
    public let maxLength: Int
    /// Never drawn (passphrases): neither the text nor its length. A
    /// secret field keeps its text in `secretText` (wipeable bytes, never a
    /// `String` kept in the state); `value` stays empty.
    public let secret: Bool
    public let required: Bool
    public private(set) var secretText = Passphrase()

    /// A secret field's text is never written to a draft (`Passphrase` is
    /// not `Codable`): a restored draft's secret fields are empty.
    enum CodingKeys: String, CodingKey { case id, label, value, cursor, maxLength, secret, required }

    public init(_ id: String, label: String, maxLength: Int = 80, secret: Bool = false, required: Bool = false,
                value: String = "") {
        self.id = id
        self.label = label
        self.maxLength = maxLength
        self.secret = secret
        self.required = required
        set(value)
    }

    public mutating func set(_ text: String) {
        if secret {
            secretText.wipe()
            secretText.append(FormField.clean(text), maxCharacters: maxLength)
            return
        }
        value = String(FormField.clean(text).prefix(maxLength))
        cursor = value.count
    }

    /// Characters typed (a secret field's too).
    public var length: Int { secret ? secretText.count : value.count }
    public var isEmpty: Bool { secret ? secretText.isEmpty : value.isEmpty }

    /// Zeroes a secret field's bytes.
    public mutating func wipeSecret() { secretText.wipe() }

    /// What may be typed or pasted into a single-line field: no control
    /// characters, no escape sequences (the ESC that starts one is dropped
    /// here; keys never deliver the rest as characters), tabs as spaces.
    static func clean(_ text: String) -> String {
        String(text.compactMap { ch -> Character? in
            if ch == "\t" { return " " }
            if ch.isNewline { return nil }
            if ch.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) { return nil }
            return ch
        }).precomposedStringWithCanonicalMapping
    }

    /// Inserts text at the cursor; returns false when it had to be cut.
    /// A combining mark arriving alone (one key of a decomposed paste)
    /// joins the character before the cursor: the value is re-composed and
    /// the cursor counted again in the value's own characters.
    @discardableResult
    public mutating func insert(_ text: String) -> Bool {
        let clean = FormField.clean(text)
        if secret { return secretText.append(clean, maxCharacters: maxLength) }
        cursor = min(max(cursor, 0), value.count)
        let head = String(value.prefix(cursor)), tail = String(value.dropFirst(cursor))
        // What fits, measured on the composed result (a mark adds no character).
        var kept = ""
        for ch in clean {
            let candidate = (head + kept + String(ch)).precomposedStringWithCanonicalMapping
            if candidate.count + tail.count > maxLength { break }
            kept.append(ch)
        }
        let composedHead = (head + kept).precomposedStringWithCanonicalMapping
        value = (composedHead + tail).precomposedStringWithCanonicalMapping
        cursor = min(composedHead.count, value.count)
        return kept.unicodeScalars.count == clean.unicodeScalars.count
    }

    /// Applies an editing key; returns true when the key was used.
    public mutating func edit(_ key: Key) -> Bool {
        if secret {
            // No cursor in a field that is never drawn: typing adds at the
            // end, Backspace removes the last character, Ctrl-U all.
            switch key {
            case .char(let c): insert(String(c))
            case .backspace: secretText.removeLast()
            case .ctrl("u"): secretText.wipe()
            case .delete, .ctrl("d"), .left, .right, .home, .ctrl("a"), .end, .ctrl("e"): break
            default: return false
            }
            return true
        }
        switch key {
        case .char(let c):
            insert(String(c))
        case .backspace:
            cursor = min(cursor, value.count)
            guard cursor > 0 else { return true }
            let i = value.index(value.startIndex, offsetBy: cursor - 1)
            value.remove(at: i)
            cursor -= 1
        case .delete, .ctrl("d"):
            cursor = min(cursor, value.count)
            guard cursor < value.count else { return true }
            value.remove(at: value.index(value.startIndex, offsetBy: cursor))
        case .left: cursor = max(0, cursor - 1)
        case .right: cursor = min(value.count, cursor + 1)
        case .home, .ctrl("a"): cursor = 0
        case .end, .ctrl("e"): cursor = value.count
        case .ctrl("u"):
            value = ""
            cursor = 0
        default:
            return false
        }
        return true
    }

    public var trimmed: String { value.trimmingCharacters(in: .whitespaces) }
}

/// A form: fields, the focused one, and a message under them.
public struct Form: Codable, Equatable, Sendable {
    public var fields: [FormField]
    public var focus = 0
    /// A catalogue key and its arguments, shown under the form.
    public var message: String? { didSet { failure = nil } }
    public var messageArgs: [String: String] = [:]
    /// The error the message reports, worded by the view (`KeptError`).
    public var failure: KeptError?
    /// The message is an error (drawn in the error style).
    public var messageIsError = false

    /// The values as the form was opened: what the user changed since is
    /// the input worth asking about. Nil in a draft kept by an older
    /// version: then anything in a field counts.
    public var opened: [String: String]?

    public init(_ fields: [FormField]) {
        self.fields = fields
        opened = Dictionary(fields.map { ($0.id, $0.value) }, uniquingKeysWith: { a, _ in a })
    }

    public subscript(id: String) -> String {
        get { fields.first { $0.id == id }?.value ?? "" }
        set { if let i = fields.firstIndex(where: { $0.id == id }) { fields[i].set(newValue) } }
    }

    /// A secret field's text (`self[id]` is empty for it).
    public func secret(_ id: String) -> Passphrase { fields.first { $0.id == id }?.secretText ?? Passphrase() }

    public var focusedID: String { fields.indices.contains(focus) ? fields[focus].id : "" }
    public var isLastFieldFocused: Bool { focus == fields.count - 1 }
    /// Something was typed or changed since the form was opened (a draft
    /// worth keeping, an Échap or a quit worth asking about); a form opened
    /// with its values and left as it was has none.
    public var hasInput: Bool { fields.contains { $0.value != (opened?[$0.id] ?? "") || !$0.secretText.isEmpty } }
    /// The first required field left empty.
    public var firstMissing: Int? { fields.firstIndex { $0.required && $0.trimmed.isEmpty } }

    public mutating func next() { focus = (focus + 1) % max(fields.count, 1) }
    public mutating func previous() { focus = (focus - 1 + fields.count) % max(fields.count, 1) }
    public mutating func focus(_ id: String) { if let i = fields.firstIndex(where: { $0.id == id }) { focus = i } }

    public mutating func fail(_ key: String, _ args: [String: String] = [:]) {
        message = key
        messageArgs = args
        messageIsError = true
    }

    /// Shows `error` under the form (kept typed: worded by the view).
    public mutating func fail(_ error: CabinetError) {
        fail("signin.error")
        failure = KeptError(error)
    }

    /// Typing into the focused field (Tab and Enter are the caller's).
    public mutating func edit(_ key: Key) -> Bool {
        guard fields.indices.contains(focus) else { return false }
        let used: Bool
        if key == .up { previous(); return true }
        if key == .down { next(); return true }
        let before = fields[focus].value, beforeSecret = fields[focus].secretText
        used = fields[focus].edit(key)
        if used, case .char = key { message = nil }
        // Said only when a character was refused, not on reaching the limit
        // (a combining mark that joins the last letter changes the value).
        if used, fields[focus].value == before, fields[focus].secretText == beforeSecret,
           fields[focus].length >= fields[focus].maxLength, case .char = key {
            message = "form.too_long"
            messageArgs = ["max": String(fields[focus].maxLength)]
            messageIsError = false
        }
        return used
    }

    public mutating func paste(_ text: String) {
        guard fields.indices.contains(focus) else { return }
        // As typing does: a question about the values before no longer stands.
        message = nil
        if !fields[focus].insert(text) {
            message = "form.too_long"
            messageArgs = ["max": String(fields[focus].maxLength)]
            messageIsError = false
        }
    }

    /// Wipes secret fields (at a lock, after use).
    public mutating func wipeSecrets() {
        for i in fields.indices where fields[i].secret { fields[i].wipeSecret() }
    }
}

/// Draws `form` inside `rect`: a label column and an underlined entry per
/// field; secret fields show only that something was typed; the focused
/// field shows its cursor. Returns the row after the last field.
@discardableResult
func drawForm(_ form: Form, in rect: Rect, labelWidth: Int, _ c: Catalog, _ canvas: inout Canvas) -> Int {
    var y = rect.y
    for (i, field) in form.fields.enumerated() where y < rect.y + rect.height {
        let focused = i == form.focus
        var label = c.text(field.label)
        if field.required { label += " *" }
        canvas.put(label, x: rect.x, y: y, style: focused ? Style(.normal, bold: true) : .normal, maxWidth: labelWidth - 1)
        let fx = rect.x + labelWidth, fw = max(4, rect.width - labelWidth - 1)
        canvas.fill(Rect(x: fx, y: y, width: fw, height: 1), style: Style(.input, underline: true))
        if field.secret {
            canvas.put(field.isEmpty ? "" : c.text("signin.typed"), x: fx, y: y,
                       style: Style(.input, underline: true), maxWidth: fw)
        } else {
            // Scroll so that the cursor stays visible.
            let chars = Array(field.value)
            // A draft saved by an older version may hold any cursor.
            let cursor = min(max(field.cursor, 0), chars.count)
            let start = max(0, cursor - (fw - 1))
            let visible = String(chars[min(start, chars.count)...])
            canvas.put(visible, x: fx, y: y, style: Style(.input, bold: focused, underline: true), maxWidth: fw)
            if focused {
                let before = String(chars[min(start, chars.count)..<cursor])
                let cx = fx + DisplayWidth.of(before)
                let under = cursor < chars.count ? String(chars[cursor]) : " "
                if cx < fx + fw { canvas.put(under, x: cx, y: y, style: Style(.input, reverse: true)) }
            }
        }
        if focused { canvas.put("◂", x: fx + fw, y: y, style: Style(.keyHint)) }
        y += 1
    }
    return y
}

/// Draws the form's message (wrapped, at most `lines` lines) from row `y`;
/// the callers leave room for it whole.
func drawMessage(_ form: Form, x: Int, y: Int, width: Int, lines: Int = 4, _ c: Catalog, _ canvas: inout Canvas) {
    guard let m = form.message else { return }
    let style = form.messageIsError ? Style(.error, bold: true) : Style(.warning)
    var row = y
    for line in wrap(c.notice(m, form.messageArgs, form.failure), width: width).prefix(lines) {
        canvas.put(line, x: x, y: row, style: style, maxWidth: width)
        row += 1
    }
}

extension Form: KeepsMessage {}
