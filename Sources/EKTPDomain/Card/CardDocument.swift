import Foundation

/// Panel geometry of a direct-drive printer: dots across and down at its resolution.
public struct PanelGeometry: Hashable, Codable, Sendable {
    public var width: Int
    public var height: Int
    public var dpi: Int
    public init(width: Int, height: Int, dpi: Int = 300) {
        self.width = width
        self.height = height
        self.dpi = dpi
    }
}

/// What a printer takes for one card.
public enum CardDocumentKind: Hashable, Sendable {
    /// A card-size PDF, for CUPS queues.
    case pdf
    /// Colour and resin planes at the panel geometry, for direct drivers.
    case planes(PanelGeometry)
}

/// Print-ready planes for a direct driver: Y, M, C at 8 bits per dot (the photo), K resin
/// black and O overlay at 1 bit per dot, rows packed MSB first and padded to whole bytes.
public struct PrintPlanes: Hashable, Sendable {
    public var geometry: PanelGeometry
    public var yellow: Data
    public var magenta: Data
    public var cyan: Data
    public var black: Data
    public var overlay: Data

    public init(geometry: PanelGeometry, yellow: Data, magenta: Data, cyan: Data, black: Data, overlay: Data) {
        self.geometry = geometry
        self.yellow = yellow
        self.magenta = magenta
        self.cyan = cyan
        self.black = black
        self.overlay = overlay
    }

    /// Bytes in one row of a 1-bit plane.
    public var bitRowBytes: Int { (geometry.width + 7) / 8 }
}

/// One card, ready for a driver.
public enum CardDocument: Sendable {
    case pdf(Data)
    case planes(PrintPlanes)

    public var kind: CardDocumentKind {
        switch self {
        case .pdf: .pdf
        case .planes(let p): .planes(p.geometry)
        }
    }
}
