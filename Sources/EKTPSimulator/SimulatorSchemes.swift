import EKTPDrivers

extension DriverRegistry {
    /// The real drivers and the simulated printers: `sim://MODEL?…` (a printer model from
    /// its profile, no bytes), `sim+evolis://` and `sim+magicard://` (a real USB driver
    /// talking to an emulator written from the vendor's guide).
    public static func withSimulators(profiles: ProfileCatalog) -> DriverRegistry {
        var registry = DriverRegistry(profiles: profiles)
        registry.register(scheme: "sim") { uri, profiles in try SimulatedPrinter(url: try Self.components(uri), profiles: profiles) }
        registry.register(scheme: "sim+evolis") { uri, profiles in try EmulatedEvolisPrinter(url: try Self.components(uri), profiles: profiles) }
        registry.register(scheme: "sim+magicard") { uri, profiles in try EmulatedMagicardPrinter(url: try Self.components(uri), profiles: profiles) }
        return registry
    }
}
