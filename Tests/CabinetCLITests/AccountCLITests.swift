import Foundation
import Testing

// Accounts, roles, the second factor and the audit trail (issue 3), driven
// through the real `cabinet` executable. Every child runs in a new session
// (`setsid -w`), so it has no controlling terminal even when the tests are
// started by hand from one: every prompt path is then refused, as in a
// script. Each test has its own sandbox and one vault. All data is fictitious.

private let deniedFR = "Action non autorisée pour votre rôle"
private let mustChangeFR = "changez-le d'abord"
private let wrongPassphraseFR = "Identifiant ou mot de passe incorrect."
private let noticeFR = "Accès réservé au personnel du cabinet"

// MARK: - Running detached from any terminal

extension Sandbox {
    /// `cabinet args` in a new session without a controlling terminal
    /// (`/usr/bin/setsid -w` when present), standard input /dev/null, the
    /// same clean environment as `run`. Output goes through files, so that
    /// nothing can block on a full pipe.
    func runDetached(_ args: [String], env: [String: String] = [:]) throws -> RunResult {
        let exe = try cabinetExecutable()
        let process = Process()
        let setsid = "/usr/bin/setsid"
        if FileManager.default.isExecutableFile(atPath: setsid) {
            process.executableURL = URL(fileURLWithPath: setsid)
            process.arguments = ["-w", exe.path] + args
        } else {
            process.executableURL = exe
            process.arguments = args
        }
        process.currentDirectoryURL = dir
        var environment = ["LANG": "fr_FR.UTF-8", "HOME": dir.path, "XDG_DATA_HOME": dir.path, "PATH": "/usr/bin:/bin"]
        environment.merge(env) { _, new in new }
        process.environment = environment

        let runs = dir.appendingPathComponent(".runs", isDirectory: true)
        try FileManager.default.createDirectory(at: runs, withIntermediateDirectories: true)
        let id = UUID().uuidString
        let outURL = runs.appendingPathComponent("\(id).out"), errURL = runs.appendingPathComponent("\(id).err")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL)
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try? out.close()
        try? err.close()
        defer {
            try? FileManager.default.removeItem(at: outURL)
            try? FileManager.default.removeItem(at: errURL)
        }
        return RunResult(status: process.terminationStatus,
                         stdout: String(decoding: (try? Data(contentsOf: outURL)) ?? Data(), as: UTF8.self),
                         stderr: String(decoding: (try? Data(contentsOf: errURL)) ?? Data(), as: UTF8.self))
    }
}

/// One practice: a sandbox, a vault created by the doctor `doc`, its recovery
/// key in a file. Every run is detached from the terminal.
private struct Practice {
    static let doctor = "doc"
    let sb: Sandbox
    let vault: String
    let doctorPW: String
    let recoveryKeyFile: String

    init() throws {
        sb = try Sandbox()
        vault = sb.path("cabinet.vault")
        doctorPW = try sb.write("doc.pw", passphrase)
        recoveryKeyFile = sb.path("secours.txt")
        let r = try sb.runDetached(["init", "--vault", vault, "--doctor-name", doctorName, "--login", Self.doctor,
                                    "--password-file", doctorPW, "--recovery-key-out", recoveryKeyFile])
        try #require(r.status == 0, "init failed: \(r.stderr)")
    }

    func remove() { sb.remove() }

    /// `cabinet args --vault V` (no sign-in options added).
    func run(_ args: [String]) throws -> RunResult {
        try sb.runDetached(args + ["--vault", vault])
    }

    /// `cabinet args` signed in as `login` with the passphrase in `pw`.
    func run(_ args: [String], as login: String, pw: String) throws -> RunResult {
        try sb.runDetached(args + ["--vault", vault, "--user", login, "--password-file", pw])
    }

    /// `cabinet args` as the doctor.
    func asDoctor(_ args: [String]) throws -> RunResult {
        try run(args, as: Self.doctor, pw: doctorPW)
    }

    /// `cabinet args` with the recovery key.
    func withRecoveryKey(_ args: [String]) throws -> RunResult {
        try sb.runDetached(args + ["--vault", vault, "--recovery-key-file", recoveryKeyFile])
    }

    /// `user add` by the doctor; returns the one-time passphrase's file.
    func addUser(_ login: String, role: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let file = sb.path("\(login).onetime")
        let r = try asDoctor(["user", "add", "--login", login, "--role", role, "--password-out", file])
        try #require(r.status == 0, "user add \(login): \(r.stderr)", sourceLocation: sourceLocation)
        #expect(r.stdout.contains(file), "\(r.stdout)", sourceLocation: sourceLocation)
        #expect(try posixMode(file) == 0o600, sourceLocation: sourceLocation)
        return file
    }

