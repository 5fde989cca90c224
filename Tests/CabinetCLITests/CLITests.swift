import Foundation
import Testing

// The command line as CLI.md describes it, driven through the real executable.
// Each test has its own sandbox and its own vault.

private let wrongPassphraseFR = "Identifiant ou mot de passe incorrect."
private let wrongPassphraseEN = "Wrong login or passphrase."

/// True when `key` looks like a recovery key: 8 groups of 4 Crockford base32
/// characters separated by dashes.
private func isRecoveryKey(_ key: String) -> Bool {
    let alphabet = Set("0123456789ABCDEFGHJKMNPQRSTVWXYZ")
    let groups = key.split(separator: "-", omittingEmptySubsequences: false)
    return groups.count == 8 && groups.allSatisfy { $0.count == 4 && $0.allSatisfy(alphabet.contains) }
}

/// Lines of `text` that look like a recovery key (leading spaces allowed).
private func recoveryKeys(in text: String) -> [String] {
    text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter(isRecoveryKey)
}

/// Nothing leaks a raw SQLite code, a crash or a stack trace.
private func expectCleanFailure(_ r: RunResult, sourceLocation: SourceLocation = #_sourceLocation) {
    for bad in ["SQLITE", "sqlite3_", "Fatal", "Stack", "fatalError", "Swift runtime failure"] {
        #expect(!r.stderr.contains(bad), "stderr contains \(bad): \(r.stderr)", sourceLocation: sourceLocation)
        #expect(!r.stdout.contains(bad), "stdout contains \(bad): \(r.stdout)", sourceLocation: sourceLocation)
    }
}

@Suite("cabinet init and verify")
struct InitVerifyTests {
    @Test("init then verify succeed; the file is private and sealed")
    func initThenVerify() throws {
        let sb = try Sandbox()
        defer { sb.remove() }
        let pw = try sb.write("pw.txt", passphrase)
        let vault = sb.path("cabinet.vault")

        let created = try sb.run(["init", "--vault", vault, "--doctor-name", doctorName, "--login", doctorLogin,
                                  "--password-file", pw])
        #expect(created.status == 0, "\(created.stderr)")
        #expect(created.stdout.contains("Coffre créé"))
        // Without --recovery-key-out the key is printed once, on stdout.
        #expect(recoveryKeys(in: created.stdout).count == 1, "\(created.stdout)")
        #expect(try posixMode(vault) == 0o600)

        func expectSealed(_ moment: String) {
            for file in [vault, vault + "-wal", vault + "-journal"] where exists(file) {
                let b = bytes(of: file)
                #expect(!b.contains("SQLite format 3"), "\(file) holds a clear SQLite header \(moment)")
                #expect(!b.contains(doctorName), "\(file) holds the doctor's name in clear \(moment)")
                #expect(!b.contains("cabinet_meta"), "\(file) holds the schema in clear \(moment)")
            }
        }
        #expect(bytes(of: vault).count > Layout.envelopeSize, "no database pages after init")
        expectSealed("after init")

        let verified = try sb.verify(vault, passwordFile: pw)
        #expect(verified.status == 0, "\(verified.stderr)")
        #expect(verified.stdout.contains("Coffre intact"))

        let json = try sb.verify(vault, passwordFile: pw, extra: ["--json"])
        #expect(json.status == 0, "\(json.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        let report = try #require(object, "not a JSON object: \(json.stdout)")
        #expect(report["ok"] as? Bool == true)
        #expect((report["pages"] as? Int ?? 0) >= 1)
        #expect((report["damaged"] as? [Any])?.isEmpty == true)
        expectSealed("after verify")
        #expect(try posixMode(vault) == 0o600)
    }

