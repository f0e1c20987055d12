import EKTPStationStore
import EKTPWire
import Foundation

extension Station {
    /// `ektpctl backup FILE`: the database copied online to FILE and the key to FILE.key,
    /// both 0600 — the two belong together (docs/id/cadangan.md).
    func backup(to path: String, by person: String) throws -> BackupMade {
        guard path.hasPrefix("/"), !path.contains("\0") else { throw StationError(.invalid, "jalur cadangan harus lengkap, dimulai dengan /") }
        let keyPath = path + ".key"
        guard !FileManager.default.fileExists(atPath: keyPath) else { throw StationError(.conflict, "\(keyPath) sudah ada; pilih nama lain") }
        try store.backup(to: path)
        let key = try Data(contentsOf: URL(fileURLWithPath: config.keyPath))
        guard FileManager.default.createFile(atPath: keyPath, contents: key, attributes: [.posixPermissions: 0o600]) else {
            try? FileManager.default.removeItem(atPath: path)
            throw StationError(.invalid, "\(keyPath) tidak bisa ditulis")
        }
        try store.recordBackup(path, by: person)
        return BackupMade(database: path, key: keyPath, jobs: try store.jobCounts().values.reduce(0, +), lastEvent: try store.lastSeq())
    }
}
