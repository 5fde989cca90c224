import Foundation
import Testing
@testable import CabinetCore

/// One value of every case, with fictitious arguments.
let everyError: [CabinetError] = [
    .session(.wrongPassphrase), .session(.wrongRecoveryKey), .session(.unknownAccount(login: "dupont")),
    .vault(.notFound(path: "/tmp/absent.vault")), .vault(.exists(path: "/tmp/v.vault")),
    .vault(.notAVault(path: "/tmp/photo.jpg")), .vault(.emptyFile(path: "/tmp/vide.vault")),
    .vault(.isDirectory(path: "/tmp")), .vault(.missingParent(path: "/nulle/part")),
    .vault(.readOnlyLocation(path: "/proc")), .vault(.futureFormat(found: 99, supported: 1)),
    .integrity(.envelopeDamaged), .integrity(.envelopeAltered),
    .integrity(.damaged(.page(3))), .integrity(.damaged(.journalPage(4))), .integrity(.damaged(.walFrame(5))), .integrity(.damaged(.envelope)),
    .integrity(.integrityCheckFailed(count: 2)), .session(.passphraseTooWeak(problems: PassphraseProblem.allCases)),
    .session(.passphraseMismatch), .session(.emptyPassphrase), .session(.invalidRecoveryKey), .accounts(.exists(login: "martin")),
    .accounts(.invalidLogin(login: "é")), .vault(.tooManySlots), .vault(.retired), .vault(.inUse), .vault(.busy), .vault(.rekeyFailed), .vault(.diskFull),
    .vault(.io(path: "/tmp/v.vault", errno: EIO)), .vault(.databaseError(code: 11)),
    .usage(key: "error.doctor_name_empty"), .cancelled, .terminalRequired,
    .integrity(.tampered(.roster)), .integrity(.tampered(.unlistedSlot(login: "cachee"))), .integrity(.tampered(.clinicalEntry(id: 12))),
    .integrity(.tampered(.truncated)), .integrity(.tampered(.secondFactorRemoved(login: "martin"))), .integrity(.tampered(.checkpoint(seq: 40))),
    .integrity(.tampered(.signature(seq: 41))), .integrity(.tampered(.rosterMissing)), .integrity(.tampered(.settings)),
    .integrity(.tampered(.clinicalField(id: 12, field: "entry.field.examination"))), .integrity(.auditChainBroken(seq: 9)),
    .session(.notSignedIn), .session(.accountDisabled(login: "martin")), .session(.tooManyAttempts(seconds: 30)),
    .session(.secondFactorRequired), .session(.wrongSecondFactor), .session(.mustChangePassphrase),
    .vault(.unsafeAttemptsFile(path: "/tmp/v.vault.attempts")),
    .accounts(.lastHolder), .accounts(.cannotDisableSelf), .accounts(.notFound(login: "martin")),
    .accounts(.secondFactorNotForRole), .accounts(.secondFactorAlreadyActive), .accounts(.secondFactorNotPending),
    .patients(.notFound(id: 3)), .patients(.entryNotFound(id: 4)), .patients(.recordLimited),
    .patients(.possibleDuplicate(id: 5)), .patients(.documentTooLarge(maxMegabytes: 20)),
    .patients(.invalidField(field: "phone", key: "phone.characters")), .patients(.archived(id: 6)),
    .agenda(.notFound(id: 7)), .agenda(.bookingRefused(key: "booking.past", args: [:])),
    .permissionDenied(operation: "readClinical"),
]

@Suite("Errors and exit codes")
struct CabinetErrorTests {
    @Test func exitCodesFollowCLImd() {
        #expect(CabinetError.session(.wrongPassphrase).exitCode.rawValue == 2)
        #expect(CabinetError.session(.wrongRecoveryKey).exitCode.rawValue == 2)
        #expect(CabinetError.session(.unknownAccount(login: "x")).exitCode.rawValue == 2)
        #expect(CabinetError.integrity(.damaged(.page(3))).exitCode.rawValue == 3)
        #expect(CabinetError.integrity(.damaged(.walFrame(1))).exitCode.rawValue == 3)
        #expect(CabinetError.integrity(.envelopeDamaged).exitCode.rawValue == 3)
        #expect(CabinetError.integrity(.envelopeAltered).exitCode.rawValue == 3)
        #expect(CabinetError.integrity(.integrityCheckFailed(count: 1)).exitCode.rawValue == 3)
        #expect(CabinetError.vault(.notAVault(path: "f")).exitCode.rawValue == 3)
        #expect(CabinetError.vault(.emptyFile(path: "f")).exitCode.rawValue == 3)
        #expect(CabinetError.vault(.notFound(path: "f")).exitCode.rawValue == 5)
        #expect(CabinetError.vault(.exists(path: "f")).exitCode.rawValue == 6)
        #expect(CabinetError.accounts(.exists(login: "x")).exitCode.rawValue == 6)
        #expect(CabinetError.vault(.busy).exitCode.rawValue == 6)
        #expect(CabinetError.vault(.rekeyFailed).exitCode.rawValue == 7)
        #expect(CabinetError.vault(.missingParent(path: "d")).exitCode.rawValue == 7)
        #expect(CabinetError.vault(.readOnlyLocation(path: "d")).exitCode.rawValue == 7)
        #expect(CabinetError.vault(.diskFull).exitCode.rawValue == 7)
        #expect(CabinetError.vault(.io(path: "f", errno: EIO)).exitCode.rawValue == 7)
        #expect(CabinetError.vault(.isDirectory(path: "d")).exitCode.rawValue == 1)
        #expect(CabinetError.vault(.futureFormat(found: 2, supported: 1)).exitCode.rawValue == 1)
        #expect(CabinetError.session(.passphraseTooWeak(problems: [.tooShort])).exitCode.rawValue == 1)
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
        #expect(CabinetError.integrity(.damaged(.page(812))).message(fr).contains("page 812"))
        let en = Catalog.load(.english)
        #expect(CabinetError.integrity(.damaged(.page(812))).message(en).contains("812"))
        #expect(CabinetError.integrity(.damaged(.walFrame(17))).message(fr).contains("17"))
    }

    @Test func messagesFillTheirArguments() {
        let fr = Catalog.load(.french)
        #expect(CabinetError.vault(.notFound(path: "/tmp/absent.vault")).message(fr).contains("/tmp/absent.vault"))
        #expect(CabinetError.vault(.futureFormat(found: 99, supported: 1)).message(fr).contains("99"))
        let weak = CabinetError.session(.passphraseTooWeak(problems: [.tooShort, .noDigit])).message(fr)
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
        #expect(CabinetError.session(.wrongPassphrase).message(fr) == "Identifiant ou mot de passe incorrect.")
        #expect(CabinetError.session(.wrongPassphrase).message(en) == "Wrong login or passphrase.")
    }
}
