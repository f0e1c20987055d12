package import CCairo
import Foundation

// A thin wrapper over cairo: each class owns one C object and destroys it in deinit, and
// every status that can go wrong becomes a thrown `RenderError`. Objects are created per
// render call and never shared between threads; only the font faces (see `CardFonts`)
// are shared, and cairo locks those itself.

/// An image or PDF surface owned by Swift.
package final class CairoSurface {
    package let pointer: OpaquePointer

    private init(owning pointer: OpaquePointer, what: String) throws(RenderError) {
        self.pointer = pointer
        try check(what)
    }

    /// A blank image surface (all bytes zero: transparent, or black for RGB24).
    package convenience init(format: cairo_format_t, width: Int, height: Int) throws(RenderError) {
        guard width > 0, height > 0, width <= 20_000, height <= 20_000 else {
            throw RenderError("ukuran gambar \(width)×\(height) tidak wajar")
        }
        try self.init(
            owning: cairo_image_surface_create(format, Int32(width), Int32(height)),
            what: "membuat gambar \(width)×\(height)")
    }

    /// A PDF surface writing to `sink`, sized in points.
    convenience init(pdfTo sink: ByteSink, widthPoints: Double, heightPoints: Double) throws(RenderError) {
        let closure = Unmanaged.passUnretained(sink).toOpaque()
        try self.init(
            owning: cairo_pdf_surface_create_for_stream(ByteSink.write, closure, widthPoints, heightPoints),
            what: "membuat PDF")
    }

    /// Decodes a PNG with cairo's loader (libpng); any failure is a thrown error.
    convenience init(png data: Data) throws(RenderError) {
        let source = ByteSource(data)
        let surface = withExtendedLifetime(source) {
            cairo_image_surface_create_from_png_stream(ByteSource.read, Unmanaged.passUnretained(source).toOpaque())
        }
        guard let surface else { throw RenderError("PNG tidak bisa dibuka") }
        try self.init(owning: surface, what: "membaca PNG")
    }

    deinit { cairo_surface_destroy(pointer) }

    package func check(_ what: String) throws(RenderError) {
        let status = cairo_surface_status(pointer)
        guard status == CAIRO_STATUS_SUCCESS else { throw RenderError(status: status, while: what) }
    }

    var width: Int { Int(cairo_image_surface_get_width(pointer)) }
    var height: Int { Int(cairo_image_surface_get_height(pointer)) }
    var stride: Int { Int(cairo_image_surface_get_stride(pointer)) }
    var format: cairo_format_t { cairo_image_surface_get_format(pointer) }

    /// Read and write the pixels of an image surface. cairo is told before and after, so
    /// its caches stay right.
    func withPixels<R>(_ body: (UnsafeMutablePointer<UInt8>, _ stride: Int) throws -> R) rethrows -> R {
        cairo_surface_flush(pointer)
        defer { cairo_surface_mark_dirty(pointer) }
        return try body(cairo_image_surface_get_data(pointer)!, stride)
    }

    /// Attaches the original JPEG bytes so the PDF backend embeds them as they are
    /// (DCTDecode) instead of re-compressing decoded pixels. The surface must be the
    /// full-size decode of exactly these bytes.
    func attachJPEG(_ data: Data) throws(RenderError) {
        let length = data.count
        let copy = UnsafeMutableRawPointer.allocate(byteCount: length, alignment: 1)
        data.copyBytes(to: copy.assumingMemoryBound(to: UInt8.self), count: length)
        let status = cairo_surface_set_mime_data(
            pointer, CAIRO_MIME_TYPE_JPEG, copy.assumingMemoryBound(to: UInt8.self), UInt(length),
            { $0?.deallocate() }, copy)
        guard status == CAIRO_STATUS_SUCCESS else {
            copy.deallocate()
            throw RenderError(status: status, while: "melampirkan JPEG")
        }
    }

    /// Writes the surface as PNG (8 bits a channel; RGB for RGB24 surfaces).
    package func pngData() throws(RenderError) -> Data {
        let sink = ByteSink(capacity: 256 * 1024)
        let status = withExtendedLifetime(sink) {
            cairo_surface_write_to_png_stream(pointer, ByteSink.write, Unmanaged.passUnretained(sink).toOpaque())
        }
        guard status == CAIRO_STATUS_SUCCESS else { throw RenderError(status: status, while: "menulis PNG") }
        return sink.data
    }

    /// Finishes a PDF surface: everything is written to its sink when this returns.
    func finish() throws(RenderError) {
        cairo_surface_finish(pointer)
        try check("menyelesaikan PDF")
    }
}

/// A drawing context on one surface.
package final class CairoContext {
    package let pointer: OpaquePointer
    let surface: CairoSurface  // kept alive as long as the context

    package init(_ surface: CairoSurface) throws(RenderError) {
        self.surface = surface
        pointer = cairo_create(surface.pointer)
        try check("membuat konteks gambar")
    }

    deinit { cairo_destroy(pointer) }

    package func check(_ what: String) throws(RenderError) {
        let status = cairo_status(pointer)
        guard status == CAIRO_STATUS_SUCCESS else { throw RenderError(status: status, while: what) }
    }
}

/// Collects bytes written by cairo's stream functions.
final class ByteSink {
    var data: Data
    init(capacity: Int = 64 * 1024) { data = Data(capacity: capacity) }

    static let write: cairo_write_func_t = { closure, bytes, length in
        guard let closure else { return CAIRO_STATUS_WRITE_ERROR }
        let sink = Unmanaged<ByteSink>.fromOpaque(closure).takeUnretainedValue()
        if length > 0, let bytes { sink.data.append(bytes, count: Int(length)) }
        return CAIRO_STATUS_SUCCESS
    }
}

/// Feeds bytes to cairo's stream readers.
final class ByteSource {
    let bytes: [UInt8]
    var offset = 0
    init(_ data: Data) { bytes = [UInt8](data) }

    static let read: cairo_read_func_t = { closure, buffer, length in
        guard let closure, let buffer else { return CAIRO_STATUS_READ_ERROR }
        let source = Unmanaged<ByteSource>.fromOpaque(closure).takeUnretainedValue()
        let wanted = Int(length)
        guard source.offset + wanted <= source.bytes.count else { return CAIRO_STATUS_READ_ERROR }
        source.bytes.withUnsafeBufferPointer { all in
            buffer.update(from: all.baseAddress! + source.offset, count: wanted)
        }
        source.offset += wanted
        return CAIRO_STATUS_SUCCESS
    }
}

extension RenderError {
    init(status: cairo_status_t, while what: String) {
        let text = cairo_status_to_string(status).map { String(cString: $0) } ?? "status \(status.rawValue)"
        self.init("cairo gagal saat \(what): \(text)")
    }
}
