import Foundation

/// Where the files the programs read at run time are: the printer profiles, the card
/// layout, the Kemendagri region codes. One rule for every program and every file:
///
/// 1. the environment variable given for it, if set;
/// 2. under the working directory (a checkout: `make demo`, `swift test`);
/// 3. beside the executable or up to five folders above it (a build folder, or
///    `/usr/lib/ektp/…` next to `/usr/share/ektp`);
/// 4. `/usr/share/ektp`, where the Debian packages put them.
///
/// The first that exists wins; if none does, the last is returned, so the error that
/// follows names the installed path.
public enum InstalledFiles {
    public static let shareDirectory = "/usr/share/ektp"

    /// `relative` is a path below the project or the share folder, e.g. `data/wilayah.csv`.
    public static func locate(_ relative: String, environment variable: String? = nil) -> String {
        if let variable, let set = ProcessInfo.processInfo.environment[variable], !set.isEmpty { return set }
        return candidates(relative).first { FileManager.default.fileExists(atPath: $0) } ?? shareDirectory + "/" + relative
    }

    static func candidates(_ relative: String) -> [String] {
        var candidates = [FileManager.default.currentDirectoryPath + "/" + relative]
        var dir = URL(fileURLWithPath: CommandLine.arguments.first ?? ".").resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<6 {
            candidates.append(dir.path + "/" + relative)
            dir = dir.deletingLastPathComponent()
        }
        candidates.append(shareDirectory + "/" + relative)
        return candidates
    }
}
