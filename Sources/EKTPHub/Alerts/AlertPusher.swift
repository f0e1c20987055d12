import AsyncHTTPClient
import Crypto
import EKTPHubRules
import EKTPWire
import Foundation
import Logging
import NIOCore

/// Pushes station alerts to the webhooks that asked for them (`HubConfig.webhooks`;
/// docs/hub.md, "Alerts to people"): one JSON POST per alert (`AlertMessage`), signed
/// `X-EKTP-Signature: sha256=HEX` (HMAC-SHA256 of `TIMESTAMP.BODY` under the shared secret,
/// the timestamp in `X-EKTP-Timestamp`), retried with backoff (`WebhookRetry`), never more
/// than one of a kind from a station per window (`AlertCoalescer`). Delivery runs beside
/// the request that brought the alert and never fails it.
public actor AlertPusher {
    let subscriptions: [WebhookSubscription]
    let logger: Logger
    let http: HTTPClient
    private var coalescers: [String: AlertCoalescer] = [:]
    let window: TimeInterval

    public init(subscriptions: [WebhookSubscription], window: TimeInterval = 600, logger: Logger, http: HTTPClient = .shared) {
        self.subscriptions = subscriptions
        self.window = window
        self.logger = logger
        self.http = http
    }

    /// Pushes `alerts` to every subscription covering their kecamatan.
    public func push(_ alerts: [AlertMessage], now: Date) {
        for subscription in subscriptions {
            var coalescer = coalescers[subscription.url] ?? AlertCoalescer(window: window)
            for alert in alerts where subscription.covers(kecamatan: alert.kecamatanCode) {
                guard let message = coalescer.admit(alert, now: now) else { continue }
                Task { await self.deliver(message, to: subscription) }
            }
            coalescers[subscription.url] = coalescer
        }
    }

    func deliver(_ alert: AlertMessage, to subscription: WebhookSubscription) async {
        let body: Data
        do { body = try WireCoding.encoder().encode(alert) } catch { return }
        var lastProblem = ""
        for attempt in 1...WebhookRetry.attempts {
            if attempt > 1 { try? await Task.sleep(for: WebhookRetry.delay(before: attempt)) }
            let timestamp = Int(Date().timeIntervalSince1970)
            var request = HTTPClientRequest(url: subscription.url)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.headers.add(name: "User-Agent", value: "ektp-hub")
            request.headers.add(name: "X-EKTP-Timestamp", value: String(timestamp))
            request.headers.add(name: "X-EKTP-Signature", value: Self.signature(body: body, timestamp: timestamp, secret: subscription.secret))
            request.body = .bytes(ByteBuffer(bytes: body))
            do {
                let response = try await http.execute(request, timeout: .seconds(10))
                _ = try? await response.body.collect(upTo: 64 * 1024)
                let status = Int(response.status.code)
                if (200..<300).contains(status) { return }
                lastProblem = "HTTP \(status)"
                guard WebhookRetry.retries(status: status) else { break }
            } catch {
                lastProblem = "\(error)"
            }
            logger.info("webhook \(subscription.url): percobaan \(attempt) gagal (\(lastProblem)); dicoba lagi")
        }
        logger.error("webhook \(subscription.url): peringatan \(alert.kind) dari \(alert.stationId) tidak terkirim (\(lastProblem))")
    }

    /// `sha256=HEX` of HMAC-SHA256(`secret`, `TIMESTAMP.BODY`): a receiver recomputes it to
    /// know the hub sent the body, and refuses an old timestamp to stop a replay.
    public static func signature(body: Data, timestamp: Int, secret: String) -> String {
        var message = Data("\(timestamp).".utf8)
        message.append(body)
        let mac = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: Data(secret.utf8)))
        return "sha256=" + Data(mac).map { String(format: "%02x", $0) }.joined()
    }
}
