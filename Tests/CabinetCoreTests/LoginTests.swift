import CabinetCore
import Testing

/// The one login rule (the store, the first run, the Administration).
@Suite struct LoginTests {
    @Test func theRule() {
        for ok in ["accueil", "dr.martin", "remp-2", "a_b", String(repeating: "x", count: 32)] {
            #expect(Login.isValid(ok), "\(ok)")
        }
        for bad in ["", "recovery", "élise", "Marie Durand", "a@b", String(repeating: "x", count: 33), "Tres-Bon!"] {
            #expect(!Login.isValid(bad), "\(bad)")
        }
    }
}
