import Configuration
import EKTPInstall

/// The `[web]` section: the pages for operators and the kecamatan head on the office LAN.
public struct StationWebSettings: Sendable {
    /// Serve the pages at all (`web.enabled`, default on).
    public var enabled = true
    /// `HOST:PORT` to listen on (`web.listen`). The default listens on every address of the
    /// station PC, so browsers on the office LAN reach it.
    public var listen = "0.0.0.0:8400"
    /// Mark cookies `Secure` (`web.secure_cookies`): set when the pages are reached over
    /// HTTPS through a TLS proxy.
    public var secureCookies = false

    public init(enabled: Bool = true, listen: String = "0.0.0.0:8400", secureCookies: Bool = false) {
        self.enabled = enabled
        self.listen = listen
        self.secureCookies = secureCookies
    }

    init(reader: ConfigReader) throws {
        enabled = reader.bool(forKey: "web.enabled", default: true)
        listen = reader.string(forKey: "web.listen", default: "0.0.0.0:8400")
        secureCookies = reader.bool(forKey: "web.secure_cookies", default: false)
        guard HostPort(listen) != nil else { throw StationConfig.Problem(description: "web.listen harus berbentuk HOST:PORT, bukan \"\(listen.prefix(40))\"") }
    }
}
