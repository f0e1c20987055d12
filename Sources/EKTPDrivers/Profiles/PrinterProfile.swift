import EKTPDomain
import EKTPInstall
import Foundation
import TOMLKit

/// A printer model as data: one TOML file per model in `drivers/profiles/`.
/// Adding a model is adding a file, not code.
public struct PrinterProfile: Codable, Sendable, Hashable {
    public struct USB: Codable, Sendable, Hashable {
        public var vendor_id: Int
        /// Product ids from a public source (usb.ids, the vendor's driver); empty: any
        /// device of the vendor with a printer-class interface.
        public var product_ids: [Int]
    }
    public struct Print: Codable, Sendable, Hashable {
        public var dpi: Int
        public var panel_width: Int
        public var panel_height: Int
        public var seconds_per_card: Int
        public var seconds_per_encode: Int
    }
    public struct Hopper: Codable, Sendable, Hashable {
        public var capacity: Int
    }
    public struct Ribbon: Codable, Sendable, Hashable {
        public var type: String
        public var capacity: Int
    }
    /// What a CUPS queue of this model needs on every job: the vendor PPD's ribbon option
    /// (HID's PPDs: `Ribbon`) set to the choice for the ribbon loaded.
    public struct CUPS: Codable, Sendable, Hashable {
        public var ribbon_option: String
        /// The PPD's choice; default the ribbon type.
        public var ribbon_choice: String?
    }

    /// The chip encoder the model can be fitted with. Evolis: the contactless station,
    /// reached with `Sic` (Programming Guide A5013, p.43); the chip is written before the
    /// panels print, as the vendor's manuals say of chip programming.
    public struct Encoder: Codable, Sendable, Hashable {
        /// `contactless`: the only station ektp drives.
        public var station: String
        /// `before-print`: the only order the vendors document.
        public var order: String
    }

    /// How the station talks to the model.
    public enum PrinterProtocol: String, Codable, Sendable, Hashable {
        /// Evolis escape commands over USB.
        case evolis
        /// Magicard frames over USB.
        case magicard
        /// A CUPS queue and the vendor's driver.
        case cups

        /// Whether ektp drives the model over USB itself.
        public var isDirectUSB: Bool { self != .cups }
    }

    /// What the model takes for a card.
    public enum DocumentFormat: String, Codable, Sendable, Hashable {
        /// Colour and black planes at the panel's size.
        case planes
        /// A card-size PDF, for the vendor's CUPS driver.
        case pdf
    }

    public var id: String
    public var name: String
    public var vendor: String
    public var `protocol`: PrinterProtocol
    public var document: DocumentFormat
    public var usb: USB?
    public var print: Print
    public var hopper: Hopper
    public var ribbon: Ribbon
    public var cups: CUPS?
    public var encoder: Encoder?

    public var geometry: PanelGeometry { PanelGeometry(width: print.panel_width, height: print.panel_height, dpi: print.dpi) }
    public var documentKind: CardDocumentKind {
        switch document {
        case .pdf: .pdf
        case .planes: .planes(geometry)
        }
    }
}

/// Every profile in a directory, by id.
public struct ProfileCatalog: Sendable {
    public let profiles: [String: PrinterProfile]

    public struct Problem: Error, CustomStringConvertible {
        public let description: String
    }

    public init(profiles: [PrinterProfile]) {
        self.profiles = Dictionary(profiles.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
    }

    /// Reads every `*.toml` in `directory`; a file that does not parse is an error naming it.
    public static func load(directory: String) throws -> ProfileCatalog {
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".toml") }.sorted() } catch {
            throw Problem(description: "folder profil printer \(directory) tidak bisa dibaca")
        }
        var profiles: [PrinterProfile] = []
        for name in names {
            let path = (directory as NSString).appendingPathComponent(name)
            do {
                let text = try String(contentsOfFile: path, encoding: .utf8)
                let profile = try TOMLDecoder().decode(PrinterProfile.self, from: text)
                guard profile.id + ".toml" == name else { throw Problem(description: "id \(profile.id) tidak sama dengan nama berkas") }
                guard profile.hopper.capacity > 0, profile.print.panel_width > 0, profile.print.panel_height > 0 else {
                    throw Problem(description: "ukuran hopper atau panel tidak wajar")
                }
                if let encoder = profile.encoder {
                    guard encoder.station == "contactless", encoder.order == "before-print", profile.protocol == .evolis else {
                        throw Problem(description: "encoder hanya didukung: station = \"contactless\", order = \"before-print\", printer Evolis")
                    }
                }
                profiles.append(profile)
            } catch {
                throw Problem(description: "profil printer \(path) tidak valid: \(error)")
            }
        }
        return ProfileCatalog(profiles: profiles)
    }

    /// The profiles folder: `EKTP_DRIVERS_DIR`, else `drivers/profiles` beside the working
    /// directory or the executable's package, else the installed `/usr/share/ektp/drivers/profiles`.
    public static func defaultDirectory() -> String { InstalledFiles.locate("drivers/profiles", environment: "EKTP_DRIVERS_DIR") }

    public func profile(_ id: String) throws -> PrinterProfile {
        guard let p = profiles[id] else {
            throw Problem(description: "model printer \(id) tidak dikenal (ada: \(profiles.keys.sorted().joined(separator: ", ")))")
        }
        return p
    }
}
