internal import CCairo
internal import CJPEG
import Foundation

/// JPEG through libjpeg-turbo (the `CJPEG` shim keeps libjpeg's longjmp on the C side).
package enum JPEG {
    struct Failure: Error { let reason: String }

    private static func text(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Decodes into a cairo RGB24 surface, using libjpeg's DCT scaling to skip detail that
    /// would be thrown away: the result is the smallest of 1/1, 1/2, 1/4, 1/8 scale that is
    /// still at least `minWidth` × `minHeight`.
    static func decode(_ data: Data, minWidth: Int = 0, minHeight: Int = 0) throws -> (surface: CairoSurface, fullSize: Bool) {
        var message = [CChar](repeating: 0, count: 256)
        var denom: Int32 = 1
        var width: Int32 = 0
        var height: Int32 = 0
        let sized = data.withUnsafeBytes { raw in
            ektp_jpeg_decoded_size(
                raw.baseAddress?.assumingMemoryBound(to: UInt8.self), raw.count, Int32(minWidth), Int32(minHeight),
                &denom, &width, &height, &message, message.count)
        }
        guard sized == 0 else { throw Failure(reason: text(message)) }
        let surface = try CairoSurface(format: CAIRO_FORMAT_RGB24, width: Int(width), height: Int(height))
        let decoded = surface.withPixels { pixels, stride in
            data.withUnsafeBytes { raw in
                ektp_jpeg_decode(
                    raw.baseAddress?.assumingMemoryBound(to: UInt8.self), raw.count, denom, pixels, width, height,
                    Int32(stride), &message, message.count)
            }
        }
        guard decoded == 0 else { throw Failure(reason: text(message)) }
        return (surface, denom == 1)
    }

    /// Encodes an RGB24 surface as a baseline JPEG.
    package static func encode(_ surface: CairoSurface, quality: Int) throws -> Data {
        var message = [CChar](repeating: 0, count: 256)
        var output: UnsafeMutablePointer<UInt8>?
        var length: UInt = 0
        let status = surface.withPixels { pixels, stride in
            ektp_jpeg_encode(
                pixels, Int32(surface.width), Int32(surface.height), Int32(stride), Int32(quality), &output, &length,
                &message, message.count)
        }
        defer { ektp_jpeg_free(output) }
        guard status == 0, let output else { throw Failure(reason: text(message)) }
        return Data(bytes: output, count: Int(length))
    }
}
