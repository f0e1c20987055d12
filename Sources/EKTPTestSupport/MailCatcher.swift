import Foundation

/// A real SMTP server on loopback for tests and the demo: Debian's `aiosmtpd` (package
/// `python3-aiosmtpd`), which keeps every message it accepts in a Maildir and records the
/// envelope it was given (`X-MailFrom`, `X-RcptTo`). Written by other people from RFC
/// 5321, so a message it accepted is one a relay accepts.
public final class MailCatcher: Sendable {
    /// One message as the server stored it.
    public struct Mail: Sendable {
        public var headers: [String: String]
        /// The body, decoded from base64 when the message says so.
        public var text: String
        public var envelopeFrom: String { headers["x-mailfrom"] ?? "" }
        public var envelopeTo: [String] { (headers["x-rcptto"] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
    }

    public let port: Int
    public let maildir: String
    let child: Child

    public static var available: Bool { FileManager.default.fileExists(atPath: "/usr/lib/python3/dist-packages/aiosmtpd") }

    public init(directory: String) throws {
        port = try LoopbackPort.free()
        maildir = URL(fileURLWithPath: directory).appendingPathComponent("maildir").path
        child = Child(
            URL(fileURLWithPath: "/usr/bin/python3"), ["-m", "aiosmtpd", "-n", "-l", "127.0.0.1:\(port)", "-c", "aiosmtpd.handlers.Mailbox", maildir],
            log: URL(fileURLWithPath: directory).appendingPathComponent("aiosmtpd.log").path)
    }

    /// `127.0.0.1:PORT`, for `EKTP_HUB_SMTP`.
    public var relay: String { "127.0.0.1:\(port)" }

    public func start() async throws {
        guard Self.available else { throw HarnessError("aiosmtpd tidak terpasang (apt-get install python3-aiosmtpd; scripts/install-deps.sh)") }
        try child.start()
        for _ in 0..<200 {
            if !LoopbackPort.canBind(port) { return }  // bound: listening
            guard child.isRunning else { throw HarnessError("aiosmtpd berhenti saat mulai:\n\(child.tail())") }
            try await Task.sleep(for: .milliseconds(25))
        }
        throw HarnessError("aiosmtpd tidak menjawab di \(relay)")
    }

    public func stop() { child.stop() }

    /// Every message received, oldest first.
    public func messages() -> [Mail] {
        let folder = URL(fileURLWithPath: maildir).appendingPathComponent("new")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.sorted().compactMap { name in
            guard let raw = try? String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8) else { return nil }
            return Self.parse(raw)
        }
    }

    /// Waits until `count` messages arrived, or fails after `seconds`.
    public func waitFor(_ count: Int, seconds: Double = 30, where wanted: (Mail) -> Bool = { _ in true }) async throws -> [Mail] {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            let got = messages().filter(wanted)
            if got.count >= count { return got }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw HarnessError("server SMTP: \(messages().filter(wanted).count) dari \(count) surel diterima dalam \(Int(seconds)) detik")
    }

    static func parse(_ raw: String) -> Mail {
        let text = raw.replacingOccurrences(of: "\r\n", with: "\n")
        let parts = text.components(separatedBy: "\n\n")
        var headers: [String: String] = [:]
        var last: String?
        for line in parts[0].split(separator: "\n", omittingEmptySubsequences: false) {
            if line.first == " " || line.first == "\t", let key = last {
                headers[key, default: ""] += " " + line.trimmingCharacters(in: .whitespaces)
            } else if let colon = line.firstIndex(of: ":") {
                let key = line[..<colon].lowercased()
                headers[key] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                last = key
            }
        }
        var body = parts.dropFirst().joined(separator: "\n\n")
        if headers["content-transfer-encoding"]?.lowercased() == "base64", let data = Data(base64Encoded: body, options: .ignoreUnknownCharacters) {
            body = String(decoding: data, as: UTF8.self)
        }
        return Mail(headers: headers, text: body)
    }

    /// The decoded `Subject:` (RFC 2047 `=?UTF-8?B?…?=` words).
    public static func subject(_ mail: Mail) -> String {
        let raw = mail.headers["subject"] ?? ""
        guard raw.hasPrefix("=?UTF-8?B?"), raw.hasSuffix("?=") else { return raw }
        let encoded = raw.dropFirst("=?UTF-8?B?".count).dropLast(2)
        return Data(base64Encoded: String(encoded)).map { String(decoding: $0, as: UTF8.self) } ?? raw
    }
}
