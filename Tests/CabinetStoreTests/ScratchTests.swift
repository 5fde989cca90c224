@testable @_spi(Testing) import CabinetStore
import CabinetCore
import CabinetDemo
import Foundation
import Testing

@Suite struct ScratchTests {
    @Test func unlockedOnlyThenBackup() throws {
        let dir = TempDir()
        let (v0, _, path) = try makeVault(dir)
        _ = try v0.fillDemo(patients: 30, years: 2, seed: 3, now: Date())
        v0.lock()
        let copy = dir.file("copie.vault")
        try FileManager.default.copyItem(atPath: path, toPath: copy)
        let v = try Vault.unlock(at: copy, login: "doc", passphrase: Passphrase(doctorPass))
        let before = try v.verifyTrust()
        let out = TempDir()
        _ = try v.practice().backup.run(to: out.path)
        let after = try v.verifyTrust()
        #expect(before.isEmpty, "\(before)")
        #expect(after.isEmpty, "\(after)")
        v.lock()
    }
}
