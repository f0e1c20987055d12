import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Unix-domain sockets by path: systemd's notification socket, and the line protocol of a
/// test chip's field (`scripts/chip/ektp-test-card`).
public enum UnixSocket {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// The address of `path` and its length; an abstract socket is written with a leading
    /// "@". Nil when the path does not fit.
    public static func address(_ path: String) -> (sockaddr_un, socklen_t)? {
        var bytes = Array(path.utf8)
        if bytes.first == UInt8(ascii: "@") { bytes[0] = 0 }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { return nil }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in raw.copyBytes(from: bytes) }
        return (address, socklen_t(MemoryLayout<sa_family_t>.size + bytes.count))
    }

    /// Connects to the stream socket at `path`, writes `line` and a newline, and returns the
    /// first line answered (without its newline).
    public static func exchangeLine(_ path: String, _ line: String) throws(Failure) -> String {
        guard var (address, length) = address(path) else { throw Failure(description: "jalur soket terlalu panjang: \(path)") }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let connected = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, length) } }
        guard connected == 0 else { throw Failure(description: "\(path): \(String(cString: strerror(errno)))") }
        let out = Array((line + "\n").utf8)
        guard send(fd, out, out.count, Int32(MSG_NOSIGNAL)) == out.count else { throw Failure(description: "\(path): tulis gagal") }
        var reply: [UInt8] = []
        var byte: UInt8 = 0
        while recv(fd, &byte, 1, 0) == 1, byte != 0x0A { reply.append(byte) }
        return String(decoding: reply, as: UTF8.self)
    }
}
