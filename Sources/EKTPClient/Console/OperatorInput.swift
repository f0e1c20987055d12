import EKTPDomain
import Foundation

/// Parsing of what an operator types that is not a plain string or number.
public enum OperatorInput {
    /// Why an input was refused, in Indonesian.
    public struct Invalid: Error, CustomStringConvertible {
        public let description: String
    }

    /// A place whose cards can be counted or spoiled: `store` (or `gudang`), `spoiled`,
    /// a printer id, or `hopper:ID`.
    public static func physicalPlace(_ text: String) throws(Invalid) -> StockPlace {
        let t = text.trimmingCharacters(in: .whitespaces)
        switch t.lowercased() {
        case "store", "gudang": return .store
        case "spoiled", "rusak": return .spoiled
        default: break
        }
        if let place = StockPlace(key: t) {
            // `issued`, `supplier` … are ledger places, never a printer's name.
            if place.isPhysical { return place }
        } else if let device = try? DeviceID(t), !t.contains(":") {
            return .hopper(device)
        }
        throw Invalid(description: "tempat \"\(t.prefix(40))\" tidak dikenal: tulis store, spoiled, atau id printer")
    }

    /// A printer id as typed.
    public static func device(_ text: String) throws(Invalid) -> DeviceID {
        do { return try DeviceID(text) } catch { throw Invalid(description: error.description) }
    }

    /// A job id as typed.
    public static func job(_ text: String) throws(Invalid) -> JobID {
        do { return try JobID(text) } catch { throw Invalid(description: error.description) }
    }

    /// A NIK as typed or scanned (`HandOver.nik`: spaces, dots and dashes dropped).
    public static func nik(_ text: String) throws(Invalid) -> NIK {
        do { return try HandOver.nik(text) } catch { throw Invalid(description: error.description) }
    }

    /// A job state by its wire name (`queued`, `outcome-unknown`) or its Indonesian label.
    public static func jobState(_ text: String) throws(Invalid) -> JobState {
        let t = text.trimmingCharacters(in: .whitespaces).lowercased()
        if let s = JobState(rawValue: t) ?? JobState.allCases.first(where: { $0.label == t }) { return s }
        let names = JobState.allCases.map(\.rawValue).joined(separator: ", ")
        throw Invalid(description: "status job \"\(t.prefix(40))\" tidak dikenal; pilih salah satu: \(names)")
    }

    /// A spoil cause by its wire name (`gagal-cetak` …).
    public static func spoilCause(_ text: String) throws(Invalid) -> SpoilCause {
        let t = text.trimmingCharacters(in: .whitespaces).lowercased()
        if let c = SpoilCause(rawValue: t) ?? SpoilCause.allCases.first(where: { $0.label == t }) { return c }
        let names = SpoilCause.allCases.map(\.rawValue).joined(separator: ", ")
        throw Invalid(description: "sebab rusak \"\(t.prefix(40))\" tidak dikenal; pilih salah satu: \(names)")
    }
}
