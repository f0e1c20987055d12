internal import CCairo
import Foundation

/// Writes an RGB24 cairo surface as an 8-bit RGB PNG, fast: every row with the "Up" filter
/// (zero for the card's white and along its text's vertical strokes) and zlib's run-length
/// strategy, fed row by row so no whole-image buffer is made. About eight times faster than
/// cairo's own writer for a 300 dpi card; the file is somewhat larger.
enum PNGWriter {
    static func rgb(_ surface: CairoSurface) throws(RenderError) -> Data {
        let (w, h) = (surface.width, surface.height)
        var png = Data(capacity: 128 * 1024)
        png.append(contentsOf: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        var header = [UInt8]()
        header.appendBigEndian(UInt32(w))
        header.appendBigEndian(UInt32(h))
        header += [8, 2, 0, 0, 0]  // 8 bits, RGB, deflate, adaptive filtering, no interlace
        chunk("IHDR", header[...], into: &png)
        chunk("IDAT", try deflateRows(surface)[...], into: &png)
        chunk("IEND", [][...], into: &png)
        return png
    }

    private static func deflateRows(_ surface: CairoSurface) throws(RenderError) -> [UInt8] {
        let (w, h) = (surface.width, surface.height)
        var stream = z_stream()
        var status = deflateInit2_(
            &stream, 1, Z_DEFLATED, 15, 8, Z_RLE, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else { throw RenderError("zlib tidak bisa dimulai (status \(status))") }
        defer { deflateEnd(&stream) }

        var output = [UInt8]()
        output.reserveCapacity(128 * 1024)
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        var row = [UInt8](repeating: 0, count: 1 + 3 * w)
        var previous = [UInt8](repeating: 0, count: 3 * w)
        row[0] = 2  // Up
        func pump(_ flush: Int32) -> Int32 {
            var result = Z_OK
            repeat {
                result = buffer.withUnsafeMutableBufferPointer { out in
                    stream.next_out = out.baseAddress
                    stream.avail_out = uInt(out.count)
                    return deflate(&stream, flush)
                }
                output.append(contentsOf: buffer[..<(buffer.count - Int(stream.avail_out))])
            } while stream.avail_out == 0 && result == Z_OK
            return result
        }
        surface.withPixels { base, stride in
            for y in 0..<h {
                let pixels = UnsafeRawPointer(base + y * stride).assumingMemoryBound(to: UInt32.self)
                row.withUnsafeMutableBufferPointer { out in
                    previous.withUnsafeMutableBufferPointer { above in
                        for x in 0..<w {
                            let p = pixels[x]
                            let (r, g, b) = (
                                UInt8(truncatingIfNeeded: p >> 16), UInt8(truncatingIfNeeded: p >> 8),
                                UInt8(truncatingIfNeeded: p)
                            )
                            out[1 + 3 * x] = r &- above[3 * x]
                            out[2 + 3 * x] = g &- above[3 * x + 1]
                            out[3 + 3 * x] = b &- above[3 * x + 2]
                            above[3 * x] = r
                            above[3 * x + 1] = g
                            above[3 * x + 2] = b
                        }
                    }
                }
                row.withUnsafeMutableBufferPointer { input in
                    stream.next_in = input.baseAddress
                    stream.avail_in = uInt(input.count)
                    status = pump(Z_NO_FLUSH)
                }
                if status != Z_OK { break }
            }
            if status == Z_OK { status = pump(Z_FINISH) }
        }
        guard status == Z_STREAM_END else { throw RenderError("zlib gagal memampatkan pratinjau (status \(status))") }
        return output
    }

    private static func chunk(_ type: String, _ body: ArraySlice<UInt8>, into png: inout Data) {
        var head = [UInt8]()
        head.appendBigEndian(UInt32(body.count))
        let typeBytes = Array(type.utf8)
        head += typeBytes
        png.append(contentsOf: head)
        png.append(contentsOf: body)
        var crc = crc32(0, typeBytes, uInt(typeBytes.count))
        if !body.isEmpty { body.withUnsafeBufferPointer { crc = crc32(crc, $0.baseAddress, uInt($0.count)) } }
        var tail = [UInt8]()
        tail.appendBigEndian(UInt32(truncatingIfNeeded: crc))
        png.append(contentsOf: tail)
    }
}

extension [UInt8] {
    fileprivate mutating func appendBigEndian(_ value: UInt32) {
        append(contentsOf: [
            UInt8(value >> 24), UInt8(truncatingIfNeeded: value >> 16), UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value),
        ])
    }
}
