import EKTPDomain
import EKTPWire
import Foundation

/// One typed method per route of the station API (see `StationAPI.swift` for the types).
extension StationClient {
    // MARK: Status and devices

    /// `GET /v1/status`
    public func status() async throws(StationClientError) -> StationStatusView {
        try await send(.GET, "/status")
    }

    /// `GET /v1/devices`
    public func devices() async throws(StationClientError) -> [DeviceView] {
        try await send(.GET, "/devices")
    }

    /// `POST /v1/devices/{id}/fault`: injects or clears a fault on a simulated printer.
    public func injectFault(_ device: DeviceID, _ request: FaultRequest) async throws(StationClientError) -> DeviceView {
        try await post("/devices/\(device.rawValue)/fault", request)
    }

    /// `GET /v1/devices/offered`: printers plugged in that the station could drive.
    public func offeredPrinters() async throws(StationClientError) -> [OfferedPrinterView] {
        try await send(.GET, "/devices/offered")
    }

    /// `POST /v1/devices/add`: drive an offered printer (by id) or a printer URI from now on.
    public func addPrinter(_ request: AddPrinterRequest) async throws(StationClientError) -> DeviceView {
        try await post("/devices/add", request)
    }

    /// `POST /v1/devices/{id}/test-print`: prints the test card, waits for its outcome.
    public func testPrint(_ device: DeviceID) async throws(StationClientError) -> TestPrintResult {
        try await post("/devices/\(device.rawValue)/test-print", [String: String]())
    }

    /// `POST /v1/backup`: a consistent copy of the database (and its key) made by the daemon.
    public func backup(_ request: BackupRequest) async throws(StationClientError) -> BackupMade {
        try await post("/backup", request)
    }

    /// `POST /v1/hold/release`: lifts the hold on printing after a rollback.
    public func releaseHold(_ request: ReasonRequest) async throws(StationClientError) -> HoldReleased {
        try await post("/hold/release", request)
    }

    /// `GET /v1/alerts`: the open alerts, newest first.
    public func alerts() async throws(StationClientError) -> [AlertView] {
        try await send(.GET, "/alerts")
    }

    /// `POST /v1/alerts/{id}/ack`: the caller takes the alert on.
    public func acknowledgeAlert(_ id: Int64) async throws(StationClientError) -> AlertView {
        try await post("/alerts/\(id)/ack", [String: String]())
    }

    // MARK: Jobs

    /// `GET /v1/jobs?state=…&limit=…`
    public func jobs(state: JobState? = nil, limit: Int? = nil) async throws(StationClientError) -> [JobSummary] {
        var query: [(String, String)] = []
        if let state { query.append(("state", state.rawValue)) }
        if let limit { query.append(("limit", String(limit))) }
        return try await send(.GET, "/jobs", query: query)
    }

    /// `GET /v1/jobs/find?nik=` or `?nama=`: the jobs for a NIK, or open jobs by name.
    public func findJobs(nik: String? = nil, name: String? = nil) async throws(StationClientError) -> [JobMatch] {
        var query: [(String, String)] = []
        if let nik { query.append(("nik", nik)) }
        if let name { query.append(("nama", name)) }
        return try await send(.GET, "/jobs/find", query: query)
    }

    /// `GET /v1/jobs/{id}/receipt.pdf`: the tanda terima of a card picked up.
    public func receiptPDF(_ id: JobID) async throws(StationClientError) -> Data {
        try await exchange(.GET, "/jobs/\(id.rawValue)/receipt.pdf").body
    }

    /// `GET /v1/stock/report.pdf`: the monthly report to sign, with the head's NIP.
    public func monthlyReportPDF(month: ReportMonth, nip: String?) async throws(StationClientError) -> Data {
        try await exchange(.GET, "/stock/report.pdf", query: [("month", month.description)] + (nip.map { [("nip", $0)] } ?? [])).body
    }

    /// `GET /v1/jobs/{id}`
    public func job(_ id: JobID) async throws(StationClientError) -> JobDetail {
        try await send(.GET, "/jobs/\(id.rawValue)")
    }

