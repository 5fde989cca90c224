import Foundation
import Testing

/// The man pages, English and French, against the real command line: a
/// command or an option added to the parser without being documented in
/// both pages fails here (issue 13).
@Suite struct ManPageTests {
    /// One man page and the heading of its commands section.
    struct Page: Sendable, CustomStringConvertible {
        /// From the package's root.
        let path: String
        let commandsHeading: String
        var description: String { path }
    }

    static let pages = [
        Page(path: "man/cabinet.1", commandsHeading: ".SH COMMANDS"),
        Page(path: "man/fr/cabinet.1", commandsHeading: ".SH COMMANDES"),
    ]

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The page's lines with the escapes that matter here undone: `\-` is
    /// `-`, font changes and `\&` vanish.
    static func lines(_ page: Page) throws -> [String] {
        var text = try String(contentsOf: root.appendingPathComponent(page.path), encoding: .utf8)
        text = text.replacingOccurrences(of: "\\-", with: "-").replacingOccurrences(of: "\\&", with: "")
        for font in ["\\fB", "\\fI", "\\fR", "\\fP"] { text = text.replacingOccurrences(of: font, with: "") }
        return text.components(separatedBy: "\n")
    }

    /// The lines from `heading` to the next section.
    static func section(_ lines: [String], _ heading: String) -> [String] {
        guard let start = lines.firstIndex(of: heading) else { return [] }
        let rest = lines[(start + 1)...]
        return Array(rest.prefix { !$0.hasPrefix(".SH ") })
    }

    /// `line` names `words` as a command: `.B <prefix>agenda absence add`,
    /// then a space or the end of the line.
    static func names(_ line: String, _ prefix: String, _ words: [String]) -> Bool {
        let head = ".B " + prefix + words.joined(separator: " ")
        return line == head || line.hasPrefix(head + " ")
    }

    /// The help's "SUBCOMMANDS:" entries: a name two spaces in (its abstract
    /// beside it or on the next lines, deeper).
    static func subcommands(in help: String) -> [String] {
        guard let start = help.range(of: "\nSUBCOMMANDS:\n") else { return [] }
        var names: [String] = []
        for line in help[start.upperBound...].split(separator: "\n") {
            guard line.hasPrefix("  "), !line.hasPrefix("   ") else { continue }
            let name = line.dropFirst(2).prefix { !$0.isWhitespace }
            guard let first = name.first, first.isLowercase, name.allSatisfy({ $0.isLowercase || $0 == "-" })
            else { continue }
            names.append(String(name))
        }
        return names
    }

    /// The options of one help screen (`--reason-category`), but `--help`.
    static func options(in help: String) -> [String] {
        guard let start = help.range(of: "\nOPTIONS:\n") else { return [] }
        var names: [String] = []
        for line in help[start.upperBound...].split(separator: "\n") {
            guard line.hasPrefix("  -") else { continue }
            for word in line.split(separator: " ") where word.hasPrefix("--") {
                let name = word.prefix { $0 == "-" || $0.isLetter }
                if name != "--help" { names.append(String(name)) }
            }
        }
        return names
    }

    /// A command as the parser knows it: ["agenda", "absence", "add"] and
    /// the options its help lists.
    struct Command: Sendable {
        let path: [String]
        let options: [String]
    }

    struct HelpFailed: Error, CustomStringConvertible {
        let description: String
    }

    /// Every command the parser knows, down the tree from `cabinet --help`
    /// (read once for all the tests here).
    static let walk = Result<[Command], any Error> {
        let sb = try Sandbox()
        defer { sb.remove() }
        var found: [Command] = []
        var queue: [[String]] = [[]]
        while !queue.isEmpty {
            let path = queue.removeFirst()
            let help = try sb.run(path + ["--help"], env: ["LANG": "en_GB.UTF-8"])
            guard help.status == 0 else { throw HelpFailed(description: "cabinet \(path) --help: \(help.stderr)") }
            if !path.isEmpty { found.append(Command(path: path, options: options(in: help.stdout))) }
            queue += subcommands(in: help.stdout).map { path + [$0] }
        }
        return found
    }

