import Foundation

/// What a PDF says, read by poppler (`pdftotext`, `pdfinfo`): a reader the project did not
/// write, so a test of a generated document checks what any viewer would show.
public enum PDFText {
    /// The text of every page in reading order (`pdftotext -layout`), pages separated by
    /// form feeds, and the page count `pdfinfo` reports.
    public static func read(_ pdf: Data) throws -> (text: String, pages: Int) {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("ektp-\(UUID().uuidString).pdf")
        try pdf.write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let text = try run("/usr/bin/pdftotext", ["-layout", "-enc", "UTF-8", file.path, "-"])
        let info = try run("/usr/bin/pdfinfo", [file.path])
        guard let line = info.split(separator: "\n").first(where: { $0.hasPrefix("Pages:") }),
            let pages = Int(line.dropFirst(6).trimmingCharacters(in: .whitespaces))
        else { throw HarnessError("pdfinfo tidak menyebut jumlah halaman:\n\(info)") }
        return (text, pages)
    }

    private static func run(_ tool: String, _ arguments: [String]) throws -> String {
        guard FileManager.default.isExecutableFile(atPath: tool) else { throw HarnessError("\(tool) tidak ada (poppler-utils; scripts/install-deps.sh)") }
        return try OneShot.output(URL(fileURLWithPath: tool), arguments)
    }
}
