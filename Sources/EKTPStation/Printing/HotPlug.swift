import EKTPDomain
import EKTPDrivers
import EKTPStationStore
import EKTPWire
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Printers the operator added while a daemon ran (`ektpctl devices add`), kept beside the
/// database in `printers-added.json` (0600) so they are there after a restart without
/// editing `ektpd.toml`.
struct AddedPrinters {
    let path: String

    init(stateDirectory: String) { path = stateDirectory + "/printers-added.json" }

    func uris() -> [String] {
        guard let data = FileManager.default.contents(atPath: path), let list = try? JSONDecoder().decode([String].self, from: data) else { return [] }
        return list
    }

    func add(_ uri: String) throws {
        var list = uris()
        guard !list.contains(uri) else { return }
        list.append(uri)
        let data = try JSONEncoder().encode(list)
        let temporary = path + ".tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: data, attributes: [.posixPermissions: 0o600]) else {
            throw StationError(.invalid, "\(path) tidak bisa ditulis")
        }
        guard rename(temporary, path) == 0 else { throw StationError(.invalid, "\(path) tidak bisa ditulis: \(String(cString: strerror(errno)))") }
    }
}

/// What the last look at the USB bus found that the station does not drive yet.
final class OfferedPrinters: Sendable {
    private let state = Mutex<[DiscoveredPrinter]>([])
    var all: [DiscoveredPrinter] { state.withLock { $0 } }
    func replace(_ list: [DiscoveredPrinter]) -> [DiscoveredPrinter] {
        state.withLock { old in
            let fresh = list.filter { new in !old.contains { $0.id == new.id } }
            old = list
            return fresh
        }
    }
}

/// Looks at the USB bus every `hotplug_seconds` (libusb enumeration; the udev rule wakes
/// ektpd when a card printer is plugged in, this finds it): a printer a profile can drive
/// and the station does not is offered to the operator (an alert, `ektpctl devices`,
/// the printers page); a driven USB printer gone from the bus is shown offline at once.
struct HotPlugService: Service {
    let station: Station

    func run() async throws {
        guard station.config.hotplugSeconds > 0 else { return }
        let profiles = station.registry.profiles
        var present: Set<DeviceID> = []
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let scan = USBDiscovery.scan(profiles: profiles)
            let onBus = Set(scan.map(\.id))
            for found in station.offered.replace(scan.filter { !station.printers.contains($0.id) }) {
                station.logger.notice("printer baru terpasang: \(found.name) \(found.id) di port \(found.port)")
                try? station.store.raiseAlert(
                    Alert(
                        kind: .printerFound, device: found.id,
                        message:
                            "printer \(found.name) (seri \(found.serial)) terpasang; tambahkan dengan ektpctl devices add \(found.id.rawValue) atau di halaman Printer"
                    ),
                    actor: "ektpd")
            }
            // A driven USB printer that left the bus: offline now, not at its next poll.
            for printer in station.printers.all
            where printer.info.uri.hasPrefix("usb://") && present.contains(printer.info.id) && !onBus.contains(printer.info.id) {
                try? station.rollback.recordState(of: printer.info.id, await printer.status())
            }
            present = onBus
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(station.config.hotplugSeconds)) }
        }
    }
}

extension Station {
    /// Printers on the bus a profile can drive and the station does not drive yet.
    func offeredPrinters() -> [DiscoveredPrinter] { offered.all.filter { !printers.contains($0.id) } }

    /// Adds an offered printer (by its id) or any printer URI: opened, registered, driven
    /// from now on, and kept for the next start.
    func addPrinter(_ what: String, by person: String) async throws -> DeviceView {
        let uri: String
        if let offer = offered.all.first(where: { $0.id.rawValue == what }) {
            uri = offer.uri
        } else if what.contains("://") {
            uri = what
        } else {
            throw StationError(.notFound, "printer \(what.prefix(60)) tidak ada di antara printer yang baru terpasang (ektpctl devices)")
        }
        let printer: any CardPrinter
        do { printer = try await registry.open(uri) } catch { throw StationError(.invalid, "printer \(uri) tidak bisa dibuka: \(error)") }
        guard !printers.contains(printer.info.id) else { throw StationError(.conflict, "printer \(printer.info.id) sudah dikendalikan stasiun ini") }
        try store.register(printer.info)
        try AddedPrinters(stateDirectory: config.stateDirectory).add(uri)
        printers.add(printer)
        try rollback.recordState(of: printer.info.id, await printer.status())
        try store.recordPrinterAdded(printer.info.id, uri: uri, by: person)
        logger.notice("printer \(printer.info.id) ditambahkan oleh \(person) di \(uri)")
        guard let view = try store.devices().first(where: { $0.id == printer.info.id }) else {
            throw StationError(.notFound, "printer \(printer.info.id) tidak tersimpan")
        }
        return view
    }

    /// Prints the test card on a printer and records the blangko it used as spoiled under
    /// `cetak-uji`.
    func testPrint(_ device: DeviceID, by person: String) async throws -> TestPrintResult {
        guard printers.contains(device) else { throw StationError(.notFound, "printer \(device) tidak dikendalikan stasiun ini") }
        let outcome = await testPrints.request(device)
        switch outcome {
        case .printed, .spoiled:
            let detail: String = if case .spoiled(_, let why, _) = outcome { "kartu uji rusak: \(why)" } else { "kartu uji tercetak" }
            let entry = try store.spoil(at: .hopper(device), 1, cause: .cetakUji, note: detail, by: person)
            return TestPrintResult(device: device, outcome: outcome.kind, message: "\(detail); 1 blangko dicatat rusak (cetak uji)", ledgerEntry: entry)
        case .failedBeforePick(let reason, _), .returnedUnused(let reason, _):
            // A test card is never encoded, so never returned unused; said plainly if it were.
            return TestPrintResult(
                device: device, outcome: outcome.kind, message: "kartu uji tidak tercetak: \(reason); tidak ada blangko terpakai", ledgerEntry: nil)
        case .unknown(let reason):
            return TestPrintResult(
                device: device, outcome: outcome.kind,
                message:
                    "hasil kartu uji tidak diketahui (\(reason)); periksa printer, dan bila sebuah kartu keluar atau tertahan, catat dengan ektpctl stock spoil",
                ledgerEntry: nil)
        }
    }
}

extension PrintOutcome {
    /// `printed`, `failed-before-pick`, `spoiled` or `unknown`.
    var kind: String {
        switch self {
        case .printed: "printed"
        case .failedBeforePick: "failed-before-pick"
        case .spoiled: "spoiled"
        case .returnedUnused: "returned-unused"
        case .unknown: "unknown"
        }
    }
}
