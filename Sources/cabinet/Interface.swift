import CabinetApp
import CabinetCore
import CabinetDemo
import CabinetServices
import CabinetStore
import Foundation
import TerminalUI
import TerminalUINcurses

/// Opens the terminal interface on the vault at `path`; with no vault there
/// yet, the first run (create the cabinet, or open the demo) comes first.
func runInterface(path: String, demo: Bool = false, createDirectory: Bool = false) throws {
    guard Term.hasTerminal, isatty(STDIN_FILENO) != 0, isatty(STDOUT_FILENO) != 0 else {
        throw CabinetError.terminalRequired
    }
    let firstRun = !FileManager.default.fileExists(atPath: path)
    if firstRun {
        // Refuse a place where nothing can be created before drawing anything.
        if createDirectory { VaultServicesSetup.prepare(path) }
        try Vault.preflightCreate(path)
    } else {
        try Vault.preflight(path)
    }
    Signals.install()
    // Under curses nothing may be written to the terminal behind its back:
    // the sign-in screen's "opening the vault…" covers an upgrade.
    Vault.upgradeNotice = nil
    let services = VaultServices(path: path)
    let screen = NcursesScreen()
    defer { screen.stop() }
    CrashGuard.install(message: L.text("crash.restored") + "\n")
    var state = AppState()
    if !firstRun {
        state.form = SignInForm(rememberedLogin: DeskMemory.lastLogin(vaultPath: path))
        state.knownLogins = Vault.envelopeLogins(at: path)
    }
    if firstRun {
        state.route = .setup
        state.setupPath = path
        // The demonstration opened before (beside the vault's place) is
        // offered first: Enter reopens it.
        if FileManager.default.fileExists(atPath: DemoCabinet.path(nextTo: path)) { state.setup.choice = 1 }
    }
    if demo {
        state.isDemo = true
        state.demoAccounts = DemoCabinet.accounts
    }
    let runner = AppRunner(screen: screen, services: services, catalog: L, state: state,
                           shouldStop: { Signals.termination })
    // The benchmark's "start to sign-in prompt": leave once it is drawn.
    if ProcessInfo.processInfo.environment["CABINET_EXIT_AT_PROMPT"] == "1" {
        runner.step(nil)
        return
    }
    runner.run()
    services.signOut(discardDraft: false)
    // Ended by a hang-up or a termination signal: what was typed is kept
    // and the vault locked, but the exit status says it did not end by F10.
    if let s = Signals.endingSignal ?? (runner.interrupted ? SIGINT : nil) {
        screen.stop()
        exit(128 + s)
    }
}

enum VaultServicesSetup {
    /// The default location's directory is ours to create, private to the user.
    static func prepare(_ path: String) {
        let dir = PathNames.parent(path)
        if !dir.isEmpty && !FileManager.default.fileExists(atPath: dir) {
            try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true,
                                                     attributes: [.posixPermissions: 0o700])
        }
    }
}
