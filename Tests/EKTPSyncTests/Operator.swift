import EKTPClient
import EKTPDomain
import EKTPDrivers
import EKTPSimulator
import EKTPTestSupport
import EKTPWire
import Foundation

/// What the office does at the station while it prints: the operator decides cards whose
/// outcome is unknown by looking in the printer (the simulator's own record), clears
/// faults and keeps the hoppers fed from the store; the kecamatan head approves reprints
/// of spoiled cards with a reason.
enum Operator {
    static func round(_ client: StationClient, _ station: StationUnderTest) async throws {
        let printerState = station.printerState
        for job in try await client.jobs(state: .outcomeUnknown) {
            let used = try await client.job(job.id).blangkoUsed ?? 0
            let request: OutcomeRequest
            switch SimulatedPrinter.inspect(job: job.id.rawValue, blangkoCounted: used, stateDirectory: printerState) {
            case .printed: request = OutcomeRequest(decision: .printed, cause: nil, reason: "kartu ada di tray keluar")
            case .spoiled(let c): request = OutcomeRequest(decision: .spoiled, cause: c, reason: "kartu tertahan di printer")
            case .notFed: request = OutcomeRequest(decision: .notFed, cause: nil, reason: "tidak ada kartu ditarik")
            }
            _ = try await client.recordOutcome(job.id, request)
        }
        // The kecamatan head approves each reprint, from their own PC account.
        for job in try await client.jobs(state: .spoiled) {
            let _: JobChanged = try await station.kepala.json(["jobs", "reprint", job.id.rawValue, "--reason", "kartu rusak"], decoder: WireCoding.decoder())
        }
        for d in try await client.devices() where d.state.status == .error || d.state.status == .offline {
            _ = try await client.injectFault(d.id, FaultRequest(fault: "clear"))
        }
        let inStore = try await client.stockView().places[.store] ?? 0
        for d in try await client.devices() where d.hopperLedger < 10 && inStore > 0 {
            _ = try await client.stock(.load(device: d.id, quantity: min(d.hopperCapacity - d.hopperLedger, inStore, 30)))
        }
    }

    /// Operates until `done` says so, or fails after `seconds`.
    static func work(
        _ station: StationUnderTest, seconds: Double, _ what: String, until done: @escaping (StationStatusView) async throws -> Bool
    ) async throws {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            let finished = try await station.withClient { client in
                if try await done(try await client.status()) { return true }
                try await round(client, station)
                return false
            }
            if finished { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw HarnessError("\(what): tidak selesai dalam \(Int(seconds)) detik\n\(station.child.tail())")
    }
}
