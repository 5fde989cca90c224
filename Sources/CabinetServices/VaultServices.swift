import CabinetApp
import CabinetCore
import CabinetDemo
@_spi(Testing) import CabinetStore
import Foundation
import QRCode

/// The interface's binding over the vault: the session's own part (sign-in,
/// lock, drafts, first run) and what needs a library Core does not use (the
/// QR code, pdftotext). Every domain operation goes through `practice`, the
/// session's Core services over the vault's repositories, which the
/// interface's performers call directly.
public final class VaultServices: AppServices {
    public private(set) var path: String
    public private(set) var vault: Vault?
    /// The signed-in session's services (nil when locked or signed out).
    public var practice: Practice? {
        guard let vault, !vault.isLocked else { return nil }
        return session
    }
    /// Built at sign-in over the vault's repositories.
    private var session: Practice?
    /// Argon2id parameters for new slots (the minimum only in tests).
    let kdf: KDFParameters

    public init(path: String) {
        self.path = path
        kdf = .moderate
    }

    @_spi(Testing)
    public init(path: String, kdf: KDFParameters) {
        self.path = path
        self.kdf = kdf
    }

    /// The services of the session, or `notSignedIn`.
    func services() throws -> Practice {
        guard let practice else { throw CabinetError.session(.notSignedIn) }
        return practice
    }

    func opened(_ v: Vault) {
        vault = v
        session = v.practice(kdf: kdf)
    }

    func closed() {
        vault = nil
        session = nil
    }

    func sessionInfo(_ v: Vault) -> SessionInfo {
        let accounts = v.practice(kdf: kdf).accounts
        let identity = (try? accounts.practiceIdentity()).flatMap { $0 }
        let language = (try? accounts.language()).flatMap { $0 }
        let draft = (try? v.loadDraft()).flatMap { $0 }.map { Data($0) }
        return SessionInfo(login: v.session.login, role: v.session.role, mustChangePassphrase: v.mustChangePassphrase,
                           lockAfterMinutes: (try? accounts.lockAfterMinutes()) ?? 10, practiceName: identity?.doctorName,
                           language: language, draft: draft, hasSecondFactor: accounts.hasSecondFactor)
    }

    public func signIn(login: String, passphrase: Passphrase, totp: String?) throws -> SessionInfo {
        // A locked session's keys are already gone; a new sign-in unlocks anew.
        vault?.lock()
        closed()
        let v = try Vault.signIn(at: path, login: login, passphrase: passphrase, totp: totp)
        opened(v)
        DeskMemory.remember(login: login, vaultPath: path)
        return sessionInfo(v)
    }

    public func changePassphrase(new: Passphrase) throws {
        try services().accounts.changeOwnPassphrase(new: new)
    }

    public func lock(draft: Data?) -> CabinetError? {
        var notLogged: CabinetError?
        if let vault, !vault.isLocked {
            // What was typed stays, sealed for this account only.
            if let draft { try? vault.saveDraft([UInt8](draft)) } else { try? vault.discardDraft() }
            // The lock happens whatever; a trail that could not record it
            // is said, not ignored.
            do { try practice?.audit.record(.lock) } catch { notLogged = (error as? CabinetError) ?? .cancelled }
        }
        vault?.lock()
        closed()
        return notLogged
    }

    public func keepDraft(_ draft: Data?) {
        guard let vault, !vault.isLocked else { return }
        if let draft { try? vault.saveDraft([UInt8](draft)) } else { try? vault.discardDraft() }
    }

    public func signOut(discardDraft: Bool) {
        if discardDraft, let vault, !vault.isLocked { try? vault.discardDraft() }
        vault?.signOut()
        closed()
    }

    // MARK: - First run

    public func createCabinet(_ identity: PracticeIdentity, login: String, passphrase: Passphrase) throws
        -> (session: SessionInfo, recoveryKey: String) {
        var meta = ["doctor_name": identity.doctorName]
        if !identity.rpps.isEmpty { meta["doctor_rpps"] = identity.rpps }
        if !identity.address.isEmpty { meta["practice_address"] = identity.address }
        if !identity.phone.isEmpty { meta["practice_phone"] = identity.phone }
        if !identity.email.isEmpty { meta["practice_email"] = identity.email }
        Vault.makePrivateDirectory(for: path)
        let (v, key) = try Vault.create(at: path, doctorLogin: login, passphrase: passphrase, metadata: meta, kdf: kdf)
        opened(v)
        return (sessionInfo(v), key)
    }

    public func openDemo(progress: @escaping @Sendable (Int64, Int64) -> Void) throws -> [DemoAccount] {
        let demo = DemoCabinet.path(nextTo: path)
        if !FileManager.default.fileExists(atPath: demo) {
            try DemoCabinet.create(at: demo, kdf: kdf, progress: progress)
        }
        path = demo
        return DemoCabinet.accounts
    }

    // MARK: - What needs a library Core does not use

    public func beginSecondFactor() throws -> SecondFactorOffer {
        let e = try services().accounts.beginSecondFactor(issuer: "Cabinet")
        let lines = QRMatrix.encode(e.uri)?.terminalLines(quietZone: 1) ?? []
        return SecondFactorOffer(secret: e.secretBase32, qrLines: lines)
    }
}

extension VaultServices {
    /// A document as Cabinet shows it: a text file decoded, a PDF's text
    /// through `pdftotext` (poppler-utils, fed on its standard input and read
    /// from its standard output: the document never touches the disk in
    /// clear), an image or another format described only.
    public func readDocument(entry: Int64) throws -> DocumentContent {
        let (title, mime, bytes) = try services().patients.readDocument(entry: entry)
        var text: String?
        if mime.hasPrefix("text/") {
            text = String(decoding: bytes, as: UTF8.self)
        } else if mime == "application/pdf" {
            text = Self.pdfText(bytes)
        }
        return DocumentContent(title: title, mime: mime, size: bytes.count, text: text)
    }

    /// The text of a PDF, or nil when it has none or `pdftotext` is missing.
    static func pdfText(_ pdf: [UInt8]) -> String? {
        let tool = ["/usr/bin/pdftotext", "/usr/local/bin/pdftotext"].first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let tool else { return nil }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = ["-enc", "UTF-8", "-layout", "-", "-"]
        let input = Pipe(), output = Pipe()
        p.standardInput = input
        p.standardOutput = output
        p.standardError = FileHandle.nullDevice
        do { try p.run() } catch { return nil }
        // Written from another thread: a large PDF fills the pipe both ways.
        let writer = input.fileHandleForWriting
        let data = Data(pdf)
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            try? writer.write(contentsOf: data)
            try? writer.close()
            done.signal()
        }
        let out = output.fileHandleForReading.readDataToEndOfFile()
        done.wait()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { return nil }
        let text = String(decoding: out, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? nil : text
    }
}
