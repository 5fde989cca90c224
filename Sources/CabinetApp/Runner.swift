import CabinetCore
import Foundation
import TerminalUI

/// What the interface asks of the domain (implemented by the executable with
/// the vault; by doubles in tests).
public protocol AppServices: AnyObject {
    /// Signs in; throws `CabinetError` (wrong passphrase, delay, second factor…).
    func signIn(login: String, passphrase: String, totp: String?) throws -> SessionInfo
    /// The forced change after a reset: replaces the one-time passphrase the
    /// session signed in with.
    func changePassphrase(new: String) throws
    /// Wipes the keys (the vault is locked; nothing is written).
    func lock()
    func signOut()
}

/// The run loop: event → keymap → action → reducer → effects → services →
/// actions → render → screen. One direction only.
public final class AppRunner {
    public private(set) var state: AppState
    let screen: any Screen
    let services: any AppServices
    let catalog: Catalog
    let clock: () -> Date
    let shouldStop: () -> Bool

    public init(screen: any Screen, services: any AppServices, catalog: Catalog, state: AppState,
                clock: @escaping () -> Date = Date.init, shouldStop: @escaping () -> Bool = { false }) {
        self.screen = screen
        self.services = services
        self.catalog = catalog
        self.state = state
        self.clock = clock
        self.shouldStop = shouldStop
        let size = screen.size
        self.state.columns = size.columns
        self.state.rows = size.rows
    }

    /// Runs until the user quits or a termination signal arrives; locks on
    /// the way out.
    public func run() {
        draw()
        while !state.quit {
            if shouldStop() {
                send(.lockNow)
                services.signOut()
                return
            }
            step(screen.nextEvent(timeout: 0.25))
        }
    }

    /// One turn of the loop (a key, or nil for a clock tick).
    public func step(_ event: InputEvent?) {
        send(.clock(clock()))
        if let event { send(.event(event)) }
        draw()
    }

    func send(_ action: AppAction) {
        var queue = [action]
        while !queue.isEmpty {
            let next = queue.removeFirst()
            let effects = reduce(&state, next)
            for effect in effects {
                if let result = perform(effect) { queue.append(result) }
            }
        }
    }

    func perform(_ effect: AppEffect) -> AppAction? {
        switch effect {
        case .signIn(let login, let passphrase, let totp):
            draw() // show "signing in…" during the key derivation
            do {
                return .signedIn(try services.signIn(login: login, passphrase: passphrase, totp: totp))
            } catch CabinetError.secondFactorRequired {
                return .secondFactorNeeded
            } catch let e as CabinetError {
                return .signInFailed(e)
            } catch {
                return .signInFailed(.cancelled)
            }
        case .lock:
            services.lock()
            // Nothing readable may remain, in the scrollback either.
            screen.clear()
            return nil
        case .signOut:
            services.signOut()
            return nil
        case .quit:
            return nil
        case .changePassphrase(let new):
            draw()
            do {
                try services.changePassphrase(new: new)
                return .passphraseChanged
            } catch let e as CabinetError {
                return .passphraseChangeFailed(e)
            } catch {
                return .passphraseChangeFailed(.cancelled)
            }
        }
    }

    func draw() {
        screen.present(render(state, catalog: catalog))
    }
}
