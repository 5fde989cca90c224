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
}

/// Work for the effect runner (calls into the domain services).
public enum AppEffect: Sendable, Equatable {
    case signIn(login: String, passphrase: String, totp: String?)
    /// Wipe the keys and the screen (scrollback included).
    case lock
    case signOut
    case quit
    /// The forced change: the session's one-time passphrase for `new`.
    case changePassphrase(new: String)
}

/// The reducer: state in, state out, effects to run. No I/O here.
public func reduce(_ state: inout AppState, _ action: AppAction) -> [AppEffect] {
    switch action {
    case .clock(let now):
        state.now = now
        if state.session != nil, state.secondsBeforeLock == 0 { return lock(&state) }
        // A passphrase typed and left on the sign-in screen does not stay
        // in memory past the same delay.
        if state.session == nil, state.secondsBeforeLock == 0, !state.form.passphrase.isEmpty || !state.form.totp.isEmpty {
            state.form.passphrase = ""
            state.form.totp = ""
            state.form.focus = .passphrase
        }
        return []
    case .lockNow:
        return state.session != nil ? lock(&state) : []
    case .signedIn(let info):
        state.form.busy = false
        state.form.passphrase = ""
        state.form.totp = ""
        state.form.message = nil
        state.session = info
        state.lockAfter = TimeInterval(min(max(info.lockAfterMinutes, 1), 30) * 60)
        state.lastActivity = state.now
        state.lockedBy = nil
        if info.mustChangePassphrase {
            state.change = ChangeForm()
            state.route = .changePassphrase
            return []
        }
        let back = state.parked.removeValue(forKey: info.login) ?? .agenda
        state.route = .main(back)
        return []
    case .passphraseChanged:
        state.change = ChangeForm()
        if let s = state.session {
            state.session = SessionInfo(login: s.login, role: s.role, lockAfterMinutes: s.lockAfterMinutes)
        }
        state.route = .main(state.session.flatMap { state.parked.removeValue(forKey: $0.login) } ?? .agenda)
        state.status = "status.passphrase_changed"
        state.statusArgs = [:]
        return []
    case .passphraseChangeFailed(let error):
        state.change.new = ""
        state.change.confirm = ""
        state.change.focus = .new
        state.change.message = "signin.error"
        state.change.messageArgs = ["message": error.message()]
        return []
    case .signInFailed(let error):
        state.form.busy = false
        state.form.passphrase = ""
        state.form.totp = ""
        state.form.focus = .passphrase
        state.form.message = "signin.error"
        state.form.messageArgs = ["message": error.message()]
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
            if state.route == .signIn { insert(text, into: &state.form) }
            if state.route == .changePassphrase {
                let clean = text.filter { !$0.isNewline }
                if state.change.focus == .new { state.change.new += clean } else { state.change.confirm += clean }
            }
            return []
        case .key(let key):
            return handle(key, &state)
        }
    }
}

private func lock(_ state: inout AppState) -> [AppEffect] {
    guard let session = state.session else { return [] }
    if case .main(let module) = state.route { state.parked[session.login] = module }
    if case .help(let module) = state.route { state.parked[session.login] = module }
    state.change = ChangeForm()
    state.lockedBy = session.login
    state.session = nil
    state.form = SignInForm()
    state.form.login = session.login
    state.form.focus = .passphrase
    state.form.message = "signin.locked"
    state.route = .signIn
    return [.lock]
}

private func insert(_ text: String, into form: inout SignInForm) {
    switch form.focus {
    case .login: form.login += text.filter { !$0.isNewline }
    case .passphrase: form.passphrase += text.filter { !$0.isNewline }
    case .totp: form.totp += text.filter { $0.isNumber }
    }
}

private func handle(_ key: Key, _ state: inout AppState) -> [AppEffect] {
    switch state.route {
    case .changePassphrase:
        return handleChange(key, &state)
    case .signIn:
        if let cmd = AppCommands.command(for: key, in: .signIn) {
            switch cmd.id {
            case "quit":
                state.quit = true
                return [.quit]
            case "next.field":
                moveFocus(&state.form, by: 1)
                return []
            case "previous.field":
                moveFocus(&state.form, by: -1)
                return []
            case "submit":
                return submit(&state)
            default:
                return []
            }
        }
        switch key {
        case .char(let c):
            insert(String(c), into: &state.form)
        case .backspace:
            switch state.form.focus {
            case .login: _ = state.form.login.popLast()
            case .passphrase: _ = state.form.passphrase.popLast()
            case .totp: _ = state.form.totp.popLast()
            }
        case .escape:
            state.form.message = nil
        default:
            break
        }
        return []
    case .help(let back):
        if let cmd = AppCommands.command(for: key, in: .help) {
            if cmd.id == "quit" { return quit(&state) }
        }
        if key == .escape || key == .function(1) || key == .char("q") { state.route = .main(back) }
        return []
    case .main(let current):
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
            return quit(&state)
        default:
            if cmd.id.hasPrefix("module."), let m = Module(rawValue: String(cmd.id.dropFirst(7))) {
                state.route = .main(m)
            }
        }
        return []
    }
}

private func quit(_ state: inout AppState) -> [AppEffect] {
    state.quit = true
    state.session = nil
    return [.signOut, .quit]
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
            let problems = PassphrasePolicy().problems(form.new)
            guard problems.isEmpty else {
                state.change.message = "change.weak"
                return []
            }
            guard form.new == form.confirm else {
                state.change.confirm = ""
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
        if state.change.focus == .new { state.change.new.append(c) } else { state.change.confirm.append(c) }
    case .backspace:
        if state.change.focus == .new { _ = state.change.new.popLast() } else { _ = state.change.confirm.popLast() }
    default:
        break
    }
    state.change.message = nil
    return []
}
