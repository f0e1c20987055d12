/// The card's own data cannot be printed well, so the job is refused before a blangko is
/// fed. `field` names the field in the words on the card (`Nama`, `Alamat`, `Foto`,
/// `Tanda Tangan`), `message` says why, in Indonesian, for the operator and the registry.
public struct RenderRefusal: Error, Equatable, Sendable, CustomStringConvertible {
    public let field: String
    public let message: String
    public var description: String { "\(field): \(message)" }

    public init(field: String, message: String) {
        self.field = field
        self.message = message
    }
}

/// The station cannot render at all: the font is missing, the layout file is wrong, cairo
/// failed. Not the card's fault; the job should wait, not be rejected.
public struct RenderError: Error, Equatable, Sendable, CustomStringConvertible {
    public let message: String
    public var description: String { message }

    public init(_ message: String) { self.message = message }
}
