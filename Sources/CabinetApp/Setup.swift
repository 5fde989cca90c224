import CabinetCore
import Foundation
import TerminalUI

/// The first run, inside the interface: create the cabinet (the doctor's
/// identity, the passphrase with the policy's live feedback, the recovery
/// key shown once and confirmed, optionally the secretary's account), or
/// open the demonstration cabinet.
extension SetupState {
    /// The policy for the passphrase being chosen: the login and name typed
    /// at the identity step are the words it must not lean on (as the
    /// store checks them at creation).
    var passphrasePolicy: PassphrasePolicy {
        PassphrasePolicy.forAccount(login: identity["login"], doctorName: identity["name"].trimmingCharacters(in: .whitespaces))
    }
}

public struct SetupState: Codable, Equatable, Sendable {
    public enum Step: String, Codable, Sendable {
        case welcome, identity, passphrase, recoveryKey, confirmKey, secretary, secretaryCreated, done
    }
    public var step: Step = .welcome
    /// Welcome screen: 0 create, 1 demo.
    public var choice = 0
    public var identity = Form([
        FormField("name", label: "setup.field.name", maxLength: 80, required: true),
        // Room for the spaces printed on the CPS card ("100 034 567 86").
        FormField("rpps", label: "setup.field.rpps", maxLength: 16),
        FormField("address", label: "setup.field.address", maxLength: 160),
        FormField("phone", label: "setup.field.phone", maxLength: 20),
        FormField("email", label: "setup.field.email", maxLength: 254),
        FormField("login", label: "setup.field.login", maxLength: 32, required: true),
    ])
    public var passphrase = Form([
        FormField("new", label: "change.new", maxLength: 256, secret: true),
        FormField("confirm", label: "change.confirm", maxLength: 256, secret: true),
    ])
    /// Shown once, until two of its groups are typed back.
    public var recoveryKey: String?
    public var confirm = Form([
        FormField("first", label: "setup.field.group", maxLength: 9),
        FormField("second", label: "setup.field.group", maxLength: 9),
    ])
    /// The groups asked back (0-based).
    public static let confirmGroups = [1, 5]
    public var secretary = Form([
        FormField("login", label: "setup.field.secretary_login", maxLength: 32),
        FormField("name", label: "setup.field.secretary_name", maxLength: 80),
    ])
    public var secretaryLogin: String?
    public var secretaryPassphrase: String?
    /// A catalogue key while the services work (key derivation…).
    public var busy: String?
    /// A message on the welcome screen.
    public var message: String? { didSet { failure = nil } }
    public var messageArgs: [String: String] = [:]
    /// The error the message reports, worded by the view (`KeptError`).
    public var failure: KeptError?

    public init() {}
}

// MARK: - Rules of the identity form

enum PracticeRules {
    /// RPPS: 11 digits, the last one a Luhn check digit (the ANS's
    /// "Répertoire partagé des professionnels de santé" identifier).
    static func isValidRPPS(_ s: String) -> Bool {
        let digits = s.compactMap(\.wholeNumberValue)
        guard s.count == 11, digits.count == 11 else { return false }
        var sum = 0
        for (i, d) in digits.reversed().enumerated() {
            let v = i % 2 == 1 ? d * 2 : d
            sum += v > 9 ? v - 9 : v
        }
        return sum % 10 == 0
    }

    /// One rule each, Core's: the same the store and the patient file apply.
    static func isValidLogin(_ s: String) -> Bool { Login.isValid(s) }

    static func isValidPhone(_ s: String) -> Bool { PhoneNumber.problem(in: s) == nil }

    static func isValidEmail(_ s: String) -> Bool { EmailAddress.problem(in: s) == nil }

    /// The first problem of the identity form: (field, catalogue key).
    static func problem(_ form: Form) -> (String, String)? {
        if form["name"].trimmingCharacters(in: .whitespaces).isEmpty { return ("name", "setup.error.name") }
        let rpps = form["rpps"].filter { $0 != " " }
        if !rpps.isEmpty && !isValidRPPS(rpps) { return ("rpps", "setup.error.rpps") }
        let phone = form["phone"].trimmingCharacters(in: .whitespaces)
        if !phone.isEmpty && !isValidPhone(phone) { return ("phone", "setup.error.phone") }
        let email = form["email"].trimmingCharacters(in: .whitespaces)
        if !email.isEmpty && !isValidEmail(email) { return ("email", "setup.error.email") }
        if !isValidLogin(form["login"]) { return ("login", "setup.error.login") }
        return nil
    }
}

