import EKTPDomain
import Foundation

/// Numbers and times as people in Indonesia read them: thousands with dots, decimals with
/// a comma, times in the office's zone (`OfficeZone`).
public enum WebFormat {
    public static func number(_ n: Int) -> String {
        let digits = String(abs(n))
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0, (digits.count - i) % 3 == 0 { out.append(".") }
            out.append(c)
        }
        return (n < 0 ? "−" : "") + out
    }

    public static func decimal(_ x: Double, digits: Int = 1) -> String {
        String(format: "%.\(digits)f", x).replacingOccurrences(of: ".", with: ",")
    }

    /// `23-11-2026 14:05 WITA`
    public static func time(_ date: Date, _ zone: OfficeZone) -> String { zone.time(date) }

    /// How long ago, in words: `baru saja`, `5 menit lalu`, `3 jam lalu`, `2 hari lalu`.
    public static func ago(_ date: Date, now: Date) -> String {
        let s = Int(now.timeIntervalSince(date))
        if s < 60 { return "baru saja" }
        if s < 3600 { return "\(s / 60) menit lalu" }
        if s < 86_400 { return "\(s / 3600) jam lalu" }
        return "\(s / 86_400) hari lalu"
    }

    public static let months = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober", "November", "Desember"]

    /// `2 Desember 2026`: a date as written over a signature.
    public static func longDate(_ d: CivilDate) -> String { "\(d.day) \(months[d.month - 1]) \(d.year)" }

    /// `2026-11` → `November 2026`.
    public static func month(_ key: String) -> String {
        let parts = key.split(separator: "-")
        guard parts.count == 2, let m = Int(parts[1]), (1...12).contains(m) else { return key }
        return "\(months[m - 1]) \(parts[0])"
    }

    /// `dd-MM` of a day key `YYYY-MM-DD`.
    public static func shortDay(_ key: String) -> String {
        let p = key.split(separator: "-")
        return p.count == 3 ? "\(p[2])/\(p[1])" : key
    }
}
