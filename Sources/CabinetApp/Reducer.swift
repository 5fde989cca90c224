import CabinetCore
import Foundation
import TerminalUI

/// Everything that happens to the interface.
public enum AppAction: Sendable, Equatable {
    case event(InputEvent)
    case clock(Date)
    case signedIn(SessionInfo)
    case signInFailed(CabinetError)
    case secondFactorNeeded
    case lockNow
    case passphraseChanged
    case passphraseChangeFailed(CabinetError)
    /// The first run created the cabinet; the doctor is signed in.
    case cabinetCreated(SessionInfo, recoveryKey: String)
    case demoReady([DemoAccount])
    case setupFailed(CabinetError)
    case admin(AdminResult)
    case patients(PatientResult)
    case agenda(AgendaResult)
    case backup(BackupResult)
    /// Another desk changed something: reload what is shown.
    case refresh
    /// The lock happened but the trail could not record it.
    case lockNotLogged(CabinetError)
    /// The session's account was disabled from another desk.
    case sessionRevoked(CabinetError)
    /// Long work started in the worker.
    case workStarted(LongWork.Kind)
    /// The worker's progress: (done, total) in the work's unit.
    case workProgress(Int64, Int64)
    /// The step the worker is at (a catalogue key).
    case workStep(String)
    /// The worker finished (its result was sent just before).
    case workEnded
}

/// Work for the effect runner. The shell's own effects (the session) are
/// here; each module's are nested (`.agenda(…)`) and carried out by that
/// module's performer (`Agenda/AgendaEffects.swift`…). The runner switches
/// over every case, without a default branch: a new effect that no
/// performer handles does not compile.
public enum AppEffect: Sendable, Equatable {
    case signIn(login: String, passphrase: Passphrase, totp: String?)
    /// Keep the draft sealed for the account, wipe the keys and the screen
    /// (scrollback included).
    case lock(draft: Draft?)
    case signOut(discardDraft: Bool)
    case quit
    /// The forced change: the session's one-time passphrase for `new`.
    case changePassphrase(new: Passphrase)
    case createCabinet(PracticeIdentity, login: String, passphrase: Passphrase)
    case openDemo
    case admin(AdminEffect)
    case patients(PatientEffect)
    case agenda(AgendaEffect)
    case backup(BackupEffect)
}

