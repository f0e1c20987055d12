import EKTPDomain
import EKTPInstall
import Foundation

/// Where everything goes on the card face, in millimetres from the card's top-left corner,
/// read from one JSON file (`drivers/layout/ktp-el.json`).
/// Text positions are baselines; sizes are the font's em size in millimetres.
public struct CardLayout: Codable, Hashable, Sendable {
    public struct CardSize: Codable, Hashable, Sendable {
        public var width: Double
        public var height: Double
        public var cornerRadius: Double
    }
    public struct Font: Codable, Hashable, Sendable {
        public var family: String
    }
    /// Lines centred on `centerX` (the header; place and date of issue).
    public struct CentredBlock: Codable, Hashable, Sendable {
        public struct Line: Codable, Hashable, Sendable {
            public var field: CardField
            /// Printed before the value unless the value already starts with it.
            public var prefix: String?
            public var baseline: Double
        }
        public var centerX: Double
        public var maxWidth: Double
        public var size: Double
        public var floor: Double
        public var bold: Bool
        public var uppercase: Bool
        public var lines: [Line]
    }
    public struct NIKLine: Codable, Hashable, Sendable {
        public var label: String
        public var labelX: Double
        public var colonX: Double
        public var valueX: Double
        public var right: Double
        public var baseline: Double
        public var size: Double
        public var floor: Double
        public var bold: Bool
    }
    /// The column of labels, aligned colons and values. Rows flow down at `pitch`; a row
    /// that wraps takes one more pitch.
    public struct Fields: Codable, Hashable, Sendable {
        public struct Inline: Codable, Hashable, Sendable {
            public var field: CardField
            public var label: String
            public var labelX: Double
            public var colonX: Double
            public var valueX: Double
        }
        public struct Row: Codable, Hashable, Sendable {
            public var field: CardField
            public var label: String
            /// 2 lets the value wrap to a second line once shrinking to `floor` is not enough.
            public var maxLines: Int?
            /// A right edge for the value nearer than the column's (room for `inline`).
            public var right: Double?
            /// Label indent (the Alamat sub-rows).
            public var indent: Double?
            /// A second label and value on the same line (Gol. Darah after Jenis Kelamin).
            public var inline: Inline?
        }
        public var labelX: Double
        public var colonX: Double
        public var valueX: Double
        public var right: Double
        public var firstBaseline: Double
        public var pitch: Double
        /// No baseline may fall below this.
        public var lastBaseline: Double
        public var labelSize: Double
        public var size: Double
        public var floor: Double
        public var rows: [Row]
    }
    public struct Photo: Codable, Hashable, Sendable {
        public var x: Double
        public var y: Double
        public var width: Double
        public var height: Double
        public var minPixelWidth: Int
        public var minPixelHeight: Int
        public var box: CardRect { CardRect(x: x, y: y, width: width, height: height) }
    }
    public struct Signature: Codable, Hashable, Sendable {
        public var x: Double
        public var y: Double
        public var width: Double
        public var height: Double
        /// Luminance below this (0…1, after compositing on white) is ink.
        public var threshold: Double
        public var box: CardRect { CardRect(x: x, y: y, width: width, height: height) }
    }

    public var name: String
    public var card: CardSize
    public var font: Font
    public var header: CentredBlock
    public var nik: NIKLine
    public var fields: Fields
    public var photo: Photo
    public var issue: CentredBlock
    public var signature: Signature

    /// Parses and checks a layout file's contents.
    public init(json: Data) throws(RenderError) {
        do {
            self = try JSONDecoder().decode(CardLayout.self, from: json)
        } catch {
            throw RenderError("berkas tata letak kartu tidak bisa dibaca: \(error)")
        }
        try check()
    }

