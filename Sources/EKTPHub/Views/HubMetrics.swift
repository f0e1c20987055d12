import EKTPWire
import Foundation
import Prometheus

/// The hub's Prometheus metrics (`GET /metrics`). Each hub owns its registry, so tests
/// and several hubs in one process do not share counters. Job and station gauges are
/// computed from the store at scrape time; request latencies are recorded as they happen.
public final class HubMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    static let buckets: [Duration] = [
        .milliseconds(5), .milliseconds(25), .milliseconds(100), .milliseconds(250), .seconds(1), .seconds(5), .seconds(30), .seconds(65),
    ]

    public init() {}

    /// Records one request's duration under its route (the pattern, not the path).
    public func recordRequest(method: String, route: String, status: Int, duration: Duration) {
        registry.makeDurationHistogram(
            descriptor: MetricNameDescriptor(
                namespace: "ektp", subsystem: "hub", metricName: "request_duration", unitName: "seconds", helpText: "Waktu menjawab permintaan HTTP"),
            labels: [("method", method), ("route", route), ("status", String(status))], buckets: Self.buckets
        ).record(duration)
    }

    /// Updates the gauges from the hub's state and renders the exposition text.
    public func render(_ hub: Hub) async throws -> String {
        let counts = try await hub.store.jobCounts()
        for state in HubJobState.allCases {
            registry.makeGauge(
                descriptor: MetricNameDescriptor(namespace: "ektp", subsystem: "hub", metricName: "jobs", unitName: "count", helpText: "Job di hub per status"),
                labels: [("state", state.rawValue)]
            ).set(to: Double(counts[state] ?? 0))
        }
        let stations = try await hub.stationViews().filter { !$0.revoked }
        for f in Freshness.allCases {
            registry.makeGauge(
                descriptor: MetricNameDescriptor(
                    namespace: "ektp", subsystem: "hub", metricName: "stations", unitName: "count", helpText: "Stasiun per kesegaran heartbeat"),
                labels: [("freshness", f.rawValue)]
            ).set(to: Double(stations.filter { $0.freshness == f }.count))
        }
        registry.makeGauge(
            descriptor: MetricNameDescriptor(
                namespace: "ektp", subsystem: "hub", metricName: "polls_waiting", unitName: "count", helpText: "Long-poll yang sedang menunggu")
        ).set(to: Double(hub.notifier.waiting))
        return registry.emitToString()
    }
}
