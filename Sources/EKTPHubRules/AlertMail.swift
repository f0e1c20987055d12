import EKTPDomain
import Foundation

/// An alert as an e-mail (docs/hub.md, "Alerts to people"): a plain-text message in
/// Indonesian, UTF-8 in base64 so any relay carries it, the subject as an RFC 2047 word.
/// The body never starts a line with a dot (base64 has none), so it needs no stuffing.
public enum AlertMail {
    /// The whole message as sent after SMTP `DATA`, lines ending CRLF, without the final
    /// `.` line.
    public static func message(_ alert: AlertMessage, from: String, to: [String], date: Date, messageID: String) -> String {
        let body = Data(text(alert).utf8).base64EncodedString(options: [.lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed])
        let headers = [
            "From: \(from)",
            "To: \(to.joined(separator: ", "))",
            "Subject: \(encodedWord(alert.subject))",
            "Date: \(rfc5322(date))",
            "Message-ID: <\(messageID)>",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: base64",
            "Auto-Submitted: auto-generated",
        ]
        return headers.joined(separator: "\r\n") + "\r\n\r\n" + body + "\r\n"
    }

    /// What the person reads.
    public static func text(_ alert: AlertMessage) -> String {
        var lines = [
            alert.escalated ? "Peringatan yang perlu perhatian (eskalasi) dari hub KTP-el:" : "Peringatan baru dari hub KTP-el:", "",
            "Jenis     : \(alert.kind)",
        ]
        if let station = alert.stationId { lines.append("Stasiun   : \(station)") }
        lines.append("Kecamatan : \(alert.kecamatanCode)")
        if let device = alert.device { lines.append("Printer   : \(device)") }
        lines.append("Sejak     : \(OfficeZone(regionCode: alert.kecamatanCode).time(alert.at))")
        lines += ["", alert.message]
        if alert.heldBack > 0 {
            lines += ["", "\(alert.heldBack) peringatan sejenis dari tempat yang sama tidak dikirim tersendiri sejak kiriman sebelumnya."]
        }
        if alert.escalated {
            lines += ["", "Eskalasi: belum ada yang menandai peringatan ini ditangani, atau hub sendiri menemukan keadaannya."]
        }
        lines += ["", "Pesan ini dikirim otomatis oleh ektp-hub; jangan dibalas."]
        return lines.joined(separator: "\n") + "\n"
    }

    /// Whether `text` is an address the hub writes into a header and an SMTP command as
    /// is: `local@domain`, printable ASCII, no spaces, brackets or line breaks.
    public static func isAddress(_ text: String) -> Bool {
        guard text.utf8.count <= 254, let at = text.lastIndex(of: "@") else { return false }
        let local = text[..<at]
        let domain = text[text.index(after: at)...]
        guard !local.isEmpty, domain.contains("."), !domain.hasPrefix("."), !domain.hasSuffix(".") else { return false }
        return text.unicodeScalars.allSatisfy { $0.value > 32 && $0.value < 127 && !"<>()[]\\,;:\"".unicodeScalars.contains($0) }
    }

    /// `=?UTF-8?B?…?=` for a header that may hold any text.
    static func encodedWord(_ text: String) -> String {
        let clean = String(text.unicodeScalars.filter { $0.value >= 32 && $0.value != 127 }.map(Character.init))
        return "=?UTF-8?B?\(Data(clean.utf8).base64EncodedString())?="
    }

    /// `Tue, 01 Dec 2026 14:05:00 +0700`: when the hub sent it, in the central office's
    /// zone (WIB); the alert's own time, in its office's zone, is in the text.
    static func rfc5322(_ date: Date, zone: OfficeZone = .wib) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = zone.timeZone
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        return f.string(from: date)
    }
}
