import EKTPInstall
import Testing

/// The Prometheus text format's escaping (exposition format 0.0.4): in a label value a
/// backslash, a double quote and a line feed are escaped; in help text a backslash and a
/// line feed. Everything else stays as it is.
@Suite struct MetricsTextTests {
    @Test("label values and help are escaped as the text format says, and only where it says")
    func escaping() {
        var m = MetricsText()
        m.add("ektp_x", .gauge, "a \\ b\nc \"d\"", [("station", "stn-321601-a1"), ("version", "1.0 \"beta\"\\\nx")], 1)
        m.add("ektp_x", .gauge, "ignored: declared once", [("station", "Bekasi Timur")], 2.5)
        #expect(
            m.rendered == """
                # HELP ektp_x a \\\\ b\\nc "d"
                # TYPE ektp_x gauge
                ektp_x{station="stn-321601-a1",version="1.0 \\"beta\\"\\\\\\nx"} 1
                ektp_x{station="Bekasi Timur"} 2.5

                """)
    }
}
