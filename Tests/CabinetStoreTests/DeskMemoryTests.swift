@testable @_spi(Testing) import CabinetStore
import CabinetCore
import Foundation
import Testing

/// The last account signed in from a desk, kept in the user's own state
/// directory for the next sign-in screen.
@Suite struct DeskMemoryTests {
    @Test func theLastLoginIsRememberedPerVaultPlaceInTheUsersOwnDirectory() throws {
        let dir = TempDir()
        let env = ["CABINET_STATE_DIR": dir.file("state")]
        #expect(DeskMemory.lastLogin(vaultPath: "/srv/a.vault", environment: env) == nil)
        DeskMemory.remember(login: "drfictif", vaultPath: "/srv/a.vault", environment: env)
        #expect(DeskMemory.lastLogin(vaultPath: "/srv/a.vault", environment: env) == "drfictif")
        #expect(DeskMemory.lastLogin(vaultPath: "/srv/b.vault", environment: env) == nil, "another vault, another memory")
        DeskMemory.remember(login: "accueil", vaultPath: "/srv/a.vault", environment: env)
        #expect(DeskMemory.lastLogin(vaultPath: "/srv/a.vault", environment: env) == "accueil")
        // Private to the user.
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.file("state"))
        #expect(files.count == 1)
        let attributes = try FileManager.default.attributesOfItem(atPath: dir.file("state") + "/" + files[0])
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        // Never anything but a login: a passphrase is not remembered.
        DeskMemory.remember(login: "Tres Bon Motdepasse 42!", vaultPath: "/srv/a.vault", environment: env)
        #expect(DeskMemory.lastLogin(vaultPath: "/srv/a.vault", environment: env) == "accueil")
    }

    @Test func aPlantedFileIsIgnored() throws {
        let dir = TempDir()
        let env = ["CABINET_STATE_DIR": dir.file("state")]
        DeskMemory.remember(login: "drfictif", vaultPath: "/srv/a.vault", environment: env)
        let path = try #require(DeskMemory.lastLoginPath("/srv/a.vault", env))
        // Something that is not a login (escape sequences drawn on the sign-in screen).
        try Data("\u{1B}[2Jdrfictif\n".utf8).write(to: URL(fileURLWithPath: path))
        #expect(DeskMemory.lastLogin(vaultPath: "/srv/a.vault", environment: env) == nil)
        // A link to another file.
        try FileManager.default.removeItem(atPath: path)
        try Data("autre\n".utf8).write(to: URL(fileURLWithPath: dir.file("elsewhere")))
        try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: dir.file("elsewhere"))
        #expect(DeskMemory.lastLogin(vaultPath: "/srv/a.vault", environment: env) == nil)
    }
}

@Suite struct EnvelopeLoginsTests {
    @Test func theEnvelopeNamesTheAccountsWithoutAKey() throws {
        let dir = TempDir()
        let (vault, _, path) = try makeVault(dir)
        _ = try vault.practice(kdf: .minimumForTests).accounts.create(login: "accueil", role: .secretary, displayName: nil)
        vault.lock()
        #expect(Vault.envelopeLogins(at: path) == ["doc", "accueil"])
        #expect(Vault.envelopeLogins(at: dir.file("absent.vault")).isEmpty)
    }
}

/// A clinical field that does not open is named, not reported as a page
/// (issue 14, errors).
@Suite struct UnopenableFieldTests {
    @Test func theFieldThatDoesNotOpenIsNamed() throws {
        let uid = [UInt8](repeating: 7, count: 16)
        let key = SecureBytes.random(32)
        var blob = ClinicalSeal.sealFields(["reason": "Toux", "examination": "Canari-Examen"], kind: .consultation, uid: uid, key: key)
        #expect(ClinicalSeal.openFields(blob, kind: .consultation, uid: uid, key: key)?["examination"] == "Canari-Examen")
        // The last byte belongs to the last field sealed (the examination).
        blob[blob.count - 1] ^= 1
        #expect(ClinicalSeal.openFields(blob, kind: .consultation, uid: uid, key: key) == nil)
        let error = ClinicalSeal.unopenable(id: 12, blob, kind: .consultation, uid: uid, key: key)
        #expect(error == .integrity(.tampered(.clinicalField(id: 12, field: "entry.field.examination"))))
        let said = error.message(Catalog.load(.french))
        #expect(said.contains("Examen") && said.contains("n° 12") && !said.contains("page"), "\(said)")
        #expect(error.exitCode == .integrity)
    }

    @Test func aMissingSessionIsNotAWrongPassphrase() {
        #expect(CabinetError.session(.notSignedIn).message(Catalog.load(.french)).contains("reconnectez-vous"))
        #expect(CabinetError.session(.notSignedIn) != .session(.wrongPassphrase))
    }
}

/// An account disabled from another desk writes no more from a session it
/// already had open (found by a new-user trial).
@Suite struct DisabledSessionTests {
    @Test func anOpenSessionOfADisabledAccountIsRefusedItsWrites() throws {
        let dir = TempDir()
        let (doctor, _, path) = try makeVault(dir)
        let onetime = try doctor.practice(kdf: .minimumForTests).accounts.create(login: "accueil", role: .secretary, displayName: nil)
        let desk = try Vault.signIn(at: path, login: "accueil", passphrase: Passphrase(onetime))
        defer { desk.signOut() }
        _ = try desk.practice().agenda.changeToken()
        try doctor.practice().accounts.disable(login: "accueil")
        #expect(throws: CabinetError.session(.accountDisabled(login: "accueil"))) { try desk.practice().agenda.changeToken() }
        let someone = PatientIdentity(birthName: "Fictif", firstNames: "Gaston", sex: .male,
                                      birthDate: CivilDate(year: 1961, month: 6, day: 6)!)
        #expect(throws: CabinetError.session(.accountDisabled(login: "accueil"))) { try desk.practice().patients.add(someone) }
        // The doctor goes on.
        _ = try doctor.practice().patients.add(someone)
        doctor.lock()
    }
}