    @Test("init --recovery-key-out writes a private key file that opens the vault")
    func recoveryKeyOut() throws {
        let sb = try Sandbox()
        defer { sb.remove() }
        let keyFile = sb.path("secours.txt")
        let pw = try sb.write("pw.txt", passphrase)
        let vault = sb.path("cabinet.vault")
        let created = try sb.run(["init", "--vault", vault, "--doctor-name", doctorName, "--login", doctorLogin,
                                  "--password-file", pw, "--recovery-key-out", keyFile])
        #expect(created.status == 0, "\(created.stderr)")

        #expect(try posixMode(keyFile) == 0o600)
        let content = String(decoding: bytes(of: keyFile), as: UTF8.self)
        let key = try #require(content.split(separator: "\n").first.map(String.init))
        #expect(isRecoveryKey(key), "not a recovery key: \(key)")
        // Written to the file instead of the screen.
        #expect(!created.stdout.contains(key))
        #expect(recoveryKeys(in: created.stdout).isEmpty)

        let opened = try sb.run(["verify", "--vault", vault, "--recovery-key-file", keyFile])
        #expect(opened.status == 0, "\(opened.stderr)")
        #expect(opened.stdout.contains("Coffre intact"))

        // Another well-formed key is refused: the key really is checked.
        var other = Array(key)
        let i = other.firstIndex { $0 != "-" }!
        other[i] = other[i] == "0" ? "1" : "0"
        let wrongKeyFile = try sb.write("autre-cle.txt", String(other))
        let refused = try sb.run(["verify", "--vault", vault, "--recovery-key-file", wrongKeyFile])
        #expect(refused.status == 2, "\(refused.stderr)")
        #expect(refused.stderr.contains("Clé de secours incorrecte"))
        expectCleanFailure(refused)
    }

    @Test("a passphrase on standard input (--password-file -) is accepted")
    func passwordFromStandardInput() throws {
        let sb = try Sandbox()
        defer { sb.remove() }
        let (vault, _) = try sb.initVault()
        let r = try sb.run(["verify", "--vault", vault, "--user", doctorLogin, "--password-file", "-"],
                           stdin: passphrase + "\n")
        #expect(r.status == 0, "\(r.stderr)")
        let wrong = try sb.run(["verify", "--vault", vault, "--user", doctorLogin, "--password-file", "-"],
                               stdin: "Pas-Le-Bon-Motdepasse-1\n")
        #expect(wrong.status == 2, "\(wrong.stderr)")
    }
}

@Suite("Authentication failures")
struct AuthenticationTests {
    @Test("wrong passphrase: exit 2, French message, nothing written")
    func wrongPassphrase() throws {
        let sb = try Sandbox()
        defer { sb.remove() }
        let (vault, _) = try sb.initVault()
        // The vault was closed cleanly by init: no side files.
        #expect(!exists(vault + "-wal"))
        #expect(!exists(vault + "-shm"))
        let before = bytes(of: vault)

        let bad = try sb.write("mauvais.txt", "Mauvais-Motdepasse-99")
        let r = try sb.verify(vault, passwordFile: bad)
        #expect(r.status == 2)
        #expect(r.stderr.contains(wrongPassphraseFR), "\(r.stderr)")
        #expect(!r.stdout.contains("Coffre intact"))
        expectCleanFailure(r)
        #expect(!exists(vault + "-wal"), "a failed attempt created a WAL")
        #expect(!exists(vault + "-shm"), "a failed attempt created a shared-memory file")
        #expect(bytes(of: vault) == before, "a failed attempt changed the vault")
    }

    @Test("unknown login: exit 2 with the same message as a wrong passphrase")
    func unknownLogin() throws {
        let sb = try Sandbox()
        defer { sb.remove() }
        let (vault, pw) = try sb.initVault()
        let r = try sb.verify(vault, passwordFile: pw, login: "martin")
        #expect(r.status == 2)
        #expect(r.stderr.contains(wrongPassphraseFR), "\(r.stderr)")
        // No account enumeration: the message does not say the login is unknown.
        #expect(!r.stderr.contains("martin"))
        #expect(!r.stderr.contains("Aucun compte"))
        expectCleanFailure(r)
    }

