import EKTPClient
import EKTPDomain
import EKTPDrivers
import EKTPSimulator
import EKTPTestSupport
import EKTPWire
import Foundation

/// What an operator does at the station while it prints: decides cards whose outcome is
/// unknown by looking in the printer (the simulator's own record), reprints spoiled
/// cards with a reason, clears faults, keeps the hoppers fed from the store.
enum Operator {
    static func round(_ client: StationClient, printerState: String) async throws {
        for job in try await client.jobs(state: .outcomeUnknown) {
            let used = try await client.job(job.id).blangkoUsed ?? 0
            let request: OutcomeRequest
            switch SimulatedPrinter.inspect(job: job.id.rawValue, blangkoCounted: used, stateDirectory: printerState) {
            case .printed: request = OutcomeRequest(decision: .printed, cause: nil, reason: "kartu ada di tray keluar", by: "op")
            case .spoiled(let c): request = OutcomeRequest(decision: .spoiled, cause: c, reason: "kartu tertahan di printer", by: "op")
            case .notFed: request = OutcomeRequest(decision: .notFed, cause: nil, reason: "tidak ada kartu ditarik", by: "op")
            }
            _ = try await client.recordOutcome(job.id, request)
        }
        for job in try await client.jobs(state: .spoiled) {
            _ = try await client.reprint(job.id, ReprintRequest(reason: "kartu rusak", by: "op"))
        }
        for d in try await client.devices() where d.state.status == .error || d.state.status == .offline {
            _ = try await client.injectFault(d.id, FaultRequest(fault: "clear"))
        }
        let inStore = try await client.stockView().places[.store] ?? 0
        for d in try await client.devices() where d.hopperLedger < 10 && inStore > 0 {
            _ = try await client.stock(.load(device: d.id, quantity: min(d.hopperCapacity - d.hopperLedger, inStore, 30)), by: "op")
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
                try await round(client, printerState: station.printerState)
                return false
            }
            if finished { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw HarnessError("\(what): tidak selesai dalam \(Int(seconds)) detik\n\(station.child.tail())")
    }
}
