import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// One daemon per state directory: an exclusive `flock` on `ektpd.lock`, held for the
/// daemon's life (the kernel lets it go when the process ends, however it ends). The file
/// holds the holder's pid, so a second start names the first.
public final class StateDirectoryLock: Sendable {
    public struct Held: Error, CustomStringConvertible {
        public let description: String
    }

    public let path: String
    private let fd: Int32

    public init(directory: String) throws {
        path = directory + "/ektpd.lock"
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw Held(description: "berkas kunci folder \(path) tidak bisa dibuka: \(String(cString: strerror(errno)))") }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            var buffer = [UInt8](repeating: 0, count: 32)
            let n = pread(fd, &buffer, buffer.count, 0)
            close(fd)
            let pid = n > 0 ? String(decoding: buffer.prefix(n), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) : "?"
            throw Held(
                description:
                    "ektpd lain (pid \(pid)) sudah berjalan dengan folder data \(directory); hanya satu ektpd boleh memakainya. Hentikan yang lain dulu (systemctl stop ektpd), atau pakai folder data lain"
            )
        }
        let text = Array("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = pwrite(fd, text, text.count, 0)
        self.fd = fd
    }

    deinit { close(fd) }
}