    @Test("English locale: the message is in English")
    func englishMessage() throws {
        let sb = try Sandbox()
        defer { sb.remove() }
        let (vault, _) = try sb.initVault()
        let bad = try sb.write("bad.txt", "Wrong-Passphrase-1234")
        let r = try sb.verify(vault, passwordFile: bad, env: ["LANG": "en_GB.UTF-8"])
        #expect(r.status == 2)
        #expect(r.stderr.contains(wrongPassphraseEN), "\(r.stderr)")
        #expect(!r.stderr.contains(wrongPassphraseFR))
        expectCleanFailure(r)
    }
}

@Suite("Altered files")
struct AlteredFileTests {
    @Test("an altered page is reported by number, exit 3")
    func alteredPage() throws {
        let sb = try Sandbox()
        defer { sb.remove() }
        let (vault, pw) = try sb.initVault()
        let size = try fileSize(vault)
        let pages = (size - Layout.envelopeSize) / Layout.pageSize
        try #require(pages >= 2, "vault has \(pages) page(s) after init")

        // Page 1, in the middle of its ciphertext.
        try flipByte(vault, at: Layout.pageOffset(1) + 100)
        let first = try sb.verify(vault, passwordFile: pw)
        #expect(first.status == 3, "\(first.stderr)")
        #expect(first.stderr.contains("page 1 "), "\(first.stderr)")
        #expect(!first.stdout.contains("Coffre intact"))
        expectCleanFailure(first)

        // Put it back, and alter the last page instead.
        try flipByte(vault, at: Layout.pageOffset(1) + 100)
        try flipByte(vault, at: Layout.pageOffset(pages) + 2000)
        let last = try sb.verify(vault, passwordFile: pw)
        #expect(last.status == 3, "\(last.stderr)")
        #expect(last.stderr.contains("page \(pages) "), "\(last.stderr)")
        #expect(!last.stderr.contains("page 1 "), "page 1 was restored: \(last.stderr)")
        expectCleanFailure(last)

        // The JSON report names the same region.
        let json = try sb.verify(vault, passwordFile: pw, extra: ["--json"])
        #expect(json.status == 3)
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        let report = try #require(object, "not a JSON object: \(json.stdout)")
        #expect(report["ok"] as? Bool == false)
        let damaged = try #require(report["damaged"] as? [[String: Any]])
        #expect(damaged.count == 1)
        #expect(damaged.first?["region"] as? String == "page")
        #expect(damaged.first?["index"] as? Int == pages)
    }

    @Test("both envelope copies altered: exit 3 naming the header; one copy altered still opens, and verify reports it")
    func alteredEnvelope() throws {
        let sb = try Sandbox()
        defer { sb.remove() }
        let (vault, pw) = try sb.initVault()
        let both = sb.path("both.vault"), one = sb.path("one.vault")
        try FileManager.default.copyItem(atPath: vault, toPath: both)
        try FileManager.default.copyItem(atPath: vault, toPath: one)

        try flipByte(both, at: 100)
        try flipByte(both, at: Layout.copySize + 100)
        let broken = try sb.verify(both, passwordFile: pw)
        #expect(broken.status == 3, "\(broken.stderr)")
        #expect(broken.stderr.contains("en-tête"), "\(broken.stderr)")
        expectCleanFailure(broken)

        try flipByte(one, at: 100)
        let rescued = try sb.verify(one, passwordFile: pw)
        // The intact second copy opens the vault (its pages are authenticated),
        // and verify still reports the damaged copy as an integrity failure.
        #expect(rescued.stdout.contains("pages"), "the intact second copy should open the vault: \(rescued.stderr)")
        #expect(rescued.status == 3, "\(rescued.stderr)")
        #expect(rescued.stderr.contains("Une des deux copies"), "\(rescued.stderr)")
    }

