import CabinetCore
import Foundation
import TerminalUI

/// The run loop: event → keymap → action → reducer → effects → services →
/// actions → render → screen. One direction only. The performers call
/// Core's services through `services.practice`, with the runner's clock as
/// the rules' "now".
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
        self.state.interfaceLanguage = catalog.language
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
                // A dropped connection or a signal: long work is never cut
                // half-way (it ends first), then what was typed is kept
                // (sealed), the vault locked, the loop left.
                waitForWork()
                send(.lockNow)
                services.signOut(discardDraft: false)
                return
            }
            step(screen.nextEvent(timeout: working ? 0.1 : 0.25))
        }
    }

    // MARK: - Long work

    /// The worker: one piece of long work at a time.
    static let workQueue = DispatchQueue(label: "cabinet.long-work")

    /// Actions from the worker thread, read at each turn of the loop.
    let inbox = WorkInbox()
    /// Long work is running in the worker: the loop calls no service
    /// (drafts, polling, warm-up) until it ends, so that the vault has one
    /// user at a time.
    public private(set) var working = false

    /// Runs `body` in a worker thread with the services; its progress and
    /// its result come back through the inbox. Returns the action that
    /// shows the work started.
    func startWork(_ kind: LongWork.Kind,
                           _ body: @escaping (any AppServices, @escaping @Sendable (Int64, Int64) -> Void) -> AppAction) -> AppAction {
        startWork(kind) { services, progress, _ in body(services, progress) }
    }

    /// The same, for work made of steps (a backup: the rows, the copy, the
    /// check): `step` names the one under way (a catalogue key).
    func startWork(_ kind: LongWork.Kind,
                   _ body: @escaping (any AppServices, @escaping @Sendable (Int64, Int64) -> Void,
                                      @escaping @Sendable (String) -> Void) -> AppAction) -> AppAction {
        working = true
        let inbox = self.inbox
        // The worker alone uses the services while the work runs (the loop
        // calls none meanwhile): handed over as they are.
        nonisolated(unsafe) let services = self.services
        nonisolated(unsafe) let body = body
        Self.workQueue.async {
            let result = body(services, { done, total in inbox.post(.workProgress(done, total)) },
                              { key in inbox.post(.workStep(key)) })
            inbox.post(result)
            inbox.post(.workEnded)
        }
        return .workStarted(kind)
    }

    /// Hands the worker's actions to the reducer.
    private func takeWorkerActions() {
        for action in inbox.take() {
            if case .workEnded = action { working = false }
            send(action)
        }
    }

    /// Waits until long work ends, its results handled (a signal, a test).
    public func waitForWork() {
        while working {
            takeWorkerActions()
            if working { usleep(20_000) }
        }
        takeWorkerActions()
        draw()
    }

    /// Takes over a session the services already opened (benchmarks).
    public func debugSignIn(_ info: SessionInfo) {
        send(.signedIn(info))
        draw()
    }

    /// Ctrl-C ended the session (the terminal delivers it as a key in raw
    /// mode): what was typed is kept sealed, the vault locked, the loop left.
    public private(set) var interrupted = false

    /// One turn of the loop (a key, or nil for a clock tick).
    public func step(_ event: InputEvent?) {
        takeWorkerActions()
        if case .key(.ctrl("l"))? = event {
            // Redraw everything, as every terminal program does.
            screen.clear()
            draw()
            return
        }
        if case .key(.ctrl("c"))? = event, working {
            // Long work is not cut: keep, lock and leave once it ends.
            interrupted = true
            send(.event(.key(.ctrl("c"))))
            draw()
            return
        }
        if case .key(.ctrl("c"))? = event {
            // As SIGINT would (README): keep, lock, leave.
            send(.lockNow)
            services.signOut(discardDraft: false)
            interrupted = true
            state.quit = true
            return
        }
        send(.clock(clock()))
        if let event { send(.event(event)) }
        keepDraftIfDue()
        refreshIfChanged()
        draw()
        warmUpIfDue()
    }

    /// Once per session, after the first screen is drawn: the patient index
    /// (a few tenths of a second at 50 000 patients) is loaded then, not at
    /// the first letter of the first search. Keys typed meanwhile wait in
    /// the terminal's input and are handled next, in order.
    private var warmedUp = false

    private func warmUpIfDue() {
        guard !working else { return }
        guard state.session != nil else {
            warmedUp = false
            return
        }
        guard !warmedUp, case .main = state.route else { return }
        warmedUp = true
        // Nothing to report: a failure here shows at the search itself.
        try? services.practice?.patients.warmUp()
    }

    /// Another desk's changes appear within about a second: the shown
    /// module reloads when the vault's change token moves.
    static let refreshInterval: TimeInterval = 1
    private var lastPollAt = Date.distantPast
    private var lastToken: String?

    private func refreshIfChanged() {
        guard !working, state.session != nil, case .main(let m) = state.route, m == .agenda || m == .patients else { return }
        let now = clock()
        guard now.timeIntervalSince(lastPollAt) >= Self.refreshInterval else { return }
        lastPollAt = now
        let token: String
        do { token = try practice().agenda.changeToken() } catch CabinetError.session(.accountDisabled(let login)) {
            send(.sessionRevoked(.session(.accountDisabled(login: login))))
            return
        } catch { return }
        defer { lastToken = token }
        if let lastToken, lastToken != token { send(.refresh) }
    }

    /// Unsaved input is also kept (sealed) every few seconds while typing,
    /// so that a crash or a power cut loses at most those seconds.
    static let draftInterval: TimeInterval = 3
    private var lastDraftAt = Date.distantPast
    private var lastDraft: Data?

    private func keepDraftIfDue() {
        guard !working, state.session != nil, case .main = state.route else { return }
        let now = clock()
        guard now.timeIntervalSince(lastDraftAt) >= Self.draftInterval else { return }
        let data = state.hasUnsavedInput ? draft(of: state).encoded() : nil
        guard data != lastDraft else { return }
        services.keepDraft(data)
        lastDraft = data
        lastDraftAt = now
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
            } catch CabinetError.session(.secondFactorRequired) {
                return .secondFactorNeeded
            } catch {
                return .signInFailed(Self.cabinetError(error))
            }
        case .lock(let draft):
            let notLogged = services.lock(draft: draft?.encoded())
            // Nothing readable may remain, in the scrollback either.
            screen.clear()
            return notLogged.map { .lockNotLogged($0) }
        case .signOut(let discard):
            services.signOut(discardDraft: discard)
            return nil
        case .quit:
            return nil
        case .changePassphrase(let new):
            draw()
            do {
                try services.changePassphrase(new: new)
                return .passphraseChanged
            } catch {
                return .passphraseChangeFailed(Self.cabinetError(error))
            }
        case .createCabinet(let identity, let login, let passphrase):
            draw()
            do {
                let (session, key) = try services.createCabinet(identity, login: login, passphrase: passphrase)
                return .cabinetCreated(session, recoveryKey: key)
            } catch {
                return .setupFailed(Self.cabinetError(error))
            }
        case .openDemo:
            return startWork(.demo) { services, progress in
                do { return .demoReady(try services.openDemo(progress: progress)) } catch { return .setupFailed(AppRunner.cabinetError(error)) }
            }
        case .admin(let e):
            return perform(e)
        case .patients(let e):
            return perform(e)
        case .agenda(let e):
            return perform(e)
        case .backup(let e):
            return perform(e)
        }
    }

    /// The signed-in session's services, or `notSignedIn`.
    func practice() throws -> Practice {
        guard let practice = services.practice else { throw CabinetError.session(.notSignedIn) }
        return practice
    }

    static func cabinetError(_ error: any Error) -> CabinetError {
        (error as? CabinetError) ?? .cancelled
    }

    /// The catalogue of the signed-in account's language, else the default.
    var currentCatalog: Catalog {
        guard let language = state.language, language != catalog.language else { return catalog }
        if let c = catalogs[language] { return c }
        let c = Catalog.load(language)
        catalogs[language] = c
        return c
    }
    private var catalogs: [Language: Catalog] = [:]

    func draw() {
        screen.present(render(state, catalog: currentCatalog))
    }
}
