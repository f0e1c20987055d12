import EKTPDomain
import EKTPHubRules
import EKTPWire
import Foundation

/// The central office's views, computed from the store's facts at the hub's clock.
extension Hub {
    public func freshness(of station: StationRecord, now: Date) -> Freshness {
        guard let last = station.lastHeartbeatAt else { return .offline }
        let age = now.timeIntervalSince(last)
        if age <= Double(config.staleAfterSeconds) { return .online }
        if age <= Double(config.offlineAfterSeconds) { return .stale }
        return .offline
    }

    public func stationViews() async throws -> [StationView] {
        let now = clock()
        return try await store.stations().map { s in
            StationView(
                id: s.id, name: s.name, kecamatanCode: s.kecamatanCode, kecamatanName: regions.kecamatan(s.kecamatanCode)?.name,
                freshness: s.revokedAt == nil ? freshness(of: s, now: now) : .offline, lastHeartbeatAt: s.lastHeartbeatAt,
                lastSeenAt: s.lastSeenAt, enrolledAt: s.enrolledAt, revoked: s.revokedAt != nil, firstSeq: s.firstSeq, highestSeq: s.highestSeq,
                heldJobs: s.heldJobs ?? 0, outboxBacklog: s.outboxBacklog, stopped: s.stopped, version: s.version)
        }
    }

    public func deviceViews() async throws -> [DeviceView] { try await store.devices() }

    /// The kabupaten's monthly blangko roll-up (`KabupatenRollUp`): each kecamatan's report
    /// from its stations' ledger events.
    public func kabupatenRollUp(_ code: String, month: String) async throws -> KabupatenRollUp {
        guard let region = regions.region(code), region.level == .kabupatenKota else {
            throw HubError(.invalid, "kode kabupaten/kota \(code.prefix(20)) tidak ada dalam daftar Kemendagri")
        }
        do { return try KabupatenRollUp.build(kabupaten: code, month: month, movements: try await store.ledgerMovements(kabupaten: code)) } catch let e
            as KabupatenRollUp.Invalid
        { throw HubError(.invalid, e.description) }
    }

    /// Stock per kecamatan by `StockForecast`, the definition the stations' pages use, and
    /// per kabupaten. Every kecamatan of a kabupaten the hub serves (one with a station, stock
    /// or jobs) is listed, those with no station or no stock included: they are where
    /// blangko or a station is missing.
    public func stockOverview() async throws -> StockOverview {
        let now = clock()
        // From the earliest of the three zones' windows: each office's window is then in.
        let facts = try await store.stockFacts(consumedSince: OfficeZone.allCases.map { StockForecast.windowStart(now, zone: $0) }.min()!)
        var backlog: [String: Int] = [:]
        for row in try await store.backlog() { backlog[row.kecamatanCode, default: 0] += row.waiting + row.atStation }
        var stations: [String: Int] = [:]
        for s in try await store.stations() where s.revokedAt == nil { stations[s.kecamatanCode, default: 0] += 1 }
        let known = Set(facts.balances.keys).union(facts.consumed.keys).union(facts.reportedOnHand.keys).union(backlog.keys).union(stations.keys)
        let served = Set(known.map { String($0.prefix(5)) })
        let codes = known.union(served.flatMap { regions.kecamatan(under: $0).map(\.code) }).sorted()
        let kecamatan = codes.map { code -> KecamatanStock in
            let places = facts.balances[code] ?? [:]
            let store = places[.store] ?? 0
            let hoppers = places.filter { $0.key.isUnused && $0.key != .store }.reduce(0) { $0 + $1.value }
            let forecast = StockForecast(
                onHand: store + hoppers, usedByDay: facts.consumed[code] ?? [:], backlog: backlog[code] ?? 0,
                today: OfficeZone(regionCode: code).day(of: now))
            return KecamatanStock(
                kecamatanCode: code, name: regions.kecamatan(code)?.name, onHand: store + hoppers, store: store, hoppers: hoppers,
                spoiledAwaitingDestruction: places[.spoiled] ?? 0, consumptionPerDay: forecast.usagePerPrintingDay, daysLeft: forecast.daysLeft,
                reportedOnHand: facts.reportedOnHand[code], printingDays: forecast.printingDays, backlog: forecast.backlog,
                needForBacklog: forecast.needForBacklog, stations: stations[code] ?? 0, ribbonPrintsLeft: facts.ribbonPrints[code],
                ribbonDaysLeft: facts.ribbonPrints[code].flatMap { forecast.usagePerPrintingDay > 0 ? Double($0) / forecast.usagePerPrintingDay : nil })
        }
        let byKabupaten = Dictionary(grouping: kecamatan) { String($0.kecamatanCode.prefix(5)) }
        let kabupaten = byKabupaten.keys.sorted().map { code -> KabupatenStock in
            let rows = byKabupaten[code]!
            let onHand = rows.reduce(0) { $0 + $1.onHand }
            let rate = rows.reduce(0) { $0 + $1.consumptionPerDay }
            return KabupatenStock(
                kabupatenCode: code, name: regions.region(code)?.name, onHand: onHand, consumptionPerDay: rate,
                daysLeft: rate > 0 ? Double(onHand) / rate : nil, kecamatan: rows.count)
        }
        return StockOverview(windowDays: StockForecast.windowDays, kecamatan: kecamatan, kabupaten: kabupaten)
    }

