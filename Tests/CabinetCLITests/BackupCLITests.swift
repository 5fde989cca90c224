import Foundation
import Testing

/// `cabinet backup …` and `cabinet restore` as a practice's IT helper or a
/// doctor runs them: real files, real processes, exit codes from CLI.md.
@Suite("Backups from the command line")
struct BackupCLITests {
    /// A vault with a few MB of demo data in `coffre/`, backups going to
    /// `sauvegardes/` beside it (another folder).
    func practice(_ sb: Sandbox, patients: Int = 150) throws -> (vault: String, pw: String, dest: String) {
        let (vault, pw, _) = try sb.practiceWithFrontDesk(doctorName: doctorName, doctorPassphrase: passphrase,
                                                           frontDeskPassphrase: "Orage-Lilas-Fictif-2026!")
        let demo = try sb.run(["demo", "--vault", vault, "--user", "doc", "--password-file", pw,
                               "--patients", String(patients), "--years", "3"])
        try #require(demo.status == 0, "\(demo.stderr)")
        let dest = sb.path("sauvegardes")
        try FileManager.default.createDirectory(atPath: dest, withIntermediateDirectories: true)
        return (vault, pw, dest)
    }

    func backups(_ dest: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dest)) ?? []).sorted()
    }

    @Test("backup run, list, verify, then restore into a new vault that verifies")
    func aFullRoundTrip() throws {
        let sb = try Sandbox()
        defer { sb.remove() }
        let (vault, pw, dest) = try practice(sb)
        let auth = ["--vault", vault, "--user", "doc", "--password-file", pw]
        let run = try sb.run(["backup", "run", "--to", dest] + auth)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("Sauvegarde vérifiée par restauration"), "\(run.stdout)")
        let files = backups(dest)
        #expect(files.count == 1 && files[0].hasSuffix(".cbak"), "\(files)")
        let file = dest + "/" + files[0]
        #expect(try fileSize(file) > 2_000_000)
        #expect(try posixMode(file) == 0o600)

        let list = try sb.run(["backup", "list", "--json"] + auth)
        #expect(list.status == 0, "\(list.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [String: Any])
        let entries = try #require(json["backups"] as? [[String: Any]])
        #expect(entries.count == 1 && entries[0]["state"] as? String == "verified" && entries[0]["path"] as? String == file)

        let check = try sb.run(["backup", "verify", file] + auth)
        #expect(check.status == 0, "\(check.stderr)")

        // A backup is put back, never opened as the vault.
        let opened = try sb.run(["verify", "--vault", file, "--user", "doc", "--password-file", pw])
        #expect(opened.status == 1 && opened.stderr.contains("est une sauvegarde"), "\(opened.stderr)")

        let target = sb.path("nouveau/cabinet.vault")
        try FileManager.default.createDirectory(atPath: sb.path("nouveau"), withIntermediateDirectories: true)
        let wrong = try sb.write("wrong.pw", "Pas-Le-Bon-Motdepasse-1")
        let refused = try sb.run(["restore", file, "--to", target, "--user", "doc", "--password-file", wrong])
        #expect(refused.status == 2 && !exists(target), "\(refused.stderr)")
        let restore = try sb.run(["restore", file, "--to", target, "--user", "doc", "--password-file", pw])
        #expect(restore.status == 0, "\(restore.stderr)")
        #expect(restore.stdout.contains("Coffre restauré et vérifié"), "\(restore.stdout)")
        let verify = try sb.run(["verify", "--vault", target, "--user", "doc", "--password-file", pw])
        #expect(verify.status == 0, "\(verify.stderr)")
        let again = try sb.run(["restore", file, "--to", target, "--user", "doc", "--password-file", pw])
        #expect(again.status == 6, "never over an existing file: \(again.stderr)")
    }

    @Test("a damaged backup exits 3 naming the page, and is set aside as failed")
    func aDamagedBackupExits3() throws {
        let sb = try Sandbox()
        defer { sb.remove() }
        let (vault, pw, dest) = try practice(sb, patients: 40)
        let auth = ["--vault", vault, "--user", "doc", "--password-file", pw]
        #expect(try sb.run(["backup", "run", "--to", dest] + auth).status == 0)
        let file = dest + "/" + backups(dest)[0]
        try flipByte(file, at: Layout.pageOffset(5) + 777)
        let r = try sb.run(["backup", "verify", file] + auth)
        #expect(r.status == 3, "\(r.stderr)")
        #expect(r.stderr.contains("endommagée") && r.stderr.contains("page 5"), "\(r.stderr)")
        #expect(!r.stderr.contains("code"), "no raw SQLite code: \(r.stderr)")
        #expect(backups(dest) == [PathNamesTest.name(file) + ".failed"])
        let list = try sb.run(["backup", "list"] + auth)
        #expect(list.stdout.contains("ÉCHEC"), "\(list.stdout)")
    }

    @Test("refused destinations: missing (7), the vault's own folder (1), another practice's backup (6)")
    func refusedDestinations() throws {
        let sb = try Sandbox()
        defer { sb.remove() }
        let (vault, pw, dest) = try practice(sb, patients: 10)
        let auth = ["--vault", vault, "--user", "doc", "--password-file", pw]
        let missing = try sb.run(["backup", "run", "--to", sb.path("absent")] + auth)
        #expect(missing.status == 7 && missing.stderr.contains("n'existe pas"), "\(missing.stderr)")
        let beside = try sb.run(["backup", "run", "--to", sb.path("coffre")] + auth)
        #expect(beside.status == 1 && beside.stderr.contains("à côté de l'original"), "\(beside.stderr)")
        let noTo = try sb.run(["backup", "run"] + auth)
        #expect(noTo.status == 1 && noTo.stderr.contains("--to"), "\(noTo.stderr)")

        // Another practice's backup.
        let other = sb.path("autre")
        try FileManager.default.createDirectory(atPath: other, withIntermediateDirectories: true)
        let init2 = try sb.run(["init", "--vault", other + "/autre.vault", "--doctor-name", "Dr Autre Fictif", "--login", "doc",
                                "--password-file", pw])
        try #require(init2.status == 0, "\(init2.stderr)")
        #expect(try sb.run(["backup", "run", "--to", dest, "--vault", other + "/autre.vault", "--user", "doc",
                            "--password-file", pw]).status == 0)
        let theirs = dest + "/" + backups(dest)[0]
        let r = try sb.run(["backup", "verify", theirs] + auth)
        #expect(r.status == 6 && r.stderr.contains("autre cabinet"), "\(r.stderr)")
    }

    /// A write that fails half-way (a file-size limit stands in for a full
    /// disk): exit 7 with the space needed and free, nothing left in the
    /// folder, the vault untouched.
    @Test("a write failing half-way leaves nothing and the vault intact")
    func aWriteFailingHalfWay() throws {
        let sb = try Sandbox()
        defer { sb.remove() }
        let (vault, pw, dest) = try practice(sb)
        let exe = try cabinetExecutable().path
        // 2 MiB: the vault itself is read, never written past that here.
        let script = "trap '' XFSZ; ulimit -f 2048; exec \"$0\" backup run --to \"$1\" --vault \"$2\" --user doc --password-file \"$3\""
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-c", script, exe, dest, vault, pw]
        process.environment = ["LANG": "fr_FR.UTF-8", "HOME": sb.dir.path, "XDG_DATA_HOME": sb.dir.path, "PATH": "/usr/bin:/bin"]
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 7, "\(message)")
        #expect(message.contains("n'a pas pu être écrite") && message.contains("Rien n'a été laissé"), "\(message)")
        #expect(backups(dest).isEmpty, "left behind: \(backups(dest))")
        let verify = try sb.run(["verify", "--vault", vault, "--user", "doc", "--password-file", pw])
        #expect(verify.status == 0, "\(verify.stderr)")
    }

    /// kill -9 at many moments of a backup: never a file under a backup's
    /// name that does not verify; the next run clears what was left.
    @Test("kill -9 during a backup never leaves a backup that does not verify")
    func killedBackups() throws {
        let sb = try Sandbox()
        defer { sb.remove() }
        let (vault, pw, dest) = try practice(sb)
        let auth = ["--vault", vault, "--user", "doc", "--password-file", pw]
        let exe = try cabinetExecutable()
        // How long a whole run takes here, to spread the kills over it.
        let t0 = Date()
        #expect(try sb.run(["backup", "run", "--to", dest] + auth).status == 0)
        let whole = Date().timeIntervalSince(t0)
        for f in backups(dest) { try FileManager.default.removeItem(atPath: dest + "/" + f) }
        let rounds = 10
        for i in 0..<rounds {
            let p = Process()
            p.executableURL = exe
            p.arguments = ["backup", "run", "--to", dest] + auth
            p.environment = ["LANG": "fr_FR.UTF-8", "HOME": sb.dir.path, "XDG_DATA_HOME": sb.dir.path, "PATH": "/usr/bin:/bin"]
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            p.standardInput = FileHandle.nullDevice
            try p.run()
            usleep(useconds_t(whole * 1_000_000 * Double(i + 1) / Double(rounds + 1)))
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
            for name in backups(dest) where name.hasSuffix(".cbak") {
                let r = try sb.run(["backup", "verify", dest + "/" + name] + auth)
                #expect(r.status == 0, "round \(i): \(name) is named as a backup but does not verify: \(r.stderr)")
            }
        }
        // A normal run afterwards leaves only backups.
        #expect(try sb.run(["backup", "run", "--to", dest] + auth).status == 0)
        #expect(backups(dest).allSatisfy { $0.hasSuffix(".cbak") }, "\(backups(dest))")
    }
}

enum PathNamesTest {
    static func name(_ path: String) -> String { URL(fileURLWithPath: path).lastPathComponent }
}
