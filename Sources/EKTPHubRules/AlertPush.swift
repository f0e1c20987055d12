import EKTPDomain
import Foundation

/// Who asked to be told of alerts, and how (docs/hub.md, "Alerts to people"): a webhook
/// URL, the shared secret its requests are signed with, and the regions it covers.
public struct WebhookSubscription: Codable, Sendable, Equatable {
    public var url: String
    public var secret: String
    /// Region code prefixes: `32.16` a kabupaten, `32.16.01` a kecamatan; empty: all.
    public var scope: [String]

    public init(url: String, secret: String, scope: [String]) {
        self.url = url
        self.secret = secret
        self.scope = scope
    }

    public func covers(kecamatan: String) -> Bool {
        scope.isEmpty || scope.contains { kecamatan == $0 || kecamatan.hasPrefix($0 + ".") }
    }
}

/// The JSON body of one alert pushed to a webhook.
public struct AlertMessage: Codable, Sendable, Equatable {
    public var kind: String
    public var stationId: String
    public var kecamatanCode: String
    public var device: String?
    public var message: String
    /// When the station raised it.
    public var at: Date
    /// Alerts of the same kind from the same station held back since the last one pushed
    /// (`AlertCoalescer`).
    public var heldBack: Int

    public init(kind: String, stationId: String, kecamatanCode: String, device: String?, message: String, at: Date, heldBack: Int = 0) {
        self.kind = kind
        self.stationId = stationId
        self.kecamatanCode = kecamatanCode
        self.device = device
        self.message = message
        self.at = at
        self.heldBack = heldBack
    }

    /// Alerts count as the same for flooding when station and kind are.
    public var floodKey: String { "\(stationId) \(kind)" }
}

/// No flooding: per subscription, one alert of a kind from a station per `window`; the
/// ones in between are counted and the count rides on the next one pushed.
public struct AlertCoalescer: Sendable {
    public let window: TimeInterval
    private var lastSent: [String: Date] = [:]
    private var heldBack: [String: Int] = [:]

    public init(window: TimeInterval) { self.window = window }

    /// The alert to push now (with the count held back before it), or nil to hold it back.
    public mutating func admit(_ alert: AlertMessage, now: Date) -> AlertMessage? {
        let key = alert.floodKey
        if let last = lastSent[key], now.timeIntervalSince(last) < window {
            heldBack[key, default: 0] += 1
            return nil
        }
        lastSent[key] = now
        var pushed = alert
        pushed.heldBack = heldBack.removeValue(forKey: key) ?? 0
        return pushed
    }
}

/// How often and how long a webhook is retried: after 1, 2, 4 … seconds, at most five
/// minutes apart, `attempts` tries in all (about ten minutes).
public enum WebhookRetry {
    public static let attempts = 9

    /// The wait before try `attempt` (2 is the first retry).
    public static func delay(before attempt: Int) -> Duration {
        .seconds(min(300, 1 << min(max(attempt - 2, 0), 9)))
    }

    /// Whether an answer is worth trying again: the receiver failed or is overloaded; a
    /// 4xx other than 408/429 is a refusal that a retry will not change.
    public static func retries(status: Int) -> Bool {
        status >= 500 || status == 408 || status == 429
    }
}
