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

/// After log-in the browser goes back only to a path on this site (station and hub alike).
@Suite struct ReturnPathTests {
    @Test(arguments: ["/antrean", "/job/PRR-1?x=1", "/printer#printer-sim-1", "/a/b/c"])
    func pathsOnThisSiteAreKept(path: String) {
        #expect(WebSite.sameSitePath(path) == path)
    }

    @Test(arguments: [
        "/\t/evil.example", "/\n/evil.example", "//evil.example", "/\\evil.example", "https://evil.example", "evil.example", "",
        "/\r/evil.example", " /antrean", "/%09/evil.example/\u{0}", "/\u{202E}/evil.example", "javascript:alert(1)",
    ])
    func anythingElseIsDropped(path: String) {
        #expect(WebSite.sameSitePath(path) == nil, "\(path.debugDescription)")
    }
}
