import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A tiny real HTTP/1.1 server on a temporary Unix socket: it answers each connection
/// with the next canned answer and records what the client sent. Plain POSIX calls, so
/// the client is tested over a real socket without pulling a server framework in.
final class UnixSocketServer: @unchecked Sendable {
    struct Received {
        var requestLine: String
        var headers: [String: String]
        var body: Data
    }

    let path: String
    private let fd: Int32
    private let lock = NSLock()
    private var received: [Received] = []

    init(answers: [(status: Int, body: String)]) throws {
        path = "/tmp/ektpc-\(UUID().uuidString.prefix(8)).sock"
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (i, byte) in path.utf8.enumerated() { buffer[i] = byte }
            buffer[path.utf8.count] = 0
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard fd >= 0, bound == 0, listen(fd, 8) == 0 else { throw POSIXError(.EADDRINUSE) }
        let listener = fd
        Thread.detachNewThread { [self] in
            for answer in answers {
                let connection = accept(listener, nil, nil)
                guard connection >= 0 else { return }
                record(readRequest(connection))
                let body = Array(answer.body.utf8)
                let head = "HTTP/1.1 \(answer.status) X\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\nConnection: close\r\n\r\n"
                let bytes = Array(head.utf8) + body
                _ = bytes.withUnsafeBytes { write(connection, $0.baseAddress, $0.count) }
                close(connection)
            }
        }
    }

    deinit {
        close(fd)
        unlink(path)
    }

    /// What the client sent, in order.
    var requests: [Received] { lock.withLock { received } }

    private func record(_ r: Received) { lock.withLock { received.append(r) } }

    private func readRequest(_ connection: Int32) -> Received {
        var data = Data()
        var chunk = [UInt8](repeating: 0, count: 4096)
        let separator = Data("\r\n\r\n".utf8)
        while true {
            if let end = data.range(of: separator) {
                let head = String(decoding: data[..<end.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
                var headers: [String: String] = [:]
                for line in head.dropFirst() {
                    let parts = line.split(separator: ":", maxSplits: 1)
                    if parts.count == 2 { headers[parts[0].lowercased()] = parts[1].trimmingCharacters(in: .whitespaces) }
                }
                let length = Int(headers["content-length"] ?? "0") ?? 0
                if data.count - end.upperBound >= length {
                    return Received(requestLine: head.first ?? "", headers: headers, body: data[end.upperBound...].prefix(length))
                }
            }
            let n = read(connection, &chunk, chunk.count)
            if n <= 0 { return Received(requestLine: "", headers: [:], body: data) }
            data.append(contentsOf: chunk[0..<n])
        }
    }
}
