import EKTPDomain

/// Turns a verified job into what a printer takes. The real one is the card renderer;
/// it refuses, with the field named, a card it cannot print well.
public protocol CardComposer: Sendable {
    func compose(_ job: PrintJob, for kind: CardDocumentKind) throws -> CardDocument
}
