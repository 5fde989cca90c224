import CabinetCore
import Foundation

/// The argument parser writes its own framing in English (section headings,
/// "Error:", "Did you mean", "Show help information."). Under a French
/// locale these words come from the catalogue instead: the help and the
/// usage errors read as the rest of Cabinet does. Only the parser's fixed
/// words are replaced; Cabinet's own texts are already in the catalogue.
enum ParserWords {
    /// The parser's words (as ArgumentParser 1.x prints them) and their keys.
    static let words: [(String, String)] = [
        ("OVERVIEW:", "parser.overview"), ("USAGE:", "parser.usage_heading"), ("OPTIONS:", "parser.options"),
        ("SUBCOMMANDS:", "parser.subcommands"), ("ARGUMENTS:", "parser.arguments"),
        ("Show help information.", "parser.help"), ("Show the version.", "parser.version"),
        ("Error: ", "parser.error"), ("Help: ", "parser.help_prefix"), ("Usage: ", "parser.usage"),
        ("Missing expected argument", "parser.missing_argument"), ("Unknown option", "parser.unknown_option"),
        ("Unexpected argument", "parser.unexpected_argument"), ("Missing value for", "parser.missing_value"),
        ("Did you mean", "parser.did_you_mean"), ("(default: ", "parser.default"),
        ("for more information.", "parser.more_information"), ("See '", "parser.see"),
        ("for detailed help.", "parser.detailed_help"),
    ]

    static func localized(_ text: String, _ catalog: Catalog = L) -> String {
        var out = text
        for (english, key) in words {
            let local = catalog.text(key)
            if local != key && local != english { out = out.replacingOccurrences(of: english, with: local) }
        }
        return out
    }
}
