import EKTPDomain
import Foundation

/// One card's result from PT Pos (layan antar).
public struct PosResultRow: Codable, Sendable, Equatable {
    public var job: JobID
    public var result: PosDeliveryResult
    /// The day PT Pos reports it happened.
    public var date: CivilDate?
    public var note: String?
    public init(job: JobID, result: PosDeliveryResult, date: CivilDate? = nil, note: String? = nil) {
        self.job = job
        self.result = result
        self.date = date
        self.note = note
    }
}

/// `POST /v1/admin/pos-results` as JSON; the same as a CSV file (`PosResultsCSV`) with `by`
/// in the query.
public struct PosResultsRequest: Codable, Sendable {
    public var results: [PosResultRow]
    /// The central user recording them.
    public var by: String
    public init(results: [PosResultRow], by: String) {
        self.results = results
        self.by = by
    }
}

public struct PosResultsAnswer: Codable, Sendable, Equatable {
    public var recorded: Int
    public var delivered: Int
    /// Cards PT Pos brought back: their stations put them on the shelf for pickup.
    public var backOnShelf: [JobID]
    public init(recorded: Int, delivered: Int, backOnShelf: [JobID]) {
        self.recorded = recorded
        self.delivered = delivered
        self.backOnShelf = backOnShelf
    }
}

/// A card PT Pos brought back, as the heartbeat's answer tells its station: the station
/// puts it on the shelf for pickup, and its state change is its confirmation.
public struct PosReturn: Codable, Sendable, Equatable {
    public var job: JobID
    public var result: PosDeliveryResult
    public var note: String?
    public init(job: JobID, result: PosDeliveryResult, note: String?) {
        self.job = job
        self.result = result
        self.note = note
    }
}

/// PT Pos's result file: CSV (RFC 4180: commas, fields with a comma or quote in double
/// quotes), UTF-8, a header line then one card per line:
///
/// ```
/// job,hasil,tanggal,keterangan
/// PRR-3216010001,terkirim,2026-12-01,
/// PRR-3216010002,dikembalikan,2026-12-02,"alamat tidak ditemukan, rumah kosong"
/// ```
///
/// `hasil` is `terkirim`, `dikembalikan` or `tidak-terkirim` (or the API's `delivered`,
/// `returned`, `undeliverable`); `tanggal` is `YYYY-MM-DD` or empty; `keterangan` is free
/// text up to 300 characters. A file with any line wrong is refused whole, every wrong line
/// named.
public enum PosResultsCSV {
    public static let header = ["job", "hasil", "tanggal", "keterangan"]
    public static let maxRows = 20_000

    public struct Invalid: Error, CustomStringConvertible, Sendable {
        public let problems: [String]
        public init(problems: [String]) { self.problems = problems }
        public var description: String {
            let shown = problems.prefix(10).joined(separator: "; ")
            return problems.count > 10 ? "\(shown); dan \(problems.count - 10) masalah lain" : shown
        }
    }

    public static func parse(_ text: String) throws(Invalid) -> [PosResultRow] {
        let lines = records(text.hasPrefix("\u{FEFF}") ? String(text.dropFirst()) : text)
        guard let first = lines.first, first.map({ $0.trimmingCharacters(in: .whitespaces).lowercased() }) == header else {
            throw Invalid(problems: ["baris 1 harus \"\(header.joined(separator: ","))\""])
        }
        guard lines.count - 1 <= maxRows else { throw Invalid(problems: ["paling banyak \(maxRows) baris per berkas"]) }
        var rows: [PosResultRow] = []
        var problems: [String] = []
        for (index, fields) in lines.enumerated().dropFirst() {
            let n = index + 1
            if fields.allSatisfy({ $0.trimmingCharacters(in: .whitespaces).isEmpty }) { continue }
            guard fields.count == header.count else {
                problems.append("baris \(n): \(fields.count) kolom, seharusnya \(header.count)")
                continue
            }
            let f = fields.map { $0.trimmingCharacters(in: .whitespaces) }
            guard let job = try? JobID(f[0]) else {
                problems.append("baris \(n): id job \"\(f[0].prefix(40))\" tidak valid")
                continue
            }
            guard let result = PosDeliveryResult(word: f[1]) else {
                problems.append("baris \(n): hasil \"\(f[1].prefix(20))\" bukan terkirim, dikembalikan, atau tidak-terkirim")
                continue
            }
            var date: CivilDate?
            if !f[2].isEmpty {
                guard let d = try? CivilDate(iso: f[2]) else {
                    problems.append("baris \(n): tanggal \"\(f[2].prefix(20))\" bukan TTTT-BB-HH")
                    continue
                }
                date = d
            }
            guard f[3].count <= 300 else {
                problems.append("baris \(n): keterangan lebih dari 300 karakter")
                continue
            }
            rows.append(PosResultRow(job: job, result: result, date: date, note: f[3].isEmpty ? nil : f[3]))
        }
        guard problems.isEmpty else { throw Invalid(problems: problems) }
        guard !rows.isEmpty else { throw Invalid(problems: ["berkas tidak berisi hasil satu kartu pun"]) }
        return rows
    }

    /// The file's records, each a list of fields (quotes removed, `""` inside read as `"`).
    static func records(_ text: String) -> [[String]] {
        var records: [[String]] = []
        var record: [String] = []
        var field = ""
        var quoted = false
        var chars = text.makeIterator()
        var pending: Character? = nil
        func next() -> Character? {
            if let p = pending {
                pending = nil
                return p
            }
            return chars.next()
        }
        while let c = next() {
            if quoted {
                if c == "\"" {
                    if let d = next() {
                        if d == "\"" {
                            field.append("\"")
                        } else {
                            quoted = false
                            pending = d
                        }
                    } else {
                        quoted = false
                    }
                } else {
                    field.append(c)
                }
                continue
            }
            switch c {
            case "\"" where field.isEmpty: quoted = true
            case ",":
                record.append(field)
                field = ""
            case "\n", "\r\n", "\r":
                record.append(field)
                records.append(record)
                record = []
                field = ""
            default: field.append(c)
            }
        }
        if !field.isEmpty || !record.isEmpty {
            record.append(field)
            records.append(record)
        }
        return records
    }
}
