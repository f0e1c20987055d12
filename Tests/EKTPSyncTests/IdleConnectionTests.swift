import EKTPClient
import EKTPSynthetic
import EKTPTestSlots
import EKTPTestSupport
import EKTPWire
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The hub closes a kept-alive connection that has had no request for
/// `EKTP_HUB_IDLE_TIMEOUT_SECONDS`, and never one whose request is under way: a long-poll
/// waits out its time however long the idle time-out is (docs/hub.md). Seen from a raw
/// TCP client, as a station's heartbeat connection and its long-poll are.
@Suite(.daemons) struct IdleConnectionTests {
    @Test(.timeLimit(.minutes(2)))
    func anIdleConnectionIsClosedAndAWaitingLongPollIsNot() async throws {
        let scratch = try Scratch("hub-idle")
        let hub = try HubDaemon(
            directory: scratch.url.path, trusted: [ApprovalSigner.generate(keyId: "approval")], regions: RegionData.path(), leaseSeconds: 5,
            environment: ["EKTP_HUB_IDLE_TIMEOUT_SECONDS": "1"])
        defer { hub.stop() }
        try await hub.start()
        let station = try await PlainStation.enroll(on: hub, kecamatan: "32.16.07", name: "PC kasir")

        // A request answered on a kept-alive connection, then nothing: the hub closes it.
        let idle = try await RawExchange.run(port: hub.port, request: "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", listen: .seconds(10))
        #expect(idle.text.hasPrefix("HTTP/1.1 200"), "\(idle.text.prefix(200))")
        #expect(!idle.text.lowercased().contains("connection: close"), "the answer itself keeps the connection alive")
        let closed = try #require(idle.closedAfter, "the idle connection was still open after 10 s")
        #expect(closed < Duration.seconds(8), "closed \(closed) after the request, idle time-out 1 s")

        // A long-poll that waits four times the idle time-out is answered, not cut.
        let poll = try await RawExchange.run(
            port: hub.port, request: "GET /v1/station/jobs?wait=4 HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(station.credential)\r\n\r\n",
            listen: .seconds(20))
        #expect(poll.text.hasPrefix("HTTP/1.1 200") && poll.text.contains(#"{"jobs":[]}"#), "\(poll.text.prefix(300))")
        // Its head is written at once; the body, and the close that ends the answer, come when
        // the wait ends.
        let answered = try #require(poll.closedAfter, "the long-poll's answer did not end")
        #expect(answered >= Duration.seconds(2.9), "an empty long-poll of 4 s ends in its last quarter, not at the idle time-out (\(answered))")
    }
}

/// ektpd keeps no connection to the hub beside its long-poll between two heartbeats: the
/// connection a heartbeat used is closed once unused for `HubConnection.idleSeconds`
/// (10 s), so a station costs the hub one connection, not two (docs/hub.md). Counted from
/// the kernel's table of ektpd's own sockets, not from the client library.
@Suite(.daemons) struct StationConnectionTests {
    @Test(.timeLimit(.minutes(2)))
    func betweenHeartbeatsOnlyTheLongPollIsOpen() async throws {
        let scratch = try Scratch("station-idle")
        let approval = ApprovalSigner.generate(keyId: "approval")
        // The hub asks for a heartbeat every quarter of its staleness limit: every 60 s.
        let hub = try HubDaemon(
            directory: scratch.url.path, trusted: [approval], regions: RegionData.path(), leaseSeconds: 5,
            environment: ["EKTP_HUB_STALE_AFTER_SECONDS": "240"])
        defer { hub.stop() }
        try await hub.start()
        let station = try StationUnderTest(
            scratch: scratch, name: "a", kecamatan: "32.16.07", trusted: approval, printers: ["evolis-primacy-2?serial=IDLE-A"],
            heartbeatSeconds: 60, pollWaitSeconds: 30)
        try await station.start()
        defer { station.child.stop() }
        let token = try await hub.admin.enrollmentToken(kecamatan: "32.16.07")
        _ = try await station.withClient { try await $0.enroll(EnrollStationRequest(hubURL: hub.url, token: token)) }
        let pid = try #require(station.child.process?.processIdentifier)

        // Two samples a second for 20 s. The first heartbeat comes at once, the next after
        // 60 s; the first long-poll, begun with it, waits 22.5 to 30 s. The long-poll is one
        // connection. The heartbeat's, kept as long as the HTTP client's default (60 s),
        // would be a second one in every sample until the long-poll ends and the next
        // request takes it; closed after 10 s unused, it leaves a stretch of one.
        var counts: [Int] = []
        let end = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < end {
            counts.append(Self.established(pid: pid, toPort: hub.port))
            try await Task.sleep(for: .milliseconds(500))
        }
        var longest = 0
        var run = 0
        for c in counts {
            run = c <= 1 ? run + 1 : 0
            longest = max(longest, run)
        }
        #expect(counts.contains { $0 >= 1 }, "ektpd never held a connection to the hub: \(counts)")
        #expect(longest >= 8, "ektpd held a second connection to the hub between heartbeats: \(counts)")
    }

    /// ektpd's ESTABLISHED TCP connections to `port` on loopback: its sockets (`/proc/PID/fd`)
    /// looked up in `/proc/net/tcp`.
    static func established(pid: Int32, toPort port: Int) -> Int {
        let fds = "/proc/\(pid)/fd"
        var inodes = Set<Substring>()
        for fd in (try? FileManager.default.contentsOfDirectory(atPath: fds)) ?? [] {
            guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: fds + "/" + fd), target.hasPrefix("socket:[") else { continue }
            inodes.insert(target.dropFirst(8).dropLast())
        }
        // Read to its end: a /proc file reports no size, and the table is long while the
        // other suites run.
        let table = FileHandle(forReadingAtPath: "/proc/net/tcp").map { String(decoding: $0.readDataToEndOfFile(), as: UTF8.self) } ?? ""
        let remote = ":" + String(format: "%04X", port)
        return table.split(separator: "\n").dropFirst().filter { line in
            let f = line.split(separator: " ")
            return f.count > 9 && f[2].hasSuffix(remote) && f[3] == "01" && inodes.contains(f[9])
        }.count
    }
}

/// One request written on a fresh TCP connection to loopback, then everything the server
/// sends until it closes the connection or `listen` runs out; on a thread of its own, since
/// the reads block.
struct RawExchange: Sendable {
    var text = ""
    var closedAfter: Duration?

    static func run(port: Int, request: String, listen: Duration) async throws -> RawExchange {
        try await OneShot.onThread { try blocking(port: port, request: request, listen: listen) }
    }

    private static func blocking(port: Int, request: String, listen: Duration) throws -> RawExchange {
        guard let fd = LoopbackPort.connect(port) else { throw HarnessError("tidak bisa menyambung ke port \(port)") }
        defer { close(fd) }
        var slice = timeval(tv_sec: 0, tv_usec: 200_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &slice, socklen_t(MemoryLayout<timeval>.size))
        let bytes = Array(request.utf8)
        let start = ContinuousClock.now
        guard write(fd, bytes, bytes.count) == bytes.count else { throw HarnessError("permintaan tidak terkirim") }
        var result = RawExchange()
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while ContinuousClock.now - start < listen {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n > 0 {
                received += buffer[0..<n]
            } else if n == 0 {
                result.closedAfter = ContinuousClock.now - start
                break
            } else if errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR {
                result.closedAfter = ContinuousClock.now - start
                break
            }
        }
        result.text = String(decoding: received, as: UTF8.self)
        return result
    }
}
