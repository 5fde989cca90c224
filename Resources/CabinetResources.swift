import Foundation

/// Locates the catalogues shipped with Cabinet (French and English strings).
///
/// SwiftPM copies `Resources/strings` into a resource bundle next to the
/// executable (or the test bundle). The generated `Bundle.module` traps when
/// the bundle is missing; this lookup fails softly instead so that the caller
/// can print a clear message.
public enum CabinetResources {
    /// The list of passwords too common to accept (one per line).
    public static func commonPasswordsFile() -> URL? {
        guard let strings = stringsDirectory() else { return nil }
        let url = strings.deletingLastPathComponent().appendingPathComponent("passwords/common.txt")
        return FileManager.default.fileExists(atPath: url.path) ? url : nil
    }

    /// A file of fictitious demonstration content (`Resources/demo`).
    public static func demoFile(_ name: String) -> URL? {
        guard let strings = stringsDirectory() else { return nil }
        let url = strings.deletingLastPathComponent().appendingPathComponent("demo/" + name)
        return FileManager.default.fileExists(atPath: url.path) ? url : nil
    }

    /// The directory holding `fr.json` and `en.json`, or nil when not found.
    public static func stringsDirectory() -> URL? {
        var candidates: [URL] = []
        if let env = ProcessInfo.processInfo.environment["CABINET_RESOURCES"] {
            candidates.append(URL(fileURLWithPath: env).appendingPathComponent("strings"))
        }
        let exe = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath()
        let exeDir = exe.deletingLastPathComponent()
        let bundleName = "cabinet_CabinetResources.resources"
        candidates.append(exeDir.appendingPathComponent(bundleName).appendingPathComponent("strings"))
        candidates.append(Bundle.main.bundleURL.appendingPathComponent(bundleName).appendingPathComponent("strings"))
        candidates.append(exeDir.appendingPathComponent("../share/cabinet/strings").standardizedFileURL)
        for url in candidates where FileManager.default.fileExists(atPath: url.appendingPathComponent("fr.json").path) {
            return url
        }
        return nil
    }
}
