/// How a printed card leaves the office, and the rule that decides whether it may.
///
/// - Pickup (`diambil`): the citizen, or someone for them, collects it at the kecamatan.
///   The NIK they give (typed, or scanned from the registration slip) must be the card's:
///   the check that the card goes to its owner. Whether an old KTP-el was collected is
///   recorded; a collected one waits at the office to be destroyed under a record.
/// - PT Pos (`layan antar`): the card goes to the courier in a manifest, for delivery to
///   the address in the job.
///
/// A card is handed over the way its job says: a pickup card never goes into a PT Pos
/// manifest, and a PT Pos card is never "picked up" — until PT Pos brings it back
/// (`PosDeliveryResult`): then it waits on the shelf for pickup like any other.
public enum HandOver: Sendable, Equatable {
    case pickup(recipient: String, nik: NIK, oldCardCollected: Bool)
    case pos(manifest: String)

    /// Why this hand-over may not be recorded for a card going out by `delivery` with `nik`,
    /// in Indonesian; nil when it may.
    public func problem(delivery: DeliveryMethod, cardNIK: NIK) -> String? {
        switch (self, delivery) {
        case (.pickup(_, let given, _), .pickup):
            // The message names neither NIK: the operator compares the card in hand.
            return given == cardNIK
                ? nil : "NIK yang diberikan tidak sama dengan NIK pada kartu ini: kartu tidak diserahkan; periksa KTP-el lama atau bukti perekaman"
        case (.pos, .pos):
            return nil
        case (.pickup, .pos):
            return "kartu ini dikirim lewat PT Pos (layan antar), bukan diambil di kecamatan: masukkan ke manifest PT Pos"
        case (.pos, .pickup):
            return "kartu ini diambil di kecamatan, bukan dikirim lewat PT Pos: jangan masukkan ke manifest"
        }
    }

    /// Reads a NIK as an operator types or scans it: spaces, dots and dashes between the
    /// digits are dropped; what remains must be a valid NIK.
    public static func nik(_ text: String) throws(NIK.Invalid) -> NIK {
        try NIK(String(text.filter { !" .-\t".contains($0) }))
    }
}

/// What PT Pos reports of a card it took for delivery (layan antar). A returned or
/// undeliverable card comes back to its kecamatan's shelf, to be picked up there.
public enum PosDeliveryResult: String, Codable, Sendable, CaseIterable {
    case delivered
    case returned
    case undeliverable

    /// The word in PT Pos's result file (`docs/hub.md`, "PT Pos delivery results").
    public var word: String {
        switch self {
        case .delivered: "terkirim"
        case .returned: "dikembalikan"
        case .undeliverable: "tidak-terkirim"
        }
    }

    public var label: String {
        switch self {
        case .delivered: "terkirim ke alamat"
        case .returned: "dikembalikan PT Pos"
        case .undeliverable: "tidak bisa dikirim"
        }
    }

    /// Reads the file's word, or the API's.
    public init?(word: String) {
        let w = word.trimmingCharacters(in: .whitespaces).lowercased()
        guard let r = Self.allCases.first(where: { $0.word == w || $0.rawValue == w }) else { return nil }
        self = r
    }

    /// The card goes back to the office's shelf.
    public var backOnShelf: Bool { self != .delivered }
}