/// The reducer: state in, state out, effects to run. No I/O here.
public func reduce(_ state: inout AppState, _ action: AppAction) -> [AppEffect] {
    // An account disabled from another desk: whatever was being done, the
    // session locks and says why (the store refuses its writes already).
    if let error = action.failure, case .session(.accountDisabled) = error { return reduce(&state, .sessionRevoked(error)) }
    switch action {
    case .sessionRevoked(let error):
        guard state.session != nil else { return [] }
        let effects = lock(&state)
        state.form.show(error)
        return effects
    case .clock(let now):
        state.now = now
        if state.session != nil, state.secondsBeforeLock == 0 {
            // Never in the middle of long work: as soon as it ends.
            if state.work != nil {
                state.work?.lockAsked = true
                return []
            }
            return lock(&state)
        }
        // A passphrase typed and left on the sign-in screen does not stay
        // in memory past the same delay.
        if state.session == nil, state.secondsBeforeLock == 0, !state.form.passphrase.isEmpty || !state.form.totp.isEmpty {
            state.form.passphrase = ""
            state.form.totp = ""
            state.form.focus = .passphrase
        }
        return []
    case .lockNow:
        if state.work != nil {
            state.work?.lockAsked = true
            return []
        }
        return state.session != nil ? lock(&state) : []
    case .lockNotLogged(let error):
        // A disabled account's lock is not logged by design: say why it locked.
        if case .session(.accountDisabled) = error {
            state.form.show(error)
        } else {
            state.form.show(error, key: "signin.lock_not_logged")
        }
        return []
    case .workStarted(let kind):
        state.work = LongWork(kind: kind, startedAt: state.now)
        return []
    case .workProgress(let done, let total):
        state.work?.done = done
        state.work?.total = total
        return []
    case .workStep(let key):
        state.work?.step = key
        return []
    case .workEnded:
        return endWork(&state)
    case .signedIn(let info):
        state.form.busy = false
        state.form.passphrase = ""
        state.form.totp = ""
        state.form.message = nil
        state.session = info
        state.lockAfter = TimeInterval(min(max(info.lockAfterMinutes, 1), 30) * 60)
        state.lastActivity = state.now
        state.lockedBy = nil
        state.language = info.language
        state.practiceName = info.practiceName ?? state.practiceName
        state.confirmQuit = false
        state.backup = BackupScreen()
        if info.mustChangePassphrase {
            state.change = ChangeForm()
            state.route = .changePassphrase
            return []
        }
        // The backups read at once: a late one is said on every screen.
        let backups: [AppEffect] = AccessPolicy.allows(info.role, .runBackup) ? [.backup(.load)] : []
        return restore(Draft.decode(info.draft), &state) + backups
    case .passphraseChanged:
        state.change = ChangeForm()
        let draft = state.session?.draft
        state.session = state.session?.with(mustChange: false)
        let backups: [AppEffect] = state.session.map { AccessPolicy.allows($0.role, .runBackup) } == true ? [.backup(.load)] : []
        let effects = restore(Draft.decode(draft), &state) + backups
        state.status = "status.passphrase_changed"
        state.statusArgs = [:]
        return effects
    case .cabinetCreated(let info, let key):
        state.setup.busy = nil
        state.session = info
        state.practiceName = info.practiceName
        state.lockAfter = TimeInterval(min(max(info.lockAfterMinutes, 1), 30) * 60)
        state.lastActivity = state.now
        state.setup.recoveryKey = key
        state.setup.step = .recoveryKey
        return []
    case .demoReady(let accounts):
        state.setup = SetupState()
        state.isDemo = true
        state.demoAccounts = accounts
        state.route = .signIn
        state.form = SignInForm()
        state.form.login = accounts.first?.login ?? ""
        state.form.focus = .passphrase
        return []
    case .setupFailed(let error):
        state.setup.busy = nil
        switch state.setup.step {
        case .passphrase:
            state.setup.passphrase.fail(error)
        case .welcome:
            state.setup.show(error)
        default:
            state.setup.identity.fail(error)
        }
        return []
    case .admin(let result):
        return reduceAdminResult(result, &state)
    case .patients(let result):
        return reducePatientResult(result, &state)
    case .agenda(let result):
        return reduceAgendaResult(result, &state)
    case .backup(let result):
        return reduceBackupResult(result, &state)
    case .refresh:
        guard state.session != nil else { return [] }
        switch state.route {
        case .main(.agenda): return enterAgenda(&state)
        case .main(.backup): return state.backup.editing == nil ? [.backup(.load)] : []
        case .main(.patients):
            // The search list only: never under a form being typed, and an
            // open record is not reopened (each opening is audited).
            guard state.patients.editor == nil, state.patients.openID == nil else { return [] }
            return enterPatients(&state)
        default: return []
        }
    case .passphraseChangeFailed(let error):
        state.change.new = ""
        state.change.confirm = ""
        state.change.focus = .new
        state.change.show(error)
        return []
    case .signInFailed(let error):
        state.form.busy = false
        state.form.passphrase = ""
        state.form.totp = ""
        state.form.focus = .passphrase
        state.form.show(error)
        return []
    case .secondFactorNeeded:
        state.form.busy = false
        state.form.needsTOTP = true
        state.form.focus = .totp
        state.form.message = "signin.totp_needed"
        return []
    case .event(let event):
        state.lastActivity = state.now
        switch event {
        case .resize(let c, let r):
            state.columns = c
            state.rows = r
            return []
        case .tick:
            return []
        case .paste(let text):
            if state.work != nil { return [] }
            if state.route == .signIn { insert(text, into: &state.form) }
            if state.route == .changePassphrase {
                let clean = text.filter { !$0.isNewline }
                if state.change.focus == .new { state.change.new.append(clean) } else { state.change.confirm.append(clean) }
            }
            if state.route == .setup { pasteIntoSetup(text, &state) }
            if state.route == .main(.admin) { pasteIntoAdmin(text, &state) }
            if state.route == .main(.patients) { pasteIntoPatients(text, &state) }
            if state.route == .main(.agenda) { pasteIntoAgenda(text, &state) }
            if state.route == .main(.backup) { pasteIntoBackup(text, &state) }
            return []
        case .key(let key):
            if state.work != nil { return handleDuringWork(key, &state) }
            return handle(key, &state)
        }
    }
}

