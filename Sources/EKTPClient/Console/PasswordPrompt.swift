import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A password for a command line tool (`ektpctl user add`, `ektp-hub user add`): asked
/// twice with echo off on a terminal, or the first line of standard input. Never an
/// argument, where `ps` would show it.
public enum PasswordPrompt {
    public struct Problem: Error, CustomStringConvertible {
        public let description: String
    }

    public static func read(fromStandardInput: Bool) throws(Problem) -> String {
        if fromStandardInput { return readLine(strippingNewline: true) ?? "" }
        guard isatty(STDIN_FILENO) == 1 else { throw Problem(description: "stdin bukan terminal: pakai --password-stdin") }
        let first = ask("Kata sandi: ")
        guard first == ask("Ulangi kata sandi: ") else { throw Problem(description: "kedua kata sandi tidak sama") }
        return first
    }

    static func ask(_ label: String) -> String {
        FileHandle.standardError.write(Data(label.utf8))
        var saved = termios()
        tcgetattr(STDIN_FILENO, &saved)
        var quiet = saved
        quiet.c_lflag &= ~tcflag_t(ECHO)
        tcsetattr(STDIN_FILENO, TCSANOW, &quiet)
        defer {
            tcsetattr(STDIN_FILENO, TCSANOW, &saved)
            FileHandle.standardError.write(Data("\n".utf8))
        }
        return readLine(strippingNewline: true) ?? ""
    }
}