    /// `POST /v1/jobs/import`: the bytes of a signed job file, sent as they are (the
    /// signature covers them, so the client does not re-encode).
    public func importJobs(_ data: Data) async throws(StationClientError) -> ImportResult {
        try await send(.POST, "/jobs/import", body: data)
    }

    /// `POST /v1/jobs/{id}/outcome`
    public func recordOutcome(_ id: JobID, _ request: OutcomeRequest) async throws(StationClientError) -> JobChanged {
        try await post("/jobs/\(id.rawValue)/outcome", request)
    }

    /// `POST /v1/jobs/{id}/reprint` (kecamatan head, not the one who recorded the spoilage).
    public func reprint(_ id: JobID, _ request: ReasonRequest) async throws(StationClientError) -> JobChanged {
        try await post("/jobs/\(id.rawValue)/reprint", request)
    }

    /// `POST /v1/jobs/{id}/release` (kecamatan head).
    public func releaseHold(_ id: JobID, _ request: ReasonRequest) async throws(StationClientError) -> JobSummary {
        try await post("/jobs/\(id.rawValue)/release", request)
    }

    /// `POST /v1/jobs/{id}/handover`
    public func handover(_ id: JobID, _ request: HandoverRequest) async throws(StationClientError) -> JobChanged {
        try await post("/jobs/\(id.rawValue)/handover", request)
    }

    // MARK: Stock

    /// `POST /v1/stock`
    public func stock(_ operation: StockOperation) async throws(StationClientError) -> StockChanged {
        try await post("/stock", StockRequest(operation))
    }

    /// `POST /v1/stock/counts/{id}/confirm` (kecamatan head).
    public func confirmCount(_ id: Int64, _ decision: CountDecision) async throws(StationClientError) -> StockChanged {
        try await post("/stock/counts/\(id)/confirm", decision)
    }

    /// `POST /v1/stock/counts/{id}/refuse` (kecamatan head).
    public func refuseCount(_ id: Int64, _ decision: CountDecision) async throws(StationClientError) -> StockChanged {
        try await post("/stock/counts/\(id)/refuse", decision)
    }

    /// `GET /v1/stock/shipments`
    public func shipments() async throws(StationClientError) -> [IncomingShipment] {
        try await send(.GET, "/stock/shipments")
    }

    /// `POST /v1/stock/shipments/{id}/receive` (a difference: kecamatan head).
    public func receiveShipment(_ id: String, _ receipt: ShipmentReceipt) async throws(StationClientError) -> StockChanged {
        try await post("/stock/shipments/\(id.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(["-", "_", "."])) ?? id)/receive", receipt)
    }

    /// `GET /v1/stock`
    public func stockView() async throws(StationClientError) -> StockView {
        try await send(.GET, "/stock")
    }

    /// `GET /v1/stock/report?month=YYYY-MM`
    public func monthlyReport(month: ReportMonth) async throws(StationClientError) -> MonthlyBlangkoReport {
        try await send(.GET, "/stock/report", query: [("month", month.description)])
    }

    // MARK: Audit

    /// `GET /v1/audit/verify`
    public func verifyAudit() async throws(StationClientError) -> AuditVerification {
        try await send(.GET, "/audit/verify")
    }
}

// MARK: Sync with the hub
extension StationClient {
    /// `POST /v1/sync/enroll`: the daemon exchanges the token at the hub and keeps the
    /// credential (0600). Enrolling takes a round trip to the hub.
    public func enroll(_ request: EnrollStationRequest) async throws(StationClientError) -> SyncStatusView {
        try await post("/sync/enroll", request)
    }

    /// `GET /v1/sync`
    public func syncStatus() async throws(StationClientError) -> SyncStatusView {
        try await send(.GET, "/sync")
    }

    /// `POST /v1/sync/reconcile`
    public func reconcile() async throws(StationClientError) -> ReconcileReport {
        try await send(.POST, "/sync/reconcile")
    }
}
