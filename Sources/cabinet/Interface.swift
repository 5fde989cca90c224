import CabinetApp
import CabinetCore
import CabinetStore
import Foundation
import TerminalUI
import TerminalUINcurses

/// The interface's services over the sealed vault.
final class VaultServices: AppServices {
    let path: String
    private(set) var vault: Vault?
    private var oneTime: String?

    init(path: String) { self.path = path }

    func signIn(login: String, passphrase: String, totp: String?) throws -> SessionInfo {
        // A locked session's keys are already gone; a new sign-in unlocks anew.
        vault?.lock()
        let v = try Vault.signIn(at: path, login: login, passphrase: passphrase, totp: totp)
        vault = v
        // The one-time passphrase is kept only until the forced change.
        oneTime = v.mustChangePassphrase ? passphrase : nil
        return SessionInfo(login: v.session.login, role: v.session.role, mustChangePassphrase: v.mustChangePassphrase,
                           lockAfterMinutes: (try? v.lockAfterMinutes()) ?? 10)
    }

    func changePassphrase(new: String) throws {
        guard let vault, let current = oneTime else { throw CabinetError.wrongPassphrase }
        try vault.changeOwnPassphrase(current: current, new: new)
        oneTime = nil
    }

    func lock() {
        oneTime = nil
        try? vault?.audit(.lock)
        vault?.lock()
        vault = nil
    }

    func signOut() {
        oneTime = nil
        vault?.signOut()
        vault = nil
    }
}

/// Opens the terminal interface on the vault at `path`.
func runInterface(path: String, demo: Bool = false) throws {
    guard Term.hasTerminal, isatty(STDIN_FILENO) != 0, isatty(STDOUT_FILENO) != 0 else {
        throw CabinetError.terminalRequired
    }
    try Vault.preflight(path)
    Signals.install()
    let services = VaultServices(path: path)
    let screen = NcursesScreen()
    defer { screen.stop() }
    var state = AppState()
    if demo {
        state.isDemo = true
        state.demoHint = L.text("demo.hint", ["doctor": DemoCabinet.doctor.login, "doctorPass": DemoCabinet.doctor.passphrase,
                                              "secretary": DemoCabinet.secretary.login,
                                              "secretaryPass": DemoCabinet.secretary.passphrase])
    }
    let runner = AppRunner(screen: screen, services: services, catalog: L, state: state,
                           shouldStop: { Signals.termination })
    runner.run()
    services.signOut()
}
