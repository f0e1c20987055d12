import Crypto
import EKTPDomain
import Foundation
import Hummingbird
import Logging
import Synchronization

/// A webhook receiver on loopback, as a regional office would run one: it records every
/// POST it gets (headers and body), checks the hub's signature with the shared secret, and
/// answers 500 to the first `failFirst` requests so that retries are seen.
public final class WebhookReceiver: Sendable {
    public struct Delivery: Sendable {
        public var timestamp: String
        public var signature: String
        public var body: Data
        /// Whether `signature` is the HMAC-SHA256 of `TIMESTAMP.BODY` under the secret.
        public var signed: Bool
    }

    public let port: Int
    public let secret: String
    public var url: String { "http://127.0.0.1:\(port)/peringatan" }
    private let state: Mutex<(deliveries: [Delivery], refused: Int, failFirst: Int)>
    private let server: Mutex<Task<Void, Error>?> = Mutex(nil)

    public init(secret: String, failFirst: Int = 0) throws {
        self.port = try LoopbackPort.free()
        self.secret = secret
        self.state = Mutex(([], 0, failFirst))
    }

    /// Everything received and answered 2xx, in order.
    public var deliveries: [Delivery] { state.withLock { $0.deliveries } }
    /// Requests answered 500 on purpose.
    public var refused: Int { state.withLock { $0.refused } }

    public func start() async throws {
        let router = Router()
        let secret = secret
        router.post("peringatan") { [self] request, _ -> Response in
            let body = Data(buffer: try await request.body.collect(upTo: 1 << 20))
            let timestamp = request.headers[.init("X-EKTP-Timestamp")!] ?? ""
            let signature = request.headers[.init("X-EKTP-Signature")!] ?? ""
            let refuse = state.withLock { s -> Bool in
                if s.failFirst > 0 {
                    s.failFirst -= 1
                    s.refused += 1
                    return true
                }
                s.deliveries.append(
                    Delivery(timestamp: timestamp, signature: signature, body: body, signed: Self.sign(body, timestamp: timestamp, secret: secret) == signature)
                )
                return false
            }
            return Response(status: refuse ? .internalServerError : .noContent)
        }
        let (ready, continuation) = AsyncStream<Void>.makeStream()
        var logger = Logger(label: "ektp-webhook-receiver")
        logger.logLevel = .critical
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)),
            onServerRunning: { _ in continuation.yield() }, logger: logger)
        server.withLock {
            $0 = Task {
                defer { continuation.finish() }
                try await app.runService(gracefulShutdownSignals: [])
            }
        }
        // A server that could not listen ends the stream without a value: refused, not a hang.
        for await _ in ready { return }
        throw HarnessError("penerima webhook tidak bisa mendengarkan di 127.0.0.1:\(port)")
    }

    public func stop() { server.withLock { $0?.cancel() } }

    /// This receiver as one entry of the hub's subscribers file (`EKTP_HUB_ALERT_SUBSCRIBERS`)
    /// covering `scope`, its secret written to a file of its own in `directory`.
    public func subscriber(scope: String, secretIn directory: String) throws -> String {
        let secretFile = URL(fileURLWithPath: directory).appendingPathComponent("webhook-\(port).secret").path
        try secret.write(toFile: secretFile, atomically: true, encoding: .utf8)
        return #"{"url": "\#(url)", "secretFile": "\#(secretFile)", "scope": ["\#(scope)"]}"#
    }

    /// What the hub must have sent as `X-EKTP-Signature`.
    public static func sign(_ body: Data, timestamp: String, secret: String) -> String {
        var message = Data("\(timestamp).".utf8)
        message.append(body)
        let mac = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: Data(secret.utf8)))
        return "sha256=" + Hex.encode(Data(mac))
    }

    /// Waits until `count` deliveries arrived, or fails after `seconds`.
    public func waitFor(_ count: Int, seconds: Double = 30) async throws -> [Delivery] {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            let got = deliveries
            if got.count >= count { return got }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw HarnessError("penerima webhook: \(deliveries.count) dari \(count) peringatan diterima dalam \(Int(seconds)) detik")
    }
}
