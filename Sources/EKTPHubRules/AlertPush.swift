import EKTPDomain
import Foundation

/// Who asked to be told of alerts, and how (docs/hub.md, "Alerts to people"): a webhook
/// (its URL and the shared secret its requests are signed with) or e-mail addresses, the
/// regions covered, and whether only escalations.
public struct AlertSubscription: Sendable, Equatable {
    public enum Channel: Sendable, Equatable {
        case webhook(url: String, secret: String)
        case mail(to: [String])
    }

    public var channel: Channel
    /// Region code prefixes: `32.16` a kabupaten, `32.16.01` a kecamatan; empty: all.
    public var scope: [String]
    /// Only escalated alerts (`AlertMessage.escalated`): for people above the office.
    public var escalatedOnly: Bool

    public init(_ channel: Channel, scope: [String], escalatedOnly: Bool = false) {
        self.channel = channel
        self.scope = scope
        self.escalatedOnly = escalatedOnly
    }

    /// How logs name it: the URL, or the addresses.
    public var name: String {
        switch channel {
        case .webhook(let url, _): url
        case .mail(let to): "surel " + to.joined(separator: ",")
        }
    }

    public func wants(_ alert: AlertMessage) -> Bool {
        AlertScope.covers(scope, kecamatan: alert.kecamatanCode) && (alert.escalated || !escalatedOnly)
    }
}

/// Which regions a subscription covers: code prefixes (`32.16` a kabupaten, `32.16.01` a
/// kecamatan); none covers every region.
public enum AlertScope {
    public static func covers(_ scope: [String], kecamatan: String) -> Bool {
        scope.isEmpty || scope.contains { kecamatan == $0 || kecamatan.hasPrefix($0 + ".") }
    }
}

/// The JSON body of one alert pushed to a webhook.
public struct AlertMessage: Codable, Sendable, Equatable {
    public var kind: String
    /// The station it is about; none for a kecamatan's stock.
    public var stationId: String?
    public var kecamatanCode: String
    public var device: String?
    public var message: String
    /// When the station raised it, or since when the hub has seen the condition.
    public var at: Date
    /// Nobody took the station's alert on in time, or the hub found the condition itself
    /// (a station silent, a printer in error for long, stock running out, events missing).
    public var escalated: Bool
    /// Alerts of the same kind from the same station held back since the last one pushed
    /// (`AlertCoalescer`).
    public var heldBack: Int

    public init(
        kind: String, stationId: String?, kecamatanCode: String, device: String?, message: String, at: Date, escalated: Bool = false, heldBack: Int = 0
    ) {
        self.kind = kind
        self.stationId = stationId
        self.kecamatanCode = kecamatanCode
        self.device = device
        self.message = message
        self.at = at
        self.escalated = escalated
        self.heldBack = heldBack
    }

    /// Alerts count as the same for flooding when station (or kecamatan), kind and
    /// escalation are: an escalation is never held back by the alert it escalates.
    public var floodKey: String { "\(stationId ?? kecamatanCode) \(kind)\(escalated ? " escalated" : "")" }

    /// The e-mail subject: what and where, in a line.
    public var subject: String {
        "[ektp]\(escalated ? " [eskalasi]" : "") \(kind) \(stationId ?? kecamatanCode)"
    }
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

/// How often and how long a delivery is retried: after 1, 2, 4 … seconds, at most five
/// minutes apart, `attempts` tries in all (about ten minutes).
public enum AlertRetry {
    public static let attempts = 9

    /// The wait before try `attempt` (2 is the first retry).
    public static func delay(before attempt: Int) -> Duration {
        .seconds(min(300, 1 << min(max(attempt - 2, 0), 9)))
    }

    /// Whether a webhook's answer is worth trying again: the receiver failed or is
    /// overloaded; a 4xx other than 408/429 is a refusal that a retry will not change.
    public static func retries(httpStatus status: Int) -> Bool {
        status >= 500 || status == 408 || status == 429
    }

    /// Whether an SMTP reply is worth trying again: 4xx is transient by the protocol
    /// (RFC 5321 §4.2.1), 5xx permanent.
    public static func retries(smtpReply code: Int) -> Bool { (400..<500).contains(code) }
}
