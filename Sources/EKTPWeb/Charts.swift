/// Charts drawn on the server as SVG: no chart library, nothing fetched, prints as it is.
public enum WebChart {
    /// A bar chart of values per label (e.g. cards used per day), with the largest value
    /// and every few labels written out.
    public static func bars(_ points: [(label: String, value: Int)], title: String, unit: String) -> HTML {
        let width = 640
        let height = 220
        let left = 36
        let bottom = 28
        let top = 16
        let plotW = width - left - 8
        let plotH = height - top - bottom
        let maxValue = max(points.map(\.value).max() ?? 0, 1)
        let slot = points.isEmpty ? plotW : plotW / points.count
        let barW = max(slot - 3, 1)
        var parts: [HTML] = []
        parts.append("<line class=\"axis\" x1=\"\(left)\" y1=\"\(top + plotH)\" x2=\"\(width - 8)\" y2=\"\(top + plotH)\"/>")
        parts.append("<text x=\"2\" y=\"\(top + 4)\">\(maxValue)</text><text x=\"2\" y=\"\(top + plotH)\">0</text>")
        let labelEvery = max(points.count / 8, 1)
        for (i, p) in points.enumerated() {
            let h = p.value * plotH / maxValue
            let x = left + i * slot
            parts.append(
                "<rect class=\"bar\" x=\"\(x)\" y=\"\(top + plotH - h)\" width=\"\(barW)\" height=\"\(h)\"><title>\(p.label): \(p.value) \(unit)</title></rect>"
            )
            if i % labelEvery == 0 || i == points.count - 1 {
                parts.append("<text x=\"\(x)\" y=\"\(height - 8)\">\(p.label)</text>")
            }
        }
        return """
            <svg class="chart" viewBox="0 0 \(width) \(height)" role="img" aria-label="\(title)" xmlns="http://www.w3.org/2000/svg"><title>\(title)</title>\(parts)</svg>
            """
    }
}
