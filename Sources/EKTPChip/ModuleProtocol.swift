import EKTPDomain
import Foundation

/// The boundary to the personalisation module, version `ektp-chip/1` (docs/chip.md): one
/// JSON object per line on the module's stdin and stdout. The station opens the reader and
/// the card; the module never touches PC/SC itself, it asks the station to send each APDU.
public enum ChipModuleProtocol {
    public static let version = "ektp-chip/1"

    /// Station → module, first line: what the chip needs, nothing else.
    public struct Start: Codable, Sendable {
        public var type = "start"
        public var `protocol` = ChipModuleProtocol.version
        public var job: String
        /// SHA-256 of the job's canonical bytes, hex: what identifies this content.
        public var contentHash: String
        public var reader: String
        /// The card's answer to reset, hex.
        public var atr: String
        /// The card record: the data printed on the card, which the chip carries too.
        public var chip: CardRecord
    }

    /// Station → module: the card's answer to one APDU, with its status word, hex.
    public struct Response: Codable, Sendable {
        public var type = "response"
        public var seq: Int
        public var data: String
    }

    /// Module → station. `type` says which fields are there:
    /// - `apdu`: `seq` (counting from 1), `data` (the command APDU, hex);
    /// - `writing`: the next APDU is the first that changes the chip;
    /// - `result`: `outcome` (`written`, `refused`, `failed`), `reason`, and for `written`
    ///   `verify`, the read-backs the station makes itself;
    /// - `log`: `message`, for the journal.
    public struct Message: Codable, Sendable {
        public var type: String
        public var seq: Int?
        public var data: String?
        public var outcome: String?
        public var reason: String?
        public var verify: [ReadBack]?
        public var message: String?
    }

    /// One read the station makes after a `written` result, and the answer it must get.
    public struct ReadBack: Codable, Sendable {
        public var apdu: String
        public var expect: String
    }
}