// MARK: - Reducer

/// Keys of the first run. Enter goes on, Esc goes back a step, F10 quits
/// (asking first once something was typed).
func handleSetup(_ key: Key, _ state: inout AppState) -> [AppEffect] {
    if state.setup.busy != nil { return [] }
    if key == .function(10) { return requestQuit(&state) }
    state.confirmQuit = false
    switch state.setup.step {
    case .welcome:
        switch key {
        case .up, .down, .tab, .backTab: state.setup.choice = 1 - state.setup.choice
        case .char("1"): state.setup.choice = 0; return goOn(&state)
        case .char("2"): state.setup.choice = 1; return goOn(&state)
        case .enter: return goOn(&state)
        default: break
        }
        return []
    case .identity:
        return formStep(key, \.setup.identity, back: { $0.setup.step = .welcome }, submit: goOn, &state)
    case .passphrase:
        return formStep(key, \.setup.passphrase, back: { s in
            s.setup.passphrase.wipeSecrets()
            s.setup.step = .identity
        }, submit: goOn, &state)
    case .recoveryKey:
        if key == .enter { state.setup.step = .confirmKey }
        return []
    case .confirmKey:
        return formStep(key, \.setup.confirm, back: { $0.setup.step = .recoveryKey }, submit: goOn, &state)
    case .secretary:
        return formStep(key, \.setup.secretary, back: { s in
            s.setup.secretary = SetupState().secretary
            finishSetup(&s)
        }, submit: goOn, &state)
    case .secretaryCreated:
        if key == .enter { finishSetup(&state) }
        return []
    case .done:
        return []
    }
}

private func formStep(_ key: Key, _ form: WritableKeyPath<AppState, Form>, back: (inout AppState) -> Void,
                      submit: (inout AppState) -> [AppEffect], _ state: inout AppState) -> [AppEffect] {
    switch key {
    case .tab: state[keyPath: form].next()
    case .backTab: state[keyPath: form].previous()
    case .escape:
        back(&state)
    case .enter:
        if state[keyPath: form].isLastFieldFocused { return submit(&state) }
        state[keyPath: form].next()
    default:
        _ = state[keyPath: form].edit(key)
    }
    return []
}

private func goOn(_ state: inout AppState) -> [AppEffect] {
    switch state.setup.step {
    case .welcome:
        if state.setup.choice == 1 {
            state.setup.busy = "setup.demo_busy"
            return [.openDemo]
        }
        state.setup.step = .identity
        state.setup.identity.focus = 0
    case .identity:
        if let (field, problem) = PracticeRules.problem(state.setup.identity) {
            state.setup.identity.focus(field)
            state.setup.identity.fail(problem)
            return []
        }
        state.setup.identity.message = nil
        state.setup.step = .passphrase
        state.setup.passphrase.focus = 0
    case .passphrase:
        let f = state.setup.passphrase
        if !state.setup.passphrasePolicy.problems(f.secret("new")).isEmpty {
            state.setup.passphrase.focus = 0
            state.setup.passphrase.fail("change.weak")
            return []
        }
        guard f.secret("new") == f.secret("confirm") else {
            state.setup.passphrase.fields[1].wipeSecret()
            state.setup.passphrase.focus = 1
            state.setup.passphrase.fail("change.mismatch")
            return []
        }
        let id = state.setup.identity
        let identity = PracticeIdentity(doctorName: id["name"].trimmingCharacters(in: .whitespaces),
                                        rpps: id["rpps"].filter { $0 != " " },
                                        address: id["address"].trimmingCharacters(in: .whitespaces),
                                        phone: id["phone"].trimmingCharacters(in: .whitespaces),
                                        email: id["email"].trimmingCharacters(in: .whitespaces))
        let passphrase = f.secret("new")
        state.setup.passphrase.wipeSecrets()
        state.setup.busy = "setup.creating"
        return [.createCabinet(identity, login: id["login"], passphrase: passphrase)]
    case .confirmKey:
        guard let key = state.setup.recoveryKey else { return [] }
        let groups = key.split(separator: "-").map(String.init)
        let typed = [state.setup.confirm["first"], state.setup.confirm["second"]]
        for (i, g) in SetupState.confirmGroups.enumerated() where groups.indices.contains(g) {
            if normaliseGroup(typed[i]) != groups[g] {
                state.setup.confirm.focus = i
                state.setup.confirm.fail("setup.error.group", ["n": String(g + 1)])
                return []
            }
        }
        // Typed back: the key leaves the memory and the screen.
        state.setup.recoveryKey = nil
        state.setup.confirm = SetupState().confirm
        state.setup.step = .secretary
    case .secretary:
        let login = state.setup.secretary["login"].trimmingCharacters(in: .whitespaces)
        if login.isEmpty {
            finishSetup(&state)
            return []
        }
        guard PracticeRules.isValidLogin(login), login != state.session?.login else {
            state.setup.secretary.focus(("login"))
            state.setup.secretary.fail("setup.error.login")
            return []
        }
        let name = state.setup.secretary["name"].trimmingCharacters(in: .whitespaces)
        state.setup.busy = "setup.secretary_busy"
        return [.admin(.createAccount(login: login, displayName: name.isEmpty ? nil : name, role: .secretary))]
    case .recoveryKey, .secretaryCreated, .done:
        break
    }
    return []
}

