import Foundation
import Testing

/// The README's steps for a stolen computer or a dead disk, run as written
/// on a "new computer" (an empty home) with only the backup folder and the
/// recovery key.
@Suite("The README's restore steps")
struct ReadmeRestoreTests {
    /// The shell block after the `restore-steps` marker.
    static func steps() throws -> String {
        let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("README.md")
        let text = try String(contentsOf: readme, encoding: .utf8)
        let marker = try #require(text.range(of: "<!-- restore-steps"))
        let rest = text[marker.upperBound...]
        let open = try #require(rest.range(of: "```sh\n"))
        let close = try #require(rest[open.upperBound...].range(of: "```"))
        return String(rest[open.upperBound..<close.lowerBound])
    }

    @Test("a new computer gets the practice back from the backup and the recovery key")
    func theStepsRunAsWritten() throws {
        let sb = try Sandbox()
        defer { sb.remove() }
        // The old computer: a vault with data, backed up to "the USB disk".
        let keyOut = sb.path("old-key.txt")
        try FileManager.default.createDirectory(atPath: sb.path("ancien"), withIntermediateDirectories: true)
        let pw = try sb.write("doc.pw", passphrase)
        let vault = sb.path("ancien/cabinet.vault")
        let made = try sb.run(["init", "--vault", vault, "--doctor-name", doctorName, "--login", doctorLogin,
                               "--password-file", pw, "--recovery-key-out", keyOut])
        try #require(made.status == 0, "\(made.stderr)")
        let disk = sb.path("usb/sauvegardes")
        try FileManager.default.createDirectory(atPath: disk, withIntermediateDirectories: true)
        let add = try sb.run(["patient", "add", "--last-name", "Fictif", "--first-name", "Paul", "--birth-date", "1980-02-29",
                              "--vault", vault, "--user", doctorLogin, "--password-file", pw])
        try #require(add.status == 0, "\(add.stderr)")
        let backup = try sb.run(["backup", "run", "--to", disk, "--vault", vault, "--user", doctorLogin, "--password-file", pw])
        try #require(backup.status == 0, "\(backup.stderr)")

        // The new computer: an empty home, the recovery key typed into a file.
        let home = sb.path("nouvel-ordinateur")
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: keyOut, toPath: home + "/cle-de-secours.txt")
        let script = try Self.steps().replacingOccurrences(of: "/media/usb/sauvegardes", with: disk)
        let exeDir = try cabinetExecutable().deletingLastPathComponent().path
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/bash")
        p.arguments = ["-euo", "pipefail", "-c", script]
        p.environment = ["HOME": home, "LANG": "fr_FR.UTF-8", "PATH": exeDir + ":/usr/bin:/bin"]
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        try p.run()
        let said = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let errors = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 0, "\(said)\n\(errors)")
        #expect(said.contains("Coffre restauré et vérifié") && said.contains("Coffre intact"), "\(said)")
        #expect(!exists(home + "/cle-de-secours.txt"), "the key file is removed")
        // The practice is back: its patient, with the doctor's own passphrase.
        let restored = home + "/.local/share/cabinet/cabinet.vault"
        let find = try sb.run(["patient", "find", "Fictif", "--vault", restored, "--user", doctorLogin, "--password-file", pw])
        #expect(find.status == 0 && find.stdout.contains("FICTIF"), "\(find.stdout)\(find.stderr)")
    }
}