/// What a lock keeps for the account: where it was, what it had typed.
func draft(of state: AppState) -> Draft {
    var d = Draft()
    switch state.route {
    case .main(let m): d.module = m
    case .help(let m): d.module = m; d.help = true
    case .setup:
        var s = state.setup
        s.passphrase.wipeSecrets()
        s.busy = nil
        d.setup = s
    case .signIn, .changePassphrase: break
    }
    var admin = state.admin
    admin.busy = nil
    admin.accounts = []
    if admin != AdminState() { d.admin = admin }
    // Coding keeps only what was typed and where (records are reloaded).
    if let coded = try? JSONEncoder().encode(state.patients),
       let kept = try? JSONDecoder().decode(PatientsState.self, from: coded), kept != PatientsState() {
        d.patients = kept
    }
    if let coded = try? JSONEncoder().encode(state.agenda),
       let kept = try? JSONDecoder().decode(AgendaState.self, from: coded), kept != AgendaState() {
        d.agenda = kept
    }
    return d
}

/// Back where the draft says, with its input (the accounts list reloaded).
private func restore(_ draft: Draft?, _ state: inout AppState) -> [AppEffect] {
    state.admin = draft?.admin ?? AdminState()
    state.patients = draft?.patients ?? PatientsState()
    state.agenda = draft?.agenda ?? AgendaState()
    state.setup = SetupState()
    if let setup = draft?.setup {
        state.setup = setup
        state.route = .setup
        return []
    }
    let module = draft?.module ?? .agenda
    state.route = draft?.help == true ? .help(returnTo: module) : .main(module)
    if module == .admin { return enterAdmin(&state, keepDraft: true) }
    if module == .patients { return enterPatients(&state) }
    if module == .agenda { return enterAgenda(&state) }
    return []
}

/// Opening the administration: its settings from the session, the
/// accounts from the vault.
private func enterAdmin(_ state: inout AppState, keepDraft: Bool = false) -> [AppEffect] {
    if !keepDraft || !state.admin.settingsDirty {
        state.admin.lockAfter = state.session?.lockAfterMinutes ?? 10
        state.admin.language = state.language
        state.admin.settingsDirty = false
    }
    return state.admin.pane == .hours ? [.admin(.loadAccounts), .admin(.loadHours)] : [.admin(.loadAccounts)]
}

/// F10: quits at once, or asks first when something typed is not saved.
func requestQuit(_ state: inout AppState) -> [AppEffect] {
    if state.hasUnsavedInput && !state.confirmQuit {
        state.confirmQuit = true
        state.status = state.route == .setup && state.setup.recoveryKey != nil ? "quit.confirm_recovery" : "quit.confirm"
        state.statusArgs = [:]
        return []
    }
    return quit(&state)
}

private func pasteIntoSetup(_ text: String, _ state: inout AppState) {
    switch state.setup.step {
    case .identity: state.setup.identity.paste(text)
    case .passphrase: state.setup.passphrase.paste(text)
    case .confirmKey: state.setup.confirm.paste(text)
    case .secretary: state.setup.secretary.paste(text)
    default: break
    }
}

private func pasteIntoAdmin(_ text: String, _ state: inout AppState) {
    switch state.admin.dialog {
    case .newAccount(var form, let role):
        form.paste(text)
        state.admin.dialog = .newAccount(form, role: role)
    case .secondFactor(let offer, var form):
        form.paste(text.filter(\.isNumber))
        state.admin.dialog = .secondFactor(offer, form)
    default: break
    }
}

func lock(_ state: inout AppState) -> [AppEffect] {
    guard let session = state.session else { return [] }
    let kept = draft(of: state)
    state.setup = SetupState()
    state.admin = AdminState()
    state.patients = PatientsState()
    state.agenda = AgendaState()
    state.status = nil
    state.confirmQuit = false
    state.change = ChangeForm()
    state.lockedBy = session.login
    state.session = nil
    state.form = SignInForm()
    state.form.login = session.login
    state.form.focus = .passphrase
    state.form.message = "signin.locked"
    state.route = .signIn
    return [.lock(draft: kept)]
}

private func insert(_ text: String, into form: inout SignInForm) {
    switch form.focus {
    case .login: form.loginField.insert(text.filter { !$0.isNewline })
    case .passphrase: form.passphrase.append(FormField.clean(text))
    case .totp: form.totp += text.filter { $0.isNumber }
    }
}

