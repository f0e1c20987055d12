import EKTPWeb
import Testing

/// Text typed by a person never becomes markup.
@Suite("HTML escaping")
struct HTMLTests {
    @Test func interpolatedTextIsEscapedAndMarkupIsNot() {
        let name = "<script>alert('x')</script> & \"kutip\""
        let html: HTML = "<td>\(name)</td>\(HTML("<b>tebal</b>"))"
        #expect(html.text == "<td>&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;kutip&quot;</td><b>tebal</b>")
    }

    @Test func formsDecodeLikeABrowserSendsThem() {
        let form = WebForm("nama=Siti+Aminah&alasan=kartu%20tertahan%21&kosong=&id=A&id=B")
        #expect(form["nama"] == "Siti Aminah")
        #expect(form["alasan"] == "kartu tertahan!")
        #expect(form["kosong"] == nil)
        #expect(form.all("id") == ["A", "B"])
    }
}
