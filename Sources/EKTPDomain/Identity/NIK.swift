import Foundation

/// Nomor Induk Kependudukan: the 16-digit population number printed on every KTP-el.
///
/// Layout (Permendagri on population administration): province (2), kabupaten/kota (2),
/// kecamatan (2) of first registration, birth date as DDMMYY with 40 added to the day for
/// women (41–71), and a serial from 0001.
public struct NIK: Hashable, Sendable, CustomStringConvertible {
    /// The sixteen digits.
    public let digits: String

    public enum Sex: String, Sendable, Codable { case male, female }

    /// A structural error: the number cannot be a NIK.
    public struct Invalid: Error, Equatable, CustomStringConvertible {
        public let reason: String
        public var description: String { "NIK tidak valid: \(reason)" }
    }

    /// A plausibility finding: the number is well formed but something deserves a look.
    /// The law allows a NIK whose date differs from the birth date, so these never reject.
    public enum Warning: Equatable, Sendable, CustomStringConvertible {
        case unknownRegion(kecamatanCode: String)
        case centuryAmbiguous(twoDigitYear: Int)
        case birthDateDiffers(nik: CivilDate, record: CivilDate)

        public var description: String {
            switch self {
            case .unknownRegion(let code): "kode wilayah \(code) tidak dikenal"
            case .centuryAmbiguous(let yy): "tahun lahir \(String(format: "%02d", yy)) bisa 19xx atau 20xx"
            case .birthDateDiffers(let nik, let record):
                "tanggal lahir pada NIK (\(nik)) berbeda dengan data (\(record))"
            }
        }
    }

    public init(_ text: String) throws(Invalid) {
        guard text.utf8.count == 16, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
            throw Invalid(reason: "harus 16 angka")
        }
        let d = Array(text.utf8).map { Int($0 - 0x30) }
        func num(_ a: Int, _ n: Int) -> Int { d[a..<(a + n)].reduce(0) { $0 * 10 + $1 } }
        if num(0, 2) < 11 { throw Invalid(reason: "kode provinsi \(text.prefix(2)) tidak mungkin") }
        if num(2, 2) == 0 { throw Invalid(reason: "kode kabupaten/kota 00 tidak mungkin") }
        if num(4, 2) == 0 { throw Invalid(reason: "kode kecamatan 00 tidak mungkin") }
        let rawDay = num(6, 2)
        let day = rawDay > 40 ? rawDay - 40 : rawDay
        let month = num(8, 2)
        guard (1...12).contains(month) else { throw Invalid(reason: "bulan lahir \(month) tidak ada") }
        guard (1...31).contains(day), rawDay <= 71 else {
            throw Invalid(reason: "tanggal lahir \(rawDay) tidak mungkin")
        }
        // Any year has the day if a leap year in the right century has it; 29 February needs a
        // leap year in at least one candidate century.
        let yy = num(10, 2)
        guard
            CivilDate.isValid(year: 1900 + yy, month: month, day: day)
                || CivilDate.isValid(year: 2000 + yy, month: month, day: day)
        else { throw Invalid(reason: "tanggal \(day)-\(month) tidak ada") }
        if num(12, 4) == 0 { throw Invalid(reason: "nomor urut 0000 tidak mungkin") }
        self.digits = text
    }

    private func field(_ start: Int, _ length: Int) -> Int {
        let u = Array(digits.utf8)
        return u[start..<(start + length)].reduce(0) { $0 * 10 + Int($1 - 0x30) }
    }

    /// Kecamatan code of first registration, dotted as Kemendagri writes it: `32.16.01`.
    public var kecamatanCode: String {
        let u = Array(digits)
        return "\(String(u[0..<2])).\(String(u[2..<4])).\(String(u[4..<6]))"
    }
    public var sex: Sex { field(6, 2) > 40 ? .female : .male }
    public var birthDay: Int { field(6, 2) > 40 ? field(6, 2) - 40 : field(6, 2) }
    public var birthMonth: Int { field(8, 2) }
    public var birthYearTwoDigits: Int { field(10, 2) }
    public var serial: Int { field(12, 4) }

    /// The NIK as logs and lists may show it: `3216********0001`.
    public var masked: String { String(digits.prefix(4)) + "********" + String(digits.suffix(4)) }
    public var description: String { masked }

    /// The birth dates the number can encode (one per century), such that the holder is
    /// not older than 120 and not born after `reference`.
    private func candidates(reference: CivilDate) -> [CivilDate] {
        [1900, 2000].compactMap { century in
            let year = century + birthYearTwoDigits
            guard CivilDate.isValid(year: year, month: birthMonth, day: birthDay) else { return nil }
            let date = CivilDate(uncheckedYear: year, month: birthMonth, day: birthDay)
            guard date <= reference, reference.year - year <= 120 else { return nil }
            return date
        }
    }

    /// Plausibility findings for this NIK on a card with the given birth date.
    public func warnings(
        recordBirthDate: CivilDate?, reference: CivilDate, regions: RegionDirectory?
    ) -> [Warning] {
        var found: [Warning] = []
        if let regions, regions.kecamatan(kecamatanCode) == nil {
            found.append(.unknownRegion(kecamatanCode: kecamatanCode))
        }
        let options = candidates(reference: reference)
        if let recordBirthDate {
            if !options.contains(recordBirthDate) {
                let shown = options.last ?? CivilDate(uncheckedYear: 2000 + birthYearTwoDigits, month: birthMonth, day: birthDay)
                found.append(.birthDateDiffers(nik: shown, record: recordBirthDate))
            }
        } else if options.count > 1 {
            found.append(.centuryAmbiguous(twoDigitYear: birthYearTwoDigits))
        }
        return found
    }
}

extension NIK: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do { try self.init(text) } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(digits)
    }
}