    @Test("a newer format version is refused with exit 1")
    func futureFormat() throws {
        let sb = try Sandbox()
        defer { sb.remove() }
        let (vault, pw) = try sb.initVault()
        for base in [0, Layout.copySize] {
            var copy = Array(bytes(of: vault)[base..<(base + Layout.copySize)])
            // The checksum must match before we touch anything.
            #expect(Array(copy[Layout.checksumOffset...]) == Blake2b.hash(Array(copy[0..<Layout.checksumOffset])))
            copy.replaceSubrange(8..<12, with: [99, 0, 0, 0])
            copy.replaceSubrange(Layout.checksumOffset..<Layout.copySize,
                                 with: Blake2b.hash(Array(copy[0..<Layout.checksumOffset])))
            try overwrite(vault, at: base, with: copy)
        }
        let r = try sb.verify(vault, passwordFile: pw)
        #expect(r.status == 1, "\(r.stderr)")
        #expect(r.stderr.contains("version plus récente"), "\(r.stderr)")
        #expect(r.stderr.contains("99"))
        expectCleanFailure(r)
    }

    @Test("the test's byte search finds what it looks for")
    func byteSearchSelfCheck() {
        #expect(Array("..SQLite format 3\0..".utf8).contains("SQLite format 3"))
        #expect(Array("Dr Fictif Dupont".utf8).contains(doctorName))
        #expect(!Array("SQLite format".utf8).contains("SQLite format 3"))
        #expect(![UInt8]().contains("x"))
    }

    @Test("the test's BLAKE2b matches known answers")
    func blake2bKnownAnswers() {
        // Reference values from Python's hashlib.blake2b(digest_size=32).
        #expect(hex(Blake2b.hash([])) == "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8")
        #expect(hex(Blake2b.hash(Array("abc".utf8))) == "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319")
        let long = (0..<40).flatMap { _ in (0...255).map { UInt8($0) } }
        #expect(hex(Blake2b.hash(long)) == "1ed0d7616785400ccd2dc0ba224e13482b6120adff1b9cd7fb31be806b6892d1")
    }
}

@Suite("Files that are not vaults, places that cannot hold one")
struct FileKindTests {
    @Test("random bytes: exit 3, not a vault")
    func randomBytes() throws {
        let sb = try Sandbox()
        defer { sb.remove() }
        let path = sb.path("photo.jpg")
        var generator = SystemRandomNumberGenerator()
        let noise = (0..<20000).map { _ in UInt8.random(in: 0...255, using: &generator) }
        try Data(noise).write(to: URL(fileURLWithPath: path))
        let pw = try sb.write("pw.txt", passphrase)
        let r = try sb.verify(path, passwordFile: pw)
        #expect(r.status == 3, "\(r.stderr)")
        #expect(r.stderr.contains("n'est pas un coffre"), "\(r.stderr)")
        expectCleanFailure(r)
        #expect(bytes(of: path) == noise, "the file was changed")
        #expect(!exists(path + "-wal") && !exists(path + "-shm"))
    }

    @Test("empty file: exit 3, is empty")
    func emptyFile() throws {
        let sb = try Sandbox()
        defer { sb.remove() }
        let path = sb.path("vide.vault")
        #expect(FileManager.default.createFile(atPath: path, contents: Data()))
        let pw = try sb.write("pw.txt", passphrase)
        let r = try sb.verify(path, passwordFile: pw)
        #expect(r.status == 3, "\(r.stderr)")
        #expect(r.stderr.contains("est vide"), "\(r.stderr)")
        expectCleanFailure(r)
        #expect(try fileSize(path) == 0)
    }

