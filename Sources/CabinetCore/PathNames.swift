/// Path names split by hand: Foundation's `NSString.deletingLastPathComponent`
/// traps on a one-character relative name such as "v" (swift-corelibs-
/// foundation, Swift 6.3.1), and a user may well type `--vault v`.
public enum PathNames {
    /// The directory part ("." for a bare name, "/" for a file at the root).
    public static func parent(_ path: String) -> String {
        var p = Substring(path)
        while p.count > 1 && p.hasSuffix("/") { p = p.dropLast() }
        guard let slash = p.lastIndex(of: "/") else { return "." }
        if slash == p.startIndex { return "/" }
        return String(p[..<slash])
    }

    /// The last component ("v" for "dir/v", "" for "/").
    public static func name(_ path: String) -> String {
        var p = Substring(path)
        while p.count > 1 && p.hasSuffix("/") { p = p.dropLast() }
        guard let slash = p.lastIndex(of: "/") else { return String(p) }
        return String(p[p.index(after: slash)...])
    }

    /// `name` inside `directory`.
    public static func join(_ directory: String, _ name: String) -> String {
        directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }
}