/// Crockford base32 as people type it: case, spaces, O for 0, I and L for 1.
func normaliseGroup(_ s: String) -> String {
    String(s.uppercased().compactMap { ch -> Character? in
        switch ch {
        case " ", "-": return nil
        case "O": return "0"
        case "I", "L": return "1"
        default: return ch
        }
    })
}

func finishSetup(_ state: inout AppState) {
    state.setup = SetupState()
    state.setup.step = .done
    state.route = .main(.agenda)
    state.status = "setup.ready"
    state.statusArgs = [:]
}

// MARK: - View

func drawSetup(_ state: AppState, _ c: Catalog, _ canvas: inout Canvas) {
    let w = canvas.columns
    let boxWidth = min(72, w - 2), inner = boxWidth - 4
    let x0 = (w - boxWidth) / 2, y0 = 2
    let height = max(10, canvas.rows - 4)
    let s = state.setup
    canvas.box(Rect(x: x0, y: y0, width: boxWidth, height: height), style: Style(.border))
    canvas.put(" " + c.text("setup.title.\(s.step.rawValue)") + " ", x: x0 + 2, y: y0, style: Style(.title, bold: true))
    var y = y0 + 2
    let bottom = y0 + height - 1
    func para(_ text: String, _ style: Style = .normal, max lines: Int = 6) {
        for line in wrap(text, width: inner).prefix(lines) where y < bottom {
            canvas.put(line, x: x0 + 2, y: y, style: style, maxWidth: inner)
            y += 1
        }
    }
    switch s.step {
    case .welcome:
        para(c.text("setup.welcome", ["path": state.setupPath ?? ""]))
        y += 1
        for (i, key) in ["setup.choice.create", "setup.choice.demo"].enumerated() {
            let selected = s.choice == i
            let text = "\(i + 1)  " + c.text(key)
            canvas.put(selected ? "▸ " : "  ", x: x0 + 2, y: y, style: Style(.keyHint, bold: true))
            canvas.put(text, x: x0 + 4, y: y, style: selected ? Style(.selection, bold: true) : .normal, maxWidth: inner - 2)
            y += 1
            for line in wrap(c.text(key + ".detail"), width: inner - 7).prefix(2) {
                canvas.put(line, x: x0 + 7, y: y, style: Style(.muted), maxWidth: inner - 5)
                y += 1
            }
            y += 1
        }
        if let m = s.message { para(c.notice(m, s.messageArgs, s.failure), Style(.error, bold: true)) }
    case .identity:
        para(c.text("setup.identity.intro"), Style(.muted), max: 3)
        y += 1
        y = drawForm(s.identity, in: Rect(x: x0 + 2, y: y, width: inner, height: bottom - y), labelWidth: 28, c, &canvas)
        y += 1
        drawMessage(s.identity, x: x0 + 2, y: y, width: inner, c, &canvas)
    case .passphrase:
        para(c.text("setup.passphrase.intro"), Style(.muted), max: 3)
        y += 1
        y = drawForm(s.passphrase, in: Rect(x: x0 + 2, y: y, width: inner, height: 2), labelWidth: 28, c, &canvas)
        y += 1
        drawPolicyFeedback(s.passphrase.secret("new"), s.passphrasePolicy, c, &canvas, x: x0 + 2, y: &y, width: inner)
        y += 1
        drawMessage(s.passphrase, x: x0 + 2, y: y, width: inner, c, &canvas)
    case .recoveryKey:
        para(c.text("setup.recovery.intro"))
        y += 1
        if let key = s.recoveryKey {
            let shown = key.split(separator: "-").joined(separator: " - ")
            canvas.put(shown, x: x0 + max(2, (boxWidth - DisplayWidth.of(shown)) / 2), y: y, style: Style(.title, bold: true))
            y += 2
        }
        para(c.text("setup.recovery.advice"), Style(.warning))
        y += 1
        para(c.text("setup.recovery.next"), Style(.muted))
    case .confirmKey:
        para(c.text("setup.confirm.intro", ["a": String(SetupState.confirmGroups[0] + 1),
                                            "b": String(SetupState.confirmGroups[1] + 1)]))
        y += 1
        var form = s.confirm
        for (i, g) in SetupState.confirmGroups.enumerated() {
            form.fields[i] = FormField(form.fields[i].id, label: c.text("setup.field.group", ["n": String(g + 1)]),
                                       maxLength: 9, value: form.fields[i].value)
        }
        form.focus = s.confirm.focus
        // Restore each field's cursor (set() put it at the end, as typed).
        y = drawForm(form, in: Rect(x: x0 + 2, y: y, width: inner, height: 2), labelWidth: 28, c, &canvas)
        y += 1
        drawMessage(s.confirm, x: x0 + 2, y: y, width: inner, c, &canvas)
    case .secretary:
        para(c.text("setup.secretary.intro"), Style(.muted), max: 4)
        y += 1
        y = drawForm(s.secretary, in: Rect(x: x0 + 2, y: y, width: inner, height: 2), labelWidth: 28, c, &canvas)
        y += 1
        drawMessage(s.secretary, x: x0 + 2, y: y, width: inner, c, &canvas)
    case .secretaryCreated:
        para(c.text("setup.secretary.created", ["login": s.secretaryLogin ?? ""]))
        y += 1
        if let p = s.secretaryPassphrase {
            canvas.put(p, x: x0 + max(2, (boxWidth - DisplayWidth.of(p)) / 2), y: y, style: Style(.title, bold: true))
            y += 2
        }
        para(c.text("setup.secretary.advice"), Style(.warning))
    case .done:
        break
    }
    if let busy = s.busy {
        canvas.put(c.text(busy), x: x0 + 2, y: bottom - 1, style: Style(.warning, bold: true), maxWidth: inner)
    }
}

/// The passphrase policy's feedback as the user types.
func drawPolicyFeedback(_ text: Passphrase, _ policy: PassphrasePolicy, _ c: Catalog, _ canvas: inout Canvas,
                        x: Int, y: inout Int, width: Int) {
    let problems = policy.problems(text)
    if text.isEmpty {
        for line in wrap(c.text("policy.intro"), width: width).prefix(3) {
            canvas.put(line, x: x, y: y, style: Style(.muted), maxWidth: width)
            y += 1
        }
    } else if problems.isEmpty {
        canvas.put(c.text("change.ok"), x: x, y: y, style: Style(.success, bold: true), maxWidth: width)
        y += 1
    } else {
        for line in wrap(PassphrasePolicy.feedback(problems, c), width: width).prefix(5) {
            canvas.put(line, x: x, y: y, style: Style(.warning), maxWidth: width)
            y += 1
        }
    }
}

extension SetupState: KeepsMessage {}
