import CabinetCoreTesting
import Foundation
import Testing
@testable import CabinetCore

/// The backup service's rules over in-memory repositories.
@Suite("Backup service")
struct BackupServiceTests {
    /// A destination outside the vault's folder that exists.
    func destination() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cabinet-bk-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test func theFrontDeskBacksUpAndTheCopyIsCheckedThenRecorded() throws {
        let (practice, repos) = InMemoryPractice.make(role: .secretary)
        let dir = try destination()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let record = try practice.backup.run(to: dir)
        #expect(record.state == .verified)
        #expect(repos.backup.calls == ["exclusive", "space", "snapshot", "record", "verify", "record"])
        #expect(try practice.backup.history().first?.state == .verified)
        #expect(repos.audit.contains(.backup) && repos.audit.contains(.backupVerified))
    }

    @Test func aCopyThatFailsItsCheckIsSetAsideAndRecordedAsFailed() throws {
        let (practice, repos) = InMemoryPractice.make(role: .doctor)
        let dir = try destination()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let name = BackupRules.fileName(at: repos.audit.now)
        repos.backup.damaged[PathNames.join(dir, name)] = .page(7)
        #expect(throws: CabinetError.backup(.damaged(path: PathNames.join(dir, name), region: .page(7)))) {
            try practice.backup.run(to: dir, now: repos.audit.now)
        }
        let history = try practice.backup.history()
        #expect(history.first?.state == .failed)
        #expect(history.first?.path.hasSuffix(".failed") == true)
        #expect(repos.backup.files.keys.contains(PathNames.join(dir, name) + ".failed"))
        #expect(repos.audit.contains(.backupFailed))
    }

    @Test func aDestinationBesideTheVaultIsRefusedBeforeAnything() throws {
        let (practice, repos) = InMemoryPractice.make(role: .doctor)
        let dir = try destination()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        repos.backup.vaultPath = PathNames.join(dir, "cabinet.vault")
        #expect(throws: CabinetError.backup(.destinationBesideVault(path: dir))) { try practice.backup.run(to: dir) }
        let inside = PathNames.join(dir, "sauvegardes")
        try FileManager.default.createDirectory(atPath: inside, withIntermediateDirectories: true)
        #expect(throws: CabinetError.backup(.destinationBesideVault(path: inside))) { try practice.backup.run(to: inside) }
        #expect(repos.backup.calls.isEmpty)
    }

    @Test func aMissingDestinationOrTooLittleSpaceIsSaid() throws {
        let (practice, repos) = InMemoryPractice.make(role: .doctor)
        #expect(throws: CabinetError.backup(.destinationMissing(path: "/nulle/part"))) { try practice.backup.run(to: "/nulle/part") }
        let dir = try destination()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        repos.backup.free = 1000
        repos.backup.needed = 5000
        #expect(throws: CabinetError.backup(.notEnoughSpace(path: dir, needed: 5000, free: 1000))) { try practice.backup.run(to: dir) }
        #expect(!repos.backup.calls.contains("snapshot"))
    }

    @Test func oneBackupAtATime() throws {
        let (practice, repos) = InMemoryPractice.make(role: .doctor)
        let dir = try destination()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let held = try repos.backup.exclusive()
        #expect(throws: CabinetError.backup(.alreadyRunning)) { try practice.backup.run(to: dir) }
        held.release()
        #expect(try practice.backup.run(to: dir).state == .verified)
    }

    @Test func restoringIsTheHoldersOnly() {
        #expect(AccessPolicy.allows(.doctor, .restoreBackup))
        #expect(!AccessPolicy.allows(.replacement, .restoreBackup))
        #expect(!AccessPolicy.allows(.secretary, .restoreBackup))
        for role in [Role.doctor, .replacement, .secretary] { #expect(AccessPolicy.allows(role, .runBackup)) }
    }

    @Test func namesAreOursAndSortable() throws {
        let d = Date(timeIntervalSince1970: 1_795_000_000)
        let name = BackupRules.fileName(at: d)
        #expect(name == "cabinet-20261118-110640Z.cbak")
        #expect(BackupRules.date(inName: name) == d)
        #expect(BackupRules.date(inName: "photo.jpg") == nil)
        #expect(BackupRules.date(inName: BackupRules.partialName(name)) == nil)
    }

    @Test func sizesInWords() {
        let fr = Catalog.load(.french), en = Catalog.load(.english)
        #expect(ByteCount.words(1_265_000_000, fr) == "1,3 Go")
        #expect(ByteCount.words(1_265_000_000, en) == "1.3 GB")
        #expect(ByteCount.words(512, fr) == "512 octets")
        #expect(ByteCount.words(350_000_000, fr) == "350 Mo")
    }
}