    /// `passwd` from the passphrase in `from` to `newPassphrase`; returns the
    /// new passphrase's file.
    func changePassphrase(_ login: String, from: String, to newPassphrase: String, fileName: String? = nil,
                          sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let file = try sb.write(fileName ?? "\(login).pw", newPassphrase)
        let r = try run(["passwd", "--new-password-file", file], as: login, pw: from)
        try #require(r.status == 0, "passwd \(login): \(r.stderr)", sourceLocation: sourceLocation)
        return file
    }

    /// The first line of a file the test or the command wrote.
    func firstLine(_ path: String) -> String {
        String(decoding: bytes(of: path), as: UTF8.self).split(separator: "\n").first.map(String.init) ?? ""
    }

    /// `audit list --json` by the doctor (or with the recovery key).
    func auditEntries(viaRecoveryKey: Bool = false, extra: [String] = [],
                      sourceLocation: SourceLocation = #_sourceLocation) throws -> [[String: Any]] {
        let args = ["audit", "list", "--json"] + extra
        let r = viaRecoveryKey ? try withRecoveryKey(args) : try asDoctor(args)
        try #require(r.status == 0, "audit list: \(r.stderr)", sourceLocation: sourceLocation)
        let object = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        return try #require(object?["entries"] as? [[String: Any]], "not an entry list: \(r.stdout)",
                            sourceLocation: sourceLocation)
    }

    /// `user list --json` by the doctor (or with the recovery key), by login.
    func accounts(viaRecoveryKey: Bool = false, sourceLocation: SourceLocation = #_sourceLocation) throws
        -> [String: [String: Any]]
    {
        let args = ["user", "list", "--json"]
        let r = viaRecoveryKey ? try withRecoveryKey(args) : try asDoctor(args)
        try #require(r.status == 0, "user list: \(r.stderr)", sourceLocation: sourceLocation)
        let object = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        let rows = try #require(object?["accounts"] as? [[String: Any]], "not an account list: \(r.stdout)",
                                sourceLocation: sourceLocation)
        return Dictionary(rows.compactMap { row in (row["login"] as? String).map { ($0, row) } },
                          uniquingKeysWith: { a, _ in a })
    }
}

private func actions(_ entries: [[String: Any]]) -> [String] { entries.compactMap { $0["action"] as? String } }

private func count(_ entries: [[String: Any]], action: String, actor: String? = nil) -> Int {
    entries.filter { $0["action"] as? String == action && (actor == nil || $0["actor"] as? String == actor) }.count
}

// MARK: - TOTP on the test side (RFC 6238 over a small SHA-1, RFC 3174)

private enum SHA1 {
    static func hash(_ message: [UInt8]) -> [UInt8] {
        var h: [UInt32] = [0x6745_2301, 0xEFCD_AB89, 0x98BA_DCFE, 0x1032_5476, 0xC3D2_E1F0]
        var m = message
        let bitLength = UInt64(message.count) * 8
        m.append(0x80)
        while m.count % 64 != 56 { m.append(0) }
        for i in (0..<8).reversed() { m.append(UInt8((bitLength >> (UInt64(i) * 8)) & 0xFF)) }
        func rotl(_ x: UInt32, _ n: UInt32) -> UInt32 { (x << n) | (x >> (32 - n)) }
        for chunk in stride(from: 0, to: m.count, by: 64) {
            var w = [UInt32](repeating: 0, count: 80)
            for i in 0..<16 {
                w[i] = UInt32(m[chunk + 4 * i]) << 24 | UInt32(m[chunk + 4 * i + 1]) << 16
                    | UInt32(m[chunk + 4 * i + 2]) << 8 | UInt32(m[chunk + 4 * i + 3])
            }
            for i in 16..<80 { w[i] = rotl(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1) }
            var a = h[0], b = h[1], c = h[2], d = h[3], e = h[4]
            for i in 0..<80 {
                let f: UInt32, k: UInt32
                switch i {
                case 0..<20: f = (b & c) | (~b & d); k = 0x5A82_7999
                case 20..<40: f = b ^ c ^ d; k = 0x6ED9_EBA1
                case 40..<60: f = (b & c) | (b & d) | (c & d); k = 0x8F1B_BCDC
                default: f = b ^ c ^ d; k = 0xCA62_C1D6
                }
                let t = rotl(a, 5) &+ f &+ e &+ k &+ w[i]
                e = d; d = c; c = rotl(b, 30); b = a; a = t
            }
            h[0] &+= a; h[1] &+= b; h[2] &+= c; h[3] &+= d; h[4] &+= e
        }
        return h.flatMap { word in (0..<4).map { UInt8((word >> (24 - 8 * UInt32($0))) & 0xFF) } }
    }

