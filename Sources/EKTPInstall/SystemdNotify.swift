import Foundation

/// Tells systemd about the service (`Type=notify`): `READY=1` once the daemon really
/// serves, `STOPPING=1` on the way out. Without `NOTIFY_SOCKET` (not started by systemd)
/// it does nothing.
public enum SystemdNotify {
    public static func ready(status: String? = nil) { send("READY=1" + (status.map { "\nSTATUS=\($0)" } ?? "")) }
    public static func stopping() { send("STOPPING=1") }

    static func send(_ message: String) {
        guard let path = ProcessInfo.processInfo.environment["NOTIFY_SOCKET"], !path.isEmpty, var (address, length) = UnixSocket.address(path) else {
            return
        }
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return }
        defer { close(fd) }
        _ = message.withCString { text in
            withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(fd, text, strlen(text), 0, $0, length) }
            }
        }
    }
}
