import CabinetCore
@_spi(Testing) import CabinetStore
import Foundation

/// The demonstration cabinet: fictitious, clearly marked, its passphrases
/// published on the sign-in screen.
public enum DemoCabinet {
    public static let fileName = "cabinet-demo.vault"
    public static let accounts = [
        DemoAccount(login: "demo", passphrase: "Demo-Medecin-Lilas-2026!", role: .doctor),
        DemoAccount(login: "accueil", passphrase: "Demo-Accueil-Orage-2026!", role: .secretary),
    ]

    public static func isDemo(_ path: String) -> Bool { PathNames.name(path) == fileName }

    public static func path(nextTo path: String) -> String {
        PathNames.join(PathNames.parent(path), fileName)
    }

    public static func create(at demo: String, kdf: KDFParameters = .moderate,
                              progress: (Int64, Int64) -> Void = { _, _ in }) throws {
        Vault.makePrivateDirectory(for: demo)
        let doctor = accounts[0], secretary = accounts[1]
        let (vault, _) = try Vault.create(at: demo, doctorLogin: doctor.login, passphrase: Passphrase(doctor.passphrase),
                                          metadata: ["doctor_name": Catalog.current.text("demo.doctor_name"), "demo": "1"],
                                          kdf: kdf)
        defer { vault.lock() }
        try vault.createDemoAccount(login: secretary.login, role: .secretary, passphrase: Passphrase(secretary.passphrase))
        // Fictitious patients with fifteen years of care.
        _ = try vault.fillDemo(patients: patients, years: 15) { done, total in progress(Int64(done), Int64(total)) }
    }

    /// How many fictitious patients the demonstration cabinet holds.
    public static let patients = 800
}
