import Foundation

/// The argument parser's refusals in the operator's language. ArgumentParser writes its
/// own errors in English ("Unknown option '--jsn'"); every program passes them through
/// here before printing, so an operator reads "Opsi tidak dikenal '--jsn'". Messages the
/// programs write themselves are Indonesian already and pass unchanged.
public enum CommandLineText {
    static let phrases: [(pattern: String, replacement: String)] = [
        (#"Unknown option '([^']*)'"#, "Opsi tidak dikenal '$1'"),
        (#"Unexpected argument '([^']*)'"#, "Argumen tidak dikenal '$1'"),
        (#"Unexpected arguments '([^']*)'"#, "Argumen tidak dikenal '$1'"),
        (#"Missing expected argument '([^']*)'"#, "Argumen wajib belum diberikan: '$1'"),
        (#"Missing value for '([^']*)'"#, "Nilai untuk '$1' belum diberikan"),
        (#"The value '([^']*)' is invalid for '([^']*)'"#, "Nilai '$1' tidak sah untuk '$2'"),
        (#"Please provide at most one of ([^.\n]*)"#, "Berikan paling banyak satu dari $1"),
        (#"Please provide one of ([^.\n]*)"#, "Berikan salah satu dari $1"),
        (#"Error: "#, "Galat: "),
        (#"Usage: "#, "Pemakaian: "),
        (#"See '([^']*)' for more information\."#, "Lihat '$1' untuk keterangan."),
        (#"Did you mean '([^']*)'\?"#, "Maksudnya '$1'?"),
    ]

    public static func indonesian(_ message: String) -> String {
        var text = message
        for (pattern, replacement) in phrases {
            text = text.replacingOccurrences(of: pattern, with: replacement, options: .regularExpression)
        }
        return text
    }
}
