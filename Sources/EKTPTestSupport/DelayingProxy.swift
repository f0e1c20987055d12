import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A TCP relay on loopback in front of a hub that holds back every HTTP request whose
/// request line starts with one of `held` (`POST /v1/station/ack`) for `delay` before
/// passing it on: a slow network exactly where a test needs it. Everything else passes at
/// once, byte for byte, in both directions. One thread per direction per connection.
public final class DelayingProxy: @unchecked Sendable {
    public let port: Int
    let upstream: Int
    let held: [[UInt8]]
    let delay: Duration
    private let listener: Int32
    private let lock = NSLock()
    private var sockets: [Int32] = []
    /// Directions finished per connection (keyed by its client socket).
    private var halves: [Int32: Int] = [:]
    private var stopped = false

    public var url: String { "http://127.0.0.1:\(port)" }

    /// Requests held so far.
    public var heldCount: Int { lock.withLock { holds } }
    private var holds = 0

    public init(upstreamPort: Int, holding requestLinePrefixes: [String], for delay: Duration) throws {
        upstream = upstreamPort
        held = requestLinePrefixes.map { Array($0.utf8) }
        self.delay = delay
        port = try LoopbackPort.free()
        listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var yes: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        let bound = LoopbackPort.withAddress(port) { bind(listener, $0, $1) }
        guard bound == 0, listen(listener, 64) == 0 else { throw HarnessError("relai tidak bisa mendengar di port \(port)") }
        Thread.detachNewThread { [self] in acceptLoop() }
    }

    private func acceptLoop() {
        while true {
            let client = accept(listener, nil, nil)
            guard client >= 0 else { return }
            guard let server = LoopbackPort.connect(upstream) else {
                close(client)
                continue
            }
            guard
                lock.withLock({ () -> Bool in
                    guard !stopped else { return false }
                    sockets += [client, server]
                    return true
                })
            else {
                close(client)
                close(server)
                continue
            }
            Thread.detachNewThread { [self] in
                pump(from: client, to: server, holding: true)
                finished(client, server)
            }
            Thread.detachNewThread { [self] in
                pump(from: server, to: client, holding: false)
                finished(client, server)
            }
        }
    }

    /// One direction of a connection is done; the second to finish closes both sockets.
    private func finished(_ client: Int32, _ server: Int32) {
        let last: Bool = lock.withLock {
            halves[client, default: 0] += 1
            guard halves[client] == 2 else { return false }
            halves[client] = nil
            sockets.removeAll { $0 == client || $0 == server }
            return true
        }
        if last {
            close(client)
            close(server)
        }
    }

    /// Copies `from` → `to`. Client to hub, a chunk that starts a held request waits first.
    private func pump(from: Int32, to: Int32, holding: Bool) {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = read(from, &buffer, buffer.count)
            guard n > 0 else { break }
            if holding, held.contains(where: { n >= $0.count && Array(buffer[0..<$0.count]) == $0 }) {
                lock.withLock { holds += 1 }
                Thread.sleep(forTimeInterval: Double(delay.components.seconds) + Double(delay.components.attoseconds) / 1e18)
            }
            var sent = 0
            while sent < n {
                let m = buffer.withUnsafeBytes { send(to, $0.baseAddress! + sent, n - sent, Int32(MSG_NOSIGNAL)) }
                guard m > 0 else { break }
                sent += m
            }
            guard sent == n else { break }
        }
        shutdown(from, Int32(SHUT_RD))
        shutdown(to, Int32(SHUT_WR))
    }

    public func stop() {
        // Under the lock: a connection closes its sockets only after leaving `sockets`, so
        // no number shut down here has been closed and reused meanwhile.
        lock.withLock {
            stopped = true
            for fd in sockets { shutdown(fd, Int32(SHUT_RDWR)) }
        }
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }
}