private func handle(_ key: Key, _ state: inout AppState) -> [AppEffect] {
    if key != .function(10) && state.confirmQuit {
        state.confirmQuit = false
        state.status = nil
    }
    switch state.route {
    case .setup:
        if state.session != nil, key == .function(12) || key == .ctrl("q") { return lock(&state) }
        return handleSetup(key, &state)
    case .changePassphrase:
        return handleChange(key, &state)
    case .signIn:
        if let cmd = AppCommands.command(for: key, in: .signIn) {
            switch cmd.id {
            case "quit":
                state.quit = true
                return [.quit]
            case "next.field":
                if loginTypedAsPassphrase(&state) { return [] }
                moveFocus(&state.form, by: 1)
                return []
            case "previous.field":
                if loginTypedAsPassphrase(&state) { return [] }
                moveFocus(&state.form, by: -1)
                return []
            case "submit":
                if loginTypedAsPassphrase(&state) { return [] }
                return submit(&state)
            default:
                return []
            }
        }
        // The login is an ordinary line (cursor, Home, End, Ctrl-U); the
        // passphrase and the code, never drawn, keep only typing, erasing
        // the last character and Ctrl-U (erase all).
        if state.form.focus == .login, key != .escape, state.form.loginField.edit(key) { return [] }
        switch key {
        case .char(let c):
            insert(String(c), into: &state.form)
        case .backspace:
            switch state.form.focus {
            case .login: break
            case .passphrase: state.form.passphrase.removeLast()
            case .totp: _ = state.form.totp.popLast()
            }
        case .ctrl("u"):
            switch state.form.focus {
            case .login: break
            case .passphrase: state.form.passphrase.wipe()
            case .totp: state.form.totp = ""
            }
        case .escape:
            state.form.message = nil
        default:
            break
        }
        return []
    case .help(let back):
        if let cmd = AppCommands.command(for: key, in: .help) {
            if cmd.id == "quit" { return requestQuit(&state) }
        }
        switch key {
        case .escape, .function(1), .char("q"):
            state.route = .main(back)
            state.helpOffset = 0
        case .down: state.helpOffset += 1
        case .up: state.helpOffset = max(0, state.helpOffset - 1)
        case .pageDown, .char(" "): state.helpOffset += max(1, state.rows - 8)
        case .pageUp: state.helpOffset = max(0, state.helpOffset - max(1, state.rows - 8))
        case .home: state.helpOffset = 0
        default: break
        }
        return []
    case .main(let current):
        // A status message lasts until the next key.
        if !state.confirmQuit { state.status = nil }
        // The main keys (F1–F7, F10, F12, Ctrl-Q) first; then the module's
        // (which also gets the printable keys, for its text fields).
        let global: Bool
        switch key {
        case .function, .ctrl("q"): global = AppCommands.command(for: key, in: .main) != nil
        default: global = false
        }
        if current == .admin, !global, let effects = handleAdmin(key, &state) { return effects }
        if current == .patients, !global, state.session.map({ AccessPolicy.allows($0.role, .readIdentity) }) == true,
           let effects = handlePatients(key, &state) { return effects }
        if current == .agenda, !global, state.session.map({ AccessPolicy.allows($0.role, .manageAgenda) }) == true,
           let effects = handleAgenda(key, &state) { return effects }
        if current == .backup, !global, state.session.map({ AccessPolicy.allows($0.role, .runBackup) }) == true,
           let effects = handleBackup(key, &state) { return effects }
        guard let cmd = AppCommands.command(for: key, in: .main) else { return [] }
        guard cmd.isAvailable(to: state.session?.role) else {
            state.status = "status.unavailable"
            state.statusArgs = ["key": cmd.keyName, "reason": cmd.privilege.map { "reason.\($0.rawValue)" } ?? ""]
            return []
        }
        state.status = nil
        switch cmd.id {
        case "help", "help.question":
            state.route = .help(returnTo: current)
        case "lock", "lock.ctrl":
            return lock(&state)
        case "quit":
            return requestQuit(&state)
        default:
            if cmd.id.hasPrefix("module."), let m = Module(rawValue: String(cmd.id.dropFirst(7))) {
                state.route = .main(m)
                if m == .admin && current != .admin { return enterAdmin(&state, keepDraft: true) }
                if m == .patients && current != .patients { return enterPatients(&state) }
                if m == .agenda && current != .agenda { return enterAgenda(&state) }
                if m == .backup && current != .backup { return enterBackup(&state) }
            }
        }
        return []
    }
}

private func quit(_ state: inout AppState) -> [AppEffect] {
    state.quit = true
    state.session = nil
    return [.signOut(discardDraft: true), .quit]
}

/// The login typed where the passphrase goes (the login was filled in and
/// the focus on the passphrase, and the user typed the login anyway, then
/// Tab or Enter): it is moved to the login field and the focus stays on the
/// passphrase, so that the passphrase typed next is not drawn in the login
/// field. Only an exact login of this vault moves; anything else stays a
/// passphrase, never shown.
private func loginTypedAsPassphrase(_ state: inout AppState) -> Bool {
    // Compared as bytes: the passphrase never becomes a `String` here.
    let typed = state.form.passphrase
    guard state.form.focus == .passphrase, !typed.isEmpty,
          let login = state.knownLogins.first(where: { $0 != state.form.login && Passphrase($0) == typed })
    else { return false }
    state.form.login = login
    state.form.passphrase.wipe()
    state.form.message = "signin.login_moved"
    state.form.messageArgs = ["login": login]
    return true
}

