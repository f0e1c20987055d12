import EKTPDomain
import EKTPDrivers
import EKTPRendering
import EKTPSynthetic
import Foundation
import Synchronization

/// Test cards asked for by a person (`ektpctl devices test-print`, the printers page) for a
/// new or repaired printer. The print worker serves them on the printer's own loop, before
/// the next job.
public actor TestPrintDesk {
    private var waiting: [DeviceID: [CheckedContinuation<PrintOutcome, Never>]] = [:]

    public init() {}

    /// Waits until the printer's loop has printed the test card.
    func request(_ device: DeviceID) async -> PrintOutcome {
        await withCheckedContinuation { waiting[device, default: []].append($0) }
    }

    /// The next test card asked of this printer, if any.
    func next(for device: DeviceID) -> CheckedContinuation<PrintOutcome, Never>? {
        guard var list = waiting[device], !list.isEmpty else { return nil }
        let first = list.removeFirst()
        waiting[device] = list.isEmpty ? nil : list
        return first
    }
}

/// Genuine jobs that only today's date finds fault with (the PC's clock stepped back):
/// they wait, unclaimed, and are looked at again every minute (`PrintWorker`).
public final class ClockHolds: Sendable {
    private let held = Mutex<[JobID: String]>([:])

    public init() {}

    var ids: Set<JobID> { held.withLock { Set($0.keys) } }
    var all: [JobID: String] { held.withLock { $0 } }
    func hold(_ id: JobID, _ reason: String) { held.withLock { $0[id] = reason } }
    func release(_ id: JobID) { held.withLock { _ = $0.removeValue(forKey: id) } }
}

/// The test card: a KTP-el layout filled with data that is plainly not a person's
/// ("KARTU UJI PRINTER"), with a synthetic portrait and signature.
enum TestCard {
    static let id = try! JobID("KARTU-UJI")

    static func job(kecamatan: String, today: CivilDate) throws -> PrintJob {
        let digits = kecamatan.replacingOccurrences(of: ".", with: "")
        let card = CardRecord(
            provinsi: "KARTU UJI", kabupatenKota: "KARTU UJI PRINTER", nik: try NIK(digits + "0101000001"), nama: "KARTU UJI PRINTER",
            tempatLahir: "UJI", tanggalLahir: try CivilDate(year: 2000, month: 1, day: 1), jenisKelamin: .lakiLaki, golonganDarah: .unknown,
            alamat: "BUKAN KARTU IDENTITAS", rt: "000", rw: "000", kelurahanDesa: "UJI", kecamatan: "UJI", agama: "-", statusPerkawinan: .belumKawin,
            pekerjaan: "-", kewarganegaraan: .wni, berlakuHingga: .lifetime, tempatTerbit: "UJI", tanggalTerbit: today,
            foto: try SyntheticPortrait.jpeg(seed: 1), tandaTangan: try SyntheticSignature.png(seed: 1))
        return PrintJob(id: id, kecamatanCode: kecamatan, priority: .normal, delivery: .pickup, approvedAt: "2000-01-01T00:00:00Z", card: card)
    }
}
