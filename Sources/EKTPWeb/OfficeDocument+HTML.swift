import EKTPRendering

extension OfficeDocument {
    /// The document as a page: the same fields, table and signatures as its PDF, with a
    /// link to the PDF.
    public func html(pdf: String) -> HTML {
        let doc = self
        let fields = doc.fields.map { HTML("<tr><th>\($0.0)</th><td>\($0.1)</td></tr>") }
        let table: HTML =
            doc.table.map { t in
                """
                <table><thead><tr>\(t.headers.enumerated().map { i, h in HTML("<th\(HTML.when(t.numeric.contains(i)) { " class=\"num\"" })>\(h)</th>") })</tr></thead>
                <tbody>\(t.rows.map { row in HTML("<tr>\(row.enumerated().map { i, c in HTML("<td\(HTML.when(t.numeric.contains(i)) { " class=\"num\"" })>\(c)</td>") })</tr>") })</tbody></table>
                """
            } ?? ""
        let signatures = doc.signatures.map { s in
            HTML("<div>\(s.role)\(HTML.when(!s.name.isEmpty) { " (\(s.name))" })\(s.nip.map { HTML(" NIP \($0)") })</div>")
        }
        return """
            <p class="no-print"><a href="\(pdf)">Unduh PDF</a> <button data-print type="button" class="secondary">Cetak</button></p>
            <h1>\(doc.title)</h1>
            \(doc.heading.map { HTML("<p>\($0)</p>") })
            <section class="card" id="dokumen">\(HTML.when(!doc.fields.isEmpty) { "<table><tbody>\(fields)</tbody></table>" })\(table)
            \(doc.notes.map { HTML("<p class=\"muted\">\($0)</p>") })</section>
            \(doc.placeAndDate.map { HTML("<p>\($0)</p>") })
            <div class="signatures">\(signatures)</div>
            """
    }
}
