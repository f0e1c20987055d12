import EKTPTestSlots
import EKTPTestSupport
import Foundation
import Testing

/// Every executable answers `--help` with its usage and exits 0, without starting work.
@Suite(.daemons) struct HelpTests {
    @Test(.timeLimit(.minutes(1)), arguments: ["ektpd", "ektpctl", "ektp-hub", "ektp-demo", "ektp-bench"])
    func everyExecutableAnswersHelp(name: String) throws {
        let scratch = try Scratch("help-\(name)")
        let p = Process()
        p.executableURL = try BuiltExecutable.locate(name)
        p.arguments = ["--help"]
        // Run where nothing can be found, so a program that ignores --help and starts fails.
        p.currentDirectoryURL = scratch.url
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 0, "\(text.prefix(500))")
        #expect(text.uppercased().contains("USAGE") || text.contains("Pemakaian"), "\(text.prefix(500))")
        #expect((try FileManager.default.contentsOfDirectory(atPath: scratch.url.path)).isEmpty, "--help left files behind")
    }

    /// A mistyped option is refused in the operator's language, with a non-zero exit.
    @Test(.timeLimit(.minutes(1)), arguments: ["ektpd", "ektpctl", "ektp-hub"])
    func aWrongOptionIsRefusedInIndonesian(name: String) throws {
        let p = Process()
        p.executableURL = try BuiltExecutable.locate(name)
        p.arguments = name == "ektpctl" ? ["status", "--jsn"] : ["--tidak-ada"]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus != 0)
        #expect(text.contains("Opsi tidak dikenal"), "\(text.prefix(500))")
        #expect(!text.contains("Unknown option"), "\(text.prefix(500))")
    }
}
