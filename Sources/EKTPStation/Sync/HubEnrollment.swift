import EKTPWire
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// What enrollment gave this station: where the hub is, who the station is there, and
/// its credential. Kept in `hub.json` in the state directory, mode 0600, written
/// atomically; the hub stores only the credential's hash.
public struct HubEnrollment: Codable, Sendable, Equatable {
    public var hubURL: String
    public var stationId: String
    public var kecamatanCode: String
    public var credential: String
    public var caFile: String?
    public var allowPlainHTTP: Bool
    /// The first event sequence number sent under this credential.
    public var firstSeq: Int64
    public var enrolledAt: Date

    static func path(in stateDirectory: String) -> String { stateDirectory + "/hub.json" }

    /// The enrollment in `stateDirectory`, nil when the station has not enrolled. Refuses
    /// a file others can read: it holds a credential.
    static func load(stateDirectory: String) throws -> HubEnrollment? {
        let path = path(in: stateDirectory)
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        if let mode = attributes[.posixPermissions] as? Int, mode & 0o077 != 0 {
            throw SyncProblem("berkas kredensial \(path) bisa dibaca pengguna lain (mode \(String(mode, radix: 8))); jalankan chmod 600")
        }
        do {
            return try WireCoding.decoder().decode(HubEnrollment.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw SyncProblem("berkas kredensial \(path) rusak: \(error)")
        }
    }

    /// Writes the enrollment: a temporary file created 0600, synced, then renamed over the old one.
    func save(stateDirectory: String) throws {
        let path = Self.path(in: stateDirectory)
        let temporary = path + ".new"
        let data = try WireCoding.encoder().encode(self)
        unlink(temporary)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else { throw SyncProblem("tidak bisa membuat \(temporary): \(String(cString: strerror(errno)))") }
        let written = data.withUnsafeBytes { write(fd, $0.baseAddress, data.count) }
        let synced = fsync(fd)
        close(fd)
        guard written == data.count, synced == 0, rename(temporary, path) == 0 else {
            unlink(temporary)
            throw SyncProblem("tidak bisa menulis berkas kredensial \(path)")
        }
    }
}

/// Where the hub may be reached: `https://`, or `http://` only on loopback or when the
/// operator says so explicitly (a credential must not cross a LAN in clear).
enum HubAddress {
    static func check(_ text: String, allowPlainHTTP: Bool) throws -> String {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), let host = url.host, !host.isEmpty else {
            throw SyncProblem("alamat hub \"\(text.prefix(80))\" bukan URL (contoh: https://hub.dukcapil.example)")
        }
        guard url.query == nil, url.fragment == nil else { throw SyncProblem("alamat hub tidak boleh berisi ? atau #") }
        switch scheme {
        case "https": break
        case "http":
            guard Self.isLoopback(host) || allowPlainHTTP else {
                throw SyncProblem(
                    "alamat hub memakai http:// ke \(host): kredensial akan terkirim tanpa enkripsi. Pakai https://, atau --allow-plain-http bila memang disengaja"
                )
            }
        default:
            throw SyncProblem("alamat hub harus https:// (atau http:// di loopback), bukan \(scheme)://")
        }
        var normalized = text
        while normalized.hasSuffix("/") { normalized.removeLast() }
        return normalized
    }

    /// Whether `host` is this machine: `localhost`, or an address that parses as an IPv4
    /// address in 127.0.0.0/8 or the IPv6 `::1` — the parsed address, never a prefix of the
    /// name (`127.0.0.1.example.invalid` is a name on someone's DNS).
    static func isLoopback(_ host: String) -> Bool {
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        if bare.lowercased() == "localhost" { return true }
        var v4 = in_addr()
        if inet_pton(AF_INET, bare, &v4) == 1 { return UInt32(bigEndian: v4.s_addr) >> 24 == 127 }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, bare, &v6) == 1 {
            return withUnsafeBytes(of: &v6) { bytes in bytes.prefix(15).allSatisfy { $0 == 0 } && bytes[15] == 1 }
        }
        return false
    }
}

/// A sync error for a person to read.
public struct SyncProblem: Error, CustomStringConvertible {
    public let description: String
    /// The hub could not be reached (as opposed to a request refused by it or by the station).
    public let hubUnreachable: Bool
    init(_ description: String, hubUnreachable: Bool = false) {
        self.description = description
        self.hubUnreachable = hubUnreachable
    }
}