    /// Reads a layout file, for a station whose layout was calibrated on site.
    public init(contentsOf url: URL) throws(RenderError) {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw RenderError("berkas tata letak kartu \(url.path) tidak bisa dibuka: \(error.localizedDescription)")
        }
        try self.init(json: data)
    }

    /// The KTP-el front layout shipped with the project (`drivers/layout/ktp-el.json`,
    /// installed under `/usr/share/ektp`; `EKTP_LAYOUT` names another).
    public static func standard() throws(RenderError) -> CardLayout {
        try CardLayout(contentsOf: URL(fileURLWithPath: InstalledFiles.locate("drivers/layout/ktp-el.json", environment: "EKTP_LAYOUT")))
    }

    /// Geometry that must hold for any card; text that fits is checked per card.
    func check() throws(RenderError) {
        func bad(_ what: String) -> RenderError { RenderError("tata letak kartu salah: \(what)") }
        let card = CardRect(x: 0, y: 0, width: self.card.width, height: self.card.height)
        guard self.card.width > 0, self.card.height > 0 else { throw bad("ukuran kartu") }
        for (name, box) in [("foto", photo.box), ("tanda tangan", signature.box)] {
            guard box.width > 0, box.height > 0, card.contains(box) else { throw bad("kotak \(name) di luar kartu") }
        }
        for block in [header, issue] {
            guard block.size > 0, block.floor > 0, block.floor <= block.size, block.maxWidth > 0 else {
                throw bad("ukuran huruf \(block.lines.first?.field.rawValue ?? "blok")")
            }
        }
        guard nik.floor > 0, nik.floor <= nik.size, nik.labelX < nik.colonX, nik.colonX < nik.valueX, nik.valueX < nik.right
        else { throw bad("baris NIK") }
        let f = fields
        guard f.size > 0, f.floor > 0, f.floor <= f.size, f.labelSize > 0, f.pitch > 0,
            f.labelX < f.colonX, f.colonX < f.valueX, f.valueX < f.right, f.firstBaseline <= f.lastBaseline,
            f.lastBaseline <= self.card.height
        else { throw bad("kolom isian") }
        for row in f.rows {
            guard (1...2).contains(row.maxLines ?? 1) else { throw bad("maxLines \(row.field.rawValue) harus 1 atau 2") }
            if let right = row.right, right <= f.valueX { throw bad("batas kanan \(row.field.rawValue)") }
            if let inline = row.inline {
                guard inline.labelX < inline.colonX, inline.colonX < inline.valueX, inline.valueX < f.right,
                    inline.labelX >= (row.right ?? f.right)
                else { throw bad("isian sebaris \(inline.field.rawValue)") }
            }
        }
        guard signature.threshold > 0, signature.threshold < 1 else { throw bad("ambang tanda tangan") }
        guard photo.minPixelWidth > 0, photo.minPixelHeight > 0 else { throw bad("ukuran foto minimum") }
    }
}

/// A field of the card record as the layout names it.
public enum CardField: String, Codable, Hashable, Sendable, CaseIterable {
    case provinsi, kabupatenKota, nik, nama, tempatTanggalLahir, jenisKelamin, golonganDarah
    case alamat, rtRw, kelurahanDesa, kecamatan, agama, statusPerkawinan, pekerjaan
    case kewarganegaraan, berlakuHingga, tempatTerbit, tanggalTerbit

    /// The field's name in the words on the card, as refusals name it.
    public var label: String {
        switch self {
        case .provinsi: "PROVINSI"
        case .kabupatenKota: "KABUPATEN/KOTA"
        case .nik: "NIK"
        case .nama: "Nama"
        case .tempatTanggalLahir: "Tempat/Tgl Lahir"
        case .jenisKelamin: "Jenis Kelamin"
        case .golonganDarah: "Gol. Darah"
        case .alamat: "Alamat"
        case .rtRw: "RT/RW"
        case .kelurahanDesa: "Kel/Desa"
        case .kecamatan: "Kecamatan"
        case .agama: "Agama"
        case .statusPerkawinan: "Status Perkawinan"
        case .pekerjaan: "Pekerjaan"
        case .kewarganegaraan: "Kewarganegaraan"
        case .berlakuHingga: "Berlaku Hingga"
        case .tempatTerbit: "Tempat Terbit"
        case .tanggalTerbit: "Tanggal Terbit"
        }
    }

    /// The text printed for this field, as the record holds it.
    public func value(in card: CardRecord) -> String {
        switch self {
        case .provinsi: card.provinsi
        case .kabupatenKota: card.kabupatenKota
        case .nik: card.nik.digits
        case .nama: card.nama
        case .tempatTanggalLahir: card.tempatTanggalLahir
        case .jenisKelamin: card.jenisKelamin.rawValue
        case .golonganDarah: card.golonganDarah.rawValue
        case .alamat: card.alamat
        case .rtRw: card.rtRw
        case .kelurahanDesa: card.kelurahanDesa
        case .kecamatan: card.kecamatan
        case .agama: card.agama
        case .statusPerkawinan: card.statusPerkawinan.rawValue
        case .pekerjaan: card.pekerjaan
        case .kewarganegaraan: card.kewarganegaraan.rawValue
        case .berlakuHingga: card.berlakuHingga.printed
        case .tempatTerbit: card.tempatTerbit
        case .tanggalTerbit: card.tanggalTerbit.printed
        }
    }
}

/// A rectangle on the card face in millimetres from its top-left corner.
public struct CardRect: Codable, Hashable, Sendable {
    public var x: Double
    public var y: Double
    public var width: Double
    public var height: Double

    public init(x: Double, y: Double, width: Double, height: Double) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }

    public var maxX: Double { x + width }
    public var maxY: Double { y + height }

    func contains(_ other: CardRect) -> Bool {
        other.x >= x && other.y >= y && other.maxX <= maxX && other.maxY <= maxY
    }
}
