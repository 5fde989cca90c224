import CSQLite
import CSealedVFS

/// What the process does before it holds any secret (docs/SEALED-STORE.md,
/// "Memory and core dumps"): no core dump, not dumpable, and SQLite's heap
/// zeroed block by block as it is freed.
public enum ProcessHardening {
    /// Called first thing by the `cabinet` executable, and again by every
    /// path of the store that unlocks, creates or opens a vault (a safety
    /// net: it runs once per process).
    @discardableResult
    public static func apply() -> Bool { once }

    private static let once: Bool = {
        let wiping = csealed_install_wiping_allocator() == SQLITE_OK
        let hardened = csealed_harden_process() == 1
        return wiping && hardened
    }()

    /// SQLite frees every block of its heap zeroed (installed before SQLite
    /// was initialised in this process).
    public static var wipingAllocatorInstalled: Bool { csealed_wiping_allocator_installed() != 0 }
}
