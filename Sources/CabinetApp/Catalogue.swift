import CabinetCore
import TerminalUI

/// The modules of the main navigation, in menu order.
public enum Module: String, CaseIterable, Sendable, Codable {
    case agenda, patients, outbox, compliance, backup, admin

    public var titleKey: String { "module.\(rawValue)" }
    /// The issue that brings the module; until then a placeholder says so.
    public var isAvailable: Bool { self == .admin || self == .patients || self == .agenda || self == .backup }
}

/// Where a command applies.
public enum CommandScope: Sendable, Equatable {
    case everywhere
    case signIn
    case main
    case help
    /// The administration screen (doctor).
    case admin
    /// The first run.
    case setup
    /// The patient module.
    case patients
    /// The appointment book.
    case agenda
    /// The backups (F6).
    case backup
}

/// One entry of the action catalogue: its key, its help text (catalogue
/// keys), its group, and who may use it. The function-key bar, the help
/// screen and the man page's KEYS section all come from this list.
public struct AppCommand: Sendable, Equatable {
    public let id: String
    public let key: Key
    /// Other keys for the same command, named together in `keyName`
    /// ("← →": → with ←).
    public var alsoKeys: [Key] = []
    /// What the key is called in help texts: literal ("F1", "Ctrl-L", "?")
    /// or, for keys whose name is translated, a catalogue key ("key.enter").
    public let keyName: String

    public func keyLabel(_ c: Catalog) -> String {
        keyName.hasPrefix("key.") ? c.text(keyName) : keyName
    }
    public let scope: CommandScope
    /// Short label for the function-key bar (nil: not on the bar).
    public let barKey: String?
    public let helpKey: String
    public let group: String
    /// The privilege needed, if any; without it the binding is shown
    /// disabled with the reason from the access policy.
    public let privilege: Privilege?

    public func isAvailable(to role: Role?) -> Bool {
        guard let privilege else { return true }
        guard let role else { return false }
        return AccessPolicy.allows(role, privilege)
    }
}

