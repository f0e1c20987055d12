import Foundation

/// Where the hub reads the time for leases, freshness and alerts. Production uses the
/// system clock; tests move a manual one forward instead of sleeping.
public typealias HubClock = @Sendable () -> Date

public enum HubClocks {
    public static let system: HubClock = { Date() }
}