    static func hmac(key: [UInt8], _ message: [UInt8]) -> [UInt8] {
        var k = key.count > 64 ? hash(key) : key
        k += [UInt8](repeating: 0, count: 64 - k.count)
        let inner = hash(k.map { $0 ^ 0x36 } + message)
        return hash(k.map { $0 ^ 0x5C } + inner)
    }
}

/// The RFC 6238 code of `step` (HMAC-SHA1, dynamic truncation).
private func totpCode(secret: [UInt8], step: Int64, digits: Int = 6) -> String {
    let counter = UInt64(bitPattern: step)
    let message = (0..<8).map { UInt8(truncatingIfNeeded: counter >> (56 - 8 * UInt64($0))) }
    let mac = SHA1.hmac(key: secret, message)
    let offset = Int(mac[19] & 0x0F)
    let binary = UInt32(mac[offset] & 0x7F) << 24 | UInt32(mac[offset + 1]) << 16
        | UInt32(mac[offset + 2]) << 8 | UInt32(mac[offset + 3])
    var modulus: UInt32 = 1
    for _ in 0..<digits { modulus *= 10 }
    let value = String(binary % modulus)
    return String(repeating: "0", count: digits - value.count) + value
}

private func totpStep(_ date: Date = Date()) -> Int64 { Int64((date.timeIntervalSince1970 / 30).rounded(.down)) }

/// RFC 4648 base32 without padding.
private func base32Decode(_ text: String) -> [UInt8]? {
    let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
    var buffer: UInt32 = 0, bits = 0
    var out: [UInt8] = []
    for ch in text.uppercased() where ch != "=" {
        guard let v = alphabet.firstIndex(of: ch) else { return nil }
        buffer = (buffer << 5) | UInt32(v)
        bits += 5
        if bits >= 8 {
            bits -= 8
            out.append(UInt8((buffer >> UInt32(bits)) & 0xFF))
        }
    }
    return out
}

// MARK: - Tests

@Suite("Accounts, roles, second factor and audit trail on the command line")
struct AccountCLITests {
    /// Each role × each account, audit and second-factor command: allowed
    /// (exit 0) or refused for the role (exit 4, French message).
    @Test("role matrix: doctor, replacement and secretary on every account command")
    func roleMatrix() throws {
        let p = try Practice()
        defer { p.remove() }

        let remp1 = try p.addUser("remp", role: "replacement")
        let accueil1 = try p.addUser("accueil", role: "secretary")
        let rempPW = try p.changePassphrase("remp", from: remp1, to: "Remplacant-Solide-2024!")
        let accueilPW = try p.changePassphrase("accueil", from: accueil1, to: "Accueil-Solide-2024!")

        struct Case { let name: String; let args: [String]; let allowed: Set<String> }
        let everyone: Set<String> = ["doctor", "replacement", "secretary"]
        let doctors: Set<String> = ["doctor", "replacement"]
        let holder: Set<String> = ["doctor"]

        for (role, login, pw) in [("doctor", Practice.doctor, p.doctorPW), ("replacement", "remp", rempPW),
                                  ("secretary", "accueil", accueilPW)] {
            let out = p.sb.path("zz\(role).onetime")
            let newPW = "Nouveau-\(role)-Motdepasse-7!"
            let newFile = try p.sb.write("\(login).new.pw", newPW)
            let cases = [
                Case(name: "user list", args: ["user", "list"], allowed: holder),
                Case(name: "user add", args: ["user", "add", "--login", "zz\(role)", "--role", "secretary",
                                              "--password-out", out], allowed: holder),
                Case(name: "audit list", args: ["audit", "list"], allowed: doctors),
                Case(name: "audit verify", args: ["audit", "verify"], allowed: doctors),
                Case(name: "user review", args: ["user", "review"], allowed: holder),
                Case(name: "totp enroll", args: ["totp", "enroll"], allowed: doctors),
                Case(name: "passwd", args: ["passwd", "--new-password-file", newFile], allowed: everyone),
            ]
            for c in cases {
                let r = try p.run(c.args, as: login, pw: pw)
                if c.allowed.contains(role) {
                    #expect(r.status == 0, "\(role) \(c.name): exit \(r.status) \(r.stderr)")
                    #expect(!r.stderr.contains(deniedFR), "\(role) \(c.name): \(r.stderr)")
                } else {
                    #expect(r.status == 4, "\(role) \(c.name): exit \(r.status) (want 4) \(r.stdout) \(r.stderr)")
                    #expect(r.stderr.contains(deniedFR), "\(role) \(c.name): \(r.stderr)")
                }
                switch c.name {
                case "user add":
                    // Refused before anything is created or handed over.
                    #expect(exists(out) == c.allowed.contains(role), "\(role) user add: one-time file")
                case "totp enroll" where c.allowed.contains(role):
                    #expect(r.stdout.contains("otpauth://totp/"), "\(r.stdout)")
                    #expect(r.stdout.contains("en attente"), "no terminal: the factor stays pending: \(r.stdout)")
                case "audit verify" where c.allowed.contains(role):
                    #expect(r.stdout.contains("Journal des accès intact"), "\(r.stdout)")
                default: break
                }
            }
            // Every role verifies the vault, with its new passphrase.
            let verified = try p.run(["verify"], as: login, pw: newFile)
            #expect(verified.status == 0, "\(role) verify: \(verified.stderr)")
            // The old passphrase no longer opens the account.
            let old = try p.run(["verify"], as: login, pw: pw)
            #expect(old.status == 2, "\(role): old passphrase still works after passwd")
        }

        // Only the doctor's `user add` created an account; the pending second
        // factors enrolled above did not become active.
        let accounts = try p.accounts(viaRecoveryKey: true)
        #expect(Set(accounts.keys) == ["doc", "remp", "accueil", "zzdoctor"], "\(accounts.keys)")
        #expect(accounts.values.allSatisfy { $0["secondFactor"] as? Bool == false })
    }