public enum AppCommands {
    public static let all: [AppCommand] = [
        AppCommand(id: "help", key: .function(1), keyName: "F1", scope: .everywhere, barKey: "bar.help",
                   helpKey: "keys.help", group: "group.general", privilege: nil),
        AppCommand(id: "help.question", key: .char("?"), keyName: "?", scope: .main, barKey: nil,
                   helpKey: "keys.help", group: "group.general", privilege: nil),
        AppCommand(id: "lock", key: .function(12), keyName: "F12", scope: .main, barKey: "bar.lock",
                   helpKey: "keys.lock", group: "group.general", privilege: nil),
        // Ctrl-L redraws, as in every terminal program; Ctrl-Q locks too.
        AppCommand(id: "lock.ctrl", key: .ctrl("q"), keyName: "Ctrl-Q", scope: .main, barKey: nil,
                   helpKey: "keys.lock", group: "group.general", privilege: nil),
        AppCommand(id: "redraw", key: .ctrl("l"), keyName: "Ctrl-L", scope: .everywhere, barKey: nil,
                   helpKey: "keys.redraw", group: "group.general", privilege: nil),
        AppCommand(id: "close.help", key: .escape, keyName: "key.escape", scope: .help, barKey: "bar.back",
                   helpKey: "keys.close_help", group: "group.general", privilege: nil),
        AppCommand(id: "quit", key: .function(10), keyName: "F10", scope: .everywhere, barKey: "bar.quit",
                   helpKey: "keys.quit", group: "group.general", privilege: nil),
        AppCommand(id: "module.agenda", key: .function(2), keyName: "F2", scope: .main, barKey: nil,
                   helpKey: "keys.module.agenda", group: "group.modules", privilege: .manageAgenda),
        AppCommand(id: "module.patients", key: .function(3), keyName: "F3", scope: .main, barKey: nil,
                   helpKey: "keys.module.patients", group: "group.modules", privilege: .readIdentity),
        AppCommand(id: "module.outbox", key: .function(4), keyName: "F4", scope: .main, barKey: nil,
                   helpKey: "keys.module.outbox", group: "group.modules", privilege: .readClinical),
        AppCommand(id: "module.compliance", key: .function(5), keyName: "F5", scope: .main, barKey: nil,
                   helpKey: "keys.module.compliance", group: "group.modules", privilege: .changeSettings),
        AppCommand(id: "module.backup", key: .function(6), keyName: "F6", scope: .main, barKey: nil,
                   helpKey: "keys.module.backup", group: "group.modules", privilege: .runBackup),
        AppCommand(id: "module.admin", key: .function(7), keyName: "F7", scope: .main, barKey: nil,
                   helpKey: "keys.module.admin", group: "group.modules", privilege: .listAccounts),
        AppCommand(id: "next.field", key: .tab, keyName: "key.tab", scope: .signIn, barKey: nil,
                   helpKey: "keys.next_field", group: "group.signin", privilege: nil),
        AppCommand(id: "previous.field", key: .backTab, keyName: "key.backtab", scope: .signIn, barKey: nil,
                   helpKey: "keys.previous_field", group: "group.signin", privilege: nil),
        AppCommand(id: "submit", key: .enter, keyName: "key.enter", scope: .signIn, barKey: nil,
                   helpKey: "keys.submit", group: "group.signin", privilege: nil),
        AppCommand(id: "setup.back", key: .escape, keyName: "key.escape", scope: .setup, barKey: "bar.back",
                   helpKey: "keys.setup.back", group: "group.signin", privilege: nil),
        AppCommand(id: "admin.pane", key: .tab, keyName: "key.tab", scope: .admin, barKey: nil,
                   helpKey: "keys.admin.pane", group: "group.admin", privilege: .listAccounts),
        AppCommand(id: "admin.up", key: .up, keyName: "↑ ↓", scope: .admin, barKey: nil,
                   helpKey: "keys.admin.select", group: "group.admin", privilege: .listAccounts),
        AppCommand(id: "admin.new", key: .char("n"), keyName: "n", scope: .admin, barKey: "bar.admin.new",
                   helpKey: "keys.admin.new", group: "group.admin", privilege: .manageAccounts),
        AppCommand(id: "admin.role", key: .ctrl("r"), keyName: "Ctrl-R", scope: .admin, barKey: nil,
                   helpKey: "keys.admin.role", group: "group.admin", privilege: .manageAccounts),
        AppCommand(id: "admin.reset", key: .char("r"), keyName: "r", scope: .admin, barKey: "bar.admin.reset",
                   helpKey: "keys.admin.reset", group: "group.admin", privilege: .manageAccounts),
        AppCommand(id: "admin.disable", key: .char("d"), keyName: "d", scope: .admin, barKey: "bar.admin.disable",
                   helpKey: "keys.admin.disable", group: "group.admin", privilege: .manageAccounts),
        AppCommand(id: "admin.rekey", key: .char("k"), keyName: "k", scope: .admin, barKey: nil,
                   helpKey: "keys.admin.rekey", group: "group.admin", privilege: .manageAccounts),
        AppCommand(id: "admin.totp", key: .char("t"), keyName: "t", scope: .admin, barKey: "bar.admin.totp",
                   helpKey: "keys.admin.totp", group: "group.admin", privilege: .manageOwnSecondFactor),
        AppCommand(id: "admin.change", key: .right, keyName: "← →", scope: .admin, barKey: nil,
                   helpKey: "keys.admin.change", group: "group.admin", privilege: .changeSettings),
        AppCommand(id: "admin.save", key: .enter, keyName: "key.enter", scope: .admin, barKey: nil,
                   helpKey: "keys.admin.save", group: "group.admin", privilege: .changeSettings),
        AppCommand(id: "agenda.new", key: .char("n"), keyName: "n", scope: .agenda, barKey: "bar.agenda.new",
                   helpKey: "keys.agenda.new", group: "group.agenda", privilege: .manageAgenda),
        AppCommand(id: "agenda.save", key: .function(9), keyName: "F9", scope: .agenda, barKey: "bar.agenda.save",
                   helpKey: "keys.agenda.save", group: "group.agenda", privilege: .manageAgenda),
        AppCommand(id: "agenda.status", key: .char(" "), keyName: "key.space", scope: .agenda, barKey: nil,
                   helpKey: "keys.agenda.status", group: "group.agenda", privilege: .manageAgenda),
        AppCommand(id: "agenda.noshow", key: .char("a"), keyName: "a", scope: .agenda, barKey: nil,
                   helpKey: "keys.agenda.noshow", group: "group.agenda", privilege: .manageAgenda),
        AppCommand(id: "agenda.move", key: .char("m"), keyName: "m", scope: .agenda, barKey: nil,
                   helpKey: "keys.agenda.move", group: "group.agenda", privilege: .manageAgenda),
        AppCommand(id: "agenda.cancel", key: .char("c"), keyName: "c", scope: .agenda, barKey: nil,
                   helpKey: "keys.agenda.cancel", group: "group.agenda", privilege: .manageAgenda),
        AppCommand(id: "agenda.days", key: .left, alsoKeys: [.right], keyName: "← →", scope: .agenda, barKey: nil,
                   helpKey: "keys.agenda.days", group: "group.agenda", privilege: .manageAgenda),
        AppCommand(id: "agenda.weeks", key: .pageUp, alsoKeys: [.pageDown], keyName: "PgUp PgDn", scope: .agenda, barKey: nil,
                   helpKey: "keys.agenda.weeks", group: "group.agenda", privilege: .manageAgenda),
        AppCommand(id: "agenda.today", key: .char("t"), alsoKeys: [.home], keyName: "t", scope: .agenda, barKey: nil,
                   helpKey: "keys.agenda.today", group: "group.agenda", privilege: .manageAgenda),
        AppCommand(id: "agenda.goto", key: .char("g"), keyName: "g", scope: .agenda, barKey: nil,
                   helpKey: "keys.agenda.goto", group: "group.agenda", privilege: .manageAgenda),
        AppCommand(id: "agenda.week", key: .char("w"), keyName: "w", scope: .agenda, barKey: "bar.agenda.week",
                   helpKey: "keys.agenda.week", group: "group.agenda", privilege: .manageAgenda),
        AppCommand(id: "agenda.waiting", key: .char("s"), keyName: "s", scope: .agenda, barKey: "bar.agenda.waiting",
                   helpKey: "keys.agenda.waiting", group: "group.agenda", privilege: .manageAgenda),
        AppCommand(id: "agenda.open", key: .enter, keyName: "key.enter", scope: .agenda, barKey: nil,
                   helpKey: "keys.agenda.open", group: "group.agenda", privilege: .readClinical),
        AppCommand(id: "agenda.type", key: .ctrl("t"), keyName: "Ctrl-T", scope: .agenda, barKey: nil,
                   helpKey: "keys.agenda.type", group: "group.agenda", privilege: .manageAgenda),
        AppCommand(id: "agenda.free", key: .ctrl("f"), keyName: "Ctrl-F", scope: .agenda, barKey: nil,
                   helpKey: "keys.agenda.free", group: "group.agenda", privilege: .manageAgenda),
        AppCommand(id: "agenda.newpatient", key: .function(8), keyName: "F8", scope: .agenda, barKey: nil,
                   helpKey: "keys.agenda.newpatient", group: "group.agenda", privilege: .writeIdentity),
        AppCommand(id: "patients.new", key: .function(8), keyName: "F8", scope: .patients, barKey: "bar.patients.new",
                   helpKey: "keys.patients.new", group: "group.patients", privilege: .writeIdentity),
        AppCommand(id: "patients.save", key: .function(9), keyName: "F9", scope: .patients, barKey: "bar.patients.save",
                   helpKey: "keys.patients.save", group: "group.patients", privilege: .writeIdentity),
        AppCommand(id: "patients.save.ctrl", key: .ctrl("s"), keyName: "Ctrl-S", scope: .patients, barKey: nil,
                   helpKey: "keys.patients.save", group: "group.patients", privilege: .writeIdentity),
        AppCommand(id: "patients.open", key: .enter, keyName: "key.enter", scope: .patients, barKey: nil,
                   helpKey: "keys.patients.open", group: "group.patients", privilege: .readIdentity),
        AppCommand(id: "patients.tabs", key: .right, alsoKeys: [.left, .tab, .backTab], keyName: "← →", scope: .patients, barKey: nil,
                   helpKey: "keys.patients.tabs", group: "group.patients", privilege: .readIdentity),
        AppCommand(id: "patients.add", key: .char("n"), keyName: "n", scope: .patients, barKey: nil,
                   helpKey: "keys.patients.add", group: "group.patients", privilege: .writeClinical),
        AppCommand(id: "patients.allergy", key: .char("a"), keyName: "a", scope: .patients, barKey: nil,
                   helpKey: "keys.patients.allergy", group: "group.patients", privilege: .writeClinical),
        AppCommand(id: "patients.edit", key: .char("e"), keyName: "e", scope: .patients, barKey: nil,
                   helpKey: "keys.patients.edit", group: "group.patients", privilege: .writeIdentity),
        AppCommand(id: "patients.flags", key: .char("s"), keyName: "s", scope: .patients, barKey: nil,
                   helpKey: "keys.patients.flags", group: "group.patients", privilege: .writeClinical),
        AppCommand(id: "patients.export", key: .char("x"), keyName: "x", scope: .patients, barKey: nil,
                   helpKey: "keys.patients.export", group: "group.patients", privilege: .exportRecords),
        AppCommand(id: "patients.scroll", key: .pageDown, alsoKeys: [.pageUp], keyName: "key.page", scope: .patients, barKey: nil,
                   helpKey: "keys.patients.scroll", group: "group.patients", privilege: .readIdentity),
        AppCommand(id: "patients.undo", key: .ctrl("z"), keyName: "Ctrl-Z", scope: .patients, barKey: nil,
                   helpKey: "keys.patients.undo", group: "group.patients", privilege: .writeClinical),
        AppCommand(id: "patients.back", key: .escape, keyName: "key.escape", scope: .patients, barKey: nil,
                   helpKey: "keys.patients.back", group: "group.patients", privilege: nil),
        AppCommand(id: "admin.cancel", key: .escape, keyName: "key.escape", scope: .admin, barKey: nil,
                   helpKey: "keys.admin.cancel", group: "group.admin", privilege: nil),
        AppCommand(id: "backup.run", key: .char("s"), keyName: "s", scope: .backup, barKey: "bar.backup.run",
                   helpKey: "keys.backup.run", group: "group.backup", privilege: .runBackup),
        AppCommand(id: "backup.verify", key: .char("v"), keyName: "v", scope: .backup, barKey: "bar.backup.verify",
                   helpKey: "keys.backup.verify", group: "group.backup", privilege: .runBackup),
        AppCommand(id: "backup.folder", key: .char("d"), keyName: "d", scope: .backup, barKey: "bar.backup.folder",
                   helpKey: "keys.backup.folder", group: "group.backup", privilege: .runBackup),
        AppCommand(id: "backup.select", key: .up, alsoKeys: [.down], keyName: "↑ ↓", scope: .backup, barKey: nil,
                   helpKey: "keys.backup.select", group: "group.backup", privilege: .runBackup),
    ]

