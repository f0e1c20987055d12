import EKTPAccounts
import EKTPWire

/// What a person can do at the station, and who may: the one table the pages
/// (`StationWeb`) and the local API (`LocalCaller`, for `ektpctl`) both check, so a rule
/// of the pages holds on the command line too (`docs/web.md`, `docs/ektpctl.md`).
enum StationAct: Sendable {
    // The operator's work.
    case importJobs
    case decideOutcome
    case handOver
    case loadPrinter
    case testPrint
    case addPrinter
    case receiveStock
    /// Counting a shipment in transit as it arrives, when the count matches.
    case receiveShipment
    case countStock
    case spoilStock
    /// Taking an alert on: anyone at the station who can act on it.
    case acknowledgeAlert
    // The kecamatan head's decisions.
    case approveReprint
    case releaseNIKHold
    case decideCount
    case destroyStock
    case transferStock
    /// Receiving a shipment with a count other than its surat jalan's.
    case receiveShipmentDifference
    case resumePrinting
    // The station's administration: root, or the account ektpd runs as.
    case manageUsers
    case enroll
    case backup
    case reconcile
    case injectFault

    /// The station roles that may do it.
    var roles: Set<WebRole> {
        switch self {
        case .importJobs, .decideOutcome, .handOver, .loadPrinter, .testPrint, .addPrinter, .receiveStock, .spoilStock: [.operator]
        // Anyone may count; nobody confirms their own count (`TwoPersonRule`).
        case .countStock, .acknowledgeAlert, .receiveShipment: [.operator, .kepala]
        case .approveReprint, .releaseNIKHold, .decideCount, .destroyStock, .transferStock, .resumePrinting, .receiveShipmentDifference: [.kepala]
        case .manageUsers, .enroll, .backup, .reconcile, .injectFault: []
        }
    }

    /// Whether the station's administrator may do it without being a station user.
    var administrative: Bool {
        switch self {
        case .manageUsers, .enroll, .backup, .reconcile, .injectFault, .addPrinter: true
        default: false
        }
    }

    /// The act a stock operation is.
    init(_ operation: StockOperation) {
        switch operation {
        case .receive, .receiveRibbon: self = .receiveStock
        case .load, .unload, .loadRibbon, .finishRibbon: self = .loadPrinter
        case .spoil: self = .spoilStock
        case .count: self = .countStock
        case .destroy: self = .destroyStock
        case .transfer: self = .transferStock
        }
    }

    /// The act of counting `shipment` on arrival as `counted`: a difference is the kepala's.
    static func receiving(_ shipment: IncomingShipment?, counted: Int) -> StationAct {
        guard let shipment, counted != shipment.quantity else { return .receiveShipment }
        return .receiveShipmentDifference
    }

    /// Who may do it, in words, for a refusal.
    var who: String {
        let names = roles.map(\.label).sorted()
        let people = names.isEmpty ? "" : names.joined(separator: " atau ")
        guard administrative else { return people }
        return people.isEmpty ? "admin stasiun (root)" : "\(people) atau admin stasiun (root)"
    }
}
