import Foundation
import Testing

@testable import EKTPRendering

/// Compares a rendered PNG with a committed golden PNG, with a tolerance for antialiasing
/// differences between cairo/pixman/FreeType builds.
///
/// Regenerate after an intended change of layout or drawing:
///     EKTP_UPDATE_GOLDEN=1 swift test --scratch-path .build-render --filter EKTPRenderingTests
/// then look at the PNGs in Tests/EKTPRenderingTests/Golden/ before committing them.
enum GoldenImage {
    /// A pixel differs when any channel differs by more than this.
    static let channelTolerance = 64
    /// The share of differing pixels allowed.
    static let pixelShareTolerance = 0.002

    static var updating: Bool { ProcessInfo.processInfo.environment["EKTP_UPDATE_GOLDEN"] == "1" }

    static func sourceURL(_ name: String, file: StaticString = #filePath) -> URL {
        URL(fileURLWithPath: "\(file)").deletingLastPathComponent().appendingPathComponent("Golden/\(name).png")
    }

    static func check(_ png: Data, named name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let golden = sourceURL(name)
        if updating {
            // Re-encoded by cairo (libpng, zlib level 6): the renderer's own writer favours
            // speed, a committed golden favours size.
            try CairoSurface(png: png).pngData().write(to: golden)
            return
        }
        guard let expectedURL = Bundle.module.url(forResource: name, withExtension: "png", subdirectory: "Golden"),
            let expected = try? Data(contentsOf: expectedURL)
        else {
            Issue.record("golden \(name).png missing: run with EKTP_UPDATE_GOLDEN=1", sourceLocation: sourceLocation)
            return
        }
        let a = try CairoSurface(png: png)
        let b = try CairoSurface(png: expected)
        guard a.width == b.width, a.height == b.height else {
            Issue.record("\(name): size \(a.width)×\(a.height), golden \(b.width)×\(b.height)", sourceLocation: sourceLocation)
            return
        }
        var differing = 0
        a.withPixels { pa, sa in
            b.withPixels { pb, sb in
                for y in 0..<a.height {
                    let ra = UnsafeRawPointer(pa + y * sa).assumingMemoryBound(to: UInt32.self)
                    let rb = UnsafeRawPointer(pb + y * sb).assumingMemoryBound(to: UInt32.self)
                    for x in 0..<a.width {
                        let (p, q) = (ra[x], rb[x])
                        for shift in [0, 8, 16] as [UInt32] {
                            let d = abs(Int((p >> shift) & 0xFF) - Int((q >> shift) & 0xFF))
                            if d > channelTolerance {
                                differing += 1
                                break
                            }
                        }
                    }
                }
            }
        }
        let share = Double(differing) / Double(a.width * a.height)
        if share > pixelShareTolerance {
            let actual = FileManager.default.temporaryDirectory.appendingPathComponent("ektp-golden-actual")
            try FileManager.default.createDirectory(at: actual, withIntermediateDirectories: true)
            let url = actual.appendingPathComponent("\(name).png")
            try png.write(to: url)
            Issue.record(
                "\(name): \(differing) pixels (\(String(format: "%.3f", share * 100))%) differ from the golden; actual written to \(url.path)",
                sourceLocation: sourceLocation)
        }
    }
}