    /// A new account's one-time passphrase only opens `passwd`; a reset makes
    /// the old passphrase useless and forces a change again.
    @Test("forced change after user add and after user reset")
    func forcedChange() throws {
        let p = try Practice()
        defer { p.remove() }
        let oneTime = try p.addUser("accueil", role: "secretary")

        let early = try p.run(["verify"], as: "accueil", pw: oneTime)
        #expect(early.status == 2, "\(early.stdout) \(early.stderr)")
        #expect(early.stderr.contains(mustChangeFR), "\(early.stderr)")
        #expect(!early.stdout.contains("Coffre intact"))

        // A weak new passphrase is refused with what is missing; nothing changes.
        let weak = try p.sb.write("weak.pw", "court")
        let refused = try p.run(["passwd", "--new-password-file", weak], as: "accueil", pw: oneTime)
        #expect(refused.status == 1, "\(refused.stderr)")

        let pw = try p.changePassphrase("accueil", from: oneTime, to: "Accueil-Solide-2024!")
        #expect(try p.run(["verify"], as: "accueil", pw: pw).status == 0)
        #expect(try p.run(["verify"], as: "accueil", pw: oneTime).status == 2, "the one-time passphrase still works")

        let reset = p.sb.path("accueil.reset")
        let r = try p.asDoctor(["user", "reset", "accueil", "--password-out", reset])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try posixMode(reset) == 0o600)
        #expect(p.firstLine(reset) != p.firstLine(oneTime))

        let old = try p.run(["verify"], as: "accueil", pw: pw)
        #expect(old.status == 2)
        #expect(old.stderr.contains(wrongPassphraseFR), "\(old.stderr)")
        let again = try p.run(["verify"], as: "accueil", pw: reset)
        #expect(again.status == 2)
        #expect(again.stderr.contains(mustChangeFR), "\(again.stderr)")

        let listed = try p.accounts()
        #expect(listed["accueil"]?["mustChange"] as? Bool == true, "\(listed)")
        #expect(listed["accueil"]?["enabled"] as? Bool == true)
        #expect(listed["doc"]?["mustChange"] as? Bool == false)

