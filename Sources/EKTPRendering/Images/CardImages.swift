internal import CCairo
import EKTPDomain
import Foundation

/// Images are decoded at least as fine as this, so scaling at print resolution (300 dpi)
/// only ever shrinks them a little.
let imageDecodeDPI = 400.0

/// The holder's photo, decoded once per card (cairo RGB24 memory layout, `width * 4`
/// bytes a row) and kept as plain bytes so a plan is a value that any thread may read.
struct PreparedPhoto: Sendable {
    let width: Int
    let height: Int
    let pixels: [UInt8]
    /// The original file when `pixels` is its full-size decode: the PDF embeds it as is.
    let jpeg: Data?

    static let field = "Foto"

    init(_ data: Data, layout: CardLayout.Photo) throws(RenderRefusal) {
        func refuse(_ message: String) -> RenderRefusal { RenderRefusal(field: Self.field, message: message) }
        guard !data.isEmpty else { throw refuse("tidak ada foto") }
        let info: ImageInfo
        do { info = try ImageInfo(data: data) } catch { throw refuse(error.description) }
        guard info.format == .jpeg else { throw refuse("harus JPEG, bukan \(info.format.rawValue)") }
        guard info.width >= layout.minPixelWidth, info.height >= layout.minPixelHeight else {
            throw refuse(
                "terlalu kecil (\(info.width)×\(info.height) piksel, paling kecil \(layout.minPixelWidth)×\(layout.minPixelHeight))")
        }
        let decoded: (surface: CairoSurface, fullSize: Bool)
        do {
            decoded = try JPEG.decode(
                data, minWidth: millimetresToPixels(layout.width, dpi: imageDecodeDPI),
                minHeight: millimetresToPixels(layout.height, dpi: imageDecodeDPI))
        } catch let failure as JPEG.Failure {
            throw refuse("JPEG rusak dan tidak bisa dibaca (\(failure.reason))")
        } catch {
            throw refuse("tidak bisa dibaca (\(error))")
        }
        let surface = decoded.surface
        let w = surface.width
        let h = surface.height
        pixels = surface.withPixels { base, stride in
            var bytes = [UInt8](repeating: 0, count: w * 4 * h)
            bytes.withUnsafeMutableBufferPointer { out in
                for y in 0..<h {
                    (out.baseAddress! + y * w * 4).update(from: base + y * stride, count: w * 4)
                }
            }
            return bytes
        }
        width = w
        height = h
        jpeg = decoded.fullSize ? data : nil
    }

    /// A fresh cairo surface holding the photo (one per render call).
    func surface(forPDF: Bool) throws(RenderError) -> CairoSurface {
        let surface = try CairoSurface(format: CAIRO_FORMAT_RGB24, width: width, height: height)
        surface.withPixels { base, stride in
            pixels.withUnsafeBufferPointer { source in
                for y in 0..<height {
                    (base + y * stride).update(from: source.baseAddress! + y * width * 4, count: width * 4)
                }
            }
        }
        if forPDF, let jpeg { try surface.attachJPEG(jpeg) }
        return surface
    }
}

/// The holder's signature as a clean ink mask: 255 where the pen was, 0 elsewhere,
/// trimmed to the ink with a one-pixel margin.
struct PreparedSignature: Sendable {
    let width: Int
    let height: Int
    /// One byte a pixel, `width` bytes a row.
    let mask: [UInt8]

    static let field = "Tanda Tangan"

    init(_ data: Data, layout: CardLayout.Signature) throws(RenderRefusal) {
        func refuse(_ message: String) -> RenderRefusal { RenderRefusal(field: Self.field, message: message) }
        guard !data.isEmpty else { throw refuse("tidak ada tanda tangan") }
        let info: ImageInfo
        do { info = try ImageInfo(data: data) } catch { throw refuse(error.description) }

        // Everything is first flattened onto white, so transparency, grey and palette PNGs
        // and JPEGs all come down to one RGB24 picture.
        let flat: CairoSurface
        do {
            switch info.format {
            case .jpeg:
                flat = try JPEG.decode(
                    data, minWidth: millimetresToPixels(layout.width, dpi: imageDecodeDPI),
                    minHeight: millimetresToPixels(layout.height, dpi: imageDecodeDPI)
                ).surface
            case .png:
                let loaded = try CairoSurface(png: data)
                flat = try CairoSurface(format: CAIRO_FORMAT_RGB24, width: loaded.width, height: loaded.height)
                let cr = try CairoContext(flat)
                cairo_set_source_rgb(cr.pointer, 1, 1, 1)
                cairo_paint(cr.pointer)
                cairo_set_source_surface(cr.pointer, loaded.pointer, 0, 0)
                cairo_paint(cr.pointer)
                try cr.check("meratakan tanda tangan")
            }
        } catch let failure as JPEG.Failure {
            throw refuse("JPEG rusak dan tidak bisa dibaca (\(failure.reason))")
        } catch {
            throw refuse("\(info.format.rawValue) rusak dan tidak bisa dibaca (\(error))")
        }

        let w = flat.width
        let h = flat.height
        let limit = Int((layout.threshold * 255 * 1000).rounded())
        var ink = [UInt8](repeating: 0, count: w * h)
        var minX = w, minY = h, maxX = -1, maxY = -1, inked = 0
        flat.withPixels { base, stride in
            ink.withUnsafeMutableBufferPointer { out in
                for y in 0..<h {
                    let row = UnsafeRawPointer(base + y * stride).assumingMemoryBound(to: UInt32.self)
                    for x in 0..<w {
                        let p = row[x]
                        // Rec. 601 luma, scaled by 1000.
                        let luma = Int((p >> 16) & 0xFF) * 299 + Int((p >> 8) & 0xFF) * 587 + Int(p & 0xFF) * 114
                        if luma < limit {
                            out[y * w + x] = 255
                            inked += 1
                            if x < minX { minX = x }
                            if x > maxX { maxX = x }
                            if y < minY { minY = y }
                            if y > maxY { maxY = y }
                        }
                    }
                }
            }
        }
        guard inked > 0 else { throw refuse("kosong: tidak ada goresan tinta") }
        guard inked * 2 <= w * h else {
            throw refuse("lebih dari separuh gambar hitam: bukan pindaian tanda tangan yang bersih")
        }
        minX = max(0, minX - 1)
        minY = max(0, minY - 1)
        maxX = min(w - 1, maxX + 1)
        maxY = min(h - 1, maxY + 1)
        width = maxX - minX + 1
        height = maxY - minY + 1
        var trimmed = [UInt8](repeating: 0, count: width * height)
        for y in 0..<height {
            let from = (minY + y) * w + minX
            trimmed.replaceSubrange(y * width..<(y + 1) * width, with: ink[from..<(from + width)])
        }
        mask = trimmed
    }

    /// A fresh A8 surface holding the mask (one per render call).
    func surface() throws(RenderError) -> CairoSurface {
        let surface = try CairoSurface(format: CAIRO_FORMAT_A8, width: width, height: height)
        surface.withPixels { base, stride in
            mask.withUnsafeBufferPointer { source in
                for y in 0..<height {
                    (base + y * stride).update(from: source.baseAddress! + y * width, count: width)
                }
            }
        }
        return surface
    }
}

func millimetresToPixels(_ mm: Double, dpi: Double) -> Int {
    Int((mm * dpi / 25.4).rounded(.up))
}
