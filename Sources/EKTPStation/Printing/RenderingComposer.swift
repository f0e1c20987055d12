import EKTPDomain
import EKTPRendering

/// The card renderer as the print worker's composer.
public struct RenderingComposer: CardComposer {
    let renderer: CardRenderer
    public init(renderer: CardRenderer) { self.renderer = renderer }

    public func compose(_ job: PrintJob, for kind: CardDocumentKind) throws -> CardDocument {
        try renderer.document(job.card, for: kind)
    }
}
