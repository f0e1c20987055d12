import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Loopback TCP ports for the servers the tests, the benchmarks and the demo start.
public enum LoopbackPort {
    /// Ports handed out in this process: never the same one twice, since a port is given
    /// long before the daemon binds it.
    private static let handedOut = Mutex<Set<Int>>([])

    /// A port nobody listens on right now, below the kernel's ephemeral range (32768 and
    /// up), where every outgoing connection takes its local port: a port picked here stays
    /// free until the daemon that is given it binds it, even when that is a restart minutes
    /// later.
    public static func free() throws -> Int {
        for _ in 0..<200 {
            let port = Int.random(in: 20_000..<32_000)
            guard handedOut.withLock({ $0.insert(port).inserted }) else { continue }
            if canBind(port) { return port }
        }
        throw HarnessError("tidak ada port bebas di 127.0.0.1")
    }

    /// `count` different free ports.
    public static func free(_ count: Int) throws -> [Int] {
        try (0..<count).map { _ in try free() }
    }

    static func canBind(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return withAddress(port) { bind(fd, $0, $1) } == 0
    }

    /// A TCP socket connected to 127.0.0.1:`port` (the caller closes it), or nil when
    /// nothing accepts there.
    public static func connect(_ port: Int) -> Int32? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        guard withAddress(port, { Glibc.connect(fd, $0, $1) }) == 0 else {
            close(fd)
            return nil
        }
        return fd
    }

    /// Calls `body` with the address 127.0.0.1:`port` and its length.
    static func withAddress<T>(_ port: Int, _ body: (UnsafePointer<sockaddr>, socklen_t) -> T) -> T {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
    }
}

/// Why a harness could not set up what a test or benchmark needs.
public struct HarnessError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// The executables of this package, as `swift build` left them.
public enum BuiltExecutable {
    /// `name` beside the running program (a test bundle, the demo, the bench) or in
    /// `.build/debug` of the working directory.
    public static func locate(_ name: String) throws -> URL {
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        let fallback = URL(fileURLWithPath: FileManager.default.currentDirectoryPath + "/.build/debug/" + name)
        guard FileManager.default.isExecutableFile(atPath: fallback.path) else { throw HarnessError("\(name) belum dibangun (swift build)") }
        return fallback
    }
}
