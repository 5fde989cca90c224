import CabinetCore
import CabinetCoreTesting
import Foundation
import Testing
import TerminalUI
import TerminalUITesting
@testable import CabinetApp

/// F6 as the front desk and the doctor use it: choose the folder, back up,
/// see what counts.
@Suite struct BackupScreenTests {
    /// The screen's words with the wrapping undone (a message wraps at 80).
    func words(_ h: Harness) -> String {
        h.text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
    }

    /// A real folder (the destination rule looks at the disk), with an
    /// accent typed decomposed in its name, as a paste from a Mac gives it.
    func folder() throws -> String {
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("cabinet-f6-\(UUID().uuidString)-Sauvegardes été").path.precomposedStringWithCanonicalMapping
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test func theFrontDeskChoosesAFolderBacksUpAndSeesItVerified() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let h = Harness()
        h.fake.repositories.backup.recorded = []
        h.runner.step(nil)
        h.signIn("accueil", "Accueil-Fictif-Secret-17")
        h.keys(.function(6))
        #expect(h.runner.state.route == .main(.backup))
        #expect(h.text.contains("Aucune sauvegarde vérifiée"), "\(h.text)")
        #expect(h.text.contains("Aucun dossier de sauvegarde choisi"))
        // s with no folder: the folder is asked first.
        h.keys(.char("s"))
        #expect(h.runner.state.backup.editing != nil)
        #expect(h.text.contains("Choisissez d'abord le dossier"))
        // Pasted decomposed: the same folder as the composed one.
        h.runner.step(.paste(dir.decomposedStringWithCanonicalMapping))
        h.keys(.enter)
        #expect(h.runner.state.backup.editing == nil, "\(h.text)")
        #expect(h.fake.repositories.backup.chosenDestination == dir)
        #expect(h.text.contains("libres"), "the free space is shown: \(h.text)")
        h.keys(.char("s"))
        #expect(h.runner.state.work == nil)
        #expect(h.text.contains("Dernière sauvegarde vérifiée"), "\(h.text)")
        #expect(h.text.contains("vérifiée") && h.text.contains(".cbak"))
        #expect(h.fake.repositories.backup.calls.contains("verify"))
    }

    @Test func aFailedCheckIsSaidInRedUntilAGoodBackupExists() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let h = Harness()
        h.fake.repositories.backup.recorded = []
        h.fake.repositories.backup.chosenDestination = dir
        // The next backup's check fails on its 3rd page.
        let name = BackupRules.fileName(at: h.now)
        h.fake.repositories.backup.damaged[PathNames.join(dir, name)] = .page(3)
        h.runner.step(nil)
        h.signIn("doc", "Tres-Bon-Motdepasse-42")
        h.keys(.function(6), .char("s"))
        #expect(h.text.contains("ÉCHOUÉ"), "\(h.text)")
        #expect(words(h).contains("(page 3)"), "the region is named: \(h.text)")
        let red = try #require(h.screen.current)
        let row = try #require((0..<red.rows).first { red.line($0).contains("ÉCHOUÉ") })
        #expect(red[2, row].style.role == .error)
        // A later good one: the banner goes.
        h.now = h.now.addingTimeInterval(60)
        h.keys(.char("s"))
        #expect(!h.text.contains("a ÉCHOUÉ à la vérification"), "\(h.text)")
        #expect(h.text.contains("Dernière sauvegarde vérifiée"))
    }

    @Test func aFolderBesideTheVaultIsRefusedInFrenchAndEscapeLeaves() throws {
        let h = Harness()
        let vaultDir = try folder()
        defer { try? FileManager.default.removeItem(atPath: vaultDir) }
        h.fake.repositories.backup.vaultPath = PathNames.join(vaultDir, "cabinet.vault")
        h.runner.step(nil)
        h.signIn("doc", "Tres-Bon-Motdepasse-42")
        h.keys(.function(6), .char("d"))
        h.runner.step(.paste(vaultDir))
        h.keys(.enter)
        #expect(h.runner.state.backup.editing != nil)
        #expect(words(h).contains("à côté de l'original"), "\(h.text)")
        h.keys(.escape)
        #expect(h.runner.state.backup.editing == nil)
        #expect(h.runner.state.route == .main(.backup), "Échap closes the field, not the screen")
        #expect(h.fake.repositories.backup.chosenDestination == nil)
    }

    /// Late: said in the title bar on every screen, from the sign-in on,
    /// until a verified backup is made; on time (last night's), nothing.
    @Test func aLateBackupIsSaidOnEveryScreen() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let h = Harness()
        let b = h.fake.repositories.backup
        let old = h.now.addingTimeInterval(-6 * 86_400)
        b.recorded = [BackupRecord(path: dir + "/" + BackupRules.fileName(at: old), createdAt: old, createdBy: "doc", bytes: 1,
                                   pages: 1, rows: 1, state: .verified, checkedAt: old)]
        b.chosenDestination = dir
        h.runner.step(nil)
        h.signIn("accueil", "Accueil-Fictif-Secret-17")
        let title = { h.screen.current?.line(0) ?? "" }
        #expect(title().contains("Sauvegarde en retard"), "\(title())")
        h.keys(.function(3))
        #expect(title().contains("Sauvegarde en retard"), "on the patients' screen too")
        h.keys(.function(6), .char("s"))
        #expect(!title().contains("Sauvegarde en retard"), "\(title())")
        #expect(!title().contains("Aucune sauvegarde"))
    }

    @Test func overdueFollowsTheWorkingDays() throws {
        func at(_ s: String) -> Date { try! #require(ISO8601DateFormatter().date(from: s)) }
        // Friday 27 November 2026, 19:00 in Paris.
        let friday = at("2026-11-27T18:00:00Z")
        #expect(!BackupRules.isOverdue(lastVerified: friday, now: at("2026-11-30T08:00:00Z")), "Monday morning")
        #expect(BackupRules.isOverdue(lastVerified: friday, now: at("2026-12-01T08:00:00Z")), "Tuesday morning")
        #expect(!BackupRules.isOverdue(lastVerified: at("2026-11-30T18:00:00Z"), now: at("2026-12-01T08:00:00Z")))
        #expect(BackupRules.isOverdue(lastVerified: nil, now: friday))
    }

    @Test func theScreenAt80x24() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let h = Harness(columns: 80, rows: 24)
        let b = h.fake.repositories.backup
        b.recorded = []
        b.chosenDestination = "/media/usb/sauvegardes"
        for i in 0..<12 {
            let at = h.now.addingTimeInterval(Double(-86_400 * i))
            b.recorded.append(BackupRecord(path: "/media/usb/sauvegardes/" + BackupRules.fileName(at: at), createdAt: at,
                                           createdBy: "doc", bytes: 1_265_000_000, pages: 300_000, rows: 2_000_000,
                                           state: i == 3 ? .failed : .verified, checkedAt: at))
        }
        h.runner.step(nil)
        h.signIn("doc", "Tres-Bon-Motdepasse-42")
        h.keys(.function(6))
        let screen = try #require(h.screen.current)
        #expect(Snapshot.verify(screen, named: "at80-backup") == nil)
        #expect(h.text.contains("F6") && h.text.contains("Sauvegarder"), "the key bar names the action: \(h.text)")
    }
}
