import Foundation
import GRDB
import Synchronization

/// Whether the database can take writes: a full disk, a read-only file system or a failing
/// disk stops every change (a claim, a print's record, an import), and the operator must
/// hear it in words, with what to do, not as "SQLite error 13".
///
/// The store notes every failed write that is the storage's fault and clears the note at the
/// next write that succeeds; `ektpctl status`, the pages and the heartbeat to the hub show it.
public final class StorageHealth: Sendable {
    public struct Fault: Sendable, Equatable {
        public enum Kind: String, Sendable {
            /// SQLITE_FULL: the disk (or the file system the state folder is on) is full.
            case full = "disk-penuh"
            /// SQLITE_READONLY: the file or its file system cannot be written.
            case readOnly = "hanya-baca"
            /// SQLITE_IOERR: the disk failed a read or a write.
            case io = "io"
            /// SQLITE_CORRUPT / SQLITE_NOTADB: a damaged page found while running.
            case damaged = "rusak"
        }
        public var kind: Kind
        public var since: Date
        /// What the operator reads: what happened, what is safe, what to do.
        public var message: String
    }

    private let fault = Mutex<Fault?>(nil)
    let path: String

    init(path: String) { self.path = path }

    /// The fault in force, if the last write failed for the storage's sake.
    public var current: Fault? { fault.withLock { $0 } }

    /// Runs a write; a storage failure is noted and thrown as a `StationError(.storage)`
    /// that says what to do; a success clears an earlier note.
    func guarding<T>(_ write: () throws -> T) throws -> T {
        do {
            let result = try write()
            clear()
            return result
        } catch {
            throw translate(error)
        }
    }

    func clear() { fault.withLock { $0 = nil } }

    /// A storage failure becomes a noted fault and a `StationError(.storage)`; any other
    /// error passes unchanged.
    func translate(_ error: any Error) -> any Error {
        guard let error = error as? DatabaseError, let kind = Self.kind(of: error) else { return error }
        let noted = fault.withLock { current in
            if current?.kind != kind { current = Fault(kind: kind, since: Date(), message: Self.message(kind, path: path)) }
            return current!
        }
        return StationError(.storage, noted.message)
    }

    static func kind(of error: DatabaseError) -> Fault.Kind? {
        switch error.resultCode {
        case .SQLITE_FULL: .full
        case .SQLITE_READONLY: .readOnly
        case .SQLITE_IOERR: .io
        case .SQLITE_CORRUPT, .SQLITE_NOTADB: .damaged
        default: nil
        }
    }

    static func message(_ kind: Fault.Kind, path: String) -> String {
        let folder = (path as NSString).deletingLastPathComponent
        return switch kind {
        case .full:
            "disk penuh: basis data \(path) tidak bisa ditulis, jadi tidak ada job yang diambil atau dicetak. Yang sudah tersimpan aman. Kosongkan ruang di \(folder) (periksa dengan df -h \(folder)); pencetakan lanjut sendiri"
        case .readOnly:
            "basis data \(path) hanya bisa dibaca (disk dipasang read-only atau izin berkas berubah), jadi tidak ada job yang diambil atau dicetak. Yang sudah tersimpan aman. Periksa disk (dmesg) dan izin berkas di \(folder), lalu mulai ulang ektpd"
        case .io:
            "disk gagal membaca/menulis basis data \(path); tidak ada job yang diambil atau dicetak. Buat cadangan sekarang (ektpctl backup) dan periksa disk (dmesg, smartctl)"
        case .damaged:
            "basis data \(path) rusak; tidak ada job yang diambil atau dicetak. Hentikan ektpd dan pulihkan dari cadangan (docs/id/cadangan.md)"
        }
    }
}