    @Test("a directory as --vault: exit 1, is a directory")
    func directory() throws {
        let sb = try Sandbox()
        defer { sb.remove() }
        let dir = sb.path("dossier")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: false)
        let pw = try sb.write("pw.txt", passphrase)
        let r = try sb.verify(dir, passwordFile: pw)
        #expect(r.status == 1, "\(r.stderr)")
        #expect(r.stderr.contains("est un dossier"), "\(r.stderr)")
        let i = try sb.run(["init", "--vault", dir, "--doctor-name", doctorName, "--login", doctorLogin,
                            "--password-file", pw])
        #expect(i.status == 1, "\(i.stderr)")
        #expect(i.stderr.contains("est un dossier"), "\(i.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).isEmpty)
    }

    @Test("init under a missing folder: exit 7, does not exist")
    func missingParent() throws {
        let sb = try Sandbox()
        defer { sb.remove() }
        let pw = try sb.write("pw.txt", passphrase)
        let r = try sb.run(["init", "--vault", "/nonexistent-dir-xyz/v.vault", "--doctor-name", doctorName,
                            "--login", doctorLogin, "--password-file", pw])
        #expect(r.status == 7, "\(r.stderr)")
        #expect(r.stderr.contains("n'existe pas"), "\(r.stderr)")
        #expect(r.stderr.contains("/nonexistent-dir-xyz"))
        expectCleanFailure(r)
        #expect(!exists("/nonexistent-dir-xyz"))
    }

    @Test("verify of a vault that does not exist: exit 5")
    func vaultNotFound() throws {
        let sb = try Sandbox()
        defer { sb.remove() }
        let pw = try sb.write("pw.txt", passphrase)
        let missing = sb.path("absent.vault")
        let r = try sb.verify(missing, passwordFile: pw)
        #expect(r.status == 5, "\(r.stderr)")
        #expect(r.stderr.contains(missing), "\(r.stderr)")
        expectCleanFailure(r)
        #expect(!exists(missing), "verify created the vault")
    }

    @Test("verify of a vault whose folder does not exist: exit 5, not found")
    func vaultFolderNotFound() throws {
        let sb = try Sandbox()
        defer { sb.remove() }
        let pw = try sb.write("pw.txt", passphrase)
        let missing = sb.path("pas-de-dossier/cabinet.vault")
        let r = try sb.verify(missing, passwordFile: pw)
        // Nothing is being written: the vault is simply not there (CLI.md: 5 not found).
        #expect(r.status == 5, "\(r.stderr)")
        #expect(r.stderr.contains(missing), "\(r.stderr)")
        expectCleanFailure(r)
        #expect(!exists(sb.path("pas-de-dossier")), "verify created the folder")
    }

    @Test("init where nothing can be written: exit 7, nothing created")
    func readOnlyLocation() throws {
        let sb = try Sandbox()
        defer { sb.remove() }
        // Tests run as root, which ignores permission bits; /proc refuses new
        // files even to root.
        let target = "/proc/cabinet-test-\(UUID().uuidString).vault"
        let key = sb.path("secours.txt")
        let pw = try sb.write("pw.txt", passphrase)
        let r = try sb.run(["init", "--vault", target, "--doctor-name", doctorName, "--login", doctorLogin,
                            "--password-file", pw, "--recovery-key-out", key])
        #expect(r.status == 7, "\(r.stderr)")
        expectCleanFailure(r)
        #expect(!exists(target))
        #expect(!exists(key), "the recovery key file was left behind")
    }

    @Test("init where nothing can be written: the message says the place is not writable")
    func readOnlyLocationMessage() throws {
        let sb = try Sandbox()
        defer { sb.remove() }
        let target = "/proc/cabinet-test-\(UUID().uuidString).vault"
        let pw = try sb.write("pw.txt", passphrase)
        let r = try sb.run(["init", "--vault", target, "--doctor-name", doctorName, "--login", doctorLogin,
                            "--password-file", pw])
        #expect(r.status == 7)
        // error.read_only; /proc exists, so "Le dossier … n'existe pas" would be false.
        #expect(r.stderr.contains("Impossible d'écrire"), "\(r.stderr)")
        #expect(!r.stderr.contains("Le dossier \(target)"), "the vault file is named as a missing folder: \(r.stderr)")
    }
}

