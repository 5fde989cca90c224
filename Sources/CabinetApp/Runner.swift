import CabinetCore
import Foundation
import TerminalUI

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
    private func startWork(_ kind: LongWork.Kind,
                           _ body: @escaping (any AppServices, @escaping @Sendable (Int64, Int64) -> Void) -> AppAction) -> AppAction {
        working = true
        let inbox = self.inbox
        // The worker alone uses the services while the work runs (the loop
        // calls none meanwhile): handed over as they are.
        nonisolated(unsafe) let services = self.services
        nonisolated(unsafe) let body = body
        Self.workQueue.async {
            let result = body(services) { done, total in inbox.post(.workProgress(done, total)) }
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
        services.warmUp()
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
        do { token = try services.changeToken() } catch CabinetError.accountDisabled(let login) {
            send(.sessionRevoked(.accountDisabled(login: login)))
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
            } catch CabinetError.secondFactorRequired {
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
        case .rekey:
            return startWork(.rekey) { services, progress in
                do {
                    try services.rekey(progress: progress)
                    return .admin(.rekeyed)
                } catch { return .admin(.failed(AppRunner.cabinetError(error))) }
            }
        case .searchPatients(let text):
            do {
                let total = try services.patientCount()
                let rows = text.trimmingCharacters(in: .whitespaces).isEmpty ? [] : try services.searchPatients(text)
                return .patients(.found(rows, total: total))
            } catch { return .patients(.failed(Self.cabinetError(error))) }
        case .openPatient(let id):
            do {
                let opened = try services.openRecord(id)
                return .patients(.opened(opened.record, opened.entries, opened.history, versions: opened.versions,
                                         superseded: opened.superseded))
            } catch { return .patients(.failed(Self.cabinetError(error))) }
        case .savePatient(let id, let identity, let force):
            do {
                return .patients(.saved(try services.savePatient(id, identity, allowDuplicate: force)))
            } catch CabinetError.possibleDuplicate(let other) {
                return .patients(.duplicate(other))
            } catch { return .patients(.failed(Self.cabinetError(error))) }
        case .saveEntry(let patient, let kind, let date, let fields, let supersedes):
            do {
                _ = try services.addClinicalEntry(patient: patient, kind: kind, occurredOn: date, fields: fields, supersedes: supersedes)
                return .patients(.saved(patient))
            } catch { return .patients(.failed(Self.cabinetError(error))) }
        case .importDocument(let patient, let path, let title, let date):
            draw()
            do {
                _ = try services.importDocument(patient: patient, path: path, title: title, date: date)
                return .patients(.saved(patient))
            } catch { return .patients(.failed(Self.cabinetError(error))) }
        case .loadAgenda(let from, let to):
            do {
                let (list, away, hours) = try services.agenda(from: from, to: to)
                return .agenda(.loaded(list, away, hours, token: (try? services.changeToken()) ?? ""))
            } catch { return .agenda(.failed(Self.cabinetError(error))) }
        case .agendaSearch(let text):
            do { return .agenda(.patients(try services.searchPatients(text))) } catch { return .agenda(.failed(Self.cabinetError(error))) }
        case .quickPatient(let identity):
            do {
                return .agenda(.created(try services.savePatient(nil, identity, allowDuplicate: false), name: identity.displayName))
            } catch CabinetError.possibleDuplicate(let other) {
                // The same person exists: take that record.
                return .agenda(.created(other, name: identity.displayName))
            } catch { return .agenda(.failed(Self.cabinetError(error))) }
        case .book(let r):
            do {
                return .agenda(.booked(try services.book(patient: r.patient, start: r.start, minutes: r.minutes, type: r.type,
                                                         reason: r.reason, force: r.force)))
            } catch { return .agenda(.failed(Self.cabinetError(error))) }
        case .moveAppointment(let id, let r):
            do {
                try services.moveAppointment(id, to: r.start, minutes: r.minutes, force: r.force)
                return .agenda(.changed)
            } catch { return .agenda(.failed(Self.cabinetError(error))) }
        case .setAppointmentStatus(let id, let status, let category):
            do {
                try services.setAppointmentStatus(id, status, category: category)
                return .agenda(.changed)
            } catch { return .agenda(.failed(Self.cabinetError(error))) }
        case .nextFreeSlot(let from, let minutes):
            do { return .agenda(.slot(try services.nextFreeSlot(from: from, minutes: minutes))) } catch {
                return .agenda(.failed(Self.cabinetError(error)))
            }
        case .setFlags(let id, let flags):
            do {
                try services.setFlags(id, flags)
                return .patients(.saved(id))
            } catch { return .patients(.failed(Self.cabinetError(error))) }
        case .viewDocument(let entry):
            do {
                return .patients(.document(try services.readDocument(entry: entry)))
            } catch { return .patients(.failed(Self.cabinetError(error))) }
        case .exportDocument(let entry, let path):
            do {
                try services.exportDocument(entry: entry, to: path)
                return .patients(.exported(path))
            } catch { return .patients(.failed(Self.cabinetError(error))) }
        default:
            draw()
            return .admin(performAdmin(effect))
        }
    }

    private func performAdmin(_ effect: AppEffect) -> AdminResult {
        do {
            switch effect {
            case .loadAccounts:
                return .accounts(try services.listAccounts())
            case .createAccount(let login, let name, let role):
                return .created(login: login, passphrase: try services.createAccount(login: login, displayName: name, role: role))
            case .resetAccount(let login):
                return .reset(login: login, passphrase: try services.resetAccount(login: login))
            case .disableAccount(let login):
                try services.disableAccount(login: login)
                return .disabled(login)
            case .beginSecondFactor:
                return .secondFactorOffered(try services.beginSecondFactor())
            case .confirmSecondFactor(let code):
                try services.confirmSecondFactor(code: code)
                return .secondFactorChanged(on: true)
            case .disableSecondFactor:
                try services.disableSecondFactor()
                return .secondFactorChanged(on: false)
            case .saveSettings(let minutes, let language):
                try services.setLockAfter(minutes: minutes)
                try services.setLanguage(language)
                return .settingsSaved(lockAfter: minutes, language: language)
            case .loadHours:
                let (hours, absences) = try services.practiceHours()
                return .hours(hours, absences)
            case .saveHours(let hours):
                try services.setOpeningHours(hours)
                return .hoursSaved(hours)
            case .addAbsence(let from, let to, let label):
                _ = try services.addAbsence(from: from, to: to, label: label)
                return .absencesChanged("admin.absence.added")
            case .removeAbsence(let id):
                try services.removeAbsence(id)
                return .absencesChanged("admin.absence.removed")
            default:
                return .failed(.cancelled)
            }
        } catch {
            return .failed(Self.cabinetError(error))
        }
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
