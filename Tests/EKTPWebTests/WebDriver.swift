import AsyncHTTPClient
import EKTPTestSupport
import Foundation
import NIOCore
import NIOHTTP1

#if canImport(Glibc)
    import Glibc
#endif

/// A real headless Chromium driven through chromedriver over the W3C WebDriver protocol
/// (JSON over HTTP on loopback). Debian's `chromium` and `chromium-driver` packages;
/// `scripts/install-deps.sh` installs them.
final class Browser: @unchecked Sendable {
    struct Failure: Error, CustomStringConvertible { let description: String }

    static let chromium = "/usr/bin/chromium"
    static let chromedriver = "/usr/bin/chromedriver"
    static let elementKey = "element-6066-11e4-a52e-4f735466cecf"

    let process: Process
    let base: String
    let http: HTTPClient
    let profile: URL
    var session = ""

    /// Starts chromedriver on a free loopback port and opens one browser session.
    init(width: Int = 1280, height: Int = 1000) async throws {
        for path in [Self.chromium, Self.chromedriver] where !FileManager.default.isExecutableFile(atPath: path) {
            throw Failure(description: "\(path) tidak ada: jalankan scripts/install-deps.sh (paket chromium dan chromium-driver)")
        }
        let port = try LoopbackPort.free()
        base = "http://127.0.0.1:\(port)"
        profile = FileManager.default.temporaryDirectory.appendingPathComponent("ektp-chromium-\(UUID().uuidString)")
        process = Process()
        process.executableURL = URL(fileURLWithPath: Self.chromedriver)
        process.arguments = ["--port=\(port)", "--allowed-ips=127.0.0.1"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        var configuration = HTTPClient.Configuration()
        // While chromedriver starts, a refused connection must fail at once, not be retried
        // until the request's deadline.
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout = .init(connect: .seconds(2), read: .seconds(60))
        http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        var ready = false
        for _ in 0..<100 {
            if let status = try? await call("GET", "/status"), ((status["value"] as? [String: Any])?["ready"] as? Bool) == true {
                ready = true
                break
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        guard ready else {
            try? await close()
            throw Failure(description: "chromedriver tidak siap di \(base)")
        }
        let capabilities: [String: Any] = [
            "capabilities": [
                "alwaysMatch": [
                    "browserName": "chrome",
                    "goog:chromeOptions": [
                        "binary": Self.chromium,
                        "args": [
                            "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=\(width),\(height)",
                            "--user-data-dir=\(profile.path)", "--lang=id-ID", "--no-first-run", "--disable-extensions",
                        ],
                    ],
                ]
            ]
        ]
        do {
            let created = try await call("POST", "/session", capabilities)
            guard let value = created["value"] as? [String: Any], let id = value["sessionId"] as? String else {
                throw Failure(description: "chromedriver tidak memberi sesi: \(created)")
            }
            session = id
        } catch {
            try? await close()
            throw error
        }
    }

    /// Ends the browser session and chromedriver.
    func close() async throws {
        if !session.isEmpty { _ = try? await call("DELETE", "/session/\(session)") }
        // chromedriver's own way out, then SIGTERM, then SIGKILL: no driver outlives the test.
        _ = try? await call("GET", "/shutdown")
        let pid = process.processIdentifier
        for signal in [SIGTERM, SIGKILL] where Glibc.kill(pid, 0) == 0 {
            _ = Glibc.kill(pid, signal)
            for _ in 0..<30 where process.isRunning { try? await Task.sleep(for: .milliseconds(100)) }
        }
        try? FileManager.default.removeItem(at: profile)
        try await http.shutdown()
    }

    // MARK: Commands

    func go(_ url: String) async throws { _ = try await command("POST", "url", ["url": url]) }
    var url: String { get async throws { try await command("GET", "url") as? String ?? "" } }
    var title: String { get async throws { try await command("GET", "title") as? String ?? "" } }

    func find(_ css: String) async throws -> String {
        let value = try await command("POST", "element", ["using": "css selector", "value": css])
        guard let element = (value as? [String: Any])?[Self.elementKey] as? String else { throw Failure(description: "tidak ada elemen \(css)") }
        return element
    }

    func count(_ css: String) async throws -> Int {
        (try await command("POST", "elements", ["using": "css selector", "value": css]) as? [Any])?.count ?? 0
    }

    func type(_ css: String, _ text: String) async throws {
        let e = try await find(css)
        _ = try await command("POST", "element/\(e)/clear", [:])
        _ = try await command("POST", "element/\(e)/value", ["text": text])
    }

    func click(_ css: String) async throws {
        let e = try await find(css)
        _ = try await command("POST", "element/\(e)/click", [:])
    }

    func text(_ css: String) async throws -> String {
        let e = try await find(css)
        return try await command("GET", "element/\(e)/text") as? String ?? ""
    }

    func script(_ source: String) async throws -> Any? {
        try await command("POST", "execute/sync", ["script": source, "args": [Any]()])
    }

    /// Waits until `condition` holds, polling; fails after `seconds`.
    func waitUntil(_ what: String, seconds: Double = 15, _ condition: () async throws -> Bool) async throws {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if (try? await condition()) == true { return }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw Failure(description: "menunggu terlalu lama: \(what)")
    }

    /// A PNG of the whole page (the window grown to the page's height first).
    func screenshot(to file: URL) async throws {
        let height = (try await script("return Math.min(document.documentElement.scrollHeight, 4000);") as? Int) ?? 1000
        let width = (try await script("return window.outerWidth;") as? Int) ?? 1280
        _ = try await command("POST", "window/rect", ["width": width, "height": max(height + 120, 600)])
        guard let base64 = try await command("GET", "screenshot") as? String, let png = Data(base64Encoded: base64) else {
            throw Failure(description: "tangkapan layar gagal")
        }
        try png.write(to: file)
        _ = try await command("POST", "window/rect", ["width": width, "height": 1000])
    }

    // MARK: Transport

    func command(_ method: String, _ path: String, _ body: [String: Any]? = nil) async throws -> Any? {
        try await call(method, "/session/\(session)/\(path)", body)["value"] ?? nil
    }

    @discardableResult
    func call(_ method: String, _ path: String, _ body: [String: Any]? = nil) async throws -> [String: Any] {
        var request = HTTPClientRequest(url: base + path)
        request.method = HTTPMethod(rawValue: method)
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: body)))
        } else if method == "POST" {
            request.body = .bytes(ByteBuffer(string: "{}"))
        }
        let response = try await http.execute(request, timeout: .seconds(60))
        let data = Data(buffer: try await response.body.collect(upTo: 64 * 1024 * 1024))
        let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
        if response.status.code >= 400 {
            throw Failure(description: "WebDriver \(method) \(path): \(response.status.code) \(String(decoding: data.prefix(500), as: UTF8.self))")
        }
        return json
    }

    /// A loopback port nobody listens on now.
}
