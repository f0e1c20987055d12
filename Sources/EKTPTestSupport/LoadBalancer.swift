import Foundation

/// A real load balancer on loopback in front of several `ektp-hub serve` processes: Debian's
/// HAProxy (package `haproxy`), round robin over the hubs, each checked on `/health` every
/// 300 ms and taken out of the rotation at the first failed check; a request whose
/// connection to a dead hub fails is sent to another (`retries`, `redispatch`). Long-polls
/// hold their connection up to two minutes.
public final class LoadBalancer: Sendable {
    public let port: Int
    let child: Child
    public var url: String { "http://127.0.0.1:\(port)" }

    public static let executable = "/usr/sbin/haproxy"
    public static var available: Bool { FileManager.default.isExecutableFile(atPath: executable) }

    /// Balances over the hubs on these loopback ports; the configuration and the log in
    /// `directory`.
    public init(directory: String, backends: [Int]) throws {
        port = try LoopbackPort.free()
        let config = URL(fileURLWithPath: directory).appendingPathComponent("haproxy-\(port).cfg")
        let servers = backends.enumerated().map { "    server hub\($0.offset + 1) 127.0.0.1:\($0.element) check inter 300 fall 1 rise 2" }
        try """
        global
            maxconn 4096
        defaults
            mode http
            timeout connect 2s
            timeout client 2m
            timeout server 2m
            retries 3
            option redispatch
        frontend hubs
            bind 127.0.0.1:\(port)
            default_backend hubs
        backend hubs
            balance roundrobin
            option httpchk GET /health
        \(servers.joined(separator: "\n"))

        """.write(to: config, atomically: true, encoding: .utf8)
        child = Child(
            URL(fileURLWithPath: Self.executable), ["-db", "-f", config.path],
            log: URL(fileURLWithPath: directory).appendingPathComponent("haproxy-\(port).log").path)
    }

    /// Starts HAProxy and waits until it listens.
    public func start() async throws {
        guard Self.available else { throw HarnessError("haproxy tidak terpasang (apt-get install haproxy; scripts/install-deps.sh)") }
        try child.start()
        for _ in 0..<200 {
            if !LoopbackPort.canBind(port) { return }
            guard child.isRunning else { throw HarnessError("haproxy berhenti saat mulai:\n\(child.tail())") }
            try await Task.sleep(for: .milliseconds(25))
        }
        throw HarnessError("haproxy tidak mendengar di \(url)")
    }

    public func stop() { child.stop() }
}
