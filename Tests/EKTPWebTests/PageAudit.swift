import Foundation

/// What a page must hold for people on a phone and for people who see less well, measured
/// in the browser itself on the rendered page (WCAG 2.2):
/// - no sideways scroll: the document is no wider than the window (tables scroll inside
///   themselves);
/// - tap targets (links, buttons, fields) at least 24 × 24 CSS px (2.5.8), links inside a
///   sentence excepted as the criterion excepts them;
/// - text contrast at least 4.5:1, or 3:1 for large text (1.4.3), against the background
///   actually behind it.
enum PageAudit {
    struct Finding: CustomStringConvertible {
        let rule: String
        let what: String
        var description: String { "\(rule): \(what)" }
    }

    static let script = """
        function luminance(c) {
          const v = c.map(x => { x /= 255; return x <= 0.03928 ? x / 12.92 : Math.pow((x + 0.055) / 1.055, 2.4); });
          return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2];
        }
        function rgba(s) { const m = s.match(/[\\d.]+/g); if (!m) return null; return m.map(Number).concat(m.length < 4 ? [1] : []); }
        function blend(top, under) { const a = top[3]; return [0, 1, 2].map(i => top[i] * a + under[i] * (1 - a)).concat([1]); }
        function background(el) {
          const stack = [];
          for (let e = el; e; e = e.parentElement) { const c = rgba(getComputedStyle(e).backgroundColor); if (c && c[3] > 0) stack.push(c); if (c && c[3] === 1) break; }
          let color = [255, 255, 255, 1];
          for (let i = stack.length - 1; i >= 0; i--) color = blend(stack[i], color);
          return color;
        }
        function visible(el) { const r = el.getBoundingClientRect(); const s = getComputedStyle(el); return r.width > 0 && r.height > 0 && s.visibility !== "hidden" && s.display !== "none"; }
        function label(el) { return el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + " \\"" + (el.textContent || el.value || el.name || "").trim().slice(0, 30) + "\\""; }
        const findings = [];
        const width = document.documentElement.clientWidth;
        if (document.documentElement.scrollWidth > width + 1) {
          let widest = null;
          document.querySelectorAll("body *").forEach(e => { const r = e.getBoundingClientRect(); if (r.right > width + 1 && (!widest || r.right > widest.r)) widest = { e: e, r: r.right }; });
          findings.push(["sideways-scroll", document.documentElement.scrollWidth + " px > " + width + " px, widest: " + (widest ? label(widest.e) : "?")]);
        }
        document.querySelectorAll("a[href], button, input:not([type=hidden]), select, textarea, summary").forEach(el => {
          if (!visible(el)) return;
          if (el.tagName === "A" && el.closest("p")) return;
          const r = el.getBoundingClientRect();
          if (r.width < 23.5 || r.height < 23.5) findings.push(["target-size", label(el) + " " + Math.round(r.width) + "×" + Math.round(r.height)]);
        });
        const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
        const seen = new Set();
        while (walker.nextNode()) {
          const node = walker.currentNode; const el = node.parentElement;
          if (!el || !node.textContent.trim() || seen.has(el) || !visible(el)) continue;
          seen.add(el);
          if (el.closest("svg")) continue;
          const s = getComputedStyle(el);
          const fg = rgba(s.color); if (!fg) continue;
          const bg = background(el);
          const color = blend([fg[0], fg[1], fg[2], fg[3] * parseFloat(s.opacity || "1")], bg);
          const l1 = luminance(color), l2 = luminance(bg);
          const ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
          const size = parseFloat(s.fontSize); const bold = parseInt(s.fontWeight, 10) >= 700;
          const large = size >= 24 || (bold && size >= 18.66);
          if (ratio < (large ? 3 : 4.5)) findings.push(["contrast", label(el) + " " + ratio.toFixed(2) + ":1 (" + s.color + " on rgb(" + bg.slice(0, 3).map(Math.round).join(",") + "))"]);
        }
        return findings;
        """

    static func run(_ browser: Browser) async throws -> [Finding] {
        guard let raw = try await browser.script(script) as? [[Any]] else { return [Finding(rule: "audit", what: "the audit script returned nothing")] }
        return raw.map { Finding(rule: "\($0.first ?? "")", what: "\($0.dropFirst().first ?? "")") }
    }
}
