import Foundation

/// `HOST:PORT`, as `metrics.listen`, `web.listen` and `EKTP_HUB_SMTP` give an address; an
/// IPv6 host may be bracketed (`[::1]:25`).
public struct HostPort: Sendable, Equatable {
    public let host: String
    public let port: Int

    public init?(_ text: String) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65_535).contains(port) else { return nil }
        let host = String(text[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        guard !host.isEmpty else { return nil }
        self.host = host
        self.port = port
    }
}