@Suite("init refuses to overwrite, and to create a weak account")
struct InitRefusalTests {
    @Test("init on an existing vault: exit 6, file unchanged; existing key file: vault not created")
    func existingFiles() throws {
        let sb = try Sandbox()
        defer { sb.remove() }
        let (vault, pw) = try sb.initVault()
        let before = bytes(of: vault)
        let again = try sb.run(["init", "--vault", vault, "--doctor-name", "Dr Autre Fictif", "--login", "autre",
                                "--password-file", pw])
        #expect(again.status == 6, "\(again.stderr)")
        #expect(again.stderr.contains(vault), "\(again.stderr)")
        expectCleanFailure(again)
        #expect(bytes(of: vault) == before, "init changed an existing vault")

        let keyFile = try sb.write("cle-existante.txt", "contenu précieux")
        let keyBefore = bytes(of: keyFile)
        let fresh = sb.path("nouveau.vault")
        let r = try sb.run(["init", "--vault", fresh, "--doctor-name", doctorName, "--login", doctorLogin,
                            "--password-file", pw, "--recovery-key-out", keyFile])
        #expect(r.status != 0)
        #expect(r.stderr.contains("existe déjà"), "\(r.stderr)")
        expectCleanFailure(r)
        #expect(!exists(fresh), "the vault was created although the key could not be written")
        #expect(!exists(fresh + "-wal") && !exists(fresh + "-shm"))
        #expect(bytes(of: keyFile) == keyBefore, "the existing key file was overwritten")
    }

    @Test("weak passphrase at init: exit 1, what is missing is listed, no vault")
    func weakPassphrase() throws {
        let sb = try Sandbox()
        defer { sb.remove() }
        let weak = try sb.write("faible.txt", "court")
        let vault = sb.path("cabinet.vault")
        let key = sb.path("secours.txt")
        let r = try sb.run(["init", "--vault", vault, "--doctor-name", doctorName, "--login", doctorLogin,
                            "--password-file", weak, "--recovery-key-out", key])
        #expect(r.status == 1, "\(r.stderr)")
        #expect(r.stderr.contains("au moins 12 caractères"), "\(r.stderr)")
        #expect(r.stderr.contains("au moins une majuscule"))
        #expect(r.stderr.contains("au moins un chiffre"))
        #expect(!r.stderr.contains("minuscule"), "\"court\" has lower case letters")
        expectCleanFailure(r)
        #expect(!exists(vault))
        #expect(!exists(vault + "-wal") && !exists(vault + "-shm"))
        #expect(!exists(key), "the recovery key file was left behind")
    }
}

@Suite("cabinet passwd")
struct PasswdTests {
    @Test("passwd: the new passphrase opens, the old one no longer does, the recovery key still does")
    func changePassphrase() throws {
        let sb = try Sandbox()
        defer { sb.remove() }
        let keyFile = sb.path("secours.txt")
        let (vault, old) = try sb.initVault(recoveryKeyOut: keyFile)
        let new = try sb.write("nouveau.txt", "Autre-Phrase-Solide-77")

        let r = try sb.run(["passwd", "--vault", vault, "--user", doctorLogin, "--password-file", old,
                            "--new-password-file", new])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try posixMode(vault) == 0o600)

        let withOld = try sb.verify(vault, passwordFile: old)
        #expect(withOld.status == 2, "\(withOld.stderr)")
        #expect(withOld.stderr.contains(wrongPassphraseFR))

        let withNew = try sb.verify(vault, passwordFile: new)
        #expect(withNew.status == 0, "\(withNew.stderr)")

