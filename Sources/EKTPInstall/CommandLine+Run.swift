import ArgumentParser
import Foundation

extension AsyncParsableCommand {
    /// Parses and runs the command as `main()` does, but prints the parser's own refusals
    /// in the operator's language (`CommandLineText`). The daemons' `main` is this.
    public static func runWithIndonesianRefusals() async {
        do {
            var command = try await asyncParseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand { try await asyncCommand.run() } else { try command.run() }
        } catch {
            guard exitCode(for: error) == .validationFailure else { exit(withError: error) }
            FileHandle.standardError.write(Data((CommandLineText.indonesian(fullMessage(for: error)) + "\n").utf8))
            Foundation.exit(ExitCode.validationFailure.rawValue)
        }
    }
}
