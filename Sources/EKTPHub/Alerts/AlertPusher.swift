import AsyncHTTPClient
import Crypto
import EKTPDomain
import EKTPHubRules
import EKTPInstall
import EKTPWire
import Foundation
import Logging
import NIOCore

/// Pushes alerts to the people who asked for them (`HubConfig.alertSubscribers`;
/// docs/hub.md, "Alerts to people"): to a webhook one JSON POST per alert (`AlertMessage`),
/// signed `X-EKTP-Signature: sha256=HEX` (HMAC-SHA256 of `TIMESTAMP.BODY` under the shared
/// secret, the timestamp in `X-EKTP-Timestamp`); to e-mail addresses one message through
/// the SMTP relay (`AlertMail`). Both retried with backoff (`AlertRetry`), never more than
/// one of a kind from a station per window (`AlertCoalescer`). Delivery runs beside the
/// work that found the alert and never fails it.
public actor AlertPusher {
    /// Where e-mail goes out, and as whom.
    public struct Mail: Sendable {
        let client: SMTPClient
        let from: String

        public init(relay: HostPort, from: String) {
            let host = ProcessInfo.processInfo.hostName
            self.client = SMTPClient(relay: relay, heloName: host.isEmpty ? "ektp-hub" : host)
            self.from = from
        }
    }

    let subscriptions: [AlertSubscription]
    let mail: Mail?
    let logger: Logger
    let http: HTTPClient
    private var coalescers: [Int: AlertCoalescer] = [:]
    let window: TimeInterval

    public init(subscriptions: [AlertSubscription], mail: Mail? = nil, window: TimeInterval = 600, logger: Logger, http: HTTPClient = .shared) {
        self.subscriptions = subscriptions
        self.mail = mail
        self.window = window
        self.logger = logger
        self.http = http
    }

    /// Pushes `alerts` to every subscription that wants them.
    public func push(_ alerts: [AlertMessage], now: Date) {
        guard !alerts.isEmpty else { return }
        for (index, subscription) in subscriptions.enumerated() {
            var coalescer = coalescers[index] ?? AlertCoalescer(window: window)
            for alert in alerts where subscription.wants(alert) {
                guard let message = coalescer.admit(alert, now: now) else { continue }
                Task { await self.deliver(message, to: subscription) }
            }
            coalescers[index] = coalescer
        }
    }

    func deliver(_ alert: AlertMessage, to subscription: AlertSubscription) async {
        var lastProblem = ""
        for attempt in 1...AlertRetry.attempts {
            if attempt > 1 { try? await Task.sleep(for: AlertRetry.delay(before: attempt)) }
            let outcome: Outcome
            switch subscription.channel {
            case .webhook(let url, let secret): outcome = await post(alert, url: url, secret: secret)
            case .mail(let to): outcome = await send(alert, to: to)
            }
            switch outcome {
            case .delivered: return
            case .retry(let problem): lastProblem = problem
            case .refused(let problem):
                logger.error("\(subscription.name): peringatan \(alert.kind) dari \(alert.stationId ?? alert.kecamatanCode) ditolak (\(problem))")
                return
            }
            logger.info("\(subscription.name): percobaan \(attempt) gagal (\(lastProblem)); dicoba lagi")
        }
        logger.error("\(subscription.name): peringatan \(alert.kind) dari \(alert.stationId ?? alert.kecamatanCode) tidak terkirim (\(lastProblem))")
    }

    enum Outcome {
        case delivered
        case retry(String)
        case refused(String)
    }

    func post(_ alert: AlertMessage, url: String, secret: String) async -> Outcome {
        let body: Data
        do { body = try WireCoding.encoder().encode(alert) } catch { return .refused("\(error)") }
        let timestamp = Int(Date().timeIntervalSince1970)
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "ektp-hub")
        request.headers.add(name: "X-EKTP-Timestamp", value: String(timestamp))
        request.headers.add(name: "X-EKTP-Signature", value: Self.signature(body: body, timestamp: timestamp, secret: secret))
        request.body = .bytes(ByteBuffer(bytes: body))
        do {
            let response = try await http.execute(request, timeout: .seconds(10))
            _ = try? await response.body.collect(upTo: 64 * 1024)
            let status = Int(response.status.code)
            if (200..<300).contains(status) { return .delivered }
            return AlertRetry.retries(httpStatus: status) ? .retry("HTTP \(status)") : .refused("HTTP \(status)")
        } catch {
            return .retry("\(error)")
        }
    }

    func send(_ alert: AlertMessage, to: [String]) async -> Outcome {
        guard let mail else { return .refused("EKTP_HUB_SMTP belum diatur") }
        let message = AlertMail.message(alert, from: mail.from, to: to, date: Date(), messageID: "\(UUID().uuidString.lowercased())@ektp-hub")
        do {
            try await mail.client.send(from: mail.from, to: to, message: message)
            return .delivered
        } catch let refusal as SMTPClient.Refusal {
            return refusal.transient ? .retry(refusal.description) : .refused(refusal.description)
        } catch {
            return .retry("\(error)")
        }
    }

    /// `sha256=HEX` of HMAC-SHA256(`secret`, `TIMESTAMP.BODY`): a receiver recomputes it to
    /// know the hub sent the body, and refuses an old timestamp to stop a replay.
    public static func signature(body: Data, timestamp: Int, secret: String) -> String {
        var message = Data("\(timestamp).".utf8)
        message.append(body)
        let mac = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: Data(secret.utf8)))
        return "sha256=" + Hex.encode(Data(mac))
    }
}