        let pw2 = try p.changePassphrase("accueil", from: reset, to: "Accueil-Encore-Orage-2025!", fileName: "accueil2.pw")
        #expect(try p.run(["verify"], as: "accueil", pw: pw2).status == 0)
        #expect(try p.accounts()["accueil"]?["mustChange"] as? Bool == false)
    }

    /// `--password-out` never overwrites a file; when it refuses, the account
    /// must not be left created (or reset) with a passphrase nobody received.
    @Test("user add/reset with an existing --password-out file changes nothing")
    func passwordOutExists() throws {
        let p = try Practice()
        defer { p.remove() }
        let taken = try p.sb.write("deja-la.txt", "contenu à garder")

        // reset: refused before the account's passphrase is replaced.
        let rempPW = try p.changePassphrase("remp", from: p.addUser("remp", role: "replacement"),
                                            to: "Remplacant-Solide-2024!")
        let reset = try p.asDoctor(["user", "reset", "remp", "--password-out", taken])
        #expect(reset.status == 1, "\(reset.stdout) \(reset.stderr)")
        #expect(p.firstLine(taken) == "contenu à garder")
        let still = try p.run(["verify"], as: "remp", pw: rempPW)
        #expect(still.status == 0, "user reset replaced the passphrase although the new one was never handed over: \(still.stderr)")

        // add: the account is not left created with a passphrase nobody
        // received; a second try with a free file works.
        let add = try p.asDoctor(["user", "add", "--login", "accueil", "--role", "secretary", "--password-out", taken])
        #expect(add.status == 1, "\(add.stdout) \(add.stderr)")
        #expect(p.firstLine(taken) == "contenu à garder")
        #expect(try p.accounts()["accueil"] == nil, "user add created the account although the one-time passphrase was lost")
        let retry = try p.asDoctor(["user", "add", "--login", "accueil", "--role", "secretary",
                                    "--password-out", p.sb.path("accueil.onetime")])
        #expect(retry.status == 0, "retry after a refused --password-out: \(retry.stderr)")
    }

    @Test("rekey shows the pages copied in French when stderr is a terminal")
    func rekeyProgressOnATerminal() throws {
        let p = try Practice()
        defer { p.remove() }
        // util-linux `script` gives the command a pseudo-terminal.
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/script") else { return }
        let args = [try cabinetExecutable().path, "rekey", "--vault", p.vault, "--user", Practice.doctor,
                    "--password-file", p.doctorPW]
        let command = args.map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        process.arguments = ["-qec", command, "/dev/null"]
        process.environment = ["LANG": "fr_FR.UTF-8", "HOME": p.sb.dir.path, "XDG_DATA_HOME": p.sb.dir.path,
                               "PATH": "/usr/bin:/bin", "TERM": "dumb"]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        #expect(process.terminationStatus == 0, "\(text)")
        #expect(text.contains("Rechiffrement : ") && text.contains(" pages (100 %)"), "\(text)")
        #expect(text.contains("Coffre rechiffré"), "\(text)")
    }

    @Test("user disable removes the slot; rekey keeps the others working")
    func disableAndRekey() throws {
        let p = try Practice()
        defer { p.remove() }
        let rempPW = try p.changePassphrase("remp", from: p.addUser("remp", role: "replacement"),
                                            to: "Remplacant-Solide-2024!")
        let accueilPW = try p.changePassphrase("accueil", from: p.addUser("accueil", role: "secretary"),
                                               to: "Accueil-Solide-2024!")

        let disabled = try p.asDoctor(["user", "disable", "accueil"])
        #expect(disabled.status == 0, "\(disabled.stderr)")
        // Why and how to re-key: the disabled account knew the data key.
        #expect(disabled.stdout.lowercased().contains("rechiffrez le coffre"), "\(disabled.stdout)")
        #expect(disabled.stdout.contains("cabinet rekey"), "\(disabled.stdout)")
        let gone = try p.run(["verify"], as: "accueil", pw: accueilPW)
        #expect(gone.status == 2, "\(gone.stderr)")
        #expect(gone.stderr.contains(wrongPassphraseFR), "\(gone.stderr)")

        let selfDisable = try p.asDoctor(["user", "disable", Practice.doctor])
        #expect(selfDisable.status == 6, "\(selfDisable.stderr)")
        #expect(selfDisable.stderr.contains("propre compte"), "\(selfDisable.stderr)")
        let twice = try p.asDoctor(["user", "disable", "accueil", "--rekey"])
        #expect(twice.status == 5, "\(twice.stderr)")
        #expect(!twice.stdout.contains("rechiffré"), "re-keyed although the account was not found")
        // Disabling is the doctor's right only.
        let byReplacement = try p.run(["user", "disable", Practice.doctor], as: "remp", pw: rempPW)
        #expect(byReplacement.status == 4, "\(byReplacement.stderr)")
        #expect(byReplacement.stderr.contains(deniedFR))

        let rekey = try p.asDoctor(["rekey"])
        #expect(rekey.status == 0, "\(rekey.stderr)")
        #expect(rekey.stdout.contains("Coffre rechiffré"), "\(rekey.stdout)")
        #expect(!rekey.stderr.contains("Rechiffrement :"), "no progress line when stderr is not a terminal")
        #expect(!exists(p.vault + ".rekey"))

        // Every remaining way in still opens the vault, and `verify` (pages,
        // integrity and the audit chain) passes after the re-key.
        let doctorAfter = try p.asDoctor(["verify"])
        #expect(doctorAfter.status == 0, "doctor after rekey: \(doctorAfter.stderr)")
        let rempAfter = try p.run(["verify"], as: "remp", pw: rempPW)
        #expect(rempAfter.status == 0, "replacement after rekey: \(rempAfter.stderr)")
        let chain = try p.asDoctor(["audit", "verify"])
        #expect(chain.status == 0, "audit chain after rekey: \(chain.stderr)")
        let rescue = try p.withRecoveryKey(["verify"])
        #expect(rescue.status == 0, "\(rescue.stderr)")
        #expect(try p.run(["verify"], as: "accueil", pw: accueilPW).status == 2)

        let accounts = try p.accounts()
        #expect(accounts["accueil"]?["enabled"] as? Bool == false, "\(accounts)")
        #expect(accounts["remp"]?["enabled"] as? Bool == true)
        let entries = try p.auditEntries()
        #expect(count(entries, action: "account.disabled") == 1)
        #expect(count(entries, action: "vault.rekeyed") == 1)
        #expect(entries.contains { $0["action"] as? String == "account.disabled" && $0["object"] as? String == "accueil" })
    }

    @Test("three failures, then a delay even for the right passphrase; failures reach the trail")
    func attemptDelay() throws {
        let p = try Practice()
        defer { p.remove() }
        let right = "Remplacant-Solide-2024!"
        let rempPW = try p.changePassphrase("remp", from: p.addUser("remp", role: "replacement"), to: right)
        let wrong = "Remplacant-Faux-2024!"
        let bad = try p.sb.write("bad.pw", wrong)

        for i in 1...3 {
            let r = try p.run(["verify"], as: "remp", pw: bad)
            #expect(r.status == 2, "failure \(i): \(r.stderr)")
            #expect(r.stderr.contains(wrongPassphraseFR), "failure \(i): \(r.stderr)")
        }
        let attempts = p.vault + ".attempts"
        #expect(exists(attempts))
        // The 4th try comes half-way through the second of delay that follows
        // the third failure. The delay runs from when that failure was known
        // (after the key derivation), not from when the attempt started: the
        // pause makes the answer independent of how long Argon2id took.
        Thread.sleep(forTimeInterval: 0.5)
        let delayed = try p.run(["verify"], as: "remp", pw: rempPW)
        #expect(delayed.status == 2, "the right passphrase was accepted during the delay: \(delayed.stdout)")
        #expect(delayed.stderr.contains("Trop de tentatives"), "\(delayed.stderr)")
        #expect(!delayed.stdout.contains("Coffre intact"))

        // Outside the seal: only logins, counters and times, never a passphrase.
        let raw = bytes(of: attempts)
        for secret in [wrong, right, passphrase] { #expect(!raw.contains(secret), "attempts file holds a passphrase") }
        #expect(try posixMode(attempts) == 0o600)

        Thread.sleep(forTimeInterval: 1.5)
        let after = try p.run(["verify"], as: "remp", pw: rempPW)
        #expect(after.status == 0, "\(after.stderr)")

        let entries = try p.auditEntries()
        let failed = entries.filter { $0["action"] as? String == "signin.failed" && $0["actor"] as? String == "remp" }
        #expect(failed.count == 3, "\(failed)")
        #expect(failed.allSatisfy { ($0["detail"] as? String).map { !$0.contains(wrong) } ?? true })
        // The failures were copied into the trail: the counter starts again.
        for i in 1...2 {
            #expect(try p.run(["verify"], as: "remp", pw: bad).status == 2, "failure \(i) after success")
        }
        #expect(try p.run(["verify"], as: "remp", pw: rempPW).status == 0, "the counter was not reset by the success")
    }

    @Test("second factor: enrolment, confirmation, required code, no reuse, recovery key bypass (logged)")
    func secondFactor() throws {
        // The test's own RFC 6238 (SHA-1) against the RFC's vectors.
        #expect(SHA1.hash(Array("abc".utf8)) == [0xa9, 0x99, 0x3e, 0x36, 0x47, 0x06, 0x81, 0x6a, 0xba, 0x3e,
                                                 0x25, 0x71, 0x78, 0x50, 0xc2, 0x6c, 0x9c, 0xd0, 0xd8, 0x9d])
        let rfcSecret = Array("12345678901234567890".utf8)
        #expect(totpCode(secret: rfcSecret, step: 59 / 30, digits: 8) == "94287082")
        #expect(totpCode(secret: rfcSecret, step: 1_111_111_109 / 30, digits: 8) == "07081804")
        #expect(totpCode(secret: rfcSecret, step: 20_000_000_000 / 30, digits: 8) == "65353130")

        let p = try Practice()
        defer { p.remove() }
        let enroll = try p.asDoctor(["totp", "enroll"])
        #expect(enroll.status == 0, "\(enroll.stderr)")
        #expect(enroll.stdout.contains("en attente"), "\(enroll.stdout)")
        let uri = try #require(enroll.stdout.split(whereSeparator: { $0 == " " || $0 == "\n" })
            .map(String.init).first { $0.hasPrefix("otpauth://totp/") }, "no URI: \(enroll.stdout)")
        let components = try #require(URLComponents(string: uri))
        let secretText = try #require(components.queryItems?.first { $0.name == "secret" }?.value)
        #expect(components.queryItems?.first { $0.name == "algorithm" }?.value ?? "SHA1" == "SHA1")
        #expect(enroll.stdout.contains("Clé : \(secretText)"), "\(enroll.stdout)")
        let secret = try #require(base32Decode(secretText))
        #expect(secret.count >= 16)
        // Pending only: signing in still needs no code.
        #expect(try p.asDoctor(["verify"]).status == 0, "a pending second factor is already required")

        // Leave room in the current 30-s window for the steps below.
        let left = 30 - Date().timeIntervalSince1970.truncatingRemainder(dividingBy: 30)
        if left < 6 { Thread.sleep(forTimeInterval: left + 0.2) }
        let s = totpStep()

        let wrongConfirm = try p.asDoctor(["totp", "confirm", "--code", totpCode(secret: secret, step: s + 5)])
        #expect(wrongConfirm.status == 2, "\(wrongConfirm.stderr)")
        // The previous step's code is within the tolerance of one step.
        let confirm = try p.asDoctor(["totp", "confirm", "--code", totpCode(secret: secret, step: s - 1)])
        #expect(confirm.status == 0, "\(confirm.stderr)")

        let missing = try p.asDoctor(["verify"])
        #expect(missing.status == 2, "\(missing.stderr)")
        #expect(missing.stderr.contains("second facteur"), "\(missing.stderr)")
        #expect(!missing.stdout.contains("Coffre intact"))

        let code = totpCode(secret: secret, step: s)
        let withCode = try p.asDoctor(["verify", "--totp", code])
        #expect(withCode.status == 0, "\(withCode.stderr)")
        let replay = try p.asDoctor(["verify", "--totp", code])
        #expect(replay.status == 2, "a code was accepted twice")
        #expect(replay.stderr.contains("déjà utilisé"), "\(replay.stderr)")

        // --totp before the subcommand, like the other global options (the
        // next step's code is within the tolerance).
        let before = try p.sb.runDetached(["--totp", totpCode(secret: secret, step: s + 1), "--vault", p.vault,
                                           "--user", Practice.doctor, "--password-file", p.doctorPW, "verify"])
        #expect(before.status == 0, "\(before.stderr)")

        // The recovery key opens without a code; the bypass is logged.
        let rescue = try p.withRecoveryKey(["verify"])
        #expect(rescue.status == 0, "\(rescue.stderr)")
        let entries = try p.auditEntries(viaRecoveryKey: true)
        #expect(count(entries, action: "totp.enrolled", actor: Practice.doctor) == 1)
        #expect(count(entries, action: "totp.used", actor: Practice.doctor) == 2, "\(actions(entries))")
        #expect(count(entries, action: "totp.bypassed") >= 1)
        #expect(entries.contains { $0["action"] as? String == "signin.failed" && $0["detail"] as? String == "totp" },
                "the replayed code is not in the trail")
        let text = String(decoding: try JSONSerialization.data(withJSONObject: entries), as: UTF8.self)
        #expect(!text.contains(secretText), "the TOTP secret is in the trail")
        #expect(try p.accounts(viaRecoveryKey: true)["doc"]?["secondFactor"] as? Bool == true)
    }

    @Test("audit trail: verify, list, --since, no secret in any entry; the sign-in notice")
    func auditTrail() throws {
        let p = try Practice()
        defer { p.remove() }
        let oneTime = try p.addUser("accueil", role: "secretary")
        let newPass = "Accueil-Solide-2024!"
        _ = try p.changePassphrase("accueil", from: oneTime, to: newPass)
        let resetFile = p.sb.path("accueil.reset")
        #expect(try p.asDoctor(["user", "reset", "accueil", "--password-out", resetFile]).status == 0)
        let wrong = "Docteur-Mauvais-Motdepasse-1!"
        let bad = try p.sb.write("bad.pw", wrong)
        #expect(try p.run(["verify"], as: Practice.doctor, pw: bad).status == 2)
        #expect(try p.run(["user", "review"], as: Practice.doctor, pw: p.doctorPW).status == 0)

        let verified = try p.asDoctor(["audit", "verify"])
        #expect(verified.status == 0, "\(verified.stderr)")
        #expect(verified.stdout.contains("Journal des accès intact"), "\(verified.stdout)")
        // The passphrase came from a file: no notice (it is for people at a prompt).
        #expect(!verified.stderr.contains(noticeFR), "\(verified.stderr)")

        let entries = try p.auditEntries()
        let seqs = entries.compactMap { ($0["seq"] as? NSNumber)?.int64Value }
        #expect(seqs.count == entries.count && !seqs.isEmpty)
        #expect(zip(seqs, seqs.dropFirst()).allSatisfy { $1 == $0 + 1 }, "\(seqs)")
        let seen = Set(actions(entries))
        for action in ["vault.created", "signin", "signin.failed", "account.created", "passphrase.changed",
                       "account.reset", "accounts.reviewed", "audit.verified"] {
            #expect(seen.contains(action), "no \(action) in \(seen.sorted())")
        }
        #expect(entries.allSatisfy { ($0["actor"] as? String).map { !$0.isEmpty } ?? false })
        #expect(entries.allSatisfy { $0["at"] is String })
        #expect(entries.contains { $0["action"] as? String == "account.created" && $0["object"] as? String == "accueil" })

        // No passphrase, one-time passphrase or recovery key anywhere in the trail.
        let secrets = [passphrase, wrong, newPass, p.firstLine(oneTime), p.firstLine(resetFile),
                       p.firstLine(p.recoveryKeyFile)]
        #expect(secrets.allSatisfy { $0.count >= 12 }, "\(secrets)")
        for e in entries {
            for field in ["detail", "object", "actor", "action"] {
                guard let value = e[field] as? String else { continue }
                for s in secrets { #expect(!value.contains(s), "entry \(e["seq"] ?? "?") \(field) holds a secret") }
            }
        }

        let since = try p.auditEntries(extra: ["--since", "2000-01-01"])
        #expect(since.count >= entries.count, "--since 2000-01-01 lost entries")
        let future = try p.auditEntries(extra: ["--since", "2999-01-01"])
        #expect(future.isEmpty, "\(future)")
        // The French form is accepted like elsewhere on the command line.
        let french = try p.auditEntries(extra: ["--since", "01/01/2000"])
        #expect(french.count >= since.count, "--since 01/01/2000 lost entries")
        let badDate = try p.asDoctor(["audit", "list", "--since", "31/02/2026"])
        #expect(badDate.status == 1, "\(badDate.stderr)")
        #expect(badDate.stderr.contains("Date invalide"), "\(badDate.stderr)")

        // Without --password-file the notice comes before the prompt; with no
        // terminal the prompt itself is refused.
        let prompt = try p.run(["verify", "--user", Practice.doctor])
        #expect(prompt.status == 1, "\(prompt.stderr)")
        #expect(prompt.stderr.contains(noticeFR), "\(prompt.stderr)")
        #expect(prompt.stderr.contains("journal protégé"), "\(prompt.stderr)")
        #expect(prompt.stderr.contains("--password-file"), "\(prompt.stderr)")

        let chain = try p.asDoctor(["audit", "verify", "--json"])
        #expect(chain.status == 0, "\(chain.stderr)")
        let report = try JSONSerialization.jsonObject(with: Data(chain.stdout.utf8)) as? [String: Any]
        #expect(report?["ok"] as? Bool == true, "\(chain.stdout)")
    }
}
