@testable @_spi(Testing) import CabinetStore
import CabinetCore
import Foundation
import Testing

/// TEMPORARY: today's (format 1) outcome of the trail attacks, to show the tool is right.
@Suite struct InsiderAttackTodayTests {
    @Test func rewriteToday() throws {
        let p = try InsiderAttackTests.practice()
        let s = try Vault.signIn(at: p.path, login: "sec", passphrase: secretaryPass)
        _ = try s.patient(p.patient)
        s.signOut()
        let d0 = try Vault.signIn(at: p.path, login: "doc", passphrase: doctorPass)
        let before = try d0.auditEntries()
        #expect(before.contains { $0.actor == "sec" && $0.object == "patient:\(p.patient)" })
        d0.signOut()
        try attack("rewrite-trail", p.path, "--passphrase", secretaryPass, "--actor", "sec", "--object", "patient:\(p.patient)")
        let d = try Vault.signIn(at: p.path, login: "doc", passphrase: doctorPass)
        defer { d.lock() }
        let r = try d.verifyAudit()
        #expect(r.isOK)
        let after = try d.auditEntries()
        #expect(!after.contains { $0.actor == "sec" && $0.object == "patient:\(p.patient)" })
        print("TODAY rewrite: before \(before.count) after \(after.count) ok \(r.isOK)")
    }

    @Test func rollbackToday() throws {
        let p = try InsiderAttackTests.practice()
        try Vault.signIn(at: p.path, login: "doc", passphrase: doctorPass).signOut()
        let old = p.dir.file("old.vault")
        try FileManager.default.copyItem(atPath: p.path, toPath: old)
        let v = try Vault.signIn(at: p.path, login: "doc", passphrase: doctorPass)
        _ = try v.openRecord(p.patient)
        let newest = try v.auditEntries().last!.seq
        v.signOut()
        try attack("rollback-trail", p.path, "--passphrase", secretaryPass, "--old", old)
        let d = try Vault.signIn(at: p.path, login: "doc", passphrase: doctorPass)
        defer { d.lock() }
        let entries = try d.auditEntries()
        #expect(try d.verifyAudit().isOK)
        #expect(!entries.contains { $0.action == "record.opened" && $0.detail == "clinical" })
        print("TODAY rollback: newest before \(newest), after rollback+signin \(entries.last!.seq)")
    }

    @Test func promoteToday() throws {
        let p = try InsiderAttackTests.practice()
        try attack("promote", p.path, "--passphrase", secretaryPass)
        let v = try Vault.signIn(at: p.path, login: "sec", passphrase: secretaryPass)
        defer { v.lock() }
        #expect(v.role == .doctor && v.hasClinicalKey)
        // Her X opens nothing the doctor wrote: the clinical key was substituted, not stolen.
        #expect(throws: CabinetError.damaged(.page(0))) { _ = try v.clinicalEntries(patient: p.patient) }
    }

    @Test func dropTotpToday() throws {
        let p = try InsiderAttackTests.practice()
        let doctor = try Vault.signIn(at: p.path, login: "doc", passphrase: doctorPass)
        let e = try doctor.beginSecondFactorEnrollment(issuer: "Cabinet")
        let t = Date()
        try doctor.confirmSecondFactor(code: CabinetTOTPCode(e.secretBase32, t), now: t)
        doctor.lock()
        try attack("drop-totp", p.path, "--passphrase", secretaryPass)
        let v = try Vault.signIn(at: p.path, login: "doc", passphrase: doctorPass, totp: nil, now: t.addingTimeInterval(60))
        #expect(!v.hasSecondFactor)
        v.lock()
    }
}
import CabinetTOTP
func CabinetTOTPCode(_ b32: String, _ t: Date) -> String { TOTP(secret: Base32.decode(b32)!).code(at: t) }
