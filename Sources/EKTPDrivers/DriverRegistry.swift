import EKTPDomain
import Foundation

/// Drivers by URI scheme, in one place (as PAPPL registers its device schemes):
/// `cups://QUEUE` and `usb://VID:PID/SERIAL`; the simulated printers (`sim://`,
/// `sim+evolis://`, `sim+magicard://`) register themselves from `EKTPSimulator`.
public struct DriverRegistry: Sendable {
    /// Opens a printer from its full URI. Each driver parses its own form: `usb://0f49:0e00/SN`
    /// is not a URL whose "port" is a number, so the registry does not pre-parse.
    public typealias Opener = @Sendable (String, ProfileCatalog) async throws -> any CardPrinter

    private var openers: [String: Opener] = [:]
    public let profiles: ProfileCatalog

    public struct Problem: Error, CustomStringConvertible {
        public let description: String
    }

    public init(profiles: ProfileCatalog) {
        self.profiles = profiles
        register(scheme: "usb") { uri, profiles in try USBDrivers.open(uri: uri, profiles: profiles) }
        register(scheme: "cups") { uri, profiles in try await CUPSPrinter.open(url: try Self.components(uri), profiles: profiles) }
    }

    public mutating func register(scheme: String, opener: @escaping Opener) {
        openers[scheme] = opener
    }

    public var schemes: [String] { openers.keys.sorted() }

    /// Opens the printer a URI names.
    public func open(_ uri: String) async throws -> any CardPrinter {
        guard let separator = uri.range(of: "://"), !uri[..<separator.lowerBound].isEmpty else {
            throw Problem(description: "URI printer tidak valid: \(uri)")
        }
        let scheme = String(uri[..<separator.lowerBound])
        guard let opener = openers[scheme] else {
            throw Problem(description: "skema printer \(scheme):// tidak dikenal (ada: \(schemes.map { $0 + "://" }.joined(separator: ", ")))")
        }
        return try await opener(uri, profiles)
    }

    /// A URI as URL components, for drivers whose URIs are ordinary URLs.
    public static func components(_ uri: String) throws -> URLComponents {
        guard let url = URLComponents(string: uri), url.scheme != nil else {
            throw Problem(description: "URI printer tidak valid: \(uri)")
        }
        return url
    }
}