    static func commands() throws -> [Command] { try walk.get() }

    @Test func theHelpTreeIsReadWhole() throws {
        // The walk itself, so that the tests below cannot pass on nothing.
        let found = try Self.commands()
        let paths = found.map { $0.path.joined(separator: " ") }
        for expected in ["init", "settings", "user disable", "agenda absence remove", "demo"] {
            #expect(paths.contains(expected), "\(expected) not found in \(paths)")
        }
        let reasonCategory = found.first { $0.path == ["agenda", "cancel"] }?.options ?? []
        #expect(reasonCategory.contains("--reason-category") && reasonCategory.contains("--vault"), "\(reasonCategory)")
    }

    /// Each command of `cabinet --help`, and each of theirs, is in both
    /// pages: in the synopsis as `.B cabinet <command>` and as an entry of
    /// the commands section, `.B <command>`.
    @Test(arguments: ManPageTests.pages) func everyCommandIsDocumented(_ page: Page) throws {
        let lines = try Self.lines(page)
        let synopsis = Self.section(lines, ".SH SYNOPSIS")
        let commands = Self.section(lines, page.commandsHeading)
        #expect(!synopsis.isEmpty && !commands.isEmpty, "\(page.path) lacks its synopsis or \(page.commandsHeading)")
        for command in try Self.commands() {
            let path = command.path
            #expect(synopsis.contains { Self.names($0, "cabinet ", path) },
                    "\(page.path): the synopsis lacks cabinet \(path.joined(separator: " "))")
            let tagged = commands.indices.contains { i in
                i > 0 && commands[i - 1] == ".TP" && Self.names(commands[i], "", path)
            }
            #expect(tagged, "\(page.path): \(page.commandsHeading) has no entry for \(path.joined(separator: " "))")
        }
    }

    /// The other way: the synopsis names no command the parser does not
    /// know (one removed, one misspelt).
    @Test(arguments: ManPageTests.pages) func theSynopsisNamesOnlyRealCommands(_ page: Page) throws {
        let known = Set(try Self.commands().map(\.path)).union([["help"]])
        for line in Self.section(try Self.lines(page), ".SH SYNOPSIS") where line.hasPrefix(".B cabinet ") {
            let words = line.dropFirst(".B cabinet ".count).split(separator: " ")
                .prefix { $0.first?.isLowercase == true }.map(String.init)
            guard !words.isEmpty else { continue }
            #expect(known.contains(words), "\(page.path): cabinet \(words.joined(separator: " ")) is not a command")
        }
    }

    /// Every option a command's help lists is named in both pages.
    @Test(arguments: ManPageTests.pages) func everyOptionIsDocumented(_ page: Page) throws {
        let text = try Self.lines(page).joined(separator: "\n")
        var seen = Set<String>()
        for command in try Self.commands() {
            for option in command.options where seen.insert(option).inserted {
                #expect(text.contains(option), "\(page.path) never names \(option) (cabinet \(command.path.joined(separator: " ")))")
            }
        }
    }

    /// The terminal interface exists: the page no longer says it arrives in
    /// later versions, and says that no command opens it.
    @Test func thePagesNoLongerPromiseTheInterfaceForLater() throws {
        let en = try Self.lines(Self.pages[0]).joined(separator: "\n")
        #expect(!en.lowercased().contains("later versions"))
        #expect(en.contains("Without a command,\n.B cabinet\nopens the terminal interface"))
        let fr = try Self.lines(Self.pages[1]).joined(separator: "\n")
        #expect(!fr.contains("versions ult") && !fr.contains("prochaines versions"))
        #expect(fr.contains("Sans commande,\n.B cabinet\nouvre l'interface en mode terminal"))
    }
}
