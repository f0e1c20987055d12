import EKTPDomain
import EKTPInstall
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

/// The station's Prometheus metrics (`GET /metrics` on the local socket, and over TCP at
/// `metrics.listen`). Everything is computed from the store at scrape time, so a restart
/// loses nothing and a scrape never disagrees with the store; the counters come from the
/// ledger, which only grows. Stations behind NAT are seen through the hub's `/metrics`,
/// which exports what their heartbeats report.
public final class StationMetrics: Sendable {
    public init() {}

    public func render(_ station: Station) async throws -> String {
        var m = MetricsText()
        m.buildInfo(program: "ektpd")
        let counts = try station.store.jobCounts()
        for state in JobState.allCases {
            m.add("ektp_station_jobs", .gauge, "Job di stasiun per status", [("state", state.rawValue)], Double(counts[state] ?? 0))
        }
        let devices = try station.attachedDevices()
        for device in devices {
            let id = device.id.rawValue
            for status in DeviceStatus.allCases {
                m.add(
                    "ektp_station_printer_status", .gauge, "Keadaan printer (1 untuk keadaannya sekarang)", [("device", id), ("status", status.rawValue)],
                    device.state.status == status ? 1 : 0)
            }
            m.add(
                "ektp_station_printer_hopper_blangko", .gauge, "Blangko di hopper printer menurut buku blangko", [("device", id)], Double(device.hopperLedger))
            if let ribbon = device.state.supplies.ribbonRemaining {
                m.add("ektp_station_printer_ribbon_remaining_panels", .gauge, "Sisa pita printer (panel)", [("device", id)], Double(ribbon))
            }
            if let counter = device.state.supplies.cardCounter {
                m.add("ektp_station_printer_cards_counted_total", .counter, "Penghitung kartu printer sendiri", [("device", id)], Double(counter))
            }
            m.add("ektp_station_cards_printed_total", .counter, "Kartu tercetak per printer menurut buku blangko", [("device", id)], Double(device.printed))
            if let chip = device.chip {
                for result in ChipResult.allCases {
                    m.add(
                        "ektp_station_chip_encodings_total", .counter, "Encode chip per printer menurut hasilnya",
                        [("device", id), ("result", result.rawValue)],
                        Double(chip[result]))
                }
            }
        }
        for (place, cause, quantity) in try station.store.spoiledByPlaceAndCause() {
            let device: String =
                switch place {
                case .hopper(let id): id.rawValue
                default: place.key
                }
            m.add(
                "ektp_station_cards_spoiled_total", .counter, "Blangko rusak per printer (atau gudang) dan sebab menurut buku blangko",
                [("device", device), ("cause", cause?.rawValue ?? "lain")], Double(quantity))
        }
        for (place, quantity) in try station.store.balances().sorted(by: { $0.key.key < $1.key.key }) where place.isPhysical {
            m.add("ektp_station_blangko", .gauge, "Blangko per tempat menurut buku blangko", [("place", place.key)], Double(quantity))
        }
        m.add("ektp_station_outbox_backlog", .gauge, "Peristiwa yang belum diterima hub", [], Double(try station.store.outboxBacklog()))
        m.add(
            "ektp_station_printing_stopped", .gauge, "1 bila tidak ada yang bisa dicetak sama sekali (disk penuh, penahanan cetak)", [],
            Station.stopped(store: station.store, rollback: station.rollback).isEmpty ? 0 : 1)
        let sync = try await station.sync.status()
        m.add("ektp_station_hub_enrolled", .gauge, "1 bila stasiun terdaftar di hub", [], sync == nil ? 0 : 1)
        m.add(
            "ektp_station_last_sync_timestamp_seconds", .gauge, "Waktu sinkronisasi terakhir yang berhasil (detik sejak epoch; 0 = belum pernah)", [],
            sync?.lastSyncAt?.timeIntervalSince1970 ?? 0)
        return m.rendered
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
