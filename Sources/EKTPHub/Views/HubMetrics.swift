import EKTPDomain
import EKTPInstall
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

    /// The hub's own figures and what the stations' heartbeats and events report, from
    /// the store at scrape time, then the request latencies: the centre scrapes only the
    /// hub, stations behind NAT included.
    public func render(_ hub: Hub) async throws -> String {
        var m = MetricsText()
        m.buildInfo(program: "ektp-hub")
        let counts = try await hub.store.jobCounts()
        for state in HubJobState.allCases {
            m.add("ektp_hub_jobs", .gauge, "Job di hub per status", [("state", state.rawValue)], Double(counts[state] ?? 0))
        }
        let stations = try await hub.stationViews().filter { !$0.revoked }
        for f in Freshness.allCases {
            m.add(
                "ektp_hub_stations", .gauge, "Stasiun per kesegaran heartbeat", [("freshness", f.rawValue)], Double(stations.filter { $0.freshness == f }.count)
            )
        }
        m.add("ektp_hub_polls_waiting", .gauge, "Long-poll yang sedang menunggu", [], Double(hub.notifier.waiting))
        for s in stations {
            let id = [("station", s.id), ("kecamatan", s.kecamatanCode)]
            m.add(
                "ektp_hub_station_last_heartbeat_timestamp_seconds", .gauge, "Heartbeat terakhir stasiun (detik sejak epoch; 0 = belum pernah)", id,
                s.lastHeartbeatAt?.timeIntervalSince1970 ?? 0)
            m.add(
                "ektp_hub_station_printing_stopped", .gauge, "1 bila stasiun tidak bisa mencetak sama sekali (disk penuh, penahanan cetak)", id,
                s.stopped == nil ? 0 : 1)
            m.add("ektp_hub_station_outbox_backlog", .gauge, "Peristiwa yang belum terkirim menurut heartbeat stasiun", id, Double(s.outboxBacklog ?? 0))
            m.add("ektp_hub_station_build_info", .gauge, "Versi ektpd stasiun (nilai selalu 1)", id + [("version", s.version ?? "")], 1)
        }
        let kecamatanOf = Dictionary(stations.map { ($0.id, $0.kecamatanCode) }, uniquingKeysWith: { a, _ in a })
        for d in try await hub.deviceViews() where kecamatanOf[d.stationId] != nil {
            let id = [("station", d.stationId), ("kecamatan", d.kecamatanCode), ("device", d.id.rawValue)]
            for status in DeviceStatus.allCases {
                m.add(
                    "ektp_hub_printer_status", .gauge, "Keadaan printer menurut heartbeat stasiun (1 untuk keadaannya sekarang)",
                    id + [("status", status.rawValue)],
                    d.status == status ? 1 : 0)
            }
            if let ribbon = d.supplies.ribbonRemaining {
                m.add("ektp_hub_printer_ribbon_remaining_panels", .gauge, "Sisa pita printer (panel) menurut heartbeat stasiun", id, Double(ribbon))
            }
            if let counter = d.supplies.cardCounter {
                m.add("ektp_hub_printer_cards_counted_total", .counter, "Penghitung kartu printer menurut heartbeat stasiun", id, Double(counter))
            }
        }
        for k in try await hub.stockOverview().kecamatan {
            let id = [("kecamatan", k.kecamatanCode)]
            m.add("ektp_hub_kecamatan_blangko", .gauge, "Blangko belum terpakai per kecamatan (gudang dan hopper)", id, Double(k.onHand))
            m.add("ektp_hub_kecamatan_blangko_per_day", .gauge, "Pemakaian blangko per hari (rata-rata jendela konsumsi)", id, k.consumptionPerDay)
            if let days = k.daysLeft {
                m.add("ektp_hub_kecamatan_blangko_remaining_seconds", .gauge, "Perkiraan waktu sampai blangko habis (detik; hari × 86400)", id, days * 86_400)
            }
        }
        return m.rendered + registry.emitToString()
    }
}
