import Foundation
import Testing
@testable import CabinetCore

/// One value of every case, with fictitious arguments.
let everyError: [CabinetError] = [
    .wrongPassphrase, .wrongRecoveryKey, .unknownAccount(login: "dupont"),
    .vaultNotFound(path: "/tmp/absent.vault"), .vaultExists(path: "/tmp/v.vault"),
    .notAVault(path: "/tmp/photo.jpg"), .emptyFile(path: "/tmp/vide.vault"),
    .isDirectory(path: "/tmp"), .missingParent(path: "/nulle/part"),
    .readOnlyLocation(path: "/proc"), .futureFormat(found: 99, supported: 1),
    .envelopeDamaged, .envelopeAltered,
    .damaged(.page(3)), .damaged(.journalPage(4)), .damaged(.walFrame(5)), .damaged(.envelope),
    .integrityCheckFailed(count: 2), .passphraseTooWeak(problems: PassphraseProblem.allCases),
    .passphraseMismatch, .emptyPassphrase, .invalidRecoveryKey, .accountExists(login: "martin"),
    .invalidLogin(login: "é"), .tooManySlots, .vaultRetired, .vaultInUse, .busy, .rekeyFailed, .diskFull,
    .io(path: "/tmp/v.vault", errno: EIO), .databaseError(code: 11),
    .usage(key: "error.doctor_name_empty"), .cancelled, .terminalRequired,
    .tampered(.roster), .tampered(.unlistedSlot(login: "cachee")), .tampered(.clinicalEntry(id: 12)),
    .tampered(.truncated), .tampered(.secondFactorRemoved(login: "martin")), .tampered(.checkpoint(seq: 40)),
    .tampered(.signature(seq: 41)), .tampered(.rosterMissing), .tampered(.settings),
]

@Suite("Errors and exit codes")
struct CabinetErrorTests {
    @Test func exitCodesFollowCLImd() {
        #expect(CabinetError.wrongPassphrase.exitCode.rawValue == 2)
        #expect(CabinetError.wrongRecoveryKey.exitCode.rawValue == 2)
        #expect(CabinetError.unknownAccount(login: "x").exitCode.rawValue == 2)
        #expect(CabinetError.damaged(.page(3)).exitCode.rawValue == 3)
        #expect(CabinetError.damaged(.walFrame(1)).exitCode.rawValue == 3)
        #expect(CabinetError.envelopeDamaged.exitCode.rawValue == 3)
        #expect(CabinetError.envelopeAltered.exitCode.rawValue == 3)
        #expect(CabinetError.integrityCheckFailed(count: 1).exitCode.rawValue == 3)
        #expect(CabinetError.notAVault(path: "f").exitCode.rawValue == 3)
        #expect(CabinetError.emptyFile(path: "f").exitCode.rawValue == 3)
        #expect(CabinetError.vaultNotFound(path: "f").exitCode.rawValue == 5)
        #expect(CabinetError.vaultExists(path: "f").exitCode.rawValue == 6)
        #expect(CabinetError.accountExists(login: "x").exitCode.rawValue == 6)
        #expect(CabinetError.busy.exitCode.rawValue == 6)
        #expect(CabinetError.rekeyFailed.exitCode.rawValue == 7)
        #expect(CabinetError.missingParent(path: "d").exitCode.rawValue == 7)
        #expect(CabinetError.readOnlyLocation(path: "d").exitCode.rawValue == 7)
        #expect(CabinetError.diskFull.exitCode.rawValue == 7)
        #expect(CabinetError.io(path: "f", errno: EIO).exitCode.rawValue == 7)
        #expect(CabinetError.isDirectory(path: "d").exitCode.rawValue == 1)
        #expect(CabinetError.futureFormat(found: 2, supported: 1).exitCode.rawValue == 1)
        #expect(CabinetError.passphraseTooWeak(problems: [.tooShort]).exitCode.rawValue == 1)
        #expect(CabinetError.usage(key: "k").exitCode.rawValue == 1)
    }

    @Test func everyExitCodeIsDocumented() {
        // CLI.md documents 1 to 7; no failure may exit 0 or outside that range.
        for error in everyError {
            #expect((1...7).contains(error.exitCode.rawValue), "\(error)")
        }
    }

    @Test func damagedPageMessageNamesThePage() {
        let fr = Catalog.load(.french)
        #expect(CabinetError.damaged(.page(812)).message(fr).contains("page 812"))
        let en = Catalog.load(.english)
        #expect(CabinetError.damaged(.page(812)).message(en).contains("812"))
        #expect(CabinetError.damaged(.walFrame(17)).message(fr).contains("17"))
    }

    @Test func messagesFillTheirArguments() {
        let fr = Catalog.load(.french)
        #expect(CabinetError.vaultNotFound(path: "/tmp/absent.vault").message(fr).contains("/tmp/absent.vault"))
        #expect(CabinetError.futureFormat(found: 99, supported: 1).message(fr).contains("99"))
        let weak = CabinetError.passphraseTooWeak(problems: [.tooShort, .noDigit]).message(fr)
        #expect(weak.contains("au moins 12 caractères"))
        #expect(weak.contains("au moins un chiffre"))
        #expect(!weak.contains("majuscule"))
    }

    @Test func everyMessageComesFromTheCatalogue() {
        for language in Language.allCases {
            let c = Catalog.load(language)
            let keys = Catalog.loadEntries(.french).keys
            #expect(!keys.isEmpty)
            for error in everyError {
                let m = error.message(c)
                #expect(!m.isEmpty, "\(language.rawValue) \(error)")
                // A missing key is echoed back as the key itself.
                #expect(!keys.contains(where: { m.contains($0) }), "\(language.rawValue) \(error): \(m)")
                #expect(!m.contains("{") && !m.contains("}"), "\(language.rawValue) \(error): unfilled placeholder in \(m)")
            }
        }
    }

    @Test func noMessageCarriesRawSQLiteCodes() {
        for language in Language.allCases {
            let c = Catalog.load(language)
            for error in everyError {
                let m = error.message(c)
                #expect(!m.contains("SQLITE"), "\(language.rawValue) \(error): \(m)")
                #expect(!m.contains("sqlite3_"), "\(language.rawValue) \(error): \(m)")
            }
        }
    }

    @Test func frenchAndEnglishMessagesDiffer() {
        let fr = Catalog.load(.french), en = Catalog.load(.english)
        #expect(CabinetError.wrongPassphrase.message(fr) == "Identifiant ou mot de passe incorrect.")
        #expect(CabinetError.wrongPassphrase.message(en) == "Wrong login or passphrase.")
    }
}