        let withKey = try sb.run(["verify", "--vault", vault, "--recovery-key-file", keyFile])
        #expect(withKey.status == 0, "\(withKey.stderr)")
    }

    @Test("after passwd, damaging the newer envelope copy does not bring the old passphrase back")
    func noRollbackToOldPassphrase() throws {
        let sb = try Sandbox()
        defer { sb.remove() }
        let (vault, old) = try sb.initVault()
        let new = try sb.write("nouveau.txt", "Autre-Phrase-Solide-77")
        let r = try sb.run(["passwd", "--vault", vault, "--user", doctorLogin, "--password-file", old,
                            "--new-password-file", new])
        try #require(r.status == 0, "\(r.stderr)")

        // The copy with the higher generation (u64 LE at offset 52) is the newer one.
        let b = bytes(of: vault)
        func generation(_ base: Int) -> UInt64 {
            (0..<8).reduce(UInt64(0)) { $0 | UInt64(b[base + 52 + $1]) << (8 * UInt64($1)) }
        }
        let newer = generation(0) > generation(Layout.copySize) ? 0 : Layout.copySize
        try flipByte(vault, at: newer + 100)

        // A changed passphrase stays changed: one damaged byte must not revive
        // the old one (it may have been changed because it leaked).
        let withOld = try sb.verify(vault, passwordFile: old)
        #expect(withOld.status != 0, "the old passphrase opens the vault again: \(withOld.stdout)")
    }

    @Test("a vault of the previous format is upgraded at the doctor's first sign-in, which says so once")
    func upgradeFromFormatOne() throws {
        let sb = try Sandbox()
        defer { sb.remove() }
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/format1/format1-vault.bin")
        let vault = sb.path("ancien.vault")
        try FileManager.default.copyItem(atPath: fixture.path, toPath: vault)
        let pw = try sb.write("ancien.pw", "Lampe-Verte-Ocean-Piano-42")
        let first = try sb.verify(vault, passwordFile: pw, login: "drmartin")
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stderr.contains("Mise à niveau du coffre"), "\(first.stderr)")
        let second = try sb.verify(vault, passwordFile: pw, login: "drmartin")
        #expect(second.status == 0 && !second.stderr.contains("Mise à niveau"), "\(second.stderr)")
    }

    @Test("passwd refuses a weak new passphrase and keeps the old one")
    func weakNewPassphrase() throws {
        let sb = try Sandbox()
        defer { sb.remove() }
        let (vault, old) = try sb.initVault()
        // The key slots of both copies (the rest of the envelope may record
        // the database's size at the doctor's sign-in).
        func slots() -> [UInt8] {
            let b = bytes(of: vault)
            return Array(b[64..<7264]) + Array(b[(Layout.copySize + 64)..<(Layout.copySize + 7264)])
        }
        let before = slots()
        let weak = try sb.write("faible.txt", "court")
        let r = try sb.run(["passwd", "--vault", vault, "--user", doctorLogin, "--password-file", old,
                            "--new-password-file", weak])
        #expect(r.status == 1, "\(r.stderr)")
        #expect(r.stderr.contains("au moins 12 caractères"), "\(r.stderr)")
        expectCleanFailure(r)
        #expect(slots() == before, "a key slot changed")
    }
}

