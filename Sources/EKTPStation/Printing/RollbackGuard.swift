import EKTPDomain
import EKTPStationStore
import EKTPWire
import Foundation
import Logging
import Synchronization

/// Knows when the database is not the latest (a restored copy, a lost WAL) and then holds
/// printing until a person decides: a job the database forgot it printed must never print
/// again on its own (docs/id/cadangan.md).
///
/// Signs of a rollback:
/// - the generation record beside the database (`ektpd.generation`: the highest event
///   sequence number the station has written, kept outside the database) is ahead of the
///   database's own highest event;
/// - the hub holds events of this station beyond the database's highest (reconcile).
///
/// The hold is a file (`printing-held.json`), outside the database too, so restoring the
/// database again cannot lift it; `ektpctl hold release` lifts it, with a reason, and makes
/// the database's present state the new record.
public final class RollbackGuard: Sendable {
    let generationPath: String
    let holdPath: String
    let store: StationStore
    let logger: Logger
    private let lastWritten = Mutex<Int64>(-1)
    /// Printers whose state was read since ektpd started.
    private let seen = Mutex<Set<DeviceID>>([])

    public struct Hold: Codable, Sendable, Equatable {
        public var since: Date
        public var reason: String
    }

    init(stateDirectory: String, store: StationStore, logger: Logger) {
        generationPath = stateDirectory + "/ektpd.generation"
        holdPath = stateDirectory + "/printing-held.json"
        self.store = store
        self.logger = logger
    }

    /// The hold in force, if any.
    public var hold: Hold? {
        guard let data = FileManager.default.contents(atPath: holdPath) else { return nil }
        return (try? JSONDecoder.iso.decode(Hold.self, from: data))
            ?? Hold(since: Date(), reason: "berkas \(holdPath) tidak terbaca; pencetakan ditahan sampai diputuskan")
    }

    /// At start: the database against the generation record.
    func checkAtStart() throws {
        let held = try store.lastSeq()
        guard let recorded = recordedGeneration() else {
            try record(held)
            return
        }
        if held < recorded {
            try holdPrinting(
                "basis data lebih lama dari catatan stasiun sendiri: peristiwa terakhir nomor \(held), padahal stasiun pernah menulis sampai nomor \(recorded) (basis data dipulihkan dari cadangan atau rusak). Kartu yang dicetak sesudah cadangan itu bisa tercetak dua kali"
            )
        } else {
            try record(held)
        }
    }

    /// The hub holds events of this station up to `hubHighest`.
    func checkAgainstHub(hubHighest: Int64) throws {
        let held = try store.lastSeq()
        guard hubHighest > held, hold == nil else { return }
        try holdPrinting(
            "hub memegang peristiwa stasiun ini sampai nomor \(hubHighest), basis data stasiun hanya sampai \(held): basis data dipulihkan dari cadangan atau kehilangan data. Kartu yang dicetak sesudah itu bisa tercetak dua kali"
        )
    }

    /// Records a printer's state; every caller comes here. The first reading of a printer
    /// since ektpd started compares its card counter with the ledger: ahead there, the
    /// database has forgotten cards (a restored folder), and printing holds. Later, a jump
    /// is a card through the printer outside the system: the store's alert says so, and
    /// printing goes on.
    func recordState(of device: DeviceID, _ state: DeviceState) throws {
        let first = seen.withLock { $0.insert(device).inserted }
        if let ahead = try store.updateState(of: device, state), first { holdForCounter(ahead) }
    }

    /// A printer counted more cards than the ledger knows: the database may have forgotten
    /// cards it printed (a whole state folder restored, generation record and all), so a job
    /// it believes queued may already be a card in the tray.
    func holdForCounter(_ ahead: StationStore.CounterAhead) {
        guard hold == nil else { return }
        do {
            try holdPrinting(
                "penghitung kartu printer \(ahead.device) bertambah \(ahead.byCounter), buku blangko hanya mencatat \(ahead.byLedger): basis data mungkin dipulihkan dari cadangan (kartu yang sudah tercetak tidak tercatat) atau ada kartu dicetak di luar sistem. Periksa tray dan kartu tercetak sebelum melanjutkan, agar tidak ada kartu tercetak dua kali"
            )
        } catch {
            logger.critical("penahanan cetak tidak tersimpan: \(error)")
        }
    }

    /// After the station wrote events: the record follows the database forward.
    func advance() {
        guard hold == nil, let held = try? store.lastSeq(), held > lastWritten.withLock({ $0 }) else { return }
        try? record(held)
    }

    /// A person lifts the hold: the database as it is becomes the record.
    public func release(reason: String, by person: String) throws -> Int64 {
        guard let current = hold else { throw StationError(.conflict, "pencetakan tidak sedang ditahan") }
        let trimmed = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw StationError(.invalid, "alasan wajib diisi: apa yang sudah diperiksa") }
        let held = try store.lastSeq()
        try record(held, force: true)
        try FileManager.default.removeItem(atPath: holdPath)
        try store.recordHoldReleased(reason: "\(trimmed) (ditahan sejak \(ISO8601DateFormatter().string(from: current.since)): \(current.reason))", by: person)
        logger.notice("penahanan cetak dilepas oleh \(person): \(trimmed)")
        return held
    }

    // MARK: Files

    func recordedGeneration() -> Int64? {
        guard let text = try? String(contentsOfFile: generationPath, encoding: .utf8) else { return nil }
        return Int64(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    private func record(_ seq: Int64, force: Bool = false) throws {
        if !force, let recorded = recordedGeneration(), recorded >= seq { return }
        try Self.writeDurably("\(seq)\n", to: generationPath)
        lastWritten.withLock { $0 = seq }
    }

    private func holdPrinting(_ reason: String) throws {
        let hold = Hold(since: Date(), reason: reason)
        try Self.writeDurably(String(decoding: try JSONEncoder.iso.encode(hold), as: UTF8.self), to: holdPath)
        logger.critical("pencetakan ditahan: \(reason)")
        try store.raiseAlert(Alert(kind: .rollback, device: nil, message: "pencetakan ditahan: \(reason); periksa, lalu ektpctl hold release"), actor: "ektpd")
    }

    /// Writes a small file whole or not at all, and on disk before returning.
    static func writeDurably(_ text: String, to path: String) throws {
        let temporary = path + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { throw StationError(.invalid, "\(temporary) tidak bisa ditulis: \(String(cString: strerror(errno)))") }
        let bytes = Array(text.utf8)
        let ok = write(fd, bytes, bytes.count) == bytes.count && fsync(fd) == 0
        close(fd)
        guard ok, rename(temporary, path) == 0 else { throw StationError(.invalid, "\(path) tidak bisa ditulis: \(String(cString: strerror(errno)))") }
    }
}

extension JSONDecoder {
    static let iso: JSONDecoder = {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .iso8601
        return d
    }()
}

extension JSONEncoder {
    static let iso: JSONEncoder = {
        let e = JSONEncoder()
        e.dateEncodingStrategy = .iso8601
        return e
    }()
}
