import EKTPHubRules
import Foundation
import ServiceLifecycle

extension Hub {
    /// Pushes what no station request brings (docs/hub.md, "Alerts to people"): each
    /// hub-detected alert once while its condition lasts (a station silent, a printer long
    /// in error, stock running out, events missing), and each station alert nobody took on
    /// within `escalateSeconds`, once. Both as escalations. The store claims each, so of
    /// several hub processes one pushes it. Returns what it pushed.
    @discardableResult
    public func watchAlerts() async throws -> [AlertMessage] {
        let now = clock()
        let found = try await detectedAlerts(now: now)
        let fresh = try await store.claimAlertPushes(Set(found.map(\.pushKey)), now: now)
        var messages = found.filter { fresh.contains($0.pushKey) }.map { Self.message($0, now: now) }
        let overdue = try await store.claimEscalations(raisedBefore: now.addingTimeInterval(-Double(config.escalateSeconds)), now: now)
        messages += overdue.map { Self.message($0, now: now) }
        await alerts.push(messages, now: now)
        return messages
    }

    static func message(_ alert: HubAlert, now: Date) -> AlertMessage {
        AlertMessage(
            kind: alert.raisedAs ?? alert.kind.rawValue, stationId: alert.stationId, kecamatanCode: alert.kecamatanCode ?? "-", device: alert.device,
            message: alert.message, at: alert.since ?? now, escalated: true)
    }
}

/// Runs `Hub.watchAlerts` every `alertCheckSeconds`, while anyone is subscribed.
struct AlertWatch: Service {
    let hub: Hub

    func run() async throws {
        // A service that returns ends the group: with nobody subscribed, wait for shutdown.
        guard !hub.config.alertSubscribers.isEmpty else {
            try? await gracefulShutdown()
            return
        }
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(hub.config.alertCheckSeconds)) }
            if Task.isShuttingDownGracefully || Task.isCancelled { return }
            do { try await hub.watchAlerts() } catch { hub.logger.error("pemeriksaan peringatan gagal: \(error)") }
        }
    }
}
