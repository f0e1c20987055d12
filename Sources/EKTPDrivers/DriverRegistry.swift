import EKTPDomain
import Foundation

/// Drivers by URI scheme, in one place (as PAPPL registers its device schemes):
/// `sim://MODEL?…` now; `cups://QUEUE` and `usb://VID:PID/SERIAL` register here too.
public struct DriverRegistry: Sendable {
    public typealias Opener = @Sendable (URLComponents, ProfileCatalog) async throws -> any CardPrinter

    private var openers: [String: Opener] = [:]
    public let profiles: ProfileCatalog

    public struct Problem: Error, CustomStringConvertible {
        public let description: String
    }

    public init(profiles: ProfileCatalog) {
        self.profiles = profiles
        register(scheme: "sim") { url, profiles in try SimulatedPrinter(url: url, profiles: profiles) }
    }

    public mutating func register(scheme: String, opener: @escaping Opener) {
        openers[scheme] = opener
    }

    public var schemes: [String] { openers.keys.sorted() }

    /// Opens the printer a URI names.
    public func open(_ uri: String) async throws -> any CardPrinter {
        guard let url = URLComponents(string: uri), let scheme = url.scheme else {
            throw Problem(description: "URI printer tidak valid: \(uri)")
        }
        guard let opener = openers[scheme] else {
            throw Problem(description: "skema printer \(scheme):// tidak dikenal (ada: \(schemes.map { $0 + "://" }.joined(separator: ", ")))")
        }
        return try await opener(url, profiles)
    }
}
