import Foundation

/// A job file as the approval system, the hub and the station exchange it: one signed-job
/// document or a JSON array of them. Reading one is the same everywhere: split it into
/// documents, check each, and accept all or nothing, naming every refused job.
public enum SignedJobFile {
    /// Why a file was refused: `malformed` (not a job file at all) or `refused` (one or more
    /// jobs failed their checks; `details` names each with its reason).
    public struct Refusal: Error, Sendable, CustomStringConvertible {
        public enum Kind: Sendable { case malformed, refused }
        public let kind: Kind
        public let message: String
        public let details: [String]
        public var description: String { ([message] + details).joined(separator: "\n") }
    }

    /// The signed-job documents in a file.
    public static func documents(_ data: Data) throws(Refusal) -> [JSONValue] {
        let parsed: JSONValue
        do { parsed = try JSONValue.parse(data) } catch {
            throw Refusal(kind: .malformed, message: "berkas job bukan JSON yang valid: \(error.description)", details: [])
        }
        switch parsed {
        case .array(let items) where !items.isEmpty: return items
        case .array: throw Refusal(kind: .malformed, message: "berkas job kosong", details: [])
        case .object: return [parsed]
        default: throw Refusal(kind: .malformed, message: "berkas job harus berisi satu job bertanda tangan atau daftar job", details: [])
        }
    }

    /// Checks every document of a file with `check` (which returns the admitted item and its
    /// warnings, or the reason in words). All or nothing: any refusal refuses the file.
    public static func admit<Item>(
        _ data: Data, check: (JSONValue) -> Result<(Item, [String]), some Error & CustomStringConvertible>
    ) throws(Refusal) -> (accepted: [Item], warnings: [String]) {
        let documents = try documents(data)
        return try verdict(documents, documents.map(check))
    }

    /// As `admit`, the documents checked on every core (`ParallelMap`): the hub's intake,
    /// where one file holds a thousand signatures.
    public static func admitInParallel<Item: Sendable, Failure: Error & CustomStringConvertible>(
        _ data: Data, check: @escaping @Sendable (JSONValue) -> Result<(Item, [String]), Failure>
    ) async throws(Refusal) -> (accepted: [Item], warnings: [String]) {
        let documents = try documents(data)
        return try verdict(documents, await ParallelMap.map(documents, check))
    }

    /// The file's verdict from each document's check, in order.
    private static func verdict<Item, Failure: Error & CustomStringConvertible>(
        _ documents: [JSONValue], _ checked: [Result<(Item, [String]), Failure>]
    ) throws(Refusal) -> (accepted: [Item], warnings: [String]) {
        var accepted: [Item] = []
        accepted.reserveCapacity(documents.count)
        var warnings: [String] = []
        var refused: [String] = []
        for (index, (document, result)) in zip(documents, checked).enumerated() {
            switch result {
            case .success(let (item, w)):
                accepted.append(item)
                warnings += w
            case .failure(let error):
                let name = document["job"]?["id"]?.stringValue.map { "job \($0.prefix(64))" } ?? "job ke-\(index + 1)"
                refused.append("\(name): \(error.description)")
            }
        }
        if !refused.isEmpty {
            throw Refusal(kind: .refused, message: "\(refused.count) dari \(documents.count) job ditolak; tidak ada yang disimpan", details: refused)
        }
        return (accepted, warnings)
    }
}
