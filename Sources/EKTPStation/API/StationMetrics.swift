import EKTPDomain
import Foundation
import Hummingbird
import Logging
import Prometheus
import ServiceLifecycle

/// The station's Prometheus metrics (`GET /metrics` on the local socket, and over TCP at
/// `metrics.listen`). Gauges are computed from the store at scrape time, so a restart
/// loses nothing and two scrapes never disagree with the store.
public final class StationMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()

    public init() {}

    public func render(_ station: Station) async throws -> String {
        func gauge(_ name: String, _ help: String, _ labels: [(String, String)] = []) -> Gauge {
            registry.makeGauge(descriptor: MetricNameDescriptor(namespace: "ektp", subsystem: "station", metricName: name, helpText: help), labels: labels)
        }
        let counts = try station.store.jobCounts()
        for state in JobState.allCases {
            gauge("jobs", "Job di stasiun per status", [("state", state.rawValue)]).set(to: Double(counts[state] ?? 0))
        }
        let devices = try station.attachedDevices()
        for status in DeviceStatus.allCases {
            gauge("devices", "Printer per keadaan", [("status", status.rawValue)]).set(to: Double(devices.filter { $0.state.status == status }.count))
        }
        for (place, quantity) in try station.store.balances() where place.isPhysical {
            gauge("blangko", "Blangko per tempat menurut buku blangko", [("place", place.key)]).set(to: Double(quantity))
        }
        gauge("outbox_backlog", "Peristiwa yang belum diterima hub").set(to: Double(try station.store.outboxBacklog()))
        let sync = try await station.sync.status()
        gauge("hub_enrolled", "1 bila stasiun terdaftar di hub").set(to: sync == nil ? 0 : 1)
        gauge("last_sync_timestamp_seconds", "Waktu sinkronisasi terakhir yang berhasil (detik sejak epoch; 0 = belum pernah)")
            .set(to: sync?.lastSyncAt?.timeIntervalSince1970 ?? 0)
        return registry.emitToString()
    }

    static func response(_ text: String) -> Response {
        Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: Array(text.utf8))))
    }

    /// A TCP server for Prometheus that answers `GET /metrics` and nothing else.
    static func server(_ station: Station, host: String, port: Int, logger: Logger) -> some Service {
        let router = Router(context: BasicRequestContext.self)
        router.get("metrics") { _, _ in response(try await station.metrics.render(station)) }
        return Application(
            router: router, configuration: .init(address: .hostname(host, port: port), serverName: "ektpd-metrics"),
            onServerRunning: { channel in logger.info("metrik Prometheus di http://\(host):\(channel.localAddress?.port ?? port)/metrics") },
            logger: logger)
    }
}
