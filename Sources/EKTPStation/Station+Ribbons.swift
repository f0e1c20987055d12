import EKTPDomain
import EKTPDrivers
import EKTPStationStore
import EKTPWire
import Foundation

// MARK: Ribbons (RibbonStock)

extension Station {
    /// The stock view with the ribbons: each printer's roll, and the rolls in the store
    /// counted at the smallest roll the office's printers take.
    func stockView() throws -> StockView { try Self.stockView(store, profiles: registry.profiles) }

    static func stockView(_ store: StationStore, profiles: ProfileCatalog) throws -> StockView {
        var view = try store.stockView()
        let capacities = try store.devices().compactMap { ribbonCapacity(model: $0.model, state: $0.state, profiles: profiles) }
        view.ribbons = try store.ribbonStock(printsPerStoreRoll: capacities.min() ?? 0, usagePerPrintingDay: view.forecast.usagePerPrintingDay)
        return view
    }

    /// Prints a roll gives in this printer: what the printer says, else its profile's.
    static func ribbonCapacity(model: String, state: DeviceState, profiles: ProfileCatalog) -> Int? {
        if let told = state.supplies.ribbonCapacity, told > 0 { return told }
        let profile = profiles.profiles.values.filter { model.hasPrefix($0.name) || model == $0.id }.max { $0.name.count < $1.name.count }
        return profile?.ribbon.capacity
    }

    func ribbon(_ operation: StockOperation, by person: String) async throws -> StockChanged {
        switch operation {
        case .receiveRibbon(let rolls, let document):
            let id = try store.receiveRibbon(rolls, document: document, by: person)
            return StockChanged(entry: id, pendingCount: nil, message: "\(rolls) gulung ribbon diterima di gudang")
        case .loadRibbon(let device):
            guard let view = try store.devices().first(where: { $0.id == device }) else { throw StationError(.notFound, "printer \(device) tidak dikenal") }
            let capacity = Self.ribbonCapacity(model: view.model, state: await printer(device)?.status() ?? view.state, profiles: registry.profiles) ?? 0
            let id = try store.loadRibbon(device, capacity: capacity, by: person)
            return StockChanged(entry: id, pendingCount: nil, message: "1 gulung ribbon dipasang di \(device) (\(capacity) cetakan)")
        case .finishRibbon(let device):
            let id = try store.finishRibbon(device, by: person)
            return StockChanged(entry: id, pendingCount: nil, message: "ribbon di \(device) dicatat habis")
        default:
            throw StationError(.invalid, "\(operation.name) bukan catatan ribbon")
        }
    }
}