private func moveFocus(_ form: inout SignInForm, by delta: Int) {
    let fields: [SignInForm.Field] = form.needsTOTP ? [.login, .passphrase, .totp] : [.login, .passphrase]
    let i = fields.firstIndex(of: form.focus) ?? 0
    form.focus = fields[(i + delta + fields.count) % fields.count]
}

private func submit(_ state: inout AppState) -> [AppEffect] {
    let form = state.form
    if form.focus == .login {
        state.form.focus = .passphrase
        return []
    }
    guard !form.login.isEmpty, !form.passphrase.isEmpty else {
        state.form.message = "signin.incomplete"
        return []
    }
    if form.needsTOTP && form.totp.count < 6 {
        state.form.focus = .totp
        return []
    }
    state.form.busy = true
    state.form.message = "signin.busy"
    return [.signIn(login: form.login, passphrase: form.passphrase, totp: form.needsTOTP ? form.totp : nil)]
}

/// Keys of the forced-change screen: the sign-in keys (Tab, Shift-Tab,
/// Enter, F10), typing into the focused field.
private func handleChange(_ key: Key, _ state: inout AppState) -> [AppEffect] {
    if let cmd = AppCommands.command(for: key, in: .signIn) {
        switch cmd.id {
        case "quit":
            return quit(&state)
        case "next.field", "previous.field":
            state.change.focus = state.change.focus == .new ? .confirm : .new
            return []
        case "submit":
            let form = state.change
            if form.focus == .new {
                state.change.focus = .confirm
                return []
            }
            let problems = state.passphrasePolicy.problems(form.new)
            guard problems.isEmpty else {
                state.change.message = "change.weak"
                return []
            }
            guard form.new == form.confirm else {
                state.change.confirm.wipe()
                state.change.message = "change.mismatch"
                return []
            }
            state.change.message = "signin.busy"
            return [.changePassphrase(new: form.new)]
        default:
            return []
        }
    }
    switch key {
    case .char(let c):
        if state.change.focus == .new { state.change.new.append(String(c)) } else { state.change.confirm.append(String(c)) }
    case .backspace:
        if state.change.focus == .new { state.change.new.removeLast() } else { state.change.confirm.removeLast() }
    case .ctrl("u"):
        if state.change.focus == .new { state.change.new.wipe() } else { state.change.confirm.wipe() }
    default:
        break
    }
    state.change.message = nil
    return []
}

private func pasteIntoPatients(_ text: String, _ state: inout AppState) {
    switch state.patients.editor {
    case .identity(let id, var form):
        form.paste(text)
        state.patients.editor = .identity(id: id, form: form)
    case .entry(var form):
        let field = form.focusedID
        if var e = form.editors[field] {
            e.paste(text)
            form.editors[field] = e
        } else if var f = form.lines[field] {
            f.insert(FieldText.sanitize(text, multiline: false, maxLength: f.maxLength).text)
            form.lines[field] = f
        }
        // A paste changes the form as typing does: a question asked about
        // the values before it no longer stands.
        form.message = nil
        state.patients.editor = .entry(form)
    case .export(let entry, var form):
        form.paste(text)
        state.patients.editor = .export(entry: entry, form: form)
    case .flags(let id, var form):
        form.paste(text)
        state.patients.editor = .flags(id: id, form: form)
    case nil:
        if state.patients.openID == nil {
            state.patients.query.insert(FieldText.sanitize(text, multiline: false, maxLength: 80).text)
        }
    }
}

private func pasteIntoAgenda(_ text: String, _ state: inout AppState) {
    guard var b = state.agenda.booking else { return }
    let clean = FieldText.sanitize(text, multiline: false, maxLength: 120).text
    if b.newPatient != nil {
        b.newPatient?.paste(clean)
    } else if b.patientID == nil {
        b.query.insert(clean)
    } else {
        b.form.paste(clean)
    }
    state.agenda.booking = b
}

extension AppAction {
    /// The error a module's result carries, if it is a failure.
    var failure: CabinetError? {
        switch self {
        case .patients(.failed(let e)), .agenda(.failed(let e)), .admin(.failed(let e)), .backup(.failed(let e)): return e
        default: return nil
        }
    }
}