    public func backlogView() async throws -> BacklogView {
        let rows = try await store.backlog().map { row in
            var r = row
            r.name = regions.kecamatan(row.kecamatanCode)?.name
            return r
        }
        return BacklogView(kecamatan: rows, totalWaiting: rows.reduce(0) { $0 + $1.waiting })
    }

    /// Everything someone at the centre should look at now.
    public func alertsView() async throws -> AlertsView {
        AlertsView(alerts: try await detectedAlerts(now: clock()) + store.stationAlerts(limit: 100))
    }

    /// What the hub finds from what it holds: printers long in error, stations silent,
    /// kecamatan short of blangko, events missing. Each lasts as long as its condition.
    func detectedAlerts(now: Date) async throws -> [HubAlert] {
        var alerts: [HubAlert] = []
        let stations = try await store.stations().filter { $0.revokedAt == nil }
        let byID = Dictionary(uniqueKeysWithValues: stations.map { ($0.id, $0) })

        let errorLimit = now.addingTimeInterval(-Double(config.deviceErrorMinutes) * 60)
        for d in try await store.devices() where byID[d.stationId] != nil {
            if let since = d.errorSince, since <= errorLimit {
                let reasons = d.reasons.map(\.label).joined(separator: ", ")
                alerts.append(
                    HubAlert(
                        kind: .deviceError, stationId: d.stationId, kecamatanCode: d.kecamatanCode, device: d.id.rawValue,
                        message: "printer \(d.id) gangguan lebih dari \(config.deviceErrorMinutes) menit\(reasons.isEmpty ? "" : ": \(reasons)")", since: since)
                )
            }
        }
        let silentLimit = now.addingTimeInterval(-Double(config.silentMinutes) * 60)
        for s in stations {
            let last = s.lastSeenAt ?? s.enrolledAt
            if last <= silentLimit {
                alerts.append(
                    HubAlert(
                        kind: .stationSilent, stationId: s.id, kecamatanCode: s.kecamatanCode, device: nil,
                        message: "stasiun \(s.name) tidak menghubungi hub lebih dari \(config.silentMinutes) menit", since: last))
            }
        }
        for k in try await stockOverview().kecamatan {
            if let days = k.daysLeft, days < Double(config.stockLowDays) {
                alerts.append(
                    HubAlert(
                        kind: .stockLow, stationId: nil, kecamatanCode: k.kecamatanCode, device: nil,
                        message: "blangko \(k.name ?? k.kecamatanCode) cukup untuk \(Int(days.rounded(.down))) hari (\(k.onHand) lembar)", since: nil))
            }
        }
        for (id, gaps) in try await store.gaps().sorted(by: { $0.key < $1.key }) {
            // Saturating: a station may claim any sequence number up to Int64.max, and the
            // count of what is missing must not trap the hub.
            let missing = gaps.reduce(Int64(0)) { total, gap in
                let (width, o1) = gap.to.subtractingReportingOverflow(gap.from)
                let (count, o2) = width.addingReportingOverflow(1)
                let (sum, o3) = total.addingReportingOverflow(count)
                return o1 || o2 || o3 ? Int64.max : sum
            }
            alerts.append(
                HubAlert(
                    kind: .sequenceGap, stationId: id, kecamatanCode: byID[id]?.kecamatanCode, device: nil,
                    message:
                        "\(missing) peristiwa belum diterima dari stasiun \(id) (nomor \(gaps.prefix(5).map { $0.from == $0.to ? "\($0.from)" : "\($0.from)–\($0.to)" }.joined(separator: ", ")))",
                    since: nil))
        }
        return alerts
    }
}
