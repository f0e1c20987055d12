/// The four-eyes rule: a decision that checks what someone recorded is taken by someone
/// else. A count difference is confirmed (or refused) by a kecamatan head who did not
/// count; a reprint after spoilage is approved by a kecamatan head who did not record the
/// spoilage. Recorders are compared by the name the audit trail holds; a recording made by
/// the station itself (`ektpd`) leaves any person free to decide.
public enum TwoPersonRule {
    /// Refuses when `decider` is the person who recorded what is being decided.
    public static func check(decider: String, recorder: String, what: String) throws(Refusal) {
        guard decider != recorder else { throw Refusal(person: decider, what: what) }
    }

    public struct Refusal: Error, Equatable, CustomStringConvertible {
        public let person: String
        public let what: String
        public var description: String {
            "\(person) sendiri yang mencatat \(what); orang lain (kepala kecamatan) yang harus memutuskannya"
        }
    }
}
