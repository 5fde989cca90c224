/// The rule of a login, one for the store, the first run, the
/// Administration and the command line: ASCII letters, digits, dot, hyphen
/// or underscore, 1 to 32 characters (a key slot's field), never
/// "recovery" (the recovery slot's name).
public enum Login {
    public static let maxLength = 32

    public static func isValid(_ login: String) -> Bool {
        !login.isEmpty && login.utf8.count <= maxLength && login != "recovery"
            && login.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "-" || $0 == "_") }
    }
}
