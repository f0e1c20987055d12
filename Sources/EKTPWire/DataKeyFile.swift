@preconcurrency import Crypto
import Foundation

/// A data key (the station's `ektpd.key`, the hub's `hub-data.key`): a file of 32 random
/// bytes created with mode 0600 on first use; refused when others can read it.
public enum DataKeyFile {
    public struct Problem: Error, CustomStringConvertible {
        public let description: String
    }

    /// Reads the key, or creates it if the file does not exist. Refuses a key file that
    /// others can read.
    public static func loadOrCreate(path: String) throws -> SymmetricKey {
        if FileManager.default.fileExists(atPath: path) {
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            if let mode = attributes[.posixPermissions] as? Int, mode & 0o077 != 0 {
                throw Problem(description: "berkas kunci \(path) bisa dibaca pengguna lain (mode \(String(mode, radix: 8))); jalankan chmod 600")
            }
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            guard data.count == 32 else { throw Problem(description: "berkas kunci \(path) rusak (\(data.count) byte, seharusnya 32)") }
            return SymmetricKey(data: data)
        }
        let key = SymmetricKey(size: .bits256)
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else { throw Problem(description: "tidak bisa membuat berkas kunci \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let bytes = key.withUnsafeBytes { Array($0) }
        guard write(fd, bytes, bytes.count) == bytes.count, fsync(fd) == 0 else {
            throw Problem(description: "tidak bisa menulis berkas kunci \(path)")
        }
        return key
    }
}