@Suite("Command-line parsing")
struct ParsingTests {
    @Test("global options before the subcommand act as after it")
    func globalOptionsBeforeSubcommand() throws {
        let sb = try Sandbox()
        defer { sb.remove() }
        let (vault, pw) = try sb.initVault()
        let r = try sb.run(["--vault", vault, "--user", doctorLogin, "--password-file", pw, "verify"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("Coffre intact"))

        // The hoisted --vault is really the one used (not the default path),
        // in both spellings.
        let missing = sb.path("absent.vault")
        let m1 = try sb.run(["--vault", missing, "--user", doctorLogin, "--password-file", pw, "verify"])
        #expect(m1.status == 5, "\(m1.stderr)")
        #expect(m1.stderr.contains(missing))
        let m2 = try sb.run(["--vault=\(missing)", "--user=\(doctorLogin)", "verify", "--password-file", pw])
        #expect(m2.status == 5, "\(m2.stderr)")
        #expect(m2.stderr.contains(missing))
    }

    @Test("without --vault, init and verify use $XDG_DATA_HOME/cabinet/cabinet.vault")
    func defaultVaultPath() throws {
        let sb = try Sandbox()
        defer { sb.remove() }
        let pw = try sb.write("pw.txt", passphrase)
        let expected = sb.dir.path + "/cabinet/cabinet.vault"
        let created = try sb.run(["init", "--doctor-name", doctorName, "--login", doctorLogin, "--password-file", pw])
        #expect(created.status == 0, "\(created.stderr)")
        #expect(exists(expected))
        #expect(try posixMode(expected) == 0o600)
        #expect(try posixMode(sb.dir.path + "/cabinet") == 0o700, "the default folder is not private")
        let r = try sb.run(["verify", "--user", doctorLogin, "--password-file", pw])
        #expect(r.status == 0, "\(r.stderr)")
        // $CABINET_VAULT comes before the XDG default.
        let elsewhere = sb.path("ailleurs.vault")
        let env = try sb.run(["verify", "--user", doctorLogin, "--password-file", pw], env: ["CABINET_VAULT": elsewhere])
        #expect(env.status == 5, "\(env.stderr)")
        #expect(env.stderr.contains(elsewhere), "\(env.stderr)")
    }

    @Test("--help lists the subcommands; an unknown option is a usage error")
    func helpAndUnknownOption() throws {
        let sb = try Sandbox()
        defer { sb.remove() }
        let help = try sb.run(["--help"])
        #expect(help.status == 0, "\(help.stderr)")
        for sub in ["init", "verify", "passwd"] {
            #expect(help.stdout.contains(sub), "--help does not list \(sub)")
        }
        #expect(help.stdout.contains("--password-file"))

        let unknown = try sb.run(["verify", "--no-such-option"])
        #expect(unknown.status == 1, "\(unknown.stderr)")
        #expect(unknown.stderr.contains("--no-such-option"))
        expectCleanFailure(unknown)

        let unknownCommand = try sb.run(["no-such-command"])
        #expect(unknownCommand.status == 1, "\(unknownCommand.stderr)")

        // The parser's own words in French too (issue 13).
        for word in ["OVERVIEW", "USAGE:", "SUBCOMMANDS", "Show help information"] {
            #expect(!help.stdout.contains(word), "\(word) in the French help:\n\(help.stdout)")
        }
        #expect(help.stdout.contains("UTILISATION :") && help.stdout.contains("SOUS-COMMANDES :"), "\(help.stdout)")
        for word in ["Error:", "Did you mean", "Unknown option"] {
            #expect(!unknown.stderr.contains(word) && !unknownCommand.stderr.contains(word), "\(word): \(unknown.stderr)")
        }
    }

    @Test("a passphrase is never accepted as a plain argument")
    func noPasswordOption() throws {
        let sb = try Sandbox()
        defer { sb.remove() }
        for args in [["verify", "--password", "x"], ["verify", "--password=x"], ["--password", "x", "verify"],
                     ["init", "--doctor-name", doctorName, "--login", doctorLogin, "--password", passphrase]] {
            let r = try sb.run(args)
            #expect(r.status == 1, "\(args): \(r.stderr)")
            expectCleanFailure(r)
        }
        #expect(!exists(sb.dir.path + "/cabinet/cabinet.vault"))
        let help = try sb.run(["verify", "--help"])
        #expect(!help.stdout.contains("--password "), "\(help.stdout)")
    }
}

@Suite("Passphrases typed decomposed")
struct DecomposedPassphraseCLITests {
    @Test("a passphrase set composed opens from a decomposed password file, and the reverse")
    func decomposedPasswordFile() throws {
        let sb = try Sandbox()
        defer { sb.remove() }
        let accented = "Hélène-Fictive-Été-42"
        let nfc = try sb.write("nfc.txt", accented.precomposedStringWithCanonicalMapping + "\n")
        let nfd = try sb.write("nfd.txt", accented.decomposedStringWithCanonicalMapping + "\n")
        let vault = sb.path("accents.vault")
        let r = try sb.run(["init", "--vault", vault, "--doctor-name", doctorName, "--login", doctorLogin, "--password-file", nfd])
        try #require(r.status == 0, "\(r.stderr)")
        #expect(try sb.verify(vault, passwordFile: nfc).status == 0)
        #expect(try sb.verify(vault, passwordFile: nfd).status == 0)
    }
}