    /// The command bound to `key` in `scope` (scope-specific first).
    public static func command(for key: Key, in scope: CommandScope) -> AppCommand? {
        func bound(_ c: AppCommand) -> Bool { c.key == key || c.alsoKeys.contains(key) }
        return all.first { bound($0) && $0.scope == scope } ?? all.first { bound($0) && $0.scope == .everywhere }
    }

    /// One help line per help text (keys sharing it joined: "F1, ?"), with
    /// the group heading before the first line of each group. The help
    /// screen and the man page's KEYS section are made of these lines.
    public static func helpEntries(_ c: Catalog) -> [(groupHeader: String?, keys: String, command: AppCommand)] {
        var out: [(String?, String, AppCommand)] = []
        var seen: [String: Int] = [:]
        var lastGroup = ""
        // Each group once, where it first appears, its commands together
        // (a command declared later in the catalogue joins its group).
        var groupOrder: [String: Int] = [:]
        for cmd in all where groupOrder[cmd.group] == nil { groupOrder[cmd.group] = groupOrder.count }
        let grouped = all.enumerated().sorted {
            (groupOrder[$0.element.group] ?? 0, $0.offset) < (groupOrder[$1.element.group] ?? 0, $1.offset)
        }.map(\.element)
        for cmd in grouped {
            if let i = seen[cmd.helpKey] {
                out[i].1 += ", " + cmd.keyLabel(c)
                continue
            }
            seen[cmd.helpKey] = out.count
            out.append((cmd.group != lastGroup ? cmd.group : nil, cmd.keyLabel(c), cmd))
            lastGroup = cmd.group
        }
        return out.map { (groupHeader: $0.0, keys: $0.1, command: $0.2) }
    }

    /// The commands shown in `scope`, function keys in their order.
    public static func visible(in scope: CommandScope) -> [AppCommand] {
        all.filter { $0.scope == scope || $0.scope == .everywhere }.sorted { rank($0.key) < rank($1.key) }
    }

    private static func rank(_ key: Key) -> Int {
        if case .function(let n) = key { return n }
        return 100
    }
}
