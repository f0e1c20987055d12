import EKTPWire
import Foundation

/// The hub's words for shipments, the same from either store.
public enum ShipmentText {
    /// At most this many shipments in transit ride on one heartbeat's answer.
    public static let noticesPerHeartbeat = 50

    public struct Text: Sendable {
        public var action: String
        public var detail: String
    }

    public static func allocated(_ allotment: String, quantity: Int, document: String, shipments: Int) -> Text {
        Text(action: "blangko dialokasikan", detail: "\(allotment): \(quantity) lembar dari dokumen \(document), \(shipments) surat jalan")
    }

    public static func notAwaited(_ id: String, kecamatan: String) -> String {
        "stasiun melaporkan kiriman \(id.prefix(40)) diterima, padahal tidak ada kiriman itu yang menunggu di kecamatan \(kecamatan): hub tidak mengubah catatannya"
    }
}

extension ShipmentView {
    /// What the receiving station is told of it.
    public var notice: ShipmentNotice {
        ShipmentNotice(id: id, kind: kind, fromKecamatan: fromKecamatan, quantity: quantity, document: document, sentAt: sentAt)
    }
}
