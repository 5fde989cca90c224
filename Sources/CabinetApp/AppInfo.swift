import CabinetCore

/// The application shell (state, actions, reducer, views). Foundation stage:
/// the modules that exist and those still to come.
public enum AppInfo {
    /// Catalogue keys of the modules, in menu order.
    public static let modules = ["module.agenda", "module.patients", "module.outbox",
                                 "module.compliance", "module.backup", "module.admin"]
}
